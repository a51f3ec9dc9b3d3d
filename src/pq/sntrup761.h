/* pq/sntrup761.h - Streamlined NTRU Prime sntrup761 (round 3), the KEM half of
 * SSH's sntrup761x25519-sha512 (draft-josefsson-ntruprime-ssh).
 *
 * Buffers are the caller's: pk, sk, ct and ss must hold the sizes below and
 * are only written during the call. Secret keys and shared secrets are the
 * caller's to wipe. The *_rng variants take the randomness source for
 * known-answer tests; they draw bytes in the order, amounts and calls of the
 * SUPERCOP reference used by OpenSSH, PQClean and liboqs (keypair: one call of
 * 4p = 3044 bytes per candidate g, one for f, one of 191 bytes for rho; enc:
 * one of 3044 bytes for r). The round-3 submission's own KAT generator drew
 * each 32-bit word with a separate 4-byte call; an rng that splits a
 * 3044-byte request into 761 such calls reproduces its kat_kem.rsp (see
 * tests/unit/test_pq_sntrup.c).
 */
#ifndef STRATA_PQ_SNTRUP761_H
#define STRATA_PQ_SNTRUP761_H

#include <stddef.h>
#include <stdint.h>
#include "strata/status.h"

#define STRATA_SNTRUP761_PUBLICKEY_BYTES 1158
#define STRATA_SNTRUP761_SECRETKEY_BYTES 1763
#define STRATA_SNTRUP761_CIPHERTEXT_BYTES 1039
#define STRATA_SNTRUP761_SHAREDSECRET_BYTES 32

/* Randomness source: fills out with n random bytes; returns 0 on success, -1 on failure. */
typedef int (*strata__pq_random_fn)(void *ctx, uint8_t *out, size_t n);

/* KeyGen with the given randomness (for known-answer tests), consuming random bytes in the same
 * order and amount as the reference implementation does, so NIST KAT files reproduce.
 * STRATA_E_CRYPTO when rng or SHA-512 fails (pk and sk are then zeroed). */
strata_status strata__sntrup761_keypair_rng(uint8_t *pk, uint8_t *sk, strata__pq_random_fn rng,
                                            void *ctx);
/* KeyGen on RAND_priv_bytes; STRATA_E_CRYPTO if it fails. */
strata_status strata__sntrup761_keypair(uint8_t *pk, uint8_t *sk);
/* Encapsulation to pk: ct for the peer, ss the 32-byte session key. STRATA_E_CRYPTO when rng or
 * SHA-512 fails (ct and ss are then zeroed). Any 1158 bytes are accepted as pk. */
strata_status strata__sntrup761_enc_rng(uint8_t *ct, uint8_t *ss, const uint8_t *pk,
                                        strata__pq_random_fn rng, void *ctx);
strata_status strata__sntrup761_enc(uint8_t *ct, uint8_t *ss, const uint8_t *pk);
/* Implicit rejection: always writes 32 bytes to ss. A ciphertext that does not re-encrypt to
 * itself gives Hash(0, Hash3(rho), ct), a key unrelated to the sender's; the caller cannot tell
 * the two cases apart (and need not). */
void strata__sntrup761_dec(uint8_t *ss, const uint8_t *ct, const uint8_t *sk);

#endif
