/* Internal: the pki objects and the helpers every pki file shares. */
#ifndef STRATA_PKI_INTERNAL_H
#define STRATA_PKI_INTERNAL_H

#include <stdatomic.h>
#include <stdio.h>
#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "base/error_internal.h"
#include "strata/pki.h"

struct strata_x509 {
    atomic_int refs;
    X509 *x;
};

struct strata_pkey {
    atomic_int refs;
    EVP_PKEY *k;
};

struct strata_x509_name {
    X509_NAME *n;
};

struct strata_x509_store {
    atomic_int refs;
    X509_STORE *s;
};

struct strata_x509_ext {
    X509_EXTENSION *e;
};

/* Wraps x (ownership of one OpenSSL reference moves in; freed on failure). */
strata_status strata__x509_wrap(X509 *x, strata_x509 **out, strata_error *err);
strata_status strata__pkey_wrap(EVP_PKEY *k, strata_pkey **out, strata_error *err);
/* The public key of an encoded SubjectPublicKeyInfo, as a new public-only
 * EVP_PKEY (NULL on failure). X509_get_pubkey and X509_REQ_get_pubkey hand
 * back the key given to set_pubkey, private half included: never use them to
 * answer a get_pubkey. */
EVP_PKEY *strata__pki_public_only(const X509_PUBKEY *xpk);
strata_status strata__x509_name_wrap(X509_NAME *n, strata_x509_name **out, strata_error *err);
strata_status strata__x509_ext_wrap(X509_EXTENSION *e, strata_x509_ext **out, strata_error *err);

/* Records status with a message; the OpenSSL queue is taken too (or dropped
 * when an error is already recorded). err may be NULL. */
strata_status strata__pki_fail(strata_error *err, strata_status st, const char *fmt, ...)
    STRATA_PRINTF(3, 4);
/* As strata__pki_fail, without taking the OpenSSL queue (it is emptied). */
strata_status strata__pki_fail_plain(strata_error *err, strata_status st, const char *fmt, ...)
    STRATA_PRINTF(3, 4);
#define STRATA__PKI_NOMEM(err) strata__pki_fail((err), STRATA_E_NOMEM, "out of memory")

/* E_LIMIT when len exceeds STRATA_PKI_MAX_INPUT, E_USAGE for data NULL. */
strata_status strata__pki_check_input(const void *data, size_t len, const char *what,
                                      strata_error *err);
/* 1 when the first non-blank bytes of data are "-----BEGIN ". */
int strata__pki_looks_pem(const void *data, size_t len);
/* Resolves STRATA_PKI_AUTO to PEM or DER; E_USAGE for TEXT or junk. */
strata_status strata__pki_load_format(strata_pki_format fmt, const void *data, size_t len,
                                      strata_pki_format *out, strata_error *err);
/* strata_pki_read_stream / strata_pki_read_file: public, in strata/pki.h. */

/* Decodes exactly one DER value of type it from data (via a strata_buf view):
 * E_BAD_DER (what names the object), E_TRAILING for bytes after it. */
strata_status strata__pki_der_decode(const void *data, size_t len, const ASN1_ITEM *it,
                                     const char *what, ASN1_VALUE **out, strata_error *err);
/* The first PEM block named pem_name (OpenSSL's aliases accepted) decoded as
 * it. E_BAD_PEM when there is none or its base64 is bad; E_BAD_DER when its
 * content is. */
strata_status strata__pki_pem_decode(const void *data, size_t len, const char *pem_name,
                                     const ASN1_ITEM *it, const char *what, ASN1_VALUE **out,
                                     strata_error *err);
/* PEM or DER (after strata__pki_load_format). */
strata_status strata__pki_decode(const void *data, size_t len, strata_pki_format fmt,
                                 const char *pem_name, const ASN1_ITEM *it, const char *what,
                                 ASN1_VALUE **out, strata_error *err);
/* Encodes value as DER or PEM into out (reset first). */
strata_status strata__pki_encode(const ASN1_VALUE *value, const ASN1_ITEM *it,
                                 strata_pki_format fmt, const char *pem_name, strata_buf *out,
                                 strata_error *err);

/* A new memory BIO, and its contents appended to out (reset first). */
strata_status strata__pki_membio(BIO **out, strata_error *err);
strata_status strata__pki_bio_take(BIO *bio, strata_buf *out, strata_error *err);
/* A heap copy of s (freed with strata_pki_free_string). */
strata_status strata__pki_strdup(const char *s, char **out, strata_error *err);
/* A heap copy of n bytes of s, NUL-terminated. */
strata_status strata__pki_strndup(const char *s, size_t n, char **out, strata_error *err);

/* The digest for signing with k: NULL when k is Ed25519/Ed448 (which refuse
 * a digest name with E_USAGE), else name or "sha256" fetched (*md freed with
 * EVP_MD_free). E_UNKNOWN_ALG for an unknown name. */
strata_status strata__pki_sign_md(const EVP_PKEY *k, const char *name, EVP_MD **md,
                                  strata_error *err);
/* E_NO_PRIVATE_KEY unless k has a private half. */
strata_status strata__pki_need_private(const strata_pkey *k, strata_error *err);

/* Passphrase plumbing: an OpenSSL pem_password_cb over a strata_passphrase.
 * called records that OpenSSL asked (the input was encrypted). */
struct strata__pw {
    const strata_passphrase *pw;
    int called;
    int gave_none;
};
int strata__pw_cb(char *buf, int size, int rwflag, void *u);

/* Serial numbers: hex text ("0x" optional) -> a new ASN1_INTEGER (E_USAGE for
 * text that is not hex), and an ASN1_INTEGER -> upper-case hex. */
strata_status strata__pki_serial_from_hex(const char *hex, ASN1_INTEGER **out, strata_error *err);
strata_status strata__pki_serial_to_hex(const ASN1_INTEGER *ai, char **out, strata_error *err);

/* ASN1_TIME <-> time_t. */
strata_status strata__pki_time_get(const ASN1_TIME *t, time_t *out, strata_error *err);
strata_status strata__pki_time_str(const ASN1_TIME *t, char **out, strata_error *err);

#endif
