/* Shared by strata sftp and strata scp: destinations and prompts. */
#ifndef STRATA_CLI_SFTP_CLI_H
#define STRATA_CLI_SFTP_CLI_H

#include <stddef.h>

/* Splits "[user@]host[:path]" or "PREFIX://[user@]host[:port][/path]"
 * (prefix "sftp" or "scp") into *host ("[user@]host", heap) and *path (heap,
 * NULL when none); a URI's port goes to *port. IPv6 addresses go in
 * brackets. -1 when malformed. */
int sftp_cli_split_dest(const char *dest, char **host, char **path, int *port);
/* 1 when an scp operand names a remote file (host:path, scp://...): a colon
 * before any slash, not a bracketed address alone. */
int sftp_cli_is_remote(const char *arg);
/* The argument list of a program run instead of an SSH session (-S
 * program, -D server): words are borrowed, except the destination's parts
 * (owned: sftp_argv_free). */
#define SFTP_ARGV_MAX 128
struct sftp_argv {
    const char *v[SFTP_ARGV_MAX + 1]; /* NULL-terminated */
    size_t n;
    int over; /* a word did not fit */
    char port[16];
    char *user, *host;
};
void sftp_argv_add(struct sftp_argv *a, const char *word);
/* -S: ends a with what OpenSSH's sftp and scp give their ssh program to
 * reach dest ("[user@]host", IPv6 in brackets): the port (port_o: as
 * "-oPort N", sftp's form; else "-p N", scp's) when not 0, "-l USER" when
 * dest has one, then "-s -- HOST subsystem" ("-s" left out when subsystem
 * holds a '/': a server command to run, sftp -s's meaning). -1 when out of
 * memory or words. */
int sftp_argv_ssh_tail(struct sftp_argv *a, const char *dest, int port, int port_o,
                       const char *subsystem);
void sftp_argv_free(struct sftp_argv *a);
/* The terminal prompt of strata_ssh_session_ui.ask. */
const char *sftp_cli_ask(void *user, const char *prompt, int echo, char *buf, size_t cap);

#endif
