/* strata/store.h - trust stores and chain verification (pyOpenSSL's
 * X509Store and X509StoreContext).
 *
 * A strata_x509_store holds trusted certificates and CRLs, verification flags
 * and an optional fixed verification time. It wraps one OpenSSL X509_STORE and
 * is reference counted; once configured it may be shared (TLS contexts take a
 * reference). A strata_x509_store_ctx verifies one certificate against a store.
 */
#ifndef STRATA_STORE_H
#define STRATA_STORE_H

#include <time.h>
#include "pki_types.h"

/* Verification flags (X509StoreFlags), OpenSSL's X509_V_FLAG_* values. */
#define STRATA_X509_STORE_CRL_CHECK 0x4ul        /* check the leaf against CRLs */
#define STRATA_X509_STORE_CRL_CHECK_ALL 0x8ul    /* ... and every certificate */
#define STRATA_X509_STORE_IGNORE_CRITICAL 0x10ul /* unknown critical extensions pass */
#define STRATA_X509_STORE_X509_STRICT 0x20ul     /* strict RFC 5280 checks */
#define STRATA_X509_STORE_ALLOW_PROXY_CERTS 0x40ul
#define STRATA_X509_STORE_POLICY_CHECK 0x80ul
#define STRATA_X509_STORE_EXPLICIT_POLICY 0x100ul
#define STRATA_X509_STORE_INHIBIT_MAP 0x400ul
#define STRATA_X509_STORE_NOTIFY_POLICY 0x800ul
#define STRATA_X509_STORE_CHECK_SS_SIGNATURE 0x4000ul
#define STRATA_X509_STORE_TRUSTED_FIRST 0x8000ul
#define STRATA_X509_STORE_PARTIAL_CHAIN 0x80000ul /* a trusted intermediate is an anchor */

STRATA_API STRATA_MUST_CHECK strata_status strata_x509_store_new(strata_x509_store **out,
                                                                 strata_error *err);
STRATA_API void strata_x509_store_free(strata_x509_store *s);
STRATA_API strata_x509_store *strata_x509_store_up_ref(strata_x509_store *s);
/* Wraps an OpenSSL store: takes a new reference (X509_STORE_up_ref). */
STRATA_API STRATA_MUST_CHECK strata_status strata_x509_store_from_openssl(X509_STORE *s,
                                                                          strata_x509_store **out,
                                                                          strata_error *err);
/* The OpenSSL store inside, borrowed: valid while s is. */
STRATA_API X509_STORE *strata_x509_store_openssl(const strata_x509_store *s);

/* add_cert: trusts cert (the store takes its own reference). Adding the same
 * certificate twice is not an error. */
STRATA_API STRATA_MUST_CHECK strata_status strata_x509_store_add_cert(strata_x509_store *s,
                                                                      const strata_x509 *cert,
                                                                      strata_error *err);
/* add_crl: the store takes its own reference. */
STRATA_API STRATA_MUST_CHECK strata_status strata_x509_store_add_crl(strata_x509_store *s,
                                                                     const strata_x509_crl *crl,
                                                                     strata_error *err);
/* load_locations: a PEM bundle file and/or a c_rehash directory (either may
 * be NULL, not both). */
STRATA_API STRATA_MUST_CHECK strata_status strata_x509_store_load_locations(strata_x509_store *s,
                                                                            const char *file,
                                                                            const char *dir,
                                                                            strata_error *err);
/* set_default_verify_paths: trusts the system's certificates (OpenSSL's
 * default file and directory, or SSL_CERT_FILE / SSL_CERT_DIR). */
STRATA_API STRATA_MUST_CHECK strata_status strata_x509_store_set_default_paths(strata_x509_store *s,
                                                                               strata_error *err);
/* set_flags: adds STRATA_X509_STORE_* flags. */
STRATA_API STRATA_MUST_CHECK strata_status strata_x509_store_set_flags(strata_x509_store *s,
                                                                       unsigned long flags,
                                                                       strata_error *err);
/* set_depth: at most depth intermediate certificates between the leaf and
 * the trust anchor (OpenSSL's default is 100). */
STRATA_API STRATA_MUST_CHECK strata_status strata_x509_store_set_depth(strata_x509_store *s,
                                                                       int depth,
                                                                       strata_error *err);
/* set_time: verify as of t instead of the current time. */
STRATA_API STRATA_MUST_CHECK strata_status strata_x509_store_set_time(strata_x509_store *s,
                                                                      time_t t, strata_error *err);

/* Why a verification failed: the certificate at depth (0 = the leaf), its
 * subject in one-line form, and OpenSSL's X509_V_ERR code and reason. */
typedef struct strata_x509_verify_failure {
    int depth;
    int code;
    char subject[256];
    char reason[128];
} strata_x509_verify_failure;

/* X509StoreContext(store, certificate, chain): untrusted is an optional array
 * of n intermediates (borrowed for the call; references are taken). The
 * context holds a reference on store and cert. */
STRATA_API STRATA_MUST_CHECK strata_status strata_x509_store_ctx_new(
    strata_x509_store *s, const strata_x509 *cert, strata_x509 *const *untrusted, size_t n,
    strata_x509_store_ctx **out, strata_error *err);
STRATA_API void strata_x509_store_ctx_free(strata_x509_store_ctx *c);
/* Also require the leaf to match host (a DNS name or an IP address). */
STRATA_API STRATA_MUST_CHECK strata_status strata_x509_store_ctx_set_host(strata_x509_store_ctx *c,
                                                                          const char *host,
                                                                          strata_error *err);
/* verify_certificate(): STRATA_OK, or a VERIFY status naming the problem
 * (E_CERT_EXPIRED, E_CERT_NOT_YET_VALID, E_CERT_UNTRUSTED, E_CERT_SIGNATURE,
 * E_CERT_REVOKED, E_CERT_HOSTNAME, else E_VERIFY); err's message names the
 * certificate ("certificate at depth 0 (/CN=localhost): certificate has
 * expired"). failure (may be NULL) receives the detail. */
STRATA_API STRATA_MUST_CHECK strata_status strata_x509_store_ctx_verify(
    strata_x509_store_ctx *c, strata_x509_verify_failure *failure, strata_error *err);
/* get_verified_chain(): after a successful verify, the chain from the leaf to
 * the trust anchor as a heap array of references (free with
 * strata_x509_chain_free). E_STATE before a successful verify. */
STRATA_API STRATA_MUST_CHECK strata_status strata_x509_store_ctx_chain(
    const strata_x509_store_ctx *c, strata_x509 ***out, size_t *n, strata_error *err);

/* X509StoreContextError.certificate: after a failed verify, a new reference
 * to the certificate the failure is about. E_STATE when the last verify did
 * not fail or named no certificate. */
STRATA_API STRATA_MUST_CHECK strata_status strata_x509_store_ctx_failed_cert(
    const strata_x509_store_ctx *c, strata_x509 **out, strata_error *err);

/* One call: verify cert (with untrusted intermediates) against s, and
 * optionally host; chain/n_chain may be NULL. */
STRATA_API STRATA_MUST_CHECK strata_status strata_x509_store_verify(
    strata_x509_store *s, const strata_x509 *cert, strata_x509 *const *untrusted, size_t n,
    const char *host, strata_x509 ***chain, size_t *n_chain, strata_x509_verify_failure *failure,
    strata_error *err);

#endif
