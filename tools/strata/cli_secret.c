#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_secret.h"
#include "strata/mem.h"

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
        FILE *f = fopen(spec + 5, "rb");
        if (!f) {
            snprintf(err, cap, "cannot read '%s': %s", spec + 5, strerror(errno));
            return -1;
        }
        char buf[CLI_SECRET_MAX + 2];
        size_t n = fread(buf, 1, sizeof(buf), f);
        fclose(f);
        size_t line = 0;
        while (line < n && buf[line] != '\n' && buf[line] != '\r')
            line++;
        if (line > CLI_SECRET_MAX) {
            strata_memzero(buf, sizeof(buf));
            snprintf(err, cap, "secret in '%s' is longer than %d bytes", spec + 5, CLI_SECRET_MAX);
            return -1;
        }
        *out = dup_n(buf, line);
        strata_memzero(buf, sizeof(buf));
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
