/* Fuzz target: TLS layers on a stack, the inner one fed arbitrary bytes
 * through a real outer layer.
 *
 * Our stack holds two TLS layers; the peer's holds one real TLS layer (the
 * outer handshake completes for real) and its application writes the input,
 * so the input reaches our INNER layer inside valid outer records: the inner
 * handshake, records and alerts are the input's. This drives the stack's
 * routing, the record fitting, cork/flush, trim and the TLS layer's wire
 * buffers with hostile bytes behind a working layer.
 *
 * Input: one control byte, then the inner peer's bytes.
 *   bit 0: our role (0 client, 1 server) on both layers
 *   bit 1: our stack is corked (flushed after each write)
 *   bit 2: trim both stacks between chunks
 *   bit 3: we also write application bytes between chunks
 *   bit 4: finish with the peer's orderly close of the outer layer
 *   bits 5-7: chunk size (16 << n bytes per peer write)
 * Checks: every status is a known one; a failure is the stack's sticky
 * E_LAYER_FAILED with a message naming the layer; nothing crashes or leaks.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../unit/tls_testcerts.c"
#include "strata/pki.h"
#include "strata/stack.h"
#include "strata/tls_layer.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static strata_tls_ctx *server_ctx, *client_ctx;

static void setup(void)
{
    EVP_PKEY *k = tu_key("ec");
    X509 *c = tu_cert(k, "localhost", "DNS:localhost", NULL, NULL, 0, -3600, 86400);
    strata_x509 *cert = NULL;
    strata_pkey *key = NULL;
    if (strata_x509_from_openssl(c, &cert, NULL) != STRATA_OK ||
        strata_pkey_from_openssl(k, &key, NULL) != STRATA_OK ||
        strata_tls_ctx_new(STRATA_TLS_METHOD_TLS, &server_ctx) != STRATA_OK ||
        strata_tls_ctx_use_certificate(server_ctx, cert) != STRATA_OK ||
        strata_tls_ctx_use_privatekey(server_ctx, key) != STRATA_OK ||
        strata_tls_ctx_new(STRATA_TLS_METHOD_TLS, &client_ctx) != STRATA_OK ||
        strata_tls_ctx_set_verify(client_ctx, STRATA_TLS_VERIFY_NONE, NULL, NULL) != STRATA_OK)
        abort();
    strata_x509_free(cert);
    strata_pkey_free(key);
    X509_free(c);
    EVP_PKEY_free(k);
}

static strata_layer layer(int server)
{
    strata_tls_conn *c = NULL;
    strata_layer l;
    if (strata_tls_conn_new(server ? server_ctx : client_ctx, &c) != STRATA_OK ||
        (server ? strata_tls_conn_set_accept_state(c) : strata_tls_conn_set_connect_state(c)) !=
            STRATA_OK ||
        (!server && strata_tls_conn_set_tlsext_host_name(c, "localhost") != STRATA_OK) ||
        strata_tls_layer_new(c, &l) != STRATA_OK)
        abort();
    return l;
}

static void check(strata_stack *s, strata_status r)
{
    if ((unsigned)r >= STRATA__STATUS_COUNT)
        abort();
    if (strata_status_is_error(r)) {
        const strata_error *e = strata_stack_error(s);
        if (r != STRATA_E_LAYER_FAILED || e->status != r || strncmp(e->msg, "layer ", 6) != 0)
            abort(); /* a failure that does not name its layer */
    }
}

/* Moves bytes both ways and delivers plaintext until nothing moves. */
static void pump(strata_stack *us, strata_stack *peer)
{
    for (int it = 0; it < 10000; it++) {
        int moved = 0;
        strata_stack *from[2] = {us, peer}, *to[2] = {peer, us};
        for (int d = 0; d < 2; d++) {
            size_t n, used = 0;
            strata_status st;
            const uint8_t *p = strata_stack_wire_out(from[d], &n, &st);
            if (n) {
                check(to[d], strata_stack_wire_write(to[d], p, n, &used));
                strata_stack_wire_ack(from[d], used);
                moved |= used > 0;
            }
            p = strata_stack_app_in(from[d], &n, &st);
            if (n) {
                strata_stack_app_ack(from[d], n);
                moved = 1;
            }
        }
        if (!moved)
            return;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int ready;
    if (!ready) {
        setup();
        ready = 1;
    }
    if (size < 1)
        return 0;
    uint8_t ctl = data[0];
    int server = ctl & 1, cork = (ctl >> 1) & 1, trim = (ctl >> 2) & 1, talk = (ctl >> 3) & 1,
        close = (ctl >> 4) & 1;
    size_t chunk = (size_t)16 << ((ctl >> 5) & 7);
    data++;
    size--;

    strata_stack_config cfg = {.cork = cork};
    strata_stack *us, *peer;
    if (strata_stack_new(&cfg, &us) != STRATA_OK || strata_stack_new(NULL, &peer) != STRATA_OK)
        abort();
    check(us, strata_stack_push(us, layer(server), NULL, 0));
    check(peer, strata_stack_push(peer, layer(!server), NULL, 0));
    pump(us, peer);
    check(us, strata_stack_push(us, layer(server), NULL, 0)); /* its peer is the input */
    static const uint8_t hello[64] = {1, 2, 3};
    for (size_t off = 0; off < size; off += chunk) {
        size_t k = size - off < chunk ? size - off : chunk, used;
        strata_status r = strata_stack_app_write(peer, data + off, k, &used);
        if (strata_status_is_error(r))
            break;
        if (talk) {
            check(us, strata_stack_app_write(us, hello, sizeof(hello), &used));
            if (cork)
                check(us, strata_stack_flush(us));
        }
        pump(us, peer);
        if (trim) {
            strata_stack_trim(us);
            strata_stack_trim(peer);
        }
        if (strata_stack_error(us)->status != STRATA_OK)
            break;
    }
    if (close && strata_stack_error(us)->status == STRATA_OK) {
        if (strata_status_is_error(strata_stack_app_shutdown(peer)))
            abort(); /* the peer is ours and healthy */
        pump(us, peer);
    }
    strata_stack_free(us);
    strata_stack_free(peer);
    return 0;
}
