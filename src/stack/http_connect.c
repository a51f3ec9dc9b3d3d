/* The HTTP CONNECT layer (RFC 9110 §9.3.6), client role.
 *
 * The layer takes from beneath only up to the end of the proxy's reply
 * header (the blank line), so bytes the proxy or the origin sent after it in
 * the same read stay with the stack and reach the next layer, never lost.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/evp.h>

#include "strata/http_connect.h"
#include "strata/buf.h"
#include "strata/mem.h"
#include "base/error_internal.h"

#define PASS_CAP (64u * 1024u) /* bytes held each way once the tunnel is up */

struct hc {
    unsigned state;
    size_t header_max;
    int header_done;
    int close_pending; /* shut down before the tunnel was up */
    char target[300];
    strata_buf head;  /* reply header being read */
    strata_buf up;    /* tunnel bytes for above */
    strata_buf down;  /* request, then tunnel bytes for beneath */
    strata_buf early; /* application bytes written before the tunnel was up */
    int status;
    char reason[80];
    strata_error err;
};

static strata_status fail(struct hc *h, strata_status st, const char *fmt, ...) STRATA_PRINTF(3, 4);

static strata_status fail(struct hc *h, strata_status st, const char *fmt, ...)
{
    h->state |= STRATA_LAYER_FAILED;
    va_list ap;
    va_start(ap, fmt);
    strata_error_vset(&h->err, st, fmt, ap);
    va_end(ap);
    return st;
}

/* Copies up to cap bytes of s into out, printable ASCII only. */
static void printable(char *out, size_t cap, const uint8_t *s, size_t n)
{
    size_t k = 0;
    for (size_t i = 0; i < n && k + 1 < cap; i++)
        out[k++] = (s[i] >= 0x20 && s[i] < 0x7f) ? (char)s[i] : '.';
    out[k] = 0;
}

/* Parses "HTTP/1.x SSS reason" at the start of the header. */
static strata_status parse_status(struct hc *h)
{
    const uint8_t *p = strata_buf_ptr(&h->head);
    size_t n = strata_buf_len(&h->head);
    const uint8_t *eol = memchr(p, '\n', n);
    size_t line = eol ? (size_t)(eol - p) : n;
    if (line > 0 && p[line - 1] == '\r')
        line--;
    char shown[64];
    printable(shown, sizeof(shown), p, line);
    if (line < 12 || memcmp(p, "HTTP/1.", 7) != 0 || (p[7] != '0' && p[7] != '1') || p[8] != ' ' ||
        p[9] < '1' || p[9] > '5' || p[10] < '0' || p[10] > '9' || p[11] < '0' || p[11] > '9' ||
        (line > 12 && p[12] != ' '))
        return fail(h, STRATA_E_PROTOCOL, "malformed proxy reply status line '%s'", shown);
    h->status = (p[9] - '0') * 100 + (p[10] - '0') * 10 + (p[11] - '0');
    printable(h->reason, sizeof(h->reason), p + 13 > p + line ? p + line : p + 13,
              line > 13 ? line - 13 : 0);
    return STRATA_OK;
}

static strata_status hc_start(void *self)
{
    (void)self;
    return STRATA_OK; /* the request was queued when the layer was made */
}

static strata_status finish_header(struct hc *h)
{
    strata_status r = parse_status(h);
    if (r != STRATA_OK)
        return r;
    if (h->status < 200 || h->status > 299) {
        h->state |= STRATA_LAYER_FAILED;
        return strata__error_set(&h->err, STRATA_E_PROXY_REFUSED, "proxy refused CONNECT %s: %d %s",
                                 h->target, h->status, h->reason);
    }
    h->header_done = 1;
    h->state |= STRATA_LAYER_UP;
    strata_buf_free(&h->head);
    /* Release what the application wrote while we waited. */
    if (strata_buf_len(&h->early) > 0) {
        r = strata_buf_put(&h->down, strata_buf_ptr(&h->early), strata_buf_len(&h->early));
        if (r != STRATA_OK)
            return fail(h, r, "tunnel buffer");
        strata_buf_reset(&h->early);
    }
    if (h->close_pending)
        h->state |= STRATA_LAYER_WRITE_CLOSED; /* the held bytes are out first */
    return STRATA_OK;
}

static strata_status hc_recv(void *self, const uint8_t *p, size_t n, size_t *used)
{
    struct hc *h = self;
    *used = 0;
    if (h->state & (STRATA_LAYER_FAILED | STRATA_LAYER_READ_CLOSED))
        return h->err.status;
    if (!h->header_done) {
        /* Take bytes up to and including the blank line, no further. */
        size_t take = 0;
        while (take < n && !h->header_done) {
            if (strata_buf_len(&h->head) >= h->header_max)
                return fail(h, STRATA_E_LIMIT, "proxy reply header exceeds %zu bytes",
                            h->header_max);
            strata_status r = strata_buf_put_u8(&h->head, p[take]);
            if (r != STRATA_OK)
                return fail(h, r, "header buffer");
            take++;
            size_t hl = strata_buf_len(&h->head);
            const uint8_t *hp = strata_buf_ptr(&h->head);
            if (hl >= 2 && hp[hl - 1] == '\n' &&
                (hp[hl - 2] == '\n' || (hl >= 4 && hp[hl - 2] == '\r' && hp[hl - 3] == '\n'))) {
                *used = take;
                return finish_header(h);
            }
        }
        *used = take;
        return STRATA_OK;
    }
    size_t room = PASS_CAP - strata_buf_len(&h->up);
    size_t take = n < room ? n : room;
    strata_status r = strata_buf_put(&h->up, p, take);
    if (r != STRATA_OK)
        return fail(h, r, "tunnel buffer");
    *used = take;
    return STRATA_OK;
}

static const uint8_t *hc_recv_buf(void *self, size_t *n)
{
    struct hc *h = self;
    *n = strata_buf_len(&h->up);
    return strata_buf_ptr(&h->up);
}

static void hc_recv_ack(void *self, size_t n)
{
    struct hc *h = self;
    if (strata_buf_consume(&h->up, n) != STRATA_OK)
        fail(h, STRATA_E_INTERNAL, "acknowledged more than was read");
}

static strata_status hc_send(void *self, const uint8_t *p, size_t n, size_t *used)
{
    struct hc *h = self;
    *used = 0;
    if (h->state & STRATA_LAYER_FAILED)
        return h->err.status;
    if (h->state & STRATA_LAYER_WRITE_CLOSED)
        return STRATA_E_STATE;
    strata_buf *to = h->header_done ? &h->down : &h->early;
    size_t have = strata_buf_len(to);
    size_t room = have < PASS_CAP ? PASS_CAP - have : 0;
    size_t take = n < room ? n : room;
    strata_status r = strata_buf_put(to, p, take);
    if (r != STRATA_OK)
        return fail(h, r, "tunnel buffer");
    *used = take;
    return STRATA_OK;
}

static const uint8_t *hc_send_buf(void *self, size_t *n)
{
    struct hc *h = self;
    *n = strata_buf_len(&h->down);
    return strata_buf_ptr(&h->down);
}

static void hc_send_ack(void *self, size_t n)
{
    struct hc *h = self;
    if (strata_buf_consume(&h->down, n) != STRATA_OK)
        fail(h, STRATA_E_INTERNAL, "acknowledged more than was offered");
}

static strata_status hc_shutdown(void *self)
{
    struct hc *h = self;
    /* Bytes held until the tunnel is up must reach the wire before its end. */
    if (h->header_done)
        h->state |= STRATA_LAYER_WRITE_CLOSED;
    else
        h->close_pending = 1;
    return STRATA_OK;
}

static strata_status hc_eof(void *self)
{
    struct hc *h = self;
    if (!h->header_done)
        return fail(h, STRATA_E_PROTOCOL,
                    "proxy closed the connection before replying to CONNECT %s", h->target);
    h->state |= STRATA_LAYER_READ_CLOSED;
    return STRATA_OK;
}

static unsigned hc_state(const void *self)
{
    return ((const struct hc *)self)->state;
}

static const strata_error *hc_error(const void *self)
{
    return &((const struct hc *)self)->err;
}

static void hc_describe(const void *self, char *buf, size_t cap)
{
    const struct hc *h = self;
    snprintf(buf, cap, "http-connect %s: %d %s", h->target, h->status, h->reason);
}

static void hc_free(void *self)
{
    struct hc *h = self;
    strata_buf_free(&h->head);
    strata_buf_free(&h->up);
    strata_buf_free(&h->down); /* secret: held the authorization */
    strata_buf_free(&h->early);
    free(h);
}

/* Once the tunnel is up, bytes pass through unframed: a TLS layer above is
 * fitted to the records beneath this one. */
static size_t hc_record_room(const void *self)
{
    (void)self;
    return STRATA_LAYER_UNFRAMED;
}

static const struct strata_layer_ops hc_ops = {
    .name = "http-connect",
    .start = hc_start,
    .recv = hc_recv,
    .recv_buf = hc_recv_buf,
    .recv_ack = hc_recv_ack,
    .send = hc_send,
    .send_buf = hc_send_buf,
    .send_ack = hc_send_ack,
    .record_room = hc_record_room,
    .shutdown = hc_shutdown,
    .eof = hc_eof,
    .state = hc_state,
    .error = hc_error,
    .describe = hc_describe,
    .free = hc_free,
};

/* A host is safe to put in the request line: no spaces, controls or '/'. */
static int host_ok(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 255)
        return 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c <= 0x20 || c >= 0x7f || c == '/' || c == '@')
            return 0;
    }
    return 1;
}

static strata_status put_auth(strata_buf *b, const char *user, const char *pass)
{
    size_t ul = strlen(user), pl = pass ? strlen(pass) : 0;
    if (ul > 255 || pl > 255 || memchr(user, ':', ul))
        return STRATA_E_USAGE;
    uint8_t cred[512];
    char b64[700];
    memcpy(cred, user, ul);
    cred[ul] = ':';
    if (pl)
        memcpy(cred + ul + 1, pass, pl);
    int k = EVP_EncodeBlock((unsigned char *)b64, cred, (int)(ul + 1 + pl));
    strata_memzero(cred, sizeof(cred));
    strata_status r = STRATA_E_CRYPTO;
    if (k > 0) {
        r = strata_buf_put(b, "Proxy-Authorization: Basic ", 27);
        if (r == STRATA_OK)
            r = strata_buf_put(b, b64, (size_t)k);
        if (r == STRATA_OK)
            r = strata_buf_put(b, "\r\n", 2);
    }
    strata_memzero(b64, sizeof(b64));
    return r;
}

strata_status strata_http_connect_layer_new(const strata_http_connect_config *cfg,
                                            strata_layer *out)
{
    *out = (strata_layer){NULL, NULL};
    if (!cfg || !cfg->host || !host_ok(cfg->host) || cfg->port == 0)
        return STRATA_E_USAGE;
    struct hc *h = calloc(1, sizeof(*h));
    if (!h)
        return STRATA_E_NOMEM;
    h->header_max = cfg->header_max ? cfg->header_max : STRATA_HTTP_CONNECT_HEADER_MAX;
    strata_buf_init(&h->head, h->header_max);
    strata_buf_init(&h->up, PASS_CAP);
    strata_buf_init(&h->down, 2 * PASS_CAP);
    strata_buf_init(&h->early, PASS_CAP);
    strata_buf_set_secret(&h->down);
    /* An IPv6 literal goes in brackets (RFC 9110 §7.2 authority form). */
    int v6 = strchr(cfg->host, ':') != NULL;
    snprintf(h->target, sizeof(h->target), "%s%s%s:%u", v6 ? "[" : "", cfg->host, v6 ? "]" : "",
             (unsigned)cfg->port);
    char line[700];
    int n =
        snprintf(line, sizeof(line), "CONNECT %s HTTP/1.1\r\nHost: %s\r\n", h->target, h->target);
    strata_status r = strata_buf_put(&h->down, line, (size_t)n);
    if (r == STRATA_OK && cfg->user)
        r = put_auth(&h->down, cfg->user, cfg->pass);
    if (r == STRATA_OK)
        r = strata_buf_put(&h->down, "\r\n", 2);
    if (r != STRATA_OK) {
        hc_free(h);
        return r;
    }
    *out = (strata_layer){&hc_ops, h};
    return STRATA_OK;
}
