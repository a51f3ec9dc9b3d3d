/* strata ssh's connection sharing: see ssh_mux_cli.h. As OpenSSH:
 * - ControlMaster no/auto/autoask with a ControlPath: a live master there
 *   runs the session (the descriptors are handed over); for auto, a socket
 *   nobody listens on is removed and this process becomes the master;
 * - ControlMaster yes/auto (-M): this process listens on ControlPath once
 *   authenticated; without ControlPersist the master (and the sessions it
 *   shares) ends with its own session;
 * - ControlPersist yes/N: the master goes to the background (a child that
 *   keeps the connection, with no session of its own, until -O exit or N
 *   seconds without a session) and this process runs its session through
 *   it, as OpenSSH's ssh does after authenticating.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"
#include "ssh_mux_cli.h"
#include "ssh_tty.h"
#include "strata/ssh_mux.h"

static struct {
    int master_flag;     /* -M count */
    const char *socket;  /* -S */
    const char *command; /* -O */
    char path[STRATA_SSH_MUX_PATH_MAX + 1];
    int be_master;    /* listen once authenticated */
    uint32_t persist; /* for the master */
    strata_ssh_mux_master *master;
    strata_io *io;
    void (*next_ready)(void *user, strata_ssh_client *c);
    strata_io_conn *conn;
    int ready_fd; /* persist child: tells the parent it listens */
    int terminated;
} mx = {.ready_fd = -1};

int ssh_mux_option(int ch, const char *arg)
{
    switch (ch) {
    case 'M':
        mx.master_flag++;
        return 1;
    case 'S':
        mx.socket = arg;
        return 1;
    case 'O':
        if (strcmp(arg, "check") && strcmp(arg, "exit") && strcmp(arg, "stop")) {
            cli_err("Invalid multiplex command.");
            return -1;
        }
        mx.command = arg;
        return 1;
    default:
        return 0;
    }
}

static void tty_fail(void *user)
{
    (void)user;
    ssh_tty_restore();
}

static volatile pid_t master_pid;

static void relay_winch(int sig)
{
    if (master_pid > 1)
        kill(master_pid, sig);
}

/* A session through the master on fd. */
static int client_session(int fd, const struct ssh_mux_run *run)
{
    strata_error err = {0};
    strata_ssh_mux_session_args a;
    int status = 255;
    memset(&a, 0, sizeof a);
    a.command = run->command;
    a.subsystem = run->subsystem;
    a.want_tty = run->want_tty;
    a.fd_in = run->no_command ? -1 : 0;
    a.fd_out = 1;
    a.fd_err = 2;
    int devnull = -1;
    if (run->no_command && (devnull = open("/dev/null", O_RDONLY | O_CLOEXEC)) >= 0)
        a.fd_in = devnull;
    if (run->want_tty) {
        /* As OpenSSH's client: a new terminal size goes to the master
         * (SIGWINCH), which reads it from our terminal. */
        uint32_t pid;
        if (strata_ssh_mux_check(fd, &pid, &err) == STRATA_OK && pid > 1) {
            master_pid = (pid_t)pid;
            signal(SIGWINCH, relay_winch);
        }
        strata_error_clear(&err);
        ssh_tty_raw();
    }
    strata_status r = strata_ssh_mux_session(fd, &a, &status, tty_fail, NULL, &err);
    ssh_tty_restore();
    if (devnull >= 0)
        close(devnull);
    close(fd);
    if (r != STRATA_OK) {
        char buf[STRATA_ERROR_MSG_MAX * 2];
        cli_err("%s", strata_error_format(&err, buf, sizeof buf));
        return 255;
    }
    return status;
}

static int control_command(void)
{
    strata_error err = {0};
    char buf[STRATA_ERROR_MSG_MAX * 2];
    int fd, e;
    uint32_t pid;
    if (!mx.path[0]) {
        cli_err("No ControlPath specified for \"-O\" command");
        return 255;
    }
    if (strata_ssh_mux_connect(mx.path, &fd, &e, &err) != STRATA_OK) {
        cli_err("%s", strata_error_format(&err, buf, sizeof buf));
        return 255;
    }
    strata_status r;
    if (!strcmp(mx.command, "check")) {
        if ((r = strata_ssh_mux_check(fd, &pid, &err)) == STRATA_OK)
            fprintf(stderr, "Master running (pid=%u)\r\n", pid);
    } else {
        int stop = !strcmp(mx.command, "stop");
        if ((r = strata_ssh_mux_command(fd, stop, &err)) == STRATA_OK)
            fprintf(stderr, stop ? "Stop listening request sent.\r\n" : "Exit request sent.\r\n");
    }
    close(fd);
    if (r != STRATA_OK) {
        cli_err("%s", strata_error_format(&err, buf, sizeof buf));
        return 255;
    }
    return 0;
}

/* ---- the master ------------------------------------------------------------------ */

static void on_terminate(void *user, const char *why)
{
    (void)user;
    mx.terminated = 1;
    if (mx.conn)
        strata_io_conn_abort(mx.conn, STRATA_E_SSH_DISCONNECT, why);
}

static void master_ready(strata_ssh_client *client);

/* Listens on ControlPath: once authenticated, as OpenSSH (a client that
 * came earlier would find a master that cannot serve it yet). */
static void make_master(void)
{
    strata_ssh_mux_master_config mc = {mx.path, mx.persist, on_terminate, NULL};
    strata_error err = {0};
    char buf[STRATA_ERROR_MSG_MAX * 2];
    if (strata_ssh_mux_master_new(mx.io, &mc, &mx.master, &err) != STRATA_OK)
        cli_err("%s", strata_error_format(&err, buf, sizeof buf)); /* as OpenSSH: go on */
}

static void on_ready(void *user, strata_ssh_client *client)
{
    master_ready(client);
    if (mx.next_ready)
        mx.next_ready(user, client);
}

static void master_ready(strata_ssh_client *client)
{
    if (mx.be_master && !mx.master)
        make_master();
    if (!mx.master) {
        if (mx.ready_fd >= 0) { /* the persist child could not listen: it ends */
            close(mx.ready_fd);
            mx.ready_fd = -1;
            on_terminate(NULL, "no control socket");
        }
        return;
    }
    strata_ssh_mux_master_start(mx.master, mx.conn, client);
    if (mx.ready_fd >= 0) {
        /* The persist child: the parent may connect now; this process
         * leaves the terminal. */
        char one = 1;
        if (write(mx.ready_fd, &one, 1) != 1) {
            /* the parent is gone: serve whoever comes */
        }
        close(mx.ready_fd);
        mx.ready_fd = -1;
        int fd = open("/dev/null", O_RDWR | O_CLOEXEC);
        if (fd >= 0) {
            dup2(fd, 0);
            dup2(fd, 1);
            dup2(fd, 2);
            close(fd);
        }
        (void)setsid();
        strata_ssh_mux_master_own_done(mx.master); /* it has no session of its own */
    }
}

void ssh_mux_layer(strata_ssh_layer_config *lc)
{
    if (!mx.be_master)
        return;
    mx.next_ready = lc->on_ready; /* -f's: going to the background comes after */
    lc->on_ready = on_ready;
}

void ssh_mux_connected(strata_io *io, strata_io_conn *conn)
{
    mx.conn = conn;
    mx.io = io;
}

void ssh_mux_done(void)
{
    mx.conn = NULL;
    strata_ssh_mux_master_stop(mx.master);
}

static void child_done(void *user, strata_io_conn *c, const strata_error *err)
{
    (void)user, (void)c;
    if (err->status != STRATA_OK && mx.ready_fd >= 0) {
        /* Before it detached: the user still sees stderr (the parent
         * exits 255 when the pipe closes without a byte). */
        char buf[STRATA_ERROR_MSG_MAX * 2];
        cli_err("%s", strata_error_format(err, buf, sizeof buf));
    }
    ssh_mux_done();
}

void ssh_mux_free(void)
{
    strata_ssh_mux_master_free(mx.master);
    mx.master = NULL;
}

/* The persist child's app endpoint side: nothing flows above an SSH
 * connection without a channel; an echo endpoint never ends its input. */
static int persist_child(strata_io *io, strata_ssh_session *ss, strata_ssh_forward *fwd)
{
    strata_error err = {0};
    char buf[STRATA_ERROR_MSG_MAX * 2];
    strata_io_app app;
    strata_ssh_layer_config lc;
    strata_io_conn *conn;
    void *target;
    if (strata_io_after_fork(io) != STRATA_OK || strata_io_app_echo_new(&app) != STRATA_OK) {
        cli_err("ControlPersist: cannot start the background master");
        return 255;
    }
    memset(&lc, 0, sizeof lc);
    lc.no_channel = 1;
    lc.on_ready = on_ready;
    strata_io_conn_config cc = {NULL, 0, child_done, NULL};
    if (strata_ssh_session_connect(ss, io, &lc, fwd, app, &cc, &conn, &target, &err) != STRATA_OK) {
        cli_err("%s", strata_error_format(&err, buf, sizeof buf));
        return 255;
    }
    ssh_mux_connected(io, conn);
    if (strata_io_run(io) != STRATA_OK || !mx.master)
        return 255;
    return 0;
}

/* Forks the ControlPersist master; the parent waits until it listens and
 * runs its session through it. */
static int persist(strata_io *io, strata_ssh_session *ss, strata_ssh_forward *fwd,
                   const struct ssh_mux_run *run)
{
    int p[2];
    if (pipe(p) != 0) {
        cli_err("ControlPersist: pipe: %s", strerror(errno));
        return 255;
    }
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        cli_err("ControlPersist: fork: %s", strerror(errno));
        return 255;
    }
    if (pid == 0) {
        close(p[0]);
        mx.ready_fd = p[1];
        int rc = persist_child(io, ss, fwd);
        _exit(rc); /* the parent owns what was inherited (io, the session) */
    }
    close(p[1]);
    char one = 0;
    ssize_t g;
    while ((g = read(p[0], &one, 1)) < 0 && errno == EINTR)
        ;
    close(p[0]);
    if (g != 1) {
        int st;
        (void)waitpid(pid, &st, 0); /* it failed and said why */
        return 255;
    }
    strata_error err = {0};
    char buf[STRATA_ERROR_MSG_MAX * 2];
    int fd, e;
    if (strata_ssh_mux_connect(mx.path, &fd, &e, &err) != STRATA_OK) {
        cli_err("Failed to connect to new control master: %s",
                strata_error_format(&err, buf, sizeof buf));
        return 255;
    }
    if (run->no_command) {
        close(fd);
        return 0; /* -N: the master is up; nothing to run */
    }
    return client_session(fd, run);
}

int ssh_mux_prepare(strata_io *io, strata_ssh_session *ss, strata_ssh_forward *fwd,
                    const struct ssh_mux_run *run)
{
    const strata_ssh_config *cfg = strata_ssh_session_config(ss);
    const char *templ = mx.socket ? mx.socket : cfg->control_path;
    int mode = mx.master_flag == 1        ? STRATA_SSHC_MASTER_YES
               : mx.master_flag > 1       ? STRATA_SSHC_MASTER_ASK
               : cfg->control_master >= 0 ? cfg->control_master
                                          : STRATA_SSHC_MASTER_NO;
    /* ask / autoask would confirm each use through ssh-askpass: strata has
     * none, so they act as yes / auto. */
    if (mode == STRATA_SSHC_MASTER_ASK)
        mode = STRATA_SSHC_MASTER_YES;
    if (mode == STRATA_SSHC_MASTER_AUTO_ASK)
        mode = STRATA_SSHC_MASTER_AUTO;
    mx.path[0] = 0;
    if (templ && strcmp(templ, "none") != 0) {
        strata_error err = {0};
        char buf[STRATA_ERROR_MSG_MAX * 2];
        if (strata_ssh_mux_path(templ, cfg, run->dest, mx.path, sizeof mx.path, &err) !=
            STRATA_OK) {
            cli_err("%s", strata_error_format(&err, buf, sizeof buf));
            return 255;
        }
    }
    if (mx.command)
        return control_command();
    if (!mx.path[0])
        return -1;
    if (mode != STRATA_SSHC_MASTER_YES) {
        strata_error err = {0};
        int fd, e;
        if (strata_ssh_mux_connect(mx.path, &fd, &e, &err) == STRATA_OK)
            return client_session(fd, run);
        if (e == ECONNREFUSED && mode == STRATA_SSHC_MASTER_AUTO) {
            /* A socket nobody listens on: a master that died. */
            if (cli_verbosity() > 0)
                fprintf(stderr, "debug1: removing stale control socket %s\r\n", mx.path);
            (void)unlink(mx.path);
        }
        if (mode == STRATA_SSHC_MASTER_NO)
            return -1;
    }
    mx.be_master = 1;
    if (cfg->control_persist == 1) {
        mx.persist =
            cfg->control_persist_seconds > 0 ? (uint32_t)cfg->control_persist_seconds : UINT32_MAX;
        return persist(io, ss, fwd, run);
    }
    return -1;
}
