/* io: repeating timers (strata_io_every) on the loop's clock - the clock the
 * CLI hands to engines (keepalives in `strata ssh -o ServerAliveInterval`). */
#include <string.h>

#include "testutil.h"

struct ticks {
    strata_io *io;
    strata_io_timer *timer;
    strata_io_listener *listener; /* keeps the run going */
    int n, stop_at;
    uint64_t at[8];
};

static void on_tick(void *arg)
{
    struct ticks *t = arg;
    assert_true(t->n < (int)(sizeof(t->at) / sizeof(t->at[0])));
    t->at[t->n++] = strata_io_now(t->io);
    if (t->n == t->stop_at) {
        strata_io_timer_stop(t->timer);
        t->timer = NULL;
        strata_io_listener_close(t->listener);
        t->listener = NULL;
    }
}

static strata_status never_accept(void *user, strata_io_listener *l, strata_io_conn *c)
{
    (void)user;
    (void)l;
    (void)c;
    fail_msg("nothing connects in this test");
    return STRATA_E_STATE;
}

static void test_every_ticks_until_stopped(void **state)
{
    (void)state;
    struct ticks t;
    memset(&t, 0, sizeof(t));
    t.stop_at = 4;
    assert_ok(strata_io_new(&t.io));
    strata_io_listener_config cfg = {never_accept, NULL, NULL, NULL, 0};
    strata_error err;
    assert_ok(strata_io_listen(t.io, "127.0.0.1", 0, &cfg, &t.listener, &err));
    assert_ok(strata_io_every(t.io, 50, on_tick, &t, &t.timer));
    assert_non_null(t.timer);
    uint64_t t0 = strata_io_now(t.io);
    assert_ok(strata_io_run(t.io));
    /* Stopped inside its 4th call: never called again. */
    assert_int_equal(t.n, 4);
    uint64_t prev = t0;
    for (int i = 0; i < 4; i++) {
        uint64_t gap = t.at[i] - prev;
        if (gap < 50 || gap > 1050)
            fail_msg("tick %d came %llu ms after the previous one, want 50 ms", i,
                     (unsigned long long)gap);
        prev = t.at[i];
    }
    strata_io_free(t.io);
}

static int alone_ticks;
static void count_tick(void *arg)
{
    (void)arg;
    alone_ticks++;
}

static void test_timer_alone_does_not_keep_the_run(void **state)
{
    (void)state;
    strata_io *io;
    strata_io_timer *tm;
    assert_ok(strata_io_new(&io));
    assert_ok(strata_io_every(io, 10, count_tick, NULL, &tm));
    uint64_t t0 = strata_io_now(io);
    assert_ok(strata_io_run(io)); /* returns at once: nothing else lives */
    assert_true(strata_io_now(io) - t0 < 10);
    assert_int_equal(alone_ticks, 0);
    /* Left running: strata_io_free stops and frees it (no leak under ASan). */
    strata_io_free(io);
    assert_int_equal(alone_ticks, 0);
}

static void test_every_bad_arguments(void **state)
{
    (void)state;
    strata_io *io;
    strata_io_timer *tm = (strata_io_timer *)&tm;
    assert_ok(strata_io_new(&io));
    assert_status(strata_io_every(io, 0, count_tick, NULL, &tm), STRATA_E_USAGE);
    assert_null(tm);
    tm = (strata_io_timer *)&tm;
    assert_status(strata_io_every(io, 10, NULL, NULL, &tm), STRATA_E_USAGE);
    assert_null(tm);
    strata_io_timer_stop(NULL); /* allowed */
    strata_io_free(io);
}

static int deferred_runs;
static void deferred(void *arg)
{
    int *order = arg;
    *order = ++deferred_runs;
}

/* A deferred call runs once, after the call that asked for it returned, and
 * keeps strata_io_run going until it has run; freeing the driver first drops
 * it. */
static void test_defer_runs_once(void **state)
{
    (void)state;
    strata_io *io;
    int first = 0, second = 0;
    deferred_runs = 0;
    assert_ok(strata_io_new(&io));
    assert_ok(strata_io_defer(io, deferred, &first));
    assert_ok(strata_io_defer(io, deferred, &second));
    assert_int_equal(deferred_runs, 0); /* not from within the call */
    assert_ok(strata_io_run(io));
    assert_int_equal(deferred_runs, 2);
    assert_int_equal(first, 1);
    assert_int_equal(second, 2);
    assert_ok(strata_io_run(io)); /* once only */
    assert_int_equal(deferred_runs, 2);
    assert_ok(strata_io_defer(io, deferred, &first));
    strata_io_free(io); /* dropped, not run, not leaked */
    assert_int_equal(deferred_runs, 2);
    assert_ok(strata_io_new(&io));
    assert_status(strata_io_defer(io, NULL, NULL), STRATA_E_USAGE);
    strata_io_free(io);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_ticks_until_stopped),
        cmocka_unit_test(test_timer_alone_does_not_keep_the_run),
        cmocka_unit_test(test_every_bad_arguments),
        cmocka_unit_test(test_defer_runs_once),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
