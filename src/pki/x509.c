/* pki/x509: certificates (pyOpenSSL's X509): life cycle, load/dump and the
 * fields. Validity, signing and digests are in x509_sign.c. */
#include <stdlib.h>
#include <string.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>

#include "pki/pki_internal.h"

strata_status strata__x509_wrap(X509 *x, strata_x509 **out, strata_error *err)
{
    *out = NULL;
    strata_x509 *c = calloc(1, sizeof(*c));
    if (!c) {
        X509_free(x);
        return STRATA__PKI_NOMEM(err);
    }
    atomic_init(&c->refs, 1);
    c->x = x;
    *out = c;
    return STRATA_OK;
}

strata_status strata_x509_new(strata_x509 **out, strata_error *err)
{
    *out = NULL;
    X509 *x = X509_new();
    if (!x)
        return STRATA__PKI_NOMEM(err);
    return strata__x509_wrap(x, out, err);
}

void strata_x509_free(strata_x509 *x)
{
    if (!x || atomic_fetch_sub(&x->refs, 1) != 1)
        return;
    X509_free(x->x);
    free(x);
}

strata_x509 *strata_x509_up_ref(strata_x509 *x)
{
    if (x)
        atomic_fetch_add(&x->refs, 1);
    return x;
}

strata_status strata_x509_dup(const strata_x509 *x, strata_x509 **out, strata_error *err)
{
    *out = NULL;
    X509 *c = X509_dup(x->x);
    if (!c)
        return strata__pki_fail(err, STRATA_E_NOMEM, "copying the certificate failed");
    return strata__x509_wrap(c, out, err);
}

strata_status strata_x509_from_openssl(X509 *x, strata_x509 **out, strata_error *err)
{
    *out = NULL;
    if (!x)
        return strata__pki_fail_plain(err, STRATA_E_USAGE, "no certificate");
    if (!X509_up_ref(x))
        return strata__pki_fail(err, STRATA_E_INTERNAL, "X509_up_ref failed");
    return strata__x509_wrap(x, out, err);
}

X509 *strata_x509_openssl(const strata_x509 *x)
{
    return x ? x->x : NULL;
}

strata_status strata_x509_load(const void *data, size_t len, strata_pki_format fmt,
                               strata_x509 **out, strata_error *err)
{
    *out = NULL;
    ASN1_VALUE *v = NULL;
    strata_status r = strata__pki_decode(data, len, fmt, PEM_STRING_X509, ASN1_ITEM_rptr(X509),
                                         "certificate", &v, err);
    if (r != STRATA_OK)
        return r;
    return strata__x509_wrap((X509 *)v, out, err);
}

strata_status strata_x509_load_file(const char *path, strata_pki_format fmt, strata_x509 **out,
                                    strata_error *err)
{
    *out = NULL;
    strata_buf b;
    strata_status r = strata_pki_read_file(path, &b, 0, err);
    if (r == STRATA_OK)
        r = strata_x509_load(strata_buf_ptr(&b), strata_buf_len(&b), fmt, out, err);
    strata_buf_free(&b);
    return r;
}

void strata_x509_chain_free(strata_x509 **chain, size_t n)
{
    if (!chain)
        return;
    for (size_t i = 0; i < n; i++)
        strata_x509_free(chain[i]);
    free(chain);
}

/* Appends c to *arr (of *n); takes ownership of c. */
static strata_status chain_push(strata_x509 ***arr, size_t *n, strata_x509 *c, strata_error *err)
{
    if (*n >= 4096) {
        strata_x509_free(c);
        return strata__pki_fail_plain(err, STRATA_E_LIMIT, "more than 4096 certificates");
    }
    strata_x509 **na = realloc(*arr, (*n + 1) * sizeof(*na));
    if (!na) {
        strata_x509_free(c);
        return STRATA__PKI_NOMEM(err);
    }
    na[(*n)++] = c;
    *arr = na;
    return STRATA_OK;
}

strata_status strata_x509_load_chain(const void *data, size_t len, strata_x509 ***out, size_t *n,
                                     strata_error *err)
{
    *out = NULL;
    *n = 0;
    strata_status r;
    if ((r = strata__pki_check_input(data, len, "certificate chain", err)) != STRATA_OK)
        return r;
    strata_x509 **arr = NULL;
    size_t cnt = 0;
    if (!strata__pki_looks_pem(data, len)) {
        strata_x509 *c;
        if ((r = strata_x509_load(data, len, STRATA_PKI_AUTO, &c, err)) == STRATA_OK &&
            (r = chain_push(&arr, &cnt, c, err)) == STRATA_OK)
            goto done;
        goto fail;
    }
    /* Walk the PEM blocks: each CERTIFICATE block is decoded on its own so a
     * bad one is reported with its position. */
    const char *p = data, *end = p + len;
    static const char begin[] = "-----BEGIN CERTIFICATE-----";
    static const char fin[] = "-----END CERTIFICATE-----";
    for (;;) {
        const char *b = NULL;
        for (const char *q = p; (size_t)(end - q) >= sizeof(begin) - 1; q++) {
            if (*q == '-' && memcmp(q, begin, sizeof(begin) - 1) == 0) {
                b = q;
                break;
            }
        }
        if (!b)
            break;
        const char *e = NULL;
        for (const char *q = b; (size_t)(end - q) >= sizeof(fin) - 1; q++) {
            if (*q == '-' && memcmp(q, fin, sizeof(fin) - 1) == 0) {
                e = q + sizeof(fin) - 1;
                break;
            }
        }
        if (!e) {
            r = strata__pki_fail_plain(err, STRATA_E_BAD_PEM,
                                       "certificate %zu of the chain has no END line", cnt + 1);
            goto fail;
        }
        strata_x509 *c;
        if ((r = strata_x509_load(b, (size_t)(e - b), STRATA_PKI_PEM, &c, err)) != STRATA_OK)
            goto fail;
        if ((r = chain_push(&arr, &cnt, c, err)) != STRATA_OK)
            goto fail;
        p = e;
    }
    if (cnt == 0) {
        r = strata__pki_fail_plain(err, STRATA_E_BAD_PEM,
                                   "certificate chain: no PEM block \"CERTIFICATE\" found");
        goto fail;
    }
done:
    *out = arr;
    *n = cnt;
    return STRATA_OK;
fail:
    strata_x509_chain_free(arr, cnt);
    return r;
}

strata_status strata_x509_load_chain_file(const char *path, strata_x509 ***out, size_t *n,
                                          strata_error *err)
{
    *out = NULL;
    *n = 0;
    strata_buf b;
    strata_status r = strata_pki_read_file(path, &b, 0, err);
    if (r == STRATA_OK)
        r = strata_x509_load_chain(strata_buf_ptr(&b), strata_buf_len(&b), out, n, err);
    strata_buf_free(&b);
    return r;
}

strata_status strata_x509_dump(const strata_x509 *x, strata_pki_format fmt, strata_buf *out,
                               strata_error *err)
{
    if (fmt != STRATA_PKI_TEXT)
        return strata__pki_encode((const ASN1_VALUE *)x->x, ASN1_ITEM_rptr(X509), fmt,
                                  PEM_STRING_X509, out, err);
    strata_buf_reset(out);
    BIO *bio = NULL;
    strata_status r = strata__pki_membio(&bio, err);
    if (r != STRATA_OK)
        return r;
    if (X509_print_ex(bio, x->x, XN_FLAG_ONELINE & ~ASN1_STRFLGS_ESC_MSB, 0) <= 0)
        r = strata__pki_fail(err, STRATA_E_CRYPTO, "printing the certificate failed");
    else
        r = strata__pki_bio_take(bio, out, err);
    BIO_free(bio);
    return r;
}

long strata_x509_get_version(const strata_x509 *x)
{
    return X509_get_version(x->x);
}

strata_status strata_x509_set_version(strata_x509 *x, long version, strata_error *err)
{
    if (version < STRATA_X509_V1 || version > STRATA_X509_V3)
        return strata__pki_fail_plain(err, STRATA_E_USAGE,
                                      "certificate version %ld is not 0, 1 or 2 (v1..v3)", version);
    if (!X509_set_version(x->x, version))
        return strata__pki_fail(err, STRATA_E_CRYPTO, "setting the version failed");
    return STRATA_OK;
}

static strata_status set_serial_bn(strata_x509 *x, BIGNUM *bn, strata_error *err)
{
    strata_status r = STRATA_OK;
    ASN1_INTEGER *ai = BN_to_ASN1_INTEGER(bn, NULL);
    if (!ai || !X509_set_serialNumber(x->x, ai))
        r = strata__pki_fail(err, STRATA_E_CRYPTO, "setting the serial number failed");
    ASN1_INTEGER_free(ai);
    BN_free(bn);
    return r;
}

strata_status strata_x509_set_serial(strata_x509 *x, const uint8_t *be, size_t n, strata_error *err)
{
    if (n == 0 || n > 1024)
        return strata__pki_fail_plain(err, STRATA_E_USAGE,
                                      "serial number of %zu bytes (want 1 to 1024)", n);
    BIGNUM *bn = BN_bin2bn(be, (int)n, NULL);
    if (!bn)
        return STRATA__PKI_NOMEM(err);
    return set_serial_bn(x, bn, err);
}

strata_status strata_x509_set_serial_hex(strata_x509 *x, const char *hex, strata_error *err)
{
    ASN1_INTEGER *ai = NULL;
    strata_status r = strata__pki_serial_from_hex(hex, &ai, err);
    if (r == STRATA_OK && !X509_set_serialNumber(x->x, ai))
        r = strata__pki_fail(err, STRATA_E_CRYPTO, "setting the serial number failed");
    ASN1_INTEGER_free(ai);
    return r;
}

strata_status strata_x509_set_serial_u64(strata_x509 *x, uint64_t v, strata_error *err)
{
    uint8_t be[8];
    for (int i = 0; i < 8; i++)
        be[i] = (uint8_t)(v >> (56 - 8 * i));
    return strata_x509_set_serial(x, be, sizeof(be), err);
}

strata_status strata_x509_set_serial_random(strata_x509 *x, strata_error *err)
{
    uint8_t be[20];
    if (RAND_bytes(be, sizeof(be)) != 1)
        return strata__pki_fail(err, STRATA_E_CRYPTO, "no random bytes for the serial number");
    be[0] &= 0x7f; /* positive, and at most 20 octets once encoded */
    be[0] |= 0x01; /* a non-zero first byte keeps the encoding at 20 octets */
    return strata_x509_set_serial(x, be, sizeof(be), err);
}

strata_status strata_x509_get_serial_hex(const strata_x509 *x, char **out, strata_error *err)
{
    return strata__pki_serial_to_hex(X509_get0_serialNumber(x->x), out, err);
}

static strata_status get_name(const X509_NAME *n, strata_x509_name **out, strata_error *err)
{
    *out = NULL;
    if (!n)
        return strata__pki_fail_plain(err, STRATA_E_FORMAT, "the certificate has no name field");
    return strata_x509_name_from_openssl(n, out, err);
}

strata_status strata_x509_get_issuer(const strata_x509 *x, strata_x509_name **out,
                                     strata_error *err)
{
    return get_name(X509_get_issuer_name(x->x), out, err);
}

strata_status strata_x509_get_subject(const strata_x509 *x, strata_x509_name **out,
                                      strata_error *err)
{
    return get_name(X509_get_subject_name(x->x), out, err);
}

strata_status strata_x509_set_issuer(strata_x509 *x, const strata_x509_name *name,
                                     strata_error *err)
{
    if (!X509_set_issuer_name(x->x, strata_x509_name_openssl(name)))
        return strata__pki_fail(err, STRATA_E_NOMEM, "setting the issuer failed");
    return STRATA_OK;
}

strata_status strata_x509_set_subject(strata_x509 *x, const strata_x509_name *name,
                                      strata_error *err)
{
    if (!X509_set_subject_name(x->x, strata_x509_name_openssl(name)))
        return strata__pki_fail(err, STRATA_E_NOMEM, "setting the subject failed");
    return STRATA_OK;
}

strata_status strata_x509_get_pubkey(const strata_x509 *x, strata_pkey **out, strata_error *err)
{
    *out = NULL;
    EVP_PKEY *k = strata__pki_public_only(X509_get_X509_PUBKEY(x->x));
    if (!k)
        return strata__pki_fail(err, STRATA_E_UNKNOWN_ALG,
                                "the certificate's public key is missing or of an unknown type");
    return strata__pkey_wrap(k, out, err);
}

strata_status strata_x509_set_pubkey(strata_x509 *x, const strata_pkey *key, strata_error *err)
{
    if (!key || !X509_set_pubkey(x->x, strata_pkey_openssl(key)))
        return strata__pki_fail(err, STRATA_E_CRYPTO, "setting the public key failed");
    return STRATA_OK;
}

strata_status strata_x509_add_ext(strata_x509 *x, const strata_x509_ext *ext, strata_error *err)
{
    if (!ext || !X509_add_ext(x->x, ext->e, -1))
        return strata__pki_fail(err, STRATA_E_NOMEM, "adding the extension failed");
    return STRATA_OK;
}

strata_status strata_x509_add_exts(strata_x509 *x, strata_x509_ext *const *exts, size_t n,
                                   strata_error *err)
{
    int before = X509_get_ext_count(x->x);
    for (size_t i = 0; i < n; i++) {
        if (!exts || !exts[i] || !X509_add_ext(x->x, exts[i]->e, -1)) {
            while (X509_get_ext_count(x->x) > before) /* roll back */
                X509_EXTENSION_free(X509_delete_ext(x->x, before));
            return strata__pki_fail(err, exts && exts[i] ? STRATA_E_NOMEM : STRATA_E_USAGE,
                                    "adding extension %zu of %zu failed", i + 1, n);
        }
    }
    return STRATA_OK;
}

size_t strata_x509_ext_count(const strata_x509 *x)
{
    int n = X509_get_ext_count(x->x);
    return n > 0 ? (size_t)n : 0;
}

strata_status strata_x509_get_ext(const strata_x509 *x, size_t idx, strata_x509_ext **out,
                                  strata_error *err)
{
    *out = NULL;
    size_t n = strata_x509_ext_count(x);
    if (idx >= n)
        return strata__pki_fail_plain(err, STRATA_E_USAGE,
                                      "extension index %zu out of range (the certificate has %zu)",
                                      idx, n);
    X509_EXTENSION *e = X509_EXTENSION_dup(X509_get_ext(x->x, (int)idx));
    if (!e)
        return STRATA__PKI_NOMEM(err);
    return strata__x509_ext_wrap(e, out, err);
}
