/* The onion round of `strata demo`: one loopback TCP connection on which TLS
 * layers are pushed and popped while it lives. */
#ifndef STRATA_CLI_DEMO_ONION_H
#define STRATA_CLI_DEMO_ONION_H

#include <stdint.h>
#include <stdio.h>

#include "strata/stack.h"
#include "strata/tls.h"

/* Runs the round with seg bytes echoed per step; prints a table on stdout.
 * Returns CLI_OK or CLI_FAIL (after printing why). */
int demo_onion_run(uint64_t seg);

/* Describes the round for --help, from the table that drives it. */
void demo_onion_help(FILE *f);

/* Pushes a TLS layer made from ctx on s: a client (SNI and verified name
 * "localhost") or a server. On failure *e says why. */
strata_status demo_onion_push_tls(strata_stack *s, strata_tls_ctx *ctx, int client,
                                  strata_error *e);

#endif
