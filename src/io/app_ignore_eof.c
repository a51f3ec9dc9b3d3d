/* An app endpoint that keeps the connection open after its input ends
 * (strata connect -i, as `openssl s_client -ign_eof`): the inner endpoint's
 * end of input is held back until the peer has ended its side, so nothing
 * is closed towards the peer before the peer closes. Everything else passes
 * through to the inner endpoint. */
#include <stdlib.h>

#include "io/conn_internal.h"

struct ign {
    strata_io_app inner;
    strata_io_conn *conn;
    int peer_ended;
};

static strata_status ig_start(void *self, strata_io_conn *c)
{
    struct ign *g = self;
    g->conn = c;
    return g->inner.ops->start(g->inner.self, c);
}

static const uint8_t *ig_in(void *self, size_t *n, strata_status *st)
{
    struct ign *g = self;
    const uint8_t *p = g->inner.ops->in(g->inner.self, n, st);
    if (*n == 0 && *st == STRATA_CLOSED && !g->peer_ended)
        *st = STRATA_OK; /* held until the peer has ended */
    return p;
}

static void ig_in_ack(void *self, size_t n)
{
    struct ign *g = self;
    g->inner.ops->in_ack(g->inner.self, n);
}

static strata_status ig_out(void *self, const uint8_t *p, size_t n, size_t *used)
{
    struct ign *g = self;
    return g->inner.ops->out(g->inner.self, p, n, used);
}

static strata_status ig_out_eof(void *self)
{
    struct ign *g = self;
    g->peer_ended = 1;
    strata_status r = g->inner.ops->out_eof(g->inner.self);
    if (g->conn)
        strata_io_conn_kick(g->conn); /* our input's end may go now */
    return r;
}

static int ig_out_done(const void *self)
{
    const struct ign *g = self;
    return g->inner.ops->out_done(g->inner.self);
}

static const strata_error *ig_error(const void *self)
{
    const struct ign *g = self;
    return g->inner.ops->error(g->inner.self);
}

static void ig_close(void *self, void (*done)(void *arg), void *arg)
{
    struct ign *g = self;
    strata_io_app inner = g->inner;
    free(g);
    inner.ops->close(inner.self, done, arg);
}

static int ig_out_flushed(const void *self)
{
    const struct ign *g = self;
    return !g->inner.ops->out_flushed || g->inner.ops->out_flushed(g->inner.self);
}

static const struct strata_io_app_ops ignore_eof_ops = {
    "ignore-eof", ig_start,    ig_in,    ig_in_ack, ig_out,
    ig_out_eof,   ig_out_done, ig_error, ig_close,  ig_out_flushed,
};

strata_status strata_io_app_ignore_eof_new(strata_io_app inner, strata_io_app *out)
{
    out->ops = NULL;
    out->self = NULL;
    struct ign *g = calloc(1, sizeof(*g));
    if (!g) {
        strata__io_app_discard(inner);
        return STRATA_E_NOMEM;
    }
    g->inner = inner;
    out->ops = &ignore_eof_ops;
    out->self = g;
    return STRATA_OK;
}
