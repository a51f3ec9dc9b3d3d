/* tls: negotiated features in memory - ALPN, SNI with context switching,
 * key log, sessions and resumption, the info callback, renegotiation and key
 * update, OCSP stapling, groups, DH parameters, cipher lists, app data. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "testutil.h"
#include "tls_testcerts.h"
#include "strata/pki.h"

static void freeall(strata_tls_conn *c, strata_tls_conn *s, strata_tls_ctx *cctx,
                    strata_tls_ctx *sctx)
{
    strata_tls_conn_free(c);
    strata_tls_conn_free(s);
    strata_tls_ctx_free(cctx);
    strata_tls_ctx_free(sctx);
}

static void send_recv(strata_tls_conn *a, strata_tls_conn *b, const char *m)
{
    size_t sent, n;
    char buf[128];
    assert_ok(strata_tls_conn_sendall(a, m, strlen(m), &sent));
    tu_pump(a, b, 0);
    assert_ok(strata_tls_conn_recv(b, buf, sizeof(buf), &n));
    assert_int_equal(n, strlen(m));
    assert_memory_equal(buf, m, n);
    tu_pump(b, a, 0); /* whatever b answered (tickets, key updates) */
}

/* ---- ALPN -------------------------------------------------------------------------- */

static int pick_http11(strata_tls_conn *conn, const char *const *offered, size_t n, void *user)
{
    (void)conn;
    int *mode = user;
    if (*mode == 1)
        return -1;
    if (*mode == 2)
        return -2;
    for (size_t i = 0; i < n; i++)
        if (strcmp(offered[i], "http/1.1") == 0)
            return (int)i;
    return -1;
}

static void test_alpn(void **state)
{
    (void)state;
    for (int mode = 0; mode < 3; mode++) {
        strata_tls_ctx *cctx = tu_client_ctx(), *sctx = tu_server_ctx("leaf.pem", "leaf.key");
        const char *protos[] = {"h2", "http/1.1"};
        assert_ok(strata_tls_ctx_set_alpn_protos(cctx, protos, 2));
        strata_tls_ctx_set_alpn_select_callback(sctx, pick_http11, &mode);
        strata_tls_conn *c, *s;
        tu_pair(cctx, sctx, &c, &s);
        strata_status rs, rc = tu_handshake(c, s, &rs, 0);
        if (mode == 0) {
            assert_ok(rc);
            assert_string_equal(strata_tls_conn_alpn_selected(c), "http/1.1");
            assert_string_equal(strata_tls_conn_alpn_selected(s), "http/1.1");
        } else if (mode == 1) {
            assert_status(rs, STRATA_E_TLS);
            assert_status(rc, STRATA_E_TLS_ALERT);
            assert_string_equal(strata_error_message(strata_tls_conn_error(c)),
                                "handshake failed: the peer sent a fatal alert: "
                                "no_application_protocol (120)");
        } else {
            assert_ok(rc);
            assert_null(strata_tls_conn_alpn_selected(c));
        }
        freeall(c, s, cctx, sctx);
    }
    /* A connection's own list overrides the context's. */
    int mode = 0;
    strata_tls_ctx *cctx = tu_client_ctx(), *sctx = tu_server_ctx("leaf.pem", "leaf.key");
    strata_tls_ctx_set_alpn_select_callback(sctx, pick_http11, &mode);
    strata_tls_conn *c, *s;
    tu_pair(cctx, sctx, &c, &s);
    const char *mine[] = {"spdy/1", "http/1.1"};
    assert_ok(strata_tls_conn_set_alpn_protos(c, mine, 2));
    assert_ok(tu_handshake(c, s, NULL, 0));
    assert_string_equal(strata_tls_conn_alpn_selected(c), "http/1.1");
    assert_status(strata_tls_conn_set_alpn_protos(c, mine, 2), STRATA_E_STATE);
    freeall(c, s, cctx, sctx);
}

/* ---- SNI: the callback switches the connection to another context -------------------- */

struct sni {
    strata_tls_ctx *other;
    char seen[64];
};

static int on_sni(strata_tls_conn *conn, void *user)
{
    struct sni *x = user;
    const char *name = strata_tls_conn_get_servername(conn);
    snprintf(x->seen, sizeof(x->seen), "%s", name ? name : "(none)");
    if (name && strcmp(name, "other.example") == 0)
        return strata_tls_conn_set_context(conn, x->other) == STRATA_OK ? 0 : 1;
    if (name && strcmp(name, "refuse.example") == 0)
        return 1;
    return 0;
}

static void test_sni_switch(void **state)
{
    (void)state;
    struct sni x = {.other = tu_server_ctx("other.pem", "other.key")};
    strata_tls_ctx *cctx = tu_client_ctx(), *sctx = tu_server_ctx("leaf.pem", "leaf.key");
    strata_tls_ctx_set_servername_callback(sctx, on_sni, &x);
    strata_tls_conn *c, *s;
    assert_ok(strata_tls_conn_new(cctx, &c));
    assert_ok(strata_tls_conn_new(sctx, &s));
    assert_ok(strata_tls_conn_set_connect_state(c));
    assert_ok(strata_tls_conn_set_accept_state(s));
    assert_ok(strata_tls_conn_set_tlsext_host_name(c, "other.example"));
    assert_ok(tu_handshake(c, s, NULL, 0));
    assert_string_equal(x.seen, "other.example");
    assert_ptr_equal(strata_tls_conn_get_context(s), x.other);
    assert_string_equal(strata_tls_conn_get_servername(s), "other.example");
    send_recv(c, s, "switched");
    freeall(c, s, NULL, NULL);
    /* The callback refuses a name: unrecognized_name. */
    tu_pair(cctx, sctx, &c, &s);
    strata_tls_conn_free(c);
    assert_ok(strata_tls_conn_new(cctx, &c));
    assert_ok(strata_tls_conn_set_connect_state(c));
    assert_ok(strata_tls_conn_set_tlsext_host_name(c, "refuse.example"));
    strata_status rs, rc = tu_handshake(c, s, &rs, 0);
    assert_status(rc, STRATA_E_TLS_ALERT);
    assert_string_equal(strata_error_message(strata_tls_conn_error(c)),
                        "handshake failed: the peer sent a fatal alert: unrecognized_name (112)");
    freeall(c, s, cctx, sctx);
    strata_tls_ctx_free(x.other);
}

/* set_context from the SNI callback: the client is served the switched
 * context's certificate, not the one of the context the connection began on. */
static void test_set_context_certificate(void **state)
{
    (void)state;
    struct sni x = {.other = tu_server_ctx("other.pem", "other.key")};
    strata_tls_ctx *cctx = tu_client_ctx(), *sctx = tu_server_ctx("leaf.pem", "leaf.key");
    strata_tls_ctx_set_servername_callback(sctx, on_sni, &x);
    for (int sw = 0; sw <= 1; sw++) {
        const char *name = sw ? "other.example" : "localhost";
        strata_tls_conn *c, *s;
        assert_ok(strata_tls_conn_new(cctx, &c));
        assert_ok(strata_tls_conn_new(sctx, &s));
        assert_ok(strata_tls_conn_set_connect_state(c));
        assert_ok(strata_tls_conn_set_accept_state(s));
        assert_ok(strata_tls_conn_set_tlsext_host_name(c, name));
        assert_ok(tu_handshake(c, s, NULL, 0));
        assert_ptr_equal(strata_tls_conn_get_context(s), sw ? x.other : sctx);
        strata_x509 *peer = NULL;
        strata_x509_name *n = NULL;
        char *text = NULL;
        assert_ok(strata_tls_conn_get_peer_certificate(c, &peer));
        assert_ok(strata_x509_get_subject(peer, &n, NULL));
        assert_ok(strata_x509_name_oneline(n, &text, NULL));
        assert_string_equal(text, sw ? "/CN=other.example" : "/CN=localhost");
        strata_pki_free_string(text);
        strata_x509_name_free(n);
        strata_x509_free(peer);
        freeall(c, s, NULL, NULL);
    }
    freeall(NULL, NULL, cctx, sctx);
    strata_tls_ctx_free(x.other);
}

/* ---- key log ------------------------------------------------------------------------ */

struct keylog {
    int lines;
    int client_random, traffic;
};

static void on_keylog(const strata_tls_conn *conn, const char *line, void *user)
{
    (void)conn;
    struct keylog *k = user;
    k->lines++;
    if (strncmp(line, "CLIENT_RANDOM ", 14) == 0 && strlen(line) == 14 + 64 + 1 + 96)
        k->client_random++;
    if (strncmp(line, "CLIENT_TRAFFIC_SECRET_0 ", 24) == 0)
        k->traffic++;
}

static void test_keylog(void **state)
{
    (void)state;
    for (int v = 0; v < 2; v++) {
        struct keylog k = {0};
        strata_tls_ctx *cctx = tu_client_ctx(), *sctx = tu_server_ctx("leaf.pem", "leaf.key");
        strata_tls_ctx_set_keylog_callback(cctx, on_keylog, &k);
        if (v)
            assert_ok(strata_tls_ctx_set_max_version(cctx, STRATA_TLS_VERSION_TLS1_2));
        strata_tls_conn *c, *s;
        tu_pair(cctx, sctx, &c, &s);
        assert_ok(tu_handshake(c, s, NULL, 0));
        if (v) {
            assert_int_equal(k.lines, 1); /* SSLKEYLOGFILE: CLIENT_RANDOM <cr> <master> */
            assert_int_equal(k.client_random, 1);
        } else {
            assert_int_equal(k.lines, 5); /* 4 handshake/traffic secrets + exporter */
            assert_int_equal(k.traffic, 1);
        }
        freeall(c, s, cctx, sctx);
    }
}

/* ---- sessions ------------------------------------------------------------------------ */

static void resume(int version)
{
    strata_tls_ctx *cctx = tu_client_ctx(), *sctx = tu_server_ctx("leaf.pem", "leaf.key");
    static const uint8_t sid[] = "strata-test";
    assert_ok(strata_tls_ctx_set_session_id(sctx, sid, sizeof(sid) - 1));
    if (version)
        assert_ok(strata_tls_ctx_set_max_version(cctx, version));
    strata_tls_conn *c, *s;
    tu_pair(cctx, sctx, &c, &s);
    assert_ok(tu_handshake(c, s, NULL, 0));
    send_recv(s, c, "ticket comes first"); /* TLS 1.3 tickets arrive after the handshake */
    assert_false(strata_tls_conn_session_reused(c));
    strata_tls_session *sess = NULL, *back = NULL;
    assert_ok(strata_tls_conn_get_session(c, &sess));
    assert_non_null(sess);
    assert_true(strata_tls_session_is_resumable(sess));
    uint8_t *der;
    size_t n;
    assert_ok(strata_tls_session_to_der(sess, &der, &n));
    assert_ok(strata_tls_session_from_der(der, n, &back));
    strata_tls_session *bad = NULL;
    assert_status(strata_tls_session_from_der(der, n - 1, &bad), STRATA_E_FORMAT);
    assert_null(bad);
    strata_free_secret(der, n);
    strata_tls_conn_free(c);
    strata_tls_conn_free(s);
    tu_pair(cctx, sctx, &c, &s);
    assert_ok(strata_tls_conn_set_session(c, back));
    assert_ok(tu_handshake(c, s, NULL, 0));
    assert_true(strata_tls_conn_session_reused(c));
    assert_true(strata_tls_conn_session_reused(s));
    assert_status(strata_tls_conn_set_session(c, back), STRATA_E_STATE);
    strata_tls_session_free(sess);
    strata_tls_session_free(back);
    freeall(c, s, cctx, sctx);
}

static void test_resumption_tls13(void **state)
{
    (void)state;
    resume(0);
}

static void test_resumption_tls12(void **state)
{
    (void)state;
    resume(STRATA_TLS_VERSION_TLS1_2);
}

static void test_no_ticket_option(void **state)
{
    (void)state;
    strata_tls_ctx *cctx = tu_client_ctx(), *sctx = tu_server_ctx("leaf.pem", "leaf.key");
    assert_ok(strata_tls_ctx_set_options(sctx, STRATA_TLS_OP_NO_TICKET, NULL));
    assert_ok(strata_tls_ctx_set_max_version(cctx, STRATA_TLS_VERSION_TLS1_2));
    assert_int_equal(strata_tls_ctx_set_session_cache_mode(sctx, STRATA_TLS_SESS_CACHE_SERVER),
                     STRATA_TLS_SESS_CACHE_SERVER);
    assert_int_equal(strata_tls_ctx_get_session_cache_mode(sctx), STRATA_TLS_SESS_CACHE_SERVER);
    strata_tls_conn *c, *s;
    tu_pair(cctx, sctx, &c, &s);
    assert_ok(tu_handshake(c, s, NULL, 0));
    strata_tls_session *sess;
    assert_ok(strata_tls_conn_get_session(c, &sess));
    assert_false(strata_tls_session_has_ticket(sess)); /* session id, not a ticket */
    strata_tls_session_free(sess);
    freeall(c, s, cctx, sctx);
}

/* ---- info callback ------------------------------------------------------------------- */

struct info {
    int start, done, alerts;
};

static void on_info(const strata_tls_conn *conn, int where, int ret, void *user)
{
    (void)conn;
    (void)ret;
    struct info *i = user;
    if (where & STRATA_TLS_CB_HANDSHAKE_START)
        i->start++;
    if (where & STRATA_TLS_CB_HANDSHAKE_DONE)
        i->done++;
    if (where & STRATA_TLS_CB_ALERT)
        i->alerts++;
}

static void test_info_callback(void **state)
{
    (void)state;
    struct info i = {0};
    strata_tls_ctx *cctx = tu_client_ctx(), *sctx = tu_server_ctx("leaf.pem", "leaf.key");
    strata_tls_ctx_set_info_callback(cctx, on_info, &i);
    strata_tls_conn *c, *s;
    tu_pair(cctx, sctx, &c, &s);
    assert_ok(tu_handshake(c, s, NULL, 0));
    assert_int_equal(i.start, 1);
    assert_int_equal(i.done, 1);
    int complete;
    assert_ok(strata_tls_conn_shutdown(c, &complete));
    assert_int_equal(i.alerts, 1); /* close_notify written */
    freeall(c, s, cctx, sctx);
}

/* ---- renegotiation (TLS 1.2) and key update (TLS 1.3) ----------------------------- */

static void test_renegotiate(void **state)
{
    (void)state;
    strata_tls_ctx *cctx = tu_client_ctx(), *sctx = tu_server_ctx("leaf.pem", "leaf.key");
    assert_ok(strata_tls_ctx_set_max_version(sctx, STRATA_TLS_VERSION_TLS1_2));
    strata_tls_conn *c, *s;
    tu_pair(cctx, sctx, &c, &s);
    assert_ok(tu_handshake(c, s, NULL, 0));
    assert_ok(strata_tls_conn_renegotiate(s));
    assert_true(strata_tls_conn_renegotiate_pending(s));
    /* The server's HelloRequest goes out with handshake(); the new handshake
     * then runs inside both sides' recv calls. */
    assert_ok(strata_tls_conn_handshake(s));
    for (int i = 0; i < 10 && strata_tls_conn_renegotiate_pending(s); i++) {
        char buf[8];
        size_t n;
        tu_pump(s, c, 0);
        assert_status(strata_tls_conn_recv(c, buf, sizeof(buf), &n), STRATA_WANT_READ);
        tu_pump(c, s, 0);
        assert_status(strata_tls_conn_recv(s, buf, sizeof(buf), &n), STRATA_WANT_READ);
    }
    assert_false(strata_tls_conn_renegotiate_pending(s));
    assert_int_equal(strata_tls_conn_total_renegotiations(s), 1);
    send_recv(c, s, "after renegotiation");
    send_recv(s, c, "both ways");
    assert_status(strata_tls_conn_key_update(c, 1), STRATA_E_STATE);
    freeall(c, s, cctx, sctx);
}

static void test_key_update(void **state)
{
    (void)state;
    strata_tls_ctx *cctx = tu_client_ctx(), *sctx = tu_server_ctx("leaf.pem", "leaf.key");
    strata_tls_conn *c, *s;
    tu_pair(cctx, sctx, &c, &s);
    assert_ok(tu_handshake(c, s, NULL, 0));
    send_recv(s, c, "first");
    assert_int_equal(strata_tls_conn_bio_pending(c), 0);
    assert_ok(strata_tls_conn_key_update(c, 1));
    assert_true(strata_tls_conn_bio_pending(c) > 0); /* the KeyUpdate message, sent now */
    send_recv(c, s, "after our update");             /* the server answers with its own */
    send_recv(s, c, "after the peer's update");
    assert_status(strata_tls_conn_renegotiate(c), STRATA_E_STATE);
    assert_string_equal(strata_error_message(strata_tls_conn_error(c)),
                        "TLS 1.3 has no renegotiation: use strata_tls_conn_key_update");
    freeall(c, s, cctx, sctx);
}

/* ---- OCSP stapling ------------------------------------------------------------------- */

static int ocsp_server(strata_tls_conn *conn, uint8_t **resp, size_t *len, void *user)
{
    (void)conn;
    (void)user;
    *resp = malloc(4);
    memcpy(*resp, "OCSP", 4);
    *len = 4;
    return 0;
}

struct ocsp_seen {
    int calls;
    size_t len;
    uint8_t data[8];
    int verdict;
};

static int ocsp_client(strata_tls_conn *conn, const uint8_t *resp, size_t len, void *user)
{
    (void)conn;
    struct ocsp_seen *o = user;
    o->calls++;
    o->len = len;
    if (len <= sizeof(o->data) && resp)
        memcpy(o->data, resp, len);
    return o->verdict;
}

static void test_ocsp(void **state)
{
    (void)state;
    for (int verdict = 1; verdict >= 0; verdict--) {
        struct ocsp_seen o = {.verdict = verdict};
        strata_tls_ctx *cctx = tu_client_ctx(), *sctx = tu_server_ctx("leaf.pem", "leaf.key");
        strata_tls_ctx_set_ocsp_server_callback(sctx, ocsp_server, NULL);
        assert_ok(strata_tls_ctx_set_ocsp_client_callback(cctx, ocsp_client, &o));
        strata_tls_conn *c, *s;
        tu_pair(cctx, sctx, &c, &s);
        strata_status rc = tu_handshake(c, s, NULL, 0);
        assert_int_equal(o.calls, 1);
        assert_int_equal(o.len, 4);
        assert_memory_equal(o.data, "OCSP", 4);
        if (verdict)
            assert_ok(rc);
        else
            assert_status(rc, STRATA_E_TLS);
        freeall(c, s, cctx, sctx);
    }
}

/* ---- groups, DH, cipher lists --------------------------------------------------------- */

static void test_groups(void **state)
{
    (void)state;
    const char *groups[] = {"X25519", "P-256", "ffdhe2048"};
    const char *want[] = {"x25519", "secp256r1", "ffdhe2048"};
    for (int i = 0; i < 3; i++) {
        strata_tls_ctx *cctx = tu_client_ctx(), *sctx = tu_server_ctx("leaf.pem", "leaf.key");
        assert_ok(strata_tls_ctx_set_groups(cctx, groups[i]));
        strata_tls_conn *c, *s;
        tu_pair(cctx, sctx, &c, &s);
        assert_ok(tu_handshake(c, s, NULL, 0));
        assert_string_equal(strata_tls_conn_group_name(c), want[i]);
        freeall(c, s, cctx, sctx);
    }
}

static void test_tmp_dh_and_ciphers(void **state)
{
    (void)state;
    /* ffdhe2048 parameters (RFC 7919) as PEM "DH PARAMETERS". */
    const char *dir = tu_tmpdir();
    EVP_PKEY_CTX *pc = EVP_PKEY_CTX_new_from_name(NULL, "DH", NULL);
    EVP_PKEY *params = NULL;
    assert_non_null(pc);
    assert_int_equal(EVP_PKEY_paramgen_init(pc), 1);
    OSSL_PARAM p[] = {OSSL_PARAM_utf8_string("group", (char *)"ffdhe2048", 0), OSSL_PARAM_END};
    assert_int_equal(EVP_PKEY_CTX_set_params(pc, p), 1);
    assert_int_equal(EVP_PKEY_paramgen(pc, &params), 1);
    BIO *b = BIO_new_file(tu_path(dir, "dh.pem"), "w");
    assert_true(PEM_write_bio_Parameters(b, params));
    BIO_free(b);
    EVP_PKEY_free(params);
    EVP_PKEY_CTX_free(pc);

    /* Without DH parameters a server has no DHE suite to offer. */
    strata_tls_ctx *cctx = tu_client_ctx(), *sctx = tu_server_ctx("rsa.pem", "rsa.key");
    strata_tls_conn *c, *s;
    assert_ok(strata_tls_ctx_set_max_version(cctx, STRATA_TLS_VERSION_TLS1_2));
    assert_ok(strata_tls_ctx_set_cipher_list(cctx, "DHE-RSA-AES128-GCM-SHA256"));
    tu_pair(cctx, sctx, &c, &s);
    strata_status rs;
    assert_true(strata_status_is_error(tu_handshake(c, s, &rs, 0)));
    assert_true(strata_status_is_error(rs));
    freeall(c, s, cctx, sctx);

    cctx = tu_client_ctx();
    sctx = tu_server_ctx("rsa.pem", "rsa.key");
    assert_ok(strata_tls_ctx_load_tmp_dh(sctx, tu_path(dir, "dh.pem")));
    assert_status(strata_tls_ctx_load_tmp_dh(sctx, tu_path(tu_pki(), "ca.pem")), STRATA_E_FORMAT);
    assert_ok(strata_tls_ctx_set_max_version(cctx, STRATA_TLS_VERSION_TLS1_2));
    assert_ok(strata_tls_ctx_set_cipher_list(cctx, "DHE-RSA-AES128-GCM-SHA256"));
    tu_pair(cctx, sctx, &c, &s);
    assert_ok(tu_handshake(c, s, NULL, 0));
    assert_string_equal(strata_tls_conn_cipher_name(c), "DHE-RSA-AES128-GCM-SHA256");
    const char **list;
    assert_ok(strata_tls_conn_get_cipher_list(c, &list));
    assert_non_null(list[0]);
    int found = 0;
    for (size_t i = 0; list[i]; i++)
        found |= strcmp(list[i], "DHE-RSA-AES128-GCM-SHA256") == 0;
    assert_true(found);
    free(list);
    freeall(c, s, cctx, sctx);

    cctx = tu_client_ctx();
    sctx = tu_server_ctx("leaf.pem", "leaf.key");
    assert_ok(strata_tls_ctx_set_ciphersuites(cctx, "TLS_CHACHA20_POLY1305_SHA256"));
    tu_pair(cctx, sctx, &c, &s);
    assert_ok(tu_handshake(c, s, NULL, 0));
    assert_string_equal(strata_tls_conn_cipher_name(s), "TLS_CHACHA20_POLY1305_SHA256");
    assert_int_equal(strata_tls_conn_cipher_bits(s), 256);
    freeall(c, s, cctx, sctx);
}

/* ---- small getters --------------------------------------------------------------------- */

/* set_session_id: a server that asks for client certificates resumes a
 * session only under a session id context; without one it refuses the
 * resumption attempt with a fatal alert (OpenSSL: "session id context
 * uninitialized"). TLS 1.2 (ticket) and TLS 1.3 (PSK). The session crosses
 * as DER: a connection freed without close_notify marks its live session
 * not resumable. */
static void resume_with_client_cert(int version, int with_sid, int *reused, strata_status *rc,
                                    char *srv_msg, size_t cap)
{
    strata_tls_ctx *cctx = tu_client_ctx(), *sctx = tu_server_ctx("leaf.pem", "leaf.key");
    static const uint8_t sid[] = "strata-test";
    if (with_sid)
        assert_ok(strata_tls_ctx_set_session_id(sctx, sid, sizeof(sid) - 1));
    assert_ok(strata_tls_ctx_set_verify(sctx, STRATA_TLS_VERIFY_PEER, NULL, NULL));
    assert_ok(strata_tls_ctx_load_verify_locations(sctx, tu_path(tu_pki(), "ca.pem"), NULL));
    assert_ok(strata_tls_ctx_use_certificate_file(cctx, tu_path(tu_pki(), "client.pem"),
                                                  STRATA_TLS_FILETYPE_PEM));
    assert_ok(strata_tls_ctx_use_privatekey_file(cctx, tu_path(tu_pki(), "client.key"),
                                                 STRATA_TLS_FILETYPE_PEM));
    if (version)
        assert_ok(strata_tls_ctx_set_max_version(cctx, version));
    strata_tls_conn *c, *s;
    tu_pair(cctx, sctx, &c, &s);
    assert_ok(tu_handshake(c, s, NULL, 0));
    send_recv(s, c, "ticket comes first");
    strata_tls_session *sess = NULL, *back = NULL;
    assert_ok(strata_tls_conn_get_session(c, &sess));
    uint8_t *der;
    size_t n;
    assert_ok(strata_tls_session_to_der(sess, &der, &n));
    assert_ok(strata_tls_session_from_der(der, n, &back));
    strata_free_secret(der, n);
    strata_tls_conn_free(c);
    strata_tls_conn_free(s);
    tu_pair(cctx, sctx, &c, &s);
    assert_ok(strata_tls_conn_set_session(c, back));
    strata_status rs;
    *rc = tu_handshake(c, s, &rs, 0);
    *reused = strata_tls_conn_session_reused(c);
    char buf[1024];
    snprintf(srv_msg, cap, "%s", strata_error_format(strata_tls_conn_error(s), buf, sizeof(buf)));
    strata_tls_session_free(sess);
    strata_tls_session_free(back);
    freeall(c, s, cctx, sctx);
}

static void test_session_id_context(void **state)
{
    (void)state;
    static const int versions[] = {STRATA_TLS_VERSION_TLS1_2, STRATA_TLS_VERSION_TLS1_3};
    for (size_t i = 0; i < 2; i++) {
        int reused = -1;
        strata_status rc;
        char srv[1024];
        resume_with_client_cert(versions[i], 1, &reused, &rc, srv, sizeof(srv));
        assert_ok(rc);
        assert_true(reused);
        resume_with_client_cert(versions[i], 0, &reused, &rc, srv, sizeof(srv));
        assert_status(rc, STRATA_E_TLS_ALERT);
        assert_false(reused);
        if (!strstr(srv, "session id context uninitialized"))
            fail_msg("server: %s", srv);
    }
}

static void test_app_data_and_state(void **state)
{
    (void)state;
    strata_tls_ctx *cctx = tu_client_ctx(), *sctx = tu_server_ctx("leaf.pem", "leaf.key");
    strata_tls_conn *c, *s;
    tu_pair(cctx, sctx, &c, &s);
    int tag;
    strata_tls_conn_set_app_data(c, &tag);
    assert_ptr_equal(strata_tls_conn_get_app_data(c), &tag);
    assert_string_equal(strata_tls_conn_state_string(c), "before SSL initialization");
    assert_false(strata_tls_conn_want_read(c)); /* nothing attempted yet */
    assert_false(strata_tls_conn_want_write(c));
    assert_status(strata_tls_conn_handshake(c), STRATA_WANT_READ);
    assert_true(strata_tls_conn_want_read(c));
    assert_true(strata_tls_conn_want_write(c)); /* the ClientHello waits in the buffer */
    assert_true(strata_tls_conn_bio_pending(c) > 0);
    tu_pump(c, s, 0);
    assert_false(strata_tls_conn_want_write(c)); /* drained; still waiting to read */
    assert_true(strata_tls_conn_want_read(c));
    assert_ok(tu_handshake(c, s, NULL, 0));
    assert_false(strata_tls_conn_want_read(c)); /* done: wants nothing */
    assert_false(strata_tls_conn_want_write(c));
    assert_false(strata_tls_conn_want_read(s));
    assert_false(strata_tls_conn_want_write(s));
    size_t sent, n;
    char buf[4];
    /* recv with nothing from the peer: WantReadError from an I/O call. */
    assert_status(strata_tls_conn_recv(c, buf, 4, &n), STRATA_WANT_READ);
    assert_true(strata_tls_conn_want_read(c));
    assert_ok(strata_tls_conn_send(s, "0123456789", 10, &sent));
    tu_pump(s, c, 0);
    assert_ok(strata_tls_conn_peek(c, buf, 4, &n));
    assert_memory_equal(buf, "0123", 4);
    assert_ok(strata_tls_conn_recv(c, buf, 4, &n));
    assert_memory_equal(buf, "0123", 4);
    assert_int_equal(strata_tls_conn_pending(c), 6);
    strata_tls_conn_set_shutdown(c, STRATA_TLS_RECEIVED_SHUTDOWN);
    assert_int_equal(strata_tls_conn_get_shutdown(c), STRATA_TLS_RECEIVED_SHUTDOWN);
    freeall(c, s, cctx, sctx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_alpn),
        cmocka_unit_test(test_sni_switch),
        cmocka_unit_test(test_set_context_certificate),
        cmocka_unit_test(test_keylog),
        cmocka_unit_test(test_resumption_tls13),
        cmocka_unit_test(test_resumption_tls12),
        cmocka_unit_test(test_no_ticket_option),
        cmocka_unit_test(test_info_callback),
        cmocka_unit_test(test_renegotiate),
        cmocka_unit_test(test_key_update),
        cmocka_unit_test(test_ocsp),
        cmocka_unit_test(test_groups),
        cmocka_unit_test(test_tmp_dh_and_ciphers),
        cmocka_unit_test(test_app_data_and_state),
        cmocka_unit_test(test_session_id_context),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
