/* Finite-field Diffie-Hellman (RFC 4253 §8): the fixed MODP groups of
 * diffie-hellman-group1-sha1 (RFC 2409 §6.2), group14 (RFC 3526 §3), group16
 * and group18 (RFC 3526 §5, §7; RFC 8268), and the operations the group
 * exchange methods share once their group is set.
 *
 * OpenSSL 3 knows the RFC 3526 groups by name ("modp_2048", "modp_4096",
 * "modp_8192"); the 1024-bit Oakley group 2 is not a named group, so it is
 * built from its prime with generator 2, as the GEX groups are.
 */
#include <string.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/param_build.h>

#include "base/error_internal.h"
#include "ssh/kex/kex.h"

const uint8_t strata__ssh_modp1024_p[128] = {
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xc9, 0x0f, 0xda, 0xa2, 0x21, 0x68, 0xc2, 0x34,
    0xc4, 0xc6, 0x62, 0x8b, 0x80, 0xdc, 0x1c, 0xd1, 0x29, 0x02, 0x4e, 0x08, 0x8a, 0x67, 0xcc, 0x74,
    0x02, 0x0b, 0xbe, 0xa6, 0x3b, 0x13, 0x9b, 0x22, 0x51, 0x4a, 0x08, 0x79, 0x8e, 0x34, 0x04, 0xdd,
    0xef, 0x95, 0x19, 0xb3, 0xcd, 0x3a, 0x43, 0x1b, 0x30, 0x2b, 0x0a, 0x6d, 0xf2, 0x5f, 0x14, 0x37,
    0x4f, 0xe1, 0x35, 0x6d, 0x6d, 0x51, 0xc2, 0x45, 0xe4, 0x85, 0xb5, 0x76, 0x62, 0x5e, 0x7e, 0xc6,
    0xf4, 0x4c, 0x42, 0xe9, 0xa6, 0x37, 0xed, 0x6b, 0x0b, 0xff, 0x5c, 0xb6, 0xf4, 0x06, 0xb7, 0xed,
    0xee, 0x38, 0x6b, 0xfb, 0x5a, 0x89, 0x9f, 0xa5, 0xae, 0x9f, 0x24, 0x11, 0x7c, 0x4b, 0x1f, 0xe6,
    0x49, 0x28, 0x66, 0x51, 0xec, 0xe6, 0x53, 0x81, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
};

static strata_status domain_from_params(const OSSL_PARAM *params, EVP_PKEY **out, int selection,
                                        strata_error *err)
{
    EVP_PKEY_CTX *c = EVP_PKEY_CTX_new_from_name(NULL, "DH", NULL);
    strata_status r = STRATA_OK;
    if (!c || EVP_PKEY_fromdata_init(c) <= 0 ||
        EVP_PKEY_fromdata(c, out, selection, (OSSL_PARAM *)params) <= 0)
        r = strata__error_set_ossl(err, STRATA_E_CRYPTO, "cannot build a Diffie-Hellman key");
    EVP_PKEY_CTX_free(c);
    return r;
}

strata_status strata__ssh_ffc_domain_named(const char *group, EVP_PKEY **out, strata_error *err)
{
    *out = NULL;
    OSSL_PARAM ps[] = {OSSL_PARAM_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, (char *)group, 0),
                       OSSL_PARAM_END};
    return domain_from_params(ps, out, EVP_PKEY_KEY_PARAMETERS, err);
}

strata_status strata__ssh_ffc_domain_pg(const uint8_t *p, size_t plen, const uint8_t *g,
                                        size_t glen, EVP_PKEY **out, strata_error *err)
{
    *out = NULL;
    strata_status r = STRATA_E_NOMEM;
    BIGNUM *bp = BN_bin2bn(p, (int)plen, NULL), *bg = BN_bin2bn(g, (int)glen, NULL);
    OSSL_PARAM_BLD *b = OSSL_PARAM_BLD_new();
    OSSL_PARAM *ps = NULL;
    if (!bp || !bg || !b || !OSSL_PARAM_BLD_push_BN(b, OSSL_PKEY_PARAM_FFC_P, bp) ||
        !OSSL_PARAM_BLD_push_BN(b, OSSL_PKEY_PARAM_FFC_G, bg) ||
        /* A 512-bit private exponent, as OpenSSH uses for 256-bit keys (and
         * what OpenSSL picks for the named groups' security levels). */
        !OSSL_PARAM_BLD_push_int(b, OSSL_PKEY_PARAM_DH_PRIV_LEN, 512) ||
        !(ps = OSSL_PARAM_BLD_to_param(b))) {
        r = strata__error_set_ossl(err, STRATA_E_NOMEM, "out of memory building a DH group");
        goto out;
    }
    r = domain_from_params(ps, out, EVP_PKEY_KEY_PARAMETERS, err);
out:
    OSSL_PARAM_free(ps);
    OSSL_PARAM_BLD_free(b);
    BN_free(bp);
    BN_free(bg);
    return r;
}

static strata_status ensure_domain(struct ssh_kex *k, strata_error *err)
{
    if (k->domain)
        return STRATA_OK;
    if (k->alg->group)
        return strata__ssh_ffc_domain_named(k->alg->group, &k->domain, err);
    if (k->alg->p) {
        static const uint8_t two = 2;
        return strata__ssh_ffc_domain_pg(k->alg->p, k->alg->plen, &two, 1, &k->domain, err);
    }
    return strata__error_set(err, STRATA_E_STATE, "%s: no Diffie-Hellman group set", k->alg->name);
}

/* Our public value y as an mpint into k->our_pub. */
static strata_status store_our_pub(struct ssh_kex *k, strata_error *err)
{
    BIGNUM *y = NULL;
    uint8_t *tmp = NULL;
    strata_status r;
    if (!EVP_PKEY_get_bn_param(k->priv, OSSL_PKEY_PARAM_PUB_KEY, &y))
        return strata__error_set_ossl(err, STRATA_E_CRYPTO, "cannot read our DH public value");
    int n = BN_num_bytes(y);
    tmp = OPENSSL_malloc((size_t)n + 1);
    if (!tmp) {
        r = strata__error_set(err, STRATA_E_NOMEM, "out of memory");
        goto out;
    }
    BN_bn2bin(y, tmp);
    strata_buf_reset(&k->our_pub);
    r = strata_buf_put_mpint(&k->our_pub, tmp, (size_t)n, 0);
    if (r != STRATA_OK)
        strata__error_set(err, r, "cannot encode our DH public value");
out:
    OPENSSL_free(tmp);
    BN_free(y);
    return r;
}

static strata_status ffc_keygen(struct ssh_kex *k, strata_error *err)
{
    strata_status r = ensure_domain(k, err);
    if (r != STRATA_OK)
        return r;
    EVP_PKEY_CTX *c = EVP_PKEY_CTX_new_from_pkey(NULL, k->domain, NULL);
    EVP_PKEY_free(k->priv);
    k->priv = NULL;
    if (!c || EVP_PKEY_keygen_init(c) <= 0 || EVP_PKEY_keygen(c, &k->priv) <= 0) {
        EVP_PKEY_CTX_free(c);
        return strata__error_set_ossl(err, STRATA_E_CRYPTO, "%s: key generation failed",
                                      k->alg->name);
    }
    EVP_PKEY_CTX_free(c);
    return store_our_pub(k, err);
}

/* A key with the domain's parameters plus the given BIGNUM parameters. */
static strata_status key_with(struct ssh_kex *k, const char *n1, const BIGNUM *v1, const char *n2,
                              const BIGNUM *v2, int selection, EVP_PKEY **out, strata_error *err)
{
    OSSL_PARAM *dp = NULL, *xp = NULL, *all = NULL;
    OSSL_PARAM_BLD *b = OSSL_PARAM_BLD_new();
    strata_status r;
    if (!b || EVP_PKEY_todata(k->domain, EVP_PKEY_KEY_PARAMETERS, &dp) <= 0 ||
        !OSSL_PARAM_BLD_push_BN(b, n1, v1) || (n2 && !OSSL_PARAM_BLD_push_BN(b, n2, v2)) ||
        !(xp = OSSL_PARAM_BLD_to_param(b)) || !(all = OSSL_PARAM_merge(dp, xp))) {
        r = strata__error_set_ossl(err, STRATA_E_CRYPTO, "cannot build a Diffie-Hellman key");
        goto out;
    }
    r = domain_from_params(all, out, selection, err);
out:
    OSSL_PARAM_free(all);
    OSSL_PARAM_free(xp);
    OSSL_PARAM_free(dp);
    OSSL_PARAM_BLD_free(b);
    return r;
}

static strata_status ffc_derive(struct ssh_kex *k, const uint8_t *peer, size_t n, strata_error *err)
{
    strata_status r = STRATA_OK;
    BIGNUM *p = NULL, *pm1 = NULL, *f = NULL;
    EVP_PKEY *pk = NULL;
    if (!k->domain || !k->priv)
        return strata__error_set(err, STRATA_E_STATE, "%s: no key pair yet", k->alg->name);
    if (!EVP_PKEY_get_bn_param(k->domain, OSSL_PKEY_PARAM_FFC_P, &p) || !(pm1 = BN_dup(p)) ||
        !BN_sub_word(pm1, 1) || !(f = BN_bin2bn(peer, (int)n, NULL))) {
        r = strata__error_set_ossl(err, STRATA_E_NOMEM, "out of memory");
        goto out;
    }
    /* RFC 4253 §8: values not in [1, p-1] must not be accepted; 1 and p-1
     * give a trivial shared secret, so the range is 1 < f < p-1. */
    if (BN_cmp(f, BN_value_one()) <= 0 || BN_cmp(f, pm1) >= 0) {
        r = strata__error_set(err, STRATA_E_PROTOCOL,
                              "%s: peer's DH public value is out of range (must be 1 < f < p-1)",
                              k->alg->name);
        goto out;
    }
    if ((r = key_with(k, OSSL_PKEY_PARAM_PUB_KEY, f, NULL, NULL, EVP_PKEY_PUBLIC_KEY, &pk, err)) !=
        STRATA_OK)
        goto out;
    r = strata__ssh_kex_derive(k, pk, NULL, err);
out:
    EVP_PKEY_free(pk);
    BN_free(f);
    BN_free(pm1);
    BN_free(p);
    return r;
}

static strata_status ffc_set_keypair(struct ssh_kex *k, const uint8_t *priv, size_t privlen,
                                     const uint8_t *pub, size_t publen, strata_error *err)
{
    strata_status r = ensure_domain(k, err);
    if (r != STRATA_OK)
        return r;
    BIGNUM *x = BN_bin2bn(priv, (int)privlen, NULL), *y = BN_bin2bn(pub, (int)publen, NULL);
    EVP_PKEY_free(k->priv);
    k->priv = NULL;
    if (!x || !y)
        r = strata__error_set(err, STRATA_E_NOMEM, "out of memory");
    else
        r = key_with(k, OSSL_PKEY_PARAM_PRIV_KEY, x, OSSL_PKEY_PARAM_PUB_KEY, y, EVP_PKEY_KEYPAIR,
                     &k->priv, err);
    BN_clear_free(x);
    BN_free(y);
    return r == STRATA_OK ? store_our_pub(k, err) : r;
}

const struct ssh_kex_ops strata__ssh_ffc_ops = {ffc_keygen, ffc_derive, ffc_set_keypair, NULL};
