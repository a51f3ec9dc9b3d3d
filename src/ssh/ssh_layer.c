/* ssh/ssh_layer: an SSH client connection as a layer of the onion; the
 * plaintext face is one channel (session or direct-tcpip).
 *
 * Implementation note. The layer is driven only through the layer contract
 * (recv / send_buf / send / recv_buf ...); the client inside reacts through
 * callbacks: ready -> open the channel; OPENED -> session requests (env,
 * pty-req, then exec / shell / subsystem); the reply to that last request
 * (or OPENED, for direct-tcpip) -> UP. Bytes from above that come before
 * UP are held (up to EARLY_MAX, then used = 0) and written first once the
 * channel is up; a shutdown from above is sent as channel EOF only after
 * them. When the channel is closed both ways the layer
 * sends DISCONNECT and, once that is drained, its write side is closed.
 *
 * The end of the stream beneath: after the server's CHANNEL_CLOSE it is the
 * normal end (tinysshd closes the connection right after exit-status and
 * CHANNEL_CLOSE, without waiting for ours): the channel's data still goes
 * up, then the layer closes without a word (nobody is left to hear a
 * DISCONNECT). Before CHANNEL_CLOSE it is a cut, and the layer fails; the
 * stack still hands up the data that came before it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/error_internal.h"
#include "strata/ssh_layer.h"

#define OUT_HIGH_WATER (4u * 1024u * 1024u) /* transport output we queue at most */
#define EARLY_MAX (256u * 1024u)            /* bytes from above held until the channel is up */
#define SEND_STEP                                                                                  \
    (64u * 1024u) /* bytes written at a time, so a rekey that starts mid-write stops it */

struct sl {
    strata_error err; /* the layer's own failures (channel refused ...) */
    strata_ssh_client *client;
    strata_ssh_channel *ch;
    char *direct_host;
    uint16_t direct_port;
    char *command, *subsystem, *term;
    int want_pty, no_channel, forward_agent;
    uint32_t cols, rows;
    uint8_t *modes;
    size_t modes_len;
    char **env;
    size_t n_env;
    const char *main_req; /* "exec" / "shell" / "subsystem" */
    strata_buf early;     /* bytes from above that came before the channel was up */
    int up, eof_wanted, peer_eof, closed, disconnected, exit_told;
    int wire_ended; /* the stream beneath ended after CHANNEL_CLOSE */
    void (*on_stderr)(void *user, const uint8_t *p, size_t n);
    void (*on_exit)(void *user, int have_status, uint32_t status, const char *signal,
                    const char *message);
    void (*on_ready)(void *user, strata_ssh_client *c);
    void *user;
    void (*on_free)(void *free_user);
    void *free_user;
    /* timers (seconds; see strata_ssh_layer_config) and their clock */
    uint32_t connect_timeout, alive_interval, alive_count_max;
    uint64_t t0_ms, alive_next_ms; /* first tick; next keepalive (0: not yet) */
    int t0_set;
    char *host; /* the server's name, for messages */
};

/* Writes what came from above before the channel was up, as the peer's
 * window allows. */
static void flush_early(struct sl *l)
{
    size_t n = strata_buf_len(&l->early), used = 0;
    if (!n || !l->up || !l->ch)
        return;
    strata_status r = strata_ssh_channel_write(l->ch, 0, strata_buf_ptr(&l->early), n, &used);
    if (r != STRATA_OK && r != STRATA_E_STATE && l->err.status == STRATA_OK) {
        /* Never a silent stall: the bytes cannot go, so the layer fails. */
        const strata_error *ce = strata_ssh_conn_error(strata_ssh_client_conn(l->client));
        if (ce->status != STRATA_OK)
            strata_error_copy(&l->err, ce);
        else
            strata__error_set(&l->err, r, "cannot send channel data: %s", strata_status_str(r));
        return;
    }
    if (used && strata_buf_consume(&l->early, used) == STRATA_OK && strata_buf_len(&l->early) == 0)
        strata_buf_reset(&l->early);
}

/* EOF goes out only after every byte from above, early ones included. */
static void send_eof_if_wanted(struct sl *l)
{
    flush_early(l);
    if (l->eof_wanted && l->up && l->ch && strata_buf_len(&l->early) == 0 &&
        !(strata_ssh_channel_state(l->ch) &
          (STRATA_SSH_CHS_EOF_SENT | STRATA_SSH_CHS_CLOSE_SENT))) {
        strata_status r = strata_ssh_channel_send_eof(l->ch);
        (void)r; /* a send failure is the conn's sticky error */
    }
}

static strata_status session_requests(struct sl *l)
{
    strata_status r = STRATA_OK;
    for (size_t i = 0; r == STRATA_OK && i < l->n_env; i++) {
        char *eq = strchr(l->env[i], '=');
        *eq = 0;
        r = strata_ssh_channel_env(l->ch, l->env[i], eq + 1);
        *eq = '=';
    }
    if (r == STRATA_OK && l->forward_agent)
        r = strata_ssh_channel_agent_forward(l->ch);
    if (r == STRATA_OK && l->want_pty)
        r = strata_ssh_channel_pty(l->ch, l->term, l->cols, l->rows, 0, 0, l->modes, l->modes_len);
    if (r != STRATA_OK)
        return r;
    if (l->subsystem) {
        l->main_req = "subsystem";
        return strata_ssh_channel_subsystem(l->ch, l->subsystem);
    }
    if (l->command) {
        l->main_req = "exec";
        return strata_ssh_channel_exec(l->ch, l->command);
    }
    l->main_req = "shell";
    return strata_ssh_channel_shell(l->ch);
}

static void on_channel(void *user, strata_ssh_channel *ch, enum strata_ssh_channel_event ev,
                       const char *req)
{
    struct sl *l = user;
    switch (ev) {
    case STRATA_SSH_CH_OPENED:
        if (l->direct_host) {
            l->up = 1;
            send_eof_if_wanted(l);
        } else if (session_requests(l) != STRATA_OK) {
            strata__error_set(&l->err, STRATA_E_PROTOCOL, "cannot send the session requests");
        }
        break;
    case STRATA_SSH_CH_OPEN_FAILED:
        strata_error_copy(&l->err, strata_ssh_channel_error(ch));
        break;
    case STRATA_SSH_CH_REQUEST_OK:
    case STRATA_SSH_CH_REQUEST_FAILED:
        if (l->main_req && strcmp(req, l->main_req) == 0) {
            if (ev == STRATA_SSH_CH_REQUEST_OK) {
                l->up = 1;
                send_eof_if_wanted(l);
            } else {
                strata__error_set(&l->err, STRATA_E_PROTOCOL, "the server refused the %s request",
                                  l->main_req);
            }
        } else if (ev == STRATA_SSH_CH_REQUEST_FAILED && strcmp(req, "pty-req") == 0) {
            strata__error_set(&l->err, STRATA_E_PROTOCOL, "the server refused to allocate a pty");
        }
        break;
    case STRATA_SSH_CH_DATA: {
        size_t n;
        const uint8_t *p = strata_ssh_channel_read_buf(ch, 1, &n);
        if (n) {
            if (l->on_stderr)
                l->on_stderr(l->user, p, n);
            strata_status r = strata_ssh_channel_read_ack(ch, 1, n);
            (void)r;
        }
        break;
    }
    case STRATA_SSH_CH_WRITABLE:
        send_eof_if_wanted(l); /* flushes early bytes first */
        break;
    case STRATA_SSH_CH_EOF:
        l->peer_eof = 1;
        break;
    case STRATA_SSH_CH_CLOSED:
        l->closed = 1;
        break;
    default:
        break;
    }
}

static void on_ready(void *user)
{
    struct sl *l = user;
    strata_ssh_conn *conn = strata_ssh_client_conn(l->client);
    if (l->no_channel) {
        l->up = 1;
        if (l->on_ready)
            l->on_ready(l->user, l->client);
        return;
    }
    strata_status r =
        l->direct_host ? strata_ssh_channel_open_direct_tcpip(conn, l->direct_host, l->direct_port,
                                                              NULL, 0, on_channel, l, &l->ch)
                       : strata_ssh_channel_open_session(conn, on_channel, l, &l->ch);
    if (r != STRATA_OK)
        strata__error_set(&l->err, r, "cannot open the channel: %s", strata_status_str(r));
    if (l->on_ready)
        l->on_ready(l->user, l->client);
}

/* After the channel closed: report the exit and end the connection. */
static void after_close(struct sl *l)
{
    if (!l->closed || l->disconnected)
        return;
    size_t n0, n1;
    strata_ssh_channel_read_buf(l->ch, 0, &n0);
    strata_ssh_channel_read_buf(l->ch, 1, &n1);
    if (!l->exit_told && l->on_exit) {
        uint32_t status = 0;
        int have = strata_ssh_channel_exit_status(l->ch, &status);
        const char *msg = "";
        const char *sig = strata_ssh_channel_exit_signal(l->ch, NULL, &msg);
        l->exit_told = 1;
        l->on_exit(l->user, have, status, sig, msg);
    }
    if (n0 == 0) {
        l->disconnected = 1;
        if (l->wire_ended)
            return; /* the server is gone: nothing to say to it */
        strata_status r = strata_ssh_client_disconnect(l->client);
        (void)r;
    }
}

static unsigned sl_state(const void *self)
{
    const struct sl *l = self;
    unsigned s = 0;
    if (l->err.status != STRATA_OK || strata_ssh_client_error(l->client)->status != STRATA_OK)
        return STRATA_LAYER_FAILED;
    if (l->up)
        s |= STRATA_LAYER_UP;
    size_t n0 = 0;
    if (l->ch)
        strata_ssh_channel_read_buf(l->ch, 0, &n0);
    int read_end = l->direct_host ? (l->peer_eof || l->closed) : l->closed;
    if (read_end && n0 == 0)
        s |= STRATA_LAYER_READ_CLOSED;
    if (l->disconnected)
        s |= STRATA_LAYER_WRITE_CLOSED;
    return s;
}

static strata_status status_of(struct sl *l)
{
    if (l->err.status != STRATA_OK)
        return l->err.status;
    const strata_error *e = strata_ssh_client_error(l->client);
    return e->status;
}

static strata_status sl_start(void *self)
{
    (void)self;
    return STRATA_OK; /* the identification line is queued already */
}

static strata_status sl_recv(void *self, const uint8_t *p, size_t n, size_t *used)
{
    struct sl *l = self;
    *used = 0;
    if (l->disconnected) { /* after our DISCONNECT: nothing more matters */
        *used = n;
        return STRATA_OK;
    }
    strata_status r = strata_ssh_client_input(l->client, p, n, used);
    after_close(l);
    if (r == STRATA_PENDING || r == STRATA_OK)
        return status_of(l);
    return r;
}

static const uint8_t *sl_recv_buf(void *self, size_t *n)
{
    struct sl *l = self;
    if (!l->ch) {
        *n = 0;
        return NULL;
    }
    return strata_ssh_channel_read_buf(l->ch, 0, n);
}

static void sl_recv_ack(void *self, size_t n)
{
    struct sl *l = self;
    if (l->ch && strata_ssh_channel_read_ack(l->ch, 0, n) != STRATA_OK)
        strata__error_set(&l->err, STRATA_E_INTERNAL, "channel read acknowledgement failed");
    after_close(l);
}

static strata_status sl_send(void *self, const uint8_t *p, size_t n, size_t *used)
{
    struct sl *l = self;
    *used = 0;
    strata_status st = status_of(l);
    if (st != STRATA_OK)
        return st;
    if (l->closed)
        return STRATA_OK;
    if (!l->up) { /* held until the channel is up (the session's command accepted) */
        size_t room = strata_buf_avail(&l->early);
        size_t k = n < room ? n : room;
        if (k && strata_buf_put(&l->early, p, k) == STRATA_OK)
            *used = k;
        return STRATA_OK;
    }
    flush_early(l);
    if (strata_buf_len(&l->early))
        return STRATA_OK;
    /* Back-pressure: take only what the transport sends without piling up,
     * and nothing while a key exchange holds messages back beyond its soft
     * bound; the stack offers the rest again once input made progress (the
     * server's NEWKEYS). A step at a time, so a rekey that starts within a
     * write holds back at most one step more. */
    strata_ssh_transport *t = strata_ssh_client_transport(l->client);
    strata_status r = STRATA_OK;
    while (*used < n && r == STRATA_OK) {
        const uint8_t *o;
        size_t queued, k = n - *used, u = 0;
        strata_ssh_client_output(l->client, &o, &queued);
        size_t room = queued < OUT_HIGH_WATER ? OUT_HIGH_WATER - queued : 0;
        size_t held_room = strata_ssh_transport_send_room(t);
        if (held_room < room)
            room = held_room;
        if (k > room)
            k = room;
        if (k > SEND_STEP)
            k = SEND_STEP;
        if (k == 0)
            break;
        r = strata_ssh_channel_write(l->ch, 0, p + *used, k, &u);
        *used += u;
        if (u < k)
            break; /* the peer's window is full */
    }
    return r == STRATA_E_STATE ? STRATA_OK : r;
}

static const uint8_t *sl_send_buf(void *self, size_t *n)
{
    struct sl *l = self;
    const uint8_t *p;
    if (l->wire_ended) { /* nobody reads what is still queued */
        *n = 0;
        return NULL;
    }
    strata_ssh_client_output(l->client, &p, n);
    return p;
}

static void sl_send_ack(void *self, size_t n)
{
    struct sl *l = self;
    strata_ssh_client_output_ack(l->client, n);
}

static strata_status sl_shutdown(void *self)
{
    struct sl *l = self;
    l->eof_wanted = 1;
    send_eof_if_wanted(l);
    return status_of(l);
}

static strata_status sl_eof(void *self)
{
    struct sl *l = self;
    if (l->disconnected)
        return STRATA_OK;
    if (l->closed) {
        /* The normal end: the channel closed, its data goes up first. */
        const uint8_t *p;
        size_t n;
        l->wire_ended = 1;
        strata_ssh_client_output(l->client, &p, &n);
        strata_ssh_client_output_ack(l->client, n);
        after_close(l);
        return STRATA_OK;
    }
    strata_status r = strata_ssh_client_input_eof(l->client);
    if (r == STRATA_CLOSED && !l->closed)
        strata__error_set(&l->err, STRATA_E_SSH_DISCONNECT,
                          "the server closed the connection before the channel closed");
    return r == STRATA_CLOSED ? status_of(l) : r;
}

static const strata_error *sl_error(const void *self)
{
    const struct sl *l = self;
    return l->err.status != STRATA_OK ? &l->err : strata_ssh_client_error(l->client);
}

static void sl_describe(const void *self, char *buf, size_t cap)
{
    const struct sl *l = self;
    strata_ssh_transport *t = strata_ssh_client_transport(l->client);
    const char *cipher = strata_ssh_transport_algorithm(t, "cipher", STRATA_SSH_OUT);
    if (l->direct_host)
        snprintf(buf, cap, "ssh (%s) direct-tcpip to %s:%u", cipher ? cipher : "-", l->direct_host,
                 l->direct_port);
    else
        snprintf(buf, cap, "ssh (%s) session", cipher ? cipher : "-");
}

static void sl_free(void *self)
{
    struct sl *l = self;
    if (!l)
        return;
    strata_ssh_client_free(l->client); /* frees the channel too */
    strata_buf_free(&l->early);
    free(l->direct_host);
    free(l->command);
    free(l->subsystem);
    free(l->term);
    free(l->modes);
    free(l->host);
    for (size_t i = 0; i < l->n_env; i++)
        free(l->env[i]);
    free(l->env);
    if (l->on_free)
        l->on_free(l->free_user);
    free(l);
}

/* ConnectTimeout: the server's host key must be in within connect_timeout
 * of the first tick (what follows may wait for the user at a prompt). */
static strata_status connect_deadline(struct sl *l, const strata_ssh_transport *t, uint64_t now_ms)
{
    size_t hk_len;
    if (!l->connect_timeout || !t || strata_ssh_transport_kex_count(t) > 0 ||
        strata_ssh_transport_hostkey(t, &hk_len) ||
        now_ms - l->t0_ms < (uint64_t)l->connect_timeout * 1000u)
        return STRATA_OK;
    return strata__error_set(&l->err, STRATA_E_TIMEOUT, "%s",
                             strata_ssh_transport_server_version(t)
                                 ? "Connection timed out during key exchange"
                                 : "Connection timed out during banner exchange");
}

/* ServerAliveInterval / ServerAliveCountMax, once authenticated. */
static strata_status keepalive(struct sl *l, uint64_t now_ms)
{
    strata_ssh_conn *sc = strata_ssh_client_conn(l->client);
    if (!l->alive_interval || !sc || !strata_ssh_client_is_ready(l->client))
        return STRATA_OK;
    uint64_t every = (uint64_t)l->alive_interval * 1000u;
    if (!l->alive_next_ms)
        l->alive_next_ms = now_ms + every;
    if (now_ms < l->alive_next_ms)
        return STRATA_OK;
    l->alive_next_ms = now_ms + every;
    unsigned max = l->alive_count_max ? l->alive_count_max : 3;
    if (strata_ssh_conn_keepalives_unanswered(sc) >= max)
        return strata__error_set(&l->err, STRATA_E_TIMEOUT, "Timeout, server %s not responding.",
                                 l->host ? l->host : "(unknown)");
    strata_status r = strata_ssh_conn_keepalive(sc);
    return strata_status_is_error(r) ? r : STRATA_OK;
}

/* The layer's clock: RekeyLimit's time (the transport takes seconds),
 * ConnectTimeout and keepalives. A transport failure is its sticky error,
 * seen through state; the layer's own go to l->err. */
static strata_status sl_tick(void *self, uint64_t now_ms)
{
    struct sl *l = self;
    strata_ssh_transport *t = strata_ssh_client_transport(l->client);
    if (!l->t0_set) {
        l->t0_set = 1;
        l->t0_ms = now_ms;
    }
    strata_status r = t ? strata_ssh_transport_tick(t, now_ms / 1000) : STRATA_OK;
    if (strata_status_is_error(r))
        return r;
    if ((r = connect_deadline(l, t, now_ms)) != STRATA_OK)
        return r;
    return keepalive(l, now_ms);
}

static const struct strata_layer_ops sl_ops = {
    .name = "ssh",
    .start = sl_start,
    .recv = sl_recv,
    .recv_buf = sl_recv_buf,
    .recv_ack = sl_recv_ack,
    .send = sl_send,
    .send_buf = sl_send_buf,
    .send_ack = sl_send_ack,
    .shutdown = sl_shutdown,
    .eof = sl_eof,
    .state = sl_state,
    .error = sl_error,
    .describe = sl_describe,
    .tick = sl_tick,
    .free = sl_free,
};

static int dup_opt(char **dst, const char *src)
{
    return !src || (*dst = strdup(src)) != NULL;
}

strata_status strata_ssh_layer_new(const strata_ssh_layer_config *cfg, strata_layer *out,
                                   strata_error *err)
{
    out->ops = NULL;
    out->self = NULL;
    struct sl *l = calloc(1, sizeof *l);
    if (!l)
        return STRATA_E_NOMEM;
    strata_buf_init(&l->early, EARLY_MAX);
    int ok = dup_opt(&l->command, cfg->command) && dup_opt(&l->subsystem, cfg->subsystem) &&
             dup_opt(&l->term, cfg->term) && dup_opt(&l->host, cfg->client.transport.host);
    if (ok && cfg->modes_len && (l->modes = malloc(cfg->modes_len)) != NULL) {
        memcpy(l->modes, cfg->modes, cfg->modes_len);
        l->modes_len = cfg->modes_len;
    } else if (cfg->modes_len) {
        ok = 0;
    }
    if (ok && cfg->n_env && !(l->env = calloc(cfg->n_env, sizeof *l->env)))
        ok = 0;
    for (size_t i = 0; ok && i < cfg->n_env; i++) {
        if (!strchr(cfg->env[i], '=')) {
            sl_free(l);
            return err ? strata__error_set(err, STRATA_E_USAGE,
                                           "environment entry \"%.64s\" has no '='", cfg->env[i])
                       : STRATA_E_USAGE;
        }
        ok = (l->env[i] = strdup(cfg->env[i])) != NULL;
        l->n_env += ok;
    }
    if (!ok) {
        sl_free(l);
        return STRATA_E_NOMEM;
    }
    l->want_pty = cfg->want_pty;
    l->no_channel = cfg->no_channel;
    l->forward_agent = cfg->forward_agent;
    l->cols = cfg->cols ? cfg->cols : 80;
    l->rows = cfg->rows ? cfg->rows : 24;
    l->on_stderr = cfg->on_stderr;
    l->on_exit = cfg->on_exit;
    l->on_ready = cfg->on_ready;
    l->user = cfg->user;
    l->connect_timeout = cfg->connect_timeout;
    l->alive_interval = cfg->alive_interval;
    l->alive_count_max = cfg->alive_count_max;
    strata_ssh_client_config cc = cfg->client;
    cc.ready = on_ready;
    cc.user = l;
    strata_status r = strata_ssh_client_new(&cc, &l->client, err);
    if (r != STRATA_OK) {
        sl_free(l);
        return r;
    }
    l->on_free = cfg->on_free; /* only from here on: a failed new leaves it to the caller */
    l->free_user = cfg->free_user;
    out->ops = &sl_ops;
    out->self = l;
    return STRATA_OK;
}

strata_status strata_ssh_layer_set_direct(void *self, const char *host, uint16_t port)
{
    struct sl *l = self;
    if (!host || !port)
        return STRATA_E_USAGE;
    if (strata_ssh_client_is_ready(l->client) || l->direct_host)
        return STRATA_E_STATE;
    if (!(l->direct_host = strdup(host)))
        return STRATA_E_NOMEM;
    l->direct_port = port;
    return STRATA_OK;
}

strata_ssh_client *strata_ssh_layer_client(void *self)
{
    return ((struct sl *)self)->client;
}

int strata_ssh_layer_is(const strata_layer *l)
{
    return l && l->ops == &sl_ops;
}

strata_ssh_channel *strata_ssh_layer_channel(void *self)
{
    struct sl *l = self;
    return l->up ? l->ch : NULL;
}

strata_status strata_ssh_layer_close(void *self, const char *signal)
{
    struct sl *l = self;
    if (!l->ch || l->closed)
        return STRATA_OK;
    strata_status r = STRATA_OK;
    if (signal && l->up)
        r = strata_ssh_channel_signal(l->ch, signal);
    if (r == STRATA_OK)
        r = strata_ssh_channel_close(l->ch);
    return r == STRATA_E_STATE ? STRATA_OK : r;
}
