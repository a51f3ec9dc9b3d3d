/* The onion property test with the test framing layer: random push/pop
 * sequences agreed in-band, data both ways between every step, and a
 * closing sequence at the end (close during transfer, peer closes first,
 * both close at once; half_close on neither, one or both ends), over many
 * seeds and chunkings. (The TLS run of the same property is in
 * test_tls_onion.c.) */
#include <stdio.h>

#include "testutil.h"
#include "framelayer.h"
#include "onion_property.h"

static strata_layer make_frame(int client_role, unsigned key, void *user)
{
    (void)user;
    /* Greedy in one role, exact in the other, alternating with the key. */
    return framelayer_new((uint8_t)key, (key + (unsigned)client_role) & 1);
}

/* Every closing sequence came up, over more than one layer, and every
 * half_close setting. */
static void check_tally(const struct onion_close_tally *t)
{
    unsigned half[4] = {0};
    for (int q = 0; q < ONION_CLOSE_SEQUENCES; q++) {
        unsigned runs = 0;
        for (int h = 0; h < 4; h++) {
            runs += t->runs[q][h];
            half[h] += t->runs[q][h];
        }
        assert_true(runs > 0);
        assert_true(t->deep[q] > 0);
    }
    for (int h = 0; h < 4; h++)
        assert_true(half[h] > 0);
}

static void run_chunking(size_t chunk, unsigned seeds, unsigned steps)
{
    unsigned pushes = 0;
    struct onion_close_tally tally = {0};
    for (unsigned seed = 1; seed <= seeds; seed++) {
        struct onion_property_config cfg = {
            .make = make_frame,
            .seed = seed * 7919,
            .steps = steps,
            .max_depth = 1 + seed % 16,
            .chunk = chunk,
            .max_echo = chunk == 1 ? 300 : 20000,
            .tally = &tally,
        };
        pushes += onion_property_run(&cfg);
    }
    assert_true(pushes >= seeds * steps / 3);
    if (seeds >= 20)
        check_tally(&tally);
}

static void test_property_all_at_once(void **state)
{
    (void)state;
    run_chunking(0, 25, 20);
}

static void test_property_byte_at_a_time(void **state)
{
    (void)state;
    run_chunking(1, 6, 12);
}

static void test_property_random_splits(void **state)
{
    (void)state;
    run_chunking(SIZE_MAX, 25, 20);
}

/* The sequences the issue names, in order. */
static void test_named_sequences(void **state)
{
    (void)state;
    /* Depth limits force the shapes: max_depth 1 alternates push/pop. */
    struct onion_property_config cfg = {
        .make = make_frame, .seed = 3, .steps = 8, .max_depth = 1, .chunk = 0, .max_echo = 1000};
    assert_int_equal(onion_property_run(&cfg), 4); /* push pop push pop ... */
    cfg.max_depth = 16;
    cfg.steps = 40;
    assert_true(onion_property_run(&cfg) >= 16);
}

/* Each closing sequence with each half_close setting, named, over a few
 * layers, all at once and in random splits. */
static void test_closing_sequences(void **state)
{
    (void)state;
    for (int q = ONION_CLOSE_DURING_TRANSFER; q <= ONION_CLOSE_BOTH_AT_ONCE; q++)
        for (int h = ONION_HALF_NONE; h <= ONION_HALF_BOTH; h++)
            for (int c = 0; c < 2; c++) {
                struct onion_property_config cfg = {.make = make_frame,
                                                    .seed = (uint64_t)(100 * q + 10 * h + c),
                                                    .steps = 4,
                                                    .max_depth = 4,
                                                    .chunk = c ? SIZE_MAX : 0,
                                                    .max_echo = 6000,
                                                    .close = (enum onion_close)q,
                                                    .half_close = (enum onion_half_close)h};
                (void)onion_property_run(&cfg);
            }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_property_all_at_once),
        cmocka_unit_test(test_property_byte_at_a_time),
        cmocka_unit_test(test_property_random_splits),
        cmocka_unit_test(test_named_sequences),
        cmocka_unit_test(test_closing_sequences),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
