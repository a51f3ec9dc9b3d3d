/* tls: bad peers and bad calls - garbage bytes, truncated records, streams
 * that end without close_notify, version mismatches, unsupported methods,
 * frozen contexts, key files and passphrases. Each gives its own status and
 * message. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/crypto.h>
#include <openssl/pem.h>

#include "testutil.h"
#include "tls_testcerts.h"

static const char *msg(const strata_tls_conn *c)
{
    return strata_error_message(strata_tls_conn_error(c));
}

static const char *cmsg(const strata_tls_ctx *c)
{
    return strata_error_message(strata_tls_ctx_error(c));
}

struct env {
    strata_tls_ctx *cctx, *sctx;
    strata_tls_conn *c, *s;
};

static void up(struct env *e, int handshake)
{
    e->cctx = tu_client_ctx();
    e->sctx = tu_server_ctx("leaf.pem", "leaf.key");
    tu_pair(e->cctx, e->sctx, &e->c, &e->s);
    if (handshake)
        assert_ok(tu_handshake(e->c, e->s, NULL, 0));
}

static void down(struct env *e)
{
    strata_tls_conn_free(e->c);
    strata_tls_conn_free(e->s);
    strata_tls_ctx_free(e->cctx);
    strata_tls_ctx_free(e->sctx);
}

static void feed(strata_tls_conn *c, const void *p, size_t n)
{
    size_t used;
    assert_ok(strata_tls_conn_bio_write(c, p, n, &used));
    assert_int_equal(used, n);
}

static void test_garbage_to_server(void **state)
{
    (void)state;
    struct env e;
    up(&e, 0);
    static const char http[] = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
    feed(e.s, http, sizeof(http) - 1);
    assert_status(strata_tls_conn_handshake(e.s), STRATA_E_TLS);
    assert_string_equal(msg(e.s), "handshake failed: http request");
    assert_true(strata_tls_conn_error(e.s)->n_ossl >= 1);
    assert_string_equal(strata_tls_conn_error(e.s)->ossl[0].lib, "SSL routines");
    down(&e);
}

static void test_garbage_to_client(void **state)
{
    (void)state;
    struct env e;
    up(&e, 0);
    assert_status(strata_tls_conn_handshake(e.c), STRATA_WANT_READ);
    uint8_t junk[64];
    tu_fill(junk, sizeof(junk), 7);
    junk[0] = 0x16; /* a handshake record header with a bad version */
    junk[1] = 0x09;
    feed(e.c, junk, sizeof(junk));
    assert_status(strata_tls_conn_handshake(e.c), STRATA_E_TLS);
    assert_string_equal(msg(e.c), "handshake failed: wrong version number");
    down(&e);
}

/* A corrupted record after the handshake: the MAC check fails. */
static void test_corrupt_record(void **state)
{
    (void)state;
    struct env e;
    up(&e, 1);
    size_t sent, n;
    uint8_t rec[256];
    char buf[16];
    assert_ok(strata_tls_conn_send(e.c, "secret", 6, &sent));
    assert_ok(strata_tls_conn_bio_read(e.c, rec, sizeof(rec), &n));
    rec[n - 1] ^= 1;
    feed(e.s, rec, n);
    assert_status(strata_tls_conn_recv(e.s, buf, sizeof(buf), &n), STRATA_E_TLS);
    assert_string_equal(msg(e.s), "recv failed: decryption failed or bad record mac");
    down(&e);
}

static void test_truncated_record(void **state)
{
    (void)state;
    struct env e;
    up(&e, 1);
    size_t sent, n;
    uint8_t rec[256];
    char buf[16];
    assert_ok(strata_tls_conn_send(e.c, "hello", 5, &sent));
    assert_ok(strata_tls_conn_bio_read(e.c, rec, sizeof(rec), &n));
    feed(e.s, rec, n - 3);
    assert_status(strata_tls_conn_recv(e.s, buf, sizeof(buf), &n), STRATA_WANT_READ);
    assert_ok(strata_tls_conn_bio_shutdown(e.s));
    assert_status(strata_tls_conn_recv(e.s, buf, sizeof(buf), &n), STRATA_EOF_UNCLEAN);
    assert_string_equal(msg(e.s), "the peer's stream ended in the middle of a TLS record "
                                  "(truncated), without close_notify");
    /* Writing after bio_shutdown is a usage error. */
    size_t used;
    down(&e);
    up(&e, 1);
    assert_ok(strata_tls_conn_bio_shutdown(e.s));
    assert_status(strata_tls_conn_bio_write(e.s, "x", 1, &used), STRATA_E_STATE);
    down(&e);
}

static void test_eof_without_close_notify(void **state)
{
    (void)state;
    struct env e;
    up(&e, 1);
    size_t n;
    char buf[16];
    assert_ok(strata_tls_conn_bio_shutdown(e.s));
    assert_status(strata_tls_conn_recv(e.s, buf, sizeof(buf), &n), STRATA_EOF_UNCLEAN);
    assert_string_equal(msg(e.s), "the peer's stream ended without close_notify");
    assert_status(strata_tls_conn_recv(e.s, buf, sizeof(buf), &n), STRATA_EOF_UNCLEAN);
    down(&e);
    up(&e, 0);
    assert_status(strata_tls_conn_handshake(e.c), STRATA_WANT_READ);
    assert_ok(strata_tls_conn_bio_shutdown(e.c));
    assert_status(strata_tls_conn_handshake(e.c), STRATA_EOF_UNCLEAN);
    assert_string_equal(msg(e.c), "the peer's stream ended during the handshake, without "
                                  "close_notify");
    down(&e);
}

static void test_version_mismatch(void **state)
{
    (void)state;
    struct env e;
    e.cctx = tu_client_ctx();
    e.sctx = tu_server_ctx("leaf.pem", "leaf.key");
    assert_ok(strata_tls_ctx_set_max_version(e.cctx, STRATA_TLS_VERSION_TLS1_2));
    assert_ok(strata_tls_ctx_set_min_version(e.sctx, STRATA_TLS_VERSION_TLS1_3));
    tu_pair(e.cctx, e.sctx, &e.c, &e.s);
    strata_status rs, rc = tu_handshake(e.c, e.s, &rs, 0);
    assert_status(rs, STRATA_E_TLS_VERSION);
    assert_string_equal(msg(e.s), "handshake failed: no protocol version in common (unsupported "
                                  "protocol)");
    assert_status(rc, STRATA_E_TLS_VERSION);
    assert_string_equal(msg(e.c), "handshake failed: no protocol version in common (tlsv1 alert "
                                  "protocol version)");
    down(&e);
}

static void test_methods(void **state)
{
    (void)state;
    strata_tls_ctx *ctx = NULL;
    assert_status(strata_tls_ctx_new(STRATA_TLS_METHOD_SSLV2, &ctx), STRATA_E_TLS_SSL_UNSUPPORTED);
    assert_null(ctx);
    assert_status(strata_tls_ctx_new(STRATA_TLS_METHOD_SSLV3, &ctx), STRATA_E_TLS_SSL_UNSUPPORTED);
    assert_string_equal(strata_status_str(STRATA_E_TLS_SSL_UNSUPPORTED),
                        "SSLv2 and SSLv3 are not supported by this OpenSSL");
    assert_ok(strata_tls_ctx_new(STRATA_TLS_METHOD_SSLV23, &ctx));
    assert_int_equal(strata_tls_ctx_get_min_version(ctx), STRATA_TLS_VERSION_TLS1_2);
    assert_status(strata_tls_ctx_set_min_version(ctx, STRATA_TLS_VERSION_SSL3),
                  STRATA_E_TLS_SSL_UNSUPPORTED);
    strata_tls_ctx_free(ctx);
    assert_ok(strata_tls_ctx_new(STRATA_TLS_METHOD_TLSV1, &ctx));
    assert_int_equal(strata_tls_ctx_get_min_version(ctx), STRATA_TLS_VERSION_TLS1);
    assert_int_equal(strata_tls_ctx_get_max_version(ctx), STRATA_TLS_VERSION_TLS1);
    strata_tls_ctx_free(ctx);
    assert_ok(strata_tls_ctx_new(STRATA_TLS_METHOD_TLSV1_3, &ctx));
    assert_int_equal(strata_tls_ctx_get_min_version(ctx), STRATA_TLS_VERSION_TLS1_3);
    strata_tls_ctx_free(ctx);
    assert_status(strata_tls_ctx_new((enum strata_tls_method)99, &ctx), STRATA_E_USAGE);
    assert_non_null(strata_tls_ssleay_version(STRATA_TLS_SSLEAY_VERSION));
    assert_true(strata_tls_openssl_version_number() >= 0x30000000ul);
}

/* A context that has made a connection refuses changes that would not
 * affect it; callbacks, cache settings and app data still change. */
static void test_frozen_context(void **state)
{
    (void)state;
    strata_tls_ctx *ctx = tu_client_ctx();
    strata_tls_conn *c;
    assert_false(strata_tls_ctx_is_frozen(ctx));
    assert_ok(strata_tls_conn_new(ctx, &c));
    assert_true(strata_tls_ctx_is_frozen(ctx));
    assert_status(strata_tls_ctx_set_verify(ctx, STRATA_TLS_VERIFY_NONE, NULL, NULL),
                  STRATA_E_STATE);
    assert_string_equal(cmsg(ctx), "cannot change the verify mode: a connection has been made "
                                   "from this context, and the change would not affect it");
    assert_status(strata_tls_ctx_set_cipher_list(ctx, "HIGH"), STRATA_E_STATE);
    assert_status(strata_tls_ctx_set_options(ctx, STRATA_TLS_OP_NO_TICKET, NULL), STRATA_E_STATE);
    assert_status(strata_tls_ctx_set_min_version(ctx, STRATA_TLS_VERSION_TLS1_3), STRATA_E_STATE);
    assert_status(strata_tls_ctx_use_certificate_file(ctx, "x", STRATA_TLS_FILETYPE_PEM),
                  STRATA_E_STATE);
    assert_int_equal(strata_tls_ctx_set_timeout(ctx, 60), 300);
    assert_int_equal(strata_tls_ctx_get_timeout(ctx), 60);
    int tag;
    strata_tls_ctx_set_app_data(ctx, &tag);
    assert_ptr_equal(strata_tls_ctx_get_app_data(ctx), &tag);
    strata_tls_conn_free(c);
    strata_tls_ctx_free(ctx);
}

static void test_options_and_lists(void **state)
{
    (void)state;
    strata_tls_ctx *ctx;
    uint64_t now;
    assert_ok(strata_tls_ctx_new(STRATA_TLS_METHOD_TLS, &ctx));
    assert_ok(strata_tls_ctx_set_options(ctx, STRATA_TLS_OP_SINGLE_DH_USE | STRATA_TLS_OP_NO_SSLV2,
                                         &now));
    assert_ok(strata_tls_ctx_set_options(ctx, STRATA_TLS_OP_NO_TICKET, &now));
    assert_true(now == (STRATA_TLS_OP_SINGLE_DH_USE | STRATA_TLS_OP_NO_SSLV2 |
                        STRATA_TLS_OP_NO_TICKET)); /* options add up */
    assert_ok(strata_tls_ctx_clear_options(ctx, STRATA_TLS_OP_NO_TICKET));
    assert_true(strata_tls_ctx_get_options(ctx) ==
                (STRATA_TLS_OP_SINGLE_DH_USE | STRATA_TLS_OP_NO_SSLV2));
    assert_status(strata_tls_ctx_set_options(ctx, 1ull << 60, NULL), STRATA_E_USAGE);
    assert_string_equal(cmsg(ctx), "unknown option bits 0x1000000000000000");
    assert_true(strata_tls_ctx_get_mode(ctx) & STRATA_TLS_MODE_ENABLE_PARTIAL_WRITE);
    assert_ok(strata_tls_ctx_set_mode(ctx, STRATA_TLS_MODE_RELEASE_BUFFERS));
    assert_true(strata_tls_ctx_get_mode(ctx) & STRATA_TLS_MODE_RELEASE_BUFFERS);
    assert_status(strata_tls_ctx_set_cipher_list(ctx, "NO-SUCH-CIPHER"), STRATA_E_USAGE);
    assert_string_equal(cmsg(ctx), "cipher list 'NO-SUCH-CIPHER' selects no usable cipher");
    assert_true(strata_tls_ctx_error(ctx)->n_ossl >= 1);
    assert_status(strata_tls_ctx_set_ciphersuites(ctx, "TLS_NOPE"), STRATA_E_USAGE);
    assert_status(strata_tls_ctx_set_groups(ctx, "P-999"), STRATA_E_USAGE);
    assert_string_equal(cmsg(ctx), "group list 'P-999' is not valid");
    uint8_t id[40] = {0};
    assert_status(strata_tls_ctx_set_session_id(ctx, id, sizeof(id)), STRATA_E_LIMIT);
    assert_ok(strata_tls_ctx_set_session_id(ctx, id, 32));
    const char *bad[] = {""};
    assert_status(strata_tls_ctx_set_alpn_protos(ctx, bad, 1), STRATA_E_USAGE);
    assert_status(strata_tls_ctx_load_verify_locations(ctx, NULL, NULL), STRATA_E_USAGE);
    assert_status(strata_tls_ctx_load_verify_locations(ctx, "/nonexistent/ca.pem", NULL),
                  STRATA_E_IO);
    assert_string_equal(cmsg(ctx), "cannot load trusted certificates from '/nonexistent/ca.pem'");
    assert_ok(strata_tls_ctx_set_default_verify_paths(ctx));
    strata_tls_ctx_free(ctx);
}

static size_t pass_cap; /* the seed's arguments of the last call */
static int pass_verify = -1;

static int pass_cb(char *buf, size_t cap, int verify, void *user)
{
    pass_cap = cap;
    pass_verify = verify;
    const char *p = user;
    size_t n = strlen(p);
    if (n > cap)
        n = cap;
    memcpy(buf, p, n);
    return (int)n;
}

static void test_key_files(void **state)
{
    (void)state;
    const char *dir = tu_tmpdir();
    EVP_PKEY *k = tu_key("ec");
    X509 *cert = tu_cert(k, "localhost", "DNS:localhost", NULL, NULL, 0, -60, 3600);
    /* An encrypted PEM key. */
    BIO *b = BIO_new_file(tu_path(dir, "enc.key"), "w");
    assert_non_null(b);
    assert_true(PEM_write_bio_PrivateKey(b, k, EVP_aes_128_cbc(), (const unsigned char *)"sesame",
                                         6, NULL, NULL));
    BIO_free(b);
    tu_write(tu_path(dir, "c.der"), cert, NULL, 1);
    tu_write(tu_path(dir, "k.der"), NULL, k, 1);
    strata_tls_ctx *ctx;
    assert_ok(strata_tls_ctx_new(STRATA_TLS_METHOD_TLS, &ctx));
    assert_status(strata_tls_ctx_check_privatekey(ctx), STRATA_E_STATE);
    assert_ok(
        strata_tls_ctx_use_certificate_file(ctx, tu_path(dir, "c.der"), STRATA_TLS_FILETYPE_ASN1));
    assert_status(
        strata_tls_ctx_use_privatekey_file(ctx, tu_path(dir, "enc.key"), STRATA_TLS_FILETYPE_PEM),
        STRATA_E_PASSPHRASE);
    char want[256];
    snprintf(want, sizeof(want), "the key in '%s' is encrypted and no passphrase callback is set",
             tu_path(dir, "enc.key"));
    assert_string_equal(cmsg(ctx), want);
    strata_tls_ctx_set_passwd_cb(ctx, pass_cb, "wrong");
    assert_status(
        strata_tls_ctx_use_privatekey_file(ctx, tu_path(dir, "enc.key"), STRATA_TLS_FILETYPE_PEM),
        STRATA_E_PASSPHRASE);
    snprintf(want, sizeof(want), "wrong passphrase for the key in '%s'", tu_path(dir, "enc.key"));
    assert_string_equal(cmsg(ctx), want);
    strata_tls_ctx_set_passwd_cb(ctx, pass_cb, "sesame");
    pass_cap = 0;
    pass_verify = -1;
    assert_ok(
        strata_tls_ctx_use_privatekey_file(ctx, tu_path(dir, "enc.key"), STRATA_TLS_FILETYPE_PEM));
    assert_true(pass_cap >= 6);       /* room for the passphrase (OpenSSL's PEM buffer) */
    assert_int_equal(pass_verify, 0); /* decrypting: no need to ask twice */
    assert_ok(strata_tls_ctx_check_privatekey(ctx));
    assert_ok(
        strata_tls_ctx_use_privatekey_file(ctx, tu_path(dir, "k.der"), STRATA_TLS_FILETYPE_ASN1));
    assert_ok(strata_tls_ctx_check_privatekey(ctx));
    assert_status(strata_tls_ctx_use_certificate_file(ctx, tu_path(dir, "c.der"), 7),
                  STRATA_E_USAGE);
    assert_status(
        strata_tls_ctx_use_certificate_file(ctx, tu_path(dir, "k.der"), STRATA_TLS_FILETYPE_PEM),
        STRATA_E_FORMAT);
    strata_tls_ctx_free(ctx);
    /* A key that does not match the certificate is refused when loaded. */
    assert_ok(strata_tls_ctx_new(STRATA_TLS_METHOD_TLS, &ctx));
    assert_ok(
        strata_tls_ctx_use_certificate_file(ctx, tu_path(dir, "c.der"), STRATA_TLS_FILETYPE_ASN1));
    assert_status(strata_tls_ctx_use_privatekey_file(ctx, tu_path(tu_pki(), "leaf.key"),
                                                     STRATA_TLS_FILETYPE_PEM),
                  STRATA_E_CRYPTO);
    snprintf(want, sizeof(want), "the private key in '%s' does not match the certificate",
             tu_path(tu_pki(), "leaf.key"));
    assert_string_equal(cmsg(ctx), want);
    strata_tls_ctx_free(ctx);
    /* A certificate loaded after a mismatching key drops the key. */
    assert_ok(strata_tls_ctx_new(STRATA_TLS_METHOD_TLS, &ctx));
    assert_ok(strata_tls_ctx_use_privatekey_file(ctx, tu_path(tu_pki(), "leaf.key"),
                                                 STRATA_TLS_FILETYPE_PEM));
    assert_ok(
        strata_tls_ctx_use_certificate_file(ctx, tu_path(dir, "c.der"), STRATA_TLS_FILETYPE_ASN1));
    assert_status(strata_tls_ctx_check_privatekey(ctx), STRATA_E_STATE);
    strata_tls_ctx_free(ctx);
    X509_free(cert);
    EVP_PKEY_free(k);
}

static void test_usage_errors(void **state)
{
    (void)state;
    strata_tls_ctx *ctx = tu_client_ctx();
    strata_tls_conn *c;
    size_t n;
    char buf[4];
    assert_ok(strata_tls_conn_new(ctx, &c));
    assert_status(strata_tls_conn_handshake(c), STRATA_E_STATE);
    assert_string_equal(msg(c), "call set_connect_state or set_accept_state first");
    strata_tls_conn_free(c);
    assert_ok(strata_tls_conn_new(ctx, &c));
    assert_ok(strata_tls_conn_set_connect_state(c));
    assert_status(strata_tls_conn_set_accept_state(c), STRATA_E_STATE);
    assert_status(strata_tls_conn_bio_read(c, buf, sizeof(buf), &n), STRATA_WANT_READ);
    assert_status(strata_tls_conn_renegotiate(c), STRATA_E_STATE);
    strata_tls_conn_free(c);
    strata_tls_ctx_free(ctx);
}

/* SSLeay_version(type): each type gives OpenSSL's own text for it. */
static void test_ssleay_types(void **state)
{
    (void)state;
    const struct {
        int type;
        const char *prefix;
    } t[] = {
        {STRATA_TLS_SSLEAY_VERSION, "OpenSSL "},   {STRATA_TLS_SSLEAY_CFLAGS, "compiler:"},
        {STRATA_TLS_SSLEAY_BUILT_ON, "built on:"}, {STRATA_TLS_SSLEAY_PLATFORM, "platform:"},
        {STRATA_TLS_SSLEAY_DIR, "OPENSSLDIR:"},
    };
    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        const char *v = strata_tls_ssleay_version(t[i].type);
        assert_non_null(v);
        assert_true(strncmp(v, t[i].prefix, strlen(t[i].prefix)) == 0);
        for (size_t j = 0; j < i; j++)
            assert_string_not_equal(v, strata_tls_ssleay_version(t[j].type));
    }
    assert_string_equal(strata_tls_ssleay_version(STRATA_TLS_SSLEAY_VERSION),
                        OpenSSL_version(OPENSSL_VERSION));
    assert_true(strata_tls_openssl_version_number() == OpenSSL_version_num());
    assert_string_equal(strata_tls_ssleay_version(5), "unknown");
    assert_string_equal(strata_tls_ssleay_version(-1), "unknown");
}

/* A client limited to [min, max] with ops: 1 when its first handshake call
 * produces a ClientHello, 0 when it fails with no version to offer. */
static int hello_sent(int min, int max, uint64_t ops)
{
    strata_tls_ctx *ctx = tu_client_ctx();
    assert_ok(strata_tls_ctx_set_cipher_list(ctx, "DEFAULT:@SECLEVEL=0"));
    assert_ok(strata_tls_ctx_set_min_version(ctx, min));
    assert_ok(strata_tls_ctx_set_max_version(ctx, max));
    if (ops)
        assert_ok(strata_tls_ctx_set_options(ctx, ops, NULL));
    strata_tls_conn *c;
    assert_ok(strata_tls_conn_new(ctx, &c));
    assert_ok(strata_tls_conn_set_connect_state(c));
    assert_ok(strata_tls_conn_set_tlsext_host_name(c, "localhost"));
    strata_status rc = strata_tls_conn_handshake(c);
    int sent = rc == STRATA_WANT_READ && strata_tls_conn_bio_pending(c) > 0;
    if (!sent) {
        assert_status(rc, STRATA_E_TLS_VERSION);
        assert_string_equal(msg(c), "handshake failed: no protocol version in common (no "
                                    "protocols available)");
    }
    strata_tls_conn_free(c);
    strata_tls_ctx_free(ctx);
    return sent;
}

static int negotiated(uint64_t cops, uint64_t sops, strata_status *rc, strata_status *rs)
{
    struct env e;
    e.cctx = tu_client_ctx();
    e.sctx = tu_server_ctx("leaf.pem", "leaf.key");
    if (cops)
        assert_ok(strata_tls_ctx_set_options(e.cctx, cops, NULL));
    if (sops)
        assert_ok(strata_tls_ctx_set_options(e.sctx, sops, NULL));
    tu_pair(e.cctx, e.sctx, &e.c, &e.s);
    *rc = tu_handshake(e.c, e.s, rs, 0);
    int v = *rc == STRATA_OK ? strata_tls_conn_protocol_version(e.c) : 0;
    if (*rc == STRATA_OK)
        assert_int_equal(strata_tls_conn_protocol_version(e.s), v);
    down(&e);
    return v;
}

/* OP_NO_*: each takes its version out of what a context offers or accepts. */
static void test_protocol_options(void **state)
{
    (void)state;
    strata_status rc, rs;
    assert_int_equal(negotiated(0, 0, &rc, &rs), STRATA_TLS_VERSION_TLS1_3);
    /* OP_NO_TLSv1_3 on either side: TLS 1.2. */
    assert_int_equal(negotiated(STRATA_TLS_OP_NO_TLSV1_3, 0, &rc, &rs), STRATA_TLS_VERSION_TLS1_2);
    assert_int_equal(negotiated(0, STRATA_TLS_OP_NO_TLSV1_3, &rc, &rs), STRATA_TLS_VERSION_TLS1_2);
    /* A server without 1.2 and 1.3 against a 1.2+ client: no version in common. */
    assert_int_equal(negotiated(0, STRATA_TLS_OP_NO_TLSV1_2 | STRATA_TLS_OP_NO_TLSV1_3, &rc, &rs),
                     0);
    assert_true(strata_status_is_error(rc));
    assert_true(strata_status_is_error(rs));
    /* A client without 1.2 and 1.3 sends nothing at all. */
    assert_int_equal(negotiated(STRATA_TLS_OP_NO_TLSV1_2 | STRATA_TLS_OP_NO_TLSV1_3, 0, &rc, &rs),
                     0);
    assert_true(strata_status_is_error(rc));
    /* OP_NO_TLSv1_2 alone: 1.3 still works. */
    assert_int_equal(negotiated(STRATA_TLS_OP_NO_TLSV1_2, STRATA_TLS_OP_NO_TLSV1_2, &rc, &rs),
                     STRATA_TLS_VERSION_TLS1_3);
    /* OP_NO_TLSv1 / OP_NO_TLSv1_1 (at security level 0, where OpenSSL 3
     * still offers them). */
    assert_true(hello_sent(STRATA_TLS_VERSION_TLS1, STRATA_TLS_VERSION_TLS1, 0));
    assert_false(
        hello_sent(STRATA_TLS_VERSION_TLS1, STRATA_TLS_VERSION_TLS1, STRATA_TLS_OP_NO_TLSV1));
    assert_true(hello_sent(STRATA_TLS_VERSION_TLS1_1, STRATA_TLS_VERSION_TLS1_1, 0));
    assert_false(
        hello_sent(STRATA_TLS_VERSION_TLS1_1, STRATA_TLS_VERSION_TLS1_1, STRATA_TLS_OP_NO_TLSV1_1));
    assert_true(
        hello_sent(STRATA_TLS_VERSION_TLS1, STRATA_TLS_VERSION_TLS1_1, STRATA_TLS_OP_NO_TLSV1));
    assert_false(hello_sent(STRATA_TLS_VERSION_TLS1, STRATA_TLS_VERSION_TLS1_1,
                            STRATA_TLS_OP_NO_TLSV1 | STRATA_TLS_OP_NO_TLSV1_1));
    /* OP_NO_SSLv3 (SSLv3 is never offered) and OP_EPHEMERAL_RSA (no effect
     * in OpenSSL 3): accepted, kept, and the handshake is unchanged. */
    const uint64_t noop = STRATA_TLS_OP_NO_SSLV3 | STRATA_TLS_OP_EPHEMERAL_RSA;
    strata_tls_ctx *ctx = tu_client_ctx();
    uint64_t now;
    assert_ok(strata_tls_ctx_set_options(ctx, noop, &now));
    assert_true(now == noop);
    assert_true(strata_tls_ctx_get_options(ctx) == noop);
    strata_tls_ctx_free(ctx);
    assert_int_equal(negotiated(noop, noop, &rc, &rs), STRATA_TLS_VERSION_TLS1_3);
    assert_ok(rs);
    assert_int_equal(negotiated(noop | STRATA_TLS_OP_NO_TLSV1_3, noop, &rc, &rs),
                     STRATA_TLS_VERSION_TLS1_2);
    assert_true(hello_sent(STRATA_TLS_VERSION_TLS1, STRATA_TLS_VERSION_TLS1, noop));
}

/* WantWriteError: a memory-mode send with the output buffer full and nobody
 * draining it stops with STRATA_WANT_WRITE; draining lets it go on. */
static void test_want_write(void **state)
{
    (void)state;
    struct env e;
    up(&e, 1);
    size_t total = 4 * STRATA_TLS_BIO_SIZE;
    uint8_t *big = calloc(1, total);
    assert_non_null(big);
    size_t sent = 0, got = 0;
    assert_status(strata_tls_conn_sendall(e.c, big, total, &sent), STRATA_WANT_WRITE);
    assert_true(sent > 0 && sent < total);
    assert_true(strata_tls_conn_want_write(e.c));
    assert_true(strata_tls_conn_bio_pending(e.c) > 0);
    size_t more;
    assert_status(strata_tls_conn_send(e.c, big + sent, total - sent, &more), STRATA_WANT_WRITE);
    /* Drain and read until everything has gone through. */
    uint8_t buf[4096];
    for (int i = 0; i < 1000 && got < total; i++) {
        if (sent < total) {
            strata_status r = strata_tls_conn_sendall(e.c, big + sent, total - sent, &more);
            assert_true(r == STRATA_OK || r == STRATA_WANT_WRITE);
            sent += more;
        }
        tu_pump(e.c, e.s, 0);
        size_t n;
        strata_status r = strata_tls_conn_recv(e.s, buf, sizeof(buf), &n);
        if (r == STRATA_OK)
            got += n;
        else
            assert_status(r, STRATA_WANT_READ);
    }
    assert_int_equal(sent, total);
    assert_int_equal(got, total);
    free(big);
    down(&e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_garbage_to_server),
        cmocka_unit_test(test_garbage_to_client),
        cmocka_unit_test(test_corrupt_record),
        cmocka_unit_test(test_truncated_record),
        cmocka_unit_test(test_eof_without_close_notify),
        cmocka_unit_test(test_version_mismatch),
        cmocka_unit_test(test_methods),
        cmocka_unit_test(test_frozen_context),
        cmocka_unit_test(test_options_and_lists),
        cmocka_unit_test(test_key_files),
        cmocka_unit_test(test_usage_errors),
        cmocka_unit_test(test_ssleay_types),
        cmocka_unit_test(test_protocol_options),
        cmocka_unit_test(test_want_write),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
