/* ssh/mac.h - the SSH MAC table (internal to the packet layer).
 *
 * RFC 4253 §6.4: mac = MAC(key, uint32 sequence_number || unencrypted_packet).
 * The -etm@openssh.com variants MAC the packet as sent instead (length in
 * clear, then the ciphertext). Two families, so a row is data: HMAC rows name
 * a digest (output truncated to out_len for the -96 rows); UMAC rows
 * (umac-64/128@openssh.com, RFC 4418) use the sequence number as the nonce
 * (8 bytes, big-endian) instead of hashing it.
 */
#ifndef STRATA_SSH_MAC_H
#define STRATA_SSH_MAC_H

#include <stddef.h>
#include <stdint.h>
#include <openssl/evp.h>

#include "strata/error.h"
#include "strata/status.h"

struct strata__umac;

#define STRATA_SSH_MAC_MAX 64 /* largest MAC output (hmac-sha2-512) */

struct ssh_mac_alg {
    const char *name;
    const char *digest;      /* OpenSSL digest name for HMAC, NULL for "none" and UMAC */
    size_t key_len, out_len; /* out_len < the digest's size: truncated (hmac-sha1-96) */
    int etm;                 /* encrypt-then-MAC */
    int legacy;              /* supported, not offered by default */
    int umac;                /* UMAC with AES-128, out_len bytes of tag */
};

struct ssh_mac {
    const struct ssh_mac_alg *alg;
    EVP_MAC *mac;
    EVP_MAC_CTX *ctx;          /* keyed once; re-initialised per packet with the same key */
    struct strata__umac *umac; /* UMAC rows: subkeys derived once per key */
};

/* The row for an SSH MAC name (including "none"), or NULL. */
const struct ssh_mac_alg *strata__ssh_mac_find(const char *name);
/* Fetches HMAC and keys it, or derives the UMAC subkeys (m must be zeroed or
 * freed). */
strata_status strata__ssh_mac_init(struct ssh_mac *m, const struct ssh_mac_alg *alg,
                                   const uint8_t *key, strata_error *err);
/* out (alg->out_len bytes) = MAC(seq || data[0..n)); UMAC: MAC of data
 * with seq as the nonce. */
strata_status strata__ssh_mac_compute(struct ssh_mac *m, uint32_t seq, const uint8_t *data,
                                      size_t n, uint8_t *out, strata_error *err);
void strata__ssh_mac_free(struct ssh_mac *m);

#endif
