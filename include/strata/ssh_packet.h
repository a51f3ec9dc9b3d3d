/* strata/ssh_packet.h - one direction of SSH binary packet protection
 * (RFC 4253 §6: length, padding, cipher, MAC or AEAD tag), the engine the
 * transport uses, on its own: for programs that frame SSH packets
 * themselves, for self-tests and for `strata bench ssh-cipher`.
 *
 * Keys here come from one buffer of material: the IV, the key and the MAC
 * key are its first bytes, each as long as the algorithms want (a real
 * connection derives three different ones in its key exchange). Sans-I/O;
 * code in src/ssh/packet_api.c over src/ssh/packet.c. */
#ifndef STRATA_SSH_PACKET_API_H
#define STRATA_SSH_PACKET_API_H

#include <stddef.h>
#include <stdint.h>
#include "buf.h"
#include "error.h"
#include "export.h"

typedef struct strata_ssh_packet_dir strata_ssh_packet_dir;

/* A direction (outbound: sealing; else opening) keyed for cipher and mac
 * (mac NULL or ignored for AEAD ciphers) from material (len bytes, copied;
 * at least as long as the longest of IV, key and MAC key: 64 bytes serve
 * every algorithm). *out is the caller's, freed with
 * strata_ssh_packet_dir_free. E_UNSUPPORTED for unknown names, E_USAGE
 * for material too short. */
STRATA_API STRATA_MUST_CHECK strata_status strata_ssh_packet_dir_new(
    int outbound, const char *cipher, const char *mac, const uint8_t *material, size_t len,
    strata_ssh_packet_dir **out, strata_error *err);
/* NULL is allowed; key material is wiped. */
STRATA_API void strata_ssh_packet_dir_free(strata_ssh_packet_dir *d);
/* Appends one protected packet carrying payload (n bytes) to wire. */
STRATA_API STRATA_MUST_CHECK strata_status strata_ssh_packet_seal(strata_ssh_packet_dir *d,
                                                                  const uint8_t *payload, size_t n,
                                                                  strata_buf *wire,
                                                                  strata_error *err);
/* Opens the first packet in wire and consumes it: *payload (n bytes) is
 * borrowed from d until the next call. STRATA_WANT_READ when wire does not
 * hold a whole packet yet; E_SSH_MAC for a packet that fails its MAC or tag. */
STRATA_API STRATA_MUST_CHECK strata_status strata_ssh_packet_open(strata_ssh_packet_dir *d,
                                                                  strata_buf *wire,
                                                                  const uint8_t **payload,
                                                                  size_t *n, strata_error *err);

#endif
