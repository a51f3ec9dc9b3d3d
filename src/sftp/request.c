/* SFTP requests (draft-ietf-secsh-filexfer-02 §6; OpenSSH PROTOCOL §4 for
 * the extensions). Each builds one packet on the engine's output and records
 * the reply it expects. */
#include <string.h>

#include "sftp/sftp_internal.h"

/* Argument shapes, so each request is one line. */
struct args {
    const char *s1, *s2;
    const strata_sftp_handle *h1, *h2;
    const strata_sftp_attrs *attrs;
    int with_attrs;
    uint64_t u64[3];
    size_t n_u64;
    uint32_t u32; /* after the u64s (READ length) */
    int with_u32;
    uint32_t flags; /* OPEN: before attrs */
    int with_flags;
    const uint8_t *data;
    size_t data_len;
    int with_data;
};

static strata_status put_handle(strata_buf *b, const strata_sftp_handle *h)
{
    if (h->len > STRATA_SFTP_HANDLE_MAX)
        return STRATA_E_USAGE;
    return strata_buf_put_string(b, h->data, h->len);
}

static strata_status request(strata_sftp *s, uint8_t type, const char *ext,
                             enum strata_sftp_reply_kind want, const struct args *a,
                             strata_sftp_reply_fn fn, void *user, uint32_t *id)
{
    struct sftp_req rq;
    strata_buf *b = &s->out;
    if (id)
        *id = 0;
    strata_status r = strata__sftp_begin(s, type, ext, &rq);
    if (r != STRATA_OK)
        return r;
    if (a->s1)
        r = strata_buf_put_cstring(b, a->s1);
    if (r == STRATA_OK && a->h1)
        r = put_handle(b, a->h1);
    for (size_t i = 0; r == STRATA_OK && i < a->n_u64 && i < 2; i++)
        r = strata_buf_put_u64(b, a->u64[i]);
    if (r == STRATA_OK && a->with_u32)
        r = strata_buf_put_u32(b, a->u32);
    if (r == STRATA_OK && a->with_data)
        r = strata_buf_put_string(b, a->data, a->data_len);
    if (r == STRATA_OK && a->s2)
        r = strata_buf_put_cstring(b, a->s2);
    if (r == STRATA_OK && a->h2)
        r = put_handle(b, a->h2);
    if (r == STRATA_OK && a->n_u64 == 3)
        r = strata_buf_put_u64(b, a->u64[2]);
    if (r == STRATA_OK && a->with_flags)
        r = strata_buf_put_u32(b, a->flags);
    if (r == STRATA_OK && a->with_attrs)
        r = strata__sftp_put_attrs(b, a->attrs);
    if (r != STRATA_OK) {
        strata__sftp_abort(s, &rq);
        return r;
    }
    return strata__sftp_end(s, &rq, type, want, fn, user, id);
}

static strata_status ext_request(strata_sftp *s, const char *ext, enum strata_sftp_reply_kind want,
                                 const struct args *a, strata_sftp_reply_fn fn, void *user,
                                 uint32_t *id)
{
    if (id)
        *id = 0;
    if (s->err.status != STRATA_OK)
        return s->err.status;
    if (!strata_sftp_has_ext(s, ext, NULL))
        return STRATA_E_UNSUPPORTED;
    return request(s, SSH_FXP_EXTENDED, ext, want, a, fn, user, id);
}

static int bad_str(const char *p)
{
    return p == NULL;
}

#define PATH_REQ(fname, TYPE, WANT)                                                                \
    strata_status fname(strata_sftp *s, const char *path, strata_sftp_reply_fn fn, void *user,     \
                        uint32_t *id)                                                              \
    {                                                                                              \
        if (bad_str(path))                                                                         \
            return STRATA_E_USAGE;                                                                 \
        struct args a = {.s1 = path};                                                              \
        return request(s, TYPE, NULL, WANT, &a, fn, user, id);                                     \
    }
#define HANDLE_REQ(fname, TYPE, WANT)                                                              \
    strata_status fname(strata_sftp *s, const strata_sftp_handle *h, strata_sftp_reply_fn fn,      \
                        void *user, uint32_t *id)                                                  \
    {                                                                                              \
        struct args a = {.h1 = h};                                                                 \
        return request(s, TYPE, NULL, WANT, &a, fn, user, id);                                     \
    }

PATH_REQ(strata_sftp_stat, SSH_FXP_STAT, STRATA_SFTP_REPLY_ATTRS)
PATH_REQ(strata_sftp_lstat, SSH_FXP_LSTAT, STRATA_SFTP_REPLY_ATTRS)
PATH_REQ(strata_sftp_opendir, SSH_FXP_OPENDIR, STRATA_SFTP_REPLY_HANDLE)
PATH_REQ(strata_sftp_remove, SSH_FXP_REMOVE, STRATA_SFTP_REPLY_STATUS)
PATH_REQ(strata_sftp_rmdir, SSH_FXP_RMDIR, STRATA_SFTP_REPLY_STATUS)
PATH_REQ(strata_sftp_realpath, SSH_FXP_REALPATH, STRATA_SFTP_REPLY_NAME)
PATH_REQ(strata_sftp_readlink, SSH_FXP_READLINK, STRATA_SFTP_REPLY_NAME)
HANDLE_REQ(strata_sftp_close, SSH_FXP_CLOSE, STRATA_SFTP_REPLY_STATUS)
HANDLE_REQ(strata_sftp_fstat, SSH_FXP_FSTAT, STRATA_SFTP_REPLY_ATTRS)
HANDLE_REQ(strata_sftp_readdir, SSH_FXP_READDIR, STRATA_SFTP_REPLY_NAME)

strata_status strata_sftp_open(strata_sftp *s, const char *path, uint32_t flags,
                               const strata_sftp_attrs *attrs, strata_sftp_reply_fn fn, void *user,
                               uint32_t *id)
{
    if (bad_str(path))
        return STRATA_E_USAGE;
    struct args a = {.s1 = path, .flags = flags, .with_flags = 1, .attrs = attrs, .with_attrs = 1};
    return request(s, SSH_FXP_OPEN, NULL, STRATA_SFTP_REPLY_HANDLE, &a, fn, user, id);
}

strata_status strata_sftp_read(strata_sftp *s, const strata_sftp_handle *h, uint64_t off,
                               uint32_t len, strata_sftp_reply_fn fn, void *user, uint32_t *id)
{
    if (len > STRATA_SFTP_XFER_CHUNK)
        return STRATA_E_USAGE;
    struct args a = {.h1 = h, .u64 = {off}, .n_u64 = 1, .u32 = len, .with_u32 = 1};
    return request(s, SSH_FXP_READ, NULL, STRATA_SFTP_REPLY_DATA, &a, fn, user, id);
}

strata_status strata_sftp_write(strata_sftp *s, const strata_sftp_handle *h, uint64_t off,
                                const uint8_t *data, size_t len, strata_sftp_reply_fn fn,
                                void *user, uint32_t *id)
{
    if (len > STRATA_SFTP_XFER_CHUNK || (len > 0 && !data))
        return STRATA_E_USAGE;
    struct args a = {
        .h1 = h, .u64 = {off}, .n_u64 = 1, .data = data, .data_len = len, .with_data = 1};
    return request(s, SSH_FXP_WRITE, NULL, STRATA_SFTP_REPLY_STATUS, &a, fn, user, id);
}

strata_status strata__sftp_write_from(strata_sftp *s, const strata_sftp_handle *h, uint64_t off,
                                      size_t max, strata_sftp_fill_fn fill, void *fill_user,
                                      size_t *got, strata_sftp_reply_fn fn, void *user)
{
    struct sftp_req rq;
    uint8_t *w = NULL;
    *got = 0;
    if (max == 0 || max > STRATA_SFTP_XFER_CHUNK || !fill)
        return STRATA_E_USAGE;
    strata_status r = strata__sftp_begin(s, SSH_FXP_WRITE, NULL, &rq);
    if (r != STRATA_OK)
        return r;
    if ((r = put_handle(&s->out, h)) == STRATA_OK &&
        (r = strata_buf_put_u64(&s->out, off)) == STRATA_OK)
        r = strata_buf_reserve(&s->out, 4 + max, &w);
    if (r == STRATA_OK && (r = fill(fill_user, off, w + 4, max, got)) == STRATA_OK && *got > max)
        r = STRATA_E_USAGE;
    if (r != STRATA_OK || *got == 0) {
        strata__sftp_abort(s, &rq);
        return r;
    }
    /* The data went straight into the request; its length goes in front and
     * the unused tail of the reservation is dropped. */
    w[0] = (uint8_t)(*got >> 24);
    w[1] = (uint8_t)(*got >> 16);
    w[2] = (uint8_t)(*got >> 8);
    w[3] = (uint8_t)*got;
    if (*got < max && (r = strata_buf_consume_end(&s->out, max - *got)) != STRATA_OK) {
        strata__sftp_abort(s, &rq);
        return r;
    }
    return strata__sftp_end(s, &rq, SSH_FXP_WRITE, STRATA_SFTP_REPLY_STATUS, fn, user, NULL);
}

strata_status strata_sftp_setstat(strata_sftp *s, const char *path, const strata_sftp_attrs *at,
                                  strata_sftp_reply_fn fn, void *user, uint32_t *id)
{
    if (bad_str(path) || !at)
        return STRATA_E_USAGE;
    struct args a = {.s1 = path, .attrs = at, .with_attrs = 1};
    return request(s, SSH_FXP_SETSTAT, NULL, STRATA_SFTP_REPLY_STATUS, &a, fn, user, id);
}

/* lsetstat@openssh.com: string path, ATTRS (as SETSTAT, not following a
 * final symlink). */
strata_status strata_sftp_lsetstat(strata_sftp *s, const char *path, const strata_sftp_attrs *at,
                                   strata_sftp_reply_fn fn, void *user, uint32_t *id)
{
    if (bad_str(path) || !at)
        return STRATA_E_USAGE;
    struct args a = {.s1 = path, .attrs = at, .with_attrs = 1};
    return ext_request(s, "lsetstat@openssh.com", STRATA_SFTP_REPLY_STATUS, &a, fn, user, id);
}

strata_status strata_sftp_fsetstat(strata_sftp *s, const strata_sftp_handle *h,
                                   const strata_sftp_attrs *at, strata_sftp_reply_fn fn, void *user,
                                   uint32_t *id)
{
    if (!at)
        return STRATA_E_USAGE;
    struct args a = {.h1 = h, .attrs = at, .with_attrs = 1};
    return request(s, SSH_FXP_FSETSTAT, NULL, STRATA_SFTP_REPLY_STATUS, &a, fn, user, id);
}

strata_status strata_sftp_mkdir(strata_sftp *s, const char *path, const strata_sftp_attrs *at,
                                strata_sftp_reply_fn fn, void *user, uint32_t *id)
{
    if (bad_str(path))
        return STRATA_E_USAGE;
    struct args a = {.s1 = path, .attrs = at, .with_attrs = 1};
    return request(s, SSH_FXP_MKDIR, NULL, STRATA_SFTP_REPLY_STATUS, &a, fn, user, id);
}

#define TWO_PATH_REQ(fname, TYPE, EXT)                                                             \
    strata_status fname(strata_sftp *s, const char *p1, const char *p2, strata_sftp_reply_fn fn,   \
                        void *user, uint32_t *id)                                                  \
    {                                                                                              \
        if (bad_str(p1) || bad_str(p2))                                                            \
            return STRATA_E_USAGE;                                                                 \
        struct args a = {.s1 = p1, .s2 = p2};                                                      \
        if (EXT)                                                                                   \
            return ext_request(s, EXT, STRATA_SFTP_REPLY_STATUS, &a, fn, user, id);                \
        return request(s, TYPE, NULL, STRATA_SFTP_REPLY_STATUS, &a, fn, user, id);                 \
    }

/* OpenSSH sends SYMLINK's (target, link), the reverse of draft-02 §6.10. */
TWO_PATH_REQ(strata_sftp_rename, SSH_FXP_RENAME, NULL)
TWO_PATH_REQ(strata_sftp_symlink, SSH_FXP_SYMLINK, NULL)
TWO_PATH_REQ(strata_sftp_posix_rename, SSH_FXP_EXTENDED, "posix-rename@openssh.com")
TWO_PATH_REQ(strata_sftp_hardlink, SSH_FXP_EXTENDED, "hardlink@openssh.com")

strata_status strata_sftp_statvfs(strata_sftp *s, const char *path, strata_sftp_reply_fn fn,
                                  void *user, uint32_t *id)
{
    if (bad_str(path))
        return STRATA_E_USAGE;
    struct args a = {.s1 = path};
    return ext_request(s, "statvfs@openssh.com", STRATA_SFTP_REPLY_STATVFS, &a, fn, user, id);
}

strata_status strata_sftp_fsync(strata_sftp *s, const strata_sftp_handle *h,
                                strata_sftp_reply_fn fn, void *user, uint32_t *id)
{
    struct args a = {.h1 = h};
    return ext_request(s, "fsync@openssh.com", STRATA_SFTP_REPLY_STATUS, &a, fn, user, id);
}

/* copy-data: read-from-handle, read-from-offset, read-data-length,
 * write-to-handle, write-to-offset. */
strata_status strata_sftp_copy_data(strata_sftp *s, const strata_sftp_handle *rh, uint64_t roff,
                                    uint64_t len, const strata_sftp_handle *wh, uint64_t woff,
                                    strata_sftp_reply_fn fn, void *user, uint32_t *id)
{
    struct args a = {.h1 = rh, .u64 = {roff, len, woff}, .n_u64 = 3, .h2 = wh};
    return ext_request(s, "copy-data", STRATA_SFTP_REPLY_STATUS, &a, fn, user, id);
}

strata_status strata_sftp_expand_path(strata_sftp *s, const char *path, strata_sftp_reply_fn fn,
                                      void *user, uint32_t *id)
{
    if (bad_str(path))
        return STRATA_E_USAGE;
    struct args a = {.s1 = path};
    return ext_request(s, "expand-path@openssh.com", STRATA_SFTP_REPLY_NAME, &a, fn, user, id);
}

strata_status strata_sftp_home_directory(strata_sftp *s, const char *username,
                                         strata_sftp_reply_fn fn, void *user, uint32_t *id)
{
    if (bad_str(username))
        return STRATA_E_USAGE;
    struct args a = {.s1 = username};
    return ext_request(s, "home-directory", STRATA_SFTP_REPLY_NAME, &a, fn, user, id);
}

strata_status strata_sftp_limits_query(strata_sftp *s, strata_sftp_reply_fn fn, void *user,
                                       uint32_t *id)
{
    struct args a = {0};
    return ext_request(s, "limits@openssh.com", STRATA_SFTP_REPLY_LIMITS, &a, fn, user, id);
}
