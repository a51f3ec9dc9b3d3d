/* Records where the library's SSL_write_ex calls take their bytes from, for
 * the tests linked with -Wl,--wrap=SSL_write_ex (tests/CMakeLists.txt). The
 * wrapper forwards to the real function. */
#ifndef STRATA_TEST_SSLW_WRAP_H
#define STRATA_TEST_SSLW_WRAP_H

#include <stddef.h>
#include <stdint.h>

struct sslw_watch {
    const uint8_t *lo, *hi; /* the caller's buffer being watched */
    unsigned calls;         /* SSL_write_ex calls since the watch began */
    unsigned inside;        /* ... whose bytes lie wholly in [lo, hi) */
    size_t inside_bytes;    /* their bytes */
};

extern struct sslw_watch sslw_watch;

#endif
