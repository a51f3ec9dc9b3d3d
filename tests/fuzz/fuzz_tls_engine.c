/* Fuzz target: the TLS engine in both roles, fed arbitrary peer bytes.
 *
 * Input: one control byte, then the peer's bytes.
 *   bit 0: role (0 client, 1 server)
 *   bit 1: client verifies (1) or not (0)
 *   bit 2: finish with bio_shutdown (the peer's stream ends)
 *   bits 3-5: delivery chunk size (1 << n bytes per bio_write)
 *   bit 6: first complete a real handshake with a strata peer, then feed the
 *          bytes as that peer's records (exercises the record layer and
 *          post-handshake messages)
 * Checks: every status is a known one; errors carry a message and are
 * sticky (the next call returns the same status); nothing crashes or leaks.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../unit/tls_testcerts.c"
#include "strata/pki.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static strata_tls_ctx *server_ctx, *client_ctx, *client_noverify;

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
        strata_tls_ctx_new(STRATA_TLS_METHOD_TLS, &client_noverify) != STRATA_OK ||
        strata_tls_ctx_set_verify(client_noverify, STRATA_TLS_VERIFY_NONE, NULL, NULL) != STRATA_OK)
        abort();
    strata_x509_free(cert);
    strata_pkey_free(key);
    X509_free(c);
    EVP_PKEY_free(k);
}

static void check(strata_tls_conn *c, strata_status r)
{
    if ((unsigned)r >= STRATA__STATUS_COUNT)
        abort();
    if (strata_status_is_error(r) || r == STRATA_EOF_UNCLEAN) {
        if (strata_tls_conn_error(c)->status != r ||
            !strata_error_message(strata_tls_conn_error(c))[0])
            abort(); /* an error without its detail */
        size_t n;
        char buf[8];
        if (strata_tls_conn_recv(c, buf, sizeof(buf), &n) != r)
            abort(); /* not sticky */
    }
}

static strata_tls_conn *make(int server, int verify)
{
    strata_tls_conn *c = NULL;
    strata_tls_ctx *ctx = server ? server_ctx : verify ? client_ctx : client_noverify;
    if (strata_tls_conn_new(ctx, &c) != STRATA_OK)
        abort();
    if (server ? strata_tls_conn_set_accept_state(c) != STRATA_OK
               : strata_tls_conn_set_connect_state(c) != STRATA_OK ||
                     strata_tls_conn_set_tlsext_host_name(c, "localhost") != STRATA_OK)
        abort();
    return c;
}

static void drain(strata_tls_conn *c)
{
    uint8_t sink[4096];
    size_t n;
    while (strata_tls_conn_bio_read(c, sink, sizeof(sink), &n) == STRATA_OK)
        ;
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
    int server = ctl & 1, verify = (ctl >> 1) & 1, eof = (ctl >> 2) & 1;
    size_t chunk = (size_t)1 << ((ctl >> 3) & 7);
    int after = (ctl >> 6) & 1;
    data++;
    size--;

    strata_tls_conn *c = make(server, verify), *peer = NULL;
    strata_status r = STRATA_OK;
    if (after) {
        /* A real peer first; then its bytes are replaced by ours. */
        peer = make(!server, verify);
        strata_tls_conn *cl = server ? peer : c, *sv = server ? c : peer;
        if (tu_handshake(cl, sv, NULL, 0) != STRATA_OK) {
            strata_tls_conn_free(c);
            strata_tls_conn_free(peer);
            return 0;
        }
    } else {
        r = strata_tls_conn_handshake(c);
        check(c, r);
    }
    uint8_t buf[2048];
    for (size_t off = 0; off < size && !strata_status_is_error(r); off += chunk) {
        size_t k = size - off < chunk ? size - off : chunk, used;
        drain(c);
        if (strata_tls_conn_bio_write(c, data + off, k, &used) != STRATA_OK)
            abort();
        size_t n;
        r = strata_tls_conn_is_established(c) ? strata_tls_conn_recv(c, buf, sizeof(buf), &n)
                                              : strata_tls_conn_handshake(c);
        check(c, r);
        if (used < k)
            break; /* input buffer full: the engine stopped taking bytes */
    }
    if (eof && !strata_status_is_error(r)) {
        size_t n;
        if (strata_tls_conn_bio_shutdown(c) != STRATA_OK)
            abort();
        r = strata_tls_conn_recv(c, buf, sizeof(buf), &n);
        check(c, r);
    }
    strata_tls_conn_free(c);
    strata_tls_conn_free(peer);
    return 0;
}
