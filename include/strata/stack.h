/* strata/stack.h - the onion: a stack of layers on one byte stream.
 *
 * A stack is itself a sans-I/O engine. Its wire face is bound to an endpoint
 * (a TCP connection by the io driver, an SSH channel, an in-memory pipe); its
 * application face is the top of the onion.
 *
 * Routing (DESIGN.md §1): bytes from the wire enter the OUTERMOST layer (index
 * 0); each layer's plaintext feeds the next layer in; the innermost layer's
 * plaintext goes to the application. Application bytes enter the INNERMOST
 * layer; each layer's output is written into the next layer out; the
 * outermost layer's output goes to the wire. With no layers the stack passes
 * bytes straight through.
 *
 * Push and pop on a live stream:
 * - strata_stack_push adds a new innermost layer. Bytes the application already
 *   took that belong to the new layer's handshake are passed as `early`; bytes
 *   the application has not yet read are the new layer's too, and are routed
 *   to it.
 * - strata_stack_pop starts the orderly close of the innermost layer. When its
 *   close has been sent and the peer's received, the layer is removed
 *   (STRATA_STACK_EV_POPPED); plaintext it had not delivered and any bytes that
 *   followed its close in the same read go to the application, in order.
 * - A layer that fails fails the whole stack: every call then returns
 *   STRATA_E_LAYER_FAILED and strata_stack_error names the layer and why.
 *
 * Back-pressure: every buffer is bounded. wire_write and app_write take only
 * what fits (*used may be less than n); the caller keeps the rest and offers
 * it again after the other side drained (io stops reading the socket).
 *
 * Closing runs inside-out: strata_stack_app_shutdown closes the innermost
 * layer's write direction (its close_notify, its channel EOF); each layer
 * beneath, and the wire, stays open until the layer above it has fully
 * closed (its close drained, and the peer's close arrived or its stream
 * ended); then it closes in turn, and the wire last (wire_out reports
 * STRATA_CLOSED once drained: the TCP FIN). Proxies and servers that do not
 * support half-close thus still deliver the far end's reply and its close.
 * With cfg.half_close every layer and then the wire close as soon as the
 * one above has drained. strata_stack_wire_eof says the wire's read side
 * ended.
 *
 * Threads: a stack and its layers are used by one thread at a time.
 */
#ifndef STRATA_STACK_H
#define STRATA_STACK_H

#include <stddef.h>
#include <stdint.h>
#include "export.h"
#include "status.h"
#include "error.h"
#include "layer.h"

typedef struct strata_stack strata_stack;

#define STRATA_STACK_MAX_LAYERS_DEFAULT 16
#define STRATA_STACK_BUF_DEFAULT (256u * 1024u)

enum strata_stack_event {
    STRATA_STACK_EV_LAYER_UP,          /* layer `index` finished its handshake */
    STRATA_STACK_EV_LAYER_PEER_CLOSED, /* the peer closed layer `index` */
    STRATA_STACK_EV_POPPED,            /* layer `index` was removed */
    STRATA_STACK_EV_FAILED,            /* the stack failed; see strata_stack_error */
};

/* Called from within stack calls. It may call strata_stack_push, _pop and
 * _app_write; the stack finishes routing after it returns. */
typedef void (*strata_stack_event_fn)(void *user, strata_stack *s, enum strata_stack_event ev,
                                      size_t index);

enum strata_stack_peer_close {
    /* The peer closing the innermost layer ends the application's stream
     * (app_read reports STRATA_CLOSED once drained). */
    STRATA_STACK_PEER_CLOSE_EOF = 0,
    /* The peer closing the innermost layer pops it: we answer with our close
     * and the stream carries on beneath (the far end peeled a layer). */
    STRATA_STACK_PEER_CLOSE_POP = 1,
};

typedef struct strata_stack_config {
    size_t max_layers; /* 0: STRATA_STACK_MAX_LAYERS_DEFAULT */
    size_t buf_max;    /* cap on each of the stack's own buffers; 0: default */
    enum strata_stack_peer_close peer_close;
    strata_stack_event_fn on_event; /* may be NULL */
    void *user;
    /* 0: every app_write goes out at once (layers flush after each). 1: the
     * owner calls strata_stack_flush when it has nothing more to write for
     * now, and layers may hold back the tail of a write shorter than a record
     * until more bytes complete it (fewer, fuller records). The io driver
     * sets this on its connections. */
    int cork;
    /* 0 (default): close inside-out, each layer after the peer closed the
     * one above it, the wire last. 1: close every layer and the wire as soon
     * as what is above has drained (for peers that wait for the FIN before
     * they answer a close). */
    int half_close;
} strata_stack_config;

/* Gives every layer that has timers (a tick op) the time now_ms (a monotonic
 * clock in milliseconds; the io driver calls it about once a second) and
 * routes what they produce. A layer that fails on it fails the stack. */
STRATA_API STRATA_MUST_CHECK strata_status strata_stack_tick(strata_stack *s, uint64_t now_ms);
/* 1 when a layer on s has a tick op (it wants strata_stack_tick). */
STRATA_API int strata_stack_wants_tick(const strata_stack *s);
/* cfg may be NULL (defaults); it is copied. Free with strata_stack_free. */
STRATA_API STRATA_MUST_CHECK strata_status strata_stack_new(const strata_stack_config *cfg,
                                                            strata_stack **out);
/* Frees the stack and every layer still on it. NULL is allowed. */
STRATA_API void strata_stack_free(strata_stack *s);

/* Pushes a new innermost layer; the stack owns it from now on, also when the
 * call fails (then it is freed at once). early: n bytes (copied) that arrived
 * before the push and belong to the new layer; may be NULL. E_LIMIT when the
 * stack already holds max_layers layers; E_STATE while a pop is under way. */
STRATA_API STRATA_MUST_CHECK strata_status strata_stack_push(strata_stack *s, strata_layer layer,
                                                             const uint8_t *early, size_t n);
/* Starts the orderly close of the innermost layer. E_STATE with no layer or
 * a pop already under way. Completion is STRATA_STACK_EV_POPPED. While a pop is
 * under way app_write takes nothing (STRATA_WANT_WRITE). */
STRATA_API STRATA_MUST_CHECK strata_status strata_stack_pop(strata_stack *s);

STRATA_API size_t strata_stack_depth(const strata_stack *s);
STRATA_API int strata_stack_popping(const strata_stack *s);
/* Layer i (0 = outermost); NULL when out of range. Borrowed. */
STRATA_API const strata_layer *strata_stack_layer(const strata_stack *s, size_t i);
/* The sticky error (status STRATA_OK when none). Borrowed from s. */
STRATA_API const strata_error *strata_stack_error(const strata_stack *s);
/* Why the last refused push/pop was refused (E_LIMIT, E_STATE, E_USAGE); a
 * refusal leaves the stack usable. Borrowed from s. */
STRATA_API const strata_error *strata_stack_refusal(const strata_stack *s);

/* ---- wire face ---------------------------------------------------------------- */
/* Bytes from the endpoint. */
STRATA_API STRATA_MUST_CHECK strata_status strata_stack_wire_write(strata_stack *s,
                                                                   const uint8_t *p, size_t n,
                                                                   size_t *used);
/* The endpoint's read side ended. */
STRATA_API STRATA_MUST_CHECK strata_status strata_stack_wire_eof(strata_stack *s);
/* Bytes for the endpoint: *n bytes at the returned pointer (borrowed until the
 * next call on s). *st: STRATA_OK, or STRATA_CLOSED when nothing more will
 * come and the endpoint should shut its write side, or the sticky error. */
STRATA_API const uint8_t *strata_stack_wire_out(strata_stack *s, size_t *n, strata_status *st);
STRATA_API void strata_stack_wire_ack(strata_stack *s, size_t n);

/* ---- application face ------------------------------------------------------------ */
STRATA_API STRATA_MUST_CHECK strata_status strata_stack_app_write(strata_stack *s, const uint8_t *p,
                                                                  size_t n, size_t *used);
/* The application has nothing more to write for now: layers write what they
 * held back (only needed with cfg.cork; push, pop and app_shutdown flush by
 * themselves). */
STRATA_API STRATA_MUST_CHECK strata_status strata_stack_flush(strata_stack *s);
/* No more application bytes: close every layer's write side, then the wire's. */
STRATA_API STRATA_MUST_CHECK strata_status strata_stack_app_shutdown(strata_stack *s);
/* Bytes for the application, as wire_out. *st: STRATA_OK, STRATA_CLOSED at
 * the end of the application's stream, or the sticky error. After a failure
 * the plaintext the innermost layer had already produced is still given
 * (and acknowledged as usual); the error comes once none is left. */
STRATA_API const uint8_t *strata_stack_app_in(strata_stack *s, size_t *n, strata_status *st);
STRATA_API void strata_stack_app_ack(strata_stack *s, size_t n);

/* The connection is idle: every layer and the stack give back the memory of
 * their empty buffers (an idle established TLS layer keeps its keys and
 * session, not its record buffers). Nothing is lost; buffers are allocated
 * again when bytes come. */
STRATA_API void strata_stack_trim(strata_stack *s);

#endif
