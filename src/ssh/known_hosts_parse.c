/* known_hosts lines and files.
 *
 * A line is [marker] hosts keytype base64 [comment], fields separated by
 * spaces or tabs; '#' starts a comment line; blank lines and a CR before the
 * LF are allowed. Lines with a key type strata does not know are skipped (as
 * OpenSSH does); malformed ones are skipped with a warning naming file:line.
 * Line length, line count and file size are bounded.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/error_internal.h"
#include "ssh/known_hosts.h"
#include "strata/log.h"

strata_status strata__ssh_kh_add_source(strata_ssh_knownhosts *kh, const char *name, size_t *fi)
{
    char *copy = strdup(name);
    char **files = copy ? realloc(kh->files, (kh->n_files + 1) * sizeof(*files)) : NULL;
    if (files)
        kh->files = files;
    unsigned long *lines =
        files ? realloc(kh->file_lines, (kh->n_files + 1) * sizeof(*lines)) : NULL;
    if (!lines) {
        free(copy);
        return strata__error_set(&kh->err, STRATA_E_NOMEM, "out of memory");
    }
    kh->file_lines = lines;
    kh->files[kh->n_files] = copy;
    kh->file_lines[kh->n_files] = 0;
    *fi = kh->n_files++;
    return STRATA_OK;
}

static void skip(strata_ssh_knownhosts *kh, size_t fi, unsigned long lineno, const char *why)
{
    kh->skipped++;
    strata_log(STRATA_LOG_WARN, "ssh", "%s:%lu: skipped: %s", kh->files[fi], lineno, why);
}

/* Splits s at spaces and tabs into at most max fields; returns the count. */
static size_t split(char *s, char **fields, size_t max)
{
    size_t n = 0;
    while (n < max) {
        s += strspn(s, " \t");
        if (*s == 0)
            break;
        fields[n++] = s;
        s += strcspn(s, " \t");
        if (*s == 0)
            break;
        *s++ = 0;
    }
    return n;
}

strata_status strata__ssh_kh_parse_line(strata_ssh_knownhosts *kh, size_t fi, unsigned long lineno,
                                        const char *line, size_t n)
{
    if (n > 0 && line[n - 1] == '\r')
        n--;
    if (n > STRATA_SSH_KH_LINE_MAX)
        return strata__error_set(&kh->err, STRATA_E_LIMIT,
                                 "%s:%lu: line of %zu bytes exceeds the limit of %u", kh->files[fi],
                                 lineno, n, STRATA_SSH_KH_LINE_MAX);
    if (memchr(line, 0, n)) {
        skip(kh, fi, lineno, "NUL byte in line");
        return STRATA_OK;
    }
    char buf[STRATA_SSH_KH_LINE_MAX + 1], *f[5];
    memcpy(buf, line, n);
    buf[n] = 0;
    size_t nf = split(buf, f, 5);
    if (nf == 0 || f[0][0] == '#')
        return STRATA_OK;
    enum kh_marker marker = KH_PLAIN;
    size_t at = 0;
    if (f[0][0] == '@') {
        if (strcmp(f[0], "@cert-authority") == 0)
            marker = KH_CERT_AUTHORITY;
        else if (strcmp(f[0], "@revoked") == 0)
            marker = KH_REVOKED;
        else {
            skip(kh, fi, lineno, "unknown marker");
            return STRATA_OK;
        }
        at = 1;
    }
    if (nf < at + 3) {
        skip(kh, fi, lineno, "fewer than three fields");
        return STRATA_OK;
    }
    const char *hosts = f[at], *type = f[at + 1], *b64 = f[at + 2], *plain = NULL;
    uint8_t *blob = NULL;
    size_t blob_len = 0;
    strata_status st = strata__ssh_b64_decode(b64, strlen(b64), &blob, &blob_len);
    if (st == STRATA_E_NOMEM)
        return strata__error_set(&kh->err, st, "out of memory");
    if (st != STRATA_OK) {
        skip(kh, fi, lineno, "key is not valid base64");
        return STRATA_OK;
    }
    const char *blob_type = strata__ssh_blob_type(blob, blob_len, &plain);
    const char *why = NULL;
    if (!blob_type) {
        /* A key type from elsewhere (sk-*, future types): not an error. */
        kh->skipped++;
        strata_log(STRATA_LOG_DEBUG, "ssh", "%s:%lu: key type %.64s not supported", kh->files[fi],
                   lineno, type);
        free(blob);
        return STRATA_OK;
    }
    if (blob_len > STRATA_SSH_KEY_BLOB_MAX)
        why = "key blob too long";
    else if (strcmp(type, blob_type) != 0)
        why = "key type field does not match the key";
    else if (marker != KH_REVOKED && blob_type != plain)
        why = "a certificate where a key belongs";
    if (why) {
        free(blob);
        skip(kh, fi, lineno, why);
        return STRATA_OK;
    }
    if (kh->n_entries == kh->cap_entries) {
        size_t cap = kh->cap_entries ? 2 * kh->cap_entries : 16;
        struct kh_entry *grown = realloc(kh->entries, cap * sizeof(*grown));
        if (!grown) {
            free(blob);
            return strata__error_set(&kh->err, STRATA_E_NOMEM, "out of memory");
        }
        kh->entries = grown;
        kh->cap_entries = cap;
    }
    char *hcopy = strdup(hosts);
    if (!hcopy) {
        free(blob);
        return strata__error_set(&kh->err, STRATA_E_NOMEM, "out of memory");
    }
    kh->entries[kh->n_entries++] = (struct kh_entry){.marker = marker,
                                                     .hosts = hcopy,
                                                     .blob = blob,
                                                     .blob_len = blob_len,
                                                     .type = blob_type,
                                                     .plain_type = plain,
                                                     .file = fi,
                                                     .line = lineno};
    return STRATA_OK;
}

strata_status strata_ssh_knownhosts_load_mem(strata_ssh_knownhosts *kh, const char *name,
                                             const char *data, size_t n)
{
    size_t fi;
    strata_status st = strata__ssh_kh_add_source(kh, name, &fi);
    size_t off = 0;
    while (st == STRATA_OK && off < n) {
        const char *nl = memchr(data + off, '\n', n - off);
        size_t len = nl ? (size_t)(nl - (data + off)) : n - off;
        if (kh->total_lines >= STRATA_SSH_KH_LINES_MAX)
            return strata__error_set(&kh->err, STRATA_E_LIMIT,
                                     "%s: more than %u known_hosts lines in all", name,
                                     STRATA_SSH_KH_LINES_MAX);
        kh->total_lines++;
        st = strata__ssh_kh_parse_line(kh, fi, ++kh->file_lines[fi], data + off, len);
        off += len + (nl ? 1 : 0);
    }
    return st;
}

static int write_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return 0;
        p += w;
        n -= (size_t)w;
    }
    return 1;
}

strata_status strata__ssh_kh_append(strata_ssh_knownhosts *kh, const char *path, const char *line)
{
    int fd = open(path, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (fd < 0)
        return strata__error_set(&kh->err, STRATA_E_IO, "cannot open %s: %s", path,
                                 strerror(errno));
    struct stat sb;
    char last = '\n';
    int ok = fstat(fd, &sb) == 0;
    if (ok && sb.st_size > 0)
        ok = pread(fd, &last, 1, sb.st_size - 1) == 1;
    if (ok && last != '\n')
        ok = write_all(fd, "\n", 1);
    ok = ok && write_all(fd, line, strlen(line)) && write_all(fd, "\n", 1);
    int saved = errno;
    if (close(fd) != 0 && ok) {
        ok = 0;
        saved = errno;
    }
    if (!ok)
        return strata__error_set(&kh->err, STRATA_E_IO, "cannot append to %s: %s", path,
                                 strerror(saved));
    return STRATA_OK;
}
