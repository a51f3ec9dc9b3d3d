/* ssh/kdf: RFC 4253 §7.2 key derivation, checked against OpenSSL's own
 * SSHKDF (EVP_KDF, an independent implementation of the same section) for
 * every letter, several digests and output lengths that need K1 || K2 || ...,
 * plus a hand-computed two-block case from raw digests. */
#include <string.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/params.h>

#include "ssh/packet.h"
#include "testutil.h"

static void sshkdf_ref(const char *md, const uint8_t *K, size_t kl, const uint8_t *H, size_t hl,
                       char letter, const uint8_t *sid, size_t sl, uint8_t *out, size_t n)
{
    EVP_KDF *kdf = EVP_KDF_fetch(NULL, "SSHKDF", NULL);
    EVP_KDF_CTX *ctx = EVP_KDF_CTX_new(kdf);
    char type[2] = {letter, 0};
    OSSL_PARAM p[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, (char *)(uintptr_t)md, 0),
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, (void *)(uintptr_t)K, kl),
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SSHKDF_XCGHASH, (void *)(uintptr_t)H, hl),
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SSHKDF_SESSION_ID, (void *)(uintptr_t)sid,
                                          sl),
        OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_SSHKDF_TYPE, type, 0),
        OSSL_PARAM_construct_end()};
    assert_true(ctx && EVP_KDF_derive(ctx, out, n, p) == 1);
    EVP_KDF_CTX_free(ctx);
    EVP_KDF_free(kdf);
}

static void test_kdf_matches_openssl_sshkdf(void **state)
{
    (void)state;
    /* K as an mpint (uint32 length, magnitude with a leading 0x00). */
    uint8_t K[4 + 33], H[64], sid[64];
    K[0] = K[1] = K[2] = 0, K[3] = 33, K[4] = 0;
    tu_fill(K + 5, 32, 1);
    K[5] |= 0x80;
    tu_fill(H, sizeof(H), 2);
    tu_fill(sid, sizeof(sid), 3);
    static const struct {
        const char *md;
        size_t hlen;
    } mds[] = {{"SHA1", 20}, {"SHA256", 32}, {"SHA384", 48}, {"SHA512", 64}};
    static const size_t lens[] = {1, 12, 16, 20, 24, 32, 33, 64, 100, 200};
    for (size_t m = 0; m < sizeof(mds) / sizeof(mds[0]); m++)
        for (char letter = 'A'; letter <= 'F'; letter++)
            for (size_t l = 0; l < sizeof(lens) / sizeof(lens[0]); l++) {
                uint8_t got[200], want[200];
                assert_ok(strata__ssh_kdf(mds[m].md, K, sizeof(K), H, mds[m].hlen, letter, sid,
                                          mds[m].hlen, got, lens[l]));
                sshkdf_ref(mds[m].md, K, sizeof(K), H, mds[m].hlen, letter, sid, mds[m].hlen, want,
                           lens[l]);
                assert_memory_equal(got, want, lens[l]);
            }
}

/* 64 bytes with SHA-256 (chacha20-poly1305's key): K1 || K2 by hand. */
static void test_kdf_extension_by_hand(void **state)
{
    (void)state;
    const uint8_t K[] = {0, 0, 0, 2, 0x01, 0x02}, H[] = "exchange-hash", sid[] = "session";
    uint8_t got[64], k1[32], k2[32];
    unsigned int l = 0;
    EVP_MD_CTX *c = EVP_MD_CTX_new();
    assert_true(EVP_DigestInit_ex2(c, EVP_sha256(), NULL) && EVP_DigestUpdate(c, K, sizeof(K)) &&
                EVP_DigestUpdate(c, H, sizeof(H) - 1) && EVP_DigestUpdate(c, "C", 1) &&
                EVP_DigestUpdate(c, sid, sizeof(sid) - 1) && EVP_DigestFinal_ex(c, k1, &l));
    assert_true(EVP_DigestInit_ex2(c, EVP_sha256(), NULL) && EVP_DigestUpdate(c, K, sizeof(K)) &&
                EVP_DigestUpdate(c, H, sizeof(H) - 1) && EVP_DigestUpdate(c, k1, 32) &&
                EVP_DigestFinal_ex(c, k2, &l));
    EVP_MD_CTX_free(c);
    assert_ok(strata__ssh_kdf("SHA256", K, sizeof(K), H, sizeof(H) - 1, 'C', sid, sizeof(sid) - 1,
                              got, sizeof(got)));
    assert_memory_equal(got, k1, 32);
    assert_memory_equal(got + 32, k2, 32);
}

static void test_kdf_bad_arguments(void **state)
{
    (void)state;
    const uint8_t K[] = {0, 0, 0, 1, 5}, H[32] = {0};
    uint8_t out[16];
    memset(out, 0x55, sizeof(out));
    assert_status(strata__ssh_kdf("SHA256", K, sizeof(K), H, sizeof(H), 'G', H, 32, out, 16),
                  STRATA_E_USAGE);
    for (size_t i = 0; i < sizeof(out); i++)
        assert_int_equal(out[i], 0); /* output cleared */
    assert_status(strata__ssh_kdf("NOPE-HASH", K, sizeof(K), H, sizeof(H), 'A', H, 32, out, 16),
                  STRATA_E_UNSUPPORTED);
    assert_status(strata__ssh_kdf(NULL, K, sizeof(K), H, sizeof(H), 'A', H, 32, out, 16),
                  STRATA_E_UNSUPPORTED);
    assert_ok(strata__ssh_kdf("SHA256", K, sizeof(K), H, sizeof(H), 'A', H, 32, out, 0));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_kdf_matches_openssl_sshkdf),
        cmocka_unit_test(test_kdf_extension_by_hand),
        cmocka_unit_test(test_kdf_bad_arguments),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
