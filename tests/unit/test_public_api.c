/* The public APIs the CLI uses instead of library internals (it builds from
 * include/strata/ only): strata_error_set/vset, strata_pki_read_file/stream,
 * strata_kem_*, strata_ssh_packet_*, strata_ssh_kex_selftest. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "testutil.h"
#include "strata/kem.h"
#include "strata/mem.h"
#include "strata/pki.h"
#include "strata/ssh.h"
#include "strata/ssh_packet.h"

static strata_status vset(strata_error *e, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    strata_status r = strata_error_vset(e, STRATA_E_FORMAT, fmt, ap);
    va_end(ap);
    return r;
}

static void test_error_set(void **state)
{
    (void)state;
    strata_error e;
    strata_error_clear(&e);
    assert_status(strata_error_set(&e, STRATA_E_USAGE, "bad %s %d", "thing", 7), STRATA_E_USAGE);
    assert_status(e.status, STRATA_E_USAGE);
    assert_string_equal(strata_error_message(&e), "bad thing 7");
    /* The first error sticks; the status is returned anyway. */
    assert_status(strata_error_set(&e, STRATA_E_IO, "later"), STRATA_E_IO);
    assert_string_equal(strata_error_message(&e), "bad thing 7");
    strata_error_clear(&e);
    assert_status(vset(&e, "v%s", "list"), STRATA_E_FORMAT);
    assert_string_equal(strata_error_message(&e), "vlist");
}

static void test_pki_read_file(void **state)
{
    (void)state;
    char path[] = "/tmp/strata-read-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    FILE *f = fdopen(fd, "w+");
    assert_non_null(f);
    fputs("some bytes", f);
    fflush(f);
    strata_buf b;
    strata_error e;
    strata_error_clear(&e);
    strata_buf_init(&b, 0);
    assert_ok(strata_pki_read_file(path, &b, 1, &e));
    assert_int_equal(strata_buf_len(&b), 10);
    assert_memory_equal(strata_buf_ptr(&b), "some bytes", 10);
    strata_buf_free(&b);
    rewind(f);
    strata_buf_init(&b, 0);
    assert_ok(strata_pki_read_stream(f, "the stream", &b, 0, &e));
    assert_int_equal(strata_buf_len(&b), 10);
    strata_buf_free(&b);
    fclose(f);
    unlink(path);
    strata_buf_init(&b, 0);
    assert_true(strata_pki_read_file(path, &b, 0, &e) != STRATA_OK);
    assert_non_null(strstr(strata_error_message(&e), path));
    strata_buf_free(&b);
}

static void test_kem(void **state)
{
    (void)state;
    static const strata_kem_alg algs[] = {STRATA_KEM_MLKEM768, STRATA_KEM_SNTRUP761};
    static const size_t want[2][4] = {{1184, 2400, 1088, 32}, {1158, 1763, 1039, 32}};
    for (size_t i = 0; i < 2; i++) {
        size_t pk, sk, ct, ss;
        assert_ok(strata_kem_sizes(algs[i], &pk, &sk, &ct, &ss));
        assert_int_equal(pk, want[i][0]);
        assert_int_equal(sk, want[i][1]);
        assert_int_equal(ct, want[i][2]);
        assert_int_equal(ss, want[i][3]);
        uint8_t *p = malloc(pk), *s = malloc(sk), *c = malloc(ct), a[32], b[32];
        assert_ok(strata_kem_keypair(algs[i], p, s));
        assert_ok(strata_kem_encaps(algs[i], c, a, p));
        assert_ok(strata_kem_decaps(algs[i], b, c, s));
        assert_memory_equal(a, b, 32);
        c[ct / 2] ^= 1; /* implicit rejection: another key, no error */
        assert_ok(strata_kem_decaps(algs[i], b, c, s));
        assert_memory_not_equal(a, b, 32);
        strata_memzero(s, sk);
        free(p), free(s), free(c);
    }
    assert_string_equal(strata_kem_name(STRATA_KEM_MLKEM768), "ML-KEM-768");
    assert_string_equal(strata_kem_name(STRATA_KEM_SNTRUP761), "sntrup761");
    assert_null(strata_kem_name((strata_kem_alg)9));
    assert_status(strata_kem_sizes((strata_kem_alg)9, NULL, NULL, NULL, NULL), STRATA_E_USAGE);
    uint8_t x[1];
    assert_status(strata_kem_decaps((strata_kem_alg)9, x, x, x), STRATA_E_USAGE);
}

static void test_packet(void **state)
{
    (void)state;
    uint8_t material[64];
    tu_fill(material, sizeof(material), 5);
    strata_error e;
    strata_error_clear(&e);
    strata_ssh_packet_dir *o = NULL, *in = NULL;
    assert_ok(strata_ssh_packet_dir_new(1, "aes128-ctr", "hmac-sha2-256-etm@openssh.com", material,
                                        sizeof(material), &o, &e));
    assert_ok(strata_ssh_packet_dir_new(0, "aes128-ctr", "hmac-sha2-256-etm@openssh.com", material,
                                        sizeof(material), &in, &e));
    strata_buf wire;
    strata_buf_init(&wire, 0);
    static const uint8_t msg[] = "\x5ehello packet";
    assert_ok(strata_ssh_packet_seal(o, msg, sizeof(msg), &wire, &e));
    assert_ok(strata_ssh_packet_seal(o, msg, sizeof(msg), &wire, &e));
    const uint8_t *p;
    size_t n;
    assert_ok(strata_ssh_packet_open(in, &wire, &p, &n, &e));
    assert_int_equal(n, sizeof(msg));
    assert_memory_equal(p, msg, n);
    /* The second packet, a bit flipped in its MAC: refused. */
    ((uint8_t *)strata_buf_ptr(&wire))[strata_buf_len(&wire) - 1] ^= 1;
    assert_status(strata_ssh_packet_open(in, &wire, &p, &n, &e), STRATA_E_SSH_MAC);
    strata_buf_free(&wire);
    strata_ssh_packet_dir_free(o);
    strata_ssh_packet_dir_free(in);
    strata_error_clear(&e);
    assert_status(strata_ssh_packet_dir_new(1, "aes128-ctr", "hmac-sha2-256", material, 8, &o, &e),
                  STRATA_E_USAGE);
    assert_string_equal(strata_error_message(&e),
                        "packet direction: 8 bytes of key material are too few");
    strata_error_clear(&e);
    assert_status(strata_ssh_packet_dir_new(1, "rot13", NULL, material, 64, &o, &e),
                  STRATA_E_UNSUPPORTED);
    assert_null(o);
}

static void test_kex_selftest(void **state)
{
    (void)state;
    static const char *const methods[] = {"mlkem768x25519-sha256",
                                          "sntrup761x25519-sha512",
                                          "curve25519-sha256",
                                          "ecdh-sha2-nistp256",
                                          "diffie-hellman-group14-sha256",
                                          "diffie-hellman-group-exchange-sha256"};
    strata_error e;
    for (size_t i = 0; i < sizeof(methods) / sizeof(methods[0]); i++) {
        strata_error_clear(&e);
        if (strata_ssh_kex_selftest(methods[i], &e) != STRATA_OK)
            fail_msg("%s: %s", methods[i], strata_error_message(&e));
    }
    strata_error_clear(&e);
    assert_status(strata_ssh_kex_selftest("no-such-kex", &e), STRATA_E_UNSUPPORTED);
    assert_string_equal(strata_error_message(&e), "unknown key exchange method 'no-such-kex'");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_error_set),    cmocka_unit_test(test_pki_read_file),
        cmocka_unit_test(test_kem),          cmocka_unit_test(test_packet),
        cmocka_unit_test(test_kex_selftest),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
