/* PEM-style armour and base64 for SSH key files (RFC 4648 §4 alphabet;
 * RFC 7468 textual encoding shape, which OpenSSH's private keys follow). */
#include <stdio.h>
#include <string.h>
#include <openssl/evp.h>

#include "base/error_internal.h"
#include "strata/mem.h"
#include "ssh/keyfile.h"

static int is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static int is_b64(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' ||
           c == '/' || c == '=';
}

strata_status strata__sshkf_b64_decode(const char *s, size_t n, strata_buf *out, strata_error *err)
{
    uint8_t quad[4], *dst;
    size_t q = 0, pad = 0;
    strata_status r;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (is_space(c))
            continue;
        if (!is_b64(c))
            return strata__error_set(err, STRATA_E_FORMAT, "invalid base64 character 0x%02x",
                                     (unsigned char)c);
        if (pad && c != '=')
            return strata__error_set(err, STRATA_E_FORMAT, "base64 data after padding");
        if (c == '=')
            pad++;
        quad[q++] = (uint8_t)c;
        if (q < 4)
            continue;
        q = 0;
        if (pad > 2)
            return strata__error_set(err, STRATA_E_FORMAT, "bad base64 padding");
        uint8_t three[3];
        if (EVP_DecodeBlock(three, quad, 4) != 3)
            return strata__error_set(err, STRATA_E_FORMAT, "invalid base64");
        if ((r = strata_buf_reserve(out, 3 - pad, &dst)) != STRATA_OK)
            return strata__error_set(err, r, "decoded key too large");
        memcpy(dst, three, 3 - pad);
        strata_memzero(three, sizeof(three));
    }
    strata_memzero(quad, sizeof(quad));
    if (q != 0)
        return strata__error_set(err, STRATA_E_FORMAT, "base64 length is not a multiple of 4");
    return STRATA_OK;
}

strata_status strata__sshkf_b64_encode(const uint8_t *p, size_t n, size_t line, strata_buf *out)
{
    strata_status r;
    uint8_t *dst;
    char four[5];
    size_t col = 0;
    for (size_t i = 0; i < n; i += 3) {
        size_t take = n - i < 3 ? n - i : 3;
        EVP_EncodeBlock((unsigned char *)four, p + i, (int)take);
        if ((r = strata_buf_reserve(out, 4, &dst)) != STRATA_OK)
            return r;
        memcpy(dst, four, 4);
        col += 4;
        if (line && col >= line && i + 3 < n) {
            if ((r = strata_buf_put_u8(out, '\n')) != STRATA_OK)
                return r;
            col = 0;
        }
    }
    return STRATA_OK;
}

strata_status strata__sshkf_unarmor(const char *text, size_t n, const char *label, strata_buf *out,
                                    strata_error *err)
{
    char begin[80], end[80];
    snprintf(begin, sizeof(begin), "-----BEGIN %s-----", label);
    snprintf(end, sizeof(end), "-----END %s-----", label);
    size_t bl = strlen(begin), el = strlen(end), i = 0;
    while (i < n && is_space(text[i]))
        i++;
    if (n - i < bl || memcmp(text + i, begin, bl) != 0)
        return strata__error_set(err, STRATA_E_FORMAT, "no \"%s\" line", begin);
    i += bl;
    size_t body = i, stop = 0;
    int found = 0;
    for (size_t j = i; j + el <= n; j++) {
        if (text[j] == '-' && memcmp(text + j, end, el) == 0) {
            stop = j;
            found = 1;
            break;
        }
    }
    if (!found)
        return strata__error_set(err, STRATA_E_TRUNCATED, "no \"%s\" line", end);
    for (size_t j = stop + el; j < n; j++)
        if (!is_space(text[j]))
            return strata__error_set(err, STRATA_E_TRAILING, "text after \"%s\"", end);
    return strata__sshkf_b64_decode(text + body, stop - body, out, err);
}

int strata__sshkf_printable(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] < 0x21 || p[i] > 0x7e)
            return 0;
    return 1;
}
