/* TLS context: our own identity (certificate, chain, private key, passphrase)
 * and the client CA names a server sends in its certificate request. */
#include <stdlib.h>
#include <string.h>
#include <openssl/err.h>
#include <openssl/pem.h>

#include "tls/tls_internal.h"

/* OpenSSL's passphrase hook. Without an application callback it answers "no
 * passphrase" (OpenSSL's default would prompt on the terminal). */
static int passwd_trampoline(char *buf, int size, int rwflag, void *u)
{
    strata_tls_ctx *ctx = u;
    ctx->passwd_asked = 1;
    if (!ctx->passwd_cb || size <= 0)
        return -1;
    int n = ctx->passwd_cb(buf, (size_t)size, rwflag, ctx->passwd_user);
    if (n <= 0)
        return -1;
    return n > size ? size : n;
}

void strata_tls_ctx_set_passwd_cb(strata_tls_ctx *ctx, strata_tls_passwd_fn cb, void *user)
{
    ctx->passwd_cb = cb;
    ctx->passwd_user = user;
}

void strata__tls_install_passwd(strata_tls_ctx *ctx)
{
    SSL_CTX_set_default_passwd_cb(ctx->ctx, passwd_trampoline);
    SSL_CTX_set_default_passwd_cb_userdata(ctx->ctx, ctx);
}

static strata_status filetype(strata_tls_ctx *ctx, int type, int *ossl)
{
    if (type == STRATA_TLS_FILETYPE_PEM)
        *ossl = SSL_FILETYPE_PEM;
    else if (type == STRATA_TLS_FILETYPE_ASN1)
        *ossl = SSL_FILETYPE_ASN1;
    else
        return strata__error_set(strata__tls_ctx_err(ctx), STRATA_E_USAGE,
                                 "file type %d is neither FILETYPE_PEM nor FILETYPE_ASN1", type);
    return STRATA_OK;
}

strata_status strata_tls_ctx_use_certificate_file(strata_tls_ctx *ctx, const char *file, int type)
{
    strata_status r;
    int t;
    if ((r = strata__tls_ctx_mutable(ctx, "the certificate")) != STRATA_OK ||
        (r = filetype(ctx, type, &t)) != STRATA_OK)
        return r;
    if (!SSL_CTX_use_certificate_file(ctx->ctx, file, t))
        return strata__error_set_ossl(strata__tls_ctx_err(ctx), STRATA_E_FORMAT,
                                      "cannot use a certificate from '%s'", file);
    return STRATA_OK;
}

strata_status strata_tls_ctx_use_certificate_chain_file(strata_tls_ctx *ctx, const char *file)
{
    strata_status r;
    if ((r = strata__tls_ctx_mutable(ctx, "the certificate chain")) != STRATA_OK)
        return r;
    if (!SSL_CTX_use_certificate_chain_file(ctx->ctx, file))
        return strata__error_set_ossl(strata__tls_ctx_err(ctx), STRATA_E_FORMAT,
                                      "cannot use a certificate chain from '%s'", file);
    return STRATA_OK;
}

strata_status strata_tls_ctx_use_privatekey_file(strata_tls_ctx *ctx, const char *file, int type)
{
    strata_status r;
    int t;
    if ((r = strata__tls_ctx_mutable(ctx, "the private key")) != STRATA_OK ||
        (r = filetype(ctx, type, &t)) != STRATA_OK)
        return r;
    ctx->passwd_asked = 0;
    if (!SSL_CTX_use_PrivateKey_file(ctx->ctx, file, t)) {
        if (ctx->passwd_asked)
            return strata__error_set_ossl(strata__tls_ctx_err(ctx), STRATA_E_PASSPHRASE,
                                          ctx->passwd_cb
                                              ? "wrong passphrase for the key in '%s'"
                                              : "the key in '%s' is encrypted and no passphrase "
                                                "callback is set",
                                          file);
        unsigned long e = ERR_peek_last_error();
        if (ERR_GET_LIB(e) == ERR_LIB_X509 && ERR_GET_REASON(e) == X509_R_KEY_VALUES_MISMATCH)
            return strata__error_set_ossl(strata__tls_ctx_err(ctx), STRATA_E_CRYPTO,
                                          "the private key in '%s' does not match the "
                                          "certificate",
                                          file);
        return strata__error_set_ossl(strata__tls_ctx_err(ctx), STRATA_E_FORMAT,
                                      "cannot use a private key from '%s'", file);
    }
    return STRATA_OK;
}

strata_status strata_tls_ctx_check_privatekey(strata_tls_ctx *ctx)
{
    if (!SSL_CTX_get0_certificate(ctx->ctx) || !SSL_CTX_get0_privatekey(ctx->ctx))
        return strata__error_set(strata__tls_ctx_err(ctx), STRATA_E_STATE,
                                 "check_privatekey needs both a certificate and a private key");
    if (!SSL_CTX_check_private_key(ctx->ctx))
        return strata__error_set_ossl(strata__tls_ctx_err(ctx), STRATA_E_CRYPTO,
                                      "the private key does not match the certificate");
    return STRATA_OK;
}

strata_status strata_tls_ctx_load_client_ca(strata_tls_ctx *ctx, const char *pemfile)
{
    strata_status r;
    if ((r = strata__tls_ctx_mutable(ctx, "the client CA list")) != STRATA_OK)
        return r;
    STACK_OF(X509_NAME) *names = SSL_load_client_CA_file(pemfile);
    if (!names)
        return strata__error_set_ossl(strata__tls_ctx_err(ctx), STRATA_E_FORMAT,
                                      "no CA certificate could be read from '%s'", pemfile);
    SSL_CTX_set_client_CA_list(ctx->ctx, names); /* takes ownership */
    return STRATA_OK;
}

strata_status strata_tls_ctx_load_tmp_dh(strata_tls_ctx *ctx, const char *dhfile)
{
    strata_status r;
    if ((r = strata__tls_ctx_mutable(ctx, "the DH parameters")) != STRATA_OK)
        return r;
    BIO *in = BIO_new_file(dhfile, "r");
    if (!in)
        return strata__error_set_ossl(strata__tls_ctx_err(ctx), STRATA_E_IO, "cannot open '%s'",
                                      dhfile);
    EVP_PKEY *dh = PEM_read_bio_Parameters(in, NULL);
    BIO_free(in);
    if (!dh || EVP_PKEY_get_base_id(dh) != EVP_PKEY_DH) {
        EVP_PKEY_free(dh);
        return strata__error_set_ossl(strata__tls_ctx_err(ctx), STRATA_E_FORMAT,
                                      "'%s' holds no PEM DH PARAMETERS", dhfile);
    }
    if (!SSL_CTX_set0_tmp_dh_pkey(ctx->ctx, dh)) {
        EVP_PKEY_free(dh);
        return strata__error_set_ossl(strata__tls_ctx_err(ctx), STRATA_E_CRYPTO,
                                      "the DH parameters in '%s' were refused", dhfile);
    }
    return STRATA_OK;
}
