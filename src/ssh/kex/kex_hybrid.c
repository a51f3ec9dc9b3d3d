/* Post-quantum hybrid key exchanges: a KEM combined with X25519.
 *
 *   mlkem768x25519-sha256          draft-ietf-sshm-mlkem-hybrid-kex: ML-KEM-768 (FIPS 203)
 *   sntrup761x25519-sha512         draft-josefsson-ntruprime-ssh: Streamlined NTRU Prime 761
 *   sntrup761x25519-sha512@openssh.com   the same, OpenSSH's name for it since 8.5
 *
 * Both use the ECDH messages (RFC 5656 §4) with these values, all strings:
 *
 *   C_INIT  = KEM public key || client X25519 public key       (client -> server)
 *   S_REPLY = KEM ciphertext || server X25519 public key       (server -> client)
 *   K       = string HASH(KEM shared secret || X25519 shared secret)
 *
 * with HASH the method's hash (SHA-256 / SHA-512), also used for the exchange
 * hash and the key derivation. K is encoded as a string, not an mpint
 * (draft-ietf-sshm-mlkem-hybrid-kex §2.4; OpenSSH's PROTOCOL for sntrup761).
 * The client checks S_REPLY's exact length; the server checks C_INIT's; the
 * X25519 half refuses an all-zero result (RFC 8731 §3). The KEMs reject
 * implicitly, so a forged ciphertext gives a K the server cannot know and
 * the host key signature over H then fails.
 *
 * The KEM secret key and every shared secret are wiped when no longer needed.
 */
#include <stdlib.h>
#include <string.h>
#include <openssl/evp.h>

#include "base/error_internal.h"
#include "pq/mlkem768.h"
#include "pq/sntrup761.h"
#include "ssh/kex/kex.h"
#include "strata/mem.h"

#define X25519_LEN 32
#define KEM_SS_MAX 32

const struct ssh_kem strata__ssh_kem_mlkem768 = {
    "ML-KEM-768",
    STRATA_MLKEM768_PUBLICKEY_BYTES,
    STRATA_MLKEM768_SECRETKEY_BYTES,
    STRATA_MLKEM768_CIPHERTEXT_BYTES,
    STRATA_MLKEM768_SHAREDSECRET_BYTES,
    strata__mlkem768_keypair,
    strata__mlkem768_encaps,
    strata__mlkem768_decaps,
};

const struct ssh_kem strata__ssh_kem_sntrup761 = {
    "sntrup761",
    STRATA_SNTRUP761_PUBLICKEY_BYTES,
    STRATA_SNTRUP761_SECRETKEY_BYTES,
    STRATA_SNTRUP761_CIPHERTEXT_BYTES,
    STRATA_SNTRUP761_SHAREDSECRET_BYTES,
    strata__sntrup761_keypair,
    strata__sntrup761_enc,
    strata__sntrup761_dec,
};

/* K = string HASH(kem_ss || x_ss). */
static strata_status combine(struct ssh_kex *k, const uint8_t *kem_ss, const uint8_t *x_ss,
                             strata_error *err)
{
    const struct ssh_kem *kem = k->alg->kem;
    uint8_t in[KEM_SS_MAX + X25519_LEN], h[EVP_MAX_MD_SIZE];
    unsigned int hl = 0;
    strata_status r = STRATA_OK;
    memcpy(in, kem_ss, kem->ss_len);
    memcpy(in + kem->ss_len, x_ss, X25519_LEN);
    EVP_MD *md = EVP_MD_fetch(NULL, k->alg->md, NULL);
    if (!md || !EVP_Digest(in, kem->ss_len + X25519_LEN, h, &hl, md, NULL)) {
        r = strata__error_set_ossl(err, STRATA_E_CRYPTO, "%s: cannot hash the shared secrets",
                                   k->alg->name);
        goto out;
    }
    strata_buf_reset(&k->K);
    if ((r = strata_buf_put_string(&k->K, h, hl)) != STRATA_OK)
        strata__error_set(err, r, "%s: cannot encode the shared secret", k->alg->name);
out:
    EVP_MD_free(md);
    strata_memzero(in, sizeof(in));
    strata_memzero(h, sizeof(h));
    return r;
}

/* Client: a KEM key pair and an X25519 key pair; C_INIT. */
static strata_status hy_keygen(struct ssh_kex *k, strata_error *err)
{
    const struct ssh_kem *kem = k->alg->kem;
    uint8_t xpub[X25519_LEN];
    uint8_t *pk = NULL;
    strata_status r;
    if (k->kem_sk) {
        OPENSSL_clear_free(k->kem_sk, kem->sk_len);
        k->kem_sk = NULL;
    }
    if (!(k->kem_sk = OPENSSL_zalloc(kem->sk_len)) || !(pk = malloc(kem->pk_len))) {
        r = strata__error_set(err, STRATA_E_NOMEM, "out of memory");
        goto out;
    }
    if ((r = kem->keypair(pk, k->kem_sk)) != STRATA_OK) {
        r = strata__error_set_ossl(err, r, "%s: %s key generation failed", k->alg->name, kem->name);
        goto out;
    }
    if ((r = strata__ssh_x25519_keygen_raw(k, xpub, err)) != STRATA_OK)
        goto out;
    strata_buf_reset(&k->our_pub);
    if ((r = strata_buf_put_u32(&k->our_pub, (uint32_t)(kem->pk_len + X25519_LEN))) != STRATA_OK ||
        (r = strata_buf_put(&k->our_pub, pk, kem->pk_len)) != STRATA_OK ||
        (r = strata_buf_put(&k->our_pub, xpub, sizeof(xpub))) != STRATA_OK)
        strata__error_set(err, r, "%s: cannot encode our public value", k->alg->name);
out:
    free(pk);
    return r;
}

/* Client: S_REPLY -> K. */
static strata_status hy_decaps(struct ssh_kex *k, const uint8_t *peer, size_t n, strata_error *err)
{
    const struct ssh_kem *kem = k->alg->kem;
    uint8_t kem_ss[KEM_SS_MAX], x_ss[X25519_LEN];
    strata_status r;
    if (!k->kem_sk || !k->priv)
        return strata__error_set(err, STRATA_E_STATE, "%s: no key pair yet", k->alg->name);
    if (n != kem->ct_len + X25519_LEN)
        return strata__error_set(err, STRATA_E_PROTOCOL,
                                 "%s: server's reply value is %zu bytes, not %zu", k->alg->name, n,
                                 kem->ct_len + X25519_LEN);
    if ((r = strata__ssh_x25519_shared_raw(k, peer + kem->ct_len, x_ss, err)) != STRATA_OK)
        return r;
    kem->decaps(kem_ss, peer, k->kem_sk);
    r = combine(k, kem_ss, x_ss, err);
    strata_memzero(kem_ss, sizeof(kem_ss));
    strata_memzero(x_ss, sizeof(x_ss));
    return r;
}

/* Server (tests): C_INIT -> S_REPLY and K. */
static strata_status hy_encaps(struct ssh_kex *k, const uint8_t *peer, size_t n, strata_error *err)
{
    const struct ssh_kem *kem = k->alg->kem;
    uint8_t kem_ss[KEM_SS_MAX], x_ss[X25519_LEN], xpub[X25519_LEN];
    uint8_t *ct = NULL;
    strata_status r;
    if (n != kem->pk_len + X25519_LEN)
        return strata__error_set(err, STRATA_E_PROTOCOL,
                                 "%s: client's public value is %zu bytes, not %zu", k->alg->name, n,
                                 kem->pk_len + X25519_LEN);
    if (!(ct = malloc(kem->ct_len)))
        return strata__error_set(err, STRATA_E_NOMEM, "out of memory");
    if ((r = kem->encaps(ct, kem_ss, peer)) != STRATA_OK) {
        r = r == STRATA_E_PROTOCOL
                ? strata__error_set(err, r, "%s: client's %s public key is not valid", k->alg->name,
                                    kem->name)
                : strata__error_set_ossl(err, r, "%s: %s encapsulation failed", k->alg->name,
                                         kem->name);
        goto out;
    }
    if ((r = strata__ssh_x25519_keygen_raw(k, xpub, err)) != STRATA_OK ||
        (r = strata__ssh_x25519_shared_raw(k, peer + kem->pk_len, x_ss, err)) != STRATA_OK ||
        (r = combine(k, kem_ss, x_ss, err)) != STRATA_OK)
        goto out;
    strata_buf_reset(&k->our_pub);
    if ((r = strata_buf_put_u32(&k->our_pub, (uint32_t)(kem->ct_len + X25519_LEN))) != STRATA_OK ||
        (r = strata_buf_put(&k->our_pub, ct, kem->ct_len)) != STRATA_OK ||
        (r = strata_buf_put(&k->our_pub, xpub, sizeof(xpub))) != STRATA_OK)
        strata__error_set(err, r, "%s: cannot encode our reply value", k->alg->name);
out:
    strata_memzero(kem_ss, sizeof(kem_ss));
    strata_memzero(x_ss, sizeof(x_ss));
    free(ct);
    return r;
}

/* No fixed key pairs: the hybrids' known answers are the KEMs' own
 * (tests/unit/test_pq_*.c) and the exchange against OpenSSH. */
static strata_status hy_set_keypair(struct ssh_kex *k, const uint8_t *priv, size_t privlen,
                                    const uint8_t *pub, size_t publen, strata_error *err)
{
    (void)priv;
    (void)privlen;
    (void)pub;
    (void)publen;
    return strata__error_set(err, STRATA_E_UNSUPPORTED, "%s: no fixed key pairs", k->alg->name);
}

const struct ssh_kex_ops strata__ssh_hybrid_ops = {hy_keygen, hy_decaps, hy_set_keypair, hy_encaps};
