/* Deferred calls: run a function on the next turn of the loop, outside of
 * whatever callback asked for it (so it may push or pop layers on a stack
 * whose pointers that callback still holds). */
#include <stdlib.h>

#include "io/io_internal.h"

struct defer {
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

static void on_timer(uv_timer_t *t)
{
    struct defer *d = t->data;
    strata__io_unlink(d->io, &d->node);
    uv_close((uv_handle_t *)&d->timer, on_closed);
    d->fn(d->arg);
}

/* The driver is stopping or freed: the call is dropped. */
static void node_shutdown(struct strata__io_node *n, const char *why)
{
    (void)why;
    struct defer *d = (struct defer *)n;
    uv_timer_stop(&d->timer);
    strata__io_unlink(d->io, &d->node);
    uv_close((uv_handle_t *)&d->timer, on_closed);
}

strata_status strata_io_defer(strata_io *io, void (*fn)(void *arg), void *arg)
{
    struct defer *d = calloc(1, sizeof(*d));
    if (!d)
        return STRATA_E_NOMEM;
    d->io = io;
    d->fn = fn;
    d->arg = arg;
    d->node.shutdown = node_shutdown;
    if (uv_timer_init(&io->loop, &d->timer) != 0) {
        free(d);
        return STRATA_E_IO;
    }
    d->timer.data = d;
    if (uv_timer_start(&d->timer, on_timer, 0, 0) != 0) {
        uv_close((uv_handle_t *)&d->timer, on_closed);
        return STRATA_E_IO;
    }
    strata__io_link(io, &d->node);
    return STRATA_OK;
}
