/* OpenSSH's multiplexing protocol (PROTOCOL.mux v4): framing, parsing and
 * encoding, sans-I/O. See ssh/mux.h. */
#include <stdlib.h>
#include <string.h>

#include "base/error_internal.h"
#include "ssh/mux.h"

static const struct {
    uint32_t type;
    const char *name;
} type_names[] = {
    {STRATA_SSH_MUX_HELLO, "HELLO"},
    {STRATA_SSH_MUX_C_NEW_SESSION, "NEW_SESSION"},
    {STRATA_SSH_MUX_C_ALIVE_CHECK, "ALIVE_CHECK"},
    {STRATA_SSH_MUX_C_TERMINATE, "TERMINATE"},
    {STRATA_SSH_MUX_C_OPEN_FWD, "OPEN_FWD"},
    {STRATA_SSH_MUX_C_CLOSE_FWD, "CLOSE_FWD"},
    {STRATA_SSH_MUX_C_NEW_STDIO_FWD, "NEW_STDIO_FWD"},
    {STRATA_SSH_MUX_C_STOP_LISTENING, "STOP_LISTENING"},
    {STRATA_SSH_MUX_C_PROXY, "PROXY"},
    {STRATA_SSH_MUX_S_OK, "OK"},
    {STRATA_SSH_MUX_S_PERMISSION_DENIED, "PERMISSION_DENIED"},
    {STRATA_SSH_MUX_S_FAILURE, "FAILURE"},
    {STRATA_SSH_MUX_S_EXIT_MESSAGE, "EXIT_MESSAGE"},
    {STRATA_SSH_MUX_S_ALIVE, "ALIVE"},
    {STRATA_SSH_MUX_S_SESSION_OPENED, "SESSION_OPENED"},
    {STRATA_SSH_MUX_S_REMOTE_PORT, "REMOTE_PORT"},
    {STRATA_SSH_MUX_S_TTY_ALLOC_FAIL, "TTY_ALLOC_FAIL"},
    {STRATA_SSH_MUX_S_PROXY, "PROXY reply"},
};

const char *strata__mux_type_name(uint32_t type)
{
    for (size_t i = 0; i < sizeof type_names / sizeof type_names[0]; i++)
        if (type_names[i].type == type)
            return type_names[i].name;
    return "unknown";
}

strata_status strata__mux_frame(const uint8_t *p, size_t n, const uint8_t **body, size_t *body_len,
                                size_t *frame_len, strata_error *err)
{
    *body = NULL;
    *body_len = *frame_len = 0;
    if (n < 4)
        return STRATA_WANT_READ;
    uint32_t len = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
    if (len > STRATA__MUX_BODY_MAX)
        return strata__error_set(err, STRATA_E_LIMIT,
                                 "mux: message of %u bytes (at most %u allowed)", len,
                                 STRATA__MUX_BODY_MAX);
    if (len < 4)
        return strata__error_set(err, STRATA_E_FORMAT,
                                 "mux: message of %u bytes cannot hold a type", len);
    if (n - 4 < len)
        return STRATA_WANT_READ;
    *body = p + 4;
    *body_len = len;
    *frame_len = 4 + (size_t)len;
    return STRATA_OK;
}

void strata__mux_msg_free(struct strata__mux_msg *m)
{
    free(m->reason);
    free(m->term);
    free(m->command);
    for (size_t i = 0; i < m->n_env; i++)
        free(m->env[i]);
    memset(m, 0, sizeof *m);
}

/* PROTOCOL.mux calls the NEW_SESSION flags "bool", but OpenSSH's ssh sends
 * and reads each as a uint32: so does strata. */
static strata_status get_bool(strata_buf *b, int *v)
{
    uint32_t x;
    strata_status r = strata_buf_get_u32(b, &x);
    *v = x != 0;
    return r;
}

/* NEW_SESSION after its request id (PROTOCOL.mux §2). */
static strata_status parse_new_session(strata_buf *b, struct strata__mux_msg *m, strata_error *err)
{
    strata_status r;
    const uint8_t *reserved;
    size_t n;
    const char *what = "reserved";
    if ((r = strata_buf_get_string(b, &reserved, &n)) != STRATA_OK)
        goto bad;
    what = "flags";
    if ((r = get_bool(b, &m->want_tty)) != STRATA_OK ||
        (r = get_bool(b, &m->want_x11)) != STRATA_OK ||
        (r = get_bool(b, &m->want_agent)) != STRATA_OK ||
        (r = get_bool(b, &m->subsystem)) != STRATA_OK)
        goto bad;
    what = "escape char";
    if ((r = strata_buf_get_u32(b, &m->escape)) != STRATA_OK)
        goto bad;
    what = "terminal type";
    if ((r = strata_buf_get_cstring(b, &m->term)) != STRATA_OK)
        goto bad;
    what = "command";
    if ((r = strata_buf_get_cstring(b, &m->command)) != STRATA_OK)
        goto bad;
    what = "environment string";
    while (strata_buf_len(b) > 0) {
        if (m->n_env == STRATA__MUX_ENV_MAX)
            return strata__error_set(err, STRATA_E_LIMIT,
                                     "mux: NEW_SESSION with more than %u environment strings",
                                     STRATA__MUX_ENV_MAX);
        if ((r = strata_buf_get_cstring(b, &m->env[m->n_env])) != STRATA_OK)
            goto bad;
        m->n_env++;
    }
    return STRATA_OK;
bad:
    return strata__error_set(err, STRATA_E_FORMAT, "mux: NEW_SESSION: bad or missing %s", what);
}

strata_status strata__mux_parse(const uint8_t *body, size_t n, struct strata__mux_msg *m,
                                strata_error *err)
{
    strata_buf b;
    strata_status r;
    memset(m, 0, sizeof *m);
    strata_buf_view(&b, body, n);
    if ((r = strata_buf_get_u32(&b, &m->type)) != STRATA_OK)
        return strata__error_set(err, STRATA_E_FORMAT, "mux: message without a type");
    const char *name = strata__mux_type_name(m->type);
    const char *what = "request id";
    switch (m->type) {
    case STRATA_SSH_MUX_HELLO:
        what = "version";
        if ((r = strata_buf_get_u32(&b, &m->value)) != STRATA_OK)
            goto bad;
        /* Extensions (name, value pairs): none is defined; skipped, but
         * each must be well formed. */
        while (strata_buf_len(&b) > 0) {
            const uint8_t *s;
            size_t sn;
            what = "extension";
            if ((r = strata_buf_get_string(&b, &s, &sn)) != STRATA_OK ||
                (r = strata_buf_get_string(&b, &s, &sn)) != STRATA_OK)
                goto bad;
        }
        break;
    case STRATA_SSH_MUX_C_NEW_SESSION:
        if ((r = strata_buf_get_u32(&b, &m->id)) != STRATA_OK)
            goto bad;
        if ((r = parse_new_session(&b, m, err)) != STRATA_OK)
            goto fail;
        break;
    case STRATA_SSH_MUX_C_ALIVE_CHECK:
    case STRATA_SSH_MUX_C_TERMINATE:
    case STRATA_SSH_MUX_C_STOP_LISTENING:
    case STRATA_SSH_MUX_S_OK:
        if ((r = strata_buf_get_u32(&b, &m->id)) != STRATA_OK)
            goto bad;
        break;
    case STRATA_SSH_MUX_C_OPEN_FWD:
    case STRATA_SSH_MUX_C_CLOSE_FWD:
    case STRATA_SSH_MUX_C_NEW_STDIO_FWD:
    case STRATA_SSH_MUX_C_PROXY:
        if ((r = strata_buf_get_u32(&b, &m->id)) != STRATA_OK)
            goto bad;
        m->unsupported = 1;
        return STRATA_OK; /* the rest is not read: the request is refused */
    case STRATA_SSH_MUX_S_PERMISSION_DENIED:
    case STRATA_SSH_MUX_S_FAILURE:
        if ((r = strata_buf_get_u32(&b, &m->id)) != STRATA_OK)
            goto bad;
        what = "reason";
        if ((r = strata_buf_get_cstring(&b, &m->reason)) != STRATA_OK)
            goto bad;
        break;
    case STRATA_SSH_MUX_S_EXIT_MESSAGE:
    case STRATA_SSH_MUX_S_ALIVE:
    case STRATA_SSH_MUX_S_SESSION_OPENED:
    case STRATA_SSH_MUX_S_REMOTE_PORT:
        if ((r = strata_buf_get_u32(&b, &m->id)) != STRATA_OK)
            goto bad;
        what = "value";
        if ((r = strata_buf_get_u32(&b, &m->value)) != STRATA_OK)
            goto bad;
        break;
    case STRATA_SSH_MUX_S_TTY_ALLOC_FAIL:
    case STRATA_SSH_MUX_S_PROXY:
        what = "session id";
        if ((r = strata_buf_get_u32(&b, &m->id)) != STRATA_OK)
            goto bad;
        break;
    default: {
        unsigned type = (unsigned)m->type;
        strata__mux_msg_free(m);
        return strata__error_set(err, STRATA_E_PROTOCOL, "mux: unknown message type 0x%08x", type);
    }
    }
    if (strata_buf_get_end(&b) != STRATA_OK) {
        r = strata__error_set(err, STRATA_E_FORMAT, "mux: %s: %zu bytes left over", name,
                              strata_buf_len(&b));
        goto fail;
    }
    return STRATA_OK;
bad:
    r = strata__error_set(err, STRATA_E_FORMAT, "mux: %s: bad or missing %s", name, what);
fail:
    strata__mux_msg_free(m);
    return r;
}

static strata_status put_str(strata_buf *b, const char *s)
{
    return strata_buf_put_cstring(b, s ? s : "");
}

/* The message after its length: type, then its fields. */
static strata_status encode_body(strata_buf *out, const struct strata__mux_msg *m)
{
    strata_status r;
    if ((r = strata_buf_put_u32(out, m->type)) != STRATA_OK)
        return r;
    switch (m->type) {
    case STRATA_SSH_MUX_HELLO:
        r = strata_buf_put_u32(out, m->value);
        break;
    case STRATA_SSH_MUX_C_NEW_SESSION:
        if ((r = strata_buf_put_u32(out, m->id)) != STRATA_OK || (r = put_str(out, "")) ||
            (r = strata_buf_put_u32(out, m->want_tty != 0)) ||
            (r = strata_buf_put_u32(out, m->want_x11 != 0)) ||
            (r = strata_buf_put_u32(out, m->want_agent != 0)) ||
            (r = strata_buf_put_u32(out, m->subsystem != 0)) ||
            (r = strata_buf_put_u32(out, m->escape)) || (r = put_str(out, m->term)) ||
            (r = put_str(out, m->command)))
            return r;
        for (size_t i = 0; i < m->n_env && r == STRATA_OK; i++)
            r = put_str(out, m->env[i]);
        break;
    case STRATA_SSH_MUX_S_PERMISSION_DENIED:
    case STRATA_SSH_MUX_S_FAILURE:
        if ((r = strata_buf_put_u32(out, m->id)) == STRATA_OK)
            r = put_str(out, m->reason);
        break;
    case STRATA_SSH_MUX_S_EXIT_MESSAGE:
    case STRATA_SSH_MUX_S_ALIVE:
    case STRATA_SSH_MUX_S_SESSION_OPENED:
    case STRATA_SSH_MUX_S_REMOTE_PORT:
        if ((r = strata_buf_put_u32(out, m->id)) == STRATA_OK)
            r = strata_buf_put_u32(out, m->value);
        break;
    default: /* messages of a request id alone */
        r = strata_buf_put_u32(out, m->id);
        break;
    }
    return r;
}

strata_status strata__mux_encode(strata_buf *out, const struct strata__mux_msg *m)
{
    strata_buf body;
    strata_buf_init(&body, 0);
    strata_status r = encode_body(&body, m);
    if (r == STRATA_OK && strata_buf_len(&body) > STRATA__MUX_BODY_MAX)
        r = STRATA_E_LIMIT;
    if (r == STRATA_OK)
        r = strata_buf_put_string(out, strata_buf_ptr(&body), strata_buf_len(&body));
    strata_buf_free(&body);
    return r;
}
