/* UMAC (RFC 4418) on AES-128, written from the RFC's pseudocode.
 *
 * Implementation notes.
 * - Layers (RFC 4418, UHASH): L1 is NH over 1024-byte chunks of the message read
 *   as little-endian 32-bit words (ENDIAN-SWAP), each result plus the chunk's
 *   bit length; L2 is a polynomial hash of the L1 outputs modulo 2^64 - 59,
 *   switching to 2^128 - 159 after 2^17 bytes of L1 output (2^24 message
 *   bytes); L3 is an inner product modulo 2^36 - 5, truncated to 32 bits and
 *   xored with a key. One such UHASH iteration gives 4 bytes of tag; UMAC-64
 *   runs two with shifted keys (Toeplitz), UMAC-128 four.
 * - Messages of at most 1024 bytes skip L2 (UHASH: B = zeroes(8) || A).
 * - The message is hashed in one call, chunk by chunk, feeding L2 as it goes:
 *   nothing is buffered, so any length works (the RFC's 2^25-byte vector).
 * - Keys come from the RFC's KDF: AES-128 of (index, counter) as two 64-bit
 *   big-endian words. The pad (the RFC's PDF) is AES under KDF(K, 0, 16) of the
 *   nonce zero-padded to 16 bytes; for 4- and 8-byte tags the nonce's low
 *   bits choose which part of the block is used.
 * - 128-bit arithmetic uses the compiler's unsigned __int128 (GCC, Clang).
 */
#include <string.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "base/error_internal.h"
#include "ssh/umac.h"
#include "strata/mem.h"

__extension__ typedef unsigned __int128 u128;

#define UMAC_ITERS_MAX 4
#define L1_KEY_BYTES 1024                   /* NH key per iteration; also the chunk size */
#define P36 ((uint64_t)0xFFFFFFFFBu)        /* 2^36 - 5 */
#define P64 ((uint64_t)0xFFFFFFFFFFFFFFC5u) /* 2^64 - 59 */
#define P128 (~(u128)0 - 158u)              /* 2^128 - 159 */
#define MASK64 ((uint64_t)0x01FFFFFF01FFFFFFu)
#define POLY64_LIMIT ((uint64_t)0xFFFFFFFF00000000u)      /* 2^64 - 2^32 */
#define POLY128_LIMIT (((u128)0xFFFFFFFF00000000u << 64)) /* 2^128 - 2^96 */
#define L2_POLY64_WORDS (1u << 14)                        /* 2^17 bytes of L1 output */

struct strata__umac {
    EVP_CIPHER_CTX *pdf; /* AES-128-ECB under KDF(K, 0, 16) */
    size_t tag_len, iters;
    uint32_t nh_key[L1_KEY_BYTES / 4 + 4 * (UMAC_ITERS_MAX - 1)];
    uint64_t poly64_key[UMAC_ITERS_MAX];
    u128 poly128_key[UMAC_ITERS_MAX];
    uint64_t l3_key1[UMAC_ITERS_MAX][8]; /* reduced mod 2^36 - 5 */
    uint32_t l3_key2[UMAC_ITERS_MAX];
};

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint64_t be64(const uint8_t *p)
{
    return (uint64_t)be32(p) << 32 | be32(p + 4);
}

static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
}

static int aes_block(EVP_CIPHER_CTX *ctx, const uint8_t in[16], uint8_t out[16])
{
    int outl = 0;
    return EVP_EncryptUpdate(ctx, out, &outl, in, 16) && outl == 16;
}

static EVP_CIPHER_CTX *aes_ctx(const uint8_t key[16])
{
    EVP_CIPHER *aes = EVP_CIPHER_fetch(NULL, "AES-128-ECB", NULL);
    EVP_CIPHER_CTX *ctx = aes ? EVP_CIPHER_CTX_new() : NULL;
    if (ctx &&
        (!EVP_EncryptInit_ex2(ctx, aes, key, NULL, NULL) || !EVP_CIPHER_CTX_set_padding(ctx, 0))) {
        EVP_CIPHER_CTX_free(ctx);
        ctx = NULL;
    }
    EVP_CIPHER_free(aes);
    return ctx;
}

/* KDF: n bytes of AES_K(uint64 index || uint64 i), i = 1, 2, ... */
static int kdf(EVP_CIPHER_CTX *k, uint8_t index, uint8_t *out, size_t n)
{
    uint8_t in[16] = {0}, block[16];
    int ok = 1;
    in[7] = index;
    for (uint32_t i = 1; n > 0 && ok; i++) {
        in[12] = (uint8_t)(i >> 24);
        in[13] = (uint8_t)(i >> 16);
        in[14] = (uint8_t)(i >> 8);
        in[15] = (uint8_t)i;
        ok = aes_block(k, in, block);
        size_t c = n < 16 ? n : 16;
        memcpy(out, block, c);
        out += c;
        n -= c;
    }
    strata_memzero(block, sizeof(block));
    return ok;
}

/* UHASH's keys: 1024 + 16*(iters-1) bytes of NH key, 24 of L2 key, 64 + 4 of L3
 * key per iteration. */
static int derive(struct strata__umac *u, const uint8_t key[16])
{
    uint8_t buf[L1_KEY_BYTES + 16 * (UMAC_ITERS_MAX - 1)];
    EVP_CIPHER_CTX *k = aes_ctx(key);
    size_t it = u->iters;
    int ok = k != NULL;
    if (ok && (ok = kdf(k, 1, buf, L1_KEY_BYTES + 16 * (it - 1))))
        for (size_t i = 0; i < L1_KEY_BYTES / 4 + 4 * (it - 1); i++)
            u->nh_key[i] = be32(buf + 4 * i);
    if (ok && (ok = kdf(k, 2, buf, 24 * it)))
        for (size_t i = 0; i < it; i++) {
            const uint8_t *p = buf + 24 * i;
            u->poly64_key[i] = be64(p) & MASK64;
            u->poly128_key[i] = ((u128)(be64(p + 8) & MASK64) << 64) | (be64(p + 16) & MASK64);
        }
    if (ok && (ok = kdf(k, 3, buf, 64 * it)))
        for (size_t i = 0; i < it; i++)
            for (size_t j = 0; j < 8; j++)
                u->l3_key1[i][j] = be64(buf + 64 * i + 8 * j) % P36;
    if (ok && (ok = kdf(k, 4, buf, 4 * it)))
        for (size_t i = 0; i < it; i++)
            u->l3_key2[i] = be32(buf + 4 * i);
    if (ok && (ok = kdf(k, 0, buf, 16)))
        ok = (u->pdf = aes_ctx(buf)) != NULL;
    strata_memzero(buf, sizeof(buf));
    EVP_CIPHER_CTX_free(k);
    return ok;
}

/* NH: len a multiple of 32; 32-bit sums wrap, the 64-bit total too. */
static uint64_t nh(const uint32_t *k, const uint8_t *m, size_t len)
{
    uint64_t y = 0;
    for (size_t i = 0; i < len / 4; i += 8)
        for (size_t j = 0; j < 4; j++) {
            uint32_t a = le32(m + 4 * (i + j)) + k[i + j];
            uint32_t b = le32(m + 4 * (i + j + 4)) + k[i + j + 4];
            y += (uint64_t)a * b;
        }
    return y;
}

/* POLY, one step modulo 2^64 - 59 (marker p - 1, offset 59). */
static uint64_t poly64_mul_add(uint64_t y, uint64_t k, uint64_t m)
{
    return (uint64_t)(((u128)k * y + m) % P64);
}

static uint64_t poly64(uint64_t y, uint64_t k, uint64_t m)
{
    if (m >= POLY64_LIMIT) {
        y = poly64_mul_add(y, k, P64 - 1);
        m -= (uint64_t)0 - P64;
    }
    return poly64_mul_add(y, k, m);
}

/* x + a modulo 2^128 - 159, for x, a < 2^128 and x < p. */
static u128 add128(u128 x, u128 a)
{
    u128 s = x + a;
    if (s < x)
        s += 159; /* 2^128 = 159 (mod p); s is small after the wrap */
    return s >= P128 ? s - P128 : s;
}

/* k * y modulo 2^128 - 159: the 256-bit product, folded twice at 2^128. */
static u128 mul128(u128 k, u128 y)
{
    uint64_t kl = (uint64_t)k, kh = (uint64_t)(k >> 64), yl = (uint64_t)y, yh = (uint64_t)(y >> 64);
    u128 ll = (u128)kl * yl, lh = (u128)kl * yh, hl = (u128)kh * yl, hh = (u128)kh * yh;
    u128 mid = (ll >> 64) + (uint64_t)lh + (uint64_t)hl;
    u128 lo = (mid << 64) | (uint64_t)ll;
    u128 hi = hh + (lh >> 64) + (hl >> 64) + (mid >> 64);
    /* hi * 2^128 + lo = hi * 159 + lo; hi * 159 split in 64-bit halves. */
    u128 a0 = (u128)(uint64_t)hi * 159, a1 = (u128)(uint64_t)(hi >> 64) * 159;
    u128 acc = (u128)(uint64_t)lo + (uint64_t)a0;
    uint64_t s0 = (uint64_t)acc;
    acc = (acc >> 64) + (uint64_t)(lo >> 64) + (a0 >> 64) + (uint64_t)a1;
    uint64_t s1 = (uint64_t)acc;
    uint64_t s2 = (uint64_t)(acc >> 64) + (uint64_t)(a1 >> 64);
    return add128(add128(0, ((u128)s1 << 64) | s0), (u128)s2 * 159);
}

static u128 poly128(u128 y, u128 k, u128 m)
{
    if (m >= POLY128_LIMIT) {
        y = add128(mul128(k, y), P128 - 1);
        m -= 159;
    }
    return add128(mul128(k, y), m);
}

/* L2-HASH state for one iteration, fed one L1 output at a time. */
struct l2 {
    uint64_t y64;
    u128 y128, half; /* half: a pending first 8 bytes of a 16-byte word */
    size_t words;
    int have_half;
};

static void l2_feed(struct l2 *s, const struct strata__umac *u, size_t i, uint64_t a)
{
    if (s->words < L2_POLY64_WORDS) {
        s->y64 = poly64(s->y64, u->poly64_key[i], a);
    } else {
        if (s->words == L2_POLY64_WORDS) /* M_2 starts: POLY128 of y || M_2 */
            s->y128 = poly128(1, u->poly128_key[i], s->y64);
        if (s->have_half)
            s->y128 = poly128(s->y128, u->poly128_key[i], s->half | a);
        else
            s->half = (u128)a << 64;
        s->have_half = !s->have_half;
    }
    s->words++;
}

/* The L2 result as 16 bytes' worth (hi, lo). */
static u128 l2_end(struct l2 *s, const struct strata__umac *u, size_t i)
{
    if (s->words <= L2_POLY64_WORDS)
        return s->y64;
    /* M_2 || 0x80, zero-padded to 16 bytes. */
    u128 last = s->have_half ? s->half | ((u128)0x80 << 56) : (u128)0x80 << 120;
    return poly128(s->y128, u->poly128_key[i], last);
}

/* L3-HASH: 16 bytes as eight 16-bit words against K1, then xor K2. */
static uint32_t l3(const struct strata__umac *u, size_t i, u128 b)
{
    uint64_t y = 0;
    for (int j = 0; j < 8; j++) {
        uint64_t m = (uint64_t)(b >> (16 * (7 - j))) & 0xFFFF;
        y = (y + m * u->l3_key1[i][j]) % P36;
    }
    return (uint32_t)y ^ u->l3_key2[i];
}

/* UHASH, all iterations in one pass over the message. */
static void uhash(const struct strata__umac *u, const uint8_t *m, size_t n, uint8_t *out)
{
    struct l2 s[UMAC_ITERS_MAX];
    uint64_t a[UMAC_ITERS_MAX] = {0};
    uint8_t last[L1_KEY_BYTES];
    memset(s, 0, sizeof(s));
    for (size_t i = 0; i < u->iters; i++)
        s[i].y64 = 1;
    size_t off = 0;
    do {
        size_t c = n - off > L1_KEY_BYTES ? L1_KEY_BYTES : n - off;
        const uint8_t *chunk = m + off;
        size_t padded = c;
        if (c < L1_KEY_BYTES) {
            /* The last chunk, zero-padded to a positive multiple of 32. */
            padded = c == 0 ? 32 : (c + 31) / 32 * 32;
            memset(last, 0, padded);
            if (c)
                memcpy(last, chunk, c);
            chunk = last;
        }
        for (size_t i = 0; i < u->iters; i++) {
            a[i] = nh(u->nh_key + 4 * i, chunk, padded) + (uint64_t)c * 8;
            if (n > L1_KEY_BYTES)
                l2_feed(&s[i], u, i, a[i]);
        }
        off += c;
    } while (off < n);
    for (size_t i = 0; i < u->iters; i++) {
        u128 b = n > L1_KEY_BYTES ? l2_end(&s[i], u, i) : a[i];
        uint32_t y = l3(u, i, b);
        out[4 * i] = (uint8_t)(y >> 24);
        out[4 * i + 1] = (uint8_t)(y >> 16);
        out[4 * i + 2] = (uint8_t)(y >> 8);
        out[4 * i + 3] = (uint8_t)y;
    }
    strata_memzero(last, sizeof(last));
    strata_memzero(s, sizeof(s));
    strata_memzero(a, sizeof(a));
}

strata_status strata__umac_new(const uint8_t key[STRATA_UMAC_KEY_LEN], size_t tag_len,
                               struct strata__umac **out, strata_error *err)
{
    *out = NULL;
    if (tag_len == 0 || tag_len > STRATA_UMAC_TAG_MAX || tag_len % 4)
        return strata__error_set(err, STRATA_E_USAGE, "UMAC tags are 4, 8, 12 or 16 bytes, not %zu",
                                 tag_len);
    struct strata__umac *u = OPENSSL_zalloc(sizeof(*u));
    if (!u)
        return strata__error_set(err, STRATA_E_NOMEM, "out of memory");
    u->tag_len = tag_len;
    u->iters = tag_len / 4;
    if (!derive(u, key)) {
        strata__umac_free(u);
        return strata__error_set_ossl(err, STRATA_E_CRYPTO,
                                      "cannot derive the UMAC keys (AES-128)");
    }
    *out = u;
    return STRATA_OK;
}

strata_status strata__umac_tag(struct strata__umac *u, const uint8_t *msg, size_t n,
                               const uint8_t *nonce, size_t nonce_len, uint8_t *tag,
                               strata_error *err)
{
    if (nonce_len == 0 || nonce_len > STRATA_UMAC_NONCE_MAX)
        return strata__error_set(err, STRATA_E_USAGE, "UMAC nonces are 1 to 16 bytes");
    /* PDF: for 4- and 8-byte tags the nonce's low bits pick the part
     * of the block, and are cleared before it is enciphered. */
    uint8_t block[16] = {0}, pad[16], hash[STRATA_UMAC_TAG_MAX];
    memcpy(block, nonce, nonce_len);
    size_t index = 0;
    if (u->tag_len <= 8) {
        uint8_t bits = u->tag_len == 4 ? 3 : 1;
        index = block[nonce_len - 1] & bits;
        block[nonce_len - 1] &= (uint8_t)~bits;
    }
    if (!aes_block(u->pdf, block, pad))
        return strata__error_set_ossl(err, STRATA_E_CRYPTO, "UMAC pad: AES failed");
    uhash(u, msg, n, hash);
    for (size_t i = 0; i < u->tag_len; i++)
        tag[i] = hash[i] ^ pad[index * u->tag_len + i];
    strata_memzero(pad, sizeof(pad));
    strata_memzero(hash, sizeof(hash));
    return STRATA_OK;
}

size_t strata__umac_tag_len(const struct strata__umac *u)
{
    return u->tag_len;
}

void strata__umac_free(struct strata__umac *u)
{
    if (!u)
        return;
    EVP_CIPHER_CTX_free(u->pdf);
    OPENSSL_clear_free(u, sizeof(*u));
}
