/* Internal: SSH_MSG_KEXINIT (RFC 4253 §7.1), algorithm negotiation, and
 * OpenSSH-style algorithm list configuration. */
#ifndef STRATA_SSH_KEXINIT_H
#define STRATA_SSH_KEXINIT_H

#include <stddef.h>
#include <stdint.h>

#include "ssh/packet.h"
#include "strata/buf.h"
#include "strata/error.h"

/* The ten name-lists of KEXINIT, in wire order. */
enum ssh_kexinit_list {
    SSH_KEXINIT_KEX,
    SSH_KEXINIT_HOSTKEY,
    SSH_KEXINIT_CIPHER_C2S,
    SSH_KEXINIT_CIPHER_S2C,
    SSH_KEXINIT_MAC_C2S,
    SSH_KEXINIT_MAC_S2C,
    SSH_KEXINIT_COMP_C2S,
    SSH_KEXINIT_COMP_S2C,
    SSH_KEXINIT_LANG_C2S,
    SSH_KEXINIT_LANG_S2C,
    SSH_KEXINIT_NLISTS
};

/* Longest name-list accepted from a peer: as long as a packet allows, as
 * OpenSSH does (it sends about 1.5 KB itself; the packet limit bounds the
 * sum of all ten lists). */
#define SSH_KEXINIT_LIST_MAX STRATA_SSH_PACKET_MAX

struct ssh_kexinit {
    uint8_t cookie[16];
    char *lists[SSH_KEXINIT_NLISTS]; /* heap strings */
    int first_kex_follows;
};

/* Pseudo-algorithms in the key exchange list (never negotiated). */
#define SSH_EXT_INFO_C "ext-info-c"
#define SSH_EXT_INFO_S "ext-info-s"
#define SSH_KEX_STRICT_C "kex-strict-c-v00@openssh.com"
#define SSH_KEX_STRICT_S "kex-strict-s-v00@openssh.com"

/* Appends a KEXINIT payload (message byte included). */
strata_status strata__ssh_kexinit_build(const char *const lists[SSH_KEXINIT_NLISTS],
                                        const uint8_t cookie[16], int first_kex_follows,
                                        strata_buf *out);
/* Parses a KEXINIT payload (message byte included) into *ki (cleared first;
 * strata__ssh_kexinit_clear frees it, also after an error). */
strata_status strata__ssh_kexinit_parse(const uint8_t *payload, size_t n, struct ssh_kexinit *ki,
                                        strata_error *err);
void strata__ssh_kexinit_clear(struct ssh_kexinit *ki);

/* A NUL-terminated heap copy of n bytes (free()), or NULL. Unlike strndup
 * it never reads past p + n. */
char *strata__ssh_strndup(const void *p, size_t n);

/* 1 when name is on the comma list. */
int strata__ssh_namelist_has(const char *list, const char *name);

/* The negotiated algorithms (pointers into the client's lists, or the static
 * "<implicit>" for the MAC of an AEAD cipher). */
struct ssh_negotiated {
    const char *kex, *hostkey;
    const char *cipher[2], *mac[2], *comp[2]; /* [0] client to server, [1] server to client */
    char store[SSH_KEXINIT_NLISTS][65];
};

/* RFC 4253 §7.1: for each list, the first of the client's names the server
 * also offers. The failure names what could not be agreed and both offers:
 * "no matching cipher: client offered ..., server offered ...".
 * is_aead tells which ciphers carry their own MAC (NULL: none). */
strata_status strata__ssh_negotiate(const struct ssh_kexinit *client,
                                    const struct ssh_kexinit *server,
                                    int (*is_aead)(const char *cipher), struct ssh_negotiated *out,
                                    strata_error *err);
/* RFC 4253 §7: the server's guess was right iff its first key exchange and
 * host key algorithms are the negotiated ones. */
int strata__ssh_guess_right(const struct ssh_kexinit *server, const struct ssh_negotiated *neg);

/* OpenSSH-style list configuration (ssh_config(5) Ciphers etc.): spec NULL or
 * "" gives defaults; "+a,b" appends to the defaults, "-a,b" removes from them
 * (names may use * and ? wildcards), "^a,b" puts them first; anything else
 * is the full list. Every name must be in supported. *out: heap string. */
strata_status strata__ssh_alglist(const char *what, const char *spec, const char *defaults,
                                  const char *supported, char **out, strata_error *err);

#endif
