/* strata/pkcs12.h - PKCS#12 bundles (pyOpenSSL's PKCS12), RFC 7292.
 *
 * A strata_pkcs12 is a plain holder of a private key, its certificate, CA
 * certificates and a friendly name; it keeps a reference on each. Loading
 * decrypts a DER PKCS#12 with a passphrase; exporting builds one.
 *
 * Legacy algorithms: files from old Java and Windows stores (and
 * `openssl pkcs12 -export -legacy`) encrypt with RC2-40 and 3DES, which
 * OpenSSL 3 keeps in its "legacy" provider. strata loads that provider only
 * when asked (STRATA_PKCS12_LEGACY), into OpenSSL's default library context,
 * together with the "default" provider, once per process; from then on the
 * legacy algorithms are available to the whole process, as with
 * `openssl -provider legacy -provider default`.
 */
#ifndef STRATA_PKCS12_H
#define STRATA_PKCS12_H

#include "pki_types.h"

/* load: allow legacy encryption (loads the legacy provider if it is needed).
 * export: write the legacy form (certificates RC2-40, key 3DES, SHA-1 MAC). */
#define STRATA_PKCS12_LEGACY 0x1u

/* An empty bundle. */
STRATA_API STRATA_MUST_CHECK strata_status strata_pkcs12_new(strata_pkcs12 **out,
                                                             strata_error *err);
STRATA_API void strata_pkcs12_free(strata_pkcs12 *p);

/* load_pkcs12(buffer, passphrase): DER (PEM is not a PKCS#12 form). The MAC
 * is checked first: E_PASSPHRASE for a wrong or missing passphrase;
 * E_LEGACY_ALG when the bundle uses RC2/3DES and flags lack
 * STRATA_PKCS12_LEGACY; E_BAD_DER for bad input. */
STRATA_API STRATA_MUST_CHECK strata_status strata_pkcs12_load(const void *data, size_t len,
                                                              const strata_passphrase *pw,
                                                              unsigned flags, strata_pkcs12 **out,
                                                              strata_error *err);
STRATA_API STRATA_MUST_CHECK strata_status strata_pkcs12_load_file(const char *path,
                                                                   const strata_passphrase *pw,
                                                                   unsigned flags,
                                                                   strata_pkcs12 **out,
                                                                   strata_error *err);

/* get_privatekey / get_certificate: borrowed (NULL when absent); take a
 * reference with *_up_ref to keep them past p. */
STRATA_API strata_pkey *strata_pkcs12_key(const strata_pkcs12 *p);
STRATA_API strata_x509 *strata_pkcs12_cert(const strata_pkcs12 *p);
/* get_ca_certificates: the count, and CA certificate i (borrowed). */
STRATA_API size_t strata_pkcs12_ca_count(const strata_pkcs12 *p);
STRATA_API strata_x509 *strata_pkcs12_ca(const strata_pkcs12 *p, size_t i);
/* get_friendlyname: borrowed, NULL when none. */
STRATA_API const char *strata_pkcs12_friendly_name(const strata_pkcs12 *p);

/* set_*: take a new reference (NULL clears). set_friendly_name copies. */
STRATA_API void strata_pkcs12_set_key(strata_pkcs12 *p, strata_pkey *k);
STRATA_API void strata_pkcs12_set_cert(strata_pkcs12 *p, strata_x509 *c);
/* Replaces the CA list with references to n certificates. */
STRATA_API STRATA_MUST_CHECK strata_status strata_pkcs12_set_cas(strata_pkcs12 *p,
                                                                 strata_x509 *const *cas, size_t n,
                                                                 strata_error *err);
STRATA_API STRATA_MUST_CHECK strata_status strata_pkcs12_set_friendly_name(strata_pkcs12 *p,
                                                                           const char *name,
                                                                           strata_error *err);

/* export(passphrase, iter, maciter): DER into out (reset first, marked
 * secret). Default: keys and certificates under PBES2 (PBKDF2 with
 * HMAC-SHA256, AES-256-CBC), HMAC-SHA256 MAC. iter: the PBKDF2 (legacy: PBE)
 * iteration count of the encryption; mac_iter: the MAC key derivation's,
 * apart from it (pyOpenSSL's maciter). Either 0 or less: 2048. pw NULL: an
 * empty passphrase. E_USAGE when there is nothing to export or the key does
 * not match the certificate. */
STRATA_API STRATA_MUST_CHECK strata_status strata_pkcs12_export(const strata_pkcs12 *p,
                                                                const strata_passphrase *pw,
                                                                unsigned flags, int iter,
                                                                int mac_iter, strata_buf *out,
                                                                strata_error *err);

/* Loads OpenSSL's legacy provider (with the default one) into the default
 * library context; idempotent. E_LEGACY_ALG when it is not installed. */
STRATA_API STRATA_MUST_CHECK strata_status strata_pki_enable_legacy(strata_error *err);

#endif
