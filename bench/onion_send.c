/* onion_send: bulk sender through N stacked strata TLS layers over loopback
 * TCP, for bench/run-onion.sh. It speaks the sink protocol of the peers'
 * tlsbench server (../shared/peers-bench): an 8-byte big-endian length, that
 * many bytes, then the server answers 'K'. TLS 1.3, TLS_AES_128_GCM_SHA256,
 * X25519, as the peers' programs use, so strata and the hand-written OpenSSL
 * onion are measured against the same sink.
 *
 *   onion_send --port P --layers N --ca CERT --bytes B [--chunk C]
 * Prints: layers=N bytes=B hs_ms=... data_s=... MBps=... cpu_s_per_GB=...
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_common.h"
#include "strata/io.h"
#include "strata/pki.h"
#include "strata/tls.h"
#include "strata/tls_layer.h"

static uint8_t zeros[1 << 18];

struct sender {
    uint64_t total, sent;
    size_t chunk;
    uint8_t hdr[8];
    size_t hdr_off;
    int got_k, ended;
    double t_start, t_up, t_end, cpu_up, cpu_end;
    size_t layers;
    strata_error err;
    strata_io_conn *conn;
};

static strata_status s_start(void *self, strata_io_conn *c)
{
    ((struct sender *)self)->conn = c;
    return STRATA_OK;
}

static const uint8_t *s_in(void *self, size_t *n, strata_status *st)
{
    struct sender *s = self;
    *st = s->got_k ? STRATA_CLOSED : STRATA_OK;
    *n = 0;
    if (s->hdr_off < 8) {
        *n = 8 - s->hdr_off;
        return s->hdr + s->hdr_off;
    }
    uint64_t left = s->total - s->sent;
    size_t k = s->chunk < sizeof(zeros) ? s->chunk : sizeof(zeros);
    *n = left < k ? (size_t)left : k;
    return zeros;
}

static void s_in_ack(void *self, size_t n)
{
    struct sender *s = self;
    if (s->hdr_off < 8) {
        s->hdr_off += n;
        return;
    }
    s->sent += n;
}

static strata_status s_out(void *self, const uint8_t *p, size_t n, size_t *used)
{
    struct sender *s = self;
    *used = n;
    if (n > 0 && p[0] == 'K' && !s->got_k) {
        s->got_k = 1;
        s->t_end = bench_now();
        s->cpu_end = bench_cpu();
        strata_io_conn_kick(s->conn);
    }
    return STRATA_OK;
}

static strata_status s_out_eof(void *self)
{
    ((struct sender *)self)->ended = 1;
    return STRATA_OK;
}

static int s_out_done(const void *self)
{
    (void)self;
    return 1;
}

static const strata_error *s_error(const void *self)
{
    return &((const struct sender *)self)->err;
}

static void s_close(void *self, void (*done)(void *), void *arg)
{
    ((struct sender *)self)->conn = NULL;
    if (done)
        done(arg);
}

static const struct strata_io_app_ops sender_ops = {
    "onion-send", s_start, s_in, s_in_ack, s_out, s_out_eof, s_out_done, s_error, s_close, NULL,
};

static void on_event(void *user, strata_stack *st, enum strata_stack_event ev, size_t i)
{
    struct sender *s = user;
    (void)st;
    if (ev == STRATA_STACK_EV_LAYER_UP && i + 1 == s->layers) {
        s->t_up = bench_now();
        s->cpu_up = bench_cpu();
    }
}

static strata_error done_err;
static void on_done(void *user, strata_io_conn *c, const strata_error *err)
{
    (void)user;
    (void)c;
    strata_error_copy(&done_err, err);
}

int main(int argc, char **argv)
{
    int port = atoi(bench_arg(argc, argv, "--port", "0"));
    size_t layers = (size_t)atoi(bench_arg(argc, argv, "--layers", "1"));
    const char *ca = bench_arg(argc, argv, "--ca", NULL);
    struct sender s = {0};
    s.total = strtoull(bench_arg(argc, argv, "--bytes", "1073741824"), NULL, 10);
    s.chunk = (size_t)strtoul(bench_arg(argc, argv, "--chunk", "16384"), NULL, 10);
    s.layers = layers;
    for (int i = 0; i < 8; i++)
        s.hdr[i] = (uint8_t)(s.total >> (56 - 8 * i));
    if (!port || !ca || layers < 1 || layers > 16 || !s.chunk) {
        fprintf(stderr, "usage: onion_send --port P --layers N --ca CERT --bytes B [--chunk C]\n");
        return 2;
    }
    strata_tls_ctx *ctx;
    if (strata_tls_ctx_new(STRATA_TLS_METHOD_TLS, &ctx) != STRATA_OK ||
        strata_tls_ctx_set_min_version(ctx, STRATA_TLS_VERSION_TLS1_3) != STRATA_OK ||
        strata_tls_ctx_set_ciphersuites(ctx, "TLS_AES_128_GCM_SHA256") != STRATA_OK ||
        strata_tls_ctx_set_groups(ctx, "X25519") != STRATA_OK ||
        strata_tls_ctx_load_verify_locations(ctx, ca, NULL) != STRATA_OK)
        bench_die("TLS context");
    strata_io *io;
    strata_io_conn *c;
    strata_stack_config scfg = {.on_event = on_event, .user = &s};
    strata_io_conn_config cfg = {&scfg, 0, on_done, NULL};
    if (strata_io_new(&io) != STRATA_OK)
        bench_die("io");
    s.t_start = bench_now();
    if (strata_io_connect(io, "127.0.0.1", (uint16_t)port, (strata_io_app){&sender_ops, &s}, &cfg,
                          &c) != STRATA_OK)
        bench_die("connect");
    for (size_t i = 0; i < layers; i++) {
        strata_tls_conn *t;
        strata_layer l;
        if (strata_tls_conn_new(ctx, &t) != STRATA_OK ||
            strata_tls_conn_set_connect_state(t) != STRATA_OK ||
            strata_tls_conn_set_tlsext_host_name(t, "localhost") != STRATA_OK ||
            strata_tls_layer_new(t, &l) != STRATA_OK ||
            strata_stack_push(strata_io_conn_stack(c), l, NULL, 0) != STRATA_OK)
            bench_die("TLS layer");
    }
    if (strata_io_run(io) != STRATA_OK)
        bench_die("run");
    strata_io_free(io);
    strata_tls_ctx_free(ctx);
    if (!s.got_k) {
        fprintf(stderr, "onion_send: no ack: %s\n", strata_error_message(&done_err));
        return 1;
    }
    double data_s = s.t_end - s.t_up, cpu = s.cpu_end - s.cpu_up;
    printf("layers=%zu bytes=%llu hs_ms=%.3f data_s=%.4f MBps=%.1f cpu_s=%.4f cpu_s_per_GB=%.4f\n",
           layers, (unsigned long long)s.total, (s.t_up - s.t_start) * 1e3, data_s,
           (double)s.total / data_s / 1e6, cpu, cpu / ((double)s.total / 1e9));
    return 0;
}
