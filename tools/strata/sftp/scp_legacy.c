/* strata scp -O: the legacy SCP protocol, as OpenSSH's scp -O speaks it.
 *
 * Each remote operand gets its own SSH connection whose session channel
 * execs the remote scp: `scp [-r] [-p] [-d] -f path` to fetch (the engine
 * is the sink), `scp [-r] [-p] [-d] -t target` to send (the engine is the
 * source; every local source goes through one such channel). The path is
 * handed to the remote shell as given, so it may hold remote wildcards (and
 * needs quoting for spaces), as with OpenSSH; the name check takes the
 * quoting back out. What the remote sends is held
 * to the engine's checks (strata/scp.h): a name with '/', "." or "..", a
 * directory without -r, a file named otherwise than asked for (unless -T)
 * end the transfer with exit 1 before anything is written for them. Local
 * files: read straight into the engine's output buffer (256 KiB reads),
 * written through a 256 KiB buffer. Remote to remote goes through a
 * temporary local directory (OpenSSH's -3).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "scp_legacy.h"
#include "sftp_cli.h"
#include "sftp_client.h"
#include "strata/scp_io.h"

#define WBUF (256u * 1024u)
#define TURNS_MAX 1000000000ul

/* One connection running one remote scp. */
struct lconn {
    strata_io *io;
    strata_ssh_session *ss;
    strata_scp *e;
    strata_scp_app *app;
    strata_io_conn *conn;
    int conn_done, have_exit, alive, authed;
    uint32_t exit_status;
    strata_error conn_err;
};

/* What a transfer needs from the command line and counts. */
struct xfer {
    const struct scp_legacy_opts *o;
    int errors;
    /* throttle (-l) and meter */
    uint64_t t0_ms, moved;
    struct sftp_meter m;
    /* sink */
    const char *target;
    int target_is_dir;
    mode_t umask_bits;
    char *dirs[STRATA_SCP_DEPTH_MAX + 1]; /* entered directories' paths */
    struct dirmark {
        uint32_t mode;
        int has_times, made;
        int64_t mtime, atime;
    } marks[STRATA_SCP_DEPTH_MAX + 1];
    unsigned depth;
    int fd;
    char *path;
    uint32_t fmode;
    int fhas_times, fcreated, fwerr;
    uint64_t fgot; /* bytes of the current file received */
    int64_t fmtime, fatime;
    uint8_t *wbuf;
    size_t wlen;
};

static void on_conn_done(void *user, strata_io_conn *conn, const strata_error *err)
{
    struct lconn *c = user;
    (void)conn;
    c->conn_done = 1;
    c->conn = NULL;
    strata_error_copy(&c->conn_err, err);
}

static void on_exit_status(void *user, int have_status, uint32_t status, const char *signal,
                           const char *message)
{
    struct lconn *c = user;
    (void)message;
    c->have_exit = 1;
    c->exit_status = have_status ? status : (signal ? 255u : 0u);
}

static void on_ready(void *user, strata_ssh_client *cl)
{
    struct lconn *c = user;
    (void)cl;
    c->authed = 1;
}

/* One turn of the loop, with output sent first. */
static int turn(struct lconn *c)
{
    strata_scp_app_kick(c->app);
    if (!c->alive || strata_io_run_once(c->io, &c->alive) != STRATA_OK)
        c->alive = 0;
    return c->alive && !c->conn_done;
}

/* Opens a connection to host (port if not 0) running command with an
 * engine made from cfg. -1 (message printed) when the connection fails. */
static int lc_open(struct lconn *c, const struct scp_legacy_opts *o, const char *host, int port,
                   const char *command, const strata_scp_config *cfg)
{
    strata_error err = {0};
    strata_status r;
    char buf[STRATA_ERROR_MSG_MAX * 2];
    strata_ssh_session_args a = *o->args;
    if (port)
        a.port = port;
    memset(c, 0, sizeof(*c));
    c->alive = 1;
    strata_io_app app;
    if ((r = strata_io_new(&c->io)) != STRATA_OK ||
        (r = strata_ssh_session_new(host, &a, &c->ss, &err)) != STRATA_OK ||
        (r = strata_scp_new(cfg, &c->e)) != STRATA_OK ||
        (r = strata_io_app_scp_new(c->e, &app, &c->app)) != STRATA_OK) {
        cli_err("%s",
                err.status ? strata_error_format(&err, buf, sizeof(buf)) : strata_status_str(r));
        return -1;
    }
    strata_ssh_layer_config lc;
    sftp_cli_bulk_channel(&lc);
    lc.command = command;
    lc.on_exit = on_exit_status;
    lc.on_ready = on_ready;
    lc.user = c;
    strata_io_conn_config cc = {NULL, 0, on_conn_done, c};
    if ((r = strata_ssh_session_connect(c->ss, c->io, &lc, NULL, app, &cc, &c->conn, NULL, &err)) !=
        STRATA_OK) {
        cli_err("%s", strata_error_format(&err, buf, sizeof(buf)));
        return -1;
    }
    return 0;
}

/* Ends the stream (channel EOF after what is queued), waits (at most 5 s)
 * for the connection's end, and frees everything. Returns the exit status
 * so far: 255 when the connection failed before authentication, 1 when the
 * remote scp failed or the transfer did not end in order, else 0. */
static int lc_close(struct lconn *c, int transfer_ok)
{
    char buf[STRATA_ERROR_MSG_MAX * 2];
    int rc = transfer_ok ? 0 : 1;
    if (c->app && c->conn && !c->conn_done) {
        strata_scp_app_finish(c->app);
        uint64_t t0 = meter_now_ms();
        for (unsigned long i = 0; i < 10000000ul && meter_now_ms() - t0 < 5000 && turn(c);)
            i++;
    }
    if (c->conn_err.status && c->conn_err.status != STRATA_CLOSED && !c->have_exit) {
        cli_err("%s", strata_error_format(&c->conn_err, buf, sizeof(buf)));
        rc = c->authed ? 1 : 255;
    }
    if (c->have_exit && c->exit_status != 0 && rc == 0)
        rc = 1;
    strata_io_free(c->io);
    strata_scp_app_free(c->app);
    strata_scp_free(c->e);
    strata_ssh_session_free(c->ss);
    memset(c, 0, sizeof(*c));
    return rc;
}

/* The engine's verdict once its stream ended; prints the error. */
static int lc_verdict(struct lconn *c)
{
    strata_status st = strata_scp_app_status(c->app);
    if (st == STRATA_OK)
        return 0;
    const strata_error *e = strata_scp_error(c->e);
    if (e->status)
        fprintf(stderr, "%s\n", strata_error_message(e));
    else if (!c->conn_err.status)
        fprintf(stderr, "lost connection\n");
    return -1;
}

/* "scp [-r] [-p] [-d] -f|-t [-- ]path" (OpenSSH's remote command). */
static char *remote_cmd(const struct scp_legacy_opts *o, int multi, char role, const char *path)
{
    size_t n = strlen(path) + 32;
    char *cmd = malloc(n);
    if (cmd)
        snprintf(cmd, n, "scp%s%s%s -%c %s%s", o->recurse ? " -r" : "", o->preserve ? " -p" : "",
                 multi ? " -d" : "", role, path[0] == '-' ? "-- " : "", path);
    return cmd;
}

static void throttle(struct xfer *x, size_t n)
{
    x->moved += n;
    if (!x->o->limit_bps)
        return;
    uint64_t el = meter_now_ms() - x->t0_ms + 1;
    uint64_t allowed = x->o->limit_bps * el / 1000u;
    if (x->moved > allowed) {
        uint64_t wait_ms = (x->moved - allowed) * 1000u / x->o->limit_bps;
        if (wait_ms > 10000)
            wait_ms = 10000;
        struct timespec ts = {(time_t)(wait_ms / 1000u), (long)(wait_ms % 1000u) * 1000000L};
        nanosleep(&ts, NULL);
    }
}

static char *join(const char *dir, const char *name)
{
    size_t n = strlen(dir) + strlen(name) + 2;
    char *p = malloc(n);
    if (p)
        snprintf(p, n, "%s%s%s", dir, strcmp(dir, "/") ? "/" : "", name);
    return p;
}

static const char *last_part(const char *p)
{
    const char *s = strrchr(p, '/');
    return s ? s + 1 : p;
}

static void set_times(const char *path, int fd, int64_t mtime, int64_t atime, struct xfer *x)
{
    struct timespec ts[2] = {{(time_t)atime, 0}, {(time_t)mtime, 0}};
    int r = fd >= 0 ? futimens(fd, ts) : utimensat(AT_FDCWD, path, ts, 0);
    if (r != 0) {
        fprintf(stderr, "%s: set times: %s\n", path, strerror(errno));
        x->errors++;
    }
}

/* ---- sink: what the remote scp -f sends ----------------------------------------- */

/* Answers the current item with msg (only called from within its event,
 * where the engine always takes it). */
static void refuse(struct xfer *x, strata_scp *s, const char *msg)
{
    if (strata_scp_refuse(s, msg) != STRATA_OK)
        x->errors++;
}

static int flush_w(struct xfer *x)
{
    if (x->fd >= 0 && !x->fwerr && x->wlen && cli_write_all(x->fd, x->wbuf, x->wlen) != 0)
        x->fwerr = errno ? errno : EIO;
    x->wlen = 0;
    return x->fwerr ? -1 : 0;
}

static void sink_file(struct xfer *x, strata_scp *s, const strata_scp_event *ev)
{
    const char *dir = x->depth ? x->dirs[x->depth - 1] : (x->target_is_dir ? x->target : NULL);
    x->path = dir ? join(dir, ev->name) : strdup(x->target);
    x->fmode = ev->mode & (x->o->preserve ? 07777u : 0777u);
    x->fhas_times = ev->has_times;
    x->fmtime = ev->mtime;
    x->fatime = ev->atime;
    x->fwerr = 0;
    x->wlen = 0;
    x->fgot = 0;
    struct stat st;
    x->fcreated = !x->path || stat(x->path, &st) != 0;
    x->fd = x->path ? open(x->path, O_WRONLY | O_CREAT | O_TRUNC, (x->fmode & 0777u) | 0200u) : -1;
    if (x->fd < 0) {
        char msg[STRATA_SCP_LINE_MAX];
        snprintf(msg, sizeof(msg), "%s: %s", x->path ? x->path : ev->name,
                 x->path ? strerror(errno) : "out of memory");
        fprintf(stderr, "%s\n", msg);
        x->errors++;
        refuse(x, s, msg);
        free(x->path);
        x->path = NULL;
        return;
    }
    meter_start(&x->m, ev->name, ev->size, 0, !x->o->quiet);
}

static void sink_data(struct xfer *x, strata_scp *s, const strata_scp_event *ev)
{
    const uint8_t *p = ev->data;
    size_t n = ev->len;
    while (n > 0 && !x->fwerr) {
        size_t k = WBUF - x->wlen < n ? WBUF - x->wlen : n;
        memcpy(x->wbuf + x->wlen, p, k);
        x->wlen += k, p += k, n -= k;
        if (x->wlen == WBUF)
            (void)flush_w(x);
    }
    if (x->fwerr) {
        char msg[STRATA_SCP_LINE_MAX];
        snprintf(msg, sizeof(msg), "%s: %s", x->path, strerror(x->fwerr));
        refuse(x, s, msg);
    }
    x->fgot = ev->offset + ev->len;
    throttle(x, ev->len);
    meter_update(&x->m, x->fgot, 0);
}

static void sink_file_end(struct xfer *x, strata_scp *s, const strata_scp_event *ev)
{
    char msg[STRATA_SCP_LINE_MAX];
    msg[0] = 0;
    if (flush_w(x) != 0)
        snprintf(msg, sizeof(msg), "%s: %s", x->path, strerror(x->fwerr));
    else if ((x->o->preserve || x->fcreated) && fchmod(x->fd, x->fmode & ~x->umask_bits) != 0)
        snprintf(msg, sizeof(msg), "%s: set mode: %s", x->path, strerror(errno));
    if (!msg[0] && x->fhas_times)
        set_times(x->path, x->fd, x->fmtime, x->fatime, x);
    if (close(x->fd) != 0 && !msg[0])
        snprintf(msg, sizeof(msg), "%s: close: %s", x->path, strerror(errno));
    x->fd = -1;
    meter_update(&x->m, ev->offset, 1);
    if (msg[0]) {
        fprintf(stderr, "%s\n", msg);
        x->errors++;
        refuse(x, s, msg);
    }
    if (ev->message[0]) { /* the sender failed this file */
        fprintf(stderr, "%s\n", ev->message);
        x->errors++;
    }
    free(x->path);
    x->path = NULL;
}

static void sink_dir(struct xfer *x, strata_scp *s, const strata_scp_event *ev)
{
    const char *dir = x->depth ? x->dirs[x->depth - 1] : (x->target_is_dir ? x->target : NULL);
    char *np = dir ? join(dir, ev->name) : strdup(x->target);
    struct stat st;
    int made = 0;
    char msg[STRATA_SCP_LINE_MAX];
    msg[0] = 0;
    if (!np) {
        snprintf(msg, sizeof(msg), "%s: out of memory", ev->name);
    } else if (stat(np, &st) == 0) {
        if (!S_ISDIR(st.st_mode))
            snprintf(msg, sizeof(msg), "%s: %s", np, strerror(ENOTDIR));
    } else if (mkdir(np, (ev->mode & 0777u) | 0700u) != 0) {
        snprintf(msg, sizeof(msg), "%s: %s", np, strerror(errno));
    } else {
        made = 1;
    }
    if (msg[0]) {
        fprintf(stderr, "%s\n", msg);
        x->errors++;
        refuse(x, s, msg);
        free(np);
        return;
    }
    x->dirs[x->depth] = np;
    x->marks[x->depth] = (struct dirmark){ev->mode, ev->has_times, made, ev->mtime, ev->atime};
    x->depth++;
}

static void sink_dir_end(struct xfer *x)
{
    if (x->depth == 0)
        return;
    x->depth--;
    char *np = x->dirs[x->depth];
    const struct dirmark *m = &x->marks[x->depth];
    if (m->has_times)
        set_times(np, -1, m->mtime, m->atime, x);
    if ((x->o->preserve || m->made) &&
        chmod(np, (m->mode & (x->o->preserve ? 07777u : 0777u)) & ~x->umask_bits) != 0) {
        fprintf(stderr, "%s: set mode: %s\n", np, strerror(errno));
        x->errors++;
    }
    free(np);
    x->dirs[x->depth] = NULL;
}

static void on_event(void *user, strata_scp *s, const strata_scp_event *ev)
{
    struct xfer *x = user;
    switch (ev->type) {
    case STRATA_SCP_EV_FILE:
        sink_file(x, s, ev);
        break;
    case STRATA_SCP_EV_DATA:
        sink_data(x, s, ev);
        break;
    case STRATA_SCP_EV_FILE_END:
        sink_file_end(x, s, ev);
        break;
    case STRATA_SCP_EV_DIR:
        sink_dir(x, s, ev);
        break;
    case STRATA_SCP_EV_DIR_END:
        sink_dir_end(x);
        break;
    case STRATA_SCP_EV_WARNING: /* the peer's own words, "scp: ..." */
        fprintf(stderr, "%s\n", ev->message);
        x->errors++;
        break;
    }
}

static void xfer_init(struct xfer *x, const struct scp_legacy_opts *o)
{
    memset(x, 0, sizeof(*x));
    x->o = o;
    x->fd = -1;
    x->t0_ms = meter_now_ms();
    mode_t m = umask(0);
    umask(m);
    x->umask_bits = o->preserve ? 0 : m;
}

static void xfer_done(struct xfer *x)
{
    if (x->fd >= 0) {
        (void)flush_w(x);
        close(x->fd);
        meter_update(&x->m, 0, 1);
        fprintf(stderr, "partial file \"%s\": %llu bytes received\n", x->path,
                (unsigned long long)x->fgot);
    }
    free(x->path);
    while (x->depth)
        free(x->dirs[--x->depth]);
    free(x->wbuf);
}

/* The path as the remote shell will see it, quotes and backslashes taken
 * out ('a b', "a b", a\ b), for holding the names that come back to it.
 * NULL (no check) when the shell would expand more than wildcards
 * ($, `, {}), or out of memory. */
static char *shell_unquote(const char *p)
{
    if (strpbrk(p, "$`{"))
        return NULL;
    char *out = malloc(strlen(p) + 1), *o = out;
    char q = 0;
    for (; out && *p; p++) {
        if (q == '\'') {
            if (*p == '\'')
                q = 0;
            else
                *o++ = *p;
        } else if (*p == '\\' && p[1] && (!q || strchr("\"\\", p[1]))) {
            *o++ = *++p;
        } else if (*p == '"') {
            q = q ? 0 : '"';
        } else if (*p == '\'' && !q) {
            q = '\'';
        } else {
            *o++ = *p;
        }
    }
    if (out)
        *o = 0;
    return out;
}

/* Opens the connection of a transfer once its buffers are there. */
static int lc_open_ok(const struct scp_legacy_opts *o, struct lconn *c, const char *host, int port,
                      const char *cmd, const strata_scp_config *cfg, const void *buf)
{
    memset(c, 0, sizeof(*c));
    if (!cmd || !buf) {
        cli_err("out of memory");
        return -1;
    }
    return lc_open(c, o, host, port, cmd, cfg);
}

/* remote host:path to local target. */
static int fetch(const struct scp_legacy_opts *o, const char *host, int port, const char *path,
                 const char *target, int multi)
{
    struct xfer x;
    xfer_init(&x, o);
    struct stat st;
    x.target = target;
    x.target_is_dir = stat(target, &st) == 0 && S_ISDIR(st.st_mode);
    if (multi && !x.target_is_dir) {
        fprintf(stderr, "%s: Not a directory\n", target);
        return 1;
    }
    char *plain = o->no_name_check ? NULL : shell_unquote(path);
    strata_scp_config cfg = {.role = STRATA_SCP_SINK,
                             .recursive = o->recurse,
                             .expect = plain ? last_part(plain) : NULL,
                             .on_event = on_event,
                             .user = &x};
    char *cmd = remote_cmd(o, multi, 'f', *path ? path : ".");
    x.wbuf = malloc(WBUF);
    struct lconn c;
    int rc;
    if (lc_open_ok(o, &c, host, port, cmd, &cfg, x.wbuf) != 0) {
        free(plain);
        free(cmd);
        xfer_done(&x);
        return c.io ? ((void)lc_close(&c, 0), 255) : 1;
    }
    for (unsigned long i = 0;
         i < TURNS_MAX && strata_scp_app_status(c.app) == STRATA_WANT_READ && turn(&c);)
        i++;
    int ok = lc_verdict(&c) == 0;
    xfer_done(&x);
    rc = lc_close(&c, ok);
    free(cmd);
    free(plain);
    return rc ? rc : (x.errors ? 1 : 0);
}

/* ---- source: local files to the remote scp -t ------------------------------------- */

/* Turns the loop until the engine's state is not want_read. */
static strata_status wait_answer(struct lconn *c)
{
    strata_status st = strata_scp_source_state(c->e);
    for (unsigned long i = 0; i < TURNS_MAX && st == STRATA_WANT_READ; i++) {
        if (!turn(c) || strata_scp_app_ended(c->app))
            return strata_scp_source_state(c->e) == STRATA_WANT_READ
                       ? STRATA_E_IO
                       : strata_scp_source_state(c->e);
        st = strata_scp_source_state(c->e);
    }
    return st;
}

static void on_src_event(void *user, strata_scp *s, const strata_scp_event *ev)
{
    struct xfer *x = user;
    (void)s;
    if (ev->type == STRATA_SCP_EV_WARNING) {
        fprintf(stderr, "%s\n", ev->message);
        x->errors++;
    }
}

/* A local problem with one source: told locally (the path escaped as the
 * engine escapes it for the remote) and to the remote. */
static strata_status local_err(struct lconn *c, struct xfer *x, const char *path, const char *why)
{
    char msg[STRATA_SCP_LINE_MAX], shown[STRATA_SCP_LINE_MAX];
    size_t o = 0;
    for (const char *p = path; *p && o + 5 < sizeof(shown); p++)
        o += (size_t)snprintf(shown + o, sizeof(shown) - o,
                              (unsigned char)*p < 0x20 ? "\\%03o" : "%c", (unsigned char)*p);
    shown[o] = 0;
    snprintf(msg, sizeof(msg), "%.1000s: %s", shown, why);
    fprintf(stderr, "%s\n", msg);
    x->errors++;
    return strata_scp_warn(c->e, msg);
}

/* The data of one accepted file: read into the engine's buffer. */
static strata_status send_data(struct lconn *c, struct xfer *x, int fd, const char *path,
                               const char *name, uint64_t size)
{
    int rerr = 0;
    uint64_t done = 0;
    meter_start(&x->m, name, size, 0, !x->o->quiet);
    strata_status st = STRATA_WANT_WRITE;
    for (unsigned long i = 0; i < TURNS_MAX && done < size; i++) {
        size_t cap;
        uint8_t *p = strata_scp_data_buf(c->e, &cap);
        if (!p) {
            st = strata_scp_source_state(c->e);
            if (st != STRATA_WANT_WRITE)
                break;
            if (!turn(c) || strata_scp_app_ended(c->app))
                break;
            meter_update(&x->m, done, 0);
            continue;
        }
        ssize_t k = rerr ? -1 : read(fd, p, cap);
        if (k < 0 && errno == EINTR)
            k = 0;
        if (k <= 0) { /* keep the peer in step: the rest as zeros */
            if (!rerr)
                rerr = k < 0 ? errno : EIO;
            memset(p, 0, cap);
            k = (ssize_t)cap;
        }
        if ((st = strata_scp_data_ack(c->e, (size_t)k)) != STRATA_OK)
            break;
        done += (uint64_t)k;
        throttle(x, (size_t)k);
        st = STRATA_WANT_WRITE;
    }
    meter_update(&x->m, done, 1);
    if (done < size)
        return strata_scp_source_state(c->e) == STRATA_WANT_WRITE ? STRATA_E_IO
                                                                  : strata_scp_source_state(c->e);
    char msg[STRATA_SCP_LINE_MAX];
    if (rerr) {
        snprintf(msg, sizeof(msg), "%s: %s", path, strerror(rerr));
        fprintf(stderr, "%s\n", msg);
        x->errors++;
    }
    return strata_scp_send_file_end(c->e, rerr ? msg : NULL);
}

static strata_status send_path(struct lconn *c, struct xfer *x, const char *path, unsigned depth);

static const char *bad_name_why(const char *path)
{
    return strchr(last_part(path), '\n')
               ? "a name with a newline cannot be sent by the scp protocol"
               : "a name the scp protocol cannot carry";
}

static strata_status send_dir(struct lconn *c, struct xfer *x, const char *path,
                              const struct stat *st, unsigned depth)
{
    DIR *d = opendir(path);
    if (!d)
        return local_err(c, x, path, strerror(errno));
    unsigned before = strata_scp_source_depth(c->e);
    strata_status r = strata_scp_send_dir(c->e, last_part(path), st->st_mode, x->o->preserve,
                                          st->st_mtim.tv_sec, st->st_atim.tv_sec);
    if (r == STRATA_E_USAGE)
        r = local_err(c, x, path, bad_name_why(path));
    else if (r == STRATA_OK)
        r = wait_answer(c);
    if (r != STRATA_OK || strata_scp_source_depth(c->e) == before) { /* refused: warned */
        closedir(d);
        return r;
    }
    struct dirent *de;
    while (r == STRATA_OK && (de = readdir(d)) != NULL) {
        if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
            continue;
        char *child = join(path, de->d_name);
        r = child ? send_path(c, x, child, depth + 1) : STRATA_E_NOMEM;
        free(child);
    }
    closedir(d);
    return r == STRATA_OK ? strata_scp_send_dir_end(c->e) : r;
}

static strata_status send_path(struct lconn *c, struct xfer *x, const char *path, unsigned depth)
{
    int fd = open(path, O_RDONLY | O_NONBLOCK);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0) {
        strata_status r = local_err(c, x, path, strerror(errno));
        if (fd >= 0)
            close(fd);
        return r;
    }
    if (S_ISDIR(st.st_mode) && x->o->recurse) {
        close(fd);
        if (depth >= STRATA_SCP_DEPTH_DEFAULT)
            return local_err(c, x, path, "directories nested too deep");
        return send_dir(c, x, path, &st, depth);
    }
    if (!S_ISREG(st.st_mode)) {
        close(fd);
        return local_err(c, x, path, "not a regular file");
    }
    (void)fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
    const char *name = last_part(path);
    strata_status r = strata_scp_send_file(c->e, name, st.st_mode, (uint64_t)st.st_size,
                                           x->o->preserve, st.st_mtim.tv_sec, st.st_atim.tv_sec);
    if (r == STRATA_E_USAGE)
        r = local_err(c, x, path, bad_name_why(path));
    else if (r == STRATA_OK)
        r = wait_answer(c);
    if (r == STRATA_WANT_WRITE)
        r = send_data(c, x, fd, path, name, (uint64_t)st.st_size);
    close(fd);
    return r;
}

/* local sources to remote host:target. */
static int send_all(const struct scp_legacy_opts *o, const char *host, int port, const char *target,
                    char **srcs, int n, int multi)
{
    struct xfer x;
    xfer_init(&x, o);
    strata_scp_config cfg = {.role = STRATA_SCP_SOURCE, .on_event = on_src_event, .user = &x};
    char *cmd = remote_cmd(o, multi, 't', *target ? target : ".");
    struct lconn c;
    if (!cmd) {
        cli_err("out of memory");
        return 1;
    }
    if (lc_open(&c, o, host, port, cmd, &cfg) != 0) {
        free(cmd);
        (void)lc_close(&c, 0);
        return 255;
    }
    strata_status r = wait_answer(&c); /* the remote scp's opening \0 */
    for (int i = 0; i < n && r == STRATA_OK; i++) {
        size_t len = strlen(srcs[i]);
        while (len > 1 && srcs[i][len - 1] == '/')
            srcs[i][--len] = 0;
        r = send_path(&c, &x, srcs[i], 0);
    }
    for (unsigned long i = 0; i < TURNS_MAX && r == STRATA_OK && strata_scp_pending(c.e); i++)
        if (!turn(&c) || strata_scp_app_ended(c.app))
            r = strata_scp_source_state(c.e) ? strata_scp_source_state(c.e) : STRATA_E_IO;
    int ok = r == STRATA_OK;
    if (!ok && (c.authed || !c.conn_err.status)) { /* else lc_close says why */
        const strata_error *e = strata_scp_error(c.e);
        fprintf(stderr, "%s\n", e->status ? strata_error_message(e) : "lost connection");
    }
    int rc = lc_close(&c, ok);
    free(cmd);
    xfer_done(&x);
    return rc ? rc : (x.errors ? 1 : 0);
}

/* ---- remote to remote, through a temporary directory --------------------------------- */

static int rm_one(const char *p, const struct stat *st, int flag, struct FTW *f)
{
    (void)st;
    (void)flag;
    (void)f;
    return remove(p);
}

static int through_local(const struct scp_legacy_opts *o, const char *shost, int sport,
                         const char *spath, const char *dhost, int dport, const char *dpath,
                         int multi)
{
    char tmpl[] = "/tmp/strata-scp-XXXXXX";
    if (!mkdtemp(tmpl)) {
        cli_err("mkdtemp: %s", strerror(errno));
        return 1;
    }
    int rc = fetch(o, shost, sport, spath, tmpl, 1);
    if (rc == 0) {
        DIR *d = opendir(tmpl);
        char *names[1024];
        int n = 0;
        struct dirent *de;
        while (d && n < 1024 && (de = readdir(d)) != NULL)
            if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
                names[n++] = join(tmpl, de->d_name);
        if (d)
            closedir(d);
        if (n > 0)
            rc = send_all(o, dhost, dport, dpath, names, n, multi || n > 1);
        for (int i = 0; i < n; i++)
            free(names[i]);
    }
    if (nftw(tmpl, rm_one, 16, FTW_DEPTH | FTW_PHYS) != 0)
        cli_err("could not remove %s", tmpl);
    return rc;
}

int scp_legacy_main(const struct scp_legacy_opts *o, int n, char **operands)
{
    char *dhost = NULL, *dpath = NULL;
    int dport = 0, rc = 0;
    const char *dst = operands[n - 1];
    int dremote = sftp_cli_is_remote(dst);
    if (dremote && sftp_cli_split_dest(dst, &dhost, &dpath, &dport) != 0) {
        cli_err("bad target '%s'", dst);
        return CLI_USAGE;
    }
    int multi = n > 2;
    /* Local sources go to a remote target together, over one channel. */
    char **locals = calloc((size_t)n, sizeof(*locals));
    int nl = 0;
    if (!locals)
        return 1;
    for (int i = 0; i < n - 1; i++) {
        if (!sftp_cli_is_remote(operands[i])) {
            if (!dremote) {
                cli_err("local to local copies: use cp");
                rc = 1;
            } else {
                locals[nl++] = operands[i];
            }
            continue;
        }
        char *host = NULL, *path = NULL;
        int port = 0;
        if (sftp_cli_split_dest(operands[i], &host, &path, &port) != 0) {
            cli_err("bad source '%s'", operands[i]);
            rc = 1;
            continue;
        }
        int r = dremote ? through_local(o, host, port, path ? path : "", dhost, dport,
                                        dpath ? dpath : "", multi)
                        : fetch(o, host, port, path ? path : "", dst, multi);
        free(host);
        free(path);
        if (r != 0)
            rc = rc == 255 ? rc : r;
        if (r == 255)
            break;
    }
    if (nl > 0 && rc != 255) {
        int r = send_all(o, dhost, dport, dpath ? dpath : "", locals, nl, multi);
        if (r != 0)
            rc = r;
    }
    free(locals);
    free(dhost);
    free(dpath);
    return rc;
}
