/* ssh-dss keys and signatures (RFC 4253 §6.6), legacy: off unless asked for.
 *
 * Public key: mpint p, q, g, y. As OpenSSH, only 1024-bit p with 160-bit q.
 * Signature: string of 40 bytes, r and s as 20-byte big-endian integers.
 * Private parts (PROTOCOL.key): mpint p, q, g, y, x.
 */
#include <string.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>

#include "base/error_internal.h"
#include "ssh/sshkey_internal.h"

enum { DSS_P_BITS = 1024, DSS_Q_BITS = 160, DSS_HALF = 20 };

/* The blob's order: p, q, g, y. */
static const char *const dss_params[] = {OSSL_PKEY_PARAM_FFC_P, OSSL_PKEY_PARAM_FFC_Q,
                                         OSSL_PKEY_PARAM_FFC_G, OSSL_PKEY_PARAM_PUB_KEY};

static strata_status dss_read(const struct ssh_keytype *t, strata_buf *b, EVP_PKEY **out,
                              strata_error *err)
{
    (void)t;
    *out = NULL;
    BIGNUM *p = NULL, *q = NULL, *g = NULL, *y = NULL;
    strata_status st;
    if ((st = strata__ssh_get_bn(b, 1024, "p", 0, &p, err)) != STRATA_OK ||
        (st = strata__ssh_get_bn(b, 1024, "q", 0, &q, err)) != STRATA_OK ||
        (st = strata__ssh_get_bn(b, 1024, "g", 0, &g, err)) != STRATA_OK ||
        (st = strata__ssh_get_bn(b, 1024, "y", 0, &y, err)) != STRATA_OK)
        goto out;
    if (BN_num_bits(p) != DSS_P_BITS || BN_num_bits(q) != DSS_Q_BITS) {
        st = strata__error_set(err, STRATA_E_FORMAT,
                               "ssh-dss key has a %d-bit p and %d-bit q, not 1024 and 160",
                               BN_num_bits(p), BN_num_bits(q));
        goto out;
    }
    BIGNUM *const bns[] = {p, q, g, y};
    if ((st = strata__ssh_pkey_from_bns("DSA", dss_params, bns, 4, 0, out, err)) != STRATA_OK)
        goto out;
    /* 2 <= y <= p - 2 and y^q = 1 mod p: one short modular exponentiation. */
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_pkey(NULL, *out, NULL);
    if (!ctx || EVP_PKEY_public_check(ctx) != 1) {
        st = strata__error_set_ossl(err, STRATA_E_FORMAT, "ssh-dss public key is not valid");
        EVP_PKEY_free(*out);
        *out = NULL;
    }
    EVP_PKEY_CTX_free(ctx);
out:
    BN_free(p);
    BN_free(q);
    BN_free(g);
    BN_free(y);
    return st;
}

static strata_status dss_put(const struct ssh_keytype *t, EVP_PKEY *pk, strata_buf *out,
                             strata_error *err)
{
    (void)t;
    return strata__ssh_put_bn_params(pk, dss_params, 4, 0, out, err);
}

static strata_status dss_verify(const struct ssh_keytype *t, EVP_PKEY *pk, const char *md,
                                const uint8_t *sig, size_t sig_len, const uint8_t *data, size_t n,
                                strata_error *err)
{
    (void)t;
    if (sig_len != 2 * DSS_HALF)
        return strata__error_set(err, STRATA_E_FORMAT, "ssh-dss signature is %zu bytes, not 40",
                                 sig_len);
    uint8_t *der;
    size_t der_len;
    strata_status st =
        strata__ssh_rs_to_der(sig, DSS_HALF, sig + DSS_HALF, DSS_HALF, &der, &der_len, err);
    if (st != STRATA_OK)
        return st;
    st = strata__ssh_evp_verify(pk, md, der, der_len, data, n, "ssh-dss", err);
    OPENSSL_free(der);
    return st;
}

static strata_status dss_sign(const struct ssh_keytype *t, EVP_PKEY *pk, const char *md,
                              const uint8_t *data, size_t n, strata_buf *out, strata_error *err)
{
    (void)t;
    uint8_t *der;
    size_t der_len;
    uint8_t rs[2 * DSS_HALF];
    strata_status st = strata__ssh_evp_sign(pk, md, data, n, &der, &der_len, err);
    if (st != STRATA_OK)
        return st;
    st = strata__ssh_der_to_rs(der, der_len, DSS_HALF, rs, err);
    OPENSSL_free(der);
    if (st == STRATA_OK && (st = strata_buf_put(out, rs, sizeof(rs))) != STRATA_OK)
        strata__error_set(err, st, "cannot write a DSA signature");
    return st;
}

static strata_status dss_read_priv(const struct ssh_keytype *t, strata_buf *b, EVP_PKEY **out,
                                   strata_error *err)
{
    (void)t;
    static const char *const what[5] = {"DSA p", "DSA q", "DSA g", "DSA y", "DSA x"};
    static const char *const names[5] = {OSSL_PKEY_PARAM_FFC_P, OSSL_PKEY_PARAM_FFC_Q,
                                         OSSL_PKEY_PARAM_FFC_G, OSSL_PKEY_PARAM_PUB_KEY,
                                         OSSL_PKEY_PARAM_PRIV_KEY};
    BIGNUM *bn[5] = {0};
    strata_status r = STRATA_OK;
    *out = NULL;
    for (int i = 0; i < 5 && r == STRATA_OK; i++)
        r = strata__ssh_get_bn(b, 1024, what[i], i == 4, &bn[i], err);
    if (r != STRATA_OK)
        goto out;
    if (BN_num_bits(bn[0]) != DSS_P_BITS || BN_num_bits(bn[1]) != DSS_Q_BITS) {
        r = strata__error_set(err, STRATA_E_FORMAT, "ssh-dss needs a %d-bit p and %d-bit q",
                              DSS_P_BITS, DSS_Q_BITS);
        goto out;
    }
    r = strata__ssh_pkey_from_bns("DSA", names, bn, 5, 1, out, err);
out:
    for (int i = 0; i < 5; i++)
        BN_clear_free(bn[i]);
    return r;
}

const struct ssh_keytype strata__ssh_kt_dss = {
    .name = "ssh-dss",
    .cert_name = "ssh-dss-cert-v01@openssh.com",
    .evp_name = "DSA",
    /* Legacy (SHA-1): supported, never offered by default. */
    .sigalgs = {{"ssh-dss", "ssh-dss-cert-v01@openssh.com", "SHA1", 1}},
    .read_pub = dss_read,
    .put_pub = dss_put,
    .read_priv = dss_read_priv,
    .put_priv = strata__ssh_put_pub_and_x,
    .verify = dss_verify,
    .sign = dss_sign,
};
