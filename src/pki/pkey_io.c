/* pki/pkey_io: loading and dumping keys (load_privatekey, dump_privatekey and
 * the public-key forms). Private keys go through OSSL_DECODER, which reads
 * PKCS#8 (plain and encrypted) and the traditional per-algorithm forms, in PEM
 * and DER; they are written as PKCS#8 (PBES2 + PBKDF2-HMAC-SHA256 when
 * encrypted), which every OpenSSL 1.0+ and Java reads. */
#include <string.h>
#include <openssl/decoder.h>
#include <openssl/err.h>
#include <openssl/pem.h>

#include "pki/pki_internal.h"

/* The offset of the first PEM block whose label ends in "PRIVATE KEY"
 * ("PRIVATE KEY", "ENCRYPTED PRIVATE KEY", "RSA PRIVATE KEY" ...), so a key
 * is found after a certificate in the same file; 0 when there is none (the
 * decoder then reports what it sees). */
static size_t private_block(const char *p, size_t len)
{
    static const char begin[] = "-----BEGIN ", suffix[] = "PRIVATE KEY";
    const size_t bl = sizeof(begin) - 1, sl = sizeof(suffix) - 1;
    for (size_t i = 0; i < len && len - i > bl; i++) {
        if (p[i] != '-' || memcmp(p + i, begin, bl) != 0)
            continue;
        size_t j = i + bl, e = j; /* the label is p[j, e) */
        while (e < len && e - j < 64 && p[e] != '-' && p[e] != '\n')
            e++;
        if (e - j >= sl && len - e >= 5 && memcmp(p + e, "-----", 5) == 0 &&
            memcmp(p + e - sl, suffix, sl) == 0)
            return i;
    }
    return 0;
}

/* 1 when data is a SubjectPublicKeyInfo (so a private-key load can say what
 * it got). OpenSSL's error queue is left as it was. */
static int holds_public_key(const void *data, size_t len, strata_pki_format fmt)
{
    if (fmt == STRATA_PKI_PEM)
        return memmem(data, len, "-----BEGIN PUBLIC KEY-----", 26) != NULL;
    ERR_set_mark();
    const unsigned char *p = data;
    EVP_PKEY *k = d2i_PUBKEY(NULL, &p, (long)len);
    ERR_pop_to_mark();
    EVP_PKEY_free(k);
    return k != NULL;
}

strata_status strata_pkey_load_private(const void *data, size_t len, strata_pki_format fmt,
                                       const strata_passphrase *pw, strata_pkey **out,
                                       strata_error *err)
{
    *out = NULL;
    strata_status r;
    if ((r = strata__pki_check_input(data, len, "private key", err)) != STRATA_OK ||
        (r = strata__pki_load_format(fmt, data, len, &fmt, err)) != STRATA_OK)
        return r;
    EVP_PKEY *k = NULL;
    struct strata__pw st = {pw, 0, 0};
    OSSL_DECODER_CTX *dc = OSSL_DECODER_CTX_new_for_pkey(&k, fmt == STRATA_PKI_PEM ? "PEM" : "DER",
                                                         NULL, NULL, EVP_PKEY_KEYPAIR, NULL, NULL);
    if (!dc || !OSSL_DECODER_CTX_set_pem_password_cb(dc, strata__pw_cb, &st)) {
        OSSL_DECODER_CTX_free(dc);
        return STRATA__PKI_NOMEM(err);
    }
    strata_buf b;
    strata_buf_view(&b, data, len);
    if (fmt == STRATA_PKI_PEM &&
        (r = strata_buf_consume(&b, private_block(data, len))) != STRATA_OK) {
        OSSL_DECODER_CTX_free(dc);
        return strata__pki_fail_plain(err, STRATA_E_INTERNAL, "PEM block offset out of range");
    }
    const unsigned char *p = strata_buf_ptr(&b);
    size_t left = strata_buf_len(&b);
    int ok = OSSL_DECODER_from_data(dc, &p, &left);
    OSSL_DECODER_CTX_free(dc);
    if (!ok || !k) {
        EVP_PKEY_free(k);
        if (st.called && st.gave_none)
            return strata__pki_fail_plain(err, STRATA_E_PASSPHRASE,
                                          "the private key is encrypted and no passphrase was "
                                          "given");
        if (st.called)
            return strata__pki_fail_plain(err, STRATA_E_PASSPHRASE,
                                          "wrong passphrase for the encrypted private key");
        if (holds_public_key(data, len, fmt))
            return strata__pki_fail_plain(err, STRATA_E_NO_PRIVATE_KEY,
                                          "the input holds a public key, not a private key");
        if (fmt == STRATA_PKI_PEM)
            return strata__pki_fail(err, STRATA_E_BAD_PEM,
                                    "private key: no readable PEM private key block (missing, "
                                    "corrupt, or an unsupported key type)");
        return strata__pki_fail(err, STRATA_E_BAD_DER,
                                "private key: truncated or malformed DER, or an unsupported key "
                                "type");
    }
    ERR_clear_error();
    if ((r = strata__pkey_wrap(k, out, err)) != STRATA_OK)
        return r;
    if (!strata_pkey_has_private(*out)) {
        strata_pkey_free(*out);
        *out = NULL;
        return strata__pki_fail_plain(err, STRATA_E_NO_PRIVATE_KEY,
                                      "the input holds a public key, not a private key");
    }
    return STRATA_OK;
}

strata_status strata_pkey_load_private_file(const char *path, strata_pki_format fmt,
                                            const strata_passphrase *pw, strata_pkey **out,
                                            strata_error *err)
{
    *out = NULL;
    strata_buf b;
    strata_status r = strata_pki_read_file(path, &b, 1, err);
    if (r == STRATA_OK)
        r = strata_pkey_load_private(strata_buf_ptr(&b), strata_buf_len(&b), fmt, pw, out, err);
    strata_buf_free(&b);
    return r;
}

strata_status strata_pkey_load_public(const void *data, size_t len, strata_pki_format fmt,
                                      strata_pkey **out, strata_error *err)
{
    *out = NULL;
    ASN1_VALUE *v = NULL;
    strata_status r = strata__pki_decode(data, len, fmt, PEM_STRING_PUBLIC,
                                         ASN1_ITEM_rptr(X509_PUBKEY), "public key", &v, err);
    if (r != STRATA_OK)
        return r;
    EVP_PKEY *k = X509_PUBKEY_get((X509_PUBKEY *)v);
    X509_PUBKEY_free((X509_PUBKEY *)v);
    if (!k)
        return strata__pki_fail(err, STRATA_E_UNKNOWN_ALG,
                                "public key: unsupported algorithm or bad key data");
    return strata__pkey_wrap(k, out, err);
}

strata_status strata_pkey_dump_private(const strata_pkey *k, strata_pki_format fmt,
                                       const char *cipher, const strata_passphrase *pw,
                                       strata_buf *out, strata_error *err)
{
    strata_buf_reset(out);
    strata_buf_set_secret(out);
    strata_status r;
    if ((r = strata__pki_need_private(k, err)) != STRATA_OK)
        return r;
    if (fmt != STRATA_PKI_PEM && fmt != STRATA_PKI_DER && fmt != STRATA_PKI_TEXT)
        return strata__pki_fail_plain(err, STRATA_E_USAGE, "format %d is not PEM, DER or text",
                                      (int)fmt);
    EVP_CIPHER *c = NULL;
    if (pw && fmt != STRATA_PKI_TEXT) {
        const char *cn = cipher ? cipher : "AES-256-CBC";
        if (!(c = EVP_CIPHER_fetch(NULL, cn, NULL)))
            return strata__pki_fail(err, STRATA_E_UNKNOWN_ALG, "unknown cipher \"%s\"", cn);
    }
    BIO *bio = NULL;
    if ((r = strata__pki_membio(&bio, err)) != STRATA_OK)
        goto out;
    struct strata__pw st = {pw, 0, 0};
    /* A fixed passphrase goes in directly; a callback through the bridge. */
    char *kstr = (pw && pw->pass) ? (char *)pw->pass : NULL;
    int klen = (pw && pw->pass) ? (int)pw->len : 0;
    pem_password_cb *cb = (pw && !pw->pass) ? strata__pw_cb : NULL;
    int ok;
    if (pw && pw->pass && pw->len > STRATA_PKI_PASSPHRASE_MAX) {
        r = strata__pki_fail_plain(err, STRATA_E_USAGE, "passphrase longer than %d bytes",
                                   STRATA_PKI_PASSPHRASE_MAX);
        goto out;
    }
    if (fmt == STRATA_PKI_TEXT)
        ok = EVP_PKEY_print_private(bio, k->k, 0, NULL) > 0;
    else if (fmt == STRATA_PKI_PEM)
        ok = PEM_write_bio_PKCS8PrivateKey(bio, k->k, c, kstr, klen, cb, &st) > 0;
    else
        ok = i2d_PKCS8PrivateKey_bio(bio, k->k, c, kstr, klen, cb, &st) > 0;
    if (!ok) {
        if (st.gave_none)
            r = strata__pki_fail_plain(err, STRATA_E_PASSPHRASE,
                                       "no passphrase was given to encrypt the private key");
        else
            r = strata__pki_fail(err, STRATA_E_CRYPTO, "writing the private key failed");
        goto out;
    }
    r = strata__pki_bio_take(bio, out, err);
out:
    BIO_free(bio); /* BIO_s_mem buffers are cleansed on free by BUF_MEM_free */
    EVP_CIPHER_free(c);
    return r;
}

strata_status strata_pkey_dump_public(const strata_pkey *k, strata_pki_format fmt, strata_buf *out,
                                      strata_error *err)
{
    strata_buf_reset(out);
    if (!k)
        return strata__pki_fail_plain(err, STRATA_E_USAGE, "no key");
    BIO *bio = NULL;
    strata_status r = strata__pki_membio(&bio, err);
    if (r != STRATA_OK)
        return r;
    int ok;
    if (fmt == STRATA_PKI_TEXT)
        ok = EVP_PKEY_print_public(bio, k->k, 0, NULL) > 0;
    else if (fmt == STRATA_PKI_PEM)
        ok = PEM_write_bio_PUBKEY(bio, k->k) > 0;
    else if (fmt == STRATA_PKI_DER)
        ok = i2d_PUBKEY_bio(bio, k->k) > 0;
    else {
        BIO_free(bio);
        return strata__pki_fail_plain(err, STRATA_E_USAGE, "format %d is not PEM, DER or text",
                                      (int)fmt);
    }
    r = ok ? strata__pki_bio_take(bio, out, err)
           : strata__pki_fail(err, STRATA_E_CRYPTO, "writing the public key failed");
    BIO_free(bio);
    return r;
}
