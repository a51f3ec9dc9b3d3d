#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_secret.h"
#include "strata/mem.h"
#include "strata/passphrase.h"
#include "cli.h"
#include "ssh_tty.h"

static char *dup_n(const char *p, size_t n)
{
    char *s = malloc(n + 1);
    if (s) {
        memcpy(s, p, n);
        s[n] = '\0';
    }
    return s;
}

int cli_secret_read(const char *spec, char **out, char *err, size_t cap)
{
    *out = NULL;
    if (!strncmp(spec, "env:", 4)) {
        const char *v = getenv(spec + 4);
        if (!spec[4] || !v) {
            snprintf(err, cap, "environment variable '%s' is not set", spec + 4);
            return -1;
        }
        if (strlen(v) > CLI_SECRET_MAX) {
            snprintf(err, cap, "secret in '%s' is longer than %d bytes", spec + 4, CLI_SECRET_MAX);
            return -1;
        }
        *out = dup_n(v, strlen(v));
    } else if (!strncmp(spec, "file:", 5)) {
        /* The first line is the secret: the library's passphrase file reader. */
        char buf[CLI_SECRET_MAX + 1];
        size_t n;
        strata_error e;
        strata_error_clear(&e);
        strata_status r = strata_passphrase_read_file(spec + 5, buf, sizeof(buf), &n, &e);
        if (r == STRATA_OK)
            *out = dup_n(buf, n);
        strata_memzero(buf, sizeof(buf));
        if (r == STRATA_E_LIMIT)
            return cli_errf(err, cap, "secret in '%s' is longer than %d bytes", spec + 5,
                            CLI_SECRET_MAX);
        if (r != STRATA_OK && strata_error_errno(&e))
            return cli_errf(err, cap, "cannot read '%s': %s", spec + 5,
                            strerror(strata_error_errno(&e)));
        if (r != STRATA_OK)
            return cli_errf(err, cap, "%s", strata_error_message(&e));
    } else {
        snprintf(err, cap, "a secret is given as file:PATH or env:VAR, not inline");
        return -1;
    }
    if (!*out) {
        snprintf(err, cap, "out of memory");
        return -1;
    }
    return 0;
}

void cli_secret_free(char *s)
{
    if (s)
        strata_free_secret(s, strlen(s));
}

int cli_passphrase_prompt(char *buf, size_t cap, int verify, void *user)
{
    const struct cli_prompt *p = user;
    char first[STRATA_PASSPHRASE_MAX + 2], again[STRATA_PASSPHRASE_MAX + 2];
    int n = -1;
    if (ssh_tty_prompt(p->ask, 0, first, sizeof(first))) {
        size_t len = strlen(first);
        n = len <= cap ? (int)len : -1;
    }
    if (n >= 0 && verify) {
        const char *second = ssh_tty_prompt(p->again ? p->again : p->ask, 0, again, sizeof(again));
        if (!second || strcmp(second, first) != 0) {
            cli_err("the passphrases do not match");
            n = -1;
        }
    }
    if (n >= 0)
        memcpy(buf, first, (size_t)n);
    strata_memzero(first, sizeof(first));
    strata_memzero(again, sizeof(again));
    return n;
}
