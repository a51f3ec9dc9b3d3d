/* pki/pkcs7: reading PKCS#7 containers (pyOpenSSL's PKCS7), RFC 2315 §7-§12. */
#include <stdlib.h>
#include <openssl/pem.h>
#include <openssl/pkcs7.h>

#include "pki/pki_internal.h"

struct strata_pkcs7 {
    PKCS7 *p;
};

strata_status strata_pkcs7_load(const void *data, size_t len, strata_pki_format fmt,
                                strata_pkcs7 **out, strata_error *err)
{
    *out = NULL;
    ASN1_VALUE *v = NULL;
    strata_status r = strata__pki_decode(data, len, fmt, PEM_STRING_PKCS7, ASN1_ITEM_rptr(PKCS7),
                                         "PKCS#7", &v, err);
    if (r != STRATA_OK)
        return r;
    strata_pkcs7 *w = calloc(1, sizeof(*w));
    if (!w) {
        PKCS7_free((PKCS7 *)v);
        return STRATA__PKI_NOMEM(err);
    }
    w->p = (PKCS7 *)v;
    *out = w;
    return STRATA_OK;
}

strata_status strata_pkcs7_load_file(const char *path, strata_pki_format fmt, strata_pkcs7 **out,
                                     strata_error *err)
{
    *out = NULL;
    strata_buf b;
    strata_status r = strata_pki_read_file(path, &b, 0, err);
    if (r == STRATA_OK)
        r = strata_pkcs7_load(strata_buf_ptr(&b), strata_buf_len(&b), fmt, out, err);
    strata_buf_free(&b);
    return r;
}

void strata_pkcs7_free(strata_pkcs7 *p)
{
    if (!p)
        return;
    PKCS7_free(p->p);
    free(p);
}

PKCS7 *strata_pkcs7_openssl(const strata_pkcs7 *p)
{
    return p ? p->p : NULL;
}

strata_status strata_pkcs7_dump(const strata_pkcs7 *p, strata_pki_format fmt, strata_buf *out,
                                strata_error *err)
{
    if (fmt != STRATA_PKI_TEXT)
        return strata__pki_encode((const ASN1_VALUE *)p->p, ASN1_ITEM_rptr(PKCS7), fmt,
                                  PEM_STRING_PKCS7, out, err);
    strata_buf_reset(out);
    BIO *bio = NULL;
    strata_status r = strata__pki_membio(&bio, err);
    if (r != STRATA_OK)
        return r;
    r = PKCS7_print_ctx(bio, p->p, 0, NULL) > 0
            ? strata__pki_bio_take(bio, out, err)
            : strata__pki_fail(err, STRATA_E_CRYPTO, "printing the PKCS#7 failed");
    BIO_free(bio);
    return r;
}

static int type_nid(const strata_pkcs7 *p)
{
    return p->p->type ? OBJ_obj2nid(p->p->type) : NID_undef;
}

int strata_pkcs7_type_is_signed(const strata_pkcs7 *p)
{
    return type_nid(p) == NID_pkcs7_signed;
}

int strata_pkcs7_type_is_enveloped(const strata_pkcs7 *p)
{
    return type_nid(p) == NID_pkcs7_enveloped;
}

int strata_pkcs7_type_is_signed_and_enveloped(const strata_pkcs7 *p)
{
    return type_nid(p) == NID_pkcs7_signedAndEnveloped;
}

int strata_pkcs7_type_is_data(const strata_pkcs7 *p)
{
    return type_nid(p) == NID_pkcs7_data;
}

const char *strata_pkcs7_type_name(const strata_pkcs7 *p)
{
    int nid = type_nid(p);
    return nid != NID_undef ? OBJ_nid2sn(nid) : "UNDEF";
}

static STACK_OF(X509) * certs_of(const strata_pkcs7 *p)
{
    if (strata_pkcs7_type_is_signed(p))
        return p->p->d.sign ? p->p->d.sign->cert : NULL;
    if (strata_pkcs7_type_is_signed_and_enveloped(p))
        return p->p->d.signed_and_enveloped ? p->p->d.signed_and_enveloped->cert : NULL;
    return NULL;
}

static STACK_OF(X509_CRL) * crls_of(const strata_pkcs7 *p)
{
    if (strata_pkcs7_type_is_signed(p))
        return p->p->d.sign ? p->p->d.sign->crl : NULL;
    if (strata_pkcs7_type_is_signed_and_enveloped(p))
        return p->p->d.signed_and_enveloped ? p->p->d.signed_and_enveloped->crl : NULL;
    return NULL;
}

size_t strata_pkcs7_cert_count(const strata_pkcs7 *p)
{
    int n = sk_X509_num(certs_of(p));
    return n > 0 ? (size_t)n : 0;
}

strata_status strata_pkcs7_cert(const strata_pkcs7 *p, size_t i, strata_x509 **out,
                                strata_error *err)
{
    *out = NULL;
    size_t n = strata_pkcs7_cert_count(p);
    if (i >= n)
        return strata__pki_fail_plain(err, STRATA_E_USAGE,
                                      "certificate %zu out of range (the PKCS#7 holds %zu)", i, n);
    return strata_x509_from_openssl(sk_X509_value(certs_of(p), (int)i), out, err);
}

size_t strata_pkcs7_crl_count(const strata_pkcs7 *p)
{
    int n = sk_X509_CRL_num(crls_of(p));
    return n > 0 ? (size_t)n : 0;
}

strata_status strata_pkcs7_crl(const strata_pkcs7 *p, size_t i, strata_x509_crl **out,
                               strata_error *err)
{
    *out = NULL;
    size_t n = strata_pkcs7_crl_count(p);
    if (i >= n)
        return strata__pki_fail_plain(err, STRATA_E_USAGE,
                                      "CRL %zu out of range (the PKCS#7 holds %zu)", i, n);
    return strata_x509_crl_from_openssl(sk_X509_CRL_value(crls_of(p), (int)i), out, err);
}
