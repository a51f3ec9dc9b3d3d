/* The onion: a stack of layers on one byte stream.
 *
 * Implementation notes
 * --------------------
 * Slot 0 is the outermost layer, slot n-1 the innermost. Each layer owns its
 * own bounded output buffers (recv_buf toward the application, send_buf
 * toward the wire); the stack moves bytes between neighbours by offering one
 * layer's output to the next layer's input and acknowledging what was taken.
 * Nothing is copied by the stack except in three bounded places:
 *
 *   up    bytes for the application that no layer holds: the pass-through
 *         bytes of a stack without layers, and after a pop the popped layer's
 *         undelivered plaintext plus whatever followed its close;
 *   down  bytes for the wire that no layer holds: application bytes written
 *         while the stack had no layers;
 *   slot.in  bytes staged for one layer: the `early` bytes of a push, and
 *         bytes the application had not read when the layer was pushed (they
 *         come after the application's reading point, so they are the new
 *         layer's).
 *
 * Order is preserved because each reader drains the older source first:
 * app_in gives `up` before the innermost layer's output, wire_out gives
 * `down` before the outermost layer's output, and a layer is fed its staged
 * bytes before its neighbour's output.
 *
 * run() repeats one routing step until nothing moves. Events found during a
 * step are queued and delivered between steps, so an event callback may push,
 * pop or write: those calls only mark the stack for another step.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "strata/stack.h"
#include "strata/buf.h"
#include "strata/log.h"
#include "base/error_internal.h"

#define STEP_LIMIT 100000 /* steps per run(); each step that moves bytes shrinks some buffer */
#define EVQ_MAX 40        /* a step queues at most 2 per layer, POPPED and FAILED */

enum { SLOT_UP_SEEN = 1u << 0, SLOT_PEER_CLOSED_SEEN = 1u << 1 };

struct slot {
    strata_layer layer;
    size_t fitted; /* the record room last given to fit (SIZE_MAX: none yet) */
    strata_buf in; /* staged input (owned) */
    unsigned seen; /* SLOT_* events already reported */
    int eof_given;
    int shutdown_given;
};

struct pending_event {
    uint32_t ev, index;
};

struct strata_stack {
    strata_stack_config cfg;
    struct slot *slots;
    size_t n;
    strata_buf up, down;
    int wire_eof;     /* the wire's read side ended */
    int app_eof;      /* the application will write no more */
    int popping;      /* the innermost layer is closing */
    int failed_event; /* FAILED was queued */
    int in_run, again;
    struct pending_event *evq; /* EVQ_MAX entries while events wait; NULL otherwise */
    size_t n_ev;
    size_t cap;            /* slots allocated (grown on push up to max_layers) */
    strata_status status;  /* sticky failure (STRATA_OK: none) */
    strata_error *err;     /* its detail, allocated when it happens */
    strata_error *refusal; /* why the last call was refused (not sticky); allocated then */
};

/* An idle stack keeps no error records: strata__error_alloc makes them when
 * needed. */
/* Records why a push or pop was refused; returns status. */
STRATA_PRINTF(3, 4)
static strata_status refuse(strata_stack *s, strata_status status, const char *fmt, ...)
{
    strata_error *e = strata__error_alloc(&s->refusal);
    if (e) {
        /* The latest refusal replaces the one before. */
        strata_error_clear(e);
        va_list ap;
        va_start(ap, fmt);
        strata_error_vset(e, status, fmt, ap);
        va_end(ap);
    }
    return status;
}

static void queue_event(strata_stack *s, enum strata_stack_event ev, size_t index)
{
    if (!s->evq && !(s->evq = malloc(EVQ_MAX * sizeof(*s->evq)))) {
        strata_log(STRATA_LOG_ERROR, "stack", "out of memory: event %d of layer %zu dropped",
                   (int)ev, index + 1);
        return;
    }
    if (s->n_ev < EVQ_MAX)
        s->evq[s->n_ev++] = (struct pending_event){(uint32_t)ev, (uint32_t)index};
}

static int failed(const strata_stack *s)
{
    return s->status != STRATA_OK;
}

/* Records the failure of layer i (sticky) with the layer's own detail. */
static strata_status fail_layer(strata_stack *s, size_t i)
{
    const strata_layer *l = &s->slots[i].layer;
    const strata_error *le = l->ops->error(l->self);
    if (!failed(s)) {
        s->status = STRATA_E_LAYER_FAILED;
        strata_error *e = strata__error_alloc(&s->err);
        if (e) {
            strata__error_set(e, STRATA_E_LAYER_FAILED, "layer %zu '%s': %s", i + 1, l->ops->name,
                              le && le->status != STRATA_OK ? strata_error_message(le) : "failed");
            if (le) {
                e->n_ossl = le->n_ossl;
                memcpy(e->ossl, le->ossl, sizeof(e->ossl));
            }
        }
    }
    if (!s->failed_event) {
        s->failed_event = 1;
        queue_event(s, STRATA_STACK_EV_FAILED, i);
    }
    return STRATA_E_LAYER_FAILED;
}

static strata_status fail_stack(strata_stack *s, strata_status st, const char *what)
{
    if (!failed(s)) {
        s->status = st;
        strata_error *e = strata__error_alloc(&s->err);
        if (e)
            strata__error_set(e, st, "%s", what);
    }
    if (!s->failed_event) {
        s->failed_event = 1;
        queue_event(s, STRATA_STACK_EV_FAILED, s->n);
    }
    return st;
}

static unsigned lstate(const struct slot *sl)
{
    return sl->layer.ops->state(sl->layer.self);
}

/* Checks a layer after an operation; returns 1 when it failed. */
static int check_failed(strata_stack *s, size_t i, strata_status r)
{
    if ((lstate(&s->slots[i]) & STRATA_LAYER_FAILED) || strata_status_is_error(r)) {
        fail_layer(s, i);
        return 1;
    }
    return 0;
}

strata_status strata_stack_new(const strata_stack_config *cfg, strata_stack **out)
{
    *out = NULL;
    strata_stack *s = calloc(1, sizeof(*s));
    if (!s)
        return STRATA_E_NOMEM;
    if (cfg)
        s->cfg = *cfg;
    if (s->cfg.max_layers == 0)
        s->cfg.max_layers = STRATA_STACK_MAX_LAYERS_DEFAULT;
    if (s->cfg.buf_max == 0)
        s->cfg.buf_max = STRATA_STACK_BUF_DEFAULT;
    /* up also carries a popped layer's remainder, which the layer bounded. */
    strata_buf_init(&s->up, 8 * s->cfg.buf_max);
    strata_buf_init(&s->down, s->cfg.buf_max);
    *out = s;
    return STRATA_OK;
}

static void slot_free(struct slot *sl)
{
    if (sl->layer.ops && sl->layer.ops->free)
        sl->layer.ops->free(sl->layer.self);
    strata_buf_free(&sl->in);
    memset(sl, 0, sizeof(*sl));
}

void strata_stack_free(strata_stack *s)
{
    if (!s)
        return;
    for (size_t i = s->n; i-- > 0;)
        slot_free(&s->slots[i]);
    free(s->slots);
    free(s->err);
    free(s->refusal);
    free(s->evq);
    strata_buf_free(&s->up);
    strata_buf_free(&s->down);
    free(s);
}

size_t strata_stack_depth(const strata_stack *s)
{
    return s->n;
}

int strata_stack_popping(const strata_stack *s)
{
    return s->popping;
}

const strata_layer *strata_stack_layer(const strata_stack *s, size_t i)
{
    return i < s->n ? &s->slots[i].layer : NULL;
}

const strata_error *strata_stack_error(const strata_stack *s)
{
    if (!failed(s))
        return strata__error_view(NULL, 0);
    return strata__error_view(s->err, 1);
}

const strata_error *strata_stack_refusal(const strata_stack *s)
{
    return strata__error_view(s->refusal, 0);
}

/* ---- routing ------------------------------------------------------------------ */

/* Layer i writes what it held back. */
static void layer_flush(strata_stack *s, size_t i)
{
    const strata_layer *l = &s->slots[i].layer;
    if (l->ops->flush)
        check_failed(s, i, l->ops->flush(l->self));
}

/* Whether the layer beneath sl may close, sl's own close having gone out:
 * inside-out, once the peer's close of sl arrived (or its stream ended). A
 * layer that passes bytes on unframed (HTTP CONNECT) has no close of its
 * own: the close beneath is how its end reaches the far side. */
static int closed_through(const strata_stack *s, const struct slot *sl)
{
    const strata_layer *l = &sl->layer;
    return s->cfg.half_close || (lstate(sl) & STRATA_LAYER_READ_CLOSED) ||
           (l->ops->record_room && l->ops->record_room(l->self) == STRATA_LAYER_UNFRAMED);
}

/* The record room layer i writes into: that of the layer beneath, looking
 * through layers that pass bytes on unframed (STRATA_LAYER_UNFRAMED, like
 * HTTP CONNECT once set up); 0 at the wire or beneath a layer with no
 * records worth fitting (no record_room op, or 0). */
static size_t room_beneath(const strata_stack *s, size_t i)
{
    while (i-- > 0) {
        const strata_layer *l = &s->slots[i].layer;
        size_t room = l->ops->record_room ? l->ops->record_room(l->self) : 0;
        if (room != STRATA_LAYER_UNFRAMED)
            return room;
    }
    return 0;
}

/* Tells every layer the record room beneath it when that changed,
 * outermost first (a layer's own room follows from its fit). */
static void fit_layers(strata_stack *s)
{
    for (size_t i = 0; i < s->n; i++) {
        struct slot *sl = &s->slots[i];
        if (!sl->layer.ops->fit)
            continue;
        size_t room = room_beneath(s, i);
        if (room != sl->fitted) {
            sl->fitted = room;
            sl->layer.ops->fit(sl->layer.self, room);
        }
    }
}

/* Feeds layer i from its staged input, then from the layer beneath (i > 0).
 * Returns bytes moved. */
static size_t feed_up(strata_stack *s, size_t i)
{
    struct slot *sl = &s->slots[i];
    size_t moved = 0;
    strata_status r;
    while (strata_buf_len(&sl->in) > 0) {
        size_t used = 0;
        r = sl->layer.ops->recv(sl->layer.self, strata_buf_ptr(&sl->in), strata_buf_len(&sl->in),
                                &used);
        if (check_failed(s, i, r))
            return moved;
        if (used == 0)
            return moved;
        if (strata_buf_consume(&sl->in, used) != STRATA_OK)
            return moved;
        moved += used;
    }
    if (i == 0)
        return moved; /* the wire feeds slot 0 through strata_stack_wire_write */
    struct slot *below = &s->slots[i - 1];
    for (;;) {
        size_t m = 0, used = 0;
        const uint8_t *p = below->layer.ops->recv_buf(below->layer.self, &m);
        if (m == 0)
            break;
        r = sl->layer.ops->recv(sl->layer.self, p, m, &used);
        if (used > m)
            used = m;
        if (used)
            below->layer.ops->recv_ack(below->layer.self, used);
        moved += used;
        if (check_failed(s, i, r) || used == 0)
            break;
    }
    return moved;
}

/* Moves layer i's output into layer i-1 (i > 0). Returns bytes moved. */
static size_t feed_down(strata_stack *s, size_t i)
{
    struct slot *sl = &s->slots[i], *below = &s->slots[i - 1];
    size_t moved = 0;
    for (;;) {
        size_t m = 0, used = 0;
        const uint8_t *p = sl->layer.ops->send_buf(sl->layer.self, &m);
        if (m == 0)
            break;
        strata_status r = below->layer.ops->send(below->layer.self, p, m, &used);
        if (used > m)
            used = m;
        if (used)
            sl->layer.ops->send_ack(sl->layer.self, used);
        moved += used;
        if (check_failed(s, i - 1, r) || used == 0)
            break;
    }
    /* Bytes from a layer above never wait in the layer beneath: only the
     * application's writes are held back for fuller records. */
    if (moved > 0) /* also after a failure: a failing layer's alert goes out whole */
        layer_flush(s, i - 1);
    return moved;
}

static size_t pending_send(const struct slot *sl)
{
    size_t m = 0;
    (void)sl->layer.ops->send_buf(sl->layer.self, &m);
    return m;
}

static size_t pending_recv(const struct slot *sl)
{
    size_t m = 0;
    (void)sl->layer.ops->recv_buf(sl->layer.self, &m);
    return m;
}

/* Removes the innermost layer after its orderly close: its undelivered
 * plaintext, then the bytes it took past its end, then its staged input go to
 * `up`, in that order. */
static strata_status finish_pop(strata_stack *s)
{
    size_t i = s->n - 1;
    struct slot *sl = &s->slots[i];
    strata_status r = STRATA_OK;
    size_t m;
    const uint8_t *p;
    while ((p = sl->layer.ops->recv_buf(sl->layer.self, &m)) != NULL && m > 0) {
        if ((r = strata_buf_put(&s->up, p, m)) != STRATA_OK)
            return fail_stack(s, r, "bytes left by a popped layer exceed the stack's buffer");
        sl->layer.ops->recv_ack(sl->layer.self, m);
    }
    if (sl->layer.ops->take_leftover) {
        p = sl->layer.ops->take_leftover(sl->layer.self, &m);
        if (p && m > 0 && (r = strata_buf_put(&s->up, p, m)) != STRATA_OK)
            return fail_stack(s, r, "bytes left by a popped layer exceed the stack's buffer");
    }
    if (strata_buf_len(&sl->in) > 0 &&
        (r = strata_buf_put(&s->up, strata_buf_ptr(&sl->in), strata_buf_len(&sl->in))) != STRATA_OK)
        return fail_stack(s, r, "bytes left by a popped layer exceed the stack's buffer");
    slot_free(sl);
    s->n--;
    s->popping = 0;
    queue_event(s, STRATA_STACK_EV_POPPED, i);
    return STRATA_OK;
}

static int layer_shutdown(strata_stack *s, size_t i)
{
    struct slot *sl = &s->slots[i];
    if (sl->shutdown_given)
        return 0;
    sl->shutdown_given = 1;
    strata_status r = sl->layer.ops->shutdown(sl->layer.self);
    check_failed(s, i, r);
    return 1;
}

/* One routing step over every layer; returns non-zero when anything moved or
 * changed. */
static int step(strata_stack *s)
{
    size_t moved = 0;
    int changed = 0;
    if (failed(s)) {
        /* Still let bytes already produced (alerts, close) drain outward. */
        for (size_t i = s->n; i-- > 1;)
            moved += feed_down(s, i);
        return moved > 0;
    }
    for (size_t i = 0; i < s->n && !failed(s); i++)
        moved += feed_up(s, i);
    for (size_t i = s->n; i-- > 1 && !failed(s);)
        moved += feed_down(s, i);
    if (failed(s))
        return 1;

    /* Events and end-of-stream propagation, outermost first. */
    for (size_t i = 0; i < s->n; i++) {
        struct slot *sl = &s->slots[i];
        unsigned st = lstate(sl);
        /* A layer may fail inside any call, acknowledgements included (a
         * TLS layer that finds an unclean end once its reader made room). */
        if (st & STRATA_LAYER_FAILED) {
            fail_layer(s, i);
            return 1;
        }
        if ((st & STRATA_LAYER_UP) && !(sl->seen & SLOT_UP_SEEN)) {
            sl->seen |= SLOT_UP_SEEN;
            queue_event(s, STRATA_STACK_EV_LAYER_UP, i);
            changed = 1;
        }
        if ((st & STRATA_LAYER_READ_CLOSED) && !(sl->seen & SLOT_PEER_CLOSED_SEEN)) {
            sl->seen |= SLOT_PEER_CLOSED_SEEN;
            queue_event(s, STRATA_STACK_EV_LAYER_PEER_CLOSED, i);
            changed = 1;
        }
        /* The stream beneath layer i ended once all its bytes were taken. */
        int beneath_ended;
        if (i == 0)
            beneath_ended = s->wire_eof;
        else
            beneath_ended = (lstate(&s->slots[i - 1]) & STRATA_LAYER_READ_CLOSED) &&
                            pending_recv(&s->slots[i - 1]) == 0;
        if (beneath_ended && !sl->eof_given && strata_buf_len(&sl->in) == 0 &&
            !(st & STRATA_LAYER_READ_CLOSED)) {
            sl->eof_given = 1;
            changed = 1;
            if (check_failed(s, i, sl->layer.ops->eof(sl->layer.self)))
                return 1;
        }
    }

    fit_layers(s);

    if (s->n > 0) {
        size_t top = s->n - 1;
        struct slot *sl = &s->slots[top];
        unsigned st = lstate(sl);
        if ((st & STRATA_LAYER_READ_CLOSED) && !s->popping &&
            s->cfg.peer_close == STRATA_STACK_PEER_CLOSE_POP) {
            s->popping = 1;
            changed |= layer_shutdown(s, top);
            st = lstate(sl);
        }
        if (s->popping && (st & STRATA_LAYER_WRITE_CLOSED) && (st & STRATA_LAYER_READ_CLOSED) &&
            pending_send(sl) == 0) {
            if (finish_pop(s) != STRATA_OK)
                return 1;
            changed = 1;
        }
    }

    /* Closing runs inside-out: at the application's end only the innermost
     * layer closes (its close_notify, its channel EOF); the next one out
     * closes once the layer above it has fully closed (its close went out
     * and drained, and the peer's close arrived or its stream ended), and
     * so on; the wire's FIN goes last (wire_write_closed). Proxies and
     * servers that do not support half-close then still deliver the far
     * end's reply. cfg.half_close closes every layer at once, as soon as
     * the one above has drained into it. */
    if (s->app_eof && !s->popping) {
        for (size_t i = s->n; i-- > 0;) {
            struct slot *sl = &s->slots[i];
            if (!sl->shutdown_given) {
                changed |= layer_shutdown(s, i);
                break;
            }
            if (!(lstate(sl) & STRATA_LAYER_WRITE_CLOSED) || (i > 0 && pending_send(sl) > 0))
                break;
            if (!closed_through(s, sl))
                break;
        }
    }
    return moved > 0 || changed;
}

static void deliver_events(strata_stack *s)
{
    while (s->n_ev > 0) {
        struct pending_event e = s->evq[0];
        memmove(s->evq, s->evq + 1, (s->n_ev - 1) * sizeof(s->evq[0]));
        s->n_ev--;
        if (s->cfg.on_event)
            s->cfg.on_event(s->cfg.user, s, (enum strata_stack_event)e.ev, e.index);
    }
    free(s->evq); /* an idle stack keeps no queue */
    s->evq = NULL;
}

static void run(strata_stack *s)
{
    if (s->in_run) {
        s->again = 1;
        return;
    }
    s->in_run = 1;
    for (int k = 0; k < STEP_LIMIT; k++) {
        s->again = 0;
        int progress = step(s);
        if (s->n_ev > 0) {
            deliver_events(s);
            progress = 1;
        }
        if (!progress && !s->again)
            break;
    }
    s->in_run = 0;
}

/* ---- push and pop ------------------------------------------------------------------- */

/* Names the layer beneath to layer i when both sides of the hand-off exist:
 * its whole records then go straight into that layer (take) rather than
 * through its send_buf and feed_down. The layer beneath outlives layer i. */
static void link_beneath(strata_stack *s, size_t i)
{
    const strata_layer *l = &s->slots[i].layer;
    if (!l->ops->link || i == 0 || !s->slots[i - 1].layer.ops->take)
        return;
    l->ops->link(l->self, s->slots[i - 1].layer);
}

strata_status strata_stack_push(strata_stack *s, strata_layer layer, const uint8_t *early, size_t n)
{
    strata_status r;
    if (!layer.ops || !layer.ops->recv || !layer.ops->send || !layer.ops->state ||
        !layer.ops->recv_buf || !layer.ops->send_buf || !layer.ops->error) {
        if (layer.ops && layer.ops->free)
            layer.ops->free(layer.self);
        return refuse(s, STRATA_E_USAGE, "push: the layer lacks required operations");
    }
    if (failed(s)) {
        layer.ops->free(layer.self);
        return s->status;
    }
    const char *name = layer.ops->name ? layer.ops->name : "?";
    if (s->popping) {
        layer.ops->free(layer.self);
        return refuse(s, STRATA_E_STATE, "cannot push layer '%s' while a pop is under way", name);
    }
    if (s->n >= s->cfg.max_layers) {
        layer.ops->free(layer.self);
        /* A refusal, not a failure: the stack itself stays usable. */
        strata_log(STRATA_LOG_WARN, "stack", "layer limit of %zu reached", s->cfg.max_layers);
        return refuse(s, STRATA_E_LIMIT,
                      "cannot push layer '%s': the stack already holds %zu layers, "
                      "its limit",
                      name, s->cfg.max_layers);
    }
    /* What the application wrote before the push goes out in the layer it
     * was written to, ahead of the new layer's handshake. */
    if (s->n > 0) {
        layer_flush(s, s->n - 1);
        if (failed(s)) {
            layer.ops->free(layer.self);
            run(s);
            return s->status;
        }
    }
    if (s->n == s->cap) {
        size_t cap = s->cap ? 2 * s->cap : 1;
        if (cap > s->cfg.max_layers)
            cap = s->cfg.max_layers;
        struct slot *more = realloc(s->slots, cap * sizeof(*more));
        if (!more) {
            layer.ops->free(layer.self);
            return refuse(s, STRATA_E_NOMEM, "cannot push layer '%s': out of memory", name);
        }
        s->slots = more;
        s->cap = cap;
    }
    struct slot *sl = &s->slots[s->n];
    memset(sl, 0, sizeof(*sl));
    sl->layer = layer;
    sl->fitted = SIZE_MAX;
    strata_buf_init(&sl->in, 8 * s->cfg.buf_max);
    /* Oldest first: the early bytes, then what the application had not read. */
    if ((n > 0 && (r = strata_buf_put(&sl->in, early, n)) != STRATA_OK) ||
        (strata_buf_len(&s->up) > 0 && (r = strata_buf_put(&sl->in, strata_buf_ptr(&s->up),
                                                           strata_buf_len(&s->up))) != STRATA_OK)) {
        slot_free(sl);
        return r;
    }
    strata_buf_reset(&s->up);
    s->n++;
    link_beneath(s, s->n - 1);
    if (layer.ops->start) {
        r = layer.ops->start(layer.self);
        if (check_failed(s, s->n - 1, r)) {
            run(s);
            return STRATA_E_LAYER_FAILED;
        }
    }
    run(s);
    return failed(s) ? s->status : STRATA_OK;
}

strata_status strata_stack_pop(strata_stack *s)
{
    if (failed(s))
        return s->status;
    if (s->n == 0)
        return refuse(s, STRATA_E_STATE, "cannot pop: the stack has no layer");
    if (s->popping)
        return refuse(s, STRATA_E_STATE, "cannot pop: a pop is already under way");
    s->popping = 1;
    layer_shutdown(s, s->n - 1);
    run(s);
    return failed(s) ? s->status : STRATA_OK;
}

/* ---- wire face -------------------------------------------------------------------- */

/* Bytes from the wire of a stack without layers: for the application. */
static strata_status wire_to_up(strata_stack *s, const uint8_t *p, size_t n, size_t *used)
{
    size_t have = strata_buf_len(&s->up);
    size_t room = have < s->cfg.buf_max ? s->cfg.buf_max - have : 0;
    size_t take = n < room ? n : room;
    strata_status r = strata_buf_put(&s->up, p, take);
    if (r != STRATA_OK)
        return fail_stack(s, r, "stack buffer");
    *used += take;
    return STRATA_OK;
}

strata_status strata_stack_wire_write(strata_stack *s, const uint8_t *p, size_t n, size_t *used)
{
    *used = 0;
    if (failed(s))
        return s->status;
    if (s->wire_eof)
        return STRATA_E_STATE;
    if (s->n == 0)
        return wire_to_up(s, p, n, used);
    run(s); /* staged bytes of slot 0 go first */
    /* Offer again while the layer takes bytes: a layer may stop at a
     * boundary of its own (the end of a header, of a record). The bytes
     * after the close of a layer popped meanwhile are the application's. */
    for (int k = 0; k < 1024 && *used < n && !failed(s); k++) {
        if (s->n == 0) {
            (void)wire_to_up(s, p + *used, n - *used, used);
            break;
        }
        struct slot *sl = &s->slots[0];
        if (strata_buf_len(&sl->in) > 0)
            break;
        size_t u = 0;
        strata_status r = sl->layer.ops->recv(sl->layer.self, p + *used, n - *used, &u);
        if (u > n - *used)
            u = n - *used;
        *used += u;
        if (check_failed(s, 0, r) || u == 0)
            break;
        run(s);
    }
    run(s);
    return failed(s) ? s->status : STRATA_OK;
}

strata_status strata_stack_wire_eof(strata_stack *s)
{
    s->wire_eof = 1;
    run(s);
    return failed(s) ? s->status : STRATA_OK;
}

static int wire_write_closed(const strata_stack *s)
{
    if (!s->app_eof || s->popping || strata_buf_len(&s->down) > 0)
        return 0;
    if (s->n == 0)
        return 1;
    const struct slot *sl = &s->slots[0];
    return sl->shutdown_given && (lstate(sl) & STRATA_LAYER_WRITE_CLOSED) &&
           pending_send(sl) == 0 && closed_through(s, sl);
}

const uint8_t *strata_stack_wire_out(strata_stack *s, size_t *n, strata_status *st)
{
    *n = 0;
    *st = failed(s) ? s->status : STRATA_OK;
    if (strata_buf_len(&s->down) > 0) {
        *n = strata_buf_len(&s->down);
        return strata_buf_ptr(&s->down);
    }
    if (s->n > 0) {
        const uint8_t *p = s->slots[0].layer.ops->send_buf(s->slots[0].layer.self, n);
        if (*n > 0)
            return p;
    }
    if (!failed(s) && wire_write_closed(s))
        *st = STRATA_CLOSED;
    return NULL;
}

/* Acknowledges up to n bytes of a carry buffer (`up` or `down`, which readers
 * see before any layer's output); returns what is left to acknowledge. */
static size_t ack_carry(strata_buf *carry, size_t n)
{
    size_t have = strata_buf_len(carry);
    size_t k = n < have ? n : have;
    strata_status r = strata_buf_consume(carry, k); /* k <= length: cannot fail */
    (void)r;
    return n - k;
}

void strata_stack_wire_ack(strata_stack *s, size_t n)
{
    n = ack_carry(&s->down, n);
    if (n > 0 && s->n > 0)
        s->slots[0].layer.ops->send_ack(s->slots[0].layer.self, n);
    run(s);
}

/* ---- application face ---------------------------------------------------------------- */

strata_status strata_stack_app_write(strata_stack *s, const uint8_t *p, size_t n, size_t *used)
{
    *used = 0;
    if (failed(s))
        return s->status;
    if (s->app_eof)
        return STRATA_E_STATE;
    if (s->popping)
        return STRATA_WANT_WRITE;
    if (s->n == 0) {
        size_t room = strata_buf_avail(&s->down);
        size_t take = n < room ? n : room;
        strata_status r = strata_buf_put(&s->down, p, take);
        if (r != STRATA_OK)
            return fail_stack(s, r, "stack buffer");
        *used = take;
        return STRATA_OK;
    }
    struct slot *sl = &s->slots[s->n - 1];
    strata_status r = sl->layer.ops->send(sl->layer.self, p, n, used);
    if (*used > n)
        *used = n;
    if (!check_failed(s, s->n - 1, r) && !s->cfg.cork)
        layer_flush(s, s->n - 1);
    run(s);
    return failed(s) ? s->status : STRATA_OK;
}

strata_status strata_stack_flush(strata_stack *s)
{
    if (failed(s))
        return s->status;
    if (s->n > 0)
        layer_flush(s, s->n - 1);
    run(s);
    return failed(s) ? s->status : STRATA_OK;
}

strata_status strata_stack_tick(strata_stack *s, uint64_t now_ms)
{
    if (failed(s))
        return s->status;
    for (size_t i = 0; i < s->n; i++) {
        const strata_layer *l = &s->slots[i].layer;
        if (l->ops->tick && check_failed(s, i, l->ops->tick(l->self, now_ms)))
            break;
    }
    run(s);
    return failed(s) ? s->status : STRATA_OK;
}

int strata_stack_wants_tick(const strata_stack *s)
{
    for (size_t i = 0; i < s->n; i++)
        if (s->slots[i].layer.ops->tick)
            return 1;
    return 0;
}

strata_status strata_stack_app_shutdown(strata_stack *s)
{
    if (failed(s))
        return s->status;
    s->app_eof = 1;
    run(s);
    return failed(s) ? s->status : STRATA_OK;
}

const uint8_t *strata_stack_app_in(strata_stack *s, size_t *n, strata_status *st)
{
    *n = 0;
    *st = STRATA_OK;
    if (failed(s)) {
        /* Plaintext the innermost layer produced before the failure came
         * from records it accepted: the application gets it first, then the
         * error (a truncated stream delivers everything up to the cut). */
        const uint8_t *p = strata_buf_ptr(&s->up);
        *n = strata_buf_len(&s->up);
        if (*n == 0 && s->n > 0)
            p = s->slots[s->n - 1].layer.ops->recv_buf(s->slots[s->n - 1].layer.self, n);
        if (*n > 0)
            return p;
        *st = s->status;
        return NULL;
    }
    if (strata_buf_len(&s->up) > 0) {
        *n = strata_buf_len(&s->up);
        return strata_buf_ptr(&s->up);
    }
    if (s->n == 0) {
        if (s->wire_eof)
            *st = STRATA_CLOSED;
        return NULL;
    }
    const struct slot *sl = &s->slots[s->n - 1];
    const uint8_t *p = sl->layer.ops->recv_buf(sl->layer.self, n);
    if (*n > 0)
        return p;
    if (!s->popping && (lstate(sl) & STRATA_LAYER_READ_CLOSED) &&
        s->cfg.peer_close == STRATA_STACK_PEER_CLOSE_EOF)
        *st = STRATA_CLOSED;
    return NULL;
}

void strata_stack_app_ack(strata_stack *s, size_t n)
{
    n = ack_carry(&s->up, n);
    if (n > 0 && s->n > 0)
        s->slots[s->n - 1].layer.ops->recv_ack(s->slots[s->n - 1].layer.self, n);
    run(s);
}

void strata_stack_trim(strata_stack *s)
{
    strata_buf_release(&s->up);
    strata_buf_release(&s->down);
    for (size_t i = 0; i < s->n; i++) {
        strata_buf_release(&s->slots[i].in);
        if (s->slots[i].layer.ops->trim)
            s->slots[i].layer.ops->trim(s->slots[i].layer.self);
    }
}
