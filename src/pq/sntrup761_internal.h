/* pq/sntrup761_internal.h - the pieces of sntrup761 shared by its files.
 *
 * NTRU Prime round 3 specification, sntrup761 parameters: p = 761, q = 4591, w = 286.
 * Polynomials are arrays of p coefficients, lowest degree first: Fq values (int16_t) in
 * -(q-1)/2 .. (q-1)/2, small values (int8_t) in -1 .. 1.
 */
#ifndef STRATA_PQ_SNTRUP761_INTERNAL_H
#define STRATA_PQ_SNTRUP761_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#define SNTRUP_P 761
#define SNTRUP_Q 4591
#define SNTRUP_W 286
#define SNTRUP_Q12 ((SNTRUP_Q - 1) / 2)

#define SNTRUP_SMALL_BYTES 191    /* ceil(p / 4) */
#define SNTRUP_RQ_BYTES 1158      /* Encode of p values mod q */
#define SNTRUP_ROUNDED_BYTES 1007 /* Encode of p values mod (q + 2) / 3 */
#define SNTRUP_HASH_BYTES 32

/* --- arithmetic (sntrup761_poly.c) ---------------------------------------------------------- */
/* x mod q in -(q-1)/2 .. (q-1)/2, for |x| < 2^30, in constant time. */
int16_t strata__sntrup_fq_freeze(int32_t x);
/* x mod 3 in -1 .. 1, for |x| < 2^30, in constant time. */
int8_t strata__sntrup_f3_freeze(int32_t x);
/* h = a * b in Rq = Z_q[x]/(x^p - x - 1); h may alias a. */
void strata__sntrup_rq_mult_small(int16_t *h, const int16_t *a, const int8_t *b);
/* h = a * b in R3 = Z_3[x]/(x^p - x - 1); h may alias a or b. */
void strata__sntrup_r3_mult(int8_t *h, const int8_t *a, const int8_t *b);

/* --- reciprocals (sntrup761_inv.c) ----------------------------------------------------------- */
/* out = 1/in in R3. Returns 0 when in is invertible, -1 when not (out is then meaningless).
 * Constant time in in; the return value is the only thing that depends on it. */
int strata__sntrup_r3_recip(int8_t *out, const int8_t *in);
/* out = 1/(3 in) in Rq for a nonzero small in (always invertible: Rq is a field). */
void strata__sntrup_rq_recip3(int16_t *out, const int8_t *in);

/* --- sorting (sntrup761_sort.c) -------------------------------------------------------------- */
/* Sorts n uint32 values ascending with a data-independent sequence of compare-exchanges. */
void strata__sntrup_sort_u32(uint32_t *x, size_t n);

/* --- encodings (sntrup761_encode.c) ---------------------------------------------------------- */
void strata__sntrup_small_encode(uint8_t *s, const int8_t *f);
void strata__sntrup_small_decode(int8_t *f, const uint8_t *s);
void strata__sntrup_rq_encode(uint8_t *s, const int16_t *h);
void strata__sntrup_rq_decode(int16_t *h, const uint8_t *s);
/* Rounds each coefficient to the nearest multiple of 3 and encodes it. */
void strata__sntrup_rounded_encode(uint8_t *s, const int16_t *h);
void strata__sntrup_rounded_decode(int16_t *h, const uint8_t *s);

#endif
