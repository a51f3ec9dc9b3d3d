/* See sslw_wrap.h. */
#include <openssl/ssl.h>

#include "sslw_wrap.h"

struct sslw_watch sslw_watch;

int __real_SSL_write_ex(SSL *s, const void *buf, size_t num, size_t *written);
int __wrap_SSL_write_ex(SSL *s, const void *buf, size_t num, size_t *written);

int __wrap_SSL_write_ex(SSL *s, const void *buf, size_t num, size_t *written)
{
    const uint8_t *p = buf;
    sslw_watch.calls++;
    if (sslw_watch.lo && p >= sslw_watch.lo && p + num <= sslw_watch.hi) {
        sslw_watch.inside++;
        sslw_watch.inside_bytes += num;
    }
    return __real_SSL_write_ex(s, buf, num, written);
}
