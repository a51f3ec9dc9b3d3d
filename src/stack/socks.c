/* The SOCKS server engine: SOCKS4 and SOCKS4a (Ying-Da Lee's SOCKS4.protocol
 * and SOCKS4A.protocol), SOCKS5 (RFC 1928) with the "no authentication
 * required" method.
 *
 * Implementation note. The client's bytes for the message being read (the
 * SOCKS5 greeting, then the request; or the whole SOCKS4 request) are held in
 * a fixed buffer and the message is parsed from its start each time more
 * arrive: every message is small and bounded, so re-parsing costs nothing
 * and no parser state survives a call. When a message is complete, the bytes
 * held past its end came from this call, so they are handed back (*used is
 * lowered) and read again as the next message, or left to the tunnel.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

#include "strata/socks.h"
#include "base/error_internal.h"

enum phase {
    PH_START,   /* waiting for the version byte */
    PH_GREET5,  /* SOCKS5 greeting: VER NMETHODS METHODS */
    PH_REQ5,    /* SOCKS5 request */
    PH_REQ4,    /* SOCKS4/4a request */
    PH_DONE,    /* request complete, no reply yet */
    PH_REPLIED, /* reply queued */
    PH_FAILED,
};

#define SOCKS5_NO_AUTH 0x00
#define SOCKS5_NO_ACCEPTABLE 0xff
#define SOCKS_CMD_CONNECT 1
#define SOCKS4_GRANTED 90
#define SOCKS4_REJECTED 91

struct strata_socks_server {
    enum phase phase;
    uint8_t in[STRATA_SOCKS_REQUEST_MAX];
    size_t in_len; /* bytes of the current message held */
    size_t total;  /* bytes taken over all messages */
    uint8_t out[16];
    size_t out_off, out_len;
    strata_socks_request req;
    strata_error err;
};

static const char *cmd_name(uint8_t cmd)
{
    return cmd == 2 ? "BIND" : cmd == 3 ? "UDP ASSOCIATE" : "unknown";
}

static void queue(strata_socks_server *s, const uint8_t *p, size_t n)
{
    if (n <= sizeof(s->out) - s->out_len) {
        memcpy(s->out + s->out_len, p, n);
        s->out_len += n;
    }
}

/* The reply to a request (RFC 1928 §6; SOCKS4: VN 0, CD 90/91), bound
 * address 0.0.0.0:0. */
static void queue_reply(strata_socks_server *s, unsigned version, enum strata_socks_reply code)
{
    if (version == 5) {
        const uint8_t r[10] = {5, (uint8_t)code, 0, STRATA_SOCKS_ADDR_IPV4, 0, 0, 0, 0, 0, 0};
        queue(s, r, sizeof r);
    } else {
        const uint8_t r[8] = {0, code == STRATA_SOCKS_SUCCEEDED ? SOCKS4_GRANTED : SOCKS4_REJECTED};
        queue(s, r, sizeof r);
    }
}

static strata_status fail(strata_socks_server *s, strata_status st, const char *fmt, ...)
    STRATA_PRINTF(3, 4);

static strata_status fail(strata_socks_server *s, strata_status st, const char *fmt, ...)
{
    char msg[STRATA_ERROR_MSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    s->phase = PH_FAILED;
    return strata__error_set(&s->err, st, "%s", msg);
}

/* A destination name: 1..255 bytes, printable ASCII without space. */
static strata_status take_name(strata_socks_server *s, const char *what, const uint8_t *p, size_t n)
{
    if (n == 0)
        return fail(s, STRATA_E_FORMAT, "%s destination name is empty", what);
    if (n > STRATA_SOCKS_NAME_MAX)
        return fail(s, STRATA_E_LIMIT, "%s destination name is longer than %d bytes", what,
                    STRATA_SOCKS_NAME_MAX);
    for (size_t i = 0; i < n; i++)
        if (p[i] <= 0x20 || p[i] >= 0x7f)
            return fail(s, STRATA_E_FORMAT,
                        "%s destination name holds a non-printable byte 0x%02x at offset %zu", what,
                        p[i], i);
    memcpy(s->req.host, p, n);
    s->req.host[n] = 0;
    s->req.addr_type = STRATA_SOCKS_ADDR_NAME;
    return STRATA_OK;
}

/* RFC 1928 §3: VER NMETHODS METHODS[NMETHODS]. */
static strata_status parse_greet5(strata_socks_server *s, size_t *k)
{
    const uint8_t *p = s->in;
    if (s->in_len < 2)
        return STRATA_WANT_READ;
    size_t nm = p[1];
    if (nm == 0) {
        const uint8_t r[2] = {5, SOCKS5_NO_ACCEPTABLE};
        queue(s, r, sizeof r);
        return fail(s, STRATA_E_FORMAT, "SOCKS5 greeting offers no authentication method");
    }
    if (s->in_len < 2 + nm)
        return STRATA_WANT_READ;
    if (!memchr(p + 2, SOCKS5_NO_AUTH, nm)) {
        const uint8_t r[2] = {5, SOCKS5_NO_ACCEPTABLE};
        queue(s, r, sizeof r);
        char list[64];
        size_t o = 0;
        for (size_t i = 0; i < nm && o + 8 < sizeof list; i++)
            o += (size_t)snprintf(list + o, sizeof list - o, "%s0x%02x", i ? "," : "", p[2 + i]);
        return fail(s, STRATA_E_UNSUPPORTED,
                    "SOCKS5 client offers no method strata supports (only 0x00, no "
                    "authentication): it offers %s%s",
                    list, o + 8 >= sizeof list ? ",..." : "");
    }
    const uint8_t r[2] = {5, SOCKS5_NO_AUTH};
    queue(s, r, sizeof r);
    *k = 2 + nm;
    return STRATA_OK;
}

/* RFC 1928 §4: VER CMD RSV ATYP DST.ADDR DST.PORT. */
static strata_status parse_req5(strata_socks_server *s, size_t *k)
{
    const uint8_t *p = s->in;
    size_t n = s->in_len;
    if (n >= 1 && p[0] != 5) {
        queue_reply(s, 5, STRATA_SOCKS_GENERAL_FAILURE);
        return fail(s, STRATA_E_FORMAT, "SOCKS5 request has version %u, not 5", p[0]);
    }
    if (n >= 2 && p[1] != SOCKS_CMD_CONNECT) {
        queue_reply(s, 5, STRATA_SOCKS_CMD_UNSUPPORTED);
        return fail(s, STRATA_E_UNSUPPORTED,
                    "SOCKS5 command %u (%s) is not supported: only CONNECT (1)", p[1],
                    cmd_name(p[1]));
    }
    if (n >= 3 && p[2] != 0) {
        queue_reply(s, 5, STRATA_SOCKS_GENERAL_FAILURE);
        return fail(s, STRATA_E_FORMAT, "SOCKS5 request has reserved byte 0x%02x, not 0", p[2]);
    }
    if (n < 4)
        return STRATA_WANT_READ;
    size_t alen;
    switch (p[3]) {
    case STRATA_SOCKS_ADDR_IPV4:
        alen = 4;
        break;
    case STRATA_SOCKS_ADDR_IPV6:
        alen = 16;
        break;
    case STRATA_SOCKS_ADDR_NAME:
        if (n < 5)
            return STRATA_WANT_READ;
        alen = 1 + (size_t)p[4];
        break;
    default:
        queue_reply(s, 5, STRATA_SOCKS_ATYP_UNSUPPORTED);
        return fail(s, STRATA_E_UNSUPPORTED,
                    "SOCKS5 address type %u is not supported (1 IPv4, 3 name, 4 IPv6)", p[3]);
    }
    if (n < 4 + alen + 2)
        return STRATA_WANT_READ;
    s->req.version = 5;
    s->req.addr_type = (enum strata_socks_addr)p[3];
    if (p[3] == STRATA_SOCKS_ADDR_NAME) {
        strata_status r = take_name(s, "SOCKS5", p + 5, alen - 1);
        if (r != STRATA_OK) {
            queue_reply(s, 5, STRATA_SOCKS_GENERAL_FAILURE);
            return r;
        }
    } else {
        inet_ntop(p[3] == STRATA_SOCKS_ADDR_IPV4 ? AF_INET : AF_INET6, p + 4, s->req.host,
                  sizeof s->req.host);
    }
    s->req.port = (uint16_t)(p[4 + alen] << 8 | p[4 + alen + 1]);
    *k = 4 + alen + 2;
    return STRATA_OK;
}

/* SOCKS4: VN CD DSTPORT DSTIP USERID NUL; SOCKS4a: DSTIP 0.0.0.x (x != 0)
 * and the name, NUL-terminated, after the user id. */
static strata_status parse_req4(strata_socks_server *s, size_t *k)
{
    const uint8_t *p = s->in;
    size_t n = s->in_len;
    if (n >= 2 && p[1] != SOCKS_CMD_CONNECT) {
        queue_reply(s, 4, STRATA_SOCKS_CMD_UNSUPPORTED);
        return fail(s, STRATA_E_UNSUPPORTED,
                    "SOCKS4 command %u (%s) is not supported: only CONNECT (1)", p[1],
                    cmd_name(p[1]));
    }
    if (n < 8)
        return STRATA_WANT_READ;
    /* The user id: read, bounded, ignored. */
    size_t uid_max = STRATA_SOCKS4_USERID_MAX + 1, scan = n - 8 < uid_max ? n - 8 : uid_max;
    const uint8_t *nul = memchr(p + 8, 0, scan);
    if (!nul) {
        if (n - 8 >= uid_max) {
            queue_reply(s, 4, STRATA_SOCKS_GENERAL_FAILURE);
            return fail(s, STRATA_E_LIMIT, "SOCKS4 user id is longer than %d bytes",
                        STRATA_SOCKS4_USERID_MAX);
        }
        return STRATA_WANT_READ;
    }
    size_t end = (size_t)(nul - p) + 1;
    s->req.version = 4;
    s->req.port = (uint16_t)(p[2] << 8 | p[3]);
    if (p[4] == 0 && p[5] == 0 && p[6] == 0 && p[7] != 0) {
        size_t nmax = STRATA_SOCKS_NAME_MAX + 1, left = n - end;
        const uint8_t *nul2 = memchr(p + end, 0, left < nmax ? left : nmax);
        if (!nul2) {
            if (left >= nmax) {
                queue_reply(s, 4, STRATA_SOCKS_GENERAL_FAILURE);
                return fail(s, STRATA_E_LIMIT, "SOCKS4a destination name is longer than %d bytes",
                            STRATA_SOCKS_NAME_MAX);
            }
            return STRATA_WANT_READ;
        }
        strata_status r = take_name(s, "SOCKS4a", p + end, (size_t)(nul2 - (p + end)));
        if (r != STRATA_OK) {
            queue_reply(s, 4, STRATA_SOCKS_GENERAL_FAILURE);
            return r;
        }
        s->req.socks4a = 1;
        end = (size_t)(nul2 - p) + 1;
    } else {
        s->req.addr_type = STRATA_SOCKS_ADDR_IPV4;
        inet_ntop(AF_INET, p + 4, s->req.host, sizeof s->req.host);
    }
    *k = end;
    return STRATA_OK;
}

static strata_status parse(strata_socks_server *s, size_t *k)
{
    switch (s->phase) {
    case PH_START:
        if (s->in_len < 1)
            return STRATA_WANT_READ;
        if (s->in[0] == 5)
            s->phase = PH_GREET5;
        else if (s->in[0] == 4)
            s->phase = PH_REQ4;
        else
            return fail(s, STRATA_E_FORMAT,
                        "not a SOCKS request: version byte 0x%02x (SOCKS4 and SOCKS5 are "
                        "supported)",
                        s->in[0]);
        return parse(s, k);
    case PH_GREET5:
        return parse_greet5(s, k);
    case PH_REQ5:
        return parse_req5(s, k);
    case PH_REQ4:
        return parse_req4(s, k);
    default:
        return STRATA_E_INTERNAL;
    }
}

strata_status strata_socks_server_recv(strata_socks_server *s, const uint8_t *p, size_t n,
                                       size_t *used)
{
    *used = 0;
    if (s->phase == PH_FAILED)
        return s->err.status;
    if (s->phase >= PH_DONE)
        return STRATA_E_STATE;
    for (;;) {
        size_t room = sizeof(s->in) - s->in_len;
        if (room > STRATA_SOCKS_REQUEST_MAX - s->total)
            room = STRATA_SOCKS_REQUEST_MAX - s->total;
        size_t take = n - *used < room ? n - *used : room;
        memcpy(s->in + s->in_len, p + *used, take);
        s->in_len += take;
        s->total += take;
        *used += take;
        size_t k = 0;
        strata_status r = parse(s, &k);
        if (r == STRATA_WANT_READ) {
            if (*used < n) /* no room left for what the client sent */
                return fail(s, STRATA_E_LIMIT, "SOCKS request is longer than %d bytes",
                            STRATA_SOCKS_REQUEST_MAX);
            return r;
        }
        if (r != STRATA_OK)
            return r;
        /* The message ends at k: what follows came in this call. */
        size_t extra = s->in_len - k;
        *used -= extra;
        s->total -= extra;
        s->in_len = 0;
        if (s->phase == PH_GREET5) {
            s->phase = PH_REQ5;
            if (*used == n)
                return STRATA_WANT_READ;
            continue;
        }
        s->phase = PH_DONE;
        return STRATA_OK;
    }
}

strata_status strata_socks_server_new(strata_socks_server **out)
{
    *out = calloc(1, sizeof **out);
    return *out ? STRATA_OK : STRATA_E_NOMEM;
}

void strata_socks_server_free(strata_socks_server *s)
{
    free(s);
}

const uint8_t *strata_socks_server_out(const strata_socks_server *s, size_t *n)
{
    *n = s->out_len - s->out_off;
    return s->out + s->out_off;
}

void strata_socks_server_out_ack(strata_socks_server *s, size_t n)
{
    if (n > s->out_len - s->out_off)
        n = s->out_len - s->out_off;
    s->out_off += n;
    if (s->out_off == s->out_len)
        s->out_off = s->out_len = 0;
}

const strata_socks_request *strata_socks_server_request(const strata_socks_server *s)
{
    return s->phase == PH_DONE || s->phase == PH_REPLIED ? &s->req : NULL;
}

strata_status strata_socks_server_reply(strata_socks_server *s, enum strata_socks_reply code)
{
    if (s->phase != PH_DONE)
        return STRATA_E_STATE;
    if ((unsigned)code > STRATA_SOCKS_ATYP_UNSUPPORTED)
        return STRATA_E_USAGE;
    queue_reply(s, s->req.version, code);
    s->phase = PH_REPLIED;
    return STRATA_OK;
}

const strata_error *strata_socks_server_error(const strata_socks_server *s)
{
    return &s->err;
}

enum strata_socks_reply strata_socks_reply_for_open_failure(uint32_t reason)
{
    /* RFC 4254 §5.1 reason codes. */
    if (reason == 1)
        return STRATA_SOCKS_NOT_ALLOWED;
    if (reason == 2)
        return STRATA_SOCKS_CONN_REFUSED;
    return STRATA_SOCKS_GENERAL_FAILURE;
}
