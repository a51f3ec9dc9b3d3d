/* ssh-rsa keys; rsa-sha2-256, rsa-sha2-512 (RFC 8332) and legacy ssh-rsa
 * (SHA-1, RFC 4253 §6.6) signatures.
 *
 * Public key: mpint e, mpint n. Keys under STRATA_SSH_RSA_MIN_BITS are refused.
 * Signature: string S, PKCS#1 v1.5, as long as the modulus; a shorter S (a
 * signer that dropped leading zeros) is left-padded, a longer one refused.
 * Private parts (PROTOCOL.key): mpint n, e, d, iqmp, p, q. OpenSSH keeps no
 * CRT exponents: dmp1 = d mod (p-1) and dmq1 = d mod (q-1) are computed here.
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
    if ((st = strata__ssh_get_bn(b, 8, "e", 0, &e, err)) != STRATA_OK ||
        (st = strata__ssh_get_bn(b, STRATA_SSH_RSA_MAX_BITS / 8, "n", 0, &n, err)) != STRATA_OK)
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
    st = strata__ssh_pkey_from_bns("RSA", names, bns, 2, 0, out, err);
out:
    BN_free(e);
    BN_free(n);
    return st;
}

static strata_status rsa_put(const struct ssh_keytype *t, EVP_PKEY *pk, strata_buf *out,
                             strata_error *err)
{
    (void)t;
    static const char *const names[] = {OSSL_PKEY_PARAM_RSA_E, OSSL_PKEY_PARAM_RSA_N};
    return strata__ssh_put_bn_params(pk, names, 2, 0, out, err);
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

static strata_status rsa_read_priv(const struct ssh_keytype *t, strata_buf *b, EVP_PKEY **out,
                                   strata_error *err)
{
    (void)t;
    static const char *const what[6] = {"RSA n", "RSA e", "RSA d", "RSA iqmp", "RSA p", "RSA q"};
    BIGNUM *bn[6] = {0};
    BIGNUM *dmp1 = BN_new(), *dmq1 = BN_new(), *tmp = BN_new();
    BN_CTX *ctx = BN_CTX_new();
    strata_status r = STRATA_OK;
    *out = NULL;
    for (int i = 0; i < 6 && r == STRATA_OK; i++)
        r = strata__ssh_get_bn(b, STRATA_SSH_RSA_MAX_BITS / 8, what[i], 1, &bn[i], err);
    if (r != STRATA_OK)
        goto out;
    BIGNUM *n = bn[0], *e = bn[1], *d = bn[2], *iqmp = bn[3], *p = bn[4], *q = bn[5];
    if (!dmp1 || !dmq1 || !tmp || !ctx) {
        r = strata__error_set(err, STRATA_E_NOMEM, "out of memory");
        goto out;
    }
    int bits = BN_num_bits(n);
    if ((unsigned)bits < STRATA_SSH_RSA_MIN_BITS || (unsigned)bits > STRATA_SSH_RSA_MAX_BITS) {
        r = strata__error_set(
            err, (unsigned)bits < STRATA_SSH_RSA_MIN_BITS ? STRATA_E_FORMAT : STRATA_E_LIMIT,
            "RSA modulus of %d bits is outside %u..%u", bits, STRATA_SSH_RSA_MIN_BITS,
            STRATA_SSH_RSA_MAX_BITS);
        goto out;
    }
    if (BN_cmp(p, BN_value_one()) <= 0 || BN_cmp(q, BN_value_one()) <= 0) {
        r = strata__error_set(err, STRATA_E_FORMAT, "RSA prime factor is not above 1");
        goto out;
    }
    BN_set_flags(dmp1, BN_FLG_CONSTTIME);
    BN_set_flags(dmq1, BN_FLG_CONSTTIME);
    if (!BN_sub(tmp, p, BN_value_one()) || !BN_mod(dmp1, d, tmp, ctx) ||
        !BN_sub(tmp, q, BN_value_one()) || !BN_mod(dmq1, d, tmp, ctx)) {
        r = strata__error_set_ossl(err, STRATA_E_CRYPTO, "cannot compute RSA CRT exponents");
        goto out;
    }
    static const char *const names[8] = {
        OSSL_PKEY_PARAM_RSA_N,         OSSL_PKEY_PARAM_RSA_E,
        OSSL_PKEY_PARAM_RSA_D,         OSSL_PKEY_PARAM_RSA_FACTOR1,
        OSSL_PKEY_PARAM_RSA_FACTOR2,   OSSL_PKEY_PARAM_RSA_EXPONENT1,
        OSSL_PKEY_PARAM_RSA_EXPONENT2, OSSL_PKEY_PARAM_RSA_COEFFICIENT1,
    };
    BIGNUM *const all[8] = {n, e, d, p, q, dmp1, dmq1, iqmp};
    r = strata__ssh_pkey_from_bns("RSA", names, all, 8, 1, out, err);
out:
    for (int i = 0; i < 6; i++)
        BN_clear_free(bn[i]);
    BN_clear_free(dmp1);
    BN_clear_free(dmq1);
    BN_clear_free(tmp);
    BN_CTX_free(ctx);
    return r;
}

static strata_status rsa_put_priv(const struct ssh_keytype *t, EVP_PKEY *k, strata_buf *out,
                                  strata_error *err)
{
    (void)t;
    static const char *const names[] = {
        OSSL_PKEY_PARAM_RSA_N,       OSSL_PKEY_PARAM_RSA_E,
        OSSL_PKEY_PARAM_RSA_D,       OSSL_PKEY_PARAM_RSA_COEFFICIENT1,
        OSSL_PKEY_PARAM_RSA_FACTOR1, OSSL_PKEY_PARAM_RSA_FACTOR2,
    };
    return strata__ssh_put_bn_params(k, names, 6, 1, out, err);
}

const struct ssh_keytype strata__ssh_kt_rsa = {
    .name = "ssh-rsa",
    .cert_name = "ssh-rsa-cert-v01@openssh.com",
    .evp_name = "RSA",
    .sigalgs =
        {
            {"rsa-sha2-512", "rsa-sha2-512-cert-v01@openssh.com", "SHA512", 0},
            {"rsa-sha2-256", "rsa-sha2-256-cert-v01@openssh.com", "SHA256", 0},
            /* Legacy (SHA-1): supported, never offered by default. */
            {"ssh-rsa", "ssh-rsa-cert-v01@openssh.com", "SHA1", 1},
        },
    .read_pub = rsa_read,
    .put_pub = rsa_put,
    .read_priv = rsa_read_priv,
    .put_priv = rsa_put_priv,
    .verify = rsa_verify,
    .sign = rsa_sign,
};
