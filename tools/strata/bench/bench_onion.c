/* strata bench onion: bulk throughput in memory through 1 to 4 nested TLS
 * layers (TLS 1.3, TLS_AES_128_GCM_SHA256, X25519; the client verifies
 * each layer's chain and host name), 16 KiB application writes.
 *
 * strata: two stacks (strata/stack.h) with N TLS layers each, joined in
 * memory (one's wire_out into the other's wire_write). The sender is corked:
 * it writes a burst, then calls strata_stack_flush.
 *
 * OpenSSL: N SSL objects per side, each on its own pair of memory BIOs. A
 * layer's output is written with SSL_write into the layer beneath it; the
 * outermost layer's output is the wire. Each layer's records are sized to
 * fit one record of the layer beneath (SSL_set_max_send_fragment of 16384
 * less 22 bytes of TLS 1.3 AES-GCM record overhead per layer above the
 * outermost), as strata sizes its own.
 *
 * Both figures count the bytes the receiving application got, over the CPU
 * time of both ends (one thread runs both).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include "bench.h"
#include "cli.h"
#include "demo_onion.h"
#include "strata/stack.h"
#include "strata/tls_layer.h"

#define ONION_MAX 4
#define WRITE_SIZE 16384
#define BURST 16           /* writes per burst */
#define RECORD_OVERHEAD 22 /* TLS 1.3 AES-GCM: 5 header + 1 type + 16 tag */
#define HS_TURNS 200

static const uint8_t zeros[WRITE_SIZE];

/* ---- strata ------------------------------------------------------------------------ */

static int st_failed(strata_stack *s, const char *who)
{
    const strata_error *e = strata_stack_error(s);
    cli_err("bench onion: strata %s: %s", who,
            e->status != STRATA_OK ? strata_error_message(e) : "the stack refused bytes");
    return -1;
}

static int st_push(strata_stack *s, strata_tls_ctx *ctx, int client, size_t depth)
{
    strata_error err;
    strata_error_clear(&err);
    for (size_t i = 0; i < depth; i++) {
        if (demo_onion_push_tls(s, ctx, client, &err) != STRATA_OK) {
            cli_err("bench onion: %s", strata_error_message(&err));
            return -1;
        }
    }
    return 0;
}

/* Moves what `from` has for the wire into `to`; *moved set when any moved. */
static int st_wire(strata_stack *from, strata_stack *to, int *moved)
{
    for (;;) {
        size_t n = 0, used = 0;
        strata_status st;
        const uint8_t *p = strata_stack_wire_out(from, &n, &st);
        if (strata_status_is_error(st))
            return st_failed(from, "sender");
        if (!p || n == 0)
            return 0;
        if (strata_stack_wire_write(to, p, n, &used) != STRATA_OK)
            return st_failed(to, "receiver");
        strata_stack_wire_ack(from, used);
        if (used == 0)
            return 0;
        *moved = 1;
    }
}

/* Takes every plaintext byte the application has; adds the count to *got. */
static int st_drain(strata_stack *s, uint64_t *got, int *moved)
{
    for (;;) {
        size_t n = 0;
        strata_status st;
        const uint8_t *p = strata_stack_app_in(s, &n, &st);
        if (strata_status_is_error(st))
            return st_failed(s, "application side");
        if (!p || n == 0)
            return 0;
        strata_stack_app_ack(s, n);
        *got += n;
        *moved = 1;
    }
}

/* Moves bytes both ways until nothing moves. */
static int st_pump(strata_stack *c, strata_stack *s, uint64_t *got)
{
    uint64_t back = 0;
    int moved;
    do {
        moved = 0;
        if (st_wire(c, s, &moved) != 0 || st_drain(s, got, &moved) != 0 ||
            st_wire(s, c, &moved) != 0 || st_drain(c, &back, &moved) != 0)
            return -1;
    } while (moved);
    return 0;
}

static int st_all_up(strata_stack *s, size_t depth)
{
    for (size_t i = 0; i < depth; i++) {
        const strata_layer *l = strata_stack_layer(s, i);
        if (!l || !(l->ops->state(l->self) & STRATA_LAYER_UP))
            return 0;
    }
    return 1;
}

struct st_pair {
    strata_stack *c, *s;
};

static int st_open(struct st_pair *p, strata_tls_ctx *cctx, strata_tls_ctx *sctx, size_t depth)
{
    strata_stack_config ccfg = {.cork = 1};
    uint64_t got = 0;
    if (strata_stack_new(&ccfg, &p->c) != STRATA_OK || strata_stack_new(NULL, &p->s) != STRATA_OK) {
        cli_err("bench onion: making the stacks");
        return -1;
    }
    if (st_push(p->s, sctx, 0, depth) != 0 || st_push(p->c, cctx, 1, depth) != 0)
        return -1;
    for (int turn = 0; !st_all_up(p->c, depth) || !st_all_up(p->s, depth); turn++) {
        if (turn == HS_TURNS) {
            cli_err("bench onion: strata's %zu layers did not come up", depth);
            return -1;
        }
        if (strata_stack_flush(p->c) != STRATA_OK || st_pump(p->c, p->s, &got) != 0)
            return -1;
    }
    return 0;
}

/* Sends bursts until `seconds` of CPU time passed; *got: bytes received. */
static int st_run(struct st_pair *p, double seconds, uint64_t *got, double *dt)
{
    double t0 = bench_cpu_now();
    do {
        for (int k = 0; k < BURST; k++) {
            size_t used = 0;
            if (strata_stack_app_write(p->c, zeros, sizeof(zeros), &used) != STRATA_OK)
                return st_failed(p->c, "sender");
            if (used < sizeof(zeros))
                break;
        }
        if (strata_stack_flush(p->c) != STRATA_OK)
            return st_failed(p->c, "sender");
        if (st_pump(p->c, p->s, got) != 0)
            return -1;
    } while ((*dt = bench_cpu_now() - t0) < seconds);
    return 0;
}

/* ---- OpenSSL ------------------------------------------------------------------------ */

struct os_side {
    SSL *ssl[ONION_MAX]; /* 0: outermost */
    BIO *rb[ONION_MAX], *wb[ONION_MAX];
};

struct os_pair {
    struct os_side c, s;
    size_t depth;
    uint8_t buf[WRITE_SIZE];
};

static int os_failed(const char *what)
{
    cli_err("bench onion: OpenSSL: %s", what);
    ERR_print_errors_fp(stderr);
    return -1;
}

static int os_side_new(struct os_side *sd, SSL_CTX *ctx, int client, size_t depth)
{
    for (size_t i = 0; i < depth; i++) {
        if (!(sd->ssl[i] = SSL_new(ctx)))
            return os_failed("SSL_new");
        BIO *r = BIO_new(BIO_s_mem()), *w = BIO_new(BIO_s_mem());
        if (!r || !w) {
            BIO_free(r);
            BIO_free(w);
            return os_failed("BIO_new");
        }
        SSL_set_bio(sd->ssl[i], r, w);
        sd->rb[i] = r;
        sd->wb[i] = w;
        if (!SSL_set_max_send_fragment(sd->ssl[i], WRITE_SIZE - RECORD_OVERHEAD * i))
            return os_failed("SSL_set_max_send_fragment");
        if (!client) {
            SSL_set_accept_state(sd->ssl[i]);
        } else {
            SSL_set_connect_state(sd->ssl[i]);
            if (!SSL_set_tlsext_host_name(sd->ssl[i], "localhost") ||
                !SSL_set1_host(sd->ssl[i], "localhost"))
                return os_failed("setting the host name");
        }
    }
    return 0;
}

static void os_side_free(struct os_side *sd)
{
    for (size_t i = 0; i < ONION_MAX; i++)
        SSL_free(sd->ssl[i]);
}

/* Inward: each layer's plaintext into the next layer in; the innermost's is
 * the application's (counted in *got). Drives the handshakes too. */
static int os_in(struct os_pair *p, struct os_side *sd, uint64_t *got)
{
    for (size_t i = 0; i < p->depth; i++) {
        for (;;) {
            int k = SSL_read(sd->ssl[i], p->buf, (int)sizeof(p->buf));
            if (k <= 0) {
                if (SSL_get_error(sd->ssl[i], k) != SSL_ERROR_WANT_READ)
                    return os_failed("SSL_read");
                break;
            }
            if (i + 1 == p->depth)
                *got += (uint64_t)k;
            else if (BIO_write(sd->rb[i + 1], p->buf, k) != k)
                return os_failed("BIO_write");
        }
    }
    return 0;
}

/* Outward: each layer's output into the layer beneath with SSL_write (once
 * that one is up); the outermost's goes to the peer's outermost. */
static int os_out(struct os_pair *p, struct os_side *sd, struct os_side *peer)
{
    for (size_t i = p->depth; i-- > 0;) {
        char *data = NULL;
        long n = BIO_get_mem_data(sd->wb[i], &data);
        if (n <= 0)
            continue;
        if (i == 0) {
            if (BIO_write(peer->rb[0], data, (int)n) != n)
                return os_failed("BIO_write");
        } else {
            if (!SSL_is_init_finished(sd->ssl[i - 1]))
                continue;
            if (SSL_write(sd->ssl[i - 1], data, (int)n) != n)
                return os_failed("SSL_write");
        }
        (void)BIO_reset(sd->wb[i]);
    }
    return 0;
}

static int os_pump(struct os_pair *p, uint64_t *got)
{
    uint64_t back = 0;
    if (os_out(p, &p->c, &p->s) != 0 || os_in(p, &p->s, got) != 0 || os_out(p, &p->s, &p->c) != 0 ||
        os_in(p, &p->c, &back) != 0)
        return -1;
    return 0;
}

static int os_all_up(const struct os_side *sd, size_t depth)
{
    for (size_t i = 0; i < depth; i++)
        if (!SSL_is_init_finished(sd->ssl[i]))
            return 0;
    return 1;
}

static int os_open(struct os_pair *p, SSL_CTX *cctx, SSL_CTX *sctx)
{
    uint64_t got = 0;
    if (os_side_new(&p->c, cctx, 1, p->depth) != 0 || os_side_new(&p->s, sctx, 0, p->depth) != 0)
        return -1;
    for (int turn = 0; !os_all_up(&p->c, p->depth) || !os_all_up(&p->s, p->depth); turn++) {
        if (turn == HS_TURNS)
            return os_failed("the layers did not come up");
        uint64_t back = 0;
        if (os_in(p, &p->c, &back) != 0 || os_pump(p, &got) != 0)
            return -1;
    }
    return 0;
}

static int os_run(struct os_pair *p, double seconds, uint64_t *got, double *dt)
{
    double t0 = bench_cpu_now();
    SSL *app = p->c.ssl[p->depth - 1];
    do {
        for (int k = 0; k < BURST; k++)
            if (SSL_write(app, zeros, (int)sizeof(zeros)) != (int)sizeof(zeros))
                return os_failed("SSL_write");
        if (os_pump(p, got) != 0)
            return -1;
    } while ((*dt = bench_cpu_now() - t0) < seconds);
    return 0;
}

/* ---- the measurement ------------------------------------------------------------------ */

static int onion_depth(const struct bench_ctxs *x, size_t depth, double seconds,
                       struct bench_out *o)
{
    struct st_pair sp = {NULL, NULL};
    struct os_pair *op = calloc(1, sizeof(*op));
    uint64_t got[2] = {0, 0};
    double t[2] = {0, 0};
    int rc = -1;
    if (!op) {
        cli_err("bench onion: out of memory");
        return -1;
    }
    op->depth = depth;
    if (st_open(&sp, x->st_client, x->st_server, depth) != 0 ||
        os_open(op, x->os_client, x->os_server) != 0)
        goto out;
    for (int half = 0; half < 4; half++) {
        double dt = 0;
        int who = half & 1;
        if ((who ? os_run(op, seconds / 2, &got[1], &dt)
                 : st_run(&sp, seconds / 2, &got[0], &dt)) != 0)
            goto out;
        t[who] += dt;
    }
    char what[64];
    snprintf(what, sizeof(what), "onion %zu TLS layer%s, 16 KiB writes", depth,
             depth == 1 ? "" : "s");
    rc = bench_add(o, what, "MB/s", (double)got[0] / t[0] / 1e6, (double)got[1] / t[1] / 1e6);
    if (rc == 0)
        o->rows[o->n - 1].layers = (int)depth;
out:
    strata_stack_free(sp.c);
    strata_stack_free(sp.s);
    os_side_free(&op->c);
    os_side_free(&op->s);
    free(op);
    return rc;
}

int bench_onion(const struct bench_creds *cr, double seconds, struct bench_out *o)
{
    struct bench_ctxs x;
    int rc = -1;
    if (bench_ctxs_make(cr, "TLS_AES_128_GCM_SHA256", &x) != 0)
        goto out;
    for (size_t depth = 1; depth <= ONION_MAX; depth++) {
        bench_progress("onion, %zu layer%s", depth, depth == 1 ? "" : "s");
        if (onion_depth(&x, depth, seconds, o) != 0)
            goto out;
    }
    rc = 0;
out:
    bench_ctxs_free(&x);
    return rc;
}
