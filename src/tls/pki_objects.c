/* TLS and the pki objects: certificates, keys, names and stores crossing the
 * TLS API (our identity, client CA lists, the peer's certificates, the verify
 * callback's certificate, the context's store). */
#include <stdlib.h>
#include <openssl/err.h>

#include "tls/tls_internal.h"
#include "strata/pki.h"

int strata__tls_run_verify_cb(strata_tls_conn *conn, X509_STORE_CTX *sctx, int preverify_ok)
{
    strata_x509 *cert = NULL;
    X509 *x = X509_STORE_CTX_get_current_cert(sctx);
    if (x && strata_x509_from_openssl(x, &cert, NULL) != STRATA_OK)
        return 0; /* out of memory: refuse rather than skip the callback */
    int verdict =
        conn->verify_cb(conn, cert, X509_STORE_CTX_get_error(sctx),
                        X509_STORE_CTX_get_error_depth(sctx), preverify_ok, conn->verify_user);
    strata_x509_free(cert);
    return verdict ? 1 : 0;
}

/* OpenSSL's client certificate hook: 1 with new references in *x509 and
 * *pkey, 0 for none, -1 for "later" (SSL_ERROR_WANT_X509_LOOKUP). */
static int client_cert_trampoline(SSL *ssl, X509 **x509, EVP_PKEY **pkey)
{
    strata_tls_conn *conn = strata__tls_conn_of(ssl);
    strata_tls_ctx *ctx = conn ? conn->ctx : NULL;
    if (!ctx || !ctx->client_cert_cb)
        return 0;
    strata_x509 *cert = NULL;
    strata_pkey *key = NULL;
    int r = ctx->client_cert_cb(conn, &cert, &key, ctx->client_cert_user);
    if (r == 1 && cert && key) {
        X509 *x = strata_x509_openssl(cert);
        EVP_PKEY *k = strata_pkey_openssl(key);
        if (X509_up_ref(x) && EVP_PKEY_up_ref(k)) {
            *x509 = x;
            *pkey = k;
        } else {
            r = 0;
        }
    } else if (r > 0) {
        r = 0; /* a "yes" without both: no certificate */
    }
    strata_x509_free(cert);
    strata_pkey_free(key);
    return r < 0 ? -1 : r;
}

void strata_tls_ctx_set_client_cert_callback(strata_tls_ctx *ctx, strata_tls_client_cert_fn cb,
                                             void *user)
{
    ctx->client_cert_cb = cb;
    ctx->client_cert_user = user;
    SSL_CTX_set_client_cert_cb(ctx->ctx, cb ? client_cert_trampoline : NULL);
}

strata_status strata_tls_ctx_use_certificate(strata_tls_ctx *ctx, const strata_x509 *cert)
{
    strata_status r;
    if ((r = strata__tls_ctx_mutable(ctx, "the certificate")) != STRATA_OK)
        return r;
    if (!cert || !SSL_CTX_use_certificate(ctx->ctx, strata_x509_openssl(cert)))
        return strata__error_set_ossl(strata__tls_ctx_err(ctx), STRATA_E_USAGE,
                                      "the certificate was refused");
    return STRATA_OK;
}

strata_status strata_tls_ctx_add_extra_chain_cert(strata_tls_ctx *ctx, const strata_x509 *cert)
{
    strata_status r;
    if ((r = strata__tls_ctx_mutable(ctx, "the certificate chain")) != STRATA_OK)
        return r;
    /* add1: the context takes its own reference. */
    if (!cert || !SSL_CTX_add1_chain_cert(ctx->ctx, strata_x509_openssl(cert)))
        return strata__error_set_ossl(strata__tls_ctx_err(ctx), STRATA_E_USAGE,
                                      "the chain certificate was refused");
    return STRATA_OK;
}

strata_status strata_tls_ctx_use_privatekey(strata_tls_ctx *ctx, const strata_pkey *key)
{
    strata_status r;
    if ((r = strata__tls_ctx_mutable(ctx, "the private key")) != STRATA_OK)
        return r;
    if (!key || !SSL_CTX_use_PrivateKey(ctx->ctx, strata_pkey_openssl(key))) {
        unsigned long e = ERR_peek_last_error();
        if (ERR_GET_LIB(e) == ERR_LIB_X509 && ERR_GET_REASON(e) == X509_R_KEY_VALUES_MISMATCH)
            return strata__error_set_ossl(strata__tls_ctx_err(ctx), STRATA_E_CRYPTO,
                                          "the private key does not match the certificate");
        return strata__error_set_ossl(strata__tls_ctx_err(ctx), STRATA_E_USAGE,
                                      "the private key was refused");
    }
    return STRATA_OK;
}

strata_status strata_tls_ctx_get_cert_store(strata_tls_ctx *ctx, strata_x509_store **out)
{
    *out = NULL;
    X509_STORE *s = SSL_CTX_get_cert_store(ctx->ctx);
    if (!s)
        return strata__error_set(strata__tls_ctx_err(ctx), STRATA_E_INTERNAL,
                                 "the context has no certificate store");
    return strata_x509_store_from_openssl(s, out, strata__tls_ctx_err(ctx));
}

strata_status strata_tls_ctx_set_client_ca_list(strata_tls_ctx *ctx,
                                                const strata_x509_name *const *names, size_t n)
{
    strata_status r;
    if ((r = strata__tls_ctx_mutable(ctx, "the client CA list")) != STRATA_OK)
        return r;
    STACK_OF(X509_NAME) *sk = sk_X509_NAME_new_null();
    if (!sk)
        return strata__error_set(strata__tls_ctx_err(ctx), STRATA_E_NOMEM, "out of memory");
    for (size_t i = 0; i < n; i++) {
        X509_NAME *dup = X509_NAME_dup(strata_x509_name_openssl(names[i]));
        if (!dup || !sk_X509_NAME_push(sk, dup)) {
            X509_NAME_free(dup);
            sk_X509_NAME_pop_free(sk, X509_NAME_free);
            return strata__error_set_ossl(strata__tls_ctx_err(ctx), STRATA_E_NOMEM,
                                          "out of memory");
        }
    }
    SSL_CTX_set_client_CA_list(ctx->ctx, sk); /* takes ownership */
    return STRATA_OK;
}

strata_status strata_tls_ctx_add_client_ca(strata_tls_ctx *ctx, const strata_x509 *ca)
{
    strata_status r;
    if ((r = strata__tls_ctx_mutable(ctx, "the client CA list")) != STRATA_OK)
        return r;
    if (!ca || !SSL_CTX_add_client_CA(ctx->ctx, strata_x509_openssl(ca)))
        return strata__error_set_ossl(strata__tls_ctx_err(ctx), STRATA_E_USAGE,
                                      "the client CA was refused");
    return STRATA_OK;
}

strata_status strata_tls_conn_get_peer_certificate(const strata_tls_conn *conn, strata_x509 **out)
{
    *out = NULL;
    X509 *x = SSL_get0_peer_certificate(conn->ssl);
    if (!x)
        return STRATA_OK;
    return strata_x509_from_openssl(x, out, NULL);
}

static strata_status wrap_chain(STACK_OF(X509) * sk, strata_x509 ***out, size_t *n)
{
    strata_status r = STRATA_OK;
    *out = NULL;
    *n = 0;
    int k = sk ? sk_X509_num(sk) : 0;
    if (k <= 0)
        return STRATA_OK;
    strata_x509 **list = calloc((size_t)k, sizeof(*list));
    if (!list)
        return STRATA_E_NOMEM;
    for (int i = 0; i < k; i++)
        if ((r = strata_x509_from_openssl(sk_X509_value(sk, i), &list[i], NULL)) != STRATA_OK) {
            strata_x509_chain_free(list, (size_t)i);
            return r;
        }
    *out = list;
    *n = (size_t)k;
    return STRATA_OK;
}

strata_status strata_tls_conn_get_peer_cert_chain(const strata_tls_conn *conn, strata_x509 ***out,
                                                  size_t *n)
{
    /* OpenSSL documents that a server's list lacks the leaf; put it first
     * when it is missing, so both roles see leaf-first chains. */
    STACK_OF(X509) *sk = SSL_get_peer_cert_chain(conn->ssl);
    X509 *leaf = SSL_get0_peer_certificate(conn->ssl);
    if (!leaf || (sk && sk_X509_num(sk) > 0 && X509_cmp(sk_X509_value(sk, 0), leaf) == 0))
        return wrap_chain(sk, out, n);
    STACK_OF(X509) *full = sk ? sk_X509_dup(sk) : sk_X509_new_null();
    if (!full || !sk_X509_insert(full, leaf, 0)) {
        sk_X509_free(full);
        *out = NULL;
        *n = 0;
        return STRATA_E_NOMEM;
    }
    strata_status r = wrap_chain(full, out, n);
    sk_X509_free(full);
    return r;
}

strata_status strata_tls_conn_get_verified_chain(const strata_tls_conn *conn, strata_x509 ***out,
                                                 size_t *n)
{
    return wrap_chain(SSL_get0_verified_chain(conn->ssl), out, n);
}

strata_status strata_tls_conn_get_client_ca_list(const strata_tls_conn *conn,
                                                 strata_x509_name ***out, size_t *n)
{
    strata_status r;
    *out = NULL;
    *n = 0;
    STACK_OF(X509_NAME) *sk = SSL_get_client_CA_list(conn->ssl);
    int k = sk ? sk_X509_NAME_num(sk) : 0;
    if (k <= 0)
        return STRATA_OK;
    strata_x509_name **list = calloc((size_t)k, sizeof(*list));
    if (!list)
        return STRATA_E_NOMEM;
    for (int i = 0; i < k; i++)
        if ((r = strata_x509_name_from_openssl(sk_X509_NAME_value(sk, i), &list[i], NULL)) !=
            STRATA_OK) {
            strata_tls_name_list_free(list, (size_t)i);
            return r;
        }
    *out = list;
    *n = (size_t)k;
    return STRATA_OK;
}

void strata_tls_name_list_free(strata_x509_name **list, size_t n)
{
    if (!list)
        return;
    for (size_t i = 0; i < n; i++)
        strata_x509_name_free(list[i]);
    free(list);
}
