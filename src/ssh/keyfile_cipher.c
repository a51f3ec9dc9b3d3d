/* Ciphers of OpenSSH private key files (PROTOCOL.key: the private section is
 * encrypted whole, with key and IV from the KDF; AES-GCM appends its 16-byte
 * tag after the encrypted string, with no additional data). */
#include <limits.h>
#include <string.h>
#include <openssl/evp.h>

#include "base/error_internal.h"
#include "ssh/keyfile.h"

static const struct sshkf_cipher sshkf_ciphers[] = {
    {"none", NULL, 0, 0, 8, 0},
    {"aes128-ctr", EVP_aes_128_ctr, 16, 16, 16, 0},
    {"aes192-ctr", EVP_aes_192_ctr, 24, 16, 16, 0},
    {"aes256-ctr", EVP_aes_256_ctr, 32, 16, 16, 0},
    {"aes128-cbc", EVP_aes_128_cbc, 16, 16, 16, 0},
    {"aes192-cbc", EVP_aes_192_cbc, 24, 16, 16, 0},
    {"aes256-cbc", EVP_aes_256_cbc, 32, 16, 16, 0},
    {"aes128-gcm@openssh.com", EVP_aes_128_gcm, 16, 12, 16, 16},
    {"aes256-gcm@openssh.com", EVP_aes_256_gcm, 32, 12, 16, 16},
};

const struct sshkf_cipher *strata__sshkf_cipher_by_name(const char *name)
{
    for (size_t i = 0; i < sizeof(sshkf_ciphers) / sizeof(sshkf_ciphers[0]); i++)
        if (strcmp(sshkf_ciphers[i].name, name) == 0)
            return &sshkf_ciphers[i];
    return NULL;
}

strata_status strata__sshkf_crypt(const struct sshkf_cipher *c, int enc, const uint8_t *key,
                                  const uint8_t *iv, const uint8_t *in, size_t n, uint8_t *out,
                                  uint8_t *tag, strata_error *err)
{
    if (!c->evp) {
        if (n)
            memmove(out, in, n);
        return STRATA_OK;
    }
    if (n % c->block != 0 || n > INT_MAX)
        return strata__error_set(err, STRATA_E_INTERNAL, "bad length for %s", c->name);
    strata_status r = STRATA_E_CRYPTO;
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
    int outl = 0, finl = 0;
    if (!ctx || !EVP_CipherInit_ex2(ctx, c->evp(), key, iv, enc, NULL) ||
        !EVP_CIPHER_CTX_set_padding(ctx, 0)) {
        r = strata__error_set_ossl(err, STRATA_E_CRYPTO, "cannot start %s", c->name);
        goto out;
    }
    if (c->tag_len && !enc &&
        EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG, (int)c->tag_len, tag) <= 0) {
        r = strata__error_set_ossl(err, STRATA_E_CRYPTO, "cannot set the %s tag", c->name);
        goto out;
    }
    if (!EVP_CipherUpdate(ctx, out, &outl, in, (int)n)) {
        r = strata__error_set_ossl(err, STRATA_E_CRYPTO, "%s failed", c->name);
        goto out;
    }
    if (!EVP_CipherFinal_ex(ctx, out + outl, &finl)) {
        /* Only an AEAD tag can fail here: the key, hence the passphrase, is wrong. */
        strata__ossl_clear();
        r = strata__error_set(err, STRATA_E_PASSPHRASE,
                              "incorrect passphrase supplied to decrypt private key");
        goto out;
    }
    if (c->tag_len && enc &&
        EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_GET_TAG, (int)c->tag_len, tag) <= 0) {
        r = strata__error_set_ossl(err, STRATA_E_CRYPTO, "cannot get the %s tag", c->name);
        goto out;
    }
    r = STRATA_OK;
out:
    EVP_CIPHER_CTX_free(ctx);
    return r;
}
