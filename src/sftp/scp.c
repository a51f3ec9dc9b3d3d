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
 */
#include <fnmatch.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/error_internal.h"
#include "strata/buf.h"
#include "strata/scp.h"

#define OUT_MAX (2u * STRATA_SCP_DATA_CHUNK + 8u * STRATA_SCP_LINE_MAX)
#define OWED_MAX (STRATA_SCP_DEPTH_MAX + 8u)
#define MSG_MAX (STRATA_SCP_LINE_MAX - 8u)

enum in_state {
    IN_LINE,   /* gathering a line up to '\n' */
    IN_DATA,   /* sink: file data */
    IN_STATUS, /* sink: the byte after a file's data */
    IN_ANSWER, /* source: the first byte of an answer */
};

/* What a line in IN_LINE is. */
enum line_kind {
    LINE_RECORD,    /* sink: a record or a \1 / \2 message */
    LINE_FILE_MSG,  /* sink: the \1 / \2 message after a file's data */
    LINE_ANSWER,    /* source: the message of a \1 / \2 answer */
    LINE_BAD_REPLY, /* source: an answer that is neither: its text */
};

struct strata_scp {
    strata_scp_config cfg;
    char *expect;
    int check_expect, expect_glob;
    unsigned max_depth;
    strata_error err;
    strata_buf out;
    size_t staged; /* source: bytes reserved by data_buf, not yet acked */

    enum in_state in;
    enum line_kind line_kind;
    char line[STRATA_SCP_LINE_MAX + 1];
    size_t line_len;
    unsigned depth;

    /* sink: the current file, the pending T record, the callback's verdict */
    int has_times;
    int64_t mtime, atime;
    char name[STRATA_SCP_NAME_MAX + 1];
    uint64_t size, got;
    strata_scp_event_type in_event; /* 0 outside a callback */
    int refused;
    char refuse_msg[MSG_MAX + 1];

    /* source */
    char owed[OWED_MAX]; /* 'S' start, 'T', 'C', 'D', 'E', 'F' file end */
    size_t owed_head, owed_n;
    int blocked;    /* a C or D is unanswered */
    int file_phase; /* a C was accepted: data, then send_file_end */
    uint64_t data_left;
    unsigned src_depth;
};

/* Escapes for messages: printable ASCII stays, the rest as \ooo. */
static void vis_some(char *dst, size_t cap, const char *src, size_t n, int controls_only)
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

static void vis(char *dst, size_t cap, const char *src, size_t n)
{
    vis_some(dst, cap, src, n, 0);
}

/* "<lead>scp: <msg>\n", control bytes in msg escaped (a newline would end
 * the line early and desynchronise the peer). */
static strata_status put_line(strata_scp *s, char lead, const char *msg)
{
    char buf[STRATA_SCP_LINE_MAX], shown[MSG_MAX + 1];
    vis_some(shown, sizeof(shown), msg, strlen(msg), 1);
    int k = snprintf(buf, sizeof(buf), "%cscp: %s\n", lead, shown);
    if (k < 0 || (size_t)k >= sizeof(buf))
        k = (int)sizeof(buf) - 1, buf[k - 1] = '\n';
    return strata_buf_put(&s->out, buf, (size_t)k);
}

/* Records a refusal (sticky) and tells the peer it is fatal. */
static strata_status fail(strata_scp *s, strata_status st, const char *fmt, ...)
    STRATA_PRINTF(3, 4);
static strata_status fail(strata_scp *s, strata_status st, const char *fmt, ...)
{
    if (s->err.status != STRATA_OK)
        return s->err.status;
    va_list ap;
    va_start(ap, fmt);
    (void)strata_error_vset(&s->err, st, fmt, ap);
    va_end(ap);
    if (s->staged == 0)
        (void)put_line(s, '\2', s->err.msg);
    return st;
}

static strata_status put_ack(strata_scp *s)
{
    strata_status r = strata_buf_put_u8(&s->out, 0);
    return r == STRATA_OK ? r : fail(s, r, "cannot queue an answer");
}

/* The callback, with the refusal window open for one event type. */
static void emit(strata_scp *s, strata_scp_event *ev)
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

/* ---- sink: records --------------------------------------------------------------- */

/* Decimal digits at *cp up to max; -1 when none, -2 past max. */
static int get_num(const char **cp, uint64_t max, uint64_t *v)
{
    const char *p = *cp;
    uint64_t x = 0;
    if (*p < '0' || *p > '9')
        return -1;
    for (; *p >= '0' && *p <= '9'; p++) {
        unsigned d = (unsigned)(*p - '0');
        if (x > (max - d) / 10u)
            return -2;
        x = x * 10u + d;
    }
    *cp = p;
    *v = x;
    return 0;
}

/* "T<mtime> <usec> <atime> <usec>" (OpenSSH's scp.c, sink()). */
static strata_status parse_times(strata_scp *s, const char *cp)
{
    static const char *const what[4] = {"mtime.sec", "mtime.usec", "atime.sec", "atime.usec"};
    uint64_t v[4];
    for (int i = 0; i < 4; i++) {
        int usec = i & 1;
        int r = get_num(&cp, usec ? 999999u : (uint64_t)INT64_MAX, &v[i]);
        if (r == -1)
            return fail(s, STRATA_E_PROTOCOL, "protocol error: %s %s", what[i],
                        usec ? "not delimited" : "not present");
        if (r == -2)
            return fail(s, STRATA_E_PROTOCOL, "protocol error: %s out of range", what[i]);
        if (*cp != (i == 3 ? '\0' : ' '))
            return fail(s, STRATA_E_PROTOCOL, "protocol error: %s not delimited", what[i]);
        cp++;
    }
    s->has_times = 1;
    s->mtime = (int64_t)v[0];
    s->atime = (int64_t)v[2];
    return put_ack(s);
}

static int name_matches(const strata_scp *s, const char *name)
{
    if (!s->check_expect)
        return 1;
    if (!strcmp(s->expect, name))
        return 1;
    return s->expect_glob && fnmatch(s->expect, name, 0) == 0;
}

/* "C<mode> <size> <name>" or "D<mode> 0 <name>". */
static strata_status parse_entry(strata_scp *s, const char *line, size_t len)
{
    char shown[4 * 64 + 8];
    int dir = line[0] == 'D';
    const char *cp = line + 1;
    uint32_t mode = 0;
    for (int i = 0; i < 4; i++, cp++) {
        if (*cp < '0' || *cp > '7') {
            vis(shown, sizeof(shown), line + 1, len - 1 < 4 ? len - 1 : 4);
            return fail(s, STRATA_E_PROTOCOL, "protocol error: bad mode \"%s\"", shown);
        }
        mode = (mode << 3) | (uint32_t)(*cp - '0');
    }
    if (*cp++ != ' ')
        return fail(s, STRATA_E_PROTOCOL, "protocol error: mode not delimited");
    uint64_t size;
    int r = get_num(&cp, (uint64_t)INT64_MAX, &size);
    if (r == -1)
        return fail(s, STRATA_E_PROTOCOL, "protocol error: size not present");
    if (r == -2)
        return fail(s, STRATA_E_LIMIT, "protocol error: size out of range");
    if (*cp++ != ' ')
        return fail(s, STRATA_E_PROTOCOL, "protocol error: size not delimited");
    size_t nlen = len - (size_t)(cp - line);
    vis(shown, sizeof(shown), cp, nlen < 64 ? nlen : 64);
    if (nlen == 0)
        return fail(s, STRATA_E_PROTOCOL, "protocol error: empty filename");
    if (nlen > STRATA_SCP_NAME_MAX)
        return fail(s, STRATA_E_PROTOCOL, "protocol error: filename longer than %u bytes",
                    STRATA_SCP_NAME_MAX);
    if (memchr(cp, '/', nlen))
        return fail(s, STRATA_E_PROTOCOL,
                    "protocol error: unexpected filename \"%s\" (a name must not hold '/')", shown);
    if (!strcmp(cp, ".") || !strcmp(cp, ".."))
        return fail(s, STRATA_E_PROTOCOL, "protocol error: unexpected filename \"%s\"", shown);
    if (dir && !s->cfg.recursive)
        return fail(s, STRATA_E_PROTOCOL, "protocol error: received directory without -r");
    if (dir && s->depth >= s->max_depth)
        return fail(s, STRATA_E_LIMIT, "protocol error: directories nested deeper than %u",
                    s->max_depth);
    if (!dir && !name_matches(s, cp)) {
        char want[4 * 64 + 8];
        vis(want, sizeof(want), s->expect, strlen(s->expect) < 64 ? strlen(s->expect) : 64);
        return fail(s, STRATA_E_PROTOCOL,
                    "protocol error: filename \"%s\" does not match request \"%s\"", shown, want);
    }
    memcpy(s->name, cp, nlen + 1);
    strata_scp_event ev = {.type = dir ? STRATA_SCP_EV_DIR : STRATA_SCP_EV_FILE,
                           .name = s->name,
                           .mode = mode,
                           .size = dir ? 0 : size,
                           .has_times = s->has_times,
                           .mtime = s->mtime,
                           .atime = s->atime,
                           .message = ""};
    s->has_times = 0;
    s->refused = 0;
    emit(s, &ev);
    if (s->err.status)
        return s->err.status;
    if (s->refused) {
        s->refused = 0;
        strata_status q = put_line(s, '\1', s->refuse_msg);
        return q == STRATA_OK ? q : fail(s, q, "cannot queue an answer");
    }
    if ((r = put_ack(s)) != STRATA_OK)
        return (strata_status)r;
    if (dir) {
        s->depth++;
    } else {
        s->size = size;
        s->got = 0;
        s->in = size ? IN_DATA : IN_STATUS;
    }
    return STRATA_OK;
}

/* The peer's \1 / \2 line as a message (without the newline, escaped). */
static void peer_message(const strata_scp *s, char *buf, size_t cap)
{
    size_t n = s->line_len > 1 ? s->line_len - 1 : 0;
    vis_some(buf, cap, s->line + 1, n, 1);
}

static strata_status end_file(strata_scp *s, const char *message)
{
    strata_scp_event ev = {.type = STRATA_SCP_EV_FILE_END,
                           .name = s->name,
                           .size = s->size,
                           .offset = s->got,
                           .message = message};
    emit(s, &ev);
    if (s->err.status)
        return s->err.status;
    s->in = IN_LINE;
    s->line_kind = LINE_RECORD;
    if (s->refused) {
        s->refused = 0;
        strata_status q = put_line(s, '\1', s->refuse_msg);
        return q == STRATA_OK ? q : fail(s, q, "cannot queue an answer");
    }
    return put_ack(s);
}

static strata_status sink_line(strata_scp *s)
{
    char msg[MSG_MAX + 1];
    const char *line = s->line;
    size_t len = s->line_len;
    if (line[0] == 1 || line[0] == 2) {
        peer_message(s, msg, sizeof(msg));
        if (line[0] == 2) {
            strata_status r = strata__error_set(&s->err, STRATA_E_IO, "%s", msg);
            return r;
        }
        if (s->line_kind == LINE_FILE_MSG)
            return end_file(s, msg);
        strata_scp_event ev = {.type = STRATA_SCP_EV_WARNING, .message = msg};
        emit(s, &ev);
        return s->err.status;
    }
    if (memchr(line, 0, len))
        return fail(s, STRATA_E_PROTOCOL, "protocol error: NUL byte in a record");
    switch (line[0]) {
    case 'T':
        return parse_times(s, line + 1);
    case 'C':
    case 'D':
        return parse_entry(s, line, len);
    case 'E':
        if (len != 1)
            return fail(s, STRATA_E_PROTOCOL, "protocol error: bad end-of-directory record");
        if (s->depth == 0)
            return fail(s, STRATA_E_PROTOCOL,
                        "protocol error: end of directory outside a directory");
        if (s->has_times)
            return fail(s, STRATA_E_PROTOCOL,
                        "protocol error: times record not followed by a file or directory");
        s->depth--;
        strata_scp_event ev = {.type = STRATA_SCP_EV_DIR_END, .message = ""};
        emit(s, &ev);
        return s->err.status ? s->err.status : put_ack(s);
    default:
        if (len == 0)
            return fail(s, STRATA_E_PROTOCOL, "protocol error: unexpected <newline>");
        vis(msg, 4 * 80 + 8, line, len < 80 ? len : 80);
        return fail(s, STRATA_E_PROTOCOL, "protocol error: expected control record, got \"%s\"",
                    msg);
    }
}

/* ---- source: answers -------------------------------------------------------------- */

static char owed_pop(strata_scp *s)
{
    char k = s->owed[s->owed_head];
    s->owed_head = (s->owed_head + 1) % OWED_MAX;
    s->owed_n--;
    return k;
}

static strata_status owe(strata_scp *s, char kind)
{
    if (s->owed_n == OWED_MAX)
        return fail(s, STRATA_E_LIMIT, "more than %u answers owed", (unsigned)OWED_MAX);
    s->owed[(s->owed_head + s->owed_n) % OWED_MAX] = kind;
    s->owed_n++;
    if (kind == 'C' || kind == 'D')
        s->blocked = 1;
    return STRATA_OK;
}

/* The answer to the oldest record: ok, or refused with message. */
static strata_status answered(strata_scp *s, const char *refusal)
{
    char k = owed_pop(s);
    if (k == 'C' || k == 'D' || k == 'S')
        s->blocked = 0;
    if (!refusal) {
        if (k == 'C') {
            s->file_phase = 1;
        } else if (k == 'D') {
            s->src_depth++;
        }
        return STRATA_OK;
    }
    if (k == 'S') /* the remote scp could not start (no such target directory) */
        return fail(s, STRATA_E_IO, "%s", refusal);
    strata_scp_event ev = {
        .type = STRATA_SCP_EV_WARNING, .message = refusal, .refused = k == 'C' || k == 'D'};
    emit(s, &ev);
    return s->err.status;
}

static strata_status source_line(strata_scp *s)
{
    char msg[MSG_MAX + 1];
    peer_message(s, msg, sizeof(msg));
    s->in = IN_ANSWER;
    if (s->line_kind == LINE_BAD_REPLY) {
        char shown[4 * 80 + 8];
        vis(shown, sizeof(shown), s->line, s->line_len < 80 ? s->line_len : 80);
        return fail(s, STRATA_E_PROTOCOL, "protocol error: unexpected reply \"%s\"", shown);
    }
    if (s->line[0] == 2)
        return strata__error_set(&s->err, STRATA_E_IO, "%s", msg);
    return answered(s, msg);
}

/* ---- feed ------------------------------------------------------------------------- */

/* Gathers a line; 1 when its newline came (not stored), 0 when more is due. */
static int gather(strata_scp *s, const uint8_t **p, size_t *n, strata_status *r)
{
    const uint8_t *nl = memchr(*p, '\n', *n);
    size_t take = nl ? (size_t)(nl - *p) : *n;
    *r = STRATA_OK;
    if (take > STRATA_SCP_LINE_MAX - s->line_len) {
        *r = fail(s, STRATA_E_LIMIT, "protocol error: line longer than %u bytes",
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
                emit(s, &ev);
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
                r = end_file(s, "");
            } else if (*p == 1 || *p == 2) {
                s->in = IN_LINE;
                s->line_kind = LINE_FILE_MSG;
                s->line_len = 0;
            } else {
                r = fail(s, STRATA_E_PROTOCOL,
                         "protocol error: bad status byte 0x%02x after the data of \"%s\"", *p,
                         s->name);
            }
            break;
        case IN_ANSWER:
            if (s->owed_n == 0) {
                r = fail(s, STRATA_E_PROTOCOL, "protocol error: answer with nothing asked");
                break;
            }
            s->line_len = 0;
            if (*p == 0) {
                p++, n--;
                r = answered(s, NULL);
                break;
            }
            s->in = IN_LINE;
            s->line_kind = *p == 1 || *p == 2 ? LINE_ANSWER : LINE_BAD_REPLY;
            break;
        case IN_LINE:
            if (gather(s, &p, &n, &r)) {
                r = s->cfg.role == STRATA_SCP_SINK ? sink_line(s) : source_line(s);
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

strata_status strata_scp_refuse(strata_scp *s, const char *message)
{
    if (s->cfg.role != STRATA_SCP_SINK || !s->in_event || s->in_event == STRATA_SCP_EV_DIR_END ||
        s->in_event == STRATA_SCP_EV_WARNING)
        return STRATA_E_STATE;
    if (!s->refused)
        snprintf(s->refuse_msg, sizeof(s->refuse_msg), "%s", message ? message : "failed");
    s->refused = 1;
    return STRATA_OK;
}

/* ---- source: records -------------------------------------------------------------- */

strata_status strata_scp_source_state(const strata_scp *s)
{
    if (s->err.status)
        return s->err.status;
    if (s->file_phase)
        return STRATA_WANT_WRITE;
    return s->blocked ? STRATA_WANT_READ : STRATA_OK;
}

unsigned strata_scp_source_depth(const strata_scp *s)
{
    return s->src_depth;
}

size_t strata_scp_pending(const strata_scp *s)
{
    return s->owed_n;
}

static strata_status ready_for_record(const strata_scp *s)
{
    if (s->cfg.role != STRATA_SCP_SOURCE)
        return STRATA_E_STATE;
    strata_status st = strata_scp_source_state(s);
    return st == STRATA_OK ? st : (s->err.status ? st : STRATA_E_STATE);
}

static int bad_name(const char *name)
{
    size_t n = strlen(name);
    return n == 0 || n > STRATA_SCP_NAME_MAX || strchr(name, '/') || strchr(name, '\n') ||
           !strcmp(name, ".") || !strcmp(name, "..");
}

static strata_status put_record(strata_scp *s, char kind, const char *name, uint32_t mode,
                                uint64_t size, int has_times, int64_t mtime, int64_t atime)
{
    strata_status r = ready_for_record(s);
    if (r != STRATA_OK)
        return r;
    if (bad_name(name) || size > (uint64_t)INT64_MAX || (has_times && (mtime < 0 || atime < 0)))
        return STRATA_E_USAGE;
    if (kind == 'D' && s->src_depth >= s->max_depth)
        return STRATA_E_LIMIT;
    char line[STRATA_SCP_LINE_MAX];
    if (has_times) {
        int k =
            snprintf(line, sizeof(line), "T%lld 0 %lld 0\n", (long long)mtime, (long long)atime);
        if ((r = strata_buf_put(&s->out, line, (size_t)k)) != STRATA_OK || (r = owe(s, 'T')))
            return r;
    }
    int k = snprintf(line, sizeof(line), "%c%04o %llu %s\n", kind, (unsigned)(mode & 07777u),
                     (unsigned long long)size, name);
    if ((r = strata_buf_put(&s->out, line, (size_t)k)) != STRATA_OK)
        return r;
    s->data_left = size;
    return owe(s, kind);
}

strata_status strata_scp_send_file(strata_scp *s, const char *name, uint32_t mode, uint64_t size,
                                   int has_times, int64_t mtime, int64_t atime)
{
    return put_record(s, 'C', name, mode, size, has_times, mtime, atime);
}

strata_status strata_scp_send_dir(strata_scp *s, const char *name, uint32_t mode, int has_times,
                                  int64_t mtime, int64_t atime)
{
    return put_record(s, 'D', name, mode, 0, has_times, mtime, atime);
}

strata_status strata_scp_send_dir_end(strata_scp *s)
{
    strata_status r = ready_for_record(s);
    if (r != STRATA_OK)
        return r;
    if (s->src_depth == 0)
        return STRATA_E_STATE;
    if ((r = strata_buf_put(&s->out, "E\n", 2)) != STRATA_OK)
        return r;
    s->src_depth--;
    return owe(s, 'E');
}

uint8_t *strata_scp_data_buf(strata_scp *s, size_t *cap)
{
    *cap = 0;
    if (strata_scp_source_state(s) != STRATA_WANT_WRITE || s->staged ||
        strata_buf_len(&s->out) >= STRATA_SCP_DATA_CHUNK)
        return NULL;
    uint64_t k = s->data_left < STRATA_SCP_DATA_CHUNK ? s->data_left : STRATA_SCP_DATA_CHUNK;
    uint8_t *p = NULL;
    if (k == 0 || strata_buf_reserve(&s->out, (size_t)k, &p) != STRATA_OK)
        return NULL;
    s->staged = (size_t)k;
    *cap = (size_t)k;
    return p;
}

strata_status strata_scp_data_ack(strata_scp *s, size_t n)
{
    if (n > s->staged)
        return STRATA_E_USAGE;
    strata_status r = strata_buf_consume_end(&s->out, s->staged - n);
    s->staged = 0;
    s->data_left -= n;
    return r;
}

strata_status strata_scp_send_file_end(strata_scp *s, const char *message)
{
    if (s->err.status)
        return s->err.status;
    if (!s->file_phase || s->data_left || s->staged)
        return STRATA_E_STATE;
    strata_status r = message ? put_line(s, '\1', message) : strata_buf_put_u8(&s->out, 0);
    if (r != STRATA_OK)
        return r;
    s->file_phase = 0;
    return owe(s, 'F');
}

strata_status strata_scp_warn(strata_scp *s, const char *message)
{
    strata_status r = ready_for_record(s);
    return r == STRATA_OK ? put_line(s, '\1', message) : r;
}
