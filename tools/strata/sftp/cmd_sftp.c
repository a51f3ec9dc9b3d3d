/* strata sftp: OpenSSH's sftp command language over strata's SFTP client.
 *
 * Interactive (a prompt when stdin is a terminal) or batch (-b FILE, -b -
 * for stdin). In batch mode each command is echoed after "sftp> "; the
 * first command that fails ends the batch with exit status 1, unless the
 * command line starts with '-'. Exit status 255 when the connection fails.
 */
#include <errno.h>
#include <getopt.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "sftp_client.h"
#include "sftp_cli.h"

#define ARGS_MAX 64
#define LINE_MAX_SFTP 8192

static void help(FILE *f)
{
    fprintf(f, "usage: strata sftp [-afpqrv] [-B buffer_size] [-b batchfile] [-c cipher]\n"
               "                   [-D sftp_server_command] [-F ssh_config] [-i identity_file]\n"
               "                   [-J destination] [-l limit] [-o ssh_option] [-P port]\n"
               "                   [-R num_requests] [-S program] [-s subsystem] destination\n\n"
               "destination is [user@]host[:path] or sftp://[user@]host[:port][/path]. With a\n"
               "path naming a file, that file is fetched and sftp exits. -D runs a local\n"
               "sftp-server (no destination then); -S runs program instead of an SSH session\n"
               "(it gets ssh's arguments and speaks SFTP on its stdin and stdout).\n"
               "Commands: type 'help'.\n");
}

static const char cmd_help[] =
    "Available commands:\n"
    "bye                                Quit sftp\n"
    "cd path                            Change remote directory to 'path'\n"
    "chgrp [-h] grp path                Change group of file 'path' to 'grp'\n"
    "chmod [-h] mode path               Change permissions of file 'path' to 'mode'\n"
    "chown [-h] own path                Change owner of file 'path' to 'own'\n"
    "df [-hi] [path]                    Display statistics for current directory or\n"
    "                                   filesystem containing 'path'\n"
    "exit                               Quit sftp\n"
    "get [-afpPr] remote [local]        Download file\n"
    "help                               Display this help text\n"
    "lcd path                           Change local directory to 'path'\n"
    "lls [ls-options [path]]            Display local directory listing\n"
    "lmkdir path                        Create local directory\n"
    "ln [-s] oldpath newpath            Link remote file (-s for symlink)\n"
    "lpwd                               Print local working directory\n"
    "ls [-1afhlnrSt] [path]             Display remote directory listing\n"
    "mkdir path                         Create remote directory\n"
    "progress                           Toggle display of progress meter\n"
    "put [-afpPr] local [remote]        Upload file\n"
    "pwd                                Display remote working directory\n"
    "quit                               Quit sftp\n"
    "reget [-fpPr] remote [local]       Resume download file\n"
    "rename oldpath newpath             Rename remote file\n"
    "reput [-fpPr] local [remote]       Resume upload file\n"
    "rm path                            Delete remote file\n"
    "rmdir path                         Remove remote directory\n"
    "symlink oldpath newpath            Symlink remote file\n"
    "version                            Show SFTP version\n"
    "?                                  Synonym for help\n";

/* Splits a command line as OpenSSH's sftp does: blanks separate words,
 * '...' and "..." quote, a backslash escapes the next character. Returns
 * the word count, -1 on an unterminated quote or too many words. */
static int split(char *line, char **argv)
{
    int n = 0;
    char *r = line, *w = line;
    for (;;) {
        while (*r == ' ' || *r == '\t')
            r++;
        if (!*r)
            return n;
        if (n == ARGS_MAX)
            return -1;
        argv[n++] = w;
        char q = 0;
        while (*r && (q || (*r != ' ' && *r != '\t'))) {
            if (q && *r == q) {
                q = 0;
                r++;
            } else if (!q && (*r == '\'' || *r == '"')) {
                q = *r++;
            } else if (*r == '\\' && r[1] && q != '\'') {
                *w++ = r[1];
                r += 2;
            } else {
                *w++ = *r++;
            }
        }
        if (q)
            return -1;
        if (*r)
            r++;
        *w++ = 0;
    }
}

/* Flags of get/put/ls: "-afpPr" style; returns the index of the first
 * operand or -1 (reported) for an unknown flag. */
static int flags(int argc, char **argv, const char *ok, char *seen)
{
    int i = 1;
    for (; i < argc && argv[i][0] == '-' && argv[i][1]; i++) {
        if (!strcmp(argv[i], "--"))
            return i + 1;
        for (const char *p = argv[i] + 1; *p; p++) {
            if (!strchr(ok, *p)) {
                fprintf(stderr, "%s: Invalid flag -%c\n", argv[0], *p);
                return -1;
            }
            seen[(unsigned char)*p] = 1;
        }
    }
    return i;
}

static const char *base_of(const char *p)
{
    const char *s = strrchr(p, '/');
    return s && s[1] ? s + 1 : p;
}

static char *cat_path(const char *dir, const char *name)
{
    size_t n = strlen(dir) + strlen(name) + 2;
    char *p = malloc(n);
    if (p)
        snprintf(p, n, "%s%s%s", dir, (*dir && dir[strlen(dir) - 1] == '/') ? "" : "/", name);
    return p;
}

static int is_local_dir(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

static int is_remote_dir(struct sftp_client *c, const char *p)
{
    strata_sftp_attrs a;
    return sc_stat(c, p, 1, &a, 1) == 0 && (a.flags & STRATA_SFTP_ATTR_PERMISSIONS) &&
           (a.perm & 0170000) == 0040000;
}

/* get / put [-afpPr] src [dst]: the options over the defaults into *o;
 * returns the index of src, or -1 (message printed). fsync is put's only. */
static int xfer_args(int argc, char **argv, const struct sftp_xopts *dflt, int resume, int put,
                     struct sftp_xopts *o)
{
    char seen[256] = {0};
    int i = flags(argc, argv, "afpPr", seen);
    if (i < 0)
        return -1;
    if (argc - i < 1 || argc - i > 2) {
        fprintf(stderr, "%s: %s%s%s\n", argv[0],
                argc - i < 1 ? "You must specify at least one path after a "
                             : "Too many arguments.",
                argc - i < 1 ? (put ? "put" : "get") : "", argc - i < 1 ? " command." : "");
        return -1;
    }
    *o = *dflt;
    o->resume |= resume || seen['a'];
    o->preserve |= seen['p'] || seen['P'];
    o->recurse |= seen['r'];
    if (put)
        o->fsync |= seen['f'];
    return i;
}

static int do_get(struct sftp_client *c, int argc, char **argv, const struct sftp_xopts *dflt,
                  int resume)
{
    struct sftp_xopts o;
    int i = xfer_args(argc, argv, dflt, resume, 0, &o);
    if (i < 0)
        return -1;
    char **paths;
    size_t n;
    if (sc_glob(c, argv[i], &paths, &n) != 0)
        return -1;
    const char *ldst = argc - i == 2 ? argv[i + 1] : NULL;
    int ldir = ldst && is_local_dir(ldst);
    if (n > 1 && ldst && !ldir) {
        fprintf(stderr, "Multiple source paths, but destination \"%s\" is not a directory\n", ldst);
        sc_strv_free(paths, n);
        return -1;
    }
    int rc = 0;
    for (size_t k = 0; k < n; k++) {
        char *lp = !ldst  ? strdup(base_of(paths[k]))
                   : ldir ? cat_path(ldst, base_of(paths[k]))
                          : strdup(ldst);
        if (!lp) {
            rc = -1;
            break;
        }
        if (!c->progress || !isatty(STDOUT_FILENO))
            ; /* OpenSSH prints "Fetching" only with the meter's terminal */
        else
            printf("Fetching %s to %s\n", paths[k], lp);
        rc |= sc_get(c, paths[k], lp, &o);
        free(lp);
    }
    sc_strv_free(paths, n);
    return rc;
}

static int do_put(struct sftp_client *c, int argc, char **argv, const struct sftp_xopts *dflt,
                  int resume)
{
    struct sftp_xopts o;
    int i = xfer_args(argc, argv, dflt, resume, 1, &o);
    if (i < 0)
        return -1;
    glob_t g;
    memset(&g, 0, sizeof(g));
    if (glob(argv[i], GLOB_NOCHECK, NULL, &g) != 0 || g.gl_pathc == 0) {
        fprintf(stderr, "File \"%s\" not found.\n", argv[i]);
        globfree(&g);
        return -1;
    }
    char *rdst = argc - i == 2 ? sc_abs(c, argv[i + 1]) : NULL;
    int rdir = rdst ? is_remote_dir(c, rdst) : 1;
    int rc = 0;
    if (g.gl_pathc > 1 && rdst && !rdir) {
        fprintf(stderr, "Multiple paths match, but destination \"%s\" is not a directory\n", rdst);
        rc = -1;
    }
    for (size_t k = 0; rc == 0 && k < g.gl_pathc; k++) {
        const char *lp = g.gl_pathv[k];
        char *rp = !rdst  ? sc_abs(c, base_of(lp))
                   : rdir ? cat_path(rdst, base_of(lp))
                          : strdup(rdst);
        if (!rp) {
            rc = -1;
            break;
        }
        if (c->progress && isatty(STDOUT_FILENO))
            printf("Uploading %s to %s\n", lp, rp);
        rc |= sc_put(c, lp, rp, &o);
        free(rp);
    }
    free(rdst);
    globfree(&g);
    return rc;
}

struct ls_opts {
    int all, lng, one, num, human, sort; /* sort: 0 name, 'S' size, 't' time, 'f' none */
    int rev;
};
static struct ls_opts lso;

static int ls_cmp(const void *a, const void *b)
{
    const struct sftp_entry *x = a, *y = b;
    int r;
    if (lso.sort == 'S')
        r = x->a.size < y->a.size ? 1 : x->a.size > y->a.size ? -1 : 0;
    else if (lso.sort == 't')
        r = x->a.mtime < y->a.mtime ? 1 : x->a.mtime > y->a.mtime ? -1 : 0;
    else
        r = strcmp(x->name, y->name);
    return lso.rev ? -r : r;
}

static void ls_line(const struct sftp_entry *e, const char *shown)
{
    if (!lso.lng) {
        printf("%s\n", shown);
        return;
    }
    if (!lso.num && !lso.human && e->longname && *e->longname && shown == e->name) {
        printf("%s\n", e->longname);
        return;
    }
    char mode[11] = "----------";
    uint32_t p = e->a.perm;
    const char *types = "?pc?d?b?-?l?s???";
    mode[0] = types[(p >> 12) & 0xf];
    const char *rwx = "rwxrwxrwx";
    for (int i = 0; i < 9; i++)
        if (p & (0400u >> i))
            mode[1 + i] = rwx[i];
    char tbuf[32] = "";
    time_t t = e->a.mtime;
    struct tm tm;
    if (localtime_r(&t, &tm))
        strftime(tbuf, sizeof(tbuf), "%b %e %H:%M", &tm);
    printf("%s    ? %-8u %-8u %8llu %s %s\n", mode, e->a.uid, e->a.gid,
           (unsigned long long)e->a.size, tbuf, shown);
}

static int do_ls(struct sftp_client *c, int argc, char **argv)
{
    char seen[256] = {0};
    int i = flags(argc, argv, "1afhlnrSt", seen);
    if (i < 0)
        return -1;
    memset(&lso, 0, sizeof(lso));
    lso.all = seen['a'];
    lso.lng = seen['l'] || seen['n'];
    lso.num = seen['n'];
    lso.human = seen['h'];
    lso.rev = seen['r'];
    lso.sort = seen['f'] ? 'f' : seen['S'] ? 'S' : seen['t'] ? 't' : 0;
    const char *arg = i < argc ? argv[i] : NULL;
    char **paths;
    size_t n;
    if (sc_glob(c, arg ? arg : "", &paths, &n) != 0)
        return -1;
    int rc = 0;
    for (size_t k = 0; k < n; k++) {
        strata_sftp_attrs a;
        if (sc_stat(c, paths[k], 0, &a, 0) != 0) {
            rc = -1;
            continue;
        }
        if ((a.perm & 0170000) != 0040000 || n > 1) {
            struct sftp_entry e = {paths[k], NULL, a};
            ls_line(&e, arg ? (n > 1 ? paths[k] + 0 : arg) : paths[k]);
            continue;
        }
        struct sftp_entry *e;
        size_t ne;
        if (sc_readdir(c, paths[k], &e, &ne) != 0) {
            rc = -1;
            continue;
        }
        if (lso.sort != 'f')
            qsort(e, ne, sizeof(*e), ls_cmp);
        for (size_t j = 0; j < ne; j++) {
            if (!lso.all && e[j].name[0] == '.')
                continue;
            if (arg) {
                char *p = cat_path(arg, e[j].name);
                if (p)
                    ls_line(&e[j], p);
                free(p);
            } else {
                ls_line(&e[j], e[j].name);
            }
        }
        sc_entries_free(e, ne);
    }
    sc_strv_free(paths, n);
    return rc;
}

static void fmt_size(char *buf, size_t cap, uint64_t kib, int human)
{
    if (!human) {
        snprintf(buf, cap, "%llu", (unsigned long long)kib);
        return;
    }
    double v = (double)kib * 1024.0;
    const char *u = "BKMGTPE";
    int i = 0;
    while (v >= 1024 && i < 6)
        v /= 1024, i++;
    snprintf(buf, cap, "%.1f%c", v, u[i]);
}

static int do_df(struct sftp_client *c, int argc, char **argv)
{
    char seen[256] = {0};
    int i = flags(argc, argv, "hi", seen);
    if (i < 0)
        return -1;
    char *p = sc_abs(c, i < argc ? argv[i] : "");
    strata_sftp_vfs v;
    int rc = p ? sc_statvfs(c, p, &v) : -1;
    free(p);
    if (rc != 0)
        return -1;
    if (seen['i']) {
        unsigned long long used = v.files - v.ffree;
        printf("%12s %12s %12s %12s %10s\n", "Inodes", "Used", "Avail", "(root)", "%Capacity");
        printf("%12llu %12llu %12llu %12llu %9llu%%\n", (unsigned long long)v.files, used,
               (unsigned long long)v.favail, (unsigned long long)v.ffree,
               v.files ? used * 100 / v.files : 0);
        return 0;
    }
    uint64_t f = v.frsize ? v.frsize : v.bsize;
    uint64_t size = v.blocks * f / 1024, used = (v.blocks - v.bfree) * f / 1024,
             avail = v.bavail * f / 1024, root = v.bfree * f / 1024;
    char s1[32], s2[32], s3[32], s4[32];
    fmt_size(s1, sizeof(s1), size, seen['h']);
    fmt_size(s2, sizeof(s2), used, seen['h']);
    fmt_size(s3, sizeof(s3), avail, seen['h']);
    fmt_size(s4, sizeof(s4), root, seen['h']);
    printf("%12s %12s %12s %12s %10s\n", "Size", "Used", "Avail", "(root)", "%Capacity");
    printf("%12s %12s %12s %12s %9llu%%\n", s1, s2, s3, s4,
           (unsigned long long)(size ? used * 100 / size : 0));
    return 0;
}

static int need(int argc, char **argv, int n)
{
    if (argc - 1 < n) {
        fprintf(stderr, "%s: not enough arguments\n", argv[0]);
        return -1;
    }
    if (argc - 1 > n) {
        fprintf(stderr, "%s: too many arguments\n", argv[0]);
        return -1;
    }
    return 0;
}

/* A one-path remote command on every match of a glob. */
static int each(struct sftp_client *c, const char *pat,
                int (*fn)(struct sftp_client *, const char *))
{
    char **paths;
    size_t n;
    if (sc_glob(c, pat, &paths, &n) != 0)
        return -1;
    int rc = 0;
    for (size_t k = 0; k < n; k++)
        rc |= fn(c, paths[k]);
    sc_strv_free(paths, n);
    return rc;
}

/* chmod / chown / chgrp [-h] N path (OpenSSH's sftp): chown and chgrp set
 * UIDGID with the other id kept from a stat of the file; -h changes a
 * symlink itself (lsetstat@openssh.com). */
static struct {
    char what; /* 'm'ode, 'o'wner, 'g'roup */
    uint32_t n;
    int nofollow;
} chg;

static int ch_one(struct sftp_client *c, const char *p)
{
    strata_sftp_attrs a = {.flags = STRATA_SFTP_ATTR_PERMISSIONS, .perm = chg.n};
    if (chg.what != 'm') {
        if (sc_stat(c, p, !chg.nofollow, &a, 0) != 0)
            return -1;
        if (!(a.flags & STRATA_SFTP_ATTR_UIDGID)) {
            fprintf(stderr, "Can't get current ownership of remote file \"%s\"\n", p);
            return -1;
        }
        a.flags = STRATA_SFTP_ATTR_UIDGID;
        if (chg.what == 'o')
            a.uid = chg.n;
        else
            a.gid = chg.n;
    }
    printf("Changing %s on %s\n",
           chg.what == 'm'   ? "mode"
           : chg.what == 'o' ? "owner"
                             : "group",
           p);
    return chg.nofollow ? sc_lsetstat(c, p, &a) : sc_setstat(c, p, &a);
}

static int do_ch(struct sftp_client *c, int argc, char **argv)
{
    char seen[256] = {0};
    int i = flags(argc, argv, "h", seen);
    if (i < 0)
        return -1;
    char *e = NULL;
    int base = argv[0][2] == 'm' ? 8 : 10; /* chmod: octal */
    unsigned long long v = i < argc && argv[i][0] != '-' ? strtoull(argv[i], &e, base) : 0;
    if (!e || e == argv[i] || *e || v > (base == 8 ? 07777u : UINT32_MAX)) {
        fprintf(stderr, "You must supply a numeric argument to the %s command.\n", argv[0]);
        return -1;
    }
    if (argc - i != 2) {
        fprintf(stderr,
                argc - i < 2 ? "You must specify a path after a %s command.\n"
                             : "%s: too many arguments\n",
                argv[0]);
        return -1;
    }
    chg.what = argv[0][2] == 'm' ? 'm' : argv[0][2] == 'o' ? 'o' : 'g';
    chg.n = (uint32_t)v;
    chg.nofollow = seen['h'];
    return each(c, argv[i + 1], ch_one);
}

static int rm_one(struct sftp_client *c, const char *p)
{
    printf("Removing %s\n", p);
    return sc_remove(c, p);
}

static int rmdir_one(struct sftp_client *c, const char *p)
{
    return sc_rmdir(c, p);
}

static int run_local(char **argv)
{
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        execvp(argv[0], argv);
        _exit(127);
    }
    int st;
    if (waitpid(pid, &st, 0) < 0)
        return -1;
    return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -1;
}

static int change_dir(struct sftp_client *c, const char *arg)
{
    char *p = sc_abs(c, arg);
    char *rp = NULL;
    int rc = -1;
    if (p && sc_realpath(c, p, &rp) == 0) {
        if (is_remote_dir(c, rp)) {
            free(c->cwd);
            c->cwd = rp;
            rp = NULL;
            rc = 0;
        } else {
            fprintf(stderr, "Can't change directory: \"%s\" is not a directory\n", rp);
        }
    }
    free(p);
    free(rp);
    return rc;
}

/* Runs one command line: 0 ok, -1 failed, 1 quit. */
static int command(struct sftp_client *c, char *line, const struct sftp_xopts *dflt)
{
    char *argv[ARGS_MAX + 1];
    int argc = split(line, argv);
    if (argc < 0) {
        fprintf(stderr, "Invalid command line: unterminated quote or too many words\n");
        return -1;
    }
    if (argc == 0 || argv[0][0] == '#')
        return 0;
    argv[argc] = NULL;
    const char *cmd = argv[0];
    if (!strcmp(cmd, "bye") || !strcmp(cmd, "exit") || !strcmp(cmd, "quit"))
        return 1;
    if (!strcmp(cmd, "help") || !strcmp(cmd, "?")) {
        fputs(cmd_help, stdout);
        return 0;
    }
    if (!strcmp(cmd, "version")) {
        printf("SFTP protocol version %u\n", strata_sftp_version(c->s));
        return 0;
    }
    if (!strcmp(cmd, "progress")) {
        c->progress = !c->progress;
        printf("Progress meter %sabled\n", c->progress ? "en" : "dis");
        return 0;
    }
    if (!strcmp(cmd, "lpwd")) {
        char buf[4096];
        if (!getcwd(buf, sizeof(buf)))
            return -1;
        printf("Local working directory: %s\n", buf);
        return 0;
    }
    if (!strcmp(cmd, "lcd")) {
        const char *d = argc > 1 ? argv[1] : getenv("HOME");
        if (!d || chdir(d) != 0) {
            fprintf(stderr, "Couldn't change local directory to \"%s\": %s\n", d ? d : "",
                    strerror(errno));
            return -1;
        }
        return 0;
    }
    if (!strcmp(cmd, "lmkdir")) {
        if (need(argc, argv, 1) || mkdir(argv[1], 0777) != 0) {
            if (argc == 2)
                fprintf(stderr, "Couldn't create local directory \"%s\": %s\n", argv[1],
                        strerror(errno));
            return -1;
        }
        return 0;
    }
    if (!strcmp(cmd, "lls")) {
        argv[0] = "ls";
        return run_local(argv);
    }
    if (!strcmp(cmd, "pwd")) {
        printf("Remote working directory: %s\n", c->cwd);
        return 0;
    }
    if (!sc_alive(c)) {
        fprintf(stderr, "Connection closed\n");
        return -1;
    }
    if (!strcmp(cmd, "get") || !strcmp(cmd, "reget"))
        return do_get(c, argc, argv, dflt, cmd[0] == 'r');
    if (!strcmp(cmd, "put") || !strcmp(cmd, "reput"))
        return do_put(c, argc, argv, dflt, cmd[0] == 'r');
    if (!strcmp(cmd, "ls") || !strcmp(cmd, "dir"))
        return do_ls(c, argc, argv);
    if (!strcmp(cmd, "df"))
        return do_df(c, argc, argv);
    if (!strcmp(cmd, "cd"))
        return change_dir(c, argc > 1 ? argv[1] : "");
    if (!strcmp(cmd, "mkdir") || !strcmp(cmd, "rmdir") || !strcmp(cmd, "rm")) {
        if (need(argc, argv, 1))
            return -1;
        if (cmd[0] == 'm') {
            char *p = sc_abs(c, argv[1]);
            int rc = p ? sc_mkdir(c, p, 0777, 0) : -1;
            free(p);
            return rc;
        }
        return each(c, argv[1], !strcmp(cmd, "rm") ? rm_one : rmdir_one);
    }
    if (!strcmp(cmd, "chmod") || !strcmp(cmd, "chown") || !strcmp(cmd, "chgrp"))
        return do_ch(c, argc, argv);
    if (!strcmp(cmd, "rename") || !strcmp(cmd, "ln") || !strcmp(cmd, "symlink")) {
        int sym = !strcmp(cmd, "symlink"), i = 1;
        if (!strcmp(cmd, "ln") && argc > 1 && !strcmp(argv[1], "-s"))
            sym = 1, i = 2;
        if (argc - i != 2) {
            fprintf(stderr, "%s: you must specify two paths\n", cmd);
            return -1;
        }
        char *a = sc_abs(c, argv[i]), *b = sc_abs(c, argv[i + 1]);
        int rc = -1;
        if (a && b) {
            if (cmd[0] == 'r') /* OpenSSH's sftp renames with posix-rename when offered */
                rc = sc_rename(c, a, b, strata_sftp_has_ext(c->s, "posix-rename@openssh.com", "1"));
            else if (sym) /* the target is kept as given (a relative link stays relative) */
                rc = sc_symlink(c, argv[i], b);
            else
                rc = sc_hardlink(c, a, b);
        }
        free(a);
        free(b);
        return rc;
    }
    fprintf(stderr, "Invalid command.\n");
    return -1;
}

/* Reads commands from f until EOF or quit. */
static int interpreter(struct sftp_client *c, FILE *f, int batch, const struct sftp_xopts *dflt)
{
    char line[LINE_MAX_SFTP];
    int prompt = !batch && isatty(fileno(f));
    for (unsigned long n = 0;; n++) {
        if (prompt) {
            printf("sftp> ");
            fflush(stdout);
        }
        if (!fgets(line, sizeof(line), f)) {
            if (prompt)
                printf("\n");
            return 0;
        }
        size_t len = strlen(line);
        if (len && line[len - 1] == '\n')
            line[--len] = 0;
        char *p = line;
        while (*p == ' ' || *p == '\t')
            p++;
        int ignore = 0;
        if (*p == '-') {
            ignore = 1;
            p++;
        }
        if (batch) {
            printf("sftp> %s\n", p);
            fflush(stdout);
        }
        int rc = command(c, p, dflt);
        fflush(stdout);
        if (rc == 1)
            return 0;
        if (rc < 0 && batch && !ignore)
            return 1;
        if (!sc_alive(c) && !prompt && batch)
            return 1;
        if (!sc_alive(c)) {
            fprintf(stderr, "Connection closed\n");
            return 1;
        }
    }
}

/* -D "server [args]": the words of the command (split as sftp's command
 * lines are; OpenSSH's sftp runs it without a shell too). */
static int connect_direct(struct sftp_client *c, const char *cmdline)
{
    char *line = strdup(cmdline);
    char *words[ARGS_MAX + 1];
    int n = line ? split(line, words) : -1;
    int rc = -1;
    if (n <= 0) {
        cli_err(n == 0 ? "No sftp server specified via -D" : "Parse -D arguments: '%s'", cmdline);
    } else {
        words[n] = NULL;
        rc = sc_connect_argv(c, (const char *const *)words);
    }
    free(line);
    return rc;
}

/* -S program: OpenSSH's sftp's arguments for it (the fixed ones, the ssh
 * options given to sftp in order, the destination). */
static int connect_program(struct sftp_client *c, struct sftp_argv *pa, const char *host, int port,
                           const char *subsystem)
{
    int rc = -1;
    sftp_argv_add(pa, "-oForwardAgent no");
    if (sftp_argv_ssh_tail(pa, host, port, 1, subsystem ? subsystem : "sftp") != 0)
        cli_err("-S %s: too many arguments", pa->v[0]);
    else
        rc = sc_connect_argv(c, pa->v);
    return rc;
}

int cmd_sftp(int argc, char **argv)
{
    strata_ssh_session_args args;
    memset(&args, 0, sizeof(args));
    static struct sftp_client c;
    memset(&c, 0, sizeof(c));
    struct sftp_xopts dflt = {0};
    const char *batch = NULL, *subsystem = NULL, *direct = NULL;
    static struct sftp_argv pa; /* -S: the program's arguments */
    memset(&pa, 0, sizeof(pa));
    const char *fixed[] = {NULL, "-oForwardX11 no", "-oPermitLocalCommand no",
                           "-oClearAllForwardings yes", "-oControlMaster no"};
    for (size_t i = 0; i < sizeof(fixed) / sizeof(*fixed); i++)
        sftp_argv_add(&pa, fixed[i]);
    c.progress = 1;
    for (int i = 1; i < argc && argv[i][0] == '-'; i++)
        if (!strcmp(argv[i], "--help")) {
            help(stdout);
            return CLI_OK;
        }
    optind = 1;
    opterr = 0;
    int ch;
    while ((ch = getopt(argc, argv, "+afpqrvCB:b:c:D:F:i:J:l:o:P:R:S:s:h")) != -1) {
        /* passed through to -S program as OpenSSH's sftp does */
        if (strchr("qvC", ch)) {
            sftp_argv_add(&pa, ch == 'q' ? "-q" : ch == 'v' ? "-v" : "-C");
        } else if (strchr("cFiJo", ch)) {
            sftp_argv_add(&pa, ch == 'c'   ? "-c"
                               : ch == 'F' ? "-F"
                               : ch == 'i' ? "-i"
                               : ch == 'J' ? "-J"
                                           : "-o");
            sftp_argv_add(&pa, optarg);
        } else if (ch == 'b') {
            sftp_argv_add(&pa, "-obatchmode yes");
        }
        switch (ch) {
        case 'a':
            dflt.resume = 1;
            break;
        case 'f':
            dflt.fsync = 1;
            break;
        case 'p':
            dflt.preserve = 1;
            break;
        case 'r':
            dflt.recurse = 1;
            break;
        case 'q':
            args.quiet = 1;
            c.progress = 0;
            break;
        case 'v':
            args.verbose++;
            break;
        case 'C':
            args.compression = 1;
            break;
        case 'b':
            batch = optarg;
            break;
        case 'c':
            args.ciphers = optarg;
            break;
        case 'F':
            args.config_file = optarg;
            break;
        case 'i':
            if (args.n_identity < STRATA_SSH_SESSION_KEYS_MAX)
                args.identity[args.n_identity++] = optarg;
            break;
        case 'J':
            args.jump = optarg;
            break;
        case 'o':
            if (args.n_opts < STRATA_SSH_SESSION_OPTS_MAX)
                args.opts[args.n_opts++] = optarg;
            break;
        case 's':
            subsystem = optarg;
            break;
        case 'D':
            direct = optarg;
            break;
        case 'S':
            pa.v[0] = optarg;
            break;
        case 'h':
            help(stdout);
            return CLI_OK;
        case 'P':
        case 'B':
        case 'R':
        case 'l': {
            unsigned long long v;
            if (cli_opt_uint(ch, optarg,
                             ch == 'P'   ? 65535
                             : ch == 'B' ? STRATA_SFTP_XFER_CHUNK
                             : ch == 'R' ? 512
                                         : 100000000ull,
                             &v) != 0)
                return CLI_USAGE;
            if (ch == 'P')
                args.port = (int)v;
            else if (ch == 'B')
                c.chunk = (uint32_t)v;
            else if (ch == 'R')
                c.requests = (uint32_t)v;
            else
                c.limit_bps = v * 1000u / 8u; /* Kbit/s */
            break;
        }
        default:
            cli_getopt_error(optopt, "BbcDFiJloPRSs");
            help(stderr);
            return CLI_USAGE;
        }
    }
    if (direct ? optind > argc : optind + 1 != argc) { /* -D: any destination is ignored */
        help(stderr);
        return CLI_USAGE;
    }
    cli_verbose(args.verbose);
    if (batch) /* as OpenSSH: no meter in batch mode until `progress` */
        c.progress = 0;
    if (batch)
        args.opts[args.n_opts < STRATA_SSH_SESSION_OPTS_MAX ? args.n_opts++ : 0] = "BatchMode=yes";
    args.ui.ask = sftp_cli_ask;
    char *host = NULL, *path = NULL;
    if (direct) {
        if (!(host = strdup(direct)))
            return CLI_FAIL;
    } else if (sftp_cli_split_dest(argv[optind], &host, &path, &args.port) != 0) {
        cli_err("bad destination '%s'", argv[optind]);
        return CLI_USAGE;
    }
    FILE *bf = NULL;
    if (batch) {
        bf = strcmp(batch, "-") ? fopen(batch, "r") : stdin;
        if (!bf) {
            cli_err("%s (%s).", strerror(errno), batch);
            free(host);
            free(path);
            return CLI_FAIL;
        }
    }
    int rc = 255;
    if (direct    ? connect_direct(&c, direct)
        : pa.v[0] ? connect_program(&c, &pa, host, args.port, subsystem)
                  : sc_connect(&c, host, &args, subsystem))
        goto out;
    if (!args.quiet && !batch)
        printf("%s to %s.\n", direct ? "Attached" : "Connected", host);
    if (path && *path) {
        char *p = sc_abs(&c, path);
        if (p && is_remote_dir(&c, p)) {
            if (change_dir(&c, p) != 0) {
                free(p);
                rc = 1;
                goto out;
            }
        } else if (p) {
            rc = sc_get(&c, p, base_of(p), &dflt) == 0 ? 0 : 1;
            free(p);
            goto out;
        }
        free(p);
    }
    rc = interpreter(&c, bf ? bf : stdin, bf != NULL, &dflt);
out:
    if (bf && bf != stdin)
        fclose(bf);
    sc_close(&c);
    sftp_argv_free(&pa);
    free(host);
    free(path);
    return rc;
}
