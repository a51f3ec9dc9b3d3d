/* strata/kem.h - the post-quantum key encapsulation mechanisms strata's SSH
 * key exchange uses, for any program: ML-KEM-768 (FIPS 203) and Streamlined
 * NTRU Prime sntrup761 (round 3, as OpenSSH uses it). Written in src/pq/
 * (OpenSSL 3.0 has neither); constant time in secret data.
 *
 * All buffers are the caller's, of the sizes strata_kem_sizes gives; they
 * are only read (pk, ct, sk as inputs) or written (pk, sk, ct, ss as
 * outputs). Secret keys and shared secrets are the caller's to wipe
 * (strata_memzero). Randomness comes from OpenSSL's RAND_priv_bytes. */
#ifndef STRATA_KEM_H
#define STRATA_KEM_H

#include <stddef.h>
#include <stdint.h>
#include "export.h"
#include "status.h"

typedef enum strata_kem_alg {
    STRATA_KEM_MLKEM768 = 1,
    STRATA_KEM_SNTRUP761 = 2,
} strata_kem_alg;

/* "ML-KEM-768" / "sntrup761" (static storage); NULL for an unknown alg. */
STRATA_API const char *strata_kem_name(strata_kem_alg alg);
/* Sizes in bytes of the public key, secret key, ciphertext and shared
 * secret (any pointer may be NULL). E_USAGE for an unknown alg. */
STRATA_API STRATA_MUST_CHECK strata_status strata_kem_sizes(strata_kem_alg alg, size_t *pk,
                                                            size_t *sk, size_t *ct, size_t *ss);
/* A fresh key pair. E_CRYPTO when the random generator fails. */
STRATA_API STRATA_MUST_CHECK strata_status strata_kem_keypair(strata_kem_alg alg, uint8_t *pk,
                                                              uint8_t *sk);
/* Encapsulates to pk: a ciphertext and the shared secret. E_PROTOCOL when pk
 * is not a valid public key (ML-KEM's FIPS 203 §7.2 modulus check). */
STRATA_API STRATA_MUST_CHECK strata_status strata_kem_encaps(strata_kem_alg alg, uint8_t *ct,
                                                             uint8_t *ss, const uint8_t *pk);
/* Decapsulates ct with sk. Implicit rejection: a bad ciphertext gives an
 * unrelated shared secret, never an error; E_USAGE only for an unknown alg. */
STRATA_API STRATA_MUST_CHECK strata_status strata_kem_decaps(strata_kem_alg alg, uint8_t *ss,
                                                             const uint8_t *ct, const uint8_t *sk);

#endif
