/* A small blocking socket loop for the SSH subcommands (ssh-keyscan) until
 * the io module's libuv driver carries SSH connections. Lives in the CLI, not
 * in src/: the engines stay sans-I/O. */
#ifndef STRATA_CLI_SSH_SOCK_H
#define STRATA_CLI_SSH_SOCK_H

#include <stddef.h>
#include <stdint.h>

#include "strata/ssh.h"

/* CLOCK_MONOTONIC in milliseconds, for deadlines. */
int64_t cli_now_ms(void);

/* A TCP connection to host:port within timeout_ms. Returns the socket, or -1
 * with a message in err. */
int cli_tcp_connect(const char *host, const char *port, int timeout_ms, char *err, size_t cap);

/* Moves bytes between fd and t until done(arg) is true and the output is
 * written, the engine ends, or timeout_ms have passed since the call
 * (E_TIMEOUT: a bound on the whole exchange, not on each wait).
 * Returns STRATA_OK when done, else the engine's status (or E_IO). The host
 * key callback must answer at once: a STRATA_PENDING verdict is not waited
 * for (the bytes after it are dropped). */
strata_status cli_ssh_pump(strata_ssh_transport *t, int fd, int timeout_ms, int (*done)(void *arg),
                           void *arg);

#endif
