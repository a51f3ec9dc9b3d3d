/* tls:session=FILE (tls_session_file.c): a client's TLS session kept in a
 * file between runs, in OpenSSL's PEM ("SSL SESSION PARAMETERS", what
 * openssl s_client -sess_out writes and -sess_in reads). */
#ifndef STRATA_CLI_TLS_SESSION_FILE_H
#define STRATA_CLI_TLS_SESSION_FILE_H

#include "strata/tls.h"

/* Offers the session in path on conn (a client before its handshake), if
 * the file exists, holds a session and, when name is not NULL, the session
 * was made with a certificate carrying name. Anything else is a -v line and
 * a full handshake, never a failure. */
void tls_session_file_offer(strata_tls_conn *conn, const char *path, const char *name);
/* A strata_tls_new_session_fn: replaces the file named by user (a path
 * that outlives the context) with sess (mode 0600, atomically) and frees
 * sess. A failure to write is reported on stderr and changes nothing else. */
void tls_session_file_save(strata_tls_conn *conn, strata_tls_session *sess, void *user);

#endif
