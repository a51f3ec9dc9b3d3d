/* tls_handshakes: full TLS 1.3 handshakes per second in memory, strata
 * client and server back to back against the same handshake driven through
 * OpenSSL directly (SSL objects on memory BIOs). Same certificate, same
 * verification (chain and host name), same groups and suites.
 * Prints "strata_hs_per_s=... openssl_hs_per_s=... ratio=...". */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/ssl.h>

#include "bench_common.h"
#include "strata/tls.h"

static const char *cert, *key, *ca;

/* ---- strata ---------------------------------------------------------------------- */

static void move(strata_tls_conn *from, strata_tls_conn *to)
{
    size_t n, used;
    const uint8_t *p;
    while ((p = strata_tls_conn_bio_read_buf(from, &n)) != NULL) {
        if (strata_tls_conn_bio_write(to, p, n, &used) != STRATA_OK ||
            strata_tls_conn_bio_read_ack(from, used) != STRATA_OK || used == 0)
            bench_die("move");
    }
}

static void strata_once(strata_tls_ctx *cctx, strata_tls_ctx *sctx)
{
    strata_tls_conn *c, *s;
    if (strata_tls_conn_new(cctx, &c) != STRATA_OK || strata_tls_conn_new(sctx, &s) != STRATA_OK ||
        strata_tls_conn_set_connect_state(c) != STRATA_OK ||
        strata_tls_conn_set_accept_state(s) != STRATA_OK ||
        strata_tls_conn_set_tlsext_host_name(c, "localhost") != STRATA_OK)
        bench_die("strata conns");
    strata_status rc = STRATA_WANT_READ, rs = STRATA_WANT_READ;
    while (rc != STRATA_OK || rs != STRATA_OK) {
        if (rc != STRATA_OK)
            rc = strata_tls_conn_handshake(c);
        move(c, s);
        if (rs != STRATA_OK)
            rs = strata_tls_conn_handshake(s);
        move(s, c);
        if (strata_status_is_error(rc) || strata_status_is_error(rs))
            bench_die(strata_error_message(strata_tls_conn_error(c)));
    }
    strata_tls_conn_free(c);
    strata_tls_conn_free(s);
}

static double run_strata(double seconds)
{
    strata_tls_ctx *cctx, *sctx;
    if (strata_tls_ctx_new(STRATA_TLS_METHOD_TLSV1_3, &cctx) != STRATA_OK ||
        strata_tls_ctx_new(STRATA_TLS_METHOD_TLSV1_3, &sctx) != STRATA_OK ||
        strata_tls_ctx_load_verify_locations(cctx, ca, NULL) != STRATA_OK ||
        strata_tls_ctx_set_groups(cctx, "X25519") != STRATA_OK ||
        strata_tls_ctx_use_certificate_chain_file(sctx, cert) != STRATA_OK ||
        strata_tls_ctx_use_privatekey_file(sctx, key, STRATA_TLS_FILETYPE_PEM) != STRATA_OK)
        bench_die("strata contexts");
    long n = 0;
    double t0 = bench_now(), t;
    while ((t = bench_now() - t0) < seconds) {
        strata_once(cctx, sctx);
        n++;
    }
    strata_tls_ctx_free(cctx);
    strata_tls_ctx_free(sctx);
    return (double)n / t;
}

/* ---- OpenSSL directly -------------------------------------------------------------- */

static void ossl_move(BIO *from, BIO *to)
{
    char buf[16384];
    int k;
    while ((k = BIO_read(from, buf, sizeof(buf))) > 0)
        if (BIO_write(to, buf, k) != k)
            bench_die("ossl move");
}

static void ossl_once(SSL_CTX *cctx, SSL_CTX *sctx)
{
    SSL *c = SSL_new(cctx), *s = SSL_new(sctx);
    BIO *c_in = BIO_new(BIO_s_mem()), *c_out = BIO_new(BIO_s_mem());
    BIO *s_in = BIO_new(BIO_s_mem()), *s_out = BIO_new(BIO_s_mem());
    SSL_set_bio(c, c_in, c_out);
    SSL_set_bio(s, s_in, s_out);
    SSL_set_connect_state(c);
    SSL_set_accept_state(s);
    SSL_set_tlsext_host_name(c, "localhost");
    SSL_set1_host(c, "localhost");
    int dc = 0, ds = 0;
    while (!dc || !ds) {
        if (!dc) {
            int r = SSL_do_handshake(c);
            dc = r == 1;
            if (r <= 0 && SSL_get_error(c, r) != SSL_ERROR_WANT_READ)
                bench_die("ossl client");
        }
        ossl_move(c_out, s_in);
        if (!ds) {
            int r = SSL_do_handshake(s);
            ds = r == 1;
            if (r <= 0 && SSL_get_error(s, r) != SSL_ERROR_WANT_READ)
                bench_die("ossl server");
        }
        ossl_move(s_out, c_in);
    }
    SSL_free(c);
    SSL_free(s);
}

static double run_openssl(double seconds)
{
    SSL_CTX *cctx = SSL_CTX_new(TLS_method()), *sctx = SSL_CTX_new(TLS_method());
    if (!cctx || !sctx || !SSL_CTX_load_verify_file(cctx, ca) ||
        !SSL_CTX_set1_groups_list(cctx, "X25519") ||
        !SSL_CTX_use_certificate_chain_file(sctx, cert) ||
        !SSL_CTX_use_PrivateKey_file(sctx, key, SSL_FILETYPE_PEM))
        bench_die("openssl contexts");
    SSL_CTX_set_min_proto_version(cctx, TLS1_3_VERSION);
    SSL_CTX_set_min_proto_version(sctx, TLS1_3_VERSION);
    SSL_CTX_set_verify(cctx, SSL_VERIFY_PEER, NULL);
    long n = 0;
    double t0 = bench_now(), t;
    while ((t = bench_now() - t0) < seconds) {
        ossl_once(cctx, sctx);
        n++;
    }
    SSL_CTX_free(cctx);
    SSL_CTX_free(sctx);
    return (double)n / t;
}

int main(int argc, char **argv)
{
    cert = bench_arg(argc, argv, "--cert", "");
    key = bench_arg(argc, argv, "--key", "");
    ca = bench_arg(argc, argv, "--ca", "");
    double seconds = atof(bench_arg(argc, argv, "--seconds", "3"));
    /* Alternate to share any drift in machine load. */
    double s1 = run_strata(seconds / 2), o1 = run_openssl(seconds / 2);
    double s2 = run_strata(seconds / 2), o2 = run_openssl(seconds / 2);
    double s = (s1 + s2) / 2, o = (o1 + o2) / 2;
    printf("strata_hs_per_s=%.0f openssl_hs_per_s=%.0f ratio=%.3f\n", s, o, s / o);
    return 0;
}
