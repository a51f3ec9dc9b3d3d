/* bcrypt_pbkdf: the key derivation of OpenSSH's "openssh-key-v1" encrypted keys.
 *
 * Implementation note. The algorithm is OpenBSD's bcrypt_pbkdf(3) (Ted Unangst,
 * 2013), a PBKDF2-like construction whose PRF is "bcrypt_hash":
 *
 *   bcrypt_hash(P, S): P and S are 64-byte SHA-512 digests. Start Blowfish from
 *     pi, run the salted schedule expand(S, P), then 64 times expand0(S) and
 *     expand0(P) (the expensive eksblowfish setup). Encrypt the 32-byte string
 *     "OxychromaticBlowfishSwatDynamite" (8 big-endian words, 4 blocks) 64 times
 *     in ECB, and output the 8 words little-endian.
 *
 *   bcrypt_pbkdf(pass, salt, rounds, key): for block count = 1, 2, ...:
 *     T = bcrypt_hash(SHA512(pass), SHA512(salt || BE32(count))); U = T;
 *     repeat rounds-1 times: T = bcrypt_hash(SHA512(pass), SHA512(T)); U ^= T.
 *     The output bytes are not concatenated but interleaved: with
 *     stride = ceil(keylen / 32), byte i of block `count` lands at
 *     key[i * stride + count - 1], so every block contributes to the whole key.
 */
#include <string.h>
#include <openssl/evp.h>

#include "strata/mem.h"
#include "ssh/bcrypt_pbkdf.h"
#include "ssh/blowfish.h"

#define BCRYPT_WORDS 8
#define BCRYPT_HASHSIZE (BCRYPT_WORDS * 4)
#define SHA512_LEN 64

static const char bcrypt_magic[] = "OxychromaticBlowfishSwatDynamite";

static int sha512(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen,
                  uint8_t out[SHA512_LEN])
{
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    unsigned int n = 0;
    int ok = md && EVP_DigestInit_ex(md, EVP_sha512(), NULL) && EVP_DigestUpdate(md, a, alen) &&
             (blen == 0 || EVP_DigestUpdate(md, b, blen)) && EVP_DigestFinal_ex(md, out, &n) &&
             n == SHA512_LEN;
    EVP_MD_CTX_free(md);
    return ok;
}

static void bcrypt_hash(const uint8_t pass[SHA512_LEN], const uint8_t salt[SHA512_LEN],
                        uint8_t out[BCRYPT_HASHSIZE], struct strata_blf *state)
{
    uint32_t cdata[BCRYPT_WORDS];

    strata__blf_init(state);
    strata__blf_expand(state, salt, SHA512_LEN, pass, SHA512_LEN);
    for (int i = 0; i < 64; i++) {
        strata__blf_expand0(state, salt, SHA512_LEN);
        strata__blf_expand0(state, pass, SHA512_LEN);
    }
    for (int i = 0; i < BCRYPT_WORDS; i++) {
        const uint8_t *m = (const uint8_t *)bcrypt_magic + 4 * i;
        cdata[i] = (uint32_t)m[0] << 24 | (uint32_t)m[1] << 16 | (uint32_t)m[2] << 8 | m[3];
    }
    for (int i = 0; i < 64; i++)
        for (int j = 0; j < BCRYPT_WORDS; j += 2)
            strata__blf_encipher(state, &cdata[j], &cdata[j + 1]);
    for (int i = 0; i < BCRYPT_WORDS; i++) {
        out[4 * i + 0] = (uint8_t)cdata[i];
        out[4 * i + 1] = (uint8_t)(cdata[i] >> 8);
        out[4 * i + 2] = (uint8_t)(cdata[i] >> 16);
        out[4 * i + 3] = (uint8_t)(cdata[i] >> 24);
    }
    strata_memzero(cdata, sizeof(cdata));
}

strata_status strata__bcrypt_pbkdf(const uint8_t *pass, size_t passlen, const uint8_t *salt,
                                   size_t saltlen, unsigned rounds, uint8_t *out, size_t outlen)
{
    if (!pass || passlen == 0 || !salt || saltlen == 0 || saltlen > STRATA_BCRYPT_PBKDF_MAX_SALT ||
        rounds == 0 || !out || outlen == 0 || outlen > STRATA_BCRYPT_PBKDF_MAX_OUT)
        return STRATA_E_USAGE;

    strata_status r = STRATA_E_CRYPTO;
    struct strata_blf state;
    uint8_t sha2pass[SHA512_LEN], sha2salt[SHA512_LEN];
    uint8_t tmp[BCRYPT_HASHSIZE], acc[BCRYPT_HASHSIZE];
    uint8_t countsalt[STRATA_BCRYPT_PBKDF_MAX_SALT + 4];
    size_t stride = (outlen + BCRYPT_HASHSIZE - 1) / BCRYPT_HASHSIZE;
    size_t amt = (outlen + stride - 1) / stride;
    size_t remaining = outlen;

    memcpy(countsalt, salt, saltlen);
    if (!sha512(pass, passlen, NULL, 0, sha2pass))
        goto out;
    for (uint32_t count = 1; remaining > 0; count++) {
        countsalt[saltlen + 0] = (uint8_t)(count >> 24);
        countsalt[saltlen + 1] = (uint8_t)(count >> 16);
        countsalt[saltlen + 2] = (uint8_t)(count >> 8);
        countsalt[saltlen + 3] = (uint8_t)count;
        if (!sha512(countsalt, saltlen + 4, NULL, 0, sha2salt))
            goto out;
        bcrypt_hash(sha2pass, sha2salt, tmp, &state);
        memcpy(acc, tmp, sizeof(acc));
        for (unsigned i = 1; i < rounds; i++) {
            if (!sha512(tmp, sizeof(tmp), NULL, 0, sha2salt))
                goto out;
            bcrypt_hash(sha2pass, sha2salt, tmp, &state);
            for (size_t j = 0; j < sizeof(acc); j++)
                acc[j] ^= tmp[j];
        }
        /* Interleave this block's bytes into the output (see the note above). */
        if (amt > remaining)
            amt = remaining;
        size_t i;
        for (i = 0; i < amt; i++) {
            size_t dest = i * stride + (count - 1);
            if (dest >= outlen)
                break;
            out[dest] = acc[i];
        }
        remaining -= i;
    }
    r = STRATA_OK;
out:
    strata_memzero(&state, sizeof(state));
    strata_memzero(sha2pass, sizeof(sha2pass));
    strata_memzero(sha2salt, sizeof(sha2salt));
    strata_memzero(tmp, sizeof(tmp));
    strata_memzero(acc, sizeof(acc));
    strata_memzero(countsalt, sizeof(countsalt));
    if (r != STRATA_OK)
        strata_memzero(out, outlen);
    return r;
}
