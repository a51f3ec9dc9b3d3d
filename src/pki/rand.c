/* pki/rand: pyOpenSSL's rand module over OpenSSL 3's RAND API. */
#include <limits.h>
#include <openssl/rand.h>

#include "pki/pki_internal.h"

void strata_rand_add(const void *buf, size_t n, double entropy)
{
    while (n > 0) {
        int chunk = n > INT_MAX ? INT_MAX : (int)n;
        double e = entropy * ((double)chunk / (double)n);
        RAND_add(buf, chunk, e);
        buf = (const unsigned char *)buf + chunk;
        entropy -= e;
        n -= (size_t)chunk;
    }
}

void strata_rand_seed(const void *buf, size_t n)
{
    strata_rand_add(buf, n, (double)n);
}

int strata_rand_status(void)
{
    return RAND_status() == 1;
}

strata_status strata_rand_bytes(void *out, size_t n, strata_error *err)
{
    unsigned char *p = out;
    while (n > 0) {
        int chunk = n > INT_MAX ? INT_MAX : (int)n;
        if (RAND_bytes(p, chunk) != 1)
            return strata__pki_fail(err, STRATA_E_CRYPTO,
                                    "the random generator could not deliver %d bytes", chunk);
        p += chunk;
        n -= (size_t)chunk;
    }
    return STRATA_OK;
}

strata_status strata_rand_load_file(const char *path, long max_bytes, size_t *loaded,
                                    strata_error *err)
{
    *loaded = 0;
    if (!path)
        return strata__pki_fail_plain(err, STRATA_E_USAGE, "no file name");
    int n = RAND_load_file(path, max_bytes);
    if (n < 0 || (n == 0 && max_bytes != 0))
        return strata__pki_fail(err, STRATA_E_IO, "cannot load random bytes from %s", path);
    *loaded = (size_t)n;
    return STRATA_OK;
}

strata_status strata_rand_write_file(const char *path, size_t *written, strata_error *err)
{
    *written = 0;
    if (!path)
        return strata__pki_fail_plain(err, STRATA_E_USAGE, "no file name");
    int n = RAND_write_file(path); /* OpenSSL creates it mode 0600 */
    if (n <= 0)
        return strata__pki_fail(err, STRATA_E_IO, "cannot write random bytes to %s", path);
    *written = (size_t)n;
    return STRATA_OK;
}

strata_status strata_rand_egd(const char *path, int bytes, strata_error *err)
{
    (void)bytes;
    return strata__pki_fail_plain(err, STRATA_E_UNSUPPORTED,
                                  "rand egd(%.200s): the Entropy Gathering Daemon interface does "
                                  "not exist in OpenSSL 3 (the operating system seeds OpenSSL)",
                                  path ? path : "");
}

strata_status strata_rand_screen(strata_error *err)
{
    return strata__pki_fail_plain(err, STRATA_E_UNSUPPORTED,
                                  "rand screen(): Windows-only, and removed from OpenSSL 3; it "
                                  "does not exist on Linux");
}
