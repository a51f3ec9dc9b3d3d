/* Internal: the SSH identification exchange (RFC 4253 §4.2). */
#ifndef STRATA_SSH_VERSION_H
#define STRATA_SSH_VERSION_H

#include <stddef.h>

#include "strata/buf.h"
#include "strata/error.h"

/* RFC 4253 §4.2: the identification line is at most 255 bytes with CR LF. */
#define SSH_VERSION_LINE_MAX 255u
/* Lines a server may send before its identification, and their length. */
#define SSH_BANNER_LINES_MAX 64u
#define SSH_BANNER_LINE_MAX 1024u

struct ssh_version_reader {
    unsigned lines; /* lines seen before the identification */
    char first[48]; /* the first of them (printable, cut), for messages */
};

/* Consumes whole lines from the front of in. STRATA_WANT_READ until the
 * server's identification line has arrived; then STRATA_OK, *version (heap,
 * free()) is the line without CR LF and in holds what follows. Refuses
 * SSH-1 and non-SSH peers with STRATA_E_PROTOCOL and a message saying what the
 * peer sent. */
strata_status strata__ssh_version_read(struct ssh_version_reader *vr, strata_buf *in,
                                       char **version, strata_error *err);

#endif
