/* strata cert p12: PKCS#12 bundles in and out. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cert_util.h"
#include "cli.h"

static const char p12_usage[] =
    "usage: strata cert p12 export --key KEY --cert CERT [--ca FILE ...] [--name NAME]\n"
    "                              [--legacy] -o OUT.p12 [--force]\n"
    "                              [--passphrase-file F | --passphrase-env VAR]\n"
    "                              [--key-passphrase-file F | --key-passphrase-env VAR]\n"
    "       strata cert p12 import FILE.p12 [--key-out KEY] [--cert-out CERT]\n"
    "                              [--ca-out FILE] [--legacy] [--force]\n"
    "                              [--passphrase-file F | --passphrase-env VAR]\n"
    "                              [--key-passphrase-file F | --key-passphrase-env VAR]\n\n"
    "export bundles a key, its certificate and CA certificates. By default they\n"
    "are encrypted with AES-256-CBC (PBKDF2-HMAC-SHA256) under an HMAC-SHA256 MAC;\n"
    "--legacy writes the RC2-40/3DES/SHA-1 form old Java and Windows stores need.\n"
    "--passphrase-* is the bundle's passphrase (asked on the terminal if absent);\n"
    "--key-passphrase-* decrypts KEY (export) or encrypts the written key\n"
    "(import). import writes the parts it is asked for; --legacy allows bundles\n"
    "encrypted with RC2/3DES (loads OpenSSL's legacy provider).\n";

static int p12_export(int argc, char **argv)
{
    const char *keyp = NULL, *certp = NULL, *cas[64], *name = NULL, *legacy = NULL, *outp = NULL,
               *force = NULL, *pf = NULL, *pe = NULL, *kpf = NULL, *kpe = NULL;
    size_t ncas = 0;
    const struct cert_opt opts[] = {
        CERT_ARG("--key", "-k", keyp),
        CERT_ARG("--cert", "-c", certp),
        CERT_LIST("--ca", NULL, cas, ncas),
        CERT_ARG("--name", NULL, name),
        CERT_FLAG("--legacy", NULL, legacy),
        CERT_ARG("--out", "-o", outp),
        CERT_FLAG("--force", "-f", force),
        CERT_ARG("--passphrase-file", NULL, pf),
        CERT_ARG("--passphrase-env", NULL, pe),
        CERT_ARG("--key-passphrase-file", NULL, kpf),
        CERT_ARG("--key-passphrase-env", NULL, kpe),
        CERT_END,
    };
    const char *pos[1];
    size_t npos;
    int rc = cert_args(argc, argv, opts, pos, 0, &npos, 0, p12_usage);
    if (rc >= 0)
        return rc;
    if (!keyp || !certp || !outp) {
        cli_err("p12 export: --key, --cert and -o are required");
        return CLI_USAGE;
    }
    if (!pf && !pe && !isatty(STDIN_FILENO)) {
        /* Nobody to ask: say how to give one rather than fail later. */
        cli_err("p12 export: %s needs a passphrase and standard input is not a terminal: give "
                "it with --passphrase-file F (its first line) or --passphrase-env VAR",
                outp);
        return CLI_USAGE;
    }
    if (cert_check_new(outp, force != NULL) != CLI_OK)
        return CLI_FAIL;
    strata_error err;
    strata_error_clear(&err);
    struct cert_pass kpass, pass;
    memset(&pass, 0, sizeof(pass));
    strata_pkey *k = NULL;
    strata_x509 *x = NULL, **chain = NULL;
    size_t nchain = 0;
    strata_pkcs12 *p = NULL;
    strata_buf b;
    strata_buf_init(&b, 0);
    if ((rc = cert_pass_init(&kpass, kpf, kpe, 1, keyp)) != CLI_OK)
        return rc;
    if ((rc = cert_load_key(keyp, &kpass, &k)) != CLI_OK)
        goto out;
    rc = CLI_FAIL;
    if (strata_x509_load_file(certp, STRATA_PKI_AUTO, &x, &err) != STRATA_OK) {
        cert_report(certp, &err);
        goto out;
    }
    for (size_t i = 0; i < ncas; i++) {
        strata_x509 **c = NULL;
        size_t n = 0;
        if (strata_x509_load_chain_file(cas[i], &c, &n, &err) != STRATA_OK) {
            cert_report(cas[i], &err);
            goto out;
        }
        strata_x509 **na = realloc(chain, (nchain + n) * sizeof(*na));
        if (!na) {
            strata_x509_chain_free(c, n);
            goto out;
        }
        memcpy(na + nchain, c, n * sizeof(*c));
        free(c);
        chain = na;
        nchain += n;
    }
    if ((rc = cert_pass_init(&pass, pf, pe, 1, outp)) != CLI_OK)
        goto out;
    rc = CLI_FAIL;
    if (strata_pkcs12_new(&p, &err) != STRATA_OK)
        goto fail;
    strata_pkcs12_set_key(p, k);
    strata_pkcs12_set_cert(p, x);
    if (strata_pkcs12_set_cas(p, chain, nchain, &err) != STRATA_OK ||
        strata_pkcs12_set_friendly_name(p, name, &err) != STRATA_OK ||
        strata_pkcs12_export(p, cert_pass_get(&pass), legacy ? STRATA_PKCS12_LEGACY : 0, 0, 0, &b,
                             &err) != STRATA_OK)
        goto fail;
    rc = cert_write(outp, strata_buf_ptr(&b), strata_buf_len(&b), 1, force != NULL);
    goto out;
fail:
    cert_report("p12 export", &err);
out:
    strata_buf_free(&b);
    strata_pkcs12_free(p);
    strata_x509_chain_free(chain, nchain);
    strata_x509_free(x);
    strata_pkey_free(k);
    cert_pass_clear(&kpass);
    cert_pass_clear(&pass);
    return rc;
}

static int write_pem_cert(const strata_x509 *x, strata_buf *acc, strata_error *err)
{
    strata_buf b;
    strata_buf_init(&b, 0);
    strata_status st = strata_x509_dump(x, STRATA_PKI_PEM, &b, err);
    if (st == STRATA_OK)
        st = strata_buf_put(acc, strata_buf_ptr(&b), strata_buf_len(&b));
    strata_buf_free(&b);
    return st == STRATA_OK ? CLI_OK : CLI_FAIL;
}

static int p12_import(int argc, char **argv)
{
    const char *keyo = NULL, *certo = NULL, *cao = NULL, *legacy = NULL, *force = NULL, *pf = NULL,
               *pe = NULL, *kpf = NULL, *kpe = NULL;
    const struct cert_opt opts[] = {
        CERT_ARG("--key-out", NULL, keyo),
        CERT_ARG("--cert-out", NULL, certo),
        CERT_ARG("--ca-out", NULL, cao),
        CERT_FLAG("--legacy", NULL, legacy),
        CERT_FLAG("--force", "-f", force),
        CERT_ARG("--passphrase-file", NULL, pf),
        CERT_ARG("--passphrase-env", NULL, pe),
        CERT_ARG("--key-passphrase-file", NULL, kpf),
        CERT_ARG("--key-passphrase-env", NULL, kpe),
        CERT_END,
    };
    const char *pos[1];
    size_t npos;
    int rc = cert_args(argc, argv, opts, pos, 1, &npos, 1, p12_usage);
    if (rc >= 0)
        return rc;
    if (!keyo && !certo && !cao) {
        cli_err("p12 import: name at least one of --key-out, --cert-out, --ca-out");
        return CLI_USAGE;
    }
    strata_error err;
    strata_error_clear(&err);
    struct cert_pass pass, kpass;
    memset(&kpass, 0, sizeof(kpass));
    strata_pkcs12 *p = NULL;
    strata_buf b;
    strata_buf_init(&b, 0);
    const char *outs[3] = {keyo, certo, cao};
    for (size_t i = 0; i < 3; i++)
        if (outs[i] && cert_check_new(outs[i], force != NULL) != CLI_OK)
            return CLI_FAIL;
    struct cert_out o;
    cert_out_init(&o, force != NULL);
    if ((rc = cert_pass_init(&pass, pf, pe, 1, pos[0])) != CLI_OK)
        return rc;
    if (strata_pkcs12_load_file(pos[0], cert_pass_get(&pass), legacy ? STRATA_PKCS12_LEGACY : 0, &p,
                                &err) != STRATA_OK) {
        cert_report(pos[0], &err);
        rc = CLI_FAIL;
        goto out;
    }
    if (keyo) {
        if (!strata_pkcs12_key(p)) {
            cli_err("%s holds no private key", pos[0]);
            rc = CLI_FAIL;
            goto out;
        }
        if ((rc = cert_pass_init(&kpass, kpf, kpe, 0, keyo)) != CLI_OK)
            goto out;
        if (strata_pkey_dump_private(strata_pkcs12_key(p), STRATA_PKI_PEM, NULL,
                                     cert_pass_get(&kpass), &b, &err) != STRATA_OK) {
            cert_report("key", &err);
            rc = CLI_FAIL;
            goto out;
        }
        if ((rc = cert_out_add(&o, keyo, strata_buf_ptr(&b), strata_buf_len(&b), 1)) != CLI_OK)
            goto out;
    }
    if (certo) {
        strata_buf_reset(&b);
        if (!strata_pkcs12_cert(p)) {
            cli_err("%s holds no certificate", pos[0]);
            rc = CLI_FAIL;
            goto out;
        }
        if ((rc = write_pem_cert(strata_pkcs12_cert(p), &b, &err)) != CLI_OK ||
            (rc = cert_out_add(&o, certo, strata_buf_ptr(&b), strata_buf_len(&b), 0)) != CLI_OK)
            goto out;
    }
    if (cao) {
        strata_buf_reset(&b);
        for (size_t i = 0; rc == CLI_OK && i < strata_pkcs12_ca_count(p); i++)
            rc = write_pem_cert(strata_pkcs12_ca(p, i), &b, &err);
        if (rc == CLI_OK)
            rc = cert_out_add(&o, cao, strata_buf_ptr(&b), strata_buf_len(&b), 0);
    }
    if (rc == CLI_OK)
        rc = cert_out_commit(&o);
out:
    cert_out_abort(&o);
    strata_buf_free(&b);
    strata_pkcs12_free(p);
    cert_pass_clear(&pass);
    cert_pass_clear(&kpass);
    return rc;
}

int cert_cmd_p12(int argc, char **argv)
{
    if (argc >= 2 && !strcmp(argv[1], "export"))
        return p12_export(argc - 1, argv + 1);
    if (argc >= 2 && !strcmp(argv[1], "import"))
        return p12_import(argc - 1, argv + 1);
    if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
        fputs(p12_usage, stdout);
        return CLI_OK;
    }
    fputs(p12_usage, stderr);
    return CLI_USAGE;
}
