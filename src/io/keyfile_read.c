/* Reading SSH key files from disk (see strata/ssh_keys.h): the only file
 * access of the key-file code; parsing stays in src/ssh. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/error_internal.h"
#include "strata/mem.h"
#include "strata/ssh_keys.h"

/* Reads at most STRATA_SSH_KEY_FILE_MAX bytes of path into a new buffer.
 * private_key: refuse a file others may read, as OpenSSH does. */
static strata_status read_key_file(const char *path, int private_key, uint8_t **out, size_t *n,
                                   strata_error *err)
{
    struct stat st;
    strata_status r = STRATA_OK;
    uint8_t *buf = NULL;
    size_t got = 0;
    *out = NULL;
    *n = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return strata__error_set(err, STRATA_E_IO, "cannot open %s: %s", path, strerror(errno));
    if (fstat(fd, &st) != 0) {
        r = strata__error_set(err, STRATA_E_IO, "cannot stat %s: %s", path, strerror(errno));
        goto out;
    }
    if (!S_ISREG(st.st_mode)) {
        r = strata__error_set(err, STRATA_E_USAGE, "%s is not a regular file", path);
        goto out;
    }
    if (private_key && st.st_uid == geteuid() && (st.st_mode & 077) != 0) {
        r = strata__error_set(err, STRATA_E_USAGE,
                              "permissions %04o for %s are too open: a private key file must not "
                              "be accessible by others",
                              (unsigned)(st.st_mode & 07777), path);
        goto out;
    }
    if (st.st_size > (off_t)STRATA_SSH_KEY_FILE_MAX) {
        r = strata__error_set(err, STRATA_E_LIMIT, "%s is larger than %u bytes", path,
                              STRATA_SSH_KEY_FILE_MAX);
        goto out;
    }
    if (!(buf = malloc(STRATA_SSH_KEY_FILE_MAX + 1))) {
        r = strata__error_set(err, STRATA_E_NOMEM, "out of memory");
        goto out;
    }
    for (;;) {
        ssize_t k = read(fd, buf + got, STRATA_SSH_KEY_FILE_MAX + 1 - got);
        if (k < 0 && errno == EINTR)
            continue;
        if (k < 0) {
            r = strata__error_set(err, STRATA_E_IO, "cannot read %s: %s", path, strerror(errno));
            goto out;
        }
        if (k == 0)
            break;
        got += (size_t)k;
        if (got > STRATA_SSH_KEY_FILE_MAX) {
            r = strata__error_set(err, STRATA_E_LIMIT, "%s is larger than %u bytes", path,
                                  STRATA_SSH_KEY_FILE_MAX);
            goto out;
        }
    }
    *out = buf;
    *n = got;
    buf = NULL;
out:
    strata_free_secret(buf, STRATA_SSH_KEY_FILE_MAX + 1);
    close(fd);
    return r;
}

/* The shared start of the public loaders: resolves err (NULL: a scratch one),
 * clears it, reads the file. */
static strata_status load(const char *path, int private_key, strata_error **errp,
                          strata_error *scratch, uint8_t **data, size_t *n)
{
    if (!*errp)
        *errp = scratch;
    strata_error_clear(*errp);
    if (!path)
        return strata__error_set(*errp, STRATA_E_USAGE, "no key file path");
    return read_key_file(path, private_key, data, n, *errp);
}

strata_status strata_ssh_privkey_load_file(const char *path, const char *passphrase,
                                           strata_ssh_privkey **out, strata_error *err)
{
    strata_error scratch;
    uint8_t *data;
    size_t n;
    *out = NULL;
    strata_status r = load(path, 1, &err, &scratch, &data, &n);
    if (r != STRATA_OK)
        return r;
    r = strata_ssh_privkey_parse(data, n, passphrase, out, err);
    strata_free_secret(data, STRATA_SSH_KEY_FILE_MAX + 1);
    return r;
}

strata_status strata_ssh_pubkey_load_file(const char *path, strata_ssh_pubkey **out,
                                          strata_error *err)
{
    strata_error scratch;
    uint8_t *data;
    size_t n;
    *out = NULL;
    strata_status r = load(path, 0, &err, &scratch, &data, &n);
    if (r != STRATA_OK)
        return r;
    r = strata_ssh_pubkey_parse((const char *)data, n, out, err);
    free(data);
    return r;
}
