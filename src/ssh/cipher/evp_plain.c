/* Unauthenticated EVP ciphers: aes*-ctr (RFC 4344 §4), aes*-cbc and 3des-cbc
 * (RFC 4253 §6.3). The families differ only in their OpenSSL name and sizes:
 * the counter or CBC chain runs across packets, so one context per key does
 * the whole direction and the packet layer adds the MAC. */
#include "base/error_internal.h"
#include "ssh/cipher/cipher.h"

static strata_status plain_init(struct ssh_cipher *c, int encrypt, const uint8_t *key,
                                const uint8_t *iv, strata_error *err)
{
    (void)encrypt;
    return strata__ssh_cipher_evp_ctx(c, &c->ctx, c->alg->evp, key, iv, err);
}

static strata_status plain_crypt(struct ssh_cipher *c, uint8_t *out, const uint8_t *in, size_t n,
                                 strata_error *err)
{
    if (!strata__ssh_evp_update(c->ctx, out, in, n))
        return strata__error_set_ossl(err, STRATA_E_CRYPTO, "%s failed on %zu bytes", c->alg->name,
                                      n);
    return STRATA_OK;
}

#define PLAIN_ROW(sym, ssh, ossl, klen, ivlen, blen, leg, strm)                                    \
    const struct ssh_cipher_alg sym = {.name = ssh,                                                \
                                       .evp = ossl,                                                \
                                       .key_len = klen,                                            \
                                       .iv_len = ivlen,                                            \
                                       .block_len = blen,                                          \
                                       .legacy = leg,                                              \
                                       .stream = strm,                                             \
                                       .init = plain_init,                                         \
                                       .crypt = plain_crypt}

PLAIN_ROW(strata__ssh_cipher_aes128_ctr, "aes128-ctr", "AES-128-CTR", 16, 16, 16, 0, 1);
PLAIN_ROW(strata__ssh_cipher_aes192_ctr, "aes192-ctr", "AES-192-CTR", 24, 16, 16, 0, 1);
PLAIN_ROW(strata__ssh_cipher_aes256_ctr, "aes256-ctr", "AES-256-CTR", 32, 16, 16, 0, 1);
PLAIN_ROW(strata__ssh_cipher_aes128_cbc, "aes128-cbc", "AES-128-CBC", 16, 16, 16, 1, 0);
PLAIN_ROW(strata__ssh_cipher_aes192_cbc, "aes192-cbc", "AES-192-CBC", 24, 16, 16, 1, 0);
PLAIN_ROW(strata__ssh_cipher_aes256_cbc, "aes256-cbc", "AES-256-CBC", 32, 16, 16, 1, 0);
PLAIN_ROW(strata__ssh_cipher_3des_cbc, "3des-cbc", "DES-EDE3-CBC", 24, 8, 8, 1, 0);
