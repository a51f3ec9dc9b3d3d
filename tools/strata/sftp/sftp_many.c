/* Many small files at once (get -r / put -r): instead of one file's OPEN,
 * READ/WRITE and CLOSE round trips after another, up to MANY_LIVE files are
 * in progress together, each a little state machine driven by its replies.
 * A download: OPEN -> READ at 0 -> DATA (written at its offset) -> READ at
 * the new end ... -> EOF -> CLOSE. An upload: OPEN -> WRITE of the whole
 * file, FSETSTAT (-p) and CLOSE sent back to back (the server answers in
 * order; the first failure is the file's). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "sftp_client.h"
#include "sftp_many.h"

#define MANY_LIVE 64

struct item {
    char *remote, *local;
    strata_sftp_attrs a; /* get: remote attrs; put: the local file's */
    int fd;
    strata_sftp_handle h;
    uint64_t off;
    uint8_t *data; /* put: the file's bytes */
    size_t len;
    int waiting; /* replies still due */
    int failed, done;
};

struct many {
    struct sftp_client *c;
    const struct sftp_xopts *o;
    int put;
    struct item *items;
    size_t n, cap, next, live;
    int rc;
    uint64_t moved; /* file bytes read or queued for writing, for -l */
};

int many_add(struct many **mp, struct sftp_client *c, const struct sftp_xopts *o, int put,
             const char *remote, const char *local, const strata_sftp_attrs *a)
{
    if (!*mp) {
        *mp = calloc(1, sizeof(**mp));
        if (!*mp)
            return -1;
        (*mp)->c = c;
        (*mp)->o = o;
        (*mp)->put = put;
    }
    struct many *m = *mp;
    if (m->n == m->cap) {
        size_t nc = m->cap ? m->cap * 2 : 256;
        struct item *p = realloc(m->items, nc * sizeof(*p));
        if (!p)
            return -1;
        m->items = p;
        m->cap = nc;
    }
    struct item *it = &m->items[m->n];
    memset(it, 0, sizeof(*it));
    it->remote = strdup(remote);
    it->local = strdup(local);
    it->a = *a;
    it->fd = -1;
    if (!it->remote || !it->local) {
        free(it->remote);
        free(it->local);
        return -1;
    }
    m->n++;
    return 0;
}

static void item_end(struct many *m, struct item *it)
{
    if (it->done)
        return;
    it->done = 1;
    m->live--;
    if (it->fd >= 0) {
        if (!it->failed && !m->put && m->o->preserve) {
            if (it->a.flags & STRATA_SFTP_ATTR_PERMISSIONS)
                (void)fchmod(it->fd, it->a.perm & 07777);
            if (it->a.flags & STRATA_SFTP_ATTR_ACMODTIME) {
                struct timespec ts[2] = {{it->a.atime, 0}, {it->a.mtime, 0}};
                (void)futimens(it->fd, ts);
            }
        }
        if (close(it->fd) != 0 && !it->failed) {
            fprintf(stderr, "Couldn't close \"%s\": %s\n", it->local, strerror(errno));
            it->failed = 1;
        }
        it->fd = -1;
    }
    free(it->data);
    it->data = NULL;
    if (it->failed)
        m->rc = -1;
}

static void fail(struct many *m, struct item *it, const char *what, const char *path,
                 const char *msg)
{
    if (!it->failed)
        fprintf(stderr, "%s \"%s\": %s\n", what, path, msg);
    it->failed = 1;
    (void)m;
}

static void on_close(void *user, const strata_sftp_reply *r)
{
    struct item *it = user;
    if (r->status != STRATA_OK && !it->failed) {
        fprintf(stderr, "Couldn't close \"%s\": %s\n", it->remote, r->message);
        it->failed = 1;
    }
    it->waiting--;
}

static void send_close(struct many *m, struct item *it)
{
    if (strata_sftp_close(m->c->s, &it->h, on_close, it, NULL) == STRATA_OK)
        it->waiting++;
}

static void on_read(void *user, const strata_sftp_reply *r);
static struct many *cur; /* the list being run (callbacks reach it through here) */

static void send_read(struct many *m, struct item *it)
{
    uint32_t chunk = m->c->chunk ? m->c->chunk : STRATA_SFTP_XFER_CHUNK;
    strata_sftp_limits l;
    strata_sftp_get_limits(m->c->s, &l);
    if (l.max_read_length && l.max_read_length < chunk)
        chunk = (uint32_t)l.max_read_length;
    if (strata_sftp_read(m->c->s, &it->h, it->off, chunk, on_read, it, NULL) == STRATA_OK)
        it->waiting++;
    else
        fail(m, it, "Couldn't read from remote file", it->remote, "request refused");
}

static void on_read(void *user, const strata_sftp_reply *r)
{
    struct item *it = user;
    it->waiting--;
    if (it->failed)
        return;
    if (r->status == STRATA_E_SFTP_EOF) {
        if (ftruncate(it->fd, (off_t)it->off) != 0)
            fail(cur, it, "Couldn't truncate", it->local, strerror(errno));
        send_close(cur, it);
        return;
    }
    if (r->status != STRATA_OK) {
        fail(cur, it, "Couldn't read from remote file", it->remote, r->message);
        send_close(cur, it);
        return;
    }
    size_t n = r->data_len;
    const uint8_t *p = r->data;
    while (n > 0) {
        ssize_t k = pwrite(it->fd, p, n, (off_t)it->off);
        if (k <= 0) {
            fail(cur, it, "Couldn't write local file", it->local,
                 k < 0 ? strerror(errno) : "short write");
            send_close(cur, it);
            return;
        }
        p += k, n -= (size_t)k, it->off += (uint64_t)k;
        cur->moved += (uint64_t)k;
    }
    send_read(cur, it);
}

static void on_status(void *user, const strata_sftp_reply *r)
{
    struct item *it = user;
    it->waiting--;
    if (r->status != STRATA_OK)
        fail(cur, it, "Couldn't write to remote file", it->remote, r->message);
}

static void on_open(void *user, const strata_sftp_reply *r)
{
    struct item *it = user;
    it->waiting--;
    if (r->status != STRATA_OK) {
        fail(cur, it, cur->put ? "Couldn't open remote file" : "remote open", it->remote,
             r->message);
        return;
    }
    it->h = r->handle;
    if (!cur->put) {
        send_read(cur, it);
        return;
    }
    struct sftp_client *c = cur->c;
    if (it->len &&
        strata_sftp_write(c->s, &it->h, 0, it->data, it->len, on_status, it, NULL) == STRATA_OK) {
        it->waiting++;
        cur->moved += it->len;
    }
    if (cur->o->preserve) {
        strata_sftp_attrs pa = it->a;
        pa.flags = STRATA_SFTP_ATTR_PERMISSIONS | STRATA_SFTP_ATTR_ACMODTIME;
        if (strata_sftp_fsetstat(c->s, &it->h, &pa, on_status, it, NULL) == STRATA_OK)
            it->waiting++;
    }
    if (cur->o->fsync && strata_sftp_fsync(c->s, &it->h, on_status, it, NULL) == STRATA_OK)
        it->waiting++;
    send_close(cur, it);
}

static void start(struct many *m, struct item *it)
{
    m->live++;
    struct sftp_client *c = m->c;
    strata_status q;
    if (m->put) {
        int fd = open(it->local, O_RDONLY);
        struct stat st;
        if (fd < 0 || fstat(fd, &st) != 0 ||
            (it->data = malloc(st.st_size ? st.st_size : 1)) == NULL) {
            fail(m, it, "Couldn't open local file", it->local, strerror(errno));
            if (fd >= 0)
                close(fd);
            return;
        }
        ssize_t k = read(fd, it->data, (size_t)st.st_size);
        close(fd);
        if (k != (ssize_t)st.st_size) {
            fail(m, it, "Couldn't read local file", it->local, "short read");
            return;
        }
        it->len = (size_t)k;
        strata_sftp_attrs oa = {.flags = STRATA_SFTP_ATTR_PERMISSIONS, .perm = it->a.perm & 0777};
        q = strata_sftp_open(c->s, it->remote,
                             STRATA_SFTP_WRITE | STRATA_SFTP_CREAT | STRATA_SFTP_TRUNC, &oa,
                             on_open, it, NULL);
    } else {
        uint32_t mode = it->a.flags & STRATA_SFTP_ATTR_PERMISSIONS ? it->a.perm & 0777 : 0666;
        it->fd = open(it->local, O_WRONLY | O_CREAT | O_TRUNC, mode | 0200);
        if (it->fd < 0) {
            fail(m, it, "Couldn't open local file for writing", it->local, strerror(errno));
            return;
        }
        q = strata_sftp_open(c->s, it->remote, STRATA_SFTP_READ, NULL, on_open, it, NULL);
    }
    if (q == STRATA_OK)
        it->waiting++;
    else
        fail(m, it, "Couldn't open remote file", it->remote, strata_status_str(q));
}

int many_run(struct many *m)
{
    if (!m)
        return 0;
    cur = m;
    int alive = 1;
    uint64_t t0 = meter_now_ms();
    size_t finished = 0, lo = 0; /* items before lo are all done */
    for (unsigned long turn = 0; turn < 1000000000ul && finished < m->n; turn++) {
        while (m->next < m->n && m->live < MANY_LIVE && sc_alive(m->c))
            start(m, &m->items[m->next++]);
        while (lo < m->next && m->items[lo].done)
            lo++;
        for (size_t i = lo; i < m->next; i++) {
            struct item *it = &m->items[i];
            if (!it->done && it->waiting == 0) {
                item_end(m, it);
                finished++;
            }
        }
        if (finished == m->n)
            break;
        if (!alive || !sc_alive(m->c)) {
            for (size_t i = 0; i < m->n; i++)
                if (!m->items[i].done) {
                    fail(m, &m->items[i], "Couldn't copy", m->items[i].remote, "Connection closed");
                    if (i < m->next)
                        item_end(m, &m->items[i]);
                    else
                        m->rc = -1;
                }
            break;
        }
        strata_sftp_app_kick(m->c->app);
        if (strata_io_run_once(m->c->io, &alive) != STRATA_OK)
            break;
        sc_throttle(m->c, t0, m->moved);
    }
    cur = NULL;
    return m->rc;
}

void many_free(struct many *m)
{
    if (!m)
        return;
    for (size_t i = 0; i < m->n; i++) {
        free(m->items[i].remote);
        free(m->items[i].local);
        free(m->items[i].data);
        if (m->items[i].fd >= 0)
            close(m->items[i].fd);
    }
    free(m->items);
    free(m);
}
