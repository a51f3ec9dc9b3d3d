#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_secret.h"
#include "strata/mem.h"
#include "strata/pki.h"

/* A passphrase file is one line; anything this long is not one. */
#define CLI_SECRET_FILE_MAX (64u * 1024u)

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
        /* The first line is the secret; the file is read whole, bounded. */
        strata_buf buf;
        strata_error e;
        strata_error_clear(&e);
        if (strata_pki_read_file_ex(spec + 5, CLI_SECRET_FILE_MAX, STRATA_READ_SECRET, &buf, &e) !=
            STRATA_OK) {
            if (strata_error_errno(&e))
                snprintf(err, cap, "cannot read '%s': %s", spec + 5,
                         strerror(strata_error_errno(&e)));
            else
                snprintf(err, cap, "%s", strata_error_message(&e));
            strata_buf_free(&buf);
            return -1;
        }
        const char *p = (const char *)strata_buf_ptr(&buf);
        size_t n = strata_buf_len(&buf), line = 0;
        while (line < n && p[line] != '\n' && p[line] != '\r')
            line++;
        if (line > CLI_SECRET_MAX) {
            strata_buf_free(&buf);
            snprintf(err, cap, "secret in '%s' is longer than %d bytes", spec + 5, CLI_SECRET_MAX);
            return -1;
        }
        *out = dup_n(p, line);
        strata_buf_free(&buf);
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
