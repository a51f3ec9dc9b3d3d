/* pki/passphrase: the bridge from a strata_passphrase (a fixed string or
 * pyOpenSSL's callback(maxlen, verify, userdata); strata_passphrase_get in
 * src/base gets it) to OpenSSL's pem_password_cb. It records whether OpenSSL asked at all, which
 * tells a wrong passphrase apart from input that was not encrypted. */
#include <string.h>

#include "pki/pki_internal.h"
#include "strata/mem.h"

int strata__pw_cb(char *buf, int size, int rwflag, void *u)
{
    struct strata__pw *s = u;
    s->called = 1;
    if (!s->pw || size <= 0) {
        s->gave_none = 1;
        return -1;
    }
    size_t cap = (size_t)size;
    if (cap > STRATA_PASSPHRASE_MAX)
        cap = STRATA_PASSPHRASE_MAX;
    if (!s->pw->pass && !s->pw->fn) {
        s->gave_none = 1;
        return -1;
    }
    int n = strata_passphrase_get(s->pw, rwflag, buf, cap);
    if (n < 0 && !s->pw->pass)
        s->gave_none = 1; /* the callback gave up */
    return n;
}
