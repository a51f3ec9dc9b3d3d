/* strata/pkey.h - public and private keys (pyOpenSSL's PKey).
 *
 * A strata_pkey wraps one OpenSSL EVP_PKEY, reference counted like
 * strata_x509. Private keys are wiped by OpenSSL when the last reference goes.
 * See pki_types.h for the conventions on errors, outputs and passphrases.
 */
#ifndef STRATA_PKEY_H
#define STRATA_PKEY_H

#include <stdint.h>
#include "pki_types.h"

/* TYPE_RSA, TYPE_DSA and the newer key types. */
typedef enum strata_pkey_type {
    STRATA_PKEY_UNKNOWN = 0,
    STRATA_PKEY_RSA = 1,
    STRATA_PKEY_DSA = 2,
    STRATA_PKEY_EC = 3,
    STRATA_PKEY_ED25519 = 4,
    STRATA_PKEY_ED448 = 5,
} strata_pkey_type;

/* generate_key(type, bits): RSA (bits >= 1024, default 3072 when 0), DSA
 * (bits 1024/2048/3072, default 2048), EC (curve "P-256", "P-384", "P-521",
 * also "prime256v1", "secp384r1", "secp521r1"; bits ignored), Ed25519, Ed448
 * (bits and curve ignored). E_UNKNOWN_CURVE for any other curve. *out: one
 * reference. */
STRATA_API STRATA_MUST_CHECK strata_status strata_pkey_generate(strata_pkey_type type,
                                                                unsigned bits, const char *curve,
                                                                strata_pkey **out,
                                                                strata_error *err);
/* The same from a spec string as strata cert takes it: "rsa", "rsa:3072",
 * "dsa:2048", "ec:p256" | "ec:p384" | "ec:p521" (or any name above),
 * "ed25519", "ed448". E_USAGE for an unknown type, E_UNKNOWN_CURVE for an
 * unknown curve. */
STRATA_API STRATA_MUST_CHECK strata_status strata_pkey_generate_spec(const char *spec,
                                                                     strata_pkey **out,
                                                                     strata_error *err);
STRATA_API void strata_pkey_free(strata_pkey *k);
STRATA_API strata_pkey *strata_pkey_up_ref(strata_pkey *k);
/* Wraps an OpenSSL key: takes a new reference (EVP_PKEY_up_ref). */
STRATA_API STRATA_MUST_CHECK strata_status strata_pkey_from_openssl(EVP_PKEY *k, strata_pkey **out,
                                                                    strata_error *err);
/* The OpenSSL key inside, borrowed: valid while k is; do not free it. */
STRATA_API EVP_PKEY *strata_pkey_openssl(const strata_pkey *k);

/* type(), bits(). */
STRATA_API strata_pkey_type strata_pkey_get_type(const strata_pkey *k);
/* "RSA", "DSA", "EC", "ED25519", "ED448" or "unknown" (static storage). */
STRATA_API const char *strata_pkey_type_name(strata_pkey_type t);
STRATA_API int strata_pkey_bits(const strata_pkey *k);
/* The EC curve's name ("P-256"), else NULL. Static storage. */
STRATA_API const char *strata_pkey_curve(const strata_pkey *k);
/* 1 when k holds a private key, 0 when it is public only. */
STRATA_API int strata_pkey_has_private(const strata_pkey *k);
/* check(): consistency of the key (the private half too when present);
 * E_CRYPTO with OpenSSL's reason when it fails. */
STRATA_API STRATA_MUST_CHECK strata_status strata_pkey_check(const strata_pkey *k,
                                                             strata_error *err);
/* A new public-only key holding k's public half. */
STRATA_API STRATA_MUST_CHECK strata_status strata_pkey_public_only(const strata_pkey *k,
                                                                   strata_pkey **out,
                                                                   strata_error *err);
/* 1 when a and b hold the same public key (private halves are not compared),
 * else 0. */
STRATA_API int strata_pkey_equal(const strata_pkey *a, const strata_pkey *b);

/* sign(key, data, digest) / verify(cert-or-key, signature, data, digest):
 * digest as for strata_x509_sign (NULL: sha256; none for Ed25519/Ed448). The
 * signature is appended to sig after a reset. verify gives E_BAD_SIGNATURE
 * when the signature does not match. */
STRATA_API STRATA_MUST_CHECK strata_status strata_pkey_sign(const strata_pkey *k, const void *data,
                                                            size_t len, const char *digest,
                                                            strata_buf *sig, strata_error *err);
STRATA_API STRATA_MUST_CHECK strata_status strata_pkey_verify(const strata_pkey *k, const void *sig,
                                                              size_t siglen, const void *data,
                                                              size_t len, const char *digest,
                                                              strata_error *err);

/* load_privatekey(type, buffer, passphrase): PEM ("PRIVATE KEY",
 * "ENCRYPTED PRIVATE KEY", and the traditional "RSA/EC/DSA PRIVATE KEY" with
 * or without Proc-Type encryption) or DER (PKCS#8, encrypted PKCS#8,
 * traditional). pw may be NULL; the callback is asked only when the key is
 * encrypted. E_PASSPHRASE when the key is encrypted and the passphrase is
 * wrong or missing; E_BAD_PEM / E_BAD_DER for bad input; E_NO_PRIVATE_KEY
 * when the input holds only a public key. */
STRATA_API STRATA_MUST_CHECK strata_status strata_pkey_load_private(const void *data, size_t len,
                                                                    strata_pki_format fmt,
                                                                    const strata_passphrase *pw,
                                                                    strata_pkey **out,
                                                                    strata_error *err);
STRATA_API STRATA_MUST_CHECK strata_status
strata_pkey_load_private_file(const char *path, strata_pki_format fmt, const strata_passphrase *pw,
                              strata_pkey **out, strata_error *err);
/* load_publickey: SubjectPublicKeyInfo in PEM ("PUBLIC KEY") or DER. */
STRATA_API STRATA_MUST_CHECK strata_status strata_pkey_load_public(const void *data, size_t len,
                                                                   strata_pki_format fmt,
                                                                   strata_pkey **out,
                                                                   strata_error *err);
/* dump_privatekey(type, pkey, cipher, passphrase): PKCS#8 in PEM or DER, or
 * text. With pw non-NULL the key is encrypted (PKCS#8 PBES2, PBKDF2 with
 * HMAC-SHA256) with cipher (an OpenSSL name; NULL: "AES-256-CBC"); the
 * callback is asked with verify = 1. out: reset on entry, marked secret. */
STRATA_API STRATA_MUST_CHECK strata_status
strata_pkey_dump_private(const strata_pkey *k, strata_pki_format fmt, const char *cipher,
                         const strata_passphrase *pw, strata_buf *out, strata_error *err);
/* dump_publickey: SubjectPublicKeyInfo PEM / DER, or text. */
STRATA_API STRATA_MUST_CHECK strata_status strata_pkey_dump_public(const strata_pkey *k,
                                                                   strata_pki_format fmt,
                                                                   strata_buf *out,
                                                                   strata_error *err);

#endif
