/* TLS callbacks: OpenSSL's C callbacks, each a trampoline that finds our
 * objects through ex_data and calls the application's function. They run on
 * the thread driving the engine, inside an SSL_* call. */
#include <stdlib.h>
#include <string.h>
#include <openssl/err.h>

#include "strata/buf.h"
#include "tls/tls_internal.h"

/* ---- verification ------------------------------------------------------------------ */

int strata__tls_verify_trampoline(int preverify_ok, X509_STORE_CTX *sctx)
{
    SSL *ssl = X509_STORE_CTX_get_ex_data(sctx, SSL_get_ex_data_X509_STORE_CTX_idx());
    strata_tls_conn *conn = ssl ? strata__tls_conn_of(ssl) : NULL;
    if (!conn)
        return preverify_ok;
    int verdict = preverify_ok;
    if (conn->verify_cb) {
        verdict = strata__tls_run_verify_cb(conn, sctx, preverify_ok);
        /* As pyOpenSSL: a callback that accepts clears OpenSSL's error. */
        if (verdict)
            X509_STORE_CTX_set_error(sctx, X509_V_OK);
    }
    if (!verdict)
        strata__tls_note_verify_failure(conn, sctx, preverify_ok != 0);
    return verdict;
}

/* ---- info -------------------------------------------------------------------------- */

static void info_trampoline(const SSL *ssl, int where, int ret)
{
    strata_tls_ctx *ctx = strata__tls_ctx_of(SSL_get_SSL_CTX(ssl));
    strata_tls_conn *conn = strata__tls_conn_of(ssl);
    if (ctx && conn && ctx->info_cb)
        ctx->info_cb(conn, where, ret, ctx->info_user);
}

void strata_tls_ctx_set_info_callback(strata_tls_ctx *ctx, strata_tls_info_fn cb, void *user)
{
    ctx->info_cb = cb;
    ctx->info_user = user;
    /* Installed only when wanted: OpenSSL calls it many times per handshake. */
    SSL_CTX_set_info_callback(ctx->ctx, cb ? info_trampoline : NULL);
}

/* ---- SNI ----------------------------------------------------------------------------- */

static int servername_trampoline(SSL *ssl, int *alert, void *arg)
{
    strata_tls_ctx *ctx = arg;
    strata_tls_conn *conn = strata__tls_conn_of(ssl);
    if (!ctx || !conn || !ctx->sni_cb)
        return SSL_TLSEXT_ERR_OK;
    if (ctx->sni_cb(conn, ctx->sni_user) != 0) {
        *alert = SSL_AD_UNRECOGNIZED_NAME;
        return SSL_TLSEXT_ERR_ALERT_FATAL;
    }
    return SSL_TLSEXT_ERR_OK;
}

void strata_tls_ctx_set_servername_callback(strata_tls_ctx *ctx, strata_tls_servername_fn cb,
                                            void *user)
{
    ctx->sni_cb = cb;
    ctx->sni_user = user;
}

/* ---- ALPN ---------------------------------------------------------------------------- */

strata_status strata__tls_alpn_encode(const char *const *protos, size_t n, uint8_t **out,
                                      size_t *len)
{
    strata_status r = STRATA_OK;
    strata_buf b;
    *out = NULL;
    *len = 0;
    strata_buf_init(&b, 65535); /* RFC 7301 §3.1: the list is at most 2^16-1 bytes */
    for (size_t i = 0; i < n; i++) {
        size_t k = protos[i] ? strlen(protos[i]) : 0;
        if (k == 0 || k > 255) {
            r = STRATA_E_USAGE;
            goto out;
        }
        if ((r = strata_buf_put_u8(&b, (uint8_t)k)) != STRATA_OK ||
            (r = strata_buf_put(&b, protos[i], k)) != STRATA_OK)
            goto out;
    }
    if (n > 0) {
        *len = strata_buf_len(&b);
        *out = malloc(*len);
        if (!*out) {
            r = STRATA_E_NOMEM;
            goto out;
        }
        memcpy(*out, strata_buf_ptr(&b), *len);
    }
out:
    strata_buf_free(&b);
    return r;
}

strata_status strata_tls_ctx_set_alpn_protos(strata_tls_ctx *ctx, const char *const *protos,
                                             size_t n)
{
    strata_status r;
    uint8_t *wire = NULL;
    size_t len = 0;
    if ((r = strata__tls_ctx_mutable(ctx, "the ALPN protocols")) != STRATA_OK)
        return r;
    if ((r = strata__tls_alpn_encode(protos, n, &wire, &len)) != STRATA_OK)
        return strata__error_set(strata__tls_ctx_err(ctx), r,
                                 "ALPN protocol names must be 1 to 255 bytes, 65535 in all");
    /* SSL_CTX_set_alpn_protos returns 0 on success. */
    int bad = SSL_CTX_set_alpn_protos(ctx->ctx, wire, (unsigned)len);
    free(wire);
    if (bad)
        return strata__error_set_ossl(strata__tls_ctx_err(ctx), STRATA_E_NOMEM,
                                      "cannot set the ALPN protocols");
    return STRATA_OK;
}

/* RFC 7301 §3.1: ProtocolNameList, each name a non-empty <1..2^8-1> vector.
 * The list comes from the peer: parsed with strata_buf. */
static int alpn_trampoline(SSL *ssl, const unsigned char **sel, unsigned char *sel_len,
                           const unsigned char *in, unsigned int inlen, void *arg)
{
    strata_tls_ctx *ctx = arg;
    strata_tls_conn *conn = strata__tls_conn_of(ssl);
    if (!ctx || !conn || !ctx->alpn_cb)
        return SSL_TLSEXT_ERR_NOACK;
    int ret = SSL_TLSEXT_ERR_ALERT_FATAL;
    size_t cap = inlen / 2 + 1, n = 0;
    char **names = calloc(cap, sizeof(*names));
    const unsigned char **at = calloc(cap, sizeof(*at));
    strata_buf b;
    strata_buf_view(&b, in, inlen);
    if (!names || !at)
        goto out;
    while (strata_buf_len(&b) > 0) {
        uint8_t k;
        if (strata_buf_get_u8(&b, &k) != STRATA_OK || k == 0 || n >= cap)
            goto out;
        const uint8_t *p = strata_buf_ptr(&b);
        if (strata_buf_consume(&b, k) != STRATA_OK)
            goto out;
        names[n] = malloc((size_t)k + 1);
        if (!names[n])
            goto out;
        memcpy(names[n], p, k);
        names[n][k] = '\0';
        at[n++] = p;
    }
    int pick = ctx->alpn_cb(conn, (const char *const *)names, n, ctx->alpn_user);
    if (pick == -2) {
        ret = SSL_TLSEXT_ERR_NOACK;
    } else if (pick >= 0 && (size_t)pick < n) {
        *sel = at[pick];
        *sel_len = (unsigned char)strlen(names[pick]);
        ret = SSL_TLSEXT_ERR_OK;
    }
out:
    if (names)
        for (size_t i = 0; i < n; i++)
            free(names[i]);
    free(names);
    free(at);
    return ret;
}

void strata_tls_ctx_set_alpn_select_callback(strata_tls_ctx *ctx, strata_tls_alpn_select_fn cb,
                                             void *user)
{
    ctx->alpn_cb = cb;
    ctx->alpn_user = user;
}

/* ---- key log ------------------------------------------------------------------------- */

static void keylog_trampoline(const SSL *ssl, const char *line)
{
    strata_tls_ctx *ctx = strata__tls_ctx_of(SSL_get_SSL_CTX(ssl));
    strata_tls_conn *conn = strata__tls_conn_of(ssl);
    if (ctx && conn && ctx->keylog_cb)
        ctx->keylog_cb(conn, line, ctx->keylog_user);
}

void strata_tls_ctx_set_keylog_callback(strata_tls_ctx *ctx, strata_tls_keylog_fn cb, void *user)
{
    ctx->keylog_cb = cb;
    ctx->keylog_user = user;
    /* Installed only when wanted: OpenSSL formats every line first. */
    SSL_CTX_set_keylog_callback(ctx->ctx, cb ? keylog_trampoline : NULL);
}

/* ---- OCSP stapling (RFC 6066 §8) ------------------------------------------------------ */

static int ocsp_server(strata_tls_ctx *ctx, strata_tls_conn *conn, SSL *ssl)
{
    if (!ctx->ocsp_server_cb)
        return SSL_TLSEXT_ERR_NOACK;
    uint8_t *resp = NULL;
    size_t len = 0;
    if (ctx->ocsp_server_cb(conn, &resp, &len, ctx->ocsp_server_user) != 0) {
        free(resp);
        return SSL_TLSEXT_ERR_ALERT_FATAL;
    }
    if (!resp || len == 0 || len > (size_t)0xffffff) {
        free(resp);
        return SSL_TLSEXT_ERR_NOACK;
    }
    /* OpenSSL frees the response with OPENSSL_free: hand it its own copy. */
    unsigned char *copy = OPENSSL_memdup(resp, len);
    free(resp);
    if (!copy || !SSL_set_tlsext_status_ocsp_resp(ssl, copy, (long)len)) {
        OPENSSL_free(copy);
        return SSL_TLSEXT_ERR_ALERT_FATAL;
    }
    return SSL_TLSEXT_ERR_OK;
}

static int ocsp_trampoline(SSL *ssl, void *arg)
{
    strata_tls_conn *conn = strata__tls_conn_of(ssl);
    strata_tls_ctx *ctx = arg;
    if (!conn || !ctx)
        return SSL_is_server(ssl) ? SSL_TLSEXT_ERR_NOACK : 1;
    if (SSL_is_server(ssl))
        return ocsp_server(ctx, conn, ssl);
    if (!ctx->ocsp_client_cb)
        return 1;
    const unsigned char *resp = NULL;
    long len = SSL_get_tlsext_status_ocsp_resp(ssl, &resp);
    if (len <= 0 || !resp) {
        resp = NULL;
        len = 0;
    }
    return ctx->ocsp_client_cb(conn, resp, (size_t)len, ctx->ocsp_client_user) ? 1 : 0;
}

void strata_tls_ctx_set_ocsp_server_callback(strata_tls_ctx *ctx, strata_tls_ocsp_server_fn cb,
                                             void *user)
{
    ctx->ocsp_server_cb = cb;
    ctx->ocsp_server_user = user;
}

strata_status strata_tls_ctx_set_ocsp_client_callback(strata_tls_ctx *ctx,
                                                      strata_tls_ocsp_client_fn cb, void *user)
{
    strata_status r;
    if ((r = strata__tls_ctx_mutable(ctx, "the OCSP client callback")) != STRATA_OK)
        return r;
    ctx->ocsp_client_cb = cb;
    ctx->ocsp_client_user = user;
    SSL_CTX_set_tlsext_status_type(ctx->ctx, cb ? TLSEXT_STATUSTYPE_ocsp : -1);
    return STRATA_OK;
}

void strata__tls_install_callbacks(strata_tls_ctx *ctx)
{
    SSL_CTX *s = ctx->ctx;
    SSL_CTX_set_tlsext_servername_callback(s, servername_trampoline);
    SSL_CTX_set_tlsext_servername_arg(s, ctx);
    SSL_CTX_set_alpn_select_cb(s, alpn_trampoline, ctx);
    SSL_CTX_set_tlsext_status_cb(s, ocsp_trampoline);
    SSL_CTX_set_tlsext_status_arg(s, ctx);
    strata__tls_install_passwd(ctx);
}
