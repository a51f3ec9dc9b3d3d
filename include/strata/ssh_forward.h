/* strata/ssh_forward.h - SSH port forwarding on the io driver: -L (a local
 * listener; each accepted connection becomes a direct-tcpip channel), -R
 * (tcpip-forward; each forwarded-tcpip channel the server opens is
 * connected to a local host:port), -D (a local SOCKS4/4a/5 server; each
 * request becomes a direct-tcpip channel to the host:port it names) and -A
 * (agent channels the server opens are connected to the local ssh-agent),
 * as OpenSSH's ssh does.
 *
 * Every forwarded connection is an io connection whose app endpoint is the
 * channel, so back-pressure runs through the channel windows. Implemented
 * in src/io/ssh_forward.c.
 *
 * Use: strata_ssh_forward_new; _add / _parse for each forwarding; give it to
 * strata_ssh_session_connect (which attaches, starts and stops it), or by
 * hand: _attach to the destination's layer config before making the layer,
 * _start once authenticated (the layer's on_ready), _stop when the SSH
 * connection ends (before its stack is freed), then _free.
 */
#ifndef STRATA_SSH_FORWARD_H
#define STRATA_SSH_FORWARD_H

#include <stddef.h>
#include <stdint.h>

#include "export.h"
#include "io.h"
#include "ssh_layer.h"
#include "status.h"

#define STRATA_SSH_FORWARD_MAX 16 /* -L and -R forwardings each */

typedef struct strata_ssh_forward strata_ssh_forward;

/* A line for the user (as OpenSSH prints it: "Allocated port ...",
 * "Warning: remote port forwarding failed ..."); text is borrowed for the
 * call. NULL: written to stderr. */
typedef void (*strata_ssh_message_fn)(void *user, const char *text);

/* A new, empty set of forwardings on io (borrowed: io must outlive it).
 * message / user: see above (user is passed back, never freed). */
STRATA_API STRATA_MUST_CHECK strata_status strata_ssh_forward_new(strata_io *io,
                                                                  strata_ssh_message_fn message,
                                                                  void *user,
                                                                  strata_ssh_forward **out);
STRATA_API void strata_ssh_forward_free(strata_ssh_forward *f);
/* Adds a forwarding: remote 0 is -L (listen on bind:port here, NULL bind:
 * 127.0.0.1), remote 1 is -R (the server listens on bind:port, NULL bind:
 * "localhost"; port 0 lets it choose). Each connection goes to
 * host:host_port (from the server for -L, from here for -R). Strings are
 * copied. E_LIMIT beyond STRATA_SSH_FORWARD_MAX. */
STRATA_API STRATA_MUST_CHECK strata_status strata_ssh_forward_add(strata_ssh_forward *f, int remote,
                                                                  const char *bind, uint16_t port,
                                                                  const char *host,
                                                                  uint16_t host_port);
/* Parses "[bind:]port:host:hostport" (IPv6 in brackets) and adds it.
 * E_USAGE for a malformed specification. */
STRATA_API STRATA_MUST_CHECK strata_status strata_ssh_forward_parse(strata_ssh_forward *f,
                                                                    int remote, const char *spec);
/* Number of -L (remote 0) or -R (remote 1) forwardings added. */
STRATA_API size_t strata_ssh_forward_count(const strata_ssh_forward *f, int remote);
/* Adds a dynamic forwarding (-D): a SOCKS server (strata/socks.h: SOCKS4,
 * SOCKS4a, SOCKS5 without authentication, CONNECT only) listening on
 * bind:port here (NULL bind: 127.0.0.1). Each request opens a direct-tcpip
 * channel to the host:port it names; the channel's confirmation is the
 * SOCKS success reply, its refusal a failure reply (SOCKS5: not allowed,
 * connection refused or general failure, after the server's reason) and
 * the line "channel N: open failed: ..." through message. bind is copied.
 * E_LIMIT beyond STRATA_SSH_FORWARD_MAX. */
STRATA_API STRATA_MUST_CHECK strata_status strata_ssh_forward_add_dynamic(strata_ssh_forward *f,
                                                                          const char *bind,
                                                                          uint16_t port);
/* Parses "[bind:]port" (an IPv6 bind address in brackets; "*" binds every
 * address) and adds it as above. E_USAGE for a malformed specification. */
STRATA_API STRATA_MUST_CHECK strata_status strata_ssh_forward_parse_dynamic(strata_ssh_forward *f,
                                                                            const char *spec);
/* Number of -D forwardings added. */
STRATA_API size_t strata_ssh_forward_count_dynamic(const strata_ssh_forward *f);
/* Agent forwarding (-A / ForwardAgent): _attach asks for it on the session
 * (auth-agent-req@openssh.com), and each auth-agent@openssh.com channel the
 * server then opens is connected to the agent's Unix socket at sock_path
 * (copied; NULL: $SSH_AUTH_SOCK, read when a channel opens). A channel
 * that cannot reach the agent is refused (connect failed). */
STRATA_API STRATA_MUST_CHECK strata_status strata_ssh_forward_agent(strata_ssh_forward *f,
                                                                    const char *sock_path);
/* Points cfg's connection callbacks (open_request, global_reply) at f, and
 * sets cfg->forward_agent when strata_ssh_forward_agent was called. */
STRATA_API void strata_ssh_forward_attach(strata_ssh_forward *f, strata_ssh_layer_config *cfg);
/* Authentication succeeded on client (borrowed), whose SSH connection is
 * the io connection main (borrowed): opens the -L and -D listeners and
 * sends the -R requests. Failures are reported through message and counted
 * (strata_ssh_forward_failed). */
STRATA_API void strata_ssh_forward_start(strata_ssh_forward *f, strata_io_conn *main,
                                         strata_ssh_client *client);
/* The SSH connection ended: closes the listeners and every forwarded
 * connection (their channels are gone with the client). */
STRATA_API void strata_ssh_forward_stop(strata_ssh_forward *f);
/* After _start (E_STATE before): parses spec as _parse, adds it and opens
 * it at once (a -L listener, a -R request): the ~C command line. E_USAGE
 * for a malformed spec, E_LIMIT when full, E_IO when the port cannot be
 * bound (said through message). */
STRATA_API STRATA_MUST_CHECK strata_status strata_ssh_forward_open(strata_ssh_forward *f,
                                                                   int remote, const char *spec);
/* After _start: stops the -L listener on port (connections already
 * forwarded go on) or cancels the -R forwarding of port
 * (cancel-tcpip-forward): ~C's -KL / -KR. E_USAGE when none has that port. */
STRATA_API STRATA_MUST_CHECK strata_status strata_ssh_forward_cancel(strata_ssh_forward *f,
                                                                     int remote, uint16_t port);
/* As _open and _cancel for a dynamic (-D) forwarding: spec "[bind:]port"
 * as _parse_dynamic; cancel stops its listener (SOCKS connections already
 * made go on). ~C's -D and -KD. */
STRATA_API STRATA_MUST_CHECK strata_status strata_ssh_forward_open_dynamic(strata_ssh_forward *f,
                                                                           const char *spec);
STRATA_API STRATA_MUST_CHECK strata_status strata_ssh_forward_cancel_dynamic(strata_ssh_forward *f,
                                                                             uint16_t port);
/* What is forwarded, for the user (~#): a line per listener and remote
 * forwarding, then the number of forwarded connections open; CR LF line
 * ends (the terminal may be raw). Writes at most cap bytes with the NUL;
 * returns the length written. */
STRATA_API size_t strata_ssh_forward_describe(const strata_ssh_forward *f, char *buf, size_t cap);
/* ExitOnForwardFailure: with on, a forwarding that cannot be set up (a -L
 * or -D port that cannot be bound, a -R the server refuses) ends the SSH
 * connection ("Error: remote port forwarding failed for listen port N"). */
STRATA_API void strata_ssh_forward_exit_on_failure(strata_ssh_forward *f, int on);
/* 1 when a forwarding could not be set up (ExitOnForwardFailure). */
STRATA_API int strata_ssh_forward_failed(const strata_ssh_forward *f);

#endif
