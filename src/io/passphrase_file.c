/* Passphrase files (see strata/passphrase.h): the first line of a file, read
 * through the one bounded reader into memory that is wiped after. */
#include <string.h>

#include "base/error_internal.h"
#include "strata/passphrase.h"
#include "strata/pki.h"

strata_status strata_passphrase_read_file(const char *path, char *buf, size_t cap, size_t *len,
                                          strata_error *err)
{
    strata_error scratch;
    strata_buf data;
    if (!err)
        err = &scratch;
    *len = 0;
    if (!buf || cap == 0)
        return strata__error_set(err, STRATA_E_USAGE, "no buffer for the passphrase");
    buf[0] = '\0';
    strata_status r =
        strata_pki_read_file_ex(path, STRATA_PASSPHRASE_FILE_MAX, STRATA_READ_SECRET, &data, err);
    if (r == STRATA_OK) {
        const char *p = (const char *)strata_buf_ptr(&data);
        size_t n = strata_buf_len(&data), line = 0;
        while (line < n && p[line] != '\n' && p[line] != '\r')
            line++;
        if (line > cap - 1) {
            r = strata__error_set(err, STRATA_E_LIMIT,
                                  "the passphrase in %s is longer than %zu bytes", path, cap - 1);
        } else {
            memcpy(buf, p, line);
            buf[line] = '\0';
            *len = line;
        }
    }
    strata_buf_free(&data);
    return r;
}
