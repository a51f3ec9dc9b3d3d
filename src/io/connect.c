/* Connecting: resolve the name, try each address in turn, all within one
 * timeout. */
#include <netdb.h>
#include <stdio.h>
#include <string.h>

#include "base/error_internal.h"
#include "io/conn_internal.h"
#include "strata/log.h"

static void try_next(strata_io_conn *c);

void strata__io_connect_timeout_cb(uv_timer_t *t)
{
    strata_io_conn *c = t->data;
    strata__io_conn_fail(c, STRATA_E_TIMEOUT, "connecting to %s: timed out after %llu ms",
                         c->target, (unsigned long long)c->timeout_ms);
}

static void retry_closed(uv_handle_t *h)
{
    strata_io_conn *c = h->data;
    c->handles--;
    if (c->state == STRATA__IO_CONN_CLOSING) {
        strata_io_conn_kick(c); /* finishes the close */
        return;
    }
    try_next(c);
}

static void connect_cb(uv_connect_t *req, int status)
{
    strata_io_conn *c = req->data;
    if (c->state != STRATA__IO_CONN_CONNECTING)
        return; /* closing: the socket's close is under way */
    if (status < 0) {
        c->last_failed = 1;
        snprintf(c->last_msg, sizeof(c->last_msg), "connecting to %s: %s", c->peer,
                 uv_strerror(status));
        strata_log(STRATA_LOG_DEBUG, "io", "%s", c->last_msg);
        c->ai_cur = c->ai_cur->ai_next;
        c->tcp_open = 0;
        c->tcp.data = c;
        c->handles++;
        uv_close((uv_handle_t *)&c->tcp, retry_closed);
        return;
    }
    strata__io_conn_up(c);
}

static void try_next(strata_io_conn *c)
{
    while (c->ai_cur && c->ai_cur->ai_family != AF_INET && c->ai_cur->ai_family != AF_INET6)
        c->ai_cur = c->ai_cur->ai_next;
    if (!c->ai_cur) {
        if (c->last_failed)
            strata__io_conn_fail(c, STRATA_E_IO, "%s", c->last_msg);
        else
            strata__io_conn_fail(c, STRATA_E_IO, "connecting to %s: no address", c->target);
        return;
    }
    strata__io_addr_format(c->ai_cur->ai_addr, c->peer, sizeof(c->peer));
    int e = uv_tcp_init(&c->io->loop, &c->tcp);
    if (e != 0) {
        strata__io_conn_fail(c, STRATA_E_IO, "connecting to %s: %s", c->peer, uv_strerror(e));
        return;
    }
    c->tcp_open = 1;
    c->creq.data = c;
    e = uv_tcp_connect(&c->creq, &c->tcp, c->ai_cur->ai_addr, connect_cb);
    if (e != 0)
        connect_cb(&c->creq, e); /* e.g. no IPv6 on this host: try the next address */
}

static void resolved_cb(uv_getaddrinfo_t *req, int status, struct addrinfo *res)
{
    strata_io_conn *c = req->data;
    c->gai_busy = 0;
    c->ai_list = res; /* freed with the connection */
    if (c->state != STRATA__IO_CONN_RESOLVING) {
        strata_io_conn_kick(c);
        return;
    }
    if (status < 0) {
        strata__io_conn_fail(c, STRATA_E_IO, "resolving '%s': %s", c->host, uv_strerror(status));
        return;
    }
    c->state = STRATA__IO_CONN_CONNECTING;
    c->ai_cur = res;
    try_next(c);
}

/* An address literal (127.0.0.1, ::1) needs no resolver: getaddrinfo with
 * AI_NUMERICHOST answers on this thread without a lookup, so the connection
 * skips libuv's thread pool, whose round trip (a queued request, a pool
 * thread woken, this loop woken through its async handle: three or four
 * futex calls and an eventfd write) would otherwise be paid by every
 * connection `listen --forward tcp:127.0.0.1:P` makes; the pool is one per
 * process, shared by every worker's loop. Returns 1 when c was resolved
 * this way and its first connect attempt started. */
static int resolve_numeric(strata_io_conn *c, const struct addrinfo *hints)
{
    struct addrinfo numeric = *hints, *res = NULL;
    numeric.ai_flags |= AI_NUMERICHOST;
    if (getaddrinfo(c->host, c->port_str, &numeric, &res) != 0)
        return 0;     /* a name: the resolver, on the pool */
    c->ai_list = res; /* freed with the connection */
    c->state = STRATA__IO_CONN_CONNECTING;
    c->ai_cur = res;
    try_next(c);
    return 1;
}

strata_status strata__io_conn_new_outgoing(strata_io *io, int args_ok, strata_io_app app,
                                           const strata_io_conn_config *cfg, strata_io_conn **out)
{
    strata_status r;
    *out = NULL;
    static const strata_io_conn_config defaults = {NULL, 0, NULL, NULL};
    if (!cfg)
        cfg = &defaults;
    if (!args_ok || !app.ops) {
        strata__io_app_discard(app);
        return STRATA_E_USAGE;
    }
    if ((r = strata__io_conn_new(io, cfg->stack, cfg->on_done, cfg->user, out)) != STRATA_OK) {
        strata__io_app_discard(app);
        return r;
    }
    (*out)->app = app;
    (*out)->have_app = 1;
    (*out)->timeout_ms = cfg->timeout_ms ? cfg->timeout_ms : STRATA_IO_CONNECT_TIMEOUT_DEFAULT_MS;
    return STRATA_OK;
}

strata_status strata_io_connect(strata_io *io, const char *host, uint16_t port, strata_io_app app,
                                const strata_io_conn_config *cfg, strata_io_conn **out)
{
    strata_io_conn *c;
    *out = NULL;
    strata_status r = strata__io_conn_new_outgoing(io, host && *host && port != 0, app, cfg, &c);
    if (r != STRATA_OK)
        return r;
    snprintf(c->target, sizeof(c->target), strchr(host, ':') ? "[%s]:%u" : "%s:%u", host,
             (unsigned)port);
    snprintf(c->host, sizeof(c->host), "%s", host);
    snprintf(c->port_str, sizeof(c->port_str), "%u", (unsigned)port);
    struct addrinfo hints;
    memset(&hints, 0, sizeof(hints));
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_protocol = IPPROTO_TCP;
    hints.ai_flags = AI_NUMERICSERV;
    c->state = STRATA__IO_CONN_RESOLVING;
    c->gai.data = c;
    int e = uv_timer_start(&c->timer, strata__io_connect_timeout_cb, c->timeout_ms, 0);
    if (e == 0 && resolve_numeric(c, &hints)) {
        *out = c;
        return STRATA_OK;
    }
    if (e == 0 &&
        (e = uv_getaddrinfo(&io->loop, &c->gai, resolved_cb, host, c->port_str, &hints)) == 0)
        c->gai_busy = 1;
    if (e != 0) {
        /* Reported through on_done, as every later failure is. */
        strata__io_conn_fail(c, STRATA_E_IO, "resolving '%s': %s", c->host, uv_strerror(e));
    }
    *out = c;
    return STRATA_OK;
}
