/* ssh-ed25519 keys and signatures (RFC 8709).
 * Public key: string key (32 bytes). Signature: string sig (64 bytes). */
#include <openssl/evp.h>

#include "base/error_internal.h"
#include "ssh/sshkey_internal.h"

enum { ED25519_PUB = 32, ED25519_SIG = 64 };

static strata_status ed_read(const struct ssh_keytype *t, strata_buf *b, EVP_PKEY **out,
                             strata_error *err)
{
    (void)t;
    *out = NULL;
    const uint8_t *p;
    size_t n;
    strata_status st = strata_buf_get_string(b, &p, &n);
    if (st != STRATA_OK)
        return strata__error_set(err, st, "ssh-ed25519 key blob is truncated");
    if (n != ED25519_PUB)
        return strata__error_set(err, STRATA_E_FORMAT,
                                 "ssh-ed25519 public key is %zu bytes, not 32", n);
    EVP_PKEY *pk = EVP_PKEY_new_raw_public_key_ex(NULL, "ED25519", NULL, p, n);
    if (!pk)
        return strata__error_set_ossl(err, STRATA_E_CRYPTO, "cannot load an Ed25519 public key");
    *out = pk;
    return STRATA_OK;
}

static strata_status ed_put(const struct ssh_keytype *t, EVP_PKEY *pk, strata_buf *out,
                            strata_error *err)
{
    (void)t;
    uint8_t raw[ED25519_PUB];
    size_t n = sizeof(raw);
    if (EVP_PKEY_get_raw_public_key(pk, raw, &n) != 1 || n != ED25519_PUB)
        return strata__error_set_ossl(err, STRATA_E_CRYPTO, "cannot read an Ed25519 public key");
    strata_status st = strata_buf_put_string(out, raw, n);
    if (st != STRATA_OK)
        return strata__error_set(err, st, "cannot write an Ed25519 public key");
    return STRATA_OK;
}

static strata_status ed_verify(const struct ssh_keytype *t, EVP_PKEY *pk, const char *md,
                               const uint8_t *sig, size_t sig_len, const uint8_t *data, size_t n,
                               strata_error *err)
{
    (void)t;
    (void)md;
    if (sig_len != ED25519_SIG)
        return strata__error_set(err, STRATA_E_FORMAT, "ssh-ed25519 signature is %zu bytes, not 64",
                                 sig_len);
    return strata__ssh_evp_verify(pk, NULL, sig, sig_len, data, n, "ssh-ed25519", err);
}

static strata_status ed_sign(const struct ssh_keytype *t, EVP_PKEY *pk, const char *md,
                             const uint8_t *data, size_t n, strata_buf *out, strata_error *err)
{
    (void)t;
    (void)md;
    return strata__ssh_evp_sign_put(pk, NULL, data, n, out, err);
}

const struct ssh_keytype strata__ssh_kt_ed25519 = {
    .name = "ssh-ed25519",
    .cert_name = "ssh-ed25519-cert-v01@openssh.com",
    .evp_name = "ED25519",
    .read_pub = ed_read,
    .put_pub = ed_put,
    .verify = ed_verify,
    .sign = ed_sign,
};
