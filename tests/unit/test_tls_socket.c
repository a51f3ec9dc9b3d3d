/* tls: socket mode over a socketpair - non-blocking handshake and data with
 * WANT_READ from the socket, the pass-through calls, the peer closing its
 * socket without close_notify, corked sends, records written straight to the
 * socket (in part when it is full), and memory-mode refusals. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "testutil.h"
#include "tls_testcerts.h"
#include "strata/tls_socket.h"
#include "tls/tls_internal.h"

struct sp {
    strata_tls_ctx *cctx, *sctx;
    strata_tls_conn *c, *s;
};

static void up(struct sp *p)
{
    int fds[2];
    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, fds), 0);
    p->cctx = tu_client_ctx();
    p->sctx = tu_server_ctx("leaf.pem", "leaf.key");
    assert_ok(strata_tls_conn_new_socket(p->cctx, fds[0], &p->c));
    assert_ok(strata_tls_conn_new_socket(p->sctx, fds[1], &p->s));
    assert_int_equal(strata_tls_conn_fileno(p->c), fds[0]);
    assert_ok(strata_tls_conn_setblocking(p->c, 0));
    assert_ok(strata_tls_conn_setblocking(p->s, 0));
    assert_ok(strata_tls_conn_set_connect_state(p->c));
    assert_ok(strata_tls_conn_set_accept_state(p->s));
    assert_ok(strata_tls_conn_set_tlsext_host_name(p->c, "localhost"));
    strata_status rc = STRATA_WANT_READ, rs = STRATA_WANT_READ;
    int waits = 0;
    for (int i = 0; i < 100 && (rc != STRATA_OK || rs != STRATA_OK); i++) {
        if (rc != STRATA_OK)
            rc = strata_tls_conn_handshake(p->c);
        if (rs != STRATA_OK)
            rs = strata_tls_conn_handshake(p->s);
        waits += rc == STRATA_WANT_READ;
    }
    assert_ok(rc);
    assert_ok(rs);
    assert_true(waits >= 1); /* the client waited for the server's flight */
}

static void down(struct sp *p)
{
    strata_tls_conn_free(p->c);
    strata_tls_conn_free(p->s);
    strata_tls_ctx_free(p->cctx);
    strata_tls_ctx_free(p->sctx);
}

static void test_nonblocking_pair(void **state)
{
    (void)state;
    struct sp p;
    up(&p);
    size_t sent, n;
    char buf[64];
    assert_status(strata_tls_conn_recv(p.s, buf, sizeof(buf), &n), STRATA_WANT_READ);
    assert_ok(strata_tls_conn_sendall(p.c, "over a socket", 13, &sent));
    assert_ok(strata_tls_conn_recv(p.s, buf, sizeof(buf), &n));
    assert_int_equal(n, 13);
    assert_memory_equal(buf, "over a socket", 13);
    /* Pass-through calls. */
    int type = 0;
    socklen_t len = sizeof(type);
    assert_ok(strata_tls_conn_getsockopt(p.c, SOL_SOCKET, SO_TYPE, &type, &len));
    assert_int_equal(type, SOCK_STREAM);
    /* setsockopt reaches the socket: read back with getsockopt (Linux
     * doubles SO_SNDBUF for its bookkeeping, socket(7)). */
    static const int sizes[] = {8192, 65536};
    for (size_t i = 0; i < 2; i++) {
        int sz = sizes[i], got = 0;
        assert_ok(strata_tls_conn_setsockopt(p.c, SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz)));
        len = sizeof(got);
        assert_ok(strata_tls_conn_getsockopt(p.c, SOL_SOCKET, SO_SNDBUF, &got, &len));
        assert_int_equal(got, 2 * sz);
    }
    struct sockaddr_storage a;
    len = sizeof(a);
    assert_ok(strata_tls_conn_getsockname(p.c, (struct sockaddr *)&a, &len));
    assert_int_equal(a.ss_family, AF_UNIX);
    len = sizeof(a);
    assert_ok(strata_tls_conn_getpeername(p.c, (struct sockaddr *)&a, &len));
    /* Orderly close both ways. */
    int complete;
    assert_ok(strata_tls_conn_shutdown(p.c, &complete));
    assert_int_equal(complete, 0);
    assert_status(strata_tls_conn_recv(p.s, buf, sizeof(buf), &n), STRATA_CLOSED);
    assert_ok(strata_tls_conn_shutdown(p.s, &complete));
    assert_int_equal(complete, 1);
    assert_ok(strata_tls_conn_shutdown(p.c, &complete));
    assert_int_equal(complete, 1);
    down(&p);
}

static void test_peer_closes_socket(void **state)
{
    (void)state;
    struct sp p;
    up(&p);
    size_t n;
    char buf[16];
    assert_ok(strata_tls_conn_sock_shutdown(p.c, SHUT_WR));
    assert_status(strata_tls_conn_recv(p.s, buf, sizeof(buf), &n), STRATA_EOF_UNCLEAN);
    assert_string_equal(strata_error_message(strata_tls_conn_error(p.s)),
                        "the peer's stream ended without close_notify");
    assert_ok(strata_tls_conn_close(p.c));
    assert_int_equal(strata_tls_conn_fileno(p.c), -1);
    down(&p);
}

/* SysCallError: a failed send keeps its errno (EPIPE: the peer's socket is
 * gone) in the error, with the system's text. */
static void test_syscall_error_errno(void **state)
{
    (void)state;
    struct sp p;
    up(&p);
    assert_int_equal(strata_error_errno(strata_tls_conn_error(p.c)), 0);
    assert_ok(strata_tls_conn_close(p.s));
    size_t sent;
    assert_status(strata_tls_conn_sendall(p.c, "into the void", 13, &sent), STRATA_E_IO);
    assert_int_equal(strata_error_errno(strata_tls_conn_error(p.c)), EPIPE);
    assert_string_equal(strata_error_message(strata_tls_conn_error(p.c)),
                        "send to the socket failed: Broken pipe");
    down(&p);
}

/* Corked: records wait until enough are buffered; flush sends them. */
static void test_cork(void **state)
{
    (void)state;
    struct sp p;
    up(&p);
    strata_tls_conn_set_cork(p.c, 1);
    size_t sent, n;
    char buf[64];
    assert_ok(strata_tls_conn_send(p.c, "small", 5, &sent));
    assert_true(strata_tls_conn_bio_pending(p.c) > 0);
    assert_status(strata_tls_conn_recv(p.s, buf, sizeof(buf), &n), STRATA_WANT_READ);
    assert_ok(strata_tls_conn_flush(p.c));
    assert_int_equal(strata_tls_conn_bio_pending(p.c), 0);
    assert_ok(strata_tls_conn_recv(p.s, buf, sizeof(buf), &n));
    assert_memory_equal(buf, "small", 5);
    down(&p);
}

/* Records go straight from the engine to the socket (no copy) while nothing
 * waits before them; what the socket does not take is buffered and sent by
 * the next call. With a small send buffer a 16 KiB record goes out in part,
 * the rest waits (bio_pending), and the peer still reads every byte in
 * order; so does a send of several records (gathered into one write). */
static void test_direct_partial(void **state)
{
    (void)state;
    struct sp p;
    up(&p);
    int small = 4096;
    assert_ok(strata_tls_conn_setsockopt(p.c, SOL_SOCKET, SO_SNDBUF, &small, sizeof(small)));
    static uint8_t msg[100000], got[sizeof(msg)];
    for (size_t i = 0; i < sizeof(msg); i++)
        msg[i] = (uint8_t)(i * 7 + i / 251);
    size_t total = 0, sent = 0, n;
    assert_ok(strata_tls_conn_send(p.c, msg, 16384, &sent));
    assert_int_equal(sent, 16384);
    assert_true(strata_tls_conn_bio_pending(p.c) > 0); /* the part the socket refused */
    for (int i = 0; i < 1000 && total < 16384; i++) {
        strata_status r = strata_tls_conn_recv(p.s, got + total, sizeof(got) - total, &n);
        if (r == STRATA_OK)
            total += n;
        else
            assert_status(r, STRATA_WANT_READ);
        r = strata_tls_conn_flush(p.c);
        assert_true(r == STRATA_OK || r == STRATA_WANT_WRITE);
    }
    assert_int_equal(total, 16384);
    assert_int_equal(strata_tls_conn_bio_pending(p.c), 0);
    /* Several records in one send, then one record at a time. */
    size_t off = 16384;
    for (int i = 0; i < 100000 && total < sizeof(msg); i++) {
        if (off < sizeof(msg)) {
            size_t want = off < 50000 ? sizeof(msg) - off : 16384;
            if (want > sizeof(msg) - off)
                want = sizeof(msg) - off;
            strata_status r = strata_tls_conn_send(p.c, msg + off, want, &sent);
            assert_true(r == STRATA_OK || r == STRATA_WANT_WRITE);
            off += sent;
        }
        strata_status r = strata_tls_conn_flush(p.c);
        assert_true(r == STRATA_OK || r == STRATA_WANT_WRITE);
        r = strata_tls_conn_recv(p.s, got + total, sizeof(got) - total, &n);
        if (r == STRATA_OK)
            total += n;
        else
            assert_status(r, STRATA_WANT_READ);
    }
    assert_int_equal(total, sizeof(msg));
    assert_memory_equal(got, msg, sizeof(msg));
    down(&p);
}

/* The wire's direct hook (socket mode sets it to a send(2)): while the output
 * buffer is empty a record goes to the hook first, and only the part it did
 * not take is copied into the buffer; with bytes already waiting the hook is
 * not called (order). Whatever the split, the peer reads the bytes. */
struct capture {
    uint8_t buf[4096];
    size_t len, take, calls, last_n;
};

static size_t capture_direct(void *arg, const uint8_t *p, size_t n)
{
    struct capture *k = arg;
    size_t t = n < k->take ? n : k->take;
    k->calls++;
    k->last_n = n;
    memcpy(k->buf + k->len, p, t);
    k->len += t;
    return t;
}

/* The hook's bytes then the buffered ones into s; s must read msg. */
static void deliver(struct capture *k, strata_tls_conn *c, strata_tls_conn *s, const char *msg)
{
    size_t used, n;
    char got[64];
    assert_ok(strata_tls_conn_bio_write(s, k->buf, k->len, &used));
    assert_int_equal(used, k->len);
    k->len = 0;
    tu_pump(c, s, 0);
    assert_ok(strata_tls_conn_recv(s, got, sizeof(got), &n));
    assert_int_equal(n, strlen(msg));
    assert_memory_equal(got, msg, n);
}

static void test_direct_hook(void **state)
{
    (void)state;
    struct sp p = {tu_client_ctx(), tu_server_ctx("leaf.pem", "leaf.key"), NULL, NULL};
    tu_pair(p.cctx, p.sctx, &p.c, &p.s);
    strata_tls_conn *c = p.c, *s = p.s;
    strata_status srv;
    assert_ok(tu_handshake(c, s, &srv, 0));
    assert_ok(srv);
    struct capture k = {.take = 10};
    c->wire.direct = capture_direct;
    c->wire.direct_arg = &k;
    size_t sent;
    /* Part of the record through the hook, the rest buffered. */
    assert_ok(strata_tls_conn_send(c, "first message", 13, &sent));
    assert_int_equal(k.calls, 1);
    assert_int_equal(k.len, 10);
    assert_int_equal(strata_tls_conn_bio_pending(c), k.last_n - 10);
    /* Bytes are waiting: the next record is buffered whole, after them. */
    assert_ok(strata_tls_conn_send(c, "second", 6, &sent));
    assert_int_equal(k.calls, 1);
    size_t used;
    assert_ok(strata_tls_conn_bio_write(s, k.buf, k.len, &used));
    k.len = 0;
    tu_pump(c, s, 0);
    char got[64];
    size_t n, total = 0;
    while (total < 19 && strata_tls_conn_recv(s, got + total, sizeof(got) - total, &n) == STRATA_OK)
        total += n;
    assert_int_equal(total, 19);
    assert_memory_equal(got, "first messagesecond", 19);
    /* The whole record through the hook: nothing buffered. */
    k.take = sizeof(k.buf);
    assert_ok(strata_tls_conn_send(c, "all of it", 9, &sent));
    assert_int_equal(k.calls, 2);
    assert_int_equal(k.len, k.last_n);
    assert_int_equal(strata_tls_conn_bio_pending(c), 0);
    deliver(&k, c, s, "all of it");
    /* The hook takes nothing (the socket would block): all buffered. */
    k.take = 0;
    assert_ok(strata_tls_conn_send(c, "none", 4, &sent));
    assert_int_equal(k.calls, 3);
    assert_int_equal(strata_tls_conn_bio_pending(c), k.last_n);
    deliver(&k, c, s, "none");
    down(&p);
}

static void test_memory_mode_refuses_socket_calls(void **state)
{
    (void)state;
    strata_tls_ctx *ctx = tu_client_ctx();
    strata_tls_conn *c, *l;
    assert_ok(strata_tls_conn_new(ctx, &c));
    assert_int_equal(strata_tls_conn_fileno(c), -1);
    assert_status(strata_tls_conn_listen(c, 1), STRATA_E_STATE);
    assert_string_equal(strata_error_message(strata_tls_conn_error(c)),
                        "not a socket-mode connection");
    strata_tls_conn_free(c);
    assert_ok(strata_tls_conn_new_socket(ctx, -1, &l));
    assert_status(strata_tls_conn_listen(l, 1), STRATA_E_STATE);
    assert_string_equal(strata_error_message(strata_tls_conn_error(l)),
                        "the connection has no socket yet (connect or bind first)");
    strata_tls_conn_free(l);
    /* connect_ex reports the errno instead of failing. */
    assert_ok(strata_tls_conn_new_socket(ctx, -1, &l));
    struct sockaddr_un un = {.sun_family = AF_UNIX, .sun_path = "/nonexistent/strata.sock"};
    int err = 0;
    assert_ok(strata_tls_conn_connect_ex(l, (struct sockaddr *)&un, sizeof(un), &err));
    assert_int_equal(err, ENOENT);
    assert_status(strata_tls_conn_connect(l, (struct sockaddr *)&un, sizeof(un)), STRATA_E_IO);
    assert_string_equal(strata_error_message(strata_tls_conn_error(l)),
                        "connect failed: No such file or directory");
    assert_int_equal(strata_error_errno(strata_tls_conn_error(l)), ENOENT);
    strata_tls_conn_free(l);
    strata_tls_ctx_free(ctx);
}

/* Accepts one connection on the (non-blocking) listener l. */
static strata_tls_conn *accept_one(strata_tls_conn *l)
{
    strata_tls_conn *s = NULL;
    strata_status r = STRATA_WANT_READ;
    for (int i = 0; i < 1000 && r == STRATA_WANT_READ; i++) {
        r = strata_tls_conn_accept(l, &s, NULL, NULL);
        if (r == STRATA_WANT_READ)
            usleep(1000);
    }
    assert_ok(r);
    assert_non_null(s);
    return s;
}

/* Non-blocking handshake of c against s over TCP, then msg from c to s. */
static void handshake_and_send(strata_tls_conn *c, strata_tls_conn *s, const char *msg)
{
    assert_ok(strata_tls_conn_setblocking(c, 0));
    assert_ok(strata_tls_conn_setblocking(s, 0));
    strata_status rc = STRATA_WANT_READ, rs = STRATA_WANT_READ;
    for (int i = 0; i < 2000 && (rc != STRATA_OK || rs != STRATA_OK); i++) {
        if (rc != STRATA_OK)
            rc = strata_tls_conn_handshake(c);
        if (rs != STRATA_OK)
            rs = strata_tls_conn_handshake(s);
        if (rc == STRATA_WANT_READ && rs == STRATA_WANT_READ)
            usleep(1000);
    }
    assert_ok(rc);
    assert_ok(rs);
    size_t sent, n = 0, len = strlen(msg);
    char buf[64];
    assert_ok(strata_tls_conn_sendall(c, msg, len, &sent));
    strata_status r = STRATA_WANT_READ;
    for (int i = 0; i < 1000 && r == STRATA_WANT_READ; i++) {
        r = strata_tls_conn_recv(s, buf, sizeof(buf), &n);
        if (r == STRATA_WANT_READ)
            usleep(1000);
    }
    assert_ok(r);
    assert_int_equal(n, len);
    assert_memory_equal(buf, msg, len);
}

/* bind + listen + accept on 127.0.0.1 port 0: accept gives a server-state
 * connection on the listener's context that handshakes with a client. */
static void test_bind_accept(void **state)
{
    (void)state;
    strata_tls_ctx *cctx = tu_client_ctx(), *sctx = tu_server_ctx("leaf.pem", "leaf.key");
    strata_tls_conn *l, *l2, *c, *s = NULL;
    assert_ok(strata_tls_conn_new_socket(sctx, -1, &l));
    assert_int_equal(strata_tls_conn_fileno(l), -1);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = 0};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_ok(strata_tls_conn_bind(l, (struct sockaddr *)&a, sizeof(a)));
    assert_true(strata_tls_conn_fileno(l) >= 0);
    assert_ok(strata_tls_conn_listen(l, 4));
    socklen_t len = sizeof(a);
    assert_ok(strata_tls_conn_getsockname(l, (struct sockaddr *)&a, &len));
    assert_int_equal(a.sin_family, AF_INET);
    assert_int_equal(ntohl(a.sin_addr.s_addr), INADDR_LOOPBACK);
    assert_true(ntohs(a.sin_port) != 0);
    /* The port is taken now: a second bind to it fails with the reason. */
    assert_ok(strata_tls_conn_new_socket(sctx, -1, &l2));
    assert_status(strata_tls_conn_bind(l2, (struct sockaddr *)&a, sizeof(a)), STRATA_E_IO);
    assert_non_null(strstr(strata_error_message(strata_tls_conn_error(l2)), "bind failed"));
    strata_tls_conn_free(l2);
    /* Nothing to accept yet on a non-blocking listener. */
    assert_ok(strata_tls_conn_setblocking(l, 0));
    assert_status(strata_tls_conn_accept(l, &s, NULL, NULL), STRATA_WANT_READ);
    assert_null(s);

    assert_ok(strata_tls_conn_new_socket(cctx, -1, &c));
    assert_ok(strata_tls_conn_connect(c, (struct sockaddr *)&a, sizeof(a)));
    assert_ok(strata_tls_conn_set_tlsext_host_name(c, "localhost"));
    struct sockaddr_in peer;
    len = sizeof(peer);
    strata_status r = STRATA_WANT_READ;
    for (int i = 0; i < 1000 && r == STRATA_WANT_READ; i++) {
        r = strata_tls_conn_accept(l, &s, (struct sockaddr *)&peer, &len);
        if (r == STRATA_WANT_READ)
            usleep(1000);
    }
    assert_ok(r);
    assert_non_null(s);
    assert_int_equal(peer.sin_family, AF_INET);
    assert_int_equal(ntohl(peer.sin_addr.s_addr), INADDR_LOOPBACK);
    assert_int_equal(strata_tls_conn_is_server(s), 1);
    assert_int_equal(strata_tls_conn_is_server(c), 0);
    assert_ptr_equal(strata_tls_conn_get_context(s), sctx);
    assert_true(strata_tls_conn_fileno(s) >= 0);
    handshake_and_send(c, s, "accepted");
    strata_tls_conn_free(s);
    strata_tls_conn_free(c);

    /* connect_ex: 0 on success, and the connection then works. */
    assert_ok(strata_tls_conn_new_socket(cctx, -1, &c));
    int err = -1;
    assert_ok(strata_tls_conn_connect_ex(c, (struct sockaddr *)&a, sizeof(a), &err));
    assert_int_equal(err, 0);
    assert_true(strata_tls_conn_fileno(c) >= 0);
    assert_ok(strata_tls_conn_set_tlsext_host_name(c, "localhost"));
    /* getpeername: the listener's address and port. */
    struct sockaddr_in there;
    len = sizeof(there);
    assert_ok(strata_tls_conn_getpeername(c, (struct sockaddr *)&there, &len));
    assert_int_equal(len, sizeof(there));
    assert_int_equal(there.sin_family, AF_INET);
    assert_int_equal(there.sin_port, a.sin_port);
    assert_int_equal(there.sin_addr.s_addr, a.sin_addr.s_addr);
    s = accept_one(l);
    handshake_and_send(c, s, "connect_ex");

    /* SysCallError from a connection reset: the server's socket closes with
     * SO_LINGER 0 (a TCP RST); the client's recv keeps ECONNRESET. */
    struct linger lg = {.l_onoff = 1, .l_linger = 0};
    assert_ok(strata_tls_conn_setsockopt(s, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)));
    assert_ok(strata_tls_conn_close(s));
    char buf[16];
    size_t n;
    r = STRATA_WANT_READ;
    for (int i = 0; i < 1000 && r == STRATA_WANT_READ; i++) {
        r = strata_tls_conn_recv(c, buf, sizeof(buf), &n);
        if (r == STRATA_WANT_READ)
            usleep(1000);
    }
    assert_status(r, STRATA_E_IO);
    assert_int_equal(strata_error_errno(strata_tls_conn_error(c)), ECONNRESET);
    assert_string_equal(strata_error_message(strata_tls_conn_error(c)),
                        "recv from the socket failed: Connection reset by peer");
    strata_tls_conn_free(s);
    strata_tls_conn_free(c);
    strata_tls_conn_free(l);
    strata_tls_ctx_free(cctx);
    strata_tls_ctx_free(sctx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_nonblocking_pair),
        cmocka_unit_test(test_peer_closes_socket),
        cmocka_unit_test(test_syscall_error_errno),
        cmocka_unit_test(test_cork),
        cmocka_unit_test(test_direct_partial),
        cmocka_unit_test(test_direct_hook),
        cmocka_unit_test(test_memory_mode_refuses_socket_calls),
        cmocka_unit_test(test_bind_accept),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
