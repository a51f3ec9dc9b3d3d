/* Internal: bcrypt_pbkdf, the KDF of OpenSSH's encrypted private keys. */
#ifndef STRATA_SSH_BCRYPT_PBKDF_H
#define STRATA_SSH_BCRYPT_PBKDF_H

#include <stddef.h>
#include <stdint.h>

#include "strata/status.h"

/* Largest output: 32 blocks of 32 bytes (the stride scheme spreads the output
 * over at most 32 bcrypt blocks). */
#define STRATA_BCRYPT_PBKDF_MAX_OUT 1024u
/* Largest salt accepted (OpenSSH writes 16 bytes). */
#define STRATA_BCRYPT_PBKDF_MAX_SALT 1024u

/* OpenBSD's bcrypt_pbkdf(3): derives outlen bytes from pass and salt with
 * `rounds` iterations. pass and salt are borrowed; out is caller-owned.
 * E_USAGE for an empty pass or salt, rounds 0, outlen 0 or above
 * STRATA_BCRYPT_PBKDF_MAX_OUT, a salt above STRATA_BCRYPT_PBKDF_MAX_SALT.
 * Runtime is linear in rounds * ceil(outlen / 32): callers bound rounds. */
strata_status strata__bcrypt_pbkdf(const uint8_t *pass, size_t passlen, const uint8_t *salt,
                                   size_t saltlen, unsigned rounds, uint8_t *out, size_t outlen);

#endif
