/* Shared by strata sftp and strata scp: destinations and prompts. */
#ifndef STRATA_CLI_SFTP_CLI_H
#define STRATA_CLI_SFTP_CLI_H

#include <stddef.h>
#include <stdint.h>

#include "strata/ssh_layer.h"

/* Splits "[user@]host[:path]" or "PREFIX://[user@]host[:port][/path]"
 * (prefix "sftp" or "scp") into *host ("[user@]host", heap) and *path (heap,
 * NULL when none); a URI's port goes to *port. IPv6 addresses go in
 * brackets. -1 when malformed. */
int sftp_cli_split_dest(const char *dest, char **host, char **path, int *port);
/* 1 when an scp operand names a remote file (host:path, scp://...): a colon
 * before any slash, not a bracketed address alone. */
int sftp_cli_is_remote(const char *arg);
/* strata_ssh_layer_config.on_stderr: the remote's stderr to ours. */
void sftp_cli_on_stderr(void *user, const uint8_t *p, size_t n);
/* A file-transfer session channel: lc zeroed, then the remote's stderr to
 * ours and a larger window and packets than an interactive session's. */
void sftp_cli_bulk_channel(strata_ssh_layer_config *lc);
/* The terminal prompt of strata_ssh_session_ui.ask. */
const char *sftp_cli_ask(void *user, const char *prompt, int echo, char *buf, size_t cap);

#endif
