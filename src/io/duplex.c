/* The duplex endpoint core shared by stdio and exec: a reader on one handle
 * (or file) feeding the stack, a writer on another taking the stack's output,
 * the end of output made by closing the writer's handle, and a close that
 * waits for every handle and file request. */
#include <stdlib.h>
#include <string.h>

#include "io/duplex.h"

strata_status strata__io_duplex_init(struct strata__io_duplex *d, uv_loop_t *loop, int in_fd,
                                     int out_fd, const char *in_what, const char *out_what)
{
    strata_status r;
    d->loop = loop;
    if ((r = strata__io_rd_init(&d->rd, loop, NULL, in_fd, STRATA__IO_RBUF, in_what,
                                strata__io_duplex_kick, d)) != STRATA_OK)
        return r;
    d->rd.cap_max = STRATA__IO_RBUF_MAX; /* a file or a busy pipe: larger reads */
    return strata__io_wr_init(&d->wr, loop, NULL, out_fd, STRATA__IO_WBUF, STRATA__IO_WR_EOF_FLUSH,
                              out_what, strata__io_duplex_kick, d);
}

void strata__io_duplex_set_streams(struct strata__io_duplex *d, uv_stream_t *in, uv_stream_t *out)
{
    d->rd.stream = in;
    if (in)
        in->data = &d->rd;
    d->wr.stream = out;
}

void strata__io_duplex_release(struct strata__io_duplex *d)
{
    d->pending--;
    if (!d->closing || d->pending > 0 || !strata__io_rd_idle(&d->rd) || !strata__io_wr_idle(&d->wr))
        return;
    strata__io_rd_free(&d->rd);
    strata__io_wr_free(&d->wr);
    void (*done)(void *) = d->done;
    void *arg = d->arg;
    d->free_self(d);
    if (done)
        done(arg);
}

static void in_closed(uv_handle_t *h)
{
    struct strata__io_duplex *d = h->data;
    if (d->in_released)
        d->in_released(d);
    strata__io_duplex_release(d);
}

static void out_closed(uv_handle_t *h)
{
    struct strata__io_duplex *d = h->data;
    if (d->out_released)
        d->out_released(d);
    d->out_closed = 1;
    if (!d->closing && d->conn)
        strata_io_conn_kick(d->conn);
    strata__io_duplex_release(d);
}

static void close_handle(struct strata__io_duplex *d, union strata__io_handle *h, int *open,
                         uv_close_cb cb)
{
    if (!*open)
        return;
    *open = 0;
    h->handle.data = d;
    d->pending++;
    uv_close(&h->handle, cb);
}

/* The end of output: once everything is written, close the writer's handle
 * (the reader at the other end sees EOF). */
static void close_out(struct strata__io_duplex *d)
{
    if (d->out_closing)
        return;
    d->out_closing = 1;
    if (!d->hout_open) {
        d->out_closed = 1; /* a file, or never opened: nobody waits for its end */
        return;
    }
    close_handle(d, &d->hout, &d->hout_open, out_closed);
}

void strata__io_duplex_kick(void *arg)
{
    struct strata__io_duplex *d = arg;
    if (d->closing) {
        d->pending++;
        strata__io_duplex_release(d); /* finishes the close if nothing is left */
        return;
    }
    if (d->wr.eof_asked && strata__io_wr_done(&d->wr))
        close_out(d);
    if (d->conn)
        strata_io_conn_kick(d->conn);
}

const uint8_t *strata__io_duplex_in(void *self, size_t *n, strata_status *st)
{
    struct strata__io_duplex *d = self;
    return strata__io_rd_peek(&d->rd, n, st);
}

void strata__io_duplex_in_ack(void *self, size_t n)
{
    struct strata__io_duplex *d = self;
    strata__io_rd_ack(&d->rd, n);
    strata__io_rd_settle(&d->rd);
}

strata_status strata__io_duplex_out(void *self, const uint8_t *p, size_t n, size_t *used)
{
    struct strata__io_duplex *d = self;
    return strata__io_wr_write(&d->wr, p, n, used);
}

strata_status strata__io_duplex_out_eof(void *self)
{
    struct strata__io_duplex *d = self;
    strata_status r = strata__io_wr_eof(&d->wr);
    if (strata__io_wr_done(&d->wr))
        close_out(d);
    return r;
}

int strata__io_duplex_out_done(const void *self)
{
    const struct strata__io_duplex *d = self;
    return d->out_closed;
}

int strata__io_duplex_out_flushed(const void *self)
{
    const struct strata__io_duplex *d = self;
    return !d->wr.busy || strata__io_half_status(d->wr.err) != STRATA_OK || d->out_closed;
}

const strata_error *strata__io_duplex_error(const void *self)
{
    const struct strata__io_duplex *d = self;
    if (d->err.status != STRATA_OK)
        return &d->err;
    return strata__io_half_status(d->rd.err) != STRATA_OK ? strata__io_half_error(d->rd.err)
                                                          : strata__io_half_error(d->wr.err);
}

void strata__io_duplex_close(void *self, void (*done)(void *), void *arg)
{
    struct strata__io_duplex *d = self;
    d->closing = 1;
    d->done = done;
    d->arg = arg;
    d->pending++; /* held while closing starts */
    strata__io_rd_stop(&d->rd);
    close_handle(d, &d->hin, &d->hin_open, in_closed);
    close_handle(d, &d->hout, &d->hout_open, out_closed);
    if (d->on_close)
        d->on_close(d);
    strata__io_duplex_release(d);
}
