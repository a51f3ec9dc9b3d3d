/* pq/mlkem768.h - ML-KEM-768 (FIPS 203), internal to strata.
 *
 * Buffers are the caller's, of the fixed sizes below; nothing is allocated
 * or kept. Secret outputs (sk, ss) are the caller's to wipe. The calls that
 * can fail are STRATA_MUST_CHECK: a failed RNG or a refused key leaves no
 * usable output. */
#ifndef STRATA_PQ_MLKEM768_H
#define STRATA_PQ_MLKEM768_H

#include <stdint.h>
#include "strata/status.h"

#define STRATA_MLKEM768_PUBLICKEY_BYTES 1184
#define STRATA_MLKEM768_SECRETKEY_BYTES 2400
#define STRATA_MLKEM768_CIPHERTEXT_BYTES 1088
#define STRATA_MLKEM768_SHAREDSECRET_BYTES 32

/* FIPS 203 Alg. 16 ML-KEM.KeyGen_internal(d, z). */
void strata__mlkem768_keypair_derand(uint8_t *pk, uint8_t *sk, const uint8_t d[32],
                                     const uint8_t z[32]);
/* Fresh d, z from RAND_priv_bytes; STRATA_E_CRYPTO if the RNG fails. */
STRATA_MUST_CHECK strata_status strata__mlkem768_keypair(uint8_t *pk, uint8_t *sk);
/* FIPS 203 Alg. 17 with the §7.2 encapsulation-key check (type check is the fixed length; modulus
 * check: every 12-bit coefficient < q): STRATA_E_PROTOCOL when pk fails it, ct/ss untouched. */
STRATA_MUST_CHECK strata_status strata__mlkem768_encaps_derand(uint8_t *ct, uint8_t *ss,
                                                               const uint8_t *pk,
                                                               const uint8_t m[32]);
/* As above with m from RAND_priv_bytes; STRATA_E_CRYPTO if the RNG fails. */
STRATA_MUST_CHECK strata_status strata__mlkem768_encaps(uint8_t *ct, uint8_t *ss,
                                                        const uint8_t *pk);
/* FIPS 203 Alg. 18, implicit rejection: always writes 32 bytes to ss (J(z||c) on a bad ct). */
void strata__mlkem768_decaps(uint8_t *ss, const uint8_t *ct, const uint8_t *sk);

#endif
