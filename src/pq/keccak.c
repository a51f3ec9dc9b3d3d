/* Keccak-f[1600] and SHA3-256 / SHA3-512 / SHAKE128 / SHAKE256 (FIPS 202).
 *
 * Implementation note. The state is 25 little-endian 64-bit lanes, lane
 * (x, y) at index x + 5y (FIPS 202 §3.1.2). A round is theta, rho and pi
 * folded into one pass written out lane by lane, chi, then iota (§3.2). Bytes enter
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

/* The round below has rho (§3.2.2) and pi (§3.2.3) written out: lane
 * i = x + 5y is rotated by RHO[i] and moved to PI[i] = y + 5((2x + 3y) mod 5),
 *   RHO = {0, 1, 62, 28, 27, 36, 44, 6, 55, 20, 3, 10, 43, 25, 39, 41, 45, 15, 21, 8,
 *          18, 2, 61, 56, 14},
 *   PI  = {0, 10, 20, 5, 15, 16, 1, 11, 21, 6, 7, 17, 2, 12, 22, 23, 8, 18, 3, 13,
 *          14, 24, 9, 19, 4}. */
static inline uint64_t rotl(uint64_t v, unsigned n)
{
    return (v << n) | (v >> ((64 - n) & 63));
}

/* One round is written out lane by lane (the RHO and PI tables above):
 * compilers do not unroll the 25-lane loops on their own, and the
 * permutation is most of ML-KEM's cost. */
void strata__keccak_f1600(uint64_t s[25])
{
    uint64_t b[25];
    for (int r = 0; r < 24; r++) {
        /* theta: column parities c, and d[x] = c[x-1] ^ rot(c[x+1], 1) */
        uint64_t c0 = s[0] ^ s[5] ^ s[10] ^ s[15] ^ s[20];
        uint64_t c1 = s[1] ^ s[6] ^ s[11] ^ s[16] ^ s[21];
        uint64_t c2 = s[2] ^ s[7] ^ s[12] ^ s[17] ^ s[22];
        uint64_t c3 = s[3] ^ s[8] ^ s[13] ^ s[18] ^ s[23];
        uint64_t c4 = s[4] ^ s[9] ^ s[14] ^ s[19] ^ s[24];
        uint64_t d0 = c4 ^ rotl(c1, 1), d1 = c0 ^ rotl(c2, 1), d2 = c1 ^ rotl(c3, 1);
        uint64_t d3 = c2 ^ rotl(c4, 1), d4 = c3 ^ rotl(c0, 1);
        /* theta applied, rho, and pi: lane i goes to PI[i], rotated by RHO[i] */
        b[0] = rotl(s[0] ^ d0, 0);
        b[10] = rotl(s[1] ^ d1, 1);
        b[20] = rotl(s[2] ^ d2, 62);
        b[5] = rotl(s[3] ^ d3, 28);
        b[15] = rotl(s[4] ^ d4, 27);
        b[16] = rotl(s[5] ^ d0, 36);
        b[1] = rotl(s[6] ^ d1, 44);
        b[11] = rotl(s[7] ^ d2, 6);
        b[21] = rotl(s[8] ^ d3, 55);
        b[6] = rotl(s[9] ^ d4, 20);
        b[7] = rotl(s[10] ^ d0, 3);
        b[17] = rotl(s[11] ^ d1, 10);
        b[2] = rotl(s[12] ^ d2, 43);
        b[12] = rotl(s[13] ^ d3, 25);
        b[22] = rotl(s[14] ^ d4, 39);
        b[23] = rotl(s[15] ^ d0, 41);
        b[8] = rotl(s[16] ^ d1, 45);
        b[18] = rotl(s[17] ^ d2, 15);
        b[3] = rotl(s[18] ^ d3, 21);
        b[13] = rotl(s[19] ^ d4, 8);
        b[14] = rotl(s[20] ^ d0, 18);
        b[24] = rotl(s[21] ^ d1, 2);
        b[9] = rotl(s[22] ^ d2, 61);
        b[19] = rotl(s[23] ^ d3, 56);
        b[4] = rotl(s[24] ^ d4, 14);
        /* chi, row by row */
        for (int y = 0; y < 25; y += 5) {
            uint64_t b0 = b[y], b1 = b[y + 1], b2 = b[y + 2], b3 = b[y + 3], b4 = b[y + 4];
            s[y] = b0 ^ (~b1 & b2);
            s[y + 1] = b1 ^ (~b2 & b3);
            s[y + 2] = b2 ^ (~b3 & b4);
            s[y + 3] = b3 ^ (~b4 & b0);
            s[y + 4] = b4 ^ (~b0 & b1);
        }
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
