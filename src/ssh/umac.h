/* ssh/umac.h - UMAC (RFC 4418) with AES-128, for umac-64@openssh.com and
 * umac-128@openssh.com (internal).
 *
 * Tag = UHASH(K, M) xor PDF(K, Nonce): 4, 8, 12 or 16 bytes (UMAC-32, -64,
 * -96, -128). SSH uses 8 and 16, a 16-byte key and as nonce the packet
 * sequence number as 8 big-endian bytes; the sequence number is not hashed.
 */
#ifndef STRATA_SSH_UMAC_H
#define STRATA_SSH_UMAC_H

#include <stddef.h>
#include <stdint.h>

#include "strata/error.h"
#include "strata/status.h"

#define STRATA_UMAC_KEY_LEN 16
#define STRATA_UMAC_TAG_MAX 16
#define STRATA_UMAC_NONCE_MAX 16

struct strata__umac;

/* Derives the subkeys of key (16 bytes, copied; the caller keeps its own)
 * for tags of tag_len bytes (4, 8, 12 or 16: anything else is E_USAGE).
 * *out is the caller's until strata__umac_free, which wipes it. */
strata_status strata__umac_new(const uint8_t key[STRATA_UMAC_KEY_LEN], size_t tag_len,
                               struct strata__umac **out, strata_error *err);
/* tag (tag_len bytes) = UMAC(K, msg[0..n), nonce[0..nonce_len)), nonce_len
 * 1..16. Nothing is allocated; msg may be any length. Checking a received
 * tag is the caller's, in constant time (the packet layer: strata_ct_equal,
 * i.e. CRYPTO_memcmp). */
strata_status strata__umac_tag(struct strata__umac *u, const uint8_t *msg, size_t n,
                               const uint8_t *nonce, size_t nonce_len, uint8_t *tag,
                               strata_error *err);
size_t strata__umac_tag_len(const struct strata__umac *u);
/* Wipes and frees (NULL is fine). */
void strata__umac_free(struct strata__umac *u);

#endif
