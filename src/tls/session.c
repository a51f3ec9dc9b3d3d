/* TLS sessions: taking, offering and storing sessions for resumption
 * (RFC 5077 tickets, RFC 8446 §4.6.1 NewSessionTicket), and handing new
 * ones to the application as they arrive. */
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/err.h>
#include <openssl/pem.h>

#include "strata/mem.h"
#include "tls/tls_internal.h"

struct strata_tls_session {
    SSL_SESSION *s;
};

static strata_status wrap(SSL_SESSION *s, strata_tls_session **out)
{
    strata_tls_session *w = malloc(sizeof(*w));
    if (!w) {
        SSL_SESSION_free(s);
        return STRATA_E_NOMEM;
    }
    w->s = s;
    *out = w;
    return STRATA_OK;
}

strata_status strata_tls_conn_get_session(const strata_tls_conn *conn, strata_tls_session **out)
{
    *out = NULL;
    SSL_SESSION *s = SSL_get1_session(conn->ssl);
    if (!s)
        return STRATA_OK;
    return wrap(s, out);
}

strata_status strata_tls_conn_set_session(strata_tls_conn *conn, strata_tls_session *sess)
{
    if (!sess)
        return strata__error_set(strata__tls_err(conn), STRATA_E_USAGE,
                                 "set_session needs a session");
    /* After the first engine call the offer is no longer checked against
     * the name (strata__tls_prepare_verify): too late. */
    if (conn->role == 1 || conn->verify_armed || !SSL_in_before(conn->ssl))
        return strata__error_set(strata__tls_err(conn), STRATA_E_STATE,
                                 "set_session is for a client, before its handshake");
    if (!SSL_set_session(conn->ssl, sess->s))
        return strata__error_set_ossl(strata__tls_err(conn), STRATA_E_USAGE,
                                      "the session was refused");
    return STRATA_OK;
}

int strata_tls_conn_session_reused(const strata_tls_conn *conn)
{
    return SSL_session_reused(conn->ssl);
}

void strata_tls_session_free(strata_tls_session *sess)
{
    if (!sess)
        return;
    SSL_SESSION_free(sess->s);
    free(sess);
}

int strata_tls_session_is_resumable(const strata_tls_session *sess)
{
    return SSL_SESSION_is_resumable(sess->s);
}

int strata_tls_session_has_ticket(const strata_tls_session *sess)
{
    return SSL_SESSION_has_ticket(sess->s);
}

strata_status strata_tls_session_to_der(const strata_tls_session *sess, uint8_t **der, size_t *n)
{
    *der = NULL;
    *n = 0;
    int len = i2d_SSL_SESSION(sess->s, NULL);
    if (len <= 0) {
        ERR_clear_error();
        return STRATA_E_INTERNAL;
    }
    uint8_t *buf = malloc((size_t)len);
    if (!buf)
        return STRATA_E_NOMEM;
    uint8_t *p = buf;
    if (i2d_SSL_SESSION(sess->s, &p) != len) {
        strata_free_secret(buf, (size_t)len);
        ERR_clear_error();
        return STRATA_E_INTERNAL;
    }
    *der = buf;
    *n = (size_t)len;
    return STRATA_OK;
}

strata_status strata_tls_session_from_der(const uint8_t *der, size_t n, strata_tls_session **out)
{
    *out = NULL;
    if (n == 0 || n > LONG_MAX)
        return STRATA_E_FORMAT;
    const uint8_t *p = der;
    SSL_SESSION *s = d2i_SSL_SESSION(NULL, &p, (long)n);
    if (!s) {
        ERR_clear_error();
        return STRATA_E_FORMAT;
    }
    if (p != der + n) {
        SSL_SESSION_free(s);
        return STRATA_E_TRAILING;
    }
    return wrap(s, out);
}

/* PEM may ask for a passphrase (an "ENCRYPTED" header): never, and never on
 * the terminal (OpenSSL's default callback would read it). */
static int no_passphrase(char *buf, int size, int rwflag, void *u)
{
    (void)buf;
    (void)size;
    (void)rwflag;
    (void)u;
    return -1;
}

strata_status strata_tls_session_to_pem(const strata_tls_session *sess, char **pem, size_t *n)
{
    strata_status r = STRATA_OK;
    char *data = NULL;
    *pem = NULL;
    *n = 0;
    /* secmem: the BIO's buffer holds the master secret and is wiped when freed. */
    BIO *b = BIO_new(BIO_s_secmem());
    if (!b)
        return STRATA_E_NOMEM;
    if (!PEM_write_bio_SSL_SESSION(b, sess->s)) {
        r = STRATA_E_INTERNAL;
        goto out;
    }
    long len = BIO_get_mem_data(b, &data);
    if (len <= 0 || !data) {
        r = STRATA_E_INTERNAL;
        goto out;
    }
    if (!(*pem = malloc((size_t)len + 1))) {
        r = STRATA_E_NOMEM;
        goto out;
    }
    memcpy(*pem, data, (size_t)len);
    (*pem)[len] = '\0';
    *n = (size_t)len;
out:
    ERR_clear_error();
    BIO_free(b);
    return r;
}

strata_status strata_tls_session_from_pem(const void *pem, size_t n, strata_tls_session **out)
{
    *out = NULL;
    if (n == 0 || n > INT_MAX)
        return STRATA_E_FORMAT;
    BIO *b = BIO_new_mem_buf(pem, (int)n);
    if (!b)
        return STRATA_E_NOMEM;
    SSL_SESSION *s = PEM_read_bio_SSL_SESSION(b, NULL, no_passphrase, NULL);
    BIO_free(b);
    ERR_clear_error();
    if (!s)
        return STRATA_E_FORMAT;
    return wrap(s, out);
}

int strata_tls_session_matches_name(const strata_tls_session *sess, const char *name)
{
    return sess && strata__tls_session_carries_name(sess->s, name);
}

/* ---- new sessions ------------------------------------------------------------------- */

/* OpenSSL's new-session callback. The application gets a copy: OpenSSL
 * marks a connection's session not resumable when the connection is freed
 * without an orderly shutdown, and a session already handed out must not
 * change under its owner. 0 gives OpenSSL's reference back. */
static int new_session_trampoline(SSL *ssl, SSL_SESSION *s)
{
    strata_tls_ctx *ctx = strata__tls_ctx_of(SSL_get_SSL_CTX(ssl));
    strata_tls_conn *conn = strata__tls_conn_of(ssl);
    strata_tls_session *w = NULL;
    if (!ctx || !conn || conn->role != 0 || !ctx->new_session_cb)
        return 0;
    SSL_SESSION *copy = SSL_SESSION_dup(s);
    if (!copy) {
        ERR_clear_error();
        return 0;
    }
    if (wrap(copy, &w) == STRATA_OK) /* wrap frees the copy when it fails */
        ctx->new_session_cb(conn, w, ctx->new_session_user);
    return 0;
}

void strata_tls_ctx_set_new_session_callback(strata_tls_ctx *ctx, strata_tls_new_session_fn cb,
                                             void *user)
{
    ctx->new_session_cb = cb;
    ctx->new_session_user = user;
    if (cb)
        SSL_CTX_set_session_cache_mode(ctx->ctx, SSL_CTX_get_session_cache_mode(ctx->ctx) |
                                                     SSL_SESS_CACHE_CLIENT);
    SSL_CTX_sess_set_new_cb(ctx->ctx, cb ? new_session_trampoline : NULL);
}
