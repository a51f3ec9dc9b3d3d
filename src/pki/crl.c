/* pki/crl: certificate revocation lists (pyOpenSSL's CRL) and their entries
 * (Revoked). RFC 5280 §5. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "pki/crl_internal.h"

X509_CRL *strata__crl_openssl(const strata_x509_crl *c)
{
    return c ? c->c : NULL;
}

static strata_status crl_wrap(X509_CRL *x, strata_x509_crl **out, strata_error *err)
{
    *out = NULL;
    strata_x509_crl *c = calloc(1, sizeof(*c));
    if (!c) {
        X509_CRL_free(x);
        return STRATA__PKI_NOMEM(err);
    }
    atomic_init(&c->refs, 1);
    c->c = x;
    *out = c;
    return STRATA_OK;
}

strata_status strata_x509_crl_new(strata_x509_crl **out, strata_error *err)
{
    *out = NULL;
    X509_CRL *c = X509_CRL_new();
    if (!c)
        return STRATA__PKI_NOMEM(err);
    return crl_wrap(c, out, err);
}

void strata_x509_crl_free(strata_x509_crl *c)
{
    if (!c || atomic_fetch_sub(&c->refs, 1) != 1)
        return;
    X509_CRL_free(c->c);
    free(c);
}

strata_x509_crl *strata_x509_crl_up_ref(strata_x509_crl *c)
{
    if (c)
        atomic_fetch_add(&c->refs, 1);
    return c;
}

strata_status strata_x509_crl_from_openssl(X509_CRL *c, strata_x509_crl **out, strata_error *err)
{
    *out = NULL;
    if (!c)
        return strata__pki_fail_plain(err, STRATA_E_USAGE, "no CRL");
    if (!X509_CRL_up_ref(c))
        return strata__pki_fail(err, STRATA_E_INTERNAL, "X509_CRL_up_ref failed");
    return crl_wrap(c, out, err);
}

X509_CRL *strata_x509_crl_openssl(const strata_x509_crl *c)
{
    return strata__crl_openssl(c);
}

strata_status strata_x509_crl_load(const void *data, size_t len, strata_pki_format fmt,
                                   strata_x509_crl **out, strata_error *err)
{
    *out = NULL;
    ASN1_VALUE *v = NULL;
    strata_status r = strata__pki_decode(data, len, fmt, PEM_STRING_X509_CRL,
                                         ASN1_ITEM_rptr(X509_CRL), "CRL", &v, err);
    if (r != STRATA_OK)
        return r;
    return crl_wrap((X509_CRL *)v, out, err);
}

strata_status strata_x509_crl_load_file(const char *path, strata_pki_format fmt,
                                        strata_x509_crl **out, strata_error *err)
{
    *out = NULL;
    strata_buf b;
    strata_status r = strata_pki_read_file(path, &b, 0, err);
    if (r == STRATA_OK)
        r = strata_x509_crl_load(strata_buf_ptr(&b), strata_buf_len(&b), fmt, out, err);
    strata_buf_free(&b);
    return r;
}

strata_status strata_x509_crl_dump(const strata_x509_crl *c, strata_pki_format fmt, strata_buf *out,
                                   strata_error *err)
{
    if (fmt != STRATA_PKI_TEXT)
        return strata__pki_encode((const ASN1_VALUE *)c->c, ASN1_ITEM_rptr(X509_CRL), fmt,
                                  PEM_STRING_X509_CRL, out, err);
    strata_buf_reset(out);
    BIO *bio = NULL;
    strata_status r = strata__pki_membio(&bio, err);
    if (r != STRATA_OK)
        return r;
    r = X509_CRL_print_ex(bio, c->c, XN_FLAG_ONELINE & ~ASN1_STRFLGS_ESC_MSB) > 0
            ? strata__pki_bio_take(bio, out, err)
            : strata__pki_fail(err, STRATA_E_CRYPTO, "printing the CRL failed");
    BIO_free(bio);
    return r;
}

strata_status strata_x509_crl_set_version(strata_x509_crl *c, long version, strata_error *err)
{
    if (version < 0 || version > 1 || !X509_CRL_set_version(c->c, version))
        return strata__pki_fail(err, STRATA_E_USAGE, "CRL version %ld is not 0 or 1 (v1, v2)",
                                version);
    return STRATA_OK;
}

long strata_x509_crl_get_version(const strata_x509_crl *c)
{
    return X509_CRL_get_version(c->c);
}

strata_status strata_x509_crl_get_issuer(const strata_x509_crl *c, strata_x509_name **out,
                                         strata_error *err)
{
    return strata_x509_name_from_openssl(X509_CRL_get_issuer(c->c), out, err);
}

strata_status strata_x509_crl_set_issuer(strata_x509_crl *c, const strata_x509_name *n,
                                         strata_error *err)
{
    if (!n || !X509_CRL_set_issuer_name(c->c, strata_x509_name_openssl(n)))
        return strata__pki_fail(err, STRATA_E_NOMEM, "setting the CRL issuer failed");
    return STRATA_OK;
}

static strata_status set_crl_time(strata_x509_crl *c, time_t t, int next, strata_error *err)
{
    ASN1_TIME *a = ASN1_TIME_set(NULL, t);
    int ok = a && (next ? X509_CRL_set1_nextUpdate(c->c, a) : X509_CRL_set1_lastUpdate(c->c, a));
    ASN1_TIME_free(a);
    if (!ok)
        return strata__pki_fail(err, STRATA_E_USAGE, "setting the CRL's %s failed",
                                next ? "nextUpdate" : "lastUpdate");
    return STRATA_OK;
}

strata_status strata_x509_crl_set_last_update(strata_x509_crl *c, time_t t, strata_error *err)
{
    return set_crl_time(c, t, 0, err);
}

strata_status strata_x509_crl_set_next_update(strata_x509_crl *c, time_t t, strata_error *err)
{
    return set_crl_time(c, t, 1, err);
}

strata_status strata_x509_crl_add_revoked(strata_x509_crl *c, const strata_revoked *r,
                                          strata_error *err)
{
    X509_REVOKED *d = r ? X509_REVOKED_dup(r->r) : NULL;
    if (!d || !X509_CRL_add0_revoked(c->c, d)) {
        X509_REVOKED_free(d);
        return strata__pki_fail(err, STRATA_E_NOMEM, "adding the revoked entry failed");
    }
    return STRATA_OK;
}

size_t strata_x509_crl_revoked_count(const strata_x509_crl *c)
{
    int n = sk_X509_REVOKED_num(X509_CRL_get_REVOKED(c->c));
    return n > 0 ? (size_t)n : 0;
}

strata_status strata_x509_crl_get_revoked(const strata_x509_crl *c, size_t i, strata_revoked **out,
                                          strata_error *err)
{
    *out = NULL;
    size_t n = strata_x509_crl_revoked_count(c);
    if (i >= n)
        return strata__pki_fail_plain(err, STRATA_E_USAGE,
                                      "revoked entry %zu out of range (the CRL has %zu)", i, n);
    strata_revoked *w = calloc(1, sizeof(*w));
    if (!w ||
        !(w->r = X509_REVOKED_dup(sk_X509_REVOKED_value(X509_CRL_get_REVOKED(c->c), (int)i)))) {
        free(w);
        return STRATA__PKI_NOMEM(err);
    }
    *out = w;
    return STRATA_OK;
}

strata_status strata_x509_crl_sign(strata_x509_crl *c, const strata_x509 *issuer_cert,
                                   const strata_pkey *issuer_key, const char *digest,
                                   strata_error *err)
{
    strata_status r;
    if ((r = strata__pki_need_private(issuer_key, err)) != STRATA_OK)
        return r;
    if (issuer_cert) {
        X509 *ic = strata_x509_openssl(issuer_cert);
        if (!X509_CRL_set_issuer_name(c->c, X509_get_subject_name(ic)))
            return strata__pki_fail(err, STRATA_E_NOMEM, "setting the CRL issuer failed");
        X509V3_CTX ctx;
        X509V3_set_ctx(&ctx, ic, NULL, NULL, c->c, 0);
        X509_EXTENSION *aki =
            X509V3_EXT_conf_nid(NULL, &ctx, NID_authority_key_identifier, "keyid:always");
        if (aki) {
            int idx = X509_CRL_get_ext_by_NID(c->c, NID_authority_key_identifier, -1);
            if (idx >= 0)
                X509_EXTENSION_free(X509_CRL_delete_ext(c->c, idx));
            int ok = X509_CRL_add_ext(c->c, aki, -1);
            X509_EXTENSION_free(aki);
            if (!ok)
                return STRATA__PKI_NOMEM(err);
        } else {
            ERR_clear_error(); /* an issuer without a key id: sign without AKI */
        }
    }
    if (!X509_CRL_sort(c->c))
        return strata__pki_fail(err, STRATA_E_NOMEM, "sorting the CRL failed");
    EVP_MD *md = NULL;
    if ((r = strata__pki_sign_md(strata_pkey_openssl(issuer_key), digest, &md, err)) != STRATA_OK)
        return r;
    if (X509_CRL_sign(c->c, strata_pkey_openssl(issuer_key), md) <= 0)
        r = strata__pki_fail(err, STRATA_E_CRYPTO, "signing the CRL failed");
    EVP_MD_free(md);
    return r;
}

strata_status strata_x509_crl_verify(const strata_x509_crl *c, const strata_pkey *key,
                                     strata_error *err)
{
    if (!key)
        return strata__pki_fail_plain(err, STRATA_E_USAGE, "no key");
    if (X509_CRL_verify(c->c, strata_pkey_openssl(key)) != 1)
        return strata__pki_fail(err, STRATA_E_BAD_SIGNATURE,
                                "the CRL's signature does not verify with this key");
    return STRATA_OK;
}

/* ---- Revoked ------------------------------------------------------------ */

static const char *const reasons[] = {
    "unspecified",   "keyCompromise",        "CACompromise",    "affiliationChanged",
    "superseded",    "cessationOfOperation", "certificateHold", NULL,
    "removeFromCRL", "privilegeWithdrawn",   "AACompromise",
};

const char *const *strata_revoked_all_reasons(size_t *n)
{
    *n = sizeof(reasons) / sizeof(reasons[0]);
    return reasons;
}

strata_status strata_revoked_new(strata_revoked **out, strata_error *err)
{
    *out = NULL;
    strata_revoked *w = calloc(1, sizeof(*w));
    if (!w || !(w->r = X509_REVOKED_new())) {
        free(w);
        return STRATA__PKI_NOMEM(err);
    }
    *out = w;
    return STRATA_OK;
}

void strata_revoked_free(strata_revoked *r)
{
    if (!r)
        return;
    X509_REVOKED_free(r->r);
    free(r);
}

strata_status strata_revoked_set_serial_hex(strata_revoked *r, const char *hex, strata_error *err)
{
    ASN1_INTEGER *ai = NULL;
    strata_status st = strata__pki_serial_from_hex(hex, &ai, err);
    if (st == STRATA_OK && !X509_REVOKED_set_serialNumber(r->r, ai))
        st = STRATA__PKI_NOMEM(err);
    ASN1_INTEGER_free(ai);
    return st;
}

strata_status strata_revoked_get_serial_hex(const strata_revoked *r, char **out, strata_error *err)
{
    return strata__pki_serial_to_hex(X509_REVOKED_get0_serialNumber(r->r), out, err);
}

strata_status strata_revoked_set_date(strata_revoked *r, time_t t, strata_error *err)
{
    ASN1_TIME *a = ASN1_TIME_set(NULL, t);
    int ok = a && X509_REVOKED_set_revocationDate(r->r, a);
    ASN1_TIME_free(a);
    return ok ? STRATA_OK : strata__pki_fail(err, STRATA_E_USAGE, "setting the date failed");
}

strata_status strata_revoked_get_date(const strata_revoked *r, time_t *out, strata_error *err)
{
    return strata__pki_time_get(X509_REVOKED_get0_revocationDate(r->r), out, err);
}

strata_status strata_revoked_set_reason(strata_revoked *r, const char *reason, strata_error *err)
{
    long code = -1;
    for (size_t i = 0; reason && i < sizeof(reasons) / sizeof(reasons[0]); i++) {
        /* pyOpenSSL compares without case and spaces; strata without case. */
        if (reasons[i] && !strcasecmp(reasons[i], reason))
            code = (long)i;
    }
    if (reason && code < 0) /* refused before anything changes */
        return strata__pki_fail_plain(err, STRATA_E_USAGE, "unknown revocation reason \"%.64s\"",
                                      reason);
    int idx;
    while ((idx = X509_REVOKED_get_ext_by_NID(r->r, NID_crl_reason, -1)) >= 0)
        X509_EXTENSION_free(X509_REVOKED_delete_ext(r->r, idx));
    if (!reason)
        return STRATA_OK;
    ASN1_ENUMERATED *e = ASN1_ENUMERATED_new();
    int ok = e && ASN1_ENUMERATED_set(e, code) &&
             X509_REVOKED_add1_ext_i2d(r->r, NID_crl_reason, e, 0, 0) == 1;
    ASN1_ENUMERATED_free(e);
    return ok ? STRATA_OK : STRATA__PKI_NOMEM(err);
}

strata_status strata_revoked_get_reason(const strata_revoked *r, const char **out,
                                        strata_error *err)
{
    *out = NULL;
    int crit = 0;
    ASN1_ENUMERATED *e = X509_REVOKED_get_ext_d2i(r->r, NID_crl_reason, &crit, NULL);
    if (!e) {
        if (crit == -1)
            return STRATA_OK; /* no reason */
        return strata__pki_fail(err, STRATA_E_FORMAT, "the reason code is malformed");
    }
    long code = ASN1_ENUMERATED_get(e);
    ASN1_ENUMERATED_free(e);
    if (code < 0 || (size_t)code >= sizeof(reasons) / sizeof(reasons[0]) || !reasons[code])
        return strata__pki_fail_plain(err, STRATA_E_FORMAT, "unknown reason code %ld", code);
    *out = reasons[code];
    return STRATA_OK;
}
