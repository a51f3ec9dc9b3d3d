/* Connecting to a Unix stream socket (an ssh-agent's, for agent
 * forwarding): the connection is a pipe handle in place of the TCP one, and
 * from connect on everything is as for TCP. */
#include <stdio.h>
#include <string.h>
#include <sys/un.h>

#include "base/error_internal.h"
#include "io/conn_internal.h"

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
    strata_io_conn *c;
    int ok = path && *path && strlen(path) < sizeof(((struct sockaddr_un *)0)->sun_path);
    strata_status r = strata__io_conn_new_outgoing(io, ok, app, cfg, &c);
    *out = NULL;
    if (r != STRATA_OK)
        return r;
    snprintf(c->target, sizeof(c->target), "%s", path);
    snprintf(c->peer, sizeof(c->peer), "%s", path);
    c->state = STRATA__IO_CONN_CONNECTING;
    int e = uv_pipe_init(&io->loop, &c->pipe, 0);
    if (e == 0) {
        c->tcp_open = 1; /* the socket handle, a pipe here */
        c->pipe.data = c;
        c->creq.data = c;
        e = uv_timer_start(&c->timer, strata__io_connect_timeout_cb, c->timeout_ms, 0);
    }
    if (e == 0)
        uv_pipe_connect(&c->creq, &c->pipe, path, unix_connect_cb);
    else /* reported through on_done, as every later failure is */
        strata__io_conn_fail(c, STRATA_E_IO, "connecting to %s: %s", path, uv_strerror(e));
    *out = c;
    return STRATA_OK;
}
