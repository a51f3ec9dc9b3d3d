/* sntrup761: wire encodings (NTRU Prime round-3 specification: Encode / Decode, and the
 * encodings of small, Rq and rounded polynomials).
 *
 * Small polynomials (the secret key's f and 1/g, and the hashed r) pack four coefficients
 * c + 1 in 0 .. 2 per byte, two bits each, low coefficient in the low bits.
 *
 * Public keys and ciphertexts use the generic Encode(R, M) of the specification: pairs of
 * values (r0 mod m0, r1 mod m1) merge into r0 + m0 r1 mod m0 m1; while a merged modulus is
 * at least 2^14 its low byte is written out and it shrinks by 256 (rounded up); the halved
 * list is encoded the same way, down to one value, whose bytes are written while its modulus
 * exceeds 1. Decode walks the same recursion. Rq uses M = q for c + (q-1)/2; rounded
 * coefficients (multiples of 3) use M = (q+2)/3 = 1531 for (c + (q-1)/2)/3.
 *
 * Only public data passes through Encode/Decode (public keys, ciphertexts); Decode divides by
 * the (public) moduli. Values out of range in a malformed input are reduced modulo M, so any
 * byte string decodes to something; a ciphertext that is not a canonical encoding can never
 * equal its re-encryption, so it is rejected. */
#include <openssl/crypto.h>

#include "pq/sntrup761_internal.h"

#define P SNTRUP_P
#define Q SNTRUP_Q
#define SCRATCH_WORDS (4 * 764)

/* --- small ---------------------------------------------------------------------------------- */

void strata__sntrup_small_encode(uint8_t *s, const int8_t *f)
{
    for (int i = 0; i < P / 4; i++) {
        const int8_t *c = f + 4 * i;
        s[i] = (uint8_t)((c[0] + 1) | ((c[1] + 1) << 2) | ((c[2] + 1) << 4) | ((c[3] + 1) << 6));
    }
    s[P / 4] = (uint8_t)(f[P - 1] + 1); /* p = 4 * 190 + 1 */
}

void strata__sntrup_small_decode(int8_t *f, const uint8_t *s)
{
    for (int i = 0; i < P / 4; i++)
        for (int j = 0; j < 4; j++)
            f[4 * i + j] = (int8_t)(((s[i] >> (2 * j)) & 3) - 1);
    f[P - 1] = (int8_t)((s[P / 4] & 3) - 1);
}

/* --- generic Encode / Decode ---------------------------------------------------------------- */

/* Appends Encode(R, M) (n values) at s; returns the number of bytes written. R and M are
 * modified (they are the caller's scratch). */
static size_t encode(uint8_t *s, uint32_t *R, uint32_t *M, size_t n)
{
    size_t k = 0;
    if (n == 0)
        return 0;
    if (n == 1) {
        uint32_t r = R[0], m = M[0];
        while (m > 1) {
            s[k++] = (uint8_t)r;
            r >>= 8;
            m = (m + 255) >> 8;
        }
        return k;
    }
    size_t h = 0;
    for (size_t i = 0; i + 1 < n; i += 2, h++) {
        uint32_t m = M[i] * M[i + 1], r = R[i] + M[i] * R[i + 1];
        while (m >= 16384) {
            s[k++] = (uint8_t)r;
            r >>= 8;
            m = (m + 255) >> 8;
        }
        R[h] = r;
        M[h] = m;
    }
    if (n & 1) {
        R[h] = R[n - 1];
        M[h] = M[n - 1];
        h++;
    }
    return k + encode(s + k, R, M, h);
}

/* R = Decode(s, M) for n values; reads only the bytes encode() would write. Each level takes
 * 4 ceil(n/2) words of scratch and passes the rest down: for n = p that is
 * 4 (381 + 191 + 96 + 48 + 24 + 12 + 6 + 3 + 2 + 1) = 4 * 764 words in all. */
static void decode(uint32_t *R, const uint32_t *M, size_t n, const uint8_t *s, uint32_t *scratch)
{
    if (n == 0)
        return;
    if (n == 1) {
        uint32_t r = 0, t = 1, m = M[0];
        size_t k = 0;
        while (m > 1) {
            r += (uint32_t)s[k++] * t;
            t <<= 8;
            m = (m + 255) >> 8;
        }
        R[0] = r % M[0];
        return;
    }
    size_t half = (n + 1) / 2, k = 0, h = 0;
    uint32_t *bottom_r = scratch, *bottom_t = scratch + half, *M2 = scratch + 2 * half;
    uint32_t *R2 = scratch + 3 * half;
    for (size_t i = 0; i + 1 < n; i += 2, h++) {
        uint32_t m = M[i] * M[i + 1], r = 0, t = 1;
        while (m >= 16384) {
            r += (uint32_t)s[k++] * t;
            t <<= 8;
            m = (m + 255) >> 8;
        }
        bottom_r[h] = r;
        bottom_t[h] = t;
        M2[h] = m;
    }
    size_t pairs = h;
    if (n & 1)
        M2[h++] = M[n - 1];
    decode(R2, M2, h, s + k, scratch + 4 * half);
    for (size_t j = 0; j < pairs; j++) {
        uint32_t r = bottom_r[j] + bottom_t[j] * R2[j];
        R[2 * j] = r % M[2 * j];
        R[2 * j + 1] = (r / M[2 * j]) % M[2 * j + 1];
    }
    if (n & 1)
        R[n - 1] = R2[h - 1];
}

/* --- Rq and rounded ------------------------------------------------------------------------- */

void strata__sntrup_rq_encode(uint8_t *s, const int16_t *h)
{
    uint32_t R[P], M[P];
    for (int i = 0; i < P; i++) {
        R[i] = (uint32_t)(h[i] + SNTRUP_Q12);
        M[i] = Q;
    }
    encode(s, R, M, P);
}

void strata__sntrup_rq_decode(int16_t *h, const uint8_t *s)
{
    uint32_t R[P], M[P], scratch[SCRATCH_WORDS];
    for (int i = 0; i < P; i++)
        M[i] = Q;
    decode(R, M, P, s, scratch);
    for (int i = 0; i < P; i++)
        h[i] = (int16_t)((int32_t)R[i] - SNTRUP_Q12);
}

void strata__sntrup_rounded_encode(uint8_t *s, const int16_t *h)
{
    uint32_t R[P], M[P];
    for (int i = 0; i < P; i++) {
        int32_t c = h[i] - strata__sntrup_f3_freeze(h[i]); /* nearest multiple of 3 */
        /* c + (q-1)/2 is a multiple of 3 in 0 .. q-1; 10923/2^15 divides it by 3 exactly. */
        R[i] = ((uint32_t)(c + SNTRUP_Q12) * 10923u) >> 15;
        M[i] = (Q + 2) / 3;
    }
    encode(s, R, M, P);
    OPENSSL_cleanse(R, sizeof(R));
}

void strata__sntrup_rounded_decode(int16_t *h, const uint8_t *s)
{
    uint32_t R[P], M[P], scratch[SCRATCH_WORDS];
    for (int i = 0; i < P; i++)
        M[i] = (Q + 2) / 3;
    decode(R, M, P, s, scratch);
    for (int i = 0; i < P; i++)
        h[i] = (int16_t)(3 * (int32_t)R[i] - SNTRUP_Q12);
}
