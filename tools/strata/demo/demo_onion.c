/* The onion round of `strata demo`.
 *
 * One TCP connection on 127.0.0.1, echoed by a server in the same process.
 * The client's app endpoint sends a pseudo-random segment, checks that every
 * byte comes back, then (on the next loop turn, via strata_io_defer) acts:
 * pushes a TLS layer on both ends, or pops the innermost one (the server
 * follows the peer's close: STRATA_STACK_PEER_CLOSE_POP). Each layer has its
 * own key type, protocol version and cipher; keys and certificates are made
 * in memory with the pki module and verified by the client against the
 * demo's own CA.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "demo_onion.h"
#include "strata/io.h"
#include "strata/pki.h"
#include "strata/tls.h"
#include "strata/tls_layer.h"

struct layer_spec {
    const char *key;     /* strata_pkey_generate_spec */
    const char *keyname; /* for the table */
    int version;         /* STRATA_TLS_VERSION_* */
    const char *cipher;  /* TLS 1.3 suite or TLS 1.2 cipher list */
};

static const struct layer_spec specs[] = {
    {"ec:p256", "EC P-256", STRATA_TLS_VERSION_TLS1_3, "TLS_AES_128_GCM_SHA256"},
    {"rsa:2048", "RSA 2048", STRATA_TLS_VERSION_TLS1_2, "ECDHE-RSA-CHACHA20-POLY1305"},
    {"ed25519", "Ed25519", STRATA_TLS_VERSION_TLS1_3, "TLS_CHACHA20_POLY1305_SHA256"},
    {"ec:p384", "EC P-384", STRATA_TLS_VERSION_TLS1_2, "ECDHE-ECDSA-AES256-GCM-SHA384"},
};
#define N_SPECS (sizeof(specs) / sizeof(specs[0]))

enum act { ACT_NONE, ACT_PUSH, ACT_POP, ACT_END };
struct step {
    enum act act;
    int spec; /* ACT_PUSH: index in specs */
};
/* Data is echoed after every step. */
static const struct step script[] = {
    {ACT_NONE, 0}, {ACT_PUSH, 0}, {ACT_PUSH, 1}, {ACT_PUSH, 2},
    {ACT_POP, 0},  {ACT_PUSH, 3}, {ACT_END, 0},
};

struct demo {
    strata_io *io;
    strata_io_listener *listener;
    strata_io_conn *client, *server;
    strata_tls_ctx *sctx[N_SPECS], *cctx[N_SPECS];
    uint64_t seg;
    uint16_t port;
    size_t step;
    /* the client's segment */
    uint64_t sent, checked, tx, rx;
    uint8_t buf[64 * 1024];
    size_t buf_off, buf_len;
    int sending, ended, failed;
    int popped_client, popped_server;
    double t0;
    strata_error err;
};

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static uint8_t next_byte(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return (uint8_t)*s;
}

void demo_onion_help(FILE *f)
{
    fprintf(f, "  %-7s %s\n", "onion",
            "one live TCP connection, TLS layers pushed and popped on it");
    fprintf(f, "  %-7s %s\n", "", "(N/4 bytes echoed after each step; keys, CA and certificates");
    fprintf(f, "  %-7s %s\n", "", "made in memory; each layer verified by the client):");
    for (size_t i = 0; i < sizeof(script) / sizeof(script[0]); i++) {
        const struct step *st = &script[i];
        const struct layer_spec *sp = &specs[st->spec];
        switch (st->act) {
        case ACT_NONE:
            fprintf(f, "  %-7s - echo through no layer\n", "");
            break;
        case ACT_PUSH:
            fprintf(f, "  %-7s - push: %s, TLS 1.%d, %s\n", "", sp->keyname,
                    sp->version == STRATA_TLS_VERSION_TLS1_3 ? 3 : 2, sp->cipher);
            break;
        case ACT_POP:
            fprintf(f, "  %-7s - pop the innermost layer (close_notify both ways)\n", "");
            break;
        case ACT_END:
            fprintf(f, "  %-7s - close: every layer, innermost first, then TCP\n", "");
            break;
        }
    }
}

/* ---- keys, certificates, contexts ---------------------------------------------------- */

static strata_status make_cert(const strata_pkey *key, const char *subject,
                               const strata_pkey *ca_key, const strata_x509 *ca, int is_ca,
                               strata_x509 **out, strata_error *e)
{
    strata_x509 *x = NULL;
    strata_x509_name *name = NULL;
    strata_x509_ext *ext = NULL;
    strata_status r;
    time_t now = time(NULL);
    if ((r = strata_x509_new(&x, e)) != STRATA_OK || (r = strata_x509_set_version(x, 2, e)) ||
        (r = strata_x509_set_serial_random(x, e)) ||
        (r = strata_x509_name_parse(subject, &name, e)) ||
        (r = strata_x509_set_subject(x, name, e)) || (r = strata_x509_set_pubkey(x, key, e)) ||
        (r = strata_x509_gmtime_adj_not_before(x, now, -60, e)) ||
        (r = strata_x509_gmtime_adj_not_after(x, now, 86400, e)))
        goto out;
    if (ca) {
        strata_x509_name *issuer = NULL;
        if ((r = strata_x509_get_subject(ca, &issuer, e)) != STRATA_OK)
            goto out;
        r = strata_x509_set_issuer(x, issuer, e);
        strata_x509_name_free(issuer);
    } else {
        r = strata_x509_set_issuer(x, name, e);
    }
    if (r != STRATA_OK)
        goto out;
    const char *exts[][2] = {
        {"basicConstraints", is_ca ? "CA:TRUE" : "CA:FALSE"},
        {"keyUsage", is_ca ? "keyCertSign,cRLSign" : "digitalSignature,keyEncipherment"},
        {"subjectAltName", is_ca ? NULL : "DNS:localhost,IP:127.0.0.1"},
    };
    for (size_t i = 0; i < sizeof(exts) / sizeof(exts[0]) && r == STRATA_OK; i++) {
        if (!exts[i][1])
            continue;
        if ((r = strata_x509_ext_new(exts[i][0], i < 2, exts[i][1], x, ca ? ca : x, &ext, e)) ==
            STRATA_OK)
            r = strata_x509_add_ext(x, ext, e);
        strata_x509_ext_free(ext);
        ext = NULL;
    }
    if (r == STRATA_OK)
        r = strata_x509_sign(x, ca_key, NULL, e);
out:
    strata_x509_name_free(name);
    if (r != STRATA_OK)
        strata_x509_free(x);
    else
        *out = x;
    return r;
}

static strata_status make_contexts(struct demo *d)
{
    strata_error *e = &d->err;
    strata_pkey *ca_key = NULL, *key = NULL;
    strata_x509 *ca = NULL, *leaf = NULL;
    strata_x509_store *store = NULL;
    strata_status r;
    if ((r = strata_pkey_generate_spec("ec:p256", &ca_key, e)) != STRATA_OK ||
        (r = make_cert(ca_key, "/CN=strata demo CA", ca_key, NULL, 1, &ca, e)) != STRATA_OK)
        goto out;
    for (size_t i = 0; i < N_SPECS; i++) {
        char subject[64];
        snprintf(subject, sizeof(subject), "/CN=layer%zu.demo.strata", i + 1);
        if ((r = strata_pkey_generate_spec(specs[i].key, &key, e)) != STRATA_OK ||
            (r = make_cert(key, subject, ca_key, ca, 0, &leaf, e)) != STRATA_OK)
            goto out;
        int v = specs[i].version, tls13 = v == STRATA_TLS_VERSION_TLS1_3;
        for (int side = 0; side < 2; side++) {
            strata_tls_ctx **c = side ? &d->cctx[i] : &d->sctx[i];
            if ((r = strata_tls_ctx_new(STRATA_TLS_METHOD_TLS, c)) != STRATA_OK ||
                (r = strata_tls_ctx_set_min_version(*c, v)) != STRATA_OK ||
                (r = strata_tls_ctx_set_max_version(*c, v)) != STRATA_OK ||
                (r = tls13 ? strata_tls_ctx_set_ciphersuites(*c, specs[i].cipher)
                           : strata_tls_ctx_set_cipher_list(*c, specs[i].cipher)) != STRATA_OK)
                goto ctx_failed;
        }
        if ((r = strata_tls_ctx_use_certificate(d->sctx[i], leaf)) != STRATA_OK ||
            (r = strata_tls_ctx_use_privatekey(d->sctx[i], key)) != STRATA_OK ||
            (r = strata_tls_ctx_get_cert_store(d->cctx[i], &store)) != STRATA_OK ||
            (r = strata_x509_store_add_cert(store, ca, e)) != STRATA_OK)
            goto ctx_failed;
        strata_x509_store_free(store);
        store = NULL;
        strata_pkey_free(key);
        strata_x509_free(leaf);
        key = NULL;
        leaf = NULL;
    }
    goto out;
ctx_failed:
    strata_error_set(e, r, "setting up the TLS context of layer spec %s: %s", "",
                     strata_status_str(r));
out:
    strata_x509_store_free(store);
    strata_pkey_free(key);
    strata_x509_free(leaf);
    strata_pkey_free(ca_key);
    strata_x509_free(ca);
    return r;
}

strata_status demo_onion_push_tls(strata_stack *s, strata_tls_ctx *ctx, int client, strata_error *e)
{
    strata_tls_conn *c = NULL;
    strata_layer l;
    strata_status r = strata_tls_conn_new(ctx, &c);
    if (r == STRATA_OK)
        r = client ? strata_tls_conn_set_connect_state(c) : strata_tls_conn_set_accept_state(c);
    if (r == STRATA_OK && client)
        r = strata_tls_conn_set_tlsext_host_name(c, "localhost");
    if (r == STRATA_OK)
        r = strata_tls_layer_new(c, &l);
    if (r != STRATA_OK) {
        strata_tls_conn_free(c);
        return strata_error_set(e, r, "making a TLS layer: %s", strata_status_str(r));
    }
    if ((r = strata_stack_push(s, l, NULL, 0)) != STRATA_OK)
        return strata_error_set(e, r, "push: %s", strata_error_message(strata_stack_refusal(s)));
    return STRATA_OK;
}

/* ---- the table ------------------------------------------------------------------------ */

static void print_layer_up(struct demo *d, strata_stack *s, size_t i)
{
    const strata_layer *l = strata_stack_layer(s, i);
    char desc[200] = "";
    if (l && l->ops->describe)
        l->ops->describe(l->self, desc, sizeof(desc));
    (void)d;
    printf("           layer %zu up: %s\n", i + 1, desc);
}

static void client_event(void *user, strata_stack *s, enum strata_stack_event ev, size_t i)
{
    struct demo *d = user;
    if (ev == STRATA_STACK_EV_LAYER_UP)
        print_layer_up(d, s, i);
    else if (ev == STRATA_STACK_EV_POPPED)
        d->popped_client = 1;
}

static void server_event(void *user, strata_stack *s, enum strata_stack_event ev, size_t i)
{
    struct demo *d = user;
    (void)s;
    (void)i;
    if (ev == STRATA_STACK_EV_POPPED)
        d->popped_server = 1;
}

static void start_segment(struct demo *d)
{
    d->sent = d->checked = 0;
    d->sending = 1;
    d->t0 = now_s();
    if (d->client)
        strata_io_conn_kick(d->client);
}

static void fail(struct demo *d, const char *what)
{
    d->failed = 1;
    if (d->client)
        strata_io_conn_abort(d->client, STRATA_E_PROTOCOL, what);
}

/* Runs script[d->step] (on its own loop turn). */
static void do_step(void *arg)
{
    struct demo *d = arg;
    const struct step *st = &script[d->step];
    if (!d->client || !d->server) {
        fail(d, "a connection ended early");
        return;
    }
    strata_stack *cs = strata_io_conn_stack(d->client), *ss = strata_io_conn_stack(d->server);
    strata_status r;
    switch (st->act) {
    case ACT_PUSH: {
        const struct layer_spec *sp = &specs[st->spec];
        printf("  push     layer %zu: %s certificate, TLS 1.%d, %s\n", strata_stack_depth(cs) + 1,
               sp->keyname, sp->version == STRATA_TLS_VERSION_TLS1_3 ? 3 : 2, sp->cipher);
        if ((r = demo_onion_push_tls(ss, d->sctx[st->spec], 0, &d->err)) != STRATA_OK ||
            (r = demo_onion_push_tls(cs, d->cctx[st->spec], 1, &d->err)) != STRATA_OK) {
            fail(d, strata_error_message(&d->err));
            return;
        }
        break;
    }
    case ACT_POP:
        if (!d->popped_client) {
            printf("  pop      layer %zu (close_notify both ways; the stream goes on beneath)\n",
                   strata_stack_depth(cs));
            d->popped_server = 0;
            if ((r = strata_stack_pop(cs)) != STRATA_OK) {
                fail(d, strata_error_message(strata_stack_refusal(cs)));
                return;
            }
            d->popped_client = 0;
            d->step |= 0; /* wait below */
        }
        break;
    case ACT_END:
        d->ended = 1;
        strata_io_conn_kick(d->client);
        return;
    case ACT_NONE:
        break;
    }
    start_segment(d);
}

/* ---- the client's app endpoint --------------------------------------------------------- */

static strata_status ep_start(void *self, strata_io_conn *c)
{
    struct demo *d = self;
    d->client = c;
    printf("  connect  127.0.0.1:%u, plain TCP\n", (unsigned)d->port);
    start_segment(d);
    return STRATA_OK;
}

static const uint8_t *ep_in(void *self, size_t *n, strata_status *st)
{
    struct demo *d = self;
    *n = 0;
    *st = d->ended ? STRATA_CLOSED : STRATA_OK;
    if (!d->sending || strata_stack_popping(strata_io_conn_stack(d->client)) ||
        (script[d->step].act == ACT_POP && !(d->popped_client && d->popped_server)))
        return NULL;
    if (d->buf_off == d->buf_len) {
        uint64_t left = d->seg - d->sent;
        size_t k = left < sizeof(d->buf) ? (size_t)left : sizeof(d->buf);
        for (size_t i = 0; i < k; i++)
            d->buf[i] = next_byte(&d->tx);
        d->buf_off = 0;
        d->buf_len = k;
    }
    *n = d->buf_len - d->buf_off;
    return d->buf + d->buf_off;
}

static void ep_in_ack(void *self, size_t n)
{
    struct demo *d = self;
    d->buf_off += n;
    d->sent += n;
    if (d->sent == d->seg)
        d->sending = 0;
}

static strata_status ep_out(void *self, const uint8_t *p, size_t n, size_t *used)
{
    struct demo *d = self;
    for (size_t i = 0; i < n; i++) {
        if (p[i] != next_byte(&d->rx)) {
            *used = i;
            return strata_error_set(&d->err, STRATA_E_PROTOCOL, "byte %llu came back changed",
                                    (unsigned long long)(d->checked + i));
        }
    }
    *used = n;
    d->checked += n;
    if (d->checked == d->seg && !d->sending) {
        double dt = now_s() - d->t0;
        double mib = (double)d->seg / (1024.0 * 1024.0);
        size_t depth = strata_stack_depth(strata_io_conn_stack(d->client));
        printf("  echo     %5.1f MiB through %zu layer%s in %.3f s: %6.0f MiB/s each way, "
               "byte-identical\n",
               mib, depth, depth == 1 ? " " : "s", dt, dt > 0 ? mib / dt : 0.0);
        d->step++;
        if (script[d->step].act == ACT_POP)
            d->popped_client = d->popped_server = 0;
        if (strata_io_defer(d->io, do_step, d) != STRATA_OK)
            return strata_error_set(&d->err, STRATA_E_NOMEM, "deferring the next step");
    }
    return STRATA_OK;
}

static strata_status ep_out_eof(void *self)
{
    (void)self;
    return STRATA_OK;
}

static int ep_out_done(const void *self)
{
    (void)self;
    return 1;
}

static const strata_error *ep_error(const void *self)
{
    return &((const struct demo *)self)->err;
}

static void ep_close(void *self, void (*done)(void *arg), void *arg)
{
    struct demo *d = self;
    d->client = NULL;
    if (done)
        done(arg);
}

static const struct strata_io_app_ops ep_ops = {
    "onion-demo", ep_start,    ep_in,    ep_in_ack, ep_out,
    ep_out_eof,   ep_out_done, ep_error, ep_close,  NULL,
};

/* ---- the server ------------------------------------------------------------------------ */

static strata_status on_accept(void *user, strata_io_listener *l, strata_io_conn *c)
{
    struct demo *d = user;
    strata_io_app app;
    strata_status r;
    strata_io_listener_close(l);
    d->listener = NULL;
    if ((r = strata_io_app_echo_new(&app)) != STRATA_OK)
        return r;
    d->server = c;
    return strata_io_conn_set_app(c, app);
}

static void server_done(void *user, strata_io_conn *c, const strata_error *err)
{
    struct demo *d = user;
    (void)c;
    d->server = NULL;
    if (err->status != STRATA_OK && d->err.status == STRATA_OK)
        strata_error_copy(&d->err, err);
}

static void client_done(void *user, strata_io_conn *c, const strata_error *err)
{
    struct demo *d = user;
    (void)c;
    if (err->status != STRATA_OK && d->err.status == STRATA_OK)
        strata_error_copy(&d->err, err);
    if (d->listener) {
        strata_io_listener_close(d->listener);
        d->listener = NULL;
    }
}

int demo_onion_run(uint64_t seg)
{
    struct demo *d = calloc(1, sizeof(*d));
    int rc = CLI_FAIL;
    char buf[STRATA_ERROR_MSG_MAX * 2];
    if (!d)
        return CLI_FAIL;
    d->seg = seg;
    d->tx = d->rx = 0x2545f4914f6cdd1dull;
    printf("onion: TLS layers pushed and popped on one live TCP connection\n");
    double t0 = now_s();
    if (make_contexts(d) != STRATA_OK) {
        cli_err("demo onion: %s", strata_error_format(&d->err, buf, sizeof(buf)));
        goto out;
    }
    printf("  keys     CA and %zu leaf certificates made in memory in %.2f s\n", N_SPECS,
           now_s() - t0);
    strata_stack_config scfg = {
        .peer_close = STRATA_STACK_PEER_CLOSE_POP, .on_event = server_event, .user = d};
    strata_stack_config ccfg = {.on_event = client_event, .user = d};
    strata_error err;
    strata_io_conn *conn;
    strata_io_listener_config lcfg = {on_accept, server_done, d, &scfg, 0};
    if (strata_io_new(&d->io) != STRATA_OK ||
        strata_io_listen(d->io, "127.0.0.1", 0, &lcfg, &d->listener, &err) != STRATA_OK) {
        cli_err("demo onion: cannot listen on 127.0.0.1");
        goto out;
    }
    strata_io_conn_config cc = {&ccfg, 0, client_done, d};
    d->port = strata_io_listener_port(d->listener);
    if (strata_io_connect(d->io, "127.0.0.1", d->port, (strata_io_app){&ep_ops, d}, &cc, &conn) !=
            STRATA_OK ||
        strata_io_run(d->io) != STRATA_OK) {
        cli_err("demo onion: the connection could not run");
        goto out;
    }
    if (d->err.status != STRATA_OK)
        cli_err("demo onion: %s", strata_error_format(&d->err, buf, sizeof(buf)));
    else if (!d->ended || d->failed)
        cli_err("demo onion: stopped at step %zu", d->step);
    else {
        printf("  close    every layer's close_notify, innermost first, then TCP\n");
        rc = CLI_OK;
    }
out:
    strata_io_free(d->io);
    for (size_t i = 0; i < N_SPECS; i++) {
        strata_tls_ctx_free(d->sctx[i]);
        strata_tls_ctx_free(d->cctx[i]);
    }
    free(d);
    return rc;
}
