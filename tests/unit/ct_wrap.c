/* See ct_wrap.h. */
#include "ct_wrap.h"

struct ct_calls ct_calls;

int __real_CRYPTO_memcmp(const void *a, const void *b, size_t n);
void __real_OPENSSL_cleanse(void *p, size_t n);
int __wrap_CRYPTO_memcmp(const void *a, const void *b, size_t n);
void __wrap_OPENSSL_cleanse(void *p, size_t n);

int __wrap_CRYPTO_memcmp(const void *a, const void *b, size_t n)
{
    ct_calls.memcmp_calls++;
    ct_calls.memcmp_last_n = n;
    return __real_CRYPTO_memcmp(a, b, n);
}

void __wrap_OPENSSL_cleanse(void *p, size_t n)
{
    ct_calls.cleanse_calls++;
    ct_calls.cleanse_last_p = p;
    ct_calls.cleanse_last_n = n;
    __real_OPENSSL_cleanse(p, n);
}
