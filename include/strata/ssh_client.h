/* strata/ssh_client.h - one SSH client connection: transport, user
 * authentication and the connection protocol wired together, sans-I/O.
 *
 * The client owns a strata_ssh_transport, a strata_ssh_auth and a
 * strata_ssh_conn. It requests "ssh-userauth" once the transport is secure,
 * runs authentication, starts delayed compression (zlib@openssh.com) after
 * USERAUTH_SUCCESS, and from then on routes messages 80 and up to the
 * connection protocol. The caller moves bytes (input / output, as for the
 * transport) and uses the three engines through the accessors: identities
 * go to strata_ssh_client_auth before start, channels are opened on
 * strata_ssh_client_conn once `ready` was called.
 *
 * Errors: the first error of any of the three is the client's. An
 * authentication failure sends DISCONNECT (NO_MORE_AUTH_METHODS_AVAILABLE)
 * and reports the auth engine's message ("Permission denied (...)."); a
 * connection protocol error sends DISCONNECT (PROTOCOL_ERROR).
 */
#ifndef STRATA_SSH_CLIENT_H
#define STRATA_SSH_CLIENT_H

#include "ssh.h"
#include "ssh_auth.h"
#include "ssh_conn.h"

typedef struct strata_ssh_client strata_ssh_client;

typedef struct strata_ssh_client_config {
    /* Transport settings. Its callbacks are the client's own except
     * verify_host_key, debug and disconnected, which are passed on (with
     * transport.user). */
    strata_ssh_transport_config transport;
    /* User auth settings; send/send_ctx are set by the client. */
    strata_ssh_auth_config auth;
    /* Connection protocol settings; send/send_ctx are set by the client. */
    strata_ssh_conn_config conn;
    /* Authentication succeeded: channels may be opened (from inside the
     * callback too). May be NULL. */
    void (*ready)(void *user);
    void *user;
} strata_ssh_client_config;

/* A new client (*out owned by the caller; free with _free). cfg is read
 * during the call only. Errors as for the three engines' _new, detail in err
 * (may be NULL). */
STRATA_API STRATA_MUST_CHECK strata_status strata_ssh_client_new(
    const strata_ssh_client_config *cfg, strata_ssh_client **out, strata_error *err);
/* Frees the client and its engines. NULL is allowed. */
STRATA_API void strata_ssh_client_free(strata_ssh_client *c);

/* Bytes from the server, as strata_ssh_transport_input. */
STRATA_API STRATA_MUST_CHECK strata_status strata_ssh_client_input(strata_ssh_client *c,
                                                                   const uint8_t *data, size_t n,
                                                                   size_t *consumed);
STRATA_API STRATA_MUST_CHECK strata_status strata_ssh_client_input_eof(strata_ssh_client *c);
/* Bytes for the server (borrowed until the next call on c). */
STRATA_API void strata_ssh_client_output(strata_ssh_client *c, const uint8_t **data, size_t *n);
STRATA_API void strata_ssh_client_output_ack(strata_ssh_client *c, size_t n);
/* Ends the connection: DISCONNECT BY_APPLICATION (drain the output, then
 * close). */
STRATA_API STRATA_MUST_CHECK strata_status strata_ssh_client_disconnect(strata_ssh_client *c);

/* Answers a pending prompt of the auth engine (see strata_ssh_auth_answer);
 * use this rather than the engine's call so that success or failure is
 * noticed. */
STRATA_API STRATA_MUST_CHECK strata_status strata_ssh_client_auth_answer(strata_ssh_client *c,
                                                                         const char *const *answers,
                                                                         size_t n);

/* 1 once authentication succeeded. */
STRATA_API int strata_ssh_client_is_ready(const strata_ssh_client *c);
/* 1 once the connection has ended (error or disconnect) and the output is
 * drained. */
STRATA_API int strata_ssh_client_is_closed(const strata_ssh_client *c);
/* The first error (status STRATA_OK when none); owned by c. */
STRATA_API const strata_error *strata_ssh_client_error(const strata_ssh_client *c);

/* The engines, borrowed from c (valid while c lives). */
STRATA_API strata_ssh_transport *strata_ssh_client_transport(strata_ssh_client *c);
STRATA_API strata_ssh_auth *strata_ssh_client_auth(strata_ssh_client *c);
STRATA_API strata_ssh_conn *strata_ssh_client_conn(strata_ssh_client *c);

#endif
