/* Internal: the duplex endpoint core (src/io/duplex.c) under the stdio and
 * exec app endpoints.
 *
 * An endpoint embeds struct strata__io_duplex as its FIRST member, so the
 * generic operations below take the endpoint's self pointer directly. It opens
 * its handles into hin / hout (setting hin_open / hout_open once a handle is
 * initialized, so the close path closes it), then calls
 * strata__io_duplex_set_streams. Hooks:
 * - in_released / out_released: after that handle's close (stdout puts
 *   /dev/null on descriptor 1);
 * - on_close: when the endpoint is closed (exec signals its child and holds
 *   the close with pending++ until the child is reaped, then
 *   strata__io_duplex_release);
 * - free_self: frees the endpoint, last.
 */
#ifndef STRATA_IO_DUPLEX_H
#define STRATA_IO_DUPLEX_H

#include "io/io_internal.h"

struct strata__io_duplex {
    uv_loop_t *loop;
    union strata__io_handle hin, hout;
    int hin_open, hout_open;
    struct strata__io_rd rd;
    struct strata__io_wr wr;
    strata_io_conn *conn; /* set by start */
    int out_closing, out_closed;
    int closing;
    int pending; /* closes still to complete */
    void (*done)(void *);
    void *arg;
    strata_error err; /* the endpoint's own errors (setup, spawn) */
    void (*in_released)(struct strata__io_duplex *d);
    void (*out_released)(struct strata__io_duplex *d);
    void (*on_close)(struct strata__io_duplex *d);
    void (*free_self)(struct strata__io_duplex *d);
};

/* Halves in file mode on in_fd / out_fd until streams are set. */
strata_status strata__io_duplex_init(struct strata__io_duplex *d, uv_loop_t *loop, int in_fd,
                                     int out_fd, const char *in_what, const char *out_what);
void strata__io_duplex_set_streams(struct strata__io_duplex *d, uv_stream_t *in, uv_stream_t *out);
/* Drops one hold on the close (pending--) and finishes it when none is left. */
void strata__io_duplex_release(struct strata__io_duplex *d);
void strata__io_duplex_kick(void *arg);

/* The strata_io_app_ops members, on the endpoint's self. */
const uint8_t *strata__io_duplex_in(void *self, size_t *n, strata_status *st);
void strata__io_duplex_in_ack(void *self, size_t n);
strata_status strata__io_duplex_out(void *self, const uint8_t *p, size_t n, size_t *used);
strata_status strata__io_duplex_out_eof(void *self);
int strata__io_duplex_out_done(const void *self);
const strata_error *strata__io_duplex_error(const void *self);
void strata__io_duplex_close(void *self, void (*done)(void *), void *arg);
int strata__io_duplex_out_flushed(const void *self);

/* The operations table of a duplex endpoint with its own name and start. */
#define STRATA__IO_DUPLEX_OPS(name, start)                                                         \
    {                                                                                              \
        name, start, strata__io_duplex_in, strata__io_duplex_in_ack, strata__io_duplex_out,        \
            strata__io_duplex_out_eof, strata__io_duplex_out_done, strata__io_duplex_error,        \
            strata__io_duplex_close, strata__io_duplex_out_flushed,                                \
    }

#endif
