/* pki/spki: Netscape SignedPublicKeyAndChallenge (pyOpenSSL's NetscapeSPKI).
 * The base64 text is decoded here and the DER goes through the shared
 * strata_buf-based decoder, like every other loader. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "pki/pki_internal.h"

struct strata_spki {
    NETSCAPE_SPKI *s;
};

static strata_status wrap(NETSCAPE_SPKI *n, strata_spki **out, strata_error *err)
{
    strata_spki *w = calloc(1, sizeof(*w));
    if (!w) {
        NETSCAPE_SPKI_free(n);
        return STRATA__PKI_NOMEM(err);
    }
    w->s = n;
    *out = w;
    return STRATA_OK;
}

strata_status strata_spki_new(strata_spki **out, strata_error *err)
{
    *out = NULL;
    NETSCAPE_SPKI *n = NETSCAPE_SPKI_new();
    if (!n)
        return STRATA__PKI_NOMEM(err);
    return wrap(n, out, err);
}

void strata_spki_free(strata_spki *s)
{
    if (!s)
        return;
    NETSCAPE_SPKI_free(s->s);
    free(s);
}

NETSCAPE_SPKI *strata_spki_openssl(const strata_spki *s)
{
    return s ? s->s : NULL;
}

strata_status strata_spki_b64_decode(const char *b64, size_t len, strata_spki **out,
                                     strata_error *err)
{
    *out = NULL;
    strata_status r;
    if ((r = strata__pki_check_input(b64, len, "SPKI", err)) != STRATA_OK)
        return r;
    /* Compact the text (no whitespace), then check it is whole base64. */
    char *txt = malloc(len + 1);
    uint8_t *der = malloc(len / 4 * 3 + 3);
    size_t n = 0, pad = 0;
    if (!txt || !der) {
        r = STRATA__PKI_NOMEM(err);
        goto out;
    }
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)b64[i];
        if (isspace(c))
            continue;
        if (!(isalnum(c) || c == '+' || c == '/' || c == '=') || (pad && c != '=')) {
            r = strata__pki_fail_plain(err, STRATA_E_FORMAT,
                                       "SPKI: byte 0x%02x at offset %zu is not base64", c, i);
            goto out;
        }
        pad += c == '=';
        txt[n++] = (char)c;
    }
    if (n == 0 || n % 4 != 0 || pad > 2) {
        r = strata__pki_fail_plain(err, STRATA_E_FORMAT,
                                   "SPKI: base64 text of %zu characters is not whole", n);
        goto out;
    }
    int dl = EVP_DecodeBlock(der, (const unsigned char *)txt, (int)n);
    if (dl < 0 || (size_t)dl < pad) {
        r = strata__pki_fail(err, STRATA_E_FORMAT, "SPKI: the base64 text does not decode");
        goto out;
    }
    ASN1_VALUE *v = NULL;
    if ((r = strata__pki_der_decode(der, (size_t)dl - pad, ASN1_ITEM_rptr(NETSCAPE_SPKI), "SPKI",
                                    &v, err)) == STRATA_OK)
        r = wrap((NETSCAPE_SPKI *)v, out, err);
out:
    free(txt);
    free(der);
    return r;
}

strata_status strata_spki_b64_encode(const strata_spki *s, char **out, strata_error *err)
{
    *out = NULL;
    char *b = NETSCAPE_SPKI_b64_encode(s->s);
    if (!b)
        return strata__pki_fail(err, STRATA_E_CRYPTO, "encoding the SPKI failed");
    strata_status r = strata__pki_strdup(b, out, err);
    OPENSSL_free(b);
    return r;
}

strata_status strata_spki_get_pubkey(const strata_spki *s, strata_pkey **out, strata_error *err)
{
    *out = NULL;
    EVP_PKEY *k = NETSCAPE_SPKI_get_pubkey(s->s);
    if (!k)
        return strata__pki_fail(err, STRATA_E_UNKNOWN_ALG,
                                "the SPKI's public key is missing or of an unknown type");
    return strata__pkey_wrap(k, out, err);
}

strata_status strata_spki_set_pubkey(strata_spki *s, const strata_pkey *k, strata_error *err)
{
    if (!k || !NETSCAPE_SPKI_set_pubkey(s->s, strata_pkey_openssl(k)))
        return strata__pki_fail(err, STRATA_E_CRYPTO, "setting the SPKI's public key failed");
    return STRATA_OK;
}

strata_status strata_spki_sign(strata_spki *s, const strata_pkey *k, const char *digest,
                               strata_error *err)
{
    strata_status r;
    if ((r = strata__pki_need_private(k, err)) != STRATA_OK)
        return r;
    EVP_MD *md = NULL;
    if ((r = strata__pki_sign_md(strata_pkey_openssl(k), digest, &md, err)) != STRATA_OK)
        return r;
    if (NETSCAPE_SPKI_sign(s->s, strata_pkey_openssl(k), md) <= 0)
        r = strata__pki_fail(err, STRATA_E_CRYPTO, "signing the SPKI failed");
    EVP_MD_free(md);
    return r;
}

strata_status strata_spki_verify(const strata_spki *s, const strata_pkey *k, strata_error *err)
{
    if (!k)
        return strata__pki_fail_plain(err, STRATA_E_USAGE, "no key");
    if (NETSCAPE_SPKI_verify(s->s, strata_pkey_openssl(k)) != 1)
        return strata__pki_fail(err, STRATA_E_BAD_SIGNATURE,
                                "the SPKI's signature does not verify with this key");
    return STRATA_OK;
}
