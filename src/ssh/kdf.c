/* RFC 4253 §7.2: key derivation.
 *
 *   K1 = HASH(K || H || X || session_id)      X = 'A' .. 'F'
 *   K2 = HASH(K || H || K1)
 *   Kn = HASH(K || H || K1 || ... || Kn-1)
 *   key = K1 || K2 || ... truncated to the length needed.
 *
 * K is hashed as the caller encoded it (an mpint, or a string for the hybrid
 * KEMs), so this function does not care which. Runs at NEWKEYS only; the
 * running K1 || ... || Kn-1 is the output buffer itself.
 */
#include <openssl/evp.h>

#include "ssh/packet.h"
#include "strata/mem.h"

strata_status strata__ssh_kdf(const char *md_name, const uint8_t *K, size_t klen, const uint8_t *H,
                              size_t hlen, char letter, const uint8_t *session_id, size_t sid_len,
                              uint8_t *out, size_t outlen)
{
    strata_status r = STRATA_OK;
    EVP_MD *md = NULL;
    EVP_MD_CTX *ctx = NULL;
    uint8_t block[EVP_MAX_MD_SIZE];
    unsigned int bl = 0;
    const uint8_t x = (uint8_t)letter;
    if (outlen)
        strata_memzero(out, outlen);
    if (letter < 'A' || letter > 'F' || !K || !H || (!session_id && sid_len)) {
        r = STRATA_E_USAGE;
        goto out;
    }
    if (!md_name || !(md = EVP_MD_fetch(NULL, md_name, NULL))) {
        r = STRATA_E_UNSUPPORTED;
        goto out;
    }
    if (!(ctx = EVP_MD_CTX_new())) {
        r = STRATA_E_NOMEM;
        goto out;
    }
    for (size_t have = 0; have < outlen;) {
        /* The first round hashes letter || session_id, later rounds the
         * output so far (K1 || ... || Kn-1). */
        int ok =
            EVP_DigestInit_ex2(ctx, md, NULL) && EVP_DigestUpdate(ctx, K, klen) &&
            EVP_DigestUpdate(ctx, H, hlen) &&
            (have == 0 ? EVP_DigestUpdate(ctx, &x, 1) && EVP_DigestUpdate(ctx, session_id, sid_len)
                       : EVP_DigestUpdate(ctx, out, have)) &&
            EVP_DigestFinal_ex(ctx, block, &bl) && bl > 0;
        if (!ok) {
            r = STRATA_E_CRYPTO;
            goto out;
        }
        size_t take = outlen - have < bl ? outlen - have : bl;
        for (size_t i = 0; i < take; i++)
            out[have + i] = block[i];
        have += take;
    }
out:
    if (r != STRATA_OK && outlen)
        strata_memzero(out, outlen);
    strata_memzero(block, sizeof(block));
    EVP_MD_CTX_free(ctx);
    EVP_MD_free(md);
    return r;
}
