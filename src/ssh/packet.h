/* ssh/packet.h - the SSH binary packet protocol (RFC 4253 §6), packet
 * protection (ciphers, MACs, AEADs), compression and key derivation (§7.2).
 *
 * A struct ssh_pkt_dir is one direction of a connection: its sequence number,
 * its cipher, MAC and compression state, and the buffers the packets are
 * opened into. A fresh direction uses the "none" cipher, MAC and compression;
 * strata__ssh_pkt_dir_set_keys switches it at NEWKEYS. The direction is
 * sans-I/O: seal appends bytes to a caller's buffer, open reads them from one.
 *
 * The first error is sticky: after a failed seal or open, the direction
 * refuses every further call with the same status.
 *
 * Ownership: the caller owns the direction (free with
 * strata__ssh_pkt_dir_free) and every buffer it passes. Key material is
 * copied in set_keys and wiped on free or on the next set_keys.
 */
#ifndef STRATA_SSH_PACKET_H
#define STRATA_SSH_PACKET_H

#include <stddef.h>
#include <stdint.h>

#include "strata/buf.h"
#include "strata/error.h"
#include "strata/status.h"

/* Largest packet_length accepted or produced (OpenSSH's limit). */
#define STRATA_SSH_PACKET_MAX (256u * 1024u)

/* One direction's protection state. */
struct ssh_pkt_dir;

/* A fresh direction ("none" cipher/MAC/compression, sequence number 0).
 * outbound selects seal (1) or open (0): a direction does only one of them.
 * *out is owned by the caller. */
STRATA_MUST_CHECK strata_status strata__ssh_pkt_dir_new(int outbound, struct ssh_pkt_dir **out);
/* Wipes keys and buffered plaintext, then frees d. NULL is allowed. */
void strata__ssh_pkt_dir_free(struct ssh_pkt_dir *d);

/* Names as negotiated; material from the KDF (borrowed for the call only). */
struct ssh_pkt_keys {
    const char *cipher, *mac, *comp; /* mac ignored for AEAD ciphers; comp "none"/"zlib"/
                                        "zlib@openssh.com" */
    const uint8_t *iv, *key, *mac_key;
    size_t iv_len, key_len, mac_key_len;
};

/* Sizes the KDF must produce for a cipher/mac pair (mac may be NULL, and is
 * ignored, for AEAD ciphers: *mac_key_len is then 0). E_UNSUPPORTED for
 * unknown names. Outputs cleared on entry. */
STRATA_MUST_CHECK strata_status strata__ssh_alg_sizes(const char *cipher, const char *mac,
                                                      size_t *iv_len, size_t *key_len,
                                                      size_t *mac_key_len);
/* 1 when cipher is an AEAD (chacha20-poly1305, AES-GCM: no separate MAC). */
int strata__ssh_cipher_is_aead(const char *cipher);

/* Switches this direction to new keys (at NEWKEYS). Copies the material;
 * lengths must be those of strata__ssh_alg_sizes (E_USAGE otherwise). Starts
 * a fresh compression stream for "zlib", and for "zlib@openssh.com" once
 * strata__ssh_pkt_dir_start_delayed_comp has been called. Resets the byte
 * counter; the sequence number continues (see reset_seq). */
STRATA_MUST_CHECK strata_status strata__ssh_pkt_dir_set_keys(struct ssh_pkt_dir *d,
                                                             const struct ssh_pkt_keys *k,
                                                             strata_error *err);
/* Sequence number of the next packet. */
uint32_t strata__ssh_pkt_dir_seq(const struct ssh_pkt_dir *d);
/* Sets the sequence number (tests and fuzzing: the 2^32 wrap). */
void strata__ssh_pkt_dir_set_seq(struct ssh_pkt_dir *d, uint32_t seq);
/* Strict KEX (kex-strict-*-v00@openssh.com): sequence number back to 0 at NEWKEYS. */
void strata__ssh_pkt_dir_reset_seq(struct ssh_pkt_dir *d);
/* zlib@openssh.com: compression starts now (after user authentication) if
 * negotiated, and at every later set_keys that negotiates it. */
void strata__ssh_pkt_dir_start_delayed_comp(struct ssh_pkt_dir *d);
/* Wire bytes sealed or opened since the last set_keys (rekey trigger). */
uint64_t strata__ssh_pkt_dir_bytes(const struct ssh_pkt_dir *d);

/* Appends one protected packet carrying payload (n bytes, borrowed for the
 * call) to out (sequence number +1, wraps at 2^32). Padding: >= 4 random
 * bytes, total a multiple of max(8, block size) and at least 16 bytes
 * (RFC 4253 §6). Encrypts in place in out. E_LIMIT (out unchanged) when the
 * payload cannot fit in a packet of STRATA_SSH_PACKET_MAX or out is full. */
STRATA_MUST_CHECK strata_status strata__ssh_pkt_seal(struct ssh_pkt_dir *d, const uint8_t *payload,
                                                     size_t n, strata_buf *out, strata_error *err);
/* The same for the payload head (hn bytes) followed by data (dn bytes), both
 * borrowed for the call, either may be empty (not both): the packet is that
 * of seal on their concatenation, but the data is encrypted straight from
 * where it is, not copied first, when the protection allows. */
STRATA_MUST_CHECK strata_status strata__ssh_pkt_seal_parts(struct ssh_pkt_dir *d,
                                                           const uint8_t *head, size_t hn,
                                                           const uint8_t *data, size_t dn,
                                                           strata_buf *out, strata_error *err);

/* Opens one packet from the front of in. STRATA_WANT_READ (in untouched)
 * until a whole packet is there; then consumes it and sets *payload (borrowed
 * from d, valid until the next open or free) and *n. The caller must present
 * the same stream again after WANT_READ (a block cipher's first block is
 * decrypted once and kept). Errors, each with a precise message:
 * E_SSH_PACKET (length over STRATA_SSH_PACKET_MAX, too short, not aligned to
 * the block size, bad padding length, empty payload), E_SSH_MAC (MAC or AEAD
 * tag mismatch, compared in constant time), E_SSH_COMPRESSION (corrupt
 * stream, or a payload that inflates past STRATA_SSH_PACKET_MAX). */
STRATA_MUST_CHECK strata_status strata__ssh_pkt_open(struct ssh_pkt_dir *d, strata_buf *in,
                                                     const uint8_t **payload, size_t *n,
                                                     strata_error *err);

/* RFC 4253 §7.2: out = HASH(K || H || letter || session_id) || K2 || ...,
 * Kn = HASH(K || H || K1 || ... || Kn-1), truncated to outlen. K is the shared
 * secret already encoded as an SSH mpint (or as a string for the sntrup/mlkem
 * hybrids), H the exchange hash, letter 'A'..'F', md_name an OpenSSL digest
 * name ("SHA256"). All inputs borrowed; out (outlen bytes) caller-owned.
 * E_UNSUPPORTED for an unknown digest, E_USAGE for a bad letter. */
STRATA_MUST_CHECK strata_status strata__ssh_kdf(const char *md_name, const uint8_t *K, size_t klen,
                                                const uint8_t *H, size_t hlen, char letter,
                                                const uint8_t *session_id, size_t sid_len,
                                                uint8_t *out, size_t outlen);

/* Comma lists of what is supported, and the default offer (secure first;
 * legacy not offered). Static strings. */
const char *strata__ssh_ciphers_supported(void); /* includes legacy: aes*-cbc, 3des-cbc */
const char *strata__ssh_ciphers_default(void);
const char *strata__ssh_macs_supported(void); /* + hmac-sha1(-96)(-etm@openssh.com) */
const char *strata__ssh_macs_default(void);
const char *strata__ssh_comp_supported(void); /* none,zlib@openssh.com,zlib */

#endif
