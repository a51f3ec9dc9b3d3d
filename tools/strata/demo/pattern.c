/* The pattern endpoint: sends a pseudo-random byte stream and checks that
 * what comes back is the same stream, byte for byte, in order. */
#include <stdio.h>
#include <string.h>

#include "pattern.h"

/* Fills k bytes of the stream (xorshift64, 8 bytes a step). Both directions
 * fill the same sequence of PATTERN_CHUNK blocks, so they agree. */
static void fill(uint64_t *s, uint8_t *out, size_t k)
{
    for (size_t i = 0; i < k; i += 8) {
        *s ^= *s << 13;
        *s ^= *s >> 7;
        *s ^= *s << 17;
        uint64_t v = *s;
        size_t m = k - i < 8 ? k - i : 8;
        for (size_t j = 0; j < m; j++)
            out[i + j] = (uint8_t)(v >> (8 * j));
    }
}

/* The next block of the stream into buf: its length. */
static size_t next_block(uint64_t *state, uint64_t *done, uint64_t total, uint8_t *buf)
{
    uint64_t left = total - *done;
    size_t k = left < PATTERN_CHUNK ? (size_t)left : PATTERN_CHUNK;
    fill(state, buf, k);
    *done += k;
    return k;
}

static strata_status pat_start(void *self, strata_io_conn *c)
{
    ((struct pattern *)self)->conn = c;
    return STRATA_OK;
}

static const uint8_t *pat_in(void *self, size_t *n, strata_status *st)
{
    struct pattern *p = self;
    if (p->chunk_len == 0 && p->pause_at && p->sent >= p->pause_at && !p->resumed) {
        *n = 0;
        *st = STRATA_OK; /* nothing for now: pattern_resume */
        return NULL;
    }
    if (p->chunk_len == 0 && p->sent < p->total) {
        p->chunk_off = 0;
        p->chunk_len = next_block(&p->tx_state, &p->sent, p->total, p->chunk);
    }
    *n = p->chunk_len;
    *st = p->chunk_len == 0 ? STRATA_CLOSED : STRATA_OK;
    return p->chunk + p->chunk_off;
}

static void pat_in_ack(void *self, size_t n)
{
    struct pattern *p = self;
    if (n > p->chunk_len)
        n = p->chunk_len;
    p->chunk_off += n;
    p->chunk_len -= n;
}

static strata_status pat_out(void *self, const uint8_t *b, size_t n, size_t *used)
{
    struct pattern *p = self;
    size_t i = 0;
    while (i < n && p->mismatch_at == UINT64_MAX) {
        if (p->want_len == 0) {
            if (p->expected == p->total) {
                p->mismatch_at = p->checked; /* more bytes than were sent */
                break;
            }
            p->want_off = 0;
            p->want_len = next_block(&p->rx_state, &p->expected, p->total, p->want);
        }
        size_t k = n - i < p->want_len ? n - i : p->want_len;
        if (memcmp(b + i, p->want + p->want_off, k) != 0) {
            size_t j = 0;
            while (b[i + j] == p->want[p->want_off + j])
                j++;
            p->mismatch_at = p->checked + j;
            break;
        }
        i += k;
        p->checked += k;
        p->want_off += k;
        p->want_len -= k;
    }
    *used = n;
    if (p->mismatch_at != UINT64_MAX)
        return strata_error_set(&p->err, STRATA_E_PROTOCOL,
                                "byte %llu came back changed (or is one too many)",
                                (unsigned long long)p->mismatch_at);
    return STRATA_OK;
}

static strata_status pat_out_eof(void *self)
{
    struct pattern *p = self;
    p->got_eof = 1;
    return STRATA_OK;
}

static int pat_out_done(const void *self)
{
    const struct pattern *p = self;
    return p->got_eof;
}

static const strata_error *pat_error(const void *self)
{
    const struct pattern *p = self;
    return &p->err;
}

static void pat_close(void *self, void (*done)(void *), void *arg)
{
    ((struct pattern *)self)->conn = NULL;
    /* the struct is the round's, which reads its counts afterwards */
    done(arg);
}

static const struct strata_io_app_ops pattern_ops = {
    "demo-pattern", pat_start,    pat_in,    pat_in_ack, pat_out,
    pat_out_eof,    pat_out_done, pat_error, pat_close,  NULL,
};

void pattern_init(struct pattern *p, uint64_t total, uint64_t seed)
{
    memset(p, 0, sizeof(*p));
    p->total = total;
    p->tx_state = p->rx_state = seed ? seed : 1; /* xorshift needs a non-zero state */
    p->mismatch_at = UINT64_MAX;
}

strata_io_app pattern_app(struct pattern *p)
{
    strata_io_app a = {&pattern_ops, p};
    return a;
}

void pattern_resume(struct pattern *p)
{
    p->resumed = 1;
    if (p->conn)
        strata_io_conn_kick(p->conn);
}

int pattern_complete(const struct pattern *p)
{
    return p->got_eof && p->checked == p->total && p->mismatch_at == UINT64_MAX;
}
