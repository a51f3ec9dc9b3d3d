/* sntrup761: the KEM (NTRU Prime round-3 specification, 2020: Streamlined NTRU Prime Core and
 * the KEM built on it: KeyGen', Encap, Decap with implicit rejection; also
 * draft-josefsson-ntruprime-streamlined).
 *
 * Hash_b(s) is the first 32 bytes of SHA-512(b || s) for a one-byte prefix b:
 *   cache = Hash_4(pk), stored in the secret key;
 *   Hide(r): c0 = Rounded(h r) encoded, hr = Hash_3(Small_encode(r)),
 *            C = c0 || Hash_2(hr || cache) (the confirmation);
 *   session key = Hash_1(hr || C); on rejection Hash_0(Hash_3(rho) || C).
 * Secret key layout: Small_encode(f) || Small_encode(1/g in R3) || pk || rho || cache.
 *
 * Randomness is drawn like the reference implementation: Small_random and Short_random each
 * take one 4p-byte draw read as p little-endian 32-bit words; KeyGen draws g (again until g is
 * invertible in R3), then f, then the 191 bytes of rho; Encap draws r.
 *
 * Decap is constant time in the secret key and in whether the ciphertext is valid: the
 * re-encryption is compared with a masked OR of differences, and the hash input (rho or r,
 * prefix 0 or 1) is chosen with masks. */
#include <string.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "pq/sntrup761.h"
#include "pq/sntrup761_internal.h"

#define P SNTRUP_P
#define W SNTRUP_W
#define SMALL SNTRUP_SMALL_BYTES
#define HB SNTRUP_HASH_BYTES
#define PK_BYTES STRATA_SNTRUP761_PUBLICKEY_BYTES
#define SK_BYTES STRATA_SNTRUP761_SECRETKEY_BYTES
#define CT_BYTES STRATA_SNTRUP761_CIPHERTEXT_BYTES
#define SS_BYTES STRATA_SNTRUP761_SHAREDSECRET_BYTES
#define MAX_G_DRAWS 64

/* Secret key offsets. */
#define SK_F 0
#define SK_GINV SMALL
#define SK_PK (2 * SMALL)
#define SK_RHO (SK_PK + PK_BYTES)
#define SK_CACHE (SK_RHO + SMALL)

_Static_assert(SK_CACHE + HB == SK_BYTES, "secret key layout");
_Static_assert(SNTRUP_RQ_BYTES == PK_BYTES, "public key size");
_Static_assert(SNTRUP_ROUNDED_BYTES + HB == CT_BYTES, "ciphertext size");

/* out = first 32 bytes of SHA-512(prefix || a || b); b may be NULL. 0 or -1. */
static int hash_prefix(uint8_t *out, uint8_t prefix, const uint8_t *a, size_t alen,
                       const uint8_t *b, size_t blen)
{
    uint8_t h[64];
    unsigned int n = 0;
    EVP_MD_CTX *c = EVP_MD_CTX_new();
    int ok = c && EVP_DigestInit_ex2(c, EVP_sha512(), NULL) && EVP_DigestUpdate(c, &prefix, 1) &&
             EVP_DigestUpdate(c, a, alen) && (!b || EVP_DigestUpdate(c, b, blen)) &&
             EVP_DigestFinal_ex(c, h, &n) && n == sizeof(h);
    EVP_MD_CTX_free(c);
    if (ok)
        memcpy(out, h, HB);
    OPENSSL_cleanse(h, sizeof(h));
    return ok ? 0 : -1;
}

/* p little-endian words from one draw of 4p bytes. */
static int random_words(uint32_t *L, strata__pq_random_fn rng, void *ctx)
{
    uint8_t buf[4 * P];
    int r = rng(ctx, buf, sizeof(buf));
    for (int i = 0; i < P; i++)
        L[i] = (uint32_t)buf[4 * i] | (uint32_t)buf[4 * i + 1] << 8 |
               (uint32_t)buf[4 * i + 2] << 16 | (uint32_t)buf[4 * i + 3] << 24;
    OPENSSL_cleanse(buf, sizeof(buf));
    return r == 0 ? 0 : -1;
}

/* Small_random: each coefficient floor(3 (L mod 2^30) / 2^30) - 1. */
static int small_random(int8_t *out, strata__pq_random_fn rng, void *ctx)
{
    uint32_t L[P];
    int r = random_words(L, rng, ctx);
    for (int i = 0; i < P; i++)
        out[i] = (int8_t)((((L[i] & 0x3fffffffu) * 3u) >> 30) - 1);
    OPENSSL_cleanse(L, sizeof(L));
    return r;
}

/* Short_random: weight exactly w. The first w words get low bits 00 or 10 (+-1 after the
 * shift), the rest 01 (0); sorting the words by value shuffles those low bits. */
static int short_random(int8_t *out, strata__pq_random_fn rng, void *ctx)
{
    uint32_t L[P];
    int r = random_words(L, rng, ctx);
    for (int i = 0; i < W; i++)
        L[i] &= ~1u;
    for (int i = W; i < P; i++)
        L[i] = (L[i] & ~3u) | 1u;
    strata__sntrup_sort_u32(L, P);
    for (int i = 0; i < P; i++)
        out[i] = (int8_t)((int32_t)(L[i] & 3u) - 1);
    OPENSSL_cleanse(L, sizeof(L));
    return r;
}

/* Hide: C = Rounded(h r) || Hash_2(Hash_3(r) || cache); also gives r_enc and hr. */
static int hide(uint8_t *C, uint8_t *r_enc, uint8_t *hr, const int8_t *r, const uint8_t *pk,
                const uint8_t *cache)
{
    int16_t h[P];
    strata__sntrup_small_encode(r_enc, r);
    strata__sntrup_rq_decode(h, pk);
    strata__sntrup_rq_mult_small(h, h, r);
    strata__sntrup_rounded_encode(C, h);
    OPENSSL_cleanse(h, sizeof(h));
    if (hash_prefix(hr, 3, r_enc, SMALL, NULL, 0) != 0)
        return -1;
    return hash_prefix(C + SNTRUP_ROUNDED_BYTES, 2, hr, HB, cache, HB);
}

strata_status strata__sntrup761_keypair_rng(uint8_t *pk, uint8_t *sk, strata__pq_random_fn rng,
                                            void *ctx)
{
    int8_t g[P], ginv[P], f[P];
    int16_t h[P];
    int bad = 0;

    /* Whether g is invertible is not secret: a g that is not is thrown away and drawn again.
     * Random g are almost always invertible (x^p - x - 1 has no root mod 3; none of 3000 random
     * g failed in a trial), so MAX_G_DRAWS failures in a row mean a broken source, which
     * would otherwise loop forever. */
    for (int draws = 0;; draws++) {
        if (draws == MAX_G_DRAWS || small_random(g, rng, ctx) != 0) {
            bad = 1;
            break;
        }
        if (strata__sntrup_r3_recip(ginv, g) == 0)
            break;
    }
    if (!bad)
        bad = short_random(f, rng, ctx) != 0;
    if (!bad) {
        /* h = g / (3 f) */
        strata__sntrup_rq_recip3(h, f);
        strata__sntrup_rq_mult_small(h, h, g);
        strata__sntrup_rq_encode(pk, h);
        strata__sntrup_small_encode(sk + SK_F, f);
        strata__sntrup_small_encode(sk + SK_GINV, ginv);
        memcpy(sk + SK_PK, pk, PK_BYTES);
        bad = hash_prefix(sk + SK_CACHE, 4, pk, PK_BYTES, NULL, 0) != 0 ||
              rng(ctx, sk + SK_RHO, SMALL) != 0;
    }
    OPENSSL_cleanse(g, sizeof(g));
    OPENSSL_cleanse(ginv, sizeof(ginv));
    OPENSSL_cleanse(f, sizeof(f));
    OPENSSL_cleanse(h, sizeof(h));
    if (bad) {
        OPENSSL_cleanse(pk, PK_BYTES);
        OPENSSL_cleanse(sk, SK_BYTES);
        return STRATA_E_CRYPTO;
    }
    return STRATA_OK;
}

static int rand_priv(void *ctx, uint8_t *out, size_t n)
{
    (void)ctx;
    return n <= 0x7fffffff && RAND_priv_bytes(out, (int)n) == 1 ? 0 : -1;
}

strata_status strata__sntrup761_keypair(uint8_t *pk, uint8_t *sk)
{
    return strata__sntrup761_keypair_rng(pk, sk, rand_priv, NULL);
}

strata_status strata__sntrup761_enc_rng(uint8_t *ct, uint8_t *ss, const uint8_t *pk,
                                        strata__pq_random_fn rng, void *ctx)
{
    uint8_t cache[HB], r_enc[SMALL], hr[HB];
    int8_t r[P];
    int bad = hash_prefix(cache, 4, pk, PK_BYTES, NULL, 0) != 0 || short_random(r, rng, ctx) != 0 ||
              hide(ct, r_enc, hr, r, pk, cache) != 0 ||
              hash_prefix(ss, 1, hr, HB, ct, CT_BYTES) != 0;
    OPENSSL_cleanse(r, sizeof(r));
    OPENSSL_cleanse(r_enc, sizeof(r_enc));
    OPENSSL_cleanse(hr, sizeof(hr));
    if (bad) {
        OPENSSL_cleanse(ct, CT_BYTES);
        OPENSSL_cleanse(ss, SS_BYTES);
        return STRATA_E_CRYPTO;
    }
    return STRATA_OK;
}

strata_status strata__sntrup761_enc(uint8_t *ct, uint8_t *ss, const uint8_t *pk)
{
    return strata__sntrup761_enc_rng(ct, ss, pk, rand_priv, NULL);
}

void strata__sntrup761_dec(uint8_t *ss, const uint8_t *ct, const uint8_t *sk)
{
    const uint8_t *pk = sk + SK_PK, *rho = sk + SK_RHO, *cache = sk + SK_CACHE;
    int16_t d[P];
    int8_t f[P], v[P], e[P], r[P];
    uint8_t cnew[CT_BYTES], r_enc[SMALL], hr[HB];

    /* r = (1/g) * (3 f c mod q, mod 3) in R3 (Core: Decrypt). */
    strata__sntrup_rounded_decode(d, ct);
    strata__sntrup_small_decode(f, sk + SK_F);
    strata__sntrup_rq_mult_small(d, d, f);
    for (int i = 0; i < P; i++)
        e[i] = strata__sntrup_f3_freeze(strata__sntrup_fq_freeze(3 * d[i]));
    strata__sntrup_small_decode(v, sk + SK_GINV);
    strata__sntrup_r3_mult(r, e, v);

    /* Decrypt outputs (1, ..., 1, 0, ..., 0) (w ones) when r does not have weight w. */
    int32_t weight = 0;
    for (int i = 0; i < P; i++)
        weight += r[i] & 1;
    uint32_t dw = (uint32_t)(weight - W);
    int8_t wrong = (int8_t)(0u - ((dw | (0u - dw)) >> 31));
    for (int i = 0; i < P; i++)
        r[i] = (int8_t)((r[i] & ~wrong) | ((i < W) & wrong));

    /* Re-encrypt and compare: fail = all ones when C differs. */
    int hashed = hide(cnew, r_enc, hr, r, pk, cache) == 0;
    uint32_t diff = 0;
    for (int i = 0; i < CT_BYTES; i++)
        diff |= (uint32_t)(ct[i] ^ cnew[i]);
    uint8_t fail = (uint8_t)(((diff - 1) >> 31) - 1); /* diff = 0: 0; else 0xff */
    for (int i = 0; i < SMALL; i++)
        r_enc[i] ^= fail & (r_enc[i] ^ rho[i]);
    hashed = hashed && hash_prefix(hr, 3, r_enc, SMALL, NULL, 0) == 0 &&
             hash_prefix(ss, (uint8_t)(1 + (int8_t)fail), hr, HB, ct, CT_BYTES) == 0;
    if (!hashed) {
        /* SHA-512 unavailable (allocation failure): a fresh random key, so this exchange
         * cannot agree; zero if even that fails (SSH mixes in the X25519 secret anyway). */
        if (RAND_priv_bytes(ss, SS_BYTES) != 1)
            memset(ss, 0, SS_BYTES);
    }

    OPENSSL_cleanse(d, sizeof(d));
    OPENSSL_cleanse(f, sizeof(f));
    OPENSSL_cleanse(v, sizeof(v));
    OPENSSL_cleanse(e, sizeof(e));
    OPENSSL_cleanse(r, sizeof(r));
    OPENSSL_cleanse(cnew, sizeof(cnew));
    OPENSSL_cleanse(r_enc, sizeof(r_enc));
    OPENSSL_cleanse(hr, sizeof(hr));
}
