/* tls_send_plain: the comparison sender - a plain C program that calls
 * OpenSSL's SSL_write on the socket (TLS 1.3, TLS_AES_128_GCM_SHA256, 16 KiB
 * writes). Prints "MBps=... cpu_s_per_GB=...". */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <openssl/ssl.h>

#include "bench_common.h"

int main(int argc, char **argv)
{
    int port = atoi(bench_arg(argc, argv, "--port", "0"));
    unsigned long long bytes = strtoull(bench_arg(argc, argv, "--bytes", "1073741824"), NULL, 10);
    size_t chunk = (size_t)atoi(bench_arg(argc, argv, "--write", "16384"));
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
    if (!ctx || !SSL_CTX_load_verify_file(ctx, bench_arg(argc, argv, "--ca", "")) ||
        !SSL_CTX_set_ciphersuites(ctx, "TLS_AES_128_GCM_SHA256"))
        bench_die("client context");
    SSL_CTX_set_min_proto_version(ctx, TLS1_3_VERSION);
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
    unsigned char *buf = malloc(chunk);
    memset(buf, 'x', chunk);
    int fd = bench_connect(port);
    SSL *ssl = SSL_new(ctx);
    SSL_set_fd(ssl, fd);
    SSL_set_tlsext_host_name(ssl, "localhost");
    SSL_set1_host(ssl, "localhost");
    if (SSL_connect(ssl) != 1)
        bench_die("handshake");
    double t0 = bench_now(), c0 = bench_cpu();
    for (unsigned long long sent = 0; sent < bytes;) {
        size_t n;
        if (!SSL_write_ex(ssl, buf, chunk, &n))
            bench_die("SSL_write");
        sent += n;
    }
    SSL_shutdown(ssl);
    char tmp[64];
    size_t got;
    while (SSL_read_ex(ssl, tmp, sizeof(tmp), &got)) /* until the sink's close_notify */
        ;
    double dt = bench_now() - t0, cpu = bench_cpu() - c0;
    printf("MBps=%.1f cpu_s_per_GB=%.3f bytes=%llu seconds=%.3f\n", (double)bytes / dt / 1e6,
           cpu / ((double)bytes / 1e9), bytes, dt);
    SSL_free(ssl);
    close(fd);
    SSL_CTX_free(ctx);
    free(buf);
    return 0;
}
