/* Socket mode for TLS connections (strata/tls_socket.h): the seed's
 * Connection(context, socket) as a thin driver over the memory-mode engine.
 *
 * The driver wraps each engine step (handshake, send, recv, shutdown): it
 * first writes what the engine has for the peer, runs the step, and on
 * WANT_WRITE writes more, on WANT_READ reads the socket into the engine's
 * input buffer, until the step completes or the socket would block. Reads
 * go straight from the socket into the engine's input buffer (the zero-copy
 * _buf/_ack calls). Writes: while nothing waits in the output buffer, a
 * record goes from OpenSSL's own buffer to the socket through the wire's
 * direct hook (direct_send), so socket mode adds no copy; only what the
 * socket does not take is buffered. A send of several records, and a corked
 * sender, gather records in the output buffer and write them in one call. */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "strata/tls_socket.h"
#include "tls/tls_internal.h"

/* A corked sender writes once less than one more full record (16 KiB +
 * TLS 1.3 overhead) would fit in the output buffer. */
#define CORK_ROOM (17u * 1024u)

static strata_status sys_fail(strata_tls_conn *conn, const char *what)
{
    return strata__error_set_sys(strata__tls_err(conn), STRATA_E_IO, errno, what);
}

static strata_status need_socket(const strata_tls_conn *conn)
{
    if (!conn->driver)
        return strata__error_set(strata__tls_err((strata_tls_conn *)conn), STRATA_E_STATE,
                                 "not a socket-mode connection");
    if (conn->fd < 0)
        return strata__error_set(strata__tls_err((strata_tls_conn *)conn), STRATA_E_STATE,
                                 "the connection has no socket yet (connect or bind first)");
    return STRATA_OK;
}

/* The wire's direct hook: a record straight from the engine's buffer to the
 * socket while nothing waits before it, unless the sender gathers (cork, or
 * a send of several records). Returns the bytes the socket took; 0 when it
 * would block or failed (the engine then buffers the record; a failure is
 * kept for the next flush to report). */
static size_t direct_send(void *arg, const uint8_t *p, size_t n)
{
    strata_tls_conn *conn = arg;
    if (conn->cork || conn->gather || conn->fd < 0 || conn->direct_err)
        return 0;
    for (;;) {
        ssize_t k = send(conn->fd, p, n, MSG_NOSIGNAL);
        if (k >= 0)
            return (size_t)k;
        if (errno == EINTR)
            continue;
        if (errno != EAGAIN && errno != EWOULDBLOCK)
            conn->direct_err = errno;
        return 0;
    }
}

/* Writes what the engine has for the peer. WANT_WRITE when the socket would
 * block with bytes left. */
static strata_status flush_out(strata_tls_conn *conn)
{
    if (conn->direct_err && strata_tls_conn_bio_pending(conn) > 0) {
        errno = conn->direct_err;
        conn->direct_err = 0;
        return sys_fail(conn, "send to the socket failed");
    }
    for (;;) {
        size_t n;
        const uint8_t *p = strata_tls_conn_bio_read_buf(conn, &n);
        if (!p)
            return STRATA_OK;
        ssize_t k = send(conn->fd, p, n, MSG_NOSIGNAL);
        if (k < 0) {
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK)
                return STRATA_WANT_WRITE;
            return sys_fail(conn, "send to the socket failed");
        }
        strata_status r = strata_tls_conn_bio_read_ack(conn, (size_t)k);
        if (r != STRATA_OK)
            return r;
    }
}

/* Reads the socket into the engine's input buffer; the end of the stream is
 * passed on as bio_shutdown. WANT_READ when the socket would block. */
static strata_status fill_in(strata_tls_conn *conn)
{
    size_t cap;
    uint8_t *w = strata_tls_conn_bio_write_buf(conn, &cap);
    if (!w)
        return STRATA_OK; /* full, or the stream already ended */
    for (;;) {
        ssize_t k = recv(conn->fd, w, cap, 0);
        if (k == 0)
            return strata_tls_conn_bio_shutdown(conn);
        if (k > 0)
            return strata_tls_conn_bio_write_ack(conn, (size_t)k);
        if (errno == EINTR)
            continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK)
            return STRATA_WANT_READ;
        return sys_fail(conn, "recv from the socket failed");
    }
}

static int is_hard(strata_status r)
{
    return r != STRATA_OK && r != STRATA_WANT_READ && r != STRATA_WANT_WRITE;
}

static strata_status drive(strata_tls_conn *conn, strata__tls_step_fn step, void *arg)
{
    for (;;) {
        strata_status f = flush_out(conn);
        if (is_hard(f))
            return f;
        strata_status r = step(conn, arg);
        if (r == STRATA_WANT_WRITE) {
            if ((f = flush_out(conn)) != STRATA_OK)
                return f;
            continue;
        }
        if (r == STRATA_WANT_READ) {
            if ((f = flush_out(conn)) != STRATA_OK)
                return f;
            if (conn->wire.eof)
                return r; /* cannot happen: the engine reports the end */
            if ((f = fill_in(conn)) != STRATA_OK)
                return f;
            continue;
        }
        /* Done (or failed): send what the step produced (Finished, alerts,
         * close_notify). A corked sender keeps records until enough wait. */
        if (r == STRATA_OK && conn->cork &&
            strata_tls_conn_bio_pending(conn) + CORK_ROOM < STRATA_TLS_OUT_SIZE)
            return r;
        f = flush_out(conn);
        return is_hard(f) && !is_hard(r) ? f : r;
    }
}

static void release(strata_tls_conn *conn)
{
    if (conn->fd >= 0)
        close(conn->fd);
    conn->fd = -1;
}

static void make_socket_mode(strata_tls_conn *conn, int fd)
{
    conn->driver = drive;
    conn->release = release;
    conn->fd = fd;
    conn->wire.direct = direct_send;
    conn->wire.direct_arg = conn;
}

strata_status strata_tls_conn_new_socket(strata_tls_ctx *ctx, int fd, strata_tls_conn **out)
{
    strata_status r = strata_tls_conn_new(ctx, out);
    if (r == STRATA_OK)
        make_socket_mode(*out, fd);
    return r;
}

int strata_tls_conn_fileno(const strata_tls_conn *conn)
{
    return conn->driver ? conn->fd : -1;
}

/* Socket calls before the socket exists make one of the address's family. */
static strata_status ensure_socket(strata_tls_conn *conn, int family)
{
    if (!conn->driver)
        return need_socket(conn);
    if (conn->fd >= 0)
        return STRATA_OK;
    conn->fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (conn->fd < 0)
        return sys_fail(conn, "cannot create a socket");
    if (conn->nonblocking && fcntl(conn->fd, F_SETFL, O_NONBLOCK) < 0)
        return sys_fail(conn, "cannot make the socket non-blocking");
    return STRATA_OK;
}

strata_status strata_tls_conn_connect_ex(strata_tls_conn *conn, const struct sockaddr *addr,
                                         socklen_t len, int *err)
{
    strata_status r;
    *err = 0;
    if ((r = ensure_socket(conn, addr->sa_family)) != STRATA_OK)
        return r;
    int k;
    do
        k = connect(conn->fd, addr, len);
    while (k < 0 && errno == EINTR);
    if (k < 0 && errno != EINPROGRESS) {
        *err = errno;
        return STRATA_OK;
    }
    if (k < 0)
        *err = EINPROGRESS;
    return strata_tls_conn_set_connect_state(conn);
}

strata_status strata_tls_conn_connect(strata_tls_conn *conn, const struct sockaddr *addr,
                                      socklen_t len)
{
    int err;
    strata_status r = strata_tls_conn_connect_ex(conn, addr, len, &err);
    if (r == STRATA_OK && err != 0 && err != EINPROGRESS) {
        errno = err;
        return sys_fail(conn, "connect failed");
    }
    return r;
}

strata_status strata_tls_conn_connect_host(strata_tls_conn *conn, const char *host,
                                           const char *port)
{
    strata_status r = STRATA_OK;
    if (!conn->driver)
        return need_socket(conn);
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM}, *res = NULL;
    int g = getaddrinfo(host, port, &hints, &res);
    if (g != 0)
        return strata__error_set(strata__tls_err(conn), STRATA_E_IO,
                                 "cannot resolve %s port %s: %s", host, port, gai_strerror(g));
    int err = ECONNREFUSED;
    for (struct addrinfo *a = res; a; a = a->ai_next) {
        if (conn->fd >= 0 && a != res) {
            close(conn->fd);
            conn->fd = -1;
        }
        r = strata_tls_conn_connect_ex(conn, a->ai_addr, a->ai_addrlen, &err);
        if (r != STRATA_OK || err == 0 || err == EINPROGRESS)
            break;
    }
    freeaddrinfo(res);
    if (r != STRATA_OK)
        return r;
    if (err != 0 && err != EINPROGRESS)
        return strata__error_set(strata__tls_err(conn), STRATA_E_IO,
                                 "cannot connect to %s port %s: %s", host, port, strerror(err));
    return strata_tls_conn_set_tlsext_host_name(conn, host);
}

strata_status strata_tls_conn_bind(strata_tls_conn *conn, const struct sockaddr *addr,
                                   socklen_t len)
{
    strata_status r;
    if ((r = ensure_socket(conn, addr->sa_family)) != STRATA_OK)
        return r;
    int one = 1;
    (void)setsockopt(conn->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (bind(conn->fd, addr, len) < 0)
        return sys_fail(conn, "bind failed");
    return STRATA_OK;
}

strata_status strata_tls_conn_listen(strata_tls_conn *conn, int backlog)
{
    strata_status r;
    if ((r = need_socket(conn)) != STRATA_OK)
        return r;
    if (listen(conn->fd, backlog) < 0)
        return sys_fail(conn, "listen failed");
    return STRATA_OK;
}

strata_status strata_tls_conn_accept(strata_tls_conn *conn, strata_tls_conn **out,
                                     struct sockaddr *addr, socklen_t *len)
{
    strata_status r;
    *out = NULL;
    if ((r = need_socket(conn)) != STRATA_OK)
        return r;
    int fd;
    do
        fd = accept4(conn->fd, addr, len, SOCK_CLOEXEC);
    while (fd < 0 && errno == EINTR);
    if (fd < 0) {
        if (errno == EAGAIN || errno == EWOULDBLOCK)
            return STRATA_WANT_READ;
        return sys_fail(conn, "accept failed");
    }
    strata_tls_conn *c = NULL;
    if ((r = strata_tls_conn_new_socket(conn->ctx, fd, &c)) != STRATA_OK) {
        close(fd);
        return r;
    }
    if ((r = strata_tls_conn_set_accept_state(c)) != STRATA_OK) {
        strata_tls_conn_free(c);
        return r;
    }
    *out = c;
    return STRATA_OK;
}

strata_status strata_tls_conn_getpeername(const strata_tls_conn *conn, struct sockaddr *addr,
                                          socklen_t *len)
{
    strata_status r;
    if ((r = need_socket(conn)) != STRATA_OK)
        return r;
    if (getpeername(conn->fd, addr, len) < 0)
        return sys_fail((strata_tls_conn *)conn, "getpeername failed");
    return STRATA_OK;
}

strata_status strata_tls_conn_getsockname(const strata_tls_conn *conn, struct sockaddr *addr,
                                          socklen_t *len)
{
    strata_status r;
    if ((r = need_socket(conn)) != STRATA_OK)
        return r;
    if (getsockname(conn->fd, addr, len) < 0)
        return sys_fail((strata_tls_conn *)conn, "getsockname failed");
    return STRATA_OK;
}

strata_status strata_tls_conn_getsockopt(const strata_tls_conn *conn, int level, int name,
                                         void *val, socklen_t *len)
{
    strata_status r;
    if ((r = need_socket(conn)) != STRATA_OK)
        return r;
    if (getsockopt(conn->fd, level, name, val, len) < 0)
        return sys_fail((strata_tls_conn *)conn, "getsockopt failed");
    return STRATA_OK;
}

strata_status strata_tls_conn_setsockopt(strata_tls_conn *conn, int level, int name,
                                         const void *val, socklen_t len)
{
    strata_status r;
    if ((r = need_socket(conn)) != STRATA_OK)
        return r;
    if (setsockopt(conn->fd, level, name, val, len) < 0)
        return sys_fail(conn, "setsockopt failed");
    return STRATA_OK;
}

strata_status strata_tls_conn_setblocking(strata_tls_conn *conn, int flag)
{
    if (!conn->driver)
        return need_socket(conn);
    conn->nonblocking = !flag;
    if (conn->fd < 0)
        return STRATA_OK; /* applied when the socket is made */
    int fl = fcntl(conn->fd, F_GETFL);
    if (fl < 0 || fcntl(conn->fd, F_SETFL, flag ? (fl & ~O_NONBLOCK) : (fl | O_NONBLOCK)) < 0)
        return sys_fail(conn, "cannot change the socket's blocking mode");
    return STRATA_OK;
}

strata_status strata_tls_conn_sock_shutdown(strata_tls_conn *conn, int how)
{
    strata_status r;
    if ((r = need_socket(conn)) != STRATA_OK)
        return r;
    if (shutdown(conn->fd, how) < 0)
        return sys_fail(conn, "socket shutdown failed");
    return STRATA_OK;
}

strata_status strata_tls_conn_flush(strata_tls_conn *conn)
{
    strata_status r;
    if ((r = need_socket(conn)) != STRATA_OK)
        return r;
    return flush_out(conn);
}

void strata_tls_conn_set_cork(strata_tls_conn *conn, int on)
{
    conn->cork = on ? 1 : 0;
}

strata_status strata_tls_conn_close(strata_tls_conn *conn)
{
    strata_status r;
    if ((r = need_socket(conn)) != STRATA_OK)
        return r;
    r = flush_out(conn);
    if (close(conn->fd) < 0 && r == STRATA_OK)
        r = sys_fail(conn, "close failed");
    conn->fd = -1;
    return r == STRATA_WANT_WRITE ? STRATA_OK : r;
}
