/* ssh_config(5): the pure parser (see strata/ssh_config.h): lines, Host,
 * Match and Include. The keywords are config_kw.c's, the tokens
 * config_tokens.c's. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ssh/config_internal.h"
#include "strata/buf.h"

#define LINE_ARGS_MAX 64
#define bad strata__sshc_bad

void strata_ssh_config_init(strata_ssh_config *c)
{
    memset(c, 0, sizeof(*c));
    c->port = -1;
    c->strict_host_key_checking = -1;
    c->batch_mode = c->compression = c->identities_only = -1;
    c->pubkey_authentication = c->password_authentication = -1;
    c->kbd_interactive_authentication = -1;
    c->connect_timeout = c->server_alive_interval = -1;
    c->log_level = -1;
    c->warn_weak_crypto = -1;
    c->request_tty = c->server_alive_count_max = c->forward_agent = -1;
    c->exit_on_forward_failure = c->hash_known_hosts = c->update_host_keys = -1;
    c->add_keys_to_agent = c->number_of_password_prompts = -1;
    c->escape_char = c->control_master = c->control_persist = -1;
    c->clear_all_forwardings = c->required_rsa_size = -1;
    c->uid = -1;
}

void strata_ssh_config_free(strata_ssh_config *c)
{
    strata__sshc_free_values(c);
    for (size_t i = 0; i < c->n_notes; i++)
        free(c->notes[i]);
    free(c->local_user);
    free(c->local_host);
    free(c->command);
    strata_ssh_config_init(c);
}

static strata_status set_copy(char **dst, const char *v, strata_error *err)
{
    free(*dst);
    *dst = NULL;
    if (v && !(*dst = strdup(v)))
        return strata_error_set(err, STRATA_E_NOMEM, "out of memory");
    return STRATA_OK;
}

strata_status strata_ssh_config_set_context(strata_ssh_config *c, const char *local_user,
                                            const char *local_host, const char *command, long uid)
{
    strata_error err;
    strata_error_clear(&err);
    strata_status r;
    if ((r = set_copy(&c->local_user, local_user, &err)) != STRATA_OK ||
        (r = set_copy(&c->local_host, local_host, &err)) != STRATA_OK ||
        (r = set_copy(&c->command, command, &err)) != STRATA_OK)
        return r;
    c->uid = uid;
    return STRATA_OK;
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

/* ---- lines ---------------------------------------------------------------------------- */

/* Splits a line in place: keyword (ends at whitespace or '='), an optional
 * '=', then whitespace-separated arguments with double quotes (one starting
 * with '#' ends the line). Returns the
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
        if (*s == '#')
            break; /* an argument starting with '#' begins a comment */
        if (argc >= LINE_ARGS_MAX)
            return -2;
        /* Quotes may open and close anywhere in a word (B="two words"). */
        char *dst = s;
        int quoted = 0;
        argv[argc++] = dst;
        while (*s && (quoted || (*s != ' ' && *s != '\t'))) {
            if (*s == '"') {
                quoted = !quoted;
                s++;
                continue;
            }
            *dst++ = *s++;
        }
        if (quoted)
            return -1;
        if (*s)
            s++;
        *dst = '\0';
    }
    return argc;
}

/* The text after the keyword and its separator, trailing blanks dropped,
 * copied into out (ProxyCommand and RemoteCommand take it whole). */
static void raw_rest(const char *s, char *out, size_t n)
{
    while (*s == ' ' || *s == '\t')
        s++;
    while (*s && *s != ' ' && *s != '\t' && *s != '=')
        s++;
    int eq = 0;
    while (*s == ' ' || *s == '\t' || (!eq && *s == '=' && (eq = 1)))
        s++;
    size_t len = strlen(s);
    while (len && (s[len - 1] == ' ' || s[len - 1] == '\t'))
        len--;
    if (len >= n)
        len = n - 1;
    memcpy(out, s, len);
    out[len] = '\0';
}

/* Splits a copy of line and applies it as a keyword (Host, Match and Include
 * are not keywords here). */
static strata_status keyword_line(strata_ssh_config *c, const char *loc, const char *line,
                                  int active, int cmdline, strata_error *err)
{
    char *argv[LINE_ARGS_MAX];
    size_t len = strlen(line);
    char *copy = malloc(2 * len + 2);
    if (!copy)
        return strata_error_set(err, STRATA_E_NOMEM, "out of memory");
    char *raw = copy + len + 1;
    memcpy(copy, line, len + 1);
    raw_rest(line, raw, len + 1);
    strata_status r;
    int argc = split_line(copy, argv);
    if (argc < 0)
        r = bad(err, loc, "%s", argc == -1 ? "unterminated quote" : "too many values");
    else if (argc == 0)
        r = cmdline ? bad(err, loc, "empty option") : STRATA_OK;
    else if (cmdline && (strcasecmp(argv[0], "Host") == 0 || strcasecmp(argv[0], "Match") == 0 ||
                         strcasecmp(argv[0], "Include") == 0))
        r = bad(err, loc, "%s is not allowed with -o", argv[0]);
    else
        r = strata__sshc_keyword(c, loc, argc, argv, raw, active, err);
    free(copy);
    return r;
}

strata_status strata_ssh_config_apply_option(strata_ssh_config *c, const char *arg,
                                             strata_error *err)
{
    char loc[96];
    snprintf(loc, sizeof(loc), "-o \"%.60s\"", arg);
    return keyword_line(c, loc, arg, 1, 1, err);
}

/* ---- Match ---------------------------------------------------------------------------- */

struct parse_ctx {
    strata_ssh_config *c;
    const char *host, *home;
    int depth;
};

/* The host Match host compares: HostName so far (with %h), else the name given. */
static char *match_host(const strata_ssh_config *c, const char *host)
{
    struct sshc_tokens t;
    char *out = NULL;
    strata_error e;
    strata_error_clear(&e);
    if (!c->hostname)
        return strdup(host);
    memset(&t, 0, sizeof t);
    t.h = host;
    if (strata__sshc_expand("HostName", c->hostname, "h", 0, 0, &t, &out, &e) != STRATA_OK)
        return strdup(c->hostname);
    return out;
}

/* One Match line: 1 when its criteria all hold, 0 when not, -1 on error. */
static int match_line(const struct parse_ctx *x, const char *loc, int argc, char **argv,
                      strata_error *err)
{
    strata_ssh_config *c = x->c;
    int result = 1, attributes = 0, saw_all = 0;
    char *host = match_host(c, x->host);
    if (!host) {
        strata_error_set(err, STRATA_E_NOMEM, "out of memory");
        return -1;
    }
    const char *ruser = c->user ? c->user : c->local_user ? c->local_user : "";
    for (int a = 1; a < argc; a++) {
        char *attrib = argv[a];
        int negate = attrib[0] == '!';
        if (negate)
            attrib++;
        if (strcasecmp(attrib, "all") == 0) {
            saw_all = 1;
            if (attributes > 1 || a + 1 < argc) {
                bad(err, loc, "'%s' cannot be combined with other Match attributes", argv[a]);
                result = -1;
            } else if (result) {
                result = !negate;
            }
            break;
        }
        attributes++;
        if (strcasecmp(attrib, "canonical") == 0 || strcasecmp(attrib, "final") == 0) {
            /* strata does not canonicalise: both hold on the final pass,
             * which "Match final" asks for. */
            if (strcasecmp(attrib, "final") == 0 && !negate)
                c->want_final = 1;
            if ((c->final_pass != 0) == negate)
                result = 0;
            continue;
        }
        char *arg = strchr(attrib, '=');
        if (arg)
            *arg++ = '\0';
        else if (a + 1 < argc)
            arg = argv[++a];
        int empty_ok = !strcasecmp(attrib, "tagged") || !strcasecmp(attrib, "command");
        if (!arg || (!*arg && !empty_ok)) {
            bad(err, loc, "missing argument for Match '%s'", attrib);
            result = -1;
            break;
        }
        int m;
        if (strcasecmp(attrib, "host") == 0) {
            m = strata_ssh_config_host_match(host, arg);
        } else if (strcasecmp(attrib, "originalhost") == 0) {
            m = strata_ssh_config_host_match(x->host, arg);
        } else if (strcasecmp(attrib, "user") == 0) {
            m = strata_ssh_config_host_match(ruser, arg);
        } else if (strcasecmp(attrib, "localuser") == 0) {
            m = c->local_user && strata_ssh_config_host_match(c->local_user, arg);
        } else if (strcasecmp(attrib, "tagged") == 0 || strcasecmp(attrib, "command") == 0) {
            const char *v = attrib[0] == 't' || attrib[0] == 'T' ? c->tag : c->command;
            m = !v || !*v ? !*arg : strata_ssh_config_host_match(v, arg);
        } else if (strcasecmp(attrib, "exec") == 0) {
            if (result != 1)
                continue; /* as OpenSSH: not run once an earlier criterion failed */
            struct sshc_tokens t;
            char *cmd = NULL;
            strata__sshc_tokens(c, x->host, x->home, &t);
            if (strata__sshc_expand("Match exec", arg, "CdhijkLlnpru", 0, 0, &t, &cmd, err) !=
                STRATA_OK) {
                result = -1;
                break;
            }
            if (!c->exec) {
                bad(err, loc, "Match exec \"%s\": no command runner", cmd);
                free(cmd);
                result = -1;
                break;
            }
            m = c->exec(c->exec_user, cmd, err);
            if (m < 0) {
                char why[STRATA_ERROR_MSG_MAX];
                snprintf(why, sizeof why, "%s", strata_error_message(err));
                strata_error_clear(err);
                bad(err, loc, "Match exec \"%.100s\": %s", cmd, why);
            }
            free(cmd);
            if (m < 0) {
                result = -1;
                break;
            }
        } else {
            bad(err, loc, "Match %s is not supported by strata", attrib);
            result = -1;
            break;
        }
        if (m == negate)
            result = 0;
    }
    if (result >= 0 && attributes == 0 && !saw_all) {
        bad(err, loc, "Match needs one or more criteria");
        result = -1;
    }
    free(host);
    return result;
}

/* ---- files ---------------------------------------------------------------------------- */

static strata_status apply_text_depth(const struct parse_ctx *x, const char *text, size_t n,
                                      const char *name, strata_error *err);

static strata_status include_each(void *arg, const char *path, const char *text, size_t n,
                                  strata_error *err)
{
    const struct parse_ctx *x = arg;
    if (n > STRATA_SSH_CONFIG_FILE_MAX)
        return strata_error_set(err, STRATA_E_LIMIT, "%s is larger than %u bytes", path,
                                STRATA_SSH_CONFIG_FILE_MAX);
    struct parse_ctx inner = *x;
    inner.depth++;
    return apply_text_depth(&inner, text, n, path, err);
}

static strata_status include(const struct parse_ctx *x, const char *loc, const char *pattern,
                             strata_error *err)
{
    strata_ssh_config *c = x->c;
    char *path = NULL, *full = NULL;
    struct sshc_tokens t;
    if (x->depth >= STRATA_SSH_CONFIG_INCLUDE_DEPTH)
        return bad(err, loc, "Include nested more than 8 deep (\"%s\")", pattern);
    strata__sshc_tokens(c, x->host, x->home, &t);
    strata_status r = strata__sshc_expand("Include", pattern, "CdhijkLlnpru", 1, 0, &t, &path, err);
    if (r != STRATA_OK)
        return r;
    if (path[0] != '/') {
        size_t len = (x->home ? strlen(x->home) : 0) + strlen(path) + 8;
        if (!x->home)
            r = bad(err, loc, "Include \"%s\" needs a home directory", pattern);
        else if (!(full = malloc(len)))
            r = strata_error_set(err, STRATA_E_NOMEM, "out of memory");
        else
            snprintf(full, len, "%s/.ssh/%s", x->home, path);
    }
    if (r == STRATA_OK && !c->include)
        r = bad(err, loc, "Include \"%s\": no file reader (use strata_ssh_config_apply_file)",
                pattern);
    if (r == STRATA_OK)
        r = c->include(c->include_user, full ? full : path, include_each, (void *)x, err);
    free(full);
    free(path);
    return r;
}

/* Host line: active when a pattern matches and no negated one does. */
static int host_line(const char *host, int argc, char **argv)
{
    int active = 0;
    for (int a = 1; a < argc; a++) {
        if (argv[a][0] == '!' && strata_ssh_config_host_match(host, argv[a] + 1))
            return 0;
        if (strata_ssh_config_host_match(host, argv[a]))
            active = 1;
    }
    return active;
}

static strata_status apply_text_depth(const struct parse_ctx *x, const char *text, size_t n,
                                      const char *name, strata_error *err)
{
    char *argv[LINE_ARGS_MAX];
    char loc[300];
    int active = 1; /* lines before the first Host or Match apply to every host */
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
        char *line = malloc(2 * len + 2);
        if (!line)
            return strata_error_set(err, STRATA_E_NOMEM, "out of memory");
        char *orig = line + len + 1;
        memcpy(line, text + i, len);
        line[len] = '\0';
        memcpy(orig, line, len + 1);
        i = e + 1;
        if (memchr(line, '\0', len)) {
            free(line);
            return bad(err, loc, "NUL byte in the line");
        }
        char *s = line;
        while (*s == ' ' || *s == '\t')
            s++;
        int argc = *s == '#' ? 0 : split_line(s, argv);
        if (argc < 0) {
            r = bad(err, loc, "%s", argc == -1 ? "unterminated quote" : "too many values");
        } else if (argc == 0) {
            ;
        } else if (strcasecmp(argv[0], "Match") == 0) {
            int m = match_line(x, loc, argc, argv, err);
            if (m < 0)
                r = err->status != STRATA_OK ? err->status : STRATA_E_SSH_CONFIG;
            active = m > 0;
        } else if (strcasecmp(argv[0], "Host") == 0) {
            if (argc < 2)
                r = bad(err, loc, "Host needs at least one pattern");
            else
                active = host_line(x->host, argc, argv);
        } else if (strcasecmp(argv[0], "Include") == 0) {
            if (argc < 2)
                r = bad(err, loc, "Include needs a file");
            for (int a = 1; a < argc && r == STRATA_OK && active; a++)
                r = include(x, loc, argv[a], err);
        } else {
            r = keyword_line(x->c, loc, orig, active, 0, err);
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
    struct parse_ctx x = {c, host, home, 0};
    return apply_text_depth(&x, text, n, name, err);
}
