/* Files the CLI writes: whole writes, and secret files replaced in one step
 * (a temporary file of mode 0600 beside the target, renamed over it), so a
 * reader sees the old file or the new one, never a part, and the secret is
 * never readable by others, not even for a moment. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

int cli_write_all(int fd, const void *data, size_t len)
{
    const char *p = data;
    while (len > 0) {
        ssize_t w = write(fd, p, len);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            if (w == 0)
                errno = EIO;
            return -1;
        }
        p += w;
        len -= (size_t)w;
    }
    return 0;
}

int cli_replace_secret_file(const char *path, const void *data, size_t len, char *why, size_t cap)
{
    size_t n = strlen(path);
    char *tmp = malloc(n + sizeof(".XXXXXX"));
    if (!tmp) {
        snprintf(why, cap, "out of memory");
        return -1;
    }
    memcpy(tmp, path, n);
    memcpy(tmp + n, ".XXXXXX", sizeof(".XXXXXX"));
    /* mkstemp: O_CREAT | O_EXCL, mode 0600 whatever the umask. */
    int fd = mkstemp(tmp);
    if (fd < 0) {
        snprintf(why, cap, "cannot create a file beside it: %s", strerror(errno));
        free(tmp);
        return -1;
    }
    const char *step = "writing";
    int ok = cli_write_all(fd, data, len) == 0 && (step = "syncing", fsync(fd) == 0);
    int err = errno;
    if (close(fd) != 0 && ok) {
        ok = 0;
        err = errno;
        step = "closing";
    }
    if (ok && rename(tmp, path) != 0) {
        ok = 0;
        err = errno;
        step = "renaming";
    }
    if (!ok) {
        snprintf(why, cap, "%s %s failed: %s", step, tmp, strerror(err));
        unlink(tmp);
    }
    free(tmp);
    return ok ? 0 : -1;
}
