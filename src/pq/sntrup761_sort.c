/* sntrup761: constant-time sort of uint32 values, for Short_random (NTRU Prime round-3
 * specification): a random weight-w vector is the low bits of a sorted list of random words,
 * so the positions of the nonzero entries are never used as an index.
 *
 * Batcher's merge exchange (Knuth, TAOCP vol. 3, §5.2.2, Algorithm M) works for any n: which
 * pairs are compared depends on n alone, and each compare-exchange is a masked min/max. */
#include "pq/sntrup761_internal.h"

static void minmax(uint32_t *a, uint32_t *b)
{
    uint32_t x = *a, y = *b;
    uint32_t swap = 0u - (uint32_t)(((uint64_t)y - (uint64_t)x) >> 63); /* all ones if y < x */
    uint32_t t = swap & (x ^ y);
    *a = x ^ t;
    *b = y ^ t;
}

void strata__sntrup_sort_u32(uint32_t *x, size_t n)
{
    if (n < 2)
        return;
    size_t top = 1;
    while (top < n - top) /* top = 2^(t-1), t = ceil(log2 n) */
        top += top;
    for (size_t p = top; p > 0; p >>= 1) {
        size_t q = top, r = 0, d = p;
        for (;;) {
            for (size_t i = 0; i + d < n; i++)
                if ((i & p) == r)
                    minmax(&x[i], &x[i + d]);
            if (q == p)
                break;
            d = q - p;
            q >>= 1;
            r = p;
        }
    }
}
