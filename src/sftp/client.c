/* SFTP client engine: framing, request ids, the outstanding-request table.
 *
 * Implementation note. Every packet is uint32 length, byte type, payload
 * (draft-ietf-secsh-filexfer-02 §3). Output is one capped buffer of queued
 * requests. Input is parsed in place when a whole packet is at hand and
 * copied into `in` only when a packet straddles two feeds, so a DATA reply
 * of 255 KiB is not copied before its callback sees it. A length above
 * STRATA_SFTP_PACKET_MAX fails the engine before any byte of the packet is
 * buffered. Ids count up; a request lives in slot id % INFLIGHT_MAX, so a
 * reply is matched in constant time, and an id whose slot is busy is
 * skipped when allocating.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/error_internal.h"
#include "sftp/sftp_internal.h"

#define OUT_MAX (24u * 1024u * 1024u)

static void out_patch_u32(strata_sftp *s, size_t at, uint32_t v)
{
    uint8_t *p = s->out.data + at;
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

strata_status strata_sftp_new(strata_sftp **out)
{
    *out = NULL;
    strata_sftp *s = calloc(1, sizeof(*s));
    if (!s)
        return STRATA_E_NOMEM;
    strata_buf_init(&s->out, OUT_MAX);
    strata_buf_init(&s->in, STRATA_SFTP_PACKET_MAX + 4u);
    s->next_id = 1;
    /* §4: SSH_FXP_INIT carries the version and no request id. */
    strata_status r = strata_buf_put_u32(&s->out, 5);
    if (r == STRATA_OK)
        r = strata_buf_put_u8(&s->out, SSH_FXP_INIT);
    if (r == STRATA_OK)
        r = strata_buf_put_u32(&s->out, STRATA_SFTP_VERSION);
    if (r != STRATA_OK) {
        strata_sftp_free(s);
        return r;
    }
    *out = s;
    return STRATA_OK;
}

void strata_sftp_free(strata_sftp *s)
{
    if (!s)
        return;
    strata_buf_free(&s->out);
    strata_buf_free(&s->in);
    for (size_t i = 0; i < s->n_ext; i++) {
        free(s->ext[i].name);
        free(s->ext[i].data);
    }
    free(s->names);
    free(s->scratch);
    free(s);
}

const uint8_t *strata_sftp_out(const strata_sftp *s, size_t *n)
{
    *n = strata_buf_len(&s->out);
    return strata_buf_ptr(&s->out);
}

void strata_sftp_out_ack(strata_sftp *s, size_t n)
{
    size_t have = strata_buf_len(&s->out);
    if (strata_buf_consume(&s->out, n < have ? n : have) != STRATA_OK)
        return;
    if (strata_buf_len(&s->out) == 0)
        strata_buf_reset(&s->out);
}

static strata_status fail(strata_sftp *s)
{
    return s->err.status;
}

/* Parses the packets of b in place; a trailing partial packet is left. */
static strata_status parse_packets(strata_sftp *s, strata_buf *b)
{
    for (;;) {
        uint32_t len;
        if (strata_buf_peek_u32(b, &len) != STRATA_OK)
            return STRATA_OK;
        if (len == 0)
            return strata__error_set(&s->err, STRATA_E_SFTP_PACKET,
                                     "SFTP packet of length 0 (no type byte)");
        if (len > STRATA_SFTP_PACKET_MAX)
            return strata__error_set(&s->err, STRATA_E_SFTP_PACKET,
                                     "SFTP packet of %u bytes is longer than the limit of %u", len,
                                     STRATA_SFTP_PACKET_MAX);
        if (strata_buf_len(b) - 4u < len)
            return STRATA_OK;
        strata_buf pkt;
        strata_buf_view(&pkt, strata_buf_ptr(b) + 4, len);
        strata_status r = strata_buf_consume(b, 4u + (size_t)len);
        if (r == STRATA_OK)
            r = strata__sftp_dispatch(s, &pkt);
        if (r != STRATA_OK)
            return strata__error_set(&s->err, r, "SFTP: %s", strata_status_str(r));
    }
}

strata_status strata_sftp_feed(strata_sftp *s, const uint8_t *p, size_t n)
{
    strata_status r;
    if (s->err.status != STRATA_OK)
        return fail(s);
    while (n > 0) {
        if (strata_buf_len(&s->in) == 0) {
            /* Whole packets straight from the caller's bytes. */
            strata_buf v;
            strata_buf_view(&v, p, n);
            if ((r = parse_packets(s, &v)) != STRATA_OK)
                return r;
            size_t rest = strata_buf_len(&v);
            if ((r = strata_buf_put(&s->in, strata_buf_ptr(&v), rest)) != STRATA_OK)
                return strata__error_set(&s->err, r, "SFTP: cannot buffer a partial packet");
            return STRATA_OK;
        }
        /* Complete the partial packet first: its header, then its body. */
        size_t have = strata_buf_len(&s->in);
        size_t need = 4;
        uint32_t len;
        if (strata_buf_peek_u32(&s->in, &len) == STRATA_OK) {
            if (len > STRATA_SFTP_PACKET_MAX || len == 0)
                return parse_packets(s, &s->in);
            need = 4u + (size_t)len;
        }
        size_t k = need - have < n ? need - have : n;
        if ((r = strata_buf_put(&s->in, p, k)) != STRATA_OK)
            return strata__error_set(&s->err, r, "SFTP: cannot buffer a partial packet");
        p += k;
        n -= k;
        if (strata_buf_len(&s->in) >= 4 && (r = parse_packets(s, &s->in)) != STRATA_OK)
            return r;
        if (strata_buf_len(&s->in) == 0)
            strata_buf_reset(&s->in);
    }
    return STRATA_OK;
}

void strata_sftp_eof(strata_sftp *s, const char *why)
{
    char msg[STRATA_ERROR_MSG_MAX];
    snprintf(msg, sizeof(msg), "SFTP server's stream ended%s%s with %zu request(s) outstanding",
             why ? ": " : "", why ? why : "", s->n_pending);
    (void)strata__error_set(&s->err, STRATA_E_SFTP_CONNECTION_LOST, "%s", msg);
    for (size_t i = 0; i < STRATA_SFTP_INFLIGHT_MAX; i++) {
        struct sftp_pending *q = &s->pending[i];
        if (!q->used)
            continue;
        q->used = 0;
        s->n_pending--;
        if (!q->fn)
            continue;
        strata_sftp_reply rep;
        memset(&rep, 0, sizeof(rep));
        rep.id = q->id;
        rep.kind = STRATA_SFTP_REPLY_STATUS;
        rep.status = STRATA_E_SFTP_CONNECTION_LOST;
        rep.code = STRATA_SFTP_CONNECTION_LOST;
        rep.message = msg;
        q->fn(q->user, &rep);
    }
}

strata_status strata_sftp_ready(const strata_sftp *s)
{
    if (s->err.status != STRATA_OK)
        return s->err.status;
    return s->got_version && !s->limits_pending ? STRATA_OK : STRATA_WANT_READ;
}

uint32_t strata_sftp_version(const strata_sftp *s)
{
    return s->version;
}

int strata_sftp_has_ext(const strata_sftp *s, const char *name, const char *ver)
{
    for (size_t i = 0; i < s->n_ext; i++)
        if (strcmp(s->ext[i].name, name) == 0 && (!ver || strcmp(s->ext[i].data, ver) == 0))
            return 1;
    return 0;
}

void strata_sftp_get_limits(const strata_sftp *s, strata_sftp_limits *out)
{
    *out = s->limits;
}

size_t strata_sftp_outstanding(const strata_sftp *s)
{
    return s->n_pending;
}

const strata_error *strata_sftp_error(const strata_sftp *s)
{
    return &s->err;
}

strata_status strata__sftp_begin(strata_sftp *s, uint8_t type, const char *ext, struct sftp_req *rq)
{
    if (s->err.status != STRATA_OK)
        return s->err.status;
    if (!s->got_version)
        return STRATA_E_STATE;
    if (s->n_pending >= STRATA_SFTP_INFLIGHT_MAX)
        return STRATA_E_LIMIT;
    uint32_t id = s->next_id;
    while (s->pending[id % STRATA_SFTP_INFLIGHT_MAX].used)
        id++;
    rq->id = id;
    rq->start = strata_buf_len(&s->out);
    strata_status r = strata_buf_put_u32(&s->out, 0);
    if (r == STRATA_OK)
        r = strata_buf_put_u8(&s->out, type);
    if (r == STRATA_OK)
        r = strata_buf_put_u32(&s->out, id);
    if (r == STRATA_OK && ext)
        r = strata_buf_put_cstring(&s->out, ext);
    if (r != STRATA_OK)
        strata__sftp_abort(s, rq);
    return r;
}

void strata__sftp_abort(strata_sftp *s, struct sftp_req *rq)
{
    size_t have = strata_buf_len(&s->out);
    if (have > rq->start && strata_buf_consume_end(&s->out, have - rq->start) != STRATA_OK)
        return; /* cannot happen: have - start bytes are there */
}

strata_status strata__sftp_end(strata_sftp *s, struct sftp_req *rq, uint8_t type,
                               enum strata_sftp_reply_kind want, strata_sftp_reply_fn fn,
                               void *user, uint32_t *id)
{
    size_t len = strata_buf_len(&s->out) - rq->start - 4u;
    /* rq->start counts from the read offset; the buffer may have been
     * compacted meanwhile only by an ack, which callers do not interleave. */
    out_patch_u32(s, s->out.off + rq->start, (uint32_t)len);
    struct sftp_pending *q = &s->pending[rq->id % STRATA_SFTP_INFLIGHT_MAX];
    q->used = 1;
    q->id = rq->id;
    q->type = type;
    q->want = want;
    q->fn = fn;
    q->user = user;
    s->n_pending++;
    s->next_id = rq->id + 1;
    if (id)
        *id = rq->id;
    return STRATA_OK;
}

void strata__sftp_forget(strata_sftp *s, void *user)
{
    for (size_t i = 0; i < STRATA_SFTP_INFLIGHT_MAX; i++)
        if (s->pending[i].used && s->pending[i].user == user)
            s->pending[i].fn = NULL;
}
