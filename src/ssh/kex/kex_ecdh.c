/* ECDH over the NIST curves (RFC 5656 §4): ecdh-sha2-nistp256/384/521.
 *
 * Public values are uncompressed points (SEC1 §2.3.3) sent as strings. The
 * peer's point is imported with the curve name, which makes OpenSSL check it
 * lies on the curve; EVP_PKEY_public_check adds the full check (RFC 5656 §4:
 * the recipient must verify the point, SEC1 §3.2.2). K is the x coordinate,
 * encoded as an mpint.
 */
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/param_build.h>

#include "base/error_internal.h"
#include "ssh/kex/kex.h"
#include "strata/mem.h"

static strata_status ec_keygen(struct ssh_kex *k, strata_error *err)
{
    EVP_PKEY_free(k->priv);
    k->priv = EVP_PKEY_Q_keygen(NULL, NULL, "EC", k->alg->group);
    if (!k->priv)
        return strata__error_set_ossl(err, STRATA_E_CRYPTO, "%s: key generation failed",
                                      k->alg->name);
    uint8_t pt[160];
    size_t n = 0;
    if (!EVP_PKEY_get_octet_string_param(k->priv, OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, pt,
                                         sizeof(pt), &n))
        return strata__error_set_ossl(err, STRATA_E_CRYPTO, "%s: cannot encode our point",
                                      k->alg->name);
    strata_buf_reset(&k->our_pub);
    return strata_buf_put_string(&k->our_pub, pt, n);
}

static strata_status ec_import(struct ssh_kex *k, const uint8_t *priv, size_t privlen,
                               const uint8_t *pub, size_t publen, EVP_PKEY **out, strata_error *err)
{
    BIGNUM *d = priv ? BN_bin2bn(priv, (int)privlen, NULL) : NULL;
    OSSL_PARAM_BLD *b = OSSL_PARAM_BLD_new();
    OSSL_PARAM *ps = NULL;
    EVP_PKEY_CTX *c = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
    strata_status r = STRATA_OK;
    *out = NULL;
    if (!b || !c || (priv && !d) ||
        !OSSL_PARAM_BLD_push_utf8_string(b, OSSL_PKEY_PARAM_GROUP_NAME, k->alg->group, 0) ||
        !OSSL_PARAM_BLD_push_octet_string(b, OSSL_PKEY_PARAM_PUB_KEY, pub, publen) ||
        (d && !OSSL_PARAM_BLD_push_BN(b, OSSL_PKEY_PARAM_PRIV_KEY, d)) ||
        !(ps = OSSL_PARAM_BLD_to_param(b))) {
        r = strata__error_set_ossl(err, STRATA_E_NOMEM, "out of memory");
        goto out;
    }
    if (EVP_PKEY_fromdata_init(c) <= 0 ||
        EVP_PKEY_fromdata(c, out, d ? EVP_PKEY_KEYPAIR : EVP_PKEY_PUBLIC_KEY, ps) <= 0) {
        r = strata__error_set_ossl(err, STRATA_E_PROTOCOL, "%s: invalid curve point", k->alg->name);
        goto out;
    }
out:
    OSSL_PARAM_free(ps);
    OSSL_PARAM_BLD_free(b);
    EVP_PKEY_CTX_free(c);
    BN_clear_free(d);
    return r;
}

static strata_status ec_derive(struct ssh_kex *k, const uint8_t *peer, size_t n, strata_error *err)
{
    EVP_PKEY *pk = NULL;
    EVP_PKEY_CTX *c = NULL;
    strata_status r;
    if (!k->priv)
        return strata__error_set(err, STRATA_E_STATE, "%s: no key pair yet", k->alg->name);
    /* SEC1 §2.3.4: only the uncompressed form (0x04 || x || y) is used. */
    if (n == 0 || peer[0] != 0x04)
        return strata__error_set(err, STRATA_E_PROTOCOL,
                                 "%s: peer's point is not in uncompressed form", k->alg->name);
    if ((r = ec_import(k, NULL, 0, peer, n, &pk, err)) != STRATA_OK)
        return r;
    c = EVP_PKEY_CTX_new_from_pkey(NULL, pk, NULL);
    if (!c || EVP_PKEY_public_check(c) <= 0) {
        r = strata__error_set_ossl(err, STRATA_E_PROTOCOL, "%s: peer's point is not valid",
                                   k->alg->name);
        goto out;
    }
    r = strata__ssh_kex_derive(k, pk, NULL, err);
out:
    EVP_PKEY_CTX_free(c);
    EVP_PKEY_free(pk);
    return r;
}

static strata_status ec_set_keypair(struct ssh_kex *k, const uint8_t *priv, size_t privlen,
                                    const uint8_t *pub, size_t publen, strata_error *err)
{
    EVP_PKEY_free(k->priv);
    k->priv = NULL;
    strata_status r = ec_import(k, priv, privlen, pub, publen, &k->priv, err);
    if (r != STRATA_OK)
        return r;
    strata_buf_reset(&k->our_pub);
    return strata_buf_put_string(&k->our_pub, pub, publen);
}

const struct ssh_kex_ops strata__ssh_ecdh_ops = {ec_keygen, ec_derive, ec_set_keypair, NULL};
