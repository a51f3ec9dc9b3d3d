/* pq/sntrup761: known-answer tests, round trips, implicit rejection, the arithmetic.
 *
 * Known answers. NIST's KAT generator (PQCgenKAT_kem.c) draws its randomness from rng.c's
 * randombytes: an SP 800-90A CTR_DRBG on AES-256 without derivation function, seeded with the
 * bytes 0 .. 47; 100 seeds of 48 bytes come from that generator, and count i reseeds it with
 * seed i before keypair, enc (dec is checked to agree). The DRBG below is written from SP
 * 800-90A §10.2.1 (Update, Instantiate, Generate with no additional input). The generator
 * updates its state after every call, so the answers depend on how the bytes are split into
 * calls:
 *
 *  - the SUPERCOP reference (the code in OpenSSH, PQClean and liboqs) draws each list of p
 *    32-bit words with one call, as strata does. PQClean's crypto_kem/sntrup761/META.yml
 *    (nistkat-sha256) and liboqs's tests/KATs/kem/kats.json ("sntrup761": "single") give
 *    afc42c3a...: SHA-256 of count 0 printed as "count = 0\nseed = ..\npk = ..\nsk = ..\n
 *    ct = ..\nss = ..\n" (kats.json "all", 36e1e53d..., covers all 100 counts, separated by
 *    blank lines; strata reproduces it too, but the test stops at count 0).
 *  - the round-3 submission's own reference (the kat_kem.rsp in its KAT folder) reads each
 *    word with its own randombytes(4) call. That file, as copied into
 *    github.com/dyne/Zenroom test/vectors/sntrup761.rsp ("imported from the official round 3
 *    submission ... kem/sntrup761"), has SHA-256 ad4b7d9f... from "count = 0" to its end
 *    (100 counts, each followed by a blank line); the per-count digests and shared secrets of
 *    counts 0 .. 9 below were taken from it.
 *
 * Each hash covers the hex of pk, sk, ct and ss, so a match is a byte-for-byte comparison of
 * every value in the file. */
#include <stdio.h>
#include <string.h>
#include <openssl/evp.h>

#include "pq/sntrup761.h"
#include "pq/sntrup761_internal.h"
#include "testutil.h"

#define PKB STRATA_SNTRUP761_PUBLICKEY_BYTES
#define SKB STRATA_SNTRUP761_SECRETKEY_BYTES
#define CTB STRATA_SNTRUP761_CIPHERTEXT_BYTES
#define SSB STRATA_SNTRUP761_SHAREDSECRET_BYTES

/* --- NIST's KAT randomness: CTR_DRBG, AES-256, no derivation function ----------------------- */

struct drbg {
    EVP_CIPHER_CTX *c;
    uint8_t key[32], v[16];
    int words; /* split every 4p-byte draw into 4-byte calls (the submission's reference) */
};

static void drbg_block(struct drbg *d, uint8_t *out)
{
    int n = 0;
    for (int j = 15; j >= 0; j--) /* V = V + 1 mod 2^128 */
        if (++d->v[j] != 0)
            break;
    assert_true(EVP_EncryptUpdate(d->c, out, &n, d->v, 16) == 1 && n == 16);
}

/* SP 800-90A CTR_DRBG_Update: (Key, V) = leftmost 48 bytes of E(Key, V+1) .. E(Key, V+3)
 * XOR provided_data. */
static void drbg_update(struct drbg *d, const uint8_t *data)
{
    uint8_t t[48];
    for (int i = 0; i < 3; i++)
        drbg_block(d, t + 16 * i);
    for (int i = 0; data && i < 48; i++)
        t[i] ^= data[i];
    memcpy(d->key, t, 32);
    memcpy(d->v, t + 32, 16);
    assert_true(EVP_EncryptInit_ex2(d->c, NULL, d->key, NULL, NULL) == 1);
}

static void drbg_seed(struct drbg *d, const uint8_t seed[48])
{
    memset(d->key, 0, sizeof(d->key));
    memset(d->v, 0, sizeof(d->v));
    assert_true(EVP_EncryptInit_ex2(d->c, EVP_aes_256_ecb(), d->key, NULL, NULL) == 1);
    EVP_CIPHER_CTX_set_padding(d->c, 0);
    drbg_update(d, seed);
}

/* randombytes(): whole blocks, the tail of the last one dropped, then Update(NULL). */
static void drbg_generate(struct drbg *d, uint8_t *out, size_t n)
{
    uint8_t b[16];
    while (n > 0) {
        size_t k = n < 16 ? n : 16;
        drbg_block(d, b);
        memcpy(out, b, k);
        out += k;
        n -= k;
    }
    drbg_update(d, NULL);
}

static int drbg_rng(void *ctx, uint8_t *out, size_t n)
{
    struct drbg *d = ctx;
    if (d->words && n == 4 * SNTRUP_P) {
        for (size_t i = 0; i < n; i += 4)
            drbg_generate(d, out + i, 4);
        return 0;
    }
    drbg_generate(d, out, n);
    return 0;
}

/* --- printing the .rsp text into a digest ---------------------------------------------------- */

static void put_str(EVP_MD_CTX *m, const char *s)
{
    assert_true(EVP_DigestUpdate(m, s, strlen(s)) == 1);
}

static void put_hex(EVP_MD_CTX *m, const char *label, const uint8_t *a, size_t n)
{
    static const char hex[] = "0123456789ABCDEF";
    char line[2 * SKB + 16];
    size_t k = strlen(label);
    memcpy(line, label, k);
    for (size_t i = 0; i < n; i++) {
        line[k++] = hex[a[i] >> 4];
        line[k++] = hex[a[i] & 15];
    }
    line[k++] = '\n';
    assert_true(EVP_DigestUpdate(m, line, k) == 1);
}

static void to_hex(char *out, const uint8_t *a, size_t n)
{
    for (size_t i = 0; i < n; i++)
        snprintf(out + 2 * i, 3, "%02x", a[i]);
}

static void digest_hex(EVP_MD_CTX *m, char out[65])
{
    uint8_t h[32];
    unsigned int n = 0;
    assert_true(EVP_DigestFinal_ex(m, h, &n) == 1 && n == 32);
    to_hex(out, h, 32);
}

/* The text of one count ("count = i" .. "ss = ..\n") into each non-NULL digest. */
static void put_count(EVP_MD_CTX **ms, size_t nm, int count, const uint8_t *seed, const uint8_t *pk,
                      const uint8_t *sk, const uint8_t *ct, const uint8_t *ss)
{
    char head[32];
    snprintf(head, sizeof(head), "count = %d\n", count);
    for (size_t i = 0; i < nm; i++) {
        if (!ms[i])
            continue;
        put_str(ms[i], head);
        put_hex(ms[i], "seed = ", seed, 48);
        put_hex(ms[i], "pk = ", pk, PKB);
        put_hex(ms[i], "sk = ", sk, SKB);
        put_hex(ms[i], "ct = ", ct, CTB);
        put_hex(ms[i], "ss = ", ss, SSB);
    }
}

struct kat_run {
    uint8_t seeds[100][48];
    uint8_t pk[PKB], sk[SKB], ct[CTB], ss[SSB], ss2[SSB];
};

/* The 100 seeds of PQCgenKAT_kem.c. */
static void kat_seeds(struct kat_run *k, struct drbg *d)
{
    uint8_t entropy[48];
    for (int i = 0; i < 48; i++)
        entropy[i] = (uint8_t)i;
    drbg_seed(d, entropy);
    for (int i = 0; i < 100; i++)
        drbg_generate(d, k->seeds[i], 48);
}

static void kat_count(struct kat_run *k, struct drbg *d, int i)
{
    drbg_seed(d, k->seeds[i]);
    assert_ok(strata__sntrup761_keypair_rng(k->pk, k->sk, drbg_rng, d));
    assert_ok(strata__sntrup761_enc_rng(k->ct, k->ss, k->pk, drbg_rng, d));
    strata__sntrup761_dec(k->ss2, k->ct, k->sk);
    assert_memory_equal(k->ss, k->ss2, SSB);
}

/* Counts 0 .. 99 of the round-3 submission's kat_kem.rsp (see the top of the file). */
static void test_kat_submission_rsp(void **state)
{
    (void)state;
    static const char *const count_sha256[10] = {
        "2eba10673b9077530ba9c063d22f2534e415a6da42985c333c6baee133cc0ff1",
        "966f99907effda383b4e0cff90d6c0407fccd7f3d0f8702d2400bac7bda0e769",
        "edb15296c188ae2f394b40506cef6731d098595679cb20a9ed3160f32dd04a28",
        "e6ae6d8ae18342854dec7c0a06f5bb7ea46d511a72a73fa5a14b5c5ed8994fb6",
        "d911921b0debdd6dc74c45ab6031775bb2b1470f25524f4446737e4c7ce5518b",
        "2f22bbde34708af06d42651f53ebe352d4c2780831a5c1a5a081677e14c2039a",
        "06f117a002cca4316bce9e77888d9659cd30fcf4501b843668f2e1f570020e03",
        "2d0613b6683bdde878da82058f8f1a325dbdfb895bc83bfaa79e54a3a50a1da4",
        "c125c9509d33ecaad5bd8845e2c4e94ba1a38e466778540cfea5b09f3c1a7a0c",
        "13f29bb2fca84012b296a53c9e8699fbe8aa6a65c6c2183ab62f42ea28bc3b72",
    };
    static const char *const count_ss[10] = {
        "344ca5e25f6da5ea95e4a695b1c5446eca9859334532e4a9537669f012c743a2",
        "16c15126f734e51268ba916ce3b39a72e171ae79b8c2b6a68b34ab0dc5621b7e",
        "2df903b31750990d079674136656b106a3ab2277653efdab150f1e39881f1907",
        "0b437617697e7149328955b7d503dfb8fca6535aa17a379decc5e61863201835",
        "6373e8a2aa718203ea2794d6f2cf30f00d4ba10b512df14027c664665ed62453",
        "449255b1c5806c2330f029b682b3b863e10f26443c0894bbb03f62449480bd29",
        "73a7168c5f23cbe12066aa6520cc2827882f1ad872fd87f1e8a496e305a493d5",
        "628c55b3008b008f0a6636b548c7ffaa86f7a75f43012aa8d7f9a139f70717d6",
        "dee4ab9f9407a62baaccddd0f7692ef0cbaa83ce9df434e140edf141bd7e3ace",
        "9e5376ed59339c708d1f4a8894e1c701cd440e5b0c0d7ed3f5a81a086dd47efc",
    };
    static struct kat_run k;
    struct drbg d = {EVP_CIPHER_CTX_new(), {0}, {0}, 0};
    EVP_MD_CTX *all = EVP_MD_CTX_new(), *one = EVP_MD_CTX_new();
    assert_non_null(d.c);
    assert_true(all && one && EVP_DigestInit_ex2(all, EVP_sha256(), NULL) == 1);
    kat_seeds(&k, &d);
    d.words = 1;
    for (int i = 0; i < 100; i++) {
        kat_count(&k, &d, i);
        EVP_MD_CTX *ms[2] = {all, i < 10 ? one : NULL};
        if (i < 10)
            assert_true(EVP_DigestInit_ex2(one, EVP_sha256(), NULL) == 1);
        put_count(ms, 2, i, k.seeds[i], k.pk, k.sk, k.ct, k.ss);
        put_str(all, "\n");
        if (i < 10) {
            char got[65];
            digest_hex(one, got);
            assert_string_equal(got, count_sha256[i]);
            to_hex(got, k.ss, SSB);
            assert_string_equal(got, count_ss[i]);
        }
    }
    char got[65];
    digest_hex(all, got);
    assert_string_equal(got, "ad4b7d9f40a49eff69ad425220090e0de4ff27763e991876f34d4fb24c93e947");
    EVP_MD_CTX_free(all);
    EVP_MD_CTX_free(one);
    EVP_CIPHER_CTX_free(d.c);
}

/* Count 0 as PQClean and liboqs print it (see the top of the file). The 100-count digest of
 * liboqs ("all") differs from the submission's file only by the draw pattern already pinned
 * down here, and is left out to keep the test quick under the sanitizers. */
static void test_kat_pqclean_liboqs_count0(void **state)
{
    (void)state;
    static struct kat_run k;
    struct drbg d = {EVP_CIPHER_CTX_new(), {0}, {0}, 0};
    EVP_MD_CTX *single = EVP_MD_CTX_new();
    assert_non_null(d.c);
    assert_true(single && EVP_DigestInit_ex2(single, EVP_sha256(), NULL) == 1);
    kat_seeds(&k, &d);
    kat_count(&k, &d, 0);
    put_count(&single, 1, 0, k.seeds[0], k.pk, k.sk, k.ct, k.ss);
    char got[65];
    digest_hex(single, got);
    assert_string_equal(got, "afc42c3a5b10f4ef69654250097ebda9b9564570f4086744b24a6daf2bd1f89a");
    EVP_MD_CTX_free(single);
    EVP_CIPHER_CTX_free(d.c);
}

/* --- behaviour -------------------------------------------------------------------------------- */

/* The key decapsulation must give for a rejected ct: Hash_0(Hash_3(rho) || ct), each Hash_b the
 * first 32 bytes of SHA-512(b || ...). */
static void rejection_key(uint8_t *out, const uint8_t *ct, const uint8_t *sk)
{
    const uint8_t *rho = sk + 2 * SNTRUP_SMALL_BYTES + PKB;
    uint8_t h[64], b = 3;
    unsigned int n = 0;
    EVP_MD_CTX *m = EVP_MD_CTX_new();
    assert_true(m && EVP_DigestInit_ex2(m, EVP_sha512(), NULL) && EVP_DigestUpdate(m, &b, 1) &&
                EVP_DigestUpdate(m, rho, SNTRUP_SMALL_BYTES) && EVP_DigestFinal_ex(m, h, &n));
    b = 0;
    assert_true(EVP_DigestInit_ex2(m, EVP_sha512(), NULL) && EVP_DigestUpdate(m, &b, 1) &&
                EVP_DigestUpdate(m, h, 32) && EVP_DigestUpdate(m, ct, CTB) &&
                EVP_DigestFinal_ex(m, h, &n));
    EVP_MD_CTX_free(m);
    memcpy(out, h, SSB);
}

static void test_roundtrip_random(void **state)
{
    (void)state;
    static uint8_t pk[PKB], sk[SKB], ct[CTB], ss[SSB], ss2[SSB], prev[SSB];
    for (int i = 0; i < 20; i++) {
        assert_ok(strata__sntrup761_keypair(pk, sk));
        assert_memory_equal(sk + 2 * SNTRUP_SMALL_BYTES, pk, PKB); /* pk copy in sk */
        assert_ok(strata__sntrup761_enc(ct, ss, pk));
        strata__sntrup761_dec(ss2, ct, sk);
        assert_memory_equal(ss, ss2, SSB);
        if (i > 0)
            assert_memory_not_equal(ss, prev, SSB);
        memcpy(prev, ss, SSB);
    }
}

/* One flipped bit in each region of the ciphertext (the rounded polynomial's first, middle and
 * last byte, the confirmation hash's first and last) is rejected: the key is rejection_key(),
 * not the sender's, and the same on every try. */
static void test_tampered_ciphertext_rejected(void **state)
{
    (void)state;
    static uint8_t pk[PKB], sk[SKB], ct[CTB], bad[CTB], ss[SSB], got[SSB], again[SSB], want[SSB];
    static const size_t where[] = {0, 500, SNTRUP_ROUNDED_BYTES - 1, SNTRUP_ROUNDED_BYTES, CTB - 1};
    assert_ok(strata__sntrup761_keypair(pk, sk));
    assert_ok(strata__sntrup761_enc(ct, ss, pk));
    for (size_t w = 0; w < sizeof(where) / sizeof(where[0]); w++)
        for (int bit = 0; bit < 8; bit += 7) {
            memcpy(bad, ct, CTB);
            bad[where[w]] ^= (uint8_t)(1u << bit);
            strata__sntrup761_dec(got, bad, sk);
            assert_memory_not_equal(got, ss, SSB);
            rejection_key(want, bad, sk);
            assert_memory_equal(got, want, SSB);
            strata__sntrup761_dec(again, bad, sk);
            assert_memory_equal(got, again, SSB);
        }
    /* All zero and all 0xff ciphertexts (0xff.. is no canonical encoding) are rejected too. */
    memset(bad, 0, CTB);
    strata__sntrup761_dec(got, bad, sk);
    rejection_key(want, bad, sk);
    assert_memory_equal(got, want, SSB);
    memset(bad, 0xff, CTB);
    strata__sntrup761_dec(got, bad, sk);
    rejection_key(want, bad, sk);
    assert_memory_equal(got, want, SSB);
}

/* A ciphertext made for another key is rejected. */
static void test_other_key_rejected(void **state)
{
    (void)state;
    static uint8_t pk1[PKB], sk1[SKB], pk2[PKB], sk2[SKB], ct[CTB], ss[SSB], got[SSB], want[SSB];
    assert_ok(strata__sntrup761_keypair(pk1, sk1));
    assert_ok(strata__sntrup761_keypair(pk2, sk2));
    assert_memory_not_equal(pk1, pk2, PKB);
    assert_ok(strata__sntrup761_enc(ct, ss, pk1));
    strata__sntrup761_dec(got, ct, sk2);
    assert_memory_not_equal(got, ss, SSB);
    rejection_key(want, ct, sk2);
    assert_memory_equal(got, want, SSB);
}

static int failing_rng(void *ctx, uint8_t *out, size_t n)
{
    int *calls = ctx;
    memset(out, 0x55, n);
    return (*calls)-- > 0 ? 0 : -1;
}

/* A failing randomness source is STRATA_E_CRYPTO, at any of its draws, with zeroed outputs. */
static void test_rng_failure(void **state)
{
    (void)state;
    static uint8_t pk[PKB], sk[SKB], ct[CTB], ss[SSB], zero[SKB];
    for (int ok_calls = 0; ok_calls < 3; ok_calls++) {
        int calls = ok_calls;
        memset(pk, 1, PKB);
        memset(sk, 1, SKB);
        assert_status(strata__sntrup761_keypair_rng(pk, sk, failing_rng, &calls), STRATA_E_CRYPTO);
        assert_memory_equal(pk, zero, PKB);
        assert_memory_equal(sk, zero, SKB);
    }
    assert_ok(strata__sntrup761_keypair(pk, sk));
    int calls = 0;
    memset(ct, 1, CTB);
    memset(ss, 1, SSB);
    assert_status(strata__sntrup761_enc_rng(ct, ss, pk, failing_rng, &calls), STRATA_E_CRYPTO);
    assert_memory_equal(ct, zero, CTB);
    assert_memory_equal(ss, zero, SSB);
}

/* Every word 0x20000000 makes g = 0, never invertible: KeyGen gives up instead of looping. */
static int zero_g_rng(void *ctx, uint8_t *out, size_t n)
{
    int *calls = ctx;
    (*calls)++;
    for (size_t i = 0; i < n; i++)
        out[i] = i % 4 == 3 ? 0x20 : 0;
    return 0;
}

static void test_broken_rng_gives_up(void **state)
{
    (void)state;
    static uint8_t pk[PKB], sk[SKB], zero[SKB];
    int calls = 0;
    assert_status(strata__sntrup761_keypair_rng(pk, sk, zero_g_rng, &calls), STRATA_E_CRYPTO);
    assert_int_equal(calls, 64);
    assert_memory_equal(pk, zero, PKB);
    assert_memory_equal(sk, zero, SKB);
}

/* --- the arithmetic --------------------------------------------------------------------------- */

static void random_small(int8_t *f, uint64_t *seed)
{
    for (int i = 0; i < SNTRUP_P; i++)
        f[i] = (int8_t)(tu_rand(seed) % 3) - 1;
}

static void test_reciprocals(void **state)
{
    (void)state;
    uint64_t seed = 7;
    int8_t g[SNTRUP_P], ginv[SNTRUP_P], one3[SNTRUP_P];
    int16_t h[SNTRUP_P];
    int inverted = 0;
    for (int t = 0; t < 8; t++) {
        random_small(g, &seed);
        if (strata__sntrup_r3_recip(ginv, g) == 0) {
            inverted++;
            strata__sntrup_r3_mult(one3, ginv, g);
            for (int i = 0; i < SNTRUP_P; i++)
                assert_int_equal(one3[i], i == 0);
        }
        /* Rq is a field: 3 g (1/(3g)) = 1 for any nonzero g. */
        strata__sntrup_rq_recip3(h, g);
        strata__sntrup_rq_mult_small(h, h, g);
        for (int i = 0; i < SNTRUP_P; i++)
            assert_int_equal(strata__sntrup_fq_freeze(3 * h[i]), i == 0);
    }
    assert_true(inverted > 0);
    memset(g, 0, sizeof(g));
    assert_int_equal(strata__sntrup_r3_recip(ginv, g), -1);
}

static void test_freeze(void **state)
{
    (void)state;
    for (int32_t x = -(1 << 22); x <= (1 << 22); x++) {
        int16_t y = strata__sntrup_fq_freeze(x);
        assert_true(y >= -SNTRUP_Q12 && y <= SNTRUP_Q12 && (x - y) % SNTRUP_Q == 0);
        int8_t z = strata__sntrup_f3_freeze(x);
        assert_true(z >= -1 && z <= 1 && (x - z) % 3 == 0);
    }
    const int32_t edges[] = {(1 << 30) - 1, -(1 << 30) + 1, 2295, -2295, 2296, -2296};
    for (size_t i = 0; i < sizeof(edges) / sizeof(edges[0]); i++) {
        int16_t y = strata__sntrup_fq_freeze(edges[i]);
        assert_true(y >= -SNTRUP_Q12 && y <= SNTRUP_Q12 && (edges[i] - y) % SNTRUP_Q == 0);
    }
}

static void test_encodings_roundtrip(void **state)
{
    (void)state;
    uint64_t seed = 11;
    int16_t h[SNTRUP_P], h2[SNTRUP_P];
    int8_t f[SNTRUP_P], f2[SNTRUP_P];
    uint8_t s[SNTRUP_RQ_BYTES + 1];
    for (int t = 0; t < 4; t++) {
        for (int i = 0; i < SNTRUP_P; i++)
            h[i] = (int16_t)((int)(tu_rand(&seed) % SNTRUP_Q) - SNTRUP_Q12);
        if (t == 0)
            for (int i = 0; i < SNTRUP_P; i++)
                h[i] = (int16_t)(i & 1 ? SNTRUP_Q12 : -SNTRUP_Q12); /* extremes */
        s[SNTRUP_RQ_BYTES] = 0xa5;
        strata__sntrup_rq_encode(s, h);
        assert_int_equal(s[SNTRUP_RQ_BYTES], 0xa5); /* exactly 1158 bytes */
        strata__sntrup_rq_decode(h2, s);
        assert_memory_equal(h, h2, sizeof(h));

        s[SNTRUP_ROUNDED_BYTES] = 0xa5;
        strata__sntrup_rounded_encode(s, h);
        assert_int_equal(s[SNTRUP_ROUNDED_BYTES], 0xa5);
        strata__sntrup_rounded_decode(h2, s);
        for (int i = 0; i < SNTRUP_P; i++) {
            assert_int_equal(h2[i] % 3, 0);
            assert_true(h2[i] - h[i] >= -1 && h2[i] - h[i] <= 1);
        }

        random_small(f, &seed);
        strata__sntrup_small_encode(s, f);
        strata__sntrup_small_decode(f2, s);
        assert_memory_equal(f, f2, sizeof(f));
    }
}

static void test_sort(void **state)
{
    (void)state;
    uint64_t seed = 5;
    uint32_t x[SNTRUP_P];
    for (size_t n = 0; n <= SNTRUP_P; n += (n < 40 ? 1 : 97)) {
        for (size_t i = 0; i < n; i++)
            x[i] = (uint32_t)tu_rand(&seed) | (i & 1 ? 0x80000000u : 0);
        strata__sntrup_sort_u32(x, n);
        for (size_t i = 1; i < n; i++)
            assert_true(x[i - 1] <= x[i]);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_kat_submission_rsp),
        cmocka_unit_test(test_kat_pqclean_liboqs_count0),
        cmocka_unit_test(test_roundtrip_random),
        cmocka_unit_test(test_tampered_ciphertext_rejected),
        cmocka_unit_test(test_other_key_rejected),
        cmocka_unit_test(test_rng_failure),
        cmocka_unit_test(test_broken_rng_gives_up),
        cmocka_unit_test(test_reciprocals),
        cmocka_unit_test(test_freeze),
        cmocka_unit_test(test_encodings_roundtrip),
        cmocka_unit_test(test_sort),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
