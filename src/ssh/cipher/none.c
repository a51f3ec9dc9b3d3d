/* The "none" cipher (RFC 4253 §6.3): the state before the first NEWKEYS. */
#include <string.h>

#include "ssh/cipher/cipher.h"

static strata_status none_init(struct ssh_cipher *c, int encrypt, const uint8_t *key,
                               const uint8_t *iv, strata_error *err)
{
    (void)c, (void)encrypt, (void)key, (void)iv, (void)err;
    return STRATA_OK;
}

static strata_status none_crypt(struct ssh_cipher *c, uint8_t *out, const uint8_t *in, size_t n,
                                strata_error *err)
{
    (void)c, (void)err;
    if (out != in)
        memmove(out, in, n);
    return STRATA_OK;
}

const struct ssh_cipher_alg strata__ssh_cipher_none = {
    .name = "none",
    .block_len = 8,
    .legacy = 1,
    .stream = 1,
    .init = none_init,
    .crypt = none_crypt,
};
