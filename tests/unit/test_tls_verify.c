/* tls: certificate and host name verification in memory - each refusal has
 * its own status and a message naming the certificate and the reason. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/pem.h>

#include "testutil.h"
#include "tls_testcerts.h"
#include "strata/pki.h"

struct run {
    strata_tls_ctx *cctx, *sctx;
    strata_tls_conn *c, *s;
    strata_status rc, rs;
};

static void start(struct run *r, const char *cert, const char *key)
{
    r->cctx = tu_client_ctx();
    r->sctx = tu_server_ctx(cert, key);
}

static void go(struct run *r, const char *sni)
{
    assert_ok(strata_tls_conn_new(r->cctx, &r->c));
    assert_ok(strata_tls_conn_new(r->sctx, &r->s));
    assert_ok(strata_tls_conn_set_connect_state(r->c));
    assert_ok(strata_tls_conn_set_accept_state(r->s));
    if (sni)
        assert_ok(strata_tls_conn_set_tlsext_host_name(r->c, sni));
}

static void finish(struct run *r)
{
    r->rc = tu_handshake(r->c, r->s, &r->rs, 0);
}

static void done(struct run *r)
{
    strata_tls_conn_free(r->c);
    strata_tls_conn_free(r->s);
    strata_tls_ctx_free(r->cctx);
    strata_tls_ctx_free(r->sctx);
}

static const char *msg(const strata_tls_conn *c)
{
    return strata_error_message(strata_tls_conn_error(c));
}

static void test_name_mismatch(void **state)
{
    (void)state;
    struct run r;
    start(&r, "other.pem", "other.key");
    go(&r, "localhost");
    finish(&r);
    assert_status(r.rc, STRATA_E_CERT_HOSTNAME);
    assert_string_equal(msg(r.c), "certificate name mismatch: expected 'localhost', certificate "
                                  "has DNS:other.example");
    /* The server sees the client's alert. */
    assert_status(r.rs, STRATA_E_TLS_ALERT);
    assert_string_equal(msg(r.s), "handshake failed: the peer sent a fatal alert: bad_certificate "
                                  "(42)");
    /* Sticky: the next call reports the same failure. */
    size_t n;
    char buf[4];
    assert_status(strata_tls_conn_recv(r.c, buf, sizeof(buf), &n), STRATA_E_CERT_HOSTNAME);
    done(&r);
}

static void test_ip_names(void **state)
{
    (void)state;
    struct run r;
    start(&r, "leaf.pem", "leaf.key");
    go(&r, "127.0.0.1");
    finish(&r);
    assert_ok(r.rc);
    assert_ok(r.rs);
    assert_null(strata_tls_conn_get_servername(r.s)); /* no IP in SNI (RFC 6066 §3) */
    done(&r);
    start(&r, "leaf.pem", "leaf.key");
    go(&r, NULL);
    assert_ok(strata_tls_conn_set_verify_name(r.c, "127.0.0.2"));
    finish(&r);
    assert_status(r.rc, STRATA_E_CERT_HOSTNAME);
    assert_string_equal(msg(r.c), "certificate name mismatch: expected '127.0.0.2', certificate "
                                  "has DNS:localhost, IP:127.0.0.1");
    done(&r);
}

/* The verify name overrides the SNI name. */
static void test_verify_name_overrides_sni(void **state)
{
    (void)state;
    struct run r;
    start(&r, "other.pem", "other.key");
    go(&r, "localhost");
    assert_ok(strata_tls_conn_set_verify_name(r.c, "other.example"));
    finish(&r);
    assert_ok(r.rc);
    assert_string_equal(strata_tls_conn_get_servername(r.s), "localhost");
    done(&r);
}

static void test_expired(void **state)
{
    (void)state;
    struct run r;
    start(&r, "expired.pem", "expired.key");
    go(&r, "localhost");
    finish(&r);
    assert_status(r.rc, STRATA_E_CERT_EXPIRED);
    assert_non_null(strstr(msg(r.c), "certificate at depth 0 (/CN=localhost) has expired "
                                     "(notAfter "));
    done(&r);
}

static void test_self_signed(void **state)
{
    (void)state;
    struct run r;
    start(&r, "self.pem", "self.key");
    go(&r, "localhost");
    finish(&r);
    assert_status(r.rc, STRATA_E_CERT_UNTRUSTED);
    assert_string_equal(msg(r.c), "certificate verify failed at depth 0 (/CN=localhost): self-"
                                  "signed certificate");
    done(&r);
}

/* No trust anchor at all: unknown issuer. */
static void test_unknown_issuer(void **state)
{
    (void)state;
    struct run r;
    assert_ok(strata_tls_ctx_new(STRATA_TLS_METHOD_TLS, &r.cctx));
    r.sctx = tu_server_ctx("leaf.pem", "leaf.key");
    go(&r, "localhost");
    finish(&r);
    assert_status(r.rc, STRATA_E_CERT_UNTRUSTED);
    assert_string_equal(msg(r.c), "certificate verify failed at depth 0 (/CN=localhost): unable "
                                  "to get local issuer certificate");
    assert_int_equal(strata_tls_conn_verify_result(r.c), 20);
    done(&r);
}

/* Secure by default: a verifying client with no name refuses to start. */
static void test_no_name_refused(void **state)
{
    (void)state;
    struct run r;
    start(&r, "leaf.pem", "leaf.key");
    go(&r, NULL);
    assert_status(strata_tls_conn_handshake(r.c), STRATA_E_STATE);
    assert_non_null(strstr(msg(r.c), "no name to check the server's certificate against"));
    done(&r);
    /* Saying so in so many words skips the name check, not the chain check. */
    start(&r, "other.pem", "other.key");
    go(&r, NULL);
    assert_ok(strata_tls_conn_set_verify_name(r.c, NULL));
    finish(&r);
    assert_ok(r.rc);
    done(&r);
    start(&r, "self.pem", "self.key");
    go(&r, NULL);
    assert_ok(strata_tls_conn_set_verify_name(r.c, NULL));
    finish(&r);
    assert_status(r.rc, STRATA_E_CERT_UNTRUSTED);
    done(&r);
    /* Host name checking off on the context. */
    start(&r, "other.pem", "other.key");
    assert_ok(strata_tls_ctx_set_check_hostname(r.cctx, 0));
    go(&r, "localhost");
    finish(&r);
    assert_ok(r.rc);
    done(&r);
}

static void test_verify_none(void **state)
{
    (void)state;
    struct run r;
    start(&r, "self.pem", "self.key");
    assert_int_equal(strata_tls_ctx_get_verify_mode(r.cctx), STRATA_TLS_VERIFY_DEFAULT);
    assert_ok(strata_tls_ctx_set_verify(r.cctx, STRATA_TLS_VERIFY_NONE, NULL, NULL));
    assert_int_equal(strata_tls_ctx_get_verify_mode(r.cctx), STRATA_TLS_VERIFY_NONE);
    go(&r, NULL); /* no name needed when nothing is verified */
    finish(&r);
    assert_ok(r.rc);
    assert_int_equal(strata_tls_conn_verify_result(r.c), 18); /* self-signed, ignored */
    done(&r);
}

static void test_verify_mode_bits(void **state)
{
    (void)state;
    strata_tls_ctx *ctx;
    assert_ok(strata_tls_ctx_new(STRATA_TLS_METHOD_TLS, &ctx));
    assert_status(
        strata_tls_ctx_set_verify(ctx, STRATA_TLS_VERIFY_FAIL_IF_NO_PEER_CERT, NULL, NULL),
        STRATA_E_USAGE);
    assert_string_equal(strata_error_message(strata_tls_ctx_error(ctx)),
                        "VERIFY_FAIL_IF_NO_PEER_CERT and VERIFY_CLIENT_ONCE need VERIFY_PEER");
    assert_status(strata_tls_ctx_set_verify(ctx, 0x40, NULL, NULL), STRATA_E_USAGE);
    assert_ok(strata_tls_ctx_set_verify_depth(ctx, 3));
    assert_int_equal(strata_tls_ctx_get_verify_depth(ctx), 3);
    strata_tls_ctx_free(ctx);
}

/* Client certificates: required and missing, then given. */
static void test_client_certificates(void **state)
{
    (void)state;
    struct run r;
    start(&r, "leaf.pem", "leaf.key");
    assert_ok(strata_tls_ctx_set_verify(
        r.sctx, STRATA_TLS_VERIFY_PEER | STRATA_TLS_VERIFY_FAIL_IF_NO_PEER_CERT, NULL, NULL));
    assert_ok(strata_tls_ctx_load_verify_locations(r.sctx, tu_path(tu_pki(), "ca.pem"), NULL));
    assert_ok(strata_tls_ctx_load_client_ca(r.sctx, tu_path(tu_pki(), "ca.pem")));
    go(&r, "localhost");
    finish(&r);
    assert_status(r.rs, STRATA_E_TLS_CERT_NONE);
    assert_string_equal(msg(r.s), "the peer sent no certificate, and one is required");
    /* TLS 1.3: the client learns it from the alert after its own Finished. */
    size_t n;
    char buf[4];
    assert_status(strata_tls_conn_recv(r.c, buf, sizeof(buf), &n), STRATA_E_TLS_ALERT);
    assert_string_equal(msg(r.c), "recv failed: the peer sent a fatal alert: certificate_required "
                                  "(116)");
    strata_tls_conn_free(r.c);
    strata_tls_conn_free(r.s);
    strata_tls_ctx_free(r.cctx);
    r.cctx = tu_client_ctx();
    assert_ok(strata_tls_ctx_use_certificate_file(r.cctx, tu_path(tu_pki(), "client.pem"),
                                                  STRATA_TLS_FILETYPE_PEM));
    assert_ok(strata_tls_ctx_use_privatekey_file(r.cctx, tu_path(tu_pki(), "client.key"),
                                                 STRATA_TLS_FILETYPE_PEM));
    assert_ok(strata_tls_ctx_check_privatekey(r.cctx));
    go(&r, "localhost");
    finish(&r);
    assert_ok(r.rc);
    assert_ok(r.rs);
    assert_int_equal(strata_tls_conn_verify_result(r.s), 0);
    done(&r);
}

/* A client certificate from an unknown issuer is refused by the server. */
static void test_client_cert_untrusted(void **state)
{
    (void)state;
    struct run r;
    start(&r, "leaf.pem", "leaf.key");
    assert_ok(strata_tls_ctx_set_verify(r.sctx, STRATA_TLS_VERIFY_PEER, NULL, NULL));
    assert_ok(strata_tls_ctx_load_verify_locations(r.sctx, tu_path(tu_pki(), "ca.pem"), NULL));
    assert_ok(strata_tls_ctx_use_certificate_file(r.cctx, tu_path(tu_pki(), "self.pem"),
                                                  STRATA_TLS_FILETYPE_PEM));
    assert_ok(strata_tls_ctx_use_privatekey_file(r.cctx, tu_path(tu_pki(), "self.key"),
                                                 STRATA_TLS_FILETYPE_PEM));
    go(&r, "localhost");
    finish(&r);
    assert_status(r.rs, STRATA_E_CERT_UNTRUSTED);
    assert_string_equal(msg(r.s), "certificate verify failed at depth 0 (/CN=localhost): self-"
                                  "signed certificate");
    done(&r);
}

static char *subject_of(const strata_x509 *x)
{
    strata_x509_name *n = NULL;
    char *s = NULL;
    assert_ok(strata_x509_get_subject(x, &n, NULL));
    assert_ok(strata_x509_name_oneline(n, &s, NULL));
    strata_x509_name_free(n);
    return s;
}

static void copy_file(const char *from, const char *to)
{
    FILE *in = fopen(from, "rb"), *out = fopen(to, "wb");
    assert_non_null(in);
    assert_non_null(out);
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof(buf), in)) > 0)
        assert_int_equal(fwrite(buf, 1, n, out), n);
    fclose(in);
    assert_int_equal(fclose(out), 0);
}

/* load_verify_locations with a c_rehash'd directory: the CA named
 * <subject_hash>.0 is found; under another name it is not. */
static void test_verify_capath(void **state)
{
    (void)state;
    const char *ca = tu_path(tu_pki(), "ca.pem");
    strata_x509 *x = NULL;
    unsigned long h = 0;
    assert_ok(strata_x509_load_file(ca, STRATA_PKI_PEM, &x, NULL));
    assert_ok(strata_x509_subject_name_hash(x, &h, NULL));
    strata_x509_free(x);
    char hashed[64], dir[256], unhashed[256];
    snprintf(hashed, sizeof(hashed), "%08lx.0", h);
    snprintf(dir, sizeof(dir), "%s", tu_tmpdir());
    copy_file(ca, tu_path(dir, hashed));
    snprintf(unhashed, sizeof(unhashed), "%s", tu_tmpdir());
    copy_file(ca, tu_path(unhashed, "ca.pem"));

    struct run r;
    assert_ok(strata_tls_ctx_new(STRATA_TLS_METHOD_TLS, &r.cctx));
    assert_ok(strata_tls_ctx_load_verify_locations(r.cctx, NULL, dir));
    r.sctx = tu_server_ctx("leaf.pem", "leaf.key");
    go(&r, "localhost");
    finish(&r);
    assert_ok(r.rc);
    assert_ok(r.rs);
    assert_int_equal(strata_tls_conn_verify_result(r.c), 0);
    done(&r);

    assert_ok(strata_tls_ctx_new(STRATA_TLS_METHOD_TLS, &r.cctx));
    assert_ok(strata_tls_ctx_load_verify_locations(r.cctx, NULL, unhashed));
    r.sctx = tu_server_ctx("leaf.pem", "leaf.key");
    go(&r, "localhost");
    finish(&r);
    assert_status(r.rc, STRATA_E_CERT_UNTRUSTED);
    assert_int_equal(strata_tls_conn_verify_result(r.c), 20);
    done(&r);
}

/* use_certificate_chain_file: leaf + intermediate in one file; a client that
 * trusts only the root verifies through the intermediate. */
/* root.pem, and a leaf ("localhost") under an intermediate: chain.pem
 * (leaf + intermediate), leafonly.pem, leaf.key, all in dir. */
static void make_chain(char *dir, size_t cap)
{
    const long day = 86400;
    snprintf(dir, cap, "%s", tu_tmpdir());
    EVP_PKEY *rk = tu_key("ec"), *ik = tu_key("ec"), *lk = tu_key("ec");
    X509 *root = tu_cert(rk, "chain root", NULL, NULL, NULL, 1, -day, day);
    X509 *inter = tu_cert(ik, "chain intermediate", NULL, root, rk, 1, -day, day);
    X509 *leaf = tu_cert(lk, "localhost", "DNS:localhost", inter, ik, 0, -day, day);
    tu_write(tu_path(dir, "root.pem"), root, NULL, 0);
    tu_write(tu_path(dir, "leaf.key"), NULL, lk, 0);
    tu_write(tu_path(dir, "leafonly.pem"), leaf, NULL, 0);
    FILE *f = fopen(tu_path(dir, "chain.pem"), "w");
    assert_non_null(f);
    assert_int_equal(PEM_write_X509(f, leaf), 1);
    assert_int_equal(PEM_write_X509(f, inter), 1);
    assert_int_equal(fclose(f), 0);
    X509_free(root);
    X509_free(inter);
    X509_free(leaf);
    EVP_PKEY_free(rk);
    EVP_PKEY_free(ik);
    EVP_PKEY_free(lk);
}

static void test_certificate_chain_file(void **state)
{
    (void)state;
    char dir[256];
    make_chain(dir, sizeof(dir));
    for (int with_chain = 1; with_chain >= 0; with_chain--) {
        struct run r;
        assert_ok(strata_tls_ctx_new(STRATA_TLS_METHOD_TLS, &r.cctx));
        assert_ok(strata_tls_ctx_load_verify_locations(r.cctx, tu_path(dir, "root.pem"), NULL));
        assert_ok(strata_tls_ctx_new(STRATA_TLS_METHOD_TLS, &r.sctx));
        if (with_chain)
            assert_ok(strata_tls_ctx_use_certificate_chain_file(r.sctx, tu_path(dir, "chain.pem")));
        else
            assert_ok(strata_tls_ctx_use_certificate_file(r.sctx, tu_path(dir, "leafonly.pem"),
                                                          STRATA_TLS_FILETYPE_PEM));
        assert_ok(strata_tls_ctx_use_privatekey_file(r.sctx, tu_path(dir, "leaf.key"),
                                                     STRATA_TLS_FILETYPE_PEM));
        assert_ok(strata_tls_ctx_check_privatekey(r.sctx));
        go(&r, "localhost");
        finish(&r);
        if (!with_chain) {
            assert_status(r.rc, STRATA_E_CERT_UNTRUSTED);
            done(&r);
            continue;
        }
        assert_ok(r.rc);
        assert_ok(r.rs);
        strata_x509 **chain = NULL;
        size_t n = 0;
        assert_ok(strata_tls_conn_get_peer_cert_chain(r.c, &chain, &n));
        assert_int_equal(n, 2); /* the intermediate was sent */
        char *t = subject_of(chain[1]);
        assert_string_equal(t, "/CN=chain intermediate");
        strata_pki_free_string(t);
        strata_x509_chain_free(chain, n);
        assert_ok(strata_tls_conn_get_verified_chain(r.c, &chain, &n));
        assert_int_equal(n, 3); /* leaf, intermediate, root */
        t = subject_of(chain[2]);
        assert_string_equal(t, "/CN=chain root");
        strata_pki_free_string(t);
        strata_x509_chain_free(chain, n);
        done(&r);
    }
}

static int count_leaf(strata_tls_conn *conn, const strata_x509 *cert, int errnum, int depth,
                      int preverify_ok, void *user)
{
    (void)conn;
    (void)cert;
    (void)errnum;
    if (depth == 0)
        ++*(int *)user;
    return preverify_ok;
}

/* Client certificates checked by a TLS 1.2 server over a handshake and a
 * renegotiation; returns how many times the client's certificate was
 * verified. */
static int client_verifications(int mode)
{
    struct run r;
    int calls = 0;
    start(&r, "leaf.pem", "leaf.key");
    assert_ok(strata_tls_ctx_set_max_version(r.sctx, STRATA_TLS_VERSION_TLS1_2));
    assert_ok(strata_tls_ctx_set_verify(r.sctx, mode, count_leaf, &calls));
    assert_int_equal(strata_tls_ctx_get_verify_mode(r.sctx), mode);
    assert_ok(strata_tls_ctx_load_verify_locations(r.sctx, tu_path(tu_pki(), "ca.pem"), NULL));
    /* A server verifying clients needs a session id context: without one
     * OpenSSL fails the renegotiation ("session id context uninitialized"). */
    assert_ok(strata_tls_ctx_set_session_id(r.sctx, (const uint8_t *)"once", 4));
    /* A full renegotiation, not a resumption (which asks for no certificate). */
    assert_ok(strata_tls_ctx_set_options(
        r.sctx, STRATA_TLS_OP_NO_SESSION_RESUMPTION_ON_RENEGOTIATION, NULL));
    assert_ok(strata_tls_ctx_use_certificate_file(r.cctx, tu_path(tu_pki(), "client.pem"),
                                                  STRATA_TLS_FILETYPE_PEM));
    assert_ok(strata_tls_ctx_use_privatekey_file(r.cctx, tu_path(tu_pki(), "client.key"),
                                                 STRATA_TLS_FILETYPE_PEM));
    go(&r, "localhost");
    finish(&r);
    assert_ok(r.rc);
    assert_ok(r.rs);
    assert_int_equal(calls, 1);
    assert_ok(strata_tls_conn_renegotiate(r.s));
    assert_ok(strata_tls_conn_handshake(r.s));
    for (int i = 0; i < 10 && strata_tls_conn_renegotiate_pending(r.s); i++) {
        char buf[8];
        size_t n;
        tu_pump(r.s, r.c, 0);
        assert_status(strata_tls_conn_recv(r.c, buf, sizeof(buf), &n), STRATA_WANT_READ);
        tu_pump(r.c, r.s, 0);
        assert_status(strata_tls_conn_recv(r.s, buf, sizeof(buf), &n), STRATA_WANT_READ);
    }
    assert_false(strata_tls_conn_renegotiate_pending(r.s));
    assert_int_equal(strata_tls_conn_total_renegotiations(r.s), 1);
    strata_x509 *peer = NULL;
    assert_ok(strata_tls_conn_get_peer_certificate(r.s, &peer)); /* still known */
    strata_x509_free(peer);
    done(&r);
    return calls;
}

/* VERIFY_CLIENT_ONCE: the client's certificate is asked for and verified in
 * the first handshake only, not again on renegotiation. */
static void test_verify_client_once(void **state)
{
    (void)state;
    const int peer = STRATA_TLS_VERIFY_PEER | STRATA_TLS_VERIFY_FAIL_IF_NO_PEER_CERT;
    assert_int_equal(client_verifications(peer), 2);
    assert_int_equal(client_verifications(peer | STRATA_TLS_VERIFY_CLIENT_ONCE), 1);
    /* Without VERIFY_PEER it is refused (see test_verify_mode_bits). */
    strata_tls_ctx *ctx;
    assert_ok(strata_tls_ctx_new(STRATA_TLS_METHOD_TLS, &ctx));
    assert_status(strata_tls_ctx_set_verify(ctx, STRATA_TLS_VERIFY_CLIENT_ONCE, NULL, NULL),
                  STRATA_E_USAGE);
    strata_tls_ctx_free(ctx);
}

/* set_verify_depth: the chain leaf - intermediate - root needs depth 1 (one
 * intermediate); at depth 0 the client refuses it, naming the reason. */
static void test_verify_depth_refuses_longer_chain(void **state)
{
    (void)state;
    char dir[256];
    make_chain(dir, sizeof(dir));
    for (int depth = 0; depth <= 1; depth++) {
        struct run r;
        assert_ok(strata_tls_ctx_new(STRATA_TLS_METHOD_TLS, &r.cctx));
        assert_ok(strata_tls_ctx_load_verify_locations(r.cctx, tu_path(dir, "root.pem"), NULL));
        assert_ok(strata_tls_ctx_set_verify_depth(r.cctx, depth));
        assert_int_equal(strata_tls_ctx_get_verify_depth(r.cctx), depth);
        assert_ok(strata_tls_ctx_new(STRATA_TLS_METHOD_TLS, &r.sctx));
        assert_ok(strata_tls_ctx_use_certificate_chain_file(r.sctx, tu_path(dir, "chain.pem")));
        assert_ok(strata_tls_ctx_use_privatekey_file(r.sctx, tu_path(dir, "leaf.key"),
                                                     STRATA_TLS_FILETYPE_PEM));
        go(&r, "localhost");
        finish(&r);
        if (depth == 0) {
            assert_status(r.rc, STRATA_E_TLS_CERT_INVALID);
            assert_non_null(strstr(msg(r.c), "certificate chain too long"));
            assert_int_equal(strata_tls_conn_verify_result(r.c), 22); /* CHAIN_TOO_LONG */
        } else {
            assert_ok(r.rc);
            assert_ok(r.rs);
        }
        done(&r);
    }
}

/* The CA names a client sees in the server's CertificateRequest: none
 * unless the server set some; load_client_ca's file; set_client_ca_list's
 * names in order. */
static void test_client_ca_names_seen_by_client(void **state)
{
    (void)state;
    strata_x509_name *a = NULL, *b = NULL;
    assert_ok(strata_x509_name_parse("/CN=first", &a, NULL));
    assert_ok(strata_x509_name_parse("/O=org/CN=second", &b, NULL));
    const strata_x509_name *list[] = {a, b};
    static const char *const want[3][2] = {
        {NULL, NULL}, {"/CN=strata test CA", NULL}, {"/CN=first", "/O=org/CN=second"}};
    for (int how = 0; how < 3; how++) {
        struct run r;
        start(&r, "leaf.pem", "leaf.key");
        assert_ok(strata_tls_ctx_set_verify(r.sctx, STRATA_TLS_VERIFY_PEER, NULL, NULL));
        if (how == 1)
            assert_ok(strata_tls_ctx_load_client_ca(r.sctx, tu_path(tu_pki(), "ca.pem")));
        else if (how == 2)
            assert_ok(strata_tls_ctx_set_client_ca_list(r.sctx, list, 2));
        go(&r, "localhost");
        finish(&r);
        assert_ok(r.rc); /* the client has no certificate; the server does not insist */
        assert_ok(r.rs);
        strata_x509_name **names = NULL;
        size_t n = 0;
        assert_ok(strata_tls_conn_get_client_ca_list(r.c, &names, &n));
        size_t expect = want[how][0] ? (want[how][1] ? 2 : 1) : 0;
        assert_int_equal(n, expect);
        for (size_t i = 0; i < n; i++) {
            char *t = NULL;
            assert_ok(strata_x509_name_oneline(names[i], &t, NULL));
            assert_string_equal(t, want[how][i]);
            strata_pki_free_string(t);
        }
        strata_tls_name_list_free(names, n);
        done(&r);
    }
    strata_x509_name_free(a);
    strata_x509_name_free(b);
}

/* set_default_verify_paths: OpenSSL's default trust, which SSL_CERT_FILE /
 * SSL_CERT_DIR name. With the test CA there, a client that made the call
 * verifies the server; one that did not refuses it. */
static void test_default_verify_paths(void **state)
{
    (void)state;
    const char *empty = tu_tmpdir();
    char emptydir[256];
    snprintf(emptydir, sizeof(emptydir), "%s", empty);
    assert_int_equal(setenv("SSL_CERT_FILE", tu_path(tu_pki(), "ca.pem"), 1), 0);
    assert_int_equal(setenv("SSL_CERT_DIR", emptydir, 1), 0);
    for (int call = 0; call <= 1; call++) {
        struct run r;
        assert_ok(strata_tls_ctx_new(STRATA_TLS_METHOD_TLS, &r.cctx));
        if (call)
            assert_ok(strata_tls_ctx_set_default_verify_paths(r.cctx));
        r.sctx = tu_server_ctx("leaf.pem", "leaf.key");
        go(&r, "localhost");
        finish(&r);
        if (call) {
            assert_ok(r.rc);
            assert_ok(r.rs);
        } else {
            assert_status(r.rc, STRATA_E_CERT_UNTRUSTED);
        }
        done(&r);
    }
    /* Pointing elsewhere: the same call now trusts nothing of ours. */
    assert_int_equal(setenv("SSL_CERT_FILE", tu_path(emptydir, "none.pem"), 1), 0);
    struct run r;
    assert_ok(strata_tls_ctx_new(STRATA_TLS_METHOD_TLS, &r.cctx));
    assert_ok(strata_tls_ctx_set_default_verify_paths(r.cctx));
    r.sctx = tu_server_ctx("leaf.pem", "leaf.key");
    go(&r, "localhost");
    finish(&r);
    assert_status(r.rc, STRATA_E_CERT_UNTRUSTED);
    done(&r);
    unsetenv("SSL_CERT_FILE");
    unsetenv("SSL_CERT_DIR");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_name_mismatch),
        cmocka_unit_test(test_ip_names),
        cmocka_unit_test(test_verify_name_overrides_sni),
        cmocka_unit_test(test_expired),
        cmocka_unit_test(test_self_signed),
        cmocka_unit_test(test_unknown_issuer),
        cmocka_unit_test(test_no_name_refused),
        cmocka_unit_test(test_verify_none),
        cmocka_unit_test(test_verify_mode_bits),
        cmocka_unit_test(test_client_certificates),
        cmocka_unit_test(test_client_cert_untrusted),
        cmocka_unit_test(test_verify_capath),
        cmocka_unit_test(test_certificate_chain_file),
        cmocka_unit_test(test_verify_client_once),
        cmocka_unit_test(test_verify_depth_refuses_longer_chain),
        cmocka_unit_test(test_client_ca_names_seen_by_client),
        cmocka_unit_test(test_default_verify_paths),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
