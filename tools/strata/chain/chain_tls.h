/* The tls: chain element (chain_tls.c): one TLS layer, client for
 * `strata connect`, server for `strata listen`, unless role= says which. */
#ifndef STRATA_CLI_CHAIN_TLS_H
#define STRATA_CLI_CHAIN_TLS_H

#include "chain.h"

extern const struct chain_opt_def chain_tls_opts[];
int chain_tls_parse(struct chain_elem *e, strata_buf *body, enum chain_use use, char *err,
                    size_t cap);
strata_status chain_tls_push(const struct chain_elem *e, strata_stack *s, enum chain_use use,
                             strata_error *err);
/* Builds the element's context once (e->state): every later push makes its
 * connection from it, so they share its session cache and ticket keys. */
strata_status chain_tls_prepare(struct chain_elem *e, enum chain_use use, strata_error *err);

#endif
