/* SSH port forwarding on the io driver (see strata/ssh_forward.h).
 *
 * A forwarded connection is an io connection (the local TCP socket, an
 * empty stack) whose app endpoint is an SSH channel of the main connection:
 * bytes the socket delivers are written into the channel, the channel's
 * data goes out through the socket, EOF maps to channel EOF both ways.
 * Channel events kick the local connection; channel writes and window
 * adjustments kick the main connection, whose stack carries the SSH
 * transport's output. The io driver guards both against re-entry.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "strata/log.h"
#include "strata/ssh_forward.h"

struct fwd_spec {
    char *bind; /* listen address (NULL: 127.0.0.1 for -L, "localhost" for -R) */
    uint16_t port;
    char *host; /* where to connect */
    uint16_t host_port;
};

struct ssh_fwd_ep;

struct fwd_lctx { /* one -L listener's context */
    strata_ssh_forward *f;
    const struct fwd_spec *spec;
};

struct strata_ssh_forward {
    strata_io *io;
    strata_ssh_message_fn message;
    void *message_user;
    strata_ssh_client *client; /* set once authenticated; NULL after the end */
    strata_io_conn *main_conn; /* the SSH connection's io connection */
    struct fwd_spec local[STRATA_SSH_FORWARD_MAX], remote[STRATA_SSH_FORWARD_MAX];
    size_t n_local, n_remote;
    size_t remote_answered; /* tcpip-forward replies come in request order */
    struct fwd_lctx lctx[STRATA_SSH_FORWARD_MAX];
    strata_io_listener *listeners[STRATA_SSH_FORWARD_MAX];
    size_t n_listeners;
    struct ssh_fwd_ep *eps; /* live forwarded connections */
    int failed;             /* a forwarding could not be set up */
};

static void say(strata_ssh_forward *f, const char *fmt, ...)
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

static void on_channel(void *user, strata_ssh_channel *ch, enum strata_ssh_channel_event ev,
                       const char *req)
{
    struct ssh_fwd_ep *e = user;
    (void)req;
    if (ev == STRATA_SSH_CH_OPEN_FAILED) {
        strata_error_copy(&e->err, strata_ssh_channel_error(ch));
        if (e->conn)
            strata_io_conn_abort(e->conn, STRATA_E_PROTOCOL, strata_error_message(&e->err));
        return;
    }
    if (ev == STRATA_SSH_CH_OPENED)
        send_eof(e);
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
    if (e->ch && strata_ssh_channel_read_ack(e->ch, 0, n) == STRATA_OK)
        kick_main(e->f);
}

static strata_status ep_out(void *self, const uint8_t *p, size_t n, size_t *used)
{
    struct ssh_fwd_ep *e = self;
    *used = 0;
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

/* ---- -L ------------------------------------------------------------------------- */

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
    strata_status r = strata_ssh_channel_open_direct_tcpip(strata_ssh_client_conn(x->f->client),
                                                           x->spec->host, x->spec->host_port,
                                                           "127.0.0.1", 0, on_channel, e, &e->ch);
    if (r != STRATA_OK)
        strata_error_set(&e->err, r, "cannot open a direct-tcpip channel: %s",
                         strata_status_str(r));
    kick_main(x->f);
    r = strata_io_conn_set_app(c, app); /* c owns e from now on */
    return r != STRATA_OK ? r : e->err.status;
}

static void on_fwd_done(void *user, strata_io_conn *c, const strata_error *err)
{
    (void)user, (void)c;
    if (err->status != STRATA_OK)
        strata_log(STRATA_LOG_INFO, "ssh", "forwarded connection: %s", strata_error_message(err));
}

void strata_ssh_forward_start(strata_ssh_forward *f, strata_io_conn *main,
                              strata_ssh_client *client)
{
    f->client = client;
    f->main_conn = main;
    for (size_t i = 0; i < f->n_local; i++) {
        const struct fwd_spec *s = &f->local[i];
        f->lctx[i] = (struct fwd_lctx){f, s};
        strata_io_listener_config cfg = {on_accept, on_fwd_done, &f->lctx[i], NULL, 0};
        strata_error err = {0};
        if (strata_io_listen(f->io, s->bind ? s->bind : "127.0.0.1", s->port, &cfg,
                             &f->listeners[f->n_listeners], &err) != STRATA_OK) {
            say(f, "bind [%s]:%u: %s\r\nCould not request local forwarding.\r\n",
                s->bind ? s->bind : "127.0.0.1", s->port, strata_error_message(&err));
            f->failed = 1;
            continue;
        }
        f->n_listeners++;
    }
    for (size_t i = 0; i < f->n_remote; i++) {
        const struct fwd_spec *s = &f->remote[i];
        if (strata_ssh_conn_tcpip_forward(strata_ssh_client_conn(client),
                                          s->bind ? s->bind : "localhost", s->port) != STRATA_OK)
            f->failed = 1;
    }
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
        f->failed = 1;
    } else if (s->port == 0 && port) {
        say(f, "Allocated port %u for remote forward to %s:%u\r\n", port, s->host, s->host_port);
        s->port = (uint16_t)port;
    }
}

static strata_status fwd_open_request(void *user, strata_ssh_channel *ch,
                                      const strata_ssh_open_info *info)
{
    strata_ssh_forward *f = user;
    const struct fwd_spec *s = NULL;
    for (size_t i = 0; i < f->n_remote && !s; i++)
        if (f->remote[i].port == info->connected_port)
            s = &f->remote[i];
    if (!s)
        return STRATA_E_USAGE;
    struct ssh_fwd_ep *e = ep_new(f);
    if (!e)
        return STRATA_E_NOMEM;
    e->ch = ch;
    e->incoming = 1;
    strata_ssh_channel_set_handler(ch, on_channel, e);
    strata_io_app app = {&ep_ops, e};
    strata_io_conn_config cfg = {NULL, 0, on_fwd_done, NULL};
    strata_io_conn *c;
    /* The connection owns e from here on, also when the call fails (then
     * ep_close releases, which refuses, the channel). */
    if (strata_io_connect(f->io, s->host, s->host_port, app, &cfg, &c) != STRATA_OK)
        return STRATA_PENDING;
    e->conn = c;
    return STRATA_PENDING; /* accepted in ep_start, once connected */
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
    for (size_t i = 0; i < f->n_listeners; i++)
        strata_io_listener_close(f->listeners[i]);
    f->n_listeners = 0;
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
}

int strata_ssh_forward_failed(const strata_ssh_forward *f)
{
    return f->failed;
}
