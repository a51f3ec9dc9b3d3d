/* sftp over the io driver: the engine as an app endpoint
 * (strata_io_app_sftp_new) on a TCP connection whose other end runs
 * OpenSSH's sftp-server (the listener binds each accepted connection to an
 * exec endpoint), and on sftp-server's own stdin and stdout
 * (strata_io_connect_argv: what sftp -D does). The client side waits for
 * each reply with strata_io_run_once, as the strata sftp command does. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "testutil.h"

#define SERVER "/usr/lib/openssh/sftp-server"

struct env {
    strata_io *io;
    strata_io_listener *l;
    char dir[64];
    char cmd[160];
    int conn_done;
    strata_status conn_status;
    char conn_msg[STRATA_ERROR_MSG_MAX];
    strata_sftp *s;
    strata_sftp_app *app;
};

static strata_status on_accept(void *user, strata_io_listener *l, strata_io_conn *c)
{
    struct env *e = user;
    strata_io_app app;
    strata_io_listener_close(l);
    e->l = NULL;
    assert_ok(strata_io_app_exec_new(e->io, e->cmd, &app));
    return strata_io_conn_set_app(c, app);
}

static void on_done(void *user, strata_io_conn *c, const strata_error *err)
{
    struct env *e = user;
    (void)c;
    e->conn_done = 1;
    e->conn_status = err->status;
    snprintf(e->conn_msg, sizeof(e->conn_msg), "%s", strata_error_message(err));
}

struct res {
    int done;
    strata_status status;
    strata_sftp_handle h;
    uint64_t size;
};

static void on_reply(void *user, const strata_sftp_reply *r)
{
    struct res *x = user;
    x->done = 1;
    x->status = r->status;
    x->h = r->handle;
    x->size = r->attrs.size;
}

static void turn_until(struct env *e, const int *flag)
{
    int alive = 1;
    for (int i = 0; i < 1000000 && !*flag && alive && !strata_sftp_app_ended(e->app); i++) {
        strata_sftp_app_kick(e->app);
        assert_ok(strata_io_run_once(e->io, &alive));
    }
}

static strata_status sink(void *user, uint64_t off, const uint8_t *p, size_t n)
{
    uint8_t *buf = user;
    memcpy(buf + off, p, n);
    return STRATA_OK;
}

static strata_status source(void *user, uint64_t off, uint8_t *buf, size_t n, size_t *got)
{
    const uint8_t *src = user;
    size_t total = 3u * 1024 * 1024 + 7;
    *got = off >= total ? 0 : (total - off < n ? total - off : n);
    memcpy(buf, src + off, *got);
    return STRATA_OK;
}

static void run_xfer(struct env *e, strata_sftp_xfer *x)
{
    int alive = 1;
    strata_status st = strata_sftp_xfer_pump(x);
    for (int i = 0; i < 1000000 && st == STRATA_WANT_READ && alive; i++) {
        strata_sftp_app_kick(e->app);
        assert_ok(strata_io_run_once(e->io, &alive));
        st = strata_sftp_xfer_pump(x);
    }
    assert_ok(st);
}

static void over_tcp(void **st)
{
    (void)st;
    struct env e;
    strata_error err = {0};
    memset(&e, 0, sizeof(e));
    if (access(SERVER, X_OK) != 0)
        fail_msg("missing %s", SERVER);
    snprintf(e.dir, sizeof(e.dir), "/tmp/strata-sftpio-XXXXXX");
    assert_non_null(mkdtemp(e.dir));
    snprintf(e.cmd, sizeof(e.cmd), "exec %s -d %s 2>/dev/null", SERVER, e.dir);
    assert_ok(strata_io_new(&e.io));
    strata_io_listener_config lc = {on_accept, NULL, &e, NULL, 0};
    assert_ok(strata_io_listen(e.io, "127.0.0.1", 0, &lc, &e.l, &err));
    assert_ok(strata_sftp_new(&e.s));
    strata_io_app app;
    assert_ok(strata_io_app_sftp_new(e.s, &app, &e.app));
    strata_io_conn_config cc = {NULL, 0, on_done, &e};
    strata_io_conn *conn;
    assert_ok(strata_io_connect(e.io, "127.0.0.1", strata_io_listener_port(e.l), app, &cc, &conn));
    int alive = 1;
    for (int i = 0; i < 100000 && strata_sftp_ready(e.s) == STRATA_WANT_READ && alive; i++)
        assert_ok(strata_io_run_once(e.io, &alive));
    assert_ok(strata_sftp_ready(e.s));

    /* put 3 MiB + 7 through the pipeline, stat it, get it back */
    size_t n = 3u * 1024 * 1024 + 7;
    uint8_t *src = malloc(n), *dst = calloc(1, n);
    assert_non_null(src);
    assert_non_null(dst);
    tu_fill(src, n, 42);
    struct res r = {0};
    assert_ok(strata_sftp_open(e.s, "f", STRATA_SFTP_WRITE | STRATA_SFTP_CREAT, NULL, on_reply, &r,
                               NULL));
    turn_until(&e, &r.done);
    assert_ok(r.status);
    strata_sftp_handle h = r.h;
    strata_sftp_xfer *x;
    strata_sftp_xfer_config xc = {.source = source, .user = src};
    assert_ok(strata_sftp_xfer_put(e.s, &h, &xc, &x));
    run_xfer(&e, x);
    assert_int_equal(strata_sftp_xfer_bytes(x), n);
    strata_sftp_xfer_free(x);
    r.done = 0;
    assert_ok(strata_sftp_close(e.s, &h, on_reply, &r, NULL));
    turn_until(&e, &r.done);
    assert_ok(r.status);
    r.done = 0;
    assert_ok(strata_sftp_stat(e.s, "f", on_reply, &r, NULL));
    turn_until(&e, &r.done);
    assert_int_equal(r.size, n);
    r.done = 0;
    assert_ok(strata_sftp_open(e.s, "f", STRATA_SFTP_READ, NULL, on_reply, &r, NULL));
    turn_until(&e, &r.done);
    h = r.h;
    xc = (strata_sftp_xfer_config){.sink = sink, .user = dst};
    assert_ok(strata_sftp_xfer_get(e.s, &h, &xc, &x));
    run_xfer(&e, x);
    assert_int_equal(strata_sftp_xfer_end(x), n);
    strata_sftp_xfer_free(x);
    assert_memory_equal(src, dst, n);

    /* the end: our side finishes, sftp-server exits, the connection ends */
    strata_sftp_app_finish(e.app);
    for (int i = 0; i < 100000 && !e.conn_done && alive; i++)
        assert_ok(strata_io_run_once(e.io, &alive));
    assert_true(e.conn_done);
    assert_true(strata_sftp_app_ended(e.app));
    assert_true(strata_sftp_app_closed(e.app));
    assert_ok(e.conn_status);
    strata_io_free(e.io);
    strata_sftp_app_free(e.app);
    strata_sftp_free(e.s);
    free(src);
    free(dst);
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf %s", e.dir);
    assert_int_equal(system(cmd), 0);
}

/* sftp-server started directly on a socketpair (no shell, no TCP): a mkdir
 * seen on disk, a stat of it, then an orderly end when our side finishes. */
static void over_argv(void **st)
{
    (void)st;
    struct env e;
    memset(&e, 0, sizeof(e));
    if (access(SERVER, X_OK) != 0)
        fail_msg("missing %s", SERVER);
    snprintf(e.dir, sizeof(e.dir), "/tmp/strata-sftpio-XXXXXX");
    assert_non_null(mkdtemp(e.dir));
    assert_ok(strata_io_new(&e.io));
    assert_ok(strata_sftp_new(&e.s));
    strata_io_app app;
    assert_ok(strata_io_app_sftp_new(e.s, &app, &e.app));
    strata_io_conn_config cc = {NULL, 0, on_done, &e};
    strata_io_conn *conn;
    const char *argv[] = {SERVER, "-d", e.dir, NULL};
    assert_ok(strata_io_connect_argv(e.io, argv, app, &cc, &conn));
    int alive = 1;
    for (int i = 0; i < 100000 && strata_sftp_ready(e.s) == STRATA_WANT_READ && alive; i++)
        assert_ok(strata_io_run_once(e.io, &alive));
    assert_ok(strata_sftp_ready(e.s));
    struct res r = {0};
    assert_ok(strata_sftp_mkdir(e.s, "made by argv", NULL, on_reply, &r, NULL));
    turn_until(&e, &r.done);
    assert_ok(r.status);
    char p[128];
    snprintf(p, sizeof(p), "%s/made by argv", e.dir);
    struct stat sb;
    assert_int_equal(stat(p, &sb), 0);
    assert_true(S_ISDIR(sb.st_mode));
    r.done = 0;
    assert_ok(strata_sftp_stat(e.s, "made by argv", on_reply, &r, NULL));
    turn_until(&e, &r.done);
    assert_ok(r.status);
    strata_sftp_app_finish(e.app);
    for (int i = 0; i < 100000 && !e.conn_done && alive; i++)
        assert_ok(strata_io_run_once(e.io, &alive));
    assert_true(e.conn_done);
    assert_ok(e.conn_status);
    strata_io_free(e.io);
    strata_sftp_app_free(e.app);
    strata_sftp_free(e.s);
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf %s", e.dir);
    assert_int_equal(system(cmd), 0);
}

/* No program: E_USAGE at once; a program that is not there: on_done with
 * E_IO naming it. */
static void argv_errors(void **st)
{
    (void)st;
    struct env e;
    memset(&e, 0, sizeof(e));
    assert_ok(strata_io_new(&e.io));
    strata_io_conn *conn;
    strata_io_app app;
    const char *none[] = {NULL}, *empty[] = {"", NULL};
    const char *const *bad[] = {NULL, none, empty};
    for (int i = 0; i < 3; i++) {
        assert_ok(strata_sftp_new(&e.s));
        assert_ok(strata_io_app_sftp_new(e.s, &app, &e.app));
        assert_status(strata_io_connect_argv(e.io, bad[i], app, NULL, &conn), STRATA_E_USAGE);
        assert_null(conn);
        strata_sftp_app_free(e.app);
        strata_sftp_free(e.s);
    }
    assert_ok(strata_sftp_new(&e.s));
    assert_ok(strata_io_app_sftp_new(e.s, &app, &e.app));
    strata_io_conn_config cc = {NULL, 0, on_done, &e};
    const char *missing[] = {"/nonexistent/sftp-server", "-e", NULL};
    assert_ok(strata_io_connect_argv(e.io, missing, app, &cc, &conn));
    int alive = 1;
    for (int i = 0; i < 100000 && !e.conn_done && alive; i++)
        assert_ok(strata_io_run_once(e.io, &alive));
    assert_true(e.conn_done);
    assert_status(e.conn_status, STRATA_E_IO);
    assert_string_equal(e.conn_msg,
                        "starting command '/nonexistent/sftp-server -e': no such file or "
                        "directory");
    strata_io_free(e.io);
    strata_sftp_app_free(e.app);
    strata_sftp_free(e.s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(over_tcp), cmocka_unit_test(over_argv),
                                       cmocka_unit_test(argv_errors)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
