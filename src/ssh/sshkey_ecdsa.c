/* ecdsa-sha2-nistp256/384/521 keys and signatures (RFC 5656 §3.1).
 *
 * Public key: string curve ("nistp256"), string Q (uncompressed point,
 * SEC1 2.3.3). The curve in the blob must be the one the type names, and Q
 * must be a point on the curve (checked by EVP_PKEY_public_check).
 * Signature: string holding mpint r, mpint s (RFC 5656 §3.1.2); OpenSSL wants
 * DER, so it is converted both ways.
 * Private parts (PROTOCOL.key): string curve, string Q, mpint d.
 */
#include <string.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>

#include "base/error_internal.h"
#include "ssh/sshkey_internal.h"

/* Field size in bytes: 32, 48 or 66. */
static size_t field_bytes(const struct ssh_keytype *t)
{
    if (t == &strata__ssh_kt_ecdsa_p256)
        return 32;
    if (t == &strata__ssh_kt_ecdsa_p384)
        return 48;
    return 66;
}

static strata_status ec_read(const struct ssh_keytype *t, strata_buf *b, EVP_PKEY **out,
                             strata_error *err)
{
    *out = NULL;
    const uint8_t *curve, *q;
    size_t curve_len, qn;
    strata_status st;
    if ((st = strata_buf_get_string(b, &curve, &curve_len)) != STRATA_OK ||
        (st = strata_buf_get_string(b, &q, &qn)) != STRATA_OK)
        return strata__error_set(err, st, "%s key blob is truncated", t->name);
    if (curve_len != strlen(t->curve) || memcmp(curve, t->curve, curve_len) != 0)
        return strata__error_set(err, STRATA_E_FORMAT, "%s key blob names curve \"%.*s\", not %s",
                                 t->name, (int)(curve_len > 32 ? 32 : curve_len),
                                 (const char *)curve, t->curve);
    size_t fl = field_bytes(t);
    if (qn != 1 + 2 * fl || q[0] != 0x04)
        return strata__error_set(err, STRATA_E_FORMAT,
                                 "%s public point is not an uncompressed point of %zu bytes",
                                 t->name, 1 + 2 * fl);
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, (char *)(uintptr_t)t->group,
                                         0),
        OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, (void *)(uintptr_t)q, qn),
        OSSL_PARAM_construct_end(),
    };
    EVP_PKEY *pk = NULL;
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
    if (!ctx || EVP_PKEY_fromdata_init(ctx) != 1 ||
        EVP_PKEY_fromdata(ctx, &pk, EVP_PKEY_PUBLIC_KEY, params) != 1) {
        st = strata__error_set_ossl(err, STRATA_E_FORMAT, "%s public point is not on the curve",
                                    t->name);
        goto out;
    }
    EVP_PKEY_CTX_free(ctx);
    ctx = EVP_PKEY_CTX_new_from_pkey(NULL, pk, NULL);
    /* On the curve and not the point at infinity; the NIST curves have
     * cofactor 1, so that is also the right order (the full check's extra
     * scalar multiplication adds nothing). */
    if (!ctx || EVP_PKEY_public_check_quick(ctx) != 1) {
        st = strata__error_set_ossl(err, STRATA_E_FORMAT, "%s public point is not on the curve",
                                    t->name);
        goto out;
    }
    *out = pk;
    pk = NULL;
out:
    EVP_PKEY_free(pk);
    EVP_PKEY_CTX_free(ctx);
    return st;
}

static strata_status ec_put(const struct ssh_keytype *t, EVP_PKEY *pk, strata_buf *out,
                            strata_error *err)
{
    uint8_t q[1 + 2 * 66];
    size_t qn = 0;
    if (EVP_PKEY_get_octet_string_param(pk, OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, q, sizeof(q),
                                        &qn) != 1)
        return strata__error_set_ossl(err, STRATA_E_CRYPTO, "cannot read the %s public point",
                                      t->name);
    if (qn != 1 + 2 * field_bytes(t) || q[0] != 0x04)
        return strata__error_set(err, STRATA_E_CRYPTO,
                                 "%s public point is not in uncompressed form", t->name);
    strata_status st;
    if ((st = strata_buf_put_cstring(out, t->curve)) != STRATA_OK ||
        (st = strata_buf_put_string(out, q, qn)) != STRATA_OK)
        return strata__error_set(err, st, "cannot write a %s public key", t->name);
    return STRATA_OK;
}

static strata_status ec_verify(const struct ssh_keytype *t, EVP_PKEY *pk, const char *md,
                               const uint8_t *sig, size_t sig_len, const uint8_t *data, size_t n,
                               strata_error *err)
{
    strata_buf b;
    const uint8_t *r, *s;
    size_t rn, sn, fl = field_bytes(t);
    strata_status st;
    strata_buf_view(&b, sig, sig_len);
    if ((st = strata_buf_get_mpint(&b, &r, &rn)) != STRATA_OK ||
        (st = strata_buf_get_mpint(&b, &s, &sn)) != STRATA_OK ||
        (st = strata_buf_get_end(&b)) != STRATA_OK)
        return strata__error_set(err, st, "%s signature is not two mpints (r, s)", t->name);
    if (rn == 0 || sn == 0 || rn > fl || sn > fl)
        return strata__error_set(err, STRATA_E_FORMAT, "%s signature value out of range", t->name);
    uint8_t *der;
    size_t der_len;
    if ((st = strata__ssh_rs_to_der(r, rn, s, sn, &der, &der_len, err)) != STRATA_OK)
        return st;
    st = strata__ssh_evp_verify(pk, md, der, der_len, data, n, t->name, err);
    OPENSSL_free(der);
    return st;
}

static strata_status ec_sign(const struct ssh_keytype *t, EVP_PKEY *pk, const char *md,
                             const uint8_t *data, size_t n, strata_buf *out, strata_error *err)
{
    uint8_t *der;
    size_t der_len, fl = field_bytes(t);
    uint8_t rs[2 * 66];
    strata_status st = strata__ssh_evp_sign(pk, md, data, n, &der, &der_len, err);
    if (st != STRATA_OK)
        return st;
    st = strata__ssh_der_to_rs(der, der_len, fl, rs, err);
    OPENSSL_free(der);
    if (st != STRATA_OK)
        return st;
    if ((st = strata_buf_put_mpint(out, rs, fl, 0)) != STRATA_OK ||
        (st = strata_buf_put_mpint(out, rs + fl, fl, 0)) != STRATA_OK)
        return strata__error_set(err, st, "cannot write a %s signature", t->name);
    return STRATA_OK;
}

static strata_status ec_read_priv(const struct ssh_keytype *t, strata_buf *b, EVP_PKEY **out,
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
    if ((r = strata__ssh_get_bn(b, field_bytes(t) + 1, "ECDSA private scalar", 1, &d, err)) !=
        STRATA_OK)
        goto out;
    bld = OSSL_PARAM_BLD_new();
    if (!bld || !OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, t->group, 0) ||
        !OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, q, qlen) ||
        !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PRIV_KEY, d) ||
        !(params = OSSL_PARAM_BLD_to_param(bld))) {
        r = strata__error_set_ossl(err, STRATA_E_NOMEM, "cannot build ECDSA parameters");
        goto out;
    }
    r = strata__ssh_pkey_from_params("EC", params, out, err);
out:
    OSSL_PARAM_free(params);
    OSSL_PARAM_BLD_free(bld);
    BN_clear_free(d);
    return r;
}

#define ECDSA_ROW(nist, ossl, md)                                                                  \
    {                                                                                              \
        .name = "ecdsa-sha2-" nist, .cert_name = "ecdsa-sha2-" nist "-cert-v01@openssh.com",       \
        .curve = nist, .group = ossl, .evp_name = "EC",                                            \
        .sigalgs = {{"ecdsa-sha2-" nist, "ecdsa-sha2-" nist "-cert-v01@openssh.com", md, 0}},      \
        .read_pub = ec_read, .put_pub = ec_put, .read_priv = ec_read_priv,                         \
        .put_priv = strata__ssh_put_pub_and_x, .verify = ec_verify, .sign = ec_sign,               \
    }

const struct ssh_keytype strata__ssh_kt_ecdsa_p256 = ECDSA_ROW("nistp256", "P-256", "SHA256");
const struct ssh_keytype strata__ssh_kt_ecdsa_p384 = ECDSA_ROW("nistp384", "P-384", "SHA384");
const struct ssh_keytype strata__ssh_kt_ecdsa_p521 = ECDSA_ROW("nistp521", "P-521", "SHA512");
