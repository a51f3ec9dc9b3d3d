/* ssh/channel_req: channel requests both ways (RFC 4254 §5.4, §6).
 *
 * Ours: pty-req, env, shell, exec, subsystem (want a reply: their names wait
 * in the channel's ring until CHANNEL_SUCCESS / FAILURE), window-change,
 * signal and auth-agent-req@openssh.com (no reply). The server's:
 * exit-status, exit-signal (RFC 4254 §6.10), eow@openssh.com; anything else,
 * keepalive@openssh.com included, is answered CHANNEL_FAILURE when a reply is
 * wanted, which is all a keepalive needs.
 */
#include <stdlib.h>
#include <string.h>

#include "base/error_internal.h"
#include "ssh/conn_internal.h"
#include "ssh/userauth_internal.h"

/* Starts CHANNEL_REQUEST name into c->msg (the caller appends the data). */
static strata_status req_start(struct strata_ssh_channel *ch, const char *name, int want_reply)
{
    struct strata_ssh_conn *c = ch->conn;
    strata_status r;
    if (c->err.status != STRATA_OK)
        return c->err.status;
    if (ch->phase != CH_OPEN || (ch->state & STRATA_SSH_CHS_CLOSE_SENT))
        return STRATA_E_STATE;
    if (want_reply && ch->pending.count == SSH_CONN_PENDING_MAX)
        return STRATA_E_LIMIT;
    if ((r = strata__ssh_conn_msg_start(c, SSH_MSG_CHANNEL_REQUEST)) != STRATA_OK ||
        (r = strata_buf_put_u32(&c->msg, ch->remote_id)) != STRATA_OK ||
        (r = strata_buf_put_cstring(&c->msg, name)) != STRATA_OK ||
        (r = strata_buf_put_bool(&c->msg, want_reply)) != STRATA_OK)
        return strata__ssh_conn_fail(c, r, "cannot build the %s request", name);
    return STRATA_OK;
}

static strata_status req_send(struct strata_ssh_channel *ch, const char *name, int want_reply,
                              strata_status built)
{
    if (built != STRATA_OK)
        return strata__ssh_conn_fail(ch->conn, built, "cannot build the %s request", name);
    strata_status r = strata__ssh_conn_send_msg(ch->conn);
    if (r == STRATA_OK && want_reply)
        r = strata__ssh_pending_push(&ch->pending, name);
    return r;
}

strata_status strata_ssh_channel_pty(strata_ssh_channel *ch, const char *term, uint32_t cols,
                                     uint32_t rows, uint32_t width_px, uint32_t height_px,
                                     const uint8_t *modes, size_t modes_len)
{
    static const uint8_t end_only[1] = {0}; /* TTY_OP_END */
    strata_buf *b = &ch->conn->msg;
    strata_status r = req_start(ch, "pty-req", 1);
    if (r != STRATA_OK)
        return r;
    if (!modes || modes_len == 0) {
        modes = end_only;
        modes_len = 1;
    }
    if ((r = strata_buf_put_cstring(b, term ? term : "vt100")) == STRATA_OK &&
        (r = strata_buf_put_u32(b, cols)) == STRATA_OK &&
        (r = strata_buf_put_u32(b, rows)) == STRATA_OK &&
        (r = strata_buf_put_u32(b, width_px)) == STRATA_OK &&
        (r = strata_buf_put_u32(b, height_px)) == STRATA_OK)
        r = strata_buf_put_string(b, modes, modes_len);
    return req_send(ch, "pty-req", 1, r);
}

strata_status strata_ssh_channel_env(strata_ssh_channel *ch, const char *name, const char *value)
{
    if (!name || !value)
        return STRATA_E_USAGE;
    strata_status r = req_start(ch, "env", 1);
    if (r != STRATA_OK)
        return r;
    if ((r = strata_buf_put_cstring(&ch->conn->msg, name)) == STRATA_OK)
        r = strata_buf_put_cstring(&ch->conn->msg, value);
    return req_send(ch, "env", 1, r);
}

strata_status strata_ssh_channel_shell(strata_ssh_channel *ch)
{
    strata_status r = req_start(ch, "shell", 1);
    return r == STRATA_OK ? req_send(ch, "shell", 1, r) : r;
}

static strata_status one_string(strata_ssh_channel *ch, const char *name, int want_reply,
                                const char *arg)
{
    if (!arg)
        return STRATA_E_USAGE;
    strata_status r = req_start(ch, name, want_reply);
    if (r != STRATA_OK)
        return r;
    return req_send(ch, name, want_reply, strata_buf_put_cstring(&ch->conn->msg, arg));
}

strata_status strata_ssh_channel_exec(strata_ssh_channel *ch, const char *command)
{
    return one_string(ch, "exec", 1, command);
}

strata_status strata_ssh_channel_subsystem(strata_ssh_channel *ch, const char *name)
{
    return one_string(ch, "subsystem", 1, name);
}

strata_status strata_ssh_channel_agent_forward(strata_ssh_channel *ch)
{
    /* OpenSSH's PROTOCOL §4.1; OpenSSH's client asks for no reply. */
    static const char name[] = "auth-agent-req@openssh.com";
    strata_status r = req_start(ch, name, 0);
    if (r != STRATA_OK)
        return r;
    if ((r = req_send(ch, name, 0, STRATA_OK)) == STRATA_OK)
        ch->conn->agent_requested = 1;
    return r;
}

strata_status strata_ssh_channel_signal(strata_ssh_channel *ch, const char *name)
{
    return one_string(ch, "signal", 0, name);
}

strata_status strata_ssh_channel_window_change(strata_ssh_channel *ch, uint32_t cols, uint32_t rows,
                                               uint32_t width_px, uint32_t height_px)
{
    strata_buf *b = &ch->conn->msg;
    strata_status r = req_start(ch, "window-change", 0);
    if (r != STRATA_OK)
        return r;
    if ((r = strata_buf_put_u32(b, cols)) == STRATA_OK &&
        (r = strata_buf_put_u32(b, rows)) == STRATA_OK &&
        (r = strata_buf_put_u32(b, width_px)) == STRATA_OK)
        r = strata_buf_put_u32(b, height_px);
    return req_send(ch, "window-change", 0, r);
}

static strata_status channel_reply(struct strata_ssh_conn *c, strata_buf *m, uint8_t type)
{
    struct strata_ssh_channel *ch = strata__ssh_conn_channel(c, m, type);
    if (!ch)
        return c->err.status;
    if (strata_buf_get_end(m) != STRATA_OK)
        return strata__ssh_conn_fail(c, STRATA_E_TRAILING, "malformed CHANNEL_%s",
                                     type == SSH_MSG_CHANNEL_SUCCESS ? "SUCCESS" : "FAILURE");
    char name[SSH_CONN_REQNAME_MAX];
    if (strata__ssh_pending_pop(&ch->pending, name) != 0)
        return strata__ssh_conn_fail(
            c, STRATA_E_PROTOCOL, "channel %u: CHANNEL_%s without a request awaiting a reply",
            ch->local_id, type == SSH_MSG_CHANNEL_SUCCESS ? "SUCCESS" : "FAILURE");
    strata__ssh_ch_event(ch,
                         type == SSH_MSG_CHANNEL_SUCCESS ? STRATA_SSH_CH_REQUEST_OK
                                                         : STRATA_SSH_CH_REQUEST_FAILED,
                         name);
    return STRATA_OK;
}

strata_status strata__ssh_h_channel_success(struct strata_ssh_conn *c, strata_buf *m)
{
    return channel_reply(c, m, SSH_MSG_CHANNEL_SUCCESS);
}

strata_status strata__ssh_h_channel_failure(struct strata_ssh_conn *c, strata_buf *m)
{
    return channel_reply(c, m, SSH_MSG_CHANNEL_FAILURE);
}

static int name_is(const uint8_t *p, size_t n, const char *s)
{
    return n == strlen(s) && memcmp(p, s, n) == 0;
}

static strata_status exit_signal(struct strata_ssh_conn *c, struct strata_ssh_channel *ch,
                                 strata_buf *m)
{
    char *sig = NULL, *msg = NULL, *lang = NULL;
    int core;
    if (strata_buf_get_cstring(m, &sig) != STRATA_OK ||
        strata_buf_get_bool(m, &core) != STRATA_OK ||
        strata_buf_get_cstring(m, &msg) != STRATA_OK ||
        strata_buf_get_cstring(m, &lang) != STRATA_OK || strata_buf_get_end(m) != STRATA_OK ||
        strlen(sig) > 32) {
        free(sig);
        free(msg);
        free(lang);
        return strata__ssh_conn_fail(c, STRATA_E_FORMAT, "channel %u: malformed exit-signal",
                                     ch->local_id);
    }
    free(lang);
    if (strlen(msg) > SSH_CONN_TEXT_MAX)
        msg[SSH_CONN_TEXT_MAX] = 0;
    strata__ssh_auth_sanitize(sig);
    strata__ssh_auth_sanitize(msg);
    free(ch->exit_signal);
    free(ch->exit_message);
    ch->exit_signal = sig;
    ch->exit_message = msg;
    ch->core_dumped = core;
    strata__ssh_ch_event(ch, STRATA_SSH_CH_EXIT_SIGNAL, NULL);
    return STRATA_OK;
}

strata_status strata__ssh_h_channel_request(struct strata_ssh_conn *c, strata_buf *m)
{
    struct strata_ssh_channel *ch = strata__ssh_conn_channel(c, m, SSH_MSG_CHANNEL_REQUEST);
    const uint8_t *name;
    size_t name_len;
    int want_reply;
    if (!ch)
        return c->err.status;
    if (strata_buf_get_string(m, &name, &name_len) != STRATA_OK ||
        strata_buf_get_bool(m, &want_reply) != STRATA_OK)
        return strata__ssh_conn_fail(c, STRATA_E_FORMAT, "malformed CHANNEL_REQUEST");
    strata_status r = STRATA_OK;
    int handled = 0;
    if (name_is(name, name_len, "exit-status")) {
        uint32_t code;
        if (strata_buf_get_u32(m, &code) != STRATA_OK || strata_buf_get_end(m) != STRATA_OK)
            return strata__ssh_conn_fail(c, STRATA_E_FORMAT, "channel %u: malformed exit-status",
                                         ch->local_id);
        ch->have_exit_status = 1;
        ch->exit_status = code;
        strata__ssh_ch_event(ch, STRATA_SSH_CH_EXIT_STATUS, NULL);
        handled = 1;
    } else if (name_is(name, name_len, "exit-signal")) {
        r = exit_signal(c, ch, m);
        handled = 1;
    }
    if (r != STRATA_OK || !want_reply || ch->released || (ch->state & STRATA_SSH_CHS_CLOSE_SENT))
        return r;
    if ((r = strata__ssh_conn_msg_start(c, handled ? SSH_MSG_CHANNEL_SUCCESS
                                                   : SSH_MSG_CHANNEL_FAILURE)) != STRATA_OK ||
        (r = strata_buf_put_u32(&c->msg, ch->remote_id)) != STRATA_OK)
        return strata__ssh_conn_fail(c, r, "cannot build the channel request reply");
    return strata__ssh_conn_send_msg(c);
}

int strata_ssh_channel_exit_status(const strata_ssh_channel *ch, uint32_t *code)
{
    if (ch->have_exit_status && code)
        *code = ch->exit_status;
    return ch->have_exit_status;
}

const char *strata_ssh_channel_exit_signal(const strata_ssh_channel *ch, int *core_dumped,
                                           const char **message)
{
    if (core_dumped)
        *core_dumped = ch->core_dumped;
    if (message)
        *message = ch->exit_message ? ch->exit_message : "";
    return ch->exit_signal;
}
