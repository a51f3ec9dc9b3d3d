/* Internal: the SSH identification exchange (RFC 4253 §4.2). */
#ifndef STRATA_SSH_VERSION_H
#define STRATA_SSH_VERSION_H

#include <stddef.h>

#include "strata/buf.h"
#include "strata/error.h"

/* RFC 4253 §4.2: the identification line is at most 255 bytes with CR LF
 * (what we send). */
#define SSH_VERSION_LINE_MAX 255u
/* What we accept from a server, as OpenSSH does (ssh.h SSH_MAX_BANNER_LEN,
 * SSH_MAX_PRE_BANNER_LINES): up to 1024 lines before its identification,
 * and any line (its identification too) up to 8192 bytes. Longer than the
 * RFC's 255, because real servers send longer ones and OpenSSH takes them. */
#define SSH_BANNER_LINES_MAX 1024u
#define SSH_PEER_LINE_MAX 8192u

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
