/* strata bench kex: SSH key exchanges per second, and the post-quantum
 * KEMs' operations per second, each beside an X25519 exchange from OpenSSL
 * in the same run (the cost every modern SSH connection pays).
 *
 * A key-exchange row is one whole exchange in memory, both ends: strata's
 * client against its test-server side (INIT, encapsulation or derivation,
 * REPLY, both exchange hashes), against OpenSSL doing two X25519 key
 * generations and two derivations. A KEM row is one operation against one
 * X25519 key generation plus one derivation (one side's work): a ratio of
 * 0.33 means the operation costs three X25519 halves.
 */
#include <stdio.h>
#include <string.h>
#include <openssl/evp.h>

#include "bench.h"
#include "cli.h"
#include "pq/mlkem768.h"
#include "pq/sntrup761.h"
#include "ssh/kex/kex.h"

typedef int (*bench_op)(void *ctx);

/* Runs a and b in alternating slices until each has had `seconds` of CPU
 * time; their rates in operations per second. 0, or -1 when an op fails. */
static int rates(bench_op a, void *actx, bench_op b, void *bctx, double seconds, double *ra,
                 double *rb)
{
    double t[2] = {0, 0}, slice = seconds / 8;
    unsigned long n[2] = {0, 0};
    while (t[0] < seconds || t[1] < seconds) {
        for (int who = 0; who < 2; who++) {
            double t0 = bench_cpu_now(), dt;
            do {
                if ((who ? b(bctx) : a(actx)) != 0)
                    return -1;
                n[who]++;
                dt = bench_cpu_now() - t0;
            } while (dt < slice);
            t[who] += dt;
        }
    }
    *ra = (double)n[0] / t[0];
    *rb = (double)n[1] / t[1];
    return 0;
}

/* ---- OpenSSL's X25519 ------------------------------------------------------------- */

static int x25519_half(EVP_PKEY *peer)
{
    uint8_t s[32];
    size_t n = sizeof(s);
    EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "X25519");
    EVP_PKEY_CTX *c = k ? EVP_PKEY_CTX_new_from_pkey(NULL, k, NULL) : NULL;
    int ok = c && EVP_PKEY_derive_init(c) > 0 && EVP_PKEY_derive_set_peer(c, peer) > 0 &&
             EVP_PKEY_derive(c, s, &n) > 0;
    EVP_PKEY_CTX_free(c);
    EVP_PKEY_free(k);
    return ok ? 0 : -1;
}

/* One side: keygen + derive with a fixed peer. */
static int op_x25519_half(void *ctx)
{
    return x25519_half(ctx);
}

/* Both sides of an exchange. */
static int op_x25519_exchange(void *ctx)
{
    return x25519_half(ctx) || x25519_half(ctx) ? -1 : 0;
}

/* ---- strata's key exchanges ------------------------------------------------------ */

static int op_kex(void *ctx)
{
    const struct ssh_kex_alg *alg = ctx;
    struct ssh_kex *c = NULL, *s = NULL;
    strata_error err;
    strata_buf m;
    uint8_t hc[EVP_MAX_MD_SIZE], hs[EVP_MAX_MD_SIZE];
    size_t hcl, hsl, ksl, sigl;
    const uint8_t *ks, *sig;
    static const uint8_t k_s[] = "host key blob", sg[] = "signature";
    int rc = -1;
    strata_error_clear(&err);
    strata_buf_init(&m, 0);
    if (strata__ssh_kex_new(alg, 0, &c) != STRATA_OK ||
        strata__ssh_kex_new(alg, 1, &s) != STRATA_OK)
        goto out;
    if (alg->kind == SSH_KEX_KIND_GEX) {
        if (strata__ssh_kex_gex_request(c, 0, 2048, 2048, 8192, &m) != STRATA_OK ||
            strata__ssh_kex_server_parse_gex_request(s, strata_buf_ptr(&m), strata_buf_len(&m),
                                                     &err) != STRATA_OK)
            goto out;
        strata_buf_reset(&m);
        if (strata__ssh_kex_server_gex_group(s, &m, &err) != STRATA_OK ||
            strata__ssh_kex_gex_parse_group(c, strata_buf_ptr(&m), strata_buf_len(&m), &err) !=
                STRATA_OK)
            goto out;
        strata_buf_reset(&m);
    }
    if (strata__ssh_kex_client_init(c, &m, &err) != STRATA_OK ||
        strata__ssh_kex_server_parse_init(s, strata_buf_ptr(&m), strata_buf_len(&m), &err) !=
            STRATA_OK)
        goto out;
    strata_buf_reset(&m);
    if (strata__ssh_kex_server_reply(s, k_s, sizeof(k_s), sg, sizeof(sg), &m) != STRATA_OK ||
        strata__ssh_kex_parse_reply(c, strata_buf_ptr(&m), strata_buf_len(&m), &ks, &ksl, &sig,
                                    &sigl, &err) != STRATA_OK ||
        strata__ssh_kex_hash(c, "SSH-2.0-a", "SSH-2.0-b", k_s, 4, k_s, 4, ks, ksl, hc, &hcl,
                             &err) != STRATA_OK ||
        strata__ssh_kex_hash(s, "SSH-2.0-a", "SSH-2.0-b", k_s, 4, k_s, 4, ks, ksl, hs, &hsl,
                             &err) != STRATA_OK ||
        hcl != hsl || memcmp(hc, hs, hcl) != 0)
        goto out;
    rc = 0;
out:
    if (rc != 0)
        cli_err("bench: %s: %s", alg->name,
                strata_error_message(&err)[0] ? strata_error_message(&err) : "ends disagree");
    strata_buf_free(&m);
    strata__ssh_kex_free(c);
    strata__ssh_kex_free(s);
    return rc;
}

/* ---- the KEMs' operations -------------------------------------------------------- */

struct kem_state {
    const struct ssh_kem *kem;
    uint8_t pk[STRATA_MLKEM768_PUBLICKEY_BYTES], sk[STRATA_MLKEM768_SECRETKEY_BYTES];
    uint8_t ct[STRATA_MLKEM768_CIPHERTEXT_BYTES], ss[32];
};

static int op_keygen(void *ctx)
{
    struct kem_state *k = ctx;
    return k->kem->keypair(k->pk, k->sk) == STRATA_OK ? 0 : -1;
}

static int op_encaps(void *ctx)
{
    struct kem_state *k = ctx;
    return k->kem->encaps(k->ct, k->ss, k->pk) == STRATA_OK ? 0 : -1;
}

static int op_decaps(void *ctx)
{
    struct kem_state *k = ctx;
    k->kem->decaps(k->ss, k->ct, k->sk);
    return 0;
}

static int op_keygen_decaps(void *ctx)
{
    return op_keygen(ctx) || op_decaps(ctx) ? -1 : 0;
}

int bench_kex(double seconds, struct bench_out *o)
{
    static const char *const methods[] = {"mlkem768x25519-sha256", "sntrup761x25519-sha512",
                                          "curve25519-sha256", "ecdh-sha2-nistp256",
                                          "diffie-hellman-group14-sha256"};
    static const struct {
        const char *what;
        bench_op op;
    } kem_ops[] = {{"keygen", op_keygen},
                   {"encaps", op_encaps},
                   {"decaps", op_decaps},
                   {"keygen+decaps", op_keygen_decaps}};
    const struct ssh_kem *kems[] = {&strata__ssh_kem_mlkem768, &strata__ssh_kem_sntrup761};
    _Static_assert(STRATA_MLKEM768_PUBLICKEY_BYTES >= STRATA_SNTRUP761_PUBLICKEY_BYTES &&
                       STRATA_MLKEM768_SECRETKEY_BYTES >= STRATA_SNTRUP761_SECRETKEY_BYTES &&
                       STRATA_MLKEM768_CIPHERTEXT_BYTES >= STRATA_SNTRUP761_CIPHERTEXT_BYTES,
                   "kem_state holds either KEM");
    char what[64];
    double a, b;
    int rc = -1;
    EVP_PKEY *peer = EVP_PKEY_Q_keygen(NULL, NULL, "X25519");
    struct kem_state *ks = OPENSSL_zalloc(sizeof(*ks));
    if (!peer || !ks) {
        cli_err("bench: out of memory");
        goto out;
    }
    for (size_t i = 0; i < sizeof(methods) / sizeof(methods[0]); i++) {
        const struct ssh_kex_alg *alg = strata__ssh_kex_find(methods[i]);
        bench_progress("key exchange %s", methods[i]);
        if (!alg || rates(op_kex, (void *)alg, op_x25519_exchange, peer, seconds, &a, &b) != 0)
            goto out;
        snprintf(what, sizeof(what), "kex %s", methods[i]);
        if (bench_add(o, what, "kex/s", a, b) != 0)
            goto out;
    }
    for (size_t i = 0; i < sizeof(kems) / sizeof(kems[0]); i++) {
        ks->kem = kems[i];
        if (op_keygen(ks) != 0 || op_encaps(ks) != 0)
            goto out;
        for (size_t j = 0; j < sizeof(kem_ops) / sizeof(kem_ops[0]); j++) {
            bench_progress("%s %s", kems[i]->name, kem_ops[j].what);
            if (rates(kem_ops[j].op, ks, op_x25519_half, peer, seconds, &a, &b) != 0)
                goto out;
            snprintf(what, sizeof(what), "%s %s (vs X25519 half)", kems[i]->name, kem_ops[j].what);
            if (bench_add(o, what, "op/s", a, b) != 0)
                goto out;
        }
    }
    rc = 0;
out:
    if (rc != 0)
        cli_err("bench: a key exchange measurement failed");
    OPENSSL_clear_free(ks, sizeof(*ks));
    EVP_PKEY_free(peer);
    return rc;
}
