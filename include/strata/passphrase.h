/* strata/passphrase.h - the one way a passphrase reaches the library.
 *
 * Every call that may need a passphrase takes a `const strata_passphrase *`:
 * the pki loaders and dumpers (PEM, PKCS#8, PKCS#12) and the SSH key files
 * (strata_ssh_privkey_parse_pw, strata_ssh_privkey_load_file_pw). It is a
 * fixed string or a callback; the callback is called only when the input
 * turns out to be encrypted (or an output is to be encrypted), so a program
 * plugs its prompt in here and is asked only when needed. The strata CLI
 * passes its terminal prompt (with SSH_ASKPASS, as OpenSSH) this way, and
 * reads passphrase files with strata_passphrase_read_file. NULL as the
 * source means there is none: an encrypted input is then refused with
 * STRATA_E_SSH_KEY_ENCRYPTED (SSH key files) or STRATA_E_PASSPHRASE (pki).
 *
 * Implemented in src/base/passphrase.c (strata_passphrase_get) and
 * src/io/passphrase_file.c (strata_passphrase_read_file, which reads a file).
 */
#ifndef STRATA_PASSPHRASE_H
#define STRATA_PASSPHRASE_H

#include <stddef.h>
#include "error.h"
#include "export.h"

/* Longest passphrase, in bytes (pyOpenSSL passes this as the callback's
 * maxlen). */
#define STRATA_PASSPHRASE_MAX 1023

/* A passphrase callback, pyOpenSSL's callback(maxlen, verify, userdata): writes
 * at most cap bytes into buf (no NUL needed) and returns how many, or -1 to
 * give up. verify is 1 when the passphrase will encrypt (a prompt should ask
 * twice to confirm) and 0 when it decrypts. buf is owned by strata and wiped
 * after use; user is the caller's, passed through. */
typedef int (*strata_passphrase_fn)(char *buf, size_t cap, int verify, void *user);

/* Where a passphrase comes from: a fixed string (pass, len; borrowed for the
 * call) or, when pass is NULL, a callback (fn, user). */
typedef struct strata_passphrase {
    const char *pass;
    size_t len;
    strata_passphrase_fn fn;
    void *user;
} strata_passphrase;

/* Gets the passphrase from pw into buf (cap bytes, not NUL-terminated): the
 * fixed string, or the callback's answer. Returns its length, or -1 when pw
 * is NULL or has neither, the callback gave up, or the answer is longer than
 * cap (buf is then wiped). */
STRATA_API int strata_passphrase_get(const strata_passphrase *pw, int verify, char *buf,
                                     size_t cap);

/* Reads a passphrase file: its first line, without the line end, into buf
 * (cap bytes, NUL-terminated; *len its length), through the bounded file
 * reader with the file's bytes wiped after. E_IO "cannot open PATH: reason"
 * (errno kept, strata_error_errno) when it cannot be read; E_LIMIT when the
 * line does not fit in cap - 1 bytes or the file exceeds 64 KiB. path is
 * borrowed for the call; buf is the caller's to wipe (strata_memzero). */
#define STRATA_PASSPHRASE_FILE_MAX (64u * 1024u)
STRATA_API STRATA_MUST_CHECK strata_status strata_passphrase_read_file(const char *path, char *buf,
                                                                       size_t cap, size_t *len,
                                                                       strata_error *err);

#endif
