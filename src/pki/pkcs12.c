/* pki/pkcs12: PKCS#12 bundles (pyOpenSSL's PKCS12), RFC 7292. Load checks the
 * MAC before anything else so a wrong passphrase is told apart from a legacy
 * cipher that is not available (OpenSSL reports both as a decrypt failure). */
#include <stdlib.h>
#include <string.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/pkcs12.h>
#include <openssl/provider.h>

#include "pki/pki_internal.h"
#include "strata/mem.h"

struct strata_pkcs12 {
    strata_pkey *key;
    strata_x509 *cert;
    strata_x509 **ca;
    size_t n_ca;
    char *name;
};

static CRYPTO_ONCE legacy_once = CRYPTO_ONCE_STATIC_INIT;
static OSSL_PROVIDER *legacy_prov, *default_prov;

static void load_legacy(void)
{
    /* Loading any provider explicitly stops the default one from loading
     * implicitly, so both are loaded. */
    default_prov = OSSL_PROVIDER_load(NULL, "default");
    legacy_prov = OSSL_PROVIDER_load(NULL, "legacy");
}

strata_status strata_pki_enable_legacy(strata_error *err)
{
    if (!CRYPTO_THREAD_run_once(&legacy_once, load_legacy) || !legacy_prov || !default_prov)
        return strata__pki_fail(err, STRATA_E_LEGACY_ALG,
                                "OpenSSL's legacy provider could not be loaded");
    return STRATA_OK;
}

strata_status strata_pkcs12_new(strata_pkcs12 **out, strata_error *err)
{
    *out = calloc(1, sizeof(**out));
    return *out ? STRATA_OK : STRATA__PKI_NOMEM(err);
}

static void clear_cas(strata_pkcs12 *p)
{
    strata_x509_chain_free(p->ca, p->n_ca);
    p->ca = NULL;
    p->n_ca = 0;
}

void strata_pkcs12_free(strata_pkcs12 *p)
{
    if (!p)
        return;
    strata_pkey_free(p->key);
    strata_x509_free(p->cert);
    clear_cas(p);
    free(p->name);
    free(p);
}

strata_pkey *strata_pkcs12_key(const strata_pkcs12 *p)
{
    return p->key;
}

strata_x509 *strata_pkcs12_cert(const strata_pkcs12 *p)
{
    return p->cert;
}

size_t strata_pkcs12_ca_count(const strata_pkcs12 *p)
{
    return p->n_ca;
}

strata_x509 *strata_pkcs12_ca(const strata_pkcs12 *p, size_t i)
{
    return i < p->n_ca ? p->ca[i] : NULL;
}

const char *strata_pkcs12_friendly_name(const strata_pkcs12 *p)
{
    return p->name;
}

void strata_pkcs12_set_key(strata_pkcs12 *p, strata_pkey *k)
{
    strata_pkey_free(p->key);
    p->key = strata_pkey_up_ref(k);
}

void strata_pkcs12_set_cert(strata_pkcs12 *p, strata_x509 *c)
{
    strata_x509_free(p->cert);
    p->cert = strata_x509_up_ref(c);
}

strata_status strata_pkcs12_set_cas(strata_pkcs12 *p, strata_x509 *const *cas, size_t n,
                                    strata_error *err)
{
    strata_x509 **arr = NULL;
    if (n > 0) {
        if (n > 4096 || !(arr = calloc(n, sizeof(*arr))))
            return STRATA__PKI_NOMEM(err);
        for (size_t i = 0; i < n; i++)
            arr[i] = strata_x509_up_ref(cas[i]);
    }
    clear_cas(p);
    p->ca = arr;
    p->n_ca = n;
    return STRATA_OK;
}

strata_status strata_pkcs12_set_friendly_name(strata_pkcs12 *p, const char *name, strata_error *err)
{
    char *c = NULL;
    strata_status r;
    if (name && (r = strata__pki_strdup(name, &c, err)) != STRATA_OK)
        return r;
    free(p->name);
    p->name = c;
    return STRATA_OK;
}

/* The passphrase as bytes: a fixed one, or asked from the callback. */
static strata_status get_pass(const strata_passphrase *pw, int verify, char *buf, size_t cap,
                              size_t *len, strata_error *err)
{
    *len = 0;
    buf[0] = '\0'; /* pw NULL: the empty passphrase, not what the stack held */
    if (!pw)
        return STRATA_OK;
    if (pw->pass) {
        if (pw->len >= cap)
            return strata__pki_fail_plain(err, STRATA_E_USAGE, "passphrase longer than %zu bytes",
                                          cap - 1);
        memcpy(buf, pw->pass, pw->len);
        *len = pw->len;
    } else if (pw->fn) {
        int n = pw->fn(buf, cap - 1, verify, pw->user);
        if (n < 0 || (size_t)n >= cap)
            return strata__pki_fail_plain(err, STRATA_E_PASSPHRASE,
                                          "no passphrase was given for the PKCS#12 bundle");
        *len = (size_t)n;
    }
    buf[*len] = '\0';
    return STRATA_OK;
}

/* 1 when one of the OpenSSL errors in q says an algorithm is not available
 * (RC2 and friends without the legacy provider). */
static int says_unsupported(const strata_error *q)
{
    for (size_t i = 0; i < q->n_ossl; i++) {
        unsigned long e = q->ossl[i].code;
        if (ERR_GET_REASON(e) == ERR_R_UNSUPPORTED ||
            (ERR_GET_LIB(e) == ERR_LIB_EVP && ERR_GET_REASON(e) == EVP_R_UNSUPPORTED_ALGORITHM))
            return 1;
    }
    return 0;
}

static strata_status take_parsed(strata_pkcs12 *p, EVP_PKEY *k, X509 *cert, STACK_OF(X509) * ca,
                                 strata_error *err)
{
    strata_status r = STRATA_OK;
    if (cert) {
        int nl = 0;
        const unsigned char *alias = X509_alias_get0(cert, &nl);
        if (alias && nl > 0 && !memchr(alias, 0, (size_t)nl))
            r = strata__pki_strndup((const char *)alias, (size_t)nl, &p->name, err);
    }
    if (r == STRATA_OK && k) {
        r = strata__pkey_wrap(k, &p->key, err);
        k = NULL;
    }
    if (r == STRATA_OK && cert) {
        r = strata__x509_wrap(cert, &p->cert, err);
        cert = NULL;
    }
    int n = sk_X509_num(ca);
    if (r == STRATA_OK && n > 0) {
        if (!(p->ca = calloc((size_t)n, sizeof(*p->ca))))
            r = STRATA__PKI_NOMEM(err);
        for (int i = 0; r == STRATA_OK && i < n; i++) {
            if ((r = strata_x509_from_openssl(sk_X509_value(ca, i), &p->ca[i], err)) == STRATA_OK)
                p->n_ca++;
        }
    }
    EVP_PKEY_free(k);
    X509_free(cert);
    sk_X509_pop_free(ca, X509_free);
    return r;
}

strata_status strata_pkcs12_load(const void *data, size_t len, const strata_passphrase *pw,
                                 unsigned flags, strata_pkcs12 **out, strata_error *err)
{
    *out = NULL;
    ASN1_VALUE *v = NULL;
    strata_status r = strata__pki_der_decode(data, len, ASN1_ITEM_rptr(PKCS12), "PKCS#12", &v, err);
    if (r != STRATA_OK)
        return r;
    PKCS12 *p12 = (PKCS12 *)v;
    char pass[STRATA_PKI_PASSPHRASE_MAX + 1];
    size_t plen = 0;
    strata_pkcs12 *p = NULL;
    if ((r = get_pass(pw, 0, pass, sizeof(pass), &plen, err)) != STRATA_OK)
        goto out;
    const char *ps = pw ? pass : NULL;
    if (PKCS12_mac_present(p12)) {
        /* An empty passphrase may be encoded as absent or as "": try both. */
        int ok = PKCS12_verify_mac(p12, ps, (int)plen);
        if (!ok && plen == 0)
            ok = PKCS12_verify_mac(p12, ps ? NULL : "", 0);
        if (!ok) {
            r = strata__pki_fail_plain(err, STRATA_E_PASSPHRASE,
                                       "wrong passphrase for the PKCS#12 bundle (its MAC does "
                                       "not verify)");
            goto out;
        }
    }
    if ((r = strata_pkcs12_new(&p, err)) != STRATA_OK)
        goto out;
    for (int attempt = 0;; attempt++) {
        EVP_PKEY *k = NULL;
        X509 *cert = NULL;
        STACK_OF(X509) *ca = NULL;
        if (PKCS12_parse(p12, ps, &k, &cert, &ca)) {
            r = take_parsed(p, k, cert, ca, err);
            break;
        }
        strata_error q; /* the queue, read before deciding what it means */
        strata_error_clear(&q);
        r = strata__error_set_ossl(&q, STRATA_E_BAD_DER,
                                   "PKCS#12: the bundle's contents cannot be decoded");
        if (!says_unsupported(&q)) {
            if (err && err->status == STRATA_OK)
                strata_error_copy(err, &q);
            break;
        }
        if (!(flags & STRATA_PKCS12_LEGACY) || attempt > 0) {
            r = strata__pki_fail_plain(err, STRATA_E_LEGACY_ALG,
                                       "PKCS#12: the bundle is encrypted with a legacy algorithm "
                                       "(RC2/3DES) that needs OpenSSL's legacy provider%s",
                                       attempt ? "" : " (pass STRATA_PKCS12_LEGACY / --legacy)");
            break;
        }
        ERR_clear_error();
        if ((r = strata_pki_enable_legacy(err)) != STRATA_OK)
            break;
    }
    if (r == STRATA_OK) {
        *out = p;
        p = NULL;
    }
out:
    strata_memzero(pass, sizeof(pass));
    strata_pkcs12_free(p);
    PKCS12_free(p12);
    return r;
}

strata_status strata_pkcs12_load_file(const char *path, const strata_passphrase *pw, unsigned flags,
                                      strata_pkcs12 **out, strata_error *err)
{
    *out = NULL;
    strata_buf b;
    strata_status r = strata_pki_read_file(path, &b, 1, err);
    if (r == STRATA_OK)
        r = strata_pkcs12_load(strata_buf_ptr(&b), strata_buf_len(&b), pw, flags, out, err);
    strata_buf_free(&b);
    return r;
}

strata_status strata_pkcs12_export(const strata_pkcs12 *p, const strata_passphrase *pw,
                                   unsigned flags, int iter, int mac_iter, strata_buf *out,
                                   strata_error *err)
{
    strata_buf_reset(out);
    strata_buf_set_secret(out);
    if (!p->key && !p->cert && p->n_ca == 0)
        return strata__pki_fail_plain(err, STRATA_E_USAGE,
                                      "nothing to export: no key, certificate or CA");
    if (p->key && p->cert) {
        strata_status m = strata_x509_check_private_key(p->cert, p->key, err);
        if (m != STRATA_OK)
            return m;
    }
    if (iter <= 0)
        iter = PKCS12_DEFAULT_ITER;
    if (mac_iter <= 0)
        mac_iter = PKCS12_DEFAULT_ITER;
    strata_status r;
    int legacy = (flags & STRATA_PKCS12_LEGACY) != 0;
    if (legacy && (r = strata_pki_enable_legacy(err)) != STRATA_OK)
        return r;
    char pass[STRATA_PKI_PASSPHRASE_MAX + 1];
    size_t plen = 0;
    if ((r = get_pass(pw, 1, pass, sizeof(pass), &plen, err)) != STRATA_OK)
        return r;
    STACK_OF(X509) *ca = sk_X509_new_null();
    PKCS12 *p12 = NULL;
    unsigned char *der = NULL;
    if (!ca) {
        r = STRATA__PKI_NOMEM(err);
        goto out;
    }
    for (size_t i = 0; i < p->n_ca; i++) {
        if (!X509_add_cert(ca, strata_x509_openssl(p->ca[i]), X509_ADD_FLAG_UP_REF)) {
            r = STRATA__PKI_NOMEM(err);
            goto out;
        }
    }
    int nid_key = legacy ? NID_pbe_WithSHA1And3_Key_TripleDES_CBC : NID_aes_256_cbc;
    int nid_cert = legacy ? NID_pbe_WithSHA1And40BitRC2_CBC : NID_aes_256_cbc;
    /* mac_iter -1: no MAC yet; it is added below with the chosen digest. */
    p12 = PKCS12_create_ex(pass, p->name, strata_pkey_openssl(p->key), strata_x509_openssl(p->cert),
                           ca, nid_key, nid_cert, iter, -1, 0, NULL, NULL);
    if (!p12 || !PKCS12_set_mac(p12, pass, (int)plen, NULL, 0, mac_iter,
                                legacy ? EVP_sha1() : EVP_sha256())) {
        r = strata__pki_fail(err, STRATA_E_CRYPTO, "building the PKCS#12 bundle failed");
        goto out;
    }
    int n = i2d_PKCS12(p12, &der);
    if (n <= 0) {
        r = strata__pki_fail(err, STRATA_E_CRYPTO, "encoding the PKCS#12 bundle failed");
        goto out;
    }
    if (strata_buf_put(out, der, (size_t)n) != STRATA_OK)
        r = strata__pki_fail_plain(err, STRATA_E_LIMIT, "the bundle does not fit the buffer");
out:
    strata_memzero(pass, sizeof(pass));
    if (der)
        OPENSSL_clear_free(der, (size_t)n);
    PKCS12_free(p12);
    sk_X509_pop_free(ca, X509_free);
    return r;
}
