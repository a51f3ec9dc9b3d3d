/* ssh-rsa keys; rsa-sha2-256, rsa-sha2-512 (RFC 8332) and legacy ssh-rsa
 * (SHA-1, RFC 4253 §6.6) signatures.
 *
 * Public key: mpint e, mpint n. Keys under STRATA_SSH_RSA_MIN_BITS are refused.
 * Signature: string S, PKCS#1 v1.5, as long as the modulus; a shorter S (a
 * signer that dropped leading zeros) is left-padded, a longer one refused.
 */
#include <string.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>

#include "base/error_internal.h"
#include "ssh/sshkey_internal.h"

static strata_status rsa_read(const struct ssh_keytype *t, strata_buf *b, EVP_PKEY **out,
                              strata_error *err)
{
    (void)t;
    *out = NULL;
    BIGNUM *e = NULL, *n = NULL;
    strata_status st;
    if ((st = strata__ssh_get_bn(b, 8, "e", &e, err)) != STRATA_OK ||
        (st = strata__ssh_get_bn(b, STRATA_SSH_RSA_MAX_BITS / 8, "n", &n, err)) != STRATA_OK)
        goto out;
    if (!BN_is_odd(e) || BN_is_one(e)) {
        st = strata__error_set(err, STRATA_E_FORMAT, "ssh-rsa public exponent is not odd and > 1");
        goto out;
    }
    /* OpenSSL's full public check runs a primality test on n (tens of ms);
     * a bad n can only make signatures fail, so the cheap checks do. */
    if (!BN_is_odd(n)) {
        st = strata__error_set(err, STRATA_E_FORMAT, "ssh-rsa modulus is even");
        goto out;
    }
    int bits = BN_num_bits(n);
    if ((unsigned)bits < STRATA_SSH_RSA_MIN_BITS) {
        st = strata__error_set(err, STRATA_E_KEY_TOO_SMALL,
                               "ssh-rsa key of %d bits is below the minimum of %u bits", bits,
                               STRATA_SSH_RSA_MIN_BITS);
        goto out;
    }
    static const char *const names[] = {OSSL_PKEY_PARAM_RSA_N, OSSL_PKEY_PARAM_RSA_E};
    BIGNUM *const bns[] = {n, e};
    st = strata__ssh_pkey_from_bns("RSA", names, bns, 2, out, err);
out:
    BN_free(e);
    BN_free(n);
    return st;
}

static strata_status rsa_put(const struct ssh_keytype *t, EVP_PKEY *pk, strata_buf *out,
                             strata_error *err)
{
    (void)t;
    strata_status st = strata__ssh_put_bn_param(pk, OSSL_PKEY_PARAM_RSA_E, out, err);
    if (st == STRATA_OK)
        st = strata__ssh_put_bn_param(pk, OSSL_PKEY_PARAM_RSA_N, out, err);
    return st;
}

static const char *rsa_alg_name(const char *md)
{
    if (strcmp(md, "SHA512") == 0)
        return "rsa-sha2-512";
    if (strcmp(md, "SHA256") == 0)
        return "rsa-sha2-256";
    return "ssh-rsa";
}

static strata_status rsa_verify(const struct ssh_keytype *t, EVP_PKEY *pk, const char *md,
                                const uint8_t *sig, size_t sig_len, const uint8_t *data, size_t n,
                                strata_error *err)
{
    (void)t;
    int size = EVP_PKEY_get_size(pk);
    if (size <= 0)
        return strata__error_set_ossl(err, STRATA_E_CRYPTO, "RSA key has no size");
    size_t k = (size_t)size;
    if (sig_len == 0 || sig_len > k)
        return strata__error_set(err, STRATA_E_FORMAT,
                                 "%s signature is %zu bytes, the modulus %zu bytes",
                                 rsa_alg_name(md), sig_len, k);
    if (sig_len == k)
        return strata__ssh_evp_verify(pk, md, sig, sig_len, data, n, rsa_alg_name(md), err);
    uint8_t *padded = OPENSSL_zalloc(k);
    if (!padded)
        return strata__error_set(err, STRATA_E_NOMEM, "out of memory");
    memcpy(padded + (k - sig_len), sig, sig_len);
    strata_status st = strata__ssh_evp_verify(pk, md, padded, k, data, n, rsa_alg_name(md), err);
    OPENSSL_free(padded);
    return st;
}

static strata_status rsa_sign(const struct ssh_keytype *t, EVP_PKEY *pk, const char *md,
                              const uint8_t *data, size_t n, strata_buf *out, strata_error *err)
{
    (void)t;
    return strata__ssh_evp_sign_put(pk, md, data, n, out, err);
}

const struct ssh_keytype strata__ssh_kt_rsa = {
    .name = "ssh-rsa",
    .cert_name = "ssh-rsa-cert-v01@openssh.com",
    .evp_name = "RSA",
    .read_pub = rsa_read,
    .put_pub = rsa_put,
    .verify = rsa_verify,
    .sign = rsa_sign,
};
