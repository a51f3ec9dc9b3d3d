/* The exec endpoint: a child process (`/bin/sh -c COMMAND`) with the
 * connection on its stdin and stdout.
 *
 * The child is started once the connection is up and every layer on its
 * stack has finished its handshake (so it never runs for a client that fails
 * one), with the connection's details in its environment (exec_env.c). Its
 * stdout feeds the stack;
 * the stack's output goes to its stdin, and the end of the stream closes its
 * stdin. A child that stops reading its stdin (EPIPE) is not an error: what
 * else comes for it is dropped, as inetd does. When the endpoint is closed, a
 * child still running gets SIGTERM, and SIGKILL 3 s later; the close completes
 * once the child is reaped.
 */
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "base/error_internal.h"
#include "io/conn_internal.h"
#include "io/duplex.h"
#include "strata/log.h"

#define EXEC_KILL_AFTER_MS 3000

struct exec_app {
    struct strata__io_duplex d; /* first: see duplex.h */
    char *command;
    uv_process_t proc;
    int proc_open; /* initialized and not yet closed */
    int exited;
    int waiting; /* closing holds until the child is reaped */
    uv_timer_t kill_timer;
    int timer_open;
    int spawned; /* the child was started (or its start failed) */
};

static void exec_free(struct strata__io_duplex *d)
{
    struct exec_app *a = (struct exec_app *)d;
    free(a->command);
    free(a);
}

static void handle_released(uv_handle_t *h)
{
    strata__io_duplex_release(h->data);
}

static void close_own(struct exec_app *a, uv_handle_t *h, int *open)
{
    if (!*open)
        return;
    *open = 0;
    h->data = &a->d;
    a->d.pending++;
    uv_close(h, handle_released);
}

static void exited_cb(uv_process_t *p, int64_t status, int sig)
{
    struct exec_app *a = p->data;
    a->exited = 1;
    if (sig)
        strata_log(STRATA_LOG_INFO, "io", "command '%s' ended by signal %d", a->command, sig);
    else
        strata_log(STRATA_LOG_INFO, "io", "command '%s' exited with status %lld", a->command,
                   (long long)status);
    if (a->waiting) {
        a->waiting = 0;
        close_own(a, (uv_handle_t *)&a->kill_timer, &a->timer_open);
        close_own(a, (uv_handle_t *)&a->proc, &a->proc_open);
        strata__io_duplex_release(&a->d); /* the hold of exec_on_close */
    }
}

static void kill_cb(uv_timer_t *t)
{
    struct exec_app *a = t->data;
    if (!a->exited)
        (void)uv_process_kill(&a->proc, SIGKILL);
}

static void exec_on_close(struct strata__io_duplex *d)
{
    struct exec_app *a = (struct exec_app *)d;
    if (a->proc_open && !a->exited) {
        /* Hold the close until the child is reaped: exited_cb closes the
         * handles and releases the hold. */
        a->waiting = 1;
        a->d.pending++;
        (void)uv_process_kill(&a->proc, SIGTERM);
        if (a->timer_open)
            (void)uv_timer_start(&a->kill_timer, kill_cb, EXEC_KILL_AFTER_MS, 0);
        return;
    }
    close_own(a, (uv_handle_t *)&a->kill_timer, &a->timer_open);
    close_own(a, (uv_handle_t *)&a->proc, &a->proc_open);
}

static strata_status exec_start(void *self, strata_io_conn *c)
{
    struct exec_app *a = self;
    struct strata__io_duplex *d = &a->d;
    int e;
    d->conn = c;
    if ((e = uv_timer_init(d->loop, &a->kill_timer)) != 0)
        return strata__io_uv_error(&d->err, STRATA_E_IO, e, "exec");
    a->kill_timer.data = a;
    a->timer_open = 1;
    return STRATA_OK; /* the child starts once every layer is up (spawn_when_up) */
}

static int layers_up(strata_io_conn *c)
{
    strata_stack *st = strata_io_conn_stack(c);
    for (size_t i = 0; i < strata_stack_depth(st); i++) {
        const strata_layer *l = strata_stack_layer(st, i);
        if (!(l->ops->state(l->self) & STRATA_LAYER_UP))
            return 0;
    }
    return 1;
}

static strata_status spawn(struct exec_app *a)
{
    struct strata__io_duplex *d = &a->d;
    int e;
    a->spawned = 1;
    if ((e = uv_pipe_init(d->loop, &d->hin.pipe, 0)) != 0)
        return strata__io_uv_error(&d->err, STRATA_E_IO, e, "exec");
    d->hin_open = 1;
    if ((e = uv_pipe_init(d->loop, &d->hout.pipe, 0)) != 0)
        return strata__io_uv_error(&d->err, STRATA_E_IO, e, "exec");
    d->hout_open = 1;
    char **env = strata__io_exec_env(d->conn);
    if (!env)
        return strata__error_set(&d->err, STRATA_E_NOMEM, "exec: out of memory");
    char *args[] = {"/bin/sh", "-c", a->command, NULL};
    uv_stdio_container_t stdio[3];
    /* The child reads what we write into hout and writes what we read from hin. */
    stdio[0].flags = UV_CREATE_PIPE | UV_READABLE_PIPE;
    stdio[0].data.stream = &d->hout.stream;
    stdio[1].flags = UV_CREATE_PIPE | UV_WRITABLE_PIPE;
    stdio[1].data.stream = &d->hin.stream;
    stdio[2].flags = UV_INHERIT_FD;
    stdio[2].data.fd = 2;
    uv_process_options_t opt;
    memset(&opt, 0, sizeof(opt));
    opt.exit_cb = exited_cb;
    opt.file = args[0];
    opt.args = args;
    opt.env = env;
    opt.stdio = stdio;
    opt.stdio_count = 3;
    a->proc.data = a;
    e = uv_spawn(d->loop, &a->proc, &opt);
    strata__io_exec_env_free(env);
    a->proc_open = 1; /* uv_spawn initializes the handle even when it fails */
    if (e != 0) {
        a->exited = 1;
        return strata__error_set(&d->err, STRATA_E_IO, "running '%s': %s", a->command,
                                 uv_strerror(e));
    }
    strata_log(STRATA_LOG_DEBUG, "io", "started '%s' (pid %d)", a->command, a->proc.pid);
    strata__io_duplex_set_streams(d, &d->hin.stream, &d->hout.stream);
    d->wr.drop_on_epipe = 1;
    return strata__io_rd_start(&d->rd);
}

/* 1 once the child runs; 0 while a layer is still in its handshake. */
static int spawn_when_up(struct exec_app *a)
{
    if (a->spawned)
        return 1;
    if (!a->d.conn || !layers_up(a->d.conn))
        return 0;
    (void)spawn(a); /* a failure is in d.err, which the connection reads */
    return 1;
}

static const uint8_t *exec_in(void *self, size_t *n, strata_status *st)
{
    struct exec_app *a = self;
    if (!spawn_when_up(a)) {
        *n = 0;
        *st = STRATA_OK;
        return NULL;
    }
    return strata__io_duplex_in(self, n, st);
}

static strata_status exec_out(void *self, const uint8_t *p, size_t n, size_t *used)
{
    struct exec_app *a = self;
    if (!spawn_when_up(a)) {
        *used = 0;
        return STRATA_OK;
    }
    return strata__io_duplex_out(self, p, n, used);
}

static strata_status exec_out_eof(void *self)
{
    struct exec_app *a = self;
    if (!a->spawned) {
        a->spawned = 1; /* the client left before every layer was up: no child */
        a->exited = 1;
        a->d.out_closed = 1;
        return STRATA_OK;
    }
    return strata__io_duplex_out_eof(self);
}

static const struct strata_io_app_ops exec_ops = {
    "exec",
    exec_start,
    exec_in,
    strata__io_duplex_in_ack,
    exec_out,
    exec_out_eof,
    strata__io_duplex_out_done,
    strata__io_duplex_error,
    strata__io_duplex_close,
    strata__io_duplex_out_flushed,
};

strata_status strata_io_app_exec_new(strata_io *io, const char *command, strata_io_app *out)
{
    strata_status r;
    memset(out, 0, sizeof(*out));
    if (!command || !*command)
        return STRATA_E_USAGE;
    struct exec_app *a = calloc(1, sizeof(*a));
    if (!a)
        return STRATA_E_NOMEM;
    a->d.on_close = exec_on_close;
    a->d.free_self = exec_free;
    if (!(a->command = strdup(command))) {
        free(a);
        return STRATA_E_NOMEM;
    }
    if ((r = strata__io_duplex_init(&a->d, &io->loop, -1, -1, "reading the command's output",
                                    "writing to the command's input")) != STRATA_OK) {
        strata__io_duplex_close(&a->d, NULL, NULL);
        return r;
    }
    out->ops = &exec_ops;
    out->self = a;
    return STRATA_OK;
}
