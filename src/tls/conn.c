/* TLS connection: creation, roles, context switching, the engine calls
 * (handshake, send, recv, shutdown, renegotiation, key update). */
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/err.h>

#include "tls/tls_internal.h"

strata_status strata_tls_conn_new(strata_tls_ctx *ctx, strata_tls_conn **out)
{
    strata_status r = STRATA_OK;
    BIO *bio = NULL;
    *out = NULL;
    if (!ctx)
        return STRATA_E_USAGE;
    strata_tls_conn *conn = calloc(1, sizeof(*conn));
    if (!conn)
        return STRATA_E_NOMEM;
    conn->fd = -1;
    conn->role = -1;
    strata__tls_wire_init(&conn->wire);
    conn->ssl = SSL_new(ctx->ctx);
    if (!conn->ssl || !(bio = strata__tls_wire_bio(&conn->wire))) {
        r = STRATA_E_NOMEM;
        goto out;
    }
    SSL_set_bio(conn->ssl, bio, bio); /* the SSL owns the BIO now */
    if (!SSL_set_ex_data(conn->ssl, strata__tls_conn_index(), conn)) {
        r = STRATA_E_NOMEM;
        goto out;
    }
    strata__tls_ctx_ref(ctx);
    conn->ctx = ctx;
    atomic_store(&ctx->frozen, 1);
    conn->verify_cb = ctx->verify_cb;
    conn->verify_user = ctx->verify_user;
    conn->check_hostname = ctx->check_hostname;
    *out = conn;
    conn = NULL;
out:
    if (r != STRATA_OK)
        ERR_clear_error();
    strata_tls_conn_free(conn);
    return r;
}

void strata_tls_conn_free(strata_tls_conn *conn)
{
    if (!conn)
        return;
    if (conn->release)
        conn->release(conn);
    SSL_free(conn->ssl);
    strata__tls_wire_free(&conn->wire);
    strata_tls_ctx_free(conn->ctx);
    free(conn->verify_name);
    free(conn->sni);
    free(conn->alpn_sel);
    free(conn->vfail);
    free(conn->err);
    free(conn);
}

strata_error *strata__tls_err(strata_tls_conn *conn)
{
    static _Thread_local strata_error scratch;
    if (!conn->err_oom && !strata__error_alloc(&conn->err))
        conn->err_oom = 1;
    if (conn->err)
        return conn->err;
    strata_error_clear(&scratch);
    return &scratch;
}

const strata_error *strata_tls_conn_error(const strata_tls_conn *conn)
{
    return strata__error_view(conn->err, conn->err_oom);
}

static strata_status set_role(strata_tls_conn *conn, int server)
{
    if (conn->role >= 0 && conn->role != server)
        return strata__error_set(strata__tls_err(conn), STRATA_E_STATE,
                                 "the connection is already a %s",
                                 conn->role ? "server" : "client");
    conn->role = server;
    if (server)
        SSL_set_accept_state(conn->ssl);
    else
        SSL_set_connect_state(conn->ssl);
    /* DESIGN.md §4: clients verify by default, servers ask for nothing. */
    if (conn->ctx->verify_mode == STRATA_TLS_VERIFY_DEFAULT)
        SSL_set_verify(conn->ssl, server ? SSL_VERIFY_NONE : SSL_VERIFY_PEER,
                       strata__tls_verify_trampoline);
    return STRATA_OK;
}

strata_status strata_tls_conn_set_connect_state(strata_tls_conn *conn)
{
    return set_role(conn, 0);
}

strata_status strata_tls_conn_set_accept_state(strata_tls_conn *conn)
{
    return set_role(conn, 1);
}

int strata_tls_conn_is_server(const strata_tls_conn *conn)
{
    return conn->role;
}

strata_tls_ctx *strata_tls_conn_get_context(const strata_tls_conn *conn)
{
    return conn->ctx;
}

strata_status strata_tls_conn_set_context(strata_tls_conn *conn, strata_tls_ctx *ctx)
{
    if (!ctx)
        return strata__error_set(strata__tls_err(conn), STRATA_E_USAGE,
                                 "set_context needs a context");
    if (!SSL_set_SSL_CTX(conn->ssl, ctx->ctx))
        return strata__error_set_ossl(strata__tls_err(conn), STRATA_E_INTERNAL,
                                      "cannot switch context");
    strata__tls_ctx_ref(ctx);
    atomic_store(&ctx->frozen, 1);
    strata_tls_ctx_free(conn->ctx);
    conn->ctx = ctx;
    return STRATA_OK;
}

/* Every engine call starts here: the sticky error stops it, a role is
 * needed, and a client arms its host name check before its first step. */
static strata_status enter(strata_tls_conn *conn)
{
    if (strata__tls_st(conn) != STRATA_OK)
        return strata__tls_st(conn);
    if (conn->role < 0)
        return strata__error_set(strata__tls_err(conn), STRATA_E_STATE,
                                 "call set_connect_state or set_accept_state first");
    /* SSL_get_error reads the queue: start from an empty one (a peek is
     * cheaper than a clear on the bulk path, where it is empty). */
    if (ERR_peek_error() != 0)
        ERR_clear_error();
    if (SSL_is_init_finished(conn->ssl))
        conn->established = 1;
    return strata__tls_prepare_verify(conn);
}

/* Runs one engine step: directly in memory mode; in socket mode through the
 * driver (src/io/tls_socket.c), which moves bytes between the memory buffers
 * and the socket around the step until it completes or would block. */
static strata_status run(strata_tls_conn *conn, strata__tls_step_fn step, void *arg)
{
    strata_status r;
    if ((r = enter(conn)) != STRATA_OK)
        return r;
    return conn->driver ? conn->driver(conn, step, arg) : step(conn, arg);
}

static strata_status handshake_step(strata_tls_conn *conn, void *arg)
{
    (void)arg;
    return strata__tls_io_status(conn, SSL_do_handshake(conn->ssl), "handshake");
}

strata_status strata_tls_conn_handshake(strata_tls_conn *conn)
{
    return run(conn, handshake_step, NULL);
}

int strata_tls_conn_is_established(const strata_tls_conn *conn)
{
    return SSL_is_init_finished(conn->ssl);
}

struct xfer {
    void *p;
    size_t n;
    size_t *done;
    int peek;
};

static strata_status send_step(strata_tls_conn *conn, void *arg)
{
    struct xfer *x = arg;
    if (SSL_write_ex(conn->ssl, x->p, x->n, x->done))
        return strata__tls_io_status(conn, 1, "send");
    *x->done = 0;
    return strata__tls_io_status(conn, 0, "send");
}

strata_status strata_tls_conn_send(strata_tls_conn *conn, const void *p, size_t n, size_t *sent)
{
    *sent = 0;
    if (n == 0)
        return strata__tls_st(conn);
    struct xfer x = {(void *)p, n, sent, 0};
    /* More than one record: socket mode gathers them into one write. */
    conn->gather = n > SSL3_RT_MAX_PLAIN_LENGTH;
    strata_status r = run(conn, send_step, &x);
    conn->gather = 0;
    return r;
}

strata_status strata_tls_conn_sendall(strata_tls_conn *conn, const void *p, size_t n, size_t *sent)
{
    strata_status r = STRATA_OK;
    const uint8_t *b = p;
    *sent = 0;
    while (*sent < n) {
        size_t k;
        if ((r = strata_tls_conn_send(conn, b + *sent, n - *sent, &k)) != STRATA_OK)
            break;
        *sent += k;
    }
    return r;
}

static strata_status recv_step(strata_tls_conn *conn, void *arg)
{
    struct xfer *x = arg;
    int ok = x->peek ? SSL_peek_ex(conn->ssl, x->p, x->n, x->done)
                     : SSL_read_ex(conn->ssl, x->p, x->n, x->done);
    if (ok) {
        conn->partial_record = 0;
        return STRATA_OK;
    }
    *x->done = 0;
    return strata__tls_io_status(conn, 0, "recv");
}

static strata_status read_common(strata_tls_conn *conn, void *buf, size_t cap, size_t *n, int peek)
{
    *n = 0;
    if (cap == 0)
        return strata__error_set(strata__tls_err(conn), STRATA_E_USAGE,
                                 "recv into a zero-length buffer");
    struct xfer x = {buf, cap, n, peek};
    return run(conn, recv_step, &x);
}

strata_status strata_tls_conn_recv(strata_tls_conn *conn, void *buf, size_t cap, size_t *n)
{
    return read_common(conn, buf, cap, n, 0);
}

strata_status strata_tls_conn_peek(strata_tls_conn *conn, void *buf, size_t cap, size_t *n)
{
    return read_common(conn, buf, cap, n, 1);
}

size_t strata_tls_conn_pending(const strata_tls_conn *conn)
{
    int k = SSL_pending(conn->ssl);
    return k > 0 ? (size_t)k : 0;
}

int strata_tls_conn_want_read(const strata_tls_conn *conn)
{
    return SSL_want_read(conn->ssl);
}

int strata_tls_conn_want_write(const strata_tls_conn *conn)
{
    return SSL_want_write(conn->ssl) || strata_buf_len(&conn->wire.out) > 0;
}

static strata_status shutdown_step(strata_tls_conn *conn, void *arg)
{
    int *complete = arg;
    int k = SSL_shutdown(conn->ssl);
    if (k == 1)
        *complete = 1;
    if (k >= 0)
        return STRATA_OK;
    return strata__tls_io_status(conn, k, "shutdown");
}

strata_status strata_tls_conn_shutdown(strata_tls_conn *conn, int *complete)
{
    int done = 0;
    strata_status r = run(conn, shutdown_step, &done);
    if (complete)
        *complete = done;
    return r;
}

int strata_tls_conn_get_shutdown(const strata_tls_conn *conn)
{
    int s = SSL_get_shutdown(conn->ssl);
    return ((s & SSL_SENT_SHUTDOWN) ? STRATA_TLS_SENT_SHUTDOWN : 0) |
           ((s & SSL_RECEIVED_SHUTDOWN) ? STRATA_TLS_RECEIVED_SHUTDOWN : 0);
}

void strata_tls_conn_set_shutdown(strata_tls_conn *conn, int state)
{
    SSL_set_shutdown(conn->ssl,
                     ((state & STRATA_TLS_SENT_SHUTDOWN) ? SSL_SENT_SHUTDOWN : 0) |
                         ((state & STRATA_TLS_RECEIVED_SHUTDOWN) ? SSL_RECEIVED_SHUTDOWN : 0));
}

strata_status strata_tls_conn_renegotiate(strata_tls_conn *conn)
{
    strata_status r;
    if ((r = enter(conn)) != STRATA_OK)
        return r;
    if (!SSL_is_init_finished(conn->ssl))
        return strata__error_set(strata__tls_err(conn), STRATA_E_STATE,
                                 "renegotiate needs a finished handshake");
    if (SSL_version(conn->ssl) >= TLS1_3_VERSION)
        return strata__error_set(strata__tls_err(conn), STRATA_E_STATE,
                                 "TLS 1.3 has no renegotiation: use strata_tls_conn_key_update");
    if (!SSL_renegotiate(conn->ssl))
        return strata__error_set_ossl(strata__tls_err(conn), STRATA_E_TLS, "renegotiation refused");
    return STRATA_OK;
}

int strata_tls_conn_renegotiate_pending(const strata_tls_conn *conn)
{
    return SSL_renegotiate_pending(conn->ssl);
}

long strata_tls_conn_total_renegotiations(const strata_tls_conn *conn)
{
    return SSL_total_renegotiations(conn->ssl);
}

strata_status strata_tls_conn_key_update(strata_tls_conn *conn, int request_peer)
{
    strata_status r;
    if ((r = enter(conn)) != STRATA_OK)
        return r;
    if (!SSL_is_init_finished(conn->ssl) || SSL_version(conn->ssl) < TLS1_3_VERSION)
        return strata__error_set(strata__tls_err(conn), STRATA_E_STATE,
                                 "key update needs an established TLS 1.3 connection");
    if (!SSL_key_update(conn->ssl,
                        request_peer ? SSL_KEY_UPDATE_REQUESTED : SSL_KEY_UPDATE_NOT_REQUESTED))
        return strata__error_set_ossl(strata__tls_err(conn), STRATA_E_TLS, "key update refused");
    /* The KeyUpdate message goes out with a handshake step. */
    return run(conn, handshake_step, NULL);
}

const char *strata_tls_conn_state_string(const strata_tls_conn *conn)
{
    return SSL_state_string_long(conn->ssl);
}

void strata_tls_conn_set_app_data(strata_tls_conn *conn, void *data)
{
    conn->app_data = data;
}

void *strata_tls_conn_get_app_data(const strata_tls_conn *conn)
{
    return conn->app_data;
}
