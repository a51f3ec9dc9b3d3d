/* ssh/conn: the connection protocol engine - message dispatch and global
 * requests (RFC 4254 §4).
 *
 * Implementation note. Messages 80..100 are dispatched through a table; the
 * channel messages find their channel by our local id (an index into a
 * bounded table) and refuse ids we never gave out. Replies to requests come
 * back in the order the requests were sent (RFC 4254 §4 and §5.4), so the
 * names of requests awaiting a reply are kept in small rings, one global and
 * one per channel, bounded at SSH_CONN_PENDING_MAX.
 *
 * Handlers may release channels; a release during dispatch only marks the
 * channel, which is freed once the message is fully handled (sweep).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/error_internal.h"
#include "ssh/conn_internal.h"

#define DEFAULT_WINDOW (2u * 1024u * 1024u)
#define DEFAULT_WINDOW_MAX (16u * 1024u * 1024u)
#define DEFAULT_MAX_PACKET 32768u
#define DEFAULT_MAX_CHANNELS 64u

strata_status strata__ssh_conn_fail(struct strata_ssh_conn *c, strata_status st, const char *fmt,
                                    ...)
{
    va_list ap;
    va_start(ap, fmt);
    strata_error_vset(&c->err, st, fmt, ap);
    va_end(ap);
    return c->err.status;
}

strata_status strata__ssh_conn_msg_start(struct strata_ssh_conn *c, uint8_t type)
{
    strata_buf_reset(&c->msg);
    return strata_buf_put_u8(&c->msg, type);
}

strata_status strata__ssh_conn_send_msg(struct strata_ssh_conn *c)
{
    return strata__ssh_conn_send_msg_data(c, NULL, 0);
}

strata_status strata__ssh_conn_send_msg_data(struct strata_ssh_conn *c, const uint8_t *data,
                                             size_t dn)
{
    if (c->err.status != STRATA_OK)
        return c->err.status;
    strata_status r;
    if (dn && c->send_parts) {
        r = c->send_parts(c->send_ctx, strata_buf_ptr(&c->msg), strata_buf_len(&c->msg), data, dn);
    } else if (dn && (r = strata_buf_put(&c->msg, data, dn)) != STRATA_OK) {
        strata_buf_reset(&c->msg);
        return strata__ssh_conn_fail(c, r,
                                     "cannot build a connection message with %zu bytes of "
                                     "data",
                                     dn);
    } else {
        r = c->send(c->send_ctx, strata_buf_ptr(&c->msg), strata_buf_len(&c->msg));
    }
    strata_buf_reset(&c->msg);
    if (r != STRATA_OK)
        return strata__ssh_conn_fail(c, r, "cannot send a connection message: %s",
                                     strata_status_str(r));
    return STRATA_OK;
}

strata_status strata__ssh_pending_push(struct ssh_pending *p, const char *name)
{
    if (p->count == SSH_CONN_PENDING_MAX)
        return STRATA_E_LIMIT;
    unsigned i = (p->head + p->count) % SSH_CONN_PENDING_MAX;
    snprintf(p->names[i], SSH_CONN_REQNAME_MAX, "%s", name);
    p->count++;
    return STRATA_OK;
}

int strata__ssh_pending_pop(struct ssh_pending *p, char *out)
{
    if (p->count == 0)
        return -1;
    memcpy(out, p->names[p->head], SSH_CONN_REQNAME_MAX);
    p->head = (p->head + 1) % SSH_CONN_PENDING_MAX;
    p->count--;
    return 0;
}

strata_status strata_ssh_conn_new(const strata_ssh_conn_config *cfg, strata_ssh_conn **out,
                                  strata_error *err)
{
    *out = NULL;
    uint32_t window = cfg && cfg->window ? cfg->window : DEFAULT_WINDOW;
    uint32_t window_max = cfg && cfg->window_max ? cfg->window_max : DEFAULT_WINDOW_MAX;
    if (window_max < window && cfg && !cfg->window_max)
        window_max = window;
    uint32_t max_packet = cfg && cfg->max_packet ? cfg->max_packet : DEFAULT_MAX_PACKET;
    const char *why = NULL;
    if (!cfg || !cfg->send)
        why = "the connection protocol needs a send function";
    else if (window > window_max)
        why = "the initial window is larger than the maximum window";
    else if (max_packet < 1024 || max_packet > window)
        why = "the maximum packet size must be between 1024 and the window size";
    if (why)
        return err ? strata__error_set(err, STRATA_E_USAGE, "%s", why) : STRATA_E_USAGE;
    struct strata_ssh_conn *c = calloc(1, sizeof *c);
    size_t max_channels = cfg->max_channels ? cfg->max_channels : DEFAULT_MAX_CHANNELS;
    if (!c || !(c->table = calloc(max_channels, sizeof *c->table))) {
        free(c);
        return STRATA_E_NOMEM;
    }
    c->send = cfg->send;
    c->send_ctx = cfg->send_ctx;
    c->send_parts = cfg->send_parts;
    c->window = window;
    c->window_max = window_max;
    c->max_packet = max_packet;
    c->max_channels = max_channels;
    c->open_request = cfg->open_request;
    c->global_reply = cfg->global_reply;
    c->user = cfg->user;
    strata_buf_init(&c->msg, 0);
    *out = c;
    return STRATA_OK;
}

void strata_ssh_conn_free(strata_ssh_conn *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < c->max_channels; i++)
        if (c->table[i])
            strata__ssh_ch_free(c->table[i]);
    free(c->table);
    strata_buf_free(&c->msg);
    free(c);
}

const strata_error *strata_ssh_conn_error(const strata_ssh_conn *c)
{
    return &c->err;
}

size_t strata_ssh_conn_channel_count(const strata_ssh_conn *c)
{
    return c->n_channels;
}

/* RFC 4254 §4: answer what we do not know with REQUEST_FAILURE when a reply
 * is wanted - that is also the answer to keepalive@openssh.com, which only
 * checks that we are alive. */
static strata_status h_global_request(struct strata_ssh_conn *c, strata_buf *m)
{
    const uint8_t *name;
    size_t name_len;
    int want_reply;
    if (strata_buf_get_string(m, &name, &name_len) != STRATA_OK ||
        strata_buf_get_bool(m, &want_reply) != STRATA_OK)
        return strata__ssh_conn_fail(c, STRATA_E_FORMAT, "malformed GLOBAL_REQUEST");
    if (!want_reply)
        return STRATA_OK;
    strata_status r = strata__ssh_conn_msg_start(c, SSH_MSG_REQUEST_FAILURE);
    return r == STRATA_OK ? strata__ssh_conn_send_msg(c) : r;
}

static strata_status h_global_reply(struct strata_ssh_conn *c, strata_buf *m, int ok)
{
    char name[SSH_CONN_REQNAME_MAX];
    if (strata__ssh_pending_pop(&c->global, name) != 0)
        return strata__ssh_conn_fail(c, STRATA_E_PROTOCOL,
                                     "REQUEST_%s without a global request awaiting a reply",
                                     ok ? "SUCCESS" : "FAILURE");
    uint32_t port = 0;
    /* RFC 4254 §7.1: success for tcpip-forward with port 0 carries the port. */
    if (ok && strcmp(name, "tcpip-forward") == 0 && strata_buf_len(m) >= 4 &&
        strata_buf_get_u32(m, &port) != STRATA_OK)
        return strata__ssh_conn_fail(c, STRATA_E_FORMAT, "malformed REQUEST_SUCCESS");
    if (strcmp(name, "keepalive@openssh.com") == 0)
        c->keepalives = 0;
    if (c->global_reply)
        c->global_reply(c->user, name, ok, port);
    return STRATA_OK;
}

static strata_status h_request_success(struct strata_ssh_conn *c, strata_buf *m)
{
    return h_global_reply(c, m, 1);
}

static strata_status h_request_failure(struct strata_ssh_conn *c, strata_buf *m)
{
    return h_global_reply(c, m, 0);
}

typedef strata_status (*conn_handler)(struct strata_ssh_conn *c, strata_buf *m);

static const conn_handler handlers[SSH_MSG_CHANNEL_FAILURE + 1 - SSH_MSG_GLOBAL_REQUEST] = {
    [SSH_MSG_GLOBAL_REQUEST - 80] = h_global_request,
    [SSH_MSG_REQUEST_SUCCESS - 80] = h_request_success,
    [SSH_MSG_REQUEST_FAILURE - 80] = h_request_failure,
    [SSH_MSG_CHANNEL_OPEN - 80] = strata__ssh_h_open,
    [SSH_MSG_CHANNEL_OPEN_CONFIRMATION - 80] = strata__ssh_h_open_confirmation,
    [SSH_MSG_CHANNEL_OPEN_FAILURE - 80] = strata__ssh_h_open_failure,
    [SSH_MSG_CHANNEL_WINDOW_ADJUST - 80] = strata__ssh_h_window_adjust,
    [SSH_MSG_CHANNEL_DATA - 80] = strata__ssh_h_data,
    [SSH_MSG_CHANNEL_EXTENDED_DATA - 80] = strata__ssh_h_extended_data,
    [SSH_MSG_CHANNEL_EOF - 80] = strata__ssh_h_eof,
    [SSH_MSG_CHANNEL_CLOSE - 80] = strata__ssh_h_close,
    [SSH_MSG_CHANNEL_REQUEST - 80] = strata__ssh_h_channel_request,
    [SSH_MSG_CHANNEL_SUCCESS - 80] = strata__ssh_h_channel_success,
    [SSH_MSG_CHANNEL_FAILURE - 80] = strata__ssh_h_channel_failure,
};

strata_status strata_ssh_conn_packet(strata_ssh_conn *c, const uint8_t *payload, size_t n)
{
    if (c->err.status != STRATA_OK)
        return c->err.status;
    strata_buf m;
    uint8_t type;
    strata_buf_view(&m, payload, n);
    if (strata_buf_get_u8(&m, &type) != STRATA_OK)
        return strata__ssh_conn_fail(c, STRATA_E_TRUNCATED, "empty connection message");
    conn_handler h = type >= SSH_MSG_GLOBAL_REQUEST && type <= SSH_MSG_CHANNEL_FAILURE
                         ? handlers[type - SSH_MSG_GLOBAL_REQUEST]
                         : NULL;
    if (!h)
        return STRATA_E_UNSUPPORTED; /* the transport answers UNIMPLEMENTED */
    c->depth++;
    strata_status r = h(c, &m);
    c->depth--;
    if (c->depth == 0)
        strata__ssh_conn_sweep(c);
    return r;
}

static strata_status global_request(struct strata_ssh_conn *c, const char *name,
                                    const char *address, uint32_t port)
{
    strata_status r;
    if (c->err.status != STRATA_OK)
        return c->err.status;
    if (strata__ssh_pending_push(&c->global, name) != STRATA_OK)
        return STRATA_E_LIMIT;
    if ((r = strata__ssh_conn_msg_start(c, SSH_MSG_GLOBAL_REQUEST)) != STRATA_OK ||
        (r = strata_buf_put_cstring(&c->msg, name)) != STRATA_OK ||
        (r = strata_buf_put_bool(&c->msg, 1)) != STRATA_OK ||
        (address && ((r = strata_buf_put_cstring(&c->msg, address)) != STRATA_OK ||
                     (r = strata_buf_put_u32(&c->msg, port)) != STRATA_OK)))
        return strata__ssh_conn_fail(c, r, "cannot build the %s request", name);
    return strata__ssh_conn_send_msg(c);
}

strata_status strata_ssh_conn_tcpip_forward(strata_ssh_conn *c, const char *address, uint32_t port)
{
    if (!address || port > 65535)
        return STRATA_E_USAGE;
    return global_request(c, "tcpip-forward", address, port);
}

strata_status strata_ssh_conn_cancel_tcpip_forward(strata_ssh_conn *c, const char *address,
                                                   uint32_t port)
{
    if (!address || port > 65535)
        return STRATA_E_USAGE;
    return global_request(c, "cancel-tcpip-forward", address, port);
}

strata_status strata_ssh_conn_keepalive(strata_ssh_conn *c)
{
    strata_status r = global_request(c, "keepalive@openssh.com", NULL, 0);
    if (r == STRATA_OK)
        c->keepalives++;
    return r;
}

unsigned strata_ssh_conn_keepalives_unanswered(const strata_ssh_conn *c)
{
    return c->keepalives;
}
