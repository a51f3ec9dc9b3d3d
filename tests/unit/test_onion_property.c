/* The onion property test with the test framing layer: random push/pop
 * sequences agreed in-band, data both ways between every step, over many
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

static void run_chunking(size_t chunk, unsigned seeds, unsigned steps)
{
    unsigned pushes = 0;
    for (unsigned seed = 1; seed <= seeds; seed++) {
        struct onion_property_config cfg = {
            .make = make_frame,
            .seed = seed * 7919,
            .steps = steps,
            .max_depth = 1 + seed % 16,
            .chunk = chunk,
            .max_echo = chunk == 1 ? 300 : 20000,
        };
        pushes += onion_property_run(&cfg);
    }
    assert_true(pushes >= seeds * steps / 3);
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_property_all_at_once),
        cmocka_unit_test(test_property_byte_at_a_time),
        cmocka_unit_test(test_property_random_splits),
        cmocka_unit_test(test_named_sequences),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
