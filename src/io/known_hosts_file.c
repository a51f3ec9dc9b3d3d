/* known_hosts from disk (see strata/ssh_knownhosts.h): the file is read whole
 * through the one bounded reader (at most STRATA_SSH_KH_FILE_MAX bytes) and
 * parsed from memory in src/ssh. A file that does not exist is an empty
 * list, as OpenSSH treats it, and still becomes the append file. */
#include <errno.h>

#include "base/error_internal.h"
#include "ssh/known_hosts.h"
#include "strata/pki.h"

strata_status strata_ssh_knownhosts_load_file(strata_ssh_knownhosts *kh, const char *path)
{
    strata_buf data;
    strata_error e;
    strata_error_clear(&e);
    strata_status st = strata_pki_read_file_ex(path, STRATA_SSH_KH_FILE_MAX, 0, &data, &e);
    if (st == STRATA_E_IO && strata_error_errno(&e) == ENOENT) {
        st = STRATA_OK;
    } else if (st != STRATA_OK) {
        if (kh->err.status == STRATA_OK)
            strata_error_copy(&kh->err, &e);
        strata_buf_free(&data);
        return st;
    }
    st = strata_ssh_knownhosts_load_mem(kh, path, (const char *)strata_buf_ptr(&data),
                                        strata_buf_len(&data));
    strata_buf_free(&data);
    if (st == STRATA_OK && !kh->append_path)
        st = strata_ssh_knownhosts_set_append_file(kh, path);
    return st;
}
