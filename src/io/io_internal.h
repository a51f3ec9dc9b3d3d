/* Internal: the io driver's shared pieces.
 *
 * A reader (strata__io_rd) and a writer (strata__io_wr) are the two halves of
 * a byte pipe to the operating system. Each works on a libuv stream (TCP
 * socket, pipe, terminal) or, for regular files and character devices, on a
 * file descriptor (file mode). In file mode a regular file, or a character
 * device that cannot be polled (/dev/null, /dev/zero: it never blocks), is
 * read and written directly from the loop (strata__io_fd_direct); any other
 * character device goes through uv_fs requests in the thread pool, where a
 * call that blocks does not stall the loop. They hold one bounded buffer
 * each and report changes through a kick callback to their owner.
 *
 * Handles are owned by whoever embeds the halves (the connection, an app
 * endpoint): the halves never close a handle. An owner that closes must wait
 * until strata__io_rd_idle / strata__io_wr_idle before freeing the halves,
 * since a file request may still be in the thread pool.
 */
#ifndef STRATA_IO_INTERNAL_H
#define STRATA_IO_INTERNAL_H

#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#include "strata/io.h"

#define STRATA__IO_RBUF (64u * 1024u)
/* A reader whose reads fill its buffer grows it up to this (bulk data:
 * fewer, larger reads); trimming an idle reader shrinks it back. */
#define STRATA__IO_RBUF_MAX (256u * 1024u)
#define STRATA__IO_WBUF (256u * 1024u)

struct strata_io {
    uv_loop_t loop;
    int running;
    /* Live objects, so strata_io_free and a stop signal can close them. */
    struct strata__io_node *live;
    uv_signal_t sig_int, sig_term;
    int signals_on;
    int stopped_by;    /* the signal that stopped the run, or 0 */
    uint64_t grace_ms; /* strata_io_stop_on_signals_graceful: SIGTERM drains */
    uv_timer_t grace;  /* the drain's deadline */
    int grace_open, draining;
    uv_timer_t trim; /* strata__io_release_soon */
    int trim_open, trim_armed;
};

/* Memory freed by connections that closed or went idle is given back to the
 * system (malloc_trim with glibc) once, STRATA__IO_TRIM_DELAY_MS after the
 * first such call: many connections closing together cost one trim. */
#define STRATA__IO_TRIM_DELAY_MS 1000
void strata__io_release_soon(strata_io *io);
/* The library's endpoints give back empty buffers while their connection
 * is idle; each does nothing to an endpoint of another kind. */
void strata__io_echo_trim(strata_io_app app);
void strata__io_pair_trim(strata_io_app app);

/* A link in the driver's list of live objects. */
struct strata__io_node {
    struct strata__io_node *prev, *next;
    /* Starts closing the object; why says what stopped it. */
    void (*shutdown)(struct strata__io_node *n, const char *why);
    int listener; /* closed first, alone, by a graceful stop */
};
void strata__io_link(strata_io *io, struct strata__io_node *n);
void strata__io_unlink(strata_io *io, struct strata__io_node *n);

/* Storage for any stream handle a descriptor can need. */
union strata__io_handle {
    uv_handle_t handle;
    uv_stream_t stream;
    uv_tcp_t tcp;
    uv_pipe_t pipe;
    uv_tty_t tty;
};

/* Opens descriptor fd for reading or writing: a stream handle in *h
 * (*stream set), or file mode (*stream NULL). *opened is 1 once the handle is
 * initialized, also when opening then fails: the caller must close it. err
 * names `what` on failure. */
strata_status strata__io_fd_open(uv_loop_t *loop, int fd, int readable, const char *what,
                                 union strata__io_handle *h, int *opened, uv_stream_t **stream,
                                 strata_error *err);

/* 1 when descriptor fd is read and written directly from the loop in file
 * mode: a regular file, or a character device the kernel cannot poll (such
 * a device never blocks). Blocking calls on a regular file are what the
 * file demands; they never wait for a peer. */
int strata__io_fd_direct(int fd);

/* Records a libuv error: "<what>: <uv text>". */
strata_status strata__io_uv_error(strata_error *e, strata_status st, int uverr, const char *what);

struct strata__io_rd {
    uv_loop_t *loop;
    uv_stream_t *stream; /* NULL: file mode on fd */
    int fd;
    uv_fs_t fs;
    int fs_busy;
    int direct; /* file mode: -1 not known yet, 1 read(2) from the loop, 0 thread pool */
    uint8_t *buf;
    size_t off, len, cap;
    size_t cap_base, cap_max; /* cap starts at cap_base, grows up to cap_max */
    int grow;                 /* the last read filled the buffer */
    int reading;              /* uv_read_start is on */
    int eof;
    int stopped;      /* the owner is closing: read no more */
    const char *what; /* names the source in errors (static or owner's) */
    uint64_t total;
    strata_error *err; /* the sticky error, made when one occurs (NULL: none) */
    void (*kick)(void *arg);
    void *arg;
};

/* A half's sticky error is made on its first error (a strata_error is 2 KB
 * and a listener holds two halves per connection). half_err makes it (an
 * error of its own, per thread, when out of memory), half_status reads its
 * status (STRATA_OK when none), half_error gives it or an empty one. */
strata_error *strata__io_half_err(strata_error **slot);
static inline strata_status strata__io_half_status(const strata_error *e)
{
    return e ? e->status : STRATA_OK;
}
const strata_error *strata__io_half_error(const strata_error *e);

/* Stream mode when stream is not NULL (the handle's data pointer is taken),
 * else file mode on fd. The buffer holds cap bytes; set cap_max above it to
 * let a reader whose reads fill the buffer double it (up to cap_max) once
 * the buffer is empty. */
strata_status strata__io_rd_init(struct strata__io_rd *r, uv_loop_t *loop, uv_stream_t *stream,
                                 int fd, size_t cap, const char *what, void (*kick)(void *),
                                 void *arg);
/* Starts reading (when the buffer is empty). A direct file is read at once:
 * its bytes (or its end, or the error) show in peek on return, no kick. */
strata_status strata__io_rd_start(struct strata__io_rd *r);
/* Unread bytes; *st STRATA_OK, STRATA_CLOSED at the end, or the error. */
const uint8_t *strata__io_rd_peek(struct strata__io_rd *r, size_t *n, strata_status *st);
/* n bytes were used; reading resumes once all are (a direct file is read
 * again at once, and the owner kicked). */
void strata__io_rd_ack(struct strata__io_rd *r, size_t n);
/* Call right after handing the bytes on: stops reading while any are left. */
void strata__io_rd_settle(struct strata__io_rd *r);
/* Reads no more; cancels a queued file read. */
void strata__io_rd_stop(struct strata__io_rd *r);
int strata__io_rd_idle(const struct strata__io_rd *r);
/* Gives back the buffer while it holds nothing. */
void strata__io_rd_trim(struct strata__io_rd *r);
void strata__io_rd_free(struct strata__io_rd *r);

enum strata__io_wr_eof {
    STRATA__IO_WR_EOF_SHUTDOWN, /* shutdown(2) the write side (sockets) */
    STRATA__IO_WR_EOF_FLUSH,    /* only flush; the owner closes the handle */
};

struct strata__io_wr {
    uv_loop_t *loop;
    uv_stream_t *stream; /* NULL: file mode on fd */
    int fd;
    uv_write_t wreq;
    uv_shutdown_t sreq;
    uv_fs_t fs;
    int direct; /* file mode: -1 not known yet, 1 write(2) from the loop, 0 thread pool */
    int busy;   /* a write, file write or shutdown is under way */
    uint8_t *buf;
    size_t cap, pend_off, pend_len; /* bytes of buf being written */
    int eof_asked, eof_done;
    enum strata__io_wr_eof eof_mode;
    int broken; /* EPIPE seen and drop_on_epipe: drop the rest */
    int drop_on_epipe;
    const char *what;
    uint64_t total;
    strata_error *err; /* the sticky error, made when one occurs (NULL: none) */
    void (*kick)(void *arg);
    void *arg;
};

strata_status strata__io_wr_init(struct strata__io_wr *w, uv_loop_t *loop, uv_stream_t *stream,
                                 int fd, size_t cap, enum strata__io_wr_eof eof_mode,
                                 const char *what, void (*kick)(void *), void *arg);
/* Takes what it can of p (writes at once what the kernel takes, copies the
 * rest up to its buffer; a direct file takes everything at once); *used as
 * stack calls. Returns the sticky error. */
strata_status strata__io_wr_write(struct strata__io_wr *w, const uint8_t *p, size_t n,
                                  size_t *used);
/* No more bytes: flush, then (SHUTDOWN mode) shut the write side. */
/* Writes what the socket takes at once, never later (nothing is queued): for
 * a connection's last bytes before it closes. Returns how many. */
size_t strata__io_wr_try(struct strata__io_wr *w, const uint8_t *p, size_t n);
strata_status strata__io_wr_eof(struct strata__io_wr *w);
/* 1 once eof was asked and everything is written (and shut down). */
int strata__io_wr_done(const struct strata__io_wr *w);
int strata__io_wr_idle(const struct strata__io_wr *w);
/* Gives back the buffer while no write is under way. */
void strata__io_wr_trim(struct strata__io_wr *w);
void strata__io_wr_free(struct strata__io_wr *w);

#endif
