/* pki/x509_req: certificate signing requests (pyOpenSSL's X509Req),
 * PKCS#10 (RFC 2986). Requested extensions live in one extensionRequest
 * attribute (RFC 2985 §5.4.2), rebuilt whole when extensions are added. */
#include <stdlib.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "pki/req_internal.h"

X509_REQ *strata__req_openssl(const strata_x509_req *r)
{
    return r ? r->r : NULL;
}

X509_REQ *strata_x509_req_openssl(const strata_x509_req *r)
{
    return strata__req_openssl(r);
}

static strata_status req_wrap(X509_REQ *x, strata_x509_req **out, strata_error *err)
{
    *out = NULL;
    strata_x509_req *w = calloc(1, sizeof(*w));
    if (!w) {
        X509_REQ_free(x);
        return STRATA__PKI_NOMEM(err);
    }
    w->r = x;
    *out = w;
    return STRATA_OK;
}

strata_status strata_x509_req_new(strata_x509_req **out, strata_error *err)
{
    *out = NULL;
    X509_REQ *x = X509_REQ_new();
    if (!x)
        return STRATA__PKI_NOMEM(err);
    return req_wrap(x, out, err);
}

void strata_x509_req_free(strata_x509_req *r)
{
    if (!r)
        return;
    X509_REQ_free(r->r);
    free(r);
}

strata_status strata_x509_req_from_openssl(const X509_REQ *r, strata_x509_req **out,
                                           strata_error *err)
{
    *out = NULL;
    X509_REQ *c = r ? X509_REQ_dup(r) : NULL;
    if (!c)
        return strata__pki_fail(err, STRATA_E_NOMEM, "copying the request failed");
    return req_wrap(c, out, err);
}

strata_status strata_x509_req_load(const void *data, size_t len, strata_pki_format fmt,
                                   strata_x509_req **out, strata_error *err)
{
    *out = NULL;
    ASN1_VALUE *v = NULL;
    strata_status r = strata__pki_decode(data, len, fmt, PEM_STRING_X509_REQ,
                                         ASN1_ITEM_rptr(X509_REQ), "certificate request", &v, err);
    if (r != STRATA_OK)
        return r;
    return req_wrap((X509_REQ *)v, out, err);
}

strata_status strata_x509_req_load_file(const char *path, strata_pki_format fmt,
                                        strata_x509_req **out, strata_error *err)
{
    *out = NULL;
    strata_buf b;
    strata_status r = strata_pki_read_file(path, &b, 0, err);
    if (r == STRATA_OK)
        r = strata_x509_req_load(strata_buf_ptr(&b), strata_buf_len(&b), fmt, out, err);
    strata_buf_free(&b);
    return r;
}

strata_status strata_x509_req_dump(const strata_x509_req *r, strata_pki_format fmt, strata_buf *out,
                                   strata_error *err)
{
    if (fmt != STRATA_PKI_TEXT)
        return strata__pki_encode((const ASN1_VALUE *)r->r, ASN1_ITEM_rptr(X509_REQ), fmt,
                                  PEM_STRING_X509_REQ, out, err);
    strata_buf_reset(out);
    BIO *bio = NULL;
    strata_status st = strata__pki_membio(&bio, err);
    if (st != STRATA_OK)
        return st;
    st = X509_REQ_print_ex(bio, r->r, XN_FLAG_ONELINE & ~ASN1_STRFLGS_ESC_MSB, 0) > 0
             ? strata__pki_bio_take(bio, out, err)
             : strata__pki_fail(err, STRATA_E_CRYPTO, "printing the request failed");
    BIO_free(bio);
    return st;
}

long strata_x509_req_get_version(const strata_x509_req *r)
{
    return X509_REQ_get_version(r->r);
}

strata_status strata_x509_req_set_version(strata_x509_req *r, long version, strata_error *err)
{
    if (version != 0 || !X509_REQ_set_version(r->r, version))
        return strata__pki_fail(err, STRATA_E_USAGE,
                                "request version %ld: PKCS#10 defines only version 0", version);
    return STRATA_OK;
}

strata_status strata_x509_req_get_subject(const strata_x509_req *r, strata_x509_name **out,
                                          strata_error *err)
{
    return strata_x509_name_from_openssl(X509_REQ_get_subject_name(r->r), out, err);
}

strata_status strata_x509_req_set_subject(strata_x509_req *r, const strata_x509_name *n,
                                          strata_error *err)
{
    if (!n || !X509_REQ_set_subject_name(r->r, strata_x509_name_openssl(n)))
        return strata__pki_fail(err, STRATA_E_NOMEM, "setting the subject failed");
    return STRATA_OK;
}

strata_status strata_x509_req_get_pubkey(const strata_x509_req *r, strata_pkey **out,
                                         strata_error *err)
{
    *out = NULL;
    EVP_PKEY *k = strata__pki_public_only(X509_REQ_get_X509_PUBKEY(r->r));
    if (!k)
        return strata__pki_fail(err, STRATA_E_UNKNOWN_ALG,
                                "the request's public key is missing or of an unknown type");
    return strata__pkey_wrap(k, out, err);
}

strata_status strata_x509_req_set_pubkey(strata_x509_req *r, const strata_pkey *k,
                                         strata_error *err)
{
    if (!k || !X509_REQ_set_pubkey(r->r, strata_pkey_openssl(k)))
        return strata__pki_fail(err, STRATA_E_CRYPTO, "setting the public key failed");
    return STRATA_OK;
}

strata_status strata_x509_req_add_exts(strata_x509_req *r, strata_x509_ext *const *exts, size_t n,
                                       strata_error *err)
{
    STACK_OF(X509_EXTENSION) *sk = X509_REQ_get_extensions(r->r);
    strata_status st = STRATA_OK;
    if (!sk && !(sk = sk_X509_EXTENSION_new_null()))
        return STRATA__PKI_NOMEM(err);
    for (size_t i = 0; i < n; i++) {
        X509_EXTENSION *d = X509_EXTENSION_dup(strata_x509_ext_openssl(exts[i]));
        if (!d || !sk_X509_EXTENSION_push(sk, d)) {
            X509_EXTENSION_free(d);
            st = STRATA__PKI_NOMEM(err);
            goto out;
        }
    }
    int idx;
    while ((idx = X509_REQ_get_attr_by_NID(r->r, NID_ext_req, -1)) >= 0)
        X509_ATTRIBUTE_free(X509_REQ_delete_attr(r->r, idx));
    if (!X509_REQ_add_extensions(r->r, sk))
        st = strata__pki_fail(err, STRATA_E_NOMEM, "adding the extensions failed");
out:
    sk_X509_EXTENSION_pop_free(sk, X509_EXTENSION_free);
    return st;
}

size_t strata_x509_req_ext_count(const strata_x509_req *r)
{
    ERR_set_mark();
    STACK_OF(X509_EXTENSION) *sk = X509_REQ_get_extensions(r->r);
    ERR_pop_to_mark();
    int n = sk_X509_EXTENSION_num(sk);
    sk_X509_EXTENSION_pop_free(sk, X509_EXTENSION_free);
    return n > 0 ? (size_t)n : 0;
}

strata_status strata_x509_req_get_ext(const strata_x509_req *r, size_t i, strata_x509_ext **out,
                                      strata_error *err)
{
    *out = NULL;
    STACK_OF(X509_EXTENSION) *sk = X509_REQ_get_extensions(r->r);
    int n = sk_X509_EXTENSION_num(sk);
    strata_status st;
    if (n < 0 || i >= (size_t)n)
        st = strata__pki_fail_plain(err, STRATA_E_USAGE,
                                    "extension index %zu out of range (the request has %d)", i,
                                    n > 0 ? n : 0);
    else
        st = strata_x509_ext_from_openssl(sk_X509_EXTENSION_value(sk, (int)i), out, err);
    sk_X509_EXTENSION_pop_free(sk, X509_EXTENSION_free);
    return st;
}

strata_status strata_x509_req_sign(strata_x509_req *r, const strata_pkey *k, const char *digest,
                                   strata_error *err)
{
    strata_status st;
    if ((st = strata__pki_need_private(k, err)) != STRATA_OK)
        return st;
    EVP_MD *md = NULL;
    if ((st = strata__pki_sign_md(strata_pkey_openssl(k), digest, &md, err)) != STRATA_OK)
        return st;
    if (X509_REQ_sign(r->r, strata_pkey_openssl(k), md) <= 0)
        st = strata__pki_fail(err, STRATA_E_CRYPTO, "signing the request failed");
    EVP_MD_free(md);
    return st;
}

strata_status strata_x509_req_verify(const strata_x509_req *r, const strata_pkey *k,
                                     strata_error *err)
{
    EVP_PKEY *key = k ? strata_pkey_openssl(k) : X509_REQ_get0_pubkey(r->r);
    if (!key)
        return strata__pki_fail(err, STRATA_E_UNKNOWN_ALG, "the request has no usable public key");
    if (X509_REQ_verify(r->r, key) != 1)
        return strata__pki_fail(err, STRATA_E_BAD_SIGNATURE,
                                "the request's signature does not verify with this key");
    return STRATA_OK;
}
