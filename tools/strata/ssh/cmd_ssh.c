/* strata ssh: an OpenSSH-compatible client command.
 *
 * The connection is a stack on one TCP connection of the io driver: one SSH
 * layer per jump host (each a direct-tcpip channel to the next hop), then
 * the destination's SSH layer whose channel is the session. stdin/stdout are
 * the stack's application face; the session's stderr goes to fd 2. Exit
 * status: the remote command's, 255 on connection or authentication failure
 * (as OpenSSH's ssh).
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include "cli.h"
#include "ssh_dump.h"
#include "ssh_forward.h"
#include "ssh_hop.h"
#include "ssh_tty.h"
#include "strata/io.h"

#define SSH_EXIT_FAIL 255
#define JUMPS_MAX 8

static void help(FILE *f)
{
    fprintf(
        f, "usage: strata ssh [-p PORT] [-l USER] [-i KEY]... [-o Option=value]... [-F CONFIG]\n"
           "                  [-L [bind:]port:host:hostport]... [-R [bind:]port:host:hostport]...\n"
           "                  [-J [user@]host[:port][,...]] [-N] [-n] [-s] [-T|-t] [-C] [-q] [-v]\n"
           "                  [-c ciphers] [-m macs] [-G] DESTINATION [COMMAND...]\n"
           "       strata ssh -Q kex|cipher|cipher-auth|mac|key|key-plain|key-cert|key-sig|sig\n\n"
           "DESTINATION is [user@]host or ssh://[user@]host[:port]; options may also follow\n"
           "it, up to COMMAND (\"--\" ends them). -G prints the resolved configuration and\n"
           "exits; -Q lists the algorithms strata supports. Options come from the\n"
           "command line, then -F CONFIG (default ~/.ssh/config) Host blocks; the first\n"
           "value given for an option wins. The exit status is the remote command's, or\n"
           "255 when the connection or authentication fails.\n");
}

/* ---- the session ------------------------------------------------------------- */

struct session {
    strata_io_app inner; /* stdin/stdout */
    strata_io_conn *conn;
    int ended, have_status, signalled;
    uint32_t status;
    char signal[40];
    strata_error err;
    int done;
    void *target_layer;
    int escape_state; /* ~. detection: 0 after newline, 1 after "~", 2 other */
    int escape, escaped;
    int no_input;   /* -N: stdin is not read */
    int null_stdin; /* -n: stdin is /dev/null (the remote side sees EOF at once) */
    struct ssh_fwd fwd;
};

static strata_status w_start(void *self, strata_io_conn *c)
{
    struct session *s = self;
    s->conn = c;
    return s->inner.ops->start(s->inner.self, c);
}

/* stdin; ends once the session has ended (the remote side closed). With an
 * escape character (pty sessions), "~." after a newline closes the session. */
static const uint8_t *w_in(void *self, size_t *n, strata_status *st)
{
    struct session *s = self;
    if (s->ended || s->no_input || s->null_stdin) {
        *n = 0;
        *st = s->ended || s->null_stdin ? STRATA_CLOSED : STRATA_OK;
        return NULL;
    }
    const uint8_t *p = s->inner.ops->in(s->inner.self, n, st);
    struct winsize ws;
    strata_ssh_channel *ch;
    if (s->escape && ssh_tty_winch_taken() &&
        (ch = strata_ssh_layer_channel(s->target_layer)) != NULL &&
        ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) == 0) {
        if (strata_ssh_channel_window_change(ch, ws.ws_col, ws.ws_row, ws.ws_xpixel,
                                             ws.ws_ypixel) == STRATA_OK &&
            s->conn)
            strata_io_conn_kick(s->conn);
    }
    if (s->escape && *n) {
        for (size_t i = 0; i < *n; i++) {
            if (s->escape_state == 1 && p[i] == '.') {
                fprintf(stderr, "Connection to host closed.\r\n");
                s->escaped = 1;
                if (strata_ssh_layer_close(s->target_layer, NULL) != STRATA_OK)
                    s->ended = 1;
                *n = i > 1 ? i - 1 : 0;
                return p;
            }
            s->escape_state = (p[i] == '\r' || p[i] == '\n')          ? 0
                              : (s->escape_state == 0 && p[i] == '~') ? 1
                                                                      : 2;
        }
    }
    return p;
}

static void w_in_ack(void *self, size_t n)
{
    struct session *s = self;
    s->inner.ops->in_ack(s->inner.self, n);
}

static strata_status w_out(void *self, const uint8_t *p, size_t n, size_t *used)
{
    struct session *s = self;
    return s->inner.ops->out(s->inner.self, p, n, used);
}

static strata_status w_out_eof(void *self)
{
    struct session *s = self;
    return s->inner.ops->out_eof(s->inner.self);
}

static int w_out_done(const void *self)
{
    const struct session *s = self;
    return s->inner.ops->out_done(s->inner.self);
}

static const strata_error *w_error(const void *self)
{
    const struct session *s = self;
    return s->inner.ops->error(s->inner.self);
}

static void w_close(void *self, void (*done)(void *arg), void *arg)
{
    struct session *s = self;
    s->inner.ops->close(s->inner.self, done, arg); /* s itself lives in run() */
}

static int w_out_flushed(const void *self)
{
    const struct session *s = self;
    return !s->inner.ops->out_flushed || s->inner.ops->out_flushed(s->inner.self);
}

static const struct strata_io_app_ops session_ops = {
    "ssh-session", w_start,    w_in,    w_in_ack, w_out,
    w_out_eof,     w_out_done, w_error, w_close,  w_out_flushed,
};

static void on_stderr(void *user, const uint8_t *p, size_t n)
{
    (void)user;
    while (n) {
        ssize_t w = write(STDERR_FILENO, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return;
        p += w;
        n -= (size_t)w;
    }
}

static void on_exit_status(void *user, int have, uint32_t status, const char *sig, const char *msg)
{
    struct session *s = user;
    s->have_status = have;
    s->status = status;
    if (sig) {
        s->signalled = 1;
        snprintf(s->signal, sizeof s->signal, "%s", sig);
        (void)msg;
    }
    s->ended = 1;
    if (s->conn)
        strata_io_conn_kick(s->conn);
}

/* ServerAliveInterval: a keepalive@openssh.com request to the destination
 * every interval; after SSH_ALIVE_COUNT_MAX unanswered (ServerAliveCountMax's
 * default) the connection ends, as OpenSSH's does. */
#define SSH_ALIVE_COUNT_MAX 3
static struct {
    strata_io_timer *timer;
    strata_ssh_client *client; /* once authenticated, until the connection ends */
    strata_io_conn *conn;
    const char *host;
} alive;

/* SIGWINCH through the loop: the new size goes out at once (the session's
 * input step sends it), not with the next keystroke. */
static strata_io_signal *winch_watch;
static void on_winch(void *arg)
{
    strata_io_conn *conn = arg;
    ssh_tty_winch_mark();
    if (alive.conn)
        strata_io_conn_kick(conn);
}

static void alive_tick(void *arg)
{
    (void)arg;
    if (!alive.client || !alive.conn)
        return;
    strata_ssh_conn *sc = strata_ssh_client_conn(alive.client);
    if (!sc)
        return;
    if (strata_ssh_conn_keepalives_unanswered(sc) >= SSH_ALIVE_COUNT_MAX) {
        char msg[300];
        snprintf(msg, sizeof msg, "Timeout, server %s not responding.", alive.host);
        strata_io_conn_abort(alive.conn, STRATA_E_TIMEOUT, msg);
        return;
    }
    if (strata_ssh_conn_keepalive(sc) == STRATA_OK)
        strata_io_conn_kick(alive.conn);
}

/* The transport of layer i when it is an SSH hop, else NULL. */
static strata_ssh_transport *hop_transport(strata_stack *st, size_t i)
{
    const strata_layer *l = strata_stack_layer(st, i);
    strata_ssh_client *c = strata_ssh_layer_is(l) ? strata_ssh_layer_client(l->self) : NULL;
    return c ? strata_ssh_client_transport(c) : NULL;
}

/* ConnectTimeout covers the SSH handshake too, not only the TCP connect (the
 * io connection's own timer): a server that accepts and stays silent ends
 * with OpenSSH's "Connection timed out during banner exchange", one that
 * stalls its key exchange with "... during key exchange". The deadline runs
 * from the start; a hop meets it once the server's host key is in (what
 * follows may wait for the user, at the host key prompt). */
static strata_io_timer *handshake_timer;
static void handshake_deadline(void *arg)
{
    (void)arg;
    strata_io_timer_stop(handshake_timer);
    handshake_timer = NULL;
    if (!alive.conn)
        return;
    strata_stack *st = strata_io_conn_stack(alive.conn);
    for (size_t i = 0; i < strata_stack_depth(st); i++) {
        const strata_ssh_transport *t = hop_transport(st, i);
        size_t hk_len;
        if (t && strata_ssh_transport_kex_count(t) == 0 &&
            !strata_ssh_transport_hostkey(t, &hk_len)) {
            strata_io_conn_abort(alive.conn, STRATA_E_TIMEOUT,
                                 strata_ssh_transport_server_version(t)
                                     ? "Connection timed out during key exchange"
                                     : "Connection timed out during banner exchange");
            return;
        }
    }
}

static void on_done(void *user, strata_io_conn *c, const strata_error *err)
{
    struct session *s = user;
    (void)c;
    strata_io_timer_stop(alive.timer);
    alive.timer = NULL;
    strata_io_timer_stop(handshake_timer);
    handshake_timer = NULL;
    strata_io_signal_stop(winch_watch);
    winch_watch = NULL;
    alive.client = NULL;
    alive.conn = NULL;
    strata_error_copy(&s->err, err);
    s->done = 1;
    ssh_fwd_stop(&s->fwd); /* before the stack, and the client in it, are freed */
}

static void on_ready(void *user, strata_ssh_client *client)
{
    struct session *s = user;
    alive.client = client;
    ssh_fwd_start(&s->fwd, client);
}

/* ---- options ------------------------------------------------------------------ */

struct ssh_cmd {
    struct ssh_hop_args args;
    struct ssh_fwd *fwd;
    const char *jump;
    int no_command, tty_force, tty_never, null_stdin, subsystem;
    char *command;
    uint64_t timeout_ms;
};

static char *join(int argc, char **argv)
{
    size_t len = 1;
    for (int i = 0; i < argc; i++)
        len += strlen(argv[i]) + 1;
    char *s = calloc(1, len);
    for (int i = 0; s && i < argc; i++) {
        if (i)
            strcat(s, " ");
        strcat(s, argv[i]);
    }
    return s;
}

/* The option letters that take an argument (getopt's string below). */
#define SSH_OPTS_WITH_ARG "plioFLRJcmEQ"

/* --help among the options before the destination or the command (what
 * follows them is the remote command's). */
static int help_asked(int argc, char **argv)
{
    for (int i = 1; i < argc && argv[i][0] == '-' && argv[i][1]; i++) {
        if (!strcmp(argv[i], "--help"))
            return 1;
        if (!strcmp(argv[i], "--"))
            break;
        size_t len = strlen(argv[i]);
        if (len == 2 && strchr(SSH_OPTS_WITH_ARG, argv[i][1]))
            i++; /* "-p 22": the value is the next word */
    }
    return 0;
}

/* As OpenSSH's ssh: options, the destination, then options again until the
 * command begins ("strata ssh host -p 2222 cmd" uses port 2222); a "--"
 * ends the options and is dropped. */
static int parse(int argc, char **argv, struct ssh_cmd *c, const char **dest)
{
    int ch, base = 0, dump = 0;
    const char *query = NULL;
    *dest = NULL;
    opterr = 0;
again:
    if (help_asked(argc - base, argv + base)) {
        help(stdout);
        return -1;
    }
    optind = 0; /* glibc: start over on the new argument vector */
    while ((ch = getopt(argc - base, argv + base, "+p:l:i:o:F:L:R:J:NTtCqvc:m:hE:nxasGQ:")) !=
           -1) {
        switch (ch) {
        case 'p': {
            char *e;
            long p = strtol(optarg, &e, 10);
            if (*e || p < 1 || p > 65535) {
                cli_err("Bad port '%s'", optarg);
                return CLI_USAGE;
            }
            c->args.port = (int)p;
            break;
        }
        case 'l':
            c->args.user = optarg;
            break;
        case 'i':
            if (c->args.n_identity < SSH_HOP_KEYS_MAX)
                c->args.identity[c->args.n_identity++] = optarg;
            break;
        case 'o':
            if (c->args.n_opts < SSH_HOP_OPTS_MAX)
                c->args.opts[c->args.n_opts++] = optarg;
            break;
        case 'F':
            c->args.config_file = optarg;
            break;
        case 'J':
            c->jump = optarg;
            break;
        case 'N':
            c->no_command = 1;
            break;
        case 'n':
            c->null_stdin = 1;
            break;
        case 's': /* COMMAND is a subsystem name (sftp ...) */
            c->subsystem = 1;
            break;
        case 'x': /* no X11 forwarding: strata never forwards X11 */
        case 'a': /* no agent forwarding: strata never forwards the agent */
            break;
        case 'T':
            c->tty_never = 1;
            break;
        case 't':
            c->tty_force++; /* -tt: a pty even when stdin is not a terminal */
            break;
        case 'C':
            c->args.compression = 1;
            break;
        case 'q':
            c->args.quiet = 1;
            break;
        case 'v':
            c->args.verbose++;
            break;
        case 'c':
            c->args.ciphers = optarg;
            break;
        case 'm':
            c->args.macs = optarg;
            break;
        case 'h':
            help(stdout);
            return -1;
        case 'G': /* print the resolved configuration */
            dump = 1;
            break;
        case 'Q': /* list supported algorithms */
            query = optarg;
            break;
        case 'L':
        case 'R': {
            struct ssh_fwd *f = c->fwd;
            size_t *n = ch == 'L' ? &f->n_local : &f->n_remote;
            struct ssh_fwd_spec *spec = ch == 'L' ? &f->local[*n] : &f->remote[*n];
            if (*n == SSH_FWD_MAX || ssh_fwd_parse(optarg, spec) != 0) {
                cli_err("Bad %s forwarding specification '%s'", ch == 'L' ? "local" : "remote",
                        optarg);
                return CLI_USAGE;
            }
            (*n)++;
            break;
        }
        case 'E':
            cli_err("option -%c is not supported yet", ch);
            return CLI_USAGE;
        default:
            if (optopt && strchr(SSH_OPTS_WITH_ARG, optopt))
                cli_err("option requires an argument -- %c", optopt);
            else
                cli_err("unknown option -- %c", optopt);
            help(stderr);
            return CLI_USAGE;
        }
    }
    int idx = base + optind;
    if (query)
        return ssh_query(query) == 0 ? -1 : CLI_USAGE;
    if (!*dest) {
        int terminated = optind > 1 && strcmp(argv[idx - 1], "--") == 0;
        if (idx >= argc) {
            help(stderr);
            return CLI_USAGE;
        }
        *dest = argv[idx];
        if (idx + 1 < argc && !terminated) {
            base = idx; /* options may follow the destination */
            goto again;
        }
        idx++;
    }
    if (dump)
        return ssh_dump_config(*dest, &c->args) == 0 ? -1 : CLI_USAGE;
    if (idx < argc && !(c->command = join(argc - idx, argv + idx)))
        return CLI_FAIL;
    return 0;
}

/* ---- running ------------------------------------------------------------------ */

static int report(const strata_error *e)
{
    char buf[STRATA_ERROR_MSG_MAX * 2];
    cli_err("%s", strata_error_format(e, buf, sizeof buf));
    return SSH_EXIT_FAIL;
}

static int run(struct ssh_cmd *c, struct session *sp, struct ssh_hop **hops, size_t n_hops)
{
    strata_io *io = NULL;
    strata_error err = {0};
    strata_status r;
    int rc = SSH_EXIT_FAIL;
    if ((r = strata_io_new(&io)) != STRATA_OK ||
        (r = strata_io_app_stdio_new(io, &sp->inner, &err)) != STRATA_OK) {
        cli_err("starting the io driver: %s", strata_status_str(r));
        strata_io_free(io);
        return SSH_EXIT_FAIL;
    }
    int stdin_tty = isatty(STDIN_FILENO);
    int pty = !c->no_command && !c->null_stdin && !c->tty_never &&
              (c->tty_force > 0 || (!c->command && stdin_tty));
    if (pty && !stdin_tty && c->tty_force < 2) {
        if (!c->args.quiet)
            fprintf(stderr,
                    "Pseudo-terminal will not be allocated because stdin is not a terminal.\n");
        pty = 0;
    }
    sp->no_input = c->no_command;
    sp->null_stdin = c->null_stdin;
    sp->fwd.io = io;
    /* LocalForward lines of the destination's configuration, after -L. */
    const strata_ssh_config *tc = &hops[n_hops - 1]->cfg;
    for (size_t i = 0; i < tc->n_forwards && sp->fwd.n_local < SSH_FWD_MAX; i++) {
        struct ssh_fwd_spec *f = &sp->fwd.local[sp->fwd.n_local++];
        f->bind = tc->forwards[i].bind ? strdup(tc->forwards[i].bind) : NULL;
        f->port = (uint16_t)tc->forwards[i].port;
        f->host = strdup(tc->forwards[i].host);
        f->host_port = (uint16_t)tc->forwards[i].host_port;
    }
    if ((c->no_command || sp->fwd.n_local || sp->fwd.n_remote) &&
        strata_io_stop_on_signals(io) != STRATA_OK)
        cli_err("cannot watch for SIGINT and SIGTERM");
    strata_io_app app = {&session_ops, sp};
    strata_io_conn_config cfg = {NULL, c->timeout_ms, on_done, sp};
    strata_io_conn *conn;
    struct ssh_hop *first = hops[0];
    if ((r = strata_io_connect(io, first->cfg.hostname, (uint16_t)first->cfg.port, app, &cfg,
                               &conn)) != STRATA_OK) {
        cli_err("ssh: connect to host %s port %d: %s", first->cfg.hostname, first->cfg.port,
                strata_status_str(r));
        goto out;
    }
    sp->fwd.main_conn = conn;
    strata_stack *stack = strata_io_conn_stack(conn);
    uint8_t modes[128];
    for (size_t i = 0; i < n_hops; i++) {
        strata_ssh_layer_config lc;
        memset(&lc, 0, sizeof lc);
        int last = i + 1 == n_hops;
        if (last) {
            lc.command = c->subsystem ? NULL : c->command;
            lc.subsystem = c->subsystem ? c->command : NULL;
            lc.want_pty = pty;
            lc.term = getenv("TERM");
            struct winsize ws;
            if (lc.want_pty && ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) == 0) {
                lc.cols = ws.ws_col;
                lc.rows = ws.ws_row;
            }
            if (lc.want_pty) {
                lc.modes = modes;
                lc.modes_len = ssh_tty_modes(modes, sizeof modes);
            }
            lc.on_stderr = on_stderr;
            lc.on_exit = on_exit_status;
            lc.on_ready = on_ready;
            lc.user = sp;
            lc.no_channel = c->no_command;
            lc.client.conn.open_request = ssh_fwd_open_request;
            lc.client.conn.global_reply = ssh_fwd_global_reply;
            lc.client.conn.user = &sp->fwd;
        }
        strata_layer layer;
        if ((r = ssh_hop_layer(hops[i], &lc, &layer, &err)) != STRATA_OK ||
            (!last &&
             (r = strata_ssh_layer_set_direct(layer.self, hops[i + 1]->cfg.hostname,
                                              (uint16_t)hops[i + 1]->cfg.port)) != STRATA_OK)) {
            if (layer.ops)
                layer.ops->free(layer.self);
            strata_io_conn_abort(conn, r, strata_error_message(&err));
            break;
        }
        if (last)
            sp->target_layer = layer.self;
        if ((r = strata_stack_push(stack, layer, NULL, 0)) != STRATA_OK) {
            strata_io_conn_abort(conn, r, "cannot push the SSH layer");
            break;
        }
    }
    if (tc->server_alive_interval > 0) {
        alive.host = hops[n_hops - 1]->cfg.hostname;
        if (strata_io_every(io, (uint64_t)tc->server_alive_interval * 1000, alive_tick, NULL,
                            &alive.timer) != STRATA_OK)
            cli_err("cannot start ServerAliveInterval keepalives");
    }
    alive.conn = conn;
    if (tc->connect_timeout > 0 &&
        strata_io_every(io, (uint64_t)tc->connect_timeout * 1000u, handshake_deadline, NULL,
                        &handshake_timer) != STRATA_OK)
        cli_err("cannot start ConnectTimeout's clock");
    if (pty && stdin_tty) {
        ssh_tty_watch_winch();
        if (strata_io_on_signal(io, SIGWINCH, on_winch, conn, &winch_watch) != STRATA_OK)
            cli_err("cannot watch for window size changes");
        ssh_tty_raw();
        sp->escape = 1;
    }
    if (strata_io_run(io) != STRATA_OK || !sp->done) {
        cli_err("internal: the connection did not end");
        goto out;
    }
    ssh_tty_restore();
    /* A failed connection is never a success, whatever exit status came
     * before the failure: the output may be cut short (issue 19). */
    if (sp->escaped) {
        rc = SSH_EXIT_FAIL; /* as OpenSSH after ~. */
    } else if (sp->err.status != STRATA_OK && !(c->no_command && strata_io_stopped_by(io))) {
        rc = report(&sp->err);
    } else if (sp->have_status) {
        rc = (int)(sp->status & 0xff);
    } else if (sp->signalled) {
        cli_err("remote command killed by signal %s", sp->signal);
        rc = SSH_EXIT_FAIL;
    } else {
        rc = sp->ended ? 0 : SSH_EXIT_FAIL;
    }
out:
    ssh_tty_restore();
    strata_io_free(io);
    return rc;
}

int cmd_ssh(int argc, char **argv)
{
    struct ssh_cmd c;
    static struct session s; /* large; lives for the command */
    memset(&c, 0, sizeof c);
    memset(&s, 0, sizeof s);
    c.fwd = &s.fwd;
    c.timeout_ms = STRATA_IO_CONNECT_TIMEOUT_DEFAULT_MS;
    const char *dest = NULL;
    int rc = parse(argc, argv, &c, &dest);
    if (rc != 0) {
        free(c.command);
        ssh_fwd_free(&s.fwd);
        return rc < 0 ? CLI_OK : SSH_EXIT_FAIL;
    }
    cli_verbose(c.args.verbose);
    struct ssh_hop *hops[JUMPS_MAX + 1] = {0};
    size_t n_hops = 0;
    strata_error err = {0};
    strata_status r;
    struct ssh_hop *target = NULL;
    if ((r = ssh_hop_new(dest, &c.args, &target, &err)) != STRATA_OK) {
        rc = report(&err);
        goto out;
    }
    /* -J, else the destination's ProxyJump: each hop resolved as a direct
     * connection to it would be (-F and -o apply; -l, -p, -i do not). */
    const char *jump = c.jump ? c.jump : target->cfg.proxy_jump;
    if (jump && strcmp(jump, "none") != 0) {
        struct ssh_hop_args ja;
        memset(&ja, 0, sizeof ja);
        ja.config_file = c.args.config_file;
        memcpy(ja.opts, c.args.opts, sizeof ja.opts);
        ja.n_opts = c.args.n_opts;
        ja.quiet = c.args.quiet;
        ja.verbose = c.args.verbose;
        char *list = strdup(jump), *save = NULL;
        for (char *tok = list ? strtok_r(list, ",", &save) : NULL; tok;
             tok = strtok_r(NULL, ",", &save)) {
            if (n_hops == JUMPS_MAX) {
                cli_err("too many jump hosts (at most %d)", JUMPS_MAX);
                r = STRATA_E_LIMIT;
                break;
            }
            if ((r = ssh_hop_new(tok, &ja, &hops[n_hops], &err)) != STRATA_OK) {
                report(&err);
                break;
            }
            n_hops++;
        }
        free(list);
        if (r != STRATA_OK) {
            rc = SSH_EXIT_FAIL;
            goto out;
        }
    }
    hops[n_hops++] = target;
    target = NULL;
    if (hops[n_hops - 1]->cfg.connect_timeout > 0)
        c.timeout_ms = (uint64_t)hops[n_hops - 1]->cfg.connect_timeout * 1000u;
    rc = run(&c, &s, hops, n_hops);
out:
    ssh_fwd_free(&s.fwd);
    ssh_hop_free(target);
    for (size_t i = 0; i < n_hops; i++)
        ssh_hop_free(hops[i]);
    free(c.command);
    return rc;
}
