/* Repeating timers for applications (keepalives), on the loop's clock. A
 * timer does not keep strata_io_run going by itself: the run ends when the
 * connections and listeners are gone, timers or not. */
#include <stdlib.h>

#include "io/io_internal.h"

struct strata_io_timer {
    struct strata__io_node node; /* first: the node is the object */
    strata_io *io;
    uv_timer_t timer;
    void (*fn)(void *arg);
    void *arg;
};

static void on_closed(uv_handle_t *h)
{
    free(h->data);
}

static void on_tick(uv_timer_t *t)
{
    struct strata_io_timer *tm = t->data;
    tm->fn(tm->arg);
}

static void node_shutdown(struct strata__io_node *n, const char *why)
{
    (void)why;
    strata_io_timer_stop((struct strata_io_timer *)n);
}

strata_status strata_io_every(strata_io *io, uint64_t interval_ms, void (*fn)(void *arg), void *arg,
                              strata_io_timer **out)
{
    *out = NULL;
    if (interval_ms == 0 || !fn)
        return STRATA_E_USAGE;
    struct strata_io_timer *tm = calloc(1, sizeof(*tm));
    if (!tm)
        return STRATA_E_NOMEM;
    tm->io = io;
    tm->fn = fn;
    tm->arg = arg;
    tm->node.shutdown = node_shutdown;
    if (uv_timer_init(&io->loop, &tm->timer) != 0) {
        free(tm);
        return STRATA_E_IO;
    }
    tm->timer.data = tm;
    uv_unref((uv_handle_t *)&tm->timer);
    if (uv_timer_start(&tm->timer, on_tick, interval_ms, interval_ms) != 0) {
        uv_close((uv_handle_t *)&tm->timer, on_closed);
        return STRATA_E_IO;
    }
    strata__io_link(io, &tm->node);
    *out = tm;
    return STRATA_OK;
}

void strata_io_timer_stop(strata_io_timer *tm)
{
    if (!tm)
        return;
    uv_timer_stop(&tm->timer);
    strata__io_unlink(tm->io, &tm->node);
    uv_close((uv_handle_t *)&tm->timer, on_closed);
}
