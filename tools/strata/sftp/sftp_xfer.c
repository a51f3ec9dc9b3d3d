/* get and put of strata sftp / strata scp: one file through a pipelined
 * transfer (strata_sftp_xfer_*), or a directory tree with -r. The local
 * file is written at the offsets the data comes for (pwrite), so a sparse
 * remote file stays sparse and replies may arrive in any order. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "sftp_client.h"
#include "sftp_many.h"

struct lfile {
    int fd;
    int err;
};

static strata_status sink(void *user, uint64_t off, const uint8_t *p, size_t n)
{
    struct lfile *f = user;
    while (n > 0) {
        ssize_t k = pwrite(f->fd, p, n, (off_t)off);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0) {
            f->err = k < 0 ? errno : ENOSPC;
            return STRATA_E_IO;
        }
        p += k, n -= (size_t)k, off += (uint64_t)k;
    }
    return STRATA_OK;
}

static strata_status source(void *user, uint64_t off, uint8_t *buf, size_t n, size_t *got)
{
    struct lfile *f = user;
    size_t have = 0;
    while (have < n) {
        ssize_t k = pread(f->fd, buf + have, n - have, (off_t)(off + have));
        if (k < 0 && errno == EINTR)
            continue;
        if (k < 0) {
            f->err = errno;
            return STRATA_E_IO;
        }
        if (k == 0)
            break;
        have += (size_t)k;
    }
    *got = have;
    return STRATA_OK;
}

/* Runs x to its end with the meter; honours -l by holding back requests. */
static strata_status run_xfer(struct sftp_client *c, strata_sftp_xfer *x, struct sftp_meter *m)
{
    int alive = 1;
    uint64_t t0 = meter_now_ms();
    strata_status st = strata_sftp_xfer_pump(x);
    for (unsigned long i = 0; i < 1000000000ul && st == STRATA_WANT_READ && alive; i++) {
        strata_sftp_app_kick(c->app);
        if (strata_io_run_once(c->io, &alive) != STRATA_OK)
            break;
        if (c->limit_bps) {
            uint64_t el = meter_now_ms() - t0 + 1;
            uint64_t allowed = c->limit_bps * el / 1000u;
            uint64_t moved = strata_sftp_xfer_bytes(x);
            if (moved > allowed) {
                uint64_t wait_ms = (moved - allowed) * 1000u / c->limit_bps;
                struct timespec ts = {(time_t)(wait_ms / 1000u),
                                      (long)(wait_ms % 1000u) * 1000000L};
                nanosleep(&ts, NULL);
            }
        }
        meter_update(m, strata_sftp_xfer_bytes(x), 0);
        st = strata_sftp_xfer_pump(x);
    }
    if (st == STRATA_WANT_READ)
        st = strata_sftp_xfer_status(x);
    if (st == STRATA_WANT_READ) /* the loop ended with the transfer unfinished */
        st = STRATA_E_SFTP_CONNECTION_LOST;
    return st;
}

static void close_remote(struct sftp_client *c, const strata_sftp_handle *h)
{
    struct sc_res r = {0};
    (void)sc_wait(c, strata_sftp_close(c->s, h, sc_on_reply, &r, NULL), &r);
}

static const char *base_name(const char *p)
{
    const char *s = strrchr(p, '/');
    return s && s[1] ? s + 1 : p;
}

static int get_file(struct sftp_client *c, const char *remote, const char *local,
                    const strata_sftp_attrs *ra, const struct sftp_xopts *o)
{
    struct sc_res r = {0};
    if (sc_wait(c, strata_sftp_open(c->s, remote, STRATA_SFTP_READ, NULL, sc_on_reply, &r, NULL),
                &r)) {
        fprintf(stderr, "remote open(\"%s\"): %s\n", remote, r.msg);
        return -1;
    }
    strata_sftp_handle h = r.h;
    uint32_t mode = ra->flags & STRATA_SFTP_ATTR_PERMISSIONS ? ra->perm & 0777 : 0666;
    struct lfile f = {open(local, O_WRONLY | O_CREAT | (o->resume ? 0 : O_TRUNC), mode | 0200), 0};
    if (f.fd < 0) {
        fprintf(stderr, "Couldn't open local file \"%s\" for writing: %s\n", local,
                strerror(errno));
        close_remote(c, &h);
        return -1;
    }
    uint64_t off = 0;
    if (o->resume) {
        struct stat st;
        if (fstat(f.fd, &st) == 0)
            off = (uint64_t)st.st_size;
        if (ra->flags & STRATA_SFTP_ATTR_SIZE && off > ra->size) {
            fprintf(stderr,
                    "Unable to resume download of \"%s\": local file is larger than remote\n",
                    remote);
            close(f.fd);
            close_remote(c, &h);
            return -1;
        }
    }
    strata_sftp_xfer_config xc = {
        .sink = sink, .user = &f, .offset = off, .requests = c->requests, .chunk = c->chunk};
    strata_sftp_xfer *x = NULL;
    struct sftp_meter m;
    meter_start(&m, base_name(remote), ra->flags & STRATA_SFTP_ATTR_SIZE ? ra->size : 0, off,
                c->progress);
    strata_status st = strata_sftp_xfer_get(c->s, &h, &xc, &x);
    if (st == STRATA_OK)
        st = run_xfer(c, x, &m);
    uint64_t end = x ? strata_sftp_xfer_end(x) : off;
    meter_update(&m, x ? strata_sftp_xfer_bytes(x) : 0, 1);
    int rc = 0;
    if (st != STRATA_OK) {
        char buf[STRATA_ERROR_MSG_MAX * 2];
        fprintf(stderr, "Couldn't read from remote file \"%s\": %s\n", remote,
                x ? strata_error_format(strata_sftp_xfer_error(x), buf, sizeof(buf))
                  : strata_status_str(st));
        if (f.err)
            fprintf(stderr, "local write \"%s\": %s\n", local, strerror(f.err));
        fprintf(stderr, "partial file \"%s\": %llu bytes received\n", local,
                (unsigned long long)(x ? strata_sftp_xfer_bytes(x) + off : off));
        rc = -1;
    } else if (ftruncate(f.fd, (off_t)end) != 0) {
        fprintf(stderr, "Couldn't truncate \"%s\": %s\n", local, strerror(errno));
        rc = -1;
    }
    strata_sftp_xfer_free(x);
    if (rc == 0 && o->preserve) {
        if (ra->flags & STRATA_SFTP_ATTR_PERMISSIONS && fchmod(f.fd, ra->perm & 07777) != 0)
            fprintf(stderr, "Couldn't set mode on \"%s\": %s\n", local, strerror(errno));
        if (ra->flags & STRATA_SFTP_ATTR_ACMODTIME) {
            struct timespec ts[2] = {{ra->atime, 0}, {ra->mtime, 0}};
            if (futimens(f.fd, ts) != 0)
                fprintf(stderr, "Couldn't set times on \"%s\": %s\n", local, strerror(errno));
        }
    }
    if (close(f.fd) != 0 && rc == 0) {
        fprintf(stderr, "Couldn't close \"%s\": %s\n", local, strerror(errno));
        rc = -1;
    }
    if (sc_alive(c))
        close_remote(c, &h);
    return rc;
}

static char *join(const char *a, const char *b)
{
    size_t n = strlen(a) + strlen(b) + 2;
    char *p = malloc(n);
    if (p)
        snprintf(p, n, "%s%s%s", a, (*a && a[strlen(a) - 1] == '/') ? "" : "/", b);
    return p;
}

static int get_tree(struct sftp_client *c, const char *remote, const char *local,
                    const strata_sftp_attrs *ra, const struct sftp_xopts *o, int depth)
{
    if (depth > 64) {
        fprintf(stderr, "\"%s\": directories nested too deep\n", remote);
        return -1;
    }
    if ((ra->perm & 0170000) != 0040000)
        return get_file(c, remote, local, ra, o);
    if (!o->recurse) {
        fprintf(stderr, "Cannot download non-regular file: %s\n", remote);
        return -1;
    }
    if (mkdir(local, 0777) != 0 && errno != EEXIST) {
        fprintf(stderr, "mkdir %s: %s\n", local, strerror(errno));
        return -1;
    }
    struct sftp_entry *e;
    size_t n;
    if (sc_readdir(c, remote, &e, &n) != 0)
        return -1;
    int rc = 0;
    struct many *many = NULL;
    for (size_t i = 0; i < n && sc_alive(c); i++) {
        if (!strcmp(e[i].name, ".") || !strcmp(e[i].name, "..") || strchr(e[i].name, '/'))
            continue;
        char *rp = join(remote, e[i].name), *lp = join(local, e[i].name);
        int t = e[i].a.perm & 0170000;
        if (!rp || !lp)
            rc = -1;
        else if (t == 0100000 && !o->resume && (e[i].a.flags & STRATA_SFTP_ATTR_SIZE) &&
                 e[i].a.size <= MANY_SMALL_MAX)
            rc |= many_add(&many, c, o, 0, rp, lp, &e[i].a);
        else if (t == 0100000 || t == 0040000)
            rc |= get_tree(c, rp, lp, &e[i].a, o, depth + 1);
        else if (t != 0120000)
            fprintf(stderr, "download \"%s\": not a regular file\n", rp);
        free(rp);
        free(lp);
    }
    sc_entries_free(e, n);
    rc |= many_run(many);
    many_free(many);
    if (rc == 0 && o->preserve) {
        if (ra->flags & STRATA_SFTP_ATTR_PERMISSIONS)
            (void)chmod(local, ra->perm & 07777);
        if (ra->flags & STRATA_SFTP_ATTR_ACMODTIME) {
            struct timespec ts[2] = {{ra->atime, 0}, {ra->mtime, 0}};
            (void)utimensat(AT_FDCWD, local, ts, 0);
        }
    }
    return rc;
}

int sc_get(struct sftp_client *c, const char *remote, const char *local, const struct sftp_xopts *o)
{
    strata_sftp_attrs a;
    if (sc_stat(c, remote, 1, &a, 1) != 0) {
        fprintf(stderr, "File \"%s\" not found.\n", remote);
        return -1;
    }
    if (!(a.flags & STRATA_SFTP_ATTR_PERMISSIONS))
        a.perm = 0100644, a.flags |= STRATA_SFTP_ATTR_PERMISSIONS;
    return get_tree(c, remote, local, &a, o, 0);
}

static int put_file(struct sftp_client *c, const char *local, const char *remote,
                    const struct stat *ls, const struct sftp_xopts *o)
{
    struct lfile f = {open(local, O_RDONLY), 0};
    if (f.fd < 0) {
        fprintf(stderr, "Couldn't open local file \"%s\" for reading: %s\n", local,
                strerror(errno));
        return -1;
    }
    uint64_t off = 0;
    if (o->resume) {
        strata_sftp_attrs ra;
        if (sc_stat(c, remote, 1, &ra, 1) == 0 && ra.flags & STRATA_SFTP_ATTR_SIZE)
            off = ra.size;
        if (off > (uint64_t)ls->st_size) {
            fprintf(stderr, "Unable to resume upload of \"%s\": destination file is larger\n",
                    local);
            close(f.fd);
            return -1;
        }
    }
    strata_sftp_attrs oa = {.flags = STRATA_SFTP_ATTR_PERMISSIONS, .perm = ls->st_mode & 0777};
    struct sc_res r = {0};
    uint32_t fl = STRATA_SFTP_WRITE | STRATA_SFTP_CREAT | (o->resume ? 0u : STRATA_SFTP_TRUNC);
    if (sc_wait(c, strata_sftp_open(c->s, remote, fl, &oa, sc_on_reply, &r, NULL), &r)) {
        fprintf(stderr, "Couldn't open remote file \"%s\": %s\n", remote, r.msg);
        close(f.fd);
        return -1;
    }
    strata_sftp_handle h = r.h;
    strata_sftp_xfer_config xc = {
        .source = source, .user = &f, .offset = off, .requests = c->requests, .chunk = c->chunk};
    strata_sftp_xfer *x = NULL;
    struct sftp_meter m;
    meter_start(&m, base_name(local), (uint64_t)ls->st_size, off, c->progress);
    strata_status st = strata_sftp_xfer_put(c->s, &h, &xc, &x);
    if (st == STRATA_OK)
        st = run_xfer(c, x, &m);
    meter_update(&m, x ? strata_sftp_xfer_bytes(x) : 0, 1);
    int rc = 0;
    if (st != STRATA_OK) {
        char buf[STRATA_ERROR_MSG_MAX * 2];
        fprintf(stderr, "Couldn't write to remote file \"%s\": %s\n", remote,
                x ? strata_error_format(strata_sftp_xfer_error(x), buf, sizeof(buf))
                  : strata_status_str(st));
        if (f.err)
            fprintf(stderr, "local read \"%s\": %s\n", local, strerror(f.err));
        rc = -1;
    }
    strata_sftp_xfer_free(x);
    close(f.fd);
    if (rc == 0 && o->preserve) {
        strata_sftp_attrs pa = {.flags = STRATA_SFTP_ATTR_PERMISSIONS | STRATA_SFTP_ATTR_ACMODTIME,
                                .perm = ls->st_mode & 07777,
                                .atime = (uint32_t)ls->st_atime,
                                .mtime = (uint32_t)ls->st_mtime};
        struct sc_res sr = {0};
        if (sc_wait(c, strata_sftp_fsetstat(c->s, &h, &pa, sc_on_reply, &sr, NULL), &sr))
            fprintf(stderr, "Couldn't set attributes of \"%s\": %s\n", remote, sr.msg);
    }
    if (rc == 0 && o->fsync) {
        struct sc_res fr = {0};
        if (sc_wait(c, strata_sftp_fsync(c->s, &h, sc_on_reply, &fr, NULL), &fr))
            fprintf(stderr, "Couldn't sync file \"%s\": %s\n", remote, fr.msg);
    }
    if (sc_alive(c))
        close_remote(c, &h);
    return rc;
}

static int put_tree(struct sftp_client *c, const char *local, const char *remote,
                    const struct stat *ls, const struct sftp_xopts *o, int depth)
{
    if (depth > 64) {
        fprintf(stderr, "\"%s\": directories nested too deep\n", local);
        return -1;
    }
    if (S_ISREG(ls->st_mode))
        return put_file(c, local, remote, ls, o);
    if (!S_ISDIR(ls->st_mode)) {
        fprintf(stderr, "Skipping non-regular file %s\n", local);
        return 0;
    }
    if (!o->recurse) {
        fprintf(stderr, "Skipping directory %s (use -r)\n", local);
        return -1;
    }
    strata_sftp_attrs ra;
    if (sc_stat(c, remote, 1, &ra, 1) != 0 && sc_mkdir(c, remote, ls->st_mode & 0777, 0) != 0)
        return -1;
    DIR *d = opendir(local);
    if (!d) {
        fprintf(stderr, "Couldn't open local directory \"%s\": %s\n", local, strerror(errno));
        return -1;
    }
    int rc = 0;
    struct dirent *de;
    struct many *many = NULL;
    while ((de = readdir(d)) != NULL && sc_alive(c)) {
        if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
            continue;
        char *lp = join(local, de->d_name), *rp = join(remote, de->d_name);
        struct stat st;
        if (!lp || !rp) {
            rc = -1;
        } else if (lstat(lp, &st) != 0) {
            fprintf(stderr, "stat %s: %s\n", lp, strerror(errno));
            rc = -1;
        } else if (S_ISREG(st.st_mode) && !o->resume && (uint64_t)st.st_size <= MANY_SMALL_MAX) {
            strata_sftp_attrs la = {.flags =
                                        STRATA_SFTP_ATTR_PERMISSIONS | STRATA_SFTP_ATTR_ACMODTIME,
                                    .perm = st.st_mode & 07777,
                                    .atime = (uint32_t)st.st_atime,
                                    .mtime = (uint32_t)st.st_mtime};
            rc |= many_add(&many, c, o, 1, rp, lp, &la);
        } else if (S_ISREG(st.st_mode) || S_ISDIR(st.st_mode))
            rc |= put_tree(c, lp, rp, &st, o, depth + 1);
        free(lp);
        free(rp);
    }
    closedir(d);
    rc |= many_run(many);
    many_free(many);
    if (rc == 0 && o->preserve) {
        strata_sftp_attrs pa = {.flags = STRATA_SFTP_ATTR_PERMISSIONS | STRATA_SFTP_ATTR_ACMODTIME,
                                .perm = ls->st_mode & 07777,
                                .atime = (uint32_t)ls->st_atime,
                                .mtime = (uint32_t)ls->st_mtime};
        (void)sc_setstat(c, remote, &pa);
    }
    return rc;
}

int sc_put(struct sftp_client *c, const char *local, const char *remote, const struct sftp_xopts *o)
{
    struct stat st;
    if (stat(local, &st) != 0) {
        fprintf(stderr, "stat local \"%s\": %s\n", local, strerror(errno));
        return -1;
    }
    return put_tree(c, local, remote, &st, o, 0);
}
