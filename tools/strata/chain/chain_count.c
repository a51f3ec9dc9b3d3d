/* -vv: each layer of a chain counted.
 *
 * The layer a chain element makes is wrapped in one that forwards every
 * operation and counts the bytes of the four flows: taken from beneath
 * (recv) and given beneath (send_ack), the wire side; given above
 * (recv_ack) and taken from above (send), the plaintext side. When the stack
 * frees the layer (popped, or the connection ended) the counts are logged.
 * Optional operations stay optional: the wrapper has one only when the
 * layer has it. The engines are untouched; without -vv nothing is wrapped. */
#include <stdlib.h>

#include "chain.h"
#include "cli.h"
#include "strata/log.h"

struct counted {
    struct strata_layer_ops ops; /* the wrapper's, named as the layer */
    strata_layer in;
    size_t index; /* 1 = outermost */
    uint64_t below_in, below_out, above_in, above_out;
};

static strata_status c_start(void *self)
{
    struct counted *c = self;
    return c->in.ops->start(c->in.self);
}

static strata_status c_recv(void *self, const uint8_t *p, size_t n, size_t *used)
{
    struct counted *c = self;
    strata_status r = c->in.ops->recv(c->in.self, p, n, used);
    c->below_in += *used;
    return r;
}

static const uint8_t *c_recv_buf(void *self, size_t *n)
{
    struct counted *c = self;
    return c->in.ops->recv_buf(c->in.self, n);
}

static void c_recv_ack(void *self, size_t n)
{
    struct counted *c = self;
    c->above_out += n;
    c->in.ops->recv_ack(c->in.self, n);
}

static strata_status c_send(void *self, const uint8_t *p, size_t n, size_t *used)
{
    struct counted *c = self;
    strata_status r = c->in.ops->send(c->in.self, p, n, used);
    c->above_in += *used;
    return r;
}

static const uint8_t *c_send_buf(void *self, size_t *n)
{
    struct counted *c = self;
    return c->in.ops->send_buf(c->in.self, n);
}

static void c_send_ack(void *self, size_t n)
{
    struct counted *c = self;
    c->below_out += n;
    c->in.ops->send_ack(c->in.self, n);
}

static strata_status c_flush(void *self)
{
    struct counted *c = self;
    return c->in.ops->flush(c->in.self);
}

static size_t c_record_room(const void *self)
{
    const struct counted *c = self;
    return c->in.ops->record_room(c->in.self);
}

static void c_fit(void *self, size_t room)
{
    struct counted *c = self;
    c->in.ops->fit(c->in.self, room);
}

static strata_status c_shutdown(void *self)
{
    struct counted *c = self;
    return c->in.ops->shutdown(c->in.self);
}

static strata_status c_eof(void *self)
{
    struct counted *c = self;
    return c->in.ops->eof(c->in.self);
}

static unsigned c_state(const void *self)
{
    const struct counted *c = self;
    return c->in.ops->state(c->in.self);
}

static const strata_error *c_error(const void *self)
{
    const struct counted *c = self;
    return c->in.ops->error(c->in.self);
}

static const uint8_t *c_take_leftover(void *self, size_t *n)
{
    struct counted *c = self;
    return c->in.ops->take_leftover(c->in.self, n);
}

static void c_describe(const void *self, char *buf, size_t cap)
{
    const struct counted *c = self;
    c->in.ops->describe(c->in.self, buf, cap);
}

static void c_trim(void *self)
{
    struct counted *c = self;
    c->in.ops->trim(c->in.self);
}

static strata_status c_tick(void *self, uint64_t now_ms)
{
    struct counted *c = self;
    return c->in.ops->tick(c->in.self, now_ms);
}

static void c_free(void *self)
{
    struct counted *c = self;
    /* A layer that carried nothing (listen's check of its chain) says so by
     * saying nothing. */
    if (c->below_in || c->below_out || c->above_in || c->above_out)
        strata_log(STRATA_LOG_DEBUG, "stack",
                   "layer %zu (%s): %llu bytes in and %llu out beneath (records, handshake), "
                   "%llu in and %llu out above (plaintext)",
                   c->index, c->ops.name, (unsigned long long)c->below_in,
                   (unsigned long long)c->below_out, (unsigned long long)c->above_in,
                   (unsigned long long)c->above_out);
    if (c->in.ops->free)
        c->in.ops->free(c->in.self);
    free(c);
}

const strata_layer *chain_layer_unwrap(const strata_layer *l)
{
    return l && l->ops->free == c_free ? &((const struct counted *)l->self)->in : l;
}

strata_status chain_stack_push(strata_stack *s, strata_layer layer)
{
    if (cli_verbosity() < 2)
        return strata_stack_push(s, layer, NULL, 0);
    struct counted *c = calloc(1, sizeof(*c));
    if (!c) {
        if (layer.ops->free)
            layer.ops->free(layer.self);
        return STRATA_E_NOMEM;
    }
    const struct strata_layer_ops *o = layer.ops;
    c->in = layer;
    c->index = strata_stack_depth(s) + 1;
    c->ops = (struct strata_layer_ops){
        .name = o->name,
        .start = o->start ? c_start : NULL,
        .recv = c_recv,
        .recv_buf = c_recv_buf,
        .recv_ack = c_recv_ack,
        .send = c_send,
        .send_buf = c_send_buf,
        .send_ack = c_send_ack,
        .flush = o->flush ? c_flush : NULL,
        .record_room = o->record_room ? c_record_room : NULL,
        .fit = o->fit ? c_fit : NULL,
        .shutdown = c_shutdown,
        .eof = c_eof,
        .state = c_state,
        .error = c_error,
        .take_leftover = o->take_leftover ? c_take_leftover : NULL,
        .describe = o->describe ? c_describe : NULL,
        .trim = o->trim ? c_trim : NULL,
        .tick = o->tick ? c_tick : NULL,
        .free = c_free,
    };
    return strata_stack_push(s, (strata_layer){&c->ops, c}, NULL, 0);
}
