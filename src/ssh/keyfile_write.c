/* Writing OpenSSH private keys ("openssh-key-v1", layout in keyfile_openssh.c):
 * unencrypted, or aes256-ctr under bcrypt as ssh-keygen does by default. */
#include <string.h>
#include <openssl/rand.h>

#include "base/error_internal.h"
#include "strata/mem.h"
#include "ssh/bcrypt_pbkdf.h"
#include "ssh/keyfile.h"

#define SALT_LEN 16

static strata_status put_private_section(const strata_ssh_privkey *k, size_t block, strata_buf *sec,
                                         strata_error *err)
{
    uint32_t check;
    strata_status r;
    if (RAND_bytes((unsigned char *)&check, sizeof(check)) != 1)
        return strata__error_set_ossl(err, STRATA_E_CRYPTO, "RAND_bytes");
    if ((r = strata_buf_put_u32(sec, check)) != STRATA_OK ||
        (r = strata_buf_put_u32(sec, check)) != STRATA_OK ||
        (r = strata_buf_put_cstring(sec, k->type->name)) != STRATA_OK)
        return strata__error_set(err, r, "key does not fit");
    if ((r = k->type->put_priv(k->type, k->pkey, sec, err)) != STRATA_OK)
        return r;
    if ((r = strata_buf_put_cstring(sec, k->comment)) != STRATA_OK)
        return strata__error_set(err, r, "key does not fit");
    for (uint8_t i = 1; strata_buf_len(sec) % block != 0; i++)
        if ((r = strata_buf_put_u8(sec, i)) != STRATA_OK)
            return strata__error_set(err, r, "key does not fit");
    return STRATA_OK;
}

strata_status strata_ssh_privkey_write(const strata_ssh_privkey *k, const char *passphrase,
                                       unsigned rounds, strata_buf *out, strata_error *err)
{
    strata_error scratch;
    if (!err)
        err = &scratch;
    strata_error_clear(err);
    if (!k || !out)
        return strata__error_set(err, STRATA_E_USAGE, "no key or no output buffer");
    int encrypt = passphrase && *passphrase;
    const struct sshkf_cipher *c = strata__sshkf_cipher_by_name(encrypt ? "aes256-ctr" : "none");
    if (rounds == 0)
        rounds = STRATA_SSH_KEY_ROUNDS_DEFAULT;
    if (rounds > STRATA_SSH_KEY_ROUNDS_MAX)
        return strata__error_set(err, STRATA_E_LIMIT, "bcrypt KDF rounds %u exceed the limit of %u",
                                 rounds, STRATA_SSH_KEY_ROUNDS_MAX);

    strata_buf sec, enc, bin, kdfopts;
    uint8_t salt[SALT_LEN], kdf_out[64], *dst;
    size_t start = strata_buf_len(out);
    strata_status r;
    strata_buf_init(&sec, STRATA_SSH_KEY_FILE_MAX);
    strata_buf_init(&bin, STRATA_SSH_KEY_FILE_MAX);
    strata_buf_init(&enc, STRATA_SSH_KEY_FILE_MAX);
    strata_buf_set_secret(&enc);
    strata_buf_init(&kdfopts, 256);
    strata_buf_set_secret(&sec);
    strata_buf_set_secret(&bin);
    if ((r = put_private_section(k, c->block, &sec, err)) != STRATA_OK)
        goto out;
    if (encrypt) {
        if (RAND_bytes(salt, sizeof(salt)) != 1) {
            r = strata__error_set_ossl(err, STRATA_E_CRYPTO, "RAND_bytes");
            goto out;
        }
        if ((r = strata_buf_put_string(&kdfopts, salt, sizeof(salt))) != STRATA_OK ||
            (r = strata_buf_put_u32(&kdfopts, rounds)) != STRATA_OK)
            goto out;
        if ((r = strata__bcrypt_pbkdf((const uint8_t *)passphrase, strlen(passphrase), salt,
                                      sizeof(salt), rounds, kdf_out, c->key_len + c->iv_len)) !=
            STRATA_OK) {
            r = strata__error_set(err, r, "bcrypt KDF failed");
            goto out;
        }
        if ((r = strata_buf_reserve(&enc, strata_buf_len(&sec), &dst)) != STRATA_OK ||
            (r = strata__sshkf_crypt(c, 1, kdf_out, kdf_out + c->key_len, strata_buf_ptr(&sec),
                                     strata_buf_len(&sec), dst, NULL, err)) != STRATA_OK)
            goto out;
    } else if ((r = strata_buf_put(&enc, strata_buf_ptr(&sec), strata_buf_len(&sec))) !=
               STRATA_OK) {
        goto out;
    }
    if ((r = strata_buf_put(&bin, "openssh-key-v1", 15)) != STRATA_OK ||
        (r = strata_buf_put_cstring(&bin, c->name)) != STRATA_OK ||
        (r = strata_buf_put_cstring(&bin, encrypt ? "bcrypt" : "none")) != STRATA_OK ||
        (r = strata_buf_put_stringb(&bin, &kdfopts)) != STRATA_OK ||
        (r = strata_buf_put_u32(&bin, 1)) != STRATA_OK ||
        (r = strata_buf_put_string(&bin, k->blob, k->blob_len)) != STRATA_OK ||
        (r = strata_buf_put_stringb(&bin, &enc)) != STRATA_OK)
        goto out;
    static const char begin[] = "-----BEGIN OPENSSH PRIVATE KEY-----\n";
    static const char end[] = "\n-----END OPENSSH PRIVATE KEY-----\n";
    if ((r = strata_buf_put(out, begin, sizeof(begin) - 1)) != STRATA_OK ||
        (r = strata__sshkf_b64_encode(strata_buf_ptr(&bin), strata_buf_len(&bin), 70, out)) !=
            STRATA_OK ||
        (r = strata_buf_put(out, end, sizeof(end) - 1)) != STRATA_OK)
        goto out;
out:
    if (r != STRATA_OK) {
        if (err->status == STRATA_OK)
            strata__error_set(err, r, "key file does not fit");
        if (strata_buf_len(out) > start && strata_buf_consume_end(out, strata_buf_len(out) - start))
            r = STRATA_E_INTERNAL;
    }
    strata_memzero(kdf_out, sizeof(kdf_out));
    strata_buf_free(&sec);
    strata_buf_free(&bin);
    strata_buf_free(&enc);
    strata_buf_free(&kdfopts);
    return r;
}
