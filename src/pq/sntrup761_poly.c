/* sntrup761: arithmetic in Z_q, Z_3, Rq and R3 (NTRU Prime round-3 specification: the rings
 * Rq = Z_q[x]/(x^p - x - 1) and R3 = Z_3[x]/(x^p - x - 1)).
 *
 * Everything here runs in constant time: reductions are Barrett-style multiplications by
 * constants with masked corrections, and products are plain schoolbook sums whose loop bounds
 * are p alone. Intermediate products are wiped, since they are derived from secrets.
 */
#include <openssl/crypto.h>

#include "pq/sntrup761_internal.h"

#define P SNTRUP_P
#define Q SNTRUP_Q

int16_t strata__sntrup_fq_freeze(int32_t x)
{
    /* Shift into 0 .. 2^32 by a multiple of q (q * 234000 >= 2^30), then t mod q by a
     * quotient estimate floor(t * floor(2^44/q) / 2^44), which is low by at most one. */
    uint32_t t = (uint32_t)(x + SNTRUP_Q12) + (uint32_t)Q * 234000u;
    uint32_t qt = (uint32_t)(((uint64_t)t * 3831885437u) >> 44);
    int32_t r = (int32_t)(t - qt * (uint32_t)Q) - Q; /* -q .. q-1 */
    r += Q & -(int32_t)((uint32_t)r >> 31);
    return (int16_t)(r - SNTRUP_Q12);
}

int8_t strata__sntrup_f3_freeze(int32_t x)
{
    /* 3 * 357913942 >= 2^30; (t * 0xAAAAAAAB) >> 33 is t / 3 for every 32-bit t. */
    uint32_t t = (uint32_t)x + 3u * 357913942u;
    uint32_t r = t - 3u * (uint32_t)(((uint64_t)t * 0xAAAAAAABu) >> 33); /* 0 .. 2 */
    return (int8_t)((int32_t)r - 3 * (int32_t)(r >> 1));
}

/* fg (2p - 1 coefficients) reduced modulo x^p - x - 1 into its first p: x^(p+k) = x^(k+1) + x^k.
 * Going down from the top, every target is below p, so nothing is folded twice. */
static void fold(int32_t *fg)
{
    for (int i = 2 * P - 2; i >= P; i--) {
        fg[i - P] += fg[i];
        fg[i - P + 1] += fg[i];
    }
}

void strata__sntrup_rq_mult_small(int16_t *h, const int16_t *a, const int8_t *b)
{
    int32_t fg[2 * P - 1] = {0};
    for (int i = 0; i < P; i++) {
        int32_t ai = a[i];
        for (int j = 0; j < P; j++)
            fg[i + j] += ai * b[j]; /* |sum| <= p (q-1)/2 < 2^21 */
    }
    fold(fg);
    for (int i = 0; i < P; i++)
        h[i] = strata__sntrup_fq_freeze(fg[i]);
    OPENSSL_cleanse(fg, sizeof(fg));
}

void strata__sntrup_r3_mult(int8_t *h, const int8_t *a, const int8_t *b)
{
    int32_t fg[2 * P - 1] = {0};
    for (int i = 0; i < P; i++) {
        int32_t ai = a[i];
        for (int j = 0; j < P; j++)
            fg[i + j] += ai * b[j];
    }
    fold(fg);
    for (int i = 0; i < P; i++)
        h[i] = strata__sntrup_f3_freeze(fg[i]);
    OPENSSL_cleanse(fg, sizeof(fg));
}
