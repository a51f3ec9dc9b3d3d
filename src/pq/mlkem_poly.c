/* ML-KEM polynomial arithmetic (FIPS 203 §4.3, §4.2.1, §4.2.2).
 *
 * Implementation note. Coefficients are int16_t. Products use Montgomery
 * reduction with R = 2^16: fqmul(a, b) = a b R^-1 mod q, in (-q, q) for
 * |a b| < q 2^15. The NTT's twiddles are stored as zeta^BitRev7(i) R mod q,
 * so fqmul by one is a plain product and the NTT keeps its input's scale.
 * A product in T_q (Alg. 11) carries R^-1; tomont multiplies by R (as
 * fqmul with R^2 mod q), and the inverse NTT's final scaling by 128^-1 uses
 * R^2 / 128 mod q, which removes the R^-1 at the same time. Sums are kept in
 * range by Barrett reduction (v = round(2^26 / q)).
 *
 * Constant time: no branch or table index depends on a coefficient, except in
 * SampleNTT, whose input (the public seed rho) is public. Compress_d divides
 * by q with a multiply and a shift (exact for all inputs in [0, q), checked
 * exhaustively when the constants were chosen), never with a division
 * instruction, whose timing can depend on its operands. The code relies on
 * the C implementation's arithmetic right shift of negative values and
 * modular conversion to int16_t (both implementation-defined; GCC and Clang
 * document both). */
#include <string.h>
#include <openssl/crypto.h>

#include "pq/keccak.h"
#include "pq/mlkem_poly.h"

#define Q STRATA_MLKEM_Q
#define N STRATA_MLKEM_N
#define QINV 62209      /* q^-1 mod 2^16 */
#define MONT_R2 1353    /* R^2 mod q */
#define INVNTT_F 1441   /* R^2 / 128 mod q, centred */
#define BARRETT_V 20159 /* round(2^26 / q) */

/* zeta^BitRev7(i) * R mod q, centred, zeta = 17 (FIPS 203 §4.3, Appendix A).
 * Entry 0 is not used by the NTT. */
static const int16_t ZETAS[128] = {
    -1044, -758,  -359,  -1517, 1493,  1422,  287,   202,   -171,  622,   1577,  182,   962,
    -1202, -1474, 1468,  573,   -1325, 264,   383,   -829,  1458,  -1602, -130,  -681,  1017,
    732,   608,   -1542, 411,   -205,  -1571, 1223,  652,   -552,  1015,  -1293, 1491,  -282,
    -1544, 516,   -8,    -320,  -666,  -1618, -1162, 126,   1469,  -853,  -90,   -271,  830,
    107,   -1421, -247,  -951,  -398,  961,   -1508, -725,  448,   -1065, 677,   -1275, -1103,
    430,   555,   843,   -1251, 871,   1550,  105,   422,   587,   177,   -235,  -291,  -460,
    1574,  1653,  -246,  778,   1159,  -147,  -777,  1483,  -602,  1119,  -1590, 644,   -872,
    349,   418,   329,   -156,  -75,   817,   1097,  603,   610,   1322,  -1285, -1465, 384,
    -1215, -136,  1218,  -1335, -874,  220,   -1187, -1659, -1185, -1530, -1278, 794,   -1510,
    -854,  -870,  478,   -108,  -308,  996,   991,   958,   -1460, 1522,  1628};

static inline int16_t mont_reduce(int32_t a)
{
    int16_t t = (int16_t)(uint16_t)((uint32_t)a * QINV);
    return (int16_t)((a - (int32_t)t * Q) >> 16);
}

static inline int16_t fqmul(int16_t a, int16_t b)
{
    return mont_reduce((int32_t)a * b);
}

static inline int16_t barrett(int16_t a)
{
    int16_t t = (int16_t)(((int32_t)BARRETT_V * a + (1 << 25)) >> 26);
    return (int16_t)(a - t * Q);
}

/* The representative in [0, q). */
static inline uint16_t canon(int16_t a)
{
    int16_t r = barrett(a);
    r = (int16_t)(r + (Q & -(int16_t)((uint16_t)r >> 15)));
    return (uint16_t)r;
}

void strata__mlkem_poly_ntt(strata__mlkem_poly *p)
{
    int16_t *f = p->c;
    unsigned i = 1;
    for (unsigned len = 128; len >= 2; len >>= 1)
        for (unsigned start = 0; start < N; start += 2 * len) {
            int16_t zeta = ZETAS[i++];
            for (unsigned j = start; j < start + len; j++) {
                int16_t t = fqmul(zeta, f[j + len]);
                f[j + len] = (int16_t)(f[j] - t);
                f[j] = (int16_t)(f[j] + t);
            }
        }
    strata__mlkem_poly_reduce(p);
}

void strata__mlkem_poly_invntt(strata__mlkem_poly *p)
{
    int16_t *f = p->c;
    unsigned i = 127;
    strata__mlkem_poly_reduce(p);
    for (unsigned len = 2; len <= 128; len <<= 1)
        for (unsigned start = 0; start < N; start += 2 * len) {
            int16_t zeta = ZETAS[i--];
            for (unsigned j = start; j < start + len; j++) {
                int16_t t = f[j];
                f[j] = barrett((int16_t)(t + f[j + len]));
                f[j + len] = fqmul(zeta, (int16_t)(f[j + len] - t));
            }
        }
    for (unsigned j = 0; j < N; j++)
        f[j] = fqmul(f[j], INVNTT_F);
}

/* Alg. 11 and 12: pairs (a0 + a1 X)(b0 + b1 X) mod X^2 - gamma, where
 * gamma = zeta^(2 BitRev7(i) + 1) is +ZETAS[64 + i/2] for even i and its
 * negation for odd i. */
void strata__mlkem_poly_basemul_acc(strata__mlkem_poly *r, const strata__mlkem_poly *a,
                                    const strata__mlkem_poly *b)
{
    for (unsigned i = 0; i < N / 2; i++) {
        int16_t gamma = (int16_t)((i & 1) ? -ZETAS[64 + i / 2] : ZETAS[64 + i / 2]);
        const int16_t *x = &a->c[2 * i], *y = &b->c[2 * i];
        int16_t c0 = (int16_t)(fqmul(fqmul(x[1], y[1]), gamma) + fqmul(x[0], y[0]));
        int16_t c1 = (int16_t)(fqmul(x[0], y[1]) + fqmul(x[1], y[0]));
        r->c[2 * i] = (int16_t)(r->c[2 * i] + c0);
        r->c[2 * i + 1] = (int16_t)(r->c[2 * i + 1] + c1);
    }
}

void strata__mlkem_poly_tomont(strata__mlkem_poly *p)
{
    for (unsigned j = 0; j < N; j++)
        p->c[j] = fqmul(p->c[j], MONT_R2);
}

void strata__mlkem_poly_reduce(strata__mlkem_poly *p)
{
    for (unsigned j = 0; j < N; j++)
        p->c[j] = barrett(p->c[j]);
}

void strata__mlkem_poly_add(strata__mlkem_poly *r, const strata__mlkem_poly *a)
{
    for (unsigned j = 0; j < N; j++)
        r->c[j] = (int16_t)(r->c[j] + a->c[j]);
}

void strata__mlkem_poly_sub(strata__mlkem_poly *r, const strata__mlkem_poly *a)
{
    for (unsigned j = 0; j < N; j++)
        r->c[j] = (int16_t)(r->c[j] - a->c[j]);
}

/* Three SHAKE128 blocks give 336 candidates; about 273 of them are below q
 * on average, so more blocks are rarely needed. */
void strata__mlkem_poly_sample_ntt(strata__mlkem_poly *p, const uint8_t rho[32], uint8_t x,
                                   uint8_t y)
{
    uint8_t buf[3 * STRATA_SHAKE128_RATE];
    uint8_t seed[34];
    strata__keccak k;
    memcpy(seed, rho, 32);
    seed[32] = x;
    seed[33] = y;
    strata__shake128_init(&k);
    strata__keccak_absorb(&k, seed, sizeof(seed));
    strata__shake_squeeze_blocks(&k, buf, 3);
    size_t len = sizeof(buf), pos = 0;
    unsigned j = 0;
    while (j < N) {
        if (pos == len) {
            strata__shake_squeeze_blocks(&k, buf, 1);
            len = STRATA_SHAKE128_RATE, pos = 0;
        }
        uint16_t d1 = (uint16_t)(buf[pos] | ((buf[pos + 1] & 0x0F) << 8));
        uint16_t d2 = (uint16_t)((buf[pos + 1] >> 4) | (buf[pos + 2] << 4));
        pos += 3;
        if (d1 < Q)
            p->c[j++] = (int16_t)d1;
        if (d2 < Q && j < N)
            p->c[j++] = (int16_t)d2;
    }
}

/* Alg. 8, eta = 2: each coefficient is (b0 + b1) - (b2 + b3) of four
 * consecutive bits; eight coefficients per little-endian 32-bit word. */
void strata__mlkem_poly_noise_eta2(strata__mlkem_poly *p, const uint8_t seed[32], uint8_t nonce)
{
    uint8_t in[33], buf[128];
    memcpy(in, seed, 32);
    in[32] = nonce;
    strata__shake256(buf, sizeof(buf), in, sizeof(in));
    for (unsigned w = 0; w < 32; w++) {
        uint32_t t = (uint32_t)buf[4 * w] | (uint32_t)buf[4 * w + 1] << 8 |
                     (uint32_t)buf[4 * w + 2] << 16 | (uint32_t)buf[4 * w + 3] << 24;
        uint32_t s = (t & 0x55555555u) + ((t >> 1) & 0x55555555u);
        for (unsigned j = 0; j < 8; j++) {
            int16_t a = (int16_t)((s >> (4 * j)) & 3), b = (int16_t)((s >> (4 * j + 2)) & 3);
            p->c[8 * w + j] = (int16_t)(a - b);
        }
    }
    OPENSSL_cleanse(in, sizeof(in));
    OPENSSL_cleanse(buf, sizeof(buf));
}

void strata__mlkem_poly_tobytes(uint8_t out[STRATA_MLKEM_POLYBYTES], const strata__mlkem_poly *p)
{
    for (unsigned i = 0; i < N / 2; i++) {
        uint16_t a = canon(p->c[2 * i]), b = canon(p->c[2 * i + 1]);
        out[3 * i] = (uint8_t)a;
        out[3 * i + 1] = (uint8_t)((a >> 8) | (b << 4));
        out[3 * i + 2] = (uint8_t)(b >> 4);
    }
}

int strata__mlkem_poly_frombytes(strata__mlkem_poly *p, const uint8_t in[STRATA_MLKEM_POLYBYTES])
{
    uint32_t bad = 0;
    for (unsigned i = 0; i < N / 2; i++) {
        uint16_t a = (uint16_t)(in[3 * i] | ((in[3 * i + 1] & 0x0F) << 8));
        uint16_t b = (uint16_t)((in[3 * i + 1] >> 4) | (in[3 * i + 2] << 4));
        /* (Q - 1 - v) has its top bit set exactly when v >= q */
        bad |= ((uint32_t)(Q - 1) - a) | ((uint32_t)(Q - 1) - b);
        p->c[2 * i] = (int16_t)a;
        p->c[2 * i + 1] = (int16_t)b;
    }
    return (int)(1 - (bad >> 31));
}

/* Compress_d(x) = round(2^d x / q) mod 2^d (§4.2.1) for x in [0, q):
 * floor((2^d x + (q - 1) / 2) / q) as a product and a shift. */
static inline uint32_t compress(uint16_t x, unsigned d)
{
    uint64_t num = ((uint64_t)x << d) + (Q - 1) / 2;
    uint64_t quo = d > 4 ? (num * 161271u) >> 29 : (num * 315u) >> 20;
    return (uint32_t)quo & ((1u << d) - 1);
}

/* Decompress_d(y) = round(q y / 2^d). */
static inline int16_t decompress(uint32_t y, unsigned d)
{
    return (int16_t)((y * Q + (1u << (d - 1))) >> d);
}

void strata__mlkem_poly_compress10(uint8_t out[320], const strata__mlkem_poly *p)
{
    for (unsigned i = 0; i < N / 4; i++) {
        uint32_t t[4];
        for (unsigned j = 0; j < 4; j++)
            t[j] = compress(canon(p->c[4 * i + j]), 10);
        out[5 * i] = (uint8_t)t[0];
        out[5 * i + 1] = (uint8_t)((t[0] >> 8) | (t[1] << 2));
        out[5 * i + 2] = (uint8_t)((t[1] >> 6) | (t[2] << 4));
        out[5 * i + 3] = (uint8_t)((t[2] >> 4) | (t[3] << 6));
        out[5 * i + 4] = (uint8_t)(t[3] >> 2);
    }
}

void strata__mlkem_poly_decompress10(strata__mlkem_poly *p, const uint8_t in[320])
{
    for (unsigned i = 0; i < N / 4; i++) {
        const uint8_t *b = &in[5 * i];
        uint32_t t[4] = {
            (b[0] | (uint32_t)b[1] << 8) & 0x3FF,
            ((b[1] >> 2) | (uint32_t)b[2] << 6) & 0x3FF,
            ((b[2] >> 4) | (uint32_t)b[3] << 4) & 0x3FF,
            ((b[3] >> 6) | (uint32_t)b[4] << 2) & 0x3FF,
        };
        for (unsigned j = 0; j < 4; j++)
            p->c[4 * i + j] = decompress(t[j], 10);
    }
}

void strata__mlkem_poly_compress4(uint8_t out[128], const strata__mlkem_poly *p)
{
    for (unsigned i = 0; i < N / 2; i++)
        out[i] =
            (uint8_t)(compress(canon(p->c[2 * i]), 4) | (compress(canon(p->c[2 * i + 1]), 4) << 4));
}

void strata__mlkem_poly_decompress4(strata__mlkem_poly *p, const uint8_t in[128])
{
    for (unsigned i = 0; i < N / 2; i++) {
        p->c[2 * i] = decompress(in[i] & 0x0Fu, 4);
        p->c[2 * i + 1] = decompress((uint32_t)in[i] >> 4, 4);
    }
}

void strata__mlkem_poly_tomsg(uint8_t out[32], const strata__mlkem_poly *p)
{
    for (unsigned i = 0; i < 32; i++) {
        uint32_t byte = 0;
        for (unsigned j = 0; j < 8; j++)
            byte |= compress(canon(p->c[8 * i + j]), 1) << j;
        out[i] = (uint8_t)byte;
    }
}

/* Decompress_1(b) = b * (q + 1) / 2, by mask. */
void strata__mlkem_poly_frommsg(strata__mlkem_poly *p, const uint8_t in[32])
{
    for (unsigned i = 0; i < 32; i++)
        for (unsigned j = 0; j < 8; j++) {
            int16_t mask = (int16_t) - (int16_t)((in[i] >> j) & 1);
            p->c[8 * i + j] = (int16_t)(mask & ((Q + 1) / 2));
        }
}
