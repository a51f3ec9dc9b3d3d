/* ssh/channel: the channel table, opening and closing (RFC 4254 §5.1, §5.3).
 *
 * Our channel id is the slot index in a bounded table. A channel goes
 * OPENING (we sent CHANNEL_OPEN) or INCOMING (the server opened it and we
 * have not answered) -> OPEN -> DONE (both CLOSEs passed, or the open was
 * refused). The slot is freed only when the application releases the
 * channel, so buffered data can be read after the close.
 */
#include <stdlib.h>
#include <string.h>

#include "base/error_internal.h"
#include "ssh/conn_internal.h"

static const char *const failure_names[] = {"", "administratively prohibited", "connect failed",
                                            "unknown channel type", "resource shortage"};

const char *strata_ssh_open_failure_name(uint32_t reason)
{
    return reason >= 1 && reason <= 4 ? failure_names[reason] : "unknown reason";
}

strata_status strata__ssh_ch_new(struct strata_ssh_conn *c, struct strata_ssh_channel **out)
{
    *out = NULL;
    if (c->err.status != STRATA_OK)
        return c->err.status;
    size_t slot;
    for (slot = 0; slot < c->max_channels && c->table[slot]; slot++)
        ;
    if (slot == c->max_channels)
        return STRATA_E_LIMIT;
    struct strata_ssh_channel *ch = calloc(1, sizeof *ch);
    if (!ch)
        return STRATA_E_NOMEM;
    ch->conn = c;
    ch->local_id = (uint32_t)slot;
    ch->target = c->window;
    ch->local_window = c->window;
    strata_buf_init(&ch->rx[0], c->window_max);
    strata_buf_init(&ch->rx[1], c->window_max);
    c->table[slot] = ch;
    c->n_channels++;
    *out = ch;
    return STRATA_OK;
}

void strata__ssh_ch_free(struct strata_ssh_channel *ch)
{
    struct strata_ssh_conn *c = ch->conn;
    c->table[ch->local_id] = NULL;
    c->n_channels--;
    strata_buf_free(&ch->rx[0]);
    strata_buf_free(&ch->rx[1]);
    free(ch->exit_signal);
    free(ch->exit_message);
    free(ch);
}

void strata__ssh_conn_sweep(struct strata_ssh_conn *c)
{
    for (size_t i = 0; i < c->max_channels; i++)
        if (c->table[i] && c->table[i]->released == 1)
            strata__ssh_ch_free(c->table[i]);
}

void strata__ssh_ch_event(struct strata_ssh_channel *ch, enum strata_ssh_channel_event ev,
                          const char *request)
{
    if (ch->handler && !ch->released)
        ch->handler(ch->user, ch, ev, request);
}

/* The channel a message names by our id: unknown ids, and messages for a
 * channel in the wrong phase, are protocol errors. */
struct strata_ssh_channel *strata__ssh_conn_channel(struct strata_ssh_conn *c, strata_buf *m,
                                                    uint8_t type)
{
    uint32_t id;
    if (strata_buf_get_u32(m, &id) != STRATA_OK) {
        strata__ssh_conn_fail(c, STRATA_E_FORMAT, "message %u without a channel id", type);
        return NULL;
    }
    struct strata_ssh_channel *ch = id < c->max_channels ? c->table[id] : NULL;
    int ok = ch && ch->phase != CH_DONE;
    if (ok && type != SSH_MSG_CHANNEL_OPEN_CONFIRMATION && type != SSH_MSG_CHANNEL_OPEN_FAILURE)
        ok = ch->phase == CH_OPEN;
    else if (ok)
        ok = ch->phase == CH_OPENING;
    if (!ok) {
        strata__ssh_conn_fail(c, STRATA_E_PROTOCOL, "message %u for channel %u, which is %s", type,
                              id, ch ? "not in a state to take it" : "not open");
        return NULL;
    }
    return ch;
}

static strata_status open_msg(struct strata_ssh_channel *ch, const char *type)
{
    struct strata_ssh_conn *c = ch->conn;
    strata_status r;
    if ((r = strata__ssh_conn_msg_start(c, SSH_MSG_CHANNEL_OPEN)) != STRATA_OK ||
        (r = strata_buf_put_cstring(&c->msg, type)) != STRATA_OK ||
        (r = strata_buf_put_u32(&c->msg, ch->local_id)) != STRATA_OK ||
        (r = strata_buf_put_u32(&c->msg, ch->local_window)) != STRATA_OK ||
        (r = strata_buf_put_u32(&c->msg, c->max_packet)) != STRATA_OK)
        return strata__ssh_conn_fail(c, r, "cannot build CHANNEL_OPEN");
    return STRATA_OK;
}

static strata_status open_new(strata_ssh_conn *c, const char *type, strata_ssh_channel_fn handler,
                              void *user, strata_ssh_channel **out)
{
    strata_status r = strata__ssh_ch_new(c, out);
    if (r != STRATA_OK)
        return r;
    (*out)->handler = handler;
    (*out)->user = user;
    (*out)->phase = CH_OPENING;
    if ((r = open_msg(*out, type)) != STRATA_OK) {
        strata__ssh_ch_free(*out);
        *out = NULL;
    }
    return r;
}

strata_status strata_ssh_channel_open_session(strata_ssh_conn *c, strata_ssh_channel_fn handler,
                                              void *user, strata_ssh_channel **out)
{
    strata_status r = open_new(c, "session", handler, user, out);
    if (r == STRATA_OK && (r = strata__ssh_conn_send_msg(c)) != STRATA_OK) {
        strata__ssh_ch_free(*out);
        *out = NULL;
    }
    return r;
}

strata_status strata_ssh_channel_open_direct_tcpip(strata_ssh_conn *c, const char *host,
                                                   uint32_t port, const char *orig_host,
                                                   uint32_t orig_port,
                                                   strata_ssh_channel_fn handler, void *user,
                                                   strata_ssh_channel **out)
{
    *out = NULL;
    if (!host || port > 65535 || orig_port > 65535)
        return STRATA_E_USAGE;
    strata_status r = open_new(c, "direct-tcpip", handler, user, out);
    /* RFC 4254 §7.2: host to connect, port, originator address, port. */
    if (r == STRATA_OK &&
        ((r = strata_buf_put_cstring(&c->msg, host)) != STRATA_OK ||
         (r = strata_buf_put_u32(&c->msg, port)) != STRATA_OK ||
         (r = strata_buf_put_cstring(&c->msg, orig_host ? orig_host : "127.0.0.1")) != STRATA_OK ||
         (r = strata_buf_put_u32(&c->msg, orig_port)) != STRATA_OK ||
         (r = strata__ssh_conn_send_msg(c)) != STRATA_OK)) {
        strata__ssh_ch_free(*out);
        *out = NULL;
    }
    return r;
}

void strata_ssh_channel_set_handler(strata_ssh_channel *ch, strata_ssh_channel_fn handler,
                                    void *user)
{
    ch->handler = handler;
    ch->user = user;
}

static strata_status send_open_failure(struct strata_ssh_conn *c, uint32_t remote, uint32_t reason,
                                       const char *text)
{
    strata_status r;
    if ((r = strata__ssh_conn_msg_start(c, SSH_MSG_CHANNEL_OPEN_FAILURE)) != STRATA_OK ||
        (r = strata_buf_put_u32(&c->msg, remote)) != STRATA_OK ||
        (r = strata_buf_put_u32(&c->msg, reason)) != STRATA_OK ||
        (r = strata_buf_put_cstring(&c->msg, text)) != STRATA_OK ||
        (r = strata_buf_put_cstring(&c->msg, "")) != STRATA_OK)
        return strata__ssh_conn_fail(c, r, "cannot build CHANNEL_OPEN_FAILURE");
    return strata__ssh_conn_send_msg(c);
}

strata_status strata_ssh_channel_accept(strata_ssh_channel *ch)
{
    struct strata_ssh_conn *c = ch->conn;
    if (ch->phase != CH_INCOMING)
        return STRATA_E_STATE;
    strata_status r;
    if ((r = strata__ssh_conn_msg_start(c, SSH_MSG_CHANNEL_OPEN_CONFIRMATION)) != STRATA_OK ||
        (r = strata_buf_put_u32(&c->msg, ch->remote_id)) != STRATA_OK ||
        (r = strata_buf_put_u32(&c->msg, ch->local_id)) != STRATA_OK ||
        (r = strata_buf_put_u32(&c->msg, ch->local_window)) != STRATA_OK ||
        (r = strata_buf_put_u32(&c->msg, c->max_packet)) != STRATA_OK)
        return strata__ssh_conn_fail(c, r, "cannot build CHANNEL_OPEN_CONFIRMATION");
    if ((r = strata__ssh_conn_send_msg(c)) != STRATA_OK)
        return r;
    ch->phase = CH_OPEN;
    ch->state |= STRATA_SSH_CHS_OPEN;
    return STRATA_OK;
}

strata_status strata_ssh_channel_reject(strata_ssh_channel *ch, uint32_t reason, const char *text)
{
    if (ch->phase != CH_INCOMING)
        return STRATA_E_STATE;
    ch->phase = CH_DONE;
    ch->state |= STRATA_SSH_CHS_FAILED;
    return send_open_failure(ch->conn, ch->remote_id, reason, text ? text : "");
}

/* RFC 4254 §5.1: the server opens a channel: forwarded-tcpip (§7.2), or
 * auth-agent@openssh.com (OpenSSH's PROTOCOL §4.1, no type-specific data),
 * which is accepted only after we asked for agent forwarding: a server that
 * opens one unasked is refused, so no server reaches the agent on its own. */
strata_status strata__ssh_h_open(struct strata_ssh_conn *c, strata_buf *m)
{
    const uint8_t *type;
    size_t type_len;
    uint32_t sender, window, max_packet;
    if (strata_buf_get_string(m, &type, &type_len) != STRATA_OK ||
        strata_buf_get_u32(m, &sender) != STRATA_OK ||
        strata_buf_get_u32(m, &window) != STRATA_OK ||
        strata_buf_get_u32(m, &max_packet) != STRATA_OK)
        return strata__ssh_conn_fail(c, STRATA_E_FORMAT, "malformed CHANNEL_OPEN");
    static const char fwd[] = "forwarded-tcpip", agent[] = STRATA_SSH_AGENT_CHANNEL;
    int is_fwd = type_len == sizeof fwd - 1 && memcmp(type, fwd, type_len) == 0;
    int is_agent = type_len == sizeof agent - 1 && memcmp(type, agent, type_len) == 0;
    if (!(is_fwd || is_agent) || !c->open_request)
        return send_open_failure(c, sender, STRATA_SSH_OPEN_UNKNOWN_CHANNEL_TYPE,
                                 "unsupported channel type");
    char *addr = NULL, *orig = NULL;
    uint32_t port = 0, orig_port = 0;
    strata_status r = STRATA_OK;
    if (is_agent) {
        if (strata_buf_get_end(m) != STRATA_OK) {
            r = strata__ssh_conn_fail(c, STRATA_E_FORMAT, "malformed %s CHANNEL_OPEN", agent);
            goto out;
        }
        if (!c->agent_requested) {
            r = send_open_failure(c, sender, STRATA_SSH_OPEN_ADMINISTRATIVELY_PROHIBITED,
                                  "agent forwarding was not requested");
            goto out;
        }
    } else if (strata_buf_get_cstring(m, &addr) != STRATA_OK ||
               strata_buf_get_u32(m, &port) != STRATA_OK ||
               strata_buf_get_cstring(m, &orig) != STRATA_OK ||
               strata_buf_get_u32(m, &orig_port) != STRATA_OK ||
               strata_buf_get_end(m) != STRATA_OK) {
        r = strata__ssh_conn_fail(c, STRATA_E_FORMAT, "malformed forwarded-tcpip CHANNEL_OPEN");
        goto out;
    }
    struct strata_ssh_channel *ch;
    if (max_packet < 64) {
        r = send_open_failure(c, sender, STRATA_SSH_OPEN_RESOURCE_SHORTAGE,
                              "maximum packet size too small");
        goto out;
    }
    if ((r = strata__ssh_ch_new(c, &ch)) != STRATA_OK) {
        r = r == STRATA_E_LIMIT ? send_open_failure(c, sender, STRATA_SSH_OPEN_RESOURCE_SHORTAGE,
                                                    "too many channels")
                                : r;
        goto out;
    }
    ch->phase = CH_INCOMING;
    ch->remote_id = sender;
    ch->remote_window = window;
    ch->remote_max_packet = max_packet;
    strata_ssh_open_info info = {.type = is_agent ? agent : fwd,
                                 .connected_address = addr,
                                 .connected_port = port,
                                 .originator_address = orig,
                                 .originator_port = orig_port};
    strata_status v = c->open_request(c->user, ch, &info);
    if (v == STRATA_OK)
        r = strata_ssh_channel_accept(ch);
    else if (v != STRATA_PENDING) {
        r = strata_ssh_channel_reject(ch, STRATA_SSH_OPEN_CONNECT_FAILED, "connect failed");
        ch->released = 1; /* never handed out: freed after dispatch */
    }
out:
    free(addr);
    free(orig);
    return r;
}

strata_status strata__ssh_h_open_confirmation(struct strata_ssh_conn *c, strata_buf *m)
{
    struct strata_ssh_channel *ch =
        strata__ssh_conn_channel(c, m, SSH_MSG_CHANNEL_OPEN_CONFIRMATION);
    uint32_t sender, window, max_packet;
    if (!ch)
        return c->err.status;
    /* Type-specific data may follow (none for session / direct-tcpip). */
    if (strata_buf_get_u32(m, &sender) != STRATA_OK ||
        strata_buf_get_u32(m, &window) != STRATA_OK ||
        strata_buf_get_u32(m, &max_packet) != STRATA_OK)
        return strata__ssh_conn_fail(c, STRATA_E_FORMAT, "malformed CHANNEL_OPEN_CONFIRMATION");
    if (max_packet < 64)
        return strata__ssh_conn_fail(c, STRATA_E_PROTOCOL,
                                     "channel %u: maximum packet size %u is too small",
                                     ch->local_id, max_packet);
    ch->remote_id = sender;
    ch->remote_window = window;
    ch->remote_max_packet = max_packet;
    ch->phase = CH_OPEN;
    ch->state |= STRATA_SSH_CHS_OPEN;
    if (ch->released == 2) /* released while opening: close it now */
        return strata_ssh_channel_close(ch);
    strata__ssh_ch_event(ch, STRATA_SSH_CH_OPENED, NULL);
    return STRATA_OK;
}

strata_status strata__ssh_h_open_failure(struct strata_ssh_conn *c, strata_buf *m)
{
    struct strata_ssh_channel *ch = strata__ssh_conn_channel(c, m, SSH_MSG_CHANNEL_OPEN_FAILURE);
    uint32_t reason;
    const uint8_t *text;
    size_t text_len;
    if (!ch)
        return c->err.status;
    if (strata_buf_get_u32(m, &reason) != STRATA_OK ||
        strata_buf_get_string(m, &text, &text_len) != STRATA_OK)
        return strata__ssh_conn_fail(c, STRATA_E_FORMAT, "malformed CHANNEL_OPEN_FAILURE");
    char clean[256];
    size_t k = 0;
    for (size_t i = 0; i < text_len && k + 1 < sizeof clean; i++)
        clean[k++] = text[i] >= 0x20 && text[i] < 0x7f ? (char)text[i] : '?';
    clean[k] = 0;
    strata__error_set(&ch->err, STRATA_E_PROTOCOL, "channel open failed: %s%s%s",
                      strata_ssh_open_failure_name(reason), k ? ": " : "", clean);
    ch->phase = CH_DONE;
    ch->state |= STRATA_SSH_CHS_FAILED;
    ch->open_failure = reason;
    if (ch->released == 2)
        ch->released = 1;
    strata__ssh_ch_event(ch, STRATA_SSH_CH_OPEN_FAILED, NULL);
    return STRATA_OK;
}

static strata_status send_simple(struct strata_ssh_channel *ch, uint8_t type)
{
    struct strata_ssh_conn *c = ch->conn;
    strata_status r;
    if ((r = strata__ssh_conn_msg_start(c, type)) != STRATA_OK ||
        (r = strata_buf_put_u32(&c->msg, ch->remote_id)) != STRATA_OK)
        return strata__ssh_conn_fail(c, r, "cannot build message %u", type);
    return strata__ssh_conn_send_msg(c);
}

static void maybe_done(struct strata_ssh_channel *ch)
{
    unsigned both = STRATA_SSH_CHS_CLOSE_SENT | STRATA_SSH_CHS_CLOSE_RCVD;
    if ((ch->state & both) == both && ch->phase != CH_DONE) {
        ch->phase = CH_DONE;
        if (ch->released == 2)
            ch->released = 1;
        strata__ssh_ch_event(ch, STRATA_SSH_CH_CLOSED, NULL);
    }
}

strata_status strata_ssh_channel_send_eof(strata_ssh_channel *ch)
{
    if (ch->phase != CH_OPEN || (ch->state & STRATA_SSH_CHS_CLOSE_SENT))
        return STRATA_E_STATE;
    if (ch->state & STRATA_SSH_CHS_EOF_SENT)
        return STRATA_OK;
    ch->state |= STRATA_SSH_CHS_EOF_SENT;
    return send_simple(ch, SSH_MSG_CHANNEL_EOF);
}

strata_status strata_ssh_channel_close(strata_ssh_channel *ch)
{
    if (ch->phase != CH_OPEN)
        return ch->phase == CH_DONE ? STRATA_OK : STRATA_E_STATE;
    if (ch->state & STRATA_SSH_CHS_CLOSE_SENT)
        return STRATA_OK;
    ch->state |= STRATA_SSH_CHS_CLOSE_SENT;
    strata_status r = send_simple(ch, SSH_MSG_CHANNEL_CLOSE);
    maybe_done(ch);
    return r;
}

void strata_ssh_channel_release(strata_ssh_channel *ch)
{
    if (!ch)
        return;
    struct strata_ssh_conn *c = ch->conn;
    /* A send failure is recorded on the conn (sticky); nothing else to do. */
    strata_status r = STRATA_OK;
    if (ch->phase == CH_OPEN && c->err.status == STRATA_OK)
        r = strata_ssh_channel_close(ch);
    if (ch->phase == CH_INCOMING && c->err.status == STRATA_OK)
        r = strata_ssh_channel_reject(ch, STRATA_SSH_OPEN_CONNECT_FAILED, "connect failed");
    (void)r;
    /* A channel still open or opening keeps its slot until the peer's
     * CLOSE / answer arrives, so its id is not reused too early. */
    ch->handler = NULL;
    if (ch->phase == CH_DONE || c->err.status != STRATA_OK) {
        if (c->depth)
            ch->released = 1;
        else
            strata__ssh_ch_free(ch);
    } else {
        ch->released = 2; /* freed when it is done */
    }
}

strata_status strata__ssh_h_eof(struct strata_ssh_conn *c, strata_buf *m)
{
    struct strata_ssh_channel *ch = strata__ssh_conn_channel(c, m, SSH_MSG_CHANNEL_EOF);
    if (!ch)
        return c->err.status;
    if (strata_buf_get_end(m) != STRATA_OK)
        return strata__ssh_conn_fail(c, STRATA_E_TRAILING, "malformed CHANNEL_EOF");
    ch->state |= STRATA_SSH_CHS_EOF_RCVD;
    strata__ssh_ch_event(ch, STRATA_SSH_CH_EOF, NULL);
    return STRATA_OK;
}

/* RFC 4254 §5.3: a CLOSE is answered with our CLOSE unless we sent one. */
strata_status strata__ssh_h_close(struct strata_ssh_conn *c, strata_buf *m)
{
    struct strata_ssh_channel *ch = strata__ssh_conn_channel(c, m, SSH_MSG_CHANNEL_CLOSE);
    if (!ch)
        return c->err.status;
    if (strata_buf_get_end(m) != STRATA_OK)
        return strata__ssh_conn_fail(c, STRATA_E_TRAILING, "malformed CHANNEL_CLOSE");
    ch->state |= STRATA_SSH_CHS_CLOSE_RCVD;
    strata_status r = STRATA_OK;
    if (!(ch->state & STRATA_SSH_CHS_CLOSE_SENT)) {
        ch->state |= STRATA_SSH_CHS_CLOSE_SENT;
        r = send_simple(ch, SSH_MSG_CHANNEL_CLOSE);
    }
    maybe_done(ch);
    return r;
}

unsigned strata_ssh_channel_state(const strata_ssh_channel *ch)
{
    return ch->state;
}

const strata_error *strata_ssh_channel_error(const strata_ssh_channel *ch)
{
    return &ch->err;
}

void *strata_ssh_channel_user(const strata_ssh_channel *ch)
{
    return ch->user;
}

uint32_t strata_ssh_channel_peer_max_packet(const strata_ssh_channel *ch)
{
    return ch->remote_max_packet;
}

uint32_t strata_ssh_channel_id(const strata_ssh_channel *ch)
{
    return ch->local_id;
}

uint32_t strata_ssh_channel_open_failure(const strata_ssh_channel *ch)
{
    return ch->open_failure;
}
