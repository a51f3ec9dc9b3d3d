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
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>
#include <openssl/crypto.h>

#include "cli.h"
#include "ssh_dump.h"
#include "ssh_escape.h"
#include "ssh_mux_cli.h"
#include "ssh_tty.h"
#include "strata/io.h"
#include "strata/ssh_session.h"

#define SSH_EXIT_FAIL 255
#define ESC_CHUNK (64u * 1024u) /* stdin bytes scanned for escapes at a time */

static void help(FILE *f)
{
    fprintf(
        f,
        "usage: strata ssh [-p PORT] [-l USER] [-i KEY]... [-o Option=value]... [-F CONFIG]\n"
        "                  [-L [bind:]port:host:hostport]... [-R [bind:]port:host:hostport]...\n"
        "                  [-D [bind:]port]... [-W host:port] [-A|-a]\n"
        "                  [-J [user@]host[:port][,...]] [-N] [-n] [-s] [-T|-t] [-C] [-q] [-v]\n"
        "                  [-c ciphers] [-m macs] [-e char] [-E logfile] [-f] [-M]\n"
        "                  [-S ctl_path] [-O check|exit|stop] [-G] DESTINATION [COMMAND...]\n"
        "       strata ssh -Q kex|cipher|cipher-auth|mac|key|key-plain|key-cert|key-sig|sig\n\n"
        "DESTINATION is [user@]host or ssh://[user@]host[:port]; options may also follow\n"
        "it, up to COMMAND (\"--\" ends them). -G prints the resolved configuration and\n"
        "exits; -Q lists the algorithms strata supports. Options come from the\n"
        "command line, then -F CONFIG (default ~/.ssh/config) Host blocks; the first\n"
        "value given for an option wins. The exit status is the remote command's, or\n"
        "255 when the connection or authentication fails.\n\n"
        "  -D [bind:]port  a SOCKS4/4a/5 server on bind:port (default 127.0.0.1); each\n"
        "                  request is a direct-tcpip channel to the host:port it names\n"
        "  -W host:port    stdin and stdout to host:port through the destination (a\n"
        "                  direct-tcpip channel, no session): ProxyCommand strata ssh -W %%h:%%p\n"
        "  -A, -a          forward (-A) or do not forward (-a) the ssh-agent of\n"
        "                  SSH_AUTH_SOCK to the session\n"
        "Connection sharing as OpenSSH (its mux protocol): -M (ControlMaster yes),\n"
        "-S ctl_path (ControlPath), -O check|exit|stop asks a running master;\n"
        "-o ControlMaster=yes|no|auto|ask|autoask, ControlPath (%%-tokens, none),\n"
        "ControlPersist=yes|no|TIME (the master stays in the background).\n");
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
    int escape, escaped; /* escape sequences on (pty sessions); ~. was typed */
    struct ssh_escape esc;
    uint8_t esc_buf[ESC_CHUNK + 1]; /* stdin after escape processing */
    size_t esc_len, esc_off;
    const char *host; /* the destination's name, for messages */
    int no_input;     /* -N: stdin is not read */
    int null_stdin;   /* -n: stdin is /dev/null (the remote side sees EOF at once) */
    strata_ssh_forward *fwd;
};

static strata_status w_start(void *self, strata_io_conn *c)
{
    struct session *s = self;
    s->conn = c;
    return s->inner.ops->start(s->inner.self, c);
}

static void escape_action(struct session *s, enum ssh_esc_action a);

/* Sends a new window size, if one came, on the session channel. */
static void window_change(struct session *s)
{
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
}

/* stdin; ends once the session has ended (the remote side closed). With
 * escapes on (pty sessions), stdin goes through the escape scanner into
 * esc_buf, and the sequences act (ssh_escape.h). */
static const uint8_t *w_in(void *self, size_t *n, strata_status *st)
{
    struct session *s = self;
    if (s->ended || s->no_input || s->null_stdin) {
        *n = 0;
        *st = s->ended || s->null_stdin ? STRATA_CLOSED : STRATA_OK;
        return NULL;
    }
    window_change(s);
    if (!s->escape)
        return s->inner.ops->in(s->inner.self, n, st);
    *st = STRATA_OK;
    for (int round = 0; s->esc_off == s->esc_len && round < 64 && !s->ended; round++) {
        size_t k;
        const uint8_t *p = s->inner.ops->in(s->inner.self, &k, st);
        if (!k)
            break;
        if (k > ESC_CHUNK)
            k = ESC_CHUNK;
        enum ssh_esc_action a;
        size_t used = ssh_escape_scan(&s->esc, p, k, s->esc_buf, &s->esc_len, &a);
        s->esc_off = 0;
        s->inner.ops->in_ack(s->inner.self, used);
        if (a != SSH_ESC_NONE)
            escape_action(s, a);
    }
    *n = s->esc_len - s->esc_off;
    if (*n)
        *st = STRATA_OK;
    return s->esc_buf + s->esc_off;
}

static void w_in_ack(void *self, size_t n)
{
    struct session *s = self;
    if (!s->escape) {
        s->inner.ops->in_ack(s->inner.self, n);
        return;
    }
    s->esc_off += n;
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

/* The remote command's stderr goes to our stderr as it was at the start:
 * -E sends strata's own messages to a file, not the remote side's. */
static int remote_stderr = STDERR_FILENO;

static void on_stderr(void *user, const uint8_t *p, size_t n)
{
    (void)user;
    while (n) {
        ssize_t w = write(remote_stderr, p, n);
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

/* SIGWINCH through the loop: the new size goes out at once (the session's
 * input step sends it), not with the next keystroke. */
static strata_io_signal *winch_watch;
static void on_winch(void *arg)
{
    strata_io_conn *conn = arg;
    ssh_tty_winch_mark();
    strata_io_conn_kick(conn);
}

static void on_done(void *user, strata_io_conn *c, const strata_error *err)
{
    struct session *s = user;
    (void)c;
    strata_io_signal_stop(winch_watch);
    winch_watch = NULL;
    ssh_mux_done();
    strata_error_copy(&s->err, err);
    s->done = 1;
}

/* ~C: OpenSSH's command line, with the forwarding commands. */
static void escape_command(struct session *s)
{
    char line[512], *p;
    ssh_tty_restore();
    p = (char *)ssh_tty_prompt("\r\nssh> ", 1, line, sizeof line);
    if (p) {
        while (*p == ' ')
            p++;
        int cancel = p[0] == '-' && p[1] == 'K';
        char kind = p[0] == '-' ? p[cancel ? 2 : 1] : 0;
        const char *arg = p + (cancel ? 3 : 2);
        while (kind && *arg == ' ')
            arg++;
        strata_status r = STRATA_E_USAGE;
        if (!*p) {
            r = STRATA_OK;
        } else if (!strcmp(p, "?") || !strcmp(p, "help")) {
            fprintf(stderr,
                    "Commands:\n"
                    "      -L[bind_address:]port:host:hostport    Request local forward\n"
                    "      -R[bind_address:]port:host:hostport    Request remote forward\n"
                    "      -D[bind_address:]port                  Request dynamic forward\n"
                    "      -KL[bind_address:]port                 Cancel local forward\n"
                    "      -KR[bind_address:]port                 Cancel remote forward\n"
                    "      -KD[bind_address:]port                 Cancel dynamic forward\n");
            r = STRATA_OK;
        } else if (kind == 'D' && !cancel) {
            if ((r = strata_ssh_forward_open_dynamic(s->fwd, arg)) == STRATA_OK)
                fprintf(stderr, "Forwarding port.\n");
            else if (r == STRATA_E_USAGE)
                fprintf(stderr, "Bad forwarding specification.\n");
        } else if ((kind == 'L' || kind == 'R') && !cancel) {
            if ((r = strata_ssh_forward_open(s->fwd, kind == 'R', arg)) == STRATA_OK)
                fprintf(stderr, "Forwarding port.\n");
            else if (r == STRATA_E_USAGE)
                fprintf(stderr, "Bad forwarding specification.\n");
        } else if ((kind == 'L' || kind == 'R' || kind == 'D') && cancel) {
            const char *colon = strrchr(arg, ':');
            char *e;
            long port = strtol(colon ? colon + 1 : arg, &e, 10);
            if (*e || port < 1 || port > 65535)
                fprintf(stderr, "Bad forwarding close port\n");
            else if ((r = kind == 'D' ? strata_ssh_forward_cancel_dynamic(s->fwd, (uint16_t)port)
                                      : strata_ssh_forward_cancel(s->fwd, kind == 'R',
                                                                  (uint16_t)port)) == STRATA_OK)
                fprintf(stderr, "Canceled forwarding.\n");
            else
                fprintf(stderr, "Unknown port forwarding.\n");
            r = STRATA_OK;
        }
        if (r == STRATA_E_USAGE && !kind)
            fprintf(stderr, "Invalid command.\n");
    }
    OPENSSL_cleanse(line, sizeof line);
    ssh_tty_raw();
    if (s->conn)
        strata_io_conn_kick(s->conn);
}

static void escape_action(struct session *s, enum ssh_esc_action a)
{
    char buf[4096];
    strata_ssh_client *client = strata_ssh_layer_client(s->target_layer);
    switch (a) {
    case SSH_ESC_DISCONNECT:
        fprintf(stderr, "%c.\r\nConnection to %s closed.\r\n", s->esc.ch, s->host);
        s->escaped = 1;
        if (strata_ssh_layer_close(s->target_layer, NULL) != STRATA_OK)
            s->ended = 1;
        break;
    case SSH_ESC_SUSPEND:
        fprintf(stderr, "%c^Z [suspend ssh]\r\n", s->esc.ch);
        ssh_tty_restore();
        kill(getpid(), SIGTSTP); /* back here after fg (SIGCONT) */
        ssh_tty_raw();
        ssh_tty_winch_mark(); /* the window may have changed meanwhile */
        window_change(s);
        break;
    case SSH_ESC_LIST:
        strata_ssh_forward_describe(s->fwd, buf, sizeof buf);
        fprintf(stderr, "%c#\r\nThe following connections are open:\r\n%s", s->esc.ch, buf);
        break;
    case SSH_ESC_HELP:
        fprintf(stderr, "%c?\r\n%s", s->esc.ch, ssh_escape_help(s->esc.ch, buf, sizeof buf));
        break;
    case SSH_ESC_COMMAND:
        escape_command(s);
        break;
    case SSH_ESC_REKEY:
        fprintf(stderr, "%cR\r\n", s->esc.ch);
        if (client &&
            strata_ssh_transport_rekey(strata_ssh_client_transport(client)) == STRATA_OK && s->conn)
            strata_io_conn_kick(s->conn);
        break;
    case SSH_ESC_VERBOSE_UP:
    case SSH_ESC_VERBOSE_DOWN: {
        int v = cli_verbosity() + (a == SSH_ESC_VERBOSE_UP ? 1 : -1);
        v = v < 0 ? 0 : v > 3 ? 3 : v;
        cli_verbose(v);
        static const char *const names[] = {"INFO", "DEBUG1", "DEBUG2", "DEBUG3"};
        fprintf(stderr, "%c%c\r\n[LogLevel %s]\r\n", s->esc.ch, a == SSH_ESC_VERBOSE_UP ? 'v' : 'V',
                names[v]);
        break;
    }
    case SSH_ESC_NONE:
        break;
    }
}

/* -f: authenticated, so to the background; the parent leaves with 0. The
 * child leaves with _exit: libuv's exit-time shutdown would join thread-pool
 * threads that stayed in the parent. */
static strata_io *fork_io;
static int in_background;
static void on_ready_fork(void *user, strata_ssh_client *c)
{
    (void)user, (void)c;
    int parent = 0;
    if (strata_io_fork_background(fork_io, &parent) != STRATA_OK)
        cli_err("fork: cannot go to the background; staying in the foreground");
    else if (parent)
        _exit(0);
    else
        in_background = 1;
}

static const char *tty_ask(void *user, const char *prompt, int echo, char *buf, size_t cap)
{
    (void)user;
    return ssh_tty_prompt(prompt, echo, buf, cap);
}

/* ---- options ------------------------------------------------------------------ */

struct ssh_cmd {
    strata_ssh_session_args args;
    strata_ssh_forward *fwd;
    int no_command, tty_force, tty_never, null_stdin, subsystem;
    int agent;            /* -A 1, -a 0, else -1 */
    char stdio_host[256]; /* -W host (empty: none) */
    uint16_t stdio_port;
    int escape_char;      /* -e: -1 none */
    int background;       /* -f: to the background once authenticated */
    const char *log_file; /* -E: strata's messages appended there */
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
#define SSH_OPTS_WITH_ARG "plioFLRDWJcmEQeSO"

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

/* -W's "host:port" (an IPv6 host in brackets, or bare with the port after
 * its last colon). -1 when malformed. */
static int parse_host_port(const char *s, char *host, size_t cap, uint16_t *port)
{
    const char *colon = strrchr(s, ':');
    char *end;
    if (!colon || colon == s)
        return -1;
    long p = strtol(colon + 1, &end, 10);
    size_t hl = (size_t)(colon - s);
    if (!colon[1] || *end || p < 1 || p > 65535)
        return -1;
    if (s[0] == '[' && hl > 2 && s[hl - 1] == ']') {
        s++;
        hl -= 2;
    }
    if (hl == 0 || hl >= cap)
        return -1;
    memcpy(host, s, hl);
    host[hl] = 0;
    *port = (uint16_t)p;
    return 0;
}

/* -A / -a as OpenSSH: they set ForwardAgent before any -o or config line
 * can (the first value wins), so they go first among the options. */
static void agent_option(struct ssh_cmd *c)
{
    if (c->agent < 0)
        return;
    size_t n = c->args.n_opts < STRATA_SSH_SESSION_OPTS_MAX ? c->args.n_opts
                                                            : STRATA_SSH_SESSION_OPTS_MAX - 1;
    memmove(&c->args.opts[1], &c->args.opts[0], n * sizeof c->args.opts[0]);
    c->args.opts[0] = c->agent ? "ForwardAgent=yes" : "ForwardAgent=no";
    c->args.n_opts = n + 1;
}

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
    while ((ch = getopt(argc - base, argv + base,
                        "+p:l:i:o:F:L:R:D:W:J:NTtCqvc:m:hE:nxaAse:fMS:O:GQ:")) != -1) {
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
            if (c->args.n_identity < STRATA_SSH_SESSION_KEYS_MAX)
                c->args.identity[c->args.n_identity++] = optarg;
            break;
        case 'o':
            if (c->args.n_opts < STRATA_SSH_SESSION_OPTS_MAX)
                c->args.opts[c->args.n_opts++] = optarg;
            break;
        case 'F':
            c->args.config_file = optarg;
            break;
        case 'J':
            c->args.jump = optarg;
            break;
        case 'e':
            if ((c->escape_char = ssh_escape_parse(optarg)) == -2) {
                cli_err("Bad escape character '%s'.", optarg);
                return CLI_USAGE;
            }
            /* also as -o EscapeChar, so it wins over the config file's and -G shows it */
            static char esc_opt[40];
            snprintf(esc_opt, sizeof esc_opt, "EscapeChar=%.20s", optarg);
            if (c->args.n_opts < STRATA_SSH_SESSION_OPTS_MAX)
                c->args.opts[c->args.n_opts++] = esc_opt;
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
            break;
        case 'A': /* the last of -A / -a wins; see agent_option */
        case 'a':
            c->agent = ch == 'A';
            break;
        case 'D':
            if (strata_ssh_forward_parse_dynamic(c->fwd, optarg) != STRATA_OK) {
                cli_err("Bad dynamic forwarding specification '%s'", optarg);
                return CLI_USAGE;
            }
            break;
        case 'W':
            if (parse_host_port(optarg, c->stdio_host, sizeof c->stdio_host, &c->stdio_port) != 0) {
                cli_err("Bad stdio forwarding specification '%s'", optarg);
                return CLI_USAGE;
            }
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
        case 'R':
            if (strata_ssh_forward_parse(c->fwd, ch == 'R', optarg) != STRATA_OK) {
                cli_err("Bad %s forwarding specification '%s'", ch == 'L' ? "local" : "remote",
                        optarg);
                return CLI_USAGE;
            }
            break;
        case 'M':
        case 'S':
        case 'O':
            if (ssh_mux_option(ch, optarg) < 0)
                return CLI_USAGE;
            break;
        case 'E':
            c->log_file = optarg;
            break;
        case 'f':
            c->background = 1;
            c->null_stdin = 1; /* as OpenSSH: -f implies -n */
            break;
        default:
            cli_getopt_error(optopt, SSH_OPTS_WITH_ARG);
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
    agent_option(c);
    if (dump)
        return ssh_dump_config(*dest, &c->args) == 0 ? -1 : CLI_USAGE;
    if (idx < argc && !(c->command = join(argc - idx, argv + idx)))
        return CLI_FAIL;
    if (c->stdio_host[0] && (c->command || c->no_command)) {
        cli_err("-W takes no command and no -N: stdin and stdout are the forwarded connection");
        return CLI_USAGE;
    }
    return 0;
}

/* ---- running ------------------------------------------------------------------ */

static int report(const strata_error *e)
{
    char buf[STRATA_ERROR_MSG_MAX * 2];
    cli_err("%s", strata_error_format(e, buf, sizeof buf));
    return SSH_EXIT_FAIL;
}

/* RemoteCommand, RequestTTY and EscapeChar from the configuration; the command line
 * comes first (-t, -T, a COMMAND), and a COMMAND with a RemoteCommand is an
 * error, as OpenSSH. */
static int config_command_tty(struct ssh_cmd *c, const strata_ssh_config *tc)
{
    const char *rc =
        tc->remote_command && strcmp(tc->remote_command, "none") != 0 ? tc->remote_command : NULL;
    if (rc && c->command) {
        cli_err("Cannot execute command-line and remote command.");
        return -1;
    }
    if (rc && !c->subsystem && !c->no_command && !(c->command = strdup(rc))) {
        cli_err("out of memory");
        return -1;
    }
    if (tc->escape_char != -1) /* EscapeChar (-e comes first as an -o) */
        c->escape_char = tc->escape_char == STRATA_SSHC_ESCAPE_NONE ? -1 : tc->escape_char;
    if (!c->tty_force && !c->tty_never) {
        if (tc->request_tty == STRATA_SSHC_TTY_NO)
            c->tty_never = 1;
        else if (tc->request_tty == STRATA_SSHC_TTY_YES)
            c->tty_force = 1;
        else if (tc->request_tty == STRATA_SSHC_TTY_FORCE)
            c->tty_force = 2;
    }
    return 0;
}

static int run(struct ssh_cmd *c, struct session *sp, strata_io *io, strata_ssh_session *ss)
{
    strata_error err = {0};
    strata_status r;
    int rc = SSH_EXIT_FAIL;
    if ((r = strata_io_app_stdio_new(io, &sp->inner, &err)) != STRATA_OK) {
        cli_err("starting the io driver: %s", strata_status_str(r));
        return SSH_EXIT_FAIL;
    }
    const strata_ssh_config *tc = strata_ssh_session_config(ss);
    if (config_command_tty(c, tc) != 0)
        return SSH_EXIT_FAIL;
    int stdin_tty = isatty(STDIN_FILENO);
    int pty = !c->no_command && !c->null_stdin && !c->tty_never && !c->stdio_host[0] &&
              (c->tty_force > 0 || (!c->command && stdin_tty));
    if (pty && !stdin_tty && c->tty_force < 2) {
        if (!c->args.quiet)
            fprintf(stderr,
                    "Pseudo-terminal will not be allocated because stdin is not a terminal.\n");
        pty = 0;
    }
    sp->no_input = c->no_command;
    sp->null_stdin = c->null_stdin;
    if ((c->no_command || strata_ssh_forward_count(c->fwd, 0) || tc->n_forwards ||
         strata_ssh_forward_count(c->fwd, 1) || strata_ssh_forward_count_dynamic(c->fwd)) &&
        strata_io_stop_on_signals(io) != STRATA_OK)
        cli_err("cannot watch for SIGINT and SIGTERM");
    strata_io_app app = {&session_ops, sp};
    strata_io_conn_config cfg = {NULL, c->timeout_ms, on_done, sp};
    uint8_t modes[128];
    strata_ssh_layer_config lc;
    memset(&lc, 0, sizeof lc);
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
    lc.user = sp;
    lc.no_channel = c->no_command;
    /* -A / -a / ForwardAgent: the session sets agent forwarding up. */
    if (c->background) {
        fork_io = io;
        lc.on_ready = on_ready_fork;
    }
    ssh_mux_layer(&lc);
    strata_io_conn *conn;
    if ((r = strata_ssh_session_connect(ss, io, &lc, c->fwd, app, &cfg, &conn, &sp->target_layer,
                                        &err)) != STRATA_OK) {
        rc = report(&err);
        goto out;
    }
    /* -W: the destination's channel is a direct-tcpip one to host:port
     * (nothing has been sent yet: authentication is still ahead). */
    if (c->stdio_host[0] && (r = strata_ssh_layer_set_direct(sp->target_layer, c->stdio_host,
                                                             c->stdio_port)) != STRATA_OK)
        strata_io_conn_abort(conn, r, "cannot set up stdio forwarding");
    ssh_mux_connected(io, conn);
    if (pty && stdin_tty) {
        ssh_tty_watch_winch();
        if (strata_io_on_signal(io, SIGWINCH, on_winch, conn, &winch_watch) != STRATA_OK)
            cli_err("cannot watch for window size changes");
        ssh_tty_raw();
        sp->escape = c->escape_char >= 0;
        ssh_escape_init(&sp->esc, c->escape_char);
        sp->host = tc->hostname;
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
    return rc;
}

int cmd_ssh(int argc, char **argv)
{
    struct ssh_cmd c;
    static struct session s; /* large; lives for the command */
    memset(&c, 0, sizeof c);
    memset(&s, 0, sizeof s);
    c.agent = -1;
    strata_io *io = NULL;
    if (strata_io_new(&io) != STRATA_OK ||
        strata_ssh_forward_new(io, NULL, NULL, &s.fwd) != STRATA_OK) {
        cli_err("starting the io driver: out of memory");
        strata_io_free(io);
        return SSH_EXIT_FAIL;
    }
    c.fwd = s.fwd;
    c.args.ui.ask = tty_ask;
    c.escape_char = '~';
    const char *dest = NULL;
    int rc = parse(argc, argv, &c, &dest);
    strata_ssh_session *ss = NULL;
    strata_error err = {0};
    if (rc != 0) {
        rc = rc < 0 ? CLI_OK : SSH_EXIT_FAIL;
        goto out;
    }
    if (c.background && !c.command && !c.no_command) {
        cli_err("Cannot fork into background without a command to execute.");
        rc = SSH_EXIT_FAIL;
        goto out;
    }
    if (c.log_file) { /* -E: our messages to the file, the remote stderr as before */
        int fd = open(c.log_file, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
        if (fd < 0) {
            cli_err("Couldn't open logfile %s: %s", c.log_file, strerror(errno));
            rc = SSH_EXIT_FAIL;
            goto out;
        }
        fflush(stderr);
        remote_stderr = fcntl(STDERR_FILENO, F_DUPFD_CLOEXEC, 3);
        if (remote_stderr < 0 || dup2(fd, STDERR_FILENO) < 0) {
            cli_err("Couldn't open logfile %s: %s", c.log_file, strerror(errno));
            close(fd);
            rc = SSH_EXIT_FAIL;
            goto out;
        }
        close(fd);
    }
    cli_verbose(c.args.verbose);
    if (strata_ssh_session_new(dest, &c.args, &ss, &err) != STRATA_OK) {
        rc = report(&err);
        goto out;
    }
    struct ssh_mux_run mr = {dest, c.command, c.subsystem,
                             !c.no_command && !c.null_stdin && !c.tty_never &&
                                 (c.tty_force > 0 || (!c.command && isatty(STDIN_FILENO))),
                             c.no_command};
    if ((rc = ssh_mux_prepare(io, ss, s.fwd, &mr)) < 0)
        rc = run(&c, &s, io, ss);
out:
    /* The connection has ended (io is run out): forwarding first, then the
     * io driver, then the session its layers pointed into. */
    strata_ssh_forward_free(s.fwd);
    strata_io_free(io);
    ssh_mux_free();
    strata_ssh_session_free(ss);
    free(c.command);
    if (in_background) {
        fflush(stdout);
        fflush(stderr);
        _exit(rc);
    }
    return rc;
}
