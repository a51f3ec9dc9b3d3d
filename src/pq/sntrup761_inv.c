/* sntrup761: reciprocals in R3 and Rq in constant time.
 *
 * Implementation note. KeyGen (NTRU Prime round 3 specification, §3.4: "KeyGen") needs 1/g in
 * R3 and 1/(3f) in Rq, both modulo x^p - x - 1, for secret g and f. Both are computed with the
 * constant-time "divstep" iteration of Bernstein and Yang, "Fast constant-time gcd computation
 * and modular inversion" (TCHES 2019), §6, in its polynomial form over a field k:
 *
 *   f = reversed(x^p - x - 1), g = reversed(input) (both of degree p), v = 0, r = 1, delta = 1;
 *   repeat 2p - 1 times:
 *     v = x v;
 *     if delta > 0 and g(0) != 0: delta = -delta, swap (f, g), swap (v, r);
 *     delta = delta + 1;
 *     g = (f(0) g - g(0) f) / x;  r = f(0) r - g(0) v;
 *   the input is invertible iff delta = 0, and then 1/input = reversed_{p-1}(v) / f(0).
 *
 * The iteration count is fixed and the condition becomes masks: there is no branch or table
 * index on secret data. Arrays are padded to PAD coefficients so the inner loops have a fixed
 * trip count the compiler can vectorize; v and r may collect garbage above degree p (they only
 * ever move up), f and g stay zero there (g only moves down). */
#include <openssl/crypto.h>

#include "pq/sntrup761_internal.h"

#define P SNTRUP_P
#define Q SNTRUP_Q
#define PAD 768 /* >= p + 1, a multiple of 32 */

/* -1 when x > 0, else 0 (for |x| < 2^31). */
static int32_t positive_mask(int32_t x)
{
    return -(int32_t)((uint32_t)-x >> 31);
}

/* -1 when x != 0, else 0. */
static int32_t nonzero_mask(int32_t x)
{
    uint32_t u = (uint32_t)x;
    return -(int32_t)((u | (0u - u)) >> 31);
}

/* --- R3 ----------------------------------------------------------------------------------- */

/* -2 .. 2 to -1 .. 1 modulo 3. */
static int8_t f3_small(int32_t x)
{
    x -= 3 & ((1 - x) >> 31);
    x += 3 & ((x + 1) >> 31);
    return (int8_t)x;
}

static void cswap8(int8_t *a, int8_t *b, int32_t mask)
{
    int8_t m = (int8_t)mask;
    for (int i = 0; i < PAD; i++) {
        int8_t t = (int8_t)(m & (a[i] ^ b[i]));
        a[i] ^= t;
        b[i] ^= t;
    }
}

int strata__sntrup_r3_recip(int8_t *out, const int8_t *in)
{
    int8_t f[PAD] = {0}, g[PAD] = {0}, v[PAD] = {0}, r[PAD] = {0};
    int32_t delta = 1;

    f[0] = 1;
    f[P - 1] = f[P] = -1;
    for (int i = 0; i < P; i++)
        g[P - 1 - i] = in[i];
    r[0] = 1;

    for (int loop = 0; loop < 2 * P - 1; loop++) {
        for (int i = PAD - 1; i > 0; i--)
            v[i] = v[i - 1];
        v[0] = 0;

        int32_t swap = positive_mask(delta) & nonzero_mask(g[0]);
        delta ^= swap & (delta ^ -delta);
        delta += 1;
        cswap8(f, g, swap);
        cswap8(v, r, swap);

        int32_t f0 = f[0], g0 = g[0];
        for (int i = 0; i < PAD; i++)
            g[i] = f3_small(f0 * g[i] - g0 * f[i]);
        for (int i = 0; i < PAD; i++)
            r[i] = f3_small(f0 * r[i] - g0 * v[i]);
        for (int i = 0; i < PAD - 1; i++)
            g[i] = g[i + 1];
        g[PAD - 1] = 0;
    }

    /* f(0) is +-1, its own reciprocal. */
    for (int i = 0; i < P; i++)
        out[i] = (int8_t)(f[0] * v[P - 1 - i]);
    int ok = (int)~nonzero_mask(delta); /* -1 when invertible */

    OPENSSL_cleanse(f, sizeof(f));
    OPENSSL_cleanse(g, sizeof(g));
    OPENSSL_cleanse(v, sizeof(v));
    OPENSSL_cleanse(r, sizeof(r));
    return ok ? 0 : -1;
}

/* --- Rq ----------------------------------------------------------------------------------- */

static void cswap16(int16_t *a, int16_t *b, int32_t mask, int n)
{
    int16_t m = (int16_t)mask;
    for (int i = 0; i < n; i++) {
        int16_t t = (int16_t)(m & (a[i] ^ b[i]));
        a[i] ^= t;
        b[i] ^= t;
    }
}

static int16_t fq_mul(int32_t a, int32_t b)
{
    return strata__sntrup_fq_freeze(a * b);
}

/* -(q-1)/2 .. (q-1)/2 from |x| < 3q, with 16-bit operations: a Barrett quotient
 * round(x 14617 / 2^26) (14617 ~ 2^26/q) is within one of round(x/q); two masked
 * corrections finish (checked for every x in the range). */
static int16_t fq_freeze16(int16_t x)
{
    int16_t t = (int16_t)(((int32_t)x * 14617) >> 16);
    t = (int16_t)((t + 512) >> 10);
    x = (int16_t)(x - t * Q);
    x = (int16_t)(x + (Q & ((x + SNTRUP_Q12) >> 15)));
    x = (int16_t)(x - (Q & ((SNTRUP_Q12 - x) >> 15)));
    return x;
}

/* a = a - c b over n coefficients (n a multiple of 32, blocks of fixed length so the compiler
 * vectorizes them). c b mod q is Shoup's multiplication by a fixed c: with
 * cs within 2 of c 2^16 / q, c b - q floor(cs b / 2^16) is within a few q of 0, so it can be
 * computed in wrapping 16-bit arithmetic (|c b mod q| < 4800 and |a - c b| < 3q for every c, b
 * in range, checked exhaustively). */
static void combine16(int16_t *a, const int16_t *b, int16_t c, int16_t cs, int n)
{
    for (int base = 0; base < n; base += 32)
        for (int i = base; i < base + 32; i++) {
            int16_t qt = (int16_t)(((int32_t)cs * b[i]) >> 16);
            int16_t cb = (int16_t)((uint16_t)(c * b[i]) - (uint16_t)(qt * Q));
            a[i] = fq_freeze16((int16_t)(a[i] - cb));
        }
}

/* c 2^16 / q to within 2, in constant time: floor((c + (q-1)/2) 2^16 / q) by the quotient
 * estimate of fq_freeze, minus floor((q-1)/2 2^16 / q) = 32761. */
static int16_t shoup(int16_t c)
{
    uint32_t n = (uint32_t)(c + SNTRUP_Q12) << 16;
    return (int16_t)((int32_t)(((uint64_t)n * 3831885437u) >> 44) - 32761);
}

/* a^(q-2) = 1/a for a != 0, with a fixed square-and-multiply chain (the exponent is public). */
static int16_t fq_recip(int16_t a)
{
    int16_t acc = 1;
    for (int bit = 12; bit >= 0; bit--) {
        acc = fq_mul(acc, acc);
        if (((Q - 2) >> bit) & 1)
            acc = fq_mul(acc, a);
    }
    return acc;
}

void strata__sntrup_rq_recip3(int16_t *out, const int8_t *in)
{
    int16_t f[PAD] = {0}, g[PAD] = {0}, v[PAD] = {0}, r[PAD] = {0};
    int32_t delta = 1;

    f[0] = 1;
    f[P - 1] = f[P] = -1;
    for (int i = 0; i < P; i++)
        g[P - 1 - i] = in[i];
    r[0] = 1;

    for (int loop = 0; loop < 2 * P - 1; loop++) {
        /* Before this step v and r are zero from degree loop + 1 up (they start as 0 and 1 and
         * v moves up one place per step): a public bound, rounded up to a block. */
        int vr = (loop + 2 + 31) & ~31;
        if (vr > PAD)
            vr = PAD;
        for (int i = vr - 1; i > 0; i--)
            v[i] = v[i - 1];
        v[0] = 0;

        int32_t swap = positive_mask(delta) & nonzero_mask(g[0]);
        delta ^= swap & (delta ^ -delta);
        delta += 1;
        cswap16(f, g, swap, PAD);
        cswap16(v, r, swap, vr);

        /* g - (g(0)/f(0)) f is (f(0) g - g(0) f) / f(0): g and r are scaled by the same
         * nonzero constant, which changes neither the zero test on g(0) nor the result. */
        int16_t c = fq_mul(g[0], fq_recip(f[0]));
        int16_t cs = shoup(c);
        combine16(g, f, c, cs, PAD);
        combine16(r, v, c, cs, vr);
        for (int i = 0; i < PAD - 1; i++)
            g[i] = g[i + 1];
        g[PAD - 1] = 0;
    }

    /* 1/(3 in) = v / (3 f(0)); 1/3 = 3061 = -1530 mod q. */
    int16_t scale = fq_mul(fq_recip(f[0]), -1530);
    for (int i = 0; i < P; i++)
        out[i] = fq_mul(scale, v[P - 1 - i]);

    OPENSSL_cleanse(f, sizeof(f));
    OPENSSL_cleanse(g, sizeof(g));
    OPENSSL_cleanse(v, sizeof(v));
    OPENSSL_cleanse(r, sizeof(r));
}
