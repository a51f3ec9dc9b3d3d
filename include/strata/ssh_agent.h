/* strata/ssh_agent.h - ssh-agent client protocol (draft-miller-ssh-agent).
 *
 * The codec is sans-I/O: requests are appended to a caller's strata_buf as
 * framed messages (uint32 length, then the message), replies are unframed
 * from received bytes and parsed. strata_ssh_agent_transact (src/io) is a
 * small blocking helper that does one request/reply over the agent's Unix
 * socket, for command-line use.
 *
 * Messages (draft-miller-ssh-agent §4-5):
 *   SSH_AGENTC_REQUEST_IDENTITIES (11)  -> SSH_AGENT_IDENTITIES_ANSWER (12)
 *   SSH_AGENTC_SIGN_REQUEST (13)        -> SSH_AGENT_SIGN_RESPONSE (14)
 *   SSH_AGENTC_ADD_IDENTITY (17)        -> SSH_AGENT_SUCCESS (6)
 *   SSH_AGENTC_REMOVE_IDENTITY (18)     -> SSH_AGENT_SUCCESS (6)
 *   any request                         -> SSH_AGENT_FAILURE (5): E_SSH_AGENT_REFUSED
 */
#ifndef STRATA_SSH_AGENT_H
#define STRATA_SSH_AGENT_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "ssh_keys.h"
#include "error.h"
#include "export.h"
#include "status.h"

#define STRATA_SSH_AGENT_FAILURE 5
#define STRATA_SSH_AGENT_SUCCESS 6
#define STRATA_SSH_AGENTC_REQUEST_IDENTITIES 11
#define STRATA_SSH_AGENT_IDENTITIES_ANSWER 12
#define STRATA_SSH_AGENTC_SIGN_REQUEST 13
#define STRATA_SSH_AGENT_SIGN_RESPONSE 14
#define STRATA_SSH_AGENTC_ADD_IDENTITY 17
#define STRATA_SSH_AGENTC_REMOVE_IDENTITY 18
/* Sign request flags (§5.3): ask for rsa-sha2-256 / rsa-sha2-512 signatures
 * from an ssh-rsa key. */
#define STRATA_SSH_AGENT_RSA_SHA2_256 2u
#define STRATA_SSH_AGENT_RSA_SHA2_512 4u
/* Largest message accepted from an agent (OpenSSH's agent uses 256 KiB). */
#define STRATA_SSH_AGENT_MSG_MAX (256u * 1024u)
/* Most identities accepted in one answer. */
#define STRATA_SSH_AGENT_IDS_MAX 1024u

struct strata_ssh_agent_identity {
    uint8_t *blob; /* public key blob */
    size_t blob_len;
    char *comment; /* NUL-terminated */
};

/* The keys an agent holds. Owns every blob and comment. */
typedef struct strata_ssh_agent_identities {
    size_t n;
    struct strata_ssh_agent_identity *ids;
} strata_ssh_agent_identities;

/* Appends a framed REQUEST_IDENTITIES to out (caller-owned). */
STRATA_API STRATA_MUST_CHECK strata_status strata_ssh_agent_request_identities(strata_buf *out);
/* Appends a framed SIGN_REQUEST for the key blob (n bytes) over data (dn
 * bytes) with flags (0 or STRATA_SSH_AGENT_RSA_SHA2_*). Inputs are borrowed
 * for the call. E_LIMIT when the message would pass STRATA_SSH_AGENT_MSG_MAX. */
STRATA_API STRATA_MUST_CHECK strata_status strata_ssh_agent_request_sign(
    strata_buf *out, const uint8_t *blob, size_t n, const uint8_t *data, size_t dn, uint32_t flags);

/* Appends a framed ADD_IDENTITY carrying k's private key and comment (§4.2;
 * the key fields are those of OpenSSH's key files). out should be secret
 * (strata_buf_set_secret): it holds the private key. */
STRATA_API STRATA_MUST_CHECK strata_status strata_ssh_agent_request_add(strata_buf *out,
                                                                        const strata_ssh_privkey *k,
                                                                        strata_error *err);
/* Appends a framed REMOVE_IDENTITY for the public key blob (n bytes). */
STRATA_API STRATA_MUST_CHECK strata_status strata_ssh_agent_request_remove(strata_buf *out,
                                                                           const uint8_t *blob,
                                                                           size_t n);
/* Parses a reply that must be SSH_AGENT_SUCCESS (to add / remove):
 * E_SSH_AGENT_REFUSED for a failure, E_PROTOCOL for anything else. */
STRATA_API STRATA_MUST_CHECK strata_status strata_ssh_agent_parse_success(const uint8_t *msg,
                                                                          size_t n,
                                                                          strata_error *err);

/* Takes one framed message from the front of in: STRATA_WANT_READ (in
 * untouched) until it is complete; then *msg / *n point at the message body
 * (type byte first) inside in, valid until in is next written or compacted,
 * and the frame is consumed. E_LIMIT for a length above
 * STRATA_SSH_AGENT_MSG_MAX, E_FORMAT for a zero length. */
STRATA_API STRATA_MUST_CHECK strata_status strata_ssh_agent_reply_take(strata_buf *in,
                                                                       const uint8_t **msg,
                                                                       size_t *n,
                                                                       strata_error *err);
/* Parses the reply to REQUEST_IDENTITIES (the message body, borrowed). *out
 * is new (free with strata_ssh_agent_identities_free). E_SSH_AGENT_REFUSED
 * for SSH_AGENT_FAILURE; E_PROTOCOL for another message type; E_TRUNCATED,
 * E_TRAILING, E_FORMAT, E_LIMIT for a malformed answer. */
STRATA_API STRATA_MUST_CHECK strata_status strata_ssh_agent_parse_identities(
    const uint8_t *msg, size_t n, strata_ssh_agent_identities **out, strata_error *err);
STRATA_API void strata_ssh_agent_identities_free(strata_ssh_agent_identities *ids);
/* Parses the reply to SIGN_REQUEST: *sig is a new heap copy (free()) of the
 * SSH signature blob (string algorithm, string signature), *sig_len its
 * length. Errors as for strata_ssh_agent_parse_identities. */
STRATA_API STRATA_MUST_CHECK strata_status strata_ssh_agent_parse_sign(const uint8_t *msg, size_t n,
                                                                       uint8_t **sig,
                                                                       size_t *sig_len,
                                                                       strata_error *err);

/* Blocking helper (src/io/agent_sock.c): connects to the agent's Unix socket
 * at sock_path (NULL: $SSH_AUTH_SOCK), writes the framed request(s) in
 * request (borrowed), reads one framed reply and appends its body (type byte
 * first, without the length) to reply (caller-owned). Gives up after
 * timeout_ms in total (E_TIMEOUT). E_IO with errno's text for socket errors;
 * E_USAGE when no socket is named; E_LIMIT for an oversized reply. */
STRATA_API STRATA_MUST_CHECK strata_status strata_ssh_agent_transact(const char *sock_path,
                                                                     const strata_buf *request,
                                                                     strata_buf *reply,
                                                                     int timeout_ms,
                                                                     strata_error *err);

#endif
