/* strata/ssh_config.h - ssh_config(5): "-o Option=value" and ~/.ssh/config.
 *
 * The parser is pure (src/ssh/config.c: bytes in, options out); reading
 * files (strata_ssh_config_apply_file, Include, strata_ssh_config_resolve)
 * is the io module's (src/io/ssh_config_file.c) through the one bounded
 * file reader, strata_pki_read_file.
 *
 * Usage: strata_ssh_config_init; strata_ssh_config_apply_option for each -o
 * (command line first); strata_ssh_config_apply_file (or _text) for the
 * config file; then strata_ssh_config_finish to expand tokens. As in OpenSSH the first value
 * obtained for an option wins (command line before file, earlier before later lines), except
 * IdentityFile and LocalForward, which accumulate in that order.
 *
 * Supported: Host blocks (whitespace- or comma-separated patterns with `*`,
 * `?` and `!negation`; a negated match disables the block), Include (globs;
 * relative paths are taken from ~/.ssh, at most 8 levels deep), and the
 * options listed in src/ssh/config.c's table. Match is refused with an error
 * naming the file and line, as is any unknown option unless an earlier
 * IgnoreUnknown pattern list (OpenSSH's escape hatch, e.g. "IgnoreUnknown
 * ForwardAgent,SendEnv" or "IgnoreUnknown *") names it. Keywords are
 * case-insensitive; "Keyword value", "Keyword=value" and "Keyword = value"
 * are all accepted; arguments may be double-quoted.
 *
 * Errors are STRATA_E_SSH_CONFIG (E_LIMIT for an oversized file, E_IO for an
 * unreadable one) with the text "FILE line N: ..." or "-o ...: ..." in err.
 */
#ifndef STRATA_SSH_CONFIG_H
#define STRATA_SSH_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "export.h"
#include "status.h"

#define STRATA_SSH_CONFIG_FILE_MAX (1024u * 1024u) /* bytes per file */
#define STRATA_SSH_CONFIG_INCLUDE_DEPTH 8
#define STRATA_SSH_CONFIG_LIST_MAX 64 /* IdentityFile / LocalForward entries */

enum strata_ssh_config_opt {
    STRATA_SSHC_HOSTNAME,
    STRATA_SSHC_USER,
    STRATA_SSHC_PORT,
    STRATA_SSHC_IDENTITYFILE,
    STRATA_SSHC_PROXYJUMP,
    STRATA_SSHC_USERKNOWNHOSTSFILE,
    STRATA_SSHC_STRICTHOSTKEYCHECKING,
    STRATA_SSHC_BATCHMODE,
    STRATA_SSHC_COMPRESSION,
    STRATA_SSHC_CONNECTTIMEOUT,
    STRATA_SSHC_SERVERALIVEINTERVAL,
    STRATA_SSHC_SERVERALIVECOUNTMAX,
    STRATA_SSHC_KEXALGORITHMS,
    STRATA_SSHC_CIPHERS,
    STRATA_SSHC_MACS,
    STRATA_SSHC_HOSTKEYALGORITHMS,
    STRATA_SSHC_REKEYLIMIT,
    STRATA_SSHC_LOCALFORWARD,
    STRATA_SSHC_IDENTITIESONLY,
    STRATA_SSHC_IDENTITYAGENT,
    STRATA_SSHC_LOGLEVEL,
    STRATA_SSHC_IGNOREUNKNOWN,
    STRATA_SSHC_PREFERREDAUTHENTICATIONS,
    STRATA_SSHC_PUBKEYAUTHENTICATION,
    STRATA_SSHC_PASSWORDAUTHENTICATION,
    STRATA_SSHC_KBDINTERACTIVEAUTHENTICATION,
    STRATA_SSHC_WARNWEAKCRYPTO,
    STRATA_SSHC_CONTROLMASTER,
    STRATA_SSHC_CONTROLPATH,
    STRATA_SSHC_CONTROLPERSIST,
    STRATA_SSHC_COUNT
};

enum strata_ssh_config_strict {
    STRATA_SSHC_STRICT_YES,
    STRATA_SSHC_STRICT_NO,
    STRATA_SSHC_STRICT_ACCEPT_NEW,
    STRATA_SSHC_STRICT_ASK
};
enum strata_ssh_config_loglevel {
    STRATA_SSHC_LOG_QUIET,
    STRATA_SSHC_LOG_FATAL,
    STRATA_SSHC_LOG_ERROR,
    STRATA_SSHC_LOG_INFO,
    STRATA_SSHC_LOG_VERBOSE,
    STRATA_SSHC_LOG_DEBUG1,
    STRATA_SSHC_LOG_DEBUG2,
    STRATA_SSHC_LOG_DEBUG3
};

/* ControlMaster; the values are OpenSSH's (SSHCTL_MASTER_*). */
enum strata_ssh_config_master {
    STRATA_SSHC_MASTER_NO,
    STRATA_SSHC_MASTER_YES,
    STRATA_SSHC_MASTER_AUTO,
    STRATA_SSHC_MASTER_ASK,
    STRATA_SSHC_MASTER_AUTO_ASK
};

typedef struct strata_ssh_config_forward {
    char *bind;    /* bind address, or NULL (loopback) */
    int port;      /* local port */
    char *host;    /* destination host */
    int host_port; /* destination port */
} strata_ssh_config_forward;

/* What was configured. Strings are heap copies owned by the struct (freed by
 * strata_ssh_config_free); NULL / -1 mean "not set". set[opt] says whether an option
 * was given (first-wins bookkeeping). */
typedef struct strata_ssh_config strata_ssh_config;

/* Include's file access: calls each(arg, path, text, n) for every file the
 * glob pattern (an absolute path) names, in order; a pattern that names no
 * file is not an error (as OpenSSH). The io module's is the default
 * (strata_ssh_config_init sets it); a caller with no file system may set
 * its own, or NULL (then Include is an error). */
typedef strata_status (*strata_ssh_config_each_fn)(void *arg, const char *path, const char *text,
                                                   size_t n, strata_error *err);
typedef strata_status (*strata_ssh_config_include_fn)(void *user, const char *pattern,
                                                      strata_ssh_config_each_fn each, void *arg,
                                                      strata_error *err);

struct strata_ssh_config {
    int set[STRATA_SSHC_COUNT];
    char *hostname, *user, *proxy_jump, *user_known_hosts_file, *identity_agent;
    char *kex_algorithms, *ciphers, *macs, *host_key_algorithms; /* as given: may start + - ^ */
    char *ignore_unknown;                                        /* IgnoreUnknown pattern list */
    int port;                                                    /* 1..65535 */
    int strict_host_key_checking;                                /* enum strata_ssh_config_strict */
    int batch_mode, compression, identities_only;                /* 0 / 1 */
    char *preferred_authentications;                             /* as given */
    int pubkey_authentication, password_authentication;          /* 0 / 1 */
    int kbd_interactive_authentication;                          /* 0 / 1 */
    int connect_timeout, server_alive_interval;                  /* seconds; 0 = none */
    int server_alive_count_max;  /* unanswered keepalives that end it (0: never) */
    uint64_t rekey_bytes;        /* 0 = default */
    int64_t rekey_seconds;       /* 0 = none */
    int warn_weak_crypto;        /* 0 / 1: OpenSSH 10's warning for a key exchange that is not
                                    post-quantum (no and no-pq-kex turn it off) */
    int log_level;               /* enum strata_ssh_config_loglevel */
    char *control_path;          /* ControlPath as given ("none" possible); tokens unexpanded */
    int control_master;          /* enum strata_ssh_config_master */
    int control_persist;         /* 0 / 1 */
    int control_persist_seconds; /* with control_persist 1: 0 = for ever */
    char *identity_files[STRATA_SSH_CONFIG_LIST_MAX];
    size_t n_identity_files;
    strata_ssh_config_forward forwards[STRATA_SSH_CONFIG_LIST_MAX];
    size_t n_forwards;
    strata_ssh_config_include_fn include; /* see above */
    void *include_user;
};

/* c is the caller's; init sets every option "not set" and the io module's
 * Include reader; free releases what the struct holds (not c itself). */
STRATA_API void strata_ssh_config_init(strata_ssh_config *c);
STRATA_API void strata_ssh_config_free(strata_ssh_config *c);

/* One -o argument ("Option=value" or "Option value"); arg is borrowed. */
STRATA_API STRATA_MUST_CHECK strata_status strata_ssh_config_apply_option(strata_ssh_config *c,
                                                                          const char *arg,
                                                                          strata_error *err);
/* Applies the lines of a config text (n bytes, borrowed) that concern host
 * (the name given on the command line). name labels messages ("~/.ssh/config").
 * home: the user's home, for Include and "~" (may be NULL). */
STRATA_API STRATA_MUST_CHECK strata_status
strata_ssh_config_apply_text(strata_ssh_config *c, const char *text, size_t n, const char *name,
                             const char *host, const char *home, strata_error *err);
/* Reads and applies a file (io module). A missing file is an error only
 * when required. */
STRATA_API STRATA_MUST_CHECK strata_status
strata_ssh_config_apply_file(strata_ssh_config *c, const char *path, int required, const char *host,
                             const char *home, strata_error *err);
/* After all sources: fills HostName (default: host, with %h expanded),
 * expands "~" and the tokens %% %h %n %p %r %u %d %l in IdentityFile,
 * UserKnownHostsFile and IdentityAgent. local_user/home/local_host may be NULL
 * when unknown (a token needing them is then an error). Port defaults to 22
 * and User to local_user. */
STRATA_API STRATA_MUST_CHECK strata_status
strata_ssh_config_finish(strata_ssh_config *c, const char *host, const char *local_user,
                         const char *home, const char *local_host, strata_error *err);

/* The whole sequence for "strata ssh [-F file] [-o opt]... host": applies
 * the -o options in order, then the config file (file NULL: ~/.ssh/config if
 * it exists; "none": no file; else that file, which must exist), then
 * strata_ssh_config_finish with the local user, home ($HOME, else the password
 * database) and host name. c must be initialised; on failure err says why. */
STRATA_API STRATA_MUST_CHECK strata_status
strata_ssh_config_resolve(strata_ssh_config *c, const char *host, char *const *opts, size_t n_opts,
                          const char *file, strata_error *err);

/* ssh_config-style host matching: 1 when host matches the pattern list
 * (whitespace/comma separated, `*`, `?`, `!` negation), else 0. */
STRATA_API int strata_ssh_config_host_match(const char *host, const char *patterns);

#endif
