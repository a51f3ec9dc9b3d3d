/* Helpers shared by the SSH key type files: EVP sign/verify, BIGNUM <-> mpint,
 * keys from parameters, and the (r, s) <-> DER conversion ECDSA and DSA signatures need. */
#include <string.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/param_build.h>

#include "base/error_internal.h"
#include "ssh/sshkey_internal.h"

strata_status strata__ssh_rs_to_der(const uint8_t *r, size_t rn, const uint8_t *s, size_t sn,
                                    uint8_t **der, size_t *der_len, strata_error *err)
{
    *der = NULL;
    *der_len = 0;
    /* ECDSA_SIG is only the ASN.1 pair of INTEGERs; Dss-Sig-Value is the same
     * structure, so DSA uses it too. */
    ECDSA_SIG *sig = ECDSA_SIG_new();
    BIGNUM *br = BN_bin2bn(r, (int)rn, NULL);
    BIGNUM *bs = BN_bin2bn(s, (int)sn, NULL);
    unsigned char *p = NULL;
    int len;
    if (!sig || !br || !bs || !ECDSA_SIG_set0(sig, br, bs)) {
        BN_free(br);
        BN_free(bs);
        ECDSA_SIG_free(sig);
        return strata__error_set_ossl(err, STRATA_E_NOMEM, "cannot build a DER signature");
    }
    len = i2d_ECDSA_SIG(sig, &p);
    ECDSA_SIG_free(sig);
    if (len <= 0)
        return strata__error_set_ossl(err, STRATA_E_CRYPTO, "cannot encode a DER signature");
    *der = p;
    *der_len = (size_t)len;
    return STRATA_OK;
}

strata_status strata__ssh_der_to_rs(const uint8_t *der, size_t der_len, size_t width, uint8_t *rs,
                                    strata_error *err)
{
    const unsigned char *p = der;
    ECDSA_SIG *sig = d2i_ECDSA_SIG(NULL, &p, (long)der_len);
    if (!sig)
        return strata__error_set_ossl(err, STRATA_E_CRYPTO, "cannot decode a DER signature");
    const BIGNUM *r, *s;
    ECDSA_SIG_get0(sig, &r, &s);
    strata_status st = STRATA_OK;
    if (BN_bn2binpad(r, rs, (int)width) < 0 || BN_bn2binpad(s, rs + width, (int)width) < 0)
        st = strata__error_set(err, STRATA_E_CRYPTO, "signature value wider than %zu bytes", width);
    ECDSA_SIG_free(sig);
    return st;
}

strata_status strata__ssh_evp_verify(EVP_PKEY *pk, const char *md, const uint8_t *sig,
                                     size_t sig_len, const uint8_t *data, size_t n,
                                     const char *what, strata_error *err)
{
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    if (!ctx)
        return strata__error_set(err, STRATA_E_NOMEM, "out of memory");
    strata_status st = STRATA_OK;
    if (EVP_DigestVerifyInit_ex(ctx, NULL, md, NULL, NULL, pk, NULL) != 1) {
        st = strata__error_set_ossl(err, STRATA_E_CRYPTO, "cannot start verifying a %s signature",
                                    what);
        goto out;
    }
    if (EVP_DigestVerify(ctx, sig, sig_len, data, n) != 1) {
        /* The queue holds only OpenSSL's view of a plain mismatch. */
        strata__ossl_clear();
        st = strata__error_set(err, STRATA_E_VERIFY, "%s signature does not verify", what);
    }
out:
    EVP_MD_CTX_free(ctx);
    return st;
}

strata_status strata__ssh_evp_sign(EVP_PKEY *pk, const char *md, const uint8_t *data, size_t n,
                                   uint8_t **sig, size_t *sig_len, strata_error *err)
{
    *sig = NULL;
    *sig_len = 0;
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    uint8_t *p = NULL;
    size_t len = 0;
    strata_status st = STRATA_OK;
    if (!ctx)
        return strata__error_set(err, STRATA_E_NOMEM, "out of memory");
    if (EVP_DigestSignInit_ex(ctx, NULL, md, NULL, NULL, pk, NULL) != 1 ||
        EVP_DigestSign(ctx, NULL, &len, data, n) != 1) {
        st = strata__error_set_ossl(err, STRATA_E_CRYPTO, "cannot start signing");
        goto out;
    }
    p = OPENSSL_malloc(len);
    if (!p) {
        st = strata__error_set(err, STRATA_E_NOMEM, "out of memory");
        goto out;
    }
    if (EVP_DigestSign(ctx, p, &len, data, n) != 1) {
        st = strata__error_set_ossl(err, STRATA_E_CRYPTO, "signing failed");
        goto out;
    }
    *sig = p;
    *sig_len = len;
    p = NULL;
out:
    OPENSSL_free(p);
    EVP_MD_CTX_free(ctx);
    return st;
}

strata_status strata__ssh_put_bn_param(EVP_PKEY *pk, const char *param, int secret, strata_buf *out,
                                       strata_error *err)
{
    BIGNUM *bn = NULL;
    uint8_t *mag = NULL;
    int len = 0;
    strata_status st = STRATA_OK;
    if (EVP_PKEY_get_bn_param(pk, param, &bn) != 1)
        return strata__error_set_ossl(err, STRATA_E_CRYPTO, "key has no %s parameter", param);
    len = BN_num_bytes(bn);
    mag = OPENSSL_malloc(len > 0 ? (size_t)len : 1);
    if (!mag) {
        st = strata__error_set(err, STRATA_E_NOMEM, "out of memory");
        goto out;
    }
    BN_bn2bin(bn, mag);
    if ((st = strata_buf_put_mpint(out, mag, (size_t)len, 0)) != STRATA_OK)
        strata__error_set(err, st, "cannot write the %s parameter", param);
out:
    if (secret) {
        OPENSSL_clear_free(mag, len > 0 ? (size_t)len : 1);
        BN_clear_free(bn);
    } else {
        OPENSSL_free(mag);
        BN_free(bn);
    }
    return st;
}

strata_status strata__ssh_put_bn_params(EVP_PKEY *pk, const char *const *params, size_t n,
                                        int secret, strata_buf *out, strata_error *err)
{
    strata_status st = STRATA_OK;
    for (size_t i = 0; i < n && st == STRATA_OK; i++)
        st = strata__ssh_put_bn_param(pk, params[i], secret, out, err);
    return st;
}

strata_status strata__ssh_get_bn(strata_buf *b, size_t max_bytes, const char *what, int secret,
                                 BIGNUM **out, strata_error *err)
{
    *out = NULL;
    const uint8_t *mag;
    size_t n;
    strata_status st = strata_buf_get_mpint(b, &mag, &n);
    if (st != STRATA_OK)
        return strata__error_set(err, st, "bad mpint %s in the key", what);
    if (n == 0)
        return strata__error_set(err, STRATA_E_FORMAT, "mpint %s in the key is zero", what);
    if (n > max_bytes)
        return strata__error_set(err, STRATA_E_LIMIT,
                                 "mpint %s in the key has %zu bytes, more than the limit of %zu",
                                 what, n, max_bytes);
    BIGNUM *bn = BN_bin2bn(mag, (int)n, NULL);
    if (!bn)
        return strata__error_set_ossl(err, STRATA_E_NOMEM, "out of memory");
    if (secret)
        BN_set_flags(bn, BN_FLG_CONSTTIME);
    *out = bn;
    return STRATA_OK;
}

strata_status strata__ssh_pkey_from_params(const char *evp_name, OSSL_PARAM *params, EVP_PKEY **out,
                                           strata_error *err)
{
    strata_status r = STRATA_E_CRYPTO;
    EVP_PKEY *k = NULL;
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, evp_name, NULL);
    EVP_PKEY_CTX *chk = NULL;
    *out = NULL;
    if (!ctx || EVP_PKEY_fromdata_init(ctx) <= 0 ||
        EVP_PKEY_fromdata(ctx, &k, EVP_PKEY_KEYPAIR, params) <= 0) {
        r = strata__error_set_ossl(err, STRATA_E_FORMAT, "invalid %s private key", evp_name);
        goto out;
    }
    chk = EVP_PKEY_CTX_new_from_pkey(NULL, k, NULL);
    if (!chk || EVP_PKEY_pairwise_check(chk) <= 0) {
        r = strata__error_set_ossl(err, STRATA_E_FORMAT,
                                   "%s private key is inconsistent with its public key", evp_name);
        goto out;
    }
    *out = k;
    k = NULL;
    r = STRATA_OK;
out:
    EVP_PKEY_CTX_free(chk);
    EVP_PKEY_CTX_free(ctx);
    EVP_PKEY_free(k);
    return r;
}

strata_status strata__ssh_evp_sign_put(EVP_PKEY *pk, const char *md, const uint8_t *data, size_t n,
                                       strata_buf *out, strata_error *err)
{
    uint8_t *sig;
    size_t len;
    strata_status st = strata__ssh_evp_sign(pk, md, data, n, &sig, &len, err);
    if (st != STRATA_OK)
        return st;
    if ((st = strata_buf_put(out, sig, len)) != STRATA_OK)
        strata__error_set(err, st, "cannot write a signature");
    OPENSSL_free(sig);
    return st;
}

strata_status strata__ssh_pkey_from_bns(const char *evp_name, const char *const *names,
                                        BIGNUM *const *bns, size_t n, int keypair, EVP_PKEY **out,
                                        strata_error *err)
{
    *out = NULL;
    OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
    OSSL_PARAM *params = NULL;
    EVP_PKEY_CTX *ctx = NULL;
    strata_status st = STRATA_OK;
    for (size_t i = 0; bld && i < n; i++) {
        if (!OSSL_PARAM_BLD_push_BN(bld, names[i], bns[i]))
            break;
        if (i + 1 == n)
            params = OSSL_PARAM_BLD_to_param(bld);
    }
    if (!params) {
        st = strata__error_set_ossl(err, STRATA_E_NOMEM, "cannot build a %s key", evp_name);
        goto out;
    }
    if (keypair) {
        st = strata__ssh_pkey_from_params(evp_name, params, out, err);
        goto out;
    }
    ctx = EVP_PKEY_CTX_new_from_name(NULL, evp_name, NULL);
    if (!ctx || EVP_PKEY_fromdata_init(ctx) != 1 ||
        EVP_PKEY_fromdata(ctx, out, EVP_PKEY_PUBLIC_KEY, params) != 1)
        st = strata__error_set_ossl(err, STRATA_E_FORMAT, "cannot load a %s public key", evp_name);
out:
    EVP_PKEY_CTX_free(ctx);
    OSSL_PARAM_free(params);
    OSSL_PARAM_BLD_free(bld);
    return st;
}

strata_status strata__ssh_put_pub_and_x(const struct ssh_keytype *t, EVP_PKEY *pk, strata_buf *out,
                                        strata_error *err)
{
    strata_status r = t->put_pub(t, pk, out, err);
    if (r != STRATA_OK)
        return r;
    return strata__ssh_put_bn_param(pk, OSSL_PKEY_PARAM_PRIV_KEY, 1, out, err);
}
