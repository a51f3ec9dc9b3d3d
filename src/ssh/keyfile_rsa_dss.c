/* SSH key types for key files: ssh-rsa and ssh-dss.
 *
 *   ssh-rsa  public: mpint e, mpint n   private: mpint n, e, d, iqmp, p, q
 *   ssh-dss  public: mpint p, q, g, y   private: mpint p, q, g, y, x
 * (RFC 4253 §6.6, PROTOCOL.key). OpenSSH keeps no CRT exponents in the file:
 * dmp1 = d mod (p-1) and dmq1 = d mod (q-1) are computed here.
 */
#include <string.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/params.h>
#include <openssl/param_build.h>

#include "base/error_internal.h"
#include "ssh/keyfile.h"

/* OpenSSH refuses RSA keys under 1024 bits; above 16384 is not a real key. */
#define RSA_MIN_BITS 1024
#define RSA_MAX_BITS 16384
/* ssh-dss is FIPS 186-2 DSA: 1024-bit p, 160-bit q. */
#define DSA_P_BITS 1024
#define DSA_Q_BITS 160

static strata_status put_params(EVP_PKEY *k, const char *const *names, size_t count,
                                strata_buf *out, strata_error *err)
{
    strata_status r = STRATA_OK;
    for (size_t i = 0; i < count && r == STRATA_OK; i++)
        r = strata__sshkf_put_bn_param(k, names[i], out, err);
    return r;
}

static strata_status rsa_read(const struct sshkf_type *t, strata_buf *b, EVP_PKEY **out,
                              strata_error *err)
{
    (void)t;
    static const char *const what[6] = {"RSA n", "RSA e", "RSA d", "RSA iqmp", "RSA p", "RSA q"};
    BIGNUM *bn[6] = {0};
    BIGNUM *dmp1 = BN_new(), *dmq1 = BN_new(), *tmp = BN_new();
    BN_CTX *ctx = BN_CTX_new();
    OSSL_PARAM_BLD *bld = NULL;
    OSSL_PARAM *params = NULL;
    strata_status r = STRATA_OK;
    *out = NULL;
    for (int i = 0; i < 6 && r == STRATA_OK; i++)
        r = strata__sshkf_get_bn(b, what[i], &bn[i], err);
    if (r != STRATA_OK)
        goto out;
    BIGNUM *n = bn[0], *e = bn[1], *d = bn[2], *iqmp = bn[3], *p = bn[4], *q = bn[5];
    if (!dmp1 || !dmq1 || !tmp || !ctx) {
        r = strata__error_set(err, STRATA_E_NOMEM, "out of memory");
        goto out;
    }
    int bits = BN_num_bits(n);
    if (bits < RSA_MIN_BITS || bits > RSA_MAX_BITS) {
        r = strata__error_set(err, bits < RSA_MIN_BITS ? STRATA_E_FORMAT : STRATA_E_LIMIT,
                              "RSA modulus of %d bits is outside %d..%d", bits, RSA_MIN_BITS,
                              RSA_MAX_BITS);
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
    bld = OSSL_PARAM_BLD_new();
    if (!bld || !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, n) ||
        !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, e) ||
        !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_D, d) ||
        !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_FACTOR1, p) ||
        !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_FACTOR2, q) ||
        !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_EXPONENT1, dmp1) ||
        !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_EXPONENT2, dmq1) ||
        !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_COEFFICIENT1, iqmp) ||
        !(params = OSSL_PARAM_BLD_to_param(bld))) {
        r = strata__error_set_ossl(err, STRATA_E_NOMEM, "cannot build RSA parameters");
        goto out;
    }
    r = strata__sshkf_fromdata("RSA", params, out, err);
out:
    OSSL_PARAM_free(params);
    OSSL_PARAM_BLD_free(bld);
    for (int i = 0; i < 6; i++)
        BN_clear_free(bn[i]);
    BN_clear_free(dmp1);
    BN_clear_free(dmq1);
    BN_clear_free(tmp);
    BN_CTX_free(ctx);
    return r;
}

static strata_status rsa_put_pub(const struct sshkf_type *t, EVP_PKEY *k, strata_buf *out,
                                 strata_error *err)
{
    (void)t;
    static const char *const names[] = {OSSL_PKEY_PARAM_RSA_E, OSSL_PKEY_PARAM_RSA_N};
    return put_params(k, names, 2, out, err);
}

static strata_status rsa_put_priv(const struct sshkf_type *t, EVP_PKEY *k, strata_buf *out,
                                  strata_error *err)
{
    (void)t;
    static const char *const names[] = {
        OSSL_PKEY_PARAM_RSA_N,       OSSL_PKEY_PARAM_RSA_E,
        OSSL_PKEY_PARAM_RSA_D,       OSSL_PKEY_PARAM_RSA_COEFFICIENT1,
        OSSL_PKEY_PARAM_RSA_FACTOR1, OSSL_PKEY_PARAM_RSA_FACTOR2,
    };
    return put_params(k, names, 6, out, err);
}

const struct sshkf_type strata__sshkf_rsa = {
    "ssh-rsa", NULL, NULL, "RSA", rsa_read, rsa_put_pub, rsa_put_priv,
};

static strata_status dss_read(const struct sshkf_type *t, strata_buf *b, EVP_PKEY **out,
                              strata_error *err)
{
    (void)t;
    static const char *const what[5] = {"DSA p", "DSA q", "DSA g", "DSA y", "DSA x"};
    static const char *const names[5] = {OSSL_PKEY_PARAM_FFC_P, OSSL_PKEY_PARAM_FFC_Q,
                                         OSSL_PKEY_PARAM_FFC_G, OSSL_PKEY_PARAM_PUB_KEY,
                                         OSSL_PKEY_PARAM_PRIV_KEY};
    BIGNUM *bn[5] = {0};
    OSSL_PARAM_BLD *bld = NULL;
    OSSL_PARAM *params = NULL;
    strata_status r = STRATA_OK;
    *out = NULL;
    for (int i = 0; i < 5 && r == STRATA_OK; i++)
        r = strata__sshkf_get_bn(b, what[i], &bn[i], err);
    if (r != STRATA_OK)
        goto out;
    if (BN_num_bits(bn[0]) != DSA_P_BITS || BN_num_bits(bn[1]) != DSA_Q_BITS) {
        r = strata__error_set(err, STRATA_E_FORMAT, "ssh-dss needs a %d-bit p and %d-bit q",
                              DSA_P_BITS, DSA_Q_BITS);
        goto out;
    }
    bld = OSSL_PARAM_BLD_new();
    for (int i = 0; bld && i < 5; i++) {
        if (!OSSL_PARAM_BLD_push_BN(bld, names[i], bn[i])) {
            OSSL_PARAM_BLD_free(bld);
            bld = NULL;
        }
    }
    if (!bld || !(params = OSSL_PARAM_BLD_to_param(bld))) {
        r = strata__error_set_ossl(err, STRATA_E_NOMEM, "cannot build DSA parameters");
        goto out;
    }
    r = strata__sshkf_fromdata("DSA", params, out, err);
out:
    OSSL_PARAM_free(params);
    OSSL_PARAM_BLD_free(bld);
    for (int i = 0; i < 5; i++)
        BN_clear_free(bn[i]);
    return r;
}

static strata_status dss_put_pub(const struct sshkf_type *t, EVP_PKEY *k, strata_buf *out,
                                 strata_error *err)
{
    (void)t;
    static const char *const names[] = {OSSL_PKEY_PARAM_FFC_P, OSSL_PKEY_PARAM_FFC_Q,
                                        OSSL_PKEY_PARAM_FFC_G, OSSL_PKEY_PARAM_PUB_KEY};
    return put_params(k, names, 4, out, err);
}

static strata_status dss_put_priv(const struct sshkf_type *t, EVP_PKEY *k, strata_buf *out,
                                  strata_error *err)
{
    strata_status r = dss_put_pub(t, k, out, err);
    if (r != STRATA_OK)
        return r;
    return strata__sshkf_put_bn_param(k, OSSL_PKEY_PARAM_PRIV_KEY, out, err);
}

const struct sshkf_type strata__sshkf_dss = {
    "ssh-dss", NULL, NULL, "DSA", dss_read, dss_put_pub, dss_put_priv,
};
