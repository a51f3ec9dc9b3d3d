/* Internal: SSH key files (see strata/ssh_keys.h).
 *
 * Names here use strata__sshkf_ so they never meet the host-key module's
 * strata__ssh_key* symbols.
 */
#ifndef STRATA_SSH_KEYFILE_H
#define STRATA_SSH_KEYFILE_H

#include <openssl/evp.h>

#include "strata/buf.h"
#include "strata/error.h"
#include "strata/ssh_keys.h"
#include "ssh/sshkey_internal.h"

/* Key types come from the one table in sshkey_internal.h: a row's
 * read_priv / put_priv are the openssh-key-v1 private fields, its put_pub the
 * public blob. */

/* 1 when all n bytes are printable ASCII without spaces (safe to quote in a
 * message), else 0 (keyfile_armor.c). */
int strata__sshkf_printable(const uint8_t *p, size_t n);

/* A cipher for private key files (keyfile_cipher.c). key_len 0: "none". */
struct sshkf_cipher {
    const char *name;
    const EVP_CIPHER *(*evp)(void); /* NULL for "none" and chacha20-poly1305 */
    size_t key_len, iv_len, block, tag_len;
};
const struct sshkf_cipher *strata__sshkf_cipher_by_name(const char *name);
/* Encrypts (enc=1) or decrypts n bytes (a multiple of c->block) from in to out.
 * tag: tag_len bytes, written on encryption and checked on decryption (a
 * mismatch is E_PASSPHRASE). */
strata_status strata__sshkf_crypt(const struct sshkf_cipher *c, int enc, const uint8_t *key,
                                  const uint8_t *iv, const uint8_t *in, size_t n, uint8_t *out,
                                  uint8_t *tag, strata_error *err);

/* Base64 (keyfile_armor.c). Decoding skips whitespace and refuses anything
 * else that is not base64; out receives the bytes. */
strata_status strata__sshkf_b64_decode(const char *s, size_t n, strata_buf *out, strata_error *err);
/* Encodes p, wrapping lines at `line` characters (0: one line, no newline). */
strata_status strata__sshkf_b64_encode(const uint8_t *p, size_t n, size_t line, strata_buf *out);
/* Finds "-----BEGIN <label>-----" ... "-----END <label>-----" in text and
 * decodes the body into out. Anything but whitespace before BEGIN or after
 * END is refused. */
strata_status strata__sshkf_unarmor(const char *text, size_t n, const char *label, strata_buf *out,
                                    strata_error *err);

/* The key object (keyfile.c). Takes ownership of pkey on success and on
 * failure. */
struct strata_ssh_privkey {
    EVP_PKEY *pkey;
    const struct ssh_keytype *type;
    char *comment;
    uint8_t *blob;
    size_t blob_len;
};
strata_status strata__sshkf_privkey_new(EVP_PKEY *pkey, const struct ssh_keytype *t,
                                        const char *comment, strata_ssh_privkey **out,
                                        strata_error *err);

/* openssh-key-v1 (keyfile_openssh.c): bin is the decoded binary. max_rounds
 * bounds the bcrypt cost (the fuzz target passes a small one). */
strata_status strata__sshkf_parse_openssh(const uint8_t *bin, size_t n, const char *passphrase,
                                          unsigned max_rounds, strata_ssh_privkey **out,
                                          strata_error *err);
/* The outer layer only: the public blob (heap copy, free()) and whether the
 * private section is encrypted. */
strata_status strata__sshkf_peek_openssh(const uint8_t *bin, size_t n, uint8_t **blob,
                                         size_t *blob_len, int *encrypted, strata_error *err);
/* The whole text-level parse with a rounds bound. */
strata_status strata__sshkf_parse(const uint8_t *data, size_t n, const char *passphrase,
                                  unsigned max_rounds, strata_ssh_privkey **out, strata_error *err);
/* PEM / PKCS#8 through OpenSSL's decoders (keyfile_pem.c). */
strata_status strata__sshkf_parse_pem(const uint8_t *data, size_t n, const char *passphrase,
                                      strata_ssh_privkey **out, strata_error *err);

#endif
