/* strata/pkcs7.h - PKCS#7 / CMS containers (pyOpenSSL's PKCS7), RFC 2315.
 * strata reads them (certificate bundles from `openssl crl2pkcs7`, Windows
 * .p7b files, signed data) and tells their type and certificates. A
 * strata_pkcs7 owns one OpenSSL PKCS7. */
#ifndef STRATA_PKCS7_H
#define STRATA_PKCS7_H

#include "pki_types.h"

/* load_pkcs7_data(type, buffer): PEM ("PKCS7", also "PKCS #7 SIGNED DATA") or
 * DER. */
STRATA_API STRATA_MUST_CHECK strata_status strata_pkcs7_load(const void *data, size_t len,
                                                             strata_pki_format fmt,
                                                             strata_pkcs7 **out, strata_error *err);
STRATA_API STRATA_MUST_CHECK strata_status strata_pkcs7_load_file(const char *path,
                                                                  strata_pki_format fmt,
                                                                  strata_pkcs7 **out,
                                                                  strata_error *err);
STRATA_API void strata_pkcs7_free(strata_pkcs7 *p);
/* Borrowed; valid while p is. */
STRATA_API PKCS7 *strata_pkcs7_openssl(const strata_pkcs7 *p);
/* PEM, DER or text (out reset on entry). */
STRATA_API STRATA_MUST_CHECK strata_status strata_pkcs7_dump(const strata_pkcs7 *p,
                                                             strata_pki_format fmt, strata_buf *out,
                                                             strata_error *err);

/* type_is_signed(), type_is_enveloped(), type_is_signedAndEnveloped(),
 * type_is_data(): 1 or 0. */
STRATA_API int strata_pkcs7_type_is_signed(const strata_pkcs7 *p);
STRATA_API int strata_pkcs7_type_is_enveloped(const strata_pkcs7 *p);
STRATA_API int strata_pkcs7_type_is_signed_and_enveloped(const strata_pkcs7 *p);
STRATA_API int strata_pkcs7_type_is_data(const strata_pkcs7 *p);
/* get_type_name(): "pkcs7-signedData", "pkcs7-envelopedData" ... (static). */
STRATA_API const char *strata_pkcs7_type_name(const strata_pkcs7 *p);

/* The certificates inside (signed and signedAndEnveloped types; 0 for the
 * others), and a new reference to certificate i. */
STRATA_API size_t strata_pkcs7_cert_count(const strata_pkcs7 *p);
STRATA_API STRATA_MUST_CHECK strata_status strata_pkcs7_cert(const strata_pkcs7 *p, size_t i,
                                                             strata_x509 **out, strata_error *err);
/* The CRLs inside, likewise. */
STRATA_API size_t strata_pkcs7_crl_count(const strata_pkcs7 *p);
STRATA_API STRATA_MUST_CHECK strata_status strata_pkcs7_crl(const strata_pkcs7 *p, size_t i,
                                                            strata_x509_crl **out,
                                                            strata_error *err);

#endif
