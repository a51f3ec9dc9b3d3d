/* Two app endpoints joined back to back: what one connection's stack hands
 * its application goes into the other connection's stack, and back. This is
 * how `strata listen --forward` relays between the layers it terminates and
 * the connection it opens (as stunnel does), and how a stream can be bound
 * to another stream in one process.
 *
 * Each direction has one bounded buffer. The pair is shared by its two
 * halves and freed when both are closed. A half whose partner closed before
 * ending its output reports an error, so a failed forward connection ends the
 * accepted one instead of leaving it waiting.
 */
#include <stdlib.h>
#include <string.h>

#include "io/io_internal.h"
#include "strata/buf.h"
#include "base/error_internal.h"

#define PAIR_BUF (256u * 1024u)

struct pair;
struct half {
    struct pair *p;
    int side;
    strata_io_conn *conn; /* while started and not closed */
    int closed;
    int eof;           /* this half's out_eof: nothing more toward the partner */
    strata_buf to;     /* bytes from this half's stack for the partner's */
    strata_error *err; /* made on the first error (strata__io_half_err) */
};

struct pair {
    struct half h[2];
    int refs;
};

static struct half *partner(struct half *h)
{
    return &h->p->h[1 - h->side];
}

static void kick_partner(struct half *h)
{
    struct half *o = partner(h);
    if (o->conn)
        strata_io_conn_kick(o->conn);
}

static strata_status pair_start(void *self, strata_io_conn *c)
{
    struct half *h = self;
    h->conn = c;
    return STRATA_OK;
}

static const uint8_t *pair_in(void *self, size_t *n, strata_status *st)
{
    struct half *h = self, *o = partner(h);
    *n = strata_buf_len(&o->to);
    *st = STRATA_OK;
    if (*n > 0)
        return strata_buf_ptr(&o->to);
    if (o->eof)
        *st = STRATA_CLOSED;
    else if (o->closed)
        *st = strata__error_set(strata__io_half_err(&h->err), STRATA_E_IO,
                                "the %s connection ended before its data did",
                                h->side == 0 ? "forwarded" : "accepted");
    return NULL;
}

static void pair_in_ack(void *self, size_t n)
{
    struct half *h = self, *o = partner(h);
    size_t have = strata_buf_len(&o->to), k = n < have ? n : have;
    strata_status r = strata_buf_consume(&o->to, k);
    (void)r; /* bounded above: cannot fail */
    /* Only a real change wakes the partner: the pump acknowledges 0 bytes
     * when its stack is full, and two halves kicking each other for nothing
     * would spin forever. */
    if (k > 0)
        kick_partner(h); /* room for it, or its output is now delivered */
}

static strata_status pair_out(void *self, const uint8_t *p, size_t n, size_t *used)
{
    struct half *h = self, *o = partner(h);
    *used = 0;
    if (o->closed)
        return strata__error_set(strata__io_half_err(&h->err), STRATA_E_IO,
                                 "the %s connection is closed",
                                 h->side == 0 ? "forwarded" : "accepted");
    size_t have = strata_buf_len(&h->to);
    size_t room = have < PAIR_BUF ? PAIR_BUF - have : 0;
    size_t k = n < room ? n : room;
    strata_status r = strata_buf_put(&h->to, p, k);
    if (r != STRATA_OK)
        return strata__error_set(strata__io_half_err(&h->err), r, "relay buffer");
    *used = k;
    if (k)
        kick_partner(h);
    return STRATA_OK;
}

static strata_status pair_out_eof(void *self)
{
    struct half *h = self;
    if (h->eof)
        return STRATA_OK;
    h->eof = 1;
    kick_partner(h);
    return STRATA_OK;
}

static int pair_out_done(const void *self)
{
    const struct half *h = self;
    const struct half *o = &h->p->h[1 - h->side];
    return h->eof && (strata_buf_len(&h->to) == 0 || o->closed);
}

static const strata_error *pair_error(const void *self)
{
    return strata__io_half_error(((const struct half *)self)->err);
}

static void pair_close(void *self, void (*done)(void *arg), void *arg)
{
    struct half *h = self;
    struct pair *p = h->p;
    strata_io_conn *other = partner(h)->closed ? NULL : partner(h)->conn;
    h->closed = 1;
    h->conn = NULL;
    /* h->to stays until the partner closes too: bytes this half's stack
     * handed on before it ended (also by a failure) are still the
     * partner's to deliver, then pair_in reports the end. */
    if (--p->refs == 0) {
        strata_buf_free(&p->h[0].to);
        strata_buf_free(&p->h[1].to);
        free(p->h[0].err);
        free(p->h[1].err);
        free(p);
    } else if (other)
        strata_io_conn_kick(other); /* may close the partner (and free p): p is not used after */
    done(arg);
}

static const struct strata_io_app_ops pair_ops;

void strata__io_pair_trim(strata_io_app app)
{
    if (app.ops != &pair_ops)
        return;
    struct half *h = app.self;
    strata_buf_release(&h->to); /* only when empty */
}

static const struct strata_io_app_ops pair_ops = {
    .name = "relay",
    .start = pair_start,
    .in = pair_in,
    .in_ack = pair_in_ack,
    .out = pair_out,
    .out_eof = pair_out_eof,
    .out_done = pair_out_done,
    .error = pair_error,
    .close = pair_close,
};

strata_status strata_io_app_pair_new(strata_io_app *a, strata_io_app *b)
{
    *a = (strata_io_app){NULL, NULL};
    *b = (strata_io_app){NULL, NULL};
    struct pair *p = calloc(1, sizeof(*p));
    if (!p)
        return STRATA_E_NOMEM;
    p->refs = 2;
    for (int i = 0; i < 2; i++) {
        p->h[i].p = p;
        p->h[i].side = i;
        strata_buf_init(&p->h[i].to, PAIR_BUF);
    }
    *a = (strata_io_app){&pair_ops, &p->h[0]};
    *b = (strata_io_app){&pair_ops, &p->h[1]};
    return STRATA_OK;
}
