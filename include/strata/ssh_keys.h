/* strata/ssh_keys.h - SSH user key files: private keys, public keys, certificates.
 *
 * Where the code is: the parsers are in src/ssh/ (sans-I/O); the two
 * *_load_file functions, which read a file and then parse it, are in
 * src/io/keyfile_read.c (only src/io touches files).
 *
 * Private keys are parsed from memory (strata_ssh_privkey_load_file reads a
 * file first):
 *  - OpenSSH's own format ("-----BEGIN OPENSSH PRIVATE KEY-----", PROTOCOL.key
 *    "openssh-key-v1"), unencrypted or encrypted with aes{128,192,256}-ctr,
 *    aes{128,192,256}-cbc, aes{128,256}-gcm@openssh.com or
 *    chacha20-poly1305@openssh.com under the bcrypt KDF;
 *  - PEM: traditional "BEGIN RSA/EC/DSA PRIVATE KEY" (optionally encrypted),
 *    PKCS#8 "BEGIN PRIVATE KEY" and "BEGIN ENCRYPTED PRIVATE KEY".
 * Key types: ssh-ed25519, ecdsa-sha2-nistp256/384/521, ssh-rsa, ssh-dss.
 *
 * Passphrases: an encrypted key parsed with a NULL or empty passphrase fails
 * with STRATA_E_SSH_KEY_ENCRYPTED (ask the user, then parse again); a wrong
 * passphrase fails with STRATA_E_PASSPHRASE and the message "incorrect
 * passphrase supplied to decrypt private key".
 *
 * Cost bound: the bcrypt KDF runs `rounds` times per 32 output bytes; files
 * asking for more than STRATA_SSH_KEY_ROUNDS_MAX rounds are refused with
 * STRATA_E_LIMIT. ssh-keygen writes 16 (`-a` changes it). Measured on the
 * build machine for an aes256-ctr key (48 KDF bytes): 16 rounds 0.12 s of CPU
 * (ssh-keygen -y: 0.11 s), 1000 rounds about 7 s.
 */
#ifndef STRATA_SSH_KEYS_H
#define STRATA_SSH_KEYS_H

#include <stddef.h>
#include <stdint.h>
#include <openssl/types.h>

#include "buf.h"
#include "error.h"
#include "export.h"
#include "passphrase.h"
#include "status.h"

#define STRATA_SSH_KEY_ROUNDS_MAX 1000u
#define STRATA_SSH_KEY_ROUNDS_DEFAULT 16u
/* Largest key file accepted, in bytes. */
#define STRATA_SSH_KEY_FILE_MAX (256u * 1024u)

/* A private key with its SSH public blob and comment. */
typedef struct strata_ssh_privkey strata_ssh_privkey;
/* A public key or certificate line ("type base64 comment"). */
typedef struct strata_ssh_pubkey strata_ssh_pubkey;

/* Parses a private key file's contents (n bytes at data, borrowed for the
 * call). passphrase: NUL-terminated, borrowed, may be NULL. On success *out is
 * a new key the caller frees with strata_ssh_privkey_free. err (may be NULL)
 * receives the detail on failure. Statuses: E_SSH_KEY_ENCRYPTED, E_PASSPHRASE,
 * E_FORMAT / E_TRUNCATED / E_TRAILING (malformed), E_UNSUPPORTED (cipher, KDF
 * or key type), E_LIMIT (rounds, size), E_CRYPTO. */
STRATA_API STRATA_MUST_CHECK strata_status strata_ssh_privkey_parse(const uint8_t *data, size_t n,
                                                                    const char *passphrase,
                                                                    strata_ssh_privkey **out,
                                                                    strata_error *err);
/* The same with a passphrase source (strata/passphrase.h): a fixed string
 * is used at once; a callback is called (verify 0) only when the file turns
 * out to be encrypted, so an unencrypted key never prompts. A callback that
 * gives up or answers "" leaves E_SSH_KEY_ENCRYPTED; a wrong answer is
 * E_PASSPHRASE (the callback is asked once). pw NULL: no passphrase.
 * strata_ssh_privkey_parse(data, n, pass, ...) is this with a fixed pass. */
STRATA_API STRATA_MUST_CHECK strata_status strata_ssh_privkey_parse_pw(const uint8_t *data,
                                                                       size_t n,
                                                                       const strata_passphrase *pw,
                                                                       strata_ssh_privkey **out,
                                                                       strata_error *err);
/* Reads the public half of a private key file without a passphrase, so a
 * client can offer the key before asking for the passphrase: *blob is a new
 * heap copy (free()) of the public key blob, *encrypted 1 when parsing the
 * private key will need a passphrase. OpenSSH files only carry their public
 * key in clear; for an encrypted PEM file this fails with
 * E_SSH_KEY_ENCRYPTED (read the ".pub" file instead). Other errors as for
 * strata_ssh_privkey_parse. */
STRATA_API STRATA_MUST_CHECK strata_status strata_ssh_privkey_peek(const uint8_t *data, size_t n,
                                                                   uint8_t **blob, size_t *blob_len,
                                                                   int *encrypted,
                                                                   strata_error *err);
/* Wraps an OpenSSL key (Ed25519, EC P-256/384/521, RSA, DSA). Takes a new
 * reference on pkey (the caller keeps its own). comment may be NULL. */
STRATA_API STRATA_MUST_CHECK strata_status strata_ssh_privkey_from_pkey(EVP_PKEY *pkey,
                                                                        const char *comment,
                                                                        strata_ssh_privkey **out,
                                                                        strata_error *err);
/* Frees the key (OpenSSL wipes the private material). NULL is allowed. */
STRATA_API void strata_ssh_privkey_free(strata_ssh_privkey *k);
/* The OpenSSL key, borrowed: valid until strata_ssh_privkey_free (take your
 * own reference with EVP_PKEY_up_ref to keep it longer). */
STRATA_API EVP_PKEY *strata_ssh_privkey_pkey(const strata_ssh_privkey *k);
/* "ssh-ed25519", "ecdsa-sha2-nistp256", "ssh-rsa", "ssh-dss"; static storage. */
STRATA_API const char *strata_ssh_privkey_type(const strata_ssh_privkey *k);
/* The comment ("" when none); valid until the key is freed. */
STRATA_API const char *strata_ssh_privkey_comment(const strata_ssh_privkey *k);
/* The SSH public key blob (RFC 4253 §6.6); *n its length. Valid until the
 * key is freed. */
STRATA_API const uint8_t *strata_ssh_privkey_blob(const strata_ssh_privkey *k, size_t *n);
/* Writes the key in OpenSSH's format (PEM armour, 70-column base64) to out.
 * passphrase NULL or "": unencrypted; else aes256-ctr under bcrypt with
 * `rounds` rounds (0: STRATA_SSH_KEY_ROUNDS_DEFAULT; at most
 * STRATA_SSH_KEY_ROUNDS_MAX). out is caller-owned; on failure it holds no new
 * bytes. The written text holds the private key: mark out secret
 * (strata_buf_set_secret) so it is wiped. */
STRATA_API STRATA_MUST_CHECK strata_status strata_ssh_privkey_write(const strata_ssh_privkey *k,
                                                                    const char *passphrase,
                                                                    unsigned rounds,
                                                                    strata_buf *out,
                                                                    strata_error *err);

/* Parses a public key or certificate file ("*.pub", "*-cert.pub"): the
 * first line that is neither blank nor a '#' comment, "type base64 [comment]".
 * The type must match the type string inside the blob. text (n bytes, need
 * not be NUL-terminated) is borrowed for the call; *out is new, freed with
 * strata_ssh_pubkey_free. Statuses: E_FORMAT / E_TRUNCATED (with the reason),
 * E_LIMIT. The blob is not otherwise validated: the host-key module parses
 * key and certificate blobs. */
STRATA_API STRATA_MUST_CHECK strata_status strata_ssh_pubkey_parse(const char *text, size_t n,
                                                                   strata_ssh_pubkey **out,
                                                                   strata_error *err);
STRATA_API void strata_ssh_pubkey_free(strata_ssh_pubkey *k);
/* The key type ("ssh-ed25519-cert-v01@openssh.com" ...); valid until freed. */
STRATA_API const char *strata_ssh_pubkey_type(const strata_ssh_pubkey *k);
/* The comment ("" when none); valid until freed. */
STRATA_API const char *strata_ssh_pubkey_comment(const strata_ssh_pubkey *k);
/* The decoded blob; valid until freed. */
STRATA_API const uint8_t *strata_ssh_pubkey_blob(const strata_ssh_pubkey *k, size_t *n);
/* 1 when the type is an OpenSSH certificate ("...-cert-v01@openssh.com"). */
STRATA_API int strata_ssh_pubkey_is_cert(const strata_ssh_pubkey *k);
/* For a certificate, the wire blob of the plain key it certifies (*out a
 * heap copy owned by the caller, free(); *n its length): pairs a
 * CertificateFile with its identity. E_USAGE for a plain key. */
STRATA_API STRATA_MUST_CHECK strata_status strata_ssh_pubkey_cert_key(const strata_ssh_pubkey *k,
                                                                      uint8_t **out, size_t *n,
                                                                      strata_error *err);

/* File helpers (src/io): read path (at most STRATA_SSH_KEY_FILE_MAX bytes,
 * regular files only) and parse it as above. A private key file of ours that
 * group or others may access is refused with E_USAGE ("permissions 0644 for
 * ... are too open"), as OpenSSH refuses it. E_IO with errno's text when the
 * file cannot be read. path and passphrase are borrowed for the call. */
STRATA_API STRATA_MUST_CHECK strata_status strata_ssh_privkey_load_file(const char *path,
                                                                        const char *passphrase,
                                                                        strata_ssh_privkey **out,
                                                                        strata_error *err);
/* strata_ssh_privkey_load_file with a passphrase source, as
 * strata_ssh_privkey_parse_pw. */
STRATA_API STRATA_MUST_CHECK strata_status strata_ssh_privkey_load_file_pw(
    const char *path, const strata_passphrase *pw, strata_ssh_privkey **out, strata_error *err);
STRATA_API STRATA_MUST_CHECK strata_status strata_ssh_pubkey_load_file(const char *path,
                                                                       strata_ssh_pubkey **out,
                                                                       strata_error *err);

#endif
