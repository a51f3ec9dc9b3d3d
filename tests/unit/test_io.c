/* io: the libuv driver in one process, on loopback sockets.
 * - layers over real TCP: a framing layer pushed on both stacks, 4 MiB through
 *   an echo and back, byte-identical, with the framing visible in the wire
 *   counts;
 * - 50 connections at once against one listener, each checked;
 * - the connect timeout (a listener whose accept queue is full drops SYNs)
 *   and connection refused, with their exact messages;
 * - an address literal connects without a trip through the resolver;
 * - bad arguments and a listener on a port in use;
 * - a connection to a Unix socket (a forked echo server): 1 MiB there and
 *   back, and the exact error for a path nobody listens on;
 * - a TLS connection that goes quiet is trimmed (its TLS layer's and
 *   socket's buffers given back) and then carries on byte-identical. */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "testutil.h"
#include "framelayer.h"
#include "pattern.h"
#include "tls_testcerts.h"
#include "io/conn_internal.h"
#include "tls/tls_internal.h"
#include "strata/tls_layer.h"

struct ends {
    strata_error client_err;
    strata_error server_err;
    int servers_done, clients_done;
    uint64_t wire_in, wire_out;
    uint8_t key; /* 0: no layers */
    strata_io_listener *listener;
    int clients_left;
};

static strata_status accept_echo(void *user, strata_io_listener *l, strata_io_conn *c)
{
    struct ends *e = user;
    strata_io_app app;
    (void)l;
    assert_ok(strata_io_app_echo_new(&app));
    assert_ok(strata_io_conn_set_app(c, app));
    if (e->key)
        assert_ok(strata_stack_push(strata_io_conn_stack(c), framelayer_new(e->key, 0), NULL, 0));
    return STRATA_OK;
}

static void server_done(void *user, strata_io_conn *c, const strata_error *err)
{
    struct ends *e = user;
    (void)c;
    if (err->status != STRATA_OK && e->server_err.status == STRATA_OK)
        strata_error_copy(&e->server_err, err);
    e->servers_done++;
}

static void client_done(void *user, strata_io_conn *c, const strata_error *err)
{
    struct ends *e = user;
    strata_io_conn_counts(c, &e->wire_in, &e->wire_out);
    if (err->status != STRATA_OK && e->client_err.status == STRATA_OK)
        strata_error_copy(&e->client_err, err);
    e->clients_done++;
    if (--e->clients_left == 0 && e->listener) {
        strata_io_listener_close(e->listener);
        e->listener = NULL;
    }
}

static void start_listener(strata_io *io, struct ends *e)
{
    strata_io_listener_config cfg = {accept_echo, server_done, e, NULL, 0};
    strata_error err;
    assert_ok(strata_io_listen(io, "127.0.0.1", 0, &cfg, &e->listener, &err));
    assert_int_not_equal(strata_io_listener_port(e->listener), 0);
    char want[64];
    snprintf(want, sizeof(want), "127.0.0.1:%u", strata_io_listener_port(e->listener));
    assert_string_equal(strata_io_listener_addr(e->listener), want);
}

static void test_layer_over_tcp(void **state)
{
    (void)state;
    strata_io *io;
    struct ends e;
    struct pattern pat;
    memset(&e, 0, sizeof(e));
    e.key = 0x5a;
    e.clients_left = 1;
    assert_ok(strata_io_new(&io));
    start_listener(io, &e);
    pattern_init(&pat, 4u << 20, 42);
    strata_io_conn_config cfg = {NULL, 0, client_done, &e};
    strata_io_conn *c;
    assert_ok(strata_io_connect(io, "127.0.0.1", strata_io_listener_port(e.listener),
                                pattern_app(&pat), &cfg, &c));
    assert_ok(strata_stack_push(strata_io_conn_stack(c), framelayer_new(0x5a, 0), NULL, 0));
    assert_ok(strata_io_run(io));
    strata_io_free(io);
    if (e.client_err.status != STRATA_OK)
        fail_msg("client: %s", strata_error_message(&e.client_err));
    if (e.server_err.status != STRATA_OK)
        fail_msg("server: %s", strata_error_message(&e.server_err));
    assert_true(pattern_complete(&pat));
    assert_int_equal(e.servers_done, 1);
    /* 4 MiB in frames of at most 1000 bytes with 8 bytes of framing each. */
    uint64_t frames = (4u << 20) / FRAME_MAX;
    assert_true(e.wire_out >= (4u << 20) + frames * 8);
    assert_true(e.wire_in >= (4u << 20) + frames * 8);
}

/* ---- a quiet TLS connection is trimmed ---- */

struct quiet {
    struct ends e;
    struct pattern pat;
    strata_tls_ctx *sctx, *cctx;
    strata_io_conn *client;
    strata_io_timer *tick;
    int ticks, trimmed_seen;
};

static strata_status accept_tls_echo(void *user, strata_io_listener *l, strata_io_conn *c)
{
    struct quiet *q = user;
    strata_io_app app;
    strata_tls_conn *t;
    strata_layer layer;
    (void)l;
    assert_ok(strata_io_app_echo_new(&app));
    assert_ok(strata_io_conn_set_app(c, app));
    assert_ok(strata_tls_conn_new(q->sctx, &t));
    assert_ok(strata_tls_conn_set_accept_state(t));
    assert_ok(strata_tls_layer_new(t, &layer));
    assert_ok(strata_stack_push(strata_io_conn_stack(c), layer, NULL, 0));
    return STRATA_OK;
}

static void quiet_server_done(void *user, strata_io_conn *c, const strata_error *err)
{
    server_done(&((struct quiet *)user)->e, c, err);
}

static void quiet_client_done(void *user, strata_io_conn *c, const strata_error *err)
{
    struct quiet *q = user;
    q->client = NULL;
    client_done(&q->e, c, err);
}

/* Every 100 ms; at 1 s (twice the idle time) the client must be trimmed:
 * its TLS layer holds no wire buffer and its socket halves no buffer. */
static void quiet_tick(void *arg)
{
    struct quiet *q = arg;
    if (++q->ticks < 10 || !q->client)
        return;
    const strata_tls_conn *t =
        strata_tls_layer_conn(strata_stack_layer(strata_io_conn_stack(q->client), 0));
    q->trimmed_seen =
        t && !t->wire.in.data && !t->wire.out.data && !q->client->rd.buf && !q->client->wr.buf;
    strata_io_timer_stop(q->tick);
    q->tick = NULL;
    pattern_resume(&q->pat);
}

static void test_quiet_tls_connection_is_trimmed(void **state)
{
    (void)state;
    strata_io *io;
    static struct quiet q;
    memset(&q, 0, sizeof(q));
    (void)tu_pki();
    q.sctx = tu_server_ctx("leaf.pem", "leaf.key");
    q.cctx = tu_client_ctx();
    q.e.clients_left = 1;
    assert_ok(strata_io_new(&io));
    strata_io_listener_config lcfg = {accept_tls_echo, quiet_server_done, &q, NULL, 0};
    strata_error err;
    assert_ok(strata_io_listen(io, "127.0.0.1", 0, &lcfg, &q.e.listener, &err));
    pattern_init(&q.pat, 2u << 20, 7);
    q.pat.pause_at = 1u << 20; /* 1 MiB, a quiet second, 1 MiB */
    strata_io_conn_config cfg = {NULL, 0, quiet_client_done, &q};
    assert_ok(strata_io_connect(io, "127.0.0.1", strata_io_listener_port(q.e.listener),
                                pattern_app(&q.pat), &cfg, &q.client));
    strata_tls_conn *t;
    strata_layer layer;
    assert_ok(strata_tls_conn_new(q.cctx, &t));
    assert_ok(strata_tls_conn_set_connect_state(t));
    assert_ok(strata_tls_conn_set_tlsext_host_name(t, "localhost"));
    assert_ok(strata_tls_layer_new(t, &layer));
    assert_ok(strata_stack_push(strata_io_conn_stack(q.client), layer, NULL, 0));
    assert_ok(strata_io_every(io, 100, quiet_tick, &q, &q.tick));
    assert_ok(strata_io_run(io));
    strata_io_free(io);
    strata_tls_ctx_free(q.sctx);
    strata_tls_ctx_free(q.cctx);
    if (q.e.client_err.status != STRATA_OK)
        fail_msg("client: %s", strata_error_message(&q.e.client_err));
    if (q.e.server_err.status != STRATA_OK)
        fail_msg("server: %s", strata_error_message(&q.e.server_err));
    assert_true(q.trimmed_seen);
    assert_true(pattern_complete(&q.pat));
    assert_int_equal(q.pat.checked, 2u << 20);
}

static void test_many_at_once(void **state)
{
    (void)state;
    enum { N = 50 };
    strata_io *io;
    struct ends e;
    static struct pattern pats[N];
    memset(&e, 0, sizeof(e));
    e.clients_left = N;
    assert_ok(strata_io_new(&io));
    start_listener(io, &e);
    strata_io_conn_config cfg = {NULL, 0, client_done, &e};
    for (int i = 0; i < N; i++) {
        strata_io_conn *c;
        pattern_init(&pats[i], 64u * 1024u + (uint64_t)i * 997u, (uint64_t)i + 1);
        assert_ok(strata_io_connect(io, "127.0.0.1", strata_io_listener_port(e.listener),
                                    pattern_app(&pats[i]), &cfg, &c));
    }
    assert_ok(strata_io_run(io));
    strata_io_free(io);
    if (e.client_err.status != STRATA_OK)
        fail_msg("client: %s", strata_error_message(&e.client_err));
    assert_int_equal(e.clients_done, N);
    assert_int_equal(e.servers_done, N);
    for (int i = 0; i < N; i++)
        assert_true(pattern_complete(&pats[i]));
}

/* Connects to port and checks that the connection ends with want_status and
 * exactly want_msg. */
/* A new io driver with one echo connection to host:port started on it. */
static strata_io *start_connect(struct ends *e, const char *host, uint16_t port,
                                uint64_t timeout_ms, strata_io_conn **c)
{
    strata_io *io;
    strata_io_app app;
    memset(e, 0, sizeof(*e));
    e->clients_left = 1;
    assert_ok(strata_io_new(&io));
    assert_ok(strata_io_app_echo_new(&app));
    strata_io_conn_config cfg = {NULL, timeout_ms, client_done, e};
    assert_ok(strata_io_connect(io, host, port, app, &cfg, c));
    return io;
}

static void expect_connect_error(const char *host, uint16_t port, uint64_t timeout_ms,
                                 strata_status want_status, const char *want_msg)
{
    struct ends e;
    strata_io_conn *c;
    strata_io *io = start_connect(&e, host, port, timeout_ms, &c);
    uint64_t t0 = strata_io_now(io);
    assert_ok(strata_io_run(io));
    uint64_t took = strata_io_now(io) - t0;
    strata_io_free(io);
    assert_int_equal(e.clients_done, 1);
    assert_status(e.client_err.status, want_status);
    assert_string_equal(strata_error_message(&e.client_err), want_msg);
    if (want_status == STRATA_E_TIMEOUT)
        assert_true(took >= timeout_ms && took < timeout_ms + 2000);
}

static int bound_socket(uint16_t *port, int backlog)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a;
    socklen_t len = sizeof(a);
    memset(&a, 0, sizeof(a));
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
    if (backlog >= 0)
        assert_int_equal(listen(fd, backlog), 0);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &len), 0);
    *port = ntohs(a.sin_port);
    return fd;
}

static void test_connect_timeout(void **state)
{
    (void)state;
    uint16_t port;
    /* A listener that never accepts, with its queue filled: Linux drops
     * further SYNs, so a connect neither succeeds nor is refused. */
    int lfd = bound_socket(&port, 0);
    int fill[4];
    struct sockaddr_in a;
    memset(&a, 0, sizeof(a));
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons(port);
    for (int i = 0; i < 4; i++) {
        fill[i] = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
        int r = connect(fill[i], (struct sockaddr *)&a, sizeof(a));
        assert_true(r == 0 || errno == EINPROGRESS);
    }
    usleep(100 * 1000);
    char want[128];
    snprintf(want, sizeof(want), "connecting to 127.0.0.1:%u: timed out after 300 ms", port);
    expect_connect_error("127.0.0.1", port, 300, STRATA_E_TIMEOUT, want);
    for (int i = 0; i < 4; i++)
        close(fill[i]);
    close(lfd);
}

static void test_connect_refused(void **state)
{
    (void)state;
    uint16_t port;
    int fd = bound_socket(&port, -1); /* bound, not listening: refused */
    char want[128];
    snprintf(want, sizeof(want), "connecting to 127.0.0.1:%u: connection refused", port);
    expect_connect_error("127.0.0.1", port, 0, STRATA_E_IO, want);
    snprintf(want, sizeof(want), "connecting to [::1]:%u: connection refused", port);
    expect_connect_error("::1", port, 0, STRATA_E_IO, want);
    close(fd);
}

/* An address literal is resolved on the loop's thread: the connection is
 * already connecting when strata_io_connect returns, no request went to
 * libuv's thread pool (every `listen --forward tcp:127.0.0.1:P` connection
 * would pay that round trip); a name still goes to the resolver. Both end
 * as a refused connection would. */
static void test_numeric_address_not_resolved(void **state)
{
    (void)state;
    uint16_t port;
    int fd = bound_socket(&port, -1); /* bound, not listening: refused */
    const char *hosts[] = {"127.0.0.1", "::1", "localhost"};
    for (int i = 0; i < 3; i++) {
        struct ends e;
        strata_io_conn *c;
        strata_io *io = start_connect(&e, hosts[i], port, 0, &c);
        if (i < 2) {
            assert_int_equal(c->state, STRATA__IO_CONN_CONNECTING);
            assert_false(c->gai_busy);
            assert_non_null(c->ai_list);
        } else {
            assert_int_equal(c->state, STRATA__IO_CONN_RESOLVING);
            assert_true(c->gai_busy);
        }
        assert_ok(strata_io_run(io));
        strata_io_free(io);
        assert_int_equal(e.clients_done, 1);
        assert_status(e.client_err.status, STRATA_E_IO);
        assert_non_null(strstr(strata_error_message(&e.client_err), "connection refused"));
    }
    close(fd);
}

static void test_bad_arguments(void **state)
{
    (void)state;
    strata_io *io;
    strata_io_app app;
    strata_io_conn *c = (strata_io_conn *)&c;
    assert_ok(strata_io_new(&io));
    assert_ok(strata_io_app_echo_new(&app));
    assert_status(strata_io_connect(io, "127.0.0.1", 0, app, NULL, &c), STRATA_E_USAGE);
    assert_null(c);
    assert_ok(strata_io_app_echo_new(&app));
    assert_status(strata_io_connect(io, "", 80, app, NULL, &c), STRATA_E_USAGE);

    /* A port in use. */
    uint16_t port;
    int fd = bound_socket(&port, 1);
    strata_io_listener *l = NULL;
    strata_error err;
    strata_io_listener_config cfg = {accept_echo, NULL, NULL, NULL, 0};
    assert_status(strata_io_listen(io, "127.0.0.1", port, &cfg, &l, &err), STRATA_E_IO);
    assert_null(l);
    char want[128];
    snprintf(want, sizeof(want), "listening on 127.0.0.1:%u: address already in use", port);
    assert_string_equal(strata_error_message(&err), want);
    cfg.on_accept = NULL;
    assert_status(strata_io_listen(io, "127.0.0.1", 0, &cfg, &l, &err), STRATA_E_USAGE);
    close(fd);
    assert_ok(strata_io_run(io));
    assert_status(strata_io_run(io), STRATA_OK);
    strata_io_free(io);
}

/* Listeners made with strata_io_listen_reuse_port share one address (one
 * per driver, as strata listen --workers runs them); a plain listener on it
 * is refused, and a reuse-port one cannot join a plain listener's port. */
static void test_reuse_port(void **state)
{
    (void)state;
    strata_io *a = NULL, *b = NULL, *c = NULL;
    assert_ok(strata_io_new(&a));
    assert_ok(strata_io_new(&b));
    assert_ok(strata_io_new(&c));
    strata_io_listener *la = NULL, *lb = NULL, *lc = NULL;
    strata_error err;
    strata_io_listener_config cfg = {accept_echo, NULL, NULL, NULL, 0};
    assert_ok(strata_io_listen_reuse_port(a, "127.0.0.1", 0, &cfg, &la, &err));
    uint16_t port = strata_io_listener_port(la);
    assert_ok(strata_io_listen_reuse_port(b, "127.0.0.1", port, &cfg, &lb, &err));
    assert_int_equal(strata_io_listener_port(lb), port);
    assert_status(strata_io_listen(c, "127.0.0.1", port, &cfg, &lc, &err), STRATA_E_IO);
    assert_null(lc);
    assert_ok(strata_io_listen(c, "127.0.0.1", 0, &cfg, &lc, &err));
    strata_io_listener *ld = NULL;
    assert_status(
        strata_io_listen_reuse_port(a, "127.0.0.1", strata_io_listener_port(lc), &cfg, &ld, &err),
        STRATA_E_IO);
    assert_null(ld);
    strata_io_free(a);
    strata_io_free(b);
    strata_io_free(c);
}

/* The pattern endpoint the demo relies on notices a changed byte, and a byte
 * too many. */
static void test_pattern_checks(void **state)
{
    (void)state;
    static struct pattern p;
    pattern_init(&p, 100, 7);
    strata_io_app a = pattern_app(&p);
    size_t n, used;
    strata_status st;
    const uint8_t *b = a.ops->in(a.self, &n, &st);
    assert_int_equal(n, 100);
    uint8_t copy[101];
    memcpy(copy, b, 100);
    a.ops->in_ack(a.self, 100);
    a.ops->in(a.self, &n, &st);
    assert_int_equal(n, 0);
    assert_status(st, STRATA_CLOSED);
    assert_ok(a.ops->out(a.self, copy, 60, &used));
    assert_int_equal(used, 60);
    copy[65] ^= 1;
    assert_status(a.ops->out(a.self, copy + 60, 40, &used), STRATA_E_PROTOCOL);
    assert_string_equal(strata_error_message(a.ops->error(a.self)),
                        "byte 65 came back changed (or is one too many)");
    assert_false(pattern_complete(&p));

    pattern_init(&p, 100, 7);
    a = pattern_app(&p);
    b = a.ops->in(a.self, &n, &st);
    memcpy(copy, b, 100);
    copy[100] = 0;
    assert_status(a.ops->out(a.self, copy, 101, &used), STRATA_E_PROTOCOL);
    assert_string_equal(strata_error_message(a.ops->error(a.self)),
                        "byte 100 came back changed (or is one too many)");

    pattern_init(&p, 100, 7);
    a = pattern_app(&p);
    b = a.ops->in(a.self, &n, &st);
    memcpy(copy, b, 100);
    assert_ok(a.ops->out(a.self, copy, 100, &used));
    assert_ok(a.ops->out_eof(a.self));
    assert_true(pattern_complete(&p));
}

/* ---- Unix sockets ---- */

/* A child process that echoes one connection on a Unix socket at path. */
static pid_t unix_echo_server(const char *path)
{
    int lfd = socket(AF_UNIX, SOCK_STREAM, 0);
    struct sockaddr_un a;
    memset(&a, 0, sizeof a);
    a.sun_family = AF_UNIX;
    snprintf(a.sun_path, sizeof a.sun_path, "%s", path);
    assert_int_equal(bind(lfd, (struct sockaddr *)&a, sizeof a), 0);
    assert_int_equal(listen(lfd, 1), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        alarm(20); /* bounded, whatever happens to the parent */
        int fd = accept(lfd, NULL, NULL);
        char buf[16384];
        ssize_t n;
        while (fd >= 0 && (n = read(fd, buf, sizeof buf)) > 0)
            for (ssize_t off = 0, w; off < n; off += w)
                if ((w = write(fd, buf + off, (size_t)(n - off))) <= 0)
                    _exit(1);
        _exit(fd >= 0 ? 0 : 1);
    }
    close(lfd);
    return pid;
}

static void test_unix_socket(void **state)
{
    (void)state;
    char dir[] = "/tmp/strata-io-XXXXXX", path[64];
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/sock", dir);
    pid_t pid = unix_echo_server(path);
    strata_io *io;
    struct ends e;
    struct pattern pat;
    memset(&e, 0, sizeof(e));
    e.clients_left = 1;
    pattern_init(&pat, 1u << 20, 7);
    assert_ok(strata_io_new(&io));
    strata_io_conn_config cfg = {NULL, 0, client_done, &e};
    strata_io_conn *c;
    assert_ok(strata_io_connect_unix(io, path, pattern_app(&pat), &cfg, &c));
    assert_ok(strata_io_run(io));
    strata_io_free(io);
    int st;
    assert_int_equal(waitpid(pid, &st, 0), pid);
    assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    if (e.client_err.status != STRATA_OK)
        fail_msg("client: %s", strata_error_message(&e.client_err));
    assert_true(pattern_complete(&pat));
    assert_int_equal(e.wire_out, 1u << 20);

    /* Nobody there: the path is named. */
    unlink(path);
    memset(&e, 0, sizeof(e));
    e.clients_left = 1;
    strata_io_app app;
    assert_ok(strata_io_new(&io));
    assert_ok(strata_io_app_echo_new(&app));
    assert_ok(strata_io_connect_unix(io, path, app, &cfg, &c));
    assert_ok(strata_io_run(io));
    strata_io_free(io);
    char want[128];
    snprintf(want, sizeof want, "connecting to %s: no such file or directory", path);
    assert_status(e.client_err.status, STRATA_E_IO);
    assert_string_equal(strata_error_message(&e.client_err), want);
    rmdir(dir);

    /* A path too long for a socket address. */
    char longp[200];
    memset(longp, 'a', sizeof longp - 1);
    longp[sizeof longp - 1] = 0;
    assert_ok(strata_io_new(&io));
    assert_ok(strata_io_app_echo_new(&app));
    assert_status(strata_io_connect_unix(io, longp, app, &cfg, &c), STRATA_E_USAGE);
    strata_io_free(io);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_layer_over_tcp),
        cmocka_unit_test(test_many_at_once),
        cmocka_unit_test(test_connect_timeout),
        cmocka_unit_test(test_connect_refused),
        cmocka_unit_test(test_numeric_address_not_resolved),
        cmocka_unit_test(test_unix_socket),
        cmocka_unit_test(test_bad_arguments),
        cmocka_unit_test(test_reuse_port),
        cmocka_unit_test(test_pattern_checks),
        cmocka_unit_test(test_quiet_tls_connection_is_trimmed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
