/* ssh/cipher/cipher.h - the SSH cipher table (internal to the packet layer).
 *
 * Each cipher family is one file that defines its rows; table.c lists them.
 * Two kinds of rows:
 *  - plain ciphers (none, CTR, CBC): `crypt` transforms bytes, keeping its
 *    stream/chaining state across packets; the packet layer adds the MAC;
 *  - AEADs (tag_len > 0): `aead_length` reads the packet length (decrypting it
 *    if the cipher hides it), `aead_seal` / `aead_open` protect one whole
 *    packet given its sequence number.
 * Contexts are made once in `init` (at NEWKEYS) and reused for every packet.
 */
#ifndef STRATA_SSH_CIPHER_H
#define STRATA_SSH_CIPHER_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <openssl/evp.h>

#include "strata/error.h"
#include "strata/status.h"

struct ssh_cipher;

struct ssh_cipher_alg {
    const char *name; /* SSH name */
    const char *evp;  /* OpenSSL cipher name, or NULL */
    size_t key_len;   /* bytes of key material (chacha20-poly1305: 64) */
    size_t iv_len;    /* bytes of IV material */
    size_t block_len; /* padding unit (>= 8) */
    size_t tag_len;   /* > 0: AEAD with a tag of this size */
    int legacy;       /* supported, not offered by default */
    int stream;       /* plain ciphers: `crypt` takes any length and the stream runs on
                       * across calls (CTR, none), so a packet may be encrypted in pieces */
    /* Makes contexts and loads key/iv (lengths already checked). */
    strata_status (*init)(struct ssh_cipher *c, int encrypt, const uint8_t *key, const uint8_t *iv,
                          strata_error *err);
    /* Plain ciphers: out = E/D(in), n a multiple of block_len (any n for a
     * stream row); out may be in. */
    strata_status (*crypt)(struct ssh_cipher *c, uint8_t *out, const uint8_t *in, size_t n,
                           strata_error *err);
    /* AEADs: the packet_length from the first 4 bytes on the wire. */
    strata_status (*aead_length)(struct ssh_cipher *c, uint32_t seq, const uint8_t in[4],
                                 uint32_t *len, strata_error *err);
    /* AEADs: pkt holds n bytes (uint32 length, then the rest) in clear,
     * except that when payload is not NULL, pkt[po .. po+pn) is still to be
     * read from payload (5 <= po, po + pn <= n: saves the seal path a copy).
     * Protects the packet in place and writes tag_len bytes at tag. */
    strata_status (*aead_seal)(struct ssh_cipher *c, uint32_t seq, uint8_t *pkt, size_t n,
                               const uint8_t *payload, size_t po, size_t pn, uint8_t *tag,
                               strata_error *err);
    /* AEADs: checks tag over the n wire bytes at in, then writes the n clear
     * bytes (length included) to out. E_SSH_MAC on a mismatch (out wiped). */
    strata_status (*aead_open)(struct ssh_cipher *c, uint32_t seq, uint8_t *out, const uint8_t *in,
                               size_t n, const uint8_t *tag, strata_error *err);
};

/* Per-direction state: what the families need, all made once per key. */
struct ssh_cipher {
    const struct ssh_cipher_alg *alg;
    int encrypt;
    EVP_CIPHER *evp;     /* fetched once per key */
    EVP_CIPHER_CTX *ctx; /* main stream / GCM */
    EVP_CIPHER_CTX *hdr; /* chacha20-poly1305: the length stream (K_1) */
    EVP_MAC *mac;        /* chacha20-poly1305: Poly1305 */
    EVP_MAC_CTX *mac_ctx;
    uint8_t iv[16]; /* GCM: fixed field and invocation counter */
};

/* The row for an SSH cipher name (including "none"), or NULL. */
const struct ssh_cipher_alg *strata__ssh_cipher_find(const char *name);
/* Sets up c for alg (c must be zeroed or freed). */
strata_status strata__ssh_cipher_init(struct ssh_cipher *c, const struct ssh_cipher_alg *alg,
                                      int encrypt, const uint8_t *key, const uint8_t *iv,
                                      strata_error *err);
/* Frees the contexts (OpenSSL wipes their key schedules) and zeroes c. */
void strata__ssh_cipher_free(struct ssh_cipher *c);

/* The family rows (defined one file per family). */
extern const struct ssh_cipher_alg strata__ssh_cipher_none;
extern const struct ssh_cipher_alg strata__ssh_cipher_chachapoly;
extern const struct ssh_cipher_alg strata__ssh_cipher_aes128_gcm, strata__ssh_cipher_aes256_gcm;
extern const struct ssh_cipher_alg strata__ssh_cipher_aes128_ctr, strata__ssh_cipher_aes192_ctr,
    strata__ssh_cipher_aes256_ctr;
extern const struct ssh_cipher_alg strata__ssh_cipher_aes128_cbc, strata__ssh_cipher_aes192_cbc,
    strata__ssh_cipher_aes256_cbc, strata__ssh_cipher_3des_cbc;

/* Shared by the EVP-based families: a context for evp with key/iv, padding off. */
strata_status strata__ssh_cipher_evp_ctx(struct ssh_cipher *c, EVP_CIPHER_CTX **ctx,
                                         const char *evp, const uint8_t *key, const uint8_t *iv,
                                         strata_error *err);

/* One EVP_CipherUpdate of exactly n bytes (n <= INT_MAX); 1 on success. */
static inline int strata__ssh_evp_update(EVP_CIPHER_CTX *ctx, uint8_t *out, const uint8_t *in,
                                         size_t n)
{
    int outl = 0;
    return n <= (size_t)INT_MAX && EVP_CipherUpdate(ctx, out, &outl, in, (int)n) &&
           (size_t)outl == n;
}

/* Encrypts pkt[4 .. n) in place with a stream context, except pkt[po .. po+pn)
 * which is read from payload when payload is not NULL (see aead_seal). */
static inline int strata__ssh_evp_update_body(EVP_CIPHER_CTX *ctx, uint8_t *pkt, size_t n,
                                              const uint8_t *payload, size_t po, size_t pn)
{
    if (!payload)
        return strata__ssh_evp_update(ctx, pkt + 4, pkt + 4, n - 4);
    return strata__ssh_evp_update(ctx, pkt + 4, pkt + 4, po - 4) &&
           strata__ssh_evp_update(ctx, pkt + po, payload, pn) &&
           strata__ssh_evp_update(ctx, pkt + po + pn, pkt + po + pn, n - po - pn);
}

#endif
