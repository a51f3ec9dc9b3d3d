/* strata scp -O, sending: the source side to the remote `scp -t`. File
 * data is read straight into the engine's output buffer (256 KiB reads);
 * only C and D records wait for their answer. */
#include <dirent.h>
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

/* ---- source: local files to the remote scp -t ------------------------------------- */

/* Turns the loop until the engine's state is not want_read. */
static strata_status wait_answer(struct lconn *c)
{
    strata_status st = strata_scp_source_state(c->e);
    for (unsigned long i = 0; i < TURNS_MAX && st == STRATA_WANT_READ; i++) {
        if (!sl_turn(c) || strata_scp_app_ended(c->app))
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
            if (!sl_turn(c) || strata_scp_app_ended(c->app))
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
        sl_throttle(x, (size_t)k);
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
    return strchr(sl_last_part(path), '\n')
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
    strata_status r = strata_scp_send_dir(c->e, sl_last_part(path), st->st_mode, x->o->preserve,
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
        char *child = sl_join(path, de->d_name);
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
    const char *name = sl_last_part(path);
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
int sl_send_all(const struct scp_legacy_opts *o, const char *host, int port, const char *target,
                char **srcs, int n, int multi)
{
    struct xfer x;
    sl_xfer_init(&x, o);
    strata_scp_config cfg = {.role = STRATA_SCP_SOURCE, .on_event = on_src_event, .user = &x};
    char *cmd = sl_remote_cmd(o, multi, 't', *target ? target : ".");
    struct lconn c;
    if (!cmd) {
        cli_err("out of memory");
        return 1;
    }
    if (sl_lc_open(&c, o, host, port, cmd, &cfg) != 0) {
        free(cmd);
        (void)sl_lc_close(&c, 0);
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
        if (!sl_turn(&c) || strata_scp_app_ended(c.app))
            r = strata_scp_source_state(c.e) ? strata_scp_source_state(c.e) : STRATA_E_IO;
    int ok = r == STRATA_OK;
    if (!ok && (c.authed || !c.conn_err.status)) { /* else lc_close says why */
        const strata_error *e = strata_scp_error(c.e);
        fprintf(stderr, "%s\n", e->status ? strata_error_message(e) : "lost connection");
    }
    int rc = sl_lc_close(&c, ok);
    free(cmd);
    sl_xfer_done(&x);
    return rc ? rc : (x.errors ? 1 : 0);
}
