/* The reader and writer halves: bounded buffers between libuv and an owner.
 *
 * Reader: one buffer; a read is issued only when it is empty, so bytes the
 * owner could not hand on stay put and the source is not read meanwhile
 * (back-pressure reaches the kernel's socket buffer and the peer).
 *
 * Writer: first tries to write in place (uv_try_write), so most bytes go to
 * the kernel without a copy; whatever the kernel does not take at once is
 * copied into the buffer (up to its size) and written asynchronously. While
 * that write is under way the writer takes nothing more.
 *
 * File mode: a direct file (strata__io_fd_direct: a regular file, /dev/null)
 * is read and written with read(2) / write(2) from the loop, no thread
 * hand-off: a read fills the buffer at once, a write takes everything
 * (retried over short writes). Other files go through the thread pool, one
 * request at a time.
 *
 * Both buffers are allocated when first needed and given back by _trim
 * while empty (an idle connection keeps none).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/epoll.h>
#endif

#include "base/error_internal.h"
#include "io/io_internal.h"

strata_status strata__io_uv_error(strata_error *e, strata_status st, int uverr, const char *what)
{
    return strata__error_set(e, st, "%s: %s", what, uv_strerror(uverr));
}

strata_status strata__io_fd_open(uv_loop_t *loop, int fd, int readable, const char *what,
                                 union strata__io_handle *h, int *opened, uv_stream_t **stream,
                                 strata_error *err)
{
    int r = 0;
    *stream = NULL;
    *opened = 0;
    switch (uv_guess_handle(fd)) {
    case UV_TTY:
        if ((r = uv_tty_init(loop, &h->tty, fd, readable)) == 0)
            *opened = 1;
        break;
    case UV_NAMED_PIPE:
        if ((r = uv_pipe_init(loop, &h->pipe, 0)) == 0) {
            *opened = 1;
            r = uv_pipe_open(&h->pipe, fd);
        }
        break;
    case UV_TCP:
        if ((r = uv_tcp_init(loop, &h->tcp)) == 0) {
            *opened = 1;
            r = uv_tcp_open(&h->tcp, fd);
        }
        break;
    case UV_FILE:
        return STRATA_OK; /* file mode */
    default:
        return strata__error_set(err, STRATA_E_IO,
                                 "%s: not open, or of a type that cannot be %s (descriptor %d)",
                                 what, readable ? "read" : "written", fd);
    }
    if (r != 0)
        return strata__io_uv_error(err, STRATA_E_IO, r, what);
    *stream = &h->stream;
    return STRATA_OK;
}

strata_error *strata__io_half_err(strata_error **slot)
{
    static _Thread_local strata_error no_memory;
    if (!*slot && !(*slot = calloc(1, sizeof(**slot)))) {
        strata_error_clear(&no_memory);
        return &no_memory;
    }
    return *slot;
}

const strata_error *strata__io_half_error(const strata_error *e)
{
    static const strata_error none;
    return e ? e : &none;
}

int strata__io_fd_direct(int fd)
{
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0)
        return 0;
    if (S_ISREG(st.st_mode))
        return 1;
    if (!S_ISCHR(st.st_mode))
        return 0;
#ifdef __linux__
    /* epoll refuses (EPERM) exactly the files whose driver has no poll:
     * they are always ready (/dev/null, /dev/zero, /dev/full). */
    int ep = epoll_create1(EPOLL_CLOEXEC);
    if (ep < 0)
        return 0;
    struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT};
    int rc = epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
    int e = errno;
    close(ep);
    return rc != 0 && e == EPERM;
#else
    return 0;
#endif
}

/* ---- reader ----------------------------------------------------------------------- */

strata_status strata__io_rd_init(struct strata__io_rd *r, uv_loop_t *loop, uv_stream_t *stream,
                                 int fd, size_t cap, const char *what, void (*kick)(void *),
                                 void *arg)
{
    memset(r, 0, sizeof(*r));
    r->loop = loop;
    r->stream = stream;
    r->fd = fd;
    r->cap = r->cap_base = r->cap_max = cap;
    r->what = what;
    r->kick = kick;
    r->arg = arg;
    r->direct = -1;
    if (stream)
        stream->data = r;
    return STRATA_OK;
}

/* The buffer, allocated now if it is not (0 when out of memory). */
static int rd_buf(struct strata__io_rd *r)
{
    if (!r->buf && !(r->buf = malloc(r->cap)))
        strata__error_set(strata__io_half_err(&r->err), STRATA_E_NOMEM, "%s: out of memory",
                          r->what);
    return r->buf != NULL;
}

/* The last read filled the buffer (the source had more): the next, into
 * the empty buffer, is larger, up to cap_max. */
static void rd_grow(struct strata__io_rd *r)
{
    if (r->grow && r->len == 0 && r->cap < r->cap_max) {
        free(r->buf);
        r->buf = NULL;
        r->cap = r->cap * 2 < r->cap_max ? r->cap * 2 : r->cap_max;
    }
    r->grow = 0;
}

static void rd_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
    struct strata__io_rd *r = h->data;
    (void)suggested;
    rd_grow(r);
    /* Only an empty buffer is offered: see the note at the top. */
    if (r->len != 0 || !rd_buf(r))
        *buf = uv_buf_init(NULL, 0);
    else
        *buf = uv_buf_init((char *)r->buf, (unsigned)r->cap);
}

static void rd_stream_cb(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf)
{
    struct strata__io_rd *r = s->data;
    (void)buf;
    if (nread == UV_ENOBUFS &&
        strata__io_half_status(r->err) != STRATA_OK) { /* no memory for a buffer */
        uv_read_stop(s);
        r->reading = 0;
        r->kick(r->arg);
        return;
    }
    if (nread == 0 || nread == UV_ENOBUFS)
        return;
    if (nread < 0) {
        uv_read_stop(s);
        r->reading = 0;
        if (nread == UV_EOF)
            r->eof = 1;
        else
            strata__io_uv_error(strata__io_half_err(&r->err), STRATA_E_IO, (int)nread, r->what);
    } else {
        r->off = 0;
        r->len = (size_t)nread;
        r->total += (uint64_t)nread;
        r->grow = (size_t)nread == r->cap;
    }
    r->kick(r->arg);
    strata__io_rd_settle(r);
}

static void rd_file_cb(uv_fs_t *req)
{
    struct strata__io_rd *r = req->data;
    ssize_t res = req->result;
    uv_fs_req_cleanup(req);
    r->fs_busy = 0;
    if (res == UV_ECANCELED || r->stopped) {
        r->kick(r->arg);
        return;
    }
    if (res < 0) {
        strata__io_uv_error(strata__io_half_err(&r->err), STRATA_E_IO, (int)res, r->what);
    } else if (res == 0) {
        r->eof = 1;
    } else {
        r->off = 0;
        r->len = (size_t)res;
        r->total += (uint64_t)res;
    }
    r->kick(r->arg); /* last: the owner may be freed from within */
}

strata_status strata__io_rd_start(struct strata__io_rd *r)
{
    if (strata__io_half_status(r->err) != STRATA_OK)
        return strata__io_half_status(r->err);
    if (r->stopped || r->eof || r->len > 0)
        return STRATA_OK;
    int e = 0;
    if (r->stream) {
        if (r->reading)
            return STRATA_OK;
        if ((e = uv_read_start(r->stream, rd_alloc, rd_stream_cb)) == 0)
            r->reading = 1;
    } else {
        if (r->fs_busy)
            return STRATA_OK;
        rd_grow(r);
        if (!rd_buf(r))
            return strata__io_half_status(r->err);
        if (r->direct < 0)
            r->direct = strata__io_fd_direct(r->fd);
        if (r->direct) {
            ssize_t k;
            do
                k = read(r->fd, r->buf, r->cap);
            while (k < 0 && errno == EINTR);
            if (k > 0) {
                r->off = 0;
                r->len = (size_t)k;
                r->total += (uint64_t)k;
                r->grow = (size_t)k == r->cap;
                return STRATA_OK;
            }
            if (k == 0) {
                r->eof = 1;
                return STRATA_OK;
            }
            if (errno != EAGAIN && errno != EWOULDBLOCK)
                return strata__io_uv_error(strata__io_half_err(&r->err), STRATA_E_IO,
                                           uv_translate_sys_error(errno), r->what);
            r->direct = 0; /* made non-blocking by someone: the thread pool waits */
        }
        uv_buf_t b = uv_buf_init((char *)r->buf, (unsigned)r->cap);
        r->fs.data = r;
        if ((e = uv_fs_read(r->loop, &r->fs, r->fd, &b, 1, -1, rd_file_cb)) == 0)
            r->fs_busy = 1;
    }
    if (e != 0)
        return strata__io_uv_error(strata__io_half_err(&r->err), STRATA_E_IO, e, r->what);
    return STRATA_OK;
}

const uint8_t *strata__io_rd_peek(struct strata__io_rd *r, size_t *n, strata_status *st)
{
    *n = r->len;
    if (r->len > 0)
        *st = STRATA_OK;
    else if (strata__io_half_status(r->err) != STRATA_OK)
        *st = strata__io_half_status(r->err);
    else
        *st = r->eof ? STRATA_CLOSED : STRATA_OK;
    return r->len > 0 ? r->buf + r->off : NULL;
}

void strata__io_rd_ack(struct strata__io_rd *r, size_t n)
{
    if (n > r->len)
        n = r->len;
    r->off += n;
    r->len -= n;
    if (r->len == 0) {
        r->off = 0;
        (void)strata__io_rd_start(r); /* an error is kept and shows in peek */
        /* A direct file was read at once: tell the owner, as a thread-pool
         * read's callback would (an owner that does not loop on its own
         * would otherwise never look again). */
        if (!r->stream && r->direct > 0 &&
            (r->len > 0 || r->eof || strata__io_half_status(r->err) != STRATA_OK))
            r->kick(r->arg);
    }
}

void strata__io_rd_settle(struct strata__io_rd *r)
{
    if (r->len > 0 && r->reading) {
        uv_read_stop(r->stream);
        r->reading = 0;
    }
}

void strata__io_rd_stop(struct strata__io_rd *r)
{
    r->stopped = 1;
    if (r->reading) {
        uv_read_stop(r->stream);
        r->reading = 0;
    }
    if (r->fs_busy)
        (void)uv_cancel((uv_req_t *)&r->fs); /* fails once running: then wait for it */
}

int strata__io_rd_idle(const struct strata__io_rd *r)
{
    return !r->fs_busy;
}

void strata__io_rd_trim(struct strata__io_rd *r)
{
    if (r->len == 0 && !r->fs_busy) {
        free(r->buf);
        r->buf = NULL;
        r->cap = r->cap_base;
        r->grow = 0;
    }
}

void strata__io_rd_free(struct strata__io_rd *r)
{
    free(r->buf);
    r->buf = NULL;
    free(r->err);
    r->err = NULL;
}

/* ---- writer ----------------------------------------------------------------------- */

strata_status strata__io_wr_init(struct strata__io_wr *w, uv_loop_t *loop, uv_stream_t *stream,
                                 int fd, size_t cap, enum strata__io_wr_eof eof_mode,
                                 const char *what, void (*kick)(void *), void *arg)
{
    memset(w, 0, sizeof(*w));
    w->loop = loop;
    w->stream = stream;
    w->fd = fd;
    w->cap = cap;
    w->eof_mode = eof_mode;
    w->what = what;
    w->kick = kick;
    w->arg = arg;
    w->direct = -1;
    w->wreq.data = w->sreq.data = w->fs.data = w;
    return STRATA_OK;
}

static void wr_after(struct strata__io_wr *w);

/* A write error: EPIPE on a sink that may stop reading drops the rest. */
static void wr_fail(struct strata__io_wr *w, int e)
{
    if (e == UV_EPIPE && w->drop_on_epipe)
        w->broken = 1;
    else
        strata__io_uv_error(strata__io_half_err(&w->err), STRATA_E_IO, e, w->what);
}

static void wr_shutdown_cb(uv_shutdown_t *req, int status)
{
    struct strata__io_wr *w = req->data;
    w->busy = 0;
    /* ENOTCONN: the peer is gone already; nothing left to tell it. */
    if (status < 0 && status != UV_ECANCELED && status != UV_ENOTCONN)
        strata__io_uv_error(strata__io_half_err(&w->err), STRATA_E_IO, status, w->what);
    w->eof_done = 1;
    w->kick(w->arg);
}

static void wr_stream_cb(uv_write_t *req, int status)
{
    struct strata__io_wr *w = req->data;
    w->busy = 0;
    if (status < 0) {
        if (status != UV_ECANCELED)
            wr_fail(w, status);
    } else {
        w->total += w->pend_len;
    }
    w->pend_len = 0;
    wr_after(w);
}

static int wr_file_start(struct strata__io_wr *w);

static void wr_file_cb(uv_fs_t *req)
{
    struct strata__io_wr *w = req->data;
    ssize_t res = req->result;
    uv_fs_req_cleanup(req);
    w->busy = 0;
    if (res < 0) {
        if (res != UV_ECANCELED)
            wr_fail(w, (int)res);
        w->pend_len = 0;
    } else {
        size_t k = (size_t)res < w->pend_len ? (size_t)res : w->pend_len;
        w->pend_off += k;
        w->pend_len -= k;
        w->total += k;
        if (w->pend_len > 0 && k > 0 && wr_file_start(w) == 0)
            return; /* a short write: the rest follows */
        if (w->pend_len > 0 && k == 0)
            strata__error_set(strata__io_half_err(&w->err), STRATA_E_IO, "%s: wrote nothing",
                              w->what);
        w->pend_len = 0;
    }
    wr_after(w);
}

static int wr_file_start(struct strata__io_wr *w)
{
    uv_buf_t b = uv_buf_init((char *)w->buf + w->pend_off, (unsigned)w->pend_len);
    int e = uv_fs_write(w->loop, &w->fs, w->fd, &b, 1, -1, wr_file_cb);
    if (e == 0)
        w->busy = 1;
    return e;
}

/* Called when nothing is under way any more: the end of output, if asked for,
 * then tell the owner. */
static void wr_after(struct strata__io_wr *w)
{
    if (w->eof_asked && !w->eof_done && !w->busy) {
        if (w->eof_mode == STRATA__IO_WR_EOF_SHUTDOWN && w->stream &&
            strata__io_half_status(w->err) == STRATA_OK && !w->broken) {
            int e = uv_shutdown(&w->sreq, w->stream, wr_shutdown_cb);
            if (e == 0) {
                w->busy = 1;
                return;
            }
            if (e != UV_ENOTCONN)
                strata__io_uv_error(strata__io_half_err(&w->err), STRATA_E_IO, e, w->what);
        }
        w->eof_done = 1;
    }
    w->kick(w->arg);
}

strata_status strata__io_wr_write(struct strata__io_wr *w, const uint8_t *p, size_t n, size_t *used)
{
    *used = 0;
    if (strata__io_half_status(w->err) != STRATA_OK)
        return strata__io_half_status(w->err);
    if (w->eof_asked)
        return strata__error_set(strata__io_half_err(&w->err), STRATA_E_STATE,
                                 "%s: write after the end", w->what);
    if (w->broken) {
        *used = n; /* the sink stopped reading: drop */
        return STRATA_OK;
    }
    if (w->busy || n == 0)
        return STRATA_OK;
    size_t done = 0;
    if (!w->stream && w->direct < 0)
        w->direct = strata__io_fd_direct(w->fd);
    if (!w->stream && w->direct) {
        while (done < n) {
            ssize_t k = write(w->fd, p + done, n - done);
            if (k > 0) {
                done += (size_t)k;
                w->total += (uint64_t)k;
            } else if (k < 0 && errno == EINTR) {
                continue;
            } else if (k < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
                w->direct = 0; /* made non-blocking by someone: the thread pool waits */
                break;
            } else {
                *used = done;
                if (k == 0)
                    return strata__error_set(strata__io_half_err(&w->err), STRATA_E_IO,
                                             "%s: wrote nothing", w->what);
                wr_fail(w, uv_translate_sys_error(errno));
                if (w->broken) {
                    *used = n;
                    return STRATA_OK;
                }
                return strata__io_half_status(w->err);
            }
        }
    } else if (w->stream) {
        uv_buf_t b = uv_buf_init((char *)p, (unsigned)(n > UINT32_MAX ? UINT32_MAX : n));
        int k = uv_try_write(w->stream, &b, 1);
        if (k > 0) {
            done = (size_t)k;
            w->total += (uint64_t)k;
        } else if (k != UV_EAGAIN && k != UV_ENOSYS) {
            wr_fail(w, k);
            if (w->broken) {
                *used = n;
                return STRATA_OK;
            }
            return strata__io_half_status(w->err);
        }
    }
    size_t rest = n - done;
    if (rest > 0 && !w->buf && !(w->buf = malloc(w->cap))) {
        *used = done;
        return strata__error_set(strata__io_half_err(&w->err), STRATA_E_NOMEM, "%s: out of memory",
                                 w->what);
    }
    if (rest > 0) {
        size_t k = rest < w->cap ? rest : w->cap;
        memcpy(w->buf, p + done, k);
        w->pend_off = 0;
        w->pend_len = k;
        int e;
        if (w->stream) {
            uv_buf_t b = uv_buf_init((char *)w->buf, (unsigned)k);
            e = uv_write(&w->wreq, w->stream, &b, 1, wr_stream_cb);
            if (e == 0)
                w->busy = 1;
        } else {
            e = wr_file_start(w);
        }
        if (e != 0) {
            w->pend_len = 0;
            return strata__io_uv_error(strata__io_half_err(&w->err), STRATA_E_IO, e, w->what);
        }
        done += k;
    }
    *used = done;
    return STRATA_OK;
}

size_t strata__io_wr_try(struct strata__io_wr *w, const uint8_t *p, size_t n)
{
    if (!w->stream || w->busy || w->broken || w->eof_asked ||
        strata__io_half_status(w->err) != STRATA_OK || !n)
        return 0;
    uv_buf_t b = uv_buf_init((char *)p, (unsigned)(n > UINT32_MAX ? UINT32_MAX : n));
    int k = uv_try_write(w->stream, &b, 1);
    if (k <= 0)
        return 0;
    w->total += (uint64_t)k;
    return (size_t)k;
}

strata_status strata__io_wr_eof(struct strata__io_wr *w)
{
    if (w->eof_asked)
        return strata__io_half_status(w->err);
    w->eof_asked = 1;
    if (!w->busy)
        wr_after(w);
    return strata__io_half_status(w->err);
}

int strata__io_wr_done(const struct strata__io_wr *w)
{
    return w->eof_done && !w->busy;
}

int strata__io_wr_idle(const struct strata__io_wr *w)
{
    /* Stream writes and shutdowns end (cancelled) when the handle closes;
     * only a file write must be waited for. */
    return !(w->busy && !w->stream);
}

void strata__io_wr_trim(struct strata__io_wr *w)
{
    if (!w->busy) {
        free(w->buf);
        w->buf = NULL;
    }
}

void strata__io_wr_free(struct strata__io_wr *w)
{
    free(w->buf);
    w->buf = NULL;
    free(w->err);
    w->err = NULL;
}
