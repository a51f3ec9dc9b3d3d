/* Internal: the Blowfish block cipher, as far as bcrypt_pbkdf needs it.
 *
 * Only the pieces of Blowfish that OpenBSD's bcrypt ("eksblowfish") key setup uses:
 * the initial state, the 64-bit block encryption, the ordinary key schedule
 * (expand0) and the salted one (expand). Big-endian 32-bit halves throughout.
 * OpenSSL 3 keeps Blowfish in the legacy provider behind deprecated API, so strata
 * has its own. Not a general-purpose cipher: no decryption, no modes.
 */
#ifndef STRATA_SSH_BLOWFISH_H
#define STRATA_SSH_BLOWFISH_H

#include <stddef.h>
#include <stdint.h>

#define STRATA_BLF_ROUNDS 16
#define STRATA_BLF_PI_WORDS (STRATA_BLF_ROUNDS + 2 + 4 * 256)

/* The hex digits of pi that seed every Blowfish state (blowfish_pi.c). */
extern const uint32_t strata__blowfish_pi[STRATA_BLF_PI_WORDS];

struct strata_blf {
    uint32_t p[STRATA_BLF_ROUNDS + 2];
    uint32_t s[4][256];
};

/* Loads the pi-derived initial state. */
void strata__blf_init(struct strata_blf *c);
/* Encrypts one block held as two big-endian halves, in place. */
void strata__blf_encipher(const struct strata_blf *c, uint32_t *l, uint32_t *r);
/* Schneier's key schedule: P ^= key (cycled), then re-encrypt P and S in turn
 * from an all-zero block. keylen > 0. */
void strata__blf_expand0(struct strata_blf *c, const uint8_t *key, size_t keylen);
/* The salted schedule of eksblowfish: as expand0, but each block encrypted is
 * first XORed with the next 8 bytes of data (cycled). keylen, datalen > 0. */
void strata__blf_expand(struct strata_blf *c, const uint8_t *data, size_t datalen,
                        const uint8_t *key, size_t keylen);

#endif
