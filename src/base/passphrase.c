/* Getting a passphrase from its source (see strata/passphrase.h): the one
 * place a fixed string or a callback becomes bytes, for pki and SSH alike. */
#include <string.h>

#include "strata/mem.h"
#include "strata/passphrase.h"

int strata_passphrase_get(const strata_passphrase *pw, int verify, char *buf, size_t cap)
{
    if (!pw || !buf)
        return -1;
    if (pw->pass) {
        if (pw->len > cap || pw->len > (size_t)STRATA_PASSPHRASE_MAX)
            return -1;
        memcpy(buf, pw->pass, pw->len);
        return (int)pw->len;
    }
    if (!pw->fn)
        return -1;
    int n = pw->fn(buf, cap, verify ? 1 : 0, pw->user);
    if (n < 0 || (size_t)n > cap) {
        strata_memzero(buf, cap);
        return -1;
    }
    return n;
}
