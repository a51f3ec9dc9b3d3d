/* Ciphers of OpenSSH private key files (PROTOCOL.key: the private section is
 * encrypted whole, with key and IV from the KDF; the AEAD ciphers append their
 * 16-byte tag after the encrypted string, with no additional data).
 *
 * chacha20-poly1305@openssh.com (OpenSSH PROTOCOL.chacha20poly1305) is used
 * here with sequence number 0 and no length field: the 64-byte key's first
 * half K_2 keys ChaCha20 (64-bit nonce = the sequence number, 64-bit block
 * counter); block 0's first 32 bytes are the Poly1305 key, the data is
 * encrypted from block 1, and the tag is Poly1305 over the ciphertext.
 * OpenSSL's ChaCha20 takes a 16-byte IV = 32-bit LE counter || 96-bit nonce,
 * the same state words as counter (64-bit LE) || nonce (64-bit) while the
 * counter stays below 2^32. */
#include <limits.h>
#include <string.h>
#include <openssl/evp.h>

#include "base/error_internal.h"
#include "strata/mem.h"
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
    {"chacha20-poly1305@openssh.com", NULL, 64, 0, 8, 16},
};

#define POLY1305_KEY_LEN 32
#define POLY1305_TAG_LEN 16

/* ChaCha20 keystream XOR with the 64-bit block counter ctr and nonce 0. */
static int chacha20(const uint8_t key[32], uint32_t ctr, const uint8_t *in, size_t n, uint8_t *out)
{
    uint8_t iv[16] = {0};
    int outl = 0, ok;
    iv[0] = (uint8_t)ctr;
    iv[1] = (uint8_t)(ctr >> 8);
    iv[2] = (uint8_t)(ctr >> 16);
    iv[3] = (uint8_t)(ctr >> 24);
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
    ok = ctx && n <= INT_MAX && EVP_EncryptInit_ex2(ctx, EVP_chacha20(), key, iv, NULL) &&
         EVP_EncryptUpdate(ctx, out, &outl, in, (int)n) && (size_t)outl == n;
    EVP_CIPHER_CTX_free(ctx);
    return ok;
}

static int poly1305(const uint8_t key[POLY1305_KEY_LEN], const uint8_t *in, size_t n,
                    uint8_t tag[POLY1305_TAG_LEN])
{
    EVP_MAC *mac = EVP_MAC_fetch(NULL, "POLY1305", NULL);
    EVP_MAC_CTX *ctx = mac ? EVP_MAC_CTX_new(mac) : NULL;
    size_t outl = 0;
    int ok = ctx && EVP_MAC_init(ctx, key, POLY1305_KEY_LEN, NULL) && EVP_MAC_update(ctx, in, n) &&
             EVP_MAC_final(ctx, tag, &outl, POLY1305_TAG_LEN) && outl == POLY1305_TAG_LEN;
    EVP_MAC_CTX_free(ctx);
    EVP_MAC_free(mac);
    return ok;
}

static strata_status chachapoly_crypt(int enc, const uint8_t *key, const uint8_t *in, size_t n,
                                      uint8_t *out, uint8_t *tag, strata_error *err)
{
    static const uint8_t zeros[POLY1305_KEY_LEN] = {0};
    uint8_t polykey[POLY1305_KEY_LEN], want[POLY1305_TAG_LEN];
    strata_status r = STRATA_OK;
    if (!chacha20(key, 0, zeros, sizeof(zeros), polykey)) {
        r = strata__error_set_ossl(err, STRATA_E_CRYPTO, "chacha20-poly1305 key setup failed");
        goto out;
    }
    if (!enc) {
        if (!poly1305(polykey, in, n, want)) {
            r = strata__error_set_ossl(err, STRATA_E_CRYPTO, "poly1305 failed");
            goto out;
        }
        if (!strata_ct_equal(want, tag, POLY1305_TAG_LEN)) {
            r = strata__error_set(err, STRATA_E_PASSPHRASE,
                                  "incorrect passphrase supplied to decrypt private key");
            goto out;
        }
    }
    if (!chacha20(key, 1, in, n, out) || (enc && !poly1305(polykey, out, n, tag)))
        r = strata__error_set_ossl(err, STRATA_E_CRYPTO, "chacha20-poly1305 failed");
out:
    strata_memzero(polykey, sizeof(polykey));
    return r;
}

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
    if (c->key_len == 0) {
        if (n)
            memmove(out, in, n);
        return STRATA_OK;
    }
    if (!c->evp)
        return chachapoly_crypt(enc, key, in, n, out, tag, err);
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
