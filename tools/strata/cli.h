/* The strata CLI: subcommands and shared helpers. */
#ifndef STRATA_CLI_H
#define STRATA_CLI_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "strata/status.h"

/* Exit codes of every subcommand. */
enum { CLI_OK = 0, CLI_FAIL = 1, CLI_USAGE = 2 };

struct cli_command {
    const char *name;
    const char *summary;
    int (*run)(int argc, char **argv); /* argv[0] is the subcommand name */
};

/* The table of subcommands, ended by a NULL name. */
extern const struct cli_command cli_commands[];

/* strata ssh-keyscan (cmd_ssh_keyscan.c). */
int cmd_ssh_keyscan(int argc, char **argv);

/* Prints "strata: " + message to stderr. */
void cli_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* The CLI's one way to report into a caller's message buffer (err, cap
 * bytes, always NUL-terminated when cap > 0): formats the message and
 * returns -1, so `return cli_errf(err, cap, "bad %s", what);` reads well.
 * Library errors are formatted by strata_error_set / strata_error_vset. */
int cli_errf(char *err, size_t cap, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
int cli_main(int argc, char **argv);

/* Subcommands (tools/strata/cmd_NAME.c). */
int cmd_connect(int argc, char **argv);
int cmd_listen(int argc, char **argv);
int cmd_demo(int argc, char **argv);
int cmd_cert(int argc, char **argv); /* keys, CAs, certificates, CSRs, PKCS#12 */
int cmd_ssh(int argc, char **argv);
int cmd_bench(int argc, char **argv); /* strata against OpenSSL, in this process */
int cmd_sftp(int argc, char **argv);  /* sftp/cmd_sftp.c */
int cmd_scp(int argc, char **argv);   /* sftp/cmd_scp.c */

/* ---- option helpers (cli_opts.c) ---- */
/* The options every subcommand takes: -h/--help (CLI_STD_HELP), -v/--verbose,
 * -vv, -vvv ... (CLI_STD_TAKEN, *verbose raised by one per v). CLI_STD_OTHER
 * for anything else. */
enum { CLI_STD_OTHER, CLI_STD_TAKEN, CLI_STD_HELP };
int cli_std_opt(const char *arg, int *verbose);
/* Keeps a non-option argument as a chain element (at most CHAIN_MAX_ELEMS + 1
 * are kept, so the parser can report one too many); CLI_USAGE after
 * reporting an unknown option of cmd, else 0. */
int cli_chain_arg(const char *cmd, char *arg, char **elems, int *n);
/* Parses the kept elements into *c; reports the error and returns CLI_USAGE,
 * or 0. */
struct chain;
int cli_chain_parse(struct chain *c, char **elems, int n, int listen);
/* If argv[*i] is option `name` ("--name VALUE" or "--name=VALUE"), returns
 * its value (borrowed from argv; *i moves past it) or, when the value is
 * missing, reports it and returns "" with *bad set. NULL when argv[*i] is
 * another argument. */
const char *cli_opt_value(int argc, char **argv, int *i, const char *name, int *bad);
/* Seconds as "N" or "N.NNN", more than 0 and at most max_s, into
 * milliseconds; -1 (after reporting it for option `name`) when invalid. */
/* getopt's '?' for option letter c: "option requires an argument -- c" when
 * c is one of with_arg (the letters that take a value), else "unknown
 * option -- c". */
void cli_getopt_error(int c, const char *with_arg);
/* A -c option's number: 1..max, else "invalid -c value 'S' (1..max)" and -1. */
int cli_opt_uint(int c, const char *s, unsigned long long max, unsigned long long *v);
int cli_parse_seconds(const char *name, const char *s, unsigned long max_s, uint64_t *ms);
/* A byte count "N", "NK", "NM" or "NG" (powers of 1024) in [min, max]; -1
 * (after reporting it for option `name`) when invalid. */
int cli_parse_bytes(const char *name, const char *s, uint64_t min, uint64_t max, uint64_t *out);
/* -v: strata's log messages to stderr: level info and up; -vv: debug (each
 * layer's handshake steps, its bytes when it goes); -vvv: trace. */
void cli_verbose(int level);
/* Names worker n (1..N) in this thread's log lines ("[worker n]"); 0: none. */
void cli_log_worker(unsigned n);
/* The level last given to cli_verbose (0: quiet). */
int cli_verbosity(void);
/* The stack configuration of connect and listen: defaults, and an event
 * hook that logs each layer as it comes up (shown with -v). */
struct strata_stack_config;
const struct strata_stack_config *cli_stack_config(void);

/* The options of connect and listen about a connection's time and end. */
struct cli_conn_opts {
    uint64_t timeout_ms; /* --timeout: connect and every layer's handshake */
    uint64_t idle_ms;    /* --idle: nothing moved for this long (0: no limit) */
    uint64_t linger_ms;  /* --linger: the peer silent after our close */
    int half_close;      /* --half-close: every layer and the FIN at once */
    int ignore_eof;      /* -i, --ignore-eof (connect): stdin's end waits for the peer's */
};
#define CLI_LINGER_DEFAULT_MS 10000u
void cli_conn_opts_init(struct cli_conn_opts *o);
/* Takes argv[*i] (and its value) when it is one of these options: 1 taken,
 * 0 not one of them, -1 usage error (reported). ignore_eof_ok: -i allowed. */
int cli_conn_opt(int argc, char **argv, int *i, struct cli_conn_opts *o, int ignore_eof_ok);
/* The help lines for them. */
void cli_conn_opts_help(FILE *f, int ignore_eof_ok);
/* cli_stack_config with --half-close applied. */
const struct strata_stack_config *cli_stack_config_for(const struct cli_conn_opts *o);
/* The limits for strata_io_conn_set_timeouts. */
struct strata_io_timeouts;
void cli_conn_timeouts(const struct cli_conn_opts *o, struct strata_io_timeouts *t);
/* Exit code for a failed strata status: CLI_USAGE for usage errors, else
 * CLI_FAIL. */
int cli_exit_code(strata_status st);
/* ---- files (cli_file.c) ---- */
/* Writes all len bytes to fd (retrying short writes); 0, or -1 with errno. */
int cli_write_all(int fd, const void *data, size_t len);
/* Replaces path with data: a new file of mode 0600 (O_EXCL, whatever the
 * umask) beside it, synced, then renamed over path. On failure returns -1,
 * writes why (cap bytes) and leaves path as it was. */
int cli_replace_secret_file(const char *path, const void *data, size_t len, char *why, size_t cap);
/* Reports an unknown option and points at --help. */
int cli_bad_option(const char *cmd, const char *arg);

#endif
