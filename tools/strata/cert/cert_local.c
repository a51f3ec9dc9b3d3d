/* strata cert issue NAME...: certificates for development, the mkcert way.
 *
 * The CA is a local one kept in $XDG_DATA_HOME/strata/ca (by default
 * ~/.local/share/strata/ca; directory 0700): rootCA.pem and rootCA-key.pem
 * (0600), made on first use with the same all-or-nothing writes as every
 * other output. The SANs are guessed from the names (an IP literal is an IP
 * SAN, anything else a DNS name, "*.example.com" included), and the files go
 * to the current directory as NAME.pem and NAME-key.pem after the first
 * name, with "*" written "_wildcard" and ":" written "_" (mkcert's names). */
#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>

#include "cert_util.h"
#include "cli.h"

/* mkdir -p with mode 0700 for what it creates. */
static int make_dirs(char *path)
{
    for (char *p = path + 1;; p++) {
        if (*p != '/' && *p != '\0')
            continue;
        char c = *p;
        *p = '\0';
        int r = mkdir(path, 0700);
        int e = errno;
        *p = c;
        if (r != 0 && e != EEXIST) {
            cli_err("cannot create %.*s: %s", (int)(p - path), path, strerror(e));
            return CLI_FAIL;
        }
        if (c == '\0')
            return CLI_OK;
    }
}

/* The local CA's directory, into dir. */
static int ca_dir(char *dir, size_t cap)
{
    const char *xdg = getenv("XDG_DATA_HOME"), *home = getenv("HOME");
    int n;
    if (xdg && xdg[0] == '/') {
        n = snprintf(dir, cap, "%s/strata/ca", xdg);
    } else {
        if (!home || !home[0]) {
            struct passwd *pw = getpwuid(getuid());
            home = pw ? pw->pw_dir : NULL;
        }
        if (!home) {
            cli_err("issue: no home directory for the local CA (set HOME or XDG_DATA_HOME)");
            return CLI_FAIL;
        }
        n = snprintf(dir, cap, "%s/.local/share/strata/ca", home);
    }
    if (n < 0 || (size_t)n >= cap) {
        cli_err("issue: the local CA's path is too long");
        return CLI_FAIL;
    }
    return CLI_OK;
}

/* "user@host" with anything odd in it left out, for the CA's name. */
static void who(char *out, size_t cap)
{
    char host[256] = "localhost", raw[400];
    const char *user = getenv("USER");
    struct passwd *pw = user ? NULL : getpwuid(getuid());
    gethostname(host, sizeof(host) - 1);
    snprintf(raw, sizeof(raw), "%s@%s", user ? user : pw ? pw->pw_name : "user", host);
    size_t j = 0;
    for (size_t i = 0; raw[i] && j + 1 < cap; i++)
        if ((raw[i] >= 'a' && raw[i] <= 'z') || (raw[i] >= 'A' && raw[i] <= 'Z') ||
            (raw[i] >= '0' && raw[i] <= '9') || strchr("@.-_", raw[i]))
            out[j++] = raw[i];
    out[j] = '\0';
}

/* Makes the local CA: an EC P-256 key and a 10-year CA certificate. */
static int ca_create(const char *certp, const char *keyp, strata_x509 **ca, strata_pkey **key)
{
    char id[48], subj[160]; /* a CN holds at most 64 characters */
    who(id, sizeof(id));
    snprintf(subj, sizeof(subj), "/O=strata development CA/OU=%s/CN=strata %s", id, id);
    strata_error err;
    strata_error_clear(&err);
    strata_x509_name *name = NULL;
    struct cert_out o;
    cert_out_init(&o, 0);
    int rc = CLI_FAIL;
    if (strata_x509_name_parse(subj, &name, &err) != STRATA_OK ||
        strata_pkey_generate_spec("ec:p256", key, &err) != STRATA_OK) {
        cert_report("local CA", &err);
        goto out;
    }
    struct cert_params p = {name, *key, NULL, *key, 0, 3650, CERT_USAGE_CA, 0, NULL, NULL};
    if ((rc = cert_build(&p, ca)) != CLI_OK)
        goto out;
    if ((rc = cert_out_key(&o, keyp, *key, NULL)) == CLI_OK &&
        (rc = cert_out_cert(&o, certp, *ca)) == CLI_OK)
        rc = cert_out_commit(&o);
out:
    cert_out_abort(&o);
    strata_x509_name_free(name);
    return rc;
}

/* Loads the local CA, making it on first use. */
static int ca_get(strata_x509 **ca, strata_pkey **key)
{
    char dir[4096], certp[4200], keyp[4200];
    int rc = ca_dir(dir, sizeof(dir));
    if (rc != CLI_OK)
        return rc;
    snprintf(certp, sizeof(certp), "%s/rootCA.pem", dir);
    snprintf(keyp, sizeof(keyp), "%s/rootCA-key.pem", dir);
    int have_cert = access(certp, F_OK) == 0, have_key = access(keyp, F_OK) == 0;
    if (have_cert != have_key) {
        cli_err("the local CA in %s has %s but not %s: remove the directory to start over", dir,
                have_cert ? "rootCA.pem" : "rootCA-key.pem",
                have_cert ? "rootCA-key.pem" : "rootCA.pem");
        return CLI_FAIL;
    }
    if (!have_cert) {
        if ((rc = make_dirs(dir)) != CLI_OK || (rc = ca_create(certp, keyp, ca, key)) != CLI_OK)
            return rc;
        fprintf(stderr, "strata: created a new local CA in %s\n", dir);
        return CLI_OK;
    }
    strata_error err;
    strata_error_clear(&err);
    struct cert_pass pass;
    if ((rc = cert_pass_init(&pass, NULL, NULL, 1, keyp)) != CLI_OK)
        return rc;
    if (strata_x509_load_file(certp, STRATA_PKI_AUTO, ca, &err) != STRATA_OK) {
        cert_report(certp, &err);
        rc = CLI_FAIL;
    } else if ((rc = cert_load_key(keyp, &pass, key)) == CLI_OK &&
               strata_x509_check_private_key(*ca, *key, &err) != STRATA_OK) {
        cli_err("the local CA key %s does not belong to %s", keyp, certp);
        rc = CLI_FAIL;
    }
    cert_pass_clear(&pass);
    if (rc == CLI_OK)
        fprintf(stderr, "strata: using the local CA in %s\n", dir);
    return rc;
}

/* NAME.pem / NAME-key.pem from the first name. */
static void file_names(const char *name, char *cert, char *key, size_t cap)
{
    char base[600];
    size_t j = 0;
    for (size_t i = 0; name[i] && j + 10 < sizeof(base); i++) {
        if (name[i] == '*') {
            memcpy(base + j, "_wildcard", 9);
            j += 9;
        } else {
            base[j++] = name[i] == ':' ? '_' : name[i];
        }
    }
    base[j] = '\0';
    snprintf(cert, cap, "%s.pem", base);
    snprintf(key, cap, "%s-key.pem", base);
}

int cert_issue_local(const char *const *names, size_t n, const char *days, const char *not_before,
                     const char *key_type, enum cert_usage usage, int force)
{
    long ndays;
    time_t nbt = 0;
    char *san = NULL, certp[700], keyp[700], subj[400];
    int rc;
    /* Everything is checked before the CA, a key or a file is made. */
    if ((rc = cert_parse_days(days, 365, &ndays)) != CLI_OK ||
        (not_before && (rc = cert_parse_time(not_before, time(NULL), &nbt)) != CLI_OK) ||
        (rc = cert_san_from_names(names, n, 0, &san)) != CLI_OK)
        return rc;
    file_names(names[0], certp, keyp, sizeof(certp));
    if (cert_check_new(certp, force) != CLI_OK || cert_check_new(keyp, force) != CLI_OK) {
        free(san);
        return CLI_FAIL;
    }
    /* A CN holds at most 64 characters; the SANs are what is checked. */
    snprintf(subj, sizeof(subj), "/O=strata development certificate%s%s",
             strlen(names[0]) <= 64 ? "/CN=" : "", strlen(names[0]) <= 64 ? names[0] : "");
    strata_error err;
    strata_error_clear(&err);
    strata_x509_name *name = NULL;
    strata_x509 *ca = NULL, *x = NULL;
    strata_pkey *cakey = NULL, *k = NULL;
    struct cert_out o;
    cert_out_init(&o, force);
    if (strata_x509_name_parse(subj, &name, &err) != STRATA_OK) {
        cert_report(names[0], &err);
        rc = CLI_USAGE;
        goto out;
    }
    if (strata_pkey_generate_spec(key_type ? key_type : "ec:p256", &k, &err) != STRATA_OK) {
        cert_report("--key-type", &err);
        rc = CLI_USAGE;
        goto out;
    }
    if ((rc = ca_get(&ca, &cakey)) != CLI_OK)
        goto out;
    struct cert_params p = {name, k, ca, cakey, nbt, ndays, usage, -1, san, NULL};
    if ((rc = cert_build(&p, &x)) != CLI_OK)
        goto out;
    if ((rc = cert_out_key(&o, keyp, k, NULL)) != CLI_OK ||
        (rc = cert_out_cert(&o, certp, x)) != CLI_OK || (rc = cert_out_commit(&o)) != CLI_OK)
        goto out;
    fprintf(stderr, "strata: %s for %s; the key is %s\n", certp, san, keyp);
out:
    cert_out_abort(&o);
    strata_x509_name_free(name);
    strata_x509_free(x);
    strata_x509_free(ca);
    strata_pkey_free(k);
    strata_pkey_free(cakey);
    free(san);
    return rc;
}
