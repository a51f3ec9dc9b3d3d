/* Option helpers shared by the subcommands. */
#include <errno.h>
#include <stdlib.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "chain.h"
#include "cli.h"
#include "strata/io.h"
#include "strata/log.h"
#include "strata/stack.h"

int cli_std_opt(const char *arg, int *verbose)
{
    if (!strcmp(arg, "-h") || !strcmp(arg, "--help"))
        return CLI_STD_HELP;
    if (!strcmp(arg, "--verbose")) {
        *verbose += 1;
        return CLI_STD_TAKEN;
    }
    /* -v, -vv, -vvv ...: one level per v. */
    size_t n = arg[0] == '-' ? strspn(arg + 1, "v") : 0;
    if (n == 0 || arg[1 + n] != '\0')
        return CLI_STD_OTHER;
    *verbose += (int)n;
    return CLI_STD_TAKEN;
}

int cli_chain_arg(const char *cmd, char *arg, char **elems, int *n)
{
    if (arg[0] == '-' && arg[1] != '\0')
        return cli_bad_option(cmd, arg);
    if (*n < CHAIN_MAX_ELEMS + 1)
        elems[(*n)++] = arg;
    return 0;
}

int cli_chain_parse(struct chain *c, char **elems, int n, int listen)
{
    char err[CHAIN_ERR_MAX];
    if (chain_parse(c, NULL, n, elems, listen ? CHAIN_USE_LISTEN : CHAIN_USE_CONNECT, err,
                    sizeof(err)) != 0) {
        cli_err("%s", err);
        return CLI_USAGE;
    }
    return 0;
}

const char *cli_opt_value(int argc, char **argv, int *i, const char *name, int *bad)
{
    const char *a = argv[*i];
    size_t n = strlen(name);
    if (strncmp(a, name, n) != 0)
        return NULL;
    if (a[n] == '=')
        return a + n + 1;
    if (a[n] != '\0')
        return NULL;
    if (*i + 1 >= argc) {
        cli_err("option %s needs a value", name);
        *bad = 1;
        return "";
    }
    *i += 1;
    return argv[*i];
}

int cli_parse_seconds(const char *name, const char *s, unsigned long max_s, uint64_t *ms)
{
    uint64_t whole = 0, frac = 0;
    size_t i = 0, digits = 0, fdigits = 0;
    for (; s[i] >= '0' && s[i] <= '9' && digits < 9; i++, digits++)
        whole = whole * 10 + (uint64_t)(s[i] - '0');
    if (s[i] == '.') {
        for (i++; s[i] >= '0' && s[i] <= '9' && fdigits < 3; i++, fdigits++)
            frac = frac * 10 + (uint64_t)(s[i] - '0');
        for (size_t k = fdigits; k < 3; k++)
            frac *= 10;
    }
    uint64_t v = whole * 1000 + frac;
    if (s[i] != '\0' || (digits == 0 && fdigits == 0) || v == 0 || v > (uint64_t)max_s * 1000) {
        cli_err("option %s: '%s' is not a number of seconds in (0, %lu]", name, s, max_s);
        return -1;
    }
    *ms = v;
    return 0;
}

int cli_parse_bytes(const char *name, const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
    uint64_t v = 0;
    size_t i = 0;
    for (; s[i] >= '0' && s[i] <= '9' && i < 12; i++)
        v = v * 10 + (uint64_t)(s[i] - '0');
    int shift = 0;
    if (i > 0 && s[i] && !s[i + 1]) {
        const char *units = "KMG", *u = strchr(units, s[i]);
        if (u) {
            shift = 10 * (int)(u - units + 1);
            i++;
        }
    }
    if (i == 0 || s[i] != '\0' || (v << shift) >> shift != v || (v << shift) < min ||
        (v << shift) > max) {
        cli_err("option %s: '%s' is not a byte count from %llu to %llu (suffixes K, M, G)", name, s,
                (unsigned long long)min, (unsigned long long)max);
        return -1;
    }
    *out = v << shift;
    return 0;
}

/* The worker of `strata listen --workers N` this thread runs (1..N), named
 * in each log line; 0 with one worker. */
static _Thread_local unsigned log_worker;

static void log_to_stderr(enum strata_log_level level, const char *module, const char *msg,
                          void *user)
{
    (void)level;
    (void)user;
    if (log_worker)
        fprintf(stderr, "strata: [worker %u] [%s] %s\n", log_worker, module, msg);
    else
        fprintf(stderr, "strata: [%s] %s\n", module, msg);
}

void cli_log_worker(unsigned n)
{
    log_worker = n;
}

static int verbosity;

void cli_verbose(int level)
{
    verbosity = level;
    if (level > 0)
        strata_log_set(level > 2   ? STRATA_LOG_TRACE
                       : level > 1 ? STRATA_LOG_DEBUG
                                   : STRATA_LOG_INFO,
                       log_to_stderr, NULL);
}

int cli_verbosity(void)
{
    return verbosity;
}

/* Stack events, for -v: each layer as it comes up, with its own description
 * (version, cipher, peer...), and as it is removed. */
static void on_stack_event(void *user, strata_stack *s, enum strata_stack_event ev, size_t index)
{
    (void)user;
    const strata_layer *l = strata_stack_layer(s, index);
    const char *name = l && l->ops->name ? l->ops->name : "?";
    char desc[256] = "";
    switch (ev) {
    case STRATA_STACK_EV_LAYER_UP:
        if (l && l->ops->describe)
            l->ops->describe(l->self, desc, sizeof(desc));
        strata_log(STRATA_LOG_INFO, "stack", "layer %zu (%s) up%s%s", index + 1, name,
                   desc[0] ? ": " : "", desc);
        break;
    case STRATA_STACK_EV_LAYER_PEER_CLOSED:
        strata_log(STRATA_LOG_INFO, "stack", "layer %zu (%s) closed by the peer", index + 1, name);
        break;
    case STRATA_STACK_EV_POPPED:
        strata_log(STRATA_LOG_INFO, "stack", "layer %zu removed", index + 1);
        break;
    case STRATA_STACK_EV_FAILED:
        strata_log(STRATA_LOG_DEBUG, "stack", "failed: %s",
                   strata_error_message(strata_stack_error(s)));
        break;
    }
}

const strata_stack_config *cli_stack_config(void)
{
    static const strata_stack_config cfg = {.peer_close = STRATA_STACK_PEER_CLOSE_EOF,
                                            .on_event = on_stack_event};
    return &cfg;
}

const strata_stack_config *cli_stack_config_for(const struct cli_conn_opts *o)
{
    static const strata_stack_config half = {
        .peer_close = STRATA_STACK_PEER_CLOSE_EOF, .on_event = on_stack_event, .half_close = 1};
    return o && o->half_close ? &half : cli_stack_config();
}

void cli_conn_opts_init(struct cli_conn_opts *o)
{
    memset(o, 0, sizeof(*o));
    o->timeout_ms = STRATA_IO_CONNECT_TIMEOUT_DEFAULT_MS;
    o->linger_ms = CLI_LINGER_DEFAULT_MS;
}

int cli_conn_opt(int argc, char **argv, int *i, struct cli_conn_opts *o, int ignore_eof_ok)
{
    int bad = 0;
    const char *v;
    if (!strcmp(argv[*i], "--half-close")) {
        o->half_close = 1;
        return 1;
    }
    if (ignore_eof_ok && (!strcmp(argv[*i], "-i") || !strcmp(argv[*i], "--ignore-eof"))) {
        o->ignore_eof = 1;
        return 1;
    }
    static const struct {
        const char *name;
        size_t off;
        int zero_ok;
    } timed[] = {
        {"--timeout", offsetof(struct cli_conn_opts, timeout_ms), 0},
        {"--idle", offsetof(struct cli_conn_opts, idle_ms), 1},
        {"--linger", offsetof(struct cli_conn_opts, linger_ms), 1},
    };
    for (size_t k = 0; k < sizeof(timed) / sizeof(timed[0]); k++) {
        if ((v = cli_opt_value(argc, argv, i, timed[k].name, &bad)) == NULL)
            continue;
        uint64_t *ms = (uint64_t *)((char *)o + timed[k].off);
        if (bad)
            return -1;
        if (timed[k].zero_ok && !strcmp(v, "0")) {
            *ms = 0;
            return 1;
        }
        return cli_parse_seconds(timed[k].name, v, 86400, ms) != 0 ? -1 : 1;
    }
    return 0;
}

void cli_conn_opts_help(FILE *f, int ignore_eof_ok)
{
    fprintf(f, "  --timeout SECONDS      give up when the connection and every layer's\n"
               "                         handshake are not done after SECONDS (default 10)\n"
               "  --idle SECONDS         end a connection on which nothing moved for SECONDS\n"
               "                         (default: no limit)\n"
               "  --linger SECONDS       after our close, how long the peer may stay silent\n"
               "                         before we stop waiting for its close (default 10;\n"
               "                         0: wait as long as it takes); a reply that keeps\n"
               "                         coming is never cut\n"
               "  --half-close           close every layer and send the TCP FIN as soon as\n"
               "                         our input ends, for peers that wait for the FIN\n"
               "                         (default: inside-out, each layer after the peer\n"
               "                         closed the one above it, the FIN last)\n");
    if (ignore_eof_ok)
        fprintf(f, "  -i, --ignore-eof       keep the connection open after stdin ends, until\n"
                   "                         the peer closes (as s_client -ign_eof)\n");
}

void cli_conn_timeouts(const struct cli_conn_opts *o, strata_io_timeouts *t)
{
    t->handshake_ms = o->timeout_ms;
    t->idle_ms = o->idle_ms;
    t->linger_ms = o->linger_ms;
}

int cli_exit_code(strata_status st)
{
    return strata_status_category(st) == STRATA_CAT_USAGE ? CLI_USAGE : CLI_FAIL;
}

int cli_bad_option(const char *cmd, const char *arg)
{
    cli_err("%s: unknown option '%s' (see 'strata %s --help')", cmd, arg, cmd);
    return CLI_USAGE;
}

void cli_getopt_error(int c, const char *with_arg)
{
    if (c && strchr(with_arg, c))
        cli_err("option requires an argument -- %c", c);
    else
        cli_err("unknown option -- %c", c);
}

int cli_opt_uint(int c, const char *s, unsigned long long max, unsigned long long *v)
{
    char *e;
    errno = 0;
    *v = strtoull(s, &e, 10);
    if (!*s || *e || errno || *v < 1 || *v > max || *s == '-') {
        cli_err("invalid -%c value '%s' (1..%llu)", c, s, max);
        return -1;
    }
    return 0;
}
