/* Shared helpers for the cmocka unit tests. */
#ifndef STRATA_TESTUTIL_H
#define STRATA_TESTUTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "strata/strata.h"

/* Asserts a status, printing both names on failure. */
#define assert_status(expr, want)                                                                  \
    do {                                                                                           \
        strata_status got_ = (expr);                                                               \
        if (got_ != (want))                                                                        \
            fail_msg("%s: got %s, want %s", #expr, strata_status_name(got_),                       \
                     strata_status_name(want));                                                    \
    } while (0)
#define assert_ok(expr) assert_status(expr, STRATA_OK)

/* A deterministic PRNG for tests (xorshift64*). */
uint64_t tu_rand(uint64_t *state);
void tu_fill(uint8_t *p, size_t n, uint64_t seed);
/* Hex to bytes (at most cap; fails the test on bad hex or overflow); the count. */
size_t tu_unhex(const char *hex, uint8_t *out, size_t cap);

#endif
