/* tls_layer_trim: strata_stack_trim on stacks of TLS layers loses nothing.
 * Two stacks back to back in memory (client layers on one, server layers on
 * the other), through the public API only:
 * - trimmed idle at both ends, then bulk data both ways byte-exact, then a
 *   pop, after which plaintext flows beneath;
 * - trimmed after every step of a transfer cut into small odd-sized pieces,
 *   with records half received and plaintext not yet read by the
 *   application: the bytes waiting for the wire and for the application are
 *   the same before and after each trim;
 * - trimmed after every step of a handshake (and before its first byte):
 *   the handshake completes and data flows;
 * - after a pop, trimmed while plaintext passes through the bare stacks and
 *   while a new layer's first handshake bytes wait unread at the server,
 *   which then pushes its layer on them;
 * - the same for TLS inside TLS. */
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "tls_testcerts.h"
#include "strata/stack.h"
#include "strata/tls_layer.h"

/* One end: its stack, what it sends and what it received. */
struct end {
    strata_stack *st;
    size_t ups, popped;
    const uint8_t *tx; /* application bytes still to send (borrowed) */
    size_t ntx;
    uint8_t *rx; /* application bytes received */
    size_t nrx, rxcap;
    size_t read_chunk; /* at most this many bytes read per round (0: all) */
};

static strata_tls_ctx *cctx, *sctx;

static int setup(void **state)
{
    (void)state;
    sctx = tu_server_ctx("leaf.pem", "leaf.key");
    cctx = tu_client_ctx();
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    strata_tls_ctx_free(cctx);
    strata_tls_ctx_free(sctx);
    return 0;
}

static void on_event(void *user, strata_stack *s, enum strata_stack_event ev, size_t index)
{
    (void)s;
    (void)index;
    struct end *e = user;
    e->ups += ev == STRATA_STACK_EV_LAYER_UP;
    e->popped += ev == STRATA_STACK_EV_POPPED;
}

static void end_init(struct end *e, size_t rxcap)
{
    memset(e, 0, sizeof(*e));
    /* A pop at one end pops the other (the far end peeled a layer). */
    strata_stack_config cfg = {
        .peer_close = STRATA_STACK_PEER_CLOSE_POP, .on_event = on_event, .user = e};
    assert_ok(strata_stack_new(&cfg, &e->st));
    e->rxcap = rxcap;
    e->rx = malloc(rxcap ? rxcap : 1);
    assert_non_null(e->rx);
}

static void end_free(struct end *e)
{
    assert_int_equal(strata_stack_error(e->st)->status, STRATA_OK);
    strata_stack_free(e->st);
    free(e->rx);
}

static void push_tls(struct end *e, int server)
{
    strata_tls_conn *c;
    strata_layer l;
    assert_ok(strata_tls_conn_new(server ? sctx : cctx, &c));
    if (server) {
        assert_ok(strata_tls_conn_set_accept_state(c));
    } else {
        assert_ok(strata_tls_conn_set_connect_state(c));
        assert_ok(strata_tls_conn_set_tlsext_host_name(c, "localhost"));
    }
    assert_ok(strata_tls_layer_new(c, &l));
    assert_ok(strata_stack_push(e->st, l, NULL, 0));
}

/* Moves at most chunk bytes (0: all there are) from one wire to the other. */
static size_t move(struct end *from, struct end *to, size_t chunk)
{
    size_t n, used;
    strata_status s;
    const uint8_t *p = strata_stack_wire_out(from->st, &n, &s);
    assert_ok(s);
    if (!p || n == 0)
        return 0;
    if (chunk && n > chunk)
        n = chunk;
    assert_ok(strata_stack_wire_write(to->st, p, n, &used));
    strata_stack_wire_ack(from->st, used);
    return used;
}

static size_t app_send(struct end *e)
{
    size_t used = 0;
    if (e->ntx == 0)
        return 0;
    assert_ok(strata_stack_app_write(e->st, e->tx, e->ntx, &used));
    e->tx += used;
    e->ntx -= used;
    return used;
}

static size_t app_read(struct end *e)
{
    size_t n;
    strata_status s;
    const uint8_t *p = strata_stack_app_in(e->st, &n, &s);
    assert_ok(s);
    if (e->read_chunk && n > e->read_chunk)
        n = e->read_chunk;
    if (n == 0)
        return 0;
    assert_true(n <= e->rxcap - e->nrx);
    memcpy(e->rx + e->nrx, p, n);
    e->nrx += n;
    strata_stack_app_ack(e->st, n);
    return n;
}

/* Bytes waiting at a stack face, copied (wire_out or app_in). */
struct snap {
    uint8_t *p;
    size_t n;
};

static struct snap snap_of(const uint8_t *p, size_t n)
{
    struct snap s = {malloc(n ? n : 1), n};
    assert_non_null(s.p);
    if (n)
        memcpy(s.p, p, n);
    return s;
}

static void snap_check(struct snap *s, const uint8_t *p, size_t n)
{
    assert_int_equal(n, s->n);
    if (n)
        assert_memory_equal(p, s->p, n);
    free(s->p);
}

/* strata_stack_trim on e, checking that the bytes waiting for the wire and
 * for the application are exactly the same afterwards. Returns 1 when some
 * bytes were waiting. */
static int trim_checked(struct end *e)
{
    size_t nw, na;
    strata_status s;
    const uint8_t *w = strata_stack_wire_out(e->st, &nw, &s);
    assert_ok(s);
    struct snap sw = snap_of(w, nw);
    const uint8_t *a = strata_stack_app_in(e->st, &na, &s);
    assert_ok(s);
    struct snap sa = snap_of(a, na);
    strata_stack_trim(e->st);
    w = strata_stack_wire_out(e->st, &nw, &s);
    assert_ok(s);
    snap_check(&sw, w, nw);
    a = strata_stack_app_in(e->st, &na, &s);
    assert_ok(s);
    snap_check(&sa, a, na);
    return nw > 0 || na > 0;
}

/* Runs both ends until nothing moves: application bytes in, chunk bytes per
 * wire per round, application bytes out; trims both ends after every round
 * when asked. Returns the number of rounds in which trim met waiting bytes. */
static size_t pump(struct end *a, struct end *b, size_t chunk, int trim)
{
    size_t busy_trims = 0;
    for (int round = 0; round < 1000000; round++) {
        size_t moved = app_send(a) + app_send(b);
        moved += move(a, b, chunk) + move(b, a, chunk);
        moved += app_read(a) + app_read(b);
        if (trim)
            busy_trims += (size_t)(trim_checked(a) + trim_checked(b));
        if (moved == 0)
            return busy_trims;
    }
    fail_msg("the stacks did not settle");
    return busy_trims;
}

static void handshake(struct end *c, struct end *s, size_t chunk, int trim)
{
    size_t before = c->ups;
    push_tls(c, 0);
    push_tls(s, 1);
    if (trim) { /* the client hello is waiting; nothing has moved yet */
        assert_true(trim_checked(c));
        (void)trim_checked(s);
    }
    pump(c, s, chunk, trim);
    assert_int_equal(c->ups, before + 1);
    assert_int_equal(s->ups, before + 1);
}

/* Sends n pseudo-random bytes each way (different each way), checks them. */
static size_t exchange(struct end *a, struct end *b, size_t n, uint64_t seed, size_t chunk,
                       int trim)
{
    uint8_t *da = malloc(n), *db = malloc(n);
    assert_non_null(da);
    assert_non_null(db);
    tu_fill(da, n, seed);
    tu_fill(db, n, seed + 1);
    a->nrx = b->nrx = 0;
    a->tx = da;
    a->ntx = n;
    b->tx = db;
    b->ntx = n;
    size_t busy = pump(a, b, chunk, trim);
    assert_int_equal(a->ntx, 0);
    assert_int_equal(b->ntx, 0);
    assert_int_equal(b->nrx, n);
    assert_int_equal(a->nrx, n);
    assert_memory_equal(b->rx, da, n);
    assert_memory_equal(a->rx, db, n);
    free(da);
    free(db);
    return busy;
}

static void trim_both(struct end *a, struct end *b)
{
    assert_int_equal(trim_checked(a), 0);
    assert_int_equal(trim_checked(b), 0);
}

/* Idle and trimmed at both ends: bulk both ways, small messages, a pop, and
 * plaintext beneath after the pop. */
static void test_trim_idle_then_data_and_pop(void **state)
{
    (void)state;
    struct end c, s;
    end_init(&c, 1u << 20);
    end_init(&s, 1u << 20);
    handshake(&c, &s, 0, 0);
    exchange(&c, &s, 5, 1, 0, 0); /* the client has read the server's tickets */
    trim_both(&c, &s);
    trim_both(&c, &s); /* twice: nothing left to give back is fine */
    const strata_layer *l = strata_stack_layer(c.st, 0);
    assert_true(l->ops->state(l->self) & STRATA_LAYER_UP);
    exchange(&c, &s, 300000, 2, 0, 0);
    trim_both(&c, &s);
    exchange(&c, &s, 1, 3, 0, 0);
    trim_both(&c, &s);
    assert_ok(strata_stack_pop(c.st));
    pump(&c, &s, 0, 0);
    assert_int_equal(c.popped, 1);
    assert_int_equal(s.popped, 1);
    assert_int_equal(strata_stack_depth(c.st), 0);
    assert_int_equal(strata_stack_depth(s.st), 0);
    exchange(&c, &s, 20000, 4, 0, 0); /* plaintext, with no layer */
    end_free(&c);
    end_free(&s);
}

/* Trim after every step of transfers cut into odd pieces (records split
 * across wire writes), with the application reading slowly so plaintext
 * waits in the stack; trim must have met waiting bytes many times. */
static void test_trim_mid_transfer(void **state)
{
    (void)state;
    struct end c, s;
    end_init(&c, 1u << 20);
    end_init(&s, 1u << 20);
    handshake(&c, &s, 0, 0);
    c.read_chunk = 777;
    s.read_chunk = 1234;
    assert_true(exchange(&c, &s, 200000, 10, 1371, 1) > 100);
    assert_true(exchange(&c, &s, 3000, 11, 5, 1) > 100); /* 5 bytes at a time */
    c.read_chunk = s.read_chunk = 0;
    exchange(&c, &s, 100000, 12, 0, 1);
    trim_both(&c, &s);
    exchange(&c, &s, 10, 13, 0, 0);
    end_free(&c);
    end_free(&s);
}

/* Trim before the first handshake byte and after every step of the
 * handshake (records cut into 100-byte pieces): it completes, data flows. */
static void test_trim_mid_handshake(void **state)
{
    (void)state;
    struct end c, s;
    end_init(&c, 1u << 20);
    end_init(&s, 1u << 20);
    handshake(&c, &s, 100, 1);
    exchange(&c, &s, 50000, 20, 0, 0);
    assert_ok(strata_stack_pop(s.st)); /* the server pops this time */
    pump(&c, &s, 0, 1);
    assert_int_equal(strata_stack_depth(c.st), 0);
    assert_int_equal(strata_stack_depth(s.st), 0);
    exchange(&c, &s, 100, 21, 0, 1);
    end_free(&c);
    end_free(&s);
}

/* After a pop: bare stacks pass plaintext through their own buffers, trimmed
 * at every step; then the client pushes a new layer, its hello waits unread
 * in the server's stack (trimmed there), and the server pushes its layer on
 * those bytes (they are the new layer's, DESIGN.md §1). */
static void test_trim_after_pop_and_repush(void **state)
{
    (void)state;
    struct end c, s;
    end_init(&c, 1u << 20);
    end_init(&s, 1u << 20);
    handshake(&c, &s, 0, 0);
    assert_ok(strata_stack_pop(c.st));
    pump(&c, &s, 0, 1);
    assert_int_equal(strata_stack_depth(c.st), 0);
    assert_int_equal(strata_stack_depth(s.st), 0);
    c.read_chunk = 500;
    s.read_chunk = 300;
    assert_true(exchange(&c, &s, 30000, 40, 999, 1) > 50);
    c.read_chunk = s.read_chunk = 0;
    push_tls(&c, 0);
    assert_true(trim_checked(&c)); /* the client hello waits for the wire */
    assert_true(move(&c, &s, 0) > 0);
    assert_true(trim_checked(&s)); /* ... and now unread at the server */
    push_tls(&s, 1);
    pump(&c, &s, 0, 1);
    assert_int_equal(c.ups, 2);
    assert_int_equal(s.ups, 2);
    exchange(&c, &s, 40000, 41, 0, 1);
    end_free(&c);
    end_free(&s);
}

/* TLS inside TLS: the inner handshake and a transfer trimmed at every step,
 * then popping the inner layer with both ends trimmed. */
static void test_trim_tls_in_tls(void **state)
{
    (void)state;
    struct end c, s;
    end_init(&c, 1u << 20);
    end_init(&s, 1u << 20);
    handshake(&c, &s, 0, 0);
    handshake(&c, &s, 333, 1);
    assert_int_equal(strata_stack_depth(c.st), 2);
    c.read_chunk = 4000;
    assert_true(exchange(&c, &s, 150000, 30, 2049, 1) > 50);
    c.read_chunk = 0;
    trim_both(&c, &s);
    assert_ok(strata_stack_pop(c.st));
    pump(&c, &s, 0, 1);
    assert_int_equal(strata_stack_depth(c.st), 1);
    assert_int_equal(strata_stack_depth(s.st), 1);
    exchange(&c, &s, 70000, 31, 0, 1);
    end_free(&c);
    end_free(&s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_trim_idle_then_data_and_pop),
        cmocka_unit_test(test_trim_mid_transfer),
        cmocka_unit_test(test_trim_mid_handshake),
        cmocka_unit_test(test_trim_after_pop_and_repush),
        cmocka_unit_test(test_trim_tls_in_tls),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
