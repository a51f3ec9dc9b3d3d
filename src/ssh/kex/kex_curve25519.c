/* curve25519-sha256 and curve25519-sha256@libssh.org (RFC 8731), and the
 * X25519 half of the post-quantum hybrids (kex_hybrid.c).
 *
 * Public values are the 32-byte X25519 u-coordinates (RFC 7748 §5) sent as
 * strings. RFC 8731 §3: the peer's value must be exactly 32 bytes, and an
 * all-zero shared secret (a low-order peer point) must be refused. The
 * 32-byte X25519 output is read as a big-endian integer and encoded as an
 * mpint for K (RFC 8731 §3.1); the hybrids hash the raw 32 bytes instead.
 */
#include "base/error_internal.h"
#include "ssh/kex/kex.h"
#include "strata/mem.h"

#define X25519_LEN 32

static strata_status read_pub(struct ssh_kex *k, uint8_t pub[X25519_LEN], strata_error *err)
{
    size_t n = X25519_LEN;
    if (!EVP_PKEY_get_raw_public_key(k->priv, pub, &n) || n != X25519_LEN)
        return strata__error_set_ossl(err, STRATA_E_CRYPTO, "X25519: cannot read our public key");
    return STRATA_OK;
}

static strata_status store_pub(struct ssh_kex *k, strata_error *err)
{
    uint8_t pub[X25519_LEN];
    strata_status r = read_pub(k, pub, err);
    if (r != STRATA_OK)
        return r;
    strata_buf_reset(&k->our_pub);
    return strata_buf_put_string(&k->our_pub, pub, sizeof(pub));
}

strata_status strata__ssh_x25519_keygen_raw(struct ssh_kex *k, uint8_t pub[X25519_LEN],
                                            strata_error *err)
{
    EVP_PKEY_free(k->priv);
    k->priv = EVP_PKEY_Q_keygen(NULL, NULL, "X25519");
    if (!k->priv)
        return strata__error_set_ossl(err, STRATA_E_CRYPTO, "X25519: key generation failed");
    return read_pub(k, pub, err);
}

static strata_status x_keygen(struct ssh_kex *k, strata_error *err)
{
    uint8_t pub[X25519_LEN];
    strata_status r = strata__ssh_x25519_keygen_raw(k, pub, err);
    if (r != STRATA_OK)
        return r;
    strata_buf_reset(&k->our_pub);
    return strata_buf_put_string(&k->our_pub, pub, sizeof(pub));
}

/* The peer's value as an OpenSSL key; n checked by the caller. */
static strata_status peer_key(struct ssh_kex *k, const uint8_t *peer, size_t n, EVP_PKEY **out,
                              strata_error *err)
{
    if (!k->priv)
        return strata__error_set(err, STRATA_E_STATE, "%s: no key pair yet", k->alg->name);
    *out = EVP_PKEY_new_raw_public_key_ex(NULL, "X25519", NULL, peer, n);
    if (!*out)
        return strata__error_set_ossl(err, STRATA_E_CRYPTO, "%s: key agreement failed",
                                      k->alg->name);
    return STRATA_OK;
}

/* OpenSSL refuses to return the all-zero output of a low-order point. */
#define LOW_ORDER "shared secret is all zero (peer sent a low-order point)"

strata_status strata__ssh_x25519_shared_raw(struct ssh_kex *k, const uint8_t peer[X25519_LEN],
                                            uint8_t out[X25519_LEN], strata_error *err)
{
    EVP_PKEY *pk = NULL;
    EVP_PKEY_CTX *c = NULL;
    size_t n = X25519_LEN;
    strata_status r = peer_key(k, peer, X25519_LEN, &pk, err);
    if (r != STRATA_OK)
        return r;
    c = EVP_PKEY_CTX_new_from_pkey(NULL, k->priv, NULL);
    if (!c || EVP_PKEY_derive_init(c) <= 0 || EVP_PKEY_derive_set_peer(c, pk) <= 0) {
        r = strata__error_set_ossl(err, STRATA_E_CRYPTO, "%s: key agreement failed", k->alg->name);
        goto out;
    }
    if (EVP_PKEY_derive(c, out, &n) <= 0 || n != X25519_LEN) {
        r = strata__error_set_ossl(err, STRATA_E_PROTOCOL, "%s: %s", k->alg->name, LOW_ORDER);
        goto out;
    }
    /* RFC 8731 §3, whatever OpenSSL's own check does. */
    uint8_t acc = 0;
    for (size_t i = 0; i < X25519_LEN; i++)
        acc |= out[i];
    if (acc == 0)
        r = strata__error_set(err, STRATA_E_PROTOCOL, "%s: %s", k->alg->name, LOW_ORDER);
out:
    if (r != STRATA_OK)
        strata_memzero(out, X25519_LEN);
    EVP_PKEY_CTX_free(c);
    EVP_PKEY_free(pk);
    return r;
}

static strata_status x_derive(struct ssh_kex *k, const uint8_t *peer, size_t n, strata_error *err)
{
    if (n != X25519_LEN)
        return strata__error_set(err, STRATA_E_PROTOCOL,
                                 "%s: peer's public key is %zu bytes, not 32", k->alg->name, n);
    EVP_PKEY *pk = NULL;
    strata_status r = peer_key(k, peer, n, &pk, err);
    if (r != STRATA_OK)
        return r;
    r = strata__ssh_kex_derive(k, pk, LOW_ORDER, err);
    EVP_PKEY_free(pk);
    return r;
}

static strata_status x_set_keypair(struct ssh_kex *k, const uint8_t *priv, size_t privlen,
                                   const uint8_t *pub, size_t publen, strata_error *err)
{
    (void)pub;
    (void)publen;
    EVP_PKEY_free(k->priv);
    k->priv = EVP_PKEY_new_raw_private_key_ex(NULL, "X25519", NULL, priv, privlen);
    if (!k->priv)
        return strata__error_set_ossl(err, STRATA_E_USAGE, "X25519: bad private key");
    return store_pub(k, err);
}

const struct ssh_kex_ops strata__ssh_x25519_ops = {x_keygen, x_derive, x_set_keypair, NULL};
