/* layer_mem: memory per idle, established strata TLS layer (issue 5: at most
 * 20 KiB resident per layer).
 *
 * Method (the same as the peers' `tlsbench conns`, section D of their
 * RESULTS.md, so the figures compare): N client/server pairs in one process,
 * each side a strata stack (strata/stack.h) holding one TLS layer
 * (strata/tls_layer.h); the two stacks' wire faces are joined in memory until
 * both layers are UP, then one small message goes each way, so the client
 * has read the server's session tickets (OpenSSL's default 2 unless
 * --tickets says otherwise). The side(s) not kept are freed at once; the kept
 * stacks are trimmed (strata_stack_trim, unless --trim 0) and stay idle.
 * After 3 warm-up pairs (one-time allocations) and malloc_trim(0) comes the
 * baseline; after the N pairs and malloc_trim(0) the second reading. Printed:
 * the resident-set delta (/proc/self/statm) and the glibc heap delta
 * (mallinfo2().uordblks) divided by the number of layers kept.
 *
 * TLS 1.3, TLS_AES_128_GCM_SHA256, X25519, an ECDSA P-256 certificate for
 * "localhost" made at start with strata's pki API (or --cert/--key/--ca
 * files); the client verifies chain and name; session caches off on both
 * contexts, as in the peers' program.
 *
 *   layer_mem [--n 1000] [--keep client|server|both] [--trim 0|1]
 *             [--tickets N] [--cert f --key f --ca f]
 * prints one line:
 *   n=1000 keep=client trim=1 tickets=default layers=1000 rss0_kib=..
 *   rss1_kib=.. rss_kib_per_layer=.. heap_kib_per_layer=..
 */
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bench_common.h"
#include "strata/pkey.h"
#include "strata/stack.h"
#include "strata/store.h"
#include "strata/tls_layer.h"
#include "strata/x509.h"
#include "strata/x509_ext.h"
#include "strata/x509_name.h"
/* For --tickets only: strata's public API has no setter for the number of
 * TLS 1.3 tickets a server sends, so set_num_tickets reaches the SSL_CTX. */
#include "tls/tls_internal.h"

static struct {
    long n;
    const char *keep;
    int keep_client, keep_server;
    int trim;
    long tickets; /* -1: OpenSSL's default */
    const char *cert, *key, *ca;
} opt;

static void check(strata_status r, const char *what, const strata_error *err)
{
    if (r == STRATA_OK)
        return;
    fprintf(stderr, "layer_mem: %s: %s%s%s\n", what, strata_status_name(r), err ? ": " : "",
            err ? strata_error_message(err) : "");
    exit(1);
}

/* ---- identity and contexts ------------------------------------------------------ */

/* A self-signed ECDSA P-256 certificate for "localhost", valid for a day. */
static void make_identity(strata_x509 **cert, strata_pkey **key)
{
    strata_error err;
    strata_x509_name *name = NULL;
    strata_x509_ext *san = NULL;
    strata_error_clear(&err);
    check(strata_pkey_generate(STRATA_PKEY_EC, 0, "P-256", key, &err), "key", &err);
    check(strata_x509_new(cert, &err), "certificate", &err);
    check(strata_x509_set_version(*cert, STRATA_X509_V3, &err), "version", &err);
    check(strata_x509_set_serial_random(*cert, &err), "serial", &err);
    check(strata_x509_name_new(&name, &err), "name", &err);
    check(strata_x509_name_set(name, "CN", "localhost", &err), "name", &err);
    check(strata_x509_set_subject(*cert, name, &err), "subject", &err);
    check(strata_x509_set_issuer(*cert, name, &err), "issuer", &err);
    check(strata_x509_set_pubkey(*cert, *key, &err), "public key", &err);
    time_t now = time(NULL);
    check(strata_x509_gmtime_adj_not_before(*cert, now, -3600, &err), "not before", &err);
    check(strata_x509_gmtime_adj_not_after(*cert, now, 86400, &err), "not after", &err);
    check(strata_x509_ext_new("subjectAltName", 0, "DNS:localhost", NULL, NULL, &san, &err),
          "subjectAltName", &err);
    check(strata_x509_add_ext(*cert, san, &err), "subjectAltName", &err);
    check(strata_x509_sign(*cert, *key, "sha256", &err), "sign", &err);
    strata_x509_ext_free(san);
    strata_x509_name_free(name);
}

static void set_num_tickets(strata_tls_ctx *ctx, long n)
{
    if (SSL_CTX_set_num_tickets(ctx->ctx, (size_t)n) != 1)
        bench_die("SSL_CTX_set_num_tickets");
}

static strata_tls_ctx *new_ctx(void)
{
    strata_tls_ctx *ctx;
    check(strata_tls_ctx_new(STRATA_TLS_METHOD_TLSV1_3, &ctx), "context", NULL);
    check(strata_tls_ctx_set_ciphersuites(ctx, "TLS_AES_128_GCM_SHA256"), "suites",
          strata_tls_ctx_error(ctx));
    check(strata_tls_ctx_set_groups(ctx, "X25519"), "groups", strata_tls_ctx_error(ctx));
    (void)strata_tls_ctx_set_session_cache_mode(ctx, STRATA_TLS_SESS_CACHE_OFF);
    return ctx;
}

static void make_contexts(strata_tls_ctx **cctx, strata_tls_ctx **sctx)
{
    *cctx = new_ctx();
    *sctx = new_ctx();
    if (opt.tickets >= 0)
        set_num_tickets(*sctx, opt.tickets);
    if (opt.cert) {
        check(strata_tls_ctx_use_certificate_chain_file(*sctx, opt.cert), "--cert",
              strata_tls_ctx_error(*sctx));
        check(strata_tls_ctx_use_privatekey_file(*sctx, opt.key, STRATA_TLS_FILETYPE_PEM), "--key",
              strata_tls_ctx_error(*sctx));
        check(strata_tls_ctx_load_verify_locations(*cctx, opt.ca, NULL), "--ca",
              strata_tls_ctx_error(*cctx));
        return;
    }
    strata_x509 *cert;
    strata_pkey *key;
    strata_x509_store *store;
    strata_error err;
    strata_error_clear(&err);
    make_identity(&cert, &key);
    check(strata_tls_ctx_use_certificate(*sctx, cert), "certificate", strata_tls_ctx_error(*sctx));
    check(strata_tls_ctx_use_privatekey(*sctx, key), "key", strata_tls_ctx_error(*sctx));
    check(strata_tls_ctx_get_cert_store(*cctx, &store), "store", strata_tls_ctx_error(*cctx));
    check(strata_x509_store_add_cert(store, cert, &err), "trust", &err);
    strata_x509_store_free(store);
    strata_x509_free(cert);
    strata_pkey_free(key);
}

/* ---- a pair of stacks joined in memory ------------------------------------------ */

static strata_stack *new_side(strata_tls_ctx *ctx, int server)
{
    strata_stack *st;
    strata_tls_conn *c;
    strata_layer l;
    check(strata_stack_new(NULL, &st), "stack", NULL);
    check(strata_tls_conn_new(ctx, &c), "connection", strata_tls_ctx_error(ctx));
    if (server) {
        check(strata_tls_conn_set_accept_state(c), "accept state", strata_tls_conn_error(c));
    } else {
        check(strata_tls_conn_set_connect_state(c), "connect state", strata_tls_conn_error(c));
        check(strata_tls_conn_set_tlsext_host_name(c, "localhost"), "SNI",
              strata_tls_conn_error(c));
    }
    check(strata_tls_layer_new(c, &l), "layer", strata_tls_conn_error(c));
    check(strata_stack_push(st, l, NULL, 0), "push", strata_stack_error(st));
    return st;
}

static int layer_up(const strata_stack *st)
{
    const strata_layer *l = strata_stack_layer(st, 0);
    return l && (l->ops->state(l->self) & STRATA_LAYER_UP);
}

/* Moves what `from` has for the wire into `to`; returns the bytes moved. */
static size_t move(strata_stack *from, strata_stack *to)
{
    size_t n, used;
    strata_status st;
    const uint8_t *p = strata_stack_wire_out(from, &n, &st);
    check(st, "wire_out", strata_stack_error(from));
    if (!p || n == 0)
        return 0;
    check(strata_stack_wire_write(to, p, n, &used), "wire_write", strata_stack_error(to));
    strata_stack_wire_ack(from, used);
    return used;
}

static void pump(strata_stack *a, strata_stack *b)
{
    for (int round = 0; round < 1000; round++)
        if (move(a, b) + move(b, a) == 0)
            return;
    fprintf(stderr, "layer_mem: the pair did not settle in 1000 rounds\n");
    exit(1);
}

static void say(strata_stack *st, const char *msg)
{
    size_t used;
    check(strata_stack_app_write(st, (const uint8_t *)msg, strlen(msg), &used), "app_write",
          strata_stack_error(st));
    if (used != strlen(msg)) {
        fprintf(stderr, "layer_mem: app_write took %zu of %zu bytes\n", used, strlen(msg));
        exit(1);
    }
}

static void expect(strata_stack *st, const char *want)
{
    size_t n;
    strata_status s;
    const uint8_t *p = strata_stack_app_in(st, &n, &s);
    check(s, "app_in", strata_stack_error(st));
    if (n != strlen(want) || memcmp(p, want, n) != 0) {
        fprintf(stderr, "layer_mem: expected '%s', got %zu bytes\n", want, n);
        exit(1);
    }
    strata_stack_app_ack(st, n);
}

/* Handshake, then one message each way: the client has read the server's
 * tickets (they precede "pong" on the wire). */
static void make_pair(strata_tls_ctx *cctx, strata_tls_ctx *sctx, strata_stack **c,
                      strata_stack **s)
{
    *c = new_side(cctx, 0);
    *s = new_side(sctx, 1);
    pump(*c, *s);
    if (!layer_up(*c) || !layer_up(*s)) {
        check(strata_stack_error(*c)->status, "client", strata_stack_error(*c));
        check(strata_stack_error(*s)->status, "server", strata_stack_error(*s));
        fprintf(stderr, "layer_mem: handshake did not finish\n");
        exit(1);
    }
    say(*c, "ping");
    say(*s, "pong");
    pump(*c, *s);
    expect(*s, "ping");
    expect(*c, "pong");
}

/* ---- measuring ------------------------------------------------------------------- */

static long rss_kib(void)
{
    long size = 0, resident = 0;
    FILE *f = fopen("/proc/self/statm", "r");
    if (!f || fscanf(f, "%ld %ld", &size, &resident) != 2)
        bench_die("/proc/self/statm");
    fclose(f);
    return resident * (sysconf(_SC_PAGESIZE) / 1024);
}

static void keep_or_free(strata_stack *st, int keep, strata_stack **kept, size_t *k)
{
    if (!keep) {
        strata_stack_free(st);
        return;
    }
    if (opt.trim)
        strata_stack_trim(st);
    kept[(*k)++] = st;
}

static void parse(int argc, char **argv)
{
    opt.n = atol(bench_arg(argc, argv, "--n", "1000"));
    opt.keep = bench_arg(argc, argv, "--keep", "client");
    opt.trim = atoi(bench_arg(argc, argv, "--trim", "1"));
    opt.tickets = atol(bench_arg(argc, argv, "--tickets", "-1"));
    opt.cert = bench_arg(argc, argv, "--cert", NULL);
    opt.key = bench_arg(argc, argv, "--key", NULL);
    opt.ca = bench_arg(argc, argv, "--ca", NULL);
    opt.keep_client = strcmp(opt.keep, "client") == 0 || strcmp(opt.keep, "both") == 0;
    opt.keep_server = strcmp(opt.keep, "server") == 0 || strcmp(opt.keep, "both") == 0;
    if (opt.n < 1 || (!opt.keep_client && !opt.keep_server) || (opt.trim != 0 && opt.trim != 1) ||
        (!opt.cert != !opt.key) || (!opt.cert != !opt.ca)) {
        fprintf(stderr, "usage: layer_mem [--n N>=1] [--keep client|server|both] [--trim 0|1] "
                        "[--tickets N] [--cert f --key f --ca f]\n");
        exit(2);
    }
}

int main(int argc, char **argv)
{
    parse(argc, argv);
    strata_tls_ctx *cctx, *sctx;
    make_contexts(&cctx, &sctx);
    strata_stack **kept = calloc((size_t)opt.n * 2, sizeof(*kept));
    if (!kept)
        bench_die("calloc");
    for (int i = 0; i < 3; i++) { /* warm-up: one-time allocations */
        strata_stack *c, *s;
        make_pair(cctx, sctx, &c, &s);
        strata_stack_free(c);
        strata_stack_free(s);
    }
    malloc_trim(0);
    long rss0 = rss_kib();
    struct mallinfo2 m0 = mallinfo2();
    size_t k = 0;
    for (long i = 0; i < opt.n; i++) {
        strata_stack *c, *s;
        make_pair(cctx, sctx, &c, &s);
        keep_or_free(c, opt.keep_client, kept, &k);
        keep_or_free(s, opt.keep_server, kept, &k);
    }
    malloc_trim(0);
    long rss1 = rss_kib();
    struct mallinfo2 m1 = mallinfo2();
    char tickets[24] = "default";
    if (opt.tickets >= 0)
        snprintf(tickets, sizeof(tickets), "%ld", opt.tickets);
    printf("n=%ld keep=%s trim=%d tickets=%s layers=%zu rss0_kib=%ld rss1_kib=%ld "
           "rss_kib_per_layer=%.2f heap_kib_per_layer=%.2f\n",
           opt.n, opt.keep, opt.trim, tickets, k, rss0, rss1, (double)(rss1 - rss0) / (double)k,
           ((double)m1.uordblks - (double)m0.uordblks) / 1024.0 / (double)k);
    for (size_t i = 0; i < k; i++)
        strata_stack_free(kept[i]);
    free(kept);
    strata_tls_ctx_free(cctx);
    strata_tls_ctx_free(sctx);
    return 0;
}
