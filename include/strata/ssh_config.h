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
 * `?` and `!negation`; a negated match disables the block), Match blocks
 * (all, host, originalhost, user, localuser, canonical, final, tagged,
 * version, command, exec; `!` negates a criterion; exec runs through the
 * exec hook only when no earlier criterion on the line failed, as OpenSSH),
 * Include (globs, tokens; relative paths are taken from ~/.ssh, at most 8
 * levels deep).
 *
 * Every keyword OpenSSH 10.5 knows is accepted. The ones strata implements
 * are stored below; the others are ignored and noted in notes[] ("FILE line
 * N: ignoring Keyword ...", for -v), except those whose value asks for a
 * security measure strata does not take (CheckHostIP yes, VerifyHostKeyDNS
 * yes/ask, HostKeyAlias, RevokedHostKeys, RequiredRSASize above 1024,
 * ObscureKeystrokeTiming yes, GlobalKnownHostsFile other than the default):
 * those are an error naming the keyword. A keyword OpenSSH does not know is an
 * error naming file and line unless an earlier IgnoreUnknown pattern list
 * names it (then it is noted). Keywords are case-insensitive; "Keyword
 * value", "Keyword=value" and "Keyword = value" are all accepted; arguments
 * may be double-quoted; an argument starting with '#' ends the line.
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
#define STRATA_SSH_CONFIG_LIST_MAX 64   /* entries of each list option */
#define STRATA_SSH_CONFIG_NOTES_MAX 128 /* ignored-keyword notes kept */
#define STRATA_SSH_CONFIG_SYSTEM_FILE "/etc/ssh/ssh_config"

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
    STRATA_SSHC_CERTIFICATEFILE,
    STRATA_SSHC_SENDENV,
    STRATA_SSHC_SETENV,
    STRATA_SSHC_REMOTECOMMAND,
    STRATA_SSHC_REQUESTTTY,
    STRATA_SSHC_PUBKEYACCEPTEDALGORITHMS,
    STRATA_SSHC_PROXYCOMMAND,
    STRATA_SSHC_FORWARDAGENT,
    STRATA_SSHC_EXITONFORWARDFAILURE,
    STRATA_SSHC_DYNAMICFORWARD,
    STRATA_SSHC_REMOTEFORWARD,
    STRATA_SSHC_HASHKNOWNHOSTS,
    STRATA_SSHC_UPDATEHOSTKEYS,
    STRATA_SSHC_ADDKEYSTOAGENT,
    STRATA_SSHC_NUMBEROFPASSWORDPROMPTS,
    STRATA_SSHC_ESCAPECHAR,
    STRATA_SSHC_CONTROLMASTER,
    STRATA_SSHC_CONTROLPATH,
    STRATA_SSHC_CONTROLPERSIST,
    STRATA_SSHC_CLEARALLFORWARDINGS,
    STRATA_SSHC_GLOBALKNOWNHOSTSFILE,
    STRATA_SSHC_REQUIREDRSASIZE,
    STRATA_SSHC_TAG,
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

enum strata_ssh_config_tty {
    STRATA_SSHC_TTY_NO,
    STRATA_SSHC_TTY_YES,
    STRATA_SSHC_TTY_FORCE,
    STRATA_SSHC_TTY_AUTO
};
/* ControlMaster; the values are OpenSSH's (SSHCTL_MASTER_*). */
enum strata_ssh_config_master {
    STRATA_SSHC_MASTER_NO,
    STRATA_SSHC_MASTER_YES,
    STRATA_SSHC_MASTER_AUTO,
    STRATA_SSHC_MASTER_ASK,
    STRATA_SSHC_MASTER_AUTO_ASK
};
/* AddKeysToAgent */
enum strata_ssh_config_addkeys {
    STRATA_SSHC_ADDKEYS_NO,
    STRATA_SSHC_ADDKEYS_YES,
    STRATA_SSHC_ADDKEYS_ASK,
    STRATA_SSHC_ADDKEYS_CONFIRM
};
#define STRATA_SSHC_ESCAPE_NONE (-2) /* EscapeChar none */

/* LocalForward / RemoteForward / DynamicForward. For DynamicForward (and a
 * one-argument RemoteForward, the remote SOCKS form) host is NULL and
 * host_port 0. */
typedef struct strata_ssh_config_forward {
    char *bind;    /* listen address, or NULL (loopback) */
    int port;      /* listen port */
    char *host;    /* destination host, or NULL (dynamic) */
    int host_port; /* destination port */
} strata_ssh_config_forward;

/* Match exec's runner: runs command through the user's shell and returns 1
 * when it exits 0, 0 when it exits otherwise, -1 when it cannot be run (err
 * says why). The io module's (src/io) is the default. */
typedef int (*strata_ssh_config_exec_fn)(void *user, const char *command, strata_error *err);

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
    int server_alive_count_max; /* unanswered keepalives that end it (0: never) */
    uint64_t rekey_bytes;       /* 0 = default */
    int64_t rekey_seconds;      /* 0 = none */
    int warn_weak_crypto;       /* 0 / 1: OpenSSH 10's warning for a key exchange that is not
                                   post-quantum (no and no-pq-kex turn it off) */
    int log_level;              /* enum strata_ssh_config_loglevel */
    char *identity_files[STRATA_SSH_CONFIG_LIST_MAX];
    size_t n_identity_files;
    strata_ssh_config_forward forwards[STRATA_SSH_CONFIG_LIST_MAX];
    size_t n_forwards;
    char *certificate_files[STRATA_SSH_CONFIG_LIST_MAX]; /* accumulate, as IdentityFile */
    size_t n_certificate_files;
    char *send_env[STRATA_SSH_CONFIG_LIST_MAX]; /* name patterns; "-pat" removes earlier ones */
    size_t n_send_env;
    char *set_env[STRATA_SSH_CONFIG_LIST_MAX]; /* "NAME=VALUE"; the first SetEnv line wins */
    size_t n_set_env;
    char *remote_command, *proxy_command; /* the rest of the line, as OpenSSH */
    char *pubkey_accepted_algorithms;     /* as given: may start + - ^ */
    char *control_path, *global_known_hosts_file, *tag;
    char *forward_agent_path;       /* ForwardAgent with a socket path or $VAR */
    int request_tty;                /* enum strata_ssh_config_tty */
    int forward_agent;              /* 0 / 1 (1 also with forward_agent_path) */
    int exit_on_forward_failure;    /* 0 / 1 */
    int hash_known_hosts;           /* 0 / 1 */
    int update_host_keys;           /* 0 no, 1 yes, 2 ask */
    int add_keys_to_agent;          /* enum strata_ssh_config_addkeys */
    int add_keys_lifetime;          /* seconds; 0 = no limit */
    int number_of_password_prompts; /* >= 0 */
    int escape_char;                /* a byte, or STRATA_SSHC_ESCAPE_NONE */
    int control_master;             /* enum strata_ssh_config_master */
    int control_persist;            /* 0 / 1 */
    int control_persist_seconds;    /* with control_persist 1: 0 = for ever */
    int clear_all_forwardings;      /* 0 / 1: finish drops every forward */
    int required_rsa_size;          /* bits; at most 1024 (strata's own floor) */
    strata_ssh_config_forward remote_forwards[STRATA_SSH_CONFIG_LIST_MAX];
    size_t n_remote_forwards;
    strata_ssh_config_forward dynamic_forwards[STRATA_SSH_CONFIG_LIST_MAX];
    size_t n_dynamic_forwards;

    /* Keywords accepted but not acted on, one heap string each, "FILE line
     * N: ignoring Keyword (...)"; for -v. n_notes_dropped counts those past
     * STRATA_SSH_CONFIG_NOTES_MAX. */
    char *notes[STRATA_SSH_CONFIG_NOTES_MAX];
    size_t n_notes, n_notes_dropped;

    /* Match context (strata_ssh_config_set_context; apply_file fills what is
     * unset from the system): local_user (Match localuser, and user/%u
     * before User is set), local_host (%l, %L), command (the remote command,
     * for Match command), uid (%i; -1 unknown). final_pass: 1 on the second
     * reading that "Match final" asks for; want_final is set to 1 when a
     * Match final line was seen (or CanonicalizeHostname is on). */
    char *local_user, *local_host, *command;
    long uid;
    int final_pass, want_final;

    strata_ssh_config_include_fn include; /* see above */
    void *include_user;
    strata_ssh_config_exec_fn exec; /* Match exec; NULL: Match exec is an error */
    void *exec_user;
};

/* c is the caller's; init sets every option "not set" and uid -1 (the hooks
 * NULL: strata_ssh_config_apply_file and _resolve install the io module's
 * when they are NULL); free releases what the struct holds (not c itself)
 * and leaves it initialised, hooks and Match context kept. */
STRATA_API void strata_ssh_config_init(strata_ssh_config *c);
STRATA_API void strata_ssh_config_free(strata_ssh_config *c);

/* Sets the Match context (copies; each may be NULL). */
STRATA_API STRATA_MUST_CHECK strata_status strata_ssh_config_set_context(strata_ssh_config *c,
                                                                         const char *local_user,
                                                                         const char *local_host,
                                                                         const char *command,
                                                                         long uid);

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

/* The whole sequence for "strata ssh [-F file] [-o opt]... host": sets the
 * Match context (local user, host name, uid), applies the -o options in
 * order, then the config files (file NULL: ~/.ssh/config then
 * /etc/ssh/ssh_config, each if it exists, as OpenSSH; "none": no file; else
 * that file, which must exist), reads them again when Match final asks, then
 * strata_ssh_config_finish with the local user, home ($HOME, else the password
 * database) and host name. c must be initialised; on failure err says why. */
STRATA_API STRATA_MUST_CHECK strata_status
strata_ssh_config_resolve(strata_ssh_config *c, const char *host, char *const *opts, size_t n_opts,
                          const char *file, strata_error *err);

/* The io module's Include reader and Match exec runner (/bin/sh -c
 * command, stdin from /dev/null, stdout to stderr, as OpenSSH). */
STRATA_API strata_status strata_ssh_config_include_files(void *user, const char *pattern,
                                                         strata_ssh_config_each_fn each, void *arg,
                                                         strata_error *err);
STRATA_API int strata_ssh_config_exec_shell(void *user, const char *command, strata_error *err);

/* The keywords strata accepts (implemented or ignored; not Host, Match,
 * Include), as static strings into names (up to max); returns how many
 * there are. */
STRATA_API size_t strata_ssh_config_keywords(const char **names, size_t max);

/* ssh_config-style host matching: 1 when host matches the pattern list
 * (whitespace/comma separated, `*`, `?`, `!` negation), else 0. */
STRATA_API int strata_ssh_config_host_match(const char *host, const char *patterns);

#endif
