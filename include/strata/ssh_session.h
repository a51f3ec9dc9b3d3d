/* strata/ssh_session.h - an SSH client session as OpenSSH's ssh makes one:
 * the destination "[user@]host[:port]" (or ssh://...) and its jump hosts,
 * each with its options resolved the way OpenSSH resolves them (the
 * command-line arguments first, then -o options, then the config file's
 * Host blocks; the first value wins; ProxyJump looked up per hop), its
 * known_hosts files, its identities (key files with their -cert.pub
 * certificates, the ssh-agent) and its prompts; made into SSH layers and
 * connected over TCP or pushed onto any stack.
 *
 * Timers: every SSH layer made here carries ConnectTimeout (banner and key
 * exchange), ServerAliveInterval / ServerAliveCountMax and RekeyLimit
 * (bytes and time); the io driver's tick runs them (one clock for every SSH
 * connection: the destination, each jump hop, an ssh: element of a chain).
 *
 * Implemented in src/io/ssh_session.c (it reads files and talks to the
 * agent); the engines it drives are sans-I/O.
 */
#ifndef STRATA_SSH_SESSION_H
#define STRATA_SSH_SESSION_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "export.h"
#include "io.h"
#include "ssh_config.h"
#include "ssh_forward.h"
#include "ssh_layer.h"
#include "status.h"

#define STRATA_SSH_SESSION_KEYS_MAX 16 /* identities per hop */
#define STRATA_SSH_SESSION_OPTS_MAX 64 /* -o options */
#define STRATA_SSH_SESSION_JUMPS_MAX 8 /* jump hosts */

/* How a session talks to its user. Every member may be NULL. */
typedef struct strata_ssh_session_ui {
    /* A message for the user, as OpenSSH words it (warnings, the server's
     * banner, "Permanently added ...", debug1 lines under verbose, "Host key
     * verification failed."); text (borrowed for the call) ends with a
     * newline. NULL: written to stderr. Filtered already by quiet / verbose /
     * LogLevel. */
    void (*message)(void *user, const char *text);
    /* Asks the user (passwords, key passphrases, keyboard-interactive, the
     * unknown host key question); echo 0 for secrets. An encrypted key's
     * passphrase is asked during the connection, once the server accepts
     * the key (as OpenSSH); a key with a certificate file or AddKeysToAgent
     * yes is asked for when the session is made. The answer goes into
     * buf (cap bytes, NUL-terminated; the session wipes it after use);
     * returns buf, or NULL when there is no way to ask. NULL: nothing is
     * asked (as BatchMode: an unknown host key is refused). */
    const char *(*ask)(void *user, const char *prompt, int echo, char *buf, size_t cap);
    void *user; /* passed back; never freed */
} strata_ssh_session_ui;

/* What the command line says. Strings are borrowed during
 * strata_ssh_session_new only. */
typedef struct strata_ssh_session_args {
    const char *config_file; /* -F (NULL: ~/.ssh/config, "none": no file) */
    const char *user;        /* -l (destination only) */
    int port;                /* -p (0: not given; destination only) */
    const char *identity[STRATA_SSH_SESSION_KEYS_MAX]; /* -i (destination only) */
    size_t n_identity;
    const char *opts[STRATA_SSH_SESSION_OPTS_MAX]; /* -o, every hop */
    size_t n_opts;
    const char *ciphers, *macs; /* -c, -m (destination only) */
    int compression;            /* -C (destination only) */
    int quiet, verbose;         /* -q, -v count */
    const char *known_hosts;    /* UserKnownHostsFile for the destination */
    const char *jump;           /* -J list (NULL: the destination's ProxyJump; "none") */
    strata_ssh_session_ui ui;
} strata_ssh_session_args;

typedef struct strata_ssh_session strata_ssh_session;

/* Resolves dest and its jump hosts (args->jump, else the destination's
 * ProxyJump; each hop resolved as a direct connection to it would be: -F
 * and -o apply, -l -p -i -c -m -C do not), loads known_hosts and
 * identities. *out is the caller's (strata_ssh_session_free); it must
 * outlive every layer and connection made from it. Errors: E_USAGE (bad
 * destination), E_SSH_CONFIG (with file and line), E_LIMIT (too many jump
 * hosts), the known_hosts file's; the message in err. */
STRATA_API STRATA_MUST_CHECK strata_status
strata_ssh_session_new(const char *dest, const strata_ssh_session_args *args,
                       strata_ssh_session **out, strata_error *err);
STRATA_API void strata_ssh_session_free(strata_ssh_session *s);

/* The destination's resolved configuration (borrowed, lives with s). */
STRATA_API const strata_ssh_config *strata_ssh_session_config(const strata_ssh_session *s);
/* Hops: the jump hosts then the destination (1 without jump hosts). */
STRATA_API size_t strata_ssh_session_hops(const strata_ssh_session *s);

/* Makes the destination's SSH layer alone, for a caller that pushes it
 * itself (a chain element running over the stream so far): *out as
 * strata_ssh_layer_new, lc as for strata_ssh_session_push. E_STATE when the
 * session has jump hosts (use _push). */
STRATA_API STRATA_MUST_CHECK strata_status strata_ssh_session_layer(
    strata_ssh_session *s, const strata_ssh_layer_config *lc, strata_layer *out, strata_error *err);

/* Pushes onto stack (borrowed) one SSH layer per hop: each jump host's
 * channel is a direct-tcpip channel to the next hop; the destination's
 * layer takes lc's channel settings and callbacks (lc read during the call;
 * its client.transport / client.auth fields are the session's and
 * overwritten; timers come from the configuration unless lc sets them).
 * *target (may be NULL) is the destination's layer self (for
 * strata_ssh_layer_channel / _close). On failure, nothing of s is left
 * on the stack half-made: the layers already pushed stay (the stack owns
 * them) and the error is in err. */
STRATA_API STRATA_MUST_CHECK strata_status
strata_ssh_session_push(strata_ssh_session *s, strata_stack *stack,
                        const strata_ssh_layer_config *lc, void **target, strata_error *err);

/* Connects to the first hop over TCP (ConnectTimeout bounds the connect,
 * the banner and the key exchange; default 10 s for the connect alone) and
 * pushes the hops as strata_ssh_session_push. app is the stack's
 * application face (the destination's channel); cc (may be NULL) as for
 * strata_io_connect. fwd (may be NULL; borrowed, must outlive the
 * connection) gets the destination's LocalForward lines added, is attached
 * to its layer, started once authenticated and stopped before cc's on_done
 * runs. *out is the connection (owned by io); *target as for _push. A
 * failure after the connection exists is reported through on_done. */
STRATA_API STRATA_MUST_CHECK strata_status strata_ssh_session_connect(
    strata_ssh_session *s, strata_io *io, const strata_ssh_layer_config *lc,
    strata_ssh_forward *fwd, strata_io_app app, const strata_io_conn_config *cc,
    strata_io_conn **out, void **target, strata_error *err);

/* Splits a destination "[user@]host[:port]" or "ssh://[user@]host[:port]"
 * (IPv6 in brackets): *user (NULL when not given) and *host are heap strings
 * the caller frees, *port 0 when not given. E_USAGE (nothing allocated) for
 * a malformed one. */
STRATA_API STRATA_MUST_CHECK strata_status strata_ssh_parse_destination(const char *dest,
                                                                        char **user, char **host,
                                                                        int *port);

#endif
