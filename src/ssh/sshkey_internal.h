/* Internal to the ssh key files: the key type table and the key object.
 *
 * The one table of SSH key types (strata__ssh_keytypes, sshkey.c): a row per
 * type says its names, its signature algorithms, how it maps to an OpenSSL
 * key, how its public parts (blob) and private parts (openssh-key-v1 private
 * section, agent ADD_IDENTITY) are read and written, and how it signs and
 * verifies. Host keys, certificates, key files, the agent and user auth all
 * look types up here; adding a key type is one row (one file per family:
 * sshkey_ed25519.c, sshkey_ecdsa.c, sshkey_rsa.c, sshkey_dss.c), and
 * test_ssh_keytypes.c round-trips every row.
 */
#ifndef STRATA_SSH_SSHKEY_INTERNAL_H
#define STRATA_SSH_SSHKEY_INTERNAL_H

#include <openssl/bn.h>

#include "ssh/hostkey.h"

/* A signature algorithm a key type makes (RFC 4253 §6.6, RFC 8332). */
struct ssh_sigalg {
    const char *name;      /* "rsa-sha2-256": the name in the signature blob */
    const char *cert_name; /* "rsa-sha2-256-cert-v01@openssh.com" */
    const char *md;        /* digest for EVP_DigestSign, NULL for Ed25519 */
    int legacy;            /* 1: supported, never offered by default (SHA-1) */
};

#define SSH_KEYTYPE_SIGALGS_MAX 3

struct ssh_keytype {
    const char *name;      /* "ecdsa-sha2-nistp256" */
    const char *cert_name; /* "ecdsa-sha2-nistp256-cert-v01@openssh.com" */
    const char *curve;     /* ECDSA: "nistp256", else NULL */
    const char *group;     /* ECDSA: OpenSSL's group name "P-256", else NULL */
    const char *evp_name;  /* "ED25519", "EC", "RSA", "DSA" */
    /* In order of preference; unused entries have name NULL. */
    struct ssh_sigalg sigalgs[SSH_KEYTYPE_SIGALGS_MAX];
    /* Reads the public parts that follow the type name (and, in a
     * certificate, the nonce) from b; *out is a new EVP_PKEY. */
    strata_status (*read_pub)(const struct ssh_keytype *t, strata_buf *b, EVP_PKEY **out,
                              strata_error *err);
    /* Appends the public parts of pk (a public or private key). */
    strata_status (*put_pub)(const struct ssh_keytype *t, EVP_PKEY *pk, strata_buf *out,
                             strata_error *err);
    /* Reads the private parts that follow the type name (PROTOCOL.key's
     * private section, PROTOCOL.agent's ADD_IDENTITY) and makes the key pair,
     * checked for consistency. */
    strata_status (*read_priv)(const struct ssh_keytype *t, strata_buf *b, EVP_PKEY **out,
                               strata_error *err);
    /* Appends the private parts (out should be a secret buffer). */
    strata_status (*put_priv)(const struct ssh_keytype *t, EVP_PKEY *pk, strata_buf *out,
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

/* The table: every key type, in order of preference. */
extern const struct ssh_keytype *const strata__ssh_keytypes[];
extern const size_t strata__ssh_keytypes_count;

/* The key type named name (plain or certificate name); *is_cert says which. */
const struct ssh_keytype *strata__ssh_keytype_by_name(const char *name, size_t n, int *is_cert);
/* The key type that fits an OpenSSL key (for ECDSA, by its group), or NULL. */
const struct ssh_keytype *strata__ssh_keytype_of_pkey(EVP_PKEY *pk);
/* Appends the whole public blob of pk: string t->name, then the public parts
 * (the one public-key writer; out unchanged on failure). */
strata_status strata__ssh_keytype_put_blob(const struct ssh_keytype *t, EVP_PKEY *pk,
                                           strata_buf *out, strata_error *err);

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
/* An EVP_PKEY of type evp_name ("RSA", "DSA") from n named BIGNUMs: a public
 * key, or (keypair) a key pair checked as strata__ssh_pkey_from_params does. */
strata_status strata__ssh_pkey_from_bns(const char *evp_name, const char *const *names,
                                        BIGNUM *const *bns, size_t n, int keypair, EVP_PKEY **out,
                                        strata_error *err);
/* A key pair from OSSL params (EVP_PKEY_KEYPAIR), with OpenSSL's pairwise
 * consistency check. */
strata_status strata__ssh_pkey_from_params(const char *evp_name, OSSL_PARAM *params, EVP_PKEY **out,
                                           strata_error *err);
/* The one BIGNUM <-> mpint pair. secret: the number is private key material;
 * the read BIGNUM is marked constant-time (free it with BN_clear_free) and the
 * written copy is wiped. */
/* Appends the named BIGNUM parameter of pk as an mpint. */
strata_status strata__ssh_put_bn_param(EVP_PKEY *pk, const char *param, int secret, strata_buf *out,
                                       strata_error *err);
/* Appends the named BIGNUM parameters of pk, in order. */
strata_status strata__ssh_put_bn_params(EVP_PKEY *pk, const char *const *params, size_t n,
                                        int secret, strata_buf *out, strata_error *err);
/* A put_priv for the types whose private parts are the public parts then
 * one secret mpint, the key's "priv" parameter (ECDSA d, DSA x). */
strata_status strata__ssh_put_pub_and_x(const struct ssh_keytype *t, EVP_PKEY *pk, strata_buf *out,
                                        strata_error *err);
/* Reads an mpint as a new BIGNUM (positive, non-zero, at most max_bytes
 * long); what names it in messages. */
strata_status strata__ssh_get_bn(strata_buf *b, size_t max_bytes, const char *what, int secret,
                                 BIGNUM **out, strata_error *err);

#endif
