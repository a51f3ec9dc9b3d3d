/* tools/strata/chain_tls: the tls: chain element - options, exact errors,
 * the default peer name (the nearest earlier target), and the layer it
 * pushes (a client that fails verification against a server it cannot
 * trust: the stack's message names the reason). */
#include <string.h>

#include "testutil.h"
#include "tls_testcerts.h"
#include "chain.h"
#include "strata/stack.h"
#include "strata/tls_layer.h"

static int parse(struct chain *c, enum chain_use use, char *err, int argc, const char **argv)
{
    return chain_parse(c, NULL, argc, (char *const *)argv, use, err, CHAIN_ERR_MAX);
}

static void expect_error(enum chain_use use, const char *elem, const char *want)
{
    struct chain c;
    char err[CHAIN_ERR_MAX] = "";
    const char *argv[] = {"tcp:127.0.0.1:1", elem};
    assert_int_equal(parse(&c, use, err, 2, argv), -1);
    assert_string_equal(err, want);
}

static void test_options(void **state)
{
    (void)state;
    struct chain c;
    char err[CHAIN_ERR_MAX];
    const char *argv[] = {"tcp:proxy.example:3128", "http-connect:db.example:5432",
                          "tls:sni=db.example,verify=none,alpn=h2:http/1.1,min=1.2,max=1.3"};
    assert_int_equal(parse(&c, CHAIN_USE_CONNECT, err, 3, argv), 0);
    assert_string_equal(c.elems[2].kind->name, "tls");
    /* The peer name defaults to the nearest earlier target: the tunnel's. */
    assert_ptr_equal(c.elems[2].target, &c.elems[1]);
    assert_string_equal(c.elems[2].target->host, "db.example");
    assert_ptr_equal(c.elems[1].target, &c.elems[0]);
    assert_null(c.elems[0].target);
    assert_string_equal(chain_elem_opt(&c.elems[2], "alpn")->str, "h2:http/1.1");
    chain_free(&c);
}

static void test_errors(void **state)
{
    (void)state;
    const enum chain_use C = CHAIN_USE_CONNECT, L = CHAIN_USE_LISTEN;
    expect_error(C, "tls:foo", "chain element 2 'tls:foo': unknown option 'foo'");
    expect_error(C, "tls:verify=maybe",
                 "chain element 2 'tls:verify=maybe': verify must be 'peer' or 'none'");
    expect_error(C, "tls:min=1.0", "chain element 2 'tls:min=1.0': min must be 1.2 or 1.3");
    expect_error(C, "tls:max=2", "chain element 2 'tls:max=2': max must be 1.2 or 1.3");
    expect_error(C, "tls:pass=sesame",
                 "chain element 2 'tls:pass=sesame': pass must be file:FILE or env:VAR");
    expect_error(C, "tls:cert=a.pem",
                 "chain element 2 'tls:cert=a.pem': cert= and key= go together");
    expect_error(L, "tls:", "chain element 2 'tls:': a TLS server needs cert= and key=");
    expect_error(L, "tls:\x01", "chain element 2 'tls:\\x01': unknown option '\\x01'");
    expect_error(C, "tls:role=peer",
                 "chain element 2 'tls:role=peer': role must be 'client' or 'server'");
    expect_error(C, "tls:role=server",
                 "chain element 2 'tls:role=server': a TLS server needs cert= and key=");
    /* A server told to verify its peers with nothing to verify them
     * against would ask for no certificate at all. */
    expect_error(L, "tls:cert=a.pem,key=a.key,verify=peer",
                 "chain element 2 'tls:cert=a.pem,key=a.key,verify=peer': verify=peer on a TLS "
                 "server needs ca= (the CAs of the client certificates)");
    expect_error(C, "tls:role=server,cert=a.pem,key=a.key,verify=peer",
                 "chain element 2 'tls:role=server,cert=a.pem,key=a.key,verify=peer': verify=peer "
                 "on a TLS server needs ca= (the CAs of the client certificates)");
    expect_error(L, "tls:role=client",
                 "chain element 2 'tls:role=client': a TLS client in "
                 "listen needs name= or sni= (or verify=none)");
}

/* role= turns the default role round: a server layer in connect, a client
 * layer in listen (verifying the name it was given, not the listen host). */
static void push_role(enum chain_use use, const char *elem, int want_server, const char *want_sni)
{
    struct chain c;
    char err[CHAIN_ERR_MAX];
    const char *argv[] = {"tcp:127.0.0.1:4433", elem};
    assert_int_equal(parse(&c, use, err, 2, argv), 0);
    strata_stack *s;
    assert_ok(strata_stack_new(NULL, &s));
    assert_ok(chain_push_layers(&c, s, use, err, sizeof(err)));
    strata_tls_conn *conn = strata_tls_layer_conn(strata_stack_layer(s, 0));
    assert_non_null(conn);
    assert_int_equal(strata_tls_conn_is_server(conn), want_server);
    if (want_sni)
        assert_string_equal(strata_tls_conn_get_servername(conn), want_sni);
    else
        assert_null(strata_tls_conn_get_servername(conn));
    strata_stack_free(s);
    chain_free(&c);
}

static void test_role(void **state)
{
    (void)state;
    char srv[1300], cli[700];
    snprintf(srv, sizeof(srv), "tls:role=server,cert=%s,key=%s", tu_path(tu_pki(), "leaf.pem"),
             tu_path(tu_pki(), "leaf.key"));
    snprintf(cli, sizeof(cli), "tls:role=client,ca=%s,name=peer.example",
             tu_path(tu_pki(), "ca.pem"));
    push_role(CHAIN_USE_CONNECT, srv, 1, NULL);
    push_role(CHAIN_USE_LISTEN, cli, 0, NULL); /* name= only: no SNI, and not 127.0.0.1 */
    push_role(CHAIN_USE_LISTEN, "tls:role=client,sni=peer.example,verify=none", 0, "peer.example");
    push_role(CHAIN_USE_LISTEN, "tls:role=client,verify=none", 0, NULL);
    /* The default roles, said out loud. */
    /* connect: the name is the target host (an IP: checked, not sent). */
    push_role(CHAIN_USE_CONNECT, "tls:role=client,verify=none", 0, "127.0.0.1");
    srv[strlen("tls:role=")] = 0;
    snprintf(srv + strlen(srv), sizeof(srv) - strlen(srv), "server,cert=%s,key=%s",
             tu_path(tu_pki(), "leaf.pem"), tu_path(tu_pki(), "leaf.key"));
    push_role(CHAIN_USE_LISTEN, srv, 1, NULL);
}

/* push: a client layer goes on the stack; a bad file fails with its reason. */
static void test_push(void **state)
{
    (void)state;
    struct chain c;
    char err[CHAIN_ERR_MAX];
    char ca[600], key[600];
    snprintf(ca, sizeof(ca), "tls:ca=%s", tu_path(tu_pki(), "ca.pem"));
    const char *argv[] = {"tcp:localhost:443", ca};
    assert_int_equal(parse(&c, CHAIN_USE_CONNECT, err, 2, argv), 0);
    strata_stack *s;
    assert_ok(strata_stack_new(NULL, &s));
    assert_ok(chain_push_layers(&c, s, CHAIN_USE_CONNECT, err, sizeof(err)));
    assert_int_equal(strata_stack_depth(s), 1);
    strata_tls_conn *conn = strata_tls_layer_conn(strata_stack_layer(s, 0));
    assert_non_null(conn);
    assert_string_equal(strata_tls_conn_get_servername(conn), "localhost");
    strata_stack_free(s);
    chain_free(&c);

    snprintf(key, sizeof(key), "tls:cert=/nonexistent.pem,key=%s", tu_path(tu_pki(), "leaf.key"));
    const char *argv2[] = {"tcp:127.0.0.1:0", key};
    assert_int_equal(parse(&c, CHAIN_USE_LISTEN, err, 2, argv2), 0);
    assert_ok(strata_stack_new(NULL, &s));
    assert_status(chain_push_layers(&c, s, CHAIN_USE_LISTEN, err, sizeof(err)), STRATA_E_FORMAT);
    assert_non_null(strstr(err, "cannot use a certificate chain from '/nonexistent.pem'"));
    strata_stack_free(s);
    chain_free(&c);
}

/* check_chain: chain_check_layers on tcp: ELEMS... with its status and message. */
static strata_status check_chain(enum chain_use use, int argc, const char **argv, char *err)
{
    struct chain c;
    assert_int_equal(parse(&c, use, err, argc, argv), 0);
    strata_status r = chain_check_layers(&c, NULL, use, err, CHAIN_ERR_MAX);
    chain_free(&c);
    return r;
}

/* chain_check_layers builds the layers once on a scratch stack: a bad
 * cipher list or key file fails with the element's message; it stops before
 * the first ssh: element (the tls: after it is not built). */
static void test_check_layers(void **state)
{
    (void)state;
    char err[CHAIN_ERR_MAX], key[600];
    const char *ok[] = {"tcp:127.0.0.1:1", "tls:verify=none,suites=TLS_AES_128_GCM_SHA256"};
    assert_ok(check_chain(CHAIN_USE_CONNECT, 2, ok, err));
    const char *bad[] = {"tcp:127.0.0.1:1", "tls:verify=none", "tls:ciphers=NOPE"};
    assert_status(check_chain(CHAIN_USE_CONNECT, 3, bad, err), STRATA_E_USAGE);
    assert_string_equal(err, "chain element 3 'tls:ciphers=NOPE': cipher list 'NOPE' selects no "
                             "usable cipher");
    const char *v13[] = {"tcp:127.0.0.1:1", "tls:ciphers=TLS_AES_128_GCM_SHA256"};
    assert_status(check_chain(CHAIN_USE_CONNECT, 2, v13, err), STRATA_E_USAGE);
    assert_string_equal(err, "chain element 2 'tls:ciphers=TLS_AES_128_GCM_SHA256': cipher list "
                             "'TLS_AES_128_GCM_SHA256' selects no usable cipher (TLS 1.3 suites "
                             "go in suites=)");
    const char *suites[] = {"tcp:127.0.0.1:1", "tls:suites=NOPE"};
    assert_status(check_chain(CHAIN_USE_CONNECT, 2, suites, err), STRATA_E_USAGE);
    assert_string_equal(err,
                        "chain element 2 'tls:suites=NOPE': TLS 1.3 cipher suites 'NOPE' are not "
                        "valid");
    const char *after_ssh[] = {"tcp:127.0.0.1:1", "tls:verify=none", "ssh:user=u",
                               "direct:127.0.0.1:2", "tls:ciphers=NOPE"};
    assert_ok(check_chain(CHAIN_USE_CONNECT, 5, after_ssh, err));
    snprintf(key, sizeof(key), "tls:cert=/nonexistent.pem,key=%s", tu_path(tu_pki(), "leaf.key"));
    const char *listen[] = {"tcp:127.0.0.1:0", key};
    assert_status(check_chain(CHAIN_USE_LISTEN, 2, listen, err), STRATA_E_FORMAT);
    assert_non_null(strstr(err, "cannot use a certificate chain from '/nonexistent.pem'"));
}

/* The context of the layer on top of s (borrowed). */
static strata_tls_ctx *top_ctx(strata_stack *s)
{
    strata_tls_conn *conn = strata_tls_layer_conn(strata_stack_layer(s, 0));
    assert_non_null(conn);
    return strata_tls_conn_get_context(conn);
}

/* chain_prepare: the tls: element builds its context once and every push
 * makes its connection from it (a listener's connections share one session
 * cache and one set of ticket keys); without it, each push has its own.
 * The context outlives a stack that still uses it after chain_free. */
static void test_prepare_shares_context(void **state)
{
    (void)state;
    struct chain c;
    char err[CHAIN_ERR_MAX], srv[1300];
    snprintf(srv, sizeof(srv), "tls:cert=%s,key=%s", tu_path(tu_pki(), "leaf.pem"),
             tu_path(tu_pki(), "leaf.key"));
    const char *argv[] = {"tcp:127.0.0.1:0", srv};
    strata_stack *a, *b;
    for (int prepared = 0; prepared < 2; prepared++) {
        assert_int_equal(parse(&c, CHAIN_USE_LISTEN, err, 2, argv), 0);
        if (prepared) {
            assert_ok(chain_prepare(&c, CHAIN_USE_LISTEN, err, sizeof(err)));
            assert_non_null(c.elems[1].state);
            assert_null(c.elems[0].state); /* tcp: prepares nothing */
        }
        assert_ok(strata_stack_new(NULL, &a));
        assert_ok(strata_stack_new(NULL, &b));
        assert_ok(chain_push_layers(&c, a, CHAIN_USE_LISTEN, err, sizeof(err)));
        assert_ok(chain_push_layers(&c, b, CHAIN_USE_LISTEN, err, sizeof(err)));
        if (prepared) {
            assert_ptr_equal(top_ctx(a), top_ctx(b));
            assert_ptr_equal(top_ctx(a), c.elems[1].state);
        } else {
            assert_ptr_not_equal(top_ctx(a), top_ctx(b));
        }
        chain_free(&c); /* the stacks' connections keep their references */
        assert_true(strata_tls_ctx_is_frozen(top_ctx(a)));
        strata_stack_free(a);
        strata_stack_free(b);
    }
    /* A prepare that fails names the element, as a push does. */
    snprintf(srv, sizeof(srv), "tls:cert=/nonexistent.pem,key=%s", tu_path(tu_pki(), "leaf.key"));
    assert_int_equal(parse(&c, CHAIN_USE_LISTEN, err, 2, argv), 0);
    assert_status(chain_prepare(&c, CHAIN_USE_LISTEN, err, sizeof(err)), STRATA_E_FORMAT);
    assert_non_null(strstr(err, "chain element 2 'tls:cert=/nonexistent.pem,key="));
    assert_non_null(strstr(err, "cannot use a certificate chain from '/nonexistent.pem'"));
    assert_null(c.elems[1].state);
    chain_free(&c);
    /* session= is a client's option. */
    expect_error(CHAIN_USE_LISTEN, "tls:cert=a,key=b,session=s",
                 "chain element 2 'tls:cert=a,key=b,session=s': session= is for a TLS client");
    expect_error(CHAIN_USE_CONNECT, "tls:role=server,cert=a,key=b,session=s",
                 "chain element 2 'tls:role=server,cert=a,key=b,session=s': session= is for a "
                 "TLS client");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_options),      cmocka_unit_test(test_errors),
        cmocka_unit_test(test_push),         cmocka_unit_test(test_role),
        cmocka_unit_test(test_check_layers), cmocka_unit_test(test_prepare_shares_context),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
