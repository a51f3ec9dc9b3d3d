/* Secrets named on the command line: never the secret itself (it would show
 * in `ps`), but where to read it. */
#ifndef STRATA_CLI_SECRET_H
#define STRATA_CLI_SECRET_H

#include <stddef.h>

#include "strata/passphrase.h"

#define CLI_SECRET_MAX 1024

/* Reads a secret given as "file:PATH" (the file's first line, without its
 * line end) or "env:VAR" (the variable's value). On success returns 0 and
 * sets *out to a heap copy the caller frees with cli_secret_free. On failure
 * returns -1 and writes the problem into err (cap bytes). */
int cli_secret_read(const char *spec, char **out, char *err, size_t cap);
/* Wipes and frees a secret from cli_secret_read; NULL is allowed. */
void cli_secret_free(char *s);

/* The CLI's one passphrase prompt, a strata_passphrase_fn (strata/passphrase.h)
 * to plug into the library: asks on the terminal without echo, or through
 * SSH_ASKPASS as OpenSSH does (ssh_tty_prompt), and with verify asks again
 * and refuses a mismatch. user: a struct cli_prompt, borrowed while the
 * strata_passphrase is in use. Library calls it only when the key turns out
 * to be encrypted:
 *   struct cli_prompt p = {"Enter passphrase for key 'k': ", NULL};
 *   strata_passphrase pw = {.fn = cli_passphrase_prompt, .user = &p};
 *   strata_ssh_privkey_load_file_pw("k", &pw, &key, &err); */
struct cli_prompt {
    const char *ask;   /* the prompt */
    const char *again; /* the confirming prompt (verify), may be NULL otherwise */
};
int cli_passphrase_prompt(char *buf, size_t cap, int verify, void *user);

#endif
