/* tls: a strata client and a strata server back to back in memory -
 * handshakes (TLS 1.2, 1.3; EC, RSA, Ed25519), data both ways, byte-at-a-time
 * delivery, huge writes, orderly close from one side and both at once. */
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "tls_testcerts.h"

/* Sends msg from a to b and checks it arrives whole. */
static void roundtrip(strata_tls_conn *a, strata_tls_conn *b, const char *msg)
{
    size_t sent, n, len = strlen(msg);
    char buf[256];
    assert_ok(strata_tls_conn_sendall(a, msg, len, &sent));
    assert_int_equal(sent, len);
    tu_pump(a, b, 0);
    assert_ok(strata_tls_conn_recv(b, buf, sizeof(buf), &n));
    assert_int_equal(n, len);
    assert_memory_equal(buf, msg, len);
}

static void run_basic(const char *cert, const char *key, int version, const char *want_version)
{
    strata_tls_ctx *cctx = tu_client_ctx(), *sctx = tu_server_ctx(cert, key);
    strata_tls_conn *c, *s;
    strata_status rs;
    if (version) {
        assert_ok(strata_tls_ctx_set_max_version(cctx, version));
        assert_int_equal(strata_tls_ctx_get_max_version(cctx), version);
    }
    tu_pair(cctx, sctx, &c, &s);
    assert_int_equal(strata_tls_conn_is_server(c), 0);
    assert_int_equal(strata_tls_conn_is_server(s), 1);
    assert_false(strata_tls_conn_is_established(c));
    assert_null(strata_tls_conn_protocol_version_name(c));
    assert_ok(tu_handshake(c, s, &rs, 0));
    assert_ok(rs);
    assert_true(strata_tls_conn_is_established(c));
    assert_true(strata_tls_conn_is_established(s));
    assert_string_equal(strata_tls_conn_protocol_version_name(c), want_version);
    assert_string_equal(strata_tls_conn_protocol_version_name(s), want_version);
    assert_string_equal(strata_tls_conn_cipher_name(c), strata_tls_conn_cipher_name(s));
    assert_true(strata_tls_conn_cipher_bits(c) >= 128);
    assert_non_null(strata_tls_conn_cipher_version(c));
    assert_string_equal(strata_tls_conn_get_servername(s), "localhost");
    assert_string_equal(strata_tls_conn_state_string(c), "SSL negotiation finished successfully");
    assert_int_equal(strata_tls_conn_verify_result(c), 0);
    roundtrip(c, s, "hello from the client");
    roundtrip(s, c, "hello from the server");
    strata_tls_conn_free(c);
    strata_tls_conn_free(s);
    strata_tls_ctx_free(cctx);
    strata_tls_ctx_free(sctx);
}

static void test_tls13_ec(void **state)
{
    (void)state;
    run_basic("leaf.pem", "leaf.key", 0, "TLSv1.3");
}

static void test_tls12_ec(void **state)
{
    (void)state;
    run_basic("leaf.pem", "leaf.key", STRATA_TLS_VERSION_TLS1_2, "TLSv1.2");
}

static void test_rsa_both_versions(void **state)
{
    (void)state;
    run_basic("rsa.pem", "rsa.key", 0, "TLSv1.3");
    run_basic("rsa.pem", "rsa.key", STRATA_TLS_VERSION_TLS1_2, "TLSv1.2");
}

static void test_ed25519_both_versions(void **state)
{
    (void)state;
    run_basic("ed.pem", "ed.key", 0, "TLSv1.3");
    run_basic("ed.pem", "ed.key", STRATA_TLS_VERSION_TLS1_2, "TLSv1.2");
}

/* Every byte delivered on its own, in both directions, handshake and data. */
static void test_byte_at_a_time(void **state)
{
    (void)state;
    strata_tls_ctx *cctx = tu_client_ctx(), *sctx = tu_server_ctx("leaf.pem", "leaf.key");
    strata_tls_conn *c, *s;
    strata_status rs;
    tu_pair(cctx, sctx, &c, &s);
    strata_status rc = STRATA_WANT_READ;
    rs = STRATA_WANT_READ;
    for (int i = 0; i < 20000 && (rc != STRATA_OK || rs != STRATA_OK); i++) {
        if (rc != STRATA_OK)
            rc = strata_tls_conn_handshake(c);
        if (rs != STRATA_OK)
            rs = strata_tls_conn_handshake(s);
        assert_true(rc == STRATA_OK || rc == STRATA_WANT_READ);
        assert_true(rs == STRATA_OK || rs == STRATA_WANT_READ);
        tu_pump(c, s, 1);
        tu_pump(s, c, 1);
    }
    assert_ok(rc);
    assert_ok(rs);
    /* Data, one byte at a time: recv says WANT_READ until the record is whole. */
    size_t sent, n;
    char buf[64];
    assert_ok(strata_tls_conn_send(c, "abcdef", 6, &sent));
    uint8_t one;
    int wants = 0;
    while (strata_tls_conn_bio_read(c, &one, 1, &n) == STRATA_OK) {
        size_t used;
        assert_ok(strata_tls_conn_bio_write(s, &one, 1, &used));
        strata_status r = strata_tls_conn_recv(s, buf, sizeof(buf), &n);
        if (r == STRATA_WANT_READ) {
            wants++;
            continue;
        }
        assert_ok(r);
        assert_int_equal(n, 6);
        assert_memory_equal(buf, "abcdef", 6);
    }
    assert_true(wants > 20); /* header + body + tag, minus the last byte */
    strata_tls_conn_free(c);
    strata_tls_conn_free(s);
    strata_tls_ctx_free(cctx);
    strata_tls_ctx_free(sctx);
}

/* 8 MiB through bounded buffers: send takes what fits, WANT_WRITE until the
 * output is drained, and every byte arrives in order. */
static void test_huge_write(void **state)
{
    (void)state;
    const size_t total = 8u << 20;
    uint8_t *in = malloc(total), *out = malloc(total);
    assert_non_null(in);
    assert_non_null(out);
    tu_fill(in, total, 42);
    strata_tls_ctx *cctx = tu_client_ctx(), *sctx = tu_server_ctx("leaf.pem", "leaf.key");
    strata_tls_conn *c, *s;
    tu_pair(cctx, sctx, &c, &s);
    assert_ok(tu_handshake(c, s, NULL, 0));
    size_t off = 0, got = 0;
    int saw_want_write = 0;
    while (got < total) {
        if (off < total) {
            size_t sent;
            strata_status r = strata_tls_conn_sendall(c, in + off, total - off, &sent);
            assert_true(r == STRATA_OK || r == STRATA_WANT_WRITE);
            saw_want_write |= r == STRATA_WANT_WRITE;
            off += sent;
        }
        tu_pump(c, s, 0);
        while (got < total) {
            size_t n;
            strata_status r = strata_tls_conn_recv(s, out + got, total - got, &n);
            if (r == STRATA_WANT_READ)
                break;
            assert_ok(r);
            got += n;
        }
    }
    assert_true(saw_want_write);
    assert_memory_equal(in, out, total);
    free(in);
    free(out);
    strata_tls_conn_free(c);
    strata_tls_conn_free(s);
    strata_tls_ctx_free(cctx);
    strata_tls_ctx_free(sctx);
}

/* The client closes: the server reads CLOSED, answers, the client completes. */
static void test_orderly_close(void **state)
{
    (void)state;
    strata_tls_ctx *cctx = tu_client_ctx(), *sctx = tu_server_ctx("leaf.pem", "leaf.key");
    strata_tls_conn *c, *s;
    tu_pair(cctx, sctx, &c, &s);
    assert_ok(tu_handshake(c, s, NULL, 0));
    int complete = -1;
    size_t n;
    char buf[16];
    assert_ok(strata_tls_conn_shutdown(c, &complete));
    assert_int_equal(complete, 0);
    assert_int_equal(strata_tls_conn_get_shutdown(c), STRATA_TLS_SENT_SHUTDOWN);
    tu_pump(c, s, 0);
    assert_status(strata_tls_conn_recv(s, buf, sizeof(buf), &n), STRATA_CLOSED);
    assert_status(strata_tls_conn_recv(s, buf, sizeof(buf), &n), STRATA_CLOSED);
    assert_int_equal(strata_tls_conn_get_shutdown(s), STRATA_TLS_RECEIVED_SHUTDOWN);
    assert_ok(strata_tls_conn_shutdown(s, &complete));
    assert_int_equal(complete, 1);
    tu_pump(s, c, 0);
    assert_ok(strata_tls_conn_shutdown(c, &complete));
    assert_int_equal(complete, 1);
    assert_int_equal(strata_tls_conn_get_shutdown(c),
                     STRATA_TLS_SENT_SHUTDOWN | STRATA_TLS_RECEIVED_SHUTDOWN);
    assert_int_equal(strata_tls_conn_error(c)->status, STRATA_OK);
    strata_tls_conn_free(c);
    strata_tls_conn_free(s);
    strata_tls_ctx_free(cctx);
    strata_tls_ctx_free(sctx);
}

/* Both sides send close_notify before seeing the other's. */
static void test_both_close_at_once(void **state)
{
    (void)state;
    strata_tls_ctx *cctx = tu_client_ctx(), *sctx = tu_server_ctx("leaf.pem", "leaf.key");
    strata_tls_conn *c, *s;
    tu_pair(cctx, sctx, &c, &s);
    assert_ok(tu_handshake(c, s, NULL, 0));
    int cc = -1, sc = -1;
    /* Data in flight in both directions, then both close. */
    size_t sent, n;
    char buf[16];
    assert_ok(strata_tls_conn_send(c, "c2s", 3, &sent));
    assert_ok(strata_tls_conn_send(s, "s2c", 3, &sent));
    assert_ok(strata_tls_conn_shutdown(c, &cc));
    assert_ok(strata_tls_conn_shutdown(s, &sc));
    assert_int_equal(cc, 0);
    assert_int_equal(sc, 0);
    tu_pump(c, s, 0);
    tu_pump(s, c, 0);
    /* Data sent before the close still arrives, then CLOSED. */
    assert_ok(strata_tls_conn_recv(c, buf, sizeof(buf), &n));
    assert_memory_equal(buf, "s2c", 3);
    assert_ok(strata_tls_conn_recv(s, buf, sizeof(buf), &n));
    assert_memory_equal(buf, "c2s", 3);
    assert_status(strata_tls_conn_recv(c, buf, sizeof(buf), &n), STRATA_CLOSED);
    assert_status(strata_tls_conn_recv(s, buf, sizeof(buf), &n), STRATA_CLOSED);
    assert_ok(strata_tls_conn_shutdown(c, &cc));
    assert_ok(strata_tls_conn_shutdown(s, &sc));
    assert_int_equal(cc, 1);
    assert_int_equal(sc, 1);
    assert_int_equal(strata_tls_conn_bio_pending(c), 0); /* no second close_notify */
    strata_tls_conn_free(c);
    strata_tls_conn_free(s);
    strata_tls_ctx_free(cctx);
    strata_tls_ctx_free(sctx);
}

/* The zero-copy calls move the handshake and data as the copying ones do. */
static void test_zero_copy_bio(void **state)
{
    (void)state;
    strata_tls_ctx *cctx = tu_client_ctx(), *sctx = tu_server_ctx("leaf.pem", "leaf.key");
    strata_tls_conn *c, *s;
    tu_pair(cctx, sctx, &c, &s);
    strata_status rc = STRATA_WANT_READ, rs = STRATA_WANT_READ;
    strata_tls_conn *from[2] = {c, s}, *to[2] = {s, c};
    for (int i = 0; i < 50 && (rc != STRATA_OK || rs != STRATA_OK); i++) {
        if (rc != STRATA_OK)
            rc = strata_tls_conn_handshake(c);
        if (rs != STRATA_OK)
            rs = strata_tls_conn_handshake(s);
        for (int k = 0; k < 2; k++) {
            size_t n, cap;
            const uint8_t *p;
            while ((p = strata_tls_conn_bio_read_buf(from[k], &n)) != NULL) {
                uint8_t *w = strata_tls_conn_bio_write_buf(to[k], &cap);
                assert_non_null(w);
                size_t m = n < cap ? n : cap;
                memcpy(w, p, m);
                assert_ok(strata_tls_conn_bio_write_ack(to[k], m));
                assert_ok(strata_tls_conn_bio_read_ack(from[k], m));
            }
        }
    }
    assert_ok(rc);
    assert_ok(rs);
    size_t n;
    assert_null(strata_tls_conn_bio_read_buf(c, &n));
    assert_int_equal(n, 0);
    /* Acknowledging more than was offered is refused. */
    assert_status(strata_tls_conn_bio_read_ack(c, 1), STRATA_E_USAGE);
    strata_tls_conn_free(c);
    strata_tls_conn_free(s);
    strata_tls_ctx_free(cctx);
    strata_tls_ctx_free(sctx);
}

/* Exporter, randoms, master key and Finished agree on both sides. */
static void test_handshake_values(void **state)
{
    (void)state;
    for (int v = 0; v < 2; v++) {
        strata_tls_ctx *cctx = tu_client_ctx(), *sctx = tu_server_ctx("leaf.pem", "leaf.key");
        strata_tls_conn *c, *s;
        if (v == 1)
            assert_ok(strata_tls_ctx_set_max_version(sctx, STRATA_TLS_VERSION_TLS1_2));
        tu_pair(cctx, sctx, &c, &s);
        uint8_t a[64], b[64];
        size_t na, nb;
        assert_status(strata_tls_conn_client_random(c, a, sizeof(a), &na), STRATA_E_STATE);
        assert_ok(tu_handshake(c, s, NULL, 0));
        memset(a, 0, sizeof(a));
        memset(b, 0xff, sizeof(b));
        assert_ok(strata_tls_conn_client_random(c, a, sizeof(a), &na));
        assert_ok(strata_tls_conn_client_random(s, b, sizeof(b), &nb));
        assert_int_equal(na, 32);
        assert_memory_equal(a, b, 32);
        memset(a, 0, sizeof(a));
        memset(b, 0xff, sizeof(b));
        assert_ok(strata_tls_conn_server_random(c, a, sizeof(a), &na));
        assert_ok(strata_tls_conn_server_random(s, b, sizeof(b), &nb));
        assert_memory_equal(a, b, 32);
        memset(a, 0, sizeof(a)); /* each side writes its own copy */
        memset(b, 0xff, sizeof(b));
        assert_ok(strata_tls_conn_export_keying_material(c, "EXPORTER-test", (const uint8_t *)"x",
                                                         1, a, 40));
        assert_ok(strata_tls_conn_export_keying_material(s, "EXPORTER-test", (const uint8_t *)"x",
                                                         1, b, 40));
        assert_memory_equal(a, b, 40);
        uint8_t other[40];
        assert_ok(strata_tls_conn_export_keying_material(c, "EXPORTER-other", (const uint8_t *)"x",
                                                         1, other, 40));
        assert_memory_not_equal(a, other, 40); /* the label goes in */
        memset(a, 0, sizeof(a));
        memset(b, 0xff, sizeof(b));
        assert_ok(strata_tls_conn_get_finished(c, a, sizeof(a), &na));
        assert_ok(strata_tls_conn_get_peer_finished(s, b, sizeof(b), &nb));
        assert_int_equal(na, nb);
        assert_memory_equal(a, b, na);
        assert_true(na >= 12); /* verify_data: 12 bytes (TLS 1.2) or a hash (TLS 1.3) */
        if (v == 1) {
            memset(a, 0, sizeof(a));
            memset(b, 0xff, sizeof(b));
            assert_ok(strata_tls_conn_master_key(c, a, sizeof(a), &na));
            assert_ok(strata_tls_conn_master_key(s, b, sizeof(b), &nb));
            assert_int_equal(na, 48);
            assert_memory_equal(a, b, 48);
            assert_status(strata_tls_conn_master_key(c, a, 10, &na), STRATA_E_LIMIT);
        } else {
            assert_status(strata_tls_conn_master_key(c, a, sizeof(a), &na), STRATA_E_STATE);
        }
        strata_tls_conn_free(c);
        strata_tls_conn_free(s);
        strata_tls_ctx_free(cctx);
        strata_tls_ctx_free(sctx);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tls13_ec),          cmocka_unit_test(test_tls12_ec),
        cmocka_unit_test(test_rsa_both_versions), cmocka_unit_test(test_ed25519_both_versions),
        cmocka_unit_test(test_byte_at_a_time),    cmocka_unit_test(test_huge_write),
        cmocka_unit_test(test_orderly_close),     cmocka_unit_test(test_both_close_at_once),
        cmocka_unit_test(test_zero_copy_bio),     cmocka_unit_test(test_handshake_values),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
