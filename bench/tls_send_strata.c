/* tls_send_strata: the strata sender - socket mode (strata/tls_socket.h),
 * TLS 1.3, TLS_AES_128_GCM_SHA256, 16 KiB sendall calls, certificate and
 * host name verified. --cork 1 gathers records into fewer, larger socket
 * writes. Prints "MBps=... cpu_s_per_GB=...". */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_common.h"
#include "strata/tls.h"
#include "strata/tls_socket.h"

int main(int argc, char **argv)
{
    int port = atoi(bench_arg(argc, argv, "--port", "0"));
    unsigned long long bytes = strtoull(bench_arg(argc, argv, "--bytes", "1073741824"), NULL, 10);
    size_t chunk = (size_t)atoi(bench_arg(argc, argv, "--write", "16384"));
    int cork = atoi(bench_arg(argc, argv, "--cork", "0"));
    strata_tls_ctx *ctx;
    strata_tls_conn *c;
    if (strata_tls_ctx_new(STRATA_TLS_METHOD_TLSV1_3, &ctx) != STRATA_OK ||
        strata_tls_ctx_load_verify_locations(ctx, bench_arg(argc, argv, "--ca", ""), NULL) !=
            STRATA_OK ||
        strata_tls_ctx_set_ciphersuites(ctx, "TLS_AES_128_GCM_SHA256") != STRATA_OK)
        bench_die("client context");
    unsigned char *buf = malloc(chunk);
    memset(buf, 'x', chunk);
    if (strata_tls_conn_new_socket(ctx, bench_connect(port), &c) != STRATA_OK ||
        strata_tls_conn_set_connect_state(c) != STRATA_OK ||
        strata_tls_conn_set_tlsext_host_name(c, "localhost") != STRATA_OK ||
        strata_tls_conn_handshake(c) != STRATA_OK)
        bench_die(strata_error_message(strata_tls_conn_error(c)));
    strata_tls_conn_set_cork(c, cork);
    double t0 = bench_now(), c0 = bench_cpu();
    for (unsigned long long sent = 0; sent < bytes;) {
        size_t n;
        if (strata_tls_conn_sendall(c, buf, chunk, &n) != STRATA_OK)
            bench_die(strata_error_message(strata_tls_conn_error(c)));
        sent += n;
    }
    int done;
    if (strata_tls_conn_shutdown(c, &done) != STRATA_OK)
        bench_die("shutdown");
    char tmp[64];
    size_t got;
    while (strata_tls_conn_recv(c, tmp, sizeof(tmp), &got) == STRATA_OK) /* the sink's close */
        ;
    double dt = bench_now() - t0, cpu = bench_cpu() - c0;
    printf("MBps=%.1f cpu_s_per_GB=%.3f bytes=%llu seconds=%.3f\n", (double)bytes / dt / 1e6,
           cpu / ((double)bytes / 1e9), bytes, dt);
    strata_tls_conn_free(c);
    strata_tls_ctx_free(ctx);
    free(buf);
    return 0;
}
