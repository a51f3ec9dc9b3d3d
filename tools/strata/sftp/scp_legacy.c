/* strata scp -O: the legacy SCP protocol, as OpenSSH's scp -O speaks it.
 *
 * Each remote operand gets its own SSH connection whose session channel
 * execs the remote scp: `scp [-r] [-p] [-d] -f path` to fetch (the engine
 * is the sink), `scp [-r] [-p] [-d] -t target` to send (the engine is the
 * source; every local source goes through one such channel). The path is
 * handed to the remote shell as given, so it may hold remote wildcards (and
 * needs quoting for spaces), as with OpenSSH; the name check takes the
 * quoting back out. What the remote sends is held to the engine's checks
 * (strata/scp.h): a name with '/', "." or "..", a directory without -r, a
 * file named otherwise than asked for (unless -T) end the transfer with
 * exit 1 before anything is written for them. This file: the connection
 * and the operands; fetching is scp_legacy_get.c, sending
 * scp_legacy_put.c. Remote to remote goes through a temporary local
 * directory (OpenSSH's -3).
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
#include "scp_legacy_int.h"
#include "sftp_cli.h"

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
int sl_turn(struct lconn *c)
{
    strata_scp_app_kick(c->app);
    if (!c->alive || strata_io_run_once(c->io, &c->alive) != STRATA_OK)
        c->alive = 0;
    return c->alive && !c->conn_done;
}

/* Opens a connection to host (port if not 0) running command with an
 * engine made from cfg. -1 (message printed) when the connection fails. */
int sl_lc_open(struct lconn *c, const struct scp_legacy_opts *o, const char *host, int port,
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
int sl_lc_close(struct lconn *c, int transfer_ok)
{
    char buf[STRATA_ERROR_MSG_MAX * 2];
    int rc = transfer_ok ? 0 : 1;
    if (c->app && c->conn && !c->conn_done) {
        strata_scp_app_finish(c->app);
        uint64_t t0 = meter_now_ms();
        for (unsigned long i = 0; i < 10000000ul && meter_now_ms() - t0 < 5000 && sl_turn(c);)
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
int sl_lc_verdict(struct lconn *c)
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
char *sl_remote_cmd(const struct scp_legacy_opts *o, int multi, char role, const char *path)
{
    size_t n = strlen(path) + 32;
    char *cmd = malloc(n);
    if (cmd)
        snprintf(cmd, n, "scp%s%s%s -%c %s%s", o->recurse ? " -r" : "", o->preserve ? " -p" : "",
                 multi ? " -d" : "", role, path[0] == '-' ? "-- " : "", path);
    return cmd;
}

void sl_throttle(struct xfer *x, size_t n)
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

char *sl_join(const char *dir, const char *name)
{
    size_t n = strlen(dir) + strlen(name) + 2;
    char *p = malloc(n);
    if (p)
        snprintf(p, n, "%s%s%s", dir, strcmp(dir, "/") ? "/" : "", name);
    return p;
}

const char *sl_last_part(const char *p)
{
    const char *s = strrchr(p, '/');
    return s ? s + 1 : p;
}

void sl_set_times(const char *path, int fd, int64_t mtime, int64_t atime, struct xfer *x)
{
    struct timespec ts[2] = {{(time_t)atime, 0}, {(time_t)mtime, 0}};
    int r = fd >= 0 ? futimens(fd, ts) : utimensat(AT_FDCWD, path, ts, 0);
    if (r != 0) {
        fprintf(stderr, "%s: set times: %s\n", path, strerror(errno));
        x->errors++;
    }
}

/* Opens the connection of a transfer once its buffers are there. */
int sl_lc_open_ok(const struct scp_legacy_opts *o, struct lconn *c, const char *host, int port,
                  const char *cmd, const strata_scp_config *cfg, const void *buf)
{
    memset(c, 0, sizeof(*c));
    if (!cmd || !buf) {
        cli_err("out of memory");
        return -1;
    }
    return sl_lc_open(c, o, host, port, cmd, cfg);
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
    int rc = sl_fetch(o, shost, sport, spath, tmpl, 1);
    if (rc == 0) {
        DIR *d = opendir(tmpl);
        char *names[1024];
        int n = 0;
        struct dirent *de;
        while (d && n < 1024 && (de = readdir(d)) != NULL)
            if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
                names[n++] = sl_join(tmpl, de->d_name);
        if (d)
            closedir(d);
        if (n > 0)
            rc = sl_send_all(o, dhost, dport, dpath, names, n, multi || n > 1);
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
                        : sl_fetch(o, host, port, path ? path : "", dst, multi);
        free(host);
        free(path);
        if (r != 0)
            rc = rc == 255 ? rc : r;
        if (r == 255)
            break;
    }
    if (nl > 0 && rc != 255) {
        int r = sl_send_all(o, dhost, dport, dpath ? dpath : "", locals, nl, multi);
        if (r != 0)
            rc = r;
    }
    free(locals);
    free(dhost);
    free(dpath);
    return rc;
}
