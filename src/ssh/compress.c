/* SSH compression on zlib (RFC 4253 §6.2; OpenSSH's zlib@openssh.com).
 *
 * Outbound: one deflate per packet with Z_PARTIAL_FLUSH at level 6, what
 * OpenSSH sends. Inbound: inflate with Z_SYNC_FLUSH into a buffer bounded by
 * the caller's limit (+1 byte to tell "exactly the limit" from "more"): a
 * packet that would inflate past it is refused, so a small packet cannot make
 * us allocate without bound (zip-bomb guard).
 */
#include <string.h>

#include "base/error_internal.h"
#include "ssh/compress.h"
#include "ssh/packet.h"

static const struct ssh_comp_alg comps[] = {
    {"none", 0, 0},
    {"zlib@openssh.com", 1, 1},
    {"zlib", 1, 0},
};

const char *strata__ssh_comp_supported(void)
{
    return "none,zlib@openssh.com,zlib";
}

const struct ssh_comp_alg *strata__ssh_comp_find(const char *name)
{
    if (!name)
        return NULL;
    for (size_t i = 0; i < sizeof(comps) / sizeof(comps[0]); i++)
        if (strcmp(comps[i].name, name) == 0)
            return &comps[i];
    return NULL;
}

static void comp_end(struct ssh_comp *c)
{
    if (!c->active)
        return;
    if (c->outbound)
        deflateEnd(&c->z);
    else
        inflateEnd(&c->z);
    memset(&c->z, 0, sizeof(c->z));
    c->active = 0;
}

static strata_status comp_begin(struct ssh_comp *c, strata_error *err)
{
    memset(&c->z, 0, sizeof(c->z));
    int rc = c->outbound ? deflateInit(&c->z, 6) : inflateInit(&c->z);
    if (rc != Z_OK)
        return strata__error_set(err, rc == Z_MEM_ERROR ? STRATA_E_NOMEM : STRATA_E_INTERNAL,
                                 "cannot start a zlib %s stream: %s",
                                 c->outbound ? "deflate" : "inflate", zError(rc));
    c->active = 1;
    return STRATA_OK;
}

strata_status strata__ssh_comp_set(struct ssh_comp *c, const struct ssh_comp_alg *alg,
                                   strata_error *err)
{
    comp_end(c);
    c->alg = alg;
    if (alg->zlib && (!alg->delayed || c->after_auth))
        return comp_begin(c, err);
    return STRATA_OK;
}

strata_status strata__ssh_comp_start_delayed(struct ssh_comp *c, strata_error *err)
{
    int was = c->after_auth;
    c->after_auth = 1;
    if (!was && c->alg && c->alg->zlib && c->alg->delayed && !c->active)
        return comp_begin(c, err);
    return STRATA_OK;
}

strata_status strata__ssh_comp_deflate(struct ssh_comp *c, const uint8_t *in, size_t n,
                                       size_t limit, const uint8_t **out, size_t *outn,
                                       strata_error *err)
{
    size_t used = 0;
    c->z.next_in = (Bytef *)(uintptr_t)in; /* zlib does not write through next_in */
    c->z.avail_in = (uInt)n;
    do {
        /* Grow before the call so each round has room to make progress. */
        if (c->out.cap - used < 64) {
            if (c->out.cap >= limit)
                return strata__error_set(err, STRATA_E_LIMIT,
                                         "compressed payload exceeds %zu bytes", limit);
            size_t want = c->out.cap < n + 64 ? n + 64 : c->out.cap * 2;
            if (strata__ssh_scratch_reserve(&c->out, want < limit ? want : limit, used) !=
                STRATA_OK)
                return strata__error_set(err, STRATA_E_NOMEM, "cannot grow the deflate buffer");
        }
        c->z.next_out = c->out.p + used;
        c->z.avail_out = (uInt)(c->out.cap - used);
        int rc = deflate(&c->z, Z_PARTIAL_FLUSH);
        used = c->out.cap - c->z.avail_out;
        if (rc != Z_OK && rc != Z_BUF_ERROR)
            return strata__error_set(err, STRATA_E_INTERNAL, "deflate failed: %s", zError(rc));
    } while (c->z.avail_out == 0 || c->z.avail_in > 0);
    *out = c->out.p;
    *outn = used;
    return STRATA_OK;
}

strata_status strata__ssh_comp_inflate(struct ssh_comp *c, const uint8_t *in, size_t n,
                                       size_t limit, const uint8_t **out, size_t *outn,
                                       strata_error *err)
{
    size_t used = 0, cap_limit = limit + 1;
    c->z.next_in = (Bytef *)(uintptr_t)in;
    c->z.avail_in = (uInt)n;
    for (;;) {
        if (used >= cap_limit)
            break;
        if (used == c->out.cap) {
            size_t want = c->out.cap < 4 * n + 64 ? 4 * n + 64 : c->out.cap * 2;
            if (strata__ssh_scratch_reserve(&c->out, want < cap_limit ? want : cap_limit, used) !=
                STRATA_OK)
                return strata__error_set(err, STRATA_E_NOMEM, "cannot grow the inflate buffer");
        }
        size_t room = (c->out.cap < cap_limit ? c->out.cap : cap_limit) - used;
        c->z.next_out = c->out.p + used;
        c->z.avail_out = (uInt)room;
        int rc = inflate(&c->z, Z_SYNC_FLUSH);
        used += room - c->z.avail_out;
        if (rc == Z_STREAM_END)
            return strata__error_set(err, STRATA_E_SSH_COMPRESSION,
                                     "compressed stream ended inside the connection");
        if (rc != Z_OK && rc != Z_BUF_ERROR)
            return strata__error_set(err, STRATA_E_SSH_COMPRESSION,
                                     "corrupt compressed payload: %s",
                                     c->z.msg ? c->z.msg : zError(rc));
        if (c->z.avail_out > 0) {
            if (c->z.avail_in > 0)
                return strata__error_set(err, STRATA_E_SSH_COMPRESSION,
                                         "inflate stopped with %u input bytes left", c->z.avail_in);
            break; /* all input consumed and all output flushed */
        }
    }
    if (used > limit)
        return strata__error_set(err, STRATA_E_SSH_COMPRESSION,
                                 "decompressed payload exceeds the limit of %zu bytes", limit);
    *out = c->out.p;
    *outn = used;
    return STRATA_OK;
}

void strata__ssh_comp_free(struct ssh_comp *c)
{
    comp_end(c);
    strata__ssh_scratch_free(&c->out);
}
