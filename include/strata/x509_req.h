/* strata/x509_req.h - certificate signing requests (pyOpenSSL's X509Req),
 * PKCS#10 (RFC 2986). A strata_x509_req owns one OpenSSL X509_REQ. */
#ifndef STRATA_X509_REQ_H
#define STRATA_X509_REQ_H

#include "pki_types.h"

STRATA_API STRATA_MUST_CHECK strata_status strata_x509_req_new(strata_x509_req **out,
                                                               strata_error *err);
STRATA_API void strata_x509_req_free(strata_x509_req *r);
/* Wraps a copy of an OpenSSL request (r borrowed for the call). */
STRATA_API STRATA_MUST_CHECK strata_status strata_x509_req_from_openssl(const X509_REQ *r,
                                                                        strata_x509_req **out,
                                                                        strata_error *err);
/* Borrowed; valid while r is. */
STRATA_API X509_REQ *strata_x509_req_openssl(const strata_x509_req *r);

/* load_certificate_request: PEM ("CERTIFICATE REQUEST", also "NEW ...") or
 * DER. */
STRATA_API STRATA_MUST_CHECK strata_status strata_x509_req_load(const void *data, size_t len,
                                                                strata_pki_format fmt,
                                                                strata_x509_req **out,
                                                                strata_error *err);
STRATA_API STRATA_MUST_CHECK strata_status strata_x509_req_load_file(const char *path,
                                                                     strata_pki_format fmt,
                                                                     strata_x509_req **out,
                                                                     strata_error *err);
/* dump_certificate_request: PEM, DER or text (out reset on entry). */
STRATA_API STRATA_MUST_CHECK strata_status strata_x509_req_dump(const strata_x509_req *r,
                                                                strata_pki_format fmt,
                                                                strata_buf *out, strata_error *err);

/* get_version / set_version: PKCS#10 defines only version 0. */
STRATA_API long strata_x509_req_get_version(const strata_x509_req *r);
STRATA_API STRATA_MUST_CHECK strata_status strata_x509_req_set_version(strata_x509_req *r,
                                                                       long version,
                                                                       strata_error *err);
/* get_subject: a copy; set_subject copies. */
STRATA_API STRATA_MUST_CHECK strata_status strata_x509_req_get_subject(const strata_x509_req *r,
                                                                       strata_x509_name **out,
                                                                       strata_error *err);
STRATA_API STRATA_MUST_CHECK strata_status strata_x509_req_set_subject(strata_x509_req *r,
                                                                       const strata_x509_name *n,
                                                                       strata_error *err);
/* get_pubkey: a new public-only key; set_pubkey copies the public half. */
STRATA_API STRATA_MUST_CHECK strata_status strata_x509_req_get_pubkey(const strata_x509_req *r,
                                                                      strata_pkey **out,
                                                                      strata_error *err);
STRATA_API STRATA_MUST_CHECK strata_status strata_x509_req_set_pubkey(strata_x509_req *r,
                                                                      const strata_pkey *k,
                                                                      strata_error *err);
/* add_extensions: copies the n extensions in, after any already requested. */
STRATA_API STRATA_MUST_CHECK strata_status strata_x509_req_add_exts(strata_x509_req *r,
                                                                    strata_x509_ext *const *exts,
                                                                    size_t n, strata_error *err);
/* get_extensions: the number of requested extensions and a copy of one. */
STRATA_API size_t strata_x509_req_ext_count(const strata_x509_req *r);
STRATA_API STRATA_MUST_CHECK strata_status strata_x509_req_get_ext(const strata_x509_req *r,
                                                                   size_t i, strata_x509_ext **out,
                                                                   strata_error *err);
/* sign(pkey, digest), as strata_x509_sign. */
STRATA_API STRATA_MUST_CHECK strata_status strata_x509_req_sign(strata_x509_req *r,
                                                                const strata_pkey *k,
                                                                const char *digest,
                                                                strata_error *err);
/* verify(pkey): E_BAD_SIGNATURE unless k verifies the request. k NULL: the
 * request's own public key (proof of possession). */
STRATA_API STRATA_MUST_CHECK strata_status strata_x509_req_verify(const strata_x509_req *r,
                                                                  const strata_pkey *k,
                                                                  strata_error *err);

#endif
