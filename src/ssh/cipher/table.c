/* The SSH cipher table (STYLE §8): one row per cipher, rows defined by the
 * family files of this folder. Also the shared EVP context helper. */
#include <string.h>
#include <openssl/evp.h>

#include "base/error_internal.h"
#include "ssh/cipher/cipher.h"
#include "ssh/packet.h"
#include "strata/mem.h"

static const struct ssh_cipher_alg *const ciphers[] = {
    &strata__ssh_cipher_chachapoly, &strata__ssh_cipher_aes128_gcm, &strata__ssh_cipher_aes256_gcm,
    &strata__ssh_cipher_aes128_ctr, &strata__ssh_cipher_aes192_ctr, &strata__ssh_cipher_aes256_ctr,
    &strata__ssh_cipher_aes128_cbc, &strata__ssh_cipher_aes192_cbc, &strata__ssh_cipher_aes256_cbc,
    &strata__ssh_cipher_3des_cbc,   &strata__ssh_cipher_none,
};

const struct ssh_cipher_alg *strata__ssh_cipher_find(const char *name)
{
    if (!name)
        return NULL;
    for (size_t i = 0; i < sizeof(ciphers) / sizeof(ciphers[0]); i++)
        if (strcmp(ciphers[i]->name, name) == 0)
            return ciphers[i];
    return NULL;
}

int strata__ssh_cipher_is_aead(const char *cipher)
{
    const struct ssh_cipher_alg *a = strata__ssh_cipher_find(cipher);
    return a && a->tag_len > 0;
}

/* The lists name the rows above, in preference order ("none" is never offered). */
const char *strata__ssh_ciphers_default(void)
{
    return "chacha20-poly1305@openssh.com,aes128-gcm@openssh.com,aes256-gcm@openssh.com,"
           "aes128-ctr,aes192-ctr,aes256-ctr";
}

const char *strata__ssh_ciphers_supported(void)
{
    return "chacha20-poly1305@openssh.com,aes128-gcm@openssh.com,aes256-gcm@openssh.com,"
           "aes128-ctr,aes192-ctr,aes256-ctr,aes128-cbc,aes192-cbc,aes256-cbc,3des-cbc";
}

strata_status strata__ssh_cipher_init(struct ssh_cipher *c, const struct ssh_cipher_alg *alg,
                                      int encrypt, const uint8_t *key, const uint8_t *iv,
                                      strata_error *err)
{
    memset(c, 0, sizeof(*c));
    c->alg = alg;
    c->encrypt = encrypt;
    strata_status r = alg->init(c, encrypt, key, iv, err);
    if (r != STRATA_OK)
        strata__ssh_cipher_free(c);
    return r;
}

void strata__ssh_cipher_free(struct ssh_cipher *c)
{
    EVP_CIPHER_CTX_free(c->ctx);
    EVP_CIPHER_CTX_free(c->hdr);
    EVP_MAC_CTX_free(c->mac_ctx);
    EVP_MAC_free(c->mac);
    EVP_CIPHER_free(c->evp);
    strata_memzero(c, sizeof(*c));
}

strata_status strata__ssh_cipher_evp_ctx(struct ssh_cipher *c, EVP_CIPHER_CTX **ctx,
                                         const char *evp, const uint8_t *key, const uint8_t *iv,
                                         strata_error *err)
{
    if (!c->evp && !(c->evp = EVP_CIPHER_fetch(NULL, evp, NULL)))
        return strata__error_set_ossl(err, STRATA_E_UNSUPPORTED,
                                      "OpenSSL does not provide the cipher %s (for %s)", evp,
                                      c->alg->name);
    if (!(*ctx = EVP_CIPHER_CTX_new()))
        return strata__error_set_ossl(err, STRATA_E_NOMEM, "cannot allocate a cipher context");
    if (!EVP_CipherInit_ex2(*ctx, c->evp, key, iv, c->encrypt, NULL) ||
        !EVP_CIPHER_CTX_set_padding(*ctx, 0))
        return strata__error_set_ossl(err, STRATA_E_CRYPTO, "cannot key %s for %s", evp,
                                      c->alg->name);
    return STRATA_OK;
}
