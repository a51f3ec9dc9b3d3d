/* tls: the TLS layer on a stack, against strata TLS servers in memory - one
 * layer, TLS inside TLS, a pop whose peer sent plaintext right after its
 * close_notify (nothing lost), a verification failure that fails the stack
 * with the TLS message, and a stream that ends without close_notify. */
#include <string.h>

#include "testutil.h"
#include "tls_testcerts.h"
#include "strata/stack.h"
#include "strata/tls_layer.h"

/* The far side: servers[0] talks to the wire, servers[k] rides inside
 * servers[k-1]'s plaintext. */
struct far {
    strata_tls_ctx *sctx;
    strata_tls_conn *srv[2];
    size_t n;
};

struct events {
    int up, popped, failed;
};

static void on_event(void *user, strata_stack *s, enum strata_stack_event ev, size_t index)
{
    (void)s;
    (void)index;
    struct events *e = user;
    e->up += ev == STRATA_STACK_EV_LAYER_UP;
    e->popped += ev == STRATA_STACK_EV_POPPED;
    e->failed += ev == STRATA_STACK_EV_FAILED;
}

static strata_layer client_layer(strata_tls_ctx *cctx, strata_tls_conn **conn)
{
    strata_tls_conn *c;
    strata_layer l;
    assert_ok(strata_tls_conn_new(cctx, &c));
    assert_ok(strata_tls_conn_set_connect_state(c));
    assert_ok(strata_tls_conn_set_tlsext_host_name(c, "localhost"));
    assert_ok(strata_tls_layer_new(c, &l));
    assert_ptr_equal(strata_tls_layer_conn(&l), c);
    if (conn)
        *conn = c;
    return l;
}

static void add_server(struct far *f)
{
    assert_ok(strata_tls_conn_new(f->sctx, &f->srv[f->n]));
    assert_ok(strata_tls_conn_set_accept_state(f->srv[f->n]));
    f->n++;
}

/* One handshake step of a far-side server; it may fail (the tests that
 * make it fail check the client's side). */
static void drive(strata_tls_conn *c)
{
    strata_status r = strata_tls_conn_handshake(c);
    assert_true(r == STRATA_OK || r == STRATA_WANT_READ || strata_status_is_error(r));
}

/* Moves bytes between the stack's wire and the far side until quiet. */
static void pump(strata_stack *st, struct far *f)
{
    uint8_t buf[16384];
    for (int round = 0; round < 200; round++) {
        size_t moved = 0, n, used;
        strata_status s;
        const uint8_t *p = strata_stack_wire_out(st, &n, &s);
        if (p && n) {
            assert_ok(strata_tls_conn_bio_write(f->srv[0], p, n, &used));
            strata_stack_wire_ack(st, used);
            moved += used;
        }
        for (size_t k = 0; k < f->n; k++) {
            strata_tls_conn *c = f->srv[k];
            if (!strata_tls_conn_is_established(c))
                drive(c);
            if (k + 1 < f->n) {
                /* Plaintext of srv[k] is the wire of srv[k+1], both ways. */
                while (strata_tls_conn_is_established(c) &&
                       strata_tls_conn_recv(c, buf, sizeof(buf), &n) == STRATA_OK) {
                    assert_ok(strata_tls_conn_bio_write(f->srv[k + 1], buf, n, &used));
                    assert_int_equal(used, n);
                    moved += n;
                }
            }
        }
        for (size_t k = f->n; k-- > 1;) {
            if (!strata_tls_conn_is_established(f->srv[k]))
                drive(f->srv[k]);
            while (strata_tls_conn_bio_read(f->srv[k], buf, sizeof(buf), &n) == STRATA_OK) {
                size_t sent;
                assert_ok(strata_tls_conn_sendall(f->srv[k - 1], buf, n, &sent));
                moved += n;
            }
        }
        while (strata_tls_conn_bio_read(f->srv[0], buf, sizeof(buf), &n) == STRATA_OK) {
            size_t off = 0;
            while (off < n) {
                if (strata_stack_wire_write(st, buf + off, n - off, &used) != STRATA_OK)
                    return;
                if (used == 0)
                    break;
                off += used;
            }
            moved += n;
        }
        if (moved == 0)
            return;
    }
}

static void app_expect(strata_stack *st, const char *want)
{
    size_t n;
    strata_status s;
    const uint8_t *p = strata_stack_app_in(st, &n, &s);
    assert_ok(s);
    assert_int_equal(n, strlen(want));
    assert_memory_equal(p, want, n);
    strata_stack_app_ack(st, n);
}

static void server_expect(strata_tls_conn *srv, const char *want)
{
    char buf[256];
    size_t n;
    assert_ok(strata_tls_conn_recv(srv, buf, sizeof(buf), &n));
    assert_int_equal(n, strlen(want));
    assert_memory_equal(buf, want, n);
}

static strata_stack *new_stack(struct events *e)
{
    strata_stack *st;
    strata_stack_config cfg = {.on_event = on_event, .user = e};
    assert_ok(strata_stack_new(&cfg, &st));
    return st;
}

static void down(strata_stack *st, struct far *f, strata_tls_ctx *cctx)
{
    strata_stack_free(st);
    for (size_t k = 0; k < f->n; k++)
        strata_tls_conn_free(f->srv[k]);
    strata_tls_ctx_free(cctx);
    strata_tls_ctx_free(f->sctx);
}

static void test_one_layer(void **state)
{
    (void)state;
    struct events e = {0};
    struct far f = {.sctx = tu_server_ctx("leaf.pem", "leaf.key")};
    strata_tls_ctx *cctx = tu_client_ctx();
    strata_stack *st = new_stack(&e);
    strata_tls_conn *c;
    add_server(&f);
    assert_ok(strata_stack_push(st, client_layer(cctx, &c), NULL, 0));
    pump(st, &f);
    assert_int_equal(e.up, 1);
    assert_true(strata_tls_conn_is_established(c));
    size_t used;
    assert_ok(strata_stack_app_write(st, (const uint8_t *)"ping", 4, &used));
    assert_int_equal(used, 4);
    pump(st, &f);
    server_expect(f.srv[0], "ping");
    size_t sent;
    assert_ok(strata_tls_conn_send(f.srv[0], "pong", 4, &sent));
    pump(st, &f);
    app_expect(st, "pong");
    char desc[256];
    strata_stack_layer(st, 0)->ops->describe(strata_stack_layer(st, 0)->self, desc, sizeof(desc));
    assert_string_equal(desc, "tls TLSv1.3 TLS_AES_256_GCM_SHA384 peer /CN=localhost");
    down(st, &f, cctx);
}

/* TLS inside TLS (the seed's OnionProtocol, done right). */
static void test_tls_in_tls(void **state)
{
    (void)state;
    struct events e = {0};
    struct far f = {.sctx = tu_server_ctx("leaf.pem", "leaf.key")};
    strata_tls_ctx *cctx = tu_client_ctx();
    strata_stack *st = new_stack(&e);
    strata_tls_conn *inner;
    add_server(&f);
    assert_ok(strata_stack_push(st, client_layer(cctx, NULL), NULL, 0));
    pump(st, &f);
    assert_int_equal(e.up, 1);
    add_server(&f);
    assert_ok(strata_stack_push(st, client_layer(cctx, &inner), NULL, 0));
    pump(st, &f);
    assert_int_equal(e.up, 2);
    assert_int_equal(strata_stack_depth(st), 2);
    size_t used, sent;
    assert_ok(strata_stack_app_write(st, (const uint8_t *)"deep", 4, &used));
    pump(st, &f);
    server_expect(f.srv[1], "deep");
    assert_ok(strata_tls_conn_send(f.srv[1], "from inside", 11, &sent));
    pump(st, &f);
    app_expect(st, "from inside");
    down(st, &f, cctx);
}

/* Pop: our close_notify, the peer's close_notify followed in the same write
 * by plaintext for the stream beneath, which reaches the application. */
static void test_pop_keeps_bytes_after_close_notify(void **state)
{
    (void)state;
    struct events e = {0};
    struct far f = {.sctx = tu_server_ctx("leaf.pem", "leaf.key")};
    strata_tls_ctx *cctx = tu_client_ctx();
    strata_stack *st = new_stack(&e);
    add_server(&f);
    assert_ok(strata_stack_push(st, client_layer(cctx, NULL), NULL, 0));
    pump(st, &f);
    assert_ok(strata_stack_pop(st));
    size_t n, used;
    strata_status s;
    const uint8_t *p = strata_stack_wire_out(st, &n, &s);
    assert_non_null(p);
    assert_ok(strata_tls_conn_bio_write(f.srv[0], p, n, &used));
    strata_stack_wire_ack(st, used);
    char buf[64];
    assert_status(strata_tls_conn_recv(f.srv[0], buf, sizeof(buf), &n), STRATA_CLOSED);
    int complete;
    assert_ok(strata_tls_conn_shutdown(f.srv[0], &complete));
    assert_int_equal(complete, 1);
    uint8_t wire[4096];
    assert_ok(strata_tls_conn_bio_read(f.srv[0], wire, sizeof(wire) - 16, &n));
    memcpy(wire + n, "PLAIN AFTER TLS", 15);
    assert_ok(strata_stack_wire_write(st, wire, n + 15, &used));
    assert_int_equal(used, n + 15);
    assert_int_equal(e.popped, 1);
    assert_int_equal(strata_stack_depth(st), 0);
    app_expect(st, "PLAIN AFTER TLS");
    down(st, &f, cctx);
}

static void test_verify_failure_fails_stack(void **state)
{
    (void)state;
    struct events e = {0};
    struct far f = {.sctx = tu_server_ctx("other.pem", "other.key")};
    strata_tls_ctx *cctx = tu_client_ctx();
    strata_stack *st = new_stack(&e);
    add_server(&f);
    assert_ok(strata_stack_push(st, client_layer(cctx, NULL), NULL, 0));
    pump(st, &f);
    assert_int_equal(e.failed, 1);
    assert_int_equal(strata_stack_error(st)->status, STRATA_E_LAYER_FAILED);
    assert_string_equal(strata_error_message(strata_stack_error(st)),
                        "layer 1 'tls': certificate name mismatch: expected 'localhost', "
                        "certificate has DNS:other.example");
    size_t used;
    assert_status(strata_stack_app_write(st, (const uint8_t *)"x", 1, &used),
                  STRATA_E_LAYER_FAILED);
    down(st, &f, cctx);
}

static void test_eof_without_close_notify(void **state)
{
    (void)state;
    struct events e = {0};
    struct far f = {.sctx = tu_server_ctx("leaf.pem", "leaf.key")};
    strata_tls_ctx *cctx = tu_client_ctx();
    strata_stack *st = new_stack(&e);
    add_server(&f);
    assert_ok(strata_stack_push(st, client_layer(cctx, NULL), NULL, 0));
    pump(st, &f);
    assert_int_equal(e.up, 1);
    assert_status(strata_stack_wire_eof(st), STRATA_E_LAYER_FAILED);
    assert_string_equal(strata_error_message(strata_stack_error(st)),
                        "layer 1 'tls': the peer's stream ended without close_notify");
    down(st, &f, cctx);
}

static void test_layer_new_refusals(void **state)
{
    (void)state;
    strata_tls_ctx *cctx = tu_client_ctx();
    strata_tls_conn *c;
    strata_layer l;
    assert_ok(strata_tls_conn_new(cctx, &c));
    assert_status(strata_tls_layer_new(c, &l), STRATA_E_USAGE); /* no role yet */
    assert_null(l.ops);
    assert_null(strata_tls_layer_conn(&l));
    strata_tls_conn_free(c);
    strata_tls_ctx_free(cctx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_one_layer),
        cmocka_unit_test(test_tls_in_tls),
        cmocka_unit_test(test_pop_keeps_bytes_after_close_notify),
        cmocka_unit_test(test_verify_failure_fails_stack),
        cmocka_unit_test(test_eof_without_close_notify),
        cmocka_unit_test(test_layer_new_refusals),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
