/* Internal to the ssh key files: the key type table and the key object.
 *
 * One row per key type (one file per family: sshkey_ed25519.c, sshkey_ecdsa.c,
 * sshkey_rsa.c, sshkey_dss.c). A row reads and writes the type-specific public
 * parts of a blob and makes / checks the type-specific signature bytes (the
 * inner string of an SSH signature blob).
 */
#ifndef STRATA_SSH_SSHKEY_INTERNAL_H
#define STRATA_SSH_SSHKEY_INTERNAL_H

#include <openssl/bn.h>

#include "ssh/hostkey.h"

struct ssh_keytype {
    const char *name;      /* "ecdsa-sha2-nistp256" */
    const char *cert_name; /* "ecdsa-sha2-nistp256-cert-v01@openssh.com" */
    const char *curve;     /* ECDSA: "nistp256", else NULL */
    const char *group;     /* ECDSA: OpenSSL's group name "P-256", else NULL */
    const char *evp_name;  /* "ED25519", "EC", "RSA", "DSA" */
    /* Reads the public parts that follow the type name (and, in a
     * certificate, the nonce) from b; *out is a new EVP_PKEY. */
    strata_status (*read_pub)(const struct ssh_keytype *t, strata_buf *b, EVP_PKEY **out,
                              strata_error *err);
    /* Appends the public parts of pk. */
    strata_status (*put_pub)(const struct ssh_keytype *t, EVP_PKEY *pk, strata_buf *out,
                             strata_error *err);
    /* Checks the inner signature bytes over data with digest md (NULL for
     * Ed25519). */
    strata_status (*verify)(const struct ssh_keytype *t, EVP_PKEY *pk, const char *md,
                            const uint8_t *sig, size_t sig_len, const uint8_t *data, size_t n,
                            strata_error *err);
    /* Appends the inner signature bytes (not length-prefixed) to out. */
    strata_status (*sign)(const struct ssh_keytype *t, EVP_PKEY *pk, const char *md,
                          const uint8_t *data, size_t n, strata_buf *out, strata_error *err);
};

extern const struct ssh_keytype strata__ssh_kt_ed25519;
extern const struct ssh_keytype strata__ssh_kt_ecdsa_p256;
extern const struct ssh_keytype strata__ssh_kt_ecdsa_p384;
extern const struct ssh_keytype strata__ssh_kt_ecdsa_p521;
extern const struct ssh_keytype strata__ssh_kt_rsa;
extern const struct ssh_keytype strata__ssh_kt_dss;

/* The key type named name (plain or certificate name); *is_cert says which. */
const struct ssh_keytype *strata__ssh_keytype_by_name(const char *name, size_t n, int *is_cert);
/* The key type that fits a private key (for ECDSA, by its group). */
const struct ssh_keytype *strata__ssh_keytype_of_pkey(EVP_PKEY *pk);

struct ssh_cert {
    uint64_t serial;
    uint32_t type;
    char *key_id;
    char **principals;
    size_t n_principals;
    uint64_t valid_after, valid_before;
    strata_buf crit; /* views into the key's blob */
    strata_buf ext;
    struct ssh_key *signer;
    const uint8_t *sig; /* into the key's blob */
    size_t sig_len;
    size_t signed_len; /* the signature covers blob[0, signed_len) */
};

struct ssh_key {
    const struct ssh_keytype *kt;
    EVP_PKEY *pkey;
    uint8_t *blob;
    size_t blob_len;
    size_t pub_off, pub_len; /* the type-specific public parts within blob */
    struct ssh_cert *cert;   /* non-NULL for a certificate */
};

/* Parses the certificate fields after the public parts (cert.c). b is
 * positioned after them; k->blob is the whole blob. */
strata_status strata__ssh_cert_parse_rest(struct ssh_key *k, strata_buf *b, strata_error *err);
void strata__ssh_cert_free(struct ssh_cert *c);

/* Helpers shared by the key type files. */
/* DER SEQUENCE { INTEGER r, INTEGER s } (ECDSA-Sig-Value and Dss-Sig-Value
 * have this one shape) from big-endian magnitudes. *der is OPENSSL_malloc'd. */
strata_status strata__ssh_rs_to_der(const uint8_t *r, size_t rn, const uint8_t *s, size_t sn,
                                    uint8_t **der, size_t *der_len, strata_error *err);
/* The reverse: r and s as big-endian magnitudes left-padded to width bytes
 * each into rs (2 * width bytes). */
strata_status strata__ssh_der_to_rs(const uint8_t *der, size_t der_len, size_t width, uint8_t *rs,
                                    strata_error *err);
/* EVP_DigestVerify / EVP_DigestSign with md (NULL: none, for Ed25519). */
strata_status strata__ssh_evp_verify(EVP_PKEY *pk, const char *md, const uint8_t *sig,
                                     size_t sig_len, const uint8_t *data, size_t n,
                                     const char *what, strata_error *err);
strata_status strata__ssh_evp_sign(EVP_PKEY *pk, const char *md, const uint8_t *data, size_t n,
                                   uint8_t **sig, size_t *sig_len, strata_error *err);
/* strata__ssh_evp_sign, appending the signature to out. */
strata_status strata__ssh_evp_sign_put(EVP_PKEY *pk, const char *md, const uint8_t *data, size_t n,
                                       strata_buf *out, strata_error *err);
/* A public EVP_PKEY of type evp_name ("RSA", "DSA") from n named BIGNUMs. */
strata_status strata__ssh_pkey_from_bns(const char *evp_name, const char *const *names,
                                        BIGNUM *const *bns, size_t n, EVP_PKEY **out,
                                        strata_error *err);
/* Appends the named BIGNUM parameter of pk as an mpint. */
strata_status strata__ssh_put_bn_param(EVP_PKEY *pk, const char *param, strata_buf *out,
                                       strata_error *err);
/* Reads an mpint as a new BIGNUM (positive, at most max_bytes long). */
strata_status strata__ssh_get_bn(strata_buf *b, size_t max_bytes, const char *what, BIGNUM **out,
                                 strata_error *err);

/* The i-th key type strata knows (NULL past the last), for listings. */
const struct ssh_keytype *strata__ssh_keytype_at(size_t i);

#endif
