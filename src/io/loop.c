/* The driver: one libuv loop and the list of what lives on it. */
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "io/io_internal.h"

strata_status strata_io_new(strata_io **out)
{
    *out = NULL;
    /* A write to a closed pipe or socket must be an error, not a signal. */
    signal(SIGPIPE, SIG_IGN);
    strata_io *io = calloc(1, sizeof(*io));
    if (!io)
        return STRATA_E_NOMEM;
    if (uv_loop_init(&io->loop) != 0) {
        free(io);
        return STRATA_E_IO;
    }
    *out = io;
    return STRATA_OK;
}

strata_status strata_io_run(strata_io *io)
{
    if (io->running)
        return STRATA_E_STATE;
    io->running = 1;
    uv_run(&io->loop, UV_RUN_DEFAULT);
    io->running = 0;
    return STRATA_OK;
}

uint64_t strata_io_now(const strata_io *io)
{
    return uv_now(&io->loop);
}

void strata__io_link(strata_io *io, struct strata__io_node *n)
{
    n->prev = NULL;
    n->next = io->live;
    if (io->live)
        io->live->prev = n;
    io->live = n;
}

void strata__io_unlink(strata_io *io, struct strata__io_node *n)
{
    if (n->prev)
        n->prev->next = n->next;
    else if (io->live == n)
        io->live = n->next;
    if (n->next)
        n->next->prev = n->prev;
    n->prev = n->next = NULL;
}

static void close_stray(uv_handle_t *h, void *arg)
{
    (void)arg;
    if (!uv_is_closing(h))
        uv_close(h, NULL);
}

void strata_io_free(strata_io *io)
{
    if (!io)
        return;
    /* Each object's shutdown starts its close and unlinks it (at once or
     * when its close completes). */
    while (io->live) {
        struct strata__io_node *n = io->live;
        n->shutdown(n);
        if (io->live == n)
            strata__io_unlink(io, n); /* its close is under way */
    }
    uv_run(&io->loop, UV_RUN_DEFAULT);
    /* Nothing should be left; close anything that is, rather than leak. */
    uv_walk(&io->loop, close_stray, NULL);
    uv_run(&io->loop, UV_RUN_DEFAULT);
    (void)uv_loop_close(&io->loop);
    free(io);
}
