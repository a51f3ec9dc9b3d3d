/* Internal: OpenSSH's connection-multiplexing protocol (its PROTOCOL.mux,
 * version 4), sans-I/O: framing, parsing and encoding of the messages of
 * passenger-mode sessions and control commands. The socket, the passing of
 * descriptors (SCM_RIGHTS) and the sessions are src/io/ssh_mux_*.c's.
 *
 * Wire: uint32 length, then the body: uint32 type and the type's fields in
 * SSH wire format (RFC 4251 §5). Bounded: a body over STRATA__MUX_BODY_MAX,
 * more than STRATA__MUX_ENV_MAX environment strings, a string holding a NUL,
 * or trailing bytes are errors naming the problem.
 */
#ifndef STRATA_SSH_MUX_INTERNAL_H
#define STRATA_SSH_MUX_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "strata/buf.h"
#include "strata/error.h"
#include "strata/ssh_mux.h"

#define STRATA__MUX_BODY_MAX (256u * 1024u)
#define STRATA__MUX_ENV_MAX 64

/* A parsed message. Strings are heap copies owned by the message
 * (strata__mux_msg_free); NULL when absent. */
struct strata__mux_msg {
    uint32_t type;
    /* Request id (client requests), client request id (replies), session
     * id (EXIT_MESSAGE, TTY_ALLOC_FAIL). HELLO has none. */
    uint32_t id;
    /* HELLO: version; ALIVE: pid; SESSION_OPENED: session id; EXIT_MESSAGE:
     * exit value; REMOTE_PORT: port. */
    uint32_t value;
    char *reason; /* PERMISSION_DENIED, FAILURE */
    /* NEW_SESSION */
    int want_tty, want_x11, want_agent, subsystem;
    uint32_t escape;
    char *term, *command;
    char *env[STRATA__MUX_ENV_MAX];
    size_t n_env;
    /* A request this side knows but does not serve (OPEN_FWD, CLOSE_FWD,
     * NEW_STDIO_FWD, PROXY): only id is parsed; answer with FAILURE. */
    int unsupported;
};

/* Finds one frame at the start of p[0..n): STRATA_OK with *body / *body_len
 * (pointing into p) and *frame_len (4 + body), STRATA_WANT_READ when
 * incomplete, E_LIMIT / E_FORMAT (in err) for an impossible length. */
strata_status strata__mux_frame(const uint8_t *p, size_t n, const uint8_t **body, size_t *body_len,
                                size_t *frame_len, strata_error *err);
/* Parses a body into *m (cleared first; on failure nothing is left to
 * free). E_FORMAT for a malformed field, E_PROTOCOL for an unknown type,
 * E_LIMIT past the bounds; err names the message and the problem. */
strata_status strata__mux_parse(const uint8_t *body, size_t n, struct strata__mux_msg *m,
                                strata_error *err);
void strata__mux_msg_free(struct strata__mux_msg *m);
/* Appends m's frame (length and body) to out. */
strata_status strata__mux_encode(strata_buf *out, const struct strata__mux_msg *m);
/* "NEW_SESSION" etc. for a type; "unknown" else. Static. */
const char *strata__mux_type_name(uint32_t type);

#endif
