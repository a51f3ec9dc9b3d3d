/* curve25519-sha256 and curve25519-sha256@libssh.org (RFC 8731).
 *
 * Public values are the 32-byte X25519 u-coordinates (RFC 7748 §5) sent as
 * strings. RFC 8731 §3: the peer's value must be exactly 32 bytes, and an
 * all-zero shared secret (a low-order peer point) must be refused. The
 * 32-byte X25519 output is read as a big-endian integer and encoded as an
 * mpint for K (RFC 8731 §3.1).
 */
#include "base/error_internal.h"
#include "ssh/kex/kex.h"
#include "strata/mem.h"

#define X25519_LEN 32

static strata_status store_pub(struct ssh_kex *k, strata_error *err)
{
    uint8_t pub[X25519_LEN];
    size_t n = sizeof(pub);
    if (!EVP_PKEY_get_raw_public_key(k->priv, pub, &n) || n != X25519_LEN)
        return strata__error_set_ossl(err, STRATA_E_CRYPTO, "X25519: cannot read our public key");
    strata_buf_reset(&k->our_pub);
    return strata_buf_put_string(&k->our_pub, pub, n);
}

static strata_status x_keygen(struct ssh_kex *k, strata_error *err)
{
    EVP_PKEY_free(k->priv);
    k->priv = EVP_PKEY_Q_keygen(NULL, NULL, "X25519");
    if (!k->priv)
        return strata__error_set_ossl(err, STRATA_E_CRYPTO, "X25519: key generation failed");
    return store_pub(k, err);
}

static strata_status x_derive(struct ssh_kex *k, const uint8_t *peer, size_t n, strata_error *err)
{
    if (!k->priv)
        return strata__error_set(err, STRATA_E_STATE, "%s: no key pair yet", k->alg->name);
    if (n != X25519_LEN)
        return strata__error_set(err, STRATA_E_PROTOCOL,
                                 "%s: peer's public key is %zu bytes, not 32", k->alg->name, n);
    EVP_PKEY *pk = EVP_PKEY_new_raw_public_key_ex(NULL, "X25519", NULL, peer, n);
    if (!pk)
        return strata__error_set_ossl(err, STRATA_E_CRYPTO, "%s: key agreement failed",
                                      k->alg->name);
    /* OpenSSL refuses to return the all-zero output of a low-order point. */
    strata_status r = strata__ssh_kex_derive(
        k, pk, "shared secret is all zero (peer sent a low-order point)", err);
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

const struct ssh_kex_ops strata__ssh_x25519_ops = {x_keygen, x_derive, x_set_keypair};
