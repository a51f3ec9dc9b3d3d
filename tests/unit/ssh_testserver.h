/* A small test-only SSH server transport, built from the same algorithm
 * tables as the client (as OpenSSH tests its KEX in
 * regress/unittests/kex): version line, KEXINIT, every key exchange method,
 * NEWKEYS, strict KEX, EXT_INFO, SERVICE_ACCEPT, rekeying either side. It
 * can misbehave on purpose for the hostile-server tests. In memory only. */
#ifndef STRATA_TEST_SSH_TESTSERVER_H
#define STRATA_TEST_SSH_TESTSERVER_H

#include <stddef.h>
#include <stdint.h>
#include <openssl/evp.h>

#include "strata/buf.h"
#include "strata/error.h"
#include "strata/ssh.h"

enum ts_misbehave {
    TS_BAD_SIGNATURE = 1 << 0,         /* sign something other than H */
    TS_IGNORE_BEFORE_KEXINIT = 1 << 1, /* IGNORE as the very first packet */
    TS_IGNORE_DURING_KEX = 1 << 2,     /* IGNORE between KEXINIT and the reply */
    TS_NEWKEYS_FIRST = 1 << 3,         /* NEWKEYS right after KEXINIT */
    TS_WRONG_GUESS = 1 << 4,     /* first_kex_packet_follows with a wrong guess + junk packet */
    TS_SMALL_GEX_GROUP = 1 << 5, /* a 1024-bit group for GEX */
    TS_SERVICE_MSG_DURING_KEX = 1 << 6, /* message 94 between KEXINIT and the reply */
    TS_NO_STRICT = 1 << 7,              /* do not offer kex-strict-s */
    TS_DEBUG_AFTER_KEX = 1 << 8,        /* DEBUG + IGNORE + unknown message 200 after NEWKEYS */
    TS_WRONG_KEY_TYPE = 1 << 9,         /* an ECDSA host key whatever was negotiated */
};

struct ts_config {
    /* The server's lists (NULL: everything supported). */
    const char *kex, *hostkey_alg, *ciphers, *macs, *comp;
    EVP_PKEY *hostkey;  /* borrowed; its type must fit hostkey_alg */
    const char *banner; /* lines sent before the identification (with CR LF), or NULL */
    unsigned misbehave;
};

struct ts;
strata_status ts_new(const struct ts_config *cfg, struct ts **out);
void ts_free(struct ts *s);
strata_status ts_input(struct ts *s, const uint8_t *p, size_t n);
void ts_output(struct ts *s, const uint8_t **p, size_t *n);
void ts_output_ack(struct ts *s, size_t n);
/* Sends a raw payload now (after the key exchange). */
strata_status ts_send(struct ts *s, const uint8_t *p, size_t n);
/* Starts a key exchange from the server side. */
strata_status ts_rekey(struct ts *s);
const strata_error *ts_error(const struct ts *s);
unsigned ts_kex_count(const struct ts *s);
/* Bytes of CHANNEL_DATA received (any channel), and their FNV-1a 64 hash
 * (offset basis 0xcbf29ce484222325). */
uint64_t ts_data(const struct ts *s, uint64_t *fnv);
/* Messages received after key exchange, by type. */
unsigned ts_count(const struct ts *s, uint8_t type);
/* Last UNIMPLEMENTED / DISCONNECT details received from the client. */
uint32_t ts_last_disconnect_reason(const struct ts *s);
/* Its description (empty when none; a malformed DISCONNECT fails the server). */
const char *ts_last_disconnect_desc(const struct ts *s);
int ts_strict(const struct ts *s);
/* Sequence number in the last UNIMPLEMENTED from the client. */
uint32_t ts_unimplemented_seq(const struct ts *s);
/* Types of the service messages (50+) received, in order. */
const uint8_t *ts_log(const struct ts *s, size_t *n);

/* Moves bytes both ways until neither side has output (or step bytes at a
 * time when step > 0). Returns the client's last status. */
strata_status ts_pump(strata_ssh_transport *c, struct ts *s, size_t step);

/* A fresh host key for a host key algorithm name (test helper). */
EVP_PKEY *ts_make_hostkey(const char *alg);

#endif
