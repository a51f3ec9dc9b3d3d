/* tls: sessions across connections - one server context shared by many
 * connections (strata_tls_ctx_up_ref), the new-session callback (TLS 1.2 at
 * the end of the handshake, TLS 1.3 per NewSessionTicket), sessions stored
 * as PEM and read back, and the checks before a session is offered: the
 * certificate it was made with must carry the name and have been verified. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "tls_testcerts.h"

struct got {
    int calls;
    int server_calls;
    strata_tls_session *last; /* the newest session, ours */
};

static void on_new_session(strata_tls_conn *conn, strata_tls_session *sess, void *user)
{
    struct got *g = user;
    if (strata_tls_conn_is_server(conn) == 1)
        g->server_calls++;
    g->calls++;
    strata_tls_session_free(g->last);
    g->last = sess;
}

/* A full handshake on a new pair, and the server's first bytes (TLS 1.3
 * tickets come with them). */
static void connect_once(strata_tls_ctx *cctx, strata_tls_ctx *sctx, strata_tls_session *offer,
                         const char *verify_name, int want_reused)
{
    strata_tls_conn *c, *s;
    size_t sent, n;
    char buf[64];
    tu_pair(cctx, sctx, &c, &s);
    if (verify_name)
        assert_ok(strata_tls_conn_set_verify_name(c, verify_name));
    if (offer)
        assert_ok(strata_tls_conn_set_session(c, offer));
    assert_ok(tu_handshake(c, s, NULL, 0));
    assert_ok(strata_tls_conn_sendall(s, "hello", 5, &sent));
    tu_pump(s, c, 0);
    assert_ok(strata_tls_conn_recv(c, buf, sizeof(buf), &n));
    assert_int_equal(strata_tls_conn_session_reused(c), want_reused);
    assert_int_equal(strata_tls_conn_session_reused(s), want_reused);
    strata_tls_conn_free(c);
    strata_tls_conn_free(s);
}

static void callback_and_pem(int version, int tickets)
{
    strata_tls_ctx *cctx = tu_client_ctx(), *sctx = tu_server_ctx("leaf.pem", "leaf.key");
    struct got g = {0, 0, NULL}, sg = {0, 0, NULL};
    if (version)
        assert_ok(strata_tls_ctx_set_max_version(cctx, version));
    strata_tls_ctx_set_new_session_callback(cctx, on_new_session, &g);
    assert_true(strata_tls_ctx_get_session_cache_mode(cctx) & STRATA_TLS_SESS_CACHE_CLIENT);
    /* Set on a server context it is never called: server sessions are the
     * server's own. */
    strata_tls_ctx_set_new_session_callback(sctx, on_new_session, &sg);
    /* The listener's shape: the owner shares its context with another
     * reference; connections hold their own. */
    strata_tls_ctx_up_ref(sctx);
    strata_tls_ctx_free(sctx);

    connect_once(cctx, sctx, NULL, NULL, 0);
    assert_int_equal(g.calls, tickets);
    assert_int_equal(g.server_calls, 0);
    assert_int_equal(sg.calls, 0);
    assert_non_null(g.last);
    assert_true(strata_tls_session_is_resumable(g.last));

    char *pem = NULL;
    size_t n = 0;
    assert_ok(strata_tls_session_to_pem(g.last, &pem, &n));
    assert_int_equal(strlen(pem), n);
    assert_non_null(strstr(pem, "-----BEGIN SSL SESSION PARAMETERS-----"));
    strata_tls_session *back = NULL;
    assert_ok(strata_tls_session_from_pem(pem, n, &back));
    strata_free_secret(pem, n);

    /* A second connection of the same server context resumes it; with
     * TLS 1.3 a new ticket comes (OpenSSL sends one after a resumption),
     * TLS 1.2 sends none. */
    int after = tickets + (version == STRATA_TLS_VERSION_TLS1_2 ? 0 : 1);
    connect_once(cctx, sctx, back, NULL, 1);
    assert_int_equal(g.calls, after);
    strata_tls_session_free(back);

    /* Removing the callback stops the calls. */
    strata_tls_ctx_set_new_session_callback(cctx, NULL, NULL);
    connect_once(cctx, sctx, NULL, NULL, 0);
    assert_int_equal(g.calls, after);
    strata_tls_session_free(g.last);
    strata_tls_ctx_free(cctx);
    strata_tls_ctx_free(sctx);
}

static void test_new_session_tls13(void **state)
{
    (void)state;
    callback_and_pem(0, 2); /* OpenSSL servers send two tickets */
}

static void test_new_session_tls12(void **state)
{
    (void)state;
    callback_and_pem(STRATA_TLS_VERSION_TLS1_2, 1);
}

static void test_pem_errors(void **state)
{
    (void)state;
    strata_tls_session *s = (strata_tls_session *)&s;
    assert_status(strata_tls_session_from_pem("not a session\n", 14, &s), STRATA_E_FORMAT);
    assert_null(s);
    assert_status(strata_tls_session_from_pem("", 0, &s), STRATA_E_FORMAT);
    static const char bad_b64[] = "-----BEGIN SSL SESSION PARAMETERS-----\n"
                                  "AAAA\n"
                                  "-----END SSL SESSION PARAMETERS-----\n";
    assert_status(strata_tls_session_from_pem(bad_b64, sizeof(bad_b64) - 1, &s), STRATA_E_FORMAT);
    /* An encrypted block never asks for a passphrase (not on the terminal). */
    static const char enc[] = "-----BEGIN SSL SESSION PARAMETERS-----\n"
                              "Proc-Type: 4,ENCRYPTED\n"
                              "DEK-Info: AES-128-CBC,00112233445566778899AABBCCDDEEFF\n\n"
                              "AAAAAAAAAAAAAAAAAAAAAA==\n"
                              "-----END SSL SESSION PARAMETERS-----\n";
    assert_status(strata_tls_session_from_pem(enc, sizeof(enc) - 1, &s), STRATA_E_FORMAT);
    assert_null(s);
}

/* The checks before a session is offered to a verifying connection. */
static void test_offer_checks(void **state)
{
    (void)state;
    strata_tls_ctx *cctx = tu_client_ctx(), *sctx = tu_server_ctx("leaf.pem", "leaf.key");
    strata_tls_ctx *blind = NULL; /* trusts nothing, verifies nothing */
    struct got g = {0, 0, NULL}, gb = {0, 0, NULL};
    strata_tls_ctx_set_new_session_callback(cctx, on_new_session, &g);
    assert_ok(strata_tls_ctx_new(STRATA_TLS_METHOD_TLS, &blind));
    assert_ok(strata_tls_ctx_set_verify(blind, STRATA_TLS_VERIFY_NONE, NULL, NULL));
    strata_tls_ctx_set_new_session_callback(blind, on_new_session, &gb);

    connect_once(cctx, sctx, NULL, NULL, 0);
    assert_true(strata_tls_session_matches_name(g.last, "localhost"));
    assert_true(strata_tls_session_matches_name(g.last, "LOCALHOST"));
    assert_true(strata_tls_session_matches_name(g.last, "127.0.0.1"));
    assert_false(strata_tls_session_matches_name(g.last, "other.example"));
    assert_false(strata_tls_session_matches_name(g.last, "127.0.0.2"));
    assert_false(strata_tls_session_matches_name(g.last, "local"));
    assert_false(strata_tls_session_matches_name(g.last, ""));
    assert_false(strata_tls_session_matches_name(g.last, NULL));
    assert_false(strata_tls_session_matches_name(NULL, "localhost"));

    /* Offered to the name it was made for, by DNS name or IP: resumed. */
    connect_once(cctx, sctx, g.last, NULL, 1);
    connect_once(cctx, sctx, g.last, "127.0.0.1", 1);

    /* A session whose certificate was never verified (the blind client):
     * the certificate carries the name, but a verifying connection does
     * not offer the session: full handshake. A blind one does. */
    connect_once(blind, sctx, NULL, NULL, 0);
    assert_non_null(gb.last);
    assert_true(strata_tls_session_matches_name(gb.last, "localhost"));
    connect_once(cctx, sctx, gb.last, NULL, 0);
    connect_once(blind, sctx, gb.last, NULL, 1);

    strata_tls_session_free(g.last);
    strata_tls_session_free(gb.last);
    strata_tls_ctx_free(blind);
    strata_tls_ctx_free(cctx);
    strata_tls_ctx_free(sctx);
}

/* A session made with another name's certificate is not offered: the
 * server holding its ticket key would be taken for the other name without
 * any certificate check. */
static void test_offer_other_name(void **state)
{
    (void)state;
    strata_tls_ctx *cctx = tu_client_ctx(), *sctx = tu_server_ctx("other.pem", "other.key");
    struct got g = {0, 0, NULL};
    strata_tls_ctx_set_new_session_callback(cctx, on_new_session, &g);
    connect_once(cctx, sctx, NULL, "other.example", 0);
    assert_true(strata_tls_session_matches_name(g.last, "other.example"));
    assert_false(strata_tls_session_matches_name(g.last, "localhost"));
    connect_once(cctx, sctx, g.last, "other.example", 1);
    /* To a connection that checks "localhost" it is not offered: the
     * handshake is a full one, and fails on the name as it should. */
    strata_tls_conn *c, *s;
    tu_pair(cctx, sctx, &c, &s);
    assert_ok(strata_tls_conn_set_session(c, g.last));
    assert_status(tu_handshake(c, s, NULL, 0), STRATA_E_CERT_HOSTNAME);
    assert_false(strata_tls_conn_session_reused(c));
    strata_tls_conn_free(c);
    strata_tls_conn_free(s);
    strata_tls_session_free(g.last);
    strata_tls_ctx_free(cctx);
    strata_tls_ctx_free(sctx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_new_session_tls13), cmocka_unit_test(test_new_session_tls12),
        cmocka_unit_test(test_pem_errors),        cmocka_unit_test(test_offer_checks),
        cmocka_unit_test(test_offer_other_name),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
