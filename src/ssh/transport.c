/* The client transport engine: lifetime, the byte flows, the packet loop
 * and message dispatch, sending and the queue held back during key
 * exchange, and the sticky failure that ends a connection with DISCONNECT.
 * See transport_internal.h for the implementation note. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/error_internal.h"
#include "ssh/ssh_msg.h"
#include "ssh/transport_internal.h"
#include "strata/log.h"
#include "strata/mem.h"
#include "strata/version.h"

static const char *const reason_names[] = {
    "UNKNOWN",
    "HOST_NOT_ALLOWED_TO_CONNECT",
    "PROTOCOL_ERROR",
    "KEY_EXCHANGE_FAILED",
    "RESERVED",
    "MAC_ERROR",
    "COMPRESSION_ERROR",
    "SERVICE_NOT_AVAILABLE",
    "PROTOCOL_VERSION_NOT_SUPPORTED",
    "HOST_KEY_NOT_VERIFIABLE",
    "CONNECTION_LOST",
    "BY_APPLICATION",
    "TOO_MANY_CONNECTIONS",
    "AUTH_CANCELLED_BY_USER",
    "NO_MORE_AUTH_METHODS_AVAILABLE",
    "ILLEGAL_USER_NAME",
};

const char *strata_ssh_disconnect_reason_name(uint32_t reason)
{
    return reason < sizeof(reason_names) / sizeof(reason_names[0]) ? reason_names[reason]
                                                                   : "UNKNOWN";
}

void strata__ssh_t_arm(struct strata_ssh_transport *t, uint8_t msg, ssh_handler h)
{
    t->dispatch[msg] = h;
}

void strata__ssh_t_disarm(struct strata_ssh_transport *t, uint8_t msg)
{
    t->dispatch[msg] = NULL;
}

/* ---- configuration ------------------------------------------------------------ */

static strata_status resolve_lists(struct strata_ssh_transport *t,
                                   const strata_ssh_transport_config *cfg, strata_error *err)
{
    struct {
        const char *what, *spec, *def, *sup;
        int idx;
    } rows[] = {
        {"key exchange method", cfg->kex_algorithms, strata__ssh_kex_algs_default(),
         strata__ssh_kex_algs_supported(), SSH_KEXINIT_KEX},
        {"host key algorithm", cfg->hostkey_algorithms, strata__ssh_hostkey_algs_default(),
         strata__ssh_hostkey_algs_supported(), SSH_KEXINIT_HOSTKEY},
        {"cipher", cfg->ciphers, strata__ssh_ciphers_default(), strata__ssh_ciphers_supported(),
         SSH_KEXINIT_CIPHER_C2S},
        {"MAC", cfg->macs, strata__ssh_macs_default(), strata__ssh_macs_supported(),
         SSH_KEXINIT_MAC_C2S},
        {"compression method", cfg->compression, "none,zlib@openssh.com",
         strata__ssh_comp_supported(), SSH_KEXINIT_COMP_C2S},
    };
    strata_status r;
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        if ((r = strata__ssh_alglist(rows[i].what, rows[i].spec, rows[i].def, rows[i].sup,
                                     &t->algs[rows[i].idx], err)) != STRATA_OK)
            return r;
        if (rows[i].idx >= SSH_KEXINIT_CIPHER_C2S &&
            !(t->algs[rows[i].idx + 1] = strdup(t->algs[rows[i].idx])))
            return strata__error_set(err, STRATA_E_NOMEM, "out of memory");
    }
    if (!(t->algs[SSH_KEXINIT_LANG_C2S] = strdup("")) ||
        !(t->algs[SSH_KEXINIT_LANG_S2C] = strdup("")))
        return strata__error_set(err, STRATA_E_NOMEM, "out of memory");
    return STRATA_OK;
}

strata_status strata_ssh_transport_new(const strata_ssh_transport_config *cfg,
                                       strata_ssh_transport **out, strata_error *err)
{
    strata_error local;
    strata_status r;
    *out = NULL;
    if (!err)
        err = &local;
    strata_error_clear(err);
    if (!cfg)
        return strata__error_set(err, STRATA_E_USAGE, "no configuration");
    struct strata_ssh_transport *t = calloc(1, sizeof(*t));
    if (!t)
        return strata__error_set(err, STRATA_E_NOMEM, "out of memory");
    strata_buf_init(&t->in, SSH_TRANSPORT_IN_MAX);
    strata_buf_init(&t->out, SSH_TRANSPORT_OUT_MAX);
    strata_buf_init(&t->queue, SSH_TRANSPORT_OUT_MAX);
    strata_buf_init(&t->i_c, 65536);
    strata_buf_init(&t->i_s, 65536);
    for (int d = 0; d < 2; d++) {
        strata_buf_init(&t->keymat[d], 4096);
        strata_buf_set_secret(&t->keymat[d]);
        snprintf(t->active_cipher[d], sizeof(t->active_cipher[d]), "none");
        snprintf(t->active_mac[d], sizeof(t->active_mac[d]), "none");
        snprintf(t->active_comp[d], sizeof(t->active_comp[d]), "none");
    }
    t->cb = cfg->cb;
    t->user = cfg->user;
    t->port = cfg->port;
    t->kh = cfg->known_hosts;
    t->kh_policy = cfg->strict_host_key_checking;
    t->unix_time = cfg->unix_time;
    t->gex_min = cfg->gex_min ? cfg->gex_min : SSH_GEX_MIN_BITS;
    t->gex_n = cfg->gex_preferred ? cfg->gex_preferred : SSH_GEX_PREF_BITS;
    t->gex_max = cfg->gex_max ? cfg->gex_max : SSH_GEX_MAX_BITS;
    t->gex_old = cfg->gex_request_old;
    t->rekey_bytes = cfg->rekey_bytes ? cfg->rekey_bytes : SSH_TRANSPORT_DEFAULT_REKEY_BYTES;
    t->rekey_seconds =
        cfg->rekey_seconds ? cfg->rekey_seconds : SSH_TRANSPORT_DEFAULT_REKEY_SECONDS;
    t->offer_strict = !cfg->no_strict_kex;
    if (t->gex_min > t->gex_n || t->gex_n > t->gex_max) {
        r = strata__error_set(err, STRATA_E_USAGE,
                              "group exchange sizes must be min <= preferred <= max");
        goto fail;
    }
    if (cfg->host && !(t->host = strdup(cfg->host))) {
        r = strata__error_set(err, STRATA_E_NOMEM, "out of memory");
        goto fail;
    }
    if ((r = resolve_lists(t, cfg, err)) != STRATA_OK)
        goto fail;
    /* As OpenSSH: with the default host key list, offer first the algorithms
     * known_hosts knows this host by, so the server proves the known key. */
    strata_ssh_knownhosts *okh = t->kh ? t->kh : cfg->hostkey_order;
    if (okh && t->host && (!cfg->hostkey_algorithms || !*cfg->hostkey_algorithms)) {
        char *ordered = NULL;
        if ((r = strata_ssh_knownhosts_order_algs(
                 okh, t->host, t->port, t->algs[SSH_KEXINIT_HOSTKEY], &ordered)) != STRATA_OK) {
            strata_error_copy(err, strata_ssh_knownhosts_error(okh));
            if (err->status == STRATA_OK)
                strata__error_set(err, r, "cannot order the host key algorithms");
            goto fail;
        }
        free(t->algs[SSH_KEXINIT_HOSTKEY]);
        t->algs[SSH_KEXINIT_HOSTKEY] = ordered;
    }
    char swbuf[64];
    snprintf(swbuf, sizeof(swbuf), "strata_%s", strata_version());
    const char *sw = cfg->software_version ? cfg->software_version : swbuf;
    size_t vlen = strlen("SSH-2.0-") + strlen(sw);
    /* RFC 4253 §4.2: the line is at most 255 bytes with CR LF. */
    if (vlen + 2 > SSH_VERSION_LINE_MAX || strpbrk(sw, "\r\n")) {
        r = strata__error_set(err, STRATA_E_USAGE, "software version '%s' is not usable", sw);
        goto fail;
    }
    if (!(t->v_c = malloc(vlen + 1))) {
        r = strata__error_set(err, STRATA_E_NOMEM, "out of memory");
        goto fail;
    }
    snprintf(t->v_c, vlen + 1, "SSH-2.0-%s", sw);
    if ((r = strata__ssh_pkt_dir_new(0, &t->rx)) != STRATA_OK ||
        (r = strata__ssh_pkt_dir_new(1, &t->tx)) != STRATA_OK) {
        strata__error_set(err, r, "cannot set up the packet layer");
        goto fail;
    }
    if ((r = strata_buf_put(&t->out, t->v_c, vlen)) != STRATA_OK ||
        (r = strata_buf_put(&t->out, "\r\n", 2)) != STRATA_OK)
        goto fail;
    strata__ssh_t_arm_generic(t);
    t->state = SSH_T_VERSION;
    *out = t;
    return STRATA_OK;
fail:
    strata_ssh_transport_free(t);
    return r;
}

void strata_ssh_transport_free(strata_ssh_transport *t)
{
    if (!t)
        return;
    for (int i = 0; i < SSH_KEXINIT_NLISTS; i++)
        free(t->algs[i]);
    strata_buf_free(&t->in);
    strata_buf_free(&t->out);
    strata_buf_free(&t->queue);
    strata_buf_free(&t->i_c);
    strata_buf_free(&t->i_s);
    strata_buf_free(&t->keymat[0]);
    strata_buf_free(&t->keymat[1]);
    strata__ssh_pkt_dir_free(t->rx);
    strata__ssh_pkt_dir_free(t->tx);
    strata__ssh_kexinit_clear(&t->our_ki);
    strata__ssh_kexinit_clear(&t->server_ki);
    strata__ssh_kex_free(t->kex);
    strata__ssh_key_free(t->hostkey);
    strata_memzero(t->h, sizeof(t->h));
    free(t->host);
    free(t->v_c);
    free(t->v_s);
    free(t->service_wanted);
    free(t->server_sig_algs);
    strata_memzero(t, sizeof(*t));
    free(t);
}

/* ---- failure --------------------------------------------------------------------- */

static void send_disconnect(struct strata_ssh_transport *t, uint32_t reason, const char *desc)
{
    strata_buf m;
    strata_buf_init(&m, 0);
    /* RFC 4253 §11.1. A failure to build it changes nothing: the engine ends. */
    if (strata_buf_put_u8(&m, SSH_MSG_DISCONNECT) == STRATA_OK &&
        strata_buf_put_u32(&m, reason) == STRATA_OK &&
        strata_buf_put_cstring(&m, desc) == STRATA_OK &&
        strata_buf_put_cstring(&m, "") == STRATA_OK) {
        strata_error ignored;
        strata_error_clear(&ignored);
        if (strata__ssh_pkt_seal(t->tx, strata_buf_ptr(&m), strata_buf_len(&m), &t->out,
                                 &ignored) != STRATA_OK)
            strata_log(STRATA_LOG_DEBUG, "ssh", "could not send DISCONNECT: %s",
                       strata_error_message(&ignored));
    }
    strata_buf_free(&m);
}

strata_status strata__ssh_t_fail_err(struct strata_ssh_transport *t, uint32_t reason,
                                     const strata_error *e)
{
    if (t->state == SSH_T_CLOSED)
        return t->err.status != STRATA_OK ? t->err.status : STRATA_CLOSED;
    if (e != &t->err && t->err.status == STRATA_OK)
        strata_error_copy(&t->err, e);
    if (t->err.status == STRATA_OK)
        strata__error_set(&t->err, STRATA_E_INTERNAL, "transport failed without a reason");
    if (t->state == SSH_T_RUNNING && reason) {
        t->disc_reason = reason;
        send_disconnect(t, reason, strata_error_message(&t->err));
    }
    t->state = SSH_T_CLOSED;
    strata_log(STRATA_LOG_DEBUG, "ssh", "transport failed: %s", strata_error_message(&t->err));
    return t->err.status;
}

strata_status strata__ssh_t_fail(struct strata_ssh_transport *t, uint32_t reason,
                                 strata_status status, const char *fmt, ...)
{
    if (t->state != SSH_T_CLOSED) {
        va_list ap;
        va_start(ap, fmt);
        strata_error_vset(&t->err, status, fmt, ap);
        va_end(ap);
    }
    return strata__ssh_t_fail_err(t, reason, &t->err);
}

/* ---- sending ------------------------------------------------------------------------ */

strata_status strata__ssh_t_seal_parts(struct strata_ssh_transport *t, const uint8_t *head,
                                       size_t hn, const uint8_t *data, size_t dn)
{
    strata_error e;
    strata_error_clear(&e);
    strata_status r = strata__ssh_pkt_seal_parts(t->tx, head, hn, data, dn, &t->out, &e);
    if (r != STRATA_OK) {
        if (r == STRATA_E_LIMIT && e.status == STRATA_OK)
            strata__error_set(&e, r, "output buffer full (%u bytes): drain the output",
                              SSH_TRANSPORT_OUT_MAX);
        return strata__ssh_t_fail_err(t, STRATA_SSH_DISCONNECT_PROTOCOL_ERROR, &e);
    }
    return STRATA_OK;
}

strata_status strata__ssh_t_seal(struct strata_ssh_transport *t, const uint8_t *p, size_t n)
{
    return strata__ssh_t_seal_parts(t, NULL, 0, p, n);
}

/* RFC 4253 §7.1: between our KEXINIT and our NEWKEYS only transport-generic
 * messages (1..19, except the service ones) and key exchange messages go out. */
static int allowed_during_kex(uint8_t type)
{
    return (type >= SSH_MSG_DISCONNECT && type <= SSH_MSG_DEBUG) ||
           (type >= SSH_MSG_KEXINIT && type < SSH_MSG_USERAUTH_FIRST);
}

strata_status strata__ssh_t_send_parts(struct strata_ssh_transport *t, const uint8_t *head,
                                       size_t hn, const uint8_t *data, size_t dn)
{
    strata_status r;
    if (hn == 0 && dn == 0)
        return STRATA_E_USAGE;
    const uint8_t type = hn ? head[0] : data[0];
    if (t->tx_blocked && !allowed_during_kex(type)) {
        /* Held back whole: the queue keeps its own copy. */
        if (hn > UINT32_MAX - dn ||
            (r = strata_buf_put_u32(&t->queue, (uint32_t)(hn + dn))) != STRATA_OK ||
            (hn && (r = strata_buf_put(&t->queue, head, hn)) != STRATA_OK) ||
            (dn && (r = strata_buf_put(&t->queue, data, dn)) != STRATA_OK))
            return strata__ssh_t_fail(t, STRATA_SSH_DISCONNECT_BY_APPLICATION, STRATA_E_LIMIT,
                                      "too much output held back during key exchange");
        return STRATA_OK;
    }
    if ((r = strata__ssh_t_seal_parts(t, head, hn, data, dn)) != STRATA_OK)
        return r;
    return t->kex_running ? STRATA_OK : strata__ssh_t_check_rekey(t);
}

strata_status strata__ssh_t_send(struct strata_ssh_transport *t, const uint8_t *p, size_t n)
{
    return strata__ssh_t_send_parts(t, NULL, 0, p, n);
}

strata_status strata__ssh_t_flush_queue(struct strata_ssh_transport *t)
{
    strata_status r = STRATA_OK;
    while (r == STRATA_OK && strata_buf_len(&t->queue) > 0) {
        uint32_t n;
        const uint8_t *p;
        if ((r = strata_buf_get_u32(&t->queue, &n)) != STRATA_OK)
            break;
        p = strata_buf_ptr(&t->queue);
        if ((r = strata__ssh_t_seal(t, p, n)) == STRATA_OK)
            r = strata_buf_consume(&t->queue, n);
    }
    strata_buf_compact(&t->queue);
    return r;
}

/* ---- receiving -------------------------------------------------------------------- */

static uint32_t reason_for_packet_error(const strata_error *e)
{
    if (e->status == STRATA_E_SSH_MAC)
        return STRATA_SSH_DISCONNECT_MAC_ERROR;
    if (e->status == STRATA_E_SSH_COMPRESSION)
        return STRATA_SSH_DISCONNECT_COMPRESSION_ERROR;
    return STRATA_SSH_DISCONNECT_PROTOCOL_ERROR;
}

/* RFC 4253 §11.4: UNIMPLEMENTED carries the rejected packet's sequence number. */
strata_status strata__ssh_t_send_unimplemented(struct strata_ssh_transport *t)
{
    uint8_t m[5] = {SSH_MSG_UNIMPLEMENTED, (uint8_t)(t->rx_seq >> 24), (uint8_t)(t->rx_seq >> 16),
                    (uint8_t)(t->rx_seq >> 8), (uint8_t)t->rx_seq};
    return strata__ssh_t_seal(t, m, sizeof(m));
}

static strata_status dispatch(struct strata_ssh_transport *t, const uint8_t *p, size_t n)
{
    if (n == 0)
        return strata__ssh_t_fail(t, STRATA_SSH_DISCONNECT_PROTOCOL_ERROR, STRATA_E_PROTOCOL,
                                  "empty packet from the server");
    uint8_t type = p[0];
    /* Strict KEX: during the first key exchange only KEXINIT, the method's
     * messages and NEWKEYS may arrive (OpenSSH PROTOCOL §1.10); a DISCONNECT
     * is still read, to report the server's reason. Strictness is known once
     * the server's KEXINIT is in. */
    if (t->strict && t->kex_done == 0 && type != SSH_MSG_KEXINIT && type != SSH_MSG_NEWKEYS &&
        type != SSH_MSG_DISCONNECT && (type < 30 || type > 49))
        return strata__ssh_t_fail(t, STRATA_SSH_DISCONNECT_PROTOCOL_ERROR, STRATA_E_PROTOCOL,
                                  "strict KEX: unexpected message %u during the initial key "
                                  "exchange",
                                  type);
    ssh_handler h = t->dispatch[type];
    if (h)
        return h(t, p, n);
    if (type >= SSH_MSG_KEXINIT && type < SSH_MSG_USERAUTH_FIRST)
        return strata__ssh_t_fail(t, STRATA_SSH_DISCONNECT_PROTOCOL_ERROR, STRATA_E_PROTOCOL,
                                  "unexpected key exchange message %u from the server", type);
    if (type >= SSH_MSG_USERAUTH_FIRST) {
        /* Before the first NEWKEYS only the key exchange may arrive. During
         * a rekey, service messages a server still sends after its KEXINIT
         * (RFC 4253 §7.1 says it should not; some do, mid-download) reach
         * the service as OpenSSH lets them: they are read under the keys in
         * force, which change only at NEWKEYS. Strict KEX is unaffected: it
         * constrains the initial exchange alone. */
        if (t->kex_done == 0)
            return strata__ssh_t_fail(t, STRATA_SSH_DISCONNECT_PROTOCOL_ERROR, STRATA_E_PROTOCOL,
                                      "message %u from the server during key exchange", type);
        strata_status r = t->cb.packet ? t->cb.packet(t->user, p, n) : STRATA_E_UNSUPPORTED;
        if (r == STRATA_E_UNSUPPORTED)
            return strata__ssh_t_send_unimplemented(t);
        if (r != STRATA_OK)
            return strata__ssh_t_fail(t, STRATA_SSH_DISCONNECT_PROTOCOL_ERROR, r,
                                      "the service refused message %u (%s)", type,
                                      strata_status_str(r));
        return STRATA_OK;
    }
    return strata__ssh_t_send_unimplemented(t);
}

/* Opens and dispatches the packets at the front of in until it holds no
 * whole packet (STRATA_OK), the transport stops running (STRATA_OK), the
 * host key verdict is awaited (STRATA_PENDING) or an error. */
static strata_status read_packets(struct strata_ssh_transport *t, strata_buf *in)
{
    strata_status r;
    while (t->state == SSH_T_RUNNING) {
        /* Waiting for the host key verdict: nothing after NEWKEYS can be read. */
        if (t->hostkey_pending && t->got_newkeys)
            return STRATA_PENDING;
        const uint8_t *p;
        size_t n;
        strata_error e;
        strata_error_clear(&e);
        r = strata__ssh_pkt_open(t->rx, in, &p, &n, &e);
        if (r == STRATA_WANT_READ)
            break;
        if (r != STRATA_OK)
            return strata__ssh_t_fail_err(t, reason_for_packet_error(&e), &e);
        t->rx_seq = strata__ssh_pkt_dir_seq(t->rx) - 1u;
        t->rx_seen = 1;
        if ((r = dispatch(t, p, n)) != STRATA_OK)
            return r;
    }
    return STRATA_OK;
}

strata_status strata__ssh_t_process(struct strata_ssh_transport *t)
{
    strata_status r;
    if (t->state == SSH_T_VERSION) {
        r = strata__ssh_version_read(&t->vr, &t->in, &t->v_s, &t->err);
        if (r == STRATA_WANT_READ)
            return STRATA_OK;
        if (r != STRATA_OK)
            return strata__ssh_t_fail_err(t, 0, &t->err);
        t->state = SSH_T_RUNNING;
        if ((r = strata__ssh_t_send_kexinit(t)) != STRATA_OK)
            return r;
    }
    if ((r = read_packets(t, &t->in)) != STRATA_OK)
        return r;
    strata_buf_compact(&t->in);
    if (t->state == SSH_T_CLOSED)
        return t->err.status != STRATA_OK ? t->err.status : STRATA_CLOSED;
    if (t->hostkey_pending)
        return STRATA_PENDING;
    return t->kex_running ? STRATA_OK : strata__ssh_t_check_rekey(t);
}

/* ---- the public flows ------------------------------------------------------------- */

static strata_status closed_status(const struct strata_ssh_transport *t)
{
    return t->err.status != STRATA_OK ? t->err.status : STRATA_CLOSED;
}

strata_status strata_ssh_transport_input(strata_ssh_transport *t, const uint8_t *data, size_t n,
                                         size_t *consumed)
{
    if (consumed)
        *consumed = 0;
    if (t->state == SSH_T_CLOSED)
        return closed_status(t);
    size_t direct = 0;
    if (strata_buf_len(&t->in) == 0 && t->state == SSH_T_RUNNING && n > 0) {
        /* Nothing buffered: the packets are opened where they lie in the
         * caller's bytes; only a partial packet at the end is copied. */
        strata_buf v;
        strata_buf_view(&v, data, n);
        strata_status r = read_packets(t, &v);
        direct = n - strata_buf_len(&v);
        if (consumed)
            *consumed = direct;
        if (r != STRATA_OK && r != STRATA_PENDING)
            return r;
        if (t->state == SSH_T_CLOSED)
            return closed_status(t);
        data += direct;
        n -= direct;
    }
    size_t take = n < strata_buf_avail(&t->in) ? n : strata_buf_avail(&t->in);
    if (take > 0) {
        strata_status r = strata_buf_put(&t->in, data, take);
        if (r != STRATA_OK)
            return r;
    }
    if (consumed)
        *consumed = direct + take;
    return strata__ssh_t_process(t);
}

strata_status strata_ssh_transport_input_eof(strata_ssh_transport *t)
{
    if (t->state == SSH_T_CLOSED)
        return closed_status(t);
    if (t->v_s == NULL && strata_buf_len(&t->in) == 0 && t->vr.lines == 0)
        return strata__ssh_t_fail(t, 0, STRATA_E_SSH_DISCONNECT,
                                  "connection closed by the server before its SSH "
                                  "identification");
    if (t->v_s == NULL)
        return strata__ssh_t_fail(t, 0, STRATA_E_SSH_DISCONNECT,
                                  "connection closed by the server without an SSH "
                                  "identification (it sent '%s'): not an SSH server?",
                                  t->vr.lines ? t->vr.first : "");
    t->state = SSH_T_CLOSED;
    strata__error_set(&t->err, STRATA_E_SSH_DISCONNECT, "connection closed by the server%s",
                      strata_buf_len(&t->in) ? " in the middle of a packet" : "");
    return t->err.status;
}

void strata_ssh_transport_output(strata_ssh_transport *t, const uint8_t **data, size_t *n)
{
    *data = strata_buf_ptr(&t->out);
    *n = strata_buf_len(&t->out);
}

void strata_ssh_transport_output_ack(strata_ssh_transport *t, size_t n)
{
    if (n > strata_buf_len(&t->out))
        n = strata_buf_len(&t->out);
    if (strata_buf_consume(&t->out, n) != STRATA_OK)
        return;
    if (strata_buf_len(&t->out) == 0)
        strata_buf_reset(&t->out);
}

int strata_ssh_transport_is_closed(const strata_ssh_transport *t)
{
    return t->state == SSH_T_CLOSED && strata_buf_len(&t->out) == 0;
}

/* What transport_send and _send_parts refuse: a message of n bytes whose
 * number is type. */
static strata_status send_check(const strata_ssh_transport *t, uint8_t type, size_t n)
{
    if (t->state == SSH_T_CLOSED)
        return closed_status(t);
    if (n == 0 || type < SSH_MSG_USERAUTH_FIRST)
        return STRATA_E_USAGE;
    if (n > STRATA_SSH_PACKET_MAX - 1024)
        return STRATA_E_LIMIT;
    if (t->state != SSH_T_RUNNING || t->kex_done == 0)
        return STRATA_E_STATE;
    return STRATA_OK;
}

strata_status strata_ssh_transport_send(strata_ssh_transport *t, const uint8_t *payload, size_t n)
{
    strata_status r = send_check(t, n ? payload[0] : 0, n);
    return r != STRATA_OK ? r : strata__ssh_t_send(t, payload, n);
}

strata_status strata_ssh_transport_send_parts(strata_ssh_transport *t, const uint8_t *head,
                                              size_t hn, const uint8_t *data, size_t dn)
{
    if (t->state == SSH_T_CLOSED)
        return closed_status(t);
    if (hn == 0 || (dn && !data))
        return STRATA_E_USAGE;
    if (dn > SIZE_MAX - hn)
        return STRATA_E_LIMIT;
    strata_status r = send_check(t, head[0], hn + dn);
    return r != STRATA_OK ? r : strata__ssh_t_send_parts(t, head, hn, data, dn);
}

strata_status strata_ssh_transport_tick(strata_ssh_transport *t, uint64_t now)
{
    if (t->state == SSH_T_CLOSED)
        return closed_status(t);
    t->now = now;
    if (!t->have_time) {
        t->have_time = 1;
        t->last_kex_time = now;
    }
    if (t->state != SSH_T_RUNNING || t->kex_running)
        return STRATA_OK;
    return strata__ssh_t_check_rekey(t);
}

strata_status strata_ssh_transport_rekey(strata_ssh_transport *t)
{
    if (t->state == SSH_T_CLOSED)
        return closed_status(t);
    if (t->state != SSH_T_RUNNING || t->kex_running)
        return STRATA_OK;
    return strata__ssh_t_send_kexinit(t);
}

strata_status strata_ssh_transport_hostkey_resume(strata_ssh_transport *t, strata_status verdict)
{
    if (t->state == SSH_T_CLOSED)
        return closed_status(t);
    if (!t->hostkey_pending)
        return STRATA_E_STATE;
    strata_status r = strata__ssh_t_hostkey_verdict(t, verdict);
    if (r != STRATA_OK)
        return r;
    return strata__ssh_t_process(t);
}

void strata_ssh_transport_start_delayed_compression(strata_ssh_transport *t)
{
    strata__ssh_pkt_dir_start_delayed_comp(t->tx);
    strata__ssh_pkt_dir_start_delayed_comp(t->rx);
}
