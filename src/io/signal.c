/* Signal watchers for applications (SIGWINCH for a terminal session): the
 * signal is delivered through the loop, so the callback may use the driver. */
#include <stdlib.h>

#include "io/io_internal.h"

struct strata_io_signal {
    struct strata__io_node node; /* first: the node is the object */
    strata_io *io;
    uv_signal_t sig;
    void (*fn)(void *arg);
    void *arg;
};

static void on_closed(uv_handle_t *h)
{
    free(h->data);
}

static void on_sig(uv_signal_t *h, int signum)
{
    (void)signum;
    struct strata_io_signal *s = h->data;
    s->fn(s->arg);
}

static void node_shutdown(struct strata__io_node *n, const char *why)
{
    (void)why;
    strata_io_signal_stop((struct strata_io_signal *)n);
}

strata_status strata_io_on_signal(strata_io *io, int signum, void (*fn)(void *arg), void *arg,
                                  strata_io_signal **out)
{
    *out = NULL;
    if (!fn)
        return STRATA_E_USAGE;
    struct strata_io_signal *s = calloc(1, sizeof(*s));
    if (!s)
        return STRATA_E_NOMEM;
    s->io = io;
    s->fn = fn;
    s->arg = arg;
    s->node.shutdown = node_shutdown;
    if (uv_signal_init(&io->loop, &s->sig) != 0) {
        free(s);
        return STRATA_E_IO;
    }
    s->sig.data = s;
    if (uv_signal_start(&s->sig, on_sig, signum) != 0) {
        uv_close((uv_handle_t *)&s->sig, on_closed);
        return STRATA_E_IO;
    }
    uv_unref((uv_handle_t *)&s->sig); /* a watcher alone does not keep the run going */
    strata__io_link(io, &s->node);
    *out = s;
    return STRATA_OK;
}

void strata_io_signal_stop(strata_io_signal *s)
{
    if (!s)
        return;
    uv_signal_stop(&s->sig);
    strata__io_unlink(s->io, &s->node);
    uv_close((uv_handle_t *)&s->sig, on_closed);
}
