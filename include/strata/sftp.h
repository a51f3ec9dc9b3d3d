/* strata/sftp.h - SFTP version 3 client engine (sans-I/O).
 *
 * SFTP as OpenSSH speaks it: draft-ietf-secsh-filexfer-02 (protocol version
 * 3) plus OpenSSH's extensions (PROTOCOL.sftp-server... in OpenSSH's
 * PROTOCOL file): posix-rename, statvfs, fsync, hardlink, limits, copy-data,
 * expand-path, home-directory, lsetstat.
 *
 * The engine never reads or writes a socket or a file. Bytes from the server
 * (the "sftp" subsystem channel, or a pipe to sftp-server) go in with
 * strata_sftp_feed; bytes for the server come out of strata_sftp_out /
 * strata_sftp_out_ack. Each request is queued with a callback that runs from
 * within strata_sftp_feed when its reply arrives (replies may come in any
 * order; they are matched by request id), or from strata_sftp_eof when the
 * stream ended first.
 *
 * Every length and count the server sends is bounded: a packet longer than
 * STRATA_SFTP_PACKET_MAX, a handle longer than STRATA_SFTP_HANDLE_MAX, more
 * than STRATA_SFTP_NAMES_MAX names or STRATA_SFTP_EXT_MAX extensions, a
 * reply for an id with no request, or trailing bytes: the engine fails with
 * STRATA_E_SFTP_PACKET and a message naming the problem. The first such
 * error is sticky: every later call returns it.
 *
 * A server's status reply maps to a distinct status (STRATA_E_SFTP_EOF,
 * _NO_SUCH_FILE, _PERMISSION, _FAILURE, _BAD_MESSAGE, _NO_CONNECTION,
 * _CONNECTION_LOST, _OP_UNSUPPORTED, or STRATA_E_SFTP_STATUS for codes
 * version 3 does not define), with the server's message in the reply.
 *
 * Threads: an engine is used by one thread at a time. Callbacks must not
 * free the engine; they may queue further requests.
 */
#ifndef STRATA_SFTP_H
#define STRATA_SFTP_H

#include <stddef.h>
#include <stdint.h>
#include "export.h"
#include "error.h"
#include "status.h"

typedef struct strata_sftp strata_sftp;
typedef struct strata_sftp_xfer strata_sftp_xfer;

#define STRATA_SFTP_VERSION 3u
/* Longest packet accepted from the server: 256 KiB of payload plus room for
 * the header of a DATA reply (OpenSSH's SFTP_MAX_MSG_LENGTH is 256 KiB). */
#define STRATA_SFTP_PACKET_MAX (256u * 1024u + 64u)
#define STRATA_SFTP_HANDLE_MAX 256u /* draft-02 §6.2 */
#define STRATA_SFTP_NAMES_MAX 4096u /* names in one NAME reply */
#define STRATA_SFTP_EXT_MAX 64u     /* extensions in VERSION, extended attrs per entry */
#define STRATA_SFTP_INFLIGHT_MAX 1024u
/* A transfer's defaults: 64 requests of up to 255 KiB in flight (OpenSSH's
 * sftp keeps 64 of 32..255 KiB). */
#define STRATA_SFTP_XFER_REQUESTS 64u
#define STRATA_SFTP_XFER_CHUNK (255u * 1024u)

/* Open flags (draft-02 §6.3). */
#define STRATA_SFTP_READ 0x01u
#define STRATA_SFTP_WRITE 0x02u
#define STRATA_SFTP_APPEND 0x04u
#define STRATA_SFTP_CREAT 0x08u
#define STRATA_SFTP_TRUNC 0x10u
#define STRATA_SFTP_EXCL 0x20u

/* Attribute flags (draft-02 §5). */
#define STRATA_SFTP_ATTR_SIZE 0x01u
#define STRATA_SFTP_ATTR_UIDGID 0x02u
#define STRATA_SFTP_ATTR_PERMISSIONS 0x04u
#define STRATA_SFTP_ATTR_ACMODTIME 0x08u

/* Status codes (draft-02 §7). */
enum strata_sftp_code {
    STRATA_SFTP_OK = 0,
    STRATA_SFTP_EOF = 1,
    STRATA_SFTP_NO_SUCH_FILE = 2,
    STRATA_SFTP_PERMISSION_DENIED = 3,
    STRATA_SFTP_FAILURE = 4,
    STRATA_SFTP_BAD_MESSAGE = 5,
    STRATA_SFTP_NO_CONNECTION = 6,
    STRATA_SFTP_CONNECTION_LOST = 7,
    STRATA_SFTP_OP_UNSUPPORTED = 8,
};

/* File attributes; only the fields whose flag is set are meaningful.
 * Extended attribute pairs the server sends are checked and counted, not
 * kept. */
typedef struct strata_sftp_attrs {
    uint32_t flags;
    uint64_t size;
    uint32_t uid, gid;
    uint32_t perm;
    uint32_t atime, mtime;
    uint32_t n_extended;
} strata_sftp_attrs;

typedef struct strata_sftp_handle {
    size_t len;
    uint8_t data[STRATA_SFTP_HANDLE_MAX];
} strata_sftp_handle;

/* One entry of a NAME reply. The strings point into the engine's input and
 * are valid during the callback only; each is NUL-terminated (a name holding
 * a NUL byte is refused as malformed). */
typedef struct strata_sftp_name {
    const char *name;
    size_t name_len;
    const char *longname;
    strata_sftp_attrs attrs;
} strata_sftp_name;

/* statvfs@openssh.com reply (the fields of statvfs(3)). */
typedef struct strata_sftp_statvfs {
    uint64_t bsize, frsize, blocks, bfree, bavail, files, ffree, favail, fsid, flag, namemax;
} strata_sftp_vfs;

/* limits@openssh.com reply; 0 means "no limit". */
typedef struct strata_sftp_limits {
    uint64_t max_packet_length, max_read_length, max_write_length, max_open_handles;
} strata_sftp_limits;

enum strata_sftp_reply_kind {
    STRATA_SFTP_REPLY_STATUS,  /* status only (and message) */
    STRATA_SFTP_REPLY_HANDLE,  /* handle */
    STRATA_SFTP_REPLY_DATA,    /* data, data_len */
    STRATA_SFTP_REPLY_NAME,    /* names, n_names */
    STRATA_SFTP_REPLY_ATTRS,   /* attrs */
    STRATA_SFTP_REPLY_STATVFS, /* statvfs */
    STRATA_SFTP_REPLY_LIMITS,  /* limits */
};

/* A reply, valid during the callback only (copy what you keep).
 * status is STRATA_OK on success; otherwise the mapped server status (code
 * and message then say what the server sent), or STRATA_E_SFTP_CONNECTION_LOST
 * when the stream ended first (strata_sftp_eof). A reply of the wrong type
 * for its request is not delivered: it fails the engine (E_SFTP_PACKET). */
typedef struct strata_sftp_reply {
    uint32_t id;
    enum strata_sftp_reply_kind kind;
    strata_status status;
    uint32_t code;       /* SSH_FX_* from a STATUS reply; 0 otherwise */
    const char *message; /* server's (or strata's) message, never NULL */
    strata_sftp_handle handle;
    const uint8_t *data;
    size_t data_len;
    const strata_sftp_name *names;
    size_t n_names;
    strata_sftp_attrs attrs;
    strata_sftp_vfs statvfs;
    strata_sftp_limits limits;
} strata_sftp_reply;

/* Called once per request. r and everything it points to are borrowed. */
typedef void (*strata_sftp_reply_fn)(void *user, const strata_sftp_reply *r);

/* ---- the engine ------------------------------------------------------------------- */

/* A new engine; SSH_FXP_INIT (version 3) is queued for output at once.
 * Free with strata_sftp_free. */
STRATA_API STRATA_MUST_CHECK strata_status strata_sftp_new(strata_sftp **out);
/* Frees the engine. Callbacks of requests still outstanding are not called.
 * Transfers made on it must be freed first. NULL is allowed. */
STRATA_API void strata_sftp_free(strata_sftp *s);

/* Bytes for the server: *n of them at the returned pointer (borrowed until
 * the next call on s); 0 when nothing is queued. */
STRATA_API const uint8_t *strata_sftp_out(const strata_sftp *s, size_t *n);
/* n of those bytes were sent. */
STRATA_API void strata_sftp_out_ack(strata_sftp *s, size_t n);
/* Bytes from the server. All n are taken (incomplete packets are kept, up to
 * one packet) unless the engine fails. Reply callbacks run from here. */
STRATA_API STRATA_MUST_CHECK strata_status strata_sftp_feed(strata_sftp *s, const uint8_t *p,
                                                            size_t n);
/* The server's stream ended (or broke: why, may be NULL). Every outstanding
 * request's callback runs with STRATA_E_SFTP_CONNECTION_LOST and a message
 * saying so; the engine fails with that status. */
STRATA_API void strata_sftp_eof(strata_sftp *s, const char *why);

/* STRATA_WANT_READ until the server's VERSION (and, when offered, its
 * limits@openssh.com reply) arrived; STRATA_OK then; the sticky error if
 * the engine failed. Requests may be queued only once this is STRATA_OK. */
STRATA_API STRATA_MUST_CHECK strata_status strata_sftp_ready(const strata_sftp *s);
/* The server's protocol version (0 before VERSION). */
STRATA_API uint32_t strata_sftp_version(const strata_sftp *s);
/* 1 when the server offered extension name ("posix-rename@openssh.com")
 * in version ver ("1"); ver NULL: any version. */
STRATA_API int strata_sftp_has_ext(const strata_sftp *s, const char *name, const char *ver);
/* The server's limits (limits@openssh.com), all 0 when not offered. */
STRATA_API void strata_sftp_get_limits(const strata_sftp *s, strata_sftp_limits *out);
/* Requests sent and not yet answered. */
STRATA_API size_t strata_sftp_outstanding(const strata_sftp *s);
/* The engine's sticky error (status STRATA_OK when none); borrowed from s. */
STRATA_API const strata_error *strata_sftp_error(const strata_sftp *s);

/* ---- requests ----------------------------------------------------------------------
 * Each queues one request and returns its id in *id (may be NULL). fn (may
 * be NULL: the reply is dropped) runs once with the reply. Strings are
 * NUL-terminated byte strings (any bytes but NUL: spaces, newlines, non-UTF-8
 * are sent as given); every argument is copied before the call returns.
 * STRATA_E_STATE before strata_sftp_ready, STRATA_E_LIMIT with
 * STRATA_SFTP_INFLIGHT_MAX requests outstanding, STRATA_E_UNSUPPORTED for an
 * extension the server did not offer. */

/* SSH_FXP_OPEN: flags STRATA_SFTP_READ | ...; attrs may be NULL. Reply: HANDLE. */
STRATA_API STRATA_MUST_CHECK strata_status strata_sftp_open(strata_sftp *s, const char *path,
                                                            uint32_t flags,
                                                            const strata_sftp_attrs *attrs,
                                                            strata_sftp_reply_fn fn, void *user,
                                                            uint32_t *id);
/* SSH_FXP_CLOSE. Reply: STATUS. */
STRATA_API STRATA_MUST_CHECK strata_status strata_sftp_close(strata_sftp *s,
                                                             const strata_sftp_handle *h,
                                                             strata_sftp_reply_fn fn, void *user,
                                                             uint32_t *id);
/* SSH_FXP_READ of up to len bytes (at most STRATA_SFTP_XFER_CHUNK) at off.
 * Reply: DATA (possibly shorter), or status STRATA_E_SFTP_EOF. */
STRATA_API STRATA_MUST_CHECK strata_status strata_sftp_read(strata_sftp *s,
                                                            const strata_sftp_handle *h,
                                                            uint64_t off, uint32_t len,
                                                            strata_sftp_reply_fn fn, void *user,
                                                            uint32_t *id);
/* SSH_FXP_WRITE of len bytes (at most STRATA_SFTP_XFER_CHUNK) at off. Reply: STATUS. */
STRATA_API STRATA_MUST_CHECK strata_status strata_sftp_write(strata_sftp *s,
                                                             const strata_sftp_handle *h,
                                                             uint64_t off, const uint8_t *data,
                                                             size_t len, strata_sftp_reply_fn fn,
                                                             void *user, uint32_t *id);
/* SSH_FXP_STAT / LSTAT (path) and FSTAT (handle). Reply: ATTRS. */
STRATA_API STRATA_MUST_CHECK strata_status strata_sftp_stat(strata_sftp *s, const char *path,
                                                            strata_sftp_reply_fn fn, void *user,
                                                            uint32_t *id);
STRATA_API STRATA_MUST_CHECK strata_status strata_sftp_lstat(strata_sftp *s, const char *path,
                                                             strata_sftp_reply_fn fn, void *user,
                                                             uint32_t *id);
STRATA_API STRATA_MUST_CHECK strata_status strata_sftp_fstat(strata_sftp *s,
                                                             const strata_sftp_handle *h,
                                                             strata_sftp_reply_fn fn, void *user,
                                                             uint32_t *id);
/* SSH_FXP_SETSTAT / FSETSTAT. Reply: STATUS. */
STRATA_API STRATA_MUST_CHECK strata_status strata_sftp_setstat(strata_sftp *s, const char *path,
                                                               const strata_sftp_attrs *a,
                                                               strata_sftp_reply_fn fn, void *user,
                                                               uint32_t *id);
STRATA_API STRATA_MUST_CHECK strata_status strata_sftp_fsetstat(strata_sftp *s,
                                                                const strata_sftp_handle *h,
                                                                const strata_sftp_attrs *a,
                                                                strata_sftp_reply_fn fn, void *user,
                                                                uint32_t *id);
/* SSH_FXP_OPENDIR (reply: HANDLE) and READDIR (reply: NAME, or status
 * STRATA_E_SFTP_EOF at the end of the directory). */
STRATA_API STRATA_MUST_CHECK strata_status strata_sftp_opendir(strata_sftp *s, const char *path,
                                                               strata_sftp_reply_fn fn, void *user,
                                                               uint32_t *id);
STRATA_API STRATA_MUST_CHECK strata_status strata_sftp_readdir(strata_sftp *s,
                                                               const strata_sftp_handle *h,
                                                               strata_sftp_reply_fn fn, void *user,
                                                               uint32_t *id);
/* SSH_FXP_REMOVE, MKDIR (attrs may be NULL), RMDIR. Reply: STATUS. */
STRATA_API STRATA_MUST_CHECK strata_status strata_sftp_remove(strata_sftp *s, const char *path,
                                                              strata_sftp_reply_fn fn, void *user,
                                                              uint32_t *id);
STRATA_API STRATA_MUST_CHECK strata_status strata_sftp_mkdir(strata_sftp *s, const char *path,
                                                             const strata_sftp_attrs *attrs,
                                                             strata_sftp_reply_fn fn, void *user,
                                                             uint32_t *id);
STRATA_API STRATA_MUST_CHECK strata_status strata_sftp_rmdir(strata_sftp *s, const char *path,
                                                             strata_sftp_reply_fn fn, void *user,
                                                             uint32_t *id);
/* SSH_FXP_REALPATH and READLINK. Reply: NAME with one entry. */
STRATA_API STRATA_MUST_CHECK strata_status strata_sftp_realpath(strata_sftp *s, const char *path,
                                                                strata_sftp_reply_fn fn, void *user,
                                                                uint32_t *id);
STRATA_API STRATA_MUST_CHECK strata_status strata_sftp_readlink(strata_sftp *s, const char *path,
                                                                strata_sftp_reply_fn fn, void *user,
                                                                uint32_t *id);
/* SSH_FXP_RENAME (draft-02: fails if newpath exists). Reply: STATUS. */
STRATA_API STRATA_MUST_CHECK strata_status strata_sftp_rename(strata_sftp *s, const char *oldpath,
                                                              const char *newpath,
                                                              strata_sftp_reply_fn fn, void *user,
                                                              uint32_t *id);
/* SSH_FXP_SYMLINK: makes linkpath point to target. (OpenSSH's server takes
 * the two strings in the reverse of the draft's order; strata sends them the
 * way OpenSSH does.) Reply: STATUS. */
STRATA_API STRATA_MUST_CHECK strata_status strata_sftp_symlink(strata_sftp *s, const char *target,
                                                               const char *linkpath,
                                                               strata_sftp_reply_fn fn, void *user,
                                                               uint32_t *id);

/* ---- OpenSSH extensions (E_UNSUPPORTED unless offered) --------------------------- */

/* posix-rename@openssh.com: rename(2), replacing newpath. Reply: STATUS. */
STRATA_API STRATA_MUST_CHECK strata_status strata_sftp_posix_rename(strata_sftp *s,
                                                                    const char *oldpath,
                                                                    const char *newpath,
                                                                    strata_sftp_reply_fn fn,
                                                                    void *user, uint32_t *id);
/* lsetstat@openssh.com: SETSTAT of path itself, not of what a symlink at
 * path points to (OpenSSH's `sftp chown -h`). a is read during the call.
 * Reply: STATUS. */
STRATA_API STRATA_MUST_CHECK strata_status strata_sftp_lsetstat(strata_sftp *s, const char *path,
                                                                const strata_sftp_attrs *a,
                                                                strata_sftp_reply_fn fn, void *user,
                                                                uint32_t *id);
/* statvfs@openssh.com. Reply: STATVFS. */
STRATA_API STRATA_MUST_CHECK strata_status strata_sftp_statvfs(strata_sftp *s, const char *path,
                                                               strata_sftp_reply_fn fn, void *user,
                                                               uint32_t *id);
/* fsync@openssh.com. Reply: STATUS. */
STRATA_API STRATA_MUST_CHECK strata_status strata_sftp_fsync(strata_sftp *s,
                                                             const strata_sftp_handle *h,
                                                             strata_sftp_reply_fn fn, void *user,
                                                             uint32_t *id);
/* hardlink@openssh.com: newpath becomes a hard link to oldpath. Reply: STATUS. */
STRATA_API STRATA_MUST_CHECK strata_status strata_sftp_hardlink(strata_sftp *s, const char *oldpath,
                                                                const char *newpath,
                                                                strata_sftp_reply_fn fn, void *user,
                                                                uint32_t *id);
/* copy-data: len bytes (0: to the end) of rh at roff into wh at woff, on
 * the server. Reply: STATUS. */
STRATA_API STRATA_MUST_CHECK strata_status strata_sftp_copy_data(
    strata_sftp *s, const strata_sftp_handle *rh, uint64_t roff, uint64_t len,
    const strata_sftp_handle *wh, uint64_t woff, strata_sftp_reply_fn fn, void *user, uint32_t *id);
/* expand-path@openssh.com ("~/x", "~user/x"). Reply: NAME with one entry. */
STRATA_API STRATA_MUST_CHECK strata_status strata_sftp_expand_path(strata_sftp *s, const char *path,
                                                                   strata_sftp_reply_fn fn,
                                                                   void *user, uint32_t *id);
/* home-directory: user's home (username "" is the login user). Reply: NAME. */
STRATA_API STRATA_MUST_CHECK strata_status strata_sftp_home_directory(strata_sftp *s,
                                                                      const char *username,
                                                                      strata_sftp_reply_fn fn,
                                                                      void *user, uint32_t *id);
/* limits@openssh.com (the engine asks once by itself; see get_limits).
 * Reply: LIMITS. */
STRATA_API STRATA_MUST_CHECK strata_status strata_sftp_limits_query(strata_sftp *s,
                                                                    strata_sftp_reply_fn fn,
                                                                    void *user, uint32_t *id);

/* ---- transfers ---------------------------------------------------------------------
 * A transfer moves one open file's bytes with many READs or WRITEs in
 * flight. The caller's file is reached through callbacks (the engine does no
 * I/O): a download hands each piece of data to sink (pieces may come in any
 * order; a sink writes at the offset given, so holes of a sparse file stay
 * holes); an upload asks source for the bytes at an offset, and source's
 * *got < n means the local file ends there. Both start at the offset given
 * (0, or where an interrupted transfer stopped: reget / reput). A short read
 * before the end of the file is re-requested for the rest; the download ends
 * at the first EOF status.
 *
 * Request size: STRATA_SFTP_XFER_CHUNK, lowered to the server's
 * max_read_length / max_write_length (limits@openssh.com) when smaller. */
typedef struct strata_sftp_xfer_config {
    /* download: n bytes of file data at off. An error stops the transfer. */
    strata_status (*sink)(void *user, uint64_t off, const uint8_t *p, size_t n);
    /* upload: up to n bytes at off into buf; *got < n only at the end. */
    strata_status (*source)(void *user, uint64_t off, uint8_t *buf, size_t n, size_t *got);
    void *user;
    uint64_t offset;   /* where to start */
    uint32_t requests; /* in flight at most; 0: STRATA_SFTP_XFER_REQUESTS */
    uint32_t chunk;    /* bytes per request; 0: as above; capped as above */
} strata_sftp_xfer_config;

/* A download (get) or upload (put) of the file open as h (copied). cfg is
 * copied. Nothing is sent until strata_sftp_xfer_pump. *out is owned by the
 * caller: free it with strata_sftp_xfer_free before the engine. */
STRATA_API STRATA_MUST_CHECK strata_status strata_sftp_xfer_get(strata_sftp *s,
                                                                const strata_sftp_handle *h,
                                                                const strata_sftp_xfer_config *cfg,
                                                                strata_sftp_xfer **out);
STRATA_API STRATA_MUST_CHECK strata_status strata_sftp_xfer_put(strata_sftp *s,
                                                                const strata_sftp_handle *h,
                                                                const strata_sftp_xfer_config *cfg,
                                                                strata_sftp_xfer **out);
/* Queues requests up to the in-flight bound (and while less than about 2
 * MiB of output waits in the engine). Call it after every strata_sftp_feed
 * and strata_sftp_out_ack. Returns strata_sftp_xfer_status. */
STRATA_API STRATA_MUST_CHECK strata_status strata_sftp_xfer_pump(strata_sftp_xfer *x);
/* STRATA_WANT_READ while running, STRATA_OK when every byte moved, else the
 * transfer's error (detail in strata_sftp_xfer_error). */
STRATA_API STRATA_MUST_CHECK strata_status strata_sftp_xfer_status(const strata_sftp_xfer *x);
STRATA_API const strata_error *strata_sftp_xfer_error(const strata_sftp_xfer *x);
/* Bytes moved so far, and the end offset reached (for a download: the file's
 * size once done; for reget/reput: offset + bytes). */
STRATA_API uint64_t strata_sftp_xfer_bytes(const strata_sftp_xfer *x);
STRATA_API uint64_t strata_sftp_xfer_end(const strata_sftp_xfer *x);
/* Frees the transfer; replies still outstanding for it are dropped when
 * they come. NULL is allowed. */
STRATA_API void strata_sftp_xfer_free(strata_sftp_xfer *x);

#endif
