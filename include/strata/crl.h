/* strata/crl.h - certificate revocation lists (pyOpenSSL's CRL and Revoked).
 *
 * A strata_x509_crl wraps one OpenSSL X509_CRL, reference counted. A
 * strata_revoked is one entry (serial, revocation date, reason) owned by its
 * creator; adding it to a CRL copies it.
 */
#ifndef STRATA_CRL_H
#define STRATA_CRL_H

#include <time.h>
#include "pki_types.h"

STRATA_API STRATA_MUST_CHECK strata_status strata_x509_crl_new(strata_x509_crl **out,
                                                               strata_error *err);
STRATA_API void strata_x509_crl_free(strata_x509_crl *c);
STRATA_API strata_x509_crl *strata_x509_crl_up_ref(strata_x509_crl *c);
/* Wraps an OpenSSL CRL: takes a new reference (X509_CRL_up_ref). */
STRATA_API STRATA_MUST_CHECK strata_status strata_x509_crl_from_openssl(X509_CRL *c,
                                                                        strata_x509_crl **out,
                                                                        strata_error *err);
/* The OpenSSL CRL inside, borrowed: valid while c is. */
STRATA_API X509_CRL *strata_x509_crl_openssl(const strata_x509_crl *c);

/* load_crl: PEM ("X509 CRL") or DER. */
STRATA_API STRATA_MUST_CHECK strata_status strata_x509_crl_load(const void *data, size_t len,
                                                                strata_pki_format fmt,
                                                                strata_x509_crl **out,
                                                                strata_error *err);
STRATA_API STRATA_MUST_CHECK strata_status strata_x509_crl_load_file(const char *path,
                                                                     strata_pki_format fmt,
                                                                     strata_x509_crl **out,
                                                                     strata_error *err);
/* dump_crl: PEM, DER or text (out reset on entry). */
STRATA_API STRATA_MUST_CHECK strata_status strata_x509_crl_dump(const strata_x509_crl *c,
                                                                strata_pki_format fmt,
                                                                strata_buf *out, strata_error *err);

/* set_version (1 = v2 CRL, needed for entry extensions such as reasons). */
STRATA_API STRATA_MUST_CHECK strata_status strata_x509_crl_set_version(strata_x509_crl *c,
                                                                       long version,
                                                                       strata_error *err);
STRATA_API long strata_x509_crl_get_version(const strata_x509_crl *c);
/* get_issuer: a copy; set_issuer copies. */
STRATA_API STRATA_MUST_CHECK strata_status strata_x509_crl_get_issuer(const strata_x509_crl *c,
                                                                      strata_x509_name **out,
                                                                      strata_error *err);
STRATA_API STRATA_MUST_CHECK strata_status strata_x509_crl_set_issuer(strata_x509_crl *c,
                                                                      const strata_x509_name *n,
                                                                      strata_error *err);
/* set_lastUpdate / set_nextUpdate (thisUpdate / nextUpdate of RFC 5280). */
STRATA_API STRATA_MUST_CHECK strata_status strata_x509_crl_set_last_update(strata_x509_crl *c,
                                                                           time_t t,
                                                                           strata_error *err);
STRATA_API STRATA_MUST_CHECK strata_status strata_x509_crl_set_next_update(strata_x509_crl *c,
                                                                           time_t t,
                                                                           strata_error *err);
/* add_revoked: copies r in. */
STRATA_API STRATA_MUST_CHECK strata_status strata_x509_crl_add_revoked(strata_x509_crl *c,
                                                                       const strata_revoked *r,
                                                                       strata_error *err);
/* get_revoked: the number of entries, and a copy of entry i. */
STRATA_API size_t strata_x509_crl_revoked_count(const strata_x509_crl *c);
STRATA_API STRATA_MUST_CHECK strata_status strata_x509_crl_get_revoked(const strata_x509_crl *c,
                                                                       size_t i,
                                                                       strata_revoked **out,
                                                                       strata_error *err);
/* sign(issuer_cert, issuer_key, digest): sets the issuer name from
 * issuer_cert, adds an authorityKeyIdentifier, sorts the entries and signs.
 * issuer_cert may be NULL to sign with only the key (the issuer name must
 * then be set). digest as for strata_x509_sign. */
STRATA_API STRATA_MUST_CHECK strata_status strata_x509_crl_sign(strata_x509_crl *c,
                                                                const strata_x509 *issuer_cert,
                                                                const strata_pkey *issuer_key,
                                                                const char *digest,
                                                                strata_error *err);
/* E_BAD_SIGNATURE unless key verifies the CRL's signature. */
STRATA_API STRATA_MUST_CHECK strata_status strata_x509_crl_verify(const strata_x509_crl *c,
                                                                  const strata_pkey *key,
                                                                  strata_error *err);

/* Revocation reasons (RFC 5280 §5.3.1 CRLReason); pyOpenSSL names them by
 * text: "unspecified", "keyCompromise", "CACompromise", "affiliationChanged",
 * "superseded", "cessationOfOperation", "certificateHold", "removeFromCRL",
 * "privilegeWithdrawn", "AACompromise". */
#define STRATA_REVOKED_NO_REASON (-1)

STRATA_API STRATA_MUST_CHECK strata_status strata_revoked_new(strata_revoked **out,
                                                              strata_error *err);
STRATA_API void strata_revoked_free(strata_revoked *r);
/* set_serial (hex, "0x" optional) / get_serial (upper-case hex). */
STRATA_API STRATA_MUST_CHECK strata_status strata_revoked_set_serial_hex(strata_revoked *r,
                                                                         const char *hex,
                                                                         strata_error *err);
STRATA_API STRATA_MUST_CHECK strata_status strata_revoked_get_serial_hex(const strata_revoked *r,
                                                                         char **out,
                                                                         strata_error *err);
/* set_rev_date / get_rev_date. */
STRATA_API STRATA_MUST_CHECK strata_status strata_revoked_set_date(strata_revoked *r, time_t t,
                                                                   strata_error *err);
STRATA_API STRATA_MUST_CHECK strata_status strata_revoked_get_date(const strata_revoked *r,
                                                                   time_t *out, strata_error *err);
/* set_reason(text) (NULL removes it) / get_reason: the text above, or NULL
 * when the entry has no reason. E_USAGE for an unknown reason. */
STRATA_API STRATA_MUST_CHECK strata_status strata_revoked_set_reason(strata_revoked *r,
                                                                     const char *reason,
                                                                     strata_error *err);
STRATA_API STRATA_MUST_CHECK strata_status strata_revoked_get_reason(const strata_revoked *r,
                                                                     const char **out,
                                                                     strata_error *err);
/* all_reasons(): the texts above, indexed by reason code (NULL for 7, unused);
 * *n receives the array length. Static storage. */
STRATA_API const char *const *strata_revoked_all_reasons(size_t *n);

#endif
