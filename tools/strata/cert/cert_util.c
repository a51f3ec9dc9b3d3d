/* strata cert: option parsing, passphrases, files and certificate building
 * shared by the verbs. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>

#include "cert_util.h"
#include "strata/mem.h"
#include "cli.h"
#include "cli_secret.h"

static const struct cert_opt *find_opt(const struct cert_opt *opts, const char *name, size_t n)
{
    for (const struct cert_opt *o = opts; o->name; o++) {
        if ((strlen(o->name) == n && !strncmp(o->name, name, n)) ||
            (o->alias && strlen(o->alias) == n && !strncmp(o->alias, name, n)))
            return o;
    }
    return NULL;
}

int cert_parse(int argc, char **argv, const struct cert_opt *opts, const char **pos, size_t maxpos,
               size_t *npos, int *help)
{
    *npos = 0;
    *help = 0;
    int only_pos = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (only_pos || a[0] != '-' || !strcmp(a, "-")) {
            if (*npos >= maxpos) {
                cli_err("%s: unexpected argument '%s'", argv[0], a);
                return CLI_USAGE;
            }
            pos[(*npos)++] = a;
            continue;
        }
        if (!strcmp(a, "--")) {
            only_pos = 1;
            continue;
        }
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            *help = 1;
            return CLI_OK;
        }
        const char *eq = strchr(a, '=');
        size_t n = eq ? (size_t)(eq - a) : strlen(a);
        const struct cert_opt *o = find_opt(opts, a, n);
        if (!o) {
            cli_err("%s: unknown option '%.*s' (see --help)", argv[0], (int)n, a);
            return CLI_USAGE;
        }
        const char *v = "1";
        if (o->has_arg) {
            if (eq)
                v = eq + 1;
            else if (i + 1 < argc)
                v = argv[++i];
            else {
                cli_err("%s: option %s needs a value", argv[0], o->name);
                return CLI_USAGE;
            }
        } else if (eq) {
            cli_err("%s: option %s takes no value", argv[0], o->name);
            return CLI_USAGE;
        }
        if (o->vals) {
            if (*o->n >= o->max) {
                cli_err("%s: too many %s options", argv[0], o->name);
                return CLI_USAGE;
            }
            o->vals[(*o->n)++] = v;
        } else {
            *o->val = v;
        }
    }
    return CLI_OK;
}

int cert_args(int argc, char **argv, const struct cert_opt *opts, const char **pos, size_t maxpos,
              size_t *npos, size_t minpos, const char *usage)
{
    int help, rc = cert_parse(argc, argv, opts, pos, maxpos, npos, &help);
    if (help) {
        fputs(usage, stdout);
        return CLI_OK;
    }
    if (rc != CLI_OK || *npos < minpos) {
        fputs(usage, stderr);
        return CLI_USAGE;
    }
    return -1;
}

int cert_pass_init(struct cert_pass *p, const char *file, const char *env, int prompt,
                   const char *label)
{
    memset(p, 0, sizeof(*p));
    snprintf(p->label, sizeof(p->label), "%s", label);
    const char *src = NULL;
    if (file && env) {
        cli_err("give the passphrase either in a file or in the environment, not both");
        return CLI_USAGE;
    }
    if (file) {
        size_t n;
        strata_error err;
        strata_error_clear(&err);
        if (strata_passphrase_read_file(file, p->fixed, sizeof(p->fixed), &n, &err) != STRATA_OK) {
            if (strata_error_errno(&err))
                cli_err("cannot open passphrase file %s: %s", file,
                        strerror(strata_error_errno(&err)));
            else
                cli_err("passphrase file %s: %s", file, strata_error_message(&err));
            return CLI_FAIL;
        }
        src = p->fixed;
    } else if (env) {
        const char *v = getenv(env);
        if (!v) {
            cli_err("environment variable %s is not set", env);
            return CLI_USAGE;
        }
        snprintf(p->fixed, sizeof(p->fixed), "%s", v);
        src = p->fixed;
    }
    if (src) {
        p->pw.pass = p->fixed;
        p->pw.len = strlen(p->fixed);
        p->have = 1;
    } else if (prompt) {
        snprintf(p->ask, sizeof(p->ask), "Passphrase for %s: ", p->label);
        snprintf(p->again, sizeof(p->again), "Repeat the passphrase for %s: ", p->label);
        p->prompt.ask = p->ask;
        p->prompt.again = p->again;
        p->pw.fn = cli_passphrase_prompt;
        p->pw.user = &p->prompt;
        p->have = 1;
    }
    return CLI_OK;
}

const strata_passphrase *cert_pass_get(struct cert_pass *p)
{
    return p->have ? &p->pw : NULL;
}

void cert_pass_clear(struct cert_pass *p)
{
    strata_memzero(p->fixed, sizeof(p->fixed));
}

void cert_report(const char *what, const strata_error *err)
{
    char buf[1024];
    cli_err("%s: %s", what, strata_error_format(err, buf, sizeof(buf)));
}

int cert_load_key(const char *path, struct cert_pass *pass, strata_pkey **out)
{
    strata_error err;
    strata_error_clear(&err);
    if (strata_pkey_load_private_file(path, STRATA_PKI_AUTO, cert_pass_get(pass), out, &err) !=
        STRATA_OK) {
        cert_report(path, &err);
        return CLI_FAIL;
    }
    return CLI_OK;
}

static int add_ext(strata_x509 *x, const char *name, int crit, const char *value,
                   const strata_x509 *issuer)
{
    strata_x509_ext *e = NULL;
    strata_error err;
    strata_error_clear(&err);
    if (strata_x509_ext_new(name, crit, value, x, issuer ? issuer : x, &e, &err) != STRATA_OK ||
        strata_x509_add_ext(x, e, &err) != STRATA_OK) {
        strata_x509_ext_free(e);
        cert_report(name, &err);
        return CLI_FAIL;
    }
    strata_x509_ext_free(e);
    return CLI_OK;
}

/* The digest that suits the signing key: none for EdDSA, SHA-384/512 for the
 * larger curves, else SHA-256. */
static const char *digest_for(const strata_pkey *k)
{
    strata_pkey_type t = strata_pkey_get_type(k);
    if (t == STRATA_PKEY_ED25519 || t == STRATA_PKEY_ED448)
        return NULL;
    const char *c = strata_pkey_curve(k);
    if (c && !strcmp(c, "P-384"))
        return "SHA384";
    if (c && !strcmp(c, "P-521"))
        return "SHA512";
    return "SHA256";
}

int cert_build(const struct cert_params *p, strata_x509 **out)
{
    *out = NULL;
    strata_error err;
    strata_error_clear(&err);
    strata_x509 *x = NULL;
    strata_x509_name *issuer_name = NULL;
    int rc = CLI_FAIL;
    time_t nb = p->not_before ? p->not_before : time(NULL);
    if (p->days <= 0 || p->days > 36500) {
        cli_err("--days %ld is not within 1..36500", p->days);
        return CLI_USAGE;
    }
    if (strata_x509_new(&x, &err) != STRATA_OK ||
        strata_x509_set_version(x, STRATA_X509_V3, &err) != STRATA_OK ||
        strata_x509_set_serial_random(x, &err) != STRATA_OK ||
        strata_x509_set_subject(x, p->subject, &err) != STRATA_OK ||
        strata_x509_set_pubkey(x, p->pubkey, &err) != STRATA_OK ||
        strata_x509_gmtime_adj_not_before(x, nb, 0, &err) != STRATA_OK ||
        strata_x509_gmtime_adj_not_after(x, nb, p->days * 86400L, &err) != STRATA_OK)
        goto fail;
    if (p->issuer) {
        if (strata_x509_get_subject(p->issuer, &issuer_name, &err) != STRATA_OK ||
            strata_x509_set_issuer(x, issuer_name, &err) != STRATA_OK)
            goto fail;
    } else if (strata_x509_set_issuer(x, p->subject, &err) != STRATA_OK) {
        goto fail;
    }
    if (add_ext(x, "subjectKeyIdentifier", 0, "hash", NULL) != CLI_OK ||
        add_ext(x, "authorityKeyIdentifier", 0, "keyid:always", p->issuer) != CLI_OK)
        goto out;
    if (p->usage == CERT_USAGE_CA) {
        char bc[48];
        if (p->pathlen >= 0)
            snprintf(bc, sizeof(bc), "CA:TRUE,pathlen:%d", p->pathlen);
        else
            snprintf(bc, sizeof(bc), "CA:TRUE");
        if (add_ext(x, "basicConstraints", 1, bc, NULL) != CLI_OK ||
            add_ext(x, "keyUsage", 1, "keyCertSign,cRLSign,digitalSignature", NULL) != CLI_OK)
            goto out;
    } else {
        int rsa = strata_pkey_get_type(p->pubkey) == STRATA_PKEY_RSA;
        const char *eku = p->usage == CERT_USAGE_SERVER   ? "serverAuth"
                          : p->usage == CERT_USAGE_CLIENT ? "clientAuth"
                                                          : "serverAuth,clientAuth";
        if (add_ext(x, "basicConstraints", 1, "CA:FALSE", NULL) != CLI_OK ||
            add_ext(x, "keyUsage", 1, rsa ? "digitalSignature,keyEncipherment" : "digitalSignature",
                    NULL) != CLI_OK ||
            add_ext(x, "extendedKeyUsage", 0, eku, NULL) != CLI_OK)
            goto out;
    }
    if (p->san && add_ext(x, "subjectAltName", 0, p->san, NULL) != CLI_OK)
        goto out;
    if (p->san_ext && strata_x509_add_ext(x, p->san_ext, &err) != STRATA_OK)
        goto fail;
    if (strata_x509_sign(x, p->issuer_key, digest_for(p->issuer_key), &err) != STRATA_OK)
        goto fail;
    *out = x;
    x = NULL;
    rc = CLI_OK;
    goto out;
fail:
    cert_report("building the certificate", &err);
out:
    strata_x509_name_free(issuer_name);
    strata_x509_free(x);
    return rc;
}

int cert_parse_days(const char *s, long dflt, long *out)
{
    *out = dflt;
    if (!s)
        return CLI_OK;
    char *end;
    long v = strtol(s, &end, 10);
    if (!*s || *end || v < 1 || v > 36500) {
        cli_err("--days %s is not a number within 1..36500", s);
        return CLI_USAGE;
    }
    *out = v;
    return CLI_OK;
}

int cert_parse_time(const char *s, time_t now, time_t *out)
{
    char *end;
    long long v;
    struct tm tm;
    memset(&tm, 0, sizeof(tm));
    if ((s[0] == '-' || s[0] == '+') && s[1] >= '0' && s[1] <= '9') {
        v = strtoll(s + 1, &end, 10);
        const char *units = "smhd";
        static const long long mult[] = {1, 60, 3600, 86400};
        const char *u = *end ? strchr(units, *end) : NULL;
        if (u && !end[1] && v <= 36500LL * 86400) {
            long long d = v * mult[u - units];
            *out = (time_t)(s[0] == '-' ? (long long)now - d : (long long)now + d);
            return CLI_OK;
        }
    } else if (s[0] == '@' && s[1] >= '0' && s[1] <= '9') {
        v = strtoll(s + 1, &end, 10);
        if (!*end) {
            *out = (time_t)v;
            return CLI_OK;
        }
    } else if ((end = strptime(s, "%Y-%m-%d", &tm)) != NULL &&
               (!*end || ((end = strptime(end, "T%H:%M:%SZ", &tm)) != NULL && !*end))) {
        *out = timegm(&tm);
        return CLI_OK;
    }
    cli_err("--not-before %s is not a time (-2d, +1h, -30m, @UNIX_TIME, YYYY-MM-DD or "
            "YYYY-MM-DDTHH:MM:SSZ)",
            s);
    return CLI_USAGE;
}

strata_status cert_read_file(const char *path, strata_buf *out, strata_error *err)
{
    if (strcmp(path, "-") != 0)
        return strata_pki_read_file(path, out, 1, err);
    return strata_pki_read_stream(stdin, "standard input", out, 1, err);
}
