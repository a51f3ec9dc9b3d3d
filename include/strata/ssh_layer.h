/* strata/ssh_layer.h - an SSH client connection as a stack layer.
 *
 * Beneath: the byte stream to the SSH server (a TCP connection, another
 * layer, another SSH connection's channel). Above: one channel of that
 * connection, opened once authentication succeeded:
 *   - a direct-tcpip channel to host:port (strata_ssh_layer_set_direct):
 *     the chain continues over it (`ssh:user=alice direct:db:5432`, jump
 *     hosts);
 *   - otherwise a session channel running command, subsystem or the shell,
 *     with an optional pty and environment; its stderr goes to on_stderr.
 * The layer is UP when the channel is open (for a session: when the server
 * accepted the command). Half-close maps to channel EOF both ways; for a
 * session the read side ends only at the channel's CLOSE, so exit-status
 * (which OpenSSH sends after EOF) is not lost. When the channel has closed,
 * the layer sends DISCONNECT and its write side ends.
 *
 * Use it as any layer: strata_stack_push the strata_layer it fills; the
 * stack owns it from then on. Before pushing, the caller may add identities
 * through strata_ssh_layer_client(layer.self).
 */
#ifndef STRATA_SSH_LAYER_H
#define STRATA_SSH_LAYER_H

#include "layer.h"
#include "ssh_client.h"

typedef struct strata_ssh_layer_config {
    strata_ssh_client_config client;
    /* No channel at all (ssh -N): UP once authenticated; nothing flows above. */
    int no_channel;
    /* Session channel settings (ignored for direct-tcpip). All copied. */
    const char *command;   /* exec; NULL and no subsystem: the shell */
    const char *subsystem; /* subsystem name (e.g. "sftp") */
    int want_pty;
    const char *term; /* NULL: "vt100" */
    uint32_t cols, rows;
    const uint8_t *modes; /* encoded terminal modes (RFC 4254 §8), may be NULL */
    size_t modes_len;
    /* auth-agent-req@openssh.com on the session (ssh -A): the server may
     * then open agent channels, which reach conn.open_request. */
    int forward_agent;
    const char *const *env; /* "NAME=VALUE" strings */
    size_t n_env;
    /* stderr bytes of the session (borrowed for the call); NULL: dropped. */
    void (*on_stderr)(void *user, const uint8_t *p, size_t n);
    /* The session's end: exit status (have_status 1) or signal (NULL when
     * none; message may be ""). Called once, when the channel closes. */
    void (*on_exit)(void *user, int have_status, uint32_t status, const char *signal,
                    const char *message);
    /* Authentication succeeded (client borrowed): open more channels here
     * (port forwarding). May be NULL. */
    void (*on_ready)(void *user, strata_ssh_client *c);
    void *user;
    /* Timers, run from the layer's tick (the io driver ticks every second;
     * one clock for every SSH connection: strata ssh, jump hops, ssh: chain
     * elements). connect_timeout (ConnectTimeout, seconds; 0: none): from
     * the first tick until the server's host key is in, E_TIMEOUT with
     * OpenSSH's "Connection timed out during banner exchange" (or "... during
     * key exchange"). alive_interval (ServerAliveInterval, seconds; 0: none):
     * once authenticated, a keepalive@openssh.com every interval;
     * alive_count_max (ServerAliveCountMax; 0: 3) unanswered end the
     * connection with E_TIMEOUT "Timeout, server HOST not responding.". */
    uint32_t connect_timeout, alive_interval, alive_count_max;
    /* Called with free_user when the layer is freed (the owner of what the
     * callbacks point to can go with the layer); not called when
     * strata_ssh_layer_new fails. May be NULL. */
    void (*on_free)(void *free_user);
    void *free_user;
} strata_ssh_layer_config;

/* Makes the layer (out->self owned by the caller until pushed). cfg is read
 * during the call only. Errors as strata_ssh_client_new, detail in err. */
STRATA_API STRATA_MUST_CHECK strata_status strata_ssh_layer_new(const strata_ssh_layer_config *cfg,
                                                                strata_layer *out,
                                                                strata_error *err);
/* Makes the channel above a direct-tcpip channel to host:port (host copied).
 * Only before authentication completes. */
STRATA_API STRATA_MUST_CHECK strata_status strata_ssh_layer_set_direct(void *self, const char *host,
                                                                       uint16_t port);
/* The client inside (borrowed, valid while the layer lives). */
STRATA_API strata_ssh_client *strata_ssh_layer_client(void *self);
/* 1 when l is an SSH layer (its ops are this module's). */
STRATA_API int strata_ssh_layer_is(const strata_layer *l);
/* Ends the session: signal (e.g. "TERM") if given, then channel CLOSE. */
STRATA_API STRATA_MUST_CHECK strata_status strata_ssh_layer_close(void *self, const char *signal);
/* The session channel (borrowed; NULL before it is opened): for
 * window-change and the like. */
STRATA_API strata_ssh_channel *strata_ssh_layer_channel(void *self);

#endif
