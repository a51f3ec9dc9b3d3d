/* sntrup761: reciprocals in R3 and Rq in constant time.
 *
 * Implementation note. KeyGen (NTRU Prime round-3 specification, Core: KeyGen) needs 1/g in
 * R3 and 1/(3f) in Rq, both modulo x^p - x - 1, for secret g and f. Both are computed with the
 * constant-time "divstep" iteration of Bernstein and Yang, "Fast constant-time gcd computation
 * and modular inversion" (TCHES 2019), in its polynomial form over a field k:
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
 * index on secret data. Loop bounds depend on the step number alone.
 *
 * R3: coefficients are bit-sliced into two 768-bit masks (is 1, is -1), so a step is a few
 * dozen word operations. Rq: a step is g = g - (g(0)/f(0)) f, r = r - (g(0)/f(0)) v (the
 * iteration above divided by f(0), which only rescales g and r together), with 1/f(0) by a
 * fixed exponentiation and the products by Shoup's method in 16-bit lanes; the swap, the
 * update and the shift are one pass over the arrays, and v and r are processed only up to
 * their public degree bound. Arrays are padded to PAD coefficients; v and r may collect garbage
 * above degree p (they only ever move up), f and g stay zero there (g only moves down). */
#include <string.h>
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

/* R3 polynomials are bit-sliced: bit i of plus[] is set when coefficient i is 1, of minus[]
 * when it is -1, so one 64-bit operation handles 64 coefficients. */
#define WORDS (PAD / 64)

struct f3poly {
    uint64_t plus[WORDS], minus[WORDS];
};

/* z = x + y (mod 3), coefficient-wise. */
static void f3_add(uint64_t *zp, uint64_t *zm, uint64_t xp, uint64_t xm, uint64_t yp, uint64_t ym)
{
    *zp = (xp & ~yp & ~ym) | (yp & ~xp & ~xm) | (xm & ym);
    *zm = (xm & ~yp & ~ym) | (ym & ~xp & ~xm) | (xp & yp);
}

/* z = a x + b y for scalars given as masks (ap all ones when a = 1, am when a = -1). */
static void f3_combine(struct f3poly *z, uint64_t ap, uint64_t am, const struct f3poly *y,
                       uint64_t bp, uint64_t bm)
{
    for (int i = 0; i < WORDS; i++) {
        uint64_t xp = z->plus[i], xm = z->minus[i];
        f3_add(&z->plus[i], &z->minus[i], (ap & xp) | (am & xm), (ap & xm) | (am & xp),
               (bp & y->plus[i]) | (bm & y->minus[i]), (bp & y->minus[i]) | (bm & y->plus[i]));
    }
}

static void f3_cswap(struct f3poly *a, struct f3poly *b, uint64_t mask)
{
    for (int i = 0; i < WORDS; i++) {
        uint64_t t = mask & (a->plus[i] ^ b->plus[i]), u = mask & (a->minus[i] ^ b->minus[i]);
        a->plus[i] ^= t;
        b->plus[i] ^= t;
        a->minus[i] ^= u;
        b->minus[i] ^= u;
    }
}

/* a = x a (up one place) or a / x (down one place; the lowest coefficient is zero). */
static void f3_shift_up(uint64_t *a)
{
    for (int i = WORDS - 1; i > 0; i--)
        a[i] = (a[i] << 1) | (a[i - 1] >> 63);
    a[0] <<= 1;
}

static void f3_shift_down(uint64_t *a)
{
    for (int i = 0; i < WORDS - 1; i++)
        a[i] = (a[i] >> 1) | (a[i + 1] << 63);
    a[WORDS - 1] >>= 1;
}

static void f3_set(struct f3poly *a, int i, int32_t c)
{
    a->plus[i >> 6] |= (uint64_t)(c & 1 & ~(c >> 1)) << (i & 63);
    a->minus[i >> 6] |= (uint64_t)((c >> 1) & 1) << (i & 63);
}

static int32_t f3_get(const struct f3poly *a, int i)
{
    return (int32_t)((a->plus[i >> 6] >> (i & 63)) & 1) -
           (int32_t)((a->minus[i >> 6] >> (i & 63)) & 1);
}

int strata__sntrup_r3_recip(int8_t *out, const int8_t *in)
{
    struct f3poly f = {{0}, {0}}, g = {{0}, {0}}, v = {{0}, {0}}, r = {{0}, {0}};
    int32_t delta = 1;

    f3_set(&f, 0, 1);
    f3_set(&f, P - 1, -1);
    f3_set(&f, P, -1);
    for (int i = 0; i < P; i++)
        f3_set(&g, P - 1 - i, in[i]);
    f3_set(&r, 0, 1);

    for (int loop = 0; loop < 2 * P - 1; loop++) {
        f3_shift_up(v.plus);
        f3_shift_up(v.minus);

        uint64_t swap = (uint64_t)(int64_t)(positive_mask(delta) & nonzero_mask(f3_get(&g, 0)));
        delta ^= (int32_t)swap & (delta ^ -delta);
        delta += 1;
        f3_cswap(&f, &g, swap);
        f3_cswap(&v, &r, swap);

        /* g = f(0) g - g(0) f, r = f(0) r - g(0) v */
        uint64_t ap = 0 - (f.plus[0] & 1), am = 0 - (f.minus[0] & 1);
        uint64_t bp = 0 - (g.minus[0] & 1), bm = 0 - (g.plus[0] & 1);
        f3_combine(&g, ap, am, &f, bp, bm);
        f3_combine(&r, ap, am, &v, bp, bm);
        f3_shift_down(g.plus);
        f3_shift_down(g.minus);
    }

    /* f(0) is +-1, its own reciprocal. */
    int32_t f0 = f3_get(&f, 0);
    for (int i = 0; i < P; i++)
        out[i] = (int8_t)(f0 * f3_get(&v, P - 1 - i));
    int ok = (int)~nonzero_mask(delta); /* -1 when invertible */

    OPENSSL_cleanse(&f, sizeof(f));
    OPENSSL_cleanse(&g, sizeof(g));
    OPENSSL_cleanse(&v, sizeof(v));
    OPENSSL_cleanse(&r, sizeof(r));
    return ok ? 0 : -1;
}

/* --- Rq ----------------------------------------------------------------------------------- */

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

/* a - c b mod q. c b mod q is Shoup's multiplication by a fixed c: with cs within 2 of
 * c 2^16 / q, c b - q floor(cs b / 2^16) is within a few q of 0, so it can be computed in
 * wrapping 16-bit arithmetic (|c b mod q| < 4800 and |a - c b| < 3q for every a, b, c in
 * range, checked exhaustively). */
static int16_t fq_sub_mul(int16_t a, int16_t b, int16_t c, int16_t cs)
{
    int16_t qt = (int16_t)(((int32_t)cs * b) >> 16);
    int16_t cb = (int16_t)((uint16_t)(c * b) - (uint16_t)(qt * Q));
    return fq_freeze16((int16_t)(a - cb));
}

/* One step on f, g (PAD + 1 entries, the last always zero): swap them under mask m, then
 * g = (g - c f) / x. One pass; g(0) - c f(0) is zero by the choice of c and is dropped. */
static void step_fg(int16_t *f, int16_t *g, int16_t m, int16_t c, int16_t cs)
{
    f[0] ^= (int16_t)(m & (f[0] ^ g[0]));
    for (int i = 0; i < PAD; i++) {
        int16_t fi = f[i + 1], gi = g[i + 1];
        int16_t t = (int16_t)(m & (fi ^ gi));
        fi ^= t;
        gi ^= t;
        f[i + 1] = fi;
        g[i] = fq_sub_mul(gi, fi, c, cs);
    }
}

/* One step on v, r over their first n entries (n a multiple of 32; v[-1] is an always-zero
 * pad): v = x v, swap them under mask m, then r = r - c v. Blocks of fixed length, each
 * copied out of v first, so the compiler vectorizes them. */
static void step_vr(int16_t *v, int16_t *r, int16_t m, int16_t c, int16_t cs, int n)
{
    for (int base = n - 32; base >= 0; base -= 32) {
        int16_t old[32];
        memcpy(old, v + base - 1, sizeof(old));
        for (int i = 0; i < 32; i++) {
            int16_t vi = old[i], ri = r[base + i];
            int16_t t = (int16_t)(m & (vi ^ ri));
            vi ^= t;
            ri ^= t;
            v[base + i] = vi;
            r[base + i] = fq_sub_mul(ri, vi, c, cs);
        }
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
    int16_t f[PAD + 1] = {0}, g[PAD + 1] = {0}, vbuf[PAD + 1] = {0}, r[PAD] = {0};
    int16_t *v = vbuf + 1;
    int32_t delta = 1;

    f[0] = 1;
    f[P - 1] = f[P] = -1;
    for (int i = 0; i < P; i++)
        g[P - 1 - i] = in[i];
    r[0] = 1;

    for (int loop = 0; loop < 2 * P - 1; loop++) {
        int32_t swap = positive_mask(delta) & nonzero_mask(g[0]);
        delta ^= swap & (delta ^ -delta);
        delta += 1;

        /* After the swap: g - (g(0)/f(0)) f is (f(0) g - g(0) f) / f(0), so g and r are scaled
         * by the same nonzero constant, which changes neither the zero test on g(0) nor the
         * result. */
        int16_t t = (int16_t)(swap & (f[0] ^ g[0]));
        int16_t c = fq_mul(g[0] ^ t, fq_recip((int16_t)(f[0] ^ t)));
        int16_t cs = shoup(c);

        /* Before this step v and r are zero from degree loop + 1 up (they start as 0 and 1 and
         * v moves up one place per step): a public bound, rounded up to a block. */
        int vr = (loop + 2 + 31) & ~31;
        if (vr > PAD)
            vr = PAD;
        step_vr(v, r, (int16_t)swap, c, cs, vr);
        step_fg(f, g, (int16_t)swap, c, cs);
    }

    /* 1/(3 in) = v / (3 f(0)); 1/3 = 3061 = -1530 mod q. */
    int16_t scale = fq_mul(fq_recip(f[0]), -1530);
    for (int i = 0; i < P; i++)
        out[i] = fq_mul(scale, v[P - 1 - i]);

    OPENSSL_cleanse(f, sizeof(f));
    OPENSSL_cleanse(g, sizeof(g));
    OPENSSL_cleanse(vbuf, sizeof(vbuf));
    OPENSSL_cleanse(r, sizeof(r));
}
