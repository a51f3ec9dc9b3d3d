/* strata scp: OpenSSH 9's scp, over SFTP (as OpenSSH's scp does by
 * default since 9.0).
 *
 * Operands are local paths or remote ones ("[user@]host:path",
 * "scp://[user@]host[:port]/path"); the last one is the target. Copies
 * between two remote hosts go through this host (OpenSSH's -3, its default
 * since 8.7): each file is fetched into a temporary local file and sent on.
 * One connection per remote host, made when first needed. Exit status 0 when
 * every file was copied, 1 otherwise, 255 when a connection fails.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "sftp_cli.h"
#include "sftp_client.h"

static void help(FILE *f)
{
    fprintf(f, "usage: strata scp [-346BCpqrv] [-c cipher] [-F ssh_config] [-i identity_file]\n"
               "                  [-J destination] [-l limit] [-o ssh_option] [-P port]\n"
               "                  [-S program] source ... target\n\n"
               "source and target are local paths or [user@]host:[path] or\n"
               "scp://[user@]host[:port][/path]. Copies run over SFTP. -S runs program\n"
               "instead of an SSH session (it gets ssh's arguments and speaks SFTP on its\n"
               "stdin and stdout).\n");
}

struct scp {
    strata_ssh_session_args args;
    struct sftp_xopts o;
    int quiet;
    uint64_t limit_bps;
    struct sftp_argv pre; /* -S: the program and its options (pre.v[0] NULL: none) */
    /* one live connection, to host */
    struct sftp_client c;
    char *host;
    int port;
    int failed_connect;
};

/* The connection to host (reused while the host stays the same). */
static struct sftp_client *conn(struct scp *s, const char *host, int port)
{
    if (s->host && !strcmp(s->host, host) && s->port == port && sc_alive(&s->c))
        return &s->c;
    if (s->host) {
        sc_close(&s->c);
        free(s->host);
        s->host = NULL;
    }
    strata_ssh_session_args a = s->args;
    if (port)
        a.port = port;
    memset(&s->c, 0, sizeof(s->c));
    s->c.progress = !s->quiet;
    s->c.limit_bps = s->limit_bps;
    struct sftp_argv pa = s->pre; /* -S: plus the destination, as OpenSSH's scp */
    int rc = pa.v[0] ? sftp_argv_ssh_tail(&pa, host, a.port, 0, "sftp") : 0;
    if (rc != 0)
        cli_err("-S %s: too many arguments", pa.v[0]);
    else
        rc = pa.v[0] ? sc_connect_argv(&s->c, pa.v) : sc_connect(&s->c, host, &a, NULL);
    sftp_argv_free(&pa);
    if (rc != 0) {
        sc_close(&s->c);
        s->failed_connect = 1;
        return NULL;
    }
    s->host = strdup(host);
    s->port = port;
    return s->host ? &s->c : NULL;
}

static const char *base_of(const char *p)
{
    size_t n = strlen(p);
    while (n > 1 && p[n - 1] == '/')
        n--;
    const char *s = p + n;
    while (s > p && s[-1] != '/')
        s--;
    return s;
}

static char *cat(const char *dir, const char *name)
{
    size_t n = strlen(dir) + strlen(name) + 2;
    char *p = malloc(n);
    if (p) {
        size_t bl = strcspn(name, "/");
        snprintf(p, n, "%s%s%.*s", dir, (*dir && dir[strlen(dir) - 1] == '/') ? "" : "/", (int)bl,
                 name);
    }
    return p;
}

struct operand {
    int remote;
    char *host, *path;
    int port;
};

static int parse_operand(const char *arg, struct operand *op)
{
    memset(op, 0, sizeof(*op));
    if (!sftp_cli_is_remote(arg)) {
        op->path = strdup(arg);
        return op->path ? 0 : -1;
    }
    op->remote = 1;
    if (sftp_cli_split_dest(arg, &op->host, &op->path, &op->port) != 0)
        return -1;
    if (!op->path && !(op->path = strdup("")))
        return -1;
    return 0;
}

static int remote_is_dir(struct sftp_client *c, const char *p)
{
    strata_sftp_attrs a;
    return sc_stat(c, p, 1, &a, 1) == 0 && (a.perm & 0170000) == 0040000;
}

/* One source to the target. */
static int copy(struct scp *s, const struct operand *src, const struct operand *dst, int multi)
{
    const char *name = base_of(src->path);
    if (!src->remote && !dst->remote) {
        cli_err("local to local copies: use cp");
        return -1;
    }
    if (!src->remote) { /* upload */
        struct sftp_client *c = conn(s, dst->host, dst->port);
        if (!c)
            return -1;
        char *t = sc_abs(c, dst->path);
        int rc = -1;
        if (t) {
            char *full = remote_is_dir(c, t) ? cat(t, name) : strdup(t);
            if (full && multi && !strcmp(full, t)) {
                fprintf(stderr, "scp: %s: destination is not a directory\n", dst->path);
            } else if (full) {
                rc = sc_put(c, src->path, full, &s->o);
            }
            free(full);
        }
        free(t);
        return rc;
    }
    struct sftp_client *c = conn(s, src->host, src->port);
    if (!c)
        return -1;
    char *from = sc_abs(c, src->path);
    if (!from)
        return -1;
    int rc = -1;
    if (!dst->remote) { /* download */
        struct stat st;
        int isdir = stat(dst->path, &st) == 0 && S_ISDIR(st.st_mode);
        char *to = isdir ? cat(dst->path, base_of(from)) : strdup(dst->path);
        if (multi && !isdir)
            fprintf(stderr, "scp: %s: destination is not a directory\n", dst->path);
        else if (to)
            rc = sc_get(c, from, to, &s->o);
        free(to);
        free(from);
        return rc;
    }
    /* remote to remote, through a temporary local copy */
    char tmpl[] = "/tmp/strata-scp-XXXXXX";
    if (!mkdtemp(tmpl)) {
        cli_err("mkdtemp: %s", strerror(errno));
        free(from);
        return -1;
    }
    char *tmp = cat(tmpl, base_of(from));
    if (tmp && sc_get(c, from, tmp, &s->o) == 0) {
        struct operand l = {0, NULL, tmp, 0};
        rc = copy(s, &l, dst, multi);
    }
    char cmd[64];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpl);
    if (system(cmd) != 0)
        cli_err("could not remove %s", tmpl);
    free(tmp);
    free(from);
    return rc;
}

int cmd_scp(int argc, char **argv)
{
    static struct scp s;
    memset(&s, 0, sizeof(s));
    for (int i = 1; i < argc && argv[i][0] == '-'; i++)
        if (!strcmp(argv[i], "--help")) {
            help(stdout);
            return CLI_OK;
        }
    const char *fixed[] = {NULL,
                           "-x",
                           "-oPermitLocalCommand=no",
                           "-oClearAllForwardings=yes",
                           "-oRemoteCommand=none",
                           "-oRequestTTY=no",
                           "-oControlMaster=no"};
    for (size_t i = 0; i < sizeof(fixed) / sizeof(*fixed); i++)
        sftp_argv_add(&s.pre, fixed[i]);
    const char *program = NULL;
    optind = 1;
    opterr = 0;
    int ch;
    while ((ch = getopt(argc, argv, "346BCpqrvc:F:i:J:l:o:P:S:h")) != -1) {
        /* passed through to -S program as OpenSSH's scp does */
        if (strchr("46Cvq", ch)) {
            sftp_argv_add(&s.pre, ch == '4'   ? "-4"
                                  : ch == '6' ? "-6"
                                  : ch == 'C' ? "-C"
                                  : ch == 'v' ? "-v"
                                              : "-q");
        } else if (strchr("cFiJo", ch)) {
            sftp_argv_add(&s.pre, ch == 'c'   ? "-c"
                                  : ch == 'F' ? "-F"
                                  : ch == 'i' ? "-i"
                                  : ch == 'J' ? "-J"
                                              : "-o");
            sftp_argv_add(&s.pre, optarg);
        } else if (ch == 'B') {
            sftp_argv_add(&s.pre, "-oBatchmode=yes");
        }
        switch (ch) {
        case '3': /* the default: remote to remote goes through this host */
        case '4':
        case '6':
            if (ch != '3' && s.args.n_opts < STRATA_SSH_SESSION_OPTS_MAX)
                s.args.opts[s.args.n_opts++] =
                    ch == '4' ? "AddressFamily=inet" : "AddressFamily=inet6";
            break;
        case 'B':
            if (s.args.n_opts < STRATA_SSH_SESSION_OPTS_MAX)
                s.args.opts[s.args.n_opts++] = "BatchMode=yes";
            break;
        case 'C':
            s.args.compression = 1;
            break;
        case 'p':
            s.o.preserve = 1;
            break;
        case 'q':
            s.quiet = 1;
            s.args.quiet = 1;
            break;
        case 'r':
            s.o.recurse = 1;
            break;
        case 'v':
            s.args.verbose++;
            break;
        case 'c':
            s.args.ciphers = optarg;
            break;
        case 'F':
            s.args.config_file = optarg;
            break;
        case 'i':
            if (s.args.n_identity < STRATA_SSH_SESSION_KEYS_MAX)
                s.args.identity[s.args.n_identity++] = optarg;
            break;
        case 'J':
            s.args.jump = optarg;
            break;
        case 'o':
            if (s.args.n_opts < STRATA_SSH_SESSION_OPTS_MAX)
                s.args.opts[s.args.n_opts++] = optarg;
            break;
        case 'S':
            program = optarg;
            break;
        case 'h':
            help(stdout);
            return CLI_OK;
        case 'l':
        case 'P': {
            unsigned long long v;
            if (cli_opt_uint(ch, optarg, ch == 'P' ? 65535 : 100000000ull, &v) != 0)
                return CLI_USAGE;
            if (ch == 'P')
                s.args.port = (int)v;
            else
                s.limit_bps = v * 1000u / 8u; /* Kbit/s */
            break;
        }
        default:
            cli_getopt_error(optopt, "cFiJloPS");
            help(stderr);
            return CLI_USAGE;
        }
    }
    if (argc - optind < 2) {
        help(stderr);
        return CLI_USAGE;
    }
    cli_verbose(s.args.verbose);
    s.pre.v[0] = program; /* NULL: an SSH session of our own */
    s.args.ui.ask = sftp_cli_ask;
    struct operand dst;
    if (parse_operand(argv[argc - 1], &dst) != 0) {
        cli_err("bad target '%s'", argv[argc - 1]);
        return CLI_USAGE;
    }
    int rc = 0, multi = argc - optind > 2;
    for (int i = optind; i < argc - 1; i++) {
        struct operand src;
        if (parse_operand(argv[i], &src) != 0) {
            cli_err("bad source '%s'", argv[i]);
            rc = 1;
            continue;
        }
        if (copy(&s, &src, &dst, multi) != 0)
            rc = 1;
        free(src.host);
        free(src.path);
        if (s.failed_connect)
            break;
    }
    if (s.host)
        sc_close(&s.c);
    free(s.host);
    free(dst.host);
    free(dst.path);
    return s.failed_connect ? 255 : rc;
}
