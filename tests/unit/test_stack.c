/* stack: the onion. Two stacks wired back to back in memory, with the
 * test-only framing layer (tests/unit/framelayer.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "framelayer.h"

struct end {
    strata_stack *s;
    uint8_t *got;
    size_t got_len, got_cap;
    int app_closed;     /* app_in reported CLOSED */
    int wire_eof_given; /* we passed the peer's wire close on */
    int reading;        /* drain app bytes */
    size_t ev[4];
    size_t last_popped;
};

static void on_event(void *user, strata_stack *s, enum strata_stack_event ev, size_t index)
{
    struct end *e = user;
    (void)s;
    e->ev[ev]++;
    if (ev == STRATA_STACK_EV_POPPED)
        e->last_popped = index;
}

static void end_init(struct end *e, enum strata_stack_peer_close pc)
{
    memset(e, 0, sizeof(*e));
    strata_stack_config cfg = {.peer_close = pc, .on_event = on_event, .user = e};
    assert_ok(strata_stack_new(&cfg, &e->s));
    e->reading = 1;
}

static void end_free(struct end *e)
{
    strata_stack_free(e->s);
    free(e->got);
}

static void got_reset(struct end *e)
{
    e->got_len = 0;
}

static int drain_app(struct end *e)
{
    int moved = 0;
    while (e->reading) {
        size_t n;
        strata_status st;
        const uint8_t *p = strata_stack_app_in(e->s, &n, &st);
        if (n == 0) {
            if (st == STRATA_CLOSED)
                e->app_closed = 1;
            break;
        }
        if (e->got_len + n > e->got_cap) {
            e->got_cap = (e->got_len + n) * 2;
            e->got = realloc(e->got, e->got_cap);
            assert_non_null(e->got);
        }
        memcpy(e->got + e->got_len, p, n);
        e->got_len += n;
        strata_stack_app_ack(e->s, n);
        moved = 1;
    }
    return moved;
}

/* Moves wire bytes from one end to the other, at most `chunk` per write
 * (0: all at once; 1: byte at a time; SIZE_MAX: random sizes). */
static int xfer(struct end *from, struct end *to, size_t chunk, uint64_t *rng)
{
    int moved = 0;
    for (int k = 0; k < 1000; k++) {
        size_t n, used = 0;
        strata_status st;
        const uint8_t *p = strata_stack_wire_out(from->s, &n, &st);
        if (n == 0) {
            if (st == STRATA_CLOSED && !to->wire_eof_given) {
                to->wire_eof_given = 1;
                strata_status r = strata_stack_wire_eof(to->s);
                (void)r; /* a failure shows in strata_stack_error, checked by the tests */
                moved = 1;
            }
            break;
        }
        size_t k2 = n;
        if (chunk == SIZE_MAX)
            k2 = 1 + (size_t)(tu_rand(rng) % (n < 5000 ? n : 5000));
        else if (chunk > 0 && chunk < n)
            k2 = chunk;
        strata_status r = strata_stack_wire_write(to->s, p, k2, &used);
        (void)r; /* as above */
        if (used == 0)
            break;
        strata_stack_wire_ack(from->s, used);
        moved = 1;
    }
    return moved;
}

static void pump(struct end *a, struct end *b, size_t chunk, uint64_t *rng)
{
    for (int i = 0; i < 1000000; i++) {
        int m = xfer(a, b, chunk, rng);
        m |= xfer(b, a, chunk, rng);
        m |= drain_app(a);
        m |= drain_app(b);
        if (!m)
            return;
    }
    fail_msg("pump did not settle");
}

/* Sends n bytes each way, pumping as it goes, and checks both arrived. */
static void exchange(struct end *a, struct end *b, size_t n, size_t chunk, uint64_t seed)
{
    uint8_t *da = malloc(n ? n : 1), *db = malloc(n ? n : 1);
    assert_non_null(da);
    assert_non_null(db);
    tu_fill(da, n, seed);
    tu_fill(db, n, seed ^ 0xabcdef);
    got_reset(a);
    got_reset(b);
    size_t sa = 0, sb = 0;
    uint64_t rng = seed | 1;
    for (int i = 0; i < 1000000 && (sa < n || sb < n); i++) {
        size_t u = 0;
        if (sa < n) {
            assert_ok(strata_stack_app_write(a->s, da + sa, n - sa, &u));
            sa += u;
        }
        if (sb < n) {
            assert_ok(strata_stack_app_write(b->s, db + sb, n - sb, &u));
            sb += u;
        }
        pump(a, b, chunk, &rng);
    }
    pump(a, b, chunk, &rng);
    assert_int_equal(b->got_len, n);
    assert_int_equal(a->got_len, n);
    assert_memory_equal(b->got, da, n);
    assert_memory_equal(a->got, db, n);
    free(da);
    free(db);
}

static void push_both(struct end *a, struct end *b, uint8_t key, int greedy)
{
    assert_ok(strata_stack_push(a->s, framelayer_new(key, greedy), NULL, 0));
    assert_ok(strata_stack_push(b->s, framelayer_new(key, !greedy), NULL, 0));
}

static void test_passthrough(void **state)
{
    (void)state;
    struct end a, b;
    end_init(&a, STRATA_STACK_PEER_CLOSE_EOF);
    end_init(&b, STRATA_STACK_PEER_CLOSE_EOF);
    exchange(&a, &b, 100000, 0, 1);
    exchange(&a, &b, 3000, 1, 2);
    assert_ok(strata_stack_app_shutdown(a.s));
    assert_ok(strata_stack_app_shutdown(b.s));
    uint64_t rng = 1;
    pump(&a, &b, 0, &rng);
    assert_true(a.app_closed);
    assert_true(b.app_closed);
    end_free(&a);
    end_free(&b);
}

/* Three layers pushed and popped on a live stream, data both ways between
 * every step, for several chunkings. */
static void run_three_layers(size_t chunk, size_t n)
{
    struct end a, b;
    end_init(&a, STRATA_STACK_PEER_CLOSE_POP);
    end_init(&b, STRATA_STACK_PEER_CLOSE_POP);
    uint64_t rng = 77;
    exchange(&a, &b, n, chunk, 10);
    for (uint8_t k = 1; k <= 3; k++) {
        push_both(&a, &b, k, k & 1);
        pump(&a, &b, chunk, &rng);
        assert_int_equal(strata_stack_depth(a.s), k);
        assert_int_equal(a.ev[STRATA_STACK_EV_LAYER_UP], k);
        assert_int_equal(b.ev[STRATA_STACK_EV_LAYER_UP], k);
        exchange(&a, &b, n, chunk, 10 + k);
    }
    for (size_t k = 3; k-- > 0;) {
        /* Alternate which side pops; the other follows the peer's close. */
        struct end *popper = (k & 1) ? &a : &b;
        assert_ok(strata_stack_pop(popper->s));
        pump(&a, &b, chunk, &rng);
        assert_int_equal(strata_stack_depth(a.s), k);
        assert_int_equal(strata_stack_depth(b.s), k);
        assert_int_equal(a.last_popped, k);
        exchange(&a, &b, n, chunk, 20 + k);
    }
    assert_int_equal(a.ev[STRATA_STACK_EV_POPPED], 3);
    assert_int_equal(b.ev[STRATA_STACK_EV_POPPED], 3);
    assert_int_equal(strata_stack_error(a.s)->status, STRATA_OK);
    end_free(&a);
    end_free(&b);
}

static void test_three_layers_all_at_once(void **state)
{
    (void)state;
    run_three_layers(0, 50000);
}

static void test_three_layers_byte_at_a_time(void **state)
{
    (void)state;
    run_three_layers(1, 2000);
}

static void test_three_layers_random_chunks(void **state)
{
    (void)state;
    run_three_layers(SIZE_MAX, 30000);
}

static void test_three_layers_huge(void **state)
{
    (void)state;
    run_three_layers(0, 8u << 20);
}

/* The peer's close and the data that follows it arrive in one read: the data
 * goes to the layer beneath (here: the application), never lost. Run for a
 * layer that takes exactly its own bytes and for one that takes more and
 * hands the rest back. */
static void run_close_and_data_in_one_chunk(int greedy)
{
    struct end a, b;
    end_init(&a, STRATA_STACK_PEER_CLOSE_EOF);
    end_init(&b, STRATA_STACK_PEER_CLOSE_POP);
    uint64_t rng = 5;
    push_both(&a, &b, 1, 0);
    assert_ok(strata_stack_push(a.s, framelayer_new(2, greedy), NULL, 0));
    assert_ok(strata_stack_push(b.s, framelayer_new(2, greedy), NULL, 0));
    pump(&a, &b, 0, &rng);
    exchange(&a, &b, 5000, 0, 3);
    /* a pops; b sees the close, answers it and is done at once. */
    assert_ok(strata_stack_pop(a.s));
    for (int i = 0; i < 100 && xfer(&a, &b, 0, &rng); i++)
        ;
    assert_int_equal(strata_stack_depth(b.s), 1);
    static const char after[] = "bytes after the close, in the same read";
    size_t used;
    assert_ok(strata_stack_app_write(b.s, (const uint8_t *)after, sizeof(after), &used));
    assert_int_equal(used, sizeof(after));
    /* Everything b has for the wire, delivered to a in one write. */
    size_t n;
    strata_status st;
    const uint8_t *p = strata_stack_wire_out(b.s, &n, &st);
    assert_true(n > sizeof(after));
    uint8_t *chunk = malloc(n);
    memcpy(chunk, p, n);
    strata_stack_wire_ack(b.s, n);
    assert_ok(strata_stack_wire_write(a.s, chunk, n, &used));
    assert_int_equal(used, n);
    free(chunk);
    got_reset(&a);
    drain_app(&a);
    assert_int_equal(strata_stack_depth(a.s), 1);
    assert_int_equal(a.ev[STRATA_STACK_EV_POPPED], 1);
    assert_int_equal(a.got_len, sizeof(after));
    assert_memory_equal(a.got, after, sizeof(after));
    exchange(&a, &b, 4000, 0, 4);
    end_free(&a);
    end_free(&b);
}

static void test_close_and_data_in_one_chunk_exact(void **state)
{
    (void)state;
    run_close_and_data_in_one_chunk(0);
}

static void test_close_and_data_in_one_chunk_leftover(void **state)
{
    (void)state;
    run_close_and_data_in_one_chunk(1);
}

/* A corrupted byte fails the stack with the failing layer's detail. */
static void test_failing_layer_fails_stream(void **state)
{
    (void)state;
    struct end a, b;
    end_init(&a, STRATA_STACK_PEER_CLOSE_EOF);
    end_init(&b, STRATA_STACK_PEER_CLOSE_EOF);
    uint64_t rng = 9;
    push_both(&a, &b, 1, 0);
    pump(&a, &b, 0, &rng);
    size_t used, n;
    strata_status st;
    assert_ok(strata_stack_app_write(b.s, (const uint8_t *)"hello", 5, &used));
    const uint8_t *p = strata_stack_wire_out(b.s, &n, &st);
    uint8_t bad[64];
    assert_true(n <= sizeof(bad));
    memcpy(bad, p, n);
    bad[5] ^= 0x20; /* inside the payload */
    strata_stack_wire_ack(b.s, n);
    assert_status(strata_stack_wire_write(a.s, bad, n, &used), STRATA_E_LAYER_FAILED);
    const strata_error *e = strata_stack_error(a.s);
    assert_int_equal(e->status, STRATA_E_LAYER_FAILED);
    assert_string_equal(strata_error_message(e), "layer 1 'test-frame': frame checksum mismatch");
    assert_int_equal(a.ev[STRATA_STACK_EV_FAILED], 1);
    assert_status(strata_stack_app_write(a.s, (const uint8_t *)"x", 1, &used),
                  STRATA_E_LAYER_FAILED);
    p = strata_stack_app_in(a.s, &n, &st);
    assert_int_equal(n, 0);
    assert_int_equal(st, STRATA_E_LAYER_FAILED);
    end_free(&a);
    end_free(&b);
}

/* The seed's OnionProtocol bug, on purpose: the two ends disagree about
 * which layer is outermost. The inner layer's frames reach the wrong layer
 * and the stream fails naming it, instead of hanging or passing garbage. */
static void test_misrouted_layers_fail_clearly(void **state)
{
    (void)state;
    struct end a, b;
    end_init(&a, STRATA_STACK_PEER_CLOSE_EOF);
    end_init(&b, STRATA_STACK_PEER_CLOSE_EOF);
    uint64_t rng = 11;
    assert_ok(strata_stack_push(a.s, framelayer_new(1, 0), NULL, 0));
    assert_ok(strata_stack_push(a.s, framelayer_new(2, 0), NULL, 0));
    assert_ok(strata_stack_push(b.s, framelayer_new(2, 0), NULL, 0));
    assert_ok(strata_stack_push(b.s, framelayer_new(1, 0), NULL, 0));
    pump(&a, &b, 0, &rng);
    assert_int_equal(strata_stack_error(a.s)->status, STRATA_E_LAYER_FAILED);
    assert_string_equal(strata_error_message(strata_stack_error(a.s)),
                        "layer 1 'test-frame': frame for another layer's key");
    end_free(&a);
    end_free(&b);
}

static void test_layer_limit(void **state)
{
    (void)state;
    strata_stack *s;
    assert_ok(strata_stack_new(NULL, &s));
    for (int i = 0; i < STRATA_STACK_MAX_LAYERS_DEFAULT; i++)
        assert_ok(strata_stack_push(s, framelayer_new((uint8_t)i, 0), NULL, 0));
    assert_status(strata_stack_push(s, framelayer_new(99, 0), NULL, 0), STRATA_E_LIMIT);
    assert_string_equal(strata_error_message(strata_stack_refusal(s)),
                        "cannot push layer 'test-frame': the stack already holds 16 layers, "
                        "its limit");
    assert_int_equal(strata_stack_depth(s), 16);
    assert_int_equal(strata_stack_error(s)->status, STRATA_OK); /* still usable */
    strata_stack_free(s);

    assert_ok(strata_stack_new(NULL, &s));
    assert_status(strata_stack_pop(s), STRATA_E_STATE);
    assert_string_equal(strata_error_message(strata_stack_refusal(s)),
                        "cannot pop: the stack has no layer");
    strata_stack_free(s);
}

/* While a pop is under way strata_stack_popping says so, a push and a
 * second pop are refused with E_STATE (a refusal: the stack stays usable, the
 * layers stay as they were); once the pop completes, both work again. */
static void test_push_refused_during_pop(void **state)
{
    (void)state;
    struct end a, b;
    end_init(&a, STRATA_STACK_PEER_CLOSE_POP);
    end_init(&b, STRATA_STACK_PEER_CLOSE_POP);
    uint64_t rng = 13;
    push_both(&a, &b, 1, 0);
    assert_ok(strata_stack_push(a.s, framelayer_new(2, 0), NULL, 0));
    assert_ok(strata_stack_push(b.s, framelayer_new(2, 0), NULL, 0));
    pump(&a, &b, 0, &rng);
    assert_false(strata_stack_popping(a.s));
    const strata_layer *inner = strata_stack_layer(a.s, 1);
    assert_non_null(inner);
    assert_string_equal(inner->ops->name, "test-frame");
    assert_null(strata_stack_layer(a.s, 2));

    assert_ok(strata_stack_pop(a.s));
    assert_true(strata_stack_popping(a.s));
    assert_status(strata_stack_push(a.s, framelayer_new(3, 0), NULL, 0), STRATA_E_STATE);
    assert_string_equal(strata_error_message(strata_stack_refusal(a.s)),
                        "cannot push layer 'test-frame' while a pop is under way");
    assert_status(strata_stack_pop(a.s), STRATA_E_STATE);
    assert_string_equal(strata_error_message(strata_stack_refusal(a.s)),
                        "cannot pop: a pop is already under way");
    assert_int_equal(strata_stack_depth(a.s), 2);
    assert_ptr_equal(strata_stack_layer(a.s, 1), inner);
    assert_int_equal(strata_stack_error(a.s)->status, STRATA_OK);

    /* The peer answers the close: the pop completes. */
    pump(&a, &b, 0, &rng);
    assert_false(strata_stack_popping(a.s));
    assert_int_equal(a.ev[STRATA_STACK_EV_POPPED], 1);
    assert_int_equal(strata_stack_depth(a.s), 1);
    assert_null(strata_stack_layer(a.s, 1));
    exchange(&a, &b, 3000, 0, 14);
    push_both(&a, &b, 3, 1);
    pump(&a, &b, 0, &rng);
    assert_int_equal(strata_stack_depth(a.s), 2);
    exchange(&a, &b, 3000, 0, 15);
    end_free(&a);
    end_free(&b);
}

/* A reader that stops reading stops the writer: nothing grows without bound. */
static void test_backpressure(void **state)
{
    (void)state;
    struct end a, b;
    end_init(&a, STRATA_STACK_PEER_CLOSE_EOF);
    end_init(&b, STRATA_STACK_PEER_CLOSE_EOF);
    uint64_t rng = 3;
    push_both(&a, &b, 1, 0);
    push_both(&a, &b, 2, 1);
    pump(&a, &b, 0, &rng);
    b.reading = 0;
    const size_t total = 4u << 20;
    uint8_t *data = malloc(total);
    tu_fill(data, total, 42);
    size_t sent = 0;
    for (int i = 0; i < 10000 && sent < total; i++) {
        size_t u = 0;
        assert_ok(strata_stack_app_write(a.s, data + sent, total - sent, &u));
        sent += u;
        pump(&a, &b, 0, &rng);
        if (u == 0)
            break;
    }
    assert_true(sent < total);
    assert_true(sent < 256u * 1024u); /* bounded by the layers' small buffers */
    /* The reader resumes: everything arrives, in order. */
    b.reading = 1;
    got_reset(&b);
    for (int i = 0; i < 100000 && sent < total; i++) {
        size_t u = 0;
        assert_ok(strata_stack_app_write(a.s, data + sent, total - sent, &u));
        sent += u;
        pump(&a, &b, SIZE_MAX, &rng);
    }
    pump(&a, &b, 0, &rng);
    assert_int_equal(b.got_len, total);
    assert_memory_equal(b.got, data, total);
    free(data);
    end_free(&a);
    end_free(&b);
}

/* Half-close: a stops writing; b reads to the end, answers, then closes. */
static void test_half_close_through_layers(void **state)
{
    (void)state;
    struct end a, b;
    end_init(&a, STRATA_STACK_PEER_CLOSE_EOF);
    end_init(&b, STRATA_STACK_PEER_CLOSE_EOF);
    uint64_t rng = 4;
    push_both(&a, &b, 1, 0);
    push_both(&a, &b, 2, 0);
    pump(&a, &b, 0, &rng);
    size_t used;
    assert_ok(strata_stack_app_write(a.s, (const uint8_t *)"request", 7, &used));
    assert_ok(strata_stack_app_shutdown(a.s));
    pump(&a, &b, 0, &rng);
    assert_true(b.app_closed);
    assert_int_equal(b.got_len, 7);
    assert_false(a.app_closed);
    assert_ok(strata_stack_app_write(b.s, (const uint8_t *)"reply", 5, &used));
    assert_ok(strata_stack_app_shutdown(b.s));
    pump(&a, &b, 0, &rng);
    assert_true(a.app_closed);
    assert_int_equal(a.got_len, 5);
    assert_memory_equal(a.got, "reply", 5);
    size_t n;
    strata_status st;
    strata_stack_wire_out(a.s, &n, &st);
    assert_int_equal(st, STRATA_CLOSED);
    strata_stack_wire_out(b.s, &n, &st);
    assert_int_equal(st, STRATA_CLOSED);
    assert_int_equal(strata_stack_error(a.s)->status, STRATA_OK);
    end_free(&a);
    end_free(&b);
}

/* Closing runs inside-out: a's end of input closes only its innermost
 * layer; layer 0 and the wire stay open (a proxy without half-close keeps
 * the tunnel up) until b has closed the inner layer too, so b's reply,
 * written after a closed, still arrives. With half_close, a's close goes
 * through every layer and the wire at once. */
static void test_close_inside_out(void **state)
{
    (void)state;
    for (int half = 0; half < 2; half++) {
        struct end a, b;
        end_init(&a, STRATA_STACK_PEER_CLOSE_EOF);
        end_init(&b, STRATA_STACK_PEER_CLOSE_EOF);
        if (half) {
            strata_stack_free(a.s);
            strata_stack_config cfg = {.on_event = on_event, .user = &a, .half_close = 1};
            assert_ok(strata_stack_new(&cfg, &a.s));
        }
        uint64_t rng = 9;
        push_both(&a, &b, 1, 0);
        push_both(&a, &b, 2, 0);
        pump(&a, &b, 0, &rng);
        size_t used, n;
        strata_status st;
        assert_ok(strata_stack_app_write(a.s, (const uint8_t *)"request", 7, &used));
        assert_ok(strata_stack_app_shutdown(a.s));
        pump(&a, &b, 0, &rng);
        assert_true(b.app_closed);
        assert_int_equal(b.got_len, 7);
        strata_stack_wire_out(a.s, &n, &st);
        if (!half) {
            /* Only the inner layer closed; the outer one and the wire wait. */
            assert_int_equal(b.ev[STRATA_STACK_EV_LAYER_PEER_CLOSED], 1);
            assert_int_equal(st, STRATA_OK);
        } else {
            assert_int_equal(b.ev[STRATA_STACK_EV_LAYER_PEER_CLOSED], 2);
            assert_int_equal(st, STRATA_CLOSED);
        }
        assert_ok(strata_stack_app_write(b.s, (const uint8_t *)"late reply", 10, &used));
        assert_ok(strata_stack_app_shutdown(b.s));
        pump(&a, &b, 0, &rng);
        assert_true(a.app_closed);
        assert_int_equal(a.got_len, 10);
        assert_memory_equal(a.got, "late reply", 10);
        assert_int_equal(a.ev[STRATA_STACK_EV_LAYER_PEER_CLOSED], 2);
        assert_int_equal(b.ev[STRATA_STACK_EV_LAYER_PEER_CLOSED], 2);
        strata_stack_wire_out(a.s, &n, &st);
        assert_int_equal(st, STRATA_CLOSED);
        strata_stack_wire_out(b.s, &n, &st);
        assert_int_equal(st, STRATA_CLOSED);
        assert_int_equal(strata_stack_error(a.s)->status, STRATA_OK);
        assert_int_equal(strata_stack_error(b.s)->status, STRATA_OK);
        end_free(&a);
        end_free(&b);
    }
}

/* The seed's startTLS(bytes): the application read the start of the peer's
 * handshake as plain data, then pushes the layer handing those bytes over;
 * bytes it had not read yet belong to the new layer too. */
static void test_push_with_early_bytes(void **state)
{
    (void)state;
    struct end a, b;
    end_init(&a, STRATA_STACK_PEER_CLOSE_EOF);
    end_init(&b, STRATA_STACK_PEER_CLOSE_EOF);
    uint64_t rng = 6;
    assert_ok(strata_stack_push(a.s, framelayer_new(7, 0), NULL, 0));
    size_t used, n;
    strata_status st;
    assert_ok(strata_stack_app_write(a.s, (const uint8_t *)"inside", 6, &used));
    /* b has no layer yet: its application sees a's hello as plain bytes and
     * takes the first three before it knows better. */
    xfer(&a, &b, 0, &rng);
    const uint8_t *p = strata_stack_app_in(b.s, &n, &st);
    assert_true(n > 6);
    uint8_t early[3];
    memcpy(early, p, 3);
    strata_stack_app_ack(b.s, 3);
    assert_ok(strata_stack_push(b.s, framelayer_new(7, 0), early, sizeof(early)));
    pump(&a, &b, 0, &rng);
    assert_int_equal(b.ev[STRATA_STACK_EV_LAYER_UP], 1);
    assert_int_equal(strata_stack_error(b.s)->status, STRATA_OK);
    assert_int_equal(b.got_len, 6);
    assert_memory_equal(b.got, "inside", 6);
    exchange(&a, &b, 10000, 1, 13);
    end_free(&a);
    end_free(&b);
}

/* Policy EOF: the peer closing the innermost layer ends the application's
 * stream; the application may then pop it itself. */
static void test_peer_close_eof_policy(void **state)
{
    (void)state;
    struct end a, b;
    end_init(&a, STRATA_STACK_PEER_CLOSE_EOF);
    end_init(&b, STRATA_STACK_PEER_CLOSE_EOF);
    uint64_t rng = 8;
    push_both(&a, &b, 1, 0);
    pump(&a, &b, 0, &rng);
    assert_ok(strata_stack_pop(a.s));
    pump(&a, &b, 0, &rng);
    assert_int_equal(b.ev[STRATA_STACK_EV_LAYER_PEER_CLOSED], 1);
    assert_true(b.app_closed);
    assert_int_equal(strata_stack_depth(a.s), 1); /* waits for b's close */
    assert_ok(strata_stack_pop(b.s));
    b.app_closed = 0;
    pump(&a, &b, 0, &rng);
    assert_int_equal(strata_stack_depth(a.s), 0);
    assert_int_equal(strata_stack_depth(b.s), 0);
    exchange(&a, &b, 1000, 0, 12);
    end_free(&a);
    end_free(&b);
}

/* The wire ends in the middle of a layer: an unclean end, not a clean pop. */
static void test_wire_eof_inside_layer(void **state)
{
    (void)state;
    struct end a, b;
    end_init(&a, STRATA_STACK_PEER_CLOSE_EOF);
    end_init(&b, STRATA_STACK_PEER_CLOSE_EOF);
    uint64_t rng = 12;
    push_both(&a, &b, 1, 0);
    pump(&a, &b, 0, &rng);
    assert_status(strata_stack_wire_eof(a.s), STRATA_E_LAYER_FAILED);
    assert_string_equal(strata_error_message(strata_stack_error(a.s)),
                        "layer 1 'test-frame': stream ended before the close frame");
    end_free(&a);
    end_free(&b);
}

/* Found by the onion property test's closing sequences: with half_close,
 * b's outer close (and its FIN) follows the inner close at once. When a's
 * inner layer has not read to its close yet (its plaintext buffer is full,
 * a's application is slow), the inner close frame waits, whole, inside that
 * layer as the outer stream ends: the end of the stream beneath is not an
 * unclean end then. Once the reader drains, the data and the close arrive.
 * (A stream that ends with no close frame still fails:
 * test_wire_eof_inside_layer.) */
static void test_close_behind_full_plaintext_buffer(void **state)
{
    (void)state;
    for (int greedy = 0; greedy < 2; greedy++) {
        struct end a, b;
        end_init(&a, STRATA_STACK_PEER_CLOSE_EOF);
        strata_stack_config cfg = {.on_event = on_event, .user = &b, .half_close = 1};
        memset(&b, 0, sizeof(b));
        assert_ok(strata_stack_new(&cfg, &b.s));
        b.reading = 1;
        uint64_t rng = 14;
        push_both(&a, &b, 1, greedy);
        push_both(&a, &b, 2, greedy);
        pump(&a, &b, 0, &rng);
        uint8_t data[9000];
        tu_fill(data, sizeof(data), 14);
        size_t sent = 0, used;
        a.reading = 0; /* more than the inner layer's plaintext buffer holds */
        for (int i = 0; i < 100 && sent < sizeof(data); i++) {
            assert_ok(strata_stack_app_write(b.s, data + sent, sizeof(data) - sent, &used));
            sent += used;
            pump(&a, &b, 0, &rng);
        }
        assert_int_equal(sent, sizeof(data));
        assert_ok(strata_stack_app_shutdown(b.s));
        pump(&a, &b, 0, &rng);
        assert_true(a.wire_eof_given);
        assert_int_equal(strata_stack_error(a.s)->status, STRATA_OK);
        a.reading = 1;
        pump(&a, &b, 0, &rng);
        assert_int_equal(strata_stack_error(a.s)->status, STRATA_OK);
        assert_true(a.app_closed);
        assert_int_equal(a.got_len, sizeof(data));
        assert_memory_equal(a.got, data, sizeof(data));
        end_free(&a);
        end_free(&b);
    }
}

/* Plaintext a layer produced before it failed is the application's: app_in
 * gives it first, then the sticky error (issue 19: no byte lost). */
static void test_plaintext_before_failure_delivered(void **state)
{
    (void)state;
    struct end a, b;
    end_init(&a, STRATA_STACK_PEER_CLOSE_EOF);
    end_init(&b, STRATA_STACK_PEER_CLOSE_EOF);
    uint64_t rng = 13;
    push_both(&a, &b, 1, 0);
    pump(&a, &b, 0, &rng);
    size_t used, n, n1;
    strata_status st;
    uint8_t wire[256];
    assert_ok(strata_stack_app_write(b.s, (const uint8_t *)"hello", 5, &used));
    const uint8_t *p = strata_stack_wire_out(b.s, &n1, &st);
    assert_true(n1 <= sizeof(wire) / 2);
    memcpy(wire, p, n1);
    strata_stack_wire_ack(b.s, n1);
    assert_ok(strata_stack_app_write(b.s, (const uint8_t *)"world", 5, &used));
    p = strata_stack_wire_out(b.s, &n, &st);
    assert_true(n <= sizeof(wire) - n1);
    memcpy(wire + n1, p, n);
    strata_stack_wire_ack(b.s, n);
    wire[n1 + 5] ^= 0x20; /* the second frame is bad */
    /* One read holds a good frame and a bad one: the good one's plaintext
     * survives the failure. */
    assert_status(strata_stack_wire_write(a.s, wire, n1 + n, &used), STRATA_E_LAYER_FAILED);
    p = strata_stack_app_in(a.s, &n, &st);
    assert_int_equal(n, 5);
    assert_memory_equal(p, "hello", 5);
    strata_stack_app_ack(a.s, 5);
    p = strata_stack_app_in(a.s, &n, &st);
    assert_int_equal(n, 0);
    assert_int_equal(st, STRATA_E_LAYER_FAILED);
    assert_string_equal(strata_error_message(strata_stack_error(a.s)),
                        "layer 1 'test-frame': frame checksum mismatch");
    end_free(&a);
    end_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_passthrough),
        cmocka_unit_test(test_three_layers_all_at_once),
        cmocka_unit_test(test_three_layers_byte_at_a_time),
        cmocka_unit_test(test_three_layers_random_chunks),
        cmocka_unit_test(test_three_layers_huge),
        cmocka_unit_test(test_close_and_data_in_one_chunk_exact),
        cmocka_unit_test(test_close_and_data_in_one_chunk_leftover),
        cmocka_unit_test(test_failing_layer_fails_stream),
        cmocka_unit_test(test_misrouted_layers_fail_clearly),
        cmocka_unit_test(test_layer_limit),
        cmocka_unit_test(test_push_refused_during_pop),
        cmocka_unit_test(test_backpressure),
        cmocka_unit_test(test_half_close_through_layers),
        cmocka_unit_test(test_close_inside_out),
        cmocka_unit_test(test_push_with_early_bytes),
        cmocka_unit_test(test_peer_close_eof_policy),
        cmocka_unit_test(test_wire_eof_inside_layer),
        cmocka_unit_test(test_close_behind_full_plaintext_buffer),
        cmocka_unit_test(test_plaintext_before_failure_delivered),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
