/* The onion property with real TLS: random push/pop sequences of TLS layers
 * agreed in-band (tests/unit/onion_property.c), data both ways between every
 * step, byte for byte. Each layer has its own parameters: the server
 * certificate alternates between EC, RSA and Ed25519 and the protocol
 * between TLS 1.3 and 1.2, by the layer's number, and the seed picks which
 * end is its TLS client (the role travels in the in-band PUSH command). Each
 * run ends with a closing sequence (close during transfer, peer closes
 * first, both close at once; half_close on neither, one or both ends), TLS
 * close_notify inside-out. This is the seed's
 * OnionProtocol done right: a second layer nested inside the first, and new
 * layers after a pop, all work. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sslw_wrap.h"
#include "testutil.h"
#include "onion_property.h"
#include "tls_testcerts.h"
#include "framelayer.h"
#include "strata/http_connect.h"
#include "strata/tls_layer.h"
#include "tls/tls_internal.h" /* the wire's out_copied */

static strata_tls_ctx *server_ctx[3][2], *client_ctx[2];

static int setup(void **state)
{
    (void)state;
    const char *certs[3][2] = {
        {"leaf.pem", "leaf.key"}, {"rsa.pem", "rsa.key"}, {"ed.pem", "ed.key"}};
    (void)tu_pki(); /* tu_server_ctx takes names in its directory */
    for (int v = 0; v < 2; v++) {
        int ver = v ? STRATA_TLS_VERSION_TLS1_2 : STRATA_TLS_VERSION_TLS1_3;
        for (int k = 0; k < 3; k++) {
            server_ctx[k][v] = tu_server_ctx(certs[k][0], certs[k][1]);
            assert_ok(strata_tls_ctx_set_max_version(server_ctx[k][v], ver));
        }
        client_ctx[v] = tu_client_ctx();
        assert_ok(strata_tls_ctx_set_max_version(client_ctx[v], ver));
    }
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    for (int v = 0; v < 2; v++) {
        for (int k = 0; k < 3; k++)
            strata_tls_ctx_free(server_ctx[k][v]);
        strata_tls_ctx_free(client_ctx[v]);
    }
    return 0;
}

static strata_layer make_tls(int client_role, unsigned key, void *user)
{
    (void)user;
    strata_tls_conn *c = NULL;
    strata_layer l = {NULL, NULL};
    int v = (int)(key % 2);
    if (client_role) {
        assert_ok(strata_tls_conn_new(client_ctx[v], &c));
        assert_ok(strata_tls_conn_set_connect_state(c));
        assert_ok(strata_tls_conn_set_tlsext_host_name(c, "localhost"));
    } else {
        assert_ok(strata_tls_conn_new(server_ctx[key % 3][v], &c));
        assert_ok(strata_tls_conn_set_accept_state(c));
    }
    assert_ok(strata_tls_layer_new(c, &l));
    return l;
}

static int tls_role(const strata_layer *l)
{
    const strata_tls_conn *c = strata_tls_layer_conn(l);
    assert_non_null(c);
    return !strata_tls_conn_is_server(c);
}

static void run(size_t chunk, unsigned seeds, unsigned steps, size_t max_echo)
{
    unsigned pushes = 0, reversed = 0;
    struct onion_close_tally tally = {0};
    for (unsigned seed = 1; seed <= seeds; seed++) {
        struct onion_property_config cfg = {
            .make = make_tls,
            .seed = seed * 104729,
            .steps = steps,
            .max_depth = 2 + seed % 5,
            .chunk = chunk,
            .max_echo = max_echo,
            .role_of = tls_role,
            .reversed = &reversed,
            .tally = &tally,
        };
        pushes += onion_property_run(&cfg);
    }
    assert_true(pushes >= seeds * steps / 3);
    /* Both roles came up for the end that sends the commands. */
    assert_true(reversed > 0 && reversed < pushes);
    unsigned sequences = 0;
    for (int q = 0; q < ONION_CLOSE_SEQUENCES; q++)
        for (int h = 0; h < 4; h++)
            sequences += tally.runs[q][h];
    assert_int_equal(sequences, seeds);
}

static void test_tls_onion_all_at_once(void **state)
{
    (void)state;
    run(0, 6, 12, 70000);
}

static void test_tls_onion_random_splits(void **state)
{
    (void)state;
    run(SIZE_MAX, 6, 12, 40000);
}

static void test_tls_onion_byte_at_a_time(void **state)
{
    (void)state;
    run(1, 1, 6, 500);
}

/* The seed's two failing cases, named: a second TLS layer inside the first,
 * and a new layer after stopTLS (push pop push pop). */
static void test_seed_cases(void **state)
{
    (void)state;
    struct onion_property_config cfg = {.make = make_tls,
                                        .seed = 1,
                                        .steps = 6,
                                        .max_depth = 1,
                                        .chunk = 0,
                                        .max_echo = 5000,
                                        .role_of = tls_role};
    assert_int_equal(onion_property_run(&cfg), 3); /* push pop push pop push pop */
    cfg.max_depth = 4;
    cfg.steps = 16;
    cfg.seed = 99;
    assert_true(onion_property_run(&cfg) >= 4);
}

/* Each closing sequence with each half_close setting, named, over TLS
 * layers (two or more for most seeds), in random splits. */
static void test_tls_closing_sequences(void **state)
{
    (void)state;
    unsigned deep = 0;
    for (int q = ONION_CLOSE_DURING_TRANSFER; q <= ONION_CLOSE_BOTH_AT_ONCE; q++)
        for (int h = ONION_HALF_NONE; h <= ONION_HALF_BOTH; h++) {
            struct onion_close_tally tally = {0};
            struct onion_property_config cfg = {.make = make_tls,
                                                .seed = (uint64_t)(1000 * q + h),
                                                .steps = 4,
                                                .max_depth = 3,
                                                .chunk = SIZE_MAX,
                                                .max_echo = 30000,
                                                .role_of = tls_role,
                                                .close = (enum onion_close)q,
                                                .half_close = (enum onion_half_close)h,
                                                .tally = &tally};
            (void)onion_property_run(&cfg);
            deep += tally.deep[q - 1];
        }
    assert_true(deep >= 4);
}

/* Found with `strata listen ... tls: tls: --exec cat`: the client sends
 * everything and half-closes; the server echoes with a slow reader, so an
 * inner layer's plaintext buffer is full when the outer layer's close_notify
 * ends its stream. The inner close_notify still waits, unread, in the inner
 * engine: the end must not be taken for an unclean one. */
static strata_layer make_one(int client_role)
{
    return make_tls(client_role, 0, NULL);
}

struct bulk {
    strata_stack *a, *b;
    uint64_t rng;
    int a_shut, b_shut, a_eof, b_eof, eof_to_a, eof_to_b;
};

static int wire(struct bulk *k, int d)
{
    strata_stack *f = d ? k->b : k->a, *to = d ? k->a : k->b;
    int *given = d ? &k->eof_to_a : &k->eof_to_b;
    size_t n, u = 0;
    strata_status st;
    const uint8_t *p = strata_stack_wire_out(f, &n, &st);
    if (n) {
        size_t c = 1 + (size_t)(tu_rand(&k->rng) % n);
        if (strata_stack_wire_write(to, p, c, &u) != STRATA_OK)
            return -1;
        strata_stack_wire_ack(f, u);
        return u > 0;
    }
    if (st == STRATA_CLOSED && !*given) {
        *given = 1;
        return strata_stack_wire_eof(to) == STRATA_OK ? 1 : -1;
    }
    return 0;
}

static void test_half_close_with_slow_reader(void **state)
{
    (void)state;
    const size_t total = 1u << 20;
    uint8_t *data = malloc(total), *echo = malloc(total);
    tu_fill(data, total, 5);
    for (uint64_t seed = 1; seed <= 16; seed++) {
        struct bulk k = {.rng = seed};
        assert_ok(strata_stack_new(NULL, &k.a));
        assert_ok(strata_stack_new(NULL, &k.b));
        for (int i = 0; i < 2; i++) {
            assert_ok(strata_stack_push(k.a, make_one(1), NULL, 0));
            assert_ok(strata_stack_push(k.b, make_one(0), NULL, 0));
        }
        size_t sent = 0, elen = 0, eoff = 0, back = 0, u, n;
        strata_status st;
        for (int it = 0; it < 4000000 && !k.a_eof; it++) {
            if (sent < total) {
                assert_ok(strata_stack_app_write(k.a, data + sent, total - sent, &u));
                sent += u;
            } else if (!k.a_shut) {
                assert_ok(strata_stack_app_shutdown(k.a));
                k.a_shut = 1;
            }
            assert_true(wire(&k, 0) >= 0);
            assert_true(wire(&k, 1) >= 0);
            if (tu_rand(&k.rng) % 3 == 0) { /* the slow reader */
                const uint8_t *p = strata_stack_app_in(k.b, &n, &st);
                if (n) {
                    size_t c = 1 + (size_t)(tu_rand(&k.rng) % n);
                    memcpy(echo + elen, p, c);
                    elen += c;
                    strata_stack_app_ack(k.b, c);
                } else if (st == STRATA_CLOSED) {
                    k.b_eof = 1;
                }
            }
            if (eoff < elen) {
                assert_ok(strata_stack_app_write(k.b, echo + eoff, elen - eoff, &u));
                eoff += u;
            } else if (k.b_eof && !k.b_shut) {
                assert_ok(strata_stack_app_shutdown(k.b));
                k.b_shut = 1;
            }
            (void)strata_stack_app_in(k.a, &n, &st);
            if (n) {
                back += n;
                strata_stack_app_ack(k.a, n);
            } else if (st == STRATA_CLOSED) {
                k.a_eof = 1;
            }
            if (strata_stack_error(k.b)->status != STRATA_OK)
                fail_msg("seed %llu: server: %s", (unsigned long long)seed,
                         strata_error_message(strata_stack_error(k.b)));
        }
        assert_int_equal(back, total);
        assert_true(k.a_eof);
        strata_stack_free(k.a);
        strata_stack_free(k.b);
    }
    free(data);
    free(echo);
}

/* The converse: a stream that really ends without close_notify, behind a
 * full plaintext buffer, still fails once the reader drains it. */
static void test_unclean_end_behind_full_buffer(void **state)
{
    (void)state;
    struct bulk k = {.rng = 1};
    assert_ok(strata_stack_new(NULL, &k.a));
    assert_ok(strata_stack_new(NULL, &k.b));
    assert_ok(strata_stack_push(k.a, make_one(1), NULL, 0));
    assert_ok(strata_stack_push(k.b, make_one(0), NULL, 0));
    const size_t total = 300000;
    uint8_t *data = malloc(total);
    tu_fill(data, total, 9);
    size_t sent = 0, u, n;
    strata_status st;
    for (int it = 0; it < 100000 && sent < total; it++) {
        assert_ok(strata_stack_app_write(k.a, data + sent, total - sent, &u));
        sent += u;
        while (wire(&k, 0) > 0 || wire(&k, 1) > 0)
            ;
    }
    /* The wire ends (no close_notify) while b has not read anything. */
    assert_ok(strata_stack_wire_eof(k.b));
    assert_int_equal(strata_stack_error(k.b)->status, STRATA_OK); /* not decided yet */
    size_t got = 0;
    for (int it = 0; it < 100000; it++) {
        (void)strata_stack_app_in(k.b, &n, &st);
        if (n == 0)
            break;
        got += n;
        strata_stack_app_ack(k.b, n);
    }
    assert_int_equal(strata_stack_error(k.b)->status, STRATA_E_LAYER_FAILED);
    assert_true(got > 0);
    free(data);
    strata_stack_free(k.a);
    strata_stack_free(k.b);
}

/* Inner records do not double outer records. An inner TLS record of 16 KiB
 * plus its 22 bytes of overhead handed to an outer layer of 16 KiB records
 * would make a full outer record and a small one for each; strata sizes the
 * inner layer's records (16362 bytes, fit) so that one inner record fills
 * exactly one outer record. Counted exactly: the outer records on the wire
 * for 1 MiB through two layers (TLS record headers parsed from the byte
 * stream). chunk: the application's write size; cork: the sender's stack is
 * corked and flushed once, after the last write. */
struct records {
    size_t all, small, full;
};

static struct records outer_records(size_t chunk, int cork)
{
    struct bulk k = {.rng = 3};
    strata_stack_config cfg = {.cork = cork};
    assert_ok(strata_stack_new(&cfg, &k.a));
    assert_ok(strata_stack_new(NULL, &k.b));
    for (int i = 0; i < 2; i++) {
        assert_ok(strata_stack_push(k.a, make_tls(1, 0, NULL), NULL, 0));
        assert_ok(strata_stack_push(k.b, make_tls(0, 0, NULL), NULL, 0));
    }
    const size_t total = 1u << 20;
    uint8_t *data = calloc(1, total);
    size_t sent = 0, got = 0, n, u;
    size_t hdr = 0, body_left = 0;
    struct records rec = {0};
    uint8_t h[5];
    strata_status st;
    int flushed = 0;
    for (int it = 0; it < 100000 && got < total; it++) {
        if (sent < total) {
            size_t m = total - sent < chunk ? total - sent : chunk;
            assert_ok(strata_stack_app_write(k.a, data + sent, m, &u));
            sent += u;
        } else if (cork && !flushed) {
            assert_ok(strata_stack_flush(k.a));
            flushed = 1;
        }
        const uint8_t *p = strata_stack_wire_out(k.a, &n, &st);
        if (n) {
            assert_ok(strata_stack_wire_write(k.b, p, n, &u));
            for (size_t x = 0; x < u; x++) { /* walk the outer record headers */
                if (body_left) {
                    body_left--;
                    continue;
                }
                h[hdr++] = p[x];
                if (hdr == 5) {
                    body_left = (size_t)h[3] << 8 | h[4];
                    rec.all++;
                    rec.small += body_left < 1024;
                    rec.full += body_left == 16384 + 17; /* 16 KiB + type + tag */
                    hdr = 0;
                }
            }
            strata_stack_wire_ack(k.a, u);
        }
        p = strata_stack_wire_out(k.b, &n, &st);
        if (n) {
            assert_ok(strata_stack_wire_write(k.a, p, n, &u));
            strata_stack_wire_ack(k.b, u);
        }
        (void)strata_stack_app_in(k.b, &n, &st);
        got += n;
        strata_stack_app_ack(k.b, n);
    }
    assert_int_equal(got, total);
    free(data);
    strata_stack_free(k.a);
    strata_stack_free(k.b);
    print_message("1 MiB in %zu-byte writes%s: %zu outer records, %zu full, %zu small\n", chunk,
                  cork ? ", corked" : "", rec.all, rec.full, rec.small);
    return rec;
}

static void test_inner_records_do_not_double_outer(void **state)
{
    (void)state;
    /* 1 MiB is 64.1 inner records of 16362 bytes: 64 full outer records
     * and the last one, plus the handshakes' few small records. */
    struct records r = outer_records(1u << 20, 0);
    assert_true(r.full >= 64);
    assert_true(r.all <= 65 + 6);
    assert_true(r.small <= 6);
    /* Corked, the application's 16 KiB writes (which do not divide into
     * 16362-byte records) still make full records: the tail of each write
     * waits for the next one. */
    r = outer_records(16384, 1);
    assert_true(r.full >= 64);
    assert_true(r.all <= 65 + 6);
    assert_true(r.small <= 6);
    /* Uncorked, each write goes out whole at once: its tail is a record of
     * its own (one small record per write). */
    r = outer_records(16384, 0);
    assert_true(r.full >= 63);
    assert_true(r.small >= 60);
}

/* Corked, a write shorter than a record waits for flush; uncorked, it goes
 * out at once. Seen at the far end of two layers. */
static void corked_tail(int cork)
{
    struct bulk k = {.rng = 5};
    strata_stack_config cfg = {.cork = cork};
    assert_ok(strata_stack_new(&cfg, &k.a));
    assert_ok(strata_stack_new(NULL, &k.b));
    for (int i = 0; i < 2; i++) {
        assert_ok(strata_stack_push(k.a, make_tls(1, 0, NULL), NULL, 0));
        assert_ok(strata_stack_push(k.b, make_tls(0, 0, NULL), NULL, 0));
    }
    while (wire(&k, 0) > 0 || wire(&k, 1) > 0)
        ; /* handshakes */
    uint8_t msg[20000];
    for (size_t i = 0; i < sizeof(msg); i++)
        msg[i] = (uint8_t)(i * 7);
    size_t u, n;
    strata_status st;
    assert_ok(strata_stack_app_write(k.a, msg, sizeof(msg), &u));
    assert_int_equal(u, sizeof(msg));
    while (wire(&k, 0) > 0 || wire(&k, 1) > 0)
        ;
    const uint8_t *p = strata_stack_app_in(k.b, &n, &st);
    /* Corked: one full record (16362 bytes) arrived, the rest waits. */
    assert_int_equal(n, cork ? 16362 : sizeof(msg));
    assert_memory_equal(p, msg, n);
    strata_stack_app_ack(k.b, n);
    size_t got = n;
    assert_ok(strata_stack_flush(k.a));
    while (wire(&k, 0) > 0 || wire(&k, 1) > 0)
        ;
    p = strata_stack_app_in(k.b, &n, &st);
    assert_int_equal(got + n, sizeof(msg));
    if (n)
        assert_memory_equal(p, msg + got, n);
    strata_stack_free(k.a);
    strata_stack_free(k.b);
}

static size_t room_of(strata_stack *s, size_t i)
{
    const strata_layer *l = strata_stack_layer(s, i);
    assert_non_null(l);
    assert_non_null(l->ops->record_room);
    return l->ops->record_room(l->self);
}

static void pump_all(struct bulk *k)
{
    for (int it = 0; it < 100000; it++) {
        int a = wire(k, 0), b = wire(k, 1);
        assert_true(a >= 0 && b >= 0);
        if (!a && !b)
            return;
    }
    fail_msg("the wire did not settle");
}

/* Two stacks with a TLS 1.3 layer each (a the client). */
static void tls_pair(struct bulk *k, uint64_t rng)
{
    *k = (struct bulk){.rng = rng};
    assert_ok(strata_stack_new(NULL, &k->a));
    assert_ok(strata_stack_new(NULL, &k->b));
    assert_ok(strata_stack_push(k->a, make_tls(1, 0, NULL), NULL, 0));
    assert_ok(strata_stack_push(k->b, make_tls(0, 0, NULL), NULL, 0));
}

/* Records are fitted to the layer beneath once its cipher is known (TLS 1.3
 * AEAD adds 22 bytes, TLS 1.2 AES-GCM 29), through a layer that passes bytes
 * on unframed (HTTP CONNECT), not through one with a framing of its own. */
static void test_records_fit_the_layer_beneath(void **state)
{
    (void)state;
    struct bulk k, h, f;
    tls_pair(&k, 11);
    pump_all(&k);
    assert_int_equal(room_of(k.a, 0), 16384); /* the outermost: the wire has no records */
    assert_ok(strata_stack_push(k.a, make_tls(1, 1, NULL), NULL, 0)); /* TLS 1.2 inside */
    assert_ok(strata_stack_push(k.b, make_tls(0, 1, NULL), NULL, 0));
    pump_all(&k);
    assert_int_equal(room_of(k.a, 1), 16384 - 29);
    assert_ok(strata_stack_push(k.a, make_tls(1, 0, NULL), NULL, 0)); /* TLS 1.3 inside that */
    assert_ok(strata_stack_push(k.b, make_tls(0, 0, NULL), NULL, 0));
    pump_all(&k);
    assert_int_equal(room_of(k.a, 2), 16384 - 29 - 22);
    assert_int_equal(room_of(k.b, 2), 16384 - 29 - 22); /* the server's the same */
    strata_stack_free(k.a);
    strata_stack_free(k.b);

    /* Through HTTP CONNECT: the far side plays the proxy in its app. */
    tls_pair(&h, 12);
    strata_http_connect_config hc = {.host = "origin.example", .port = 443};
    strata_layer l;
    assert_ok(strata_http_connect_layer_new(&hc, &l));
    assert_ok(strata_stack_push(h.a, l, NULL, 0));
    pump_all(&h);
    size_t n, u;
    strata_status st;
    const uint8_t *p = strata_stack_app_in(h.b, &n, &st);
    assert_true(n > 8 && memcmp(p, "CONNECT ", 8) == 0);
    strata_stack_app_ack(h.b, n);
    static const char ok[] = "HTTP/1.1 200 Connection established\r\n\r\n";
    assert_ok(strata_stack_app_write(h.b, (const uint8_t *)ok, sizeof(ok) - 1, &u));
    assert_int_equal(u, sizeof(ok) - 1);
    pump_all(&h);
    assert_ok(strata_stack_push(h.a, make_tls(1, 0, NULL), NULL, 0));
    assert_ok(strata_stack_push(h.b, make_tls(0, 0, NULL), NULL, 0));
    pump_all(&h);
    assert_int_equal(room_of(h.a, 2), 16384 - 22);
    strata_stack_free(h.a);
    strata_stack_free(h.b);

    /* Through a framing layer of its own (the test's frame layer): not fitted. */
    tls_pair(&f, 13);
    assert_ok(strata_stack_push(f.a, framelayer_new(7, 0), NULL, 0));
    assert_ok(strata_stack_push(f.b, framelayer_new(7, 0), NULL, 0));
    assert_ok(strata_stack_push(f.a, make_tls(1, 0, NULL), NULL, 0));
    assert_ok(strata_stack_push(f.b, make_tls(0, 0, NULL), NULL, 0));
    pump_all(&f);
    assert_int_equal(strata_stack_depth(f.a), 3);
    assert_int_equal(room_of(f.a, 2), 16384);
    strata_stack_free(f.a);
    strata_stack_free(f.b);
}

static void test_corked_tail_waits_for_flush(void **state)
{
    (void)state;
    corked_tail(1);
    corked_tail(0);
}

/* Bytes of a layer's records that were copied into its own output buffer;
 * bytes from beneath copied into its input buffer. */
static uint64_t out_copied(strata_stack *s, size_t i)
{
    strata_tls_conn *c = strata_tls_layer_conn(strata_stack_layer(s, i));
    assert_non_null(c);
    return c->wire.out_copied;
}

static uint64_t in_copied(strata_stack *s, size_t i)
{
    strata_tls_conn *c = strata_tls_layer_conn(strata_stack_layer(s, i));
    assert_non_null(c);
    return c->wire.in_copied;
}

/* An inner layer's full records go straight into the layer beneath (take /
 * link): they are not copied into the inner layer's output buffer on the
 * way, only the outermost layer's records wait there for the wire. At the
 * receiving end no layer copies what it reads into its input buffer. 1 MiB
 * through three layers in 64 KiB writes arrives byte-identical and the inner
 * layers' buffers hold none of its records; in 1000-byte writes (short
 * records, which are copied) and with a wire drained only now and then (the
 * outer layer full, so records wait and are copied) it arrives
 * byte-identical too. */
static void direct_case(size_t chunk, int slow_wire)
{
    struct bulk k = {.rng = 11};
    assert_ok(strata_stack_new(NULL, &k.a));
    assert_ok(strata_stack_new(NULL, &k.b));
    for (int i = 0; i < 3; i++) {
        assert_ok(strata_stack_push(k.a, make_tls(1, 0, NULL), NULL, 0));
        assert_ok(strata_stack_push(k.b, make_tls(0, 0, NULL), NULL, 0));
    }
    pump_all(&k);
    uint64_t before[3];
    for (size_t i = 0; i < 3; i++)
        before[i] = out_copied(k.a, i);
    const size_t total = 1u << 20;
    uint8_t *data = malloc(total), *back = malloc(total);
    assert_non_null(data);
    assert_non_null(back);
    for (size_t i = 0; i < total; i++)
        data[i] = (uint8_t)(i * 31 + (i >> 9));
    size_t sent = 0, got = 0, n, u;
    strata_status st;
    for (int it = 0; it < 200000 && got < total; it++) {
        if (sent < total) {
            size_t m = total - sent < chunk ? total - sent : chunk;
            assert_ok(strata_stack_app_write(k.a, data + sent, m, &u));
            sent += u;
            if (sent == total)
                assert_ok(strata_stack_flush(k.a));
        }
        if (!slow_wire || it % 8 == 0 || sent == total)
            pump_all(&k);
        const uint8_t *p = strata_stack_app_in(k.b, &n, &st);
        assert_true(got + n <= total);
        if (n)
            memcpy(back + got, p, n);
        got += n;
        strata_stack_app_ack(k.b, n);
    }
    assert_int_equal(got, total);
    assert_memory_equal(back, data, total);
    uint64_t inner = out_copied(k.a, 2) - before[2], middle = out_copied(k.a, 1) - before[1],
             outer = out_copied(k.a, 0) - before[0];
    print_message("%zu-byte writes%s: copied into the output buffers: inner %llu, middle %llu, "
                  "outer %llu\n",
                  chunk, slow_wire ? ", slow wire" : "", (unsigned long long)inner,
                  (unsigned long long)middle, (unsigned long long)outer);
    assert_true(outer >= total); /* the outermost's records wait for the wire */
    /* The receiving layers read their records where they lie (lent by the
     * wire or by the layer beneath, in pieces of any size): none is copied
     * into a layer's input buffer first. */
    for (size_t i = 0; i < 3; i++)
        assert_int_equal(in_copied(k.b, i), 0);
    if (slow_wire) {
        assert_true(inner + middle > 0); /* a full outer layer made records wait */
    } else if (chunk % 16384 == 0) {
        /* Writes of whole records: none copied (the small records of the
         * final flush and of the handshakes' tickets at most). */
        assert_true(inner < 16384);
        assert_true(middle < 16384);
    }
    /* Writes shorter than a record make short records, which are copied. */
    free(data);
    free(back);
    strata_stack_free(k.a);
    strata_stack_free(k.b);
}

static void test_records_not_copied_between_layers(void **state)
{
    (void)state;
    direct_case(65536, 0);
    direct_case(1000, 0);
    direct_case(65536, 1);
}

/* Plaintext goes into SSL_write_ex straight from the application's bytes,
 * one full record at a time, at the top of a one- and a two-layer stack:
 * 64 KiB written at once are four 16 KiB records (one layer) or four records
 * fitted to the layer beneath (two), each taken from the caller's buffer,
 * with no copy into the layer first. */
static void test_plaintext_not_copied_before_ssl_write(void **state)
{
    (void)state;
    for (int depth = 1; depth <= 2; depth++) {
        struct bulk k = {.rng = 5};
        assert_ok(strata_stack_new(NULL, &k.a));
        assert_ok(strata_stack_new(NULL, &k.b));
        for (int i = 0; i < depth; i++) {
            assert_ok(strata_stack_push(k.a, make_tls(1, 0, NULL), NULL, 0));
            assert_ok(strata_stack_push(k.b, make_tls(0, 0, NULL), NULL, 0));
        }
        pump_all(&k);
        static uint8_t data[65536];
        for (size_t i = 0; i < sizeof(data); i++)
            data[i] = (uint8_t)(i * 7);
        sslw_watch = (struct sslw_watch){.lo = data, .hi = data + sizeof(data)};
        size_t used = 0;
        assert_ok(strata_stack_app_write(k.a, data, sizeof(data), &used));
        const struct sslw_watch w = sslw_watch;
        sslw_watch = (struct sslw_watch){0};
        print_message("depth %d: %zu of %zu bytes taken, %u SSL_write_ex calls, %u from the "
                      "caller's buffer (%zu bytes)\n",
                      depth, used, sizeof(data), w.calls, w.inside, w.inside_bytes);
        /* The top layer writes whole records from data; only a tail shorter
         * than a record may be held back (copied) for the next write. */
        assert_true(w.inside >= 3);
        assert_true(w.inside_bytes + 16384 > used);
        assert_true(w.inside_bytes <= used);
        assert_ok(strata_stack_flush(k.a));
        pump_all(&k);
        size_t got = 0, n;
        strata_status st;
        const uint8_t *p = strata_stack_app_in(k.b, &n, &st);
        for (int it = 0; it < 1000 && p && n; it++) {
            assert_memory_equal(p, data + got, n);
            got += n;
            strata_stack_app_ack(k.b, n);
            pump_all(&k);
            p = strata_stack_app_in(k.b, &n, &st);
        }
        assert_int_equal(got, used);
        strata_stack_free(k.a);
        strata_stack_free(k.b);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_seed_cases),
        cmocka_unit_test(test_tls_onion_all_at_once),
        cmocka_unit_test(test_tls_onion_random_splits),
        cmocka_unit_test(test_tls_onion_byte_at_a_time),
        cmocka_unit_test(test_tls_closing_sequences),
        cmocka_unit_test(test_half_close_with_slow_reader),
        cmocka_unit_test(test_inner_records_do_not_double_outer),
        cmocka_unit_test(test_corked_tail_waits_for_flush),
        cmocka_unit_test(test_records_fit_the_layer_beneath),
        cmocka_unit_test(test_records_not_copied_between_layers),
        cmocka_unit_test(test_plaintext_not_copied_before_ssl_write),
        cmocka_unit_test(test_unclean_end_behind_full_buffer),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
