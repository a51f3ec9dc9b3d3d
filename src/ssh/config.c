/* ssh_config(5): the pure parser (see strata/ssh_config.h). */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "strata/ssh_config.h"
#include "strata/buf.h"

#define LINE_ARGS_MAX 64

enum kind {
    K_STR,
    K_PORT,
    K_YESNO,
    K_STRICT,
    K_SECONDS,
    K_COUNT,
    K_ALGS,
    K_REKEY,
    K_FORWARD,
    K_LOG,
    K_IDFILE,
    K_WARNWEAK,
    K_MASTER,
    K_PERSIST
};

struct option_row {
    const char *name;
    enum strata_ssh_config_opt opt;
    enum kind kind;
    size_t str_off; /* for K_STR / K_ALGS: offset of the char * field */
    size_t int_off; /* for the int kinds: offset of the int field */
};

#define STR(f) offsetof(strata_ssh_config, f), 0
#define INT(f) 0, offsetof(strata_ssh_config, f)

static const struct option_row options[] = {
    {"HostName", STRATA_SSHC_HOSTNAME, K_STR, STR(hostname)},
    {"User", STRATA_SSHC_USER, K_STR, STR(user)},
    {"Port", STRATA_SSHC_PORT, K_PORT, INT(port)},
    {"IdentityFile", STRATA_SSHC_IDENTITYFILE, K_IDFILE, 0, 0},
    {"ProxyJump", STRATA_SSHC_PROXYJUMP, K_STR, STR(proxy_jump)},
    {"UserKnownHostsFile", STRATA_SSHC_USERKNOWNHOSTSFILE, K_STR, STR(user_known_hosts_file)},
    {"StrictHostKeyChecking", STRATA_SSHC_STRICTHOSTKEYCHECKING, K_STRICT,
     INT(strict_host_key_checking)},
    {"BatchMode", STRATA_SSHC_BATCHMODE, K_YESNO, INT(batch_mode)},
    {"Compression", STRATA_SSHC_COMPRESSION, K_YESNO, INT(compression)},
    {"ConnectTimeout", STRATA_SSHC_CONNECTTIMEOUT, K_SECONDS, INT(connect_timeout)},
    {"ServerAliveInterval", STRATA_SSHC_SERVERALIVEINTERVAL, K_SECONDS, INT(server_alive_interval)},
    {"ServerAliveCountMax", STRATA_SSHC_SERVERALIVECOUNTMAX, K_COUNT, INT(server_alive_count_max)},
    {"KexAlgorithms", STRATA_SSHC_KEXALGORITHMS, K_ALGS, STR(kex_algorithms)},
    {"Ciphers", STRATA_SSHC_CIPHERS, K_ALGS, STR(ciphers)},
    {"MACs", STRATA_SSHC_MACS, K_ALGS, STR(macs)},
    {"HostKeyAlgorithms", STRATA_SSHC_HOSTKEYALGORITHMS, K_ALGS, STR(host_key_algorithms)},
    {"RekeyLimit", STRATA_SSHC_REKEYLIMIT, K_REKEY, 0, 0},
    {"LocalForward", STRATA_SSHC_LOCALFORWARD, K_FORWARD, 0, 0},
    {"IdentitiesOnly", STRATA_SSHC_IDENTITIESONLY, K_YESNO, INT(identities_only)},
    {"IdentityAgent", STRATA_SSHC_IDENTITYAGENT, K_STR, STR(identity_agent)},
    {"LogLevel", STRATA_SSHC_LOGLEVEL, K_LOG, INT(log_level)},
    {"IgnoreUnknown", STRATA_SSHC_IGNOREUNKNOWN, K_STR, STR(ignore_unknown)},
    {"PreferredAuthentications", STRATA_SSHC_PREFERREDAUTHENTICATIONS, K_STR,
     STR(preferred_authentications)},
    {"PubkeyAuthentication", STRATA_SSHC_PUBKEYAUTHENTICATION, K_YESNO, INT(pubkey_authentication)},
    {"PasswordAuthentication", STRATA_SSHC_PASSWORDAUTHENTICATION, K_YESNO,
     INT(password_authentication)},
    {"KbdInteractiveAuthentication", STRATA_SSHC_KBDINTERACTIVEAUTHENTICATION, K_YESNO,
     INT(kbd_interactive_authentication)},
    {"WarnWeakCrypto", STRATA_SSHC_WARNWEAKCRYPTO, K_WARNWEAK, INT(warn_weak_crypto)},
    {"ControlMaster", STRATA_SSHC_CONTROLMASTER, K_MASTER, INT(control_master)},
    {"ControlPath", STRATA_SSHC_CONTROLPATH, K_STR, STR(control_path)},
    {"ControlPersist", STRATA_SSHC_CONTROLPERSIST, K_PERSIST, INT(control_persist)},
};

/* Argument counts each kind takes: min, max. */
static void kind_args(enum kind k, int *min, int *max)
{
    *min = 1;
    *max = k == K_REKEY || k == K_FORWARD ? 2 : 1;
    if (k == K_FORWARD)
        *min = 2;
    if (k == K_STR || k == K_IDFILE)
        *max = 1;
}

void strata_ssh_config_init(strata_ssh_config *c)
{
    memset(c, 0, sizeof(*c));
    c->port = -1;
    c->strict_host_key_checking = -1;
    c->batch_mode = c->compression = c->identities_only = -1;
    c->pubkey_authentication = c->password_authentication = -1;
    c->kbd_interactive_authentication = -1;
    c->connect_timeout = c->server_alive_interval = c->server_alive_count_max = -1;
    c->log_level = -1;
    c->warn_weak_crypto = -1;
    c->control_master = c->control_persist = -1;
}

void strata_ssh_config_free(strata_ssh_config *c)
{
    for (size_t i = 0; i < sizeof(options) / sizeof(options[0]); i++)
        if (options[i].kind == K_STR || options[i].kind == K_ALGS)
            free(*(char **)((char *)c + options[i].str_off));
    for (size_t i = 0; i < c->n_identity_files; i++)
        free(c->identity_files[i]);
    for (size_t i = 0; i < c->n_forwards; i++) {
        free(c->forwards[i].bind);
        free(c->forwards[i].host);
    }
    strata_ssh_config_init(c);
}

/* ---- host patterns ------------------------------------------------------------------- */

/* Glob with `*` and `?`, case-insensitive, on n bytes of pattern. Iterative
 * with one backtrack point (the last star), so O(len(s) * n) at worst. */
static int glob_match(const char *s, const char *p, size_t n)
{
    size_t pi = 0, star = (size_t)-1;
    const char *mark = NULL;
    while (*s) {
        if (pi < n &&
            (p[pi] == '?' || tolower((unsigned char)p[pi]) == tolower((unsigned char)*s))) {
            s++;
            pi++;
        } else if (pi < n && p[pi] == '*') {
            star = pi++;
            mark = s;
        } else if (star != (size_t)-1) {
            pi = star + 1;
            s = ++mark;
        } else {
            return 0;
        }
    }
    while (pi < n && p[pi] == '*')
        pi++;
    return pi == n;
}

int strata_ssh_config_host_match(const char *host, const char *patterns)
{
    int positive = 0;
    const char *p = patterns;
    while (*p) {
        while (*p == ' ' || *p == '\t' || *p == ',')
            p++;
        size_t n = strcspn(p, " \t,");
        if (n == 0)
            break;
        int neg = p[0] == '!';
        int m = glob_match(host, p + neg, n - (size_t)neg);
        if (m && neg)
            return 0;
        if (m)
            positive = 1;
        p += n;
    }
    return positive;
}

/* ---- values ------------------------------------------------------------------------------ */

/* A non-negative decimal integer of at most max; -1 if not one. */
static long long parse_uint(const char *s, long long max)
{
    long long v = 0;
    if (!*s)
        return -1;
    for (; *s; s++) {
        if (*s < '0' || *s > '9')
            return -1;
        v = v * 10 + (*s - '0');
        if (v > max)
            return -1;
    }
    return v;
}

/* sshd_config(5) TIME FORMATS: 90, 90s, 10m, 1h30m, 2d, 1w; or "none" (0). */
static long long parse_time(const char *s)
{
    if (strcasecmp(s, "none") == 0)
        return 0;
    long long total = 0, v = -1;
    for (; *s; s++) {
        if (*s >= '0' && *s <= '9') {
            v = (v < 0 ? 0 : v) * 10 + (*s - '0');
            if (v > 100000000)
                return -1;
            continue;
        }
        long long mul;
        switch (tolower((unsigned char)*s)) {
        case 's':
            mul = 1;
            break;
        case 'm':
            mul = 60;
            break;
        case 'h':
            mul = 3600;
            break;
        case 'd':
            mul = 86400;
            break;
        case 'w':
            mul = 604800;
            break;
        default:
            return -1;
        }
        if (v < 0)
            return -1;
        total += v * mul;
        v = -1;
        if (total > 0x7fffffff)
            return -1;
    }
    if (v >= 0)
        total += v;
    return total > 0x7fffffff ? -1 : total;
}

/* RekeyLimit bytes: a number with an optional K, M or G suffix; "default" is 0. */
static int parse_size(const char *s, uint64_t *out)
{
    if (strcasecmp(s, "default") == 0) {
        *out = 0;
        return 1;
    }
    uint64_t v = 0, mul = 1;
    size_t n = strlen(s);
    if (n > 1) {
        switch (toupper((unsigned char)s[n - 1])) {
        case 'K':
            mul = 1ull << 10;
            n--;
            break;
        case 'M':
            mul = 1ull << 20;
            n--;
            break;
        case 'G':
            mul = 1ull << 30;
            n--;
            break;
        default:
            break;
        }
    }
    if (n == 0 || n > 12)
        return 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return 0;
        v = v * 10 + (uint64_t)(s[i] - '0');
    }
    /* OpenSSH refuses limits under 16 bytes (other than 0). */
    if (v * mul != 0 && v * mul < 16)
        return 0;
    *out = v * mul;
    return 1;
}

static int parse_yesno(const char *s)
{
    if (strcasecmp(s, "yes") == 0 || strcasecmp(s, "true") == 0)
        return 1;
    if (strcasecmp(s, "no") == 0 || strcasecmp(s, "false") == 0)
        return 0;
    return -1;
}

static int parse_strict(const char *s)
{
    static const struct {
        const char *name;
        int v;
    } m[] = {{"yes", STRATA_SSHC_STRICT_YES}, {"true", STRATA_SSHC_STRICT_YES},
             {"no", STRATA_SSHC_STRICT_NO},   {"false", STRATA_SSHC_STRICT_NO},
             {"off", STRATA_SSHC_STRICT_NO},  {"accept-new", STRATA_SSHC_STRICT_ACCEPT_NEW},
             {"ask", STRATA_SSHC_STRICT_ASK}};
    for (size_t i = 0; i < sizeof(m) / sizeof(m[0]); i++)
        if (strcasecmp(s, m[i].name) == 0)
            return m[i].v;
    return -1;
}

static int parse_loglevel(const char *s)
{
    static const char *const names[] = {"QUIET",   "FATAL",  "ERROR",  "INFO",
                                        "VERBOSE", "DEBUG1", "DEBUG2", "DEBUG3"};
    if (strcasecmp(s, "DEBUG") == 0)
        return STRATA_SSHC_LOG_DEBUG1;
    for (int i = 0; i < (int)(sizeof(names) / sizeof(names[0])); i++)
        if (strcasecmp(s, names[i]) == 0)
            return i;
    return -1;
}

/* "[bind:]port" into f->bind / f->port; "host:port" (or "[v6]:port") into host. */
static int parse_forward(const char *listen, const char *dest, strata_ssh_config_forward *f)
{
    const char *colon = strrchr(listen, ':');
    const char *port = colon ? colon + 1 : listen;
    long long lp = parse_uint(port, 65535), dp;
    if (lp < 0)
        return 0;
    const char *dcolon = strrchr(dest, ':');
    if (!dcolon || dcolon == dest || (dp = parse_uint(dcolon + 1, 65535)) <= 0)
        return 0;
    const char *h = dest;
    size_t hn = (size_t)(dcolon - dest);
    if (h[0] == '[' && hn >= 2 && h[hn - 1] == ']') {
        h++;
        hn -= 2;
    }
    if (colon && colon != listen && !(f->bind = strndup(listen, (size_t)(colon - listen))))
        return 0;
    if (!(f->host = strndup(h, hn))) {
        free(f->bind);
        f->bind = NULL;
        return 0;
    }
    f->port = (int)lp;
    f->host_port = (int)dp;
    return 1;
}

/* Applies one keyword with its arguments (first value wins). */
static strata_status apply_keyword(strata_ssh_config *c, const char *loc, int argc, char **argv,
                                   strata_error *err)
{
    const struct option_row *row = NULL;
    for (size_t i = 0; i < sizeof(options) / sizeof(options[0]); i++)
        if (strcasecmp(argv[0], options[i].name) == 0)
            row = &options[i];
    if (!row && c->ignore_unknown && strata_ssh_config_host_match(argv[0], c->ignore_unknown))
        return STRATA_OK; /* IgnoreUnknown: the user said this one may be skipped */
    if (!row)
        return strata_error_set(err, STRATA_E_SSH_CONFIG, "%s: unknown option \"%s\"", loc,
                                argv[0]);
    int min, max;
    kind_args(row->kind, &min, &max);
    if (argc - 1 < min)
        return strata_error_set(err, STRATA_E_SSH_CONFIG, "%s: %s needs %s", loc, row->name,
                                min == 1 ? "a value" : "two values");
    if (argc - 1 > max)
        return strata_error_set(err, STRATA_E_SSH_CONFIG, "%s: too many values for %s (\"%s\")",
                                loc, row->name, argv[max + 1]);
    const char *v = argv[1];
    int *ip = row->int_off ? (int *)((char *)c + row->int_off) : NULL;
    long long n;
    int x;

    /* Validate even when an earlier value wins, so every line is checked. */
    switch (row->kind) {
    case K_IDFILE:
        if (c->n_identity_files >= STRATA_SSH_CONFIG_LIST_MAX)
            return strata_error_set(err, STRATA_E_SSH_CONFIG, "%s: more than 64 %s entries", loc,
                                    row->name);
        if (!(c->identity_files[c->n_identity_files] = strdup(v)))
            return strata_error_set(err, STRATA_E_NOMEM, "out of memory");
        c->n_identity_files++;
        c->set[row->opt] = 1;
        return STRATA_OK;
    case K_FORWARD: {
        strata_ssh_config_forward f = {0};
        if (c->n_forwards >= STRATA_SSH_CONFIG_LIST_MAX)
            return strata_error_set(err, STRATA_E_SSH_CONFIG, "%s: more than 64 %s entries", loc,
                                    row->name);
        if (!parse_forward(argv[1], argv[2], &f))
            return strata_error_set(err, STRATA_E_SSH_CONFIG,
                                    "%s: bad LocalForward \"%s %s\" ([bind:]port host:hostport)",
                                    loc, argv[1], argv[2]);
        c->forwards[c->n_forwards++] = f;
        c->set[row->opt] = 1;
        return STRATA_OK;
    }
    case K_STR:
    case K_ALGS: {
        if (row->kind == K_ALGS) {
            const char *list = (v[0] == '+' || v[0] == '-' || v[0] == '^') ? v + 1 : v;
            if (strata_namelist_check(list, strlen(list), 4096) != STRATA_OK || !*list)
                return strata_error_set(err, STRATA_E_SSH_CONFIG,
                                        "%s: bad algorithm list \"%s\" for %s", loc, v, row->name);
        }
        if (c->set[row->opt])
            return STRATA_OK;
        char **sp = (char **)((char *)c + row->str_off);
        if (!(*sp = strdup(v)))
            return strata_error_set(err, STRATA_E_NOMEM, "out of memory");
        break;
    }
    case K_PORT:
        if ((n = parse_uint(v, 65535)) <= 0)
            return strata_error_set(err, STRATA_E_SSH_CONFIG, "%s: bad port \"%s\"", loc, v);
        if (!c->set[row->opt])
            *ip = (int)n;
        break;
    case K_YESNO:
        if ((x = parse_yesno(v)) < 0)
            return strata_error_set(err, STRATA_E_SSH_CONFIG,
                                    "%s: %s must be yes or no, not \"%s\"", loc, row->name, v);
        if (!c->set[row->opt])
            *ip = x;
        break;
    case K_STRICT:
        if ((x = parse_strict(v)) < 0)
            return strata_error_set(err, STRATA_E_SSH_CONFIG,
                                    "%s: %s must be yes, no, accept-new or ask, not \"%s\"", loc,
                                    row->name, v);
        if (!c->set[row->opt])
            *ip = x;
        break;
    case K_SECONDS:
        if ((n = parse_time(v)) < 0)
            return strata_error_set(err, STRATA_E_SSH_CONFIG, "%s: bad time \"%s\" for %s", loc, v,
                                    row->name);
        if (!c->set[row->opt])
            *ip = (int)n;
        break;
    case K_COUNT:
        if ((n = parse_uint(v, 1000000)) < 0)
            return strata_error_set(err, STRATA_E_SSH_CONFIG, "%s: bad number \"%s\" for %s", loc,
                                    v, row->name);
        if (!c->set[row->opt])
            *ip = (int)n;
        break;
    case K_WARNWEAK: /* OpenSSH 10.1: yes, no, or the one warning turned off */
        x = !strcasecmp(v, "no-pq-kex") ? 0 : parse_yesno(v);
        if (x < 0)
            return strata_error_set(err, STRATA_E_SSH_CONFIG,
                                    "%s: %s must be yes, no or no-pq-kex, not \"%s\"", loc,
                                    row->name, v);
        if (!c->set[row->opt])
            *ip = x;
        break;
    case K_MASTER: { /* ssh_config(5): yes, no, ask, auto, autoask */
        static const char *const names[] = {"no", "yes", "auto", "ask", "autoask"};
        x = -1;
        for (int i = 0; i < 5; i++)
            if (!strcasecmp(v, names[i]))
                x = i;
        if (x < 0)
            return strata_error_set(err, STRATA_E_SSH_CONFIG,
                                    "%s: %s must be yes, no, ask, auto or autoask, not \"%s\"", loc,
                                    row->name, v);
        if (!c->set[row->opt])
            *ip = x;
        break;
    }
    case K_PERSIST: /* yes, no, or a time (0: for ever, as yes) */
        x = parse_yesno(v);
        n = x < 0 ? parse_time(v) : 0;
        if (x < 0 && n < 0)
            return strata_error_set(err, STRATA_E_SSH_CONFIG,
                                    "%s: %s must be yes, no or a time, not \"%s\"", loc, row->name,
                                    v);
        if (!c->set[row->opt]) {
            *ip = x >= 0 ? x : 1;
            c->control_persist_seconds = x >= 0 ? 0 : (int)n;
        }
        break;
    case K_LOG:
        if ((x = parse_loglevel(v)) < 0)
            return strata_error_set(err, STRATA_E_SSH_CONFIG, "%s: unknown LogLevel \"%s\"", loc,
                                    v);
        if (!c->set[row->opt])
            *ip = x;
        break;
    case K_REKEY: {
        uint64_t bytes;
        long long secs = 0;
        if (!parse_size(v, &bytes))
            return strata_error_set(err, STRATA_E_SSH_CONFIG, "%s: bad RekeyLimit size \"%s\"", loc,
                                    v);
        if (argc > 2 && (secs = parse_time(argv[2])) < 0)
            return strata_error_set(err, STRATA_E_SSH_CONFIG, "%s: bad RekeyLimit time \"%s\"", loc,
                                    argv[2]);
        if (!c->set[row->opt]) {
            c->rekey_bytes = bytes;
            c->rekey_seconds = secs;
        }
        break;
    }
    }
    c->set[row->opt] = 1;
    return STRATA_OK;
}

/* Splits a line in place: keyword (ends at whitespace or '='), an optional
 * '=', then whitespace-separated arguments with double quotes. Returns the
 * count, or -1 for an unterminated quote, -2 for too many arguments. */
static int split_line(char *s, char **argv)
{
    int argc = 0;
    while (*s == ' ' || *s == '\t')
        s++;
    if (!*s)
        return 0;
    argv[argc++] = s;
    while (*s && *s != ' ' && *s != '\t' && *s != '=')
        s++;
    if (*s) {
        int eq = *s == '=';
        *s++ = '\0';
        while (*s == ' ' || *s == '\t' || (!eq && *s == '=' && (eq = 1)))
            s++;
    }
    while (*s) {
        while (*s == ' ' || *s == '\t')
            s++;
        if (!*s)
            break;
        if (argc >= LINE_ARGS_MAX)
            return -2;
        if (*s == '"') {
            argv[argc++] = ++s;
            char *q = strchr(s, '"');
            if (!q)
                return -1;
            *q = '\0';
            s = q + 1;
        } else {
            argv[argc++] = s;
            while (*s && *s != ' ' && *s != '\t')
                s++;
            if (*s)
                *s++ = '\0';
        }
    }
    return argc;
}

strata_status strata_ssh_config_apply_option(strata_ssh_config *c, const char *arg,
                                             strata_error *err)
{
    char *argv[LINE_ARGS_MAX];
    char loc[96];
    snprintf(loc, sizeof(loc), "-o \"%.60s\"", arg);
    char *copy = strdup(arg);
    if (!copy)
        return strata_error_set(err, STRATA_E_NOMEM, "out of memory");
    strata_status r;
    int argc = split_line(copy, argv);
    if (argc <= 0)
        r = strata_error_set(err, STRATA_E_SSH_CONFIG, "%s: %s", loc,
                             argc == 0 ? "empty option" : "bad quoting or too many values");
    else if (strcasecmp(argv[0], "Host") == 0 || strcasecmp(argv[0], "Match") == 0 ||
             strcasecmp(argv[0], "Include") == 0)
        r = strata_error_set(err, STRATA_E_SSH_CONFIG, "%s: %s is not allowed with -o", loc,
                             argv[0]);
    else
        r = apply_keyword(c, loc, argc, argv, err);
    free(copy);
    return r;
}

static strata_status apply_text_depth(strata_ssh_config *c, const char *text, size_t n,
                                      const char *name, const char *host, const char *home,
                                      int depth, strata_error *err);

struct include_ctx {
    strata_ssh_config *c;
    const char *host, *home;
    int depth;
};

static strata_status include_each(void *arg, const char *path, const char *text, size_t n,
                                  strata_error *err)
{
    struct include_ctx *x = arg;
    if (n > STRATA_SSH_CONFIG_FILE_MAX)
        return strata_error_set(err, STRATA_E_LIMIT, "%s is larger than %u bytes", path,
                                STRATA_SSH_CONFIG_FILE_MAX);
    return apply_text_depth(x->c, text, n, path, x->host, x->home, x->depth + 1, err);
}

static strata_status include(strata_ssh_config *c, const char *loc, const char *pattern,
                             const char *host, const char *home, int depth, strata_error *err)
{
    char path[4096];
    if (depth >= STRATA_SSH_CONFIG_INCLUDE_DEPTH)
        return strata_error_set(err, STRATA_E_SSH_CONFIG,
                                "%s: Include nested more than 8 deep (\"%s\")", loc, pattern);
    if (pattern[0] == '/')
        snprintf(path, sizeof(path), "%s", pattern);
    else if (!home)
        return strata_error_set(err, STRATA_E_SSH_CONFIG,
                                "%s: Include \"%s\" needs a home directory", loc, pattern);
    else if (pattern[0] == '~' && pattern[1] == '/')
        snprintf(path, sizeof(path), "%s%s", home, pattern + 1);
    else
        snprintf(path, sizeof(path), "%s/.ssh/%s", home, pattern);
    if (!c->include)
        return strata_error_set(
            err, STRATA_E_SSH_CONFIG,
            "%s: Include \"%s\": no file reader (use strata_ssh_config_apply_file)", loc, pattern);
    struct include_ctx x = {c, host, home, depth};
    return c->include(c->include_user, path, include_each, &x, err);
}

static strata_status apply_text_depth(strata_ssh_config *c, const char *text, size_t n,
                                      const char *name, const char *host, const char *home,
                                      int depth, strata_error *err)
{
    char *argv[LINE_ARGS_MAX];
    char loc[300];
    int active = 1; /* lines before the first Host apply to every host */
    strata_status r = STRATA_OK;
    size_t line_no = 0;
    for (size_t i = 0; i < n && r == STRATA_OK;) {
        size_t e = i;
        while (e < n && text[e] != '\n')
            e++;
        line_no++;
        size_t len = e - i;
        if (len && text[i + len - 1] == '\r')
            len--;
        snprintf(loc, sizeof(loc), "%.200s line %zu", name, line_no);
        char *line = malloc(len + 1);
        if (!line)
            return strata_error_set(err, STRATA_E_NOMEM, "out of memory");
        memcpy(line, text + i, len);
        line[len] = '\0';
        i = e + 1;
        if (memchr(line, '\0', len)) {
            free(line);
            return strata_error_set(err, STRATA_E_SSH_CONFIG, "%s: NUL byte in the line", loc);
        }
        char *s = line;
        while (*s == ' ' || *s == '\t')
            s++;
        int argc = *s == '#' ? 0 : split_line(s, argv);
        if (argc < 0)
            r = strata_error_set(err, STRATA_E_SSH_CONFIG, "%s: %s", loc,
                                 argc == -1 ? "unterminated quote" : "too many values");
        else if (argc == 0)
            ;
        else if (strcasecmp(argv[0], "Match") == 0)
            r = strata_error_set(err, STRATA_E_SSH_CONFIG,
                                 "%s: Match is not supported by strata (use Host)", loc);
        else if (strcasecmp(argv[0], "Host") == 0) {
            if (argc < 2) {
                r = strata_error_set(err, STRATA_E_SSH_CONFIG,
                                     "%s: Host needs at least one pattern", loc);
            } else {
                active = 0;
                int any_neg = 0;
                for (int a = 1; a < argc; a++) {
                    int m = strata_ssh_config_host_match(host, argv[a]);
                    char first = argv[a][0];
                    if (first == '!' && strata_ssh_config_host_match(host, argv[a] + 1))
                        any_neg = 1;
                    if (m)
                        active = 1;
                }
                if (any_neg)
                    active = 0;
            }
        } else if (strcasecmp(argv[0], "Include") == 0) {
            if (argc < 2)
                r = strata_error_set(err, STRATA_E_SSH_CONFIG, "%s: Include needs a file", loc);
            for (int a = 1; a < argc && r == STRATA_OK && active; a++)
                r = include(c, loc, argv[a], host, home, depth, err);
        } else if (active) {
            r = apply_keyword(c, loc, argc, argv, err);
        } else {
            /* Inactive block: the line must still be valid (known keyword,
             * well-formed value), under the IgnoreUnknown in force. */
            strata_ssh_config scratch;
            strata_ssh_config_init(&scratch);
            scratch.ignore_unknown = c->ignore_unknown;
            scratch.set[STRATA_SSHC_IGNOREUNKNOWN] = 1;
            r = apply_keyword(&scratch, loc, argc, argv, err);
            scratch.ignore_unknown = NULL;
            strata_ssh_config_free(&scratch);
        }
        free(line);
    }
    return r;
}

strata_status strata_ssh_config_apply_text(strata_ssh_config *c, const char *text, size_t n,
                                           const char *name, const char *host, const char *home,
                                           strata_error *err)
{
    if (n > STRATA_SSH_CONFIG_FILE_MAX)
        return strata_error_set(err, STRATA_E_LIMIT, "%s is larger than %u bytes", name,
                                STRATA_SSH_CONFIG_FILE_MAX);
    return apply_text_depth(c, text, n, name, host, home, 0, err);
}

/* ---- tokens --------------------------------------------------------------------------- */

struct tokens {
    const char *h, *n, *r, *u, *d, *l;
    char p[8];
};

/* Expands "~/" and %-tokens of in into a new heap string in *out. */
static strata_status expand(const char *what, const char *in, const struct tokens *t, char **out,
                            strata_error *err)
{
    strata_buf b;
    strata_status r = STRATA_OK;
    *out = NULL;
    strata_buf_init(&b, 8192);
    if (in[0] == '~' && (in[1] == '/' || in[1] == '\0')) {
        if (!t->d)
            r = strata_error_set(err, STRATA_E_SSH_CONFIG, "%s \"%s\": no home directory for ~",
                                 what, in);
        else
            r = strata_buf_put(&b, t->d, strlen(t->d));
        in++;
    }
    for (; *in && r == STRATA_OK; in++) {
        if (*in != '%') {
            r = strata_buf_put_u8(&b, (uint8_t)*in);
            continue;
        }
        const char *v = NULL;
        char tok = in[1];
        switch (tok) {
        case '%':
            v = "%";
            break;
        case 'h':
            v = t->h;
            break;
        case 'n':
            v = t->n;
            break;
        case 'p':
            v = t->p;
            break;
        case 'r':
            v = t->r;
            break;
        case 'u':
            v = t->u;
            break;
        case 'd':
            v = t->d;
            break;
        case 'l':
            v = t->l;
            break;
        default:
            r = strata_error_set(err, STRATA_E_SSH_CONFIG, "%s \"%s\": unknown token %%%c", what,
                                 in, tok ? tok : ' ');
            continue;
        }
        if (!v) {
            r = strata_error_set(err, STRATA_E_SSH_CONFIG, "%s: token %%%c has no value here", what,
                                 tok);
            continue;
        }
        r = strata_buf_put(&b, v, strlen(v));
        in++;
    }
    if (r == STRATA_OK && (r = strata_buf_put_u8(&b, 0)) == STRATA_OK &&
        !(*out = strdup((const char *)strata_buf_ptr(&b))))
        r = STRATA_E_NOMEM;
    if (r != STRATA_OK && err->status == STRATA_OK)
        strata_error_set(err, r, "%s is too long", what);
    strata_buf_free(&b);
    return r;
}

static strata_status expand_in_place(const char *what, char **s, const struct tokens *t,
                                     strata_error *err)
{
    char *x;
    if (!*s)
        return STRATA_OK;
    strata_status r = expand(what, *s, t, &x, err);
    if (r == STRATA_OK) {
        free(*s);
        *s = x;
    }
    return r;
}

strata_status strata_ssh_config_finish(strata_ssh_config *c, const char *host,
                                       const char *local_user, const char *home,
                                       const char *local_host, strata_error *err)
{
    struct tokens t = {host, host, NULL, local_user, home, local_host, {0}};
    strata_status r;
    if (c->port < 0)
        c->port = 22;
    if (!c->user && local_user && !(c->user = strdup(local_user)))
        return strata_error_set(err, STRATA_E_NOMEM, "out of memory");
    /* HostName knows only %h (the name given) and %%. */
    struct tokens ht = {host, host, NULL, NULL, NULL, NULL, {0}};
    if (!c->hostname && !(c->hostname = strdup(host)))
        return strata_error_set(err, STRATA_E_NOMEM, "out of memory");
    if ((r = expand_in_place("HostName", &c->hostname, &ht, err)) != STRATA_OK)
        return r;
    t.h = c->hostname;
    t.r = c->user;
    snprintf(t.p, sizeof(t.p), "%d", c->port);
    for (size_t i = 0; i < c->n_identity_files; i++)
        if ((r = expand_in_place("IdentityFile", &c->identity_files[i], &t, err)) != STRATA_OK)
            return r;
    if ((r = expand_in_place("UserKnownHostsFile", &c->user_known_hosts_file, &t, err)) !=
            STRATA_OK ||
        (r = expand_in_place("IdentityAgent", &c->identity_agent, &t, err)) != STRATA_OK)
        return r;
    return STRATA_OK;
}
