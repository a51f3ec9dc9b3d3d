/* Secrets named on the command line: never the secret itself (it would show
 * in `ps`), but where to read it. */
#ifndef STRATA_CLI_SECRET_H
#define STRATA_CLI_SECRET_H

#include <stddef.h>

#define CLI_SECRET_MAX 1024

/* Reads a secret given as "file:PATH" (the file's first line, without its
 * line end) or "env:VAR" (the variable's value). On success returns 0 and
 * sets *out to a heap copy the caller frees with cli_secret_free. On failure
 * returns -1 and writes the problem into err (cap bytes). */
int cli_secret_read(const char *spec, char **out, char *err, size_t cap);
/* Wipes and frees a secret from cli_secret_read; NULL is allowed. */
void cli_secret_free(char *s);

#endif
