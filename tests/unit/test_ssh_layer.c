/* ssh/ssh_layer: the SSH client as a layer, driven only through the layer
 * contract, against the in-memory test server (tests/unit/ssh_testserver.c)
 * with the auth and connection messages scripted on the server side.
 * Issue 19 (no byte lost): how the stream beneath may end, and a key
 * exchange the server takes its time over while the application has
 * megabytes to send. */
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "ssh_testserver.h"
#include "strata/ssh_layer.h"

struct lx {
    struct ts *ts;
    EVP_PKEY *hk;
    strata_layer l;
    int exit_told, exit_have;
    uint32_t exit_status;
};

static strata_status accept_key(void *user, const strata_ssh_hostkey_info *info)
{
    (void)user, (void)info;
    return STRATA_OK;
}

static void on_exit_cb(void *user, int have, uint32_t status, const char *sig, const char *msg)
{
    struct lx *x = user;
    (void)sig, (void)msg;
    x->exit_told++;
    x->exit_have = have;
    x->exit_status = status;
}

static void server_send(struct lx *x, const uint8_t *p, size_t n)
{
    assert_ok(ts_send(x->ts, p, n));
}

/* Moves bytes until nothing moves: layer -> server always, server -> layer
 * unless hold (the server's answers wait: a slow key exchange). */
static void lx_pump(struct lx *x, int hold)
{
    for (int k = 0; k < 100000; k++) {
        size_t n, moved = 0;
        const uint8_t *p = x->l.ops->send_buf(x->l.self, &n);
        if (n > 0) {
            assert_ok(ts_input(x->ts, p, n));
            x->l.ops->send_ack(x->l.self, n);
            moved += n;
        }
        ts_output(x->ts, &p, &n);
        if (n > 0 && !hold) {
            size_t used = 0;
            strata_status r = x->l.ops->recv(x->l.self, p, n, &used);
            (void)r; /* failures show in the layer's state, checked by the tests */
            ts_output_ack(x->ts, used);
            moved += used;
        }
        if (moved == 0)
            return;
    }
    fail_msg("pump did not settle");
}

/* Up to an open session channel (local and remote id 0) with its exec
 * accepted: the layer is UP. */
static void lx_init(struct lx *x, uint64_t rekey_bytes)
{
    memset(x, 0, sizeof *x);
    x->hk = ts_make_hostkey("ssh-ed25519");
    struct ts_config tc = {.hostkey_alg = "ssh-ed25519", .hostkey = x->hk};
    assert_ok(ts_new(&tc, &x->ts));
    strata_ssh_layer_config lc;
    memset(&lc, 0, sizeof lc);
    lc.client.transport.cb.verify_host_key = accept_key;
    lc.client.transport.rekey_bytes = rekey_bytes;
    lc.client.auth.username = "alice";
    lc.command = "cat";
    lc.on_exit = on_exit_cb;
    lc.user = x;
    assert_ok(strata_ssh_layer_new(&lc, &x->l, NULL));
    assert_ok(x->l.ops->start(x->l.self));
    lx_pump(x, 0);
    static const uint8_t auth_ok[] = {52};
    server_send(x, auth_ok, sizeof auth_ok);
    lx_pump(x, 0);
    assert_int_equal(ts_count(x->ts, 90), 1); /* CHANNEL_OPEN */
    /* OPEN_CONFIRMATION: recipient 0, sender 0, window 2^31-1, packet 32768 */
    static const uint8_t confirm[] = {91,   0,    0,    0,    0, 0, 0,    0, 0,
                                      0x7f, 0xff, 0xff, 0xff, 0, 0, 0x80, 0};
    server_send(x, confirm, sizeof confirm);
    lx_pump(x, 0);
    assert_int_equal(ts_count(x->ts, 98), 1); /* exec */
    static const uint8_t success[] = {99, 0, 0, 0, 0};
    server_send(x, success, sizeof success);
    lx_pump(x, 0);
    assert_true(x->l.ops->state(x->l.self) & STRATA_LAYER_UP);
}

static void lx_free(struct lx *x)
{
    x->l.ops->free(x->l.self);
    ts_free(x->ts);
    EVP_PKEY_free(x->hk);
}

/* Data, exit-status 5, EOF and CLOSE, then the server's end of the stream
 * with our data still unread (tinysshd closes at once). */
static void server_finishes(struct lx *x, int with_close)
{
    static const uint8_t data[] = {94, 0, 0, 0, 0, 0, 0, 0, 5, 'h', 'e', 'l', 'l', 'o'};
    static const uint8_t exit_status[] = {98,  0,   0,   0,   0,   0,   0,   0,   11,
                                          'e', 'x', 'i', 't', '-', 's', 't', 'a', 't',
                                          'u', 's', 0,   0,   0,   0,   5};
    static const uint8_t eof[] = {96, 0, 0, 0, 0};
    static const uint8_t close_[] = {97, 0, 0, 0, 0};
    server_send(x, data, sizeof data);
    if (with_close)
        server_send(x, exit_status, sizeof exit_status);
    server_send(x, eof, sizeof eof);
    if (with_close)
        server_send(x, close_, sizeof close_);
    lx_pump(x, 0);
}

static void expect_hello(struct lx *x)
{
    size_t n;
    const uint8_t *p = x->l.ops->recv_buf(x->l.self, &n);
    assert_int_equal(n, 5);
    assert_memory_equal(p, "hello", 5);
    x->l.ops->recv_ack(x->l.self, n);
}

/* After CHANNEL_CLOSE the end of the stream beneath is the normal end: no
 * failure, the data still goes up, the exit status is told, and the layer
 * closes both ways without writing to the gone server. */
static void test_end_after_channel_close(void **state)
{
    (void)state;
    struct lx x;
    lx_init(&x, 0);
    server_finishes(&x, 1);
    assert_int_equal(x.exit_told, 1);
    assert_int_equal(x.exit_status, 5);
    assert_ok(x.l.ops->eof(x.l.self));
    unsigned st = x.l.ops->state(x.l.self);
    assert_false(st & STRATA_LAYER_FAILED);
    assert_false(st & STRATA_LAYER_READ_CLOSED); /* "hello" is still unread */
    expect_hello(&x);
    st = x.l.ops->state(x.l.self);
    assert_false(st & STRATA_LAYER_FAILED);
    assert_true(st & STRATA_LAYER_READ_CLOSED);
    assert_true(st & STRATA_LAYER_WRITE_CLOSED);
    size_t n;
    (void)x.l.ops->send_buf(x.l.self, &n);
    assert_int_equal(n, 0); /* no DISCONNECT to nobody */
    lx_free(&x);
}

/* Channel EOF but no CLOSE, then the end of the stream: a cut. The layer
 * fails, and the data that came before the cut is still there to read. */
static void test_cut_before_channel_close(void **state)
{
    (void)state;
    struct lx x;
    lx_init(&x, 0);
    server_finishes(&x, 0);
    assert_int_equal(x.l.ops->eof(x.l.self), STRATA_E_SSH_DISCONNECT);
    assert_true(x.l.ops->state(x.l.self) & STRATA_LAYER_FAILED);
    assert_string_equal(strata_error_message(x.l.ops->error(x.l.self)),
                        "connection closed by the server");
    expect_hello(&x);
    assert_int_equal(x.exit_told, 0);
    lx_free(&x);
}

#define UPLOAD (16u * 1024u * 1024u)
#define CHUNK (64u * 1024u)
/* What the layer may hold back during a key exchange, all buffers counted
 * (transport output and held-back messages): well under the 8 MiB that
 * used to end the connection. */
#define HELD_BOUND (1u * 1024u * 1024u)

static uint8_t pattern(size_t i)
{
    return (uint8_t)(i * 131u + (i >> 13));
}

/* Offers the layer the next chunk of the pattern from offset sent; hashes
 * what it took into *fnv. Returns how much it took. */
static size_t offer(struct lx *x, uint8_t *buf, size_t sent, uint64_t *fnv)
{
    size_t n = UPLOAD - sent < CHUNK ? UPLOAD - sent : CHUNK, used = 0;
    for (size_t i = 0; i < n; i++)
        buf[i] = pattern(sent + i);
    assert_ok(x->l.ops->send(x->l.self, buf, n, &used));
    assert_false(x->l.ops->state(x->l.self) & STRATA_LAYER_FAILED);
    for (size_t i = 0; i < used; i++)
        *fnv = (*fnv ^ buf[i]) * 0x100000001b3ull;
    return used;
}

/* Bytes the layer holds for the wire, all buffers counted. */
static size_t holding(struct lx *x, strata_ssh_transport *t)
{
    size_t out;
    (void)x->l.ops->send_buf(x->l.self, &out);
    return out + strata_ssh_transport_held(t);
}

/* The client rekeys after 1 MiB; the server holds back its key exchange
 * reply while the application offers 16 MiB. The layer must stop taking
 * bytes (back-pressure) instead of queueing them until a limit fails the
 * connection, keep its buffers bounded, and send everything once the key
 * exchange completes. */
static void test_kex_backpressure(void **state)
{
    (void)state;
    struct lx x;
    lx_init(&x, 1024 * 1024);
    uint8_t *buf = malloc(CHUNK);
    assert_non_null(buf);
    uint64_t fnv = 0xcbf29ce484222325ull;
    size_t sent = 0;
    int stalled = 0;
    unsigned kex_before = ts_kex_count(x.ts);
    strata_ssh_transport *t = strata_ssh_client_transport(strata_ssh_layer_client(x.l.self));
    /* Phase 1: the server's answers are held. */
    for (int k = 0; k < 100000 && sent < UPLOAD; k++) {
        size_t used = offer(&x, buf, sent, &fnv);
        assert_true(holding(&x, t) <= HELD_BOUND);
        sent += used;
        lx_pump(&x, 1);
        if (used == 0) {
            stalled = 1;
            break;
        }
    }
    assert_true(stalled); /* back-pressure, not an error */
    assert_true(sent < UPLOAD);
    assert_true(strata_ssh_transport_held(t) > 0);
    /* Phase 2: the reply arrives; the rest flows. */
    lx_pump(&x, 0);
    assert_int_equal(strata_ssh_transport_held(t), 0);
    for (int k = 0; k < 100000 && sent < UPLOAD; k++) {
        sent += offer(&x, buf, sent, &fnv);
        assert_true(holding(&x, t) <= HELD_BOUND + 4u * 1024u * 1024u);
        lx_pump(&x, 0);
    }
    assert_int_equal(sent, UPLOAD);
    assert_false(x.l.ops->state(x.l.self) & STRATA_LAYER_FAILED);
    uint64_t got_fnv;
    assert_int_equal(ts_data(x.ts, &got_fnv), UPLOAD);
    assert_true(got_fnv == fnv);
    assert_true(ts_kex_count(x.ts) > kex_before); /* rekeyed, maybe more than once */
    free(buf);
    lx_free(&x);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_end_after_channel_close),
        cmocka_unit_test(test_cut_before_channel_close),
        cmocka_unit_test(test_kex_backpressure),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
