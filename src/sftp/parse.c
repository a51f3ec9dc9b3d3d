/* SFTP reply parser: VERSION, STATUS, HANDLE, DATA, NAME, ATTRS,
 * EXTENDED_REPLY (draft-ietf-secsh-filexfer-02 §4, §7; OpenSSH PROTOCOL
 * §4.4 statvfs, §4.8 limits). Every reply is read through a bounded view of
 * one packet and must use all of it. */
#include <stdlib.h>
#include <string.h>

#include "base/error_internal.h"
#include "sftp/sftp_internal.h"

/* draft-02 §5 */
strata_status strata__sftp_get_attrs(strata_buf *b, strata_sftp_attrs *a)
{
    strata_status r;
    memset(a, 0, sizeof(*a));
    if ((r = strata_buf_get_u32(b, &a->flags)) != STRATA_OK)
        return r;
    if (a->flags & STRATA_SFTP_ATTR_SIZE && (r = strata_buf_get_u64(b, &a->size)) != STRATA_OK)
        return r;
    if (a->flags & STRATA_SFTP_ATTR_UIDGID && ((r = strata_buf_get_u32(b, &a->uid)) != STRATA_OK ||
                                               (r = strata_buf_get_u32(b, &a->gid)) != STRATA_OK))
        return r;
    if (a->flags & STRATA_SFTP_ATTR_PERMISSIONS &&
        (r = strata_buf_get_u32(b, &a->perm)) != STRATA_OK)
        return r;
    if (a->flags & STRATA_SFTP_ATTR_ACMODTIME &&
        ((r = strata_buf_get_u32(b, &a->atime)) != STRATA_OK ||
         (r = strata_buf_get_u32(b, &a->mtime)) != STRATA_OK))
        return r;
    if (a->flags & 0x80000000u) { /* SSH_FILEXFER_ATTR_EXTENDED */
        uint32_t n;
        if ((r = strata_buf_get_u32(b, &n)) != STRATA_OK)
            return r;
        if (n > STRATA_SFTP_EXT_MAX)
            return STRATA_E_LIMIT;
        for (uint32_t i = 0; i < n; i++) {
            const uint8_t *p;
            size_t k;
            if ((r = strata_buf_get_string(b, &p, &k)) != STRATA_OK ||
                (r = strata_buf_get_string(b, &p, &k)) != STRATA_OK)
                return r;
        }
        a->n_extended = n;
    }
    if (a->flags & ~(0x8000000Fu))
        return STRATA_E_FORMAT;
    return STRATA_OK;
}

strata_status strata__sftp_put_attrs(strata_buf *b, const strata_sftp_attrs *a)
{
    strata_status r;
    uint32_t f = a ? a->flags & 0x0Fu : 0;
    if ((r = strata_buf_put_u32(b, f)) != STRATA_OK)
        return r;
    if (f & STRATA_SFTP_ATTR_SIZE && (r = strata_buf_put_u64(b, a->size)) != STRATA_OK)
        return r;
    if (f & STRATA_SFTP_ATTR_UIDGID && ((r = strata_buf_put_u32(b, a->uid)) != STRATA_OK ||
                                        (r = strata_buf_put_u32(b, a->gid)) != STRATA_OK))
        return r;
    if (f & STRATA_SFTP_ATTR_PERMISSIONS && (r = strata_buf_put_u32(b, a->perm)) != STRATA_OK)
        return r;
    if (f & STRATA_SFTP_ATTR_ACMODTIME && ((r = strata_buf_put_u32(b, a->atime)) != STRATA_OK ||
                                           (r = strata_buf_put_u32(b, a->mtime)) != STRATA_OK))
        return r;
    return STRATA_OK;
}

#define bad(s, ...) strata__error_set(&(s)->err, STRATA_E_SFTP_PACKET, __VA_ARGS__)

static const char *type_name(uint8_t t)
{
    switch (t) {
    case SSH_FXP_STATUS:
        return "STATUS";
    case SSH_FXP_HANDLE:
        return "HANDLE";
    case SSH_FXP_DATA:
        return "DATA";
    case SSH_FXP_NAME:
        return "NAME";
    case SSH_FXP_ATTRS:
        return "ATTRS";
    case SSH_FXP_EXTENDED_REPLY:
        return "EXTENDED_REPLY";
    case SSH_FXP_VERSION:
        return "VERSION";
    default:
        return "unknown";
    }
}

/* n bytes (checked free of NUL) as a C string; not strndup, which may read
 * past n looking for a NUL. */
static char *dup_bytes(const uint8_t *p, size_t n)
{
    char *s = malloc(n + 1);
    if (s) {
        memcpy(s, p, n);
        s[n] = 0;
    }
    return s;
}

/* §4: uint32 version, then extension-pair (name, data) until the end. */
static strata_status on_version(strata_sftp *s, strata_buf *b)
{
    strata_status r;
    if (s->got_version)
        return bad(s, "SFTP: second %s packet (%u)", "VERSION", 0);
    if ((r = strata_buf_get_u32(b, &s->version)) != STRATA_OK)
        return strata__error_set(&s->err, STRATA_E_SFTP_PACKET, "SFTP: truncated VERSION");
    if (s->version != STRATA_SFTP_VERSION)
        return strata__error_set(&s->err, STRATA_E_SFTP_PACKET,
                                 "SFTP: server speaks version %u, strata speaks only 3",
                                 s->version);
    while (strata_buf_len(b) > 0) {
        const uint8_t *n, *d;
        size_t nl, dl;
        if (strata_buf_get_string(b, &n, &nl) != STRATA_OK ||
            strata_buf_get_string(b, &d, &dl) != STRATA_OK)
            return strata__error_set(&s->err, STRATA_E_SFTP_PACKET,
                                     "SFTP: truncated extension in VERSION");
        if (s->n_ext >= STRATA_SFTP_EXT_MAX)
            return bad(s, "SFTP: %s: more than %u extensions", "VERSION", STRATA_SFTP_EXT_MAX);
        if (nl > SFTP_EXT_NAME_MAX || dl > SFTP_EXT_DATA_MAX || memchr(n, 0, nl) ||
            memchr(d, 0, dl))
            return bad(s, "SFTP: %s: extension name or data too long or holding NUL (%u)",
                       "VERSION", (unsigned)s->n_ext);
        struct sftp_ext *e = &s->ext[s->n_ext];
        e->name = dup_bytes(n, nl);
        e->data = dup_bytes(d, dl);
        if (!e->name || !e->data) {
            free(e->name);
            free(e->data);
            return STRATA_E_NOMEM;
        }
        s->n_ext++;
    }
    s->got_version = 1;
    if (strata_sftp_has_ext(s, "limits@openssh.com", "1")) {
        s->limits_pending = 1;
        r = strata_sftp_limits_query(s, NULL, NULL, NULL);
        if (r != STRATA_OK)
            return r;
    }
    return STRATA_OK;
}

static strata_status map_code(uint32_t code)
{
    switch (code) {
    case STRATA_SFTP_OK:
        return STRATA_OK;
    case STRATA_SFTP_EOF:
        return STRATA_E_SFTP_EOF;
    case STRATA_SFTP_NO_SUCH_FILE:
        return STRATA_E_SFTP_NO_SUCH_FILE;
    case STRATA_SFTP_PERMISSION_DENIED:
        return STRATA_E_SFTP_PERMISSION;
    case STRATA_SFTP_FAILURE:
        return STRATA_E_SFTP_FAILURE;
    case STRATA_SFTP_BAD_MESSAGE:
        return STRATA_E_SFTP_BAD_MESSAGE;
    case STRATA_SFTP_NO_CONNECTION:
        return STRATA_E_SFTP_NO_CONNECTION;
    case STRATA_SFTP_CONNECTION_LOST:
        return STRATA_E_SFTP_CONNECTION_LOST;
    case STRATA_SFTP_OP_UNSUPPORTED:
        return STRATA_E_SFTP_OP_UNSUPPORTED;
    default:
        return STRATA_E_SFTP_STATUS;
    }
}

/* A NAME reply: count, then (filename, longname, attrs) each. The strings
 * are copied NUL-terminated into s->scratch. */
static strata_status get_names(strata_sftp *s, strata_buf *b, strata_sftp_reply *rep)
{
    uint32_t n;
    if (strata_buf_get_u32(b, &n) != STRATA_OK)
        return bad(s, "SFTP: truncated %s reply (%u)", "NAME", 0);
    if (n > STRATA_SFTP_NAMES_MAX)
        return bad(s, "SFTP: %s reply with %u names, more than the limit", "NAME", n);
    /* Each entry takes at least 12 bytes: a count past that cannot fit. */
    if (n > strata_buf_len(b) / 12u)
        return bad(s, "SFTP: %s reply claims %u names, more than the packet holds", "NAME", n);
    size_t need = strata_buf_len(b) + 2u * n;
    if (need > s->scratch_cap) {
        char *p = realloc(s->scratch, need);
        if (!p)
            return STRATA_E_NOMEM;
        s->scratch = p;
        s->scratch_cap = need;
    }
    free(s->names);
    s->names = calloc(n ? n : 1, sizeof(*s->names));
    if (!s->names)
        return STRATA_E_NOMEM;
    char *w = s->scratch;
    for (uint32_t i = 0; i < n; i++) {
        strata_sftp_name *e = &s->names[i];
        const uint8_t *p, *lp;
        size_t k, lk;
        if (strata_buf_get_string(b, &p, &k) != STRATA_OK ||
            strata_buf_get_string(b, &lp, &lk) != STRATA_OK ||
            strata__sftp_get_attrs(b, &e->attrs) != STRATA_OK)
            return bad(s, "SFTP: %s entry %u truncated or malformed", "NAME", i);
        if (memchr(p, 0, k) || memchr(lp, 0, lk))
            return bad(s, "SFTP: %s entry %u holds a NUL byte", "NAME", i);
        memcpy(w, p, k);
        w[k] = 0;
        e->name = w;
        e->name_len = k;
        w += k + 1;
        memcpy(w, lp, lk);
        w[lk] = 0;
        e->longname = w;
        w += lk + 1;
    }
    rep->names = s->names;
    rep->n_names = n;
    return STRATA_OK;
}

static strata_status get_u64s(strata_buf *b, uint64_t *v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        strata_status r = strata_buf_get_u64(b, &v[i]);
        if (r != STRATA_OK)
            return r;
    }
    return STRATA_OK;
}

static strata_status on_limits(strata_sftp *s, const strata_sftp_reply *rep)
{
    if (rep->status == STRATA_OK)
        s->limits = rep->limits;
    s->limits_pending = 0;
    return STRATA_OK;
}

strata_status strata__sftp_dispatch(strata_sftp *s, strata_buf *b)
{
    uint8_t type;
    uint32_t id;
    strata_status r;
    char msg[SFTP_MSG_MAX + 1];
    if (strata_buf_get_u8(b, &type) != STRATA_OK)
        return bad(s, "SFTP: %s packet (%u)", "empty", 0);
    if (type == SSH_FXP_VERSION)
        return on_version(s, b);
    if (!s->got_version)
        return bad(s, "SFTP: %s packet (type %u) before VERSION", type_name(type), type);
    if (strata_buf_get_u32(b, &id) != STRATA_OK)
        return bad(s, "SFTP: %s reply without a request id (%u)", type_name(type), type);
    struct sftp_pending *q = &s->pending[id % STRATA_SFTP_INFLIGHT_MAX];
    if (!q->used || q->id != id)
        return bad(s, "SFTP: %s reply for id %u, which has no request outstanding", type_name(type),
                   id);

    strata_sftp_reply rep;
    memset(&rep, 0, sizeof(rep));
    rep.id = id;
    rep.message = "";
    switch (type) {
    case SSH_FXP_STATUS: {
        const uint8_t *m, *l;
        size_t mn, ln;
        if (strata_buf_get_u32(b, &rep.code) != STRATA_OK)
            return bad(s, "SFTP: truncated %s reply (id %u)", "STATUS", id);
        /* §7: message and language tag; some old servers omit both. */
        if (strata_buf_len(b) > 0) {
            if (strata_buf_get_string(b, &m, &mn) != STRATA_OK ||
                strata_buf_get_string(b, &l, &ln) != STRATA_OK)
                return bad(s, "SFTP: truncated %s message (id %u)", "STATUS", id);
            if (mn > SFTP_MSG_MAX)
                mn = SFTP_MSG_MAX;
            memcpy(msg, m, mn);
            msg[mn] = 0;
            for (size_t i = 0; i < mn; i++)
                if (msg[i] == 0 || msg[i] == '\n' || msg[i] == '\r')
                    msg[i] = ' ';
            rep.message = msg;
        }
        rep.kind = STRATA_SFTP_REPLY_STATUS;
        rep.status = map_code(rep.code);
        if (rep.status == STRATA_OK && q->want != STRATA_SFTP_REPLY_STATUS)
            return bad(s, "SFTP: OK status where a reply with data was due (%s id %u)", "STATUS",
                       id);
        break;
    }
    case SSH_FXP_HANDLE: {
        const uint8_t *h;
        size_t hn;
        if (strata_buf_get_string(b, &h, &hn) != STRATA_OK)
            return bad(s, "SFTP: truncated %s reply (id %u)", "HANDLE", id);
        if (hn > STRATA_SFTP_HANDLE_MAX)
            return bad(s, "SFTP: %s of %u bytes is longer than 256", "HANDLE", (unsigned)hn);
        memcpy(rep.handle.data, h, hn);
        rep.handle.len = hn;
        rep.kind = STRATA_SFTP_REPLY_HANDLE;
        break;
    }
    case SSH_FXP_DATA:
        if (strata_buf_get_string(b, &rep.data, &rep.data_len) != STRATA_OK)
            return bad(s, "SFTP: truncated %s reply (id %u)", "DATA", id);
        rep.kind = STRATA_SFTP_REPLY_DATA;
        break;
    case SSH_FXP_NAME:
        if ((r = get_names(s, b, &rep)) != STRATA_OK)
            return r;
        rep.kind = STRATA_SFTP_REPLY_NAME;
        break;
    case SSH_FXP_ATTRS:
        if (strata__sftp_get_attrs(b, &rep.attrs) != STRATA_OK)
            return bad(s, "SFTP: truncated or malformed %s reply (id %u)", "ATTRS", id);
        rep.kind = STRATA_SFTP_REPLY_ATTRS;
        break;
    case SSH_FXP_EXTENDED_REPLY:
        if (q->want == STRATA_SFTP_REPLY_STATVFS) {
            if (get_u64s(b, &rep.statvfs.bsize, 11) != STRATA_OK)
                return bad(s, "SFTP: truncated %s reply (id %u)", "statvfs", id);
        } else if (q->want == STRATA_SFTP_REPLY_LIMITS) {
            if (get_u64s(b, &rep.limits.max_packet_length, 4) != STRATA_OK)
                return bad(s, "SFTP: truncated %s reply (id %u)", "limits", id);
        } else {
            return bad(s, "SFTP: %s reply to a request that expects none (id %u)", "EXTENDED_REPLY",
                       id);
        }
        rep.kind = q->want;
        break;
    default:
        return bad(s, "SFTP: unknown reply type %s (%u)", type_name(type), type);
    }
    if (strata_buf_get_end(b) != STRATA_OK)
        return bad(s, "SFTP: %s reply with trailing bytes (id %u)", type_name(type), id);
    if (rep.kind != STRATA_SFTP_REPLY_STATUS && rep.kind != q->want)
        return bad(s, "SFTP: unexpected %s reply (id %u)", type_name(type), id);

    /* Free the slot before the callback: it may queue more requests. */
    strata_sftp_reply_fn fn = q->fn;
    void *user = q->user;
    int limits = q->type == SSH_FXP_EXTENDED && q->want == STRATA_SFTP_REPLY_LIMITS && !fn;
    q->used = 0;
    s->n_pending--;
    if (limits)
        return on_limits(s, &rep);
    if (fn)
        fn(user, &rep);
    return s->err.status;
}
