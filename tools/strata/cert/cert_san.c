/* strata cert: subjectAltName lists, checked before anything is made.
 *
 * An entry is TYPE:VALUE or a bare value whose type is guessed (IP literal,
 * then "@" for email, else DNS). Only the four types the man page names are
 * taken, and each value must be well formed, so a typo is a usage error
 * naming the entry instead of a certificate nobody can match against. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <arpa/inet.h>

#include "cert_util.h"
#include "cli.h"

static int is_ip(const char *s)
{
    unsigned char b[16];
    return inet_pton(AF_INET, s, b) == 1 || inet_pton(AF_INET6, s, b) == 1;
}

/* A host name (RFC 1123 labels: letters, digits, inner hyphens; "_" allowed
 * as in service names), at most 253 characters; with wildcard, "*" may be the
 * whole first label. */
static int is_dns(const char *s, int wildcard)
{
    size_t len = strlen(s);
    if (len == 0 || len > 253)
        return 0;
    if (wildcard && s[0] == '*' && s[1] == '.')
        s += 2;
    size_t label = 0;
    for (const char *p = s;; p++) {
        if (*p == '.' || *p == '\0') {
            if (label == 0 || label > 63 || p[-1] == '-' || p[-label] == '-')
                return 0;
            if (*p == '\0')
                return 1;
            label = 0;
            continue;
        }
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
              *p == '-' || *p == '_'))
            return 0;
        label++;
    }
}

/* local@domain: a local part of printable characters that need no quoting
 * (RFC 5322 dot-atom), a domain that is a host name. */
static int is_email(const char *s)
{
    const char *at = strchr(s, '@');
    if (!at || at == s || strchr(at + 1, '@') || !is_dns(at + 1, 0))
        return 0;
    for (const char *p = s; p < at; p++)
        if (*p <= ' ' || *p >= 127 || strchr("\"(),:;<>[\\]", *p))
            return 0;
    return 1;
}

/* scheme:rest (RFC 3986 §3.1), with no blanks or control characters. */
static int is_uri(const char *s)
{
    const char *c = strchr(s, ':');
    if (!c || c == s || !c[1] || !((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z')))
        return 0;
    for (const char *p = s; p < c; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
              *p == '+' || *p == '-' || *p == '.'))
            return 0;
    for (const char *p = c + 1; *p; p++)
        if ((unsigned char)*p <= ' ' || *p == 127)
            return 0;
    return 1;
}

static const struct san_type {
    const char *prefix;
    const char *what;
    int (*valid)(const char *v);
} san_types[] = {
    {"DNS:", "a DNS name", NULL}, /* is_dns with wildcards */
    {"IP:", "an IP address", is_ip},
    {"email:", "an email address", is_email},
    {"URI:", "a URI", is_uri},
};

/* Appends one entry, typed, to res (cap bytes). */
static int add_entry(char *res, size_t cap, const char *item, int quiet)
{
    const struct san_type *t = NULL;
    const char *v = item;
    for (size_t i = 0; i < sizeof(san_types) / sizeof(san_types[0]); i++) {
        size_t n = strlen(san_types[i].prefix);
        if (!strncasecmp(item, san_types[i].prefix, n)) {
            t = &san_types[i];
            v = item + n;
        }
    }
    if (!t) {
        const char *colon = strchr(item, ':');
        if (is_ip(item))
            t = &san_types[1];
        else if (colon && !strchr(item, '@')) {
            if (!quiet)
                cli_err("--san entry '%s': unknown type '%.*s' (DNS:, IP:, email: or URI:)", item,
                        (int)(colon - item), item);
            return CLI_USAGE;
        } else
            t = strchr(item, '@') ? &san_types[2] : &san_types[0];
    }
    if (!(t->valid ? t->valid(v) : is_dns(v, 1))) {
        if (!quiet)
            cli_err("--san entry '%s' is not %s", item, t->what);
        return CLI_USAGE;
    }
    size_t used = strlen(res);
    snprintf(res + used, cap - used, "%s%s%s", used ? "," : "", t->prefix, v);
    return CLI_OK;
}

static int san_list(const char *const *items, size_t n, int quiet, int ip_or_dns, char **out)
{
    *out = NULL;
    size_t cap = 16;
    for (size_t i = 0; i < n; i++)
        cap += strlen(items[i]) + 8;
    char *res = malloc(cap);
    if (!res) {
        cli_err("out of memory");
        return CLI_FAIL;
    }
    res[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        int rc;
        if (ip_or_dns && !is_ip(items[i]) && !is_dns(items[i], 1)) {
            if (!quiet)
                cli_err("'%s' is not a DNS name or an IP address", items[i]);
            rc = CLI_USAGE;
        } else {
            rc = add_entry(res, cap, items[i], quiet);
        }
        if (rc != CLI_OK) {
            free(res);
            return rc;
        }
    }
    if (!res[0]) {
        free(res);
        if (!quiet)
            cli_err("--san lists no names");
        return CLI_USAGE;
    }
    *out = res;
    return CLI_OK;
}

int cert_san_normalise(const char *in, char **out)
{
    *out = NULL;
    char *copy = strdup(in);
    size_t max = strlen(in) / 2 + 1, n = 0;
    const char **items = calloc(max, sizeof(*items));
    int rc = CLI_FAIL;
    if (!copy || !items) {
        cli_err("out of memory");
        goto out;
    }
    char *save = NULL;
    for (char *item = strtok_r(copy, ",", &save); item && n < max;
         item = strtok_r(NULL, ",", &save)) {
        while (*item == ' ')
            item++;
        for (size_t e = strlen(item); e > 0 && item[e - 1] == ' '; e--)
            item[e - 1] = '\0';
        if (*item)
            items[n++] = item;
    }
    rc = san_list(items, n, 0, 0, out);
out:
    free(items);
    free(copy);
    return rc;
}

int cert_san_from_names(const char *const *names, size_t n, int quiet, char **out)
{
    return san_list(names, n, quiet, 1, out);
}
