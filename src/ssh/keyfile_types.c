/* SSH key types for key files: the table, Ed25519 and ECDSA, shared helpers.
 *
 * Field layouts (PROTOCOL.key, RFC 4253 §6.6, RFC 5656 §3.1, RFC 8709 §4):
 *   ssh-ed25519  public: string A (32)          private: string A, string k||A (64)
 *   ecdsa-*      public: string curve, string Q private: string curve, string Q, mpint d
 * RSA and DSA are in keyfile_rsa_dss.c.
 */
#include <string.h>
#include <openssl/core_names.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/param_build.h>

#include "base/error_internal.h"
#include "strata/mem.h"
#include "ssh/keyfile.h"

#define ED25519_LEN 32

static const struct sshkf_type *const sshkf_types[] = {
    &strata__sshkf_ed25519, &strata__sshkf_p256, &strata__sshkf_p384,
    &strata__sshkf_p521,    &strata__sshkf_rsa,  &strata__sshkf_dss,
};

const struct sshkf_type *strata__sshkf_type_by_name(const char *name, size_t n)
{
    for (size_t i = 0; i < sizeof(sshkf_types) / sizeof(sshkf_types[0]); i++)
        if (strlen(sshkf_types[i]->name) == n && memcmp(sshkf_types[i]->name, name, n) == 0)
            return sshkf_types[i];
    return NULL;
}

int strata__sshkf_printable(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] < 0x21 || p[i] > 0x7e)
            return 0;
    return 1;
}

const struct sshkf_type *strata__sshkf_type_of_pkey(EVP_PKEY *k)
{
    char group[32];
    size_t glen = 0;
    for (size_t i = 0; i < sizeof(sshkf_types) / sizeof(sshkf_types[0]); i++) {
        const struct sshkf_type *t = sshkf_types[i];
        if (!EVP_PKEY_is_a(k, t->evp_name))
            continue;
        if (!t->group)
            return t;
        if (!EVP_PKEY_get_utf8_string_param(k, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof(group),
                                            &glen))
            return NULL;
        /* OpenSSL reports NIST curves as "prime256v1" or "P-256". */
        int nid = OBJ_txt2nid(group);
        if (nid == NID_undef)
            nid = EC_curve_nist2nid(group);
        if (nid != NID_undef && nid == EC_curve_nist2nid(t->group))
            return t;
    }
    strata__ossl_clear();
    return NULL;
}

strata_status strata__sshkf_put_blob(const struct sshkf_type *t, EVP_PKEY *k, strata_buf *out,
                                     strata_error *err)
{
    strata_status r = strata_buf_put_cstring(out, t->name);
    if (r != STRATA_OK)
        return strata__error_set(err, r, "public key blob too large");
    return t->put_pub(t, k, out, err);
}

strata_status strata__sshkf_get_bn(strata_buf *b, const char *what, BIGNUM **out, strata_error *err)
{
    const uint8_t *mag;
    size_t n;
    *out = NULL;
    strata_status r = strata_buf_get_mpint(b, &mag, &n);
    if (r != STRATA_OK)
        return strata__error_set(err, r, "bad mpint %s in private key", what);
    if (n > 2048) /* 16384 bits: larger than any key strata accepts */
        return strata__error_set(err, STRATA_E_LIMIT, "%s is %zu bytes, above the limit of 2048",
                                 what, n);
    *out = BN_bin2bn(mag, (int)n, NULL);
    if (!*out)
        return strata__error_set_ossl(err, STRATA_E_NOMEM, "BN_bin2bn");
    BN_set_flags(*out, BN_FLG_CONSTTIME);
    return STRATA_OK;
}

strata_status strata__sshkf_put_bn_param(EVP_PKEY *k, const char *param, strata_buf *out,
                                         strata_error *err)
{
    BIGNUM *bn = NULL;
    uint8_t *bin = NULL;
    int len = 0;
    strata_status r = STRATA_E_CRYPTO;
    if (!EVP_PKEY_get_bn_param(k, param, &bn)) {
        r = strata__error_set_ossl(err, STRATA_E_CRYPTO, "key has no parameter %s", param);
        goto out;
    }
    len = BN_num_bytes(bn);
    bin = OPENSSL_malloc(len > 0 ? (size_t)len : 1);
    if (!bin) {
        r = strata__error_set(err, STRATA_E_NOMEM, "out of memory");
        goto out;
    }
    BN_bn2bin(bn, bin);
    r = strata_buf_put_mpint(out, bin, (size_t)len, 0);
    if (r != STRATA_OK)
        strata__error_set(err, r, "key parameter %s does not fit", param);
out:
    if (bin)
        OPENSSL_clear_free(bin, (size_t)len);
    BN_clear_free(bn);
    return r;
}

strata_status strata__sshkf_fromdata(const char *evp_name, OSSL_PARAM *params, EVP_PKEY **out,
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

/* ---- ssh-ed25519 ------------------------------------------------------------------ */

static strata_status ed25519_read(const struct sshkf_type *t, strata_buf *b, EVP_PKEY **out,
                                  strata_error *err)
{
    (void)t;
    const uint8_t *pub, *sk;
    size_t publen, sklen;
    uint8_t derived[ED25519_LEN];
    size_t dlen = sizeof(derived);
    *out = NULL;
    strata_status r;
    if ((r = strata_buf_get_string(b, &pub, &publen)) != STRATA_OK ||
        (r = strata_buf_get_string(b, &sk, &sklen)) != STRATA_OK)
        return strata__error_set(err, r, "truncated ssh-ed25519 private key");
    if (publen != ED25519_LEN || sklen != 2 * ED25519_LEN)
        return strata__error_set(err, STRATA_E_FORMAT,
                                 "ssh-ed25519 key sizes %zu/%zu, expected 32/64", publen, sklen);
    EVP_PKEY *k = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, sk, ED25519_LEN);
    if (!k)
        return strata__error_set_ossl(err, STRATA_E_CRYPTO, "cannot load ssh-ed25519 key");
    /* The file repeats the public key twice; both must be the seed's. */
    if (!EVP_PKEY_get_raw_public_key(k, derived, &dlen) || dlen != ED25519_LEN ||
        !strata_ct_equal(derived, pub, ED25519_LEN) ||
        !strata_ct_equal(derived, sk + ED25519_LEN, ED25519_LEN)) {
        EVP_PKEY_free(k);
        strata__ossl_clear();
        return strata__error_set(err, STRATA_E_FORMAT,
                                 "ssh-ed25519 public key does not match the private key");
    }
    *out = k;
    return STRATA_OK;
}

static strata_status ed25519_put_pub(const struct sshkf_type *t, EVP_PKEY *k, strata_buf *out,
                                     strata_error *err)
{
    (void)t;
    uint8_t pub[ED25519_LEN];
    size_t n = sizeof(pub);
    if (!EVP_PKEY_get_raw_public_key(k, pub, &n) || n != ED25519_LEN)
        return strata__error_set_ossl(err, STRATA_E_CRYPTO, "cannot read ssh-ed25519 public key");
    strata_status r = strata_buf_put_string(out, pub, n);
    return r == STRATA_OK ? r : strata__error_set(err, r, "key does not fit");
}

static strata_status ed25519_put_priv(const struct sshkf_type *t, EVP_PKEY *k, strata_buf *out,
                                      strata_error *err)
{
    uint8_t both[2 * ED25519_LEN];
    size_t n = ED25519_LEN, m = ED25519_LEN;
    strata_status r = ed25519_put_pub(t, k, out, err);
    if (r != STRATA_OK)
        return r;
    if (!EVP_PKEY_get_raw_private_key(k, both, &n) || n != ED25519_LEN ||
        !EVP_PKEY_get_raw_public_key(k, both + ED25519_LEN, &m) || m != ED25519_LEN) {
        strata_memzero(both, sizeof(both));
        return strata__error_set_ossl(err, STRATA_E_CRYPTO, "cannot read ssh-ed25519 private key");
    }
    r = strata_buf_put_string(out, both, sizeof(both));
    strata_memzero(both, sizeof(both));
    return r == STRATA_OK ? r : strata__error_set(err, r, "key does not fit");
}

const struct sshkf_type strata__sshkf_ed25519 = {
    "ssh-ed25519", NULL, NULL, "ED25519", ed25519_read, ed25519_put_pub, ed25519_put_priv,
};

/* ---- ecdsa-sha2-nistp* ------------------------------------------------------------ */

static strata_status ecdsa_read(const struct sshkf_type *t, strata_buf *b, EVP_PKEY **out,
                                strata_error *err)
{
    const uint8_t *curve, *q;
    size_t clen, qlen;
    BIGNUM *d = NULL;
    OSSL_PARAM_BLD *bld = NULL;
    OSSL_PARAM *params = NULL;
    strata_status r;
    *out = NULL;
    if ((r = strata_buf_get_string(b, &curve, &clen)) != STRATA_OK ||
        (r = strata_buf_get_string(b, &q, &qlen)) != STRATA_OK) {
        r = strata__error_set(err, r, "truncated %s private key", t->name);
        goto out;
    }
    if (clen != strlen(t->curve) || memcmp(curve, t->curve, clen) != 0) {
        r = strata__error_set(err, STRATA_E_FORMAT, "%s key names another curve", t->name);
        goto out;
    }
    if (qlen == 0 || q[0] != 0x04) { /* RFC 5656 §3.1: uncompressed points only */
        r = strata__error_set(err, STRATA_E_FORMAT, "%s public point is not uncompressed", t->name);
        goto out;
    }
    if ((r = strata__sshkf_get_bn(b, "ECDSA private scalar", &d, err)) != STRATA_OK)
        goto out;
    bld = OSSL_PARAM_BLD_new();
    if (!bld || !OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, t->group, 0) ||
        !OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, q, qlen) ||
        !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PRIV_KEY, d) ||
        !(params = OSSL_PARAM_BLD_to_param(bld))) {
        r = strata__error_set_ossl(err, STRATA_E_NOMEM, "cannot build ECDSA parameters");
        goto out;
    }
    r = strata__sshkf_fromdata("EC", params, out, err);
out:
    OSSL_PARAM_free(params);
    OSSL_PARAM_BLD_free(bld);
    BN_clear_free(d);
    return r;
}

static strata_status ecdsa_put_pub(const struct sshkf_type *t, EVP_PKEY *k, strata_buf *out,
                                   strata_error *err)
{
    uint8_t q[1 + 2 * 66];
    size_t qlen = 0;
    if (!EVP_PKEY_get_octet_string_param(k, OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, q, sizeof(q),
                                         &qlen))
        return strata__error_set_ossl(err, STRATA_E_CRYPTO, "cannot read ECDSA public point");
    strata_status r;
    if ((r = strata_buf_put_cstring(out, t->curve)) != STRATA_OK ||
        (r = strata_buf_put_string(out, q, qlen)) != STRATA_OK)
        return strata__error_set(err, r, "key does not fit");
    return STRATA_OK;
}

static strata_status ecdsa_put_priv(const struct sshkf_type *t, EVP_PKEY *k, strata_buf *out,
                                    strata_error *err)
{
    strata_status r = ecdsa_put_pub(t, k, out, err);
    if (r != STRATA_OK)
        return r;
    return strata__sshkf_put_bn_param(k, OSSL_PKEY_PARAM_PRIV_KEY, out, err);
}

const struct sshkf_type strata__sshkf_p256 = {
    "ecdsa-sha2-nistp256", "nistp256", "P-256", "EC", ecdsa_read, ecdsa_put_pub, ecdsa_put_priv,
};
const struct sshkf_type strata__sshkf_p384 = {
    "ecdsa-sha2-nistp384", "nistp384", "P-384", "EC", ecdsa_read, ecdsa_put_pub, ecdsa_put_priv,
};
const struct sshkf_type strata__sshkf_p521 = {
    "ecdsa-sha2-nistp521", "nistp521", "P-521", "EC", ecdsa_read, ecdsa_put_pub, ecdsa_put_priv,
};
