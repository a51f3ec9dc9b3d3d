/* strata/x509_ext.h - certificate extensions (pyOpenSSL's X509Extension).
 *
 * An extension is made from its name and a value in OpenSSL's configuration
 * syntax (x509v3_config(5)), for example:
 *   subjectAltName          "DNS:localhost,IP:127.0.0.1,email:a@b.example,URI:https://x/"
 *   basicConstraints        "CA:TRUE,pathlen:0"
 *   keyUsage                "digitalSignature,keyEncipherment"
 *   extendedKeyUsage        "serverAuth,clientAuth"
 *   subjectKeyIdentifier    "hash"                 (needs subject)
 *   authorityKeyIdentifier  "keyid:always"         (needs issuer)
 *   nameConstraints         "permitted;DNS:.example.com"
 *   crlDistributionPoints   "URI:http://crl.example/ca.crl"
 * A strata_x509_ext is owned by its creator; certificates and requests copy
 * the extensions added to them.
 */
#ifndef STRATA_X509_EXT_H
#define STRATA_X509_EXT_H

#include "pki_types.h"

/* X509Extension(type_name, critical, value, subject, issuer): subject and
 * issuer (may be NULL; borrowed for the call) are the certificates the
 * "hash" and "keyid" values are computed from. E_USAGE with OpenSSL's reason
 * for an unknown name or a bad value. */
STRATA_API STRATA_MUST_CHECK strata_status
strata_x509_ext_new(const char *name, int critical, const char *value, const strata_x509 *subject,
                    const strata_x509 *issuer, strata_x509_ext **out, strata_error *err);
/* As strata_x509_ext_new for a certificate request: subjectKeyIdentifier
 * "hash" is computed from req's public key. */
STRATA_API STRATA_MUST_CHECK strata_status
strata_x509_ext_new_for_req(const char *name, int critical, const char *value,
                            const strata_x509_req *req, strata_x509_ext **out, strata_error *err);
STRATA_API void strata_x509_ext_free(strata_x509_ext *e);
STRATA_API STRATA_MUST_CHECK strata_status strata_x509_ext_dup(const strata_x509_ext *e,
                                                               strata_x509_ext **out,
                                                               strata_error *err);
/* A copy of an OpenSSL extension (e borrowed for the call). */
STRATA_API STRATA_MUST_CHECK strata_status strata_x509_ext_from_openssl(const X509_EXTENSION *e,
                                                                        strata_x509_ext **out,
                                                                        strata_error *err);
/* Borrowed; valid while e is. */
STRATA_API X509_EXTENSION *strata_x509_ext_openssl(const strata_x509_ext *e);

/* get_critical(). */
STRATA_API int strata_x509_ext_critical(const strata_x509_ext *e);
/* get_short_name(): "subjectAltName", "basicConstraints" ... or "UNDEF" for an
 * unknown OID. Static storage. */
STRATA_API const char *strata_x509_ext_short_name(const strata_x509_ext *e);
/* get_data(): the DER-encoded value inside the extension's OCTET STRING
 * (out reset on entry). */
STRATA_API STRATA_MUST_CHECK strata_status strata_x509_ext_data(const strata_x509_ext *e,
                                                                strata_buf *out, strata_error *err);
/* str(): human text ("DNS:localhost, IP Address:127.0.0.1"); unknown
 * extensions print as hex. */
STRATA_API STRATA_MUST_CHECK strata_status strata_x509_ext_text(const strata_x509_ext *e,
                                                                char **out, strata_error *err);

#endif
