/* sftp: the client engine against OpenSSH's real sftp-server (Debian's
 * /usr/lib/openssh/sftp-server and OpenSSH 10.5's from
 * /var/cache/strata-peers), spawned on a socketpair in a scratch directory.
 * The test is the I/O side: it moves the engine's bytes to the server and
 * back, and does the local file I/O of transfers. Every request of
 * draft-02 and every OpenSSH extension (lsetstat@openssh.com included), transfers of awkward sizes,
 * a sparse file, resume, odd names, a permission error with the server's message and a server
 * killed in the middle of a transfer. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "testutil.h"

#define DEBIAN_SERVER "/usr/lib/openssh/sftp-server"
#define PEER_SERVER "/var/cache/strata-peers/openssh-V_10_5_P1/libexec/sftp-server"

struct srv {
    const char *path;
    pid_t pid;
    int fd;
    strata_sftp *s;
    char dir[64];
    int dead;
};

/* The last reply seen, copied. */
struct res {
    int done;
    strata_status status;
    uint32_t code;
    char message[1024];
    enum strata_sftp_reply_kind kind;
    strata_sftp_handle handle;
    strata_sftp_attrs attrs;
    uint8_t data[STRATA_SFTP_XFER_CHUNK];
    size_t data_len;
    char names[64][256];
    size_t n_names;
    strata_sftp_vfs vfs;
    strata_sftp_limits limits;
};

static void on_reply(void *user, const strata_sftp_reply *r)
{
    struct res *x = user;
    memset(x, 0, sizeof(*x));
    x->done = 1;
    x->status = r->status;
    x->code = r->code;
    snprintf(x->message, sizeof(x->message), "%s", r->message);
    x->kind = r->kind;
    x->handle = r->handle;
    x->attrs = r->attrs;
    if (r->data_len > 0 && r->data_len <= sizeof(x->data)) {
        memcpy(x->data, r->data, r->data_len);
        x->data_len = r->data_len;
    }
    for (size_t i = 0; i < r->n_names && i < 64; i++)
        snprintf(x->names[i], sizeof(x->names[i]), "%s", r->names[i].name);
    x->n_names = r->n_names;
    x->vfs = r->statvfs;
    x->limits = r->limits;
}

/* Moves bytes once: everything queued out, then what the server sent (poll
 * up to 10 s, a bound, not a timing assertion). 0 when the server's stream
 * ended. */
static int turn(struct srv *v)
{
    size_t n;
    const uint8_t *p = strata_sftp_out(v->s, &n);
    while (n > 0) {
        ssize_t k = write(v->fd, p, n);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            break;
        strata_sftp_out_ack(v->s, (size_t)k);
        p = strata_sftp_out(v->s, &n);
    }
    struct pollfd pf = {.fd = v->fd, .events = POLLIN};
    if (poll(&pf, 1, 10000) <= 0)
        fail_msg("sftp-server said nothing for 10 s");
    static uint8_t buf[512 * 1024];
    ssize_t k = read(v->fd, buf, sizeof(buf));
    if (k <= 0) {
        strata_sftp_eof(v->s, k < 0 ? strerror(errno) : "end of stream");
        return 0;
    }
    strata_status r = strata_sftp_feed(v->s, buf, (size_t)k);
    if (r != STRATA_OK)
        fail_msg("feed: %s", strata_error_message(strata_sftp_error(v->s)));
    return 1;
}

static void wait_for(struct srv *v, const int *flag)
{
    for (int i = 0; i < 1000000 && !*flag; i++)
        if (!turn(v))
            break;
    assert_true(*flag);
}

static void spawn(struct srv *v, const char *path, uid_t uid)
{
    int sv[2];
    memset(v, 0, sizeof(*v));
    v->path = path;
    snprintf(v->dir, sizeof(v->dir), "/tmp/strata-sftp-XXXXXX");
    assert_non_null(mkdtemp(v->dir));
    assert_int_equal(chmod(v->dir, 0777), 0);
    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    v->pid = fork();
    assert_true(v->pid >= 0);
    if (v->pid == 0) {
        dup2(sv[1], 0);
        dup2(sv[1], 1);
        int dn = open("/dev/null", O_WRONLY);
        if (dn >= 0)
            dup2(dn, 2);
        close(sv[0]);
        close(sv[1]);
        if (chdir(v->dir) != 0)
            _exit(126);
        if (uid != 0 && (setgid(uid) != 0 || setuid(uid) != 0))
            _exit(126);
        execl(path, path, "-d", v->dir, (char *)NULL);
        _exit(127);
    }
    close(sv[1]);
    v->fd = sv[0];
    assert_ok(strata_sftp_new(&v->s));
    for (int i = 0; i < 100 && strata_sftp_ready(v->s) == STRATA_WANT_READ; i++)
        assert_true(turn(v));
    assert_ok(strata_sftp_ready(v->s));
}

static void stop(struct srv *v)
{
    strata_sftp_free(v->s);
    close(v->fd);
    if (!v->dead)
        kill(v->pid, SIGTERM);
    waitpid(v->pid, NULL, 0);
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf %s", v->dir);
    assert_int_equal(system(cmd), 0);
}

static char *lpath(struct srv *v, const char *name)
{
    static char p[2][512];
    static int i;
    i ^= 1;
    snprintf(p[i], sizeof(p[i]), "%s/%s", v->dir, name);
    return p[i];
}

/* Synchronous call helpers. */
#define CALL(v, res, expr)                                                                         \
    do {                                                                                           \
        (res)->done = 0;                                                                           \
        assert_ok(expr);                                                                           \
        wait_for((v), &(res)->done);                                                               \
    } while (0)

static void open_h(struct srv *v, const char *name, uint32_t fl, strata_sftp_handle *h)
{
    static struct res r;
    CALL(v, &r, strata_sftp_open(v->s, name, fl, NULL, on_reply, &r, NULL));
    if (r.status != STRATA_OK)
        fail_msg("open %s: %s %s", name, strata_status_name(r.status), r.message);
    assert_int_equal(r.kind, STRATA_SFTP_REPLY_HANDLE);
    *h = r.handle;
}

static void close_h(struct srv *v, const strata_sftp_handle *h)
{
    static struct res r;
    CALL(v, &r, strata_sftp_close(v->s, h, on_reply, &r, NULL));
    assert_ok(r.status);
}

static struct res R; /* large: static */

/* ---- local file I/O for transfers -------------------------------------------------- */

struct lfile {
    int fd;
};

static strata_status sink(void *user, uint64_t off, const uint8_t *p, size_t n)
{
    struct lfile *f = user;
    return pwrite(f->fd, p, n, (off_t)off) == (ssize_t)n ? STRATA_OK : STRATA_E_IO;
}

static strata_status source(void *user, uint64_t off, uint8_t *buf, size_t n, size_t *got)
{
    struct lfile *f = user;
    size_t have = 0;
    while (have < n) {
        ssize_t k = pread(f->fd, buf + have, n - have, (off_t)(off + have));
        if (k < 0)
            return STRATA_E_IO;
        if (k == 0)
            break;
        have += (size_t)k;
    }
    *got = have;
    return STRATA_OK;
}

/* Runs a transfer to its end; returns its status. */
/* A source whose file "fails" after its first fail_at bytes; lies about its
 * count when lie is set. */
struct bad_source {
    uint64_t fail_at;
    int lie;
};

static strata_status bad_source(void *user, uint64_t off, uint8_t *buf, size_t n, size_t *got)
{
    struct bad_source *b = user;
    if (off >= b->fail_at)
        return b->lie ? (*got = n + 1, STRATA_OK) : STRATA_E_IO;
    memset(buf, 'x', n);
    *got = n;
    return STRATA_OK;
}

static strata_status run_xfer(struct srv *v, strata_sftp_xfer *x, int kill_after)
{
    strata_status st = strata_sftp_xfer_pump(x);
    for (int i = 0; i < 1000000 && st == STRATA_WANT_READ; i++) {
        if (kill_after > 0 && strata_sftp_xfer_bytes(x) > 0 && --kill_after == 0) {
            kill(v->pid, SIGKILL);
            v->dead = 1;
        }
        if (!turn(v))
            return strata_sftp_xfer_status(x);
        st = strata_sftp_xfer_pump(x);
    }
    return st;
}

static strata_status get_file(struct srv *v, const char *remote, const char *local, uint64_t off,
                              uint32_t chunk, uint64_t *end)
{
    strata_sftp_handle h;
    strata_sftp_xfer *x;
    open_h(v, remote, STRATA_SFTP_READ, &h);
    struct lfile f = {open(local, O_WRONLY | O_CREAT | (off ? 0 : O_TRUNC), 0600)};
    assert_true(f.fd >= 0);
    strata_sftp_xfer_config c = {.sink = sink, .user = &f, .offset = off, .chunk = chunk};
    assert_ok(strata_sftp_xfer_get(v->s, &h, &c, &x));
    strata_status st = run_xfer(v, x, 0);
    *end = strata_sftp_xfer_end(x);
    if (st == STRATA_OK)
        assert_int_equal(ftruncate(f.fd, (off_t)*end), 0);
    strata_sftp_xfer_free(x);
    close(f.fd);
    close_h(v, &h);
    return st;
}

static strata_status put_file(struct srv *v, const char *local, const char *remote, uint64_t off,
                              uint32_t chunk)
{
    strata_sftp_handle h;
    strata_sftp_xfer *x;
    open_h(v, remote,
           STRATA_SFTP_WRITE | STRATA_SFTP_CREAT | (off ? 0u : (uint32_t)STRATA_SFTP_TRUNC), &h);
    struct lfile f = {open(local, O_RDONLY)};
    assert_true(f.fd >= 0);
    strata_sftp_xfer_config c = {.source = source, .user = &f, .offset = off, .chunk = chunk};
    assert_ok(strata_sftp_xfer_put(v->s, &h, &c, &x));
    strata_status st = run_xfer(v, x, 0);
    strata_sftp_xfer_free(x);
    close(f.fd);
    close_h(v, &h);
    return st;
}

static void write_local(const char *path, size_t n, uint64_t seed)
{
    uint8_t *p = malloc(n ? n : 1);
    assert_non_null(p);
    tu_fill(p, n, seed);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, p, n), (ssize_t)n);
    close(fd);
    free(p);
}

static void sha256_file(const char *path, uint8_t out[32], off_t *size)
{
    int fd = open(path, O_RDONLY);
    assert_true(fd >= 0);
    EVP_MD_CTX *c = EVP_MD_CTX_new();
    assert_int_equal(EVP_DigestInit_ex(c, EVP_sha256(), NULL), 1);
    static uint8_t buf[65536];
    ssize_t k;
    *size = 0;
    while ((k = read(fd, buf, sizeof(buf))) > 0) {
        assert_int_equal(EVP_DigestUpdate(c, buf, (size_t)k), 1);
        *size += k;
    }
    assert_int_equal(EVP_DigestFinal_ex(c, out, NULL), 1);
    EVP_MD_CTX_free(c);
    close(fd);
}

static void assert_same_file(const char *a, const char *b)
{
    uint8_t ha[32], hb[32];
    off_t sa, sb;
    sha256_file(a, ha, &sa);
    sha256_file(b, hb, &sb);
    assert_int_equal(sa, sb);
    assert_memory_equal(ha, hb, 32);
}

/* ---- tests ------------------------------------------------------------------------------ */

static int have(const char *path)
{
    return access(path, X_OK) == 0;
}

static void version_and_limits(const char *path)
{
    struct srv v;
    spawn(&v, path, 0);
    assert_int_equal(strata_sftp_version(v.s), 3);
    assert_true(strata_sftp_has_ext(v.s, "posix-rename@openssh.com", "1"));
    assert_true(strata_sftp_has_ext(v.s, "limits@openssh.com", "1"));
    assert_false(strata_sftp_has_ext(v.s, "no-such@strata", NULL));
    strata_sftp_limits l;
    strata_sftp_get_limits(v.s, &l);
    assert_true(l.max_read_length >= 32768);
    assert_true(l.max_packet_length >= l.max_read_length);
    CALL(&v, &R, strata_sftp_limits_query(v.s, on_reply, &R, NULL));
    assert_int_equal(R.kind, STRATA_SFTP_REPLY_LIMITS);
    assert_true(R.limits.max_write_length == l.max_write_length);
    stop(&v);
}

static void requests(const char *path)
{
    struct srv v;
    strata_sftp_handle h;
    spawn(&v, path, 0);
    /* open / write / fstat / fsetstat / close */
    open_h(&v, "f1", STRATA_SFTP_WRITE | STRATA_SFTP_CREAT | STRATA_SFTP_TRUNC, &h);
    CALL(&v, &R,
         strata_sftp_write(v.s, &h, 0, (const uint8_t *)"hello world", 11, on_reply, &R, NULL));
    assert_ok(R.status);
    CALL(&v, &R, strata_sftp_fstat(v.s, &h, on_reply, &R, NULL));
    assert_int_equal(R.kind, STRATA_SFTP_REPLY_ATTRS);
    assert_int_equal(R.attrs.size, 11);
    strata_sftp_attrs a = {.flags = STRATA_SFTP_ATTR_PERMISSIONS, .perm = 0640};
    CALL(&v, &R, strata_sftp_fsetstat(v.s, &h, &a, on_reply, &R, NULL));
    assert_ok(R.status);
    CALL(&v, &R, strata_sftp_fsync(v.s, &h, on_reply, &R, NULL));
    assert_ok(R.status);
    close_h(&v, &h);
    struct stat st;
    assert_int_equal(stat(lpath(&v, "f1"), &st), 0);
    assert_int_equal(st.st_mode & 07777, 0640);
    /* setstat (times) / stat / lstat */
    a = (strata_sftp_attrs){
        .flags = STRATA_SFTP_ATTR_ACMODTIME, .atime = 1000000, .mtime = 2000000};
    CALL(&v, &R, strata_sftp_setstat(v.s, "f1", &a, on_reply, &R, NULL));
    assert_ok(R.status);
    CALL(&v, &R, strata_sftp_stat(v.s, "f1", on_reply, &R, NULL));
    assert_int_equal(R.attrs.mtime, 2000000);
    assert_int_equal(R.attrs.perm & 0777, 0640);
    /* read back, with a short read at EOF and then EOF */
    open_h(&v, "f1", STRATA_SFTP_READ, &h);
    CALL(&v, &R, strata_sftp_read(v.s, &h, 6, 100, on_reply, &R, NULL));
    assert_int_equal(R.kind, STRATA_SFTP_REPLY_DATA);
    assert_int_equal(R.data_len, 5);
    assert_memory_equal(R.data, "world", 5);
    CALL(&v, &R, strata_sftp_read(v.s, &h, 11, 100, on_reply, &R, NULL));
    assert_status(R.status, STRATA_E_SFTP_EOF);
    assert_int_equal(R.code, STRATA_SFTP_EOF);
    /* copy-data into a second file */
    strata_sftp_handle w;
    open_h(&v, "f2", STRATA_SFTP_WRITE | STRATA_SFTP_CREAT | STRATA_SFTP_TRUNC, &w);
    CALL(&v, &R, strata_sftp_copy_data(v.s, &h, 0, 0, &w, 0, on_reply, &R, NULL));
    assert_ok(R.status);
    close_h(&v, &w);
    close_h(&v, &h);
    assert_int_equal(stat(lpath(&v, "f2"), &st), 0);
    assert_int_equal(st.st_size, 11);
    /* symlink / readlink / lstat */
    CALL(&v, &R, strata_sftp_symlink(v.s, "f1", "ln1", on_reply, &R, NULL));
    assert_ok(R.status);
    CALL(&v, &R, strata_sftp_readlink(v.s, "ln1", on_reply, &R, NULL));
    assert_int_equal(R.n_names, 1);
    assert_string_equal(R.names[0], "f1");
    CALL(&v, &R, strata_sftp_lstat(v.s, "ln1", on_reply, &R, NULL));
    assert_int_equal(R.attrs.perm & 0170000, 0120000);
    /* lsetstat@openssh.com changes the symlink itself (its owner here, as
     * `chown -h` does); setstat follows the link to f1 */
    assert_true(strata_sftp_has_ext(v.s, "lsetstat@openssh.com", "1"));
    a = (strata_sftp_attrs){.flags = STRATA_SFTP_ATTR_UIDGID, .uid = 65534, .gid = 0};
    CALL(&v, &R, strata_sftp_lsetstat(v.s, "ln1", &a, on_reply, &R, NULL));
    assert_ok(R.status);
    assert_int_equal(lstat(lpath(&v, "ln1"), &st), 0);
    assert_int_equal(st.st_uid, 65534);
    assert_int_equal(stat(lpath(&v, "f1"), &st), 0);
    assert_int_equal(st.st_uid, 0);
    a = (strata_sftp_attrs){.flags = STRATA_SFTP_ATTR_UIDGID, .uid = 0, .gid = 65534};
    CALL(&v, &R, strata_sftp_setstat(v.s, "ln1", &a, on_reply, &R, NULL));
    assert_ok(R.status);
    assert_int_equal(stat(lpath(&v, "f1"), &st), 0);
    assert_int_equal(st.st_gid, 65534);
    assert_int_equal(lstat(lpath(&v, "ln1"), &st), 0);
    assert_int_equal(st.st_gid, 0);
    CALL(&v, &R, strata_sftp_lsetstat(v.s, "no-such", &a, on_reply, &R, NULL));
    assert_status(R.status, STRATA_E_SFTP_NO_SUCH_FILE);
    /* hardlink, rename (refuses to replace), posix-rename (replaces), remove */
    CALL(&v, &R, strata_sftp_hardlink(v.s, "f1", "hl", on_reply, &R, NULL));
    assert_ok(R.status);
    assert_int_equal(stat(lpath(&v, "hl"), &st), 0);
    assert_int_equal(st.st_nlink, 2);
    CALL(&v, &R, strata_sftp_rename(v.s, "f2", "f3", on_reply, &R, NULL));
    assert_ok(R.status);
    CALL(&v, &R, strata_sftp_rename(v.s, "f3", "hl", on_reply, &R, NULL));
    assert_status(R.status, STRATA_E_SFTP_FAILURE);
    CALL(&v, &R, strata_sftp_posix_rename(v.s, "f3", "hl", on_reply, &R, NULL));
    assert_ok(R.status);
    assert_int_equal(access(lpath(&v, "f3"), F_OK), -1);
    CALL(&v, &R, strata_sftp_remove(v.s, "hl", on_reply, &R, NULL));
    assert_ok(R.status);
    CALL(&v, &R, strata_sftp_remove(v.s, "hl", on_reply, &R, NULL));
    assert_status(R.status, STRATA_E_SFTP_NO_SUCH_FILE);
    assert_string_equal(R.message, "No such file");
    /* mkdir / opendir / readdir / rmdir */
    a = (strata_sftp_attrs){.flags = STRATA_SFTP_ATTR_PERMISSIONS, .perm = 0750};
    CALL(&v, &R, strata_sftp_mkdir(v.s, "d", &a, on_reply, &R, NULL));
    assert_ok(R.status);
    CALL(&v, &R, strata_sftp_opendir(v.s, ".", on_reply, &R, NULL));
    h = R.handle;
    int seen = 0;
    for (int i = 0; i < 100; i++) {
        CALL(&v, &R, strata_sftp_readdir(v.s, &h, on_reply, &R, NULL));
        if (R.status == STRATA_E_SFTP_EOF)
            break;
        assert_ok(R.status);
        for (size_t k = 0; k < R.n_names; k++)
            seen +=
                !strcmp(R.names[k], "d") || !strcmp(R.names[k], "f1") || !strcmp(R.names[k], "ln1");
    }
    assert_int_equal(seen, 3);
    close_h(&v, &h);
    CALL(&v, &R, strata_sftp_rmdir(v.s, "d", on_reply, &R, NULL));
    assert_ok(R.status);
    /* realpath, expand-path, home-directory, statvfs */
    CALL(&v, &R, strata_sftp_realpath(v.s, ".", on_reply, &R, NULL));
    assert_string_equal(R.names[0], v.dir);
    CALL(&v, &R, strata_sftp_expand_path(v.s, "~/x", on_reply, &R, NULL));
    assert_ok(R.status);
    assert_true(R.names[0][0] == '/' && strstr(R.names[0], "/x"));
    CALL(&v, &R, strata_sftp_home_directory(v.s, "root", on_reply, &R, NULL));
    assert_ok(R.status);
    assert_string_equal(R.names[0], "/root");
    CALL(&v, &R, strata_sftp_statvfs(v.s, ".", on_reply, &R, NULL));
    assert_int_equal(R.kind, STRATA_SFTP_REPLY_STATVFS);
    assert_true(R.vfs.bsize > 0 && R.vfs.blocks > 0);
    /* many requests in flight at once, answered in some order */
    static struct res many[200];
    for (int i = 0; i < 200; i++)
        assert_ok(strata_sftp_stat(v.s, i % 2 ? "f1" : "nope", on_reply, &many[i], NULL));
    assert_int_equal(strata_sftp_outstanding(v.s), 200);
    for (int i = 0; i < 200; i++) {
        wait_for(&v, &many[i].done);
        assert_status(many[i].status, i % 2 ? STRATA_OK : STRATA_E_SFTP_NO_SUCH_FILE);
    }
    stop(&v);
}

static void transfers(const char *path)
{
    struct srv v;
    uint64_t end;
    spawn(&v, path, 0);
    const size_t sizes[] = {0, 1, 3 * 32768 + 17, 4u * 1024 * 1024 + 12345};
    const uint32_t chunks[] = {0, 0, 32768, 0};
    for (size_t i = 0; i < 4; i++) {
        write_local(lpath(&v, "src"), sizes[i], i + 1);
        assert_ok(put_file(&v, lpath(&v, "src"), "up", 0, chunks[i]));
        assert_same_file(lpath(&v, "src"), lpath(&v, "up"));
        assert_ok(get_file(&v, "up", lpath(&v, "down"), 0, chunks[i], &end));
        assert_int_equal(end, sizes[i]);
        assert_same_file(lpath(&v, "src"), lpath(&v, "down"));
    }
    /* sparse: a hole of 3 MiB then 10 bytes */
    int fd = open(lpath(&v, "sparse"), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    assert_int_equal(pwrite(fd, "0123456789", 10, 3 * 1024 * 1024), 10);
    close(fd);
    assert_ok(get_file(&v, "sparse", lpath(&v, "sparse.down"), 0, 0, &end));
    assert_int_equal(end, 3 * 1024 * 1024 + 10);
    assert_same_file(lpath(&v, "sparse"), lpath(&v, "sparse.down"));
    /* reget: the first MiB is there already (and is not read again) */
    write_local(lpath(&v, "big"), 3u * 1024 * 1024 + 5, 9);
    assert_int_equal(truncate(lpath(&v, "down"), 0), 0);
    char cmd[256];
    snprintf(cmd, sizeof(cmd), "head -c 1048576 %s > %s", lpath(&v, "big"), lpath(&v, "down"));
    assert_int_equal(system(cmd), 0);
    assert_ok(get_file(&v, "big", lpath(&v, "down"), 1048576, 0, &end));
    assert_same_file(lpath(&v, "big"), lpath(&v, "down"));
    /* reput: the remote has the first MiB */
    snprintf(cmd, sizeof(cmd), "head -c 1048576 %s > %s", lpath(&v, "big"), lpath(&v, "up"));
    assert_int_equal(system(cmd), 0);
    assert_ok(put_file(&v, lpath(&v, "big"), "up", 1048576, 0));
    assert_same_file(lpath(&v, "big"), lpath(&v, "up"));
    /* A local file that fails part way (the data goes straight from the
     * source into the WRITE): the transfer fails naming the offset, nothing
     * half-built is sent, and the engine goes on working. */
    for (int lie = 0; lie < 2; lie++) {
        strata_sftp_handle h;
        strata_sftp_xfer *x;
        open_h(&v, "failing", STRATA_SFTP_WRITE | STRATA_SFTP_CREAT | STRATA_SFTP_TRUNC, &h);
        struct bad_source b = {2 * 32768, lie};
        strata_sftp_xfer_config c = {.source = bad_source, .user = &b, .chunk = 32768};
        assert_ok(strata_sftp_xfer_put(v.s, &h, &c, &x));
        assert_int_equal(run_xfer(&v, x, 0), lie ? STRATA_E_USAGE : STRATA_E_IO);
        assert_string_equal(strata_error_message(strata_sftp_xfer_error(x)),
                            "reading the local file at offset 65536 failed");
        assert_int_equal(strata_sftp_xfer_bytes(x), 2 * 32768);
        strata_sftp_xfer_free(x);
        close_h(&v, &h);
        struct stat st;
        assert_int_equal(stat(lpath(&v, "failing"), &st), 0);
        assert_int_equal(st.st_size, 2 * 32768);
    }
    stop(&v);
}

static void odd_names(const char *path)
{
    struct srv v;
    strata_sftp_handle h;
    spawn(&v, path, 0);
    const char *names[] = {"with space", "new\nline", "bad\xff\xfeutf8"};
    CALL(&v, &R, strata_sftp_mkdir(v.s, "odd dir\n\xff", NULL, on_reply, &R, NULL));
    assert_ok(R.status);
    for (int i = 0; i < 3; i++) {
        char p[64];
        snprintf(p, sizeof(p), "odd dir\n\xff/%s", names[i]);
        open_h(&v, p, STRATA_SFTP_WRITE | STRATA_SFTP_CREAT, &h);
        close_h(&v, &h);
        char lp[512];
        snprintf(lp, sizeof(lp), "%s/%s", v.dir, p);
        assert_int_equal(access(lp, F_OK), 0);
    }
    CALL(&v, &R, strata_sftp_opendir(v.s, "odd dir\n\xff", on_reply, &R, NULL));
    h = R.handle;
    int seen = 0;
    for (int i = 0; i < 100; i++) {
        CALL(&v, &R, strata_sftp_readdir(v.s, &h, on_reply, &R, NULL));
        if (R.status == STRATA_E_SFTP_EOF)
            break;
        for (size_t k = 0; k < R.n_names; k++)
            for (int j = 0; j < 3; j++)
                seen += !strcmp(R.names[k], names[j]);
    }
    assert_int_equal(seen, 3);
    close_h(&v, &h);
    stop(&v);
}

static void permission(const char *path)
{
    struct srv v;
    spawn(&v, path, 65534); /* as nobody */
    int fd = open(lpath(&v, "secret"), O_WRONLY | O_CREAT, 0600);
    close(fd);
    CALL(&v, &R, strata_sftp_open(v.s, "secret", STRATA_SFTP_READ, NULL, on_reply, &R, NULL));
    assert_status(R.status, STRATA_E_SFTP_PERMISSION);
    assert_int_equal(R.code, STRATA_SFTP_PERMISSION_DENIED);
    assert_string_equal(R.message, "Permission denied");
    CALL(&v, &R, strata_sftp_remove(v.s, "/etc/passwd", on_reply, &R, NULL));
    assert_status(R.status, STRATA_E_SFTP_PERMISSION);
    stop(&v);
}

static void killed(const char *path)
{
    struct srv v;
    strata_sftp_handle h;
    spawn(&v, path, 0);
    write_local(lpath(&v, "big"), 8u * 1024 * 1024, 3);
    open_h(&v, "big", STRATA_SFTP_READ, &h);
    struct lfile f = {open(lpath(&v, "down"), O_WRONLY | O_CREAT | O_TRUNC, 0600)};
    strata_sftp_xfer *x;
    strata_sftp_xfer_config c = {.sink = sink, .user = &f, .chunk = 32768};
    assert_ok(strata_sftp_xfer_get(v.s, &h, &c, &x));
    strata_status st = run_xfer(&v, x, 2);
    assert_status(st, STRATA_E_SFTP_CONNECTION_LOST);
    const char *m = strata_error_message(strata_sftp_xfer_error(x));
    if (!strstr(m, "stream ended") || !strstr(m, "outstanding"))
        fail_msg("message: %s", m);
    assert_true(strata_sftp_xfer_bytes(x) < 8u * 1024 * 1024);
    assert_status(strata_sftp_stat(v.s, "big", NULL, NULL, NULL), STRATA_E_SFTP_CONNECTION_LOST);
    strata_sftp_xfer_free(x);
    close(f.fd);
    stop(&v);
}

#define BOTH(fn)                                                                                   \
    static void fn##_debian(void **st)                                                             \
    {                                                                                              \
        (void)st;                                                                                  \
        if (!have(DEBIAN_SERVER))                                                                  \
            fail_msg("missing %s", DEBIAN_SERVER);                                                 \
        fn(DEBIAN_SERVER);                                                                         \
    }                                                                                              \
    static void fn##_openssh105(void **st)                                                         \
    {                                                                                              \
        (void)st;                                                                                  \
        if (!have(PEER_SERVER))                                                                    \
            fail_msg("missing %s (scripts/peers.sh builds it)", PEER_SERVER);                      \
        fn(PEER_SERVER);                                                                           \
    }

BOTH(version_and_limits)
BOTH(requests)
BOTH(transfers)
BOTH(odd_names)
BOTH(permission)
BOTH(killed)

#define T(fn) cmocka_unit_test(fn##_debian), cmocka_unit_test(fn##_openssh105)

int main(void)
{
    signal(SIGPIPE, SIG_IGN);
    const struct CMUnitTest tests[] = {
        T(version_and_limits), T(requests), T(transfers), T(odd_names), T(permission), T(killed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
