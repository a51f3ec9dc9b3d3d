/* ssh-ed25519 keys and signatures (RFC 8709).
 * Public key: string key (32 bytes). Signature: string sig (64 bytes).
 * Private parts (PROTOCOL.key): string A (32), string k||A (64). */
#include <openssl/evp.h>

#include "base/error_internal.h"
#include "strata/mem.h"
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

static strata_status ed_read_priv(const struct ssh_keytype *t, strata_buf *b, EVP_PKEY **out,
                                  strata_error *err)
{
    (void)t;
    const uint8_t *pub, *sk;
    size_t publen, sklen;
    uint8_t derived[ED25519_PUB];
    size_t dlen = sizeof(derived);
    *out = NULL;
    strata_status r;
    if ((r = strata_buf_get_string(b, &pub, &publen)) != STRATA_OK ||
        (r = strata_buf_get_string(b, &sk, &sklen)) != STRATA_OK)
        return strata__error_set(err, r, "truncated ssh-ed25519 private key");
    if (publen != ED25519_PUB || sklen != 2 * ED25519_PUB)
        return strata__error_set(err, STRATA_E_FORMAT,
                                 "ssh-ed25519 key sizes %zu/%zu, expected 32/64", publen, sklen);
    EVP_PKEY *k = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, sk, ED25519_PUB);
    if (!k)
        return strata__error_set_ossl(err, STRATA_E_CRYPTO, "cannot load ssh-ed25519 key");
    /* The file repeats the public key twice; both must be the seed's. */
    if (!EVP_PKEY_get_raw_public_key(k, derived, &dlen) || dlen != ED25519_PUB ||
        !strata_ct_equal(derived, pub, ED25519_PUB) ||
        !strata_ct_equal(derived, sk + ED25519_PUB, ED25519_PUB)) {
        EVP_PKEY_free(k);
        strata__ossl_clear();
        return strata__error_set(err, STRATA_E_FORMAT,
                                 "ssh-ed25519 public key does not match the private key");
    }
    *out = k;
    return STRATA_OK;
}

static strata_status ed_put_priv(const struct ssh_keytype *t, EVP_PKEY *k, strata_buf *out,
                                 strata_error *err)
{
    uint8_t both[2 * ED25519_PUB];
    size_t n = ED25519_PUB, m = ED25519_PUB;
    strata_status r = ed_put(t, k, out, err);
    if (r != STRATA_OK)
        return r;
    if (!EVP_PKEY_get_raw_private_key(k, both, &n) || n != ED25519_PUB ||
        !EVP_PKEY_get_raw_public_key(k, both + ED25519_PUB, &m) || m != ED25519_PUB) {
        strata_memzero(both, sizeof(both));
        return strata__error_set_ossl(err, STRATA_E_CRYPTO, "cannot read ssh-ed25519 private key");
    }
    r = strata_buf_put_string(out, both, sizeof(both));
    strata_memzero(both, sizeof(both));
    return r == STRATA_OK ? r : strata__error_set(err, r, "key does not fit");
}

const struct ssh_keytype strata__ssh_kt_ed25519 = {
    .name = "ssh-ed25519",
    .cert_name = "ssh-ed25519-cert-v01@openssh.com",
    .evp_name = "ED25519",
    .sigalgs = {{"ssh-ed25519", "ssh-ed25519-cert-v01@openssh.com", NULL, 0}},
    .read_pub = ed_read,
    .put_pub = ed_put,
    .read_priv = ed_read_priv,
    .put_priv = ed_put_priv,
    .verify = ed_verify,
    .sign = ed_sign,
};
