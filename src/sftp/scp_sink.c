/* The SCP engine's sink half: the records a remote `scp -f` sends (C, D,
 * E, T, \1 / \2 lines), each checked in full before any event for it runs,
 * and the answers owed for them (strata/scp.h lists the refusals). */
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/error_internal.h"
#include "sftp/scp_internal.h"

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
            return strata__scp_fail(s, STRATA_E_PROTOCOL, "protocol error: %s %s", what[i],
                                    usec ? "not delimited" : "not present");
        if (r == -2)
            return strata__scp_fail(s, STRATA_E_PROTOCOL, "protocol error: %s out of range",
                                    what[i]);
        if (*cp != (i == 3 ? '\0' : ' '))
            return strata__scp_fail(s, STRATA_E_PROTOCOL, "protocol error: %s not delimited",
                                    what[i]);
        cp++;
    }
    s->has_times = 1;
    s->mtime = (int64_t)v[0];
    s->atime = (int64_t)v[2];
    return strata__scp_put_ack(s);
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
            strata__scp_vis(shown, sizeof(shown), line + 1, len - 1 < 4 ? len - 1 : 4);
            return strata__scp_fail(s, STRATA_E_PROTOCOL, "protocol error: bad mode \"%s\"", shown);
        }
        mode = (mode << 3) | (uint32_t)(*cp - '0');
    }
    if (*cp++ != ' ')
        return strata__scp_fail(s, STRATA_E_PROTOCOL, "protocol error: mode not delimited");
    uint64_t size;
    int r = get_num(&cp, (uint64_t)INT64_MAX, &size);
    if (r == -1)
        return strata__scp_fail(s, STRATA_E_PROTOCOL, "protocol error: size not present");
    if (r == -2)
        return strata__scp_fail(s, STRATA_E_LIMIT, "protocol error: size out of range");
    if (*cp++ != ' ')
        return strata__scp_fail(s, STRATA_E_PROTOCOL, "protocol error: size not delimited");
    size_t nlen = len - (size_t)(cp - line);
    strata__scp_vis(shown, sizeof(shown), cp, nlen < 64 ? nlen : 64);
    if (nlen == 0)
        return strata__scp_fail(s, STRATA_E_PROTOCOL, "protocol error: empty filename");
    if (nlen > STRATA_SCP_NAME_MAX)
        return strata__scp_fail(s, STRATA_E_PROTOCOL,
                                "protocol error: filename longer than %u bytes",
                                STRATA_SCP_NAME_MAX);
    if (memchr(cp, '/', nlen))
        return strata__scp_fail(
            s, STRATA_E_PROTOCOL,
            "protocol error: unexpected filename \"%s\" (a name must not hold '/')", shown);
    if (!strcmp(cp, ".") || !strcmp(cp, ".."))
        return strata__scp_fail(s, STRATA_E_PROTOCOL, "protocol error: unexpected filename \"%s\"",
                                shown);
    if (dir && !s->cfg.recursive)
        return strata__scp_fail(s, STRATA_E_PROTOCOL,
                                "protocol error: received directory without -r");
    if (dir && s->depth >= s->max_depth)
        return strata__scp_fail(s, STRATA_E_LIMIT,
                                "protocol error: directories nested deeper than %u", s->max_depth);
    if (!dir && !name_matches(s, cp)) {
        char want[4 * 64 + 8];
        strata__scp_vis(want, sizeof(want), s->expect,
                        strlen(s->expect) < 64 ? strlen(s->expect) : 64);
        return strata__scp_fail(s, STRATA_E_PROTOCOL,
                                "protocol error: filename \"%s\" does not match request \"%s\"",
                                shown, want);
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
    strata__scp_emit(s, &ev);
    if (s->err.status)
        return s->err.status;
    if (s->refused) {
        s->refused = 0;
        strata_status q = strata__scp_put_line(s, '\1', s->refuse_msg);
        return q == STRATA_OK ? q : strata__scp_fail(s, q, "cannot queue an answer");
    }
    if ((r = strata__scp_put_ack(s)) != STRATA_OK)
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

strata_status strata__scp_end_file(strata_scp *s, const char *message)
{
    strata_scp_event ev = {.type = STRATA_SCP_EV_FILE_END,
                           .name = s->name,
                           .size = s->size,
                           .offset = s->got,
                           .message = message};
    strata__scp_emit(s, &ev);
    if (s->err.status)
        return s->err.status;
    s->in = IN_LINE;
    s->line_kind = LINE_RECORD;
    if (s->refused) {
        s->refused = 0;
        strata_status q = strata__scp_put_line(s, '\1', s->refuse_msg);
        return q == STRATA_OK ? q : strata__scp_fail(s, q, "cannot queue an answer");
    }
    return strata__scp_put_ack(s);
}

strata_status strata__scp_sink_line(strata_scp *s)
{
    char msg[MSG_MAX + 1];
    const char *line = s->line;
    size_t len = s->line_len;
    if (line[0] == 1 || line[0] == 2) {
        strata__scp_peer_message(s, msg, sizeof(msg));
        if (line[0] == 2) {
            strata_status r = strata__error_set(&s->err, STRATA_E_IO, "%s", msg);
            return r;
        }
        if (s->line_kind == LINE_FILE_MSG)
            return strata__scp_end_file(s, msg);
        strata_scp_event ev = {.type = STRATA_SCP_EV_WARNING, .message = msg};
        strata__scp_emit(s, &ev);
        return s->err.status;
    }
    if (memchr(line, 0, len))
        return strata__scp_fail(s, STRATA_E_PROTOCOL, "protocol error: NUL byte in a record");
    switch (line[0]) {
    case 'T':
        return parse_times(s, line + 1);
    case 'C':
    case 'D':
        return parse_entry(s, line, len);
    case 'E':
        if (len != 1)
            return strata__scp_fail(s, STRATA_E_PROTOCOL,
                                    "protocol error: bad end-of-directory record");
        if (s->depth == 0)
            return strata__scp_fail(s, STRATA_E_PROTOCOL,
                                    "protocol error: end of directory outside a directory");
        if (s->has_times)
            return strata__scp_fail(
                s, STRATA_E_PROTOCOL,
                "protocol error: times record not followed by a file or directory");
        s->depth--;
        strata_scp_event ev = {.type = STRATA_SCP_EV_DIR_END, .message = ""};
        strata__scp_emit(s, &ev);
        return s->err.status ? s->err.status : strata__scp_put_ack(s);
    default:
        if (len == 0)
            return strata__scp_fail(s, STRATA_E_PROTOCOL, "protocol error: unexpected <newline>");
        strata__scp_vis(msg, 4 * 80 + 8, line, len < 80 ? len : 80);
        return strata__scp_fail(s, STRATA_E_PROTOCOL,
                                "protocol error: expected control record, got \"%s\"", msg);
    }
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
