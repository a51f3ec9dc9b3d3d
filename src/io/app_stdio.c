/* The stdio endpoint: the process's stdin feeds the stack, the stack feeds
 * stdout.
 *
 * Each descriptor may be a pipe, a socket, a terminal (libuv streams) or a
 * file (regular or character device: read and written through the thread
 * pool, where such calls do not block for long). libuv makes pipes
 * non-blocking, which changes the open file description other processes share
 * (the shell, the next command in a pipeline); the endpoint restores blocking
 * mode when it is done with a descriptor. libuv never closes descriptors 0-2,
 * so the end of output is made by putting /dev/null on descriptor 1: the
 * reader of the pipe sees EOF, and nothing later can be written to the pipe
 * by accident.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "io/duplex.h"

struct stdio_app {
    struct strata__io_duplex d; /* first: see duplex.h */
};

static void set_blocking(int fd)
{
    int fl = fcntl(fd, F_GETFL);
    if (fl >= 0 && (fl & O_NONBLOCK))
        (void)fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);
}

static void stdin_released(struct strata__io_duplex *d)
{
    (void)d;
    set_blocking(0);
}

static void stdout_released(struct strata__io_duplex *d)
{
    (void)d;
    set_blocking(1);
    int fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
    if (fd >= 0) {
        (void)dup2(fd, 1);
        close(fd);
    }
}

static void stdio_free(struct strata__io_duplex *d)
{
    free(d);
}

static strata_status stdio_start(void *self, strata_io_conn *c)
{
    struct stdio_app *a = self;
    a->d.conn = c;
    return strata__io_rd_start(&a->d.rd);
}

static const struct strata_io_app_ops stdio_ops = STRATA__IO_DUPLEX_OPS("stdio", stdio_start);

strata_status strata_io_app_stdio_new(strata_io *io, strata_io_app *out, strata_error *err)
{
    strata_status r;
    uv_stream_t *sin = NULL, *sout = NULL;
    memset(out, 0, sizeof(*out));
    if (err)
        strata_error_clear(err);
    struct stdio_app *a = calloc(1, sizeof(*a));
    if (!a)
        return STRATA_E_NOMEM;
    struct strata__io_duplex *d = &a->d;
    d->in_released = stdin_released;
    d->out_released = stdout_released;
    d->free_self = stdio_free;
    if ((r = strata__io_duplex_init(d, &io->loop, 0, 1, "reading stdin", "writing stdout")) !=
        STRATA_OK)
        goto out;
    if ((r = strata__io_fd_open(d->loop, 0, 1, "stdin", &d->hin, &d->hin_open, &sin, &d->err)) !=
        STRATA_OK)
        goto out;
    if ((r = strata__io_fd_open(d->loop, 1, 0, "stdout", &d->hout, &d->hout_open, &sout,
                                &d->err)) != STRATA_OK)
        goto out;
    strata__io_duplex_set_streams(d, sin, sout);
out:
    if (r != STRATA_OK) {
        if (err)
            strata_error_copy(err, strata__io_duplex_error(d));
        strata__io_duplex_close(d, NULL, NULL);
        return r;
    }
    out->ops = &stdio_ops;
    out->self = a;
    return STRATA_OK;
}
