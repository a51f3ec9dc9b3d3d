/* strata cert: keys, CAs, certificates, CSRs, PKCS#12 - for every TLS test,
 * demo and deployment. Verbs that make things are here; show / verify are in
 * cert_show.c and p12 in cert_p12.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cert_util.h"
#include "cli.h"

static long parse_num(const char *s)
{
    char *end;
    long v = strtol(s, &end, 10);
    return (*s && !*end) ? v : -1;
}

static int parse_subject(const char *s, strata_x509_name **out)
{
    strata_error err;
    strata_error_clear(&err);
    if (!s) {
        cli_err("--subject is required (e.g. --subject \"/CN=Example CA\")");
        return CLI_USAGE;
    }
    if (strata_x509_name_parse(s, out, &err) != STRATA_OK) {
        cert_report("--subject", &err);
        return CLI_USAGE;
    }
    return CLI_OK;
}

/* ---- key ------------------------------------------------------------------ */

static const char key_usage[] =
    "usage: strata cert key [--type TYPE] -o KEY [--passphrase-file F | --passphrase-env VAR |\n"
    "                       --encrypt] [--force]\n\n"
    "Generates a private key and writes it as PKCS#8 PEM, mode 0600.\n"
    "  --type TYPE   ed25519 | ed448 | ec:p256 | ec:p384 | ec:p521 | rsa:BITS | dsa:BITS\n"
    "                (default ec:p256)\n"
    "  --passphrase-file F, --passphrase-env VAR\n"
    "                encrypt the key (AES-256-CBC, PBKDF2) with that passphrase\n"
    "  --encrypt     encrypt with a passphrase asked on the terminal (twice)\n"
    "  --force       overwrite KEY if it exists\n";

static int verb_key(int argc, char **argv)
{
    const char *type = NULL, *outp = NULL, *pf = NULL, *pe = NULL, *enc = NULL, *force = NULL;
    const struct cert_opt opts[] = {
        CERT_ARG("--type", "-t", type),
        CERT_ARG("--out", "-o", outp),
        CERT_ARG("--passphrase-file", NULL, pf),
        CERT_ARG("--passphrase-env", NULL, pe),
        CERT_FLAG("--encrypt", NULL, enc),
        CERT_FLAG("--force", "-f", force),
        CERT_END,
    };
    const char *pos[1];
    size_t npos;
    int rc = cert_args(argc, argv, opts, pos, 0, &npos, 0, key_usage);
    if (rc >= 0)
        return rc;
    if (!outp) {
        cli_err("key: -o KEY is required");
        return CLI_USAGE;
    }
    if (cert_check_new(outp, force != NULL) != CLI_OK)
        return CLI_FAIL;
    struct cert_pass pass;
    if ((rc = cert_pass_init(&pass, pf, pe, enc != NULL, outp)) != CLI_OK)
        return rc;
    strata_pkey *k = NULL;
    strata_error err;
    strata_error_clear(&err);
    struct cert_out o;
    cert_out_init(&o, force != NULL);
    strata_status st = strata_pkey_generate_spec(type ? type : "ec:p256", &k, &err);
    if (st != STRATA_OK) {
        cert_report("key", &err);
        rc = strata_status_category(st) == STRATA_CAT_USAGE ? CLI_USAGE : CLI_FAIL;
    } else if ((rc = cert_out_key(&o, outp, k, cert_pass_get(&pass))) == CLI_OK) {
        rc = cert_out_commit(&o);
    }
    cert_out_abort(&o);
    strata_pkey_free(k);
    cert_pass_clear(&pass);
    return rc;
}

/* Whether key_or_new will make a new key at path. */
static int key_is_new(const char *path, const char *type, int force)
{
    return access(path, F_OK) != 0 || (type && force);
}

/* Loads KEY, or generates one of type and stages it in o for KEY when KEY
 * does not exist (so `issue --key new.key` needs no separate `key` step). */
static int key_or_new(const char *path, const char *type, struct cert_pass *pass,
                      struct cert_out *o, strata_pkey **out)
{
    if (!key_is_new(path, type, o->force))
        return cert_load_key(path, pass, out);
    strata_error err;
    strata_error_clear(&err);
    if (strata_pkey_generate_spec(type ? type : "ec:p256", out, &err) != STRATA_OK) {
        cert_report("key", &err);
        return CLI_USAGE;
    }
    /* A new key is encrypted only with a passphrase given up front; the
     * terminal prompt is for reading keys. */
    int rc = cert_out_key(o, path, *out, pass->pw.pass ? &pass->pw : NULL);
    if (rc != CLI_OK) {
        strata_pkey_free(*out);
        *out = NULL;
    }
    return rc;
}

/* ---- ca ------------------------------------------------------------------- */

static const char ca_usage[] =
    "usage: strata cert ca --subject \"/CN=Example CA\" --key KEY -o CERT [--days N]\n"
    "                      [--not-before TIME] [--key-type TYPE] [--pathlen N]\n"
    "                      [--passphrase-file F | --passphrase-env VAR] [--force]\n"
    "                      [--ca CERT --ca-key KEY [--ca-passphrase-file F |\n"
    "                      --ca-passphrase-env VAR]]\n\n"
    "Makes a self-signed CA certificate (basicConstraints CA:TRUE, keyUsage\n"
    "keyCertSign,cRLSign,digitalSignature, both critical), or with --ca/--ca-key\n"
    "an intermediate CA signed by that CA. KEY is generated (--key-type, default\n"
    "ec:p256) when it does not exist. --days defaults to 3650, counted from\n"
    "--not-before (default now; e.g. -2d, @UNIX_TIME, 2024-01-31T12:00:00Z).\n";

static int load_ca(const char *cap, const char *cak, const char *pf, const char *pe,
                   strata_x509 **ca, strata_pkey **cakey);

static int verb_ca(int argc, char **argv)
{
    const char *subj = NULL, *keyp = NULL, *outp = NULL, *days = NULL, *kt = NULL, *pl = NULL,
               *pf = NULL, *pe = NULL, *force = NULL, *cap = NULL, *cak = NULL, *cpf = NULL,
               *cpe = NULL, *nb = NULL;
    const struct cert_opt opts[] = {
        CERT_ARG("--ca", NULL, cap),
        CERT_ARG("--ca-key", NULL, cak),
        CERT_ARG("--ca-passphrase-file", NULL, cpf),
        CERT_ARG("--ca-passphrase-env", NULL, cpe),
        CERT_ARG("--subject", "-s", subj),
        CERT_ARG("--key", "-k", keyp),
        CERT_ARG("--out", "-o", outp),
        CERT_ARG("--days", NULL, days),
        CERT_ARG("--not-before", NULL, nb),
        CERT_ARG("--key-type", NULL, kt),
        CERT_ARG("--pathlen", NULL, pl),
        CERT_ARG("--passphrase-file", NULL, pf),
        CERT_ARG("--passphrase-env", NULL, pe),
        CERT_FLAG("--force", "-f", force),
        CERT_END,
    };
    const char *pos[1];
    size_t npos;
    int rc = cert_args(argc, argv, opts, pos, 0, &npos, 0, ca_usage);
    if (rc >= 0)
        return rc;
    if (!keyp || !outp || (!cap != !cak)) {
        cli_err("ca: --key KEY and -o CERT are required (and --ca with --ca-key)");
        return CLI_USAGE;
    }
    /* Everything is checked before a key is made or a file written. */
    long pathlen = pl ? parse_num(pl) : -1, ndays;
    time_t nbt = 0;
    if (pl && (pathlen < 0 || pathlen > 100)) {
        cli_err("ca: --pathlen %s is not a number within 0..100", pl);
        return CLI_USAGE;
    }
    if ((rc = cert_parse_days(days, 3650, &ndays)) != CLI_OK ||
        (nb && (rc = cert_parse_time(nb, time(NULL), &nbt)) != CLI_OK))
        return rc;
    if (cert_check_new(outp, force != NULL) != CLI_OK ||
        (key_is_new(keyp, kt, force != NULL) && cert_check_new(keyp, force != NULL) != CLI_OK))
        return CLI_FAIL;
    strata_x509_name *name = NULL;
    if ((rc = parse_subject(subj, &name)) != CLI_OK)
        return rc;
    struct cert_pass pass;
    memset(&pass, 0, sizeof(pass));
    struct cert_out o;
    cert_out_init(&o, force != NULL);
    strata_pkey *k = NULL, *cakey = NULL;
    strata_x509 *x = NULL, *ca = NULL;
    if (cap && (rc = load_ca(cap, cak, cpf, cpe, &ca, &cakey)) != CLI_OK)
        goto out;
    if ((rc = cert_pass_init(&pass, pf, pe, 1, keyp)) != CLI_OK)
        goto out;
    if ((rc = key_or_new(keyp, kt, &pass, &o, &k)) != CLI_OK)
        goto out;
    struct cert_params p = {name,         k,    ca,  ca ? cakey : k, nbt, ndays, CERT_USAGE_CA,
                            (int)pathlen, NULL, NULL};
    if ((rc = cert_build(&p, &x)) == CLI_OK && (rc = cert_out_cert(&o, outp, x)) == CLI_OK)
        rc = cert_out_commit(&o);
out:
    cert_out_abort(&o);
    cert_pass_clear(&pass);
    strata_x509_free(x);
    strata_x509_free(ca);
    strata_pkey_free(k);
    strata_pkey_free(cakey);
    strata_x509_name_free(name);
    return rc;
}

/* ---- issue / sign ------------------------------------------------------------ */

static const char issue_usage[] =
    "usage: strata cert issue NAME... [--days N] [--not-before TIME] [--key-type TYPE]\n"
    "                         [--server|--client] [--force]\n"
    "       strata cert issue --ca CERT --ca-key KEY --subject \"/CN=localhost\"\n"
    "                         [--san DNS:localhost,IP:127.0.0.1] [--server|--client]\n"
    "                         --key KEY -o CERT [--days N] [--not-before TIME]\n"
    "                         [--key-type TYPE] [--ca-passphrase-file F |\n"
    "                         --ca-passphrase-env VAR] [--passphrase-file F |\n"
    "                         --passphrase-env VAR] [--force]\n\n"
    "With NAMEs (host names or IP addresses, *.example.com allowed), as mkcert:\n"
    "issues from the local CA in $XDG_DATA_HOME/strata/ca (~/.local/share/strata/ca),\n"
    "made on first use, a certificate for those names (an IP address is an IP SAN,\n"
    "else a DNS name), written to NAME.pem and NAME-key.pem here after the first\n"
    "NAME ('*' becomes '_wildcard').\n\n"
    "Otherwise issues a certificate signed by the CA. KEY is the subject's key; it\n"
    "is generated (--key-type, default ec:p256) when it does not exist. --san\n"
    "takes DNS names, IP addresses, email addresses and URIs, with or without a\n"
    "type (localhost,127.0.0.1 works); without --san the CN is used when it is a\n"
    "host name or address. --server / --client pick extendedKeyUsage (default:\n"
    "both). --days defaults to 365, counted from --not-before (default now;\n"
    "-2d, +1h, -30m, @UNIX_TIME, 2024-01-31 or 2024-01-31T12:00:00Z).\n";

static const char sign_usage[] =
    "usage: strata cert sign --ca CERT --ca-key KEY --csr CSR -o CERT [--days N]\n"
    "                        [--not-before TIME] [--san LIST] [--server|--client]\n"
    "                        [--ca-passphrase-file F |\n"
    "                        --ca-passphrase-env VAR] [--force]\n\n"
    "Signs a certificate request after checking its signature. The subject and\n"
    "public key come from the CSR, and its subjectAltName unless --san is given.\n";

static int load_ca(const char *cap, const char *cak, const char *pf, const char *pe,
                   strata_x509 **ca, strata_pkey **cakey)
{
    strata_error err;
    strata_error_clear(&err);
    if (strata_x509_load_file(cap, STRATA_PKI_AUTO, ca, &err) != STRATA_OK) {
        cert_report(cap, &err);
        return CLI_FAIL;
    }
    struct cert_pass pass;
    int rc = cert_pass_init(&pass, pf, pe, 1, cak);
    if (rc == CLI_OK)
        rc = cert_load_key(cak, &pass, cakey);
    cert_pass_clear(&pass);
    if (rc == CLI_OK && strata_x509_check_private_key(*ca, *cakey, &err) != STRATA_OK) {
        cli_err("the CA key %s does not belong to the CA certificate %s", cak, cap);
        rc = CLI_FAIL;
    }
    return rc;
}

/* A SAN for a leaf: the --san list, else the subject's CN when it is a DNS
 * name or an IP address. */
static int leaf_san(const char *san, const strata_x509_name *name, char **out)
{
    *out = NULL;
    if (san)
        return cert_san_normalise(san, out);
    char *cn = NULL;
    if (strata_x509_name_get(name, "CN", &cn, NULL) != STRATA_OK || !cn)
        return CLI_OK; /* no CN either: no SAN */
    const char *names[1] = {cn};
    if (cert_san_from_names(names, 1, 1, out) != CLI_OK)
        *out = NULL; /* a CN such as "Example Server" names no host */
    strata_pki_free_string(cn);
    return CLI_OK;
}

static enum cert_usage leaf_usage(const char *server, const char *client)
{
    if (server && !client)
        return CERT_USAGE_SERVER;
    if (client && !server)
        return CERT_USAGE_CLIENT;
    return CERT_USAGE_BOTH;
}

static int verb_issue_or_sign(int argc, char **argv, int from_csr)
{
    const char *cap = NULL, *cak = NULL, *subj = NULL, *san = NULL, *server = NULL, *client = NULL,
               *keyp = NULL, *outp = NULL, *days = NULL, *kt = NULL, *cpf = NULL, *cpe = NULL,
               *pf = NULL, *pe = NULL, *force = NULL, *csrp = NULL, *nb = NULL;
    const struct cert_opt opts[] = {
        CERT_ARG("--ca", NULL, cap),
        CERT_ARG("--ca-key", NULL, cak),
        CERT_ARG("--subject", "-s", subj),
        CERT_ARG("--san", NULL, san),
        CERT_FLAG("--server", NULL, server),
        CERT_FLAG("--client", NULL, client),
        CERT_ARG("--key", "-k", keyp),
        CERT_ARG("--csr", NULL, csrp),
        CERT_ARG("--out", "-o", outp),
        CERT_ARG("--days", NULL, days),
        CERT_ARG("--not-before", NULL, nb),
        CERT_ARG("--key-type", NULL, kt),
        CERT_ARG("--ca-passphrase-file", NULL, cpf),
        CERT_ARG("--ca-passphrase-env", NULL, cpe),
        CERT_ARG("--passphrase-file", NULL, pf),
        CERT_ARG("--passphrase-env", NULL, pe),
        CERT_FLAG("--force", "-f", force),
        CERT_END,
    };
    const char *pos[64];
    size_t npos;
    int rc = cert_args(argc, argv, opts, pos, from_csr ? 0 : 64, &npos, 0,
                       from_csr ? sign_usage : issue_usage);
    if (rc >= 0)
        return rc;
    if (npos > 0) {
        /* issue NAME...: the mkcert way, from the default local CA. */
        if (cap || cak || subj || san || keyp || outp || cpf || cpe || pf || pe) {
            cli_err("issue: NAME... takes only --days, --not-before, --key-type, --server, "
                    "--client and --force (the other options are for issuing with --ca)");
            return CLI_USAGE;
        }
        return cert_issue_local(pos, npos, days, nb, kt, leaf_usage(server, client), force != NULL);
    }
    if (!cap || !cak || !outp || (from_csr ? !csrp : !keyp)) {
        cli_err("%s: --ca, --ca-key, %s and -o are required%s", argv[0],
                from_csr ? "--csr" : "--key", from_csr ? "" : " (or NAME...: see --help)");
        return CLI_USAGE;
    }
    /* Everything is checked before a key is made or a file written. */
    long ndays;
    time_t nbt = 0;
    if ((rc = cert_parse_days(days, 365, &ndays)) != CLI_OK ||
        (nb && (rc = cert_parse_time(nb, time(NULL), &nbt)) != CLI_OK))
        return rc;
    if (cert_check_new(outp, force != NULL) != CLI_OK ||
        (!from_csr && key_is_new(keyp, kt, force != NULL) &&
         cert_check_new(keyp, force != NULL) != CLI_OK))
        return CLI_FAIL;
    strata_x509_name *name = NULL;
    strata_x509 *ca = NULL, *x = NULL;
    strata_pkey *cakey = NULL, *k = NULL;
    strata_x509_req *req = NULL;
    strata_x509_ext *san_ext = NULL;
    char *sanv = NULL;
    struct cert_pass pass;
    memset(&pass, 0, sizeof(pass));
    struct cert_out o;
    cert_out_init(&o, force != NULL);
    strata_error err;
    strata_error_clear(&err);
    if (!from_csr && ((rc = parse_subject(subj, &name)) != CLI_OK ||
                      (rc = leaf_san(san, name, &sanv)) != CLI_OK))
        goto out;
    if (from_csr && san && (rc = cert_san_normalise(san, &sanv)) != CLI_OK)
        goto out;
    if ((rc = load_ca(cap, cak, cpf, cpe, &ca, &cakey)) != CLI_OK)
        goto out;
    if (from_csr) {
        if (strata_x509_req_load_file(csrp, STRATA_PKI_AUTO, &req, &err) != STRATA_OK ||
            strata_x509_req_verify(req, NULL, &err) != STRATA_OK ||
            strata_x509_req_get_subject(req, &name, &err) != STRATA_OK ||
            strata_x509_req_get_pubkey(req, &k, &err) != STRATA_OK) {
            cert_report(csrp, &err);
            rc = CLI_FAIL;
            goto out;
        }
        if (!san) {
            /* The subjectAltName the CSR asks for, copied; else its CN. */
            for (size_t i = 0; i < strata_x509_req_ext_count(req) && !san_ext; i++) {
                strata_x509_ext *e = NULL;
                if (strata_x509_req_get_ext(req, i, &e, NULL) == STRATA_OK &&
                    !strcmp(strata_x509_ext_short_name(e), "subjectAltName"))
                    san_ext = e;
                else
                    strata_x509_ext_free(e);
            }
            if (!san_ext && (rc = leaf_san(NULL, name, &sanv)) != CLI_OK)
                goto out;
        }
    } else if ((rc = cert_pass_init(&pass, pf, pe, 1, keyp)) != CLI_OK ||
               (rc = key_or_new(keyp, kt, &pass, &o, &k)) != CLI_OK) {
        goto out;
    }
    struct cert_params p = {name, k,    ca,     cakey, nbt, ndays, leaf_usage(server, client),
                            -1,   sanv, san_ext};
    if ((rc = cert_build(&p, &x)) == CLI_OK && (rc = cert_out_cert(&o, outp, x)) == CLI_OK)
        rc = cert_out_commit(&o);
out:
    cert_out_abort(&o);
    cert_pass_clear(&pass);
    free(sanv);
    strata_x509_ext_free(san_ext);
    strata_x509_req_free(req);
    strata_x509_free(x);
    strata_x509_free(ca);
    strata_pkey_free(cakey);
    strata_pkey_free(k);
    strata_x509_name_free(name);
    return rc;
}

static int verb_issue(int argc, char **argv)
{
    return verb_issue_or_sign(argc, argv, 0);
}

static int verb_sign(int argc, char **argv)
{
    return verb_issue_or_sign(argc, argv, 1);
}

/* ---- csr ------------------------------------------------------------------ */

static const char csr_usage[] =
    "usage: strata cert csr --key KEY --subject \"/CN=host\" [--san LIST] -o CSR\n"
    "                       [--key-type TYPE] [--passphrase-file F | --passphrase-env VAR]\n"
    "                       [--force]\n\n"
    "Makes a PKCS#10 certificate request signed with KEY (generated when it does\n"
    "not exist), asking for the --san names as subjectAltName.\n";

static int verb_csr(int argc, char **argv)
{
    const char *keyp = NULL, *subj = NULL, *san = NULL, *outp = NULL, *kt = NULL, *pf = NULL,
               *pe = NULL, *force = NULL;
    const struct cert_opt opts[] = {
        CERT_ARG("--key", "-k", keyp),
        CERT_ARG("--subject", "-s", subj),
        CERT_ARG("--san", NULL, san),
        CERT_ARG("--out", "-o", outp),
        CERT_ARG("--key-type", NULL, kt),
        CERT_ARG("--passphrase-file", NULL, pf),
        CERT_ARG("--passphrase-env", NULL, pe),
        CERT_FLAG("--force", "-f", force),
        CERT_END,
    };
    const char *pos[1];
    size_t npos;
    int rc = cert_args(argc, argv, opts, pos, 0, &npos, 0, csr_usage);
    if (rc >= 0)
        return rc;
    if (!keyp || !outp) {
        cli_err("csr: --key KEY and -o CSR are required");
        return CLI_USAGE;
    }
    if (cert_check_new(outp, force != NULL) != CLI_OK ||
        (key_is_new(keyp, kt, force != NULL) && cert_check_new(keyp, force != NULL) != CLI_OK))
        return CLI_FAIL;
    strata_x509_name *name = NULL;
    strata_pkey *k = NULL;
    strata_x509_req *req = NULL;
    strata_x509_ext *e = NULL;
    char *sanv = NULL;
    struct cert_pass pass;
    memset(&pass, 0, sizeof(pass));
    struct cert_out o;
    cert_out_init(&o, force != NULL);
    strata_buf b;
    strata_buf_init(&b, 0);
    strata_error err;
    strata_error_clear(&err);
    if ((rc = parse_subject(subj, &name)) != CLI_OK ||
        (san && (rc = cert_san_normalise(san, &sanv)) != CLI_OK) ||
        (rc = cert_pass_init(&pass, pf, pe, 1, keyp)) != CLI_OK ||
        (rc = key_or_new(keyp, kt, &pass, &o, &k)) != CLI_OK)
        goto out;
    rc = CLI_FAIL;
    if (strata_x509_req_new(&req, &err) != STRATA_OK ||
        strata_x509_req_set_subject(req, name, &err) != STRATA_OK ||
        strata_x509_req_set_pubkey(req, k, &err) != STRATA_OK)
        goto fail;
    if (sanv &&
        (strata_x509_ext_new_for_req("subjectAltName", 0, sanv, req, &e, &err) != STRATA_OK ||
         strata_x509_req_add_exts(req, &e, 1, &err) != STRATA_OK))
        goto fail;
    strata_pkey_type t = strata_pkey_get_type(k);
    if (strata_x509_req_sign(req, k,
                             t == STRATA_PKEY_ED25519 || t == STRATA_PKEY_ED448 ? NULL : "SHA256",
                             &err) != STRATA_OK ||
        strata_x509_req_dump(req, STRATA_PKI_PEM, &b, &err) != STRATA_OK)
        goto fail;
    if ((rc = cert_out_add(&o, outp, strata_buf_ptr(&b), strata_buf_len(&b), 0)) == CLI_OK)
        rc = cert_out_commit(&o);
    goto out;
fail:
    cert_report("csr", &err);
out:
    cert_out_abort(&o);
    strata_buf_free(&b);
    cert_pass_clear(&pass);
    free(sanv);
    strata_x509_ext_free(e);
    strata_x509_req_free(req);
    strata_pkey_free(k);
    strata_x509_name_free(name);
    return rc;
}

/* ---- crl ------------------------------------------------------------------ */

static const char crl_usage[] =
    "usage: strata cert crl --ca CERT --ca-key KEY -o CRL [--revoke CERT[:REASON] ...]\n"
    "                       [--days N] [--ca-passphrase-file F | --ca-passphrase-env VAR]\n"
    "                       [--force]\n\n"
    "Makes a CRL signed by the CA, listing the --revoke certificates (revoked\n"
    "now, with an optional reason: keyCompromise, CACompromise, superseded,\n"
    "cessationOfOperation, affiliationChanged, certificateHold, ...). --days\n"
    "(default 30) sets nextUpdate.\n";

/* Adds the certificate in spec ("file.pem" or "file.pem:reason") to c. */
static int crl_revoke(strata_x509_crl *c, const char *spec, time_t now)
{
    char path[4096];
    snprintf(path, sizeof(path), "%s", spec);
    char *colon = strrchr(path, ':');
    const char *reason = NULL;
    if (colon && !strchr(colon, '/')) {
        *colon = '\0';
        reason = colon + 1;
    }
    strata_error err;
    strata_error_clear(&err);
    strata_x509 *x = NULL;
    strata_revoked *r = NULL;
    char *serial = NULL;
    int rc = CLI_FAIL;
    if (strata_x509_load_file(path, STRATA_PKI_AUTO, &x, &err) != STRATA_OK ||
        strata_x509_get_serial_hex(x, &serial, &err) != STRATA_OK ||
        strata_revoked_new(&r, &err) != STRATA_OK ||
        strata_revoked_set_serial_hex(r, serial, &err) != STRATA_OK ||
        strata_revoked_set_date(r, now, &err) != STRATA_OK ||
        strata_revoked_set_reason(r, reason, &err) != STRATA_OK ||
        strata_x509_crl_add_revoked(c, r, &err) != STRATA_OK)
        cert_report(spec, &err);
    else
        rc = CLI_OK;
    strata_pki_free_string(serial);
    strata_revoked_free(r);
    strata_x509_free(x);
    return rc;
}

static int verb_crl(int argc, char **argv)
{
    const char *cap = NULL, *cak = NULL, *outp = NULL, *days = NULL, *cpf = NULL, *cpe = NULL,
               *force = NULL, *revoke[256];
    size_t nrevoke = 0;
    const struct cert_opt opts[] = {
        CERT_ARG("--ca", NULL, cap),
        CERT_ARG("--ca-key", NULL, cak),
        CERT_ARG("--out", "-o", outp),
        CERT_ARG("--days", NULL, days),
        CERT_ARG("--ca-passphrase-file", NULL, cpf),
        CERT_ARG("--ca-passphrase-env", NULL, cpe),
        CERT_FLAG("--force", "-f", force),
        CERT_LIST("--revoke", NULL, revoke, nrevoke),
        CERT_END,
    };
    const char *pos[1];
    size_t npos;
    int rc = cert_args(argc, argv, opts, pos, 0, &npos, 0, crl_usage);
    if (rc >= 0)
        return rc;
    if (!cap || !cak || !outp) {
        cli_err("crl: --ca, --ca-key and -o are required");
        return CLI_USAGE;
    }
    long d;
    if ((rc = cert_parse_days(days, 30, &d)) != CLI_OK)
        return rc;
    if (cert_check_new(outp, force != NULL) != CLI_OK)
        return CLI_FAIL;
    strata_x509 *ca = NULL;
    strata_pkey *cakey = NULL;
    strata_x509_crl *c = NULL;
    strata_buf b;
    strata_buf_init(&b, 0);
    strata_error err;
    strata_error_clear(&err);
    time_t now = time(NULL);
    if ((rc = load_ca(cap, cak, cpf, cpe, &ca, &cakey)) != CLI_OK)
        goto out;
    rc = CLI_FAIL;
    if (strata_x509_crl_new(&c, &err) != STRATA_OK ||
        strata_x509_crl_set_version(c, 1, &err) != STRATA_OK ||
        strata_x509_crl_set_last_update(c, now, &err) != STRATA_OK ||
        strata_x509_crl_set_next_update(c, now + d * 86400L, &err) != STRATA_OK) {
        cert_report("crl", &err);
        goto out;
    }
    for (size_t i = 0; i < nrevoke; i++)
        if (crl_revoke(c, revoke[i], now) != CLI_OK)
            goto out;
    if (strata_x509_crl_sign(c, ca, cakey, NULL, &err) != STRATA_OK ||
        strata_x509_crl_dump(c, STRATA_PKI_PEM, &b, &err) != STRATA_OK) {
        cert_report("crl", &err);
        goto out;
    }
    rc = cert_write(outp, strata_buf_ptr(&b), strata_buf_len(&b), 0, force != NULL);
out:
    strata_buf_free(&b);
    strata_x509_crl_free(c);
    strata_x509_free(ca);
    strata_pkey_free(cakey);
    return rc;
}

/* ---- dispatch ------------------------------------------------------------- */

static const struct {
    const char *name;
    int (*run)(int, char **);
    const char *summary;
} verbs[] = {
    {"key", verb_key, "generate a private key (ed25519, ec:p256, rsa:3072 ...)"},
    {"ca", verb_ca, "make a self-signed CA certificate"},
    {"issue", verb_issue, "issue a server/client certificate from a CA"},
    {"csr", verb_csr, "make a certificate signing request"},
    {"sign", verb_sign, "sign a CSR with a CA"},
    {"crl", verb_crl, "make a CRL revoking certificates"},
    {"show", cert_cmd_show, "print a certificate, CSR, key, CRL, PKCS#7 or PKCS#12"},
    {"verify", cert_cmd_verify, "verify certificates against a CA (and a host name)"},
    {"p12", cert_cmd_p12, "export or import a PKCS#12 bundle"},
};

static void cert_usage(FILE *f)
{
    fputs("usage: strata cert VERB [OPTIONS]\n\n"
          "Keys and certificates for TLS, the way openssl req/x509 and mkcert make them.\n\n"
          "verbs:\n",
          f);
    for (size_t i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++)
        fprintf(f, "  %-8s %s\n", verbs[i].name, verbs[i].summary);
    fputs("\nExample:\n"
          "  strata cert ca --subject \"/CN=Example CA\" --key ca.key -o ca.pem\n"
          "  strata cert issue --ca ca.pem --ca-key ca.key --subject /CN=localhost \\\n"
          "      --san DNS:localhost,IP:127.0.0.1 --server --key server.key -o server.pem\n"
          "  strata cert verify --ca ca.pem --name localhost server.pem\n\n"
          "  strata cert issue localhost 127.0.0.1     # mkcert-style, from a local CA\n\n"
          "Files holding private keys are created mode 0600; existing files are never\n"
          "overwritten without --force; a refused or failed run leaves no file behind.\n"
          "'strata cert VERB --help' describes a verb.\n"
          "Exit status: 0 success, 1 failure, 2 usage error.\n",
          f);
}

int cmd_cert(int argc, char **argv)
{
    if (argc < 2) {
        cert_usage(stderr);
        return CLI_USAGE;
    }
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
        cert_usage(stdout);
        return CLI_OK;
    }
    for (size_t i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++)
        if (!strcmp(argv[1], verbs[i].name))
            return verbs[i].run(argc - 1, argv + 1);
    cli_err("cert: unknown verb '%s' (see 'strata cert --help')", argv[1]);
    return CLI_USAGE;
}
