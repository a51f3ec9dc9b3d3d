/* strata bench handshakes: full TLS 1.3 handshakes per second in memory.
 *
 * strata: a strata_tls_conn client and server back to back, bytes moved
 * between their memory buffers. OpenSSL: the same handshake between two SSL
 * objects on memory BIOs. Both: X25519, the ECDSA P-256 leaf of
 * bench_creds (made in memory), the client verifying the chain against the
 * CA and the host name "localhost". Also the in-memory credentials that
 * every TLS benchmark uses.
 */
#include <stdio.h>
#include <time.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include "bench.h"
#include "cert_util.h"
#include "cli.h"
#include "strata/tls.h"

double bench_cpu_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int bench_add(struct bench_out *o, const char *what, const char *unit, double s, double ossl)
{
    if (o->n == o->cap) {
        cli_err("bench: internal: more than %zu rows", o->cap);
        return -1;
    }
    struct bench_row *r = &o->rows[o->n++];
    snprintf(r->what, sizeof(r->what), "%s", what);
    r->unit = unit;
    r->bench = o->bench;
    r->layers = 0;
    r->strata = s;
    r->openssl = ossl;
    return 0;
}

/* ---- credentials ------------------------------------------------------------------ */

static int make_cert(const char *subject, const strata_pkey *key, const strata_x509 *issuer,
                     const strata_pkey *issuer_key, strata_x509 **out)
{
    strata_x509_name *name = NULL;
    strata_error err;
    strata_error_clear(&err);
    if (strata_x509_name_parse(subject, &name, &err) != STRATA_OK) {
        cert_report("bench: subject", &err);
        return -1;
    }
    struct cert_params p = {
        .subject = name,
        .pubkey = key,
        .issuer = issuer,
        .issuer_key = issuer_key,
        .days = 1,
        .usage = issuer ? CERT_USAGE_SERVER : CERT_USAGE_CA,
        .pathlen = -1,
        .san = issuer ? "DNS:localhost" : NULL,
    };
    int rc = cert_build(&p, out);
    strata_x509_name_free(name);
    return rc == CLI_OK ? 0 : -1;
}

int bench_creds_make(struct bench_creds *c)
{
    strata_error err;
    strata_error_clear(&err);
    *c = (struct bench_creds){0};
    if (strata_pkey_generate_spec("ec:p256", &c->ca_key, &err) != STRATA_OK ||
        strata_pkey_generate_spec("ec:p256", &c->key, &err) != STRATA_OK) {
        cert_report("bench: generating keys", &err);
        return -1;
    }
    if (make_cert("/CN=strata bench CA", c->ca_key, NULL, c->ca_key, &c->ca) != 0 ||
        make_cert("/CN=localhost", c->key, c->ca, c->ca_key, &c->leaf) != 0)
        return -1;
    return 0;
}

void bench_creds_free(struct bench_creds *c)
{
    strata_pkey_free(c->ca_key);
    strata_pkey_free(c->key);
    strata_x509_free(c->ca);
    strata_x509_free(c->leaf);
    *c = (struct bench_creds){0};
}

/* ---- strata ------------------------------------------------------------------------ */

static int hs_move(strata_tls_conn *from, strata_tls_conn *to)
{
    size_t n, used;
    const uint8_t *p;
    while ((p = strata_tls_conn_bio_read_buf(from, &n)) != NULL && n > 0) {
        if (strata_tls_conn_bio_write(to, p, n, &used) != STRATA_OK ||
            strata_tls_conn_bio_read_ack(from, used) != STRATA_OK || used == 0)
            return -1;
    }
    return 0;
}

/* One handshake, the client verifying the server for `name`; 0 when it
 * completed, -1 (reported unless quiet) when not. */
static int strata_handshake_once(strata_tls_ctx *cctx, strata_tls_ctx *sctx, const char *name,
                                 int quiet)
{
    strata_tls_conn *c = NULL, *s = NULL;
    int rc = -1;
    if (strata_tls_conn_new(cctx, &c) != STRATA_OK || strata_tls_conn_new(sctx, &s) != STRATA_OK ||
        strata_tls_conn_set_connect_state(c) != STRATA_OK ||
        strata_tls_conn_set_accept_state(s) != STRATA_OK ||
        strata_tls_conn_set_tlsext_host_name(c, name) != STRATA_OK) {
        cli_err("bench handshakes: making strata connections");
        goto out;
    }
    strata_status rcl = STRATA_WANT_READ, rsv = STRATA_WANT_READ;
    for (int turn = 0; rcl != STRATA_OK || rsv != STRATA_OK; turn++) {
        if (rcl != STRATA_OK)
            rcl = strata_tls_conn_handshake(c);
        if (rsv != STRATA_OK)
            rsv = strata_tls_conn_handshake(s);
        if (strata_status_is_error(rcl) || strata_status_is_error(rsv) || turn > 16 ||
            hs_move(c, s) != 0 || hs_move(s, c) != 0) {
            const strata_error *e =
                strata_status_is_error(rsv) ? strata_tls_conn_error(s) : strata_tls_conn_error(c);
            if (!quiet)
                cli_err("bench handshakes: strata: %s", strata_error_message(e));
            goto out;
        }
    }
    rc = 0;
out:
    strata_tls_conn_free(c);
    strata_tls_conn_free(s);
    return rc;
}

static int strata_contexts(const struct bench_creds *cr, const char *suites, strata_tls_ctx **cctx,
                           strata_tls_ctx **sctx)
{
    strata_x509_store *store = NULL;
    strata_error err;
    strata_error_clear(&err);
    int ok = strata_tls_ctx_new(STRATA_TLS_METHOD_TLSV1_3, cctx) == STRATA_OK &&
             strata_tls_ctx_new(STRATA_TLS_METHOD_TLSV1_3, sctx) == STRATA_OK &&
             strata_tls_ctx_set_groups(*cctx, "X25519") == STRATA_OK &&
             strata_tls_ctx_use_certificate(*sctx, cr->leaf) == STRATA_OK &&
             strata_tls_ctx_use_privatekey(*sctx, cr->key) == STRATA_OK &&
             strata_tls_ctx_get_cert_store(*cctx, &store) == STRATA_OK &&
             strata_x509_store_add_cert(store, cr->ca, &err) == STRATA_OK &&
             (!suites || (strata_tls_ctx_set_ciphersuites(*cctx, suites) == STRATA_OK &&
                          strata_tls_ctx_set_ciphersuites(*sctx, suites) == STRATA_OK));
    strata_x509_store_free(store);
    if (!ok)
        cli_err("bench: setting up strata's TLS contexts");
    return ok ? 0 : -1;
}

/* ---- OpenSSL directly --------------------------------------------------------------- */

static int ossl_move(BIO *from, BIO *to)
{
    char buf[16384];
    int k;
    while ((k = BIO_read(from, buf, sizeof(buf))) > 0)
        if (BIO_write(to, buf, k) != k)
            return -1;
    return 0;
}

/* One handshake step: 1 when done, 0 to go on, -1 on failure. */
static int ossl_step(SSL *ssl)
{
    int r = SSL_do_handshake(ssl);
    if (r == 1)
        return 1;
    return SSL_get_error(ssl, r) == SSL_ERROR_WANT_READ ? 0 : -1;
}

/* As strata_handshake_once. */
static int ossl_handshake_once(SSL_CTX *cctx, SSL_CTX *sctx, const char *name, int quiet)
{
    SSL *c = SSL_new(cctx), *s = SSL_new(sctx);
    BIO *c_in = BIO_new(BIO_s_mem()), *c_out = BIO_new(BIO_s_mem());
    BIO *s_in = BIO_new(BIO_s_mem()), *s_out = BIO_new(BIO_s_mem());
    int rc = -1;
    if (!c || !s || !c_in || !c_out || !s_in || !s_out) {
        BIO_free(c_in);
        BIO_free(c_out);
        BIO_free(s_in);
        BIO_free(s_out);
        goto out;
    }
    SSL_set_bio(c, c_in, c_out);
    SSL_set_bio(s, s_in, s_out);
    SSL_set_connect_state(c);
    SSL_set_accept_state(s);
    if (!SSL_set_tlsext_host_name(c, name) || !SSL_set1_host(c, name))
        goto out;
    int dc = 0, ds = 0;
    for (int turn = 0; !dc || !ds; turn++) {
        if (!dc && (dc = ossl_step(c)) < 0)
            goto out;
        if (!ds && (ds = ossl_step(s)) < 0)
            goto out;
        if (turn > 16 || ossl_move(c_out, s_in) != 0 || ossl_move(s_out, c_in) != 0)
            goto out;
    }
    rc = 0;
out:
    if (rc != 0 && !quiet) {
        cli_err("bench handshakes: OpenSSL handshake failed");
        ERR_print_errors_fp(stderr);
    }
    ERR_clear_error();
    SSL_free(c);
    SSL_free(s);
    return rc;
}

static int ossl_contexts(const struct bench_creds *cr, const char *suites, SSL_CTX **cctx,
                         SSL_CTX **sctx)
{
    *cctx = SSL_CTX_new(TLS_method());
    *sctx = SSL_CTX_new(TLS_method());
    if (!*cctx || !*sctx || !SSL_CTX_set_min_proto_version(*cctx, TLS1_3_VERSION) ||
        !SSL_CTX_set_min_proto_version(*sctx, TLS1_3_VERSION) ||
        !SSL_CTX_set1_groups_list(*cctx, "X25519") ||
        !X509_STORE_add_cert(SSL_CTX_get_cert_store(*cctx), strata_x509_openssl(cr->ca)) ||
        !SSL_CTX_use_certificate(*sctx, strata_x509_openssl(cr->leaf)) ||
        !SSL_CTX_use_PrivateKey(*sctx, strata_pkey_openssl(cr->key)) ||
        (suites &&
         (!SSL_CTX_set_ciphersuites(*cctx, suites) || !SSL_CTX_set_ciphersuites(*sctx, suites)))) {
        cli_err("bench: setting up OpenSSL's TLS contexts");
        ERR_print_errors_fp(stderr);
        return -1;
    }
    SSL_CTX_set_verify(*cctx, SSL_VERIFY_PEER, NULL);
    return 0;
}

int bench_ctxs_make(const struct bench_creds *cr, const char *suites, struct bench_ctxs *x)
{
    *x = (struct bench_ctxs){NULL, NULL, NULL, NULL};
    if (strata_contexts(cr, suites, &x->st_client, &x->st_server) != 0 ||
        ossl_contexts(cr, suites, &x->os_client, &x->os_server) != 0)
        return -1;
    return 0;
}

void bench_ctxs_free(struct bench_ctxs *x)
{
    strata_tls_ctx_free(x->st_client);
    strata_tls_ctx_free(x->st_server);
    SSL_CTX_free(x->os_client);
    SSL_CTX_free(x->os_server);
    *x = (struct bench_ctxs){NULL, NULL, NULL, NULL};
}

/* ---- the measurement ----------------------------------------------------------------- */

int bench_handshakes(const struct bench_creds *cr, double seconds, struct bench_out *o)
{
    struct bench_ctxs x;
    long n[2] = {0, 0};
    double t[2] = {0, 0};
    int rc = -1;
    if (bench_ctxs_make(cr, NULL, &x) != 0)
        goto out;
    /* Both clients verify the name: another one must fail. */
    if (strata_handshake_once(x.st_client, x.st_server, "other.example", 1) == 0 ||
        ossl_handshake_once(x.os_client, x.os_server, "other.example", 1) == 0) {
        cli_err("bench handshakes: a handshake for the wrong host name succeeded");
        goto out;
    }
    /* Two halves each, alternating, to share any drift in machine load. */
    for (int half = 0; half < 4; half++) {
        int who = half & 1;
        double t0 = bench_cpu_now(), dt;
        do {
            if ((who ? ossl_handshake_once(x.os_client, x.os_server, "localhost", 0)
                     : strata_handshake_once(x.st_client, x.st_server, "localhost", 0)) != 0)
                goto out;
            n[who]++;
        } while ((dt = bench_cpu_now() - t0) < seconds / 2);
        t[who] += dt;
    }
    rc = bench_add(o, "handshakes TLS 1.3 X25519 P-256", "hs/s", (double)n[0] / t[0],
                   (double)n[1] / t[1]);
out:
    bench_ctxs_free(&x);
    return rc;
}
