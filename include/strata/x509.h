/* strata/x509.h - X.509 certificates (pyOpenSSL's X509).
 *
 * A strata_x509 wraps one OpenSSL X509. It is reference counted
 * (strata_x509_up_ref / strata_x509_free) and may be shared read-only between
 * threads; the setters must not race with readers. See pki_types.h for the
 * conventions on errors, outputs and strings.
 *
 * Times are passed in (`now`): strata never reads the clock itself.
 */
#ifndef STRATA_X509_H
#define STRATA_X509_H

#include <stdint.h>
#include <time.h>
#include "pki_types.h"

/* X.509 version field values (the encoded value is the version minus one). */
#define STRATA_X509_V1 0
#define STRATA_X509_V3 2

/* A new, empty certificate (version 1, no fields set). *out: one reference. */
STRATA_API STRATA_MUST_CHECK strata_status strata_x509_new(strata_x509 **out, strata_error *err);
/* Releases one reference (NULL allowed). */
STRATA_API void strata_x509_free(strata_x509 *x);
/* Adds a reference; returns x. */
STRATA_API strata_x509 *strata_x509_up_ref(strata_x509 *x);
/* A deep copy with its own reference count. */
STRATA_API STRATA_MUST_CHECK strata_status strata_x509_dup(const strata_x509 *x, strata_x509 **out,
                                                           strata_error *err);
/* Wraps an OpenSSL certificate: takes a new reference on x (X509_up_ref);
 * the caller keeps its own. */
STRATA_API STRATA_MUST_CHECK strata_status strata_x509_from_openssl(X509 *x, strata_x509 **out,
                                                                    strata_error *err);
/* The OpenSSL certificate inside, borrowed: valid while x is; do not free it.
 * Take X509_up_ref on it to keep it longer. */
STRATA_API X509 *strata_x509_openssl(const strata_x509 *x);

/* load_certificate: the first certificate of PEM data (other blocks are
 * skipped) or one DER certificate (trailing bytes refused). data is borrowed
 * for the call. Bad input: E_BAD_PEM, E_BAD_DER, E_TRAILING, E_LIMIT. */
STRATA_API STRATA_MUST_CHECK strata_status strata_x509_load(const void *data, size_t len,
                                                            strata_pki_format fmt,
                                                            strata_x509 **out, strata_error *err);
STRATA_API STRATA_MUST_CHECK strata_status strata_x509_load_file(const char *path,
                                                                 strata_pki_format fmt,
                                                                 strata_x509 **out,
                                                                 strata_error *err);
/* Every certificate of a PEM bundle, in order (a DER input gives one).
 * *out: a heap array of *n references; free with strata_x509_chain_free. */
STRATA_API STRATA_MUST_CHECK strata_status strata_x509_load_chain(const void *data, size_t len,
                                                                  strata_x509 ***out, size_t *n,
                                                                  strata_error *err);
STRATA_API STRATA_MUST_CHECK strata_status strata_x509_load_chain_file(const char *path,
                                                                       strata_x509 ***out,
                                                                       size_t *n,
                                                                       strata_error *err);
/* Frees the n references of chain and the array (NULL allowed). */
STRATA_API void strata_x509_chain_free(strata_x509 **chain, size_t n);
/* dump_certificate: PEM, DER or human text. out is an owning strata_buf
 * (strata_buf_init by the caller), reset on entry. */
STRATA_API STRATA_MUST_CHECK strata_status strata_x509_dump(const strata_x509 *x,
                                                            strata_pki_format fmt, strata_buf *out,
                                                            strata_error *err);

/* get_version / set_version: the encoded value (STRATA_X509_V1..V3). */
STRATA_API long strata_x509_get_version(const strata_x509 *x);
STRATA_API STRATA_MUST_CHECK strata_status strata_x509_set_version(strata_x509 *x, long version,
                                                                   strata_error *err);

/* Serial numbers of any size. set from big-endian unsigned bytes, from hex
 * ("0x" optional), from a u64, or 20 random bytes (positive, RFC 5280 §4.1.2.2
 * allows at most 20 octets). get: upper-case hex without leading zeros
 * ("0" for zero; negative serials from old CAs start with '-'). */
STRATA_API STRATA_MUST_CHECK strata_status strata_x509_set_serial(strata_x509 *x, const uint8_t *be,
                                                                  size_t n, strata_error *err);
STRATA_API STRATA_MUST_CHECK strata_status strata_x509_set_serial_hex(strata_x509 *x,
                                                                      const char *hex,
                                                                      strata_error *err);
STRATA_API STRATA_MUST_CHECK strata_status strata_x509_set_serial_u64(strata_x509 *x, uint64_t v,
                                                                      strata_error *err);
STRATA_API STRATA_MUST_CHECK strata_status strata_x509_set_serial_random(strata_x509 *x,
                                                                         strata_error *err);
STRATA_API STRATA_MUST_CHECK strata_status strata_x509_get_serial_hex(const strata_x509 *x,
                                                                      char **out,
                                                                      strata_error *err);

/* get_issuer / get_subject: a copy the caller frees (pyOpenSSL lends a
 * reference that dangles when the certificate dies; a copy cannot).
 * set_issuer / set_subject copy name. */
STRATA_API STRATA_MUST_CHECK strata_status strata_x509_get_issuer(const strata_x509 *x,
                                                                  strata_x509_name **out,
                                                                  strata_error *err);
STRATA_API STRATA_MUST_CHECK strata_status strata_x509_get_subject(const strata_x509 *x,
                                                                   strata_x509_name **out,
                                                                   strata_error *err);
STRATA_API STRATA_MUST_CHECK strata_status strata_x509_set_issuer(strata_x509 *x,
                                                                  const strata_x509_name *name,
                                                                  strata_error *err);
STRATA_API STRATA_MUST_CHECK strata_status strata_x509_set_subject(strata_x509 *x,
                                                                   const strata_x509_name *name,
                                                                   strata_error *err);

/* get_pubkey: a new public-only key reference the caller frees.
 * set_pubkey: copies the public half of key. */
STRATA_API STRATA_MUST_CHECK strata_status strata_x509_get_pubkey(const strata_x509 *x,
                                                                  strata_pkey **out,
                                                                  strata_error *err);
STRATA_API STRATA_MUST_CHECK strata_status strata_x509_set_pubkey(strata_x509 *x,
                                                                  const strata_pkey *key,
                                                                  strata_error *err);

/* Validity. Absolute times as time_t (UTC) or as ASN.1 text
 * ("YYYYMMDDhhmmssZ", pyOpenSSL's set_notBefore); gmtime_adj_* set now + secs
 * (secs may be negative). get_*: time_t, and the text form. */
STRATA_API STRATA_MUST_CHECK strata_status strata_x509_set_not_before(strata_x509 *x, time_t t,
                                                                      strata_error *err);
STRATA_API STRATA_MUST_CHECK strata_status strata_x509_set_not_after(strata_x509 *x, time_t t,
                                                                     strata_error *err);
STRATA_API STRATA_MUST_CHECK strata_status strata_x509_set_not_before_str(strata_x509 *x,
                                                                          const char *asn1,
                                                                          strata_error *err);
STRATA_API STRATA_MUST_CHECK strata_status strata_x509_set_not_after_str(strata_x509 *x,
                                                                         const char *asn1,
                                                                         strata_error *err);
STRATA_API STRATA_MUST_CHECK strata_status strata_x509_gmtime_adj_not_before(strata_x509 *x,
                                                                             time_t now, long secs,
                                                                             strata_error *err);
STRATA_API STRATA_MUST_CHECK strata_status strata_x509_gmtime_adj_not_after(strata_x509 *x,
                                                                            time_t now, long secs,
                                                                            strata_error *err);
STRATA_API STRATA_MUST_CHECK strata_status strata_x509_get_not_before(const strata_x509 *x,
                                                                      time_t *out,
                                                                      strata_error *err);
STRATA_API STRATA_MUST_CHECK strata_status strata_x509_get_not_after(const strata_x509 *x,
                                                                     time_t *out,
                                                                     strata_error *err);
/* "YYYYMMDDhhmmssZ" (GeneralizedTime form, whatever the encoding). */
STRATA_API STRATA_MUST_CHECK strata_status strata_x509_get_not_before_str(const strata_x509 *x,
                                                                          char **out,
                                                                          strata_error *err);
STRATA_API STRATA_MUST_CHECK strata_status strata_x509_get_not_after_str(const strata_x509 *x,
                                                                         char **out,
                                                                         strata_error *err);
/* has_expired: *expired = 1 when notAfter is before now. */
STRATA_API STRATA_MUST_CHECK strata_status strata_x509_has_expired(const strata_x509 *x, time_t now,
                                                                   int *expired, strata_error *err);

/* sign(pkey, digest): digest is an OpenSSL name ("sha256"); NULL picks
 * sha256, and Ed25519 / Ed448 keys sign without one (a digest is refused for
 * them with E_USAGE). E_UNKNOWN_ALG for an unknown digest, E_NO_PRIVATE_KEY for
 * a public-only key. */
STRATA_API STRATA_MUST_CHECK strata_status strata_x509_sign(strata_x509 *x, const strata_pkey *key,
                                                            const char *digest, strata_error *err);
/* Checks the certificate's signature with key: E_CERT_SIGNATURE when it does
 * not verify. */
STRATA_API STRATA_MUST_CHECK strata_status strata_x509_verify(const strata_x509 *x,
                                                              const strata_pkey *key,
                                                              strata_error *err);
/* crypto.verify(cert, signature, data, digest): checks a signature made with
 * strata_pkey_sign by the certificate's key. E_BAD_SIGNATURE when it does not
 * match. */
STRATA_API STRATA_MUST_CHECK strata_status strata_x509_verify_data(const strata_x509 *x,
                                                                   const void *sig, size_t siglen,
                                                                   const void *data, size_t len,
                                                                   const char *digest,
                                                                   strata_error *err);
/* E_KEY_MISMATCH unless key is the private half of the certificate's key. */
STRATA_API STRATA_MUST_CHECK strata_status strata_x509_check_private_key(const strata_x509 *x,
                                                                         const strata_pkey *key,
                                                                         strata_error *err);
/* E_CERT_HOSTNAME unless the certificate matches name (a DNS name, checked
 * against subjectAltName per RFC 6125, or an IPv4/IPv6 address). */
STRATA_API STRATA_MUST_CHECK strata_status strata_x509_check_host(const strata_x509 *x,
                                                                  const char *name,
                                                                  strata_error *err);

/* digest(name): the fingerprint as "AB:CD:..." (pyOpenSSL's format). */
STRATA_API STRATA_MUST_CHECK strata_status strata_x509_digest(const strata_x509 *x,
                                                              const char *name, char **out,
                                                              strata_error *err);
/* subject_name_hash: OpenSSL's hash of the subject (the c_rehash name). */
STRATA_API STRATA_MUST_CHECK strata_status strata_x509_subject_name_hash(const strata_x509 *x,
                                                                         unsigned long *out,
                                                                         strata_error *err);
/* get_signature_algorithm: the long name ("sha256WithRSAEncryption", "ED25519");
 * static storage. E_UNKNOWN_ALG when OpenSSL does not know the OID. */
STRATA_API STRATA_MUST_CHECK strata_status strata_x509_signature_algorithm(const strata_x509 *x,
                                                                           const char **out,
                                                                           strata_error *err);

/* Extensions: add_extensions copies ext in; count; get by index (a copy the
 * caller frees; E_USAGE when idx is out of range). */
STRATA_API STRATA_MUST_CHECK strata_status strata_x509_add_ext(strata_x509 *x,
                                                               const strata_x509_ext *ext,
                                                               strata_error *err);
/* add_extensions(extensions): copies the n extensions in, in order; on failure
 * none of them is added. */
STRATA_API STRATA_MUST_CHECK strata_status strata_x509_add_exts(strata_x509 *x,
                                                                strata_x509_ext *const *exts,
                                                                size_t n, strata_error *err);
STRATA_API size_t strata_x509_ext_count(const strata_x509 *x);
STRATA_API STRATA_MUST_CHECK strata_status strata_x509_get_ext(const strata_x509 *x, size_t idx,
                                                               strata_x509_ext **out,
                                                               strata_error *err);

#endif
