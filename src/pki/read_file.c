/* The one bounded file reader (see strata/pki.h): whole files into a capped
 * strata_buf, with the checks key files need (a regular file; a private key
 * not readable by others, as OpenSSH requires). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/error_internal.h"
#include "strata/pki.h"

#define CHUNK 4096u

static strata_status too_large(strata_error *err, const char *name, size_t max)
{
    return strata__error_set(err, STRATA_E_LIMIT, "%s is larger than the limit of %zu bytes", name,
                             max);
}

/* The message "cannot open PATH: reason" with errno kept. */
static strata_status sys_fail(strata_error *err, const char *what, const char *name, int errnum)
{
    char msg[STRATA_ERROR_MSG_MAX];
    snprintf(msg, sizeof(msg), "%s %s", what, name);
    return strata__error_set_sys(err, STRATA_E_IO, errnum, msg);
}

strata_status strata_pki_read_stream_ex(FILE *f, const char *name, size_t max, unsigned flags,
                                        strata_buf *out, strata_error *err)
{
    strata_error scratch;
    if (!err)
        err = &scratch;
    if (!max)
        max = STRATA_PKI_MAX_INPUT;
    strata_buf_init(out, max);
    if (flags & (STRATA_READ_SECRET | STRATA_READ_PRIVATE))
        strata_buf_set_secret(out);
    if (!f)
        return strata__error_set(err, STRATA_E_USAGE, "no stream to read %s from", name);
    strata_status r = STRATA_OK;
    for (;;) {
        size_t room = max - strata_buf_len(out);
        if (room == 0) {
            /* Full: the file fits only if nothing follows. */
            if (fgetc(f) != EOF)
                r = too_large(err, name, max);
            else if (ferror(f))
                r = sys_fail(err, "cannot read", name, errno);
            break;
        }
        size_t want = room < CHUNK ? room : CHUNK;
        uint8_t *p;
        if ((r = strata_buf_reserve(out, want, &p)) != STRATA_OK) {
            r = strata__error_set(err, r, "out of memory reading %s", name);
            break;
        }
        size_t k = fread(p, 1, want, f);
        int e = errno;
        if ((r = strata_buf_consume_end(out, want - k)) != STRATA_OK)
            break;
        if (k < want) {
            if (ferror(f))
                r = sys_fail(err, "cannot read", name, e);
            break;
        }
    }
    if (r != STRATA_OK)
        strata_buf_free(out);
    return r;
}

strata_status strata_pki_read_file_ex(const char *path, size_t max, unsigned flags, strata_buf *out,
                                      strata_error *err)
{
    strata_error scratch;
    struct stat st;
    if (!err)
        err = &scratch;
    if (!max)
        max = STRATA_PKI_MAX_INPUT;
    strata_buf_init(out, max);
    if (!path)
        return strata__error_set(err, STRATA_E_USAGE, "no file name");
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return sys_fail(err, "cannot open", path, errno);
    strata_status r = STRATA_OK;
    if (fstat(fd, &st) != 0) {
        r = sys_fail(err, "cannot stat", path, errno);
        goto out;
    }
    if ((flags & (STRATA_READ_REGULAR | STRATA_READ_PRIVATE)) && !S_ISREG(st.st_mode)) {
        r = strata__error_set(err, STRATA_E_USAGE, "%s is not a regular file", path);
        goto out;
    }
    if ((flags & STRATA_READ_PRIVATE) && st.st_uid == geteuid() && (st.st_mode & 077) != 0) {
        r = strata__error_set(err, STRATA_E_USAGE,
                              "permissions %04o for %s are too open: a private key file must not "
                              "be accessible by others",
                              (unsigned)(st.st_mode & 07777), path);
        goto out;
    }
    if (S_ISREG(st.st_mode) && (uintmax_t)st.st_size > (uintmax_t)max) {
        r = too_large(err, path, max);
        goto out;
    }
    FILE *f = fdopen(fd, "rb");
    if (!f) {
        r = sys_fail(err, "cannot open", path, errno);
        goto out;
    }
    fd = -1; /* f owns it */
    r = strata_pki_read_stream_ex(f, path, max, flags, out, err);
    fclose(f);
out:
    if (fd >= 0)
        close(fd);
    return r;
}

strata_status strata_pki_read_file(const char *path, strata_buf *out, int secret, strata_error *err)
{
    return strata_pki_read_file_ex(path, 0, secret ? STRATA_READ_SECRET : 0, out, err);
}

strata_status strata_pki_read_stream(FILE *f, const char *name, strata_buf *out, int secret,
                                     strata_error *err)
{
    return strata_pki_read_stream_ex(f, name, 0, secret ? STRATA_READ_SECRET : 0, out, err);
}
