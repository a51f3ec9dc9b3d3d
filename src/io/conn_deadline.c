/* A connection's time limits (strata_io_conn_set_timeouts): the handshake
 * deadline (every layer up by then), the idle limit (no byte moved either
 * way) and the linger after our close (the peer silent since the
 * application's input ended). One timer serves all three: after each pump
 * that moved bytes it is set for the nearest limit, and when it fires the
 * limit that passed ends the connection with STRATA_E_TIMEOUT. */
#include <stdio.h>

#include "io/conn_internal.h"

static int all_up(strata_io_conn *c, size_t *first_down)
{
    strata_stack *st = c->stack;
    for (size_t i = 0; i < strata_stack_depth(st); i++) {
        const strata_layer *l = strata_stack_layer(st, i);
        if (!(l->ops->state(l->self) & STRATA_LAYER_UP)) {
            *first_down = i;
            return 0;
        }
    }
    return 1;
}

static double secs(uint64_t ms)
{
    return (double)ms / 1000.0;
}

static void on_deadline(uv_timer_t *t)
{
    strata_io_conn *c = t->data;
    uint64_t now = uv_now(&c->io->loop);
    size_t down = 0;
    if (c->state == STRATA__IO_CONN_CLOSING)
        return;
    if (c->hs_due && now >= c->hs_due) {
        c->hs_due = 0;
        if (c->state != STRATA__IO_CONN_UP) {
            strata__io_conn_fail(c, STRATA_E_TIMEOUT, "connecting to %s: timed out after %g s",
                                 c->target, secs(c->timeouts_hs));
            return;
        }
        if (!all_up(c, &down)) {
            const strata_layer *l = strata_stack_layer(c->stack, down);
            strata__io_conn_fail(c, STRATA_E_TIMEOUT,
                                 "%s: layer %zu '%s': handshake not done after %g s", c->peer,
                                 down + 1, l->ops->name, secs(c->timeouts_hs));
            return;
        }
    }
    if (c->state == STRATA__IO_CONN_UP) {
        uint64_t quiet = now - c->last_moved;
        if (c->app_shut_sent && c->linger_ms && quiet >= c->linger_ms) {
            strata__io_conn_fail(c, STRATA_E_TIMEOUT,
                                 "%s: the peer did not close within %g s after our close", c->peer,
                                 secs(c->linger_ms));
            return;
        }
        if (c->idle_ms && quiet >= c->idle_ms) {
            strata__io_conn_fail(c, STRATA_E_TIMEOUT, "%s: idle for %g s", c->peer,
                                 secs(c->idle_ms));
            return;
        }
    }
    strata__io_conn_deadline_arm(c);
}

void strata__io_conn_deadline_arm(strata_io_conn *c)
{
    uint64_t now = uv_now(&c->io->loop), due = 0;
    c->last_moved = now;
    if (c->hs_due) {
        size_t down;
        if (c->state == STRATA__IO_CONN_UP && all_up(c, &down))
            c->hs_due = 0; /* met */
        else
            due = c->hs_due;
    }
    uint64_t quiet = c->idle_ms;
    if (c->app_shut_sent && c->linger_ms && (!quiet || c->linger_ms < quiet))
        quiet = c->linger_ms;
    if (quiet && (!due || now + quiet < due))
        due = now + quiet;
    if (!due) {
        uv_timer_stop(&c->deadline);
        return;
    }
    (void)uv_timer_start(&c->deadline, on_deadline, due > now ? due - now : 0, 0);
}

strata_status strata_io_conn_set_timeouts(strata_io_conn *c, const strata_io_timeouts *t)
{
    if (!c || !t)
        return STRATA_E_USAGE;
    if (c->state == STRATA__IO_CONN_CLOSING)
        return STRATA_E_STATE;
    if (!c->deadline_open) {
        if (uv_timer_init(&c->io->loop, &c->deadline) != 0)
            return STRATA_E_IO;
        c->deadline.data = c;
        c->deadline_open = 1;
    }
    uint64_t now = uv_now(&c->io->loop);
    c->timeouts_hs = t->handshake_ms;
    c->hs_due = t->handshake_ms ? now + t->handshake_ms : 0;
    c->idle_ms = t->idle_ms;
    c->linger_ms = t->linger_ms;
    strata__io_conn_deadline_arm(c);
    return STRATA_OK;
}
