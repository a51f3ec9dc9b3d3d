/* A connection to a command's stdin and stdout (ssh's ProxyCommand, sftp
 * -D and -S): a socketpair whose one end becomes the command's stdin and
 * stdout (its stderr stays ours), started by libuv's spawn (which reaps
 * it), through /bin/sh -c "exec COMMAND" or directly from an argument
 * list; the other end is the connection's pipe handle, and from then on
 * everything is as for TCP. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "base/error_internal.h"
#include "io/conn_internal.h"

static void proc_closed(uv_handle_t *h)
{
    free(h);
}

/* The command ended: its handle goes (the connection sees its end as the
 * socket's). */
static void proc_exit(uv_process_t *p, int64_t status, int sig)
{
    (void)status, (void)sig;
    uv_close((uv_handle_t *)p, proc_closed);
}

/* Up on the next loop turn: the caller pushes its layers first. */
static void command_up_cb(uv_timer_t *t)
{
    strata_io_conn *c = t->data;
    if (c->state == STRATA__IO_CONN_CONNECTING)
        strata__io_conn_up(c);
}

/* Starts args[0] (PATH searched, as execvp) with one end of a socketpair
 * as its stdin and stdout; c's pipe handle gets the other end. Returns a
 * libuv error (0 on success). */
static int spawn_on(strata_io *io, strata_io_conn *c, char **args)
{
    int sv[2] = {-1, -1};
    uv_process_t *proc = calloc(1, sizeof *proc);
    int e = proc ? 0 : UV_ENOMEM;
    if (e == 0 && socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0)
        e = UV_EMFILE;
    if (e == 0) {
        uv_stdio_container_t stdio[3];
        stdio[0].flags = UV_INHERIT_FD;
        stdio[0].data.fd = sv[1];
        stdio[1].flags = UV_INHERIT_FD;
        stdio[1].data.fd = sv[1];
        stdio[2].flags = UV_INHERIT_FD;
        stdio[2].data.fd = STDERR_FILENO;
        uv_process_options_t po;
        memset(&po, 0, sizeof po);
        po.file = args[0];
        po.args = args;
        po.exit_cb = proc_exit;
        po.stdio = stdio;
        po.stdio_count = 3;
        e = uv_spawn(&io->loop, proc, &po);
        if (e == 0)
            proc = NULL; /* the loop's until it exits */
        close(sv[1]);
    }
    if (proc && e != 0 && uv_is_active((uv_handle_t *)proc) == 0 && proc->loop)
        uv_close((uv_handle_t *)proc, proc_closed); /* a failed spawn still needs its close */
    else
        free(proc);
    if (e == 0 && (e = uv_pipe_init(&io->loop, &c->pipe, 0)) == 0) {
        c->tcp_open = 1; /* the socket handle, a pipe here */
        c->pipe.data = c;
        if ((e = uv_pipe_open(&c->pipe, sv[0])) == 0)
            sv[0] = -1; /* the handle's now */
    }
    if (sv[0] >= 0)
        close(sv[0]);
    if (e == 0) {
        c->timer.data = c;
        e = uv_timer_start(&c->timer, command_up_cb, 0, 0);
    }
    return e;
}

strata_status strata_io_connect_command(strata_io *io, const char *command, strata_io_app app,
                                        const strata_io_conn_config *cfg, strata_io_conn **out)
{
    strata_io_conn *c;
    strata_status r = strata__io_conn_new_outgoing(io, command && *command, app, cfg, &c);
    *out = NULL;
    if (r != STRATA_OK)
        return r;
    snprintf(c->target, sizeof(c->target), "command '%.200s'", command);
    snprintf(c->peer, sizeof(c->peer), "ProxyCommand '%.60s'", command);
    c->state = STRATA__IO_CONN_CONNECTING;
    size_t len = strlen(command) + sizeof "exec ";
    char *line = malloc(len);
    int e = UV_ENOMEM;
    if (line) {
        snprintf(line, len, "exec %s", command);
        char *args[] = {"/bin/sh", "-c", line, NULL};
        e = spawn_on(io, c, args);
    }
    free(line);
    if (e != 0) /* reported through on_done, as every later failure is */
        strata__io_conn_fail(c, STRATA_E_IO, "starting %s: %s", c->target, uv_strerror(e));
    *out = c;
    return STRATA_OK;
}

strata_status strata_io_connect_argv(strata_io *io, const char *const *argv, strata_io_app app,
                                     const strata_io_conn_config *cfg, strata_io_conn **out)
{
    strata_io_conn *c;
    size_t n = 0;
    while (argv && argv[n] && n < STRATA_IO_ARGV_MAX)
        n++;
    int usable = argv && n > 0 && n < STRATA_IO_ARGV_MAX && *argv[0];
    strata_status r = strata__io_conn_new_outgoing(io, usable, app, cfg, &c);
    *out = NULL;
    if (r != STRATA_OK)
        return r;
    /* "command 'prog arg ...'" (cut short) names it in errors */
    size_t at = (size_t)snprintf(c->target, sizeof(c->target), "command '%.200s", argv[0]);
    for (size_t i = 1; i < n && at + 2 < sizeof(c->target); i++)
        at += (size_t)snprintf(c->target + at, sizeof(c->target) - at, " %s", argv[i]);
    if (at + 2 >= sizeof(c->target))
        at = sizeof(c->target) - 2;
    snprintf(c->target + at, sizeof(c->target) - at, "'");
    snprintf(c->peer, sizeof(c->peer), "command '%.60s'", argv[0]);
    c->state = STRATA__IO_CONN_CONNECTING;
    /* libuv takes char **; the strings are only read */
    char **args = calloc(n + 1, sizeof(*args));
    int e = UV_ENOMEM;
    if (args) {
        memcpy(args, argv, n * sizeof(*args));
        e = spawn_on(io, c, args);
    }
    free(args);
    if (e != 0)
        strata__io_conn_fail(c, STRATA_E_IO, "starting %s: %s", c->target, uv_strerror(e));
    *out = c;
    return STRATA_OK;
}
