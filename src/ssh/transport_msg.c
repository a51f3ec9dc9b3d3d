/* The transport's generic messages (RFC 4253 §11, RFC 8308): DISCONNECT,
 * IGNORE, UNIMPLEMENTED, DEBUG both ways, the service request, EXT_INFO.
 *
 * Seed: SSHTransportBase.ssh_DISCONNECT / receiveError, ssh_IGNORE,
 * ssh_UNIMPLEMENTED / receiveUnimplemented, ssh_DEBUG / receiveDebug,
 * sendDebug, sendIgnore, sendUnimplemented, sendDisconnect, loseConnection;
 * SSHClientTransport requestService, ssh_SERVICE_ACCEPT, setService. */
#include <stdlib.h>
#include <string.h>

#include "base/error_internal.h"
#include "ssh/ssh_msg.h"
#include "ssh/transport_internal.h"

/* Messages and descriptions from the server are shown to people: keep
 * printable ASCII only, as OpenSSH does. */
static void sanitize(char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e)
            *s = '?';
}

static strata_status malformed(struct strata_ssh_transport *t, const char *what)
{
    return strata__ssh_t_fail(t, STRATA_SSH_DISCONNECT_PROTOCOL_ERROR, STRATA_E_PROTOCOL,
                              "malformed %s from the server", what);
}

static strata_status h_disconnect(struct strata_ssh_transport *t, const uint8_t *p, size_t n)
{
    strata_buf m;
    uint8_t type;
    uint32_t reason;
    char *desc = NULL;
    const uint8_t *lang;
    size_t langlen;
    strata_buf_view(&m, p, n);
    if (strata_buf_get_u8(&m, &type) != STRATA_OK || strata_buf_get_u32(&m, &reason) != STRATA_OK ||
        strata_buf_get_cstring(&m, &desc) != STRATA_OK)
        return malformed(t, "DISCONNECT");
    /* The language tag is often left out by small servers: tolerate that. */
    if (strata_buf_get_string(&m, &lang, &langlen) != STRATA_OK)
        langlen = 0;
    sanitize(desc);
    t->disc_reason = reason;
    if (t->cb.disconnected)
        t->cb.disconnected(t->user, reason, desc);
    strata__error_set(&t->err, STRATA_E_SSH_DISCONNECT, "server disconnected (%s, %u): %s",
                      strata_ssh_disconnect_reason_name(reason), reason, desc);
    free(desc);
    t->state = SSH_T_CLOSED;
    return t->err.status;
}

static strata_status h_ignore(struct strata_ssh_transport *t, const uint8_t *p, size_t n)
{
    strata_buf m;
    uint8_t type;
    const uint8_t *data;
    size_t len;
    strata_buf_view(&m, p, n);
    if (strata_buf_get_u8(&m, &type) != STRATA_OK ||
        strata_buf_get_string(&m, &data, &len) != STRATA_OK) {
        /* RFC 4253 §11.2 says "string data"; some send none: ignore it all. */
        data = NULL;
        len = 0;
    }
    if (t->cb.ignore)
        t->cb.ignore(t->user, data, len);
    return STRATA_OK;
}

static strata_status h_unimplemented(struct strata_ssh_transport *t, const uint8_t *p, size_t n)
{
    strata_buf m;
    uint8_t type;
    uint32_t seq;
    strata_buf_view(&m, p, n);
    if (strata_buf_get_u8(&m, &type) != STRATA_OK || strata_buf_get_u32(&m, &seq) != STRATA_OK ||
        strata_buf_get_end(&m) != STRATA_OK)
        return malformed(t, "UNIMPLEMENTED");
    if (t->cb.unimplemented)
        t->cb.unimplemented(t->user, seq);
    return STRATA_OK;
}

static strata_status h_debug(struct strata_ssh_transport *t, const uint8_t *p, size_t n)
{
    strata_buf m;
    uint8_t type;
    int always;
    char *msg = NULL;
    strata_buf_view(&m, p, n);
    if (strata_buf_get_u8(&m, &type) != STRATA_OK ||
        strata_buf_get_bool(&m, &always) != STRATA_OK ||
        strata_buf_get_cstring(&m, &msg) != STRATA_OK)
        return malformed(t, "DEBUG");
    sanitize(msg);
    if (t->cb.debug)
        t->cb.debug(t->user, always, msg);
    free(msg);
    return STRATA_OK;
}

static strata_status h_service_accept(struct strata_ssh_transport *t, const uint8_t *p, size_t n)
{
    strata_buf m;
    uint8_t type;
    char *name = NULL;
    strata_buf_view(&m, p, n);
    if (strata_buf_get_u8(&m, &type) != STRATA_OK ||
        strata_buf_get_cstring(&m, &name) != STRATA_OK || strata_buf_get_end(&m) != STRATA_OK) {
        free(name);
        return malformed(t, "SERVICE_ACCEPT");
    }
    if (!t->service_wanted || strcmp(name, t->service_wanted) != 0) {
        sanitize(name);
        strata_status r =
            strata__ssh_t_fail(t, STRATA_SSH_DISCONNECT_PROTOCOL_ERROR, STRATA_E_PROTOCOL,
                               "server accepted service '%s', which was not requested", name);
        free(name);
        return r;
    }
    free(name);
    strata__ssh_t_disarm(t, SSH_MSG_SERVICE_ACCEPT);
    char *svc = t->service_wanted;
    t->service_wanted = NULL;
    t->service_sent = 0;
    if (t->cb.service_accepted)
        t->cb.service_accepted(t->user, svc);
    free(svc);
    return t->state == SSH_T_RUNNING ? STRATA_OK : t->err.status;
}

/* RFC 8308 §2.3: uint32 count, then (string name, string value) pairs. */
static strata_status h_ext_info(struct strata_ssh_transport *t, const uint8_t *p, size_t n)
{
    strata_buf m;
    uint8_t type;
    uint32_t count;
    strata_buf_view(&m, p, n);
    if (strata_buf_get_u8(&m, &type) != STRATA_OK || strata_buf_get_u32(&m, &count) != STRATA_OK)
        return malformed(t, "EXT_INFO");
    if (count > SSH_EXT_INFO_MAX)
        return strata__ssh_t_fail(t, STRATA_SSH_DISCONNECT_PROTOCOL_ERROR, STRATA_E_PROTOCOL,
                                  "EXT_INFO with %u extensions (at most %u accepted)", count,
                                  SSH_EXT_INFO_MAX);
    for (uint32_t i = 0; i < count; i++) {
        const uint8_t *name, *value;
        size_t nl, vl;
        if (strata_buf_get_string(&m, &name, &nl) != STRATA_OK ||
            strata_buf_get_string(&m, &value, &vl) != STRATA_OK)
            return malformed(t, "EXT_INFO");
        if (nl == strlen("server-sig-algs") && !memcmp(name, "server-sig-algs", nl)) {
            /* Empty names skipped, as in KEXINIT. */
            char *s = NULL;
            strata_status r =
                strata_namelist_copy_lenient((const char *)value, vl, SSH_KEXINIT_LIST_MAX, &s);
            if (r == STRATA_E_NOMEM)
                return strata__ssh_t_fail(t, STRATA_SSH_DISCONNECT_BY_APPLICATION, STRATA_E_NOMEM,
                                          "out of memory");
            if (r != STRATA_OK)
                return malformed(t, "server-sig-algs in EXT_INFO");
            free(t->server_sig_algs);
            t->server_sig_algs = s;
        }
    }
    if (strata_buf_get_end(&m) != STRATA_OK)
        return malformed(t, "EXT_INFO");
    return STRATA_OK;
}

void strata__ssh_t_arm_generic(struct strata_ssh_transport *t)
{
    strata__ssh_t_arm(t, SSH_MSG_DISCONNECT, h_disconnect);
    strata__ssh_t_arm(t, SSH_MSG_IGNORE, h_ignore);
    strata__ssh_t_arm(t, SSH_MSG_UNIMPLEMENTED, h_unimplemented);
    strata__ssh_t_arm(t, SSH_MSG_DEBUG, h_debug);
    strata__ssh_t_arm(t, SSH_MSG_KEXINIT, strata__ssh_t_h_kexinit);
}

void strata__ssh_t_arm_after_kex(struct strata_ssh_transport *t)
{
    strata__ssh_t_arm(t, SSH_MSG_EXT_INFO, h_ext_info);
}

strata_status strata__ssh_t_send_service_request(struct strata_ssh_transport *t)
{
    strata_buf m;
    strata_status r;
    strata_buf_init(&m, 0);
    if ((r = strata_buf_put_u8(&m, SSH_MSG_SERVICE_REQUEST)) == STRATA_OK &&
        (r = strata_buf_put_cstring(&m, t->service_wanted)) == STRATA_OK)
        r = strata__ssh_t_send(t, strata_buf_ptr(&m), strata_buf_len(&m));
    strata_buf_free(&m);
    if (r == STRATA_OK) {
        t->service_sent = 1;
        strata__ssh_t_arm(t, SSH_MSG_SERVICE_ACCEPT, h_service_accept);
    }
    return r;
}

static strata_status closed_status(const struct strata_ssh_transport *t)
{
    return t->err.status != STRATA_OK ? t->err.status : STRATA_CLOSED;
}

strata_status strata_ssh_transport_request_service(strata_ssh_transport *t, const char *name)
{
    if (t->state == SSH_T_CLOSED)
        return closed_status(t);
    if (!name || !*name || strlen(name) > STRATA_NAME_MAX)
        return STRATA_E_USAGE;
    if (t->service_wanted)
        return STRATA_E_STATE;
    if (!(t->service_wanted = strdup(name)))
        return STRATA_E_NOMEM;
    /* Before the connection is secure the request waits for it. */
    if (t->kex_done == 0)
        return STRATA_OK;
    return strata__ssh_t_send_service_request(t);
}

strata_status strata_ssh_transport_send_ignore(strata_ssh_transport *t, const uint8_t *data,
                                               size_t n)
{
    strata_buf m;
    strata_status r;
    if (t->state != SSH_T_RUNNING)
        return t->state == SSH_T_CLOSED ? closed_status(t) : STRATA_E_STATE;
    if (n > STRATA_SSH_PACKET_MAX - 1024)
        return STRATA_E_LIMIT;
    strata_buf_init(&m, 0);
    if ((r = strata_buf_put_u8(&m, SSH_MSG_IGNORE)) == STRATA_OK &&
        (r = strata_buf_put_string(&m, data, n)) == STRATA_OK)
        r = strata__ssh_t_send(t, strata_buf_ptr(&m), strata_buf_len(&m));
    strata_buf_free(&m);
    return r;
}

strata_status strata_ssh_transport_send_unimplemented(strata_ssh_transport *t)
{
    if (t->state != SSH_T_RUNNING)
        return t->state == SSH_T_CLOSED ? closed_status(t) : STRATA_E_STATE;
    /* Nothing to refer to yet; and under strict KEX only key exchange
     * messages may go out during the first exchange (OpenSSH PROTOCOL §1.10). */
    if (!t->rx_seen || (t->strict && t->kex_done == 0))
        return STRATA_E_STATE;
    return strata__ssh_t_send_unimplemented(t);
}

strata_status strata_ssh_transport_send_debug(strata_ssh_transport *t, int always_display,
                                              const char *message)
{
    strata_buf m;
    strata_status r;
    if (t->state != SSH_T_RUNNING)
        return t->state == SSH_T_CLOSED ? closed_status(t) : STRATA_E_STATE;
    strata_buf_init(&m, 65536);
    if ((r = strata_buf_put_u8(&m, SSH_MSG_DEBUG)) == STRATA_OK &&
        (r = strata_buf_put_bool(&m, always_display)) == STRATA_OK &&
        (r = strata_buf_put_cstring(&m, message)) == STRATA_OK &&
        (r = strata_buf_put_cstring(&m, "")) == STRATA_OK)
        r = strata__ssh_t_send(t, strata_buf_ptr(&m), strata_buf_len(&m));
    strata_buf_free(&m);
    return r;
}

strata_status strata_ssh_transport_disconnect(strata_ssh_transport *t, uint32_t reason,
                                              const char *description)
{
    if (t->state == SSH_T_CLOSED)
        return closed_status(t);
    if (t->state == SSH_T_VERSION) {
        t->state = SSH_T_CLOSED;
        return STRATA_OK;
    }
    strata_buf m;
    strata_buf_init(&m, 65536);
    strata_status r;
    if ((r = strata_buf_put_u8(&m, SSH_MSG_DISCONNECT)) == STRATA_OK &&
        (r = strata_buf_put_u32(&m, reason)) == STRATA_OK &&
        (r = strata_buf_put_cstring(&m, description ? description : "")) == STRATA_OK &&
        (r = strata_buf_put_cstring(&m, "")) == STRATA_OK)
        r = strata__ssh_t_seal(t, strata_buf_ptr(&m), strata_buf_len(&m));
    strata_buf_free(&m);
    if (r != STRATA_OK)
        return r;
    t->disc_reason = reason;
    t->state = SSH_T_CLOSED;
    return STRATA_OK;
}

strata_status strata_ssh_transport_lose_connection(strata_ssh_transport *t)
{
    return strata_ssh_transport_disconnect(t, STRATA_SSH_DISCONNECT_BY_APPLICATION,
                                           "disconnected by application");
}
