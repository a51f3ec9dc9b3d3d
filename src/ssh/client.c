/* ssh/client: transport + user auth + connection protocol for one SSH
 * connection (RFC 4251 §1: the three protocols stacked).
 *
 * The transport delivers every message numbered 50 and up through its
 * packet callback; the client hands 50..79 to the auth engine until
 * USERAUTH_SUCCESS and 80 and up to the connection protocol after it. A
 * message of the connection protocol before authentication succeeded is a
 * protocol error (RFC 4252 §5.3 lets the server send none).
 */
#include <stdlib.h>
#include <string.h>

#include "base/error_internal.h"
#include "strata/ssh_client.h"

struct strata_ssh_client {
    strata_error err;
    strata_ssh_transport *t;
    strata_ssh_auth *auth;
    strata_ssh_conn *conn;
    int ready;
    strata_ssh_transport_callbacks user_cb; /* the caller's transport callbacks */
    void *transport_user;
    void (*on_ready)(void *user);
    void *user;
};

static strata_status client_send(void *ctx, const uint8_t *p, size_t n)
{
    struct strata_ssh_client *c = ctx;
    return strata_ssh_transport_send(c->t, p, n);
}

static strata_status client_send_parts(void *ctx, const uint8_t *head, size_t hn,
                                       const uint8_t *data, size_t dn)
{
    struct strata_ssh_client *c = ctx;
    return strata_ssh_transport_send_parts(c->t, head, hn, data, dn);
}

/* Records the first error of the auth or connection engine. */
static void take_error(struct strata_ssh_client *c, const strata_error *e)
{
    if (c->err.status == STRATA_OK && e->status != STRATA_OK)
        strata_error_copy(&c->err, e);
}

/* After any auth step: success starts the connection layer, failure ends
 * the transport the way OpenSSH does. */
static strata_status auth_outcome(struct strata_ssh_client *c, strata_status r)
{
    if (r == STRATA_PENDING)
        return STRATA_OK;
    if (r != STRATA_OK) {
        take_error(c, strata_ssh_auth_error(c->auth));
        if (r == STRATA_E_AUTH) {
            strata_status d = strata_ssh_transport_disconnect(
                c->t, STRATA_SSH_DISCONNECT_NO_MORE_AUTH_METHODS_AVAILABLE,
                "no more authentication methods available");
            (void)d;
            return STRATA_OK;
        }
        return r;
    }
    if (strata_ssh_auth_is_done(c->auth) && !c->ready) {
        c->ready = 1;
        strata_ssh_transport_start_delayed_compression(c->t);
        if (c->on_ready)
            c->on_ready(c->user);
    }
    return STRATA_OK;
}

static strata_status on_packet(void *user, const uint8_t *p, size_t n)
{
    struct strata_ssh_client *c = user;
    if (n == 0)
        return STRATA_E_TRUNCATED;
    if (p[0] < 80)
        return auth_outcome(c, strata_ssh_auth_packet(c->auth, p, n));
    if (!c->ready) {
        strata__error_set(&c->err, STRATA_E_PROTOCOL,
                          "connection protocol message %u before authentication succeeded", p[0]);
        return STRATA_E_PROTOCOL;
    }
    strata_status r = strata_ssh_conn_packet(c->conn, p, n);
    if (r != STRATA_OK && r != STRATA_E_UNSUPPORTED)
        take_error(c, strata_ssh_conn_error(c->conn));
    return r;
}

static void on_service(void *user, const char *service)
{
    struct strata_ssh_client *c = user;
    if (strcmp(service, "ssh-userauth") != 0)
        return;
    size_t sid_len;
    const uint8_t *sid = strata_ssh_transport_session_id(c->t, &sid_len);
    strata_status r =
        auth_outcome(c, strata_ssh_auth_start(c->auth, sid, sid_len,
                                              strata_ssh_transport_server_sig_algs(c->t)));
    if (r != STRATA_OK) {
        strata_status d = strata_ssh_transport_disconnect(
            c->t, STRATA_SSH_DISCONNECT_PROTOCOL_ERROR, strata_error_message(&c->err));
        (void)d;
    }
}

static strata_status on_verify(void *user, const strata_ssh_hostkey_info *info)
{
    struct strata_ssh_client *c = user;
    return c->user_cb.verify_host_key ? c->user_cb.verify_host_key(c->transport_user, info)
                                      : STRATA_E_HOSTKEY;
}

static void on_disconnected(void *user, uint32_t reason, const char *text)
{
    struct strata_ssh_client *c = user;
    if (c->user_cb.disconnected)
        c->user_cb.disconnected(c->transport_user, reason, text);
}

static void on_debug(void *user, int always, const char *text)
{
    struct strata_ssh_client *c = user;
    if (c->user_cb.debug)
        c->user_cb.debug(c->transport_user, always, text);
}

strata_status strata_ssh_client_new(const strata_ssh_client_config *cfg, strata_ssh_client **out,
                                    strata_error *err)
{
    *out = NULL;
    struct strata_ssh_client *c = calloc(1, sizeof *c);
    if (!c)
        return STRATA_E_NOMEM;
    c->user_cb = cfg->transport.cb;
    c->transport_user = cfg->transport.user;
    c->on_ready = cfg->ready;
    c->user = cfg->user;
    strata_ssh_transport_config tc = cfg->transport;
    memset(&tc.cb, 0, sizeof tc.cb);
    tc.cb.verify_host_key = on_verify;
    tc.cb.service_accepted = on_service;
    tc.cb.packet = on_packet;
    tc.cb.disconnected = on_disconnected;
    tc.cb.debug = on_debug;
    tc.user = c;
    strata_ssh_auth_config ac = cfg->auth;
    ac.send = client_send;
    ac.send_ctx = c;
    strata_ssh_conn_config cc = cfg->conn;
    cc.send = client_send;
    cc.send_parts = client_send_parts;
    cc.send_ctx = c;
    strata_status r;
    if ((r = strata_ssh_transport_new(&tc, &c->t, err)) != STRATA_OK ||
        (r = strata_ssh_auth_new(&ac, &c->auth, err)) != STRATA_OK ||
        (r = strata_ssh_conn_new(&cc, &c->conn, err)) != STRATA_OK ||
        (r = strata_ssh_transport_request_service(c->t, "ssh-userauth")) != STRATA_OK) {
        strata_ssh_client_free(c);
        return r;
    }
    *out = c;
    return STRATA_OK;
}

void strata_ssh_client_free(strata_ssh_client *c)
{
    if (!c)
        return;
    strata_ssh_conn_free(c->conn);
    strata_ssh_auth_free(c->auth);
    strata_ssh_transport_free(c->t);
    free(c);
}

strata_status strata_ssh_client_input(strata_ssh_client *c, const uint8_t *data, size_t n,
                                      size_t *consumed)
{
    strata_status r = strata_ssh_transport_input(c->t, data, n, consumed);
    if (c->err.status != STRATA_OK)
        return c->err.status;
    return r;
}

strata_status strata_ssh_client_input_eof(strata_ssh_client *c)
{
    strata_status r = strata_ssh_transport_input_eof(c->t);
    if (c->err.status != STRATA_OK)
        return c->err.status;
    return r;
}

void strata_ssh_client_output(strata_ssh_client *c, const uint8_t **data, size_t *n)
{
    strata_ssh_transport_output(c->t, data, n);
}

void strata_ssh_client_output_ack(strata_ssh_client *c, size_t n)
{
    strata_ssh_transport_output_ack(c->t, n);
}

strata_status strata_ssh_client_disconnect(strata_ssh_client *c)
{
    return strata_ssh_transport_lose_connection(c->t);
}

strata_status strata_ssh_client_auth_answer(strata_ssh_client *c, const char *const *answers,
                                            size_t n)
{
    strata_status r = auth_outcome(c, strata_ssh_auth_answer(c->auth, answers, n));
    return c->err.status != STRATA_OK ? c->err.status : r;
}

int strata_ssh_client_is_ready(const strata_ssh_client *c)
{
    return c->ready;
}

int strata_ssh_client_is_closed(const strata_ssh_client *c)
{
    return strata_ssh_transport_is_closed(c->t);
}

const strata_error *strata_ssh_client_error(const strata_ssh_client *c)
{
    return c->err.status != STRATA_OK ? &c->err : strata_ssh_transport_error(c->t);
}

strata_ssh_transport *strata_ssh_client_transport(strata_ssh_client *c)
{
    return c->t;
}

strata_ssh_auth *strata_ssh_client_auth(strata_ssh_client *c)
{
    return c->auth;
}

strata_ssh_conn *strata_ssh_client_conn(strata_ssh_client *c)
{
    return c->conn;
}
