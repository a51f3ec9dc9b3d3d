/* The echo endpoint: every byte for the application comes straight back. */
#include <stdlib.h>
#include <string.h>

#include "io/io_internal.h"

#define ECHO_BUF (64u * 1024u)

/* The buffer is made when bytes come and given back while the connection
 * is idle (strata__io_echo_trim): an idle echo holds none. */
struct echo {
    uint8_t *buf;
    size_t off, len;
    int eof;
};

/* An echo cannot fail: every one reports this (all zero: STRATA_OK). */
static const strata_error no_error;

static strata_status echo_start(void *self, strata_io_conn *c)
{
    (void)self;
    (void)c;
    return STRATA_OK;
}

static const uint8_t *echo_in(void *self, size_t *n, strata_status *st)
{
    struct echo *e = self;
    *n = e->len;
    *st = e->len == 0 && e->eof ? STRATA_CLOSED : STRATA_OK;
    return e->buf ? e->buf + e->off : NULL;
}

static void echo_in_ack(void *self, size_t n)
{
    struct echo *e = self;
    if (n > e->len)
        n = e->len;
    e->off += n;
    e->len -= n;
    if (e->len == 0)
        e->off = 0;
}

static strata_status echo_out(void *self, const uint8_t *p, size_t n, size_t *used)
{
    struct echo *e = self;
    if (e->off > 0 && e->len > 0) {
        memmove(e->buf, e->buf + e->off, e->len);
        e->off = 0;
    }
    if (!e->buf && n > 0 && !(e->buf = malloc(ECHO_BUF)))
        return STRATA_E_NOMEM;
    size_t room = ECHO_BUF - e->off - e->len;
    size_t k = n < room ? n : room;
    memcpy(e->buf + e->off + e->len, p, k);
    e->len += k;
    *used = k;
    return STRATA_OK;
}

static strata_status echo_out_eof(void *self)
{
    struct echo *e = self;
    e->eof = 1;
    return STRATA_OK;
}

static int echo_out_done(const void *self)
{
    const struct echo *e = self;
    return e->eof;
}

static const strata_error *echo_error(const void *self)
{
    (void)self;
    return &no_error;
}

static void echo_close(void *self, void (*done)(void *), void *arg)
{
    struct echo *e = self;
    free(e->buf);
    free(e);
    done(arg);
}

static const struct strata_io_app_ops echo_ops = {
    "echo",       echo_start,    echo_in,    echo_in_ack, echo_out,
    echo_out_eof, echo_out_done, echo_error, echo_close,  NULL,
};

void strata__io_echo_trim(strata_io_app app)
{
    struct echo *e = app.self;
    if (app.ops != &echo_ops || e->len)
        return;
    free(e->buf);
    e->buf = NULL;
    e->off = 0;
}

strata_status strata_io_app_echo_new(strata_io_app *out)
{
    memset(out, 0, sizeof(*out));
    struct echo *e = calloc(1, sizeof(*e));
    if (!e)
        return STRATA_E_NOMEM;
    out->ops = &echo_ops;
    out->self = e;
    return STRATA_OK;
}
