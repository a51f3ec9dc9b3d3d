/* aes128-gcm@openssh.com, aes256-gcm@openssh.com (RFC 5647 as OpenSSH does it).
 *
 * The 12-byte nonce is a 4-byte fixed field and an 8-byte big-endian
 * invocation counter, both from the KDF's IV; the counter goes up by one after
 * every packet (§7.1). The 4-byte packet length travels in clear as the
 * additional authenticated data; padding length, payload and padding are
 * encrypted; the 16-byte tag follows. One context per key: each packet only
 * sets the nonce.
 */
#include <string.h>
#include <openssl/core_names.h>
#include <openssl/params.h>

#include "base/error_internal.h"
#include "ssh/cipher/cipher.h"
#include "strata/mem.h"

enum { GCM_IV = 12, GCM_TAG = 16 };

static strata_status gcm_init(struct ssh_cipher *c, int encrypt, const uint8_t *key,
                              const uint8_t *iv, strata_error *err)
{
    (void)encrypt;
    memcpy(c->iv, iv, GCM_IV);
    /* Key now, nonce per packet. */
    return strata__ssh_cipher_evp_ctx(c, &c->ctx, c->alg->evp, key, NULL, err);
}

/* RFC 5647 §7.1: invocation_counter += 1 (mod 2^64), big-endian. */
static void gcm_next_iv(uint8_t iv[GCM_IV])
{
    for (int i = GCM_IV - 1; i >= 4; i--)
        if (++iv[i] != 0)
            break;
}

static int gcm_start(struct ssh_cipher *c, const uint8_t aad[4])
{
    int outl = 0;
    return EVP_CipherInit_ex2(c->ctx, NULL, NULL, c->iv, -1, NULL) &&
           EVP_CipherUpdate(c->ctx, NULL, &outl, aad, 4) && outl == 4;
}

static strata_status gcm_length(struct ssh_cipher *c, uint32_t seq, const uint8_t in[4],
                                uint32_t *len, strata_error *err)
{
    (void)c, (void)seq, (void)err;
    *len = (uint32_t)in[0] << 24 | (uint32_t)in[1] << 16 | (uint32_t)in[2] << 8 | in[3];
    return STRATA_OK;
}

static strata_status gcm_seal(struct ssh_cipher *c, uint32_t seq, uint8_t *pkt, size_t n,
                              const uint8_t *payload, size_t po, size_t pn, uint8_t *tag,
                              strata_error *err)
{
    int outl = 0;
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_octet_string(OSSL_CIPHER_PARAM_AEAD_TAG, tag, GCM_TAG),
        OSSL_PARAM_construct_end()};
    if (!gcm_start(c, pkt) || !strata__ssh_evp_update_body(c->ctx, pkt, n, payload, po, pn) ||
        !EVP_CipherFinal_ex(c->ctx, pkt + n, &outl) || outl != 0 ||
        !EVP_CIPHER_CTX_get_params(c->ctx, params))
        return strata__error_set_ossl(err, STRATA_E_CRYPTO, "%s: cannot seal packet %u",
                                      c->alg->name, seq);
    gcm_next_iv(c->iv);
    return STRATA_OK;
}

static strata_status gcm_open(struct ssh_cipher *c, uint32_t seq, uint8_t *out, const uint8_t *in,
                              size_t n, const uint8_t *tag, strata_error *err)
{
    uint8_t t[GCM_TAG];
    memcpy(t, tag, GCM_TAG);
    int outl = 0;
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_octet_string(OSSL_CIPHER_PARAM_AEAD_TAG, t, GCM_TAG),
        OSSL_PARAM_construct_end()};
    if (!gcm_start(c, in) || !strata__ssh_evp_update(c->ctx, out + 4, in + 4, n - 4) ||
        !EVP_CIPHER_CTX_set_params(c->ctx, params))
        return strata__error_set_ossl(err, STRATA_E_CRYPTO, "%s: cannot open packet %u",
                                      c->alg->name, seq);
    /* Final compares the tag (in constant time, inside OpenSSL). */
    if (!EVP_CipherFinal_ex(c->ctx, out + n, &outl)) {
        strata__ossl_clear();
        strata_memzero(out, n);
        return strata__error_set(err, STRATA_E_SSH_MAC, "%s: GCM tag mismatch on packet %u",
                                 c->alg->name, seq);
    }
    memcpy(out, in, 4);
    gcm_next_iv(c->iv);
    return STRATA_OK;
}

#define GCM_ROW(sym, ssh, ossl, klen)                                                              \
    const struct ssh_cipher_alg sym = {.name = ssh,                                                \
                                       .evp = ossl,                                                \
                                       .key_len = klen,                                            \
                                       .iv_len = GCM_IV,                                           \
                                       .block_len = 16,                                            \
                                       .tag_len = GCM_TAG,                                         \
                                       .init = gcm_init,                                           \
                                       .aead_length = gcm_length,                                  \
                                       .aead_seal = gcm_seal,                                      \
                                       .aead_open = gcm_open}

GCM_ROW(strata__ssh_cipher_aes128_gcm, "aes128-gcm@openssh.com", "AES-128-GCM", 16);
GCM_ROW(strata__ssh_cipher_aes256_gcm, "aes256-gcm@openssh.com", "AES-256-GCM", 32);
