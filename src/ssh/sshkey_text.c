/* SSH keys as text: base64, fingerprints (as OpenSSH prints them), and the
 * "type base64" field of known_hosts and authorized_keys lines. */
#include <stdlib.h>
#include <string.h>
#include <openssl/evp.h>

#include "base/error_internal.h"
#include "ssh/sshkey_internal.h"

strata_status strata__ssh_b64_decode(const char *s, size_t n, uint8_t **out, size_t *out_len)
{
    *out = NULL;
    *out_len = 0;
    if (n == 0 || n % 4 != 0 || n > INT32_MAX)
        return STRATA_E_FORMAT;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        int ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                 c == '+' || c == '/' ||
                 (c == '=' && i >= n - 2 && (i == n - 1 || s[n - 1] == '='));
        if (!ok)
            return STRATA_E_FORMAT;
    }
    uint8_t *p = malloc(n / 4 * 3 + 1);
    if (!p)
        return STRATA_E_NOMEM;
    int len = EVP_DecodeBlock(p, (const unsigned char *)s, (int)n);
    if (len < 0) {
        free(p);
        strata__ossl_clear();
        return STRATA_E_FORMAT;
    }
    /* EVP_DecodeBlock counts the bytes the padding stands for. */
    size_t pad = (size_t)(s[n - 1] == '=') + (size_t)(s[n - 2] == '=');
    *out = p;
    *out_len = (size_t)len - pad;
    return STRATA_OK;
}

strata_status strata__ssh_key_from_base64(const char *b64, size_t n, struct ssh_key **out,
                                          strata_error *err)
{
    *out = NULL;
    uint8_t *blob;
    size_t len;
    strata_status st = strata__ssh_b64_decode(b64, n, &blob, &len);
    if (st != STRATA_OK)
        return strata__error_set(err, st, "key is not valid base64");
    st = strata__ssh_key_from_blob(blob, len, out, err);
    free(blob);
    return st;
}

static size_t b64_nopad(const uint8_t *in, size_t n, char *out, size_t cap)
{
    /* EVP_EncodeBlock writes 4 * ceil(n / 3) characters and a NUL. */
    if (cap < 4 * ((n + 2) / 3) + 1)
        return 0;
    int len = EVP_EncodeBlock((unsigned char *)out, in, (int)n);
    while (len > 0 && out[len - 1] == '=')
        out[--len] = 0;
    return (size_t)len;
}

void strata__ssh_fp_sha256(const uint8_t *blob, size_t n, char *out, size_t cap)
{
    uint8_t md[32];
    char b64[48];
    if (cap == 0)
        return;
    out[0] = 0;
    if (EVP_Digest(blob, n, md, NULL, EVP_sha256(), NULL) != 1) {
        strata__ossl_clear();
        return;
    }
    if (b64_nopad(md, sizeof(md), b64, sizeof(b64)) == 0)
        return;
    if (cap >= STRATA_SSH_FP_SHA256_LEN) {
        memcpy(out, "SHA256:", 7);
        memcpy(out + 7, b64, 44); /* 43 characters and the NUL */
    }
}

void strata__ssh_key_fp_sha256(const struct ssh_key *k, char *out, size_t cap)
{
    strata__ssh_fp_sha256(k->blob, k->blob_len, out, cap);
}

void strata__ssh_key_fp_md5(const struct ssh_key *k, char *out, size_t cap)
{
    static const char hex[] = "0123456789abcdef";
    uint8_t md[16];
    if (cap == 0)
        return;
    out[0] = 0;
    EVP_MD *md5 = EVP_MD_fetch(NULL, "MD5", NULL);
    int ok = md5 && EVP_Digest(k->blob, k->blob_len, md, NULL, md5, NULL) == 1;
    EVP_MD_free(md5);
    if (!ok) {
        strata__ossl_clear();
        return;
    }
    if (cap < STRATA_SSH_FP_MD5_LEN)
        return;
    memcpy(out, "MD5:", 4);
    char *p = out + 4;
    for (size_t i = 0; i < sizeof(md); i++) {
        if (i > 0)
            *p++ = ':';
        *p++ = hex[md[i] >> 4];
        *p++ = hex[md[i] & 15];
    }
    *p = 0;
}

strata_status strata__ssh_key_to_line(const struct ssh_key *k, char **out)
{
    *out = NULL;
    const char *type = strata__ssh_key_type(k);
    size_t tl = strlen(type);
    size_t b64cap = 4 * ((k->blob_len + 2) / 3) + 1;
    char *s = malloc(tl + 1 + b64cap);
    if (!s)
        return STRATA_E_NOMEM;
    memcpy(s, type, tl);
    s[tl] = ' ';
    EVP_EncodeBlock((unsigned char *)s + tl + 1, k->blob, (int)k->blob_len);
    *out = s;
    return STRATA_OK;
}
