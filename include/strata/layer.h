/* strata/layer.h - the layer contract.
 *
 * A layer turns a stream into a stream: TLS, HTTP CONNECT, SSH-in-a-chain, a
 * test framing layer. It is a sans-I/O engine with four flows, in the shape of
 * BearSSL's engine:
 *
 *              above (plaintext side: the application or the next layer in)
 *          send(p,n,&used) |            ^ recv_buf(&n) / recv_ack(n)
 *                          v            |
 *                   +--------------------------+
 *                   |          layer           |
 *                   +--------------------------+
 *                          |            ^
 *     send_buf(&n)/send_ack(n)          | recv(p,n,&used)
 *              beneath (wire side: the endpoint or the next layer out)
 *
 * - recv: bytes from beneath. The layer takes what fits in its bounded buffers
 *   and says how many in *used (0 is fine: back-pressure). It should not take
 *   bytes past its own end (its peer's close); if it does, it hands them back
 *   through take_leftover once it is closed, so nothing is lost.
 * - recv_buf / recv_ack: plaintext for above, borrowed until the next call on
 *   the layer.
 * - send: plaintext from above; *used as for recv. A layer with records may
 *   hold back the tail of a send shorter than a record while more is coming;
 *   flush writes it (the stack flushes: see strata_stack_flush).
 * - send_buf / send_ack: bytes for beneath (handshake, records, close).
 * - start: called once when the layer is pushed (a client sends its hello).
 * - shutdown: no more plaintext will come from above; send the orderly close
 *   (TLS close_notify). Reading goes on until the peer's close.
 * - eof: the stream beneath ended; nothing more will arrive.
 * - state: STRATA_LAYER_* flags. FAILED is sticky; error() says why.
 * - take / link (optional): the stack links a layer to the layer beneath it
 *   when that one can take whole records straight from the layer above's
 *   own buffer (no copy into the above layer's send_buf on the way).
 *
 * A layer never touches a socket, a clock or a thread. It reports progress
 * only through its buffers and its state.
 */
#ifndef STRATA_LAYER_H
#define STRATA_LAYER_H

#include <stddef.h>
#include <stdint.h>
#include "export.h"
#include "status.h"
#include "error.h"

enum {
    STRATA_LAYER_UP = 1u << 0,           /* handshake done: plaintext flows */
    STRATA_LAYER_WRITE_CLOSED = 1u << 1, /* our close is in send_buf (or sent) */
    STRATA_LAYER_READ_CLOSED = 1u << 2,  /* the peer's close was received */
    STRATA_LAYER_FAILED = 1u << 3,       /* sticky failure; see error() */
};

/* record_room of a layer that passes bytes on unframed (HTTP CONNECT). */
#define STRATA_LAYER_UNFRAMED SIZE_MAX

/* A layer instance: its operations and its state. The stack that a layer is
 * pushed on owns it from then on and calls ops->free when it is removed or
 * the stack is freed. */
typedef struct strata_layer {
    const struct strata_layer_ops *ops;
    void *self;
} strata_layer;

struct strata_layer_ops {
    const char *name; /* "tls", "http-connect", ... (static storage) */
    strata_status (*start)(void *self);
    strata_status (*recv)(void *self, const uint8_t *p, size_t n, size_t *used);
    const uint8_t *(*recv_buf)(void *self, size_t *n);
    void (*recv_ack)(void *self, size_t n);
    strata_status (*send)(void *self, const uint8_t *p, size_t n, size_t *used);
    const uint8_t *(*send_buf)(void *self, size_t *n);
    void (*send_ack)(void *self, size_t n);
    /* Optional: write now what send held back. */
    strata_status (*flush)(void *self);
    /* Optional: how many bytes from above one of the layer's records carries
     * (no op or 0: no records worth fitting; STRATA_LAYER_UNFRAMED: the layer
     * passes bytes on as they are, so layers above it are fitted to what lies
     * beneath it). */
    size_t (*record_room)(const void *self);
    /* Optional: the layer beneath carries `room` bytes per record (0: it has
     * no records); size records so one of ours, overhead included, fits one
     * of its records. Called again whenever room changes. */
    void (*fit)(void *self, size_t room);
    strata_status (*shutdown)(void *self);
    strata_status (*eof)(void *self);
    unsigned (*state)(const void *self);
    const strata_error *(*error)(const void *self);
    /* Optional (NULL: none). Bytes taken past the layer's end; borrowed, valid
     * until free. Called once, after READ_CLOSED. */
    const uint8_t *(*take_leftover)(void *self, size_t *n);
    /* Optional: one line describing the layer once up (version, cipher, peer),
     * written into buf (NUL-terminated). */
    void (*describe)(const void *self, char *buf, size_t cap);
    /* Optional: the connection is idle; give back the memory of buffers that
     * are empty (they are allocated again when bytes come). */
    void (*trim)(void *self);
    /* Optional: the time, in milliseconds of a monotonic clock (the io
     * driver's: strata_io_now), for engines with timers of their own (an
     * SSH connection's rekey by time). Engines never read a clock; time
     * reaches them only through this. May produce output (a KEXINIT). */
    strata_status (*tick)(void *self, uint64_t now_ms);
    void (*free)(void *self);
    /* Optional, with link: takes one whole record of the layer above straight
     * from that layer's own buffer, so the record is not copied into the
     * above layer's send_buf first. Only a record that is exactly one full
     * record of this layer's (n == record_room), once up, with nothing of
     * this layer's held before it; returns n when it took the bytes, 0 when
     * not (the layer above then keeps them and they come through send). p is
     * borrowed for the call. Bytes taken this way are never held back. */
    size_t (*take)(void *self, const uint8_t *p, size_t n);
    /* Optional: the stack names the layer beneath this one when that layer
     * has take (beneath.ops NULL: none), at push; the layer may hand it whole
     * records through beneath.ops->take from inside its own calls. beneath is
     * owned by the stack and outlives this layer (layers are removed
     * innermost first). */
    void (*link)(void *self, strata_layer beneath);
};

#endif
