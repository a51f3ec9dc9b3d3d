/* The SCP engine's source half: records and file data for a remote
 * `scp -t`, and its answers matched in order against what is owed. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/error_internal.h"
#include "sftp/scp_internal.h"

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
        return strata__scp_fail(s, STRATA_E_LIMIT, "more than %u answers owed", (unsigned)OWED_MAX);
    s->owed[(s->owed_head + s->owed_n) % OWED_MAX] = kind;
    s->owed_n++;
    if (kind == 'C' || kind == 'D')
        s->blocked = 1;
    return STRATA_OK;
}

/* The answer to the oldest record: ok, or refused with message. */
strata_status strata__scp_answered(strata_scp *s, const char *refusal)
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
        return strata__scp_fail(s, STRATA_E_IO, "%s", refusal);
    strata_scp_event ev = {
        .type = STRATA_SCP_EV_WARNING, .message = refusal, .refused = k == 'C' || k == 'D'};
    strata__scp_emit(s, &ev);
    return s->err.status;
}

strata_status strata__scp_source_line(strata_scp *s)
{
    char msg[MSG_MAX + 1];
    strata__scp_peer_message(s, msg, sizeof(msg));
    s->in = IN_ANSWER;
    if (s->line_kind == LINE_BAD_REPLY) {
        char shown[4 * 80 + 8];
        strata__scp_vis(shown, sizeof(shown), s->line, s->line_len < 80 ? s->line_len : 80);
        return strata__scp_fail(s, STRATA_E_PROTOCOL, "protocol error: unexpected reply \"%s\"",
                                shown);
    }
    if (s->line[0] == 2)
        return strata__error_set(&s->err, STRATA_E_IO, "%s", msg);
    return strata__scp_answered(s, msg);
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
    strata_status r =
        message ? strata__scp_put_line(s, '\1', message) : strata_buf_put_u8(&s->out, 0);
    if (r != STRATA_OK)
        return r;
    s->file_phase = 0;
    return owe(s, 'F');
}

strata_status strata_scp_warn(strata_scp *s, const char *message)
{
    strata_status r = ready_for_record(s);
    return r == STRATA_OK ? strata__scp_put_line(s, '\1', message) : r;
}
