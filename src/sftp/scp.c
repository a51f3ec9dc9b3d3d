/* The legacy SCP/RCP protocol engine (strata/scp.h), both roles.
 *
 * Implementation note. Input is a byte stream in one of four states: a text
 * line being gathered (bounded by STRATA_SCP_LINE_MAX, refused beyond it
 * before any more is buffered), file data (handed to the DATA callback
 * straight from the caller's bytes, never copied), the status byte after a
 * file's data, or (source) the answer to a record. A line is parsed only
 * once its newline is in, so a record split across feeds behaves as a
 * whole one. Every number is read digit by digit with an overflow check
 * before each step; nothing is taken from strtoull's laxness (signs,
 * spaces, hex). A refused record fails the engine before any event for it
 * runs: the caller never learns a name it should not have created.
 *
 * The source pipelines what cannot be refused in a way that changes what
 * follows: T, E and a file's trailing status go out without waiting; only C
 * and D wait for their answer (a refused C has no data behind it, a refused
 * D no contents). Answers come back in order; the kinds still owed are a
 * bounded FIFO.
 *
 * This file: the common part (output, errors, feed, eof); the sink's
 * records are scp_sink.c, the source's scp_source.c.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/error_internal.h"
#include "sftp/scp_internal.h"

/* Escapes for messages: printable ASCII stays, the rest as \ooo. */
void strata__scp_vis_some(char *dst, size_t cap, const char *src, size_t n, int controls_only)
{
    size_t o = 0;
    for (size_t i = 0; i < n && o + 5 < cap; i++) {
        unsigned char c = (unsigned char)src[i];
        /* controls_only: C0, DEL and C1 (terminal controls) only */
        if (controls_only ? c >= 0x20 && (c < 0x7f || c > 0x9f)
                          : c >= 0x20 && c < 0x7f && c != '\\') {
            dst[o++] = (char)c;
        } else {
            snprintf(dst + o, cap - o, "\\%03o", c);
            o += 4;
        }
    }
    dst[o] = 0;
}

void strata__scp_vis(char *dst, size_t cap, const char *src, size_t n)
{
    strata__scp_vis_some(dst, cap, src, n, 0);
}

/* "<lead>scp: <msg>\n", control bytes in msg escaped (a newline would end
 * the line early and desynchronise the peer). */
strata_status strata__scp_put_line(strata_scp *s, char lead, const char *msg)
{
    char buf[STRATA_SCP_LINE_MAX], shown[MSG_MAX + 1];
    strata__scp_vis_some(shown, sizeof(shown), msg, strlen(msg), 1);
    int k = snprintf(buf, sizeof(buf), "%cscp: %s\n", lead, shown);
    if (k < 0 || (size_t)k >= sizeof(buf))
        k = (int)sizeof(buf) - 1, buf[k - 1] = '\n';
    return strata_buf_put(&s->out, buf, (size_t)k);
}

/* Records a refusal (sticky) and tells the peer it is fatal. */
strata_status strata__scp_fail(strata_scp *s, strata_status st, const char *fmt, ...)
{
    if (s->err.status != STRATA_OK)
        return s->err.status;
    va_list ap;
    va_start(ap, fmt);
    (void)strata_error_vset(&s->err, st, fmt, ap);
    va_end(ap);
    if (s->staged == 0)
        (void)strata__scp_put_line(s, '\2', s->err.msg);
    return st;
}

strata_status strata__scp_put_ack(strata_scp *s)
{
    strata_status r = strata_buf_put_u8(&s->out, 0);
    return r == STRATA_OK ? r : strata__scp_fail(s, r, "cannot queue an answer");
}

/* The callback, with the refusal window open for one event type. */
void strata__scp_emit(strata_scp *s, strata_scp_event *ev)
{
    ev->depth = s->depth;
    s->in_event = ev->type;
    s->cfg.on_event(s->cfg.user, s, ev);
    s->in_event = 0;
}

strata_status strata_scp_new(const strata_scp_config *cfg, strata_scp **out)
{
    *out = NULL;
    if (!cfg || !cfg->on_event ||
        (cfg->role != STRATA_SCP_SINK && cfg->role != STRATA_SCP_SOURCE) ||
        cfg->max_depth > STRATA_SCP_DEPTH_MAX)
        return STRATA_E_USAGE;
    strata_scp *s = calloc(1, sizeof(*s));
    if (!s)
        return STRATA_E_NOMEM;
    s->cfg = *cfg;
    s->cfg.expect = NULL;
    s->max_depth = cfg->max_depth ? cfg->max_depth : STRATA_SCP_DEPTH_DEFAULT;
    strata_buf_init(&s->out, OUT_MAX);
    const char *e = cfg->expect;
    if (e && *e && strcmp(e, ".") && strcmp(e, "..") && e[0] != '~' && !strchr(e, '/')) {
        if (!(s->expect = strdup(e))) {
            strata_scp_free(s);
            return STRATA_E_NOMEM;
        }
        s->check_expect = !cfg->recursive;
        s->expect_glob = strpbrk(e, "*?[") != NULL;
    }
    if (cfg->role == STRATA_SCP_SINK) {
        s->in = IN_LINE;
        s->line_kind = LINE_RECORD;
        if (strata_buf_put_u8(&s->out, 0) != STRATA_OK) { /* the sink speaks first */
            strata_scp_free(s);
            return STRATA_E_NOMEM;
        }
    } else {
        s->in = IN_ANSWER;
        s->owed[0] = 'S'; /* the sink's opening \0 */
        s->owed_n = 1;
        s->blocked = 1;
    }
    *out = s;
    return STRATA_OK;
}

void strata_scp_free(strata_scp *s)
{
    if (!s)
        return;
    strata_buf_free(&s->out);
    free(s->expect);
    free(s);
}

const strata_error *strata_scp_error(const strata_scp *s)
{
    return &s->err;
}

const uint8_t *strata_scp_out(const strata_scp *s, size_t *n)
{
    *n = strata_buf_len(&s->out) - s->staged;
    return strata_buf_ptr(&s->out);
}

void strata_scp_out_ack(strata_scp *s, size_t n)
{
    size_t have = strata_buf_len(&s->out) - s->staged;
    if (strata_buf_consume(&s->out, n < have ? n : have) != STRATA_OK)
        return; /* cannot happen: n is bounded by what is there */
}

/* The peer's \1 / \2 line as a message (without the newline, escaped). */
void strata__scp_peer_message(const strata_scp *s, char *buf, size_t cap)
{
    size_t n = s->line_len > 1 ? s->line_len - 1 : 0;
    strata__scp_vis_some(buf, cap, s->line + 1, n, 1);
}

/* ---- feed ------------------------------------------------------------------------- */

/* Gathers a line; 1 when its newline came (not stored), 0 when more is due. */
static int gather(strata_scp *s, const uint8_t **p, size_t *n, strata_status *r)
{
    const uint8_t *nl = memchr(*p, '\n', *n);
    size_t take = nl ? (size_t)(nl - *p) : *n;
    *r = STRATA_OK;
    if (take > STRATA_SCP_LINE_MAX - s->line_len) {
        *r = strata__scp_fail(s, STRATA_E_LIMIT, "protocol error: line longer than %u bytes",
                              STRATA_SCP_LINE_MAX);
        return 0;
    }
    memcpy(s->line + s->line_len, *p, take);
    s->line_len += take;
    s->line[s->line_len] = 0;
    *p += take + (nl ? 1 : 0);
    *n -= take + (nl ? 1 : 0);
    return nl != NULL;
}

strata_status strata_scp_feed(strata_scp *s, const uint8_t *p, size_t n)
{
    strata_status r = s->err.status;
    while (r == STRATA_OK && n > 0) {
        switch (s->in) {
        case IN_DATA: {
            uint64_t left = s->size - s->got;
            size_t k = left < n ? (size_t)left : n;
            if (!s->refused) {
                strata_scp_event ev = {.type = STRATA_SCP_EV_DATA,
                                       .name = s->name,
                                       .size = s->size,
                                       .data = p,
                                       .len = k,
                                       .offset = s->got,
                                       .message = ""};
                strata__scp_emit(s, &ev);
                r = s->err.status;
            }
            s->got += k;
            p += k, n -= k;
            if (s->got == s->size)
                s->in = IN_STATUS;
            break;
        }
        case IN_STATUS:
            if (*p == 0) {
                p++, n--;
                r = strata__scp_end_file(s, "");
            } else if (*p == 1 || *p == 2) {
                s->in = IN_LINE;
                s->line_kind = LINE_FILE_MSG;
                s->line_len = 0;
            } else {
                r = strata__scp_fail(
                    s, STRATA_E_PROTOCOL,
                    "protocol error: bad status byte 0x%02x after the data of \"%s\"", *p, s->name);
            }
            break;
        case IN_ANSWER:
            if (s->owed_n == 0) {
                r = strata__scp_fail(s, STRATA_E_PROTOCOL,
                                     "protocol error: answer with nothing asked");
                break;
            }
            s->line_len = 0;
            if (*p == 0) {
                p++, n--;
                r = strata__scp_answered(s, NULL);
                break;
            }
            s->in = IN_LINE;
            s->line_kind = *p == 1 || *p == 2 ? LINE_ANSWER : LINE_BAD_REPLY;
            break;
        case IN_LINE:
            if (gather(s, &p, &n, &r)) {
                r = s->cfg.role == STRATA_SCP_SINK ? strata__scp_sink_line(s)
                                                   : strata__scp_source_line(s);
                s->line_len = 0;
            }
            break;
        }
    }
    return r;
}

strata_status strata_scp_eof(strata_scp *s)
{
    if (s->err.status)
        return s->err.status;
    if (s->cfg.role == STRATA_SCP_SINK) {
        if (s->in == IN_DATA || s->in == IN_STATUS)
            return strata__error_set(
                &s->err, STRATA_E_IO, "lost connection: %llu of %llu bytes of \"%s\" received",
                (unsigned long long)s->got, (unsigned long long)s->size, s->name);
        if (s->line_len || s->line_kind != LINE_RECORD)
            return strata__error_set(&s->err, STRATA_E_IO,
                                     "lost connection: the stream ended inside a record");
        if (s->depth)
            return strata__error_set(&s->err, STRATA_E_IO,
                                     "lost connection: the stream ended inside a directory");
        return STRATA_OK;
    }
    if (s->owed_n || s->in != IN_ANSWER)
        return strata__error_set(&s->err, STRATA_E_IO,
                                 "lost connection: the peer ended with %zu answer(s) owed",
                                 s->owed_n);
    return STRATA_OK;
}
