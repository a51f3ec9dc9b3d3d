/* strata/ssh_mux.h - connection sharing as OpenSSH's ControlMaster does it:
 * a master holds one SSH connection and listens on a unix socket (the
 * ControlPath); each client that connects there gets a new session channel
 * on that connection, so a second `ssh` to the same host skips TCP, key
 * exchange and authentication.
 *
 * The protocol is OpenSSH's (PROTOCOL.mux, version 4): an OpenSSH `ssh -S
 * path` can use a strata master and a strata client an OpenSSH master. A
 * client passes its stdin, stdout and stderr descriptors to the master
 * (SCM_RIGHTS), which connects them to the channel itself: no byte goes
 * through the client. Served: sessions (exec, subsystem or shell, pty,
 * environment), ALIVE_CHECK (-O check), TERMINATE (-O exit),
 * STOP_LISTENING (-O stop), and SIGWINCH sent to the master's pid (what
 * OpenSSH's client does when its terminal changes size: each pty session
 * gets its terminal's new size); port forwarding and stdio forwarding requests
 * are refused with a FAILURE reply naming them.
 *
 * Security as OpenSSH: the socket is made 0600 (umask 0177 around bind),
 * its directory must not be group- or world-writable unless sticky-free
 * paths are the user's own, and a client whose uid (SO_PEERCRED) is neither
 * ours nor root is refused.
 *
 * Implemented in src/io/ssh_mux_master.c and ssh_mux_session.c (the master,
 * on the io driver) and
 * src/io/ssh_mux_client.c (the client: blocking, it has nothing else to
 * do); the protocol's parser is sans-I/O (src/ssh/mux.c).
 */
#ifndef STRATA_SSH_MUX_H
#define STRATA_SSH_MUX_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "export.h"
#include "io.h"
#include "ssh_client.h"
#include "ssh_config.h"
#include "status.h"

/* PROTOCOL.mux §11 */
#define STRATA_SSH_MUX_VERSION 4u
#define STRATA_SSH_MUX_HELLO 0x00000001u
#define STRATA_SSH_MUX_C_NEW_SESSION 0x10000002u
#define STRATA_SSH_MUX_C_ALIVE_CHECK 0x10000004u
#define STRATA_SSH_MUX_C_TERMINATE 0x10000005u
#define STRATA_SSH_MUX_C_OPEN_FWD 0x10000006u
#define STRATA_SSH_MUX_C_CLOSE_FWD 0x10000007u
#define STRATA_SSH_MUX_C_NEW_STDIO_FWD 0x10000008u
#define STRATA_SSH_MUX_C_STOP_LISTENING 0x10000009u
#define STRATA_SSH_MUX_C_PROXY 0x1000000fu
#define STRATA_SSH_MUX_S_OK 0x80000001u
#define STRATA_SSH_MUX_S_PERMISSION_DENIED 0x80000002u
#define STRATA_SSH_MUX_S_FAILURE 0x80000003u
#define STRATA_SSH_MUX_S_EXIT_MESSAGE 0x80000004u
#define STRATA_SSH_MUX_S_ALIVE 0x80000005u
#define STRATA_SSH_MUX_S_SESSION_OPENED 0x80000006u
#define STRATA_SSH_MUX_S_REMOTE_PORT 0x80000007u
#define STRATA_SSH_MUX_S_TTY_ALLOC_FAIL 0x80000008u
#define STRATA_SSH_MUX_S_PROXY 0x8000000fu

#define STRATA_SSH_MUX_PATH_MAX 104 /* sun_path, less the NUL (as OpenSSH) */

/* ---- ControlPath ------------------------------------------------------------- */

/* Expands a ControlPath template for the destination's resolved
 * configuration cfg (borrowed): "~/" and the tokens %% %C %d %h %i %L %l %n
 * %p %r %u as ssh_config(5) defines them (%C: hex SHA-1 of %l%h%p%r, %n:
 * original_host). The result goes to out (cap bytes, NUL-terminated).
 * E_USAGE (in err) for an unknown token or a path longer than
 * STRATA_SSH_MUX_PATH_MAX. */
STRATA_API STRATA_MUST_CHECK strata_status strata_ssh_mux_path(const char *templ,
                                                               const strata_ssh_config *cfg,
                                                               const char *original_host, char *out,
                                                               size_t cap, strata_error *err);

/* ---- client -------------------------------------------------------------------- */

/* What a client's session asks for. Strings borrowed for the call. */
typedef struct strata_ssh_mux_session_args {
    const char *command; /* NULL or "": the shell */
    int subsystem;       /* command is a subsystem name */
    int want_tty;
    const char *term;       /* NULL: $TERM, else "" */
    const char *const *env; /* "NAME=VALUE" strings sent with the session */
    size_t n_env;
    /* Descriptors handed to the master (stdin, stdout, stderr); -1: 0, 1, 2. */
    int fd_in, fd_out, fd_err;
} strata_ssh_mux_session_args;

/* Connects to the master at path and says hello (version 4). *fd is the
 * control connection (the caller's; close it). Errors: E_IO with
 * ECONNREFUSED / ENOENT in *sys_errno when no master listens (a stale
 * socket or none: the caller may remove it and go on without), E_PROTOCOL
 * for a peer that does not speak version 4; err says which. */
STRATA_API STRATA_MUST_CHECK strata_status strata_ssh_mux_connect(const char *path, int *fd,
                                                                  int *sys_errno,
                                                                  strata_error *err);
/* ALIVE_CHECK on a connected fd: *pid is the master's. */
STRATA_API STRATA_MUST_CHECK strata_status strata_ssh_mux_check(int fd, uint32_t *pid,
                                                                strata_error *err);
/* TERMINATE (-O exit) or, with stop_listening, STOP_LISTENING (-O stop).
 * E_PROTOCOL with the master's reason when it refuses. */
STRATA_API STRATA_MUST_CHECK strata_status strata_ssh_mux_command(int fd, int stop_listening,
                                                                  strata_error *err);
/* Runs a session through the master: NEW_SESSION, the three descriptors,
 * then waits (blocking) for the exit message and the master's close.
 * *exit_status: the remote command's (0..255), 255 when the master went
 * away without one. on_tty_fail (may be NULL) is called when the master
 * reports that no pty could be had (leave raw mode). Errors before the
 * session opened (refused, bad reply) in err. */
STRATA_API STRATA_MUST_CHECK strata_status
strata_ssh_mux_session(int fd, const strata_ssh_mux_session_args *a, int *exit_status,
                       void (*on_tty_fail)(void *user), void *user, strata_error *err);

/* ---- master -------------------------------------------------------------------- */

typedef struct strata_ssh_mux_master strata_ssh_mux_master;

typedef struct strata_ssh_mux_master_config {
    const char *path; /* ControlPath (copied) */
    /* ControlPersist: after the last session ends, the master lives this
     * many seconds more (0: ControlPersist off: it ends with its own
     * session; UINT32_MAX: for ever, until -O exit). */
    uint32_t persist_seconds;
    /* The master should end (-O exit, ControlPersist's time ran out): the
     * owner ends the SSH connection. Required. */
    void (*on_terminate)(void *user, const char *why);
    void *user;
} strata_ssh_mux_master_config;

/* Binds and listens on cfg->path (0600; the directory checked as OpenSSH
 * does). E_IO with the reason, "ControlSocket PATH already exists" when a
 * live file is there. *out is the caller's (strata_ssh_mux_master_free),
 * on io (borrowed; must outlive it). Clients are accepted at once;
 * sessions asked for before _start are refused. */
STRATA_API STRATA_MUST_CHECK strata_status
strata_ssh_mux_master_new(strata_io *io, const strata_ssh_mux_master_config *cfg,
                          strata_ssh_mux_master **out, strata_error *err);
/* The SSH connection is authenticated: client (borrowed) is its client,
 * main (borrowed) its io connection. Sessions are served from now on. */
STRATA_API void strata_ssh_mux_master_start(strata_ssh_mux_master *m, strata_io_conn *main,
                                            strata_ssh_client *client);
/* The owner's own session ended: with persist_seconds the master goes on
 * (the clock runs while no session is live); without, on_terminate is
 * called once the last client session has ended. */
STRATA_API void strata_ssh_mux_master_own_done(strata_ssh_mux_master *m);
/* Live client sessions. */
STRATA_API size_t strata_ssh_mux_master_sessions(const strata_ssh_mux_master *m);
/* The SSH connection ended: every client session ends (their clients get
 * no exit message: 255), the listener closes and the socket is removed. */
STRATA_API void strata_ssh_mux_master_stop(strata_ssh_mux_master *m);
/* Stops and frees (after the io driver has run out or before it runs). */
STRATA_API void strata_ssh_mux_master_free(strata_ssh_mux_master *m);

#endif
