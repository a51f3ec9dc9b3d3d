/* tls_sink: the receiving end of the bulk benchmark, plain OpenSSL on
 * blocking sockets. Serves --conns connections one after another: handshake,
 * SSL_read into 64 KiB until close_notify, answer it, close. The same sink
 * serves the strata sender and the plain sender. After each connection it
 * prints "sink: bytes=N wall_s=W cpu_s=C" on stdout: the time from the end
 * of the handshake to close_notify and its own CPU in that time, so a run
 * shows whether the sink (cpu_s / wall_s near 1) bounded the sender. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>
#include <openssl/ssl.h>

#include "bench_common.h"

int main(int argc, char **argv)
{
    int port = atoi(bench_arg(argc, argv, "--port", "0"));
    int conns = atoi(bench_arg(argc, argv, "--conns", "1"));
    SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
    if (!ctx || !SSL_CTX_use_certificate_chain_file(ctx, bench_arg(argc, argv, "--cert", "")) ||
        !SSL_CTX_use_PrivateKey_file(ctx, bench_arg(argc, argv, "--key", ""), SSL_FILETYPE_PEM))
        bench_die("sink context");
    SSL_CTX_set_min_proto_version(ctx, TLS1_3_VERSION);
    /* Read many records per system call, so the sink outruns the senders. */
    SSL_CTX_set_read_ahead(ctx, 1);
    SSL_CTX_set_default_read_buffer_len(ctx, 256 * 1024);
    int l = socket(AF_INET, SOCK_STREAM, 0), one = 1;
    struct sockaddr_in a = {.sin_family = AF_INET,
                            .sin_port = htons((uint16_t)port),
                            .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (bind(l, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(l, 8) < 0)
        bench_die("sink listen");
    printf("listening\n");
    fflush(stdout);
    static unsigned char buf[65536];
    for (int i = 0; i < conns; i++) {
        int fd = accept(l, NULL, NULL);
        SSL *ssl = SSL_new(ctx);
        SSL_set_fd(ssl, fd);
        if (SSL_accept(ssl) != 1)
            bench_die("sink handshake");
        unsigned long long total = 0;
        size_t n;
        double t0 = bench_now(), c0 = bench_cpu();
        while (SSL_read_ex(ssl, buf, sizeof(buf), &n))
            total += n;
        double wall = bench_now() - t0, cpu = bench_cpu() - c0;
        SSL_shutdown(ssl);
        printf("sink: bytes=%llu wall_s=%.4f cpu_s=%.4f\n", total, wall, cpu);
        fflush(stdout);
        SSL_free(ssl);
        close(fd);
    }
    close(l);
    SSL_CTX_free(ctx);
    return 0;
}
