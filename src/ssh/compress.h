/* ssh/compress.h - SSH compression (RFC 4253 §6.2) on zlib (internal).
 *
 * "zlib" starts at NEWKEYS; "zlib@openssh.com" starts once user
 * authentication has succeeded (strata__ssh_comp_start_delayed). Every
 * NEWKEYS that negotiates compression starts a fresh stream, as OpenSSH does.
 * Each packet is one deflate call with Z_PARTIAL_FLUSH, so the peer can
 * inflate every packet on its own.
 */
#ifndef STRATA_SSH_COMPRESS_H
#define STRATA_SSH_COMPRESS_H

#include <stddef.h>
#include <stdint.h>
#include <zlib.h>

#include "ssh/scratch.h"
#include "strata/error.h"
#include "strata/status.h"

struct ssh_comp_alg {
    const char *name;
    int zlib;    /* compresses at all */
    int delayed; /* waits for user authentication */
};

struct ssh_comp {
    const struct ssh_comp_alg *alg;
    int outbound;
    int after_auth; /* start_delayed was called: delayed compression runs */
    int active;     /* z is initialised and in use */
    z_stream z;
    struct ssh_scratch out; /* the (de)compressed payload */
};

const struct ssh_comp_alg *strata__ssh_comp_find(const char *name);
/* Switches to alg at NEWKEYS: ends any running stream, starts a fresh one if
 * alg compresses now. */
strata_status strata__ssh_comp_set(struct ssh_comp *c, const struct ssh_comp_alg *alg,
                                   strata_error *err);
/* User authentication succeeded: a delayed alg starts now. */
strata_status strata__ssh_comp_start_delayed(struct ssh_comp *c, strata_error *err);
/* Compresses (outbound) or inflates (inbound, refusing more than limit bytes
 * of output) n bytes; *out (borrowed from c, valid until the next call) and
 * *outn receive the result. */
strata_status strata__ssh_comp_deflate(struct ssh_comp *c, const uint8_t *in, size_t n,
                                       size_t limit, const uint8_t **out, size_t *outn,
                                       strata_error *err);
strata_status strata__ssh_comp_inflate(struct ssh_comp *c, const uint8_t *in, size_t n,
                                       size_t limit, const uint8_t **out, size_t *outn,
                                       strata_error *err);
/* Ends the stream and wipes the buffer. */
void strata__ssh_comp_free(struct ssh_comp *c);

#endif
