/* pq: Keccak against OpenSSL's EVP SHA3/SHAKE, and ML-KEM-768 (FIPS 203)
 * against NIST's ACVP vectors (mlkem768_vectors.h says which file and tcId),
 * the §7.2 encapsulation-key check, random round trips and tampering. */
#include <string.h>
#include <openssl/evp.h>

#include "pq/keccak.h"
#include "pq/mlkem768.h"
#include "testutil.h"
#include "mlkem768_vectors.h"

#define PK_BYTES STRATA_MLKEM768_PUBLICKEY_BYTES
#define SK_BYTES STRATA_MLKEM768_SECRETKEY_BYTES
#define CT_BYTES STRATA_MLKEM768_CIPHERTEXT_BYTES
#define SS_BYTES STRATA_MLKEM768_SHAREDSECRET_BYTES

static void evp_digest(const EVP_MD *md, const uint8_t *in, size_t len, uint8_t *out, size_t n)
{
    EVP_MD_CTX *c = EVP_MD_CTX_new();
    unsigned int l = 0;
    assert_non_null(c);
    assert_true(EVP_DigestInit_ex2(c, md, NULL) && EVP_DigestUpdate(c, in, len));
    if (EVP_MD_get_flags(md) & EVP_MD_FLAG_XOF)
        assert_true(EVP_DigestFinalXOF(c, out, n));
    else
        assert_true(EVP_DigestFinal_ex(c, out, &l) && l == n);
    EVP_MD_CTX_free(c);
}

static void assert_sha256(const uint8_t *data, size_t len, const char *want_hex)
{
    uint8_t got[32], want[32];
    tu_unhex(want_hex, want, sizeof(want));
    evp_digest(EVP_sha256(), data, len, got, sizeof(got));
    assert_memory_equal(got, want, sizeof(got));
}

static void assert_hex(const uint8_t *got, size_t len, const char *want_hex)
{
    uint8_t want[64];
    assert_int_equal(tu_unhex(want_hex, want, sizeof(want)), len);
    assert_memory_equal(got, want, len);
}

/* Lengths around the SHA3-256/SHAKE256 rate (136) and the SHAKE128 rate (168). */
static const size_t keccak_lens[] = {0, 1, 135, 136, 137, 168, 1000};

static void test_keccak_matches_openssl(void **state)
{
    (void)state;
    uint8_t in[1000], got[600], want[600];
    tu_fill(in, sizeof(in), 7);
    for (size_t i = 0; i < sizeof(keccak_lens) / sizeof(keccak_lens[0]); i++) {
        size_t n = keccak_lens[i];
        strata__sha3_256(got, in, n);
        evp_digest(EVP_sha3_256(), in, n, want, 32);
        assert_memory_equal(got, want, 32);
        strata__sha3_512(got, in, n);
        evp_digest(EVP_sha3_512(), in, n, want, 64);
        assert_memory_equal(got, want, 64);
        /* outputs longer than one block of either rate */
        strata__shake128(got, sizeof(got), in, n);
        evp_digest(EVP_shake128(), in, n, want, sizeof(want));
        assert_memory_equal(got, want, sizeof(got));
        strata__shake256(got, sizeof(got), in, n);
        evp_digest(EVP_shake256(), in, n, want, sizeof(want));
        assert_memory_equal(got, want, sizeof(got));
    }
}

/* Absorbing in pieces and squeezing in pieces (bytes, then whole blocks) give
 * the one-shot output. */
static void test_keccak_incremental(void **state)
{
    (void)state;
    uint8_t in[1000], want[5 * STRATA_SHAKE128_RATE], got[sizeof(want)];
    tu_fill(in, sizeof(in), 8);
    for (size_t i = 0; i < sizeof(keccak_lens) / sizeof(keccak_lens[0]); i++) {
        size_t n = keccak_lens[i];
        strata__keccak k;

        evp_digest(EVP_shake128(), in, n, want, sizeof(want));
        strata__shake128_init(&k);
        for (size_t off = 0, step = 1; off < n; off += step, step = step * 3 + 1)
            strata__keccak_absorb(&k, in + off, step < n - off ? step : n - off);
        strata__shake_squeeze_blocks(&k, got, 2);
        strata__shake_squeeze_blocks(&k, got + 2 * STRATA_SHAKE128_RATE, 1);
        strata__shake_squeeze(&k, got + 3 * STRATA_SHAKE128_RATE, 5);
        strata__shake_squeeze(&k, got + 3 * STRATA_SHAKE128_RATE + 5, 2 * STRATA_SHAKE128_RATE - 5);
        assert_memory_equal(got, want, sizeof(want));

        evp_digest(EVP_shake256(), in, n, want, sizeof(want));
        strata__shake256_init(&k);
        strata__keccak_absorb(&k, in, n / 2);
        strata__keccak_absorb(&k, in + n / 2, n - n / 2);
        for (size_t off = 0; off < sizeof(got); off += 100)
            strata__shake_squeeze(&k, got + off, sizeof(got) - off < 100 ? sizeof(got) - off : 100);
        assert_memory_equal(got, want, sizeof(want));
        strata__keccak_wipe(&k);
    }
}

static void test_mlkem768_keygen_kat(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(kat_keygen) / sizeof(kat_keygen[0]); i++) {
        const struct kat_keygen *v = &kat_keygen[i];
        uint8_t d[32], z[32], pk[PK_BYTES], sk[SK_BYTES];
        tu_unhex(v->d, d, sizeof(d));
        tu_unhex(v->z, z, sizeof(z));
        strata__mlkem768_keypair_derand(pk, sk, d, z);
        if (v->tcid == 26)
            assert_memory_equal(pk, kat_kg26_ek, PK_BYTES);
        assert_sha256(pk, PK_BYTES, v->ek_sha256);
        assert_sha256(sk, SK_BYTES, v->dk_sha256);
    }
}

static void test_mlkem768_encaps_kat(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(kat_encaps) / sizeof(kat_encaps[0]); i++) {
        const struct kat_encaps *v = &kat_encaps[i];
        uint8_t m[32], ct[CT_BYTES], ss[SS_BYTES];
        tu_unhex(v->m, m, sizeof(m));
        assert_ok(strata__mlkem768_encaps_derand(ct, ss, v->ek, m));
        if (v->tcid == 26)
            assert_memory_equal(ct, kat_enc26_c, CT_BYTES);
        assert_sha256(ct, CT_BYTES, v->c_sha256);
        assert_hex(ss, SS_BYTES, v->k);
    }
}

static void test_mlkem768_decaps_kat(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(kat_decaps) / sizeof(kat_decaps[0]); i++) {
        const struct kat_decaps *v = &kat_decaps[i];
        uint8_t ss[SS_BYTES];
        if (v->modified)
            continue;
        strata__mlkem768_decaps(ss, v->c, kat_dec5_dk);
        assert_hex(ss, SS_BYTES, v->k);
    }
}

/* K_bar = J(z || c) = SHAKE256(z || c, 32), by OpenSSL. */
static void j_ref(uint8_t out[SS_BYTES], const uint8_t *sk, const uint8_t *ct)
{
    uint8_t in[32 + CT_BYTES];
    memcpy(in, sk + SK_BYTES - 32, 32);
    memcpy(in + 32, ct, CT_BYTES);
    evp_digest(EVP_shake256(), in, sizeof(in), out, SS_BYTES);
}

/* The ACVP "modify ciphertext" cases: the vector's K is J(z || c). */
static void test_mlkem768_decaps_implicit_rejection_kat(void **state)
{
    (void)state;
    int seen = 0;
    for (size_t i = 0; i < sizeof(kat_decaps) / sizeof(kat_decaps[0]); i++) {
        const struct kat_decaps *v = &kat_decaps[i];
        uint8_t ss[SS_BYTES], jz[SS_BYTES];
        if (!v->modified)
            continue;
        memset(ss, 0xA5, sizeof(ss));
        strata__mlkem768_decaps(ss, v->c, kat_dec5_dk);
        assert_hex(ss, SS_BYTES, v->k);
        j_ref(jz, kat_dec5_dk, v->c);
        assert_memory_equal(ss, jz, SS_BYTES);
        seen++;
    }
    assert_int_equal(seen, 2);
}

/* Sets the 12-bit coefficient number idx of the encoded t^ in pk. */
static void set_coeff(uint8_t *pk, size_t idx, unsigned v)
{
    uint8_t *b = pk + 3 * (idx / 2);
    if (idx % 2 == 0) {
        b[0] = (uint8_t)v;
        b[1] = (uint8_t)((b[1] & 0xF0) | (v >> 8));
    } else {
        b[1] = (uint8_t)((b[1] & 0x0F) | ((v & 0x0F) << 4));
        b[2] = (uint8_t)(v >> 4);
    }
}

/* FIPS 203 §7.2: a coefficient >= q fails the modulus check; ct and ss are
 * not written. q - 1 passes. */
static void test_mlkem768_encaps_key_check(void **state)
{
    (void)state;
    static const size_t where[] = {0, 1, 255, 256, 511, 767};
    static const unsigned bad[] = {3329, 4095};
    uint8_t pk[PK_BYTES], m[32], ct[CT_BYTES], ss[SS_BYTES], ct0[CT_BYTES], ss0[SS_BYTES];
    tu_fill(m, sizeof(m), 3);
    memset(ct0, 0x5A, sizeof(ct0));
    memset(ss0, 0x5A, sizeof(ss0));
    for (size_t w = 0; w < sizeof(where) / sizeof(where[0]); w++) {
        for (size_t b = 0; b < sizeof(bad) / sizeof(bad[0]); b++) {
            memcpy(pk, kat_enc26_ek, PK_BYTES);
            set_coeff(pk, where[w], bad[b]);
            memcpy(ct, ct0, sizeof(ct));
            memcpy(ss, ss0, sizeof(ss));
            assert_status(strata__mlkem768_encaps_derand(ct, ss, pk, m), STRATA_E_PROTOCOL);
            assert_memory_equal(ct, ct0, sizeof(ct));
            assert_memory_equal(ss, ss0, sizeof(ss));
            assert_status(strata__mlkem768_encaps(ct, ss, pk), STRATA_E_PROTOCOL);
        }
        memcpy(pk, kat_enc26_ek, PK_BYTES);
        set_coeff(pk, where[w], 3328);
        assert_ok(strata__mlkem768_encaps_derand(ct, ss, pk, m));
    }
}

/* Random keys: both sides agree; flipping a bit in each part of the
 * ciphertext (u[0], u[1], u[2] at 320 bytes each, then v) changes the key,
 * to J(z || c'). */
static void test_mlkem768_roundtrip_and_tamper(void **state)
{
    (void)state;
    static const size_t regions[] = {0, 320, 640, 960, CT_BYTES - 1};
    uint8_t pk[PK_BYTES], sk[SK_BYTES], ct[CT_BYTES], ss_a[SS_BYTES], ss_b[SS_BYTES];
    uint8_t jz[SS_BYTES];
    uint64_t seed = 42;
    for (int it = 0; it < 50; it++) {
        assert_ok(strata__mlkem768_keypair(pk, sk));
        assert_memory_equal(sk + 1152, pk, PK_BYTES); /* dk embeds ek */
        assert_ok(strata__mlkem768_encaps(ct, ss_a, pk));
        strata__mlkem768_decaps(ss_b, ct, sk);
        assert_memory_equal(ss_a, ss_b, SS_BYTES);
        for (size_t r = 0; r < sizeof(regions) / sizeof(regions[0]); r++) {
            size_t at = regions[r] + (size_t)(tu_rand(&seed) % 64) % (CT_BYTES - regions[r]);
            uint8_t bit = (uint8_t)(1u << (tu_rand(&seed) % 8));
            ct[at] ^= bit;
            strata__mlkem768_decaps(ss_b, ct, sk);
            assert_memory_not_equal(ss_a, ss_b, SS_BYTES);
            j_ref(jz, sk, ct);
            assert_memory_equal(ss_b, jz, SS_BYTES);
            ct[at] ^= bit;
        }
    }
}

/* Same seeds, same keys; a different z changes only the tail of dk. */
static void test_mlkem768_derand_is_deterministic(void **state)
{
    (void)state;
    uint8_t d[32], z[32], pk1[PK_BYTES], sk1[SK_BYTES], pk2[PK_BYTES], sk2[SK_BYTES];
    tu_fill(d, sizeof(d), 11);
    tu_fill(z, sizeof(z), 12);
    strata__mlkem768_keypair_derand(pk1, sk1, d, z);
    strata__mlkem768_keypair_derand(pk2, sk2, d, z);
    assert_memory_equal(pk1, pk2, PK_BYTES);
    assert_memory_equal(sk1, sk2, SK_BYTES);
    z[0] ^= 1;
    strata__mlkem768_keypair_derand(pk2, sk2, d, z);
    assert_memory_equal(pk1, pk2, PK_BYTES);
    assert_memory_equal(sk1, sk2, SK_BYTES - 32);
    assert_memory_not_equal(sk1 + SK_BYTES - 32, sk2 + SK_BYTES - 32, 32);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_keccak_matches_openssl),
        cmocka_unit_test(test_keccak_incremental),
        cmocka_unit_test(test_mlkem768_keygen_kat),
        cmocka_unit_test(test_mlkem768_encaps_kat),
        cmocka_unit_test(test_mlkem768_decaps_kat),
        cmocka_unit_test(test_mlkem768_decaps_implicit_rejection_kat),
        cmocka_unit_test(test_mlkem768_encaps_key_check),
        cmocka_unit_test(test_mlkem768_roundtrip_and_tamper),
        cmocka_unit_test(test_mlkem768_derand_is_deterministic),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
