/* strata/ssh_conn.h - the SSH connection protocol, client side (RFC 4254),
 * sans-I/O.
 *
 * A strata_ssh_conn multiplexes channels over one authenticated transport.
 * Like the user-auth engine it never touches the transport: messages go out
 * through the send function of its config, and the caller hands it every
 * message numbered 80 and up (strata_ssh_conn_packet).
 *
 * Channels
 *   - open: session, direct-tcpip; forwarded-tcpip opened by the server is
 *     offered to the open_request callback (accept now, later, or refuse);
 *   - data both ways under flow control. Our receive window starts at
 *     `window` (default 2 MiB); it is refilled (WINDOW_ADJUST) when half of
 *     it has been consumed by the application, and each refill made while
 *     the application keeps up doubles it, up to `window_max` (default
 *     16 MiB): bulk data gets large windows, a slow reader keeps memory
 *     bounded. Outgoing data is cut to the peer's maximum packet
 *     size and never exceeds the peer's window;
 *   - EOF and CLOSE in the RFC's order: EOF once, nothing after CLOSE, CLOSE
 *     answered, the channel finished when both CLOSEs have passed;
 *   - session requests (exec, shell, subsystem, pty-req, window-change, env,
 *     signal) and the server's exit-status / exit-signal.
 * Global requests: tcpip-forward / cancel-tcpip-forward,
 * keepalive@openssh.com sent (replies counted) and answered.
 *
 * Ownership: a channel pointer stays valid until the caller releases it with
 * strata_ssh_channel_release (allowed at any time; an open channel is closed
 * first) or the conn is freed. After STRATA_SSH_CH_CLOSED, data still
 * buffered can be read, then the channel should be released.
 *
 * Errors: protocol errors (a window overrun, data on a closed channel, a
 * malformed message) are sticky on the conn: strata_ssh_conn_packet returns
 * them and the caller ends the transport with PROTOCOL_ERROR.
 */
#ifndef STRATA_SSH_CONN_H
#define STRATA_SSH_CONN_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "export.h"
#include "ssh_auth.h"
#include "status.h"

typedef struct strata_ssh_conn strata_ssh_conn;
typedef struct strata_ssh_channel strata_ssh_channel;

/* RFC 4254 §5.1 open failure reason codes. */
enum strata_ssh_open_failure {
    STRATA_SSH_OPEN_ADMINISTRATIVELY_PROHIBITED = 1,
    STRATA_SSH_OPEN_CONNECT_FAILED = 2,
    STRATA_SSH_OPEN_UNKNOWN_CHANNEL_TYPE = 3,
    STRATA_SSH_OPEN_RESOURCE_SHORTAGE = 4,
};

enum strata_ssh_channel_event {
    STRATA_SSH_CH_OPENED,      /* OPEN_CONFIRMATION: data may flow */
    STRATA_SSH_CH_OPEN_FAILED, /* refused; strata_ssh_channel_error says why */
    STRATA_SSH_CH_DATA,        /* bytes arrived on stream 0 or 1 (read_buf) */
    STRATA_SSH_CH_WRITABLE,    /* the peer's window grew */
    STRATA_SSH_CH_EOF,         /* the peer sends no more data */
    STRATA_SSH_CH_REQUEST_OK,  /* the oldest request that wanted a reply succeeded */
    STRATA_SSH_CH_REQUEST_FAILED,
    STRATA_SSH_CH_EXIT_STATUS, /* exit-status arrived (strata_ssh_channel_exit_status) */
    STRATA_SSH_CH_EXIT_SIGNAL, /* exit-signal arrived (strata_ssh_channel_exit_signal) */
    STRATA_SSH_CH_CLOSED,      /* both CLOSEs passed: nothing more will happen */
};

/* Channel events, called from inside conn calls. `request` is the name of
 * the request answered for REQUEST_OK / REQUEST_FAILED (borrowed), else NULL.
 * The handler may call channel functions, including release. */
typedef void (*strata_ssh_channel_fn)(void *user, strata_ssh_channel *ch,
                                      enum strata_ssh_channel_event ev, const char *request);

/* A forwarded-tcpip open from the server (borrowed for the callback). */
/* The channel type of a forwarded agent connection. */
#define STRATA_SSH_AGENT_CHANNEL "auth-agent@openssh.com"

typedef struct strata_ssh_open_info {
    const char *type;               /* "forwarded-tcpip" or STRATA_SSH_AGENT_CHANNEL (then the
                                     * addresses are NULL and the ports 0) */
    const char *connected_address;  /* the address the server listened on */
    uint32_t connected_port;        /* its port */
    const char *originator_address; /* who connected there */
    uint32_t originator_port;
} strata_ssh_open_info;

/* Sends one message given in two pieces: head (hn >= 1 bytes, from the
 * message number on) then data (dn bytes), both borrowed for the call; the
 * message is their concatenation (strata_ssh_transport_send_parts). */
typedef strata_status (*strata_ssh_send_parts_fn)(void *ctx, const uint8_t *head, size_t hn,
                                                  const uint8_t *data, size_t dn);

typedef struct strata_ssh_conn_config {
    strata_ssh_send_fn send; /* required */
    void *send_ctx;
    /* Optional, with send_ctx too: channel data goes out through it, the
     * bytes passed to strata_ssh_channel_write as data, not copied into a
     * message first. NULL: every message goes through send. */
    strata_ssh_send_parts_fn send_parts;
    uint32_t window;     /* initial receive window per channel; 0: 2 MiB */
    uint32_t window_max; /* largest it may grow to; 0: 16 MiB */
    uint32_t max_packet; /* largest data packet we accept; 0: 32768 */
    size_t max_channels; /* 0: 64 */
    /* The server opens a channel (forwarded-tcpip, an agent channel). Set a handler with
     * strata_ssh_channel_set_handler and return STRATA_OK to accept,
     * STRATA_PENDING to answer later with strata_ssh_channel_accept /
     * _reject, or an error to refuse (CONNECT_FAILED). NULL: refused. */
    strata_status (*open_request)(void *user, strata_ssh_channel *ch,
                                  const strata_ssh_open_info *info);
    /* Reply to a global request we sent: name ("tcpip-forward",
     * "keepalive@openssh.com" ...), ok, and for tcpip-forward with port 0
     * the port the server chose (else 0). May be NULL. */
    void (*global_reply)(void *user, const char *name, int ok, uint32_t bound_port);
    void *user;
} strata_ssh_conn_config;

/* A new engine (*out owned by the caller; free with _free). E_USAGE without
 * send, or for window > window_max or max_packet under 1024. */
STRATA_API STRATA_MUST_CHECK strata_status strata_ssh_conn_new(const strata_ssh_conn_config *cfg,
                                                               strata_ssh_conn **out,
                                                               strata_error *err);
/* Frees c and every channel. NULL is allowed. */
STRATA_API void strata_ssh_conn_free(strata_ssh_conn *c);
/* A message numbered 80 and up (borrowed for the call). STRATA_OK, or the
 * sticky error. */
STRATA_API STRATA_MUST_CHECK strata_status strata_ssh_conn_packet(strata_ssh_conn *c,
                                                                  const uint8_t *payload, size_t n);
/* The sticky error (status STRATA_OK when none); owned by c. */
STRATA_API const strata_error *strata_ssh_conn_error(const strata_ssh_conn *c);
/* Channels currently in the table (open, opening or not yet released). */
STRATA_API size_t strata_ssh_conn_channel_count(const strata_ssh_conn *c);

/* ---- global requests (RFC 4254 §4, §7.1) ---------------------------------- */
/* tcpip-forward for address:port (port 0: the server picks; see global_reply). */
STRATA_API STRATA_MUST_CHECK strata_status strata_ssh_conn_tcpip_forward(strata_ssh_conn *c,
                                                                         const char *address,
                                                                         uint32_t port);
STRATA_API STRATA_MUST_CHECK strata_status strata_ssh_conn_cancel_tcpip_forward(strata_ssh_conn *c,
                                                                                const char *address,
                                                                                uint32_t port);
/* keepalive@openssh.com with want_reply; any reply counts as alive. */
STRATA_API STRATA_MUST_CHECK strata_status strata_ssh_conn_keepalive(strata_ssh_conn *c);
/* Keepalives sent and not yet answered. */
STRATA_API unsigned strata_ssh_conn_keepalives_unanswered(const strata_ssh_conn *c);

/* ---- opening channels ---------------------------------------------------- */
/* A "session" channel. handler/user receive its events. *out is valid until
 * released. E_LIMIT when max_channels are in use. */
STRATA_API STRATA_MUST_CHECK strata_status strata_ssh_channel_open_session(
    strata_ssh_conn *c, strata_ssh_channel_fn handler, void *user, strata_ssh_channel **out);
/* A "direct-tcpip" channel to host:port (RFC 4254 §7.2); orig_host/orig_port
 * describe where the connection came from (NULL: "127.0.0.1", 0). */
STRATA_API STRATA_MUST_CHECK strata_status strata_ssh_channel_open_direct_tcpip(
    strata_ssh_conn *c, const char *host, uint32_t port, const char *orig_host, uint32_t orig_port,
    strata_ssh_channel_fn handler, void *user, strata_ssh_channel **out);
/* For channels the server opened: sets the event handler. */
STRATA_API void strata_ssh_channel_set_handler(strata_ssh_channel *ch,
                                               strata_ssh_channel_fn handler, void *user);
/* Answers a pending open_request. */
STRATA_API STRATA_MUST_CHECK strata_status strata_ssh_channel_accept(strata_ssh_channel *ch);
STRATA_API STRATA_MUST_CHECK strata_status strata_ssh_channel_reject(strata_ssh_channel *ch,
                                                                     uint32_t reason,
                                                                     const char *text);

/* ---- session requests (RFC 4254 §6) --------------------------------------- */
/* pty-req: term ("xterm"), size in characters and pixels, encoded terminal
 * modes (RFC 4254 §8: opcode/uint32 pairs ending in TTY_OP_END; NULL for
 * none; borrowed). Wants a reply. */
STRATA_API STRATA_MUST_CHECK strata_status strata_ssh_channel_pty(
    strata_ssh_channel *ch, const char *term, uint32_t cols, uint32_t rows, uint32_t width_px,
    uint32_t height_px, const uint8_t *modes, size_t modes_len);
/* env NAME=VALUE, asking no reply, as OpenSSH (servers often refuse it
 * silently; some never answer env at all). */
STRATA_API STRATA_MUST_CHECK strata_status strata_ssh_channel_env(strata_ssh_channel *ch,
                                                                  const char *name,
                                                                  const char *value);
STRATA_API STRATA_MUST_CHECK strata_status strata_ssh_channel_shell(strata_ssh_channel *ch);
STRATA_API STRATA_MUST_CHECK strata_status strata_ssh_channel_exec(strata_ssh_channel *ch,
                                                                   const char *command);
STRATA_API STRATA_MUST_CHECK strata_status strata_ssh_channel_subsystem(strata_ssh_channel *ch,
                                                                        const char *name);
/* auth-agent-req@openssh.com (OpenSSH's PROTOCOL §4.1; no reply): asks the
 * server to forward its agent connections to us. From then on the server
 * may open STRATA_SSH_AGENT_CHANNEL channels (open_request); before it any
 * such open is refused (administratively prohibited) without asking. */
STRATA_API STRATA_MUST_CHECK strata_status strata_ssh_channel_agent_forward(strata_ssh_channel *ch);
/* window-change (no reply). */
STRATA_API STRATA_MUST_CHECK strata_status strata_ssh_channel_window_change(
    strata_ssh_channel *ch, uint32_t cols, uint32_t rows, uint32_t width_px, uint32_t height_px);
/* signal NAME without "SIG" ("INT", "TERM"; no reply). */
STRATA_API STRATA_MUST_CHECK strata_status strata_ssh_channel_signal(strata_ssh_channel *ch,
                                                                     const char *name);

/* ---- data ---------------------------------------------------------------- */
/* Writes up to n bytes of p (borrowed) as CHANNEL_DATA (stream 0) or
 * EXTENDED_DATA type 1 (stream 1); *used is how many the peer's window took
 * (0: wait for STRATA_SSH_CH_WRITABLE). E_STATE before OPENED or after our
 * EOF / CLOSE. */
STRATA_API STRATA_MUST_CHECK strata_status strata_ssh_channel_write(strata_ssh_channel *ch,
                                                                    int stream, const uint8_t *p,
                                                                    size_t n, size_t *used);
/* Bytes the peer's window allows now. */
STRATA_API size_t strata_ssh_channel_write_room(const strata_ssh_channel *ch);
/* Received bytes of stream 0 (data) or 1 (stderr), borrowed until the next
 * call on the channel; *n 0 when none. */
STRATA_API const uint8_t *strata_ssh_channel_read_buf(strata_ssh_channel *ch, int stream,
                                                      size_t *n);
/* n bytes of that stream were consumed; may send WINDOW_ADJUST. */
STRATA_API STRATA_MUST_CHECK strata_status strata_ssh_channel_read_ack(strata_ssh_channel *ch,
                                                                       int stream, size_t n);
/* Sends EOF (once; no more writes). */
STRATA_API STRATA_MUST_CHECK strata_status strata_ssh_channel_send_eof(strata_ssh_channel *ch);
/* Sends CLOSE (once). */
STRATA_API STRATA_MUST_CHECK strata_status strata_ssh_channel_close(strata_ssh_channel *ch);
/* Closes if needed and frees the channel's slot; ch is invalid afterwards. */
STRATA_API void strata_ssh_channel_release(strata_ssh_channel *ch);

/* ---- state ---------------------------------------------------------------- */
enum {
    STRATA_SSH_CHS_OPEN = 1u << 0,       /* confirmed */
    STRATA_SSH_CHS_EOF_RCVD = 1u << 1,   /* peer's EOF */
    STRATA_SSH_CHS_EOF_SENT = 1u << 2,   /* our EOF */
    STRATA_SSH_CHS_CLOSE_RCVD = 1u << 3, /* peer's CLOSE */
    STRATA_SSH_CHS_CLOSE_SENT = 1u << 4, /* our CLOSE */
    STRATA_SSH_CHS_FAILED = 1u << 5,     /* open refused */
};
STRATA_API unsigned strata_ssh_channel_state(const strata_ssh_channel *ch);
/* Why the open failed ("channel open failed: administratively prohibited:
 * ..."). */
STRATA_API const strata_error *strata_ssh_channel_error(const strata_ssh_channel *ch);
/* exit-status: 1 and *code once received, else 0. */
STRATA_API int strata_ssh_channel_exit_status(const strata_ssh_channel *ch, uint32_t *code);
/* exit-signal: the signal name ("TERM"; owned by ch) once received, else
 * NULL; *core_dumped and *message (owned by ch, may be "") as sent. */
STRATA_API const char *strata_ssh_channel_exit_signal(const strata_ssh_channel *ch,
                                                      int *core_dumped, const char **message);
/* The channel's current receive window size (grows with the data rate). */
STRATA_API uint32_t strata_ssh_channel_window_size(const strata_ssh_channel *ch);
/* The peer's maximum packet size. */
STRATA_API uint32_t strata_ssh_channel_peer_max_packet(const strata_ssh_channel *ch);
STRATA_API void *strata_ssh_channel_user(const strata_ssh_channel *ch);
/* The server's reason code when it refused to open the channel
 * (STRATA_SSH_OPEN_*), else 0. */
STRATA_API uint32_t strata_ssh_channel_open_failure(const strata_ssh_channel *ch);
/* Our channel number (RFC 4254 §5.1 sender channel). */
STRATA_API uint32_t strata_ssh_channel_id(const strata_ssh_channel *ch);

/* "administratively prohibited" etc. for an open failure code; static. */
STRATA_API const char *strata_ssh_open_failure_name(uint32_t reason);

#endif
