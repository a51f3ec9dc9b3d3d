/* A connection: a TCP socket, a stack and an app endpoint, pumped.
 *
 * Implementation note. The pump (conn_pump) moves bytes along four flows until
 * none makes progress:
 *   socket reader -> strata_stack_wire_write   (then wire_eof at the end)
 *   app in        -> strata_stack_app_write    (then app_shutdown at the end)
 *   strata_stack_app_in  -> app out            (then out_eof at the end)
 *   strata_stack_wire_out -> socket writer     (then shutdown(2) at CLOSED)
 * Every taker may take less than offered; what is left stays with the giver,
 * whose reading stops until the next pump (a kick from any callback). The
 * pump does not re-enter itself: a kick during a pump sets `again`.
 *
 * The stack is corked: the pump hands it everything the app has before it
 * writes to the socket, and flushes it once the app has nothing more for now,
 * so layers write full records and the socket gets large writes. A
 * connection that stays quiet for IDLE_TRIM_MS gives back the memory of its
 * empty buffers (strata_stack_trim); that memory, and a closed connection's,
 * goes back to the system soon after (strata__io_release_soon).
 *
 * A failure on the network side (the peer cut the stream, a layer failed, a
 * socket error) does not drop what was already received: the connection
 * stops reading and writing the socket and goes on draining (c->draining)
 * only the flow stack -> app, until the stack has no plaintext left and the
 * app has handed on everything it took (out_flushed); then it closes with
 * the error. Likewise, when the app's input fails (a relay whose other
 * connection was cut), what the app wrote before still goes out to the
 * socket first. Any other failure of the app endpoint, a signal or an abort
 * closes at once.
 *
 * Lifecycle: RESOLVING -> CONNECTING (each address in turn) -> UP -> CLOSING.
 * Accepted connections start at UP. Closing stops reading, closes the timer
 * and socket handles and the app endpoint, and waits for every close callback
 * and any file request in the thread pool; then on_done runs and the
 * connection is freed.
 */
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/error_internal.h"
#include "io/conn_internal.h"
#include "strata/log.h"

#define IDLE_TRIM_MS 500
#define APP_WRITES_PER_ROUND 64

static void conn_pump(strata_io_conn *c);
static void try_finish(strata_io_conn *c);

static void conn_kick_cb(void *arg)
{
    strata_io_conn *c = arg;
    if (c->state == STRATA__IO_CONN_UP)
        conn_pump(c);
    else if (c->state == STRATA__IO_CONN_CLOSING)
        try_finish(c);
}

void strata_io_conn_kick(strata_io_conn *c)
{
    conn_kick_cb(c);
}

static void node_shutdown(struct strata__io_node *n, const char *why)
{
    strata_io_conn *c = (strata_io_conn *)((char *)n - offsetof(strata_io_conn, node));
    strata__io_conn_fail(c, STRATA_E_STATE, "%s", why);
}

strata_status strata__io_conn_new(strata_io *io, const strata_stack_config *stack_cfg,
                                  strata_io_conn_done_fn on_done, void *user, strata_io_conn **out)
{
    strata_status r;
    *out = NULL;
    strata_io_conn *c = calloc(1, sizeof(*c));
    if (!c)
        return STRATA_E_NOMEM;
    c->io = io;
    c->on_done = on_done;
    c->user = user;
    strata_stack_config cfg = {0};
    if (stack_cfg)
        cfg = *stack_cfg;
    cfg.cork = 1; /* the pump flushes (pump_once) */
    if ((r = strata_stack_new(&cfg, &c->stack)) != STRATA_OK) {
        free(c);
        return r;
    }
    if (uv_timer_init(&io->loop, &c->timer) != 0) {
        strata_stack_free(c->stack);
        free(c);
        return STRATA_E_IO;
    }
    c->timer.data = c;
    c->timer_open = 1;
    c->node.shutdown = node_shutdown;
    strata__io_link(io, &c->node);
    *out = c;
    return STRATA_OK;
}

strata_stack *strata_io_conn_stack(strata_io_conn *c)
{
    return c->stack;
}

const char *strata_io_conn_peer(const strata_io_conn *c)
{
    return c->peer;
}

void strata_io_conn_counts(const strata_io_conn *c, uint64_t *wire_in, uint64_t *wire_out)
{
    *wire_in = c->halves ? c->rd.total : 0;
    *wire_out = c->halves ? c->wr.total : 0;
}

strata_status strata_io_conn_set_app(strata_io_conn *c, strata_io_app app)
{
    if (c->have_app || c->state != STRATA__IO_CONN_NEW) {
        strata__io_app_discard(app);
        return STRATA_E_STATE;
    }
    c->app = app;
    c->have_app = 1;
    return STRATA_OK;
}

static void discarded(void *arg)
{
    (void)arg;
}

void strata__io_app_discard(strata_io_app app)
{
    if (app.ops)
        app.ops->close(app.self, discarded, NULL);
}

void strata__io_addr_format(const struct sockaddr *sa, char *buf, size_t cap)
{
    char ip[INET6_ADDRSTRLEN] = "?";
    unsigned port = 0;
    if (sa->sa_family == AF_INET6) {
        const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)sa;
        uv_ip6_name(a, ip, sizeof(ip));
        port = ntohs(a->sin6_port);
        snprintf(buf, cap, "[%s]:%u", ip, port);
    } else {
        const struct sockaddr_in *a = (const struct sockaddr_in *)sa;
        uv_ip4_name(a, ip, sizeof(ip));
        port = ntohs(a->sin_port);
        snprintf(buf, cap, "%s:%u", ip, port);
    }
}

/* ---- closing ---------------------------------------------------------------------- */

static void handle_closed(uv_handle_t *h)
{
    strata_io_conn *c = h->data;
    c->handles--;
    try_finish(c);
}

static void app_closed(void *arg)
{
    strata_io_conn *c = arg;
    c->handles--;
    try_finish(c);
}

static void try_finish(strata_io_conn *c)
{
    if (c->state != STRATA__IO_CONN_CLOSING || c->finishing || c->handles > 0 || c->gai_busy)
        return;
    if (c->halves && (!strata__io_rd_idle(&c->rd) || !strata__io_wr_idle(&c->wr)))
        return;
    c->finishing = 1;
    strata__io_unlink(c->io, &c->node);
    if (c->err.status == STRATA_OK)
        strata_log(STRATA_LOG_INFO, "io", "%s: closed (%llu bytes in, %llu out)", c->peer,
                   (unsigned long long)(c->halves ? c->rd.total : 0),
                   (unsigned long long)(c->halves ? c->wr.total : 0));
    else /* the owner reports the error itself: only -vv repeats it here */
        strata_log(STRATA_LOG_DEBUG, "io", "%s: failed: %s", c->peer[0] ? c->peer : c->target,
                   strata_error_message(&c->err));
    if (c->on_done)
        c->on_done(c->user, c, &c->err);
    if (c->halves) {
        strata__io_rd_free(&c->rd);
        strata__io_wr_free(&c->wr);
    }
    if (c->ai_list)
        uv_freeaddrinfo(c->ai_list);
    strata_stack_free(c->stack);
    strata_io_listener *from = c->from;
    strata__io_release_soon(c->io);
    free(c);
    if (from)
        strata__io_listener_conn_gone(from);
}

static void close_handle(strata_io_conn *c, uv_handle_t *h)
{
    if (uv_is_closing(h))
        return;
    h->data = c;
    c->handles++;
    uv_close(h, handle_closed);
}

void strata__io_conn_close(strata_io_conn *c)
{
    if (c->state == STRATA__IO_CONN_CLOSING)
        return;
    c->state = STRATA__IO_CONN_CLOSING;
    c->handles++; /* held while closing starts: no finish from within */
    if (c->halves)
        strata__io_rd_stop(&c->rd);
    if (c->gai_busy)
        (void)uv_cancel((uv_req_t *)&c->gai); /* fails once running: then wait for it */
    if (c->timer_open)
        close_handle(c, (uv_handle_t *)&c->timer);
    if (c->deadline_open)
        close_handle(c, (uv_handle_t *)&c->deadline);
    if (c->tick_open)
        close_handle(c, (uv_handle_t *)&c->tick);
    if (c->tcp_open)
        close_handle(c, (uv_handle_t *)&c->tcp);
    if (c->have_app) {
        c->have_app = 0;
        c->handles++;
        c->app.ops->close(c->app.self, app_closed, c);
    }
    c->handles--;
    try_finish(c);
}

void strata__io_conn_fail(strata_io_conn *c, strata_status st, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    strata_error_vset(&c->err, st, fmt, ap);
    va_end(ap);
    strata__io_conn_close(c);
}

/* Fails with an error recorded elsewhere (a half, the stack, the endpoint). */
static void fail_with(strata_io_conn *c, const strata_error *e, strata_status fallback,
                      const char *what)
{
    if (e && e->status != STRATA_OK) {
        char buf[STRATA_ERROR_MSG_MAX];
        strata__io_conn_fail(c, e->status, "%s", strata_error_format(e, buf, sizeof(buf)));
    } else {
        strata__io_conn_fail(c, fallback, "%s: %s", what, strata_status_str(fallback));
    }
}

/* Records the failure as fail_with does and starts draining in mode how
 * (see the note at the top); the close follows once drained. */
static void start_drain(strata_io_conn *c, int how, const strata_error *e, strata_status fallback,
                        const char *what)
{
    if (c->err.status == STRATA_OK) {
        char buf[STRATA_ERROR_MSG_MAX];
        if (e && e->status != STRATA_OK)
            strata__error_set(&c->err, e->status, "%s", strata_error_format(e, buf, sizeof(buf)));
        else
            strata__error_set(&c->err, fallback, "%s: %s", what, strata_status_str(fallback));
    }
    c->draining = how;
    strata__io_rd_stop(&c->rd);
    if (c->pumping)
        c->again = 1; /* conn_pump goes on, now draining */
    else
        strata_io_conn_kick(c);
}

/* A failure on the network side: the plaintext owed to the app goes to it
 * before the close. */
static void fail_drain(strata_io_conn *c, const strata_error *e, strata_status fallback,
                       const char *what)
{
    const strata_error *ae = c->have_app ? c->app.ops->error(c->app.self) : NULL;
    if (c->state != STRATA__IO_CONN_UP || c->draining || !c->have_app ||
        (ae && ae->status != STRATA_OK))
        fail_with(c, e, fallback, what);
    else
        start_drain(c, STRATA__IO_DRAIN_APP, e, fallback, what);
}

/* The app's input failed (a relay whose other connection ended before its
 * data did): what the app wrote before goes out to the peer before the
 * close. */
static void fail_drain_wire(strata_io_conn *c, const strata_error *e, strata_status fallback,
                            const char *what)
{
    if (c->state != STRATA__IO_CONN_UP || c->draining ||
        strata__io_half_status(c->wr.err) != STRATA_OK || c->wr.eof_asked) {
        fail_with(c, e, fallback, what);
        return;
    }
    strata_status r = strata_stack_flush(c->stack); /* what the layers held back */
    (void)r;                                        /* a failed stack still gives its last words */
    start_drain(c, STRATA__IO_DRAIN_WIRE, e, fallback, what);
}

void strata_io_conn_abort(strata_io_conn *c, strata_status status, const char *msg)
{
    if (!strata_status_is_error(status))
        status = STRATA_E_USAGE;
    strata__io_conn_fail(c, status, "%s", msg);
}

/* ---- up: pumping ------------------------------------------------------------------ */

void strata__io_conn_up(strata_io_conn *c)
{
    strata_status r;
    if (!c->have_app) {
        strata__io_conn_fail(c, STRATA_E_STATE, "%s: no app endpoint bound", c->peer);
        return;
    }
    uv_timer_stop(&c->timer);
    if (c->tcp.type == UV_TCP)
        (void)uv_tcp_nodelay(&c->tcp, 1);
    snprintf(c->rd_what, sizeof(c->rd_what), "reading from %s", c->peer);
    snprintf(c->wr_what, sizeof(c->wr_what), "writing to %s", c->peer);
    c->halves = 1;
    uv_stream_t *s = (uv_stream_t *)&c->tcp;
    if ((r = strata__io_rd_init(&c->rd, &c->io->loop, s, -1, STRATA__IO_RBUF, c->rd_what,
                                conn_kick_cb, c)) != STRATA_OK) {
        fail_with(c, strata__io_half_error(c->rd.err), r, c->rd_what);
        return;
    }
    c->rd.cap_max = STRATA__IO_RBUF_MAX;
    if ((r = strata__io_wr_init(&c->wr, &c->io->loop, s, -1, STRATA__IO_WBUF,
                                STRATA__IO_WR_EOF_SHUTDOWN, c->wr_what, conn_kick_cb, c)) !=
        STRATA_OK) {
        fail_with(c, strata__io_half_error(c->wr.err), r, c->wr_what);
        return;
    }
    c->state = STRATA__IO_CONN_UP;
    strata_log(STRATA_LOG_INFO, "io", "%s: connected", c->peer);
    if ((r = c->app.ops->start(c->app.self, c)) != STRATA_OK) {
        fail_with(c, c->app.ops->error(c->app.self), r, c->app.ops->name);
        return;
    }
    if ((r = strata__io_rd_start(&c->rd)) != STRATA_OK) {
        fail_with(c, strata__io_half_error(c->rd.err), r, c->rd_what);
        return;
    }
    conn_pump(c);
}

/* A failing layer's last words (its alert, sent through the layers beneath)
 * go out before the close, as far as the socket takes them at once. */
static void send_last_words(strata_io_conn *c)
{
    for (int k = 0; k < 16 && c->halves; k++) {
        size_t n;
        strata_status st;
        const uint8_t *p = strata_stack_wire_out(c->stack, &n, &st);
        size_t w = n ? strata__io_wr_try(&c->wr, p, n) : 0;
        if (w == 0)
            return;
        strata_stack_wire_ack(c->stack, w);
    }
}

static void fail_stack(strata_io_conn *c, strata_status r)
{
    send_last_words(c);
    fail_drain(c, strata_stack_error(c->stack), r, "stack");
}

/* Layers with timers of their own (an SSH connection's RekeyLimit time) get
 * the loop's clock every TICK_MS, whoever made the stack: strata ssh, an
 * ssh: chain element, a jump hop. Engines never read a clock themselves. */
#define TICK_MS 1000

static void conn_pump(strata_io_conn *c);

static void tick_cb(uv_timer_t *t)
{
    strata_io_conn *c = t->data;
    if (c->state != STRATA__IO_CONN_UP || c->draining)
        return;
    strata_status r = strata_stack_tick(c->stack, uv_now(&c->io->loop));
    if (strata_status_is_error(r)) {
        fail_stack(c, r);
        return;
    }
    conn_pump(c);
}

/* Starts the clock once a layer that wants it is on the stack. */
static void tick_arm(strata_io_conn *c)
{
    if (c->tick_open || !strata_stack_wants_tick(c->stack))
        return;
    if (uv_timer_init(&c->io->loop, &c->tick) != 0)
        return; /* no clock: timers of the layers do not run, nothing else changes */
    c->tick.data = c;
    c->tick_open = 1;
    (void)uv_timer_start(&c->tick, tick_cb, 0, TICK_MS); /* the first at once: the baseline */
}

/* The socket refused a write (the peer closed: EPIPE, ECONNRESET). What the
 * peer sent before it closed may say why (a TLS alert: certificate
 * required): the bytes the socket still holds go to the stack first, and a
 * layer that fails on them is the error reported, not the write's. 1 when
 * the stack failed (the connection is failing), else 0. */
static int peer_last_words(strata_io_conn *c)
{
    uint8_t buf[16384];
    size_t n, used;
    strata_status st, r;
    uv_os_fd_t fd;
    for (int k = 0; k < 64; k++) {
        const uint8_t *p = strata__io_rd_peek(&c->rd, &n, &st);
        if (n > 0) {
            r = strata_stack_wire_write(c->stack, p, n, &used);
            if (strata_status_is_error(r))
                return fail_stack(c, r), 1;
            strata__io_rd_ack(&c->rd, used);
            if (used == 0)
                return 0;
            continue;
        }
        if (uv_fileno((uv_handle_t *)&c->tcp, &fd) != 0)
            return 0;
        ssize_t got = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
        if (got <= 0)
            return 0;
        size_t off = 0;
        while (off < (size_t)got) {
            r = strata_stack_wire_write(c->stack, buf + off, (size_t)got - off, &used);
            if (strata_status_is_error(r))
                return fail_stack(c, r), 1;
            if (used == 0)
                return 0; /* the stack is full: enough said */
            off += used;
        }
    }
    return 0;
}

/* Draining after a failure: only stack -> app (or, after the app's input
 * failed, stack -> socket), then the close once everything is handed on.
 * 1 on progress, 0 when waiting, -1 when closed. */
static int drain_once(strata_io_conn *c)
{
    const struct strata_io_app_ops *ops = c->app.ops;
    void *app = c->app.self;
    size_t n = 0, used = 0;
    strata_status st, r;
    if (c->draining == STRATA__IO_DRAIN_WIRE) {
        const uint8_t *w = strata_stack_wire_out(c->stack, &n, &st);
        if (n > 0) {
            if (strata_status_is_error(strata__io_wr_write(&c->wr, w, n, &used)))
                return strata__io_conn_close(c), -1;
            strata_stack_wire_ack(c->stack, used);
            return used > 0;
        }
        if (c->wr.busy)
            return 0; /* the write's callback kicks */
        strata__io_conn_close(c);
        return -1;
    }
    const uint8_t *p = c->app_eof_sent ? NULL : strata_stack_app_in(c->stack, &n, &st);
    if (n > 0) {
        if (strata_status_is_error(r = ops->out(app, p, n, &used)))
            return strata__io_conn_close(c), -1; /* the first error stays the one reported */
        strata_stack_app_ack(c->stack, used);
        return used > 0;
    }
    if (ops->out_flushed && !ops->out_flushed(app))
        return 0; /* a kick from the app comes when its write is done */
    strata__io_conn_close(c);
    return -1;
}

/* One round over the four flows: 1 if any made progress (a failure that
 * starts draining counts), 0 if none, -1 when the connection closed. */
static int pump_once(strata_io_conn *c)
{
    strata_status r, st;
    size_t n, used;
    const uint8_t *p;
    int progress = 0;
    const struct strata_io_app_ops *ops = c->app.ops;
    void *app = c->app.self;
    const strata_error *ae = ops->error(app);

    if (c->draining)
        return drain_once(c);
    /* An error met by an asynchronous write, with nothing more to write. */
    if (strata__io_half_status(c->wr.err) != STRATA_OK) {
        if (!peer_last_words(c))
            fail_drain(c, strata__io_half_error(c->wr.err), strata__io_half_status(c->wr.err),
                       c->wr_what);
        return 1;
    }
    if (ae && ae->status != STRATA_OK)
        return fail_with(c, ae, ae->status, ops->name), -1;

    /* socket -> stack */
    p = strata__io_rd_peek(&c->rd, &n, &st);
    if (n > 0) {
        if (strata_status_is_error(r = strata_stack_wire_write(c->stack, p, n, &used)))
            return fail_stack(c, r), 1;
        strata__io_rd_ack(&c->rd, used);
        progress |= used > 0;
    } else if (st == STRATA_CLOSED && !c->wire_eof_sent) {
        c->wire_eof_sent = 1;
        if (strata_status_is_error(r = strata_stack_wire_eof(c->stack)))
            return fail_stack(c, r), 1;
        progress = 1;
    } else if (strata_status_is_error(st)) {
        return fail_drain(c, strata__io_half_error(c->rd.err), st, c->rd_what), 1;
    }

    /* app -> stack: all the app has that the stack takes; once the app has
     * nothing more for now, flush what the layers held back. */
    for (int k = 0; k < APP_WRITES_PER_ROUND && !c->app_shut_sent; k++) {
        p = ops->in(app, &n, &st);
        if (n > 0) {
            if (strata_status_is_error(r = strata_stack_app_write(c->stack, p, n, &used)))
                return fail_stack(c, r), 1;
            ops->in_ack(app, used);
            if (used > 0)
                progress = c->unflushed = 1;
            if (used < n)
                break; /* the stack is full: the wire drains first */
        } else if (st == STRATA_CLOSED) {
            c->app_shut_sent = 1;
            if (strata_status_is_error(r = strata_stack_app_shutdown(c->stack)))
                return fail_stack(c, r), 1;
            progress = 1;
        } else if (strata_status_is_error(st)) {
            return fail_drain_wire(c, ops->error(app), st, ops->name), 1;
        } else {
            if (c->unflushed) {
                c->unflushed = 0;
                if (strata_status_is_error(r = strata_stack_flush(c->stack)))
                    return fail_stack(c, r), 1;
                progress = 1;
            }
            break;
        }
    }

    /* stack -> app */
    if (!c->app_eof_sent) {
        p = strata_stack_app_in(c->stack, &n, &st);
        if (n > 0) {
            if (strata_status_is_error(r = ops->out(app, p, n, &used)))
                return fail_with(c, ops->error(app), r, ops->name), -1;
            strata_stack_app_ack(c->stack, used);
            progress |= used > 0;
        } else if (st == STRATA_CLOSED) {
            c->app_eof_sent = 1;
            if (strata_status_is_error(r = ops->out_eof(app)))
                return fail_with(c, ops->error(app), r, ops->name), -1;
            progress = 1;
        } else if (st == STRATA_EOF_UNCLEAN) {
            /* A truncated stream is not a clean end: say so. */
            return fail_drain(c, NULL, st, c->peer), 1;
        } else if (strata_status_is_error(st)) {
            return fail_stack(c, st), 1;
        }
    }

    /* stack -> socket */
    if (!c->wr.eof_asked) {
        p = strata_stack_wire_out(c->stack, &n, &st);
        if (n > 0) {
            if (strata_status_is_error(r = strata__io_wr_write(&c->wr, p, n, &used))) {
                if (!peer_last_words(c))
                    fail_drain(c, strata__io_half_error(c->wr.err), r, c->wr_what);
                return 1;
            }
            strata_stack_wire_ack(c->stack, used);
            progress |= used > 0;
        } else if (st == STRATA_CLOSED) {
            if (strata_status_is_error(r = strata__io_wr_eof(&c->wr)))
                return fail_drain(c, strata__io_half_error(c->wr.err), r, c->wr_what), 1;
            progress = 1;
        } else if (strata_status_is_error(st)) {
            return fail_stack(c, st), 1;
        }
    }
    return progress;
}

static void idle_cb(uv_timer_t *t)
{
    strata_io_conn *c = t->data;
    if (c->state == STRATA__IO_CONN_UP) {
        strata_stack_trim(c->stack);
        strata__io_rd_trim(&c->rd);
        strata__io_wr_trim(&c->wr);
        if (c->have_app) {
            strata__io_echo_trim(c->app);
            strata__io_pair_trim(c->app);
        }
        strata__io_release_soon(c->io);
    }
}

static void conn_pump(strata_io_conn *c)
{
    if (c->pumping) {
        c->again = 1;
        return;
    }
    c->pumping = 1;
    int progress, moved = 0;
    do {
        c->again = 0;
        progress = pump_once(c);
        moved |= progress > 0;
    } while (c->state == STRATA__IO_CONN_UP && (progress > 0 || c->again));
    c->pumping = 0;
    if (c->state != STRATA__IO_CONN_UP)
        return;
    (void)uv_timer_start(&c->timer, idle_cb, IDLE_TRIM_MS, 0);
    tick_arm(c);
    if (c->deadline_open && moved)
        strata__io_conn_deadline_arm(c);
    strata__io_rd_settle(&c->rd);
    if (c->draining)
        return;
    /* Both directions ended: the app has all the peer sent, the peer has all
     * the app sent and our side is shut. */
    if (c->app_eof_sent && c->app.ops->out_done(c->app.self) && strata__io_wr_done(&c->wr)) {
        if (strata__io_half_status(c->wr.err) != STRATA_OK)
            fail_drain(c, strata__io_half_error(c->wr.err), strata__io_half_status(c->wr.err),
                       c->wr_what);
        else
            strata__io_conn_close(c);
    }
}
