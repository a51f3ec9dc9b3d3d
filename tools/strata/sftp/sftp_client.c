/* The SFTP session of strata sftp / strata scp, and its synchronous
 * requests (see sftp_client.h). */
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "sftp_cli.h"
#include "sftp_client.h"

/* The reply of one request, copied. */

void sc_on_reply(void *user, const strata_sftp_reply *r)
{
    struct sc_res *x = user;
    x->done = 1;
    x->status = r->status;
    snprintf(x->msg, sizeof(x->msg), "%s",
             r->message[0] ? r->message : strata_status_str(r->status));
    x->h = r->handle;
    x->a = r->attrs;
    x->vfs = r->statvfs;
    for (size_t i = 0; i < r->n_names; i++) {
        if (x->n_ents == x->cap_ents) {
            size_t nc = x->cap_ents ? x->cap_ents * 2 : 64;
            struct sftp_entry *p = realloc(x->ents, nc * sizeof(*p));
            if (!p) {
                x->oom = 1;
                return;
            }
            x->ents = p;
            x->cap_ents = nc;
        }
        struct sftp_entry *e = &x->ents[x->n_ents];
        e->name = strdup(r->names[i].name);
        e->longname = strdup(r->names[i].longname);
        e->a = r->names[i].attrs;
        if (!e->name || !e->longname) {
            free(e->name);
            free(e->longname);
            x->oom = 1;
            return;
        }
        x->n_ents++;
    }
}

int sc_alive(const struct sftp_client *c)
{
    return c->app && !strata_sftp_app_ended(c->app);
}

/* Turns the loop until flag is set or the server's stream ended. */
static void wait_flag(struct sftp_client *c, const int *flag)
{
    int alive = 1;
    for (unsigned long i = 0; i < 100000000ul && !*flag && alive; i++) {
        strata_sftp_app_kick(c->app);
        if (strata_io_run_once(c->io, &alive) != STRATA_OK)
            break;
    }
}

int sc_wait(struct sftp_client *c, strata_status q, struct sc_res *r)
{
    if (q != STRATA_OK) {
        r->status = q;
        snprintf(r->msg, sizeof(r->msg), "%s", strata_status_str(q));
        return -1;
    }
    wait_flag(c, &r->done);
    if (!r->done) {
        r->status = STRATA_E_SFTP_CONNECTION_LOST;
        snprintf(r->msg, sizeof(r->msg), "Connection closed");
    }
    return r->status == STRATA_OK ? 0 : -1;
}

/* Waits for r; on failure prints "what path: message" (unless quiet). */
static int finish(struct sftp_client *c, strata_status qst, struct sc_res *r, const char *what,
                  const char *path, int quiet)
{
    if (qst != STRATA_OK) {
        if (!quiet)
            fprintf(stderr, "%s \"%s\": %s\n", what, path,
                    qst == STRATA_E_UNSUPPORTED ? "Server does not support this operation"
                                                : strata_status_str(qst));
        return -1;
    }
    if (sc_wait(c, qst, r) != 0) {
        if (!quiet)
            fprintf(stderr, "%s \"%s\": %s\n", what, path, r->msg);
        return -1;
    }
    return 0;
}

static void on_conn_done(void *user, strata_io_conn *conn, const strata_error *err)
{
    struct sftp_client *c = user;
    (void)conn;
    c->conn_done = 1;
    c->conn = NULL;
    strata_error_copy(&c->conn_err, err);
}

/* The loop, the engine and its endpoint; *app is for the connection. */
static int setup(struct sftp_client *c, strata_io_app *app)
{
    strata_status r;
    if ((r = strata_io_new(&c->io)) != STRATA_OK || (r = strata_sftp_new(&c->s)) != STRATA_OK ||
        (r = strata_io_app_sftp_new(c->s, app, &c->app)) != STRATA_OK) {
        cli_err("%s", strata_status_str(r));
        return -1;
    }
    return 0;
}

/* Waits for the server's VERSION, then sets cwd to the remote home. */
static int wait_ready(struct sftp_client *c)
{
    char buf[STRATA_ERROR_MSG_MAX * 2];
    int alive = 1;
    for (unsigned long i = 0;
         i < 100000000ul && alive && strata_sftp_ready(c->s) == STRATA_WANT_READ && !c->conn_done;
         i++)
        if (strata_io_run_once(c->io, &alive) != STRATA_OK)
            break;
    if (strata_sftp_ready(c->s) != STRATA_OK) {
        /* -D / -S: the connection's own error (a program that could not
         * start) says more than the engine's "stream ended"; it follows
         * at once, the program's socket being closed */
        for (unsigned i = 0; i < 1000u && !c->ss && alive && !c->conn_done; i++)
            if (strata_io_run_once(c->io, &alive) != STRATA_OK)
                break;
        const strata_error *e = c->conn_err.status ? &c->conn_err : strata_sftp_error(c->s);
        if (e->status)
            cli_err("Connection closed: %s", strata_error_format(e, buf, sizeof(buf)));
        else
            cli_err("Connection closed before the SFTP server answered");
        return -1;
    }
    return sc_realpath(c, ".", &c->cwd);
}

int sc_connect(struct sftp_client *c, const char *dest, const strata_ssh_session_args *args,
               const char *subsystem)
{
    strata_error err = {0};
    strata_status r;
    char buf[STRATA_ERROR_MSG_MAX * 2];
    strata_io_app app;
    if ((r = strata_ssh_session_new(dest, args, &c->ss, &err)) != STRATA_OK) {
        cli_err("%s",
                err.status ? strata_error_format(&err, buf, sizeof(buf)) : strata_status_str(r));
        return -1;
    }
    if (setup(c, &app) != 0)
        return -1;
    strata_ssh_layer_config lc;
    sftp_cli_bulk_channel(&lc);
    lc.subsystem = subsystem ? subsystem : "sftp";
    strata_io_conn_config cc = {NULL, 0, on_conn_done, c};
    if ((r = strata_ssh_session_connect(c->ss, c->io, &lc, NULL, app, &cc, &c->conn, NULL, &err)) !=
        STRATA_OK) {
        cli_err("%s", strata_error_format(&err, buf, sizeof(buf)));
        return -1;
    }
    return wait_ready(c);
}

int sc_connect_argv(struct sftp_client *c, const char *const *argv)
{
    strata_io_app app;
    if (setup(c, &app) != 0)
        return -1;
    strata_io_conn_config cc = {NULL, 0, on_conn_done, c};
    strata_status r = strata_io_connect_argv(c->io, argv, app, &cc, &c->conn);
    if (r != STRATA_OK) {
        cli_err("%s: %s", argv[0] ? argv[0] : "", strata_status_str(r));
        return -1;
    }
    return wait_ready(c);
}

void sc_throttle(const struct sftp_client *c, uint64_t t0_ms, uint64_t moved)
{
    if (!c->limit_bps)
        return;
    uint64_t allowed = c->limit_bps * (meter_now_ms() - t0_ms + 1) / 1000u;
    if (moved <= allowed)
        return;
    uint64_t ms = (moved - allowed) * 1000u / c->limit_bps;
    struct timespec ts = {(time_t)(ms / 1000u), (long)(ms % 1000u) * 1000000L};
    nanosleep(&ts, NULL);
}

void sc_close(struct sftp_client *c)
{
    if (c->app && c->conn && !c->conn_done) {
        strata_sftp_app_finish(c->app);
        int alive = 1;
        for (unsigned long i = 0; i < 10000000ul && alive && !c->conn_done; i++)
            if (strata_io_run_once(c->io, &alive) != STRATA_OK)
                break;
    }
    strata_io_free(c->io);
    strata_sftp_app_free(c->app);
    strata_sftp_free(c->s);
    strata_ssh_session_free(c->ss);
    free(c->cwd);
    memset(c, 0, sizeof(*c));
}

char *sc_abs(const struct sftp_client *c, const char *path)
{
    if (!path || !*path)
        return strdup(c->cwd ? c->cwd : ".");
    if (path[0] == '/' || !c->cwd)
        return strdup(path);
    size_t n = strlen(c->cwd) + strlen(path) + 2;
    char *p = malloc(n);
    if (p)
        snprintf(p, n, "%s%s%s", c->cwd, strcmp(c->cwd, "/") ? "/" : "", path);
    return p;
}

int sc_realpath(struct sftp_client *c, const char *path, char **out)
{
    struct sc_res r = {0};
    *out = NULL;
    int rc =
        finish(c, strata_sftp_realpath(c->s, path, sc_on_reply, &r, NULL), &r, "realpath", path, 0);
    if (rc == 0 && r.n_ents == 1 && (*out = r.ents[0].name) != NULL)
        r.ents[0].name = NULL;
    else
        rc = -1;
    sc_entries_free(r.ents, r.n_ents);
    return rc;
}

int sc_stat(struct sftp_client *c, const char *path, int follow, strata_sftp_attrs *a, int quiet)
{
    struct sc_res r = {0};
    strata_status q = follow ? strata_sftp_stat(c->s, path, sc_on_reply, &r, NULL)
                             : strata_sftp_lstat(c->s, path, sc_on_reply, &r, NULL);
    int rc = finish(c, q, &r, "stat", path, quiet);
    *a = r.a;
    return rc;
}

int sc_setstat(struct sftp_client *c, const char *path, const strata_sftp_attrs *a)
{
    struct sc_res r = {0};
    return finish(c, strata_sftp_setstat(c->s, path, a, sc_on_reply, &r, NULL), &r, "setstat", path,
                  0);
}

int sc_lsetstat(struct sftp_client *c, const char *path, const strata_sftp_attrs *a)
{
    struct sc_res r = {0};
    if (!strata_sftp_has_ext(c->s, "lsetstat@openssh.com", "1")) {
        fprintf(stderr, "Server does not support lsetstat@openssh.com extension\n");
        return -1;
    }
    return finish(c, strata_sftp_lsetstat(c->s, path, a, sc_on_reply, &r, NULL), &r,
                  "remote lsetstat", path, 0);
}

int sc_mkdir(struct sftp_client *c, const char *path, uint32_t perm, int quiet)
{
    struct sc_res r = {0};
    strata_sftp_attrs a = {.flags = STRATA_SFTP_ATTR_PERMISSIONS, .perm = perm};
    return finish(c, strata_sftp_mkdir(c->s, path, &a, sc_on_reply, &r, NULL), &r,
                  "Couldn't create directory", path, quiet);
}

int sc_rmdir(struct sftp_client *c, const char *path)
{
    struct sc_res r = {0};
    return finish(c, strata_sftp_rmdir(c->s, path, sc_on_reply, &r, NULL), &r,
                  "Couldn't remove directory", path, 0);
}

int sc_remove(struct sftp_client *c, const char *path)
{
    struct sc_res r = {0};
    return finish(c, strata_sftp_remove(c->s, path, sc_on_reply, &r, NULL), &r,
                  "Couldn't delete file", path, 0);
}

int sc_rename(struct sftp_client *c, const char *from, const char *to, int posix)
{
    struct sc_res r = {0};
    strata_status q = posix ? strata_sftp_posix_rename(c->s, from, to, sc_on_reply, &r, NULL)
                            : strata_sftp_rename(c->s, from, to, sc_on_reply, &r, NULL);
    return finish(c, q, &r, "Couldn't rename file", from, 0);
}

int sc_symlink(struct sftp_client *c, const char *target, const char *link)
{
    struct sc_res r = {0};
    return finish(c, strata_sftp_symlink(c->s, target, link, sc_on_reply, &r, NULL), &r,
                  "Couldn't symlink file", link, 0);
}

int sc_hardlink(struct sftp_client *c, const char *from, const char *to)
{
    struct sc_res r = {0};
    return finish(c, strata_sftp_hardlink(c->s, from, to, sc_on_reply, &r, NULL), &r,
                  "Couldn't link file", to, 0);
}

int sc_statvfs(struct sftp_client *c, const char *path, strata_sftp_vfs *v)
{
    struct sc_res r = {0};
    int rc = finish(c, strata_sftp_statvfs(c->s, path, sc_on_reply, &r, NULL), &r,
                    "Couldn't statvfs", path, 0);
    *v = r.vfs;
    return rc;
}

void sc_entries_free(struct sftp_entry *e, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(e[i].name);
        free(e[i].longname);
    }
    free(e);
}

static int by_name(const void *a, const void *b)
{
    return strcmp(((const struct sftp_entry *)a)->name, ((const struct sftp_entry *)b)->name);
}

/* OPENDIR, READDIR until EOF, CLOSE. */
int sc_readdir(struct sftp_client *c, const char *dir, struct sftp_entry **out, size_t *n)
{
    struct sc_res r = {0};
    *out = NULL;
    *n = 0;
    if (finish(c, strata_sftp_opendir(c->s, dir, sc_on_reply, &r, NULL), &r,
               "Couldn't read directory", dir, 0) != 0)
        return -1;
    strata_sftp_handle h = r.h;
    int rc = 0;
    for (unsigned i = 0; i < 1000000u; i++) {
        r.done = 0;
        if (finish(c, strata_sftp_readdir(c->s, &h, sc_on_reply, &r, NULL), &r, "", dir, 1) != 0) {
            if (r.status != STRATA_E_SFTP_EOF) {
                fprintf(stderr, "Couldn't read directory \"%s\": %s\n", dir, r.msg);
                rc = -1;
            }
            break;
        }
    }
    struct sc_res cr = {0};
    (void)finish(c, strata_sftp_close(c->s, &h, sc_on_reply, &cr, NULL), &cr, "close", dir, 1);
    if (r.oom) {
        fprintf(stderr, "out of memory listing \"%s\"\n", dir);
        rc = -1;
    }
    if (rc != 0) {
        sc_entries_free(r.ents, r.n_ents);
        return -1;
    }
    if (r.n_ents)
        qsort(r.ents, r.n_ents, sizeof(*r.ents), by_name);
    *out = r.ents;
    *n = r.n_ents;
    return 0;
}

void sc_strv_free(char **v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

static int push(char ***v, size_t *n, char *s)
{
    if (!s)
        return -1;
    char **p = realloc(*v, (*n + 1) * sizeof(*p));
    if (!p) {
        free(s);
        return -1;
    }
    *v = p;
    (*v)[(*n)++] = s;
    return 0;
}

int sc_glob(struct sftp_client *c, const char *pattern, char ***out, size_t *n)
{
    *out = NULL;
    *n = 0;
    char *abs = sc_abs(c, pattern);
    if (!abs)
        return -1;
    char *slash = strrchr(abs, '/');
    if (!strpbrk(slash ? slash + 1 : abs, "*?[")) {
        return push(out, n, abs);
    }
    *slash = 0;
    const char *dir = *abs ? abs : "/";
    struct sftp_entry *e;
    size_t ne;
    int rc = sc_readdir(c, dir, &e, &ne);
    for (size_t i = 0; rc == 0 && i < ne; i++) {
        if (fnmatch(slash + 1, e[i].name, FNM_PERIOD) != 0)
            continue;
        size_t k = strlen(dir) + strlen(e[i].name) + 2;
        char *p = malloc(k);
        if (p)
            snprintf(p, k, "%s%s%s", dir, strcmp(dir, "/") ? "/" : "", e[i].name);
        rc = push(out, n, p);
    }
    if (rc == 0 && *n == 0) {
        *slash = '/';
        fprintf(stderr, "File \"%s\" not found.\n", abs);
        rc = -1;
    }
    if (ne)
        sc_entries_free(e, ne);
    free(abs);
    return rc;
}
