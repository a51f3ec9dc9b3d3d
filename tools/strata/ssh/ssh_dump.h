/* strata ssh -G (the resolved configuration, as OpenSSH prints it) and -Q
 * (the supported algorithms). */
#ifndef STRATA_CLI_SSH_DUMP_H
#define STRATA_CLI_SSH_DUMP_H

#include "strata/ssh_session.h"

/* Resolves dest's configuration as a connection would (destination, -l, -p,
 * -i, -c, -m, -C, -o, -F) and prints it to stdout; 0, or 255 with the error
 * on stderr. */
int ssh_dump_config(const char *dest, const strata_ssh_session_args *a);
/* Prints the names `ssh -Q what` lists, one a line; 0, or 255 for an
 * unknown query. */
int ssh_query(const char *what);

#endif
