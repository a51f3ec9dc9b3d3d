/* chacha20-poly1305@openssh.com (OpenSSH PROTOCOL.chacha20poly1305).
 *
 * The 64 bytes of key material are two ChaCha20 keys: K_2 (the first 32
 * bytes) encrypts the payload, K_1 (the last 32) encrypts the 4-byte packet
 * length. Both use the packet sequence number as a 64-bit big-endian nonce.
 * The first 32 bytes of K_2's keystream block 0 key a one-time Poly1305 over
 * the encrypted length and encrypted payload; the payload uses blocks 1...
 *
 * OpenSSL's "ChaCha20" takes a 16-byte IV: a 32-bit little-endian block
 * counter then a 96-bit nonce. The original ChaCha20 used here has a 64-bit
 * counter and 64-bit nonce, so the IV is counter (LE, 8 bytes) || seqnr (BE):
 * the same state words. Contexts and the Poly1305 MAC are made once per key;
 * each packet only resets the IV and the one-time key.
 */
#include <string.h>
#include <openssl/core_names.h>

#include "base/error_internal.h"
#include "ssh/cipher/cipher.h"
#include "strata/mem.h"

enum { CP_KEY = 32, CP_TAG = 16 };

static strata_status cp_init(struct ssh_cipher *c, int encrypt, const uint8_t *key,
                             const uint8_t *iv, strata_error *err)
{
    (void)encrypt, (void)iv;
    static const uint8_t zero_iv[16];
    strata_status r;
    if ((r = strata__ssh_cipher_evp_ctx(c, &c->ctx, "ChaCha20", key, zero_iv, err)) != STRATA_OK ||
        (r = strata__ssh_cipher_evp_ctx(c, &c->hdr, "ChaCha20", key + CP_KEY, zero_iv, err)) !=
            STRATA_OK)
        return r;
    if (!(c->mac = EVP_MAC_fetch(NULL, "POLY1305", NULL)))
        return strata__error_set_ossl(err, STRATA_E_UNSUPPORTED,
                                      "OpenSSL does not provide the POLY1305 MAC");
    if (!(c->mac_ctx = EVP_MAC_CTX_new(c->mac)))
        return strata__error_set_ossl(err, STRATA_E_NOMEM, "cannot allocate a Poly1305 context");
    return STRATA_OK;
}

/* Positions ctx at block 0 of the keystream for nonce seq. */
static int cp_nonce(EVP_CIPHER_CTX *ctx, uint32_t seq)
{
    uint8_t iv[16] = {0};
    iv[12] = (uint8_t)(seq >> 24);
    iv[13] = (uint8_t)(seq >> 16);
    iv[14] = (uint8_t)(seq >> 8);
    iv[15] = (uint8_t)seq;
    return EVP_CipherInit_ex2(ctx, NULL, NULL, iv, -1, NULL);
}

/* The one-time Poly1305 key from block 0 of K_2; leaves that stream at block 1. */
static int cp_onetime_key(struct ssh_cipher *c, uint32_t seq, uint8_t block0[64])
{
    memset(block0, 0, 64);
    return cp_nonce(c->ctx, seq) && strata__ssh_evp_update(c->ctx, block0, block0, 64);
}

static int cp_poly(struct ssh_cipher *c, const uint8_t block0[64], const uint8_t *p, size_t n,
                   uint8_t tag[CP_TAG])
{
    size_t outl = 0;
    return EVP_MAC_init(c->mac_ctx, block0, CP_KEY, NULL) && EVP_MAC_update(c->mac_ctx, p, n) &&
           EVP_MAC_final(c->mac_ctx, tag, &outl, CP_TAG) && outl == CP_TAG;
}

static strata_status cp_length(struct ssh_cipher *c, uint32_t seq, const uint8_t in[4],
                               uint32_t *len, strata_error *err)
{
    uint8_t b[4];
    if (!cp_nonce(c->hdr, seq) || !strata__ssh_evp_update(c->hdr, b, in, 4))
        return strata__error_set_ossl(err, STRATA_E_CRYPTO,
                                      "chacha20-poly1305: cannot decrypt the packet length");
    *len = (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
    return STRATA_OK;
}

static strata_status cp_seal(struct ssh_cipher *c, uint32_t seq, uint8_t *pkt, size_t n,
                             const uint8_t *payload, size_t po, size_t pn, uint8_t *tag,
                             strata_error *err)
{
    uint8_t block0[64];
    int ok = cp_nonce(c->hdr, seq) && strata__ssh_evp_update(c->hdr, pkt, pkt, 4) &&
             cp_onetime_key(c, seq, block0) &&
             strata__ssh_evp_update_body(c->ctx, pkt, n, payload, po, pn) &&
             cp_poly(c, block0, pkt, n, tag);
    strata_memzero(block0, sizeof(block0));
    if (!ok)
        return strata__error_set_ossl(err, STRATA_E_CRYPTO,
                                      "chacha20-poly1305: cannot seal packet %u", seq);
    return STRATA_OK;
}

static strata_status cp_open(struct ssh_cipher *c, uint32_t seq, uint8_t *out, const uint8_t *in,
                             size_t n, const uint8_t *tag, strata_error *err)
{
    uint8_t block0[64], want[CP_TAG];
    int ok = cp_onetime_key(c, seq, block0) && cp_poly(c, block0, in, n, want);
    strata_memzero(block0, sizeof(block0));
    if (!ok)
        return strata__error_set_ossl(
            err, STRATA_E_CRYPTO, "chacha20-poly1305: cannot compute the tag of packet %u", seq);
    int equal = strata_ct_equal(want, tag, CP_TAG);
    strata_memzero(want, sizeof(want));
    if (!equal)
        return strata__error_set(err, STRATA_E_SSH_MAC,
                                 "chacha20-poly1305@openssh.com: Poly1305 tag mismatch on packet "
                                 "%u",
                                 seq);
    /* K_2's stream is at block 1: the payload follows. */
    if (!cp_nonce(c->hdr, seq) || !strata__ssh_evp_update(c->hdr, out, in, 4) ||
        !strata__ssh_evp_update(c->ctx, out + 4, in + 4, n - 4))
        return strata__error_set_ossl(err, STRATA_E_CRYPTO,
                                      "chacha20-poly1305: cannot decrypt packet %u", seq);
    return STRATA_OK;
}

const struct ssh_cipher_alg strata__ssh_cipher_chachapoly = {
    .name = "chacha20-poly1305@openssh.com",
    .evp = "ChaCha20",
    .key_len = 64,
    .iv_len = 0,
    .block_len = 8,
    .tag_len = CP_TAG,
    .init = cp_init,
    .aead_length = cp_length,
    .aead_seal = cp_seal,
    .aead_open = cp_open,
};
