/* Listening: accept many connections at once, each with its own stack. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/error_internal.h"
#include "io/conn_internal.h"
#include "strata/log.h"

struct strata_io_listener {
    struct strata__io_node node;
    strata_io *io;
    uv_tcp_t tcp;
    strata_io_listener_config cfg;
    strata_stack_config stack_cfg; /* cfg.stack points here when given */
    uint16_t port;
    char addr[80];
    int closing, closed;
    unsigned max_conns, live_conns; /* strata_io_listener_set_max_conns */
    int waiting;                    /* a client waits in the accept queue */
    int defer_pending;              /* accept_waiting is deferred */
};

static void accept_one(strata_io_listener *l);

/* Freed once its socket is closed and no connection or deferred call
 * points at it. */
static void maybe_free(strata_io_listener *l)
{
    if (l->closed && l->live_conns == 0 && !l->defer_pending)
        free(l);
}

void strata_io_listener_set_max_conns(strata_io_listener *l, unsigned max)
{
    l->max_conns = max;
}

static void accept_waiting(void *arg)
{
    strata_io_listener *l = arg;
    l->defer_pending = 0;
    if (!l->closing && l->waiting && (!l->max_conns || l->live_conns < l->max_conns)) {
        l->waiting = 0;
        accept_one(l);
    }
    maybe_free(l);
}

void strata__io_listener_conn_gone(strata_io_listener *l)
{
    l->live_conns--;
    if (l->waiting && !l->closing && !l->defer_pending &&
        strata_io_defer(l->io, accept_waiting, l) == STRATA_OK)
        l->defer_pending = 1; /* not from within the connection's close */
    maybe_free(l);
}

uint16_t strata_io_listener_port(const strata_io_listener *l)
{
    return l->port;
}

const char *strata_io_listener_addr(const strata_io_listener *l)
{
    return l->addr;
}

static void listener_closed(uv_handle_t *h)
{
    strata_io_listener *l = h->data;
    strata__io_unlink(l->io, &l->node);
    l->closed = 1;
    maybe_free(l);
}

void strata_io_listener_close(strata_io_listener *l)
{
    if (l->closing)
        return;
    l->closing = 1;
    strata_log(STRATA_LOG_DEBUG, "io", "%s: no longer listening", l->addr);
    uv_close((uv_handle_t *)&l->tcp, listener_closed);
}

static void node_shutdown(struct strata__io_node *n, const char *why)
{
    (void)why;
    strata_io_listener *l = (strata_io_listener *)((char *)n - offsetof(strata_io_listener, node));
    strata_io_listener_close(l);
}

static void on_connection(uv_stream_t *server, int status)
{
    strata_io_listener *l = server->data;
    if (status < 0) {
        /* EMFILE and the like: this one is lost, the listener goes on. */
        strata_log(STRATA_LOG_WARN, "io", "%s: accept: %s", l->addr, uv_strerror(status));
        return;
    }
    if (l->max_conns && l->live_conns >= l->max_conns) {
        /* Not accepted: libuv stops watching the socket until uv_accept, so
         * this client and the next wait in the kernel's queue. */
        if (!l->waiting)
            strata_log(STRATA_LOG_INFO, "io", "%s: %u connections open: the next waits", l->addr,
                       l->live_conns);
        l->waiting = 1;
        return;
    }
    accept_one(l);
}

static void accept_one(strata_io_listener *l)
{
    strata_io_conn *c = NULL;
    if (strata__io_conn_new(l->io, l->cfg.stack, l->cfg.on_done, l->cfg.user, &c) != STRATA_OK) {
        strata_log(STRATA_LOG_WARN, "io", "%s: out of memory for a connection", l->addr);
        return;
    }
    int e = uv_tcp_init(&l->io->loop, &c->tcp);
    if (e == 0) {
        c->tcp_open = 1;
        e = uv_accept((uv_stream_t *)&l->tcp, (uv_stream_t *)&c->tcp);
    }
    c->from = l;
    l->live_conns++;
    if (e != 0) {
        strata__io_conn_fail(c, STRATA_E_IO, "%s: accept: %s", l->addr, uv_strerror(e));
        return;
    }
    struct sockaddr_storage ss;
    int len = sizeof(ss);
    if (uv_tcp_getpeername(&c->tcp, (struct sockaddr *)&ss, &len) == 0)
        strata__io_addr_format((struct sockaddr *)&ss, c->peer, sizeof(c->peer));
    else
        snprintf(c->peer, sizeof(c->peer), "(unknown peer)");
    snprintf(c->target, sizeof(c->target), "%s", c->peer);
    strata_log(STRATA_LOG_INFO, "io", "%s: connection from %s", l->addr, c->peer);
    strata_status r = l->cfg.on_accept(l->cfg.user, l, c);
    if (c->state != STRATA__IO_CONN_NEW)
        return; /* aborted from within on_accept */
    if (r != STRATA_OK) {
        strata__io_conn_fail(c, r, "%s: refused: %s", c->peer, strata_status_str(r));
        return;
    }
    strata__io_conn_up(c);
}

static strata_status resolve_bind(const char *host, uint16_t port, struct sockaddr_storage *ss,
                                  strata_error *err)
{
    struct addrinfo hints, *res = NULL;
    char port_str[8];
    memset(&hints, 0, sizeof(hints));
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
    snprintf(port_str, sizeof(port_str), "%u", (unsigned)port);
    /* A name is looked up once, before listening: the blocking call is fine. */
    int e = getaddrinfo(host, port_str, &hints, &res);
    if (e != 0)
        return strata__error_set(err, STRATA_E_IO, "resolving '%s': %s", host, gai_strerror(e));
    strata_status r = STRATA_E_IO;
    for (struct addrinfo *a = res; a; a = a->ai_next) {
        if ((a->ai_family == AF_INET || a->ai_family == AF_INET6) && a->ai_addrlen <= sizeof(*ss)) {
            memcpy(ss, a->ai_addr, a->ai_addrlen);
            r = STRATA_OK;
            break;
        }
    }
    freeaddrinfo(res);
    if (r != STRATA_OK)
        strata__error_set(err, r, "resolving '%s': no IPv4 or IPv6 address", host);
    return r;
}

/* SO_REUSEPORT on the socket uv_tcp_init_ex made: several listeners, one per
 * loop, share the address and the kernel hashes each new connection to one
 * of them. A libuv error code. */
static int reuse_port(uv_tcp_t *tcp)
{
    uv_os_fd_t fd;
    int on = 1, e = uv_fileno((uv_handle_t *)tcp, &fd);
    if (e != 0)
        return e;
    if (setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &on, sizeof(on)) != 0)
        return uv_translate_sys_error(errno);
    return 0;
}

static strata_status listen_on(strata_io *io, const char *host, uint16_t port,
                               const strata_io_listener_config *cfg, int reuse,
                               strata_io_listener **out, strata_error *err)
{
    strata_status r;
    strata_error scratch;
    struct sockaddr_storage ss;
    char where[300];
    *out = NULL;
    if (!err)
        err = &scratch;
    strata_error_clear(err);
    if (!host || !*host || !cfg || !cfg->on_accept)
        return strata__error_set(err, STRATA_E_USAGE, "listen: host and on_accept are required");
    snprintf(where, sizeof(where), strchr(host, ':') ? "[%s]:%u" : "%s:%u", host, (unsigned)port);
    memset(&ss, 0, sizeof(ss));
    if ((r = resolve_bind(host, port, &ss, err)) != STRATA_OK)
        return r;
    strata_io_listener *l = calloc(1, sizeof(*l));
    if (!l)
        return strata__error_set(err, STRATA_E_NOMEM, "listen: out of memory");
    l->io = io;
    l->cfg = *cfg;
    l->cfg.stack = NULL;
    if (cfg->stack) {
        l->stack_cfg = *cfg->stack;
        l->cfg.stack = &l->stack_cfg;
    }
    int e =
        reuse ? uv_tcp_init_ex(&io->loop, &l->tcp, ss.ss_family) : uv_tcp_init(&io->loop, &l->tcp);
    if (e != 0) {
        free(l);
        return strata__error_set(err, STRATA_E_IO, "listening on %s: %s", where, uv_strerror(e));
    }
    l->tcp.data = l;
    l->node.shutdown = node_shutdown;
    l->node.listener = 1;
    strata__io_link(io, &l->node);
    int backlog = cfg->backlog > 0 ? cfg->backlog : STRATA_IO_BACKLOG_DEFAULT;
    if (reuse && (e = reuse_port(&l->tcp)) != 0) {
        strata_io_listener_close(l);
        return strata__error_set(err, STRATA_E_IO, "listening on %s: SO_REUSEPORT: %s", where,
                                 uv_strerror(e));
    }
    if ((e = uv_tcp_bind(&l->tcp, (struct sockaddr *)&ss, 0)) != 0 ||
        (e = uv_listen((uv_stream_t *)&l->tcp, backlog, on_connection)) != 0) {
        strata_io_listener_close(l);
        return strata__error_set(err, STRATA_E_IO, "listening on %s: %s", where, uv_strerror(e));
    }
    int len = sizeof(ss);
    if ((e = uv_tcp_getsockname(&l->tcp, (struct sockaddr *)&ss, &len)) != 0) {
        strata_io_listener_close(l);
        return strata__error_set(err, STRATA_E_IO, "listening on %s: %s", where, uv_strerror(e));
    }
    strata__io_addr_format((struct sockaddr *)&ss, l->addr, sizeof(l->addr));
    l->port = ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
                                             : ((struct sockaddr_in *)&ss)->sin_port);
    strata_log(STRATA_LOG_INFO, "io", "listening on %s", l->addr);
    *out = l;
    return STRATA_OK;
}

strata_status strata_io_listen(strata_io *io, const char *host, uint16_t port,
                               const strata_io_listener_config *cfg, strata_io_listener **out,
                               strata_error *err)
{
    return listen_on(io, host, port, cfg, 0, out, err);
}

strata_status strata_io_listen_reuse_port(strata_io *io, const char *host, uint16_t port,
                                          const strata_io_listener_config *cfg,
                                          strata_io_listener **out, strata_error *err)
{
    return listen_on(io, host, port, cfg, 1, out, err);
}
