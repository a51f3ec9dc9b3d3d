/* strata/io.h - the io driver: TCP connections, stdin/stdout and child
 * processes, bound to stacks, on libuv.
 *
 * This is the only part of strata that touches sockets, file descriptors,
 * processes and the clock. Every engine stays sans-I/O; the driver pumps bytes
 * between the operating system and a strata_stack:
 *
 *        app endpoint  <->  stack (app face | wire face)  <->  TCP socket
 *
 * - A connection (strata_io_conn) owns one TCP socket, one stack and one app
 *   endpoint. Bytes read from the socket go to strata_stack_wire_write; what
 *   strata_stack_wire_out gives is written to the socket. The app face is
 *   pumped to and from the app endpoint the same way.
 * - Back-pressure: when the stack takes fewer bytes than offered, the driver
 *   keeps the rest and stops reading the socket (or the app endpoint) until
 *   the stack has made progress. No buffer in the driver grows.
 * - Half-close: when the app endpoint's input ends (EOF on stdin), the driver
 *   calls strata_stack_app_shutdown; once wire_out reports STRATA_CLOSED the
 *   socket's write side is shut down (shutdown(2)) and reading goes on. When
 *   the stack's app stream ends, the app endpoint's output is closed. A
 *   connection ends when both directions have ended, or at the first error
 *   (after the app endpoint was given, and has written, every byte received
 *   before it; see out_flushed).
 * - SIGPIPE is ignored process-wide (strata_io_new): a write to a closed pipe
 *   or socket is an error status, never a fatal signal.
 * - TCP_NODELAY is set on every connection.
 *
 * Threads: a strata_io and everything made from it are used by the thread
 * that runs it. Callbacks run from within strata_io_run. Several drivers may
 * run at once, each in its own thread (one per core: see
 * strata_io_listener_config.reuse_port); SIGINT and SIGTERM watchers
 * (strata_io_stop_on_signals) of every driver see each signal.
 */
#ifndef STRATA_IO_H
#define STRATA_IO_H

#include <stddef.h>
#include <stdint.h>
#include "export.h"
#include "status.h"
#include "error.h"
#include "stack.h"

typedef struct strata_io strata_io;
typedef struct strata_io_conn strata_io_conn;
typedef struct strata_io_listener strata_io_listener;
typedef struct strata_io_timer strata_io_timer;
typedef struct strata_io_signal strata_io_signal;

#define STRATA_IO_CONNECT_TIMEOUT_DEFAULT_MS 10000u
#define STRATA_IO_BACKLOG_DEFAULT 128

/* ---- the driver ------------------------------------------------------------------- */

/* A driver with its own event loop. Sets SIGPIPE to be ignored. Free with
 * strata_io_free. */
STRATA_API STRATA_MUST_CHECK strata_status strata_io_new(strata_io **out);
/* Runs until no connection, listener or endpoint is left. E_STATE when called
 * from within a callback. */
STRATA_API STRATA_MUST_CHECK strata_status strata_io_run(strata_io *io);
/* Closes whatever is still open (their on_done callbacks run, with an error
 * saying the driver was freed), then frees the driver. NULL is allowed. */
STRATA_API void strata_io_free(strata_io *io);
/* From now until strata_io_free, SIGINT and SIGTERM stop the run: every
 * connection and listener is closed (on_done runs with an error naming the
 * signal) and strata_io_run returns. The default action of these signals is
 * replaced for the whole process meanwhile. */
STRATA_API STRATA_MUST_CHECK strata_status strata_io_stop_on_signals(strata_io *io);
/* As strata_io_stop_on_signals, but SIGTERM stops gracefully: every
 * listener closes at once (no new connections) and the live connections get
 * up to grace_ms to finish; then the rest is closed as on SIGINT. SIGINT, or
 * a second SIGTERM, stops at once. grace_ms 0: as strata_io_stop_on_signals. */
STRATA_API STRATA_MUST_CHECK strata_status strata_io_stop_on_signals_graceful(strata_io *io,
                                                                              uint64_t grace_ms);
/* The signal that stopped the run, or 0. */
STRATA_API int strata_io_stopped_by(const strata_io *io);
/* In the child after fork(2), before io is used there: gives the child
 * its own kernel event queue (the parent's stays the parent's; the parent
 * must not run io again, only free it). E_IO when that fails. */
STRATA_API STRATA_MUST_CHECK strata_status strata_io_after_fork(strata_io *io);
/* Going to the background (ssh -f): forks; in the parent *is_parent is 1
 * and nothing else changes (it should leave at once with _exit); in the
 * child *is_parent is 0, the process leads a new session, its stdin is
 * /dev/null, and the loop is made usable again (uv_loop_fork), so the run
 * goes on there. May be called from a callback of io. E_IO when fork fails
 * (nothing changed). */
STRATA_API STRATA_MUST_CHECK strata_status strata_io_fork_background(strata_io *io, int *is_parent);
/* Milliseconds of the loop's clock (monotonic, updated once per loop turn). */
STRATA_API uint64_t strata_io_now(const strata_io *io);

/* Calls fn(arg) once, on the next turn of the loop, outside of any callback
 * running now (for work that must not happen inside one: pushing or popping
 * layers on a stack that a pump is using). If the driver stops or is freed
 * first, fn is not called. */
STRATA_API STRATA_MUST_CHECK strata_status strata_io_defer(strata_io *io, void (*fn)(void *arg),
                                                           void *arg);

/* Calls fn(arg) every interval_ms milliseconds (keepalives), from the loop,
 * until strata_io_timer_stop or the driver stops. A timer alone does not keep
 * strata_io_run going. *out is owned by io; stop it at most once, and not
 * after strata_io_free. */
STRATA_API STRATA_MUST_CHECK strata_status strata_io_every(strata_io *io, uint64_t interval_ms,
                                                           void (*fn)(void *arg), void *arg,
                                                           strata_io_timer **out);
/* Stops and frees the timer; fn is not called again. NULL is allowed. */
STRATA_API void strata_io_timer_stop(strata_io_timer *t);

/* Calls fn(arg) from the loop each time signal signum arrives (SIGWINCH for a
 * terminal session), until strata_io_signal_stop or the driver stops. The
 * watcher alone does not keep strata_io_run going. *out is owned by io. */
STRATA_API STRATA_MUST_CHECK strata_status strata_io_on_signal(strata_io *io, int signum,
                                                               void (*fn)(void *arg), void *arg,
                                                               strata_io_signal **out);
/* Stops and frees the watcher. NULL is allowed. */
STRATA_API void strata_io_signal_stop(strata_io_signal *s);

/* ---- app endpoints ---------------------------------------------------------------- */

/* An app endpoint is where a connection's application bytes come from and go
 * to: stdin/stdout, a child process, an echo, or anything a caller builds on
 * these operations (an SSH channel, another connection's stack). Its faces
 * mirror the stack's app face, seen from the other side:
 *
 * - in / in_ack: bytes from the application for the stack. *st is STRATA_OK,
 *   STRATA_CLOSED once the application's input has ended and all was taken,
 *   or an error (then error() says why). The pointer is borrowed until the
 *   next call on the endpoint.
 * - out: bytes from the stack for the application; take what fits, *used may
 *   be less than n (0 is fine: back-pressure).
 * - out_eof: no more bytes will come for the application; close its input
 *   once everything taken is delivered.
 * - out_done: 1 once out_eof was called and everything is delivered.
 * - start: the connection is up. c is borrowed until close. The endpoint calls
 *   strata_io_conn_kick(c) whenever in() has more to give, out() can take
 *   more, or out_done() became true.
 * - close: release everything, free self, then call done(arg) exactly once
 *   (possibly before close returns). Called once, also when start never was.
 * - out_flushed (may be NULL: the endpoint holds nothing back): 1 when every
 *   byte out() took has been handed on. When the connection fails (the peer
 *   cut the stream, a layer failed) the driver first gives the endpoint the
 *   plaintext the stack still has, waits for out_flushed, and only then
 *   closes it: an error never drops bytes that were received before it.
 */
struct strata_io_app_ops {
    const char *name; /* "stdio", "exec", "echo", ... (static storage) */
    strata_status (*start)(void *self, strata_io_conn *c);
    const uint8_t *(*in)(void *self, size_t *n, strata_status *st);
    void (*in_ack)(void *self, size_t n);
    strata_status (*out)(void *self, const uint8_t *p, size_t n, size_t *used);
    strata_status (*out_eof)(void *self);
    int (*out_done)(const void *self);
    /* Detail of the endpoint's first error (status STRATA_OK when none). */
    const strata_error *(*error)(const void *self);
    void (*close)(void *self, void (*done)(void *arg), void *arg);
    int (*out_flushed)(const void *self);
};

typedef struct strata_io_app {
    const struct strata_io_app_ops *ops;
    void *self;
} strata_io_app;

/* The process's stdin and stdout. Each may be a pipe, a socket, a terminal or
 * a file (regular or character device); files are read and written through
 * libuv's thread pool. At the end of the stream, stdout is closed (replaced by
 * /dev/null, so nothing else can take descriptor 1) and a pipe's blocking mode
 * is restored. Use at most one per process at a time. On failure err (may be
 * NULL) says why (e.g. stdin is closed). */
STRATA_API STRATA_MUST_CHECK strata_status strata_io_app_stdio_new(strata_io *io,
                                                                   strata_io_app *out,
                                                                   strata_error *err);
/* Runs `/bin/sh -c command` when the connection is up, with the connection on
 * its stdin and stdout (stderr is inherited). command is copied. When the
 * connection ends a child that is still running gets SIGTERM (SIGKILL 3 s
 * later). If the child stops reading its stdin, further bytes for it are
 * dropped (as inetd does). */
STRATA_API STRATA_MUST_CHECK strata_status strata_io_app_exec_new(strata_io *io,
                                                                  const char *command,
                                                                  strata_io_app *out);
/* Two endpoints joined back to back, for binding one connection's stack to
 * another's (a relay: `strata listen --forward`). What the stack of a's
 * connection hands its application goes into the stack of b's connection,
 * and back; each direction is bounded (back-pressure reaches both sockets).
 * The end of one side's output is the end of the other's input. If one
 * connection ends before its output did, the other ends with an error. Each
 * endpoint is owned by the connection it is bound to (or freed by closing
 * it); the shared state goes when both are closed. By convention a is the
 * accepted side and b the forwarded one (for error texts). */
STRATA_API STRATA_MUST_CHECK strata_status strata_io_app_pair_new(strata_io_app *a,
                                                                  strata_io_app *b);
/* Wraps inner (which it then owns) so that the end of inner's input does not
 * close the connection's write side until the peer has ended its own (as
 * `openssl s_client -ign_eof`): the connection ends when the peer closes.
 * On failure inner is closed. */
STRATA_API STRATA_MUST_CHECK strata_status strata_io_app_ignore_eof_new(strata_io_app inner,
                                                                        strata_io_app *out);
/* Sends every byte back; the end of input ends the output. */
STRATA_API STRATA_MUST_CHECK strata_status strata_io_app_echo_new(strata_io_app *out);

/* ---- connections ------------------------------------------------------------------ */

/* Called once when a connection has ended: err->status is STRATA_OK after an
 * orderly end of both directions, else the error. c and err are valid during
 * the call only; c is freed after it returns. */
typedef void (*strata_io_conn_done_fn)(void *user, strata_io_conn *c, const strata_error *err);

typedef struct strata_io_conn_config {
    const strata_stack_config *stack; /* for the connection's stack; NULL: defaults */
    uint64_t timeout_ms;              /* connect timeout; 0: the default (10 s) */
    strata_io_conn_done_fn on_done;   /* may be NULL */
    void *user;
} strata_io_conn_config;

/* Starts a connection to host:port (a name, an IPv4 or an IPv6 address;
 * names are resolved through the thread pool). Each resolved address is tried
 * in turn until one connects or the timeout passes. The connection owns app
 * from now on, also when this call fails. cfg may be NULL. On success *out is
 * the connection, owned by io: it frees itself after on_done returns; a
 * failure to connect is reported through on_done. The stack exists at once
 * (strata_io_conn_stack): layers may be pushed before the socket connects. */
STRATA_API STRATA_MUST_CHECK strata_status strata_io_connect(strata_io *io, const char *host,
                                                             uint16_t port, strata_io_app app,
                                                             const strata_io_conn_config *cfg,
                                                             strata_io_conn **out);
/* As strata_io_connect, to the Unix stream socket at path (an ssh-agent's
 * socket); path is copied. E_USAGE for an empty path or one longer than a
 * socket address holds. strata_io_conn_peer gives the path. */
STRATA_API STRATA_MUST_CHECK strata_status strata_io_connect_unix(strata_io *io, const char *path,
                                                                  strata_io_app app,
                                                                  const strata_io_conn_config *cfg,
                                                                  strata_io_conn **out);
/* As strata_io_connect, to a command's stdin and stdout (ssh's
 * ProxyCommand): /bin/sh -c "exec COMMAND" with one end of a socketpair as
 * its stdin and stdout (its stderr is ours); the connection is up on the
 * next loop turn, so layers pushed after the call are in place first. The
 * command is reaped when it exits; it sees the end of its stdin when the
 * connection closes. command is read during the call. E_USAGE when empty. */
STRATA_API STRATA_MUST_CHECK strata_status
strata_io_connect_command(strata_io *io, const char *command, strata_io_app app,
                          const strata_io_conn_config *cfg, strata_io_conn **out);
/* As strata_io_connect_command, with the program started directly, no
 * shell between: argv is a NULL-terminated list of at most
 * STRATA_IO_ARGV_MAX - 1 arguments, argv[0] the program (looked up in PATH
 * when it has no '/', as execvp does). What sftp -D (a local sftp-server)
 * and sftp -S (ssh or a stand-in, then speaking SFTP on its stdin and
 * stdout) need. argv and its strings are read during the call only. E_USAGE
 * when argv is NULL, empty, too long or argv[0] is "". A program that cannot
 * be started is reported through on_done ("starting command '...': ..."). */
#define STRATA_IO_ARGV_MAX 256u
STRATA_API STRATA_MUST_CHECK strata_status strata_io_connect_argv(strata_io *io,
                                                                  const char *const *argv,
                                                                  strata_io_app app,
                                                                  const strata_io_conn_config *cfg,
                                                                  strata_io_conn **out);
/* A connection's time limits; 0 turns one off. */
typedef struct strata_io_timeouts {
    /* From the call on: the connection must be up, and every layer on its
     * stack done with its handshake (TLS, HTTP CONNECT, SSH), by then. The
     * error names the first layer that is not. */
    uint64_t handshake_ms;
    /* No byte moved either way for this long ends the connection. */
    uint64_t idle_ms;
    /* After our side closed (the application's input ended), how long the
     * peer may stay silent before we give up waiting for its close. */
    uint64_t linger_ms;
} strata_io_timeouts;

/* Sets c's time limits (t is copied), replacing earlier ones; the
 * handshake deadline counts from this call. A limit that passes ends the
 * connection with STRATA_E_TIMEOUT and a message saying which. E_STATE once
 * the connection is closing. Call from the loop's thread. */
STRATA_API STRATA_MUST_CHECK strata_status strata_io_conn_set_timeouts(strata_io_conn *c,
                                                                       const strata_io_timeouts *t);
/* The connection's stack. Borrowed: valid until on_done returns. */
STRATA_API strata_stack *strata_io_conn_stack(strata_io_conn *c);
/* Binds the app endpoint of an accepted connection (from the listener's
 * on_accept only); c owns app from now on, also when this call fails. E_STATE
 * when an endpoint is bound already. */
STRATA_API STRATA_MUST_CHECK strata_status strata_io_conn_set_app(strata_io_conn *c,
                                                                  strata_io_app app);
/* "ADDR:PORT" of the peer ("[ADDR]:PORT" for IPv6): while connecting, the
 * address being tried; "" before the name is resolved. Borrowed from c. */
STRATA_API const char *strata_io_conn_peer(const strata_io_conn *c);
/* Bytes read from and written to the socket so far. */
STRATA_API void strata_io_conn_counts(const strata_io_conn *c, uint64_t *wire_in,
                                      uint64_t *wire_out);
/* For app endpoints: something changed, pump again. */
STRATA_API void strata_io_conn_kick(strata_io_conn *c);
/* Ends the connection at once with status and message (E_USAGE if status is
 * not an error); on_done follows. */
STRATA_API void strata_io_conn_abort(strata_io_conn *c, strata_status status, const char *msg);

/* ---- listeners -------------------------------------------------------------------- */

/* Called for each accepted connection, before any byte flows. It must bind an
 * app endpoint (strata_io_conn_set_app) and may push layers on the stack. An
 * error status ends that connection (on_done is called). */
typedef strata_status (*strata_io_accept_fn)(void *user, strata_io_listener *l, strata_io_conn *c);

typedef struct strata_io_listener_config {
    strata_io_accept_fn on_accept;  /* required */
    strata_io_conn_done_fn on_done; /* for each accepted connection; may be NULL */
    void *user;
    const strata_stack_config *stack; /* for each connection's stack; NULL: defaults */
    int backlog;                      /* 0: STRATA_IO_BACKLOG_DEFAULT */
} strata_io_listener_config;

/* Listens on host:port (port 0: any free port; see strata_io_listener_port).
 * host is an address or a name (the first address it resolves to is used).
 * Connections are accepted as long as the listener is open, each with its own
 * stack; many can be live at once. cfg is copied. On success *out is owned by
 * io until strata_io_listener_close. On failure err (may be NULL) says why. */
STRATA_API STRATA_MUST_CHECK strata_status strata_io_listen(strata_io *io, const char *host,
                                                            uint16_t port,
                                                            const strata_io_listener_config *cfg,
                                                            strata_io_listener **out,
                                                            strata_error *err);
/* As strata_io_listen, with SO_REUSEPORT on the listening socket: several
 * such listeners (one per strata_io, each run by its own thread) bind the
 * same address and port, and the kernel spreads new connections over them by
 * a hash of the client's address and port; every connection stays on the
 * listener (and the thread) that accepted it. Each of them must be made by
 * this call; only sockets of the same user can join. Give the first one's
 * port (strata_io_listener_port) to the others when port is 0. */
STRATA_API STRATA_MUST_CHECK strata_status strata_io_listen_reuse_port(
    strata_io *io, const char *host, uint16_t port, const strata_io_listener_config *cfg,
    strata_io_listener **out, strata_error *err);
/* The bound port. */
STRATA_API uint16_t strata_io_listener_port(const strata_io_listener *l);
/* "ADDR:PORT" bound ("[ADDR]:PORT" for IPv6). Borrowed from l. */
STRATA_API const char *strata_io_listener_addr(const strata_io_listener *l);
/* At most max live connections at once from l (0: no limit, the default).
 * Past it, further clients wait in the kernel's accept queue (the backlog)
 * until a connection ends, and are accepted in turn. */
STRATA_API void strata_io_listener_set_max_conns(strata_io_listener *l, unsigned max);
/* Stops accepting; live connections go on. l is freed once closed; do not use
 * it after this call. May be called from on_accept. */
STRATA_API void strata_io_listener_close(strata_io_listener *l);

#endif
