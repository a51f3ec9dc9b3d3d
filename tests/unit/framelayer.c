#include <stdlib.h>
#include <string.h>

#include "framelayer.h"
#include "strata/buf.h"
#include "base/error_internal.h"

#define PLAIN_CAP 4096
#define WIRE_CAP 8192
#define GREEDY_CAP 3000
#define HDR 4
#define TRL 4

struct fl {
    uint8_t key;
    int greedy;
    unsigned state;
    int hello_rcvd, close_pending;
    int eof; /* the stream beneath ended while a whole frame waited for room in plain */
    strata_buf raw, plain, wire;
    strata_error err;
};

static uint32_t csum(const uint8_t *p, size_t n, uint8_t key)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++)
        h = (h ^ p[i]) * 16777619u;
    return h ^ (key * 0x01010101u);
}

static int emit(struct fl *f, uint8_t type, const uint8_t *p, size_t n)
{
    if (strata_buf_avail(&f->wire) < HDR + n + TRL)
        return 0;
    uint8_t *o;
    if (strata_buf_reserve(&f->wire, HDR + n + TRL, &o) != STRATA_OK)
        return 0;
    o[0] = type;
    o[1] = f->key;
    o[2] = (uint8_t)(n >> 8);
    o[3] = (uint8_t)n;
    if (n)
        memcpy(o + HDR, p, n);
    uint32_t c = csum(o, HDR + n, f->key);
    o[HDR + n] = (uint8_t)(c >> 24);
    o[HDR + n + 1] = (uint8_t)(c >> 16);
    o[HDR + n + 2] = (uint8_t)(c >> 8);
    o[HDR + n + 3] = (uint8_t)c;
    return 1;
}

static strata_status fail(struct fl *f, strata_status st, const char *msg)
{
    f->state |= STRATA_LAYER_FAILED;
    return strata__error_set(&f->err, st, "%s", msg);
}

/* Bytes still needed to complete the frame at the front of raw. */
static size_t need(const struct fl *f)
{
    size_t have = strata_buf_len(&f->raw);
    if (have < HDR)
        return HDR - have;
    const uint8_t *p = strata_buf_ptr(&f->raw);
    size_t total = HDR + ((size_t)p[2] << 8 | p[3]) + TRL;
    return total > have ? total - have : 0;
}

/* Processes whole frames at the front of raw. */
static strata_status process(struct fl *f)
{
    while (!(f->state & (STRATA_LAYER_READ_CLOSED | STRATA_LAYER_FAILED))) {
        size_t have = strata_buf_len(&f->raw);
        if (have < HDR || need(f) > 0)
            return STRATA_OK;
        const uint8_t *p = strata_buf_ptr(&f->raw);
        size_t len = (size_t)p[2] << 8 | p[3];
        if (len > FRAME_MAX)
            return fail(f, STRATA_E_FORMAT, "frame length over the maximum");
        if (p[1] != f->key)
            return fail(f, STRATA_E_PROTOCOL, "frame for another layer's key");
        uint32_t c = (uint32_t)p[HDR + len] << 24 | (uint32_t)p[HDR + len + 1] << 16 |
                     (uint32_t)p[HDR + len + 2] << 8 | p[HDR + len + 3];
        if (c != csum(p, HDR + len, f->key))
            return fail(f, STRATA_E_PROTOCOL, "frame checksum mismatch");
        if (p[0] == 'D') {
            if (!f->hello_rcvd)
                return fail(f, STRATA_E_PROTOCOL, "data frame before hello");
            if (strata_buf_avail(&f->plain) < len)
                return STRATA_OK; /* wait until the reader drains */
            if (strata_buf_put(&f->plain, p + HDR, len) != STRATA_OK)
                return fail(f, STRATA_E_INTERNAL, "plain buffer");
        } else if (p[0] == 'H') {
            f->hello_rcvd = 1;
            f->state |= STRATA_LAYER_UP;
        } else if (p[0] == 'C') {
            f->state |= STRATA_LAYER_READ_CLOSED;
        } else {
            return fail(f, STRATA_E_PROTOCOL, "unknown frame type");
        }
        if (strata_buf_consume(&f->raw, HDR + len + TRL) != STRATA_OK)
            return fail(f, STRATA_E_INTERNAL, "consume");
    }
    return STRATA_OK;
}

static strata_status fl_start(void *self)
{
    struct fl *f = self;
    if (!emit(f, 'H', NULL, 0))
        return fail(f, STRATA_E_INTERNAL, "no room for hello");
    return STRATA_OK;
}

static strata_status fl_recv(void *self, const uint8_t *p, size_t n, size_t *used)
{
    struct fl *f = self;
    *used = 0;
    strata_status r = process(f);
    while (r == STRATA_OK && *used < n &&
           !(f->state & (STRATA_LAYER_READ_CLOSED | STRATA_LAYER_FAILED))) {
        size_t take;
        if (f->greedy) {
            size_t have = strata_buf_len(&f->raw);
            take = have < GREEDY_CAP ? GREEDY_CAP - have : 0;
        } else {
            take = need(f);
        }
        if (take > n - *used)
            take = n - *used;
        if (take == 0)
            break;
        if (strata_buf_put(&f->raw, p + *used, take) != STRATA_OK)
            return fail(f, STRATA_E_INTERNAL, "raw buffer");
        *used += take;
        size_t before = strata_buf_len(&f->raw);
        r = process(f);
        if (!f->greedy && strata_buf_len(&f->raw) == before && need(f) == 0)
            break; /* a whole frame waits for room in plain */
    }
    return r;
}

static const uint8_t *fl_recv_buf(void *self, size_t *n)
{
    struct fl *f = self;
    *n = strata_buf_len(&f->plain);
    return strata_buf_ptr(&f->plain);
}

/* A whole frame waits at the front of raw for room in plain. */
static int frame_waiting(const struct fl *f)
{
    return strata_buf_len(&f->raw) >= HDR && need(f) == 0;
}

static void fl_recv_ack(void *self, size_t n)
{
    struct fl *f = self;
    if (strata_buf_consume(&f->plain, n) != STRATA_OK)
        fail(f, STRATA_E_INTERNAL, "over-acknowledged");
    process(f); /* a frame may have waited for room */
    if (f->eof && !(f->state & (STRATA_LAYER_READ_CLOSED | STRATA_LAYER_FAILED)) &&
        !frame_waiting(f))
        fail(f, STRATA_EOF_UNCLEAN, "stream ended before the close frame");
}

static strata_status fl_send(void *self, const uint8_t *p, size_t n, size_t *used)
{
    struct fl *f = self;
    *used = 0;
    if (f->state & STRATA_LAYER_WRITE_CLOSED)
        return STRATA_E_STATE;
    while (*used < n) {
        size_t k = n - *used > FRAME_MAX ? FRAME_MAX : n - *used;
        if (!emit(f, 'D', p + *used, k))
            break;
        *used += k;
    }
    return STRATA_OK;
}

static const uint8_t *fl_send_buf(void *self, size_t *n)
{
    struct fl *f = self;
    *n = strata_buf_len(&f->wire);
    return strata_buf_ptr(&f->wire);
}

static void fl_send_ack(void *self, size_t n)
{
    struct fl *f = self;
    if (strata_buf_consume(&f->wire, n) != STRATA_OK)
        fail(f, STRATA_E_INTERNAL, "over-acknowledged");
    if (f->close_pending && emit(f, 'C', NULL, 0)) {
        f->close_pending = 0;
        f->state |= STRATA_LAYER_WRITE_CLOSED;
    }
}

static strata_status fl_shutdown(void *self)
{
    struct fl *f = self;
    if (emit(f, 'C', NULL, 0))
        f->state |= STRATA_LAYER_WRITE_CLOSED;
    else
        f->close_pending = 1;
    return STRATA_OK;
}

static strata_status fl_eof(void *self)
{
    struct fl *f = self;
    if (f->state & (STRATA_LAYER_READ_CLOSED | STRATA_LAYER_FAILED))
        return STRATA_OK;
    /* The close may be among the whole frames that wait for the reader to
     * make room: decided once they are processed (fl_recv_ack). */
    if (frame_waiting(f)) {
        f->eof = 1;
        return STRATA_OK;
    }
    return fail(f, STRATA_EOF_UNCLEAN, "stream ended before the close frame");
}

static unsigned fl_state(const void *self)
{
    return ((const struct fl *)self)->state;
}

static const strata_error *fl_error(const void *self)
{
    return &((const struct fl *)self)->err;
}

static const uint8_t *fl_take_leftover(void *self, size_t *n)
{
    struct fl *f = self;
    *n = strata_buf_len(&f->raw);
    return strata_buf_ptr(&f->raw);
}

static void fl_free(void *self)
{
    struct fl *f = self;
    strata_buf_free(&f->raw);
    strata_buf_free(&f->plain);
    strata_buf_free(&f->wire);
    free(f);
}

static const struct strata_layer_ops fl_ops = {
    .name = "test-frame",
    .start = fl_start,
    .recv = fl_recv,
    .recv_buf = fl_recv_buf,
    .recv_ack = fl_recv_ack,
    .send = fl_send,
    .send_buf = fl_send_buf,
    .send_ack = fl_send_ack,
    .shutdown = fl_shutdown,
    .eof = fl_eof,
    .state = fl_state,
    .error = fl_error,
    .take_leftover = fl_take_leftover,
    .free = fl_free,
};

strata_layer framelayer_new(uint8_t key, int greedy)
{
    struct fl *f = calloc(1, sizeof(*f));
    if (!f)
        return (strata_layer){NULL, NULL};
    f->key = key;
    f->greedy = greedy;
    strata_buf_init(&f->raw, GREEDY_CAP + HDR + FRAME_MAX + TRL);
    strata_buf_init(&f->plain, PLAIN_CAP);
    strata_buf_init(&f->wire, WIRE_CAP);
    return (strata_layer){&fl_ops, f};
}
