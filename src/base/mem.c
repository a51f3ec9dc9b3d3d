/* Secure memory helpers on OpenSSL's. */
#include <stdlib.h>
#include <openssl/crypto.h>

#include "strata/mem.h"

void strata_memzero(void *p, size_t n)
{
    if (p && n)
        OPENSSL_cleanse(p, n);
}

int strata_ct_equal(const void *a, const void *b, size_t n)
{
    return CRYPTO_memcmp(a, b, n) == 0;
}

void strata_free_secret(void *p, size_t n)
{
    if (!p)
        return;
    OPENSSL_cleanse(p, n);
    free(p);
}
