/* SSH port forwarding on the io driver (see strata/ssh_forward.h).
 *
 * A forwarded connection is an io connection (the local TCP socket, an
 * empty stack) whose app endpoint is an SSH channel of the main connection:
 * bytes the socket delivers are written into the channel, the channel's
 * data goes out through the socket, EOF maps to channel EOF both ways.
 * Channel events kick the local connection; channel writes and window
 * adjustments kick the main connection, whose stack carries the SSH
 * transport's output. The io driver guards both against re-entry.
 *
 * A -D connection starts with the SOCKS engine (strata/socks.h) in front of
 * the channel: the client's bytes go to the engine until its request is
 * complete, the engine's replies go to the client; then the direct-tcpip
 * channel to the requested host:port is opened, and its confirmation (or
 * refusal) becomes the SOCKS reply. Once the success reply is out, the
 * engine is gone and the endpoint is a plain channel endpoint. An agent
 * channel (-A) is a -R one whose local end is the agent's Unix socket.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "strata/log.h"
#include "strata/socks.h"
#include "strata/ssh_forward.h"

struct fwd_spec {
    char *bind; /* listen address (NULL: 127.0.0.1 for -L / -D, "localhost" for -R) */
    uint16_t port;
    char *host; /* where to connect (NULL for -D: the SOCKS client says) */
    uint16_t host_port;
};

struct ssh_fwd_ep;

struct fwd_lctx { /* one -L or -D listener's context */
    strata_ssh_forward *f;
    const struct fwd_spec *spec;
    strata_io_listener *listener; /* NULL: not listening (failed, cancelled) */
};

struct strata_ssh_forward {
    strata_io *io;
    strata_ssh_message_fn message;
    void *message_user;
    strata_ssh_client *client; /* set once authenticated; NULL after the end */
    strata_io_conn *main_conn; /* the SSH connection's io connection */
    struct fwd_spec local[STRATA_SSH_FORWARD_MAX], remote[STRATA_SSH_FORWARD_MAX],
        dynamic[STRATA_SSH_FORWARD_MAX];
    size_t n_local, n_remote, n_dynamic;
    size_t remote_answered; /* tcpip-forward replies come in request order */
    struct fwd_lctx lctx[2 * STRATA_SSH_FORWARD_MAX]; /* -L at i, -D at MAX + i */
    int remote_cancelled[STRATA_SSH_FORWARD_MAX];
    int agent;              /* -A: agent channels are answered */
    char *agent_sock;       /* NULL: $SSH_AUTH_SOCK when a channel opens */
    struct ssh_fwd_ep *eps; /* live forwarded connections */
    int failed;             /* a forwarding could not be set up */
    int exit_on_failure;    /* ExitOnForwardFailure: a failure ends the SSH connection */
};

__attribute__((format(printf, 2, 3))) static void say(strata_ssh_forward *f, const char *fmt, ...)
{
    char line[600];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    if (f->message)
        f->message(f->message_user, line);
    else
        fputs(line, stderr);
}

struct ssh_fwd_ep {
    strata_ssh_forward *f;
    strata_ssh_channel *ch; /* NULL once the SSH connection is gone */
    strata_io_conn *conn;   /* the local connection */
    int incoming;           /* -R: accept the channel once connected */
    int eof_wanted;
    /* -D: the SOCKS engine until its success reply is out (then NULL) */
    strata_socks_server *socks;
    int socks_asked;  /* the request is complete and the channel asked for */
    int socks_failed; /* a failure reply is (being) sent: then the end */
    strata_error err;
    struct ssh_fwd_ep *next;
};

static void kick_main(strata_ssh_forward *f)
{
    if (f->main_conn)
        strata_io_conn_kick(f->main_conn);
}

static void send_eof(struct ssh_fwd_ep *e)
{
    if (e->ch && e->eof_wanted && (strata_ssh_channel_state(e->ch) & STRATA_SSH_CHS_OPEN) &&
        !(strata_ssh_channel_state(e->ch) &
          (STRATA_SSH_CHS_EOF_SENT | STRATA_SSH_CHS_CLOSE_SENT))) {
        strata_status r = strata_ssh_channel_send_eof(e->ch);
        (void)r; /* a send failure is the SSH connection's sticky error */
        kick_main(e->f);
    }
}

/* OpenSSH's words for a channel the server refused, without -v too:
 * "channel 2: open failed: connect failed: Connection refused". */
static void say_open_failed(struct ssh_fwd_ep *e, strata_ssh_channel *ch)
{
    const char *m = strata_error_message(strata_ssh_channel_error(ch));
    if (strncmp(m, "channel ", 8) == 0)
        m += 8;
    say(e->f, "channel %u: %s\r\n", strata_ssh_channel_id(ch), m);
}

static void socks_answer(struct ssh_fwd_ep *e, enum strata_socks_reply code)
{
    if (strata_socks_server_reply(e->socks, code) != STRATA_OK)
        e->socks_failed = 1;
    else if (code != STRATA_SOCKS_SUCCEEDED)
        e->socks_failed = 1;
}

static void on_channel(void *user, strata_ssh_channel *ch, enum strata_ssh_channel_event ev,
                       const char *req)
{
    struct ssh_fwd_ep *e = user;
    (void)req;
    if (ev == STRATA_SSH_CH_OPEN_FAILED) {
        say_open_failed(e, ch);
        if (e->socks) {
            /* The client hears it as a SOCKS failure, then the end. */
            socks_answer(e,
                         strata_socks_reply_for_open_failure(strata_ssh_channel_open_failure(ch)));
            if (e->conn)
                strata_io_conn_kick(e->conn);
            return;
        }
        strata_error_copy(&e->err, strata_ssh_channel_error(ch));
        if (e->conn)
            strata_io_conn_abort(e->conn, STRATA_E_PROTOCOL, strata_error_message(&e->err));
        return;
    }
    if (ev == STRATA_SSH_CH_OPENED) {
        if (e->socks)
            socks_answer(e, STRATA_SOCKS_SUCCEEDED);
        send_eof(e);
    }
    if (e->conn)
        strata_io_conn_kick(e->conn);
}

static strata_status ep_start(void *self, strata_io_conn *c)
{
    struct ssh_fwd_ep *e = self;
    e->conn = c;
    if (e->incoming && e->ch) {
        strata_status r = strata_ssh_channel_accept(e->ch);
        kick_main(e->f);
        return r;
    }
    return STRATA_OK;
}

static const uint8_t *ep_in(void *self, size_t *n, strata_status *st)
{
    struct ssh_fwd_ep *e = self;
    *n = 0;
    *st = e->err.status;
    if (e->socks) {
        /* The engine's bytes first: method selection, the reply. */
        const uint8_t *p = strata_socks_server_out(e->socks, n);
        if (*n)
            return p;
        if (e->socks_failed) {
            *st = STRATA_CLOSED; /* the failure reply is out: the end */
            return NULL;
        }
        if (!e->ch || !(strata_ssh_channel_state(e->ch) & STRATA_SSH_CHS_OPEN))
            return NULL;                    /* still asking */
        strata_socks_server_free(e->socks); /* the success reply is out */
        e->socks = NULL;
    }
    if (!e->ch) {
        if (*st == STRATA_OK)
            *st = STRATA_CLOSED;
        return NULL;
    }
    const uint8_t *p = strata_ssh_channel_read_buf(e->ch, 0, n);
    unsigned s = strata_ssh_channel_state(e->ch);
    if (*n == 0 && (s & (STRATA_SSH_CHS_EOF_RCVD | STRATA_SSH_CHS_CLOSE_RCVD)))
        *st = STRATA_CLOSED;
    return p;
}

static void ep_in_ack(void *self, size_t n)
{
    struct ssh_fwd_ep *e = self;
    if (e->socks) {
        strata_socks_server_out_ack(e->socks, n);
        return;
    }
    if (e->ch && strata_ssh_channel_read_ack(e->ch, 0, n) == STRATA_OK)
        kick_main(e->f);
}

/* -D: the client's bytes go to the SOCKS engine until its request is
 * complete; then the channel is asked for, to the host:port it names. */
static void socks_in(struct ssh_fwd_ep *e, const uint8_t *p, size_t n, size_t *used)
{
    strata_status r = strata_socks_server_recv(e->socks, p, n, used);
    if (r == STRATA_OK) {
        const strata_socks_request *q = strata_socks_server_request(e->socks);
        e->socks_asked = 1;
        if (!e->f->client) {
            socks_answer(e, STRATA_SOCKS_GENERAL_FAILURE);
        } else if ((r = strata_ssh_channel_open_direct_tcpip(strata_ssh_client_conn(e->f->client),
                                                             q->host, q->port, "127.0.0.1", 0,
                                                             on_channel, e, &e->ch)) != STRATA_OK) {
            say(e->f, "cannot open a direct-tcpip channel to %s:%u: %s\r\n", q->host, q->port,
                strata_status_str(r));
            socks_answer(e, STRATA_SOCKS_GENERAL_FAILURE);
        } else {
            strata_log(STRATA_LOG_DEBUG, "ssh", "SOCKS%u request to %s:%u: channel %u", q->version,
                       q->host, q->port, strata_ssh_channel_id(e->ch));
            kick_main(e->f);
        }
    } else if (r != STRATA_WANT_READ) {
        strata_log(STRATA_LOG_INFO, "ssh", "dynamic forwarding: %s",
                   strata_error_message(strata_socks_server_error(e->socks)));
        e->socks_failed = 1; /* the engine queued the failure reply, if any */
        *used = n;
    }
    strata_io_conn_kick(e->conn);
}

static strata_status ep_out(void *self, const uint8_t *p, size_t n, size_t *used)
{
    struct ssh_fwd_ep *e = self;
    *used = 0;
    if (e->socks && e->socks_failed) {
        *used = n; /* nothing will carry these bytes */
        return STRATA_OK;
    }
    if (e->socks && !e->socks_asked) {
        socks_in(e, p, n, used);
        return STRATA_OK;
    }
    if (!e->ch || (strata_ssh_channel_state(e->ch) & STRATA_SSH_CHS_CLOSE_SENT)) {
        *used = n; /* the channel is gone: nothing can take these bytes */
        return STRATA_OK;
    }
    if (!(strata_ssh_channel_state(e->ch) & STRATA_SSH_CHS_OPEN))
        return STRATA_OK;
    strata_status r = strata_ssh_channel_write(e->ch, 0, p, n, used);
    if (*used)
        kick_main(e->f);
    return r == STRATA_E_STATE ? STRATA_OK : r;
}

static strata_status ep_out_eof(void *self)
{
    struct ssh_fwd_ep *e = self;
    if (e->socks && !e->socks_asked)
        e->socks_failed = 1; /* the client left before its request was complete */
    e->eof_wanted = 1;
    send_eof(e);
    return STRATA_OK;
}

static int ep_out_done(const void *self)
{
    const struct ssh_fwd_ep *e = self;
    return e->eof_wanted;
}

static const strata_error *ep_error(const void *self)
{
    const struct ssh_fwd_ep *e = self;
    return &e->err;
}

static void ep_close(void *self, void (*done)(void *arg), void *arg)
{
    struct ssh_fwd_ep *e = self;
    strata_socks_server_free(e->socks);
    if (e->ch) {
        strata_ssh_channel_release(e->ch);
        kick_main(e->f);
    }
    for (struct ssh_fwd_ep **pp = &e->f->eps; *pp; pp = &(*pp)->next)
        if (*pp == e) {
            *pp = e->next;
            break;
        }
    free(e);
    done(arg);
}

static const struct strata_io_app_ops ep_ops = {
    "ssh-channel", ep_start,    ep_in,    ep_in_ack, ep_out,
    ep_out_eof,    ep_out_done, ep_error, ep_close,  NULL,
};

static struct ssh_fwd_ep *ep_new(strata_ssh_forward *f)
{
    struct ssh_fwd_ep *e = calloc(1, sizeof *e);
    if (e) {
        e->f = f;
        e->next = f->eps;
        f->eps = e;
    }
    return e;
}

/* ---- -L and -D ------------------------------------------------------------------ */

/* -L: a direct-tcpip channel to the spec's host:port at once; -D (no host
 * in the spec): the SOCKS engine first, which says where to. */
static strata_status on_accept(void *user, strata_io_listener *l, strata_io_conn *c)
{
    struct fwd_lctx *x = user;
    (void)l;
    if (!x->f->client)
        return STRATA_E_STATE;
    struct ssh_fwd_ep *e = ep_new(x->f);
    if (!e)
        return STRATA_E_NOMEM;
    e->conn = c;
    strata_io_app app = {&ep_ops, e};
    strata_status r;
    if (!x->spec->host) {
        if ((r = strata_socks_server_new(&e->socks)) != STRATA_OK)
            strata_error_set(&e->err, r, "cannot start the SOCKS engine: %s", strata_status_str(r));
    } else {
        r = strata_ssh_channel_open_direct_tcpip(strata_ssh_client_conn(x->f->client),
                                                 x->spec->host, x->spec->host_port, "127.0.0.1", 0,
                                                 on_channel, e, &e->ch);
        if (r != STRATA_OK)
            strata_error_set(&e->err, r, "cannot open a direct-tcpip channel: %s",
                             strata_status_str(r));
        kick_main(x->f);
    }
    r = strata_io_conn_set_app(c, app); /* c owns e from now on */
    return r != STRATA_OK ? r : e->err.status;
}

static void on_fwd_done(void *user, strata_io_conn *c, const strata_error *err)
{
    (void)user, (void)c;
    if (err->status != STRATA_OK)
        strata_log(STRATA_LOG_INFO, "ssh", "forwarded connection: %s", strata_error_message(err));
}

/* A forwarding could not be set up: counted, and with ExitOnForwardFailure
 * the SSH connection ends with OpenSSH's words. */
static void forward_failed(strata_ssh_forward *f, const char *what, unsigned port)
{
    f->failed = 1;
    if (f->exit_on_failure && f->main_conn) {
        char msg[160];
        snprintf(msg, sizeof msg, "Error: %s forwarding failed for listen port %u", what, port);
        strata_io_conn_abort(f->main_conn, STRATA_E_IO, msg);
    }
}

/* Opens the listener of -L forwarding i (dynamic 0) or -D forwarding i
 * (dynamic 1); 0 or -1 (said). */
static int open_listener(strata_ssh_forward *f, size_t i, int dynamic)
{
    size_t slot = dynamic ? STRATA_SSH_FORWARD_MAX + i : i;
    const struct fwd_spec *s = dynamic ? &f->dynamic[i] : &f->local[i];
    f->lctx[slot] = (struct fwd_lctx){f, s, NULL};
    strata_io_listener_config cfg = {on_accept, on_fwd_done, &f->lctx[slot], NULL, 0};
    strata_error err = {0};
    if (strata_io_listen(f->io, s->bind ? s->bind : "127.0.0.1", s->port, &cfg,
                         &f->lctx[slot].listener, &err) != STRATA_OK) {
        f->lctx[slot].listener = NULL;
        say(f, "bind [%s]:%u: %s\r\nCould not request %s forwarding.\r\n",
            s->bind ? s->bind : "127.0.0.1", s->port, strata_error_message(&err),
            dynamic ? "dynamic" : "local");
        forward_failed(f, dynamic ? "dynamic" : "local port", s->port);
        return -1;
    }
    return 0;
}

static int open_local(strata_ssh_forward *f, size_t i)
{
    return open_listener(f, i, 0);
}

static int request_remote(strata_ssh_forward *f, size_t i)
{
    const struct fwd_spec *s = &f->remote[i];
    if (strata_ssh_conn_tcpip_forward(strata_ssh_client_conn(f->client),
                                      s->bind ? s->bind : "localhost", s->port) != STRATA_OK) {
        forward_failed(f, "remote port", s->port);
        return -1;
    }
    if (f->main_conn)
        strata_io_conn_kick(f->main_conn);
    return 0;
}

void strata_ssh_forward_start(strata_ssh_forward *f, strata_io_conn *main,
                              strata_ssh_client *client)
{
    f->client = client;
    f->main_conn = main;
    for (size_t i = 0; i < f->n_local; i++)
        (void)open_local(f, i);
    for (size_t i = 0; i < f->n_dynamic; i++)
        (void)open_listener(f, i, 1);
    for (size_t i = 0; i < f->n_remote; i++)
        (void)request_remote(f, i);
}

strata_status strata_ssh_forward_open(strata_ssh_forward *f, int remote, const char *spec)
{
    if (!f->client)
        return STRATA_E_STATE;
    strata_status r = strata_ssh_forward_parse(f, remote, spec);
    if (r != STRATA_OK)
        return r;
    if (remote)
        return request_remote(f, f->n_remote - 1) == 0 ? STRATA_OK : STRATA_E_STATE;
    return open_local(f, f->n_local - 1) == 0 ? STRATA_OK : STRATA_E_IO;
}

strata_status strata_ssh_forward_cancel(strata_ssh_forward *f, int remote, uint16_t port)
{
    if (!f->client)
        return STRATA_E_STATE;
    for (size_t i = 0; !remote && i < f->n_local; i++)
        if (f->local[i].port == port && f->lctx[i].listener) {
            strata_io_listener_close(f->lctx[i].listener);
            f->lctx[i].listener = NULL;
            return STRATA_OK;
        }
    for (size_t i = 0; remote && i < f->n_remote; i++)
        if (f->remote[i].port == port && !f->remote_cancelled[i]) {
            const struct fwd_spec *s = &f->remote[i];
            strata_status r = strata_ssh_conn_cancel_tcpip_forward(
                strata_ssh_client_conn(f->client), s->bind ? s->bind : "localhost", s->port);
            if (r == STRATA_OK) {
                f->remote_cancelled[i] = 1;
                if (f->main_conn)
                    strata_io_conn_kick(f->main_conn);
            }
            return r;
        }
    return STRATA_E_USAGE;
}

strata_status strata_ssh_forward_open_dynamic(strata_ssh_forward *f, const char *spec)
{
    if (!f->client)
        return STRATA_E_STATE;
    strata_status r = strata_ssh_forward_parse_dynamic(f, spec);
    if (r != STRATA_OK)
        return r;
    return open_listener(f, f->n_dynamic - 1, 1) == 0 ? STRATA_OK : STRATA_E_IO;
}

strata_status strata_ssh_forward_cancel_dynamic(strata_ssh_forward *f, uint16_t port)
{
    if (!f->client)
        return STRATA_E_STATE;
    for (size_t i = 0; i < f->n_dynamic; i++) {
        struct fwd_lctx *x = &f->lctx[STRATA_SSH_FORWARD_MAX + i];
        if (f->dynamic[i].port == port && x->listener) {
            strata_io_listener_close(x->listener);
            x->listener = NULL;
            return STRATA_OK;
        }
    }
    return STRATA_E_USAGE;
}

size_t strata_ssh_forward_describe(const strata_ssh_forward *f, char *buf, size_t cap)
{
    size_t k = 0, conns = 0;
    if (cap)
        buf[0] = 0;
#define PUT(...)                                                                                   \
    do {                                                                                           \
        int w_ = snprintf(buf + k, cap > k ? cap - k : 0, __VA_ARGS__);                            \
        if (w_ > 0)                                                                                \
            k = k + (size_t)w_ < cap ? k + (size_t)w_ : (cap ? cap - 1 : 0);                       \
    } while (0)
    for (size_t i = 0; i < f->n_local; i++)
        if (f->lctx[i].listener)
            PUT("  -L listening on %s port %u for %s port %u\r\n",
                f->local[i].bind ? f->local[i].bind : "127.0.0.1", f->local[i].port,
                f->local[i].host, f->local[i].host_port);
    for (size_t i = 0; i < f->n_dynamic; i++)
        if (f->lctx[STRATA_SSH_FORWARD_MAX + i].listener)
            PUT("  -D listening on %s port %u (SOCKS4/4a/5)\r\n",
                f->dynamic[i].bind ? f->dynamic[i].bind : "127.0.0.1", f->dynamic[i].port);
    for (size_t i = 0; i < f->n_remote; i++)
        if (!f->remote_cancelled[i])
            PUT("  -R the server listens on %s port %u for %s port %u\r\n",
                f->remote[i].bind ? f->remote[i].bind : "localhost", f->remote[i].port,
                f->remote[i].host, f->remote[i].host_port);
    for (const struct ssh_fwd_ep *e = f->eps; e; e = e->next)
        conns++;
    PUT("  %zu forwarded connection%s open\r\n", conns, conns == 1 ? "" : "s");
#undef PUT
    return k;
}

/* ---- -R ------------------------------------------------------------------------- */

static void fwd_global_reply(void *user, const char *name, int ok, uint32_t port)
{
    strata_ssh_forward *f = user;
    if (strcmp(name, "tcpip-forward") != 0)
        return;
    if (f->remote_answered == f->n_remote)
        return;
    struct fwd_spec *s = &f->remote[f->remote_answered++];
    if (!ok) {
        say(f, "Warning: remote port forwarding failed for listen port %u\r\n", s->port);
        forward_failed(f, "remote port", s->port);
    } else if (s->port == 0 && port) {
        say(f, "Allocated port %u for remote forward to %s:%u\r\n", port, s->host, s->host_port);
        s->port = (uint16_t)port;
    }
}

/* A channel the server opened (-R, agent): an io connection to host:port
 * (port 0: the Unix socket at host) with the channel as its endpoint; the
 * channel is accepted once connected (ep_start), refused if not (ep_close
 * releases it). */
static strata_status incoming(strata_ssh_forward *f, strata_ssh_channel *ch, const char *host,
                              uint16_t port)
{
    struct ssh_fwd_ep *e = ep_new(f);
    if (!e)
        return STRATA_E_NOMEM;
    e->ch = ch;
    e->incoming = 1;
    strata_ssh_channel_set_handler(ch, on_channel, e);
    strata_io_app app = {&ep_ops, e};
    strata_io_conn_config cfg = {NULL, 0, on_fwd_done, NULL};
    strata_io_conn *c;
    /* The connection owns e from here on, also when the call fails. */
    if ((port ? strata_io_connect(f->io, host, port, app, &cfg, &c)
              : strata_io_connect_unix(f->io, host, app, &cfg, &c)) == STRATA_OK)
        e->conn = c;
    return STRATA_PENDING;
}

/* -A: the server opened an agent channel (it can, only after we asked). */
static strata_status agent_open(strata_ssh_forward *f, strata_ssh_channel *ch)
{
    const char *sock = f->agent_sock ? f->agent_sock : getenv("SSH_AUTH_SOCK");
    if (!f->agent) {
        say(f, "Warning: ssh server tried agent forwarding.\r\n");
        return STRATA_E_STATE;
    }
    if (!sock || !*sock) {
        strata_log(STRATA_LOG_INFO, "ssh", "agent forwarding: no agent (SSH_AUTH_SOCK is not set)");
        return STRATA_E_STATE;
    }
    return incoming(f, ch, sock, 0);
}

static strata_status fwd_open_request(void *user, strata_ssh_channel *ch,
                                      const strata_ssh_open_info *info)
{
    strata_ssh_forward *f = user;
    if (strcmp(info->type, STRATA_SSH_AGENT_CHANNEL) == 0)
        return agent_open(f, ch);
    const struct fwd_spec *s = NULL;
    for (size_t i = 0; i < f->n_remote && !s; i++)
        if (f->remote[i].port == info->connected_port)
            s = &f->remote[i];
    if (!s)
        return STRATA_E_USAGE;
    return incoming(f, ch, s->host, s->host_port);
}

/* ---- setup and teardown --------------------------------------------------------- */

static int parse_spec(const char *s, struct fwd_spec *spec)
{
    memset(spec, 0, sizeof *spec);
    char *copy = strdup(s), *f[4];
    size_t n = 0;
    if (!copy)
        return -1;
    /* Split on ':' outside brackets (IPv6 addresses as [::1]). */
    char *p = copy;
    f[n++] = p;
    for (int depth = 0; *p; p++) {
        if (*p == '[')
            depth++;
        else if (*p == ']')
            depth--;
        else if (*p == ':' && !depth) {
            if (n == 4) {
                free(copy);
                return -1;
            }
            *p = 0;
            f[n++] = p + 1;
        }
    }
    int rc = -1;
    if (n == 3 || n == 4) {
        size_t b = n == 4;
        char *e1, *e2;
        long port = strtol(f[b], &e1, 10), hport = strtol(f[b + 2], &e2, 10);
        char *host = f[b + 1];
        size_t hl = strlen(host);
        if (hl > 2 && host[0] == '[' && host[hl - 1] == ']') {
            host[hl - 1] = 0;
            host++;
        }
        if (!*e1 && !*e2 && port >= 0 && port <= 65535 && hport > 0 && hport <= 65535 && *host) {
            spec->port = (uint16_t)port;
            spec->host_port = (uint16_t)hport;
            spec->host = strdup(host);
            spec->bind = b && *f[0] ? strdup(f[0]) : NULL;
            rc = spec->host ? 0 : -1;
        }
    }
    free(copy);
    return rc;
}

static void spec_free(struct fwd_spec *spec)
{
    free(spec->bind);
    free(spec->host);
    memset(spec, 0, sizeof *spec);
}

void strata_ssh_forward_stop(strata_ssh_forward *f)
{
    for (size_t i = 0; i < 2 * STRATA_SSH_FORWARD_MAX; i++)
        if (f->lctx[i].listener) {
            strata_io_listener_close(f->lctx[i].listener);
            f->lctx[i].listener = NULL;
        }
    f->client = NULL;
    f->main_conn = NULL;
    /* The channels go with the client: forget them, then end the local
     * connections (their close may come later). */
    for (struct ssh_fwd_ep *e = f->eps; e; e = e->next)
        e->ch = NULL;
    struct ssh_fwd_ep *e = f->eps;
    while (e) {
        struct ssh_fwd_ep *next = e->next;
        if (e->conn)
            strata_io_conn_abort(e->conn, STRATA_E_SSH_DISCONNECT, "the SSH connection ended");
        e = next;
    }
}

void strata_ssh_forward_free(strata_ssh_forward *f)
{
    if (!f)
        return;
    strata_ssh_forward_stop(f);
    for (size_t i = 0; i < f->n_local; i++)
        spec_free(&f->local[i]);
    for (size_t i = 0; i < f->n_remote; i++)
        spec_free(&f->remote[i]);
    for (size_t i = 0; i < f->n_dynamic; i++)
        spec_free(&f->dynamic[i]);
    free(f->agent_sock);
    free(f);
}

strata_status strata_ssh_forward_new(strata_io *io, strata_ssh_message_fn message, void *user,
                                     strata_ssh_forward **out)
{
    strata_ssh_forward *f = calloc(1, sizeof *f);
    *out = f;
    if (!f)
        return STRATA_E_NOMEM;
    f->io = io;
    f->message = message;
    f->message_user = user;
    return STRATA_OK;
}

static struct fwd_spec *next_spec(strata_ssh_forward *f, int remote)
{
    size_t *n = remote ? &f->n_remote : &f->n_local;
    return *n < STRATA_SSH_FORWARD_MAX ? (remote ? &f->remote[*n] : &f->local[*n]) : NULL;
}

strata_status strata_ssh_forward_add(strata_ssh_forward *f, int remote, const char *bind,
                                     uint16_t port, const char *host, uint16_t host_port)
{
    struct fwd_spec *s = next_spec(f, remote);
    if (!s)
        return STRATA_E_LIMIT;
    if (!host || !*host || !host_port)
        return STRATA_E_USAGE;
    memset(s, 0, sizeof *s);
    s->port = port;
    s->host_port = host_port;
    if (!(s->host = strdup(host)) || (bind && !(s->bind = strdup(bind)))) {
        spec_free(s);
        return STRATA_E_NOMEM;
    }
    *(remote ? &f->n_remote : &f->n_local) += 1;
    return STRATA_OK;
}

strata_status strata_ssh_forward_parse(strata_ssh_forward *f, int remote, const char *spec)
{
    struct fwd_spec *s = next_spec(f, remote);
    if (!s)
        return STRATA_E_LIMIT;
    if (parse_spec(spec, s) != 0)
        return STRATA_E_USAGE;
    *(remote ? &f->n_remote : &f->n_local) += 1;
    return STRATA_OK;
}

size_t strata_ssh_forward_count(const strata_ssh_forward *f, int remote)
{
    return remote ? f->n_remote : f->n_local;
}

void strata_ssh_forward_attach(strata_ssh_forward *f, strata_ssh_layer_config *cfg)
{
    cfg->client.conn.open_request = fwd_open_request;
    cfg->client.conn.global_reply = fwd_global_reply;
    cfg->client.conn.user = f;
    if (f->agent)
        cfg->forward_agent = 1;
}

void strata_ssh_forward_exit_on_failure(strata_ssh_forward *f, int on)
{
    f->exit_on_failure = on != 0;
}

int strata_ssh_forward_failed(const strata_ssh_forward *f)
{
    return f->failed;
}

strata_status strata_ssh_forward_add_dynamic(strata_ssh_forward *f, const char *bind, uint16_t port)
{
    if (f->n_dynamic == STRATA_SSH_FORWARD_MAX)
        return STRATA_E_LIMIT;
    struct fwd_spec *s = &f->dynamic[f->n_dynamic];
    memset(s, 0, sizeof *s);
    s->port = port;
    if (bind && !(s->bind = strdup(bind)))
        return STRATA_E_NOMEM;
    f->n_dynamic++;
    return STRATA_OK;
}

strata_status strata_ssh_forward_parse_dynamic(strata_ssh_forward *f, const char *spec)
{
    /* "[bind:]port"; an IPv6 bind address in brackets; "*" or "" binds every
     * address, as OpenSSH's -D does. */
    const char *colon = strrchr(spec, ':'), *ps = colon ? colon + 1 : spec;
    char *end;
    long port = strtol(ps, &end, 10);
    if (!*ps || *end || port < 0 || port > 65535)
        return STRATA_E_USAGE;
    if (!colon)
        return strata_ssh_forward_add_dynamic(f, NULL, (uint16_t)port);
    char bind[300];
    size_t bl = (size_t)(colon - spec);
    if (bl >= sizeof bind)
        return STRATA_E_USAGE;
    memcpy(bind, spec, bl);
    bind[bl] = 0;
    char *b = bind;
    if (bl >= 2 && b[0] == '[' && b[bl - 1] == ']') {
        b[bl - 1] = 0;
        b++;
    } else if (strchr(b, ':')) {
        return STRATA_E_USAGE; /* an IPv6 address needs its brackets */
    }
    if (!*b || strcmp(b, "*") == 0)
        b = "0.0.0.0";
    return strata_ssh_forward_add_dynamic(f, b, (uint16_t)port);
}

size_t strata_ssh_forward_count_dynamic(const strata_ssh_forward *f)
{
    return f->n_dynamic;
}

strata_status strata_ssh_forward_agent(strata_ssh_forward *f, const char *sock_path)
{
    free(f->agent_sock);
    f->agent_sock = NULL;
    if (sock_path && !(f->agent_sock = strdup(sock_path)))
        return STRATA_E_NOMEM;
    f->agent = 1;
    return STRATA_OK;
}
