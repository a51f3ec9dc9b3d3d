/* Counts the library's calls of CRYPTO_memcmp and OPENSSL_cleanse, for the
 * tests linked with -Wl,--wrap=CRYPTO_memcmp -Wl,--wrap=OPENSSL_cleanse
 * (tests/CMakeLists.txt). Only calls from objects in the test's own link
 * (the static library among them) are counted; libcrypto's own are not. The
 * wrappers forward to the real functions, so behaviour is unchanged. */
#ifndef STRATA_TEST_CT_WRAP_H
#define STRATA_TEST_CT_WRAP_H

#include <stddef.h>

struct ct_calls {
    unsigned memcmp_calls; /* CRYPTO_memcmp calls so far */
    size_t memcmp_last_n;  /* the length of the last one */
    unsigned cleanse_calls;
    const void *cleanse_last_p;
    size_t cleanse_last_n;
};

extern struct ct_calls ct_calls;

#endif
