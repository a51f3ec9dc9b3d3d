/* Timers on the loop's clock: repeating ones for applications (keepalives,
 * strata_io_every) and deferred calls (strata_io_defer: once, on the next
 * turn of the loop, outside of whatever callback asked for it, so it may
 * push or pop layers on a stack whose pointers that callback still holds).
 * A repeating timer does not keep strata_io_run going by itself; a deferred
 * call does, until it has run. */
#include <stdlib.h>

#include "io/io_internal.h"

struct strata_io_timer {
    struct strata__io_node node; /* first: the node is the object */
    strata_io *io;
    uv_timer_t timer;
    int once; /* a deferred call: gone after it ran */
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
    void (*fn)(void *) = tm->fn;
    void *arg = tm->arg;
    if (tm->once)
        strata_io_timer_stop(tm); /* freed once closed; fn runs after */
    fn(arg);
}

/* The driver is stopping or freed: the timer stops, a deferred call is
 * dropped. */
static void node_shutdown(struct strata__io_node *n, const char *why)
{
    (void)why;
    strata_io_timer_stop((struct strata_io_timer *)n);
}

static strata_status start(strata_io *io, uint64_t delay_ms, uint64_t repeat_ms, int once,
                           void (*fn)(void *arg), void *arg, strata_io_timer **out)
{
    struct strata_io_timer *tm = calloc(1, sizeof(*tm));
    if (!tm)
        return STRATA_E_NOMEM;
    tm->io = io;
    tm->once = once;
    tm->fn = fn;
    tm->arg = arg;
    tm->node.shutdown = node_shutdown;
    if (uv_timer_init(&io->loop, &tm->timer) != 0) {
        free(tm);
        return STRATA_E_IO;
    }
    tm->timer.data = tm;
    if (!once)
        uv_unref((uv_handle_t *)&tm->timer);
    if (uv_timer_start(&tm->timer, on_tick, delay_ms, repeat_ms) != 0) {
        uv_close((uv_handle_t *)&tm->timer, on_closed);
        return STRATA_E_IO;
    }
    strata__io_link(io, &tm->node);
    if (out)
        *out = tm;
    return STRATA_OK;
}

strata_status strata_io_every(strata_io *io, uint64_t interval_ms, void (*fn)(void *arg), void *arg,
                              strata_io_timer **out)
{
    *out = NULL;
    if (interval_ms == 0 || !fn)
        return STRATA_E_USAGE;
    return start(io, interval_ms, interval_ms, 0, fn, arg, out);
}

strata_status strata_io_defer(strata_io *io, void (*fn)(void *arg), void *arg)
{
    if (!fn)
        return STRATA_E_USAGE;
    return start(io, 0, 0, 1, fn, arg, NULL);
}

void strata_io_timer_stop(strata_io_timer *tm)
{
    if (!tm)
        return;
    uv_timer_stop(&tm->timer);
    strata__io_unlink(tm->io, &tm->node);
    uv_close((uv_handle_t *)&tm->timer, on_closed);
}
