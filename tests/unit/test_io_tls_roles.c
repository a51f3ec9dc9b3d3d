/* startTLS in either role over real TCP (the io driver on 127.0.0.1): the
 * end that connects pushes its outer TLS layer in the SERVER role and the
 * end that accepts pushes the CLIENT role, which verifies the connecting
 * end's certificate; the inner layer has the roles the usual way round.
 * 1 MiB goes through both layers to an echo and back, byte-identical, and
 * each end's layers report the role and the peer they had. A connecting end
 * whose certificate has another name than the accepting end expects is
 * refused by the accepting end, with the reason. */
#include <stdio.h>
#include <string.h>

#include "testutil.h"
#include "tls_testcerts.h"
#include "pattern.h"
#include "strata/io.h"
#include "strata/tls_layer.h"

/* What one end saw: per layer, its role and its peer's certificate subject
 * ("" when the peer sent none), taken when the layer came up. */
struct end {
    int up;
    int is_server[2];
    char peer[2][128];
    strata_error err;
    int done;
};

struct run {
    struct end con, acc; /* the connecting end, the accepting end */
    strata_io_listener *listener;
    const char *acc_verify_name; /* the name the accepting end's client layer verifies */
    strata_tls_ctx *cctx, *sctx_client_cert, *sctx_leaf;
};

static void on_layer(void *user, strata_stack *s, enum strata_stack_event ev, size_t index)
{
    struct end *e = user;
    if (ev != STRATA_STACK_EV_LAYER_UP || index >= 2)
        return;
    const strata_tls_conn *c = strata_tls_layer_conn(strata_stack_layer(s, index));
    assert_non_null(c);
    e->up++;
    e->is_server[index] = strata_tls_conn_is_server(c);
    tu_peer_subject(c, e->peer[index], sizeof(e->peer[index]));
}

static void push_tls(strata_stack *s, int tls_client, strata_tls_ctx *ctx, const char *name)
{
    strata_tls_conn *c;
    strata_layer l;
    assert_ok(strata_tls_conn_new(ctx, &c));
    if (tls_client) {
        assert_ok(strata_tls_conn_set_connect_state(c));
        assert_ok(strata_tls_conn_set_tlsext_host_name(c, name));
    } else {
        assert_ok(strata_tls_conn_set_accept_state(c));
    }
    assert_ok(strata_tls_layer_new(c, &l));
    assert_ok(strata_stack_push(s, l, NULL, 0));
}

/* The accepting end: the outer layer as the TLS client (verifying the
 * connecting end), the inner one as the TLS server; an echo on top. */
static strata_status on_accept(void *user, strata_io_listener *l, strata_io_conn *c)
{
    struct run *r = user;
    strata_io_app app;
    (void)l;
    assert_ok(strata_io_app_echo_new(&app));
    assert_ok(strata_io_conn_set_app(c, app));
    push_tls(strata_io_conn_stack(c), 1, r->cctx, r->acc_verify_name);
    push_tls(strata_io_conn_stack(c), 0, r->sctx_leaf, NULL);
    return STRATA_OK;
}

static void record_done(struct end *e, const strata_error *err)
{
    if (err->status != STRATA_OK && e->err.status == STRATA_OK)
        strata_error_copy(&e->err, err);
    e->done++;
}

static void acc_done(void *user, strata_io_conn *c, const strata_error *err)
{
    (void)c;
    record_done(&((struct run *)user)->acc, err);
}

static void con_done(void *user, strata_io_conn *c, const strata_error *err)
{
    struct run *r = user;
    (void)c;
    record_done(&r->con, err);
    strata_io_listener_close(r->listener);
}

/* One connection: the connecting end's outer layer is the TLS server
 * (certificate "client"), its inner layer the TLS client. */
static void run_roles(struct run *r, struct pattern *pat)
{
    strata_io *io;
    strata_error err;
    strata_stack_config acc_stack = {.on_event = on_layer, .user = &r->acc};
    strata_stack_config con_stack = {.on_event = on_layer, .user = &r->con};
    strata_io_listener_config lcfg = {on_accept, acc_done, r, &acc_stack, 0};
    r->cctx = tu_client_ctx();
    r->sctx_client_cert = tu_server_ctx("client.pem", "client.key");
    r->sctx_leaf = tu_server_ctx("leaf.pem", "leaf.key");
    assert_ok(strata_io_new(&io));
    assert_ok(strata_io_listen(io, "127.0.0.1", 0, &lcfg, &r->listener, &err));
    strata_io_conn_config ccfg = {&con_stack, 0, con_done, r};
    strata_io_conn *c;
    assert_ok(strata_io_connect(io, "127.0.0.1", strata_io_listener_port(r->listener),
                                pattern_app(pat), &ccfg, &c));
    push_tls(strata_io_conn_stack(c), 0, r->sctx_client_cert, NULL);
    push_tls(strata_io_conn_stack(c), 1, r->cctx, "localhost");
    assert_ok(strata_io_run(io));
    strata_io_free(io);
    strata_tls_ctx_free(r->cctx);
    strata_tls_ctx_free(r->sctx_client_cert);
    strata_tls_ctx_free(r->sctx_leaf);
}

static void test_tcp_connecting_end_is_tls_server(void **state)
{
    (void)state;
    static struct pattern pat;
    struct run r;
    memset(&r, 0, sizeof(r));
    r.acc_verify_name = "client";
    pattern_init(&pat, 1u << 20, 7);
    run_roles(&r, &pat);
    if (r.con.err.status != STRATA_OK)
        fail_msg("connecting end: %s", strata_error_message(&r.con.err));
    if (r.acc.err.status != STRATA_OK)
        fail_msg("accepting end: %s", strata_error_message(&r.acc.err));
    assert_true(pattern_complete(&pat));
    assert_int_equal(pat.checked, 1u << 20);
    assert_int_equal(r.con.done, 1);
    assert_int_equal(r.acc.done, 1);
    assert_int_equal(r.con.up, 2);
    assert_int_equal(r.acc.up, 2);
    /* Outer layer: the connecting end served, the accepting end verified
     * the connecting end's certificate. */
    assert_int_equal(r.con.is_server[0], 1);
    assert_int_equal(r.acc.is_server[0], 0);
    assert_string_equal(r.acc.peer[0], "/CN=client");
    assert_string_equal(r.con.peer[0], "");
    /* Inner layer: the other way round. */
    assert_int_equal(r.con.is_server[1], 0);
    assert_int_equal(r.acc.is_server[1], 1);
    assert_string_equal(r.con.peer[1], "/CN=localhost");
    assert_string_equal(r.acc.peer[1], "");
}

/* The accepting end expects another name: it refuses the connecting end's
 * certificate and says why; no byte of the pattern comes back. */
static void test_tcp_accepting_end_refuses(void **state)
{
    (void)state;
    static struct pattern pat;
    struct run r;
    memset(&r, 0, sizeof(r));
    r.acc_verify_name = "server.example";
    pattern_init(&pat, 4096, 8);
    run_roles(&r, &pat);
    assert_int_equal(r.acc.done, 1);
    assert_int_equal(r.con.done, 1);
    assert_int_equal(r.acc.up, 0);
    assert_int_equal(r.acc.err.status, STRATA_E_LAYER_FAILED);
    const char *msg = strata_error_message(&r.acc.err);
    if (!strstr(msg, "certificate name mismatch: expected 'server.example', certificate has "
                     "DNS:client"))
        fail_msg("accepting end: %s", msg);
    assert_int_not_equal(r.con.err.status, STRATA_OK);
    assert_false(pattern_complete(&pat));
    assert_int_equal(pat.checked, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tcp_connecting_end_is_tls_server),
        cmocka_unit_test(test_tcp_accepting_end_refuses),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
