/* pki: helpers shared by every loader and dumper. All DER parsing goes
 * through a strata_buf view so that length checks and trailing-byte checks
 * are the base module's. */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/err.h>
#include <openssl/pem.h>

#include "pki/pki_internal.h"

void strata_pki_free_string(char *s)
{
    free(s);
}

STRATA_PRINTF(4, 0)
static strata_status vfail(strata_error *err, strata_status st, int take, const char *fmt,
                           va_list ap)
{
    if (!err) {
        ERR_clear_error();
        return st;
    }
    if (take)
        return strata__error_vset_ossl(err, st, fmt, ap);
    ERR_clear_error();
    return strata_error_vset(err, st, fmt, ap);
}

strata_status strata__pki_fail(strata_error *err, strata_status st, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    strata_status r = vfail(err, st, 1, fmt, ap);
    va_end(ap);
    return r;
}

strata_status strata__pki_fail_plain(strata_error *err, strata_status st, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    strata_status r = vfail(err, st, 0, fmt, ap);
    va_end(ap);
    return r;
}

strata_status strata__pki_check_input(const void *data, size_t len, const char *what,
                                      strata_error *err)
{
    if (!data && len > 0)
        return strata__pki_fail_plain(err, STRATA_E_USAGE, "%s: no input", what);
    if (len == 0)
        return strata__pki_fail_plain(err, STRATA_E_TRUNCATED, "%s: empty input", what);
    if (len > STRATA_PKI_MAX_INPUT)
        return strata__pki_fail_plain(err, STRATA_E_LIMIT,
                                      "%s: input of %zu bytes exceeds the limit of %u", what, len,
                                      STRATA_PKI_MAX_INPUT);
    return STRATA_OK;
}

int strata__pki_looks_pem(const void *data, size_t len)
{
    const char *p = data;
    size_t i = 0;
    while (i < len && (p[i] == ' ' || p[i] == '\t' || p[i] == '\r' || p[i] == '\n'))
        i++;
    static const char tag[] = "-----BEGIN ";
    if (len - i >= sizeof(tag) - 1 && memcmp(p + i, tag, sizeof(tag) - 1) == 0)
        return 1;
    /* PEM files may start with explanatory text (openssl x509 -text output). */
    for (size_t j = 0; j + sizeof(tag) - 1 <= len && j < 65536; j++) {
        if (p[j] == '-' && memcmp(p + j, tag, sizeof(tag) - 1) == 0)
            return 1;
    }
    return 0;
}

strata_status strata__pki_load_format(strata_pki_format fmt, const void *data, size_t len,
                                      strata_pki_format *out, strata_error *err)
{
    switch (fmt) {
    case STRATA_PKI_PEM:
    case STRATA_PKI_DER:
        *out = fmt;
        return STRATA_OK;
    case STRATA_PKI_AUTO:
        if (strata__pki_looks_pem(data, len)) {
            *out = STRATA_PKI_PEM;
            return STRATA_OK;
        }
        /* Every DER object strata loads is a SEQUENCE. */
        if (len > 0 && ((const uint8_t *)data)[0] != 0x30)
            return strata__pki_fail_plain(err, STRATA_E_BAD_PEM,
                                          "input is neither PEM (no \"-----BEGIN\" line) nor DER "
                                          "(it starts with byte 0x%02x, not a SEQUENCE)",
                                          ((const uint8_t *)data)[0]);
        *out = STRATA_PKI_DER;
        return STRATA_OK;
    default:
        return strata__pki_fail_plain(
            err, STRATA_E_USAGE, "format %d cannot be loaded (use PEM, DER or AUTO)", (int)fmt);
    }
}

strata_status strata__pki_der_decode(const void *data, size_t len, const ASN1_ITEM *it,
                                     const char *what, ASN1_VALUE **out, strata_error *err)
{
    *out = NULL;
    strata_status r;
    if ((r = strata__pki_check_input(data, len, what, err)) != STRATA_OK)
        return r;
    strata_buf b;
    strata_buf_view(&b, data, len);
    const unsigned char *start = strata_buf_ptr(&b), *p = start;
    ASN1_VALUE *v = ASN1_item_d2i(NULL, &p, (long)strata_buf_len(&b), it);
    if (!v)
        return strata__pki_fail(err, STRATA_E_BAD_DER, "%s: truncated or malformed DER", what);
    if ((r = strata_buf_consume(&b, (size_t)(p - start))) != STRATA_OK ||
        (r = strata_buf_get_end(&b)) != STRATA_OK) {
        ASN1_item_free(v, it);
        return strata__pki_fail_plain(err, STRATA_E_TRAILING,
                                      "%s: %zu unexpected bytes after the DER value", what,
                                      strata_buf_len(&b));
    }
    *out = v;
    return STRATA_OK;
}

/* Certificates and requests are never encrypted: a PEM block claiming to be
 * gets no passphrase (OpenSSL's default would prompt on the terminal). */
static int no_passphrase(char *buf, int size, int rwflag, void *u)
{
    (void)buf, (void)size, (void)rwflag, (void)u;
    return -1;
}

strata_status strata__pki_pem_decode(const void *data, size_t len, const char *pem_name,
                                     const ASN1_ITEM *it, const char *what, ASN1_VALUE **out,
                                     strata_error *err)
{
    *out = NULL;
    strata_status r;
    if ((r = strata__pki_check_input(data, len, what, err)) != STRATA_OK)
        return r;
    BIO *bio = BIO_new_mem_buf(data, (int)len);
    if (!bio)
        return STRATA__PKI_NOMEM(err);
    unsigned char *der = NULL;
    long der_len = 0;
    char *name = NULL;
    ERR_set_mark();
    if (!PEM_bytes_read_bio(&der, &der_len, &name, pem_name, bio, no_passphrase, NULL)) {
        unsigned long e = ERR_peek_last_error();
        ERR_pop_to_mark();
        BIO_free(bio);
        if (ERR_GET_LIB(e) == ERR_LIB_PEM && ERR_GET_REASON(e) == PEM_R_NO_START_LINE)
            return strata__pki_fail_plain(err, STRATA_E_BAD_PEM, "%s: no PEM block \"%s\" found",
                                          what, pem_name);
        return strata__pki_fail(err, STRATA_E_BAD_PEM,
                                "%s: the PEM block \"%s\" is corrupt (bad base64 or headers)", what,
                                pem_name);
    }
    ERR_clear_last_mark();
    BIO_free(bio);
    r = strata__pki_der_decode(der, (size_t)der_len, it, what, out, err);
    OPENSSL_free(der);
    OPENSSL_free(name);
    return r;
}

strata_status strata__pki_decode(const void *data, size_t len, strata_pki_format fmt,
                                 const char *pem_name, const ASN1_ITEM *it, const char *what,
                                 ASN1_VALUE **out, strata_error *err)
{
    *out = NULL;
    strata_status r;
    if ((r = strata__pki_check_input(data, len, what, err)) != STRATA_OK)
        return r;
    if ((r = strata__pki_load_format(fmt, data, len, &fmt, err)) != STRATA_OK)
        return r;
    if (fmt == STRATA_PKI_PEM)
        return strata__pki_pem_decode(data, len, pem_name, it, what, out, err);
    return strata__pki_der_decode(data, len, it, what, out, err);
}

strata_status strata__pki_membio(BIO **out, strata_error *err)
{
    *out = BIO_new(BIO_s_mem());
    return *out ? STRATA_OK : STRATA__PKI_NOMEM(err);
}

strata_status strata__pki_bio_take(BIO *bio, strata_buf *out, strata_error *err)
{
    char *p = NULL;
    long n = BIO_get_mem_data(bio, &p);
    strata_buf_reset(out);
    if (n < 0)
        return strata__pki_fail(err, STRATA_E_INTERNAL, "memory BIO has no data");
    if (strata_buf_put(out, p, (size_t)n) != STRATA_OK)
        return strata__pki_fail_plain(err, STRATA_E_LIMIT,
                                      "output of %ld bytes does not fit the buffer", n);
    return STRATA_OK;
}

strata_status strata__pki_encode(const ASN1_VALUE *value, const ASN1_ITEM *it,
                                 strata_pki_format fmt, const char *pem_name, strata_buf *out,
                                 strata_error *err)
{
    strata_buf_reset(out);
    if (fmt != STRATA_PKI_PEM && fmt != STRATA_PKI_DER)
        return strata__pki_fail_plain(err, STRATA_E_USAGE, "format %d is not PEM or DER", (int)fmt);
    unsigned char *der = NULL;
    int n = ASN1_item_i2d(value, &der, it);
    if (n <= 0)
        return strata__pki_fail(err, STRATA_E_CRYPTO, "encoding %s as DER failed", pem_name);
    strata_status r = STRATA_OK;
    if (fmt == STRATA_PKI_DER) {
        if (strata_buf_put(out, der, (size_t)n) != STRATA_OK)
            r = strata__pki_fail_plain(err, STRATA_E_LIMIT, "output does not fit the buffer");
        OPENSSL_free(der);
        return r;
    }
    BIO *bio = NULL;
    if ((r = strata__pki_membio(&bio, err)) == STRATA_OK) {
        if (PEM_write_bio(bio, pem_name, "", der, n) <= 0)
            r = strata__pki_fail(err, STRATA_E_CRYPTO, "writing PEM %s failed", pem_name);
        else
            r = strata__pki_bio_take(bio, out, err);
    }
    BIO_free(bio);
    OPENSSL_free(der);
    return r;
}

strata_status strata__pki_strdup(const char *s, char **out, strata_error *err)
{
    return strata__pki_strndup(s, strlen(s), out, err);
}

strata_status strata__pki_strndup(const char *s, size_t n, char **out, strata_error *err)
{
    *out = NULL;
    if (n == SIZE_MAX)
        return STRATA__PKI_NOMEM(err);
    char *c = malloc(n + 1);
    if (!c)
        return STRATA__PKI_NOMEM(err);
    memcpy(c, s, n);
    c[n] = '\0';
    *out = c;
    return STRATA_OK;
}

strata_status strata__pki_sign_md(const EVP_PKEY *k, const char *name, EVP_MD **md,
                                  strata_error *err)
{
    *md = NULL;
    if (EVP_PKEY_is_a(k, "ED25519") || EVP_PKEY_is_a(k, "ED448")) {
        if (name && *name)
            return strata__pki_fail_plain(err, STRATA_E_USAGE,
                                          "%s keys sign without a separate digest; got \"%s\"",
                                          EVP_PKEY_get0_type_name(k), name);
        return STRATA_OK;
    }
    const char *n = (name && *name) ? name : "SHA256";
    *md = EVP_MD_fetch(NULL, n, NULL);
    if (!*md)
        return strata__pki_fail(err, STRATA_E_UNKNOWN_ALG, "unknown digest \"%s\"", n);
    return STRATA_OK;
}

strata_status strata__pki_need_private(const strata_pkey *k, strata_error *err)
{
    if (!k)
        return strata__pki_fail_plain(err, STRATA_E_USAGE, "no key");
    if (!strata_pkey_has_private(k))
        return strata__pki_fail_plain(err, STRATA_E_NO_PRIVATE_KEY,
                                      "the %s key is public only: signing needs the private key",
                                      strata_pkey_type_name(strata_pkey_get_type(k)));
    return STRATA_OK;
}

strata_status strata__pki_time_get(const ASN1_TIME *t, time_t *out, strata_error *err)
{
    *out = 0;
    struct tm tm;
    if (!t || !ASN1_TIME_to_tm(t, &tm))
        return strata__pki_fail(err, STRATA_E_FORMAT, "time field is missing or malformed");
    *out = timegm(&tm);
    return STRATA_OK;
}

strata_status strata__pki_time_str(const ASN1_TIME *t, char **out, strata_error *err)
{
    *out = NULL;
    struct tm tm;
    if (!t || !ASN1_TIME_to_tm(t, &tm))
        return strata__pki_fail(err, STRATA_E_FORMAT, "time field is missing or malformed");
    char buf[32];
    snprintf(buf, sizeof(buf), "%04d%02d%02d%02d%02d%02dZ", tm.tm_year + 1900, tm.tm_mon + 1,
             tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
    return strata__pki_strdup(buf, out, err);
}

strata_status strata__pki_serial_from_hex(const char *hex, ASN1_INTEGER **out, strata_error *err)
{
    *out = NULL;
    const char *h = hex ? hex : "";
    if (h[0] == '0' && (h[1] == 'x' || h[1] == 'X'))
        h += 2;
    size_t n = strlen(h);
    if (n == 0 || n > 2048 || strspn(h, "0123456789abcdefABCDEF") != n)
        return strata__pki_fail_plain(err, STRATA_E_USAGE,
                                      "serial number \"%.64s\" is not hexadecimal", hex ? hex : "");
    BIGNUM *bn = NULL;
    if (!BN_hex2bn(&bn, h))
        return STRATA__PKI_NOMEM(err);
    *out = BN_to_ASN1_INTEGER(bn, NULL);
    BN_free(bn);
    return *out ? STRATA_OK : STRATA__PKI_NOMEM(err);
}

strata_status strata__pki_serial_to_hex(const ASN1_INTEGER *ai, char **out, strata_error *err)
{
    *out = NULL;
    BIGNUM *bn = ai ? ASN1_INTEGER_to_BN(ai, NULL) : NULL;
    char *h = bn ? BN_bn2hex(bn) : NULL;
    BN_free(bn);
    if (!h)
        return strata__pki_fail(err, STRATA_E_FORMAT, "the serial number is malformed");
    strata_status r = strata__pki_strdup(h, out, err);
    OPENSSL_free(h);
    return r;
}

EVP_PKEY *strata__pki_public_only(const X509_PUBKEY *xpk)
{
    unsigned char *der = NULL;
    EVP_PKEY *k = NULL;
    int n = xpk ? i2d_X509_PUBKEY(xpk, &der) : 0;
    if (n > 0) {
        const unsigned char *p = der;
        k = d2i_PUBKEY(NULL, &p, n);
    }
    OPENSSL_free(der);
    return k;
}
