/* Pipelined transfers: many READs or WRITEs of one file in flight.
 *
 * Implementation note. A download issues READs at increasing offsets until
 * `requests` are outstanding. A DATA reply shorter than asked is not the end
 * of the file (a server may return less, OpenSSH's does at 256 KiB packet
 * boundaries): the rest of that range is asked for again at once. The first
 * EOF status fixes where the file ends; READs beyond it that come back EOF
 * too are expected; no new READ starts past it. The download is done when
 * nothing is outstanding after EOF. An upload asks its source for chunk-size
 * pieces in order; a short piece is the end of the local file. Output is
 * held back while more than OUT_HIGH bytes wait in the engine, so a fast
 * source cannot queue the whole file in memory.
 */
#include <stdlib.h>
#include <string.h>

#include "base/error_internal.h"
#include "sftp/sftp_internal.h"

#define OUT_HIGH (2u * 1024u * 1024u)

struct strata_sftp_xfer {
    strata_sftp *s;
    strata_sftp_handle h;
    strata_sftp_xfer_config cfg;
    int put;
    uint64_t next;   /* next offset to request */
    uint64_t end;    /* highest offset reached */
    uint64_t eof_at; /* download: where EOF was reported (UINT64_MAX: not yet) */
    uint64_t moved;
    size_t inflight;
    int src_done; /* upload: the source ended */
    strata_error err;
    int src_failed; /* upload: the source said no */
    /* download: ranges re-asked after a short read; one slot per request
     * id is enough since only the reply knows the range. */
    struct range {
        uint32_t id;
        uint64_t off;
        uint32_t len;
    } * ranges;
    size_t n_ranges, cap_ranges;
};

static uint32_t pick_chunk(const strata_sftp *s, uint32_t want, int put)
{
    uint64_t c = want ? want : STRATA_SFTP_XFER_CHUNK;
    if (c > STRATA_SFTP_XFER_CHUNK)
        c = STRATA_SFTP_XFER_CHUNK;
    strata_sftp_limits l;
    strata_sftp_get_limits(s, &l);
    uint64_t lim = put ? l.max_write_length : l.max_read_length;
    if (lim && lim < c)
        c = lim;
    return c ? (uint32_t)c : 1u;
}

static strata_status xfer_new(strata_sftp *s, const strata_sftp_handle *h,
                              const strata_sftp_xfer_config *cfg, int put, strata_sftp_xfer **out)
{
    *out = NULL;
    if (!h || !cfg || h->len > STRATA_SFTP_HANDLE_MAX || (put ? !cfg->source : !cfg->sink))
        return STRATA_E_USAGE;
    strata_status r = strata_sftp_ready(s);
    if (r != STRATA_OK)
        return r == STRATA_WANT_READ ? STRATA_E_STATE : r;
    strata_sftp_xfer *x = calloc(1, sizeof(*x));
    if (!x)
        return STRATA_E_NOMEM;
    x->s = s;
    x->h = *h;
    x->cfg = *cfg;
    x->put = put;
    if (!x->cfg.requests || x->cfg.requests > STRATA_SFTP_INFLIGHT_MAX / 2)
        x->cfg.requests =
            x->cfg.requests ? STRATA_SFTP_INFLIGHT_MAX / 2 : STRATA_SFTP_XFER_REQUESTS;
    x->cfg.chunk = pick_chunk(s, cfg->chunk, put);
    x->next = x->end = cfg->offset;
    x->eof_at = UINT64_MAX;
    *out = x;
    return STRATA_OK;
}

strata_status strata_sftp_xfer_get(strata_sftp *s, const strata_sftp_handle *h,
                                   const strata_sftp_xfer_config *cfg, strata_sftp_xfer **out)
{
    return xfer_new(s, h, cfg, 0, out);
}

strata_status strata_sftp_xfer_put(strata_sftp *s, const strata_sftp_handle *h,
                                   const strata_sftp_xfer_config *cfg, strata_sftp_xfer **out)
{
    return xfer_new(s, h, cfg, 1, out);
}

void strata_sftp_xfer_free(strata_sftp_xfer *x)
{
    if (!x)
        return;
    strata__sftp_forget(x->s, x);
    free(x->ranges);
    free(x);
}

static strata_status xfail(strata_sftp_xfer *x, const strata_sftp_reply *r, const char *what)
{
    return strata__error_set(&x->err, r->status, "%s at offset %llu: %s%s%s", what,
                             (unsigned long long)x->end, strata_status_str(r->status),
                             r->message[0] ? ": " : "", r->message);
}

static strata_status add_range(strata_sftp_xfer *x, uint32_t id, uint64_t off, uint32_t len)
{
    if (x->n_ranges == x->cap_ranges) {
        size_t nc = x->cap_ranges ? x->cap_ranges * 2 : 64;
        struct range *p = realloc(x->ranges, nc * sizeof(*p));
        if (!p)
            return STRATA_E_NOMEM;
        x->ranges = p;
        x->cap_ranges = nc;
    }
    x->ranges[x->n_ranges++] = (struct range){id, off, len};
    return STRATA_OK;
}

static int take_range(strata_sftp_xfer *x, uint32_t id, struct range *out)
{
    for (size_t i = 0; i < x->n_ranges; i++)
        if (x->ranges[i].id == id) {
            *out = x->ranges[i];
            x->ranges[i] = x->ranges[--x->n_ranges];
            return 1;
        }
    return 0;
}

static void on_read(void *user, const strata_sftp_reply *r);

static strata_status send_read(strata_sftp_xfer *x, uint64_t off, uint32_t len)
{
    uint32_t id;
    strata_status st = strata_sftp_read(x->s, &x->h, off, len, on_read, x, &id);
    if (st == STRATA_OK)
        st = add_range(x, id, off, len);
    if (st != STRATA_OK)
        return strata__error_set(&x->err, st, "cannot queue a READ: %s", strata_status_str(st));
    x->inflight++;
    return STRATA_OK;
}

static void on_read(void *user, const strata_sftp_reply *r)
{
    strata_sftp_xfer *x = user;
    struct range rg;
    x->inflight--;
    if (!take_range(x, r->id, &rg) || x->err.status != STRATA_OK)
        return;
    if (r->status == STRATA_E_SFTP_EOF) {
        if (rg.off < x->eof_at)
            x->eof_at = rg.off;
        return;
    }
    if (r->status != STRATA_OK) {
        (void)xfail(x, r, "read");
        return;
    }
    if (r->data_len > rg.len) {
        (void)strata__error_set(&x->err, STRATA_E_SFTP_PACKET,
                                "server sent %zu bytes for a READ of %u at offset %llu",
                                r->data_len, rg.len, (unsigned long long)rg.off);
        return;
    }
    if (rg.off >= x->eof_at) {
        (void)strata__error_set(&x->err, STRATA_E_SFTP_PACKET,
                                "server sent data at offset %llu past the end of file it reported",
                                (unsigned long long)rg.off);
        return;
    }
    strata_status st = STRATA_OK;
    if (r->data_len > 0)
        st = x->cfg.sink(x->cfg.user, rg.off, r->data, r->data_len);
    if (st != STRATA_OK) {
        (void)strata__error_set(&x->err, st, "writing the local file at offset %llu failed",
                                (unsigned long long)rg.off);
        return;
    }
    x->moved += r->data_len;
    if (rg.off + r->data_len > x->end)
        x->end = rg.off + r->data_len;
    if (r->data_len == 0) {
        (void)strata__error_set(&x->err, STRATA_E_SFTP_PACKET,
                                "server sent 0 bytes for a READ at offset %llu",
                                (unsigned long long)rg.off);
        return;
    }
    if (r->data_len < rg.len) /* short read: ask for the rest now */
        (void)send_read(x, rg.off + r->data_len, rg.len - (uint32_t)r->data_len);
}

static void on_write(void *user, const strata_sftp_reply *r)
{
    strata_sftp_xfer *x = user;
    x->inflight--;
    if (x->err.status != STRATA_OK)
        return;
    if (r->status != STRATA_OK)
        (void)xfail(x, r, "write");
}

static int room(const strata_sftp_xfer *x)
{
    size_t pending;
    (void)strata_sftp_out(x->s, &pending);
    return x->inflight < x->cfg.requests && pending < OUT_HIGH;
}

/* The source, reading straight into the WRITE request. */
static strata_status fill(void *user, uint64_t off, uint8_t *buf, size_t n, size_t *got)
{
    strata_sftp_xfer *x = user;
    strata_status st = x->cfg.source(x->cfg.user, off, buf, n, got);
    if (st == STRATA_OK && *got > n)
        st = STRATA_E_USAGE;
    x->src_failed = st != STRATA_OK;
    return st;
}

strata_status strata_sftp_xfer_pump(strata_sftp_xfer *x)
{
    strata_status st;
    while (x->err.status == STRATA_OK && room(x)) {
        if (!x->put) {
            if (x->eof_at != UINT64_MAX)
                break;
            if ((st = send_read(x, x->next, x->cfg.chunk)) != STRATA_OK)
                break;
            x->next += x->cfg.chunk;
            continue;
        }
        if (x->src_done)
            break;
        size_t got = 0;
        st =
            strata__sftp_write_from(x->s, &x->h, x->next, x->cfg.chunk, fill, x, &got, on_write, x);
        if (st != STRATA_OK && x->src_failed) {
            (void)strata__error_set(&x->err, st, "reading the local file at offset %llu failed",
                                    (unsigned long long)x->next);
            break;
        }
        if (st != STRATA_OK) {
            (void)strata__error_set(&x->err, st, "cannot queue a WRITE: %s", strata_status_str(st));
            break;
        }
        if (got < x->cfg.chunk)
            x->src_done = 1;
        if (got == 0)
            break;
        x->inflight++;
        x->next += got;
        x->moved += got;
        x->end = x->next;
    }
    return strata_sftp_xfer_status(x);
}

strata_status strata_sftp_xfer_status(const strata_sftp_xfer *x)
{
    if (x->err.status != STRATA_OK)
        return x->err.status;
    strata_status es = strata_sftp_error(x->s)->status;
    if (es != STRATA_OK)
        return es;
    if (x->inflight > 0)
        return STRATA_WANT_READ;
    if (x->put)
        return x->src_done ? STRATA_OK : STRATA_WANT_READ;
    return x->eof_at != UINT64_MAX ? STRATA_OK : STRATA_WANT_READ;
}

const strata_error *strata_sftp_xfer_error(const strata_sftp_xfer *x)
{
    return x->err.status != STRATA_OK ? &x->err : strata_sftp_error(x->s);
}

uint64_t strata_sftp_xfer_bytes(const strata_sftp_xfer *x)
{
    return x->moved;
}

uint64_t strata_sftp_xfer_end(const strata_sftp_xfer *x)
{
    return x->end;
}
