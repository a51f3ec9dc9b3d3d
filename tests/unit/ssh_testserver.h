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
    TS_EMPTY_NAMES = 1 << 10,           /* empty names in every KEXINIT list and server-sig-algs */
    TS_HOLD_NEWKEYS = 1 << 11, /* our NEWKEYS (and what follows) only at ts_release_newkeys */
};

struct ts_config {
    /* The server's lists (NULL: everything supported). */
    const char *kex, *hostkey_alg, *ciphers, *macs, *comp;
    EVP_PKEY *hostkey;  /* borrowed; its type must fit hostkey_alg */
    const char *banner; /* lines sent before the identification (with CR LF), or NULL */
    unsigned misbehave;
    /* Group exchange: the only request form accepted (0: KEX_DH_GEX_REQUEST,
     * 1: the old KEX_DH_GEX_REQUEST_OLD); the other fails the server. */
    int gex_request_old;
};

struct ts;
strata_status ts_new(const struct ts_config *cfg, struct ts **out);
void ts_free(struct ts *s);
strata_status ts_input(struct ts *s, const uint8_t *p, size_t n);
void ts_output(struct ts *s, const uint8_t **p, size_t *n);
void ts_output_ack(struct ts *s, size_t n);
/* Sends a raw payload now (after the key exchange). */
strata_status ts_send(struct ts *s, const uint8_t *p, size_t n);
/* With TS_HOLD_NEWKEYS: sends the NEWKEYS held back (E_STATE when none). */
strata_status ts_release_newkeys(struct ts *s);
/* Sequence number of the last packet the server sent. */
uint32_t ts_last_sent_seq(const struct ts *s);
/* The last group exchange request: its message number and min, n, max
 * (an old request has only n; min and max are then 0). */
struct ts_gex_request {
    uint8_t type;
    uint32_t min, n, max;
};
const struct ts_gex_request *ts_gex_request(const struct ts *s);
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
/* The last DEBUG from the client (RFC 4253 §11.3), decoded: its message
 * (empty when none) and always_display. */
const char *ts_last_debug(const struct ts *s, int *always_display);
/* The data of the last IGNORE from the client (RFC 4253 §11.2; up to 64
 * bytes kept, *n its whole length). */
const uint8_t *ts_last_ignore(const struct ts *s, size_t *n);
/* Sequence number in the last UNIMPLEMENTED from the client. */
uint32_t ts_unimplemented_seq(const struct ts *s);
/* The last CHANNEL_REQUEST (98) from the client, decoded field by field
 * (RFC 4254 §6.7 window-change, §6.9 signal, §6.2 pty-req, §6.5 exec /
 * subsystem); a request with trailing bytes or missing fields fails the
 * server. Fields a request does not carry are zero / empty. */
struct ts_chreq {
    unsigned count; /* CHANNEL_REQUESTs seen */
    uint32_t recipient;
    int want_reply;
    char name[64];
    char arg[64];   /* signal name, exec command, subsystem name, pty TERM, env name */
    char value[64]; /* env value */
    uint32_t cols, rows, width_px, height_px;
};
const struct ts_chreq *ts_last_chreq(const struct ts *s);
/* The service named in the last SERVICE_REQUEST (empty when none). */
const char *ts_last_service(const struct ts *s);
/* Types of the service messages (50+) received, in order. */
const uint8_t *ts_log(const struct ts *s, size_t *n);

/* Moves bytes both ways until neither side has output (or step bytes at a
 * time when step > 0). Returns the client's last status. */
strata_status ts_pump(strata_ssh_transport *c, struct ts *s, size_t step);

/* A fresh host key for a host key algorithm name (test helper). */
EVP_PKEY *ts_make_hostkey(const char *alg);

#endif
