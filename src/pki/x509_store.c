/* pki/x509_store: trust stores (X509Store) and chain verification
 * (X509StoreContext). A failure names the certificate (depth and subject) and
 * OpenSSL's reason, and maps the common reasons to distinct statuses. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/err.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include "pki/pki_internal.h"
#include "pki/verify_status.h"
#include "pki/crl_internal.h"

struct strata_x509_store_ctx {
    strata_x509_store *store;
    strata_x509 *cert;
    STACK_OF(X509) * untrusted;
    X509_STORE_CTX *ctx;
    STACK_OF(X509) * chain; /* after a successful verify */
    X509 *failed;           /* after a failed one: the certificate it names */
    char *host;
};

strata_status strata_x509_store_new(strata_x509_store **out, strata_error *err)
{
    *out = NULL;
    X509_STORE *s = X509_STORE_new();
    if (!s)
        return STRATA__PKI_NOMEM(err);
    strata_x509_store *w = calloc(1, sizeof(*w));
    if (!w) {
        X509_STORE_free(s);
        return STRATA__PKI_NOMEM(err);
    }
    atomic_init(&w->refs, 1);
    w->s = s;
    *out = w;
    return STRATA_OK;
}

void strata_x509_store_free(strata_x509_store *s)
{
    if (!s || atomic_fetch_sub(&s->refs, 1) != 1)
        return;
    X509_STORE_free(s->s);
    free(s);
}

strata_x509_store *strata_x509_store_up_ref(strata_x509_store *s)
{
    if (s)
        atomic_fetch_add(&s->refs, 1);
    return s;
}

strata_status strata_x509_store_from_openssl(X509_STORE *s, strata_x509_store **out,
                                             strata_error *err)
{
    *out = NULL;
    if (!s)
        return strata__pki_fail_plain(err, STRATA_E_USAGE, "no store");
    strata_x509_store *w = calloc(1, sizeof(*w));
    if (!w)
        return STRATA__PKI_NOMEM(err);
    if (!X509_STORE_up_ref(s)) {
        free(w);
        return strata__pki_fail(err, STRATA_E_INTERNAL, "X509_STORE_up_ref failed");
    }
    atomic_init(&w->refs, 1);
    w->s = s;
    *out = w;
    return STRATA_OK;
}

X509_STORE *strata_x509_store_openssl(const strata_x509_store *s)
{
    return s ? s->s : NULL;
}

strata_status strata_x509_store_add_cert(strata_x509_store *s, const strata_x509 *cert,
                                         strata_error *err)
{
    if (!cert)
        return strata__pki_fail_plain(err, STRATA_E_USAGE, "no certificate");
    if (!X509_STORE_add_cert(s->s, cert->x))
        return strata__pki_fail(err, STRATA_E_NOMEM, "adding the certificate to the store failed");
    return STRATA_OK;
}

strata_status strata_x509_store_add_crl(strata_x509_store *s, const strata_x509_crl *crl,
                                        strata_error *err)
{
    if (!crl)
        return strata__pki_fail_plain(err, STRATA_E_USAGE, "no CRL");
    if (!X509_STORE_add_crl(s->s, strata__crl_openssl(crl)))
        return strata__pki_fail(err, STRATA_E_NOMEM, "adding the CRL to the store failed");
    return STRATA_OK;
}

strata_status strata_x509_store_load_locations(strata_x509_store *s, const char *file,
                                               const char *dir, strata_error *err)
{
    if (!file && !dir)
        return strata__pki_fail_plain(err, STRATA_E_USAGE, "neither a file nor a directory");
    if (file && !X509_STORE_load_file(s->s, file))
        return strata__pki_fail(err, STRATA_E_IO, "loading trusted certificates from %s failed",
                                file);
    if (dir && !X509_STORE_load_path(s->s, dir))
        return strata__pki_fail(err, STRATA_E_IO, "using the certificate directory %s failed", dir);
    return STRATA_OK;
}

strata_status strata_x509_store_set_default_paths(strata_x509_store *s, strata_error *err)
{
    if (!X509_STORE_set_default_paths(s->s))
        return strata__pki_fail(err, STRATA_E_IO,
                                "loading the system's trusted certificates failed");
    return STRATA_OK;
}

strata_status strata_x509_store_set_flags(strata_x509_store *s, unsigned long flags,
                                          strata_error *err)
{
    if (!X509_STORE_set_flags(s->s, flags))
        return strata__pki_fail(err, STRATA_E_USAGE, "setting store flags 0x%lx failed", flags);
    return STRATA_OK;
}

strata_status strata_x509_store_set_depth(strata_x509_store *s, int depth, strata_error *err)
{
    if (depth < 0 || depth > 1000)
        return strata__pki_fail_plain(err, STRATA_E_USAGE, "verify depth %d is not within 0..1000",
                                      depth);
    X509_STORE_set_depth(s->s, depth);
    return STRATA_OK;
}

strata_status strata_x509_store_set_time(strata_x509_store *s, time_t t, strata_error *err)
{
    (void)err;
    X509_VERIFY_PARAM_set_time(X509_STORE_get0_param(s->s), t);
    return STRATA_OK;
}

void strata_x509_store_ctx_free(strata_x509_store_ctx *c)
{
    if (!c)
        return;
    X509_STORE_CTX_free(c->ctx);
    sk_X509_pop_free(c->untrusted, X509_free);
    sk_X509_pop_free(c->chain, X509_free);
    X509_free(c->failed);
    strata_x509_free(c->cert);
    strata_x509_store_free(c->store);
    free(c->host);
    free(c);
}

strata_status strata_x509_store_ctx_new(strata_x509_store *s, const strata_x509 *cert,
                                        strata_x509 *const *untrusted, size_t n,
                                        strata_x509_store_ctx **out, strata_error *err)
{
    *out = NULL;
    if (!s || !cert || (n > 0 && !untrusted))
        return strata__pki_fail_plain(err, STRATA_E_USAGE, "no store or certificate");
    strata_x509_store_ctx *c = calloc(1, sizeof(*c));
    if (!c)
        return STRATA__PKI_NOMEM(err);
    c->store = strata_x509_store_up_ref(s);
    c->cert = strata_x509_up_ref((strata_x509 *)cert);
    strata_status r = STRATA_OK;
    if (!(c->untrusted = sk_X509_new_null())) {
        r = STRATA__PKI_NOMEM(err);
        goto fail;
    }
    for (size_t i = 0; i < n; i++) {
        if (!X509_add_cert(c->untrusted, untrusted[i]->x, X509_ADD_FLAG_UP_REF)) {
            r = STRATA__PKI_NOMEM(err);
            goto fail;
        }
    }
    *out = c;
    return STRATA_OK;
fail:
    strata_x509_store_ctx_free(c);
    return r;
}

strata_status strata_x509_store_ctx_set_host(strata_x509_store_ctx *c, const char *host,
                                             strata_error *err)
{
    if (!host || !*host)
        return strata__pki_fail_plain(err, STRATA_E_USAGE, "no host name");
    free(c->host);
    return strata__pki_strdup(host, &c->host, err);
}

static void subject_of(X509 *x, char *buf, size_t cap)
{
    strata_x509_name *n = NULL;
    char *line = NULL;
    snprintf(buf, cap, "%s", "(no certificate)");
    if (x && strata_x509_name_from_openssl(X509_get_subject_name(x), &n, NULL) == STRATA_OK &&
        strata_x509_name_oneline(n, &line, NULL) == STRATA_OK)
        snprintf(buf, cap, "%s", line[0] ? line : "(empty subject)");
    strata_pki_free_string(line);
    strata_x509_name_free(n);
}

strata_status strata_x509_store_ctx_verify(strata_x509_store_ctx *c,
                                           strata_x509_verify_failure *failure, strata_error *err)
{
    if (failure)
        memset(failure, 0, sizeof(*failure));
    sk_X509_pop_free(c->chain, X509_free);
    c->chain = NULL;
    X509_free(c->failed);
    c->failed = NULL;
    X509_STORE_CTX_free(c->ctx);
    if (!(c->ctx = X509_STORE_CTX_new()))
        return STRATA__PKI_NOMEM(err);
    if (!X509_STORE_CTX_init(c->ctx, c->store->s, c->cert->x, c->untrusted))
        return strata__pki_fail(err, STRATA_E_NOMEM, "setting up verification failed");
    if (c->host) {
        X509_VERIFY_PARAM *vp = X509_STORE_CTX_get0_param(c->ctx);
        ERR_set_mark();
        int is_ip = X509_VERIFY_PARAM_set1_ip_asc(vp, c->host);
        ERR_pop_to_mark();
        if (!is_ip && !X509_VERIFY_PARAM_set1_host(vp, c->host, 0))
            return strata__pki_fail(err, STRATA_E_USAGE, "host name \"%.200s\" is not usable",
                                    c->host);
    }
    int ok = X509_verify_cert(c->ctx);
    if (ok == 1) {
        ERR_clear_error();
        if (!(c->chain = X509_STORE_CTX_get1_chain(c->ctx)))
            return STRATA__PKI_NOMEM(err);
        return STRATA_OK;
    }
    int code = X509_STORE_CTX_get_error(c->ctx);
    int depth = X509_STORE_CTX_get_error_depth(c->ctx);
    if (code == X509_V_OK) /* an internal failure, not a verdict */
        return strata__pki_fail(err, STRATA_E_INTERNAL, "chain verification could not run");
    strata_x509_verify_failure f;
    memset(&f, 0, sizeof(f));
    f.code = code;
    f.depth = depth;
    snprintf(f.reason, sizeof(f.reason), "%s", X509_verify_cert_error_string(code));
    X509 *cur = X509_STORE_CTX_get_current_cert(c->ctx);
    subject_of(cur, f.subject, sizeof(f.subject));
    if (cur && X509_up_ref(cur))
        c->failed = cur;
    if (failure)
        *failure = f;
    return strata__pki_fail(err, strata__x509_verify_status(code, STRATA_E_VERIFY),
                            "certificate at depth %d (%s): %s (X509 error %d)", depth, f.subject,
                            f.reason, code);
}

static strata_status chain_out(STACK_OF(X509) * sk, strata_x509 ***out, size_t *n,
                               strata_error *err)
{
    int cnt = sk_X509_num(sk);
    strata_x509 **arr = calloc(cnt > 0 ? (size_t)cnt : 1, sizeof(*arr));
    if (!arr)
        return STRATA__PKI_NOMEM(err);
    for (int i = 0; i < cnt; i++) {
        strata_status r = strata_x509_from_openssl(sk_X509_value(sk, i), &arr[i], err);
        if (r != STRATA_OK) {
            strata_x509_chain_free(arr, (size_t)i);
            return r;
        }
    }
    *out = arr;
    *n = (size_t)cnt;
    return STRATA_OK;
}

strata_status strata_x509_store_ctx_failed_cert(const strata_x509_store_ctx *c, strata_x509 **out,
                                                strata_error *err)
{
    *out = NULL;
    if (!c->failed)
        return strata__pki_fail_plain(err, STRATA_E_STATE,
                                      "no failed verification names a certificate");
    return strata_x509_from_openssl(c->failed, out, err);
}

strata_status strata_x509_store_ctx_chain(const strata_x509_store_ctx *c, strata_x509 ***out,
                                          size_t *n, strata_error *err)
{
    *out = NULL;
    *n = 0;
    if (!c->chain)
        return strata__pki_fail_plain(err, STRATA_E_STATE,
                                      "no verified chain: verify the certificate first");
    return chain_out(c->chain, out, n, err);
}

strata_status strata_x509_store_verify(strata_x509_store *s, const strata_x509 *cert,
                                       strata_x509 *const *untrusted, size_t n, const char *host,
                                       strata_x509 ***chain, size_t *n_chain,
                                       strata_x509_verify_failure *failure, strata_error *err)
{
    if (chain)
        *chain = NULL;
    if (n_chain)
        *n_chain = 0;
    strata_x509_store_ctx *c = NULL;
    strata_status r = strata_x509_store_ctx_new(s, cert, untrusted, n, &c, err);
    if (r == STRATA_OK && host)
        r = strata_x509_store_ctx_set_host(c, host, err);
    if (r == STRATA_OK)
        r = strata_x509_store_ctx_verify(c, failure, err);
    if (r == STRATA_OK && chain && n_chain)
        r = strata_x509_store_ctx_chain(c, chain, n_chain, err);
    strata_x509_store_ctx_free(c);
    return r;
}
