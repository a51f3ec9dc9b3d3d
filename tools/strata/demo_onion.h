/* The onion round of `strata demo`: one loopback TCP connection on which TLS
 * layers are pushed and popped while it lives. */
#ifndef STRATA_CLI_DEMO_ONION_H
#define STRATA_CLI_DEMO_ONION_H

#include <stdint.h>

/* Runs the round with seg bytes echoed per step; prints a table on stdout.
 * Returns CLI_OK or CLI_FAIL (after printing why). */
int demo_onion_run(uint64_t seg);

#endif
