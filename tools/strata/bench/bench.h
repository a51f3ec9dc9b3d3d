/* strata bench: measurements of strata against OpenSSL driven directly in the
 * same process (cmd_bench.c runs them; one file per benchmark). Every figure
 * is measured on this thread's CPU time, strata and OpenSSL alternating, so
 * a busy machine slows both alike. */
#ifndef STRATA_CLI_BENCH_H
#define STRATA_CLI_BENCH_H

#include <stddef.h>

#include <openssl/ssl.h>

#include "strata/pki.h"
#include "strata/tls.h"

/* One row of the table. */
struct bench_row {
    char what[64];
    const char *unit;  /* "hs/s", "MB/s" (10^6 bytes) */
    const char *bench; /* the WHAT that measured it ("onion"): bench_out's */
    double strata, openssl;
    int layers; /* nested TLS layers of an onion row, else 0 */
};

/* Where a benchmark puts its rows (cmd_bench.c prints them). */
struct bench_out {
    struct bench_row *rows;
    size_t n, cap;
    const char *bench; /* the WHAT running now (static string), given to its rows */
};

/* Adds a row; 0, or -1 when the table is full (after reporting it). */
int bench_add(struct bench_out *o, const char *what, const char *unit, double s, double ossl);

/* "strata bench: <what>..." on stderr, when the run is long enough to
 * want it (cmd_bench.c decides). */
void bench_progress(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* This thread's CPU seconds. */
double bench_cpu_now(void);

/* In-memory credentials: an ECDSA P-256 CA and a leaf for "localhost"
 * (subjectAltName DNS:localhost) signed by it, made with strata's pki API. */
struct bench_creds {
    strata_pkey *ca_key, *key;
    strata_x509 *ca, *leaf;
};
/* 0, or -1 after reporting why. Free with bench_creds_free. */
int bench_creds_make(struct bench_creds *c);
void bench_creds_free(struct bench_creds *c);

/* TLS 1.3 contexts for a client (X25519, verifying the chain against c->ca)
 * and a server (c->leaf and c->key): strata's and OpenSSL's, set alike. */
struct bench_ctxs {
    strata_tls_ctx *st_client, *st_server;
    SSL_CTX *os_client, *os_server;
};
/* suites: the TLS 1.3 suites, or NULL for the defaults. 0, or -1 after
 * reporting why; free with bench_ctxs_free also on failure. */
int bench_ctxs_make(const struct bench_creds *c, const char *suites, struct bench_ctxs *x);
void bench_ctxs_free(struct bench_ctxs *x);

/* Benchmarks: each runs its measurements for `seconds` per side (strata,
 * OpenSSL) and adds its rows; 0, or -1 after reporting why. */
int bench_handshakes(const struct bench_creds *c, double seconds, struct bench_out *o);
int bench_onion(const struct bench_creds *c, double seconds, struct bench_out *o);
int bench_ssh_cipher(double seconds, struct bench_out *o);
/* SSH key exchanges per second and the post-quantum KEMs' operations, beside
 * OpenSSL's X25519 (bench_kex.c). */
int bench_kex(double seconds, struct bench_out *o);

/* The SSH rows (bench_ssh.c), also run alone by bench/ssh_cipher_bench.c. */
size_t bench_ssh_row_count(void);
/* Cipher and MAC names of row i (mac "-" for AEAD ciphers). */
void bench_ssh_row_names(size_t i, const char **cipher, const char **mac);
/* Seal and open of 32 KiB payloads through strata's packet protection for
 * `seconds` of CPU time: MB/s of payload each (10^6 bytes); 0 or -1 after
 * reporting why. */
int bench_ssh_row_strata(size_t i, double seconds, double *seal, double *open);

#endif
