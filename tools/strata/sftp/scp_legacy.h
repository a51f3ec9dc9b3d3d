/* strata scp -O: the legacy SCP protocol (strata/scp.h) over an SSH exec
 * channel running the remote `scp -t` / `scp -f`, as OpenSSH's scp -O. */
#ifndef STRATA_CLI_SCP_LEGACY_H
#define STRATA_CLI_SCP_LEGACY_H

#include <stdint.h>

#include "strata/ssh_session.h"

struct scp_legacy_opts {
    const strata_ssh_session_args *args; /* borrowed for the call */
    int quiet;                           /* -q: no progress meter */
    int preserve;                        /* -p */
    int recurse;                         /* -r */
    int no_name_check;                   /* -T: do not hold a file's name to the name asked for */
    uint64_t limit_bps;                  /* -l, bytes per second (0: none) */
};

/* Copies operands[0..n-2] to operands[n-1] (local or remote, as for
 * strata scp). Returns the exit status: 0 when every file was copied, 1
 * otherwise, 255 when a connection could not be made. */
int scp_legacy_main(const struct scp_legacy_opts *o, int n, char **operands);

#endif
