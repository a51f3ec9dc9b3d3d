/* pq/keccak.h - Keccak-f[1600] and the FIPS 202 functions ML-KEM needs.
 *
 * OpenSSL 3.0 cannot squeeze SHAKE more than once and costs an allocation per
 * EVP call; ML-KEM squeezes SHAKE128 block by block while it samples, so the
 * sponge lives here, on the stack of the caller, with no allocation.
 *
 * A context holds the state of one sponge; strata__keccak_wipe() clears it
 * (callers wipe every context that absorbed a secret). */
#ifndef STRATA_PQ_KECCAK_H
#define STRATA_PQ_KECCAK_H

#include <stddef.h>
#include <stdint.h>

#define STRATA_SHAKE128_RATE 168
#define STRATA_SHAKE256_RATE 136
#define STRATA_SHA3_256_RATE 136
#define STRATA_SHA3_512_RATE 72

typedef struct {
    uint64_t s[25];
    unsigned rate; /* bytes per block */
    unsigned pos;  /* next byte to absorb into, or to squeeze from */
    int squeezing; /* padded: no more input */
} strata__keccak;

/* The permutation, FIPS 202 §3.3 (24 rounds). */
void strata__keccak_f1600(uint64_t s[25]);

/* Incremental SHAKE: init, absorb any number of times, then squeeze any
 * number of times (absorbing after the first squeeze is not allowed). */
void strata__shake128_init(strata__keccak *k);
void strata__shake256_init(strata__keccak *k);
void strata__keccak_absorb(strata__keccak *k, const uint8_t *in, size_t len);
void strata__shake_squeeze(strata__keccak *k, uint8_t *out, size_t len);
/* Squeezes whole blocks (k->rate bytes each); only right after absorbing or
 * after earlier whole blocks. */
void strata__shake_squeeze_blocks(strata__keccak *k, uint8_t *out, size_t nblocks);
void strata__keccak_wipe(strata__keccak *k);

/* One-shot functions, FIPS 202 §6. */
void strata__sha3_256(uint8_t out[32], const uint8_t *in, size_t len);
void strata__sha3_512(uint8_t out[64], const uint8_t *in, size_t len);
void strata__shake128(uint8_t *out, size_t outlen, const uint8_t *in, size_t len);
void strata__shake256(uint8_t *out, size_t outlen, const uint8_t *in, size_t len);

#endif
