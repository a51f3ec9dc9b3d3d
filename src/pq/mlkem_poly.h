/* pq/mlkem_poly.h - polynomials of R_q = Z_q[X]/(X^256 + 1), q = 3329, for
 * ML-KEM (FIPS 203 §4.3): the NTT, products in T_q, sampling, compression
 * and byte encodings. Internal to src/pq. */
#ifndef STRATA_PQ_MLKEM_POLY_H
#define STRATA_PQ_MLKEM_POLY_H

#include <stdint.h>

#define STRATA_MLKEM_N 256
#define STRATA_MLKEM_Q 3329
#define STRATA_MLKEM_POLYBYTES 384 /* ByteEncode_12 */

/* Coefficients are signed and only bounded (|c| < 8q at most), not reduced,
 * between steps; the encoders and compressors reduce them. */
typedef struct {
    int16_t c[STRATA_MLKEM_N];
} strata__mlkem_poly;

/* FIPS 203 Alg. 9: p <- NTT(p); the output is Barrett-reduced. */
void strata__mlkem_poly_ntt(strata__mlkem_poly *p);
/* FIPS 203 Alg. 10, for an input carrying the factor R^-1 that
 * strata__mlkem_poly_basemul_acc leaves: the output is the plain inverse NTT,
 * |c| < q. */
void strata__mlkem_poly_invntt(strata__mlkem_poly *p);
/* FIPS 203 Alg. 11: r += (a x b) * R^-1 (R = 2^16) in T_q; |r| grows by < 2q. */
void strata__mlkem_poly_basemul_acc(strata__mlkem_poly *r, const strata__mlkem_poly *a,
                                    const strata__mlkem_poly *b);
/* p <- p * R mod q (undoes the R^-1 of basemul outside the inverse NTT). */
void strata__mlkem_poly_tomont(strata__mlkem_poly *p);
void strata__mlkem_poly_reduce(strata__mlkem_poly *p); /* |c| <= q/2 */
void strata__mlkem_poly_add(strata__mlkem_poly *r, const strata__mlkem_poly *a);
void strata__mlkem_poly_sub(strata__mlkem_poly *r, const strata__mlkem_poly *a); /* r -= a */

/* FIPS 203 Alg. 7, SampleNTT(rho || x || y): rejection sampling from
 * SHAKE128. Public input, so it may branch on it. */
void strata__mlkem_poly_sample_ntt(strata__mlkem_poly *p, const uint8_t rho[32], uint8_t x,
                                   uint8_t y);
/* FIPS 203 Alg. 8 with eta = 2 on PRF_2(seed, nonce) = SHAKE256(seed || nonce)
 * (§4.1). The SHAKE state and the 128 PRF bytes are wiped. */
void strata__mlkem_poly_noise_eta2(strata__mlkem_poly *p, const uint8_t seed[32], uint8_t nonce);

/* FIPS 203 Alg. 5, ByteEncode_12 of the canonical representatives. */
void strata__mlkem_poly_tobytes(uint8_t out[STRATA_MLKEM_POLYBYTES], const strata__mlkem_poly *p);
/* FIPS 203 Alg. 6, ByteDecode_12 without the reduction mod q: values are in
 * [0, 4095]. Returns 1 when every value is < q (the §7.2 modulus check), else
 * 0; constant time. */
int strata__mlkem_poly_frombytes(strata__mlkem_poly *p, const uint8_t in[STRATA_MLKEM_POLYBYTES]);

/* Compress_d then ByteEncode_d (§4.2.1, Alg. 5), and the inverse
 * (ByteDecode_d then Decompress_d), for d = 10 (320 bytes), d = 4 (128 bytes)
 * and d = 1 (the 32-byte message). */
void strata__mlkem_poly_compress10(uint8_t out[320], const strata__mlkem_poly *p);
void strata__mlkem_poly_decompress10(strata__mlkem_poly *p, const uint8_t in[320]);
void strata__mlkem_poly_compress4(uint8_t out[128], const strata__mlkem_poly *p);
void strata__mlkem_poly_decompress4(strata__mlkem_poly *p, const uint8_t in[128]);
void strata__mlkem_poly_tomsg(uint8_t out[32], const strata__mlkem_poly *p);
void strata__mlkem_poly_frommsg(strata__mlkem_poly *p, const uint8_t in[32]);

#endif
