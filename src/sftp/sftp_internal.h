/* Internals of the SFTP client engine (src/sftp). */
#ifndef STRATA_SFTP_INTERNAL_H
#define STRATA_SFTP_INTERNAL_H

#include "strata/buf.h"
#include "strata/sftp.h"

/* draft-ietf-secsh-filexfer-02 §3: packet types. */
enum {
    SSH_FXP_INIT = 1,
    SSH_FXP_VERSION = 2,
    SSH_FXP_OPEN = 3,
    SSH_FXP_CLOSE = 4,
    SSH_FXP_READ = 5,
    SSH_FXP_WRITE = 6,
    SSH_FXP_LSTAT = 7,
    SSH_FXP_FSTAT = 8,
    SSH_FXP_SETSTAT = 9,
    SSH_FXP_FSETSTAT = 10,
    SSH_FXP_OPENDIR = 11,
    SSH_FXP_READDIR = 12,
    SSH_FXP_REMOVE = 13,
    SSH_FXP_MKDIR = 14,
    SSH_FXP_RMDIR = 15,
    SSH_FXP_REALPATH = 16,
    SSH_FXP_STAT = 17,
    SSH_FXP_RENAME = 18,
    SSH_FXP_READLINK = 19,
    SSH_FXP_SYMLINK = 20,
    SSH_FXP_STATUS = 101,
    SSH_FXP_HANDLE = 102,
    SSH_FXP_DATA = 103,
    SSH_FXP_NAME = 104,
    SSH_FXP_ATTRS = 105,
    SSH_FXP_EXTENDED = 200,
    SSH_FXP_EXTENDED_REPLY = 201,
};

#define SFTP_EXT_NAME_MAX 256u
#define SFTP_EXT_DATA_MAX 4096u
#define SFTP_MSG_MAX 1024u /* server message bytes kept */

struct sftp_ext {
    char *name, *data;
};

/* One outstanding request; slot = id % STRATA_SFTP_INFLIGHT_MAX. */
struct sftp_pending {
    int used;
    uint32_t id;
    uint8_t type;                     /* request type (SSH_FXP_*) */
    enum strata_sftp_reply_kind want; /* the reply it expects */
    strata_sftp_reply_fn fn;
    void *user;
};

struct strata_sftp {
    strata_buf out; /* queued requests */
    strata_buf in;  /* a partial packet */
    strata_error err;
    uint32_t version;
    int got_version, limits_pending;
    struct sftp_ext ext[STRATA_SFTP_EXT_MAX];
    size_t n_ext;
    strata_sftp_limits limits;
    uint32_t next_id;
    size_t n_pending;
    struct sftp_pending pending[STRATA_SFTP_INFLIGHT_MAX];
    strata_sftp_name *names; /* scratch for NAME replies */
    char *scratch;           /* NUL-terminated copies of a NAME reply's strings */
    size_t scratch_cap;
};

/* Parses one packet (type byte on, length stripped) and dispatches it. */
strata_status strata__sftp_dispatch(strata_sftp *s, strata_buf *pkt);
/* Attributes (draft-02 §5). */
strata_status strata__sftp_get_attrs(strata_buf *b, strata_sftp_attrs *a);
strata_status strata__sftp_put_attrs(strata_buf *b, const strata_sftp_attrs *a);

/* Request building: begin writes length placeholder, type, id (and, for
 * SSH_FXP_EXTENDED, the extension name); end patches the length and records
 * the pending slot. On failure everything begun is dropped. */
struct sftp_req {
    size_t start;
    uint32_t id;
};
strata_status strata__sftp_begin(strata_sftp *s, uint8_t type, const char *ext,
                                 struct sftp_req *rq);
strata_status strata__sftp_end(strata_sftp *s, struct sftp_req *rq, uint8_t type,
                               enum strata_sftp_reply_kind want, strata_sftp_reply_fn fn,
                               void *user, uint32_t *id);
void strata__sftp_abort(strata_sftp *s, struct sftp_req *rq);
/* Drops the callbacks of every request whose user is user (a freed transfer). */
void strata__sftp_forget(strata_sftp *s, void *user);
/* A WRITE of up to max bytes at off whose data fill puts straight into the
 * queued request (no copy through a buffer of the caller's): *got is what
 * fill gave. Nothing is queued when fill fails or gives 0 bytes. */
typedef strata_status (*strata_sftp_fill_fn)(void *user, uint64_t off, uint8_t *buf, size_t n,
                                             size_t *got);
strata_status strata__sftp_write_from(strata_sftp *s, const strata_sftp_handle *h, uint64_t off,
                                      size_t max, strata_sftp_fill_fn fill, void *fill_user,
                                      size_t *got, strata_sftp_reply_fn fn, void *user);

#endif
