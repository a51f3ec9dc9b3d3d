/* Internal: SSH public keys, signatures, fingerprints and OpenSSH certificates.
 *
 * A struct ssh_key is a public key (or an OpenSSH certificate) read from its
 * wire blob (RFC 4253 §6.6, RFC 5656 §3.1, RFC 8709, RFC 8332,
 * PROTOCOL.certkeys). It keeps a copy of the blob, so it owns all it points
 * to. Private keys are plain EVP_PKEY objects owned by the caller.
 *
 * Every function that takes a strata_error records the first failure there;
 * err must not be NULL.
 */
#ifndef STRATA_SSH_HOSTKEY_H
#define STRATA_SSH_HOSTKEY_H

#include <stddef.h>
#include <stdint.h>
#include <openssl/evp.h>

#include "strata/buf.h"
#include "strata/error.h"

/* Bounds on what a key blob may hold. */
#define STRATA_SSH_RSA_MIN_BITS 1024u
#define STRATA_SSH_RSA_MAX_BITS 16384u
#define STRATA_SSH_KEY_BLOB_MAX (64u * 1024u)
/* "SHA256:" + 43 base64 characters + NUL, and "MD5:" + 16 * 3 - 1 + NUL. */
#define STRATA_SSH_FP_SHA256_LEN 51u
#define STRATA_SSH_FP_MD5_LEN 52u
#define STRATA_SSH_FP_MAX 64u

struct ssh_key;

/* Parses a public key or certificate blob. The key copies the blob; *out is
 * owned by the caller (strata__ssh_key_free). Errors: E_TRUNCATED,
 * E_TRAILING, E_FORMAT (bad curve, point not on the curve, bad mpint ...),
 * E_UNSUPPORTED (unknown type), E_KEY_TOO_SMALL (RSA under 1024 bits). */
strata_status strata__ssh_key_from_blob(const uint8_t *blob, size_t n, struct ssh_key **out,
                                        strata_error *err);
void strata__ssh_key_free(struct ssh_key *k);
/* The type of a key blob read from its leading name only (static storage),
 * NULL when strata does not support it or the name is cut short; *plain gets
 * the plain key type ("ssh-rsa" for an RSA certificate). No other checks. */
const char *strata__ssh_blob_type(const uint8_t *blob, size_t n, const char **plain);
/* The type name of the blob: "ssh-ed25519", "ecdsa-sha2-nistp256", "ssh-rsa",
 * "ssh-dss", "ssh-ed25519-cert-v01@openssh.com", ... Static storage. */
const char *strata__ssh_key_type(const struct ssh_key *k);
/* The plain key type ("ssh-rsa" for an RSA key or an RSA certificate). */
const char *strata__ssh_key_plain_type(const struct ssh_key *k);
/* The wire blob (borrowed from k, valid while k lives). */
const uint8_t *strata__ssh_key_blob(const struct ssh_key *k, size_t *n);
/* The public key inside (borrowed from k). */
EVP_PKEY *strata__ssh_key_pkey(const struct ssh_key *k);
int strata__ssh_key_is_cert(const struct ssh_key *k);
/* The CA key that signed a certificate (borrowed from k), or NULL. */
const struct ssh_key *strata__ssh_key_cert_signer(const struct ssh_key *k);
/* Appends the plain key blob of k (for a certificate: the certified key). */
strata_status strata__ssh_key_plain_blob(const struct ssh_key *k, strata_buf *out);
/* 1 when a and b are the same public key: same type and same key material.
 * A certificate is compared by its certified key (cert vs. plain compares
 * equal when the certified key is the plain key). */
int strata__ssh_key_equal_public(const struct ssh_key *a, const struct ssh_key *b);

/* 1 when k can sign with the host key algorithm hostkey_alg (negotiation):
 * an ssh-rsa key matches rsa-sha2-512, rsa-sha2-256 and ssh-rsa; certificates
 * match the -cert-v01@openssh.com names of their key's algorithms. */
int strata__ssh_hostkey_alg_matches(const struct ssh_key *k, const char *hostkey_alg);
/* Comma lists, static storage. supported includes legacy ssh-rsa and ssh-dss
 * (and their certificates); default offers only modern algorithms, certificates first. */
const char *strata__ssh_hostkey_algs_supported(void);
const char *strata__ssh_hostkey_algs_default(void);
/* The plain signature algorithm for a host key algorithm name
 * ("rsa-sha2-256-cert-v01@openssh.com" -> "rsa-sha2-256"), NULL if unknown. */
const char *strata__ssh_sigalg_plain(const char *hostkey_alg);
/* 1 when alg (plain or certificate name) is a legacy SHA-1 algorithm
 * (ssh-rsa, ssh-dss): supported, never offered by default. */
int strata__ssh_sigalg_is_legacy(const char *alg);

/* The plain key type a host key algorithm uses ("rsa-sha2-256-cert-v01@openssh.com"
 * -> "ssh-rsa", *is_cert 1), NULL if unknown. */
const char *strata__ssh_hostkey_alg_keytype(const char *hostkey_alg, int *is_cert);

/* Verifies an SSH signature blob (string alg, string sig) over data. alg is
 * the negotiated host key algorithm (e.g. rsa-sha2-256, or a -cert- name):
 * the key must match it and the blob's algorithm must be its plain form.
 * E_VERIFY for a bad signature or mismatched algorithm, E_FORMAT for a
 * malformed blob, E_USAGE when k cannot sign with alg. */
strata_status strata__ssh_key_verify(const struct ssh_key *k, const char *alg, const uint8_t *sig,
                                     size_t sig_len, const uint8_t *data, size_t n,
                                     strata_error *err);
/* Signs data with a private key (borrowed), appending an SSH signature blob
 * (string alg, string sig) to sig_out. alg as above. */
strata_status strata__ssh_sign(EVP_PKEY *priv, const char *alg, const uint8_t *data, size_t n,
                               strata_buf *sig_out, strata_error *err);
/* Appends the public key blob of priv (borrowed) to out. key_type is a key
 * type ("ssh-rsa") or a signature algorithm ("rsa-sha2-256"); it must fit priv. */
strata_status strata__ssh_pubkey_blob(EVP_PKEY *priv, const char *key_type, strata_buf *out,
                                      strata_error *err);

/* "SHA256:<base64 without padding>" and "MD5:aa:bb:..." into out, always
 * NUL-terminated when cap > 0 (STRATA_SSH_FP_MAX is enough). Fingerprints are
 * over the whole blob (a certificate's fingerprint is over the certificate). */
void strata__ssh_key_fp_sha256(const struct ssh_key *k, char *out, size_t cap);
void strata__ssh_key_fp_md5(const struct ssh_key *k, char *out, size_t cap);
void strata__ssh_fp_sha256(const uint8_t *blob, size_t n, char *out, size_t cap);
/* Strict base64 (RFC 4648 §4, padded, no whitespace) into a heap copy
 * (*out owned by the caller, free()). E_FORMAT for anything else. */
strata_status strata__ssh_b64_decode(const char *s, size_t n, uint8_t **out, size_t *out_len);
/* strata__ssh_key_from_blob of the base64 text b64 (n characters). */
strata_status strata__ssh_key_from_base64(const char *b64, size_t n, struct ssh_key **out,
                                          strata_error *err);
/* "type base64blob" (known_hosts / authorized_keys key field). *out is a heap
 * string owned by the caller (free()). */
strata_status strata__ssh_key_to_line(const struct ssh_key *k, char **out);

/* Host certificate check (PROTOCOL.certkeys): certificate type host (2),
 * valid_after <= now < valid_before, principals non-empty and containing host
 * (compared without regard to ASCII case), no critical options (none are
 * defined for host certificates, so any is unknown), CA signature valid and
 * made with an allowed algorithm (not SHA-1), and the CA key equal to one of
 * the n_cas keys in cas (borrowed; n_cas 0 refuses with E_SSH_CERT_UNTRUSTED).
 * The interface notes said "caller gives the trusted CA keys": this is how.
 * Status: E_USAGE (not a certificate), E_SSH_CERT_TYPE, E_SSH_CERT_EXPIRED,
 * E_SSH_CERT_NOT_YET_VALID, E_SSH_CERT_PRINCIPAL, E_SSH_CERT_OPTION,
 * E_SSH_CERT_SIGNATURE, E_SSH_CERT_UNTRUSTED. */
strata_status strata__ssh_cert_check_host(const struct ssh_key *cert, const char *host, int64_t now,
                                          const struct ssh_key *const *cas, size_t n_cas,
                                          strata_error *err);

/* Certificate fields (borrowed from the key), for messages and tests. */
#define STRATA_SSH_CERT_USER 1u
#define STRATA_SSH_CERT_HOST 2u
struct ssh_cert_info {
    uint64_t serial;
    uint32_t type;
    const char *key_id; /* bytes outside printable ASCII shown as '?' */
    size_t n_principals;
    const char *const *principals;
    uint64_t valid_after, valid_before;
};
/* Fills *info for a certificate; E_USAGE for a plain key. */
strata_status strata__ssh_cert_info(const struct ssh_key *k, struct ssh_cert_info *info);

/* What a new certificate asserts (strata__ssh_cert_build). */
struct ssh_cert_template {
    uint32_t type; /* STRATA_SSH_CERT_HOST or _USER */
    uint64_t serial;
    const char *key_id;
    const char *const *principals;
    size_t n_principals;
    uint64_t valid_after, valid_before;
    const uint8_t *crit, *ext; /* encoded option sequences, or NULL for none */
    size_t crit_len, ext_len;
    const uint8_t *nonce; /* NULL: 32 random bytes */
    size_t nonce_len;
};
/* Appends a certificate blob (PROTOCOL.certkeys) for the public half of key
 * (borrowed; key_type as for strata__ssh_pubkey_blob) signed by ca (borrowed)
 * with signature algorithm ca_alg. For test servers and tests. */
strata_status strata__ssh_cert_build(EVP_PKEY *key, const char *key_type,
                                     const struct ssh_cert_template *t, EVP_PKEY *ca,
                                     const char *ca_alg, strata_buf *out, strata_error *err);

#endif
