/* ssh_config(5) for the strata CLI: "-o Option=value" and ~/.ssh/config.
 *
 * Usage: ssh_config_init; ssh_config_apply_option for each -o (command line
 * first); ssh_config_apply_file (or _text) for the config file; then
 * ssh_config_finish to expand tokens. As in OpenSSH the first value obtained
 * for an option wins (command line before file, earlier before later lines),
 * except IdentityFile and LocalForward, which accumulate in that order.
 *
 * Supported: Host blocks (whitespace- or comma-separated patterns with `*`,
 * `?` and `!negation`; a negated match disables the block), Include (globs;
 * relative paths are taken from ~/.ssh, at most 8 levels deep), and the
 * options listed in ssh_config.c's table. Match is refused with an error
 * naming the file and line, as is any unknown option unless an earlier
 * IgnoreUnknown pattern list (OpenSSH's escape hatch, e.g. "IgnoreUnknown
 * ForwardAgent,SendEnv" or "IgnoreUnknown *") names it. Keywords are
 * case-insensitive; "Keyword value", "Keyword=value" and "Keyword = value"
 * are all accepted; arguments may be double-quoted.
 *
 * Errors are STRATA_E_SSH_CONFIG (E_LIMIT for an oversized file, E_IO for an
 * unreadable one) with the text "FILE line N: ..." or "-o ...: ..." in err.
 */
#ifndef STRATA_CLI_SSH_CONFIG_H
#define STRATA_CLI_SSH_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#include "strata/error.h"
#include "strata/status.h"

#define SSH_CONFIG_FILE_MAX (1024u * 1024u) /* bytes per file */
#define SSH_CONFIG_INCLUDE_DEPTH 8
#define SSH_CONFIG_LIST_MAX 64 /* IdentityFile / LocalForward entries */

enum ssh_config_opt {
    SSHC_HOSTNAME,
    SSHC_USER,
    SSHC_PORT,
    SSHC_IDENTITYFILE,
    SSHC_PROXYJUMP,
    SSHC_USERKNOWNHOSTSFILE,
    SSHC_STRICTHOSTKEYCHECKING,
    SSHC_BATCHMODE,
    SSHC_COMPRESSION,
    SSHC_CONNECTTIMEOUT,
    SSHC_SERVERALIVEINTERVAL,
    SSHC_KEXALGORITHMS,
    SSHC_CIPHERS,
    SSHC_MACS,
    SSHC_HOSTKEYALGORITHMS,
    SSHC_REKEYLIMIT,
    SSHC_LOCALFORWARD,
    SSHC_IDENTITIESONLY,
    SSHC_IDENTITYAGENT,
    SSHC_LOGLEVEL,
    SSHC_IGNOREUNKNOWN,
    SSHC_PREFERREDAUTHENTICATIONS,
    SSHC_PUBKEYAUTHENTICATION,
    SSHC_PASSWORDAUTHENTICATION,
    SSHC_KBDINTERACTIVEAUTHENTICATION,
    SSHC_WARNWEAKCRYPTO,
    SSHC_COUNT
};

enum ssh_config_strict { SSHC_STRICT_YES, SSHC_STRICT_NO, SSHC_STRICT_ACCEPT_NEW, SSHC_STRICT_ASK };
enum ssh_config_loglevel {
    SSHC_LOG_QUIET,
    SSHC_LOG_FATAL,
    SSHC_LOG_ERROR,
    SSHC_LOG_INFO,
    SSHC_LOG_VERBOSE,
    SSHC_LOG_DEBUG1,
    SSHC_LOG_DEBUG2,
    SSHC_LOG_DEBUG3
};

struct ssh_config_forward {
    char *bind;    /* bind address, or NULL (loopback) */
    int port;      /* local port */
    char *host;    /* destination host */
    int host_port; /* destination port */
};

/* What was configured. Strings are heap copies owned by the struct (freed by
 * ssh_config_free); NULL / -1 mean "not set". set[opt] says whether an option
 * was given (first-wins bookkeeping). */
struct ssh_config {
    int set[SSHC_COUNT];
    char *hostname, *user, *proxy_jump, *user_known_hosts_file, *identity_agent;
    char *kex_algorithms, *ciphers, *macs, *host_key_algorithms; /* as given: may start + - ^ */
    char *ignore_unknown;                                        /* IgnoreUnknown pattern list */
    int port;                                                    /* 1..65535 */
    int strict_host_key_checking;                                /* enum ssh_config_strict */
    int batch_mode, compression, identities_only;                /* 0 / 1 */
    char *preferred_authentications;                             /* as given */
    int pubkey_authentication, password_authentication;          /* 0 / 1 */
    int kbd_interactive_authentication;                          /* 0 / 1 */
    int connect_timeout, server_alive_interval;                  /* seconds; 0 = none */
    uint64_t rekey_bytes;                                        /* 0 = default */
    int64_t rekey_seconds;                                       /* 0 = none */
    int warn_weak_crypto; /* 0 / 1: OpenSSH 10's warning for a key exchange that is not
                             post-quantum (no and no-pq-kex turn it off) */
    int log_level;        /* enum ssh_config_loglevel */
    char *identity_files[SSH_CONFIG_LIST_MAX];
    size_t n_identity_files;
    struct ssh_config_forward forwards[SSH_CONFIG_LIST_MAX];
    size_t n_forwards;
};

void ssh_config_init(struct ssh_config *c);
void ssh_config_free(struct ssh_config *c);

/* One -o argument ("Option=value" or "Option value"); arg is borrowed. */
strata_status ssh_config_apply_option(struct ssh_config *c, const char *arg, strata_error *err);
/* Applies the lines of a config text (n bytes, borrowed) that concern host
 * (the name given on the command line). name labels messages ("~/.ssh/config").
 * home: the user's home, for Include and "~" (may be NULL). */
strata_status ssh_config_apply_text(struct ssh_config *c, const char *text, size_t n,
                                    const char *name, const char *host, const char *home,
                                    strata_error *err);
/* Reads and applies a file. A missing file is an error only when required. */
strata_status ssh_config_apply_file(struct ssh_config *c, const char *path, int required,
                                    const char *host, const char *home, strata_error *err);
/* After all sources: fills HostName (default: host, with %h expanded),
 * expands "~" and the tokens %% %h %n %p %r %u %d %l in IdentityFile,
 * UserKnownHostsFile and IdentityAgent. local_user/home/local_host may be NULL
 * when unknown (a token needing them is then an error). Port defaults to 22
 * and User to local_user. */
strata_status ssh_config_finish(struct ssh_config *c, const char *host, const char *local_user,
                                const char *home, const char *local_host, strata_error *err);

/* The whole sequence for "strata ssh [-F file] [-o opt]... host": applies
 * the -o options in order, then the config file (file NULL: ~/.ssh/config if
 * it exists; "none": no file; else that file, which must exist), then
 * ssh_config_finish with the local user, home ($HOME, else the password
 * database) and host name. c must be initialised; on failure err says why. */
strata_status ssh_config_resolve(struct ssh_config *c, const char *host, char *const *opts,
                                 size_t n_opts, const char *file, strata_error *err);

/* ssh_config-style host matching: 1 when host matches the pattern list
 * (whitespace/comma separated, `*`, `?`, `!` negation), else 0. */
int ssh_config_host_match(const char *host, const char *patterns);

#endif
