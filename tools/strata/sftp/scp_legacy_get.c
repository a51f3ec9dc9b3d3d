/* strata scp -O, fetching: the sink side of the remote `scp -f`. Files are
 * written through a 256 KiB buffer; a file or directory that cannot be
 * made is refused to the peer (which then skips it), never half-answered. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "scp_legacy_int.h"
#include "sftp_cli.h"

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
    x->path = dir ? sl_join(dir, ev->name) : strdup(x->target);
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
    sl_throttle(x, ev->len);
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
        sl_set_times(x->path, x->fd, x->fmtime, x->fatime, x);
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
    char *np = dir ? sl_join(dir, ev->name) : strdup(x->target);
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
        sl_set_times(np, -1, m->mtime, m->atime, x);
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

void sl_xfer_init(struct xfer *x, const struct scp_legacy_opts *o)
{
    memset(x, 0, sizeof(*x));
    x->o = o;
    x->fd = -1;
    x->t0_ms = meter_now_ms();
    mode_t m = umask(0);
    umask(m);
    x->umask_bits = o->preserve ? 0 : m;
}

void sl_xfer_done(struct xfer *x)
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

/* remote host:path to local target. */
int sl_fetch(const struct scp_legacy_opts *o, const char *host, int port, const char *path,
             const char *target, int multi)
{
    struct xfer x;
    sl_xfer_init(&x, o);
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
                             .expect = plain ? sl_last_part(plain) : NULL,
                             .on_event = on_event,
                             .user = &x};
    char *cmd = sl_remote_cmd(o, multi, 'f', *path ? path : ".");
    x.wbuf = malloc(WBUF);
    struct lconn c;
    int rc;
    if (sl_lc_open_ok(o, &c, host, port, cmd, &cfg, x.wbuf) != 0) {
        free(plain);
        free(cmd);
        sl_xfer_done(&x);
        return c.io ? ((void)sl_lc_close(&c, 0), 255) : 1;
    }
    for (unsigned long i = 0;
         i < TURNS_MAX && strata_scp_app_status(c.app) == STRATA_WANT_READ && sl_turn(&c);)
        i++;
    int ok = sl_lc_verdict(&c) == 0;
    sl_xfer_done(&x);
    rc = sl_lc_close(&c, ok);
    free(cmd);
    free(plain);
    return rc ? rc : (x.errors ? 1 : 0);
}
