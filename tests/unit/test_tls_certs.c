/* tls: pki objects across the TLS API - the verify callback's arguments and
 * verdicts, our identity from strata_x509 / strata_pkey, the context's
 * certificate store, peer certificate and chains, client CA lists. */
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "tls_testcerts.h"
#include "strata/pki.h"

static char *subject_of(const strata_x509 *x)
{
    strata_x509_name *n = NULL;
    char *s = NULL;
    assert_ok(strata_x509_get_subject(x, &n, NULL));
    assert_ok(strata_x509_name_oneline(n, &s, NULL));
    strata_x509_name_free(n);
    return s;
}

struct seen {
    int calls;
    int depth[4];
    int pre[4];
    int err[4];
    char *subj[4];
    int answer; /* -1: OpenSSL's verdict */
    strata_tls_conn *conn;
};

static int verify_cb(strata_tls_conn *conn, const strata_x509 *cert, int errnum, int depth,
                     int preverify_ok, void *user)
{
    struct seen *s = user;
    if (s->calls < 4) {
        s->depth[s->calls] = depth;
        s->pre[s->calls] = preverify_ok;
        s->err[s->calls] = errnum;
        s->subj[s->calls] = subject_of(cert);
    }
    s->calls++;
    s->conn = conn;
    return s->answer < 0 ? preverify_ok : s->answer;
}

static void seen_free(struct seen *s)
{
    for (int i = 0; i < 4 && i < s->calls; i++)
        strata_pki_free_string(s->subj[i]);
}

static void test_verify_callback_args(void **state)
{
    (void)state;
    struct seen seen = {.answer = -1};
    strata_tls_ctx *cctx = tu_client_ctx(), *sctx = tu_server_ctx("leaf.pem", "leaf.key");
    assert_ok(strata_tls_ctx_set_verify(cctx, STRATA_TLS_VERIFY_PEER, verify_cb, &seen));
    strata_tls_conn *c, *s;
    tu_pair(cctx, sctx, &c, &s);
    assert_ok(tu_handshake(c, s, NULL, 0));
    assert_int_equal(seen.calls, 2); /* root first, then the leaf */
    assert_ptr_equal(seen.conn, c);
    assert_int_equal(seen.depth[0], 1);
    assert_int_equal(seen.depth[1], 0);
    assert_int_equal(seen.pre[0], 1);
    assert_int_equal(seen.pre[1], 1);
    assert_int_equal(seen.err[1], 0);
    assert_string_equal(seen.subj[0], "/CN=strata test CA");
    assert_string_equal(seen.subj[1], "/CN=localhost");
    seen_free(&seen);
    strata_tls_conn_free(c);
    strata_tls_conn_free(s);
    strata_tls_ctx_free(cctx);
    strata_tls_ctx_free(sctx);
}

/* The callback may accept what OpenSSL refused (self-signed), or refuse
 * what OpenSSL accepted. */
static void test_verify_callback_verdicts(void **state)
{
    (void)state;
    struct seen seen = {.answer = 1};
    strata_tls_ctx *cctx = tu_client_ctx(), *sctx = tu_server_ctx("self.pem", "self.key");
    assert_ok(strata_tls_ctx_set_verify(cctx, STRATA_TLS_VERIFY_PEER, verify_cb, &seen));
    strata_tls_conn *c, *s;
    tu_pair(cctx, sctx, &c, &s);
    assert_ok(tu_handshake(c, s, NULL, 0));
    assert_int_equal(seen.pre[0], 0);
    assert_int_equal(seen.err[0], 18); /* X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT */
    assert_int_equal(strata_tls_conn_verify_result(c), 0); /* cleared, as pyOpenSSL */
    seen_free(&seen);
    strata_tls_conn_free(c);
    strata_tls_conn_free(s);
    strata_tls_ctx_free(cctx);
    strata_tls_ctx_free(sctx);

    struct seen no = {.answer = 0};
    cctx = tu_client_ctx();
    sctx = tu_server_ctx("leaf.pem", "leaf.key");
    assert_ok(strata_tls_ctx_set_verify(cctx, STRATA_TLS_VERIFY_PEER, verify_cb, &no));
    tu_pair(cctx, sctx, &c, &s);
    assert_status(tu_handshake(c, s, NULL, 0), STRATA_E_TLS_CERT_REJECTED);
    assert_string_equal(strata_error_message(strata_tls_conn_error(c)),
                        "the verify callback rejected the certificate at depth 1 (/CN=strata "
                        "test CA)");
    seen_free(&no);
    strata_tls_conn_free(c);
    strata_tls_conn_free(s);
    strata_tls_ctx_free(cctx);
    strata_tls_ctx_free(sctx);
}

/* Identity from objects; trust through the context's store; the peer's
 * certificate and chains; the client CA list both sides see. */
static void test_objects(void **state)
{
    (void)state;
    const char *dir = tu_pki();
    strata_x509 *leaf = NULL, *ca = NULL, *client = NULL;
    strata_pkey *key = NULL, *ckey = NULL;
    assert_ok(strata_x509_load_file(tu_path(dir, "leaf.pem"), STRATA_PKI_PEM, &leaf, NULL));
    assert_ok(strata_x509_load_file(tu_path(dir, "ca.pem"), STRATA_PKI_PEM, &ca, NULL));
    assert_ok(strata_x509_load_file(tu_path(dir, "client.pem"), STRATA_PKI_PEM, &client, NULL));
    assert_ok(
        strata_pkey_load_private_file(tu_path(dir, "leaf.key"), STRATA_PKI_PEM, NULL, &key, NULL));
    assert_ok(strata_pkey_load_private_file(tu_path(dir, "client.key"), STRATA_PKI_PEM, NULL, &ckey,
                                            NULL));
    strata_tls_ctx *cctx, *sctx;
    assert_ok(strata_tls_ctx_new(STRATA_TLS_METHOD_TLS, &sctx));
    assert_ok(strata_tls_ctx_use_certificate(sctx, leaf));
    assert_ok(strata_tls_ctx_use_privatekey(sctx, key));
    assert_ok(strata_tls_ctx_add_extra_chain_cert(sctx, ca));
    assert_ok(strata_tls_ctx_check_privatekey(sctx));
    assert_ok(strata_tls_ctx_set_verify(sctx, STRATA_TLS_VERIFY_PEER, NULL, NULL));
    assert_ok(strata_tls_ctx_add_client_ca(sctx, ca));
    strata_x509_store *st = NULL;
    assert_ok(strata_tls_ctx_get_cert_store(sctx, &st));
    assert_ok(strata_x509_store_add_cert(st, ca, NULL));
    strata_x509_store_free(st);
    assert_ok(strata_tls_ctx_new(STRATA_TLS_METHOD_TLS, &cctx));
    assert_ok(strata_tls_ctx_get_cert_store(cctx, &st));
    assert_ok(strata_x509_store_add_cert(st, ca, NULL));
    strata_x509_store_free(st);
    assert_ok(strata_tls_ctx_use_certificate(cctx, client));
    assert_ok(strata_tls_ctx_use_privatekey(cctx, ckey));
    strata_tls_conn *c, *s;
    tu_pair(cctx, sctx, &c, &s);
    strata_x509_name **names = NULL;
    size_t nn = 0;
    assert_ok(strata_tls_conn_get_client_ca_list(s, &names, &nn));
    assert_int_equal(nn, 1);
    strata_tls_name_list_free(names, nn);
    strata_status rs;
    assert_ok(tu_handshake(c, s, &rs, 0));
    assert_ok(rs);
    /* The client saw the server's CA list. */
    assert_ok(strata_tls_conn_get_client_ca_list(c, &names, &nn));
    assert_int_equal(nn, 1);
    char *text = NULL;
    assert_ok(strata_x509_name_oneline(names[0], &text, NULL));
    assert_string_equal(text, "/CN=strata test CA");
    strata_pki_free_string(text);
    strata_tls_name_list_free(names, nn);
    /* Peer certificates. */
    strata_x509 *peer = NULL, **chain = NULL;
    size_t n = 0;
    assert_ok(strata_tls_conn_get_peer_certificate(c, &peer));
    text = subject_of(peer);
    assert_string_equal(text, "/CN=localhost");
    strata_pki_free_string(text);
    strata_x509_free(peer);
    assert_ok(strata_tls_conn_get_peer_cert_chain(c, &chain, &n));
    assert_int_equal(n, 2); /* leaf + the extra chain certificate */
    strata_x509_chain_free(chain, n);
    assert_ok(strata_tls_conn_get_verified_chain(c, &chain, &n));
    assert_int_equal(n, 2);
    text = subject_of(chain[1]);
    assert_string_equal(text, "/CN=strata test CA");
    strata_pki_free_string(text);
    strata_x509_chain_free(chain, n);
    assert_ok(strata_tls_conn_get_peer_certificate(s, &peer));
    text = subject_of(peer);
    assert_string_equal(text, "/CN=client");
    strata_pki_free_string(text);
    strata_x509_free(peer);
    assert_ok(strata_tls_conn_get_peer_cert_chain(s, &chain, &n));
    /* Leaf first on the server too; OpenSSL built the client's chain from
     * its store, so the CA came along. */
    assert_int_equal(n, 2);
    text = subject_of(chain[0]);
    assert_string_equal(text, "/CN=client");
    strata_pki_free_string(text);
    strata_x509_chain_free(chain, n);
    strata_tls_conn_free(c);
    strata_tls_conn_free(s);
    strata_tls_ctx_free(cctx);
    strata_tls_ctx_free(sctx);
    /* A mismatching key object is refused with its own status. */
    assert_ok(strata_tls_ctx_new(STRATA_TLS_METHOD_TLS, &sctx));
    assert_ok(strata_tls_ctx_use_certificate(sctx, leaf));
    assert_status(strata_tls_ctx_use_privatekey(sctx, ckey), STRATA_E_CRYPTO);
    strata_tls_ctx_free(sctx);
    strata_x509_free(leaf);
    strata_x509_free(ca);
    strata_x509_free(client);
    strata_pkey_free(key);
    strata_pkey_free(ckey);
}

/* set_client_ca_list replaces the list with names. */
static void test_set_client_ca_list(void **state)
{
    (void)state;
    strata_x509_name *a = NULL, *b = NULL;
    assert_ok(strata_x509_name_parse("/CN=first", &a, NULL));
    assert_ok(strata_x509_name_parse("/O=org/CN=second", &b, NULL));
    const strata_x509_name *list[] = {a, b};
    strata_tls_ctx *sctx = tu_server_ctx("leaf.pem", "leaf.key");
    assert_ok(strata_tls_ctx_set_client_ca_list(sctx, list, 2));
    strata_tls_conn *s;
    assert_ok(strata_tls_conn_new(sctx, &s));
    assert_ok(strata_tls_conn_set_accept_state(s));
    strata_x509_name **names = NULL;
    size_t n = 0;
    assert_ok(strata_tls_conn_get_client_ca_list(s, &names, &n));
    assert_int_equal(n, 2);
    char *text = NULL;
    assert_ok(strata_x509_name_oneline(names[1], &text, NULL));
    assert_string_equal(text, "/O=org/CN=second");
    strata_pki_free_string(text);
    strata_tls_name_list_free(names, n);
    strata_tls_conn_free(s);
    strata_tls_ctx_free(sctx);
    strata_x509_name_free(a);
    strata_x509_name_free(b);
}

/* The client certificate callback decides later, then gives one. */
struct cc {
    int calls, answer;
    strata_x509 *cert;
    strata_pkey *key;
};

static int client_cert(strata_tls_conn *conn, strata_x509 **cert, strata_pkey **key, void *user)
{
    (void)conn;
    struct cc *c = user;
    c->calls++;
    if (c->answer == 1) {
        *cert = strata_x509_up_ref(c->cert);
        *key = strata_pkey_up_ref(c->key);
    }
    return c->answer;
}

static void test_client_cert_callback(void **state)
{
    (void)state;
    const char *dir = tu_pki();
    struct cc cc = {.answer = -1};
    assert_ok(strata_x509_load_file(tu_path(dir, "client.pem"), STRATA_PKI_PEM, &cc.cert, NULL));
    assert_ok(strata_pkey_load_private_file(tu_path(dir, "client.key"), STRATA_PKI_PEM, NULL,
                                            &cc.key, NULL));
    for (int give = 0; give < 2; give++) {
        strata_tls_ctx *cctx = tu_client_ctx(), *sctx = tu_server_ctx("leaf.pem", "leaf.key");
        assert_ok(strata_tls_ctx_set_verify(
            sctx, STRATA_TLS_VERIFY_PEER | STRATA_TLS_VERIFY_FAIL_IF_NO_PEER_CERT, NULL, NULL));
        assert_ok(strata_tls_ctx_load_verify_locations(sctx, tu_path(dir, "ca.pem"), NULL));
        strata_tls_ctx_set_client_cert_callback(cctx, client_cert, &cc);
        strata_tls_conn *c, *s;
        tu_pair(cctx, sctx, &c, &s);
        cc.answer = -1;
        cc.calls = 0;
        strata_status rs, rc = tu_handshake(c, s, &rs, 0);
        assert_status(rc, STRATA_WANT_X509_LOOKUP); /* pyOpenSSL's WantX509LookupError */
        assert_int_equal(cc.calls, 1);
        cc.answer = give ? 1 : 0;
        rc = tu_handshake(c, s, &rs, 0);
        assert_int_equal(cc.calls, 2);
        if (give) {
            assert_ok(rc);
            assert_ok(rs);
            strata_x509 *peer = NULL;
            assert_ok(strata_tls_conn_get_peer_certificate(s, &peer));
            char *text = subject_of(peer);
            assert_string_equal(text, "/CN=client");
            strata_pki_free_string(text);
            strata_x509_free(peer);
        } else {
            assert_status(rs, STRATA_E_TLS_CERT_NONE);
        }
        strata_tls_conn_free(c);
        strata_tls_conn_free(s);
        strata_tls_ctx_free(cctx);
        strata_tls_ctx_free(sctx);
    }
    strata_x509_free(cc.cert);
    strata_pkey_free(cc.key);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_verify_callback_args),
        cmocka_unit_test(test_verify_callback_verdicts),
        cmocka_unit_test(test_objects),
        cmocka_unit_test(test_set_client_ca_list),
        cmocka_unit_test(test_client_cert_callback),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
