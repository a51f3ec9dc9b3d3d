/* tls:session=FILE: reading a stored session to offer, writing each new
 * one. A session file holds the session's master secret: it is read into
 * memory that is wiped after use and written only through a new file of
 * mode 0600 renamed over the old one. The file is the user's: it may be
 * missing, damaged, or from another server; none of that fails the
 * connection (it costs a full handshake, reported with -v). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "tls_session_file.h"
#include "strata/log.h"
#include "strata/mem.h"
#include "strata/pki.h"

/* A PEM session is a few KiB (a certificate and a ticket); more is not one. */
#define SESSION_FILE_MAX (64u * 1024u)

void tls_session_file_offer(strata_tls_conn *conn, const char *path, const char *name)
{
    strata_tls_session *sess = NULL;
    strata_buf buf;
    strata_error err;
    strata_error_clear(&err);
    if (strata_pki_read_file_ex(path, SESSION_FILE_MAX, STRATA_READ_SECRET, &buf, &err) !=
        STRATA_OK) {
        if (strata_error_errno(&err) == ENOENT)
            strata_log(STRATA_LOG_INFO, "tls", "session file '%s' does not exist yet", path);
        else
            strata_log(STRATA_LOG_INFO, "tls", "session file '%s' ignored: %s", path,
                       strata_error_message(&err));
        strata_buf_free(&buf);
        return;
    }
    strata_status r =
        strata_tls_session_from_pem(strata_buf_ptr(&buf), strata_buf_len(&buf), &sess);
    strata_buf_free(&buf);
    if (r != STRATA_OK) {
        strata_log(STRATA_LOG_INFO, "tls", "session file '%s' ignored: not a TLS session in PEM",
                   path);
        return;
    }
    if (!strata_tls_session_is_resumable(sess)) {
        strata_log(STRATA_LOG_INFO, "tls", "session file '%s' ignored: not resumable", path);
    } else if (name && !strata_tls_session_matches_name(sess, name)) {
        strata_log(STRATA_LOG_INFO, "tls",
                   "session file '%s' ignored: made with a certificate that does not carry '%s'",
                   path, name);
    } else if ((r = strata_tls_conn_set_session(conn, sess)) != STRATA_OK) {
        strata_log(STRATA_LOG_INFO, "tls", "session file '%s' ignored: %s", path,
                   strata_error_message(strata_tls_conn_error(conn)));
    } else {
        strata_log(STRATA_LOG_INFO, "tls", "offering the session in '%s'", path);
    }
    strata_tls_session_free(sess); /* the connection keeps its own reference */
}

void tls_session_file_save(strata_tls_conn *conn, strata_tls_session *sess, void *user)
{
    const char *path = user;
    char *pem = NULL, why[256];
    size_t n = 0;
    (void)conn;
    strata_status r = strata_tls_session_to_pem(sess, &pem, &n);
    strata_tls_session_free(sess);
    if (r != STRATA_OK) {
        cli_err("cannot save the TLS session in '%s': %s", path, strata_status_str(r));
        return;
    }
    if (cli_replace_secret_file(path, pem, n, why, sizeof(why)) != 0)
        cli_err("cannot save the TLS session in '%s': %s", path, why);
    else
        strata_log(STRATA_LOG_INFO, "tls", "new session saved in '%s'", path);
    strata_free_secret(pem, n);
}
