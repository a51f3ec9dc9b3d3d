/* Connecting to a Unix stream socket (an ssh-agent's, for agent
 * forwarding): the connection is a pipe handle in place of the TCP one, and
 * from connect on everything is as for TCP. */
#include <stdio.h>
#include <string.h>
#include <sys/un.h>

#include "base/error_internal.h"
#include "io/conn_internal.h"

static void unix_timeout_cb(uv_timer_t *t)
{
    strata_io_conn *c = t->data;
    strata__io_conn_fail(c, STRATA_E_TIMEOUT, "connecting to %s: timed out after %llu ms",
                         c->target, (unsigned long long)c->timeout_ms);
}

static void unix_connect_cb(uv_connect_t *req, int status)
{
    strata_io_conn *c = req->data;
    if (c->state != STRATA__IO_CONN_CONNECTING)
        return; /* closing: the socket's close is under way */
    if (status < 0) {
        strata__io_conn_fail(c, STRATA_E_IO, "connecting to %s: %s", c->target,
                             uv_strerror(status));
        return;
    }
    strata__io_conn_up(c);
}

strata_status strata_io_connect_unix(strata_io *io, const char *path, strata_io_app app,
                                     const strata_io_conn_config *cfg, strata_io_conn **out)
{
    strata_status r;
    strata_io_conn *c = NULL;
    *out = NULL;
    static const strata_io_conn_config defaults = {NULL, 0, NULL, NULL};
    if (!cfg)
        cfg = &defaults;
    if (!path || !*path || strlen(path) >= sizeof(((struct sockaddr_un *)0)->sun_path) ||
        !app.ops) {
        strata__io_app_discard(app);
        return STRATA_E_USAGE;
    }
    if ((r = strata__io_conn_new(io, cfg->stack, cfg->on_done, cfg->user, &c)) != STRATA_OK) {
        strata__io_app_discard(app);
        return r;
    }
    c->app = app;
    c->have_app = 1;
    c->timeout_ms = cfg->timeout_ms ? cfg->timeout_ms : STRATA_IO_CONNECT_TIMEOUT_DEFAULT_MS;
    snprintf(c->target, sizeof(c->target), "%s", path);
    snprintf(c->peer, sizeof(c->peer), "%s", path);
    c->state = STRATA__IO_CONN_CONNECTING;
    int e = uv_pipe_init(&io->loop, &c->pipe, 0);
    if (e == 0) {
        c->tcp_open = 1; /* the socket handle, a pipe here */
        c->pipe.data = c;
        c->creq.data = c;
        e = uv_timer_start(&c->timer, unix_timeout_cb, c->timeout_ms, 0);
    }
    if (e == 0)
        uv_pipe_connect(&c->creq, &c->pipe, path, unix_connect_cb);
    else /* reported through on_done, as every later failure is */
        strata__io_conn_fail(c, STRATA_E_IO, "connecting to %s: %s", path, uv_strerror(e));
    *out = c;
    return STRATA_OK;
}
