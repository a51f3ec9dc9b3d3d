/* Chain elements for SSH: `ssh:` (an SSH connection over the stream so far)
 * and `direct:HOST:PORT` (a direct-tcpip channel of that connection, which
 * the chain continues over). Rows of the chain table (chain.c). */
#ifndef STRATA_CLI_CHAIN_SSH_H
#define STRATA_CLI_CHAIN_SSH_H

#include "chain.h"

extern const struct chain_opt_def chain_ssh_opts[];
extern const struct chain_opt_def chain_direct_opts[];
int chain_ssh_parse(struct chain_elem *e, strata_buf *body, enum chain_use use, char *err,
                    size_t cap);
strata_status chain_ssh_push(const struct chain_elem *e, strata_stack *s, enum chain_use use,
                             strata_error *err);
int chain_direct_parse(struct chain_elem *e, strata_buf *body, enum chain_use use, char *err,
                       size_t cap);
strata_status chain_direct_push(const struct chain_elem *e, strata_stack *s, enum chain_use use,
                                strata_error *err);

#endif
