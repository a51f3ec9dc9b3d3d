/* startTLS in either role on either end (the seed's startTLS(context,
 * client, bytes) and issue 5's "in either role"): two stacks back to back
 * in memory, A the end that connected, B the end that accepted.
 * - A pushes a TLS layer as the TLS server and B as the TLS client: the
 *   handshake completes, data goes both ways byte-exact, and B verifies A's
 *   certificate (chain and name; a wrong name and an untrusted issuer fail
 *   B's stack with their reason). With A asking for a client certificate,
 *   A verifies B's too.
 * - Roles per layer: outer A=client, middle A=server, inner A=client, data
 *   both ways after every push; the inner two popped in order (one pop
 *   started by A, one by B), data after each, and a new layer after that.
 * - The roles are real: in every combination of two layers, the client side
 *   of each layer sees the certificate of the end that took the server role,
 *   and the server side sees none. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "tls_testcerts.h"
#include "strata/pki.h"
#include "strata/stack.h"
#include "strata/tls_layer.h"

/* Server contexts by the certificate they present (subjects all differ),
 * and a client context that trusts the test CA. */
enum { CERT_LOCALHOST, CERT_CLIENT, CERT_OTHER, CERT_SELF, N_CERTS };
static const char *const cert_file[N_CERTS][2] = {{"leaf.pem", "leaf.key"},
                                                  {"client.pem", "client.key"},
                                                  {"other.pem", "other.key"},
                                                  {"self.pem", "self.key"}};
static const char *const cert_name[N_CERTS] = {"localhost", "client", "other.example", "localhost"};
static const char *const cert_subject[N_CERTS] = {"/CN=localhost", "/CN=client",
                                                  "/CN=other.example", "/CN=localhost"};
static strata_tls_ctx *server_ctx[N_CERTS], *client_ctx;

static int setup(void **state)
{
    (void)state;
    for (int i = 0; i < N_CERTS; i++)
        server_ctx[i] = tu_server_ctx(cert_file[i][0], cert_file[i][1]);
    client_ctx = tu_client_ctx();
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    for (int i = 0; i < N_CERTS; i++)
        strata_tls_ctx_free(server_ctx[i]);
    strata_tls_ctx_free(client_ctx);
    return 0;
}

struct end {
    strata_stack *s;
    int up, popped;
    strata_buf got; /* application bytes received */
};

static void on_event(void *user, strata_stack *s, enum strata_stack_event ev, size_t index)
{
    (void)s;
    (void)index;
    struct end *e = user;
    e->up += ev == STRATA_STACK_EV_LAYER_UP;
    e->popped += ev == STRATA_STACK_EV_POPPED;
}

static void end_init(struct end *e)
{
    memset(e, 0, sizeof(*e));
    /* The peer closing the innermost layer pops it here too. */
    strata_stack_config cfg = {
        .peer_close = STRATA_STACK_PEER_CLOSE_POP, .on_event = on_event, .user = e};
    assert_ok(strata_stack_new(&cfg, &e->s));
    strata_buf_init(&e->got, 0);
}

static void end_free(struct end *e)
{
    strata_stack_free(e->s);
    strata_buf_free(&e->got);
}

/* A TLS layer in the given role. A client sends SNI `name` and verifies the
 * server's certificate against it; a server presents certificate `cert`.
 * *conn: the layer's connection, borrowed while the layer lives. */
static strata_layer tls_layer(int tls_client, int cert, const char *name, strata_tls_ctx *ctx,
                              strata_tls_conn **conn)
{
    strata_tls_conn *c;
    strata_layer l;
    if (tls_client) {
        assert_ok(strata_tls_conn_new(ctx ? ctx : client_ctx, &c));
        assert_ok(strata_tls_conn_set_connect_state(c));
        assert_ok(strata_tls_conn_set_tlsext_host_name(c, name));
    } else {
        assert_ok(strata_tls_conn_new(ctx ? ctx : server_ctx[cert], &c));
        assert_ok(strata_tls_conn_set_accept_state(c));
    }
    assert_ok(strata_tls_layer_new(c, &l));
    if (conn)
        *conn = c;
    return l;
}

static int drain_app(struct end *e)
{
    size_t n;
    strata_status st;
    const uint8_t *p = strata_stack_app_in(e->s, &n, &st);
    if (n == 0)
        return 0;
    assert_ok(strata_buf_put(&e->got, p, n));
    strata_stack_app_ack(e->s, n);
    return 1;
}

static int wire(struct end *from, struct end *to)
{
    size_t n, used = 0;
    strata_status st;
    const uint8_t *p = strata_stack_wire_out(from->s, &n, &st);
    if (n == 0 || strata_stack_wire_write(to->s, p, n, &used) != STRATA_OK || used == 0)
        return 0;
    strata_stack_wire_ack(from->s, used);
    return 1;
}

/* Moves bytes both ways, with the applications reading, until nothing moves
 * or a stack failed (the caller checks which). */
static void pump(struct end *a, struct end *b)
{
    for (int i = 0; i < 100000; i++) {
        int m = wire(a, b) | wire(b, a);
        m |= drain_app(a) | drain_app(b);
        if (!m || strata_stack_error(a->s)->status != STRATA_OK ||
            strata_stack_error(b->s)->status != STRATA_OK)
            return;
    }
    fail_msg("pump: still moving after 100000 rounds");
}

static void check_ok(const struct end *e, const char *who)
{
    const strata_error *err = strata_stack_error(e->s);
    if (err->status != STRATA_OK)
        fail_msg("%s: %s", who, strata_error_message(err));
}

/* n bytes from `from`, received by `to` byte for byte (and nothing else). */
static void send_check(struct end *from, struct end *to, size_t n, uint64_t seed)
{
    uint8_t *data = malloc(n);
    tu_fill(data, n, seed);
    strata_buf_reset(&to->got);
    size_t off = 0, used;
    for (int i = 0; i < 10000 && (off < n || strata_buf_len(&to->got) < n); i++) {
        if (off < n) {
            assert_ok(strata_stack_app_write(from->s, data + off, n - off, &used));
            off += used;
        }
        pump(from, to);
        check_ok(from, "sender");
        check_ok(to, "receiver");
    }
    assert_int_equal(strata_buf_len(&to->got), n);
    assert_memory_equal(strata_buf_ptr(&to->got), data, n);
    strata_buf_reset(&to->got);
    free(data);
}

static void both_ways(struct end *a, struct end *b, size_t n, uint64_t seed)
{
    send_check(a, b, n, seed);
    send_check(b, a, n + 1, seed + 1);
}

/* The layer's roles and certificates: `client` is the TLS client side of
 * the layer, `server` its TLS server side presenting certificate `cert`. */
static void check_roles(strata_tls_conn *client, strata_tls_conn *server, int cert)
{
    char subject[256];
    assert_int_equal(strata_tls_conn_is_server(client), 0);
    assert_int_equal(strata_tls_conn_is_server(server), 1);
    assert_true(strata_tls_conn_is_established(client));
    assert_true(strata_tls_conn_is_established(server));
    tu_peer_subject(client, subject, sizeof(subject));
    assert_string_equal(subject, cert_subject[cert]);
    assert_int_equal(strata_tls_conn_verify_result(client), 0); /* X509_V_OK */
    tu_peer_subject(server, subject, sizeof(subject));
    assert_string_equal(subject, ""); /* the client was not asked for one */
}

/* Pushes one layer on each end: A in the TLS role a_client, B in the other;
 * the server side presents `cert`, the client side verifies its name. Runs
 * both handshakes. *ca / *cb: the layers' connections. */
static void push_pair(struct end *a, struct end *b, int a_client, int cert, strata_tls_conn **ca,
                      strata_tls_conn **cb)
{
    int up_a = a->up, up_b = b->up;
    size_t depth = strata_stack_depth(a->s);
    assert_ok(
        strata_stack_push(a->s, tls_layer(a_client, cert, cert_name[cert], NULL, ca), NULL, 0));
    assert_ok(
        strata_stack_push(b->s, tls_layer(!a_client, cert, cert_name[cert], NULL, cb), NULL, 0));
    pump(a, b);
    check_ok(a, "A");
    check_ok(b, "B");
    assert_int_equal(a->up, up_a + 1);
    assert_int_equal(b->up, up_b + 1);
    assert_int_equal(strata_stack_depth(a->s), depth + 1);
    assert_int_equal(strata_stack_depth(b->s), depth + 1);
    if (a_client)
        check_roles(*ca, *cb, cert);
    else
        check_roles(*cb, *ca, cert);
}

/* (a) The connecting end is the TLS server, the accepting end the client
 * and verifies the connecting end's certificate. */
static void test_connecting_end_is_tls_server(void **state)
{
    (void)state;
    struct end a, b;
    strata_tls_conn *ca, *cb;
    end_init(&a);
    end_init(&b);
    push_pair(&a, &b, 0, CERT_CLIENT, &ca, &cb);
    /* B (the TLS client) verified A's certificate for the name "client". */
    strata_x509 **chain = NULL;
    size_t n = 0;
    assert_ok(strata_tls_conn_get_verified_chain(cb, &chain, &n));
    assert_int_equal(n, 2); /* A's leaf and the test CA */
    strata_x509_chain_free(chain, n);
    assert_status(strata_tls_conn_get_verified_chain(ca, &chain, &n), STRATA_OK);
    assert_int_equal(n, 0); /* A verified nothing: B sent no certificate */
    strata_x509_chain_free(chain, n);
    both_ways(&a, &b, 100000, 1);
    both_ways(&a, &b, 1, 2);
    end_free(&a);
    end_free(&b);
}

/* (a) The verification in (a) is real: the accepting end refuses a
 * connecting end whose certificate has another name, or no trusted issuer. */
static void expect_refused(int cert, const char *verify_name, strata_status want, const char *msg)
{
    struct end a, b;
    strata_tls_conn *cb;
    end_init(&a);
    end_init(&b);
    assert_ok(strata_stack_push(a.s, tls_layer(0, cert, NULL, NULL, NULL), NULL, 0));
    assert_ok(strata_stack_push(b.s, tls_layer(1, cert, verify_name, NULL, &cb), NULL, 0));
    pump(&a, &b);
    assert_int_equal(b.up, 0);
    assert_int_equal(strata_stack_error(b.s)->status, STRATA_E_LAYER_FAILED);
    assert_int_equal(strata_tls_conn_error(cb)->status, want);
    const char *got = strata_error_message(strata_stack_error(b.s));
    if (!strstr(got, msg))
        fail_msg("B's error '%s' does not say '%s'", got, msg);
    end_free(&a);
    end_free(&b);
}

static void test_accepting_end_verifies_connecting_end(void **state)
{
    (void)state;
    expect_refused(CERT_CLIENT, "localhost", STRATA_E_CERT_HOSTNAME,
                   "certificate name mismatch: expected 'localhost', certificate has DNS:client");
    expect_refused(CERT_SELF, "localhost", STRATA_E_CERT_UNTRUSTED, "self-signed certificate");
}

/* (a) Reversed roles with client authentication: the connecting end, as the
 * TLS server, asks for the accepting end's certificate and verifies it. */
static void test_reversed_roles_mutual_auth(void **state)
{
    (void)state;
    strata_tls_ctx *sctx = tu_server_ctx("client.pem", "client.key");
    strata_tls_ctx *cctx = tu_client_ctx();
    assert_ok(strata_tls_ctx_load_verify_locations(sctx, tu_path(tu_pki(), "ca.pem"), NULL));
    assert_ok(strata_tls_ctx_set_verify(
        sctx, STRATA_TLS_VERIFY_PEER | STRATA_TLS_VERIFY_FAIL_IF_NO_PEER_CERT, NULL, NULL));
    assert_ok(strata_tls_ctx_use_certificate_file(cctx, tu_path(tu_pki(), "leaf.pem"),
                                                  STRATA_TLS_FILETYPE_PEM));
    assert_ok(strata_tls_ctx_use_privatekey_file(cctx, tu_path(tu_pki(), "leaf.key"),
                                                 STRATA_TLS_FILETYPE_PEM));
    struct end a, b;
    strata_tls_conn *ca, *cb;
    char subject[256];
    end_init(&a);
    end_init(&b);
    assert_ok(strata_stack_push(a.s, tls_layer(0, 0, NULL, sctx, &ca), NULL, 0));
    assert_ok(strata_stack_push(b.s, tls_layer(1, 0, "client", cctx, &cb), NULL, 0));
    pump(&a, &b);
    check_ok(&a, "A");
    check_ok(&b, "B");
    both_ways(&a, &b, 5000, 3); /* with TLS 1.3 the server checks B's certificate late */
    tu_peer_subject(ca, subject, sizeof(subject));
    assert_string_equal(subject, "/CN=localhost");
    assert_int_equal(strata_tls_conn_verify_result(ca), 0);
    tu_peer_subject(cb, subject, sizeof(subject));
    assert_string_equal(subject, "/CN=client");
    end_free(&a);
    end_free(&b);
    /* Without B's certificate A refuses the layer. */
    end_init(&a);
    end_init(&b);
    assert_ok(strata_stack_push(a.s, tls_layer(0, 0, NULL, sctx, &ca), NULL, 0));
    assert_ok(strata_stack_push(b.s, tls_layer(1, 0, "client", NULL, NULL), NULL, 0));
    pump(&a, &b);
    assert_int_equal(strata_stack_error(a.s)->status, STRATA_E_LAYER_FAILED);
    assert_int_equal(strata_tls_conn_error(ca)->status, STRATA_E_TLS_CERT_NONE);
    end_free(&a);
    end_free(&b);
    strata_tls_ctx_free(sctx);
    strata_tls_ctx_free(cctx);
}

/* The innermost TLS layer of e, and that it is the one expected. */
static void expect_inner(const struct end *e, size_t depth, const strata_tls_conn *want)
{
    assert_int_equal(strata_stack_depth(e->s), depth);
    assert_ptr_equal(strata_tls_layer_conn(strata_stack_layer(e->s, depth - 1)), want);
}

/* Pops the innermost layer, started by `from`; the other end follows. */
static void pop_from(struct end *from, struct end *other)
{
    int pa = from->popped, pb = other->popped;
    assert_ok(strata_stack_pop(from->s));
    pump(from, other);
    check_ok(from, "popping end");
    check_ok(other, "other end");
    assert_int_equal(from->popped, pa + 1);
    assert_int_equal(other->popped, pb + 1);
}

/* (b) Mixed roles per layer, pushed and popped on a live stream. */
static void test_mixed_roles_per_layer(void **state)
{
    (void)state;
    struct end a, b;
    strata_tls_conn *a1, *b1, *a2, *b2, *a3, *b3;
    end_init(&a);
    end_init(&b);
    both_ways(&a, &b, 3000, 10);                    /* no layer yet */
    push_pair(&a, &b, 1, CERT_LOCALHOST, &a1, &b1); /* outer: A is the client */
    both_ways(&a, &b, 40000, 11);
    push_pair(&a, &b, 0, CERT_CLIENT, &a2, &b2); /* middle: A is the server */
    both_ways(&a, &b, 40000, 12);
    push_pair(&a, &b, 1, CERT_OTHER, &a3, &b3); /* inner: A is the client again */
    both_ways(&a, &b, 70000, 13);
    /* Each layer kept its role and peer while the ones inside it ran. */
    check_roles(a1, b1, CERT_LOCALHOST);
    check_roles(b2, a2, CERT_CLIENT);
    check_roles(a3, b3, CERT_OTHER);
    pop_from(&a, &b); /* the inner layer; A started it */
    expect_inner(&a, 2, a2);
    expect_inner(&b, 2, b2);
    both_ways(&a, &b, 20000, 14);
    pop_from(&b, &a); /* the middle layer; B started it */
    expect_inner(&a, 1, a1);
    expect_inner(&b, 1, b1);
    both_ways(&a, &b, 20000, 15);
    /* And carry on: a new layer, A the server this time, inside the outer. */
    push_pair(&a, &b, 0, CERT_OTHER, &a2, &b2);
    both_ways(&a, &b, 20000, 16);
    check_roles(a1, b1, CERT_LOCALHOST);
    end_free(&a);
    end_free(&b);
}

/* (c) Every combination of roles in two layers: the client side of each
 * layer sees the certificate of the end that took the server role. */
static void test_server_side_presents_certificate(void **state)
{
    (void)state;
    for (int combo = 0; combo < 4; combo++) {
        int outer_a_client = combo & 1, inner_a_client = (combo >> 1) & 1;
        struct end a, b;
        strata_tls_conn *a1, *b1, *a2, *b2;
        end_init(&a);
        end_init(&b);
        /* The server of each layer presents its own certificate: the outer
         * one "client", the inner one "other.example". */
        push_pair(&a, &b, outer_a_client, CERT_CLIENT, &a1, &b1);
        push_pair(&a, &b, inner_a_client, CERT_OTHER, &a2, &b2);
        both_ways(&a, &b, 2000, 20 + (uint64_t)combo);
        check_roles(outer_a_client ? a1 : b1, outer_a_client ? b1 : a1, CERT_CLIENT);
        check_roles(inner_a_client ? a2 : b2, inner_a_client ? b2 : a2, CERT_OTHER);
        end_free(&a);
        end_free(&b);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_connecting_end_is_tls_server),
        cmocka_unit_test(test_accepting_end_verifies_connecting_end),
        cmocka_unit_test(test_reversed_roles_mutual_auth),
        cmocka_unit_test(test_mixed_roles_per_layer),
        cmocka_unit_test(test_server_side_presents_certificate),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
