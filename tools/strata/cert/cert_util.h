/* strata cert: helpers shared by its verbs (options, files, passphrases,
 * certificate building). */
#ifndef STRATA_CERT_UTIL_H
#define STRATA_CERT_UTIL_H

#include <stddef.h>
#include <time.h>
#include "strata/pki.h"
#include "cli_secret.h"

/* One option of a verb: "--name" (or "-o"); has_arg: takes a value; the value
 * (or "1" for a flag) is stored in *val; repeat: values are collected in
 * vals[0..*n) up to max. */
struct cert_opt {
    const char *name;
    const char *alias; /* may be NULL */
    int has_arg;
    const char **val;
    const char **vals;
    size_t *n;
    size_t max;
};

#define CERT_ARG(name, alias, var)                                                                 \
    {                                                                                              \
        name, alias, 1, &(var), NULL, NULL, 0                                                      \
    }
#define CERT_FLAG(name, alias, var)                                                                \
    {                                                                                              \
        name, alias, 0, &(var), NULL, NULL, 0                                                      \
    }
#define CERT_LIST(name, alias, arr, n)                                                             \
    {                                                                                              \
        name, alias, 1, NULL, arr, &(n), sizeof(arr) / sizeof((arr)[0])                            \
    }
#define CERT_END                                                                                   \
    {                                                                                              \
        NULL, NULL, 0, NULL, NULL, NULL, 0                                                         \
    }

/* Parses argv[1..] (argv[0] is the verb): options anywhere, "--name=value" or
 * "--name value"; the rest go to pos (at most maxpos). "--help" sets *help.
 * Returns CLI_OK or CLI_USAGE (after printing why). */
int cert_parse(int argc, char **argv, const struct cert_opt *opts, const char **pos, size_t maxpos,
               size_t *npos, int *help);

/* cert_parse, then the usage text: to stdout for --help, to stderr for a
 * usage error or fewer than minpos positional arguments. Returns -1 when the
 * verb should go on, else the exit status to return. */
int cert_args(int argc, char **argv, const struct cert_opt *opts, const char **pos, size_t maxpos,
              size_t *npos, size_t minpos, const char *usage);

/* Passphrase from --passphrase-file F / --passphrase-env VAR, else (when
 * prompt is set) asked on the terminal without echo. The returned source
 * stays valid until cert_pass_clear. label names what it is for. */
struct cert_pass {
    strata_passphrase pw;
    int have; /* pw is usable */
    char fixed[STRATA_PKI_PASSPHRASE_MAX + 1];
    char label[160];
    char ask[200], again[200];
    struct cli_prompt prompt; /* points into ask and again */
};
int cert_pass_init(struct cert_pass *p, const char *file, const char *env, int prompt,
                   const char *label);
/* The source to pass to strata, or NULL when none. */
const strata_passphrase *cert_pass_get(struct cert_pass *p);
void cert_pass_clear(struct cert_pass *p);

/* CLI_OK when path may be written: it does not exist (or force is set;
 * "-" always) and its directory is writable. Checked before any work, so a
 * refused run does no work. */
int cert_check_new(const char *path, int force);

/* The files one run writes, all or nothing (cert_out.c). cert_out_add writes
 * data to a temporary file beside path (secret: mode 0600); cert_out_commit
 * renames every staged file into place (refusing to replace an existing
 * file unless force); cert_out_abort removes what is staged and not yet
 * committed (a no-op after commit; always safe to call). "-" is stdout,
 * written at commit. */
#define CERT_OUT_MAX 4
struct cert_out_file {
    const char *path; /* borrowed until commit */
    char tmp[4096];   /* "" when none */
    unsigned char *direct;
    size_t len;
    int secret, placed, existed;
};
struct cert_out {
    struct cert_out_file f[CERT_OUT_MAX];
    size_t n;
    int force;
};
void cert_out_init(struct cert_out *o, int force);
int cert_out_add(struct cert_out *o, const char *path, const void *data, size_t len, int secret);
int cert_out_commit(struct cert_out *o);
void cert_out_abort(struct cert_out *o);
/* Stages a private key (PKCS#8 PEM, encrypted when pw is not NULL; 0600) or
 * a certificate (PEM). */
int cert_out_key(struct cert_out *o, const char *path, const strata_pkey *k,
                 const strata_passphrase *pw);
int cert_out_cert(struct cert_out *o, const char *path, const strata_x509 *x);

/* One file, written the same way. Returns CLI_OK or CLI_FAIL. */
int cert_write(const char *path, const void *data, size_t len, int secret, int force);

/* --days N within 1..36500 (dflt when s is NULL); CLI_USAGE after saying
 * why. */
int cert_parse_days(const char *s, long dflt, long *out);
/* --not-before: "-2d", "+1h", "-30m", "-90s" (relative to now), "@UNIX",
 * "YYYY-MM-DD" or "YYYY-MM-DDTHH:MM:SSZ" (UTC). CLI_USAGE after saying why. */
int cert_parse_time(const char *s, time_t now, time_t *out);

/* Reads a whole file (up to STRATA_PKI_MAX_INPUT) into an owning buffer
 * marked secret; the caller frees it with strata_buf_free. */
strata_status cert_read_file(const char *path, strata_buf *out, strata_error *err);

/* Prints "strata: what: message (openssl detail)". */
void cert_report(const char *what, const strata_error *err);

/* Loads a private key from path, asking for its passphrase if needed. */
int cert_load_key(const char *path, struct cert_pass *pass, strata_pkey **out);

/* Normalises a --san list: "localhost,127.0.0.1,a@b.c,DNS:x" becomes
 * "DNS:localhost,IP:127.0.0.1,email:a@b.c,DNS:x". Each entry must be a valid
 * DNS name (a "*." first label allowed), IP address, email address or URI;
 * anything else is CLI_USAGE with a message naming it. *out: malloc'd
 * (cert_san.c). */
int cert_san_normalise(const char *in, char **out);
/* The SANs guessed from host names, as mkcert does: an IP literal is an IP
 * SAN, anything else must be a DNS name. quiet: no message on failure (for
 * a CN that may not be a name). *out: malloc'd. */
int cert_san_from_names(const char *const *names, size_t n, int quiet, char **out);

/* What certificate to build. */
enum cert_usage { CERT_USAGE_CA, CERT_USAGE_SERVER, CERT_USAGE_CLIENT, CERT_USAGE_BOTH };
struct cert_params {
    const strata_x509_name *subject;
    const strata_pkey *pubkey;     /* the subject's key */
    const strata_x509 *issuer;     /* NULL: self-signed */
    const strata_pkey *issuer_key; /* the signing key */
    time_t not_before;
    long days; /* notAfter is not_before + days */
    enum cert_usage usage;
    int pathlen;                    /* CA only; -1 for none */
    const char *san;                /* normalised, or NULL */
    const strata_x509_ext *san_ext; /* copied as is (from a CSR), or NULL */
};
int cert_build(const struct cert_params *p, strata_x509 **out);

/* The verbs that live in their own files. */
int cert_cmd_show(int argc, char **argv);   /* cert_show.c */
int cert_cmd_verify(int argc, char **argv); /* cert_show.c */
int cert_cmd_p12(int argc, char **argv);    /* cert_p12.c */
/* issue NAME...: a certificate from the default local CA (cert_local.c). */
int cert_issue_local(const char *const *names, size_t n, const char *days, const char *not_before,
                     const char *key_type, enum cert_usage usage, int force);

#endif
