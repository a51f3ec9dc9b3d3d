/* The key exchange table and the generic flow shared by every method:
 * the INIT / REPLY messages and the exchange hash. See kex.h. */
#include <stdlib.h>
#include <string.h>

#include "base/error_internal.h"
#include "ssh/kex/kex.h"
#include "ssh/ssh_msg.h"
#include "strata/mem.h"

/* Preference order of the default offer, OpenSSH 10's: the post-quantum
 * hybrids, curve25519, the NIST curves, then the finite-field groups. */
static const struct ssh_kex_alg kex_algs[] = {
    {"mlkem768x25519-sha256", "SHA256", SSH_KEX_KIND_KEM, 0, NULL, NULL, 0, &strata__ssh_hybrid_ops,
     &strata__ssh_kem_mlkem768, 1},
    {"sntrup761x25519-sha512", "SHA512", SSH_KEX_KIND_KEM, 0, NULL, NULL, 0,
     &strata__ssh_hybrid_ops, &strata__ssh_kem_sntrup761, 1},
    {"sntrup761x25519-sha512@openssh.com", "SHA512", SSH_KEX_KIND_KEM, 0, NULL, NULL, 0,
     &strata__ssh_hybrid_ops, &strata__ssh_kem_sntrup761, 1},
    {"curve25519-sha256", "SHA256", SSH_KEX_KIND_ECDH, 0, "X25519", NULL, 0,
     &strata__ssh_x25519_ops, NULL, 0},
    {"curve25519-sha256@libssh.org", "SHA256", SSH_KEX_KIND_ECDH, 0, "X25519", NULL, 0,
     &strata__ssh_x25519_ops, NULL, 0},
    {"ecdh-sha2-nistp256", "SHA256", SSH_KEX_KIND_ECDH, 0, "P-256", NULL, 0, &strata__ssh_ecdh_ops,
     NULL, 0},
    {"ecdh-sha2-nistp384", "SHA384", SSH_KEX_KIND_ECDH, 0, "P-384", NULL, 0, &strata__ssh_ecdh_ops,
     NULL, 0},
    {"ecdh-sha2-nistp521", "SHA512", SSH_KEX_KIND_ECDH, 0, "P-521", NULL, 0, &strata__ssh_ecdh_ops,
     NULL, 0},
    {"diffie-hellman-group-exchange-sha256", "SHA256", SSH_KEX_KIND_GEX, 0, NULL, NULL, 0,
     &strata__ssh_ffc_ops, NULL, 0},
    {"diffie-hellman-group16-sha512", "SHA512", SSH_KEX_KIND_DH, 0, "modp_4096", NULL, 0,
     &strata__ssh_ffc_ops, NULL, 0},
    {"diffie-hellman-group18-sha512", "SHA512", SSH_KEX_KIND_DH, 0, "modp_8192", NULL, 0,
     &strata__ssh_ffc_ops, NULL, 0},
    {"diffie-hellman-group14-sha256", "SHA256", SSH_KEX_KIND_DH, 0, "modp_2048", NULL, 0,
     &strata__ssh_ffc_ops, NULL, 0},
    /* Legacy (SHA-1, or a 1024-bit group): only when asked for. */
    {"diffie-hellman-group14-sha1", "SHA1", SSH_KEX_KIND_DH, 1, "modp_2048", NULL, 0,
     &strata__ssh_ffc_ops, NULL, 0},
    {"diffie-hellman-group-exchange-sha1", "SHA1", SSH_KEX_KIND_GEX, 1, NULL, NULL, 0,
     &strata__ssh_ffc_ops, NULL, 0},
    {"diffie-hellman-group1-sha1", "SHA1", SSH_KEX_KIND_DH, 1, NULL, strata__ssh_modp1024_p,
     sizeof(strata__ssh_modp1024_p), &strata__ssh_ffc_ops, NULL, 0},
};

const struct ssh_kex_alg *strata__ssh_kex_find(const char *name)
{
    for (size_t i = 0; i < sizeof(kex_algs) / sizeof(kex_algs[0]); i++)
        if (!strcmp(kex_algs[i].name, name))
            return &kex_algs[i];
    return NULL;
}

int strata__ssh_kex_is_pq(const char *name)
{
    const struct ssh_kex_alg *a = name ? strata__ssh_kex_find(name) : NULL;
    return a && a->pq;
}

#define KEX_PQ "mlkem768x25519-sha256,sntrup761x25519-sha512,sntrup761x25519-sha512@openssh.com,"

const char *strata__ssh_kex_algs_supported(void)
{
    return KEX_PQ "curve25519-sha256,curve25519-sha256@libssh.org,ecdh-sha2-nistp256,"
                  "ecdh-sha2-nistp384,ecdh-sha2-nistp521,diffie-hellman-group-exchange-sha256,"
                  "diffie-hellman-group16-sha512,diffie-hellman-group18-sha512,"
                  "diffie-hellman-group14-sha256,diffie-hellman-group14-sha1,"
                  "diffie-hellman-group-exchange-sha1,diffie-hellman-group1-sha1";
}

const char *strata__ssh_kex_algs_default(void)
{
    return KEX_PQ "curve25519-sha256,curve25519-sha256@libssh.org,ecdh-sha2-nistp256,"
                  "ecdh-sha2-nistp384,ecdh-sha2-nistp521,diffie-hellman-group-exchange-sha256,"
                  "diffie-hellman-group16-sha512,diffie-hellman-group18-sha512,"
                  "diffie-hellman-group14-sha256";
}

strata_status strata__ssh_kex_new(const struct ssh_kex_alg *alg, int is_server,
                                  struct ssh_kex **out)
{
    *out = NULL;
    struct ssh_kex *k = calloc(1, sizeof(*k));
    if (!k)
        return STRATA_E_NOMEM;
    k->alg = alg;
    k->is_server = is_server;
    strata_buf_init(&k->our_pub, 4096);
    strata_buf_init(&k->peer_pub, 4096);
    strata_buf_init(&k->K, 4096);
    strata_buf_set_secret(&k->K);
    strata_buf_init(&k->gex_pg, 4096);
    *out = k;
    return STRATA_OK;
}

void strata__ssh_kex_free(struct ssh_kex *k)
{
    if (!k)
        return;
    EVP_PKEY_free(k->priv);
    EVP_PKEY_free(k->domain);
    if (k->kem_sk)
        OPENSSL_clear_free(k->kem_sk, k->alg->kem->sk_len);
    strata_buf_free(&k->our_pub);
    strata_buf_free(&k->peer_pub);
    strata_buf_free(&k->K);
    strata_buf_free(&k->gex_pg);
    free(k);
}

strata_status strata__ssh_kex_set_secret(struct ssh_kex *k, const uint8_t *s, size_t n,
                                         strata_error *err)
{
    uint8_t acc = 0;
    for (size_t i = 0; i < n; i++)
        acc |= s[i];
    if (acc == 0)
        return strata__error_set(err, STRATA_E_PROTOCOL, "%s: shared secret is all zero",
                                 k->alg->name);
    strata_buf_reset(&k->K);
    strata_status r = strata_buf_put_mpint(&k->K, s, n, 0);
    if (r != STRATA_OK)
        return strata__error_set(err, r, "%s: cannot encode the shared secret", k->alg->name);
    return STRATA_OK;
}

strata_status strata__ssh_kex_derive(struct ssh_kex *k, EVP_PKEY *peer, const char *refused,
                                     strata_error *err)
{
    strata_status r;
    uint8_t *s = NULL;
    size_t slen = 0;
    EVP_PKEY_CTX *c = EVP_PKEY_CTX_new_from_pkey(NULL, k->priv, NULL);
    if (!c || EVP_PKEY_derive_init(c) <= 0 || EVP_PKEY_derive_set_peer(c, peer) <= 0 ||
        EVP_PKEY_derive(c, NULL, &slen) <= 0 || !(s = OPENSSL_malloc(slen))) {
        r = strata__error_set_ossl(err, STRATA_E_CRYPTO, "%s: key agreement failed", k->alg->name);
        goto out;
    }
    if (EVP_PKEY_derive(c, s, &slen) <= 0) {
        r = refused
                ? strata__error_set_ossl(err, STRATA_E_PROTOCOL, "%s: %s", k->alg->name, refused)
                : strata__error_set_ossl(err, STRATA_E_CRYPTO, "%s: key agreement failed",
                                         k->alg->name);
        goto out;
    }
    r = strata__ssh_kex_set_secret(k, s, slen, err);
out:
    if (s)
        OPENSSL_clear_free(s, slen);
    EVP_PKEY_CTX_free(c);
    return r;
}

static uint8_t init_msg(const struct ssh_kex *k)
{
    return k->alg->kind == SSH_KEX_KIND_GEX ? SSH_MSG_KEX_DH_GEX_INIT : SSH_MSG_KEXDH_INIT;
}

static uint8_t reply_msg(const struct ssh_kex *k)
{
    return k->alg->kind == SSH_KEX_KIND_GEX ? SSH_MSG_KEX_DH_GEX_REPLY : SSH_MSG_KEXDH_REPLY;
}

strata_status strata__ssh_kex_hash(const struct ssh_kex *k, const char *v_c, const char *v_s,
                                   const uint8_t *i_c, size_t i_c_len, const uint8_t *i_s,
                                   size_t i_s_len, const uint8_t *k_s, size_t k_s_len, uint8_t *out,
                                   size_t *outlen, strata_error *err)
{
    strata_buf b;
    strata_status r;
    unsigned int hl = 0;
    *outlen = 0;
    if (strata_buf_len(&k->K) == 0)
        return strata__error_set(err, STRATA_E_STATE, "%s: no shared secret yet", k->alg->name);
    const strata_buf *c_pub = k->is_server ? &k->peer_pub : &k->our_pub;
    const strata_buf *s_pub = k->is_server ? &k->our_pub : &k->peer_pub;
    strata_buf_init(&b, 0);
    strata_buf_set_secret(&b);
    /* RFC 4253 §8; RFC 4419 §3 inserts (min,) n (, max), p, g after K_S;
     * RFC 5656 §4 and RFC 8731 send the public values as strings. */
    if ((r = strata_buf_put_cstring(&b, v_c)) != STRATA_OK ||
        (r = strata_buf_put_cstring(&b, v_s)) != STRATA_OK ||
        (r = strata_buf_put_string(&b, i_c, i_c_len)) != STRATA_OK ||
        (r = strata_buf_put_string(&b, i_s, i_s_len)) != STRATA_OK ||
        (r = strata_buf_put_string(&b, k_s, k_s_len)) != STRATA_OK)
        goto out;
    if (k->alg->kind == SSH_KEX_KIND_GEX) {
        if (!k->gex_old && (r = strata_buf_put_u32(&b, k->gex_min)) != STRATA_OK)
            goto out;
        if ((r = strata_buf_put_u32(&b, k->gex_n)) != STRATA_OK)
            goto out;
        if (!k->gex_old && (r = strata_buf_put_u32(&b, k->gex_max)) != STRATA_OK)
            goto out;
        if ((r = strata_buf_put(&b, strata_buf_ptr(&k->gex_pg), strata_buf_len(&k->gex_pg))) !=
            STRATA_OK)
            goto out;
    }
    if ((r = strata_buf_put(&b, strata_buf_ptr(c_pub), strata_buf_len(c_pub))) != STRATA_OK ||
        (r = strata_buf_put(&b, strata_buf_ptr(s_pub), strata_buf_len(s_pub))) != STRATA_OK ||
        (r = strata_buf_put(&b, strata_buf_ptr(&k->K), strata_buf_len(&k->K))) != STRATA_OK)
        goto out;
    EVP_MD *md = EVP_MD_fetch(NULL, k->alg->md, NULL);
    if (!md || !EVP_Digest(strata_buf_ptr(&b), strata_buf_len(&b), out, &hl, md, NULL)) {
        EVP_MD_free(md);
        r = strata__error_set_ossl(err, STRATA_E_CRYPTO, "%s: cannot compute the exchange hash",
                                   k->alg->name);
        goto out;
    }
    EVP_MD_free(md);
    *outlen = hl;
out:
    if (r != STRATA_OK)
        strata__error_set(err, r, "%s: cannot build the exchange hash", k->alg->name);
    strata_buf_free(&b);
    return r;
}

/* Reads the peer's public value field from m, derives K, keeps the field. */
static strata_status take_peer_value(struct ssh_kex *k, strata_buf *m, const char *what,
                                     strata_error *err)
{
    const uint8_t *v;
    size_t n;
    strata_status r;
    int as_string = k->alg->kind == SSH_KEX_KIND_ECDH || k->alg->kind == SSH_KEX_KIND_KEM;
    if (as_string)
        r = strata_buf_get_string(m, &v, &n);
    else
        r = strata_buf_get_mpint(m, &v, &n);
    if (r != STRATA_OK)
        return strata__error_set(err, r, "%s: malformed %s public value in %s", k->alg->name,
                                 k->is_server ? "client's" : "server's", what);
    /* A KEM's server encapsulates to the client's value; everyone else derives. */
    if (k->is_server && k->alg->ops->encaps)
        r = k->alg->ops->encaps(k, v, n, err);
    else
        r = k->alg->ops->derive(k, v, n, err);
    if (r != STRATA_OK)
        return r;
    strata_buf_reset(&k->peer_pub);
    if (as_string)
        return strata_buf_put_string(&k->peer_pub, v, n);
    return strata_buf_put_mpint(&k->peer_pub, v, n, 0);
}

static strata_status expect_msg(const struct ssh_kex *k, strata_buf *m, uint8_t want,
                                const char *what, strata_error *err)
{
    uint8_t t;
    if (strata_buf_get_u8(m, &t) != STRATA_OK || t != want)
        return strata__error_set(err, STRATA_E_PROTOCOL, "%s: expected %s (message %u)",
                                 k->alg->name, what, (unsigned)want);
    return STRATA_OK;
}

strata_status strata__ssh_kex_client_init(struct ssh_kex *k, strata_buf *out, strata_error *err)
{
    strata_status r = k->alg->ops->keygen(k, err);
    if (r != STRATA_OK)
        return r;
    if ((r = strata_buf_put_u8(out, init_msg(k))) != STRATA_OK ||
        (r = strata_buf_put(out, strata_buf_ptr(&k->our_pub), strata_buf_len(&k->our_pub))) !=
            STRATA_OK)
        return strata__error_set(err, r, "%s: cannot build the INIT message", k->alg->name);
    return STRATA_OK;
}

strata_status strata__ssh_kex_parse_reply(struct ssh_kex *k, const uint8_t *payload, size_t n,
                                          const uint8_t **k_s, size_t *k_s_len, const uint8_t **sig,
                                          size_t *sig_len, strata_error *err)
{
    strata_buf m;
    strata_status r;
    *k_s = *sig = NULL;
    *k_s_len = *sig_len = 0;
    strata_buf_view(&m, payload, n);
    if ((r = expect_msg(k, &m, reply_msg(k), "the key exchange reply", err)) != STRATA_OK)
        return r;
    const uint8_t *ks, *s;
    size_t ksl, sl;
    if ((r = strata_buf_get_string(&m, &ks, &ksl)) != STRATA_OK)
        return strata__error_set(err, r, "%s: malformed host key in the key exchange reply",
                                 k->alg->name);
    if ((r = take_peer_value(k, &m, "the key exchange reply", err)) != STRATA_OK)
        return r;
    if ((r = strata_buf_get_string(&m, &s, &sl)) != STRATA_OK ||
        (r = strata_buf_get_end(&m)) != STRATA_OK)
        return strata__error_set(err, r, "%s: malformed signature in the key exchange reply",
                                 k->alg->name);
    *k_s = ks;
    *k_s_len = ksl;
    *sig = s;
    *sig_len = sl;
    return STRATA_OK;
}

strata_status strata__ssh_kex_server_parse_init(struct ssh_kex *k, const uint8_t *payload, size_t n,
                                                strata_error *err)
{
    strata_buf m;
    strata_status r;
    strata_buf_view(&m, payload, n);
    if ((r = expect_msg(k, &m, init_msg(k), "the key exchange init", err)) != STRATA_OK)
        return r;
    /* A KEM's server has no key pair of its own: encaps makes its values. */
    if (!k->alg->ops->encaps && (r = k->alg->ops->keygen(k, err)) != STRATA_OK)
        return r;
    if ((r = take_peer_value(k, &m, "the key exchange init", err)) != STRATA_OK)
        return r;
    if (strata_buf_get_end(&m) != STRATA_OK)
        return strata__error_set(err, STRATA_E_TRAILING, "%s: trailing bytes after INIT",
                                 k->alg->name);
    return STRATA_OK;
}

strata_status strata__ssh_kex_server_reply(const struct ssh_kex *k, const uint8_t *k_s,
                                           size_t k_s_len, const uint8_t *sig, size_t sig_len,
                                           strata_buf *out)
{
    strata_status r;
    if ((r = strata_buf_put_u8(out, reply_msg(k))) != STRATA_OK ||
        (r = strata_buf_put_string(out, k_s, k_s_len)) != STRATA_OK ||
        (r = strata_buf_put(out, strata_buf_ptr(&k->our_pub), strata_buf_len(&k->our_pub))) !=
            STRATA_OK ||
        (r = strata_buf_put_string(out, sig, sig_len)) != STRATA_OK)
        return r;
    return STRATA_OK;
}
