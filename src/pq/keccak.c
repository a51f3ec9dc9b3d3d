/* Keccak-f[1600] and SHA3-256 / SHA3-512 / SHAKE128 / SHAKE256 (FIPS 202).
 *
 * Implementation note. The state is 25 little-endian 64-bit lanes, lane
 * (x, y) at index x + 5y (FIPS 202 §3.1.2). A round is theta, rho and pi
 * folded into one pass through two tables, chi, then iota (§3.2). Bytes enter
 * and leave the state little-endian within each lane, so the code is the same
 * on any host byte order. The padding is pad10*1 with the domain bits in
 * front of it: 0x06 for SHA3, 0x1F for SHAKE (§B.2). Nothing here branches on
 * or indexes by the data, only by lengths. */
#include <string.h>
#include <openssl/crypto.h>

#include "pq/keccak.h"

#define DOMAIN_SHA3 0x06
#define DOMAIN_SHAKE 0x1F

/* FIPS 202 §3.2.5: the round constants RC[ir]. */
static const uint64_t RC[24] = {
    0x0000000000000001ULL, 0x0000000000008082ULL, 0x800000000000808AULL, 0x8000000080008000ULL,
    0x000000000000808BULL, 0x0000000080000001ULL, 0x8000000080008081ULL, 0x8000000000008009ULL,
    0x000000000000008AULL, 0x0000000000000088ULL, 0x0000000080008009ULL, 0x000000008000000AULL,
    0x000000008000808BULL, 0x800000000000008BULL, 0x8000000000008089ULL, 0x8000000000008003ULL,
    0x8000000000008002ULL, 0x8000000000000080ULL, 0x000000000000800AULL, 0x800000008000000AULL,
    0x8000000080008081ULL, 0x8000000000008080ULL, 0x0000000080000001ULL, 0x8000000080008008ULL};

/* rho offsets (§3.2.2) by source lane x + 5y. */
static const unsigned RHO[25] = {0,  1,  62, 28, 27, 36, 44, 6,  55, 20, 3,  10, 43,
                                 25, 39, 41, 45, 15, 21, 8,  18, 2,  61, 56, 14};
/* pi (§3.2.3): lane x + 5y moves to y + 5((2x + 3y) mod 5). */
static const unsigned PI[25] = {0,  10, 20, 5, 15, 16, 1,  11, 21, 6, 7,  17, 2,
                                12, 22, 23, 8, 18, 3,  13, 14, 24, 9, 19, 4};

static inline uint64_t rotl(uint64_t v, unsigned n)
{
    return (v << n) | (v >> ((64 - n) & 63));
}

void strata__keccak_f1600(uint64_t s[25])
{
    uint64_t b[25], c[5], d[5];
    for (int r = 0; r < 24; r++) {
        /* theta */
        for (int x = 0; x < 5; x++)
            c[x] = s[x] ^ s[x + 5] ^ s[x + 10] ^ s[x + 15] ^ s[x + 20];
        for (int x = 0; x < 5; x++)
            d[x] = c[(x + 4) % 5] ^ rotl(c[(x + 1) % 5], 1);
        /* theta applied, then rho and pi into b */
        for (int i = 0; i < 25; i++)
            b[PI[i]] = rotl(s[i] ^ d[i % 5], RHO[i]);
        /* chi */
        for (int y = 0; y < 25; y += 5)
            for (int x = 0; x < 5; x++)
                s[y + x] = b[y + x] ^ (~b[y + (x + 1) % 5] & b[y + (x + 2) % 5]);
        /* iota */
        s[0] ^= RC[r];
    }
}

static void init(strata__keccak *k, unsigned rate)
{
    memset(k->s, 0, sizeof(k->s));
    k->rate = rate;
    k->pos = 0;
    k->squeezing = 0;
}

void strata__shake128_init(strata__keccak *k)
{
    init(k, STRATA_SHAKE128_RATE);
}

void strata__shake256_init(strata__keccak *k)
{
    init(k, STRATA_SHAKE256_RATE);
}

void strata__keccak_absorb(strata__keccak *k, const uint8_t *in, size_t len)
{
    unsigned pos = k->pos;
    while (len > 0) {
        /* whole lanes when aligned */
        if ((pos & 7) == 0 && len >= 8 && pos + 8 <= k->rate) {
            uint64_t w = 0;
            for (int j = 7; j >= 0; j--)
                w = (w << 8) | in[j];
            k->s[pos / 8] ^= w;
            pos += 8, in += 8, len -= 8;
        } else {
            k->s[pos / 8] ^= (uint64_t)*in << (8 * (pos & 7));
            pos++, in++, len--;
        }
        if (pos == k->rate) {
            strata__keccak_f1600(k->s);
            pos = 0;
        }
    }
    k->pos = pos;
}

/* pad10*1 with the domain bits; afterwards pos = rate means "squeeze a new
 * block first". */
static void finish(strata__keccak *k, uint8_t domain)
{
    k->s[k->pos / 8] ^= (uint64_t)domain << (8 * (k->pos & 7));
    k->s[(k->rate - 1) / 8] ^= 0x80ULL << (8 * ((k->rate - 1) & 7));
    k->pos = k->rate;
}

static void squeeze(strata__keccak *k, uint8_t *out, size_t len)
{
    unsigned pos = k->pos;
    while (len > 0) {
        if (pos == k->rate) {
            strata__keccak_f1600(k->s);
            pos = 0;
        }
        *out++ = (uint8_t)(k->s[pos / 8] >> (8 * (pos & 7)));
        pos++, len--;
    }
    k->pos = pos;
}

static void start_squeezing(strata__keccak *k)
{
    if (!k->squeezing) {
        finish(k, DOMAIN_SHAKE);
        k->squeezing = 1;
    }
}

void strata__shake_squeeze(strata__keccak *k, uint8_t *out, size_t len)
{
    start_squeezing(k);
    squeeze(k, out, len);
}

void strata__shake_squeeze_blocks(strata__keccak *k, uint8_t *out, size_t nblocks)
{
    start_squeezing(k);
    for (; nblocks > 0; nblocks--, out += k->rate) {
        strata__keccak_f1600(k->s);
        for (unsigned i = 0; i < k->rate / 8; i++)
            for (unsigned j = 0; j < 8; j++)
                out[8 * i + j] = (uint8_t)(k->s[i] >> (8 * j));
    }
    k->pos = k->rate;
}

void strata__keccak_wipe(strata__keccak *k)
{
    OPENSSL_cleanse(k, sizeof(*k));
}

static void oneshot(unsigned rate, uint8_t domain, uint8_t *out, size_t outlen, const uint8_t *in,
                    size_t len)
{
    strata__keccak k;
    init(&k, rate);
    strata__keccak_absorb(&k, in, len);
    finish(&k, domain);
    squeeze(&k, out, outlen);
    strata__keccak_wipe(&k);
}

void strata__sha3_256(uint8_t out[32], const uint8_t *in, size_t len)
{
    oneshot(STRATA_SHA3_256_RATE, DOMAIN_SHA3, out, 32, in, len);
}

void strata__sha3_512(uint8_t out[64], const uint8_t *in, size_t len)
{
    oneshot(STRATA_SHA3_512_RATE, DOMAIN_SHA3, out, 64, in, len);
}

void strata__shake128(uint8_t *out, size_t outlen, const uint8_t *in, size_t len)
{
    oneshot(STRATA_SHAKE128_RATE, DOMAIN_SHAKE, out, outlen, in, len);
}

void strata__shake256(uint8_t *out, size_t outlen, const uint8_t *in, size_t len)
{
    oneshot(STRATA_SHAKE256_RATE, DOMAIN_SHAKE, out, outlen, in, len);
}
