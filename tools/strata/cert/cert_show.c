/* strata cert show / verify: print anything PKI-shaped; verify chains. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cert_util.h"
#include "cli.h"

static void put(const strata_buf *b)
{
    fwrite(strata_buf_ptr(b), 1, strata_buf_len(b), stdout);
}

static int show_cert(const strata_x509 *x)
{
    strata_buf b;
    strata_buf_init(&b, 0);
    strata_error err;
    strata_error_clear(&err);
    char *fp = NULL;
    int rc = CLI_FAIL;
    if (strata_x509_dump(x, STRATA_PKI_TEXT, &b, &err) == STRATA_OK &&
        strata_x509_digest(x, "SHA256", &fp, &err) == STRATA_OK) {
        put(&b);
        printf("SHA256 Fingerprint=%s\n", fp);
        rc = CLI_OK;
    } else {
        cert_report("certificate", &err);
    }
    strata_pki_free_string(fp);
    strata_buf_free(&b);
    return rc;
}

static int show_key(const strata_pkey *k)
{
    strata_buf b;
    strata_buf_init(&b, 0);
    strata_error err;
    strata_error_clear(&err);
    const char *curve = strata_pkey_curve(k);
    printf("%s key: %s, %d bits%s%s\n", strata_pkey_has_private(k) ? "Private" : "Public",
           strata_pkey_type_name(strata_pkey_get_type(k)), strata_pkey_bits(k),
           curve ? ", curve " : "", curve ? curve : "");
    int rc = CLI_OK;
    if (strata_pkey_dump_public(k, STRATA_PKI_TEXT, &b, &err) == STRATA_OK)
        put(&b);
    else {
        cert_report("key", &err);
        rc = CLI_FAIL;
    }
    strata_buf_free(&b);
    return rc;
}

/* The label of the first PEM block ("CERTIFICATE"), or "" for DER. */
static void pem_label(const strata_buf *in, char *out, size_t cap)
{
    out[0] = '\0';
    const char *p = (const char *)strata_buf_ptr(in);
    size_t n = strata_buf_len(in);
    const char *b = memmem(p, n, "-----BEGIN ", 11);
    if (!b)
        return;
    b += 11;
    const char *e = memmem(b, n - (size_t)(b - p), "-----", 5);
    if (!e || (size_t)(e - b) >= cap)
        return;
    memcpy(out, b, (size_t)(e - b));
    out[e - b] = '\0';
}

struct show_ctx {
    const char *path;
    const char *pf, *pe;
    int legacy;
};

static int show_p12(const struct show_ctx *c, const strata_buf *in)
{
    strata_error err;
    strata_error_clear(&err);
    strata_pkcs12 *p = NULL;
    struct cert_pass pass;
    int rc = cert_pass_init(&pass, c->pf, c->pe, 1, c->path);
    if (rc != CLI_OK)
        return rc;
    if (strata_pkcs12_load(strata_buf_ptr(in), strata_buf_len(in), cert_pass_get(&pass),
                           c->legacy ? STRATA_PKCS12_LEGACY : 0, &p, &err) != STRATA_OK) {
        cert_report(c->path, &err);
        cert_pass_clear(&pass);
        return CLI_FAIL;
    }
    cert_pass_clear(&pass);
    printf("PKCS#12 bundle\nFriendly name: %s\n",
           strata_pkcs12_friendly_name(p) ? strata_pkcs12_friendly_name(p) : "(none)");
    if (strata_pkcs12_key(p))
        rc = show_key(strata_pkcs12_key(p));
    if (rc == CLI_OK && strata_pkcs12_cert(p)) {
        printf("Certificate:\n");
        rc = show_cert(strata_pkcs12_cert(p));
    }
    printf("CA certificates: %zu\n", strata_pkcs12_ca_count(p));
    for (size_t i = 0; rc == CLI_OK && i < strata_pkcs12_ca_count(p); i++)
        rc = show_cert(strata_pkcs12_ca(p, i));
    strata_pkcs12_free(p);
    return rc;
}

static int show_pkcs7(const strata_pkcs7 *p)
{
    printf("PKCS#7 %s, %zu certificate(s), %zu CRL(s)\n", strata_pkcs7_type_name(p),
           strata_pkcs7_cert_count(p), strata_pkcs7_crl_count(p));
    int rc = CLI_OK;
    for (size_t i = 0; rc == CLI_OK && i < strata_pkcs7_cert_count(p); i++) {
        strata_x509 *x = NULL;
        if (strata_pkcs7_cert(p, i, &x, NULL) == STRATA_OK)
            rc = show_cert(x);
        strata_x509_free(x);
    }
    return rc;
}

static int show_crl(const strata_x509_crl *c)
{
    strata_buf b;
    strata_buf_init(&b, 0);
    strata_error err;
    strata_error_clear(&err);
    int rc = CLI_OK;
    if (strata_x509_crl_dump(c, STRATA_PKI_TEXT, &b, &err) == STRATA_OK)
        put(&b);
    else {
        cert_report("CRL", &err);
        rc = CLI_FAIL;
    }
    strata_buf_free(&b);
    return rc;
}

static int show_req(const strata_x509_req *r)
{
    strata_buf b;
    strata_buf_init(&b, 0);
    strata_error err;
    strata_error_clear(&err);
    int rc = CLI_OK;
    if (strata_x509_req_dump(r, STRATA_PKI_TEXT, &b, &err) == STRATA_OK)
        put(&b);
    else
        rc = CLI_FAIL;
    strata_error_clear(&err);
    strata_status v = strata_x509_req_verify(r, NULL, &err);
    printf("Request signature: %s\n", v == STRATA_OK ? "OK" : strata_error_message(&err));
    strata_buf_free(&b);
    return v == STRATA_OK ? rc : CLI_FAIL;
}

static int show_private(const struct show_ctx *c, const strata_buf *in, strata_pki_format fmt)
{
    struct cert_pass pass;
    int rc = cert_pass_init(&pass, c->pf, c->pe, 1, c->path);
    if (rc != CLI_OK)
        return rc;
    strata_error err;
    strata_error_clear(&err);
    strata_pkey *k = NULL;
    if (strata_pkey_load_private(strata_buf_ptr(in), strata_buf_len(in), fmt, cert_pass_get(&pass),
                                 &k, &err) != STRATA_OK) {
        cert_report(c->path, &err);
        rc = CLI_FAIL;
    } else {
        rc = show_key(k);
    }
    cert_pass_clear(&pass);
    strata_pkey_free(k);
    return rc;
}

/* DER: try each kind in turn. */
static int show_der(const struct show_ctx *c, const strata_buf *in)
{
    const void *d = strata_buf_ptr(in);
    size_t n = strata_buf_len(in);
    int rc;
    strata_x509 *x = NULL;
    if (strata_x509_load(d, n, STRATA_PKI_DER, &x, NULL) == STRATA_OK) {
        rc = show_cert(x);
        strata_x509_free(x);
        return rc;
    }
    strata_x509_req *r = NULL;
    if (strata_x509_req_load(d, n, STRATA_PKI_DER, &r, NULL) == STRATA_OK) {
        rc = show_req(r);
        strata_x509_req_free(r);
        return rc;
    }
    strata_x509_crl *crl = NULL;
    if (strata_x509_crl_load(d, n, STRATA_PKI_DER, &crl, NULL) == STRATA_OK) {
        rc = show_crl(crl);
        strata_x509_crl_free(crl);
        return rc;
    }
    strata_pkcs7 *p7 = NULL;
    if (strata_pkcs7_load(d, n, STRATA_PKI_DER, &p7, NULL) == STRATA_OK) {
        rc = show_pkcs7(p7);
        strata_pkcs7_free(p7);
        return rc;
    }
    strata_pkcs12 *p12 = NULL;
    strata_status st = strata_pkcs12_load(d, n, NULL, 0, &p12, NULL);
    strata_pkcs12_free(p12);
    if (st == STRATA_OK || st == STRATA_E_PASSPHRASE || st == STRATA_E_LEGACY_ALG)
        return show_p12(c, in);
    strata_pkey *k = NULL;
    if (strata_pkey_load_public(d, n, STRATA_PKI_DER, &k, NULL) == STRATA_OK) {
        rc = show_key(k);
        strata_pkey_free(k);
        return rc;
    }
    strata_error err;
    strata_error_clear(&err);
    st = strata_pkey_load_private(d, n, STRATA_PKI_DER, NULL, &k, &err);
    strata_pkey_free(k);
    if (st == STRATA_OK || st == STRATA_E_PASSPHRASE)
        return show_private(c, in, STRATA_PKI_DER);
    cli_err("%s: not a certificate, CSR, CRL, PKCS#7, PKCS#12 or key in PEM or DER", c->path);
    return CLI_FAIL;
}

static const char show_usage[] =
    "usage: strata cert show FILE [--passphrase-file F | --passphrase-env VAR] [--legacy]\n\n"
    "Prints a certificate (or chain), CSR, CRL, private or public key, PKCS#7 or\n"
    "PKCS#12 bundle, PEM or DER. Encrypted keys and PKCS#12 bundles ask for their\n"
    "passphrase on the terminal unless one is given. --legacy allows PKCS#12\n"
    "bundles encrypted with RC2/3DES (loads OpenSSL's legacy provider).\n";

int cert_cmd_show(int argc, char **argv)
{
    const char *pf = NULL, *pe = NULL, *legacy = NULL;
    const struct cert_opt opts[] = {
        CERT_ARG("--passphrase-file", NULL, pf),
        CERT_ARG("--passphrase-env", NULL, pe),
        CERT_FLAG("--legacy", NULL, legacy),
        CERT_END,
    };
    const char *pos[1];
    size_t npos;
    int rc = cert_args(argc, argv, opts, pos, 1, &npos, 1, show_usage);
    if (rc >= 0)
        return rc;
    struct show_ctx c = {pos[0], pf, pe, legacy != NULL};
    strata_buf in;
    strata_error err;
    strata_error_clear(&err);
    if (cert_read_file(pos[0], &in, &err) != STRATA_OK) {
        cert_report(pos[0], &err);
        return CLI_FAIL;
    }
    char label[64];
    pem_label(&in, label, sizeof(label));
    const void *d = strata_buf_ptr(&in);
    size_t n = strata_buf_len(&in);
    if (!label[0]) {
        rc = show_der(&c, &in);
    } else if (strstr(label, "PRIVATE KEY")) {
        rc = show_private(&c, &in, STRATA_PKI_PEM);
    } else if (!strcmp(label, "PUBLIC KEY")) {
        strata_pkey *k = NULL;
        rc = strata_pkey_load_public(d, n, STRATA_PKI_PEM, &k, &err) == STRATA_OK ? show_key(k)
                                                                                  : CLI_FAIL;
        strata_pkey_free(k);
    } else if (strstr(label, "CERTIFICATE REQUEST")) {
        strata_x509_req *r = NULL;
        rc = strata_x509_req_load(d, n, STRATA_PKI_PEM, &r, &err) == STRATA_OK ? show_req(r)
                                                                               : CLI_FAIL;
        strata_x509_req_free(r);
    } else if (strstr(label, "CERTIFICATE")) {
        strata_x509 **chain = NULL;
        size_t cnt = 0;
        rc = strata_x509_load_chain(d, n, &chain, &cnt, &err) == STRATA_OK ? CLI_OK : CLI_FAIL;
        for (size_t i = 0; rc == CLI_OK && i < cnt; i++)
            rc = show_cert(chain[i]);
        strata_x509_chain_free(chain, cnt);
    } else if (strstr(label, "CRL")) {
        strata_x509_crl *crl = NULL;
        rc = strata_x509_crl_load(d, n, STRATA_PKI_PEM, &crl, &err) == STRATA_OK ? show_crl(crl)
                                                                                 : CLI_FAIL;
        strata_x509_crl_free(crl);
    } else if (strstr(label, "PKCS7") || strstr(label, "PKCS #7")) {
        strata_pkcs7 *p7 = NULL;
        rc = strata_pkcs7_load(d, n, STRATA_PKI_PEM, &p7, &err) == STRATA_OK ? show_pkcs7(p7)
                                                                             : CLI_FAIL;
        strata_pkcs7_free(p7);
    } else {
        cli_err("%s: PEM block \"%s\" is not something strata cert shows", pos[0], label);
        rc = CLI_FAIL;
    }
    if (rc != CLI_OK && err.status != STRATA_OK)
        cert_report(pos[0], &err);
    strata_buf_free(&in);
    return rc;
}

/* ---- verify ----------------------------------------------------------------- */

static const char verify_usage[] =
    "usage: strata cert verify --ca CERT [--ca CERT ...] [--untrusted FILE] [--crl FILE]\n"
    "                          [--name HOST] [--at UNIX_TIME] [--partial] CERT...\n\n"
    "Verifies each CERT file (a certificate, or a chain with the leaf first)\n"
    "against the trusted --ca certificates, like 'openssl verify -CAfile'.\n"
    "  --untrusted FILE  intermediates to build the chain with\n"
    "  --crl FILE        check revocation against this CRL\n"
    "  --name HOST       the leaf must match this DNS name or IP address\n"
    "  --at UNIX_TIME    verify as of this time instead of now\n"
    "  --partial         a trusted intermediate is enough (no root needed)\n"
    "Prints 'FILE: OK' or the reason, naming the failing certificate.\n";

static int add_file_certs(const char *path, strata_x509 ***arr, size_t *n)
{
    strata_error err;
    strata_error_clear(&err);
    strata_x509 **c = NULL;
    size_t k = 0;
    if (strata_x509_load_chain_file(path, &c, &k, &err) != STRATA_OK) {
        cert_report(path, &err);
        return CLI_FAIL;
    }
    strata_x509 **na = realloc(*arr, (*n + k) * sizeof(*na));
    if (!na) {
        strata_x509_chain_free(c, k);
        cli_err("out of memory");
        return CLI_FAIL;
    }
    if (k > 0)
        memcpy(na + *n, c, k * sizeof(*c));
    free(c);
    *arr = na;
    *n += k;
    return CLI_OK;
}

int cert_cmd_verify(int argc, char **argv)
{
    const char *cas[64], *unt[64], *crls[16], *name = NULL, *at = NULL, *partial = NULL;
    size_t ncas = 0, nunt = 0, ncrls = 0;
    const struct cert_opt opts[] = {
        CERT_LIST("--ca", "--CAfile", cas, ncas),
        CERT_LIST("--untrusted", NULL, unt, nunt),
        CERT_LIST("--crl", NULL, crls, ncrls),
        CERT_ARG("--name", NULL, name),
        CERT_ARG("--at", NULL, at),
        CERT_FLAG("--partial", NULL, partial),
        CERT_END,
    };
    const char *pos[256];
    size_t npos;
    int rc = cert_args(argc, argv, opts, pos, 256, &npos, 1, verify_usage);
    if (rc >= 0)
        return rc;
    if (ncas == 0) {
        cli_err("verify: at least one --ca is needed");
        return CLI_USAGE;
    }
    rc = CLI_OK;
    strata_error err;
    strata_error_clear(&err);
    strata_x509_store *s = NULL;
    strata_x509 **trusted = NULL, **extra = NULL;
    size_t ntrusted = 0, nextra = 0;
    if (strata_x509_store_new(&s, &err) != STRATA_OK) {
        cert_report("store", &err);
        return CLI_FAIL;
    }
    for (size_t i = 0; rc == CLI_OK && i < ncas; i++)
        rc = add_file_certs(cas[i], &trusted, &ntrusted);
    for (size_t i = 0; rc == CLI_OK && i < ntrusted; i++)
        if (strata_x509_store_add_cert(s, trusted[i], &err) != STRATA_OK)
            rc = CLI_FAIL;
    for (size_t i = 0; rc == CLI_OK && i < nunt; i++)
        rc = add_file_certs(unt[i], &extra, &nextra);
    for (size_t i = 0; rc == CLI_OK && i < ncrls; i++) {
        strata_x509_crl *crl = NULL;
        if (strata_x509_crl_load_file(crls[i], STRATA_PKI_AUTO, &crl, &err) != STRATA_OK ||
            strata_x509_store_add_crl(s, crl, &err) != STRATA_OK) {
            cert_report(crls[i], &err);
            rc = CLI_FAIL;
        }
        strata_x509_crl_free(crl);
    }
    if (rc == CLI_OK && ncrls > 0 &&
        strata_x509_store_set_flags(s, STRATA_X509_STORE_CRL_CHECK, &err) != STRATA_OK)
        rc = CLI_FAIL;
    if (rc == CLI_OK && partial &&
        strata_x509_store_set_flags(s, STRATA_X509_STORE_PARTIAL_CHAIN, &err) != STRATA_OK)
        rc = CLI_FAIL;
    if (rc == CLI_OK && at) {
        char *end;
        long long t = strtoll(at, &end, 10);
        if (!*at || *end) {
            cli_err("verify: --at wants a Unix time in seconds, got '%s'", at);
            rc = CLI_USAGE;
        } else if (strata_x509_store_set_time(s, (time_t)t, &err) != STRATA_OK) {
            rc = CLI_FAIL;
        }
    }
    int failed = 0;
    for (size_t i = 0; rc == CLI_OK && i < npos; i++) {
        strata_x509 **chain = NULL;
        size_t n = 0;
        strata_error_clear(&err);
        if (add_file_certs(pos[i], &chain, &n) != CLI_OK) {
            failed = 1;
            continue;
        }
        /* The leaf's own file may carry intermediates after it. */
        strata_x509 **unt_all = calloc(n - 1 + nextra + 1, sizeof(*unt_all));
        if (!unt_all) {
            strata_x509_chain_free(chain, n);
            rc = CLI_FAIL;
            break;
        }
        if (n > 1)
            memcpy(unt_all, chain + 1, (n - 1) * sizeof(*chain));
        if (nextra > 0)
            memcpy(unt_all + n - 1, extra, nextra * sizeof(*extra));
        strata_status st = strata_x509_store_verify(s, chain[0], unt_all, n - 1 + nextra, name,
                                                    NULL, NULL, NULL, &err);
        if (st == STRATA_OK) {
            printf("%s: OK\n", pos[i]);
        } else {
            char buf[1024];
            printf("%s: verification failed: %s\n", pos[i],
                   strata_error_format(&err, buf, sizeof(buf)));
            failed = 1;
        }
        free(unt_all);
        strata_x509_chain_free(chain, n);
    }
    if (rc == CLI_FAIL && err.status != STRATA_OK)
        cert_report("verify", &err);
    strata_x509_chain_free(trusted, ntrusted);
    strata_x509_chain_free(extra, nextra);
    strata_x509_store_free(s);
    return rc != CLI_OK ? rc : failed ? CLI_FAIL : CLI_OK;
}
