/* Diffie-Hellman group exchange (RFC 4419): diffie-hellman-group-exchange-
 * sha256 and -sha1. The client asks for a group size (min, preferred, max) in
 * KEX_DH_GEX_REQUEST, or only the preferred size in the older
 * KEX_DH_GEX_REQUEST_OLD when configured; the server picks a group, and from
 * there the exchange is finite-field DH (kex_dh.c) over that group. The
 * client checks the group it is given: a size outside its request or a
 * degenerate generator ends the exchange (RFC 4419 §3, RFC 8270). */
#include <openssl/bn.h>
#include <openssl/core_names.h>

#include "base/error_internal.h"
#include "ssh/kex/kex.h"
#include "ssh/ssh_msg.h"

strata_status strata__ssh_kex_gex_set_group(struct ssh_kex *k, const uint8_t *p, size_t plen,
                                            const uint8_t *g, size_t glen, strata_error *err)
{
    strata_status r = STRATA_OK;
    BIGNUM *bp = BN_bin2bn(p, (int)plen, NULL), *bg = BN_bin2bn(g, (int)glen, NULL);
    BIGNUM *pm1 = bp ? BN_dup(bp) : NULL;
    if (!bp || !bg || !pm1 || !BN_sub_word(pm1, 1)) {
        r = strata__error_set_ossl(err, STRATA_E_NOMEM, "out of memory");
        goto out;
    }
    uint32_t bits = (uint32_t)BN_num_bits(bp);
    uint32_t lo = k->gex_old ? SSH_GEX_MIN_BITS : k->gex_min;
    uint32_t hi = k->gex_old ? SSH_GEX_MAX_BITS : k->gex_max;
    if (bits < lo || bits > hi) {
        r = strata__error_set(err, STRATA_E_PROTOCOL,
                              "%s: server's group is %u bits, outside the requested %u..%u",
                              k->alg->name, bits, lo, hi);
        goto out;
    }
    if (!BN_is_odd(bp)) {
        r = strata__error_set(err, STRATA_E_PROTOCOL, "%s: server's group prime is even",
                              k->alg->name);
        goto out;
    }
    if (BN_cmp(bg, BN_value_one()) <= 0 || BN_cmp(bg, pm1) >= 0) {
        r = strata__error_set(err, STRATA_E_PROTOCOL,
                              "%s: server's group generator is out of range (must be 1 < g < p-1)",
                              k->alg->name);
        goto out;
    }
    EVP_PKEY_free(k->domain);
    k->domain = NULL;
    if ((r = strata__ssh_ffc_domain_pg(p, plen, g, glen, &k->domain, err)) != STRATA_OK)
        goto out;
    strata_buf_reset(&k->gex_pg);
    if ((r = strata_buf_put_mpint(&k->gex_pg, p, plen, 0)) != STRATA_OK ||
        (r = strata_buf_put_mpint(&k->gex_pg, g, glen, 0)) != STRATA_OK)
        strata__error_set(err, r, "%s: cannot keep the group", k->alg->name);
out:
    BN_free(pm1);
    BN_free(bp);
    BN_free(bg);
    return r;
}

strata_status strata__ssh_kex_gex_request(struct ssh_kex *k, int old, uint32_t min, uint32_t n,
                                          uint32_t max, strata_buf *out)
{
    strata_status r;
    k->gex_old = old;
    k->gex_min = min;
    k->gex_n = n;
    k->gex_max = max;
    if (old)
        return (r = strata_buf_put_u8(out, SSH_MSG_KEX_DH_GEX_REQUEST_OLD)) != STRATA_OK
                   ? r
                   : strata_buf_put_u32(out, n);
    if ((r = strata_buf_put_u8(out, SSH_MSG_KEX_DH_GEX_REQUEST)) != STRATA_OK ||
        (r = strata_buf_put_u32(out, min)) != STRATA_OK ||
        (r = strata_buf_put_u32(out, n)) != STRATA_OK)
        return r;
    return strata_buf_put_u32(out, max);
}

strata_status strata__ssh_kex_gex_parse_group(struct ssh_kex *k, const uint8_t *payload, size_t n,
                                              strata_error *err)
{
    strata_buf m;
    uint8_t t;
    const uint8_t *p, *g;
    size_t plen, glen;
    strata_buf_view(&m, payload, n);
    if (strata_buf_get_u8(&m, &t) != STRATA_OK || t != SSH_MSG_KEX_DH_GEX_GROUP)
        return strata__error_set(err, STRATA_E_PROTOCOL, "%s: expected KEX_DH_GEX_GROUP",
                                 k->alg->name);
    if (strata_buf_get_mpint(&m, &p, &plen) != STRATA_OK ||
        strata_buf_get_mpint(&m, &g, &glen) != STRATA_OK || strata_buf_get_end(&m) != STRATA_OK)
        return strata__error_set(err, STRATA_E_FORMAT, "%s: malformed KEX_DH_GEX_GROUP",
                                 k->alg->name);
    return strata__ssh_kex_gex_set_group(k, p, plen, g, glen, err);
}

strata_status strata__ssh_kex_server_parse_gex_request(struct ssh_kex *k, const uint8_t *payload,
                                                       size_t n, strata_error *err)
{
    strata_buf m;
    uint8_t t;
    strata_buf_view(&m, payload, n);
    strata_status r = strata_buf_get_u8(&m, &t);
    if (r == STRATA_OK && t == SSH_MSG_KEX_DH_GEX_REQUEST_OLD) {
        k->gex_old = 1;
        k->gex_min = SSH_GEX_MIN_BITS;
        k->gex_max = SSH_GEX_MAX_BITS;
        r = strata_buf_get_u32(&m, &k->gex_n);
    } else if (r == STRATA_OK && t == SSH_MSG_KEX_DH_GEX_REQUEST) {
        k->gex_old = 0;
        if ((r = strata_buf_get_u32(&m, &k->gex_min)) == STRATA_OK &&
            (r = strata_buf_get_u32(&m, &k->gex_n)) == STRATA_OK)
            r = strata_buf_get_u32(&m, &k->gex_max);
    } else {
        r = STRATA_E_PROTOCOL;
    }
    if (r == STRATA_OK)
        r = strata_buf_get_end(&m);
    if (r != STRATA_OK)
        return strata__error_set(err, r, "%s: malformed group exchange request", k->alg->name);
    if (k->gex_min > k->gex_n || k->gex_n > k->gex_max)
        return strata__error_set(err, STRATA_E_PROTOCOL,
                                 "%s: group exchange request %u <= %u <= %u does not hold",
                                 k->alg->name, k->gex_min, k->gex_n, k->gex_max);
    return STRATA_OK;
}

/* The test server's groups: the RFC 3526 MODP primes OpenSSL names. */
strata_status strata__ssh_kex_server_gex_group(struct ssh_kex *k, strata_buf *out,
                                               strata_error *err)
{
    static const struct {
        uint32_t bits;
        const char *name;
    } groups[] = {
        {2048, "modp_2048"}, {3072, "modp_3072"}, {4096, "modp_4096"}, {8192, "modp_8192"}};
    const char *pick = NULL;
    for (size_t i = 0; i < sizeof(groups) / sizeof(groups[0]) && !pick; i++)
        if (groups[i].bits >= k->gex_n && groups[i].bits >= k->gex_min &&
            groups[i].bits <= k->gex_max)
            pick = groups[i].name;
    if (!pick)
        return strata__error_set(err, STRATA_E_UNSUPPORTED, "%s: no group of %u..%u bits",
                                 k->alg->name, k->gex_min, k->gex_max);
    EVP_PKEY *d = NULL;
    BIGNUM *p = NULL, *g = NULL;
    uint8_t pb[1024], gb[1024];
    strata_status r = strata__ssh_ffc_domain_named(pick, &d, err);
    if (r != STRATA_OK)
        return r;
    if (!EVP_PKEY_get_bn_param(d, OSSL_PKEY_PARAM_FFC_P, &p) ||
        !EVP_PKEY_get_bn_param(d, OSSL_PKEY_PARAM_FFC_G, &g)) {
        r = strata__error_set_ossl(err, STRATA_E_CRYPTO, "cannot read group %s", pick);
        goto out;
    }
    int pl = BN_bn2bin(p, pb), gl = BN_bn2bin(g, gb);
    strata_buf_reset(&k->gex_pg);
    EVP_PKEY_free(k->domain);
    k->domain = d;
    d = NULL;
    if ((r = strata_buf_put_mpint(&k->gex_pg, pb, (size_t)pl, 0)) != STRATA_OK ||
        (r = strata_buf_put_mpint(&k->gex_pg, gb, (size_t)gl, 0)) != STRATA_OK ||
        (r = strata_buf_put_u8(out, SSH_MSG_KEX_DH_GEX_GROUP)) != STRATA_OK ||
        (r = strata_buf_put(out, strata_buf_ptr(&k->gex_pg), strata_buf_len(&k->gex_pg))) !=
            STRATA_OK)
        strata__error_set(err, r, "%s: cannot build KEX_DH_GEX_GROUP", k->alg->name);
out:
    EVP_PKEY_free(d);
    BN_free(p);
    BN_free(g);
    return r;
}
