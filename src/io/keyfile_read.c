/* Reading SSH key files from disk (see strata/ssh_keys.h): the only file
 * access of the key-file code, through the one bounded reader
 * (strata_pki_read_file_ex); parsing stays in src/ssh. */
#include <string.h>

#include "base/error_internal.h"
#include "strata/pki.h"
#include "strata/ssh_keys.h"

/* The shared start of the public loaders: resolves err (NULL: a scratch one),
 * clears it, reads the file (at most STRATA_SSH_KEY_FILE_MAX bytes, a regular
 * file; a private key must not be readable by others, as OpenSSH requires). */
static strata_status load(const char *path, unsigned flags, strata_error **errp,
                          strata_error *scratch, strata_buf *data)
{
    if (!*errp)
        *errp = scratch;
    strata_error_clear(*errp);
    strata_buf_init(data, 0);
    if (!path)
        return strata__error_set(*errp, STRATA_E_USAGE, "no key file path");
    return strata_pki_read_file_ex(path, STRATA_SSH_KEY_FILE_MAX, STRATA_READ_REGULAR | flags, data,
                                   *errp);
}

strata_status strata_ssh_privkey_load_file_pw(const char *path, const strata_passphrase *pw,
                                              strata_ssh_privkey **out, strata_error *err)
{
    strata_error scratch;
    strata_buf data;
    *out = NULL;
    strata_status r = load(path, STRATA_READ_PRIVATE, &err, &scratch, &data);
    if (r == STRATA_OK)
        r = strata_ssh_privkey_parse_pw(strata_buf_ptr(&data), strata_buf_len(&data), pw, out, err);
    strata_buf_free(&data);
    return r;
}

strata_status strata_ssh_privkey_load_file(const char *path, const char *passphrase,
                                           strata_ssh_privkey **out, strata_error *err)
{
    strata_passphrase fixed = {.pass = passphrase, .len = passphrase ? strlen(passphrase) : 0};
    return strata_ssh_privkey_load_file_pw(path, passphrase ? &fixed : NULL, out, err);
}

strata_status strata_ssh_pubkey_load_file(const char *path, strata_ssh_pubkey **out,
                                          strata_error *err)
{
    strata_error scratch;
    strata_buf data;
    *out = NULL;
    strata_status r = load(path, 0, &err, &scratch, &data);
    if (r == STRATA_OK)
        r = strata_ssh_pubkey_parse((const char *)strata_buf_ptr(&data), strata_buf_len(&data), out,
                                    err);
    strata_buf_free(&data);
    return r;
}
