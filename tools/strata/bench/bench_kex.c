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
#include "strata/kem.h"
#include "strata/mem.h"
#include "strata/ssh.h"

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

/* One whole exchange, both ends, in the library (strata_ssh_kex_selftest). */
static int op_kex(void *ctx)
{
    const char *method = ctx;
    strata_error err;
    strata_error_clear(&err);
    if (strata_ssh_kex_selftest(method, &err) == STRATA_OK)
        return 0;
    cli_err("bench: %s", strata_error_message(&err));
    return -1;
}

/* ---- the KEMs' operations -------------------------------------------------------- */

/* Room for either KEM (ML-KEM-768 has the larger keys and ciphertext). */
#define KEM_PK_MAX 1184
#define KEM_SK_MAX 2400
#define KEM_CT_MAX 1088

struct kem_state {
    strata_kem_alg alg;
    uint8_t pk[KEM_PK_MAX], sk[KEM_SK_MAX], ct[KEM_CT_MAX], ss[32];
};

static int op_keygen(void *ctx)
{
    struct kem_state *k = ctx;
    return strata_kem_keypair(k->alg, k->pk, k->sk) == STRATA_OK ? 0 : -1;
}

static int op_encaps(void *ctx)
{
    struct kem_state *k = ctx;
    return strata_kem_encaps(k->alg, k->ct, k->ss, k->pk) == STRATA_OK ? 0 : -1;
}

static int op_decaps(void *ctx)
{
    struct kem_state *k = ctx;
    return strata_kem_decaps(k->alg, k->ss, k->ct, k->sk) == STRATA_OK ? 0 : -1;
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
    static const strata_kem_alg kems[] = {STRATA_KEM_MLKEM768, STRATA_KEM_SNTRUP761};
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
        bench_progress("key exchange %s", methods[i]);
        if (rates(op_kex, (void *)methods[i], op_x25519_exchange, peer, seconds, &a, &b) != 0)
            goto out;
        snprintf(what, sizeof(what), "kex %s", methods[i]);
        if (bench_add(o, what, "kex/s", a, b) != 0)
            goto out;
    }
    for (size_t i = 0; i < sizeof(kems) / sizeof(kems[0]); i++) {
        size_t pk, sk, ct;
        ks->alg = kems[i];
        if (strata_kem_sizes(kems[i], &pk, &sk, &ct, NULL) != STRATA_OK || pk > KEM_PK_MAX ||
            sk > KEM_SK_MAX || ct > KEM_CT_MAX || op_keygen(ks) != 0 || op_encaps(ks) != 0)
            goto out;
        for (size_t j = 0; j < sizeof(kem_ops) / sizeof(kem_ops[0]); j++) {
            bench_progress("%s %s", strata_kem_name(kems[i]), kem_ops[j].what);
            if (rates(kem_ops[j].op, ks, op_x25519_half, peer, seconds, &a, &b) != 0)
                goto out;
            snprintf(what, sizeof(what), "%s %s (vs X25519 half)", strata_kem_name(kems[i]),
                     kem_ops[j].what);
            if (bench_add(o, what, "op/s", a, b) != 0)
                goto out;
        }
    }
    rc = 0;
out:
    if (rc != 0)
        cli_err("bench: a key exchange measurement failed");
    if (ks)
        strata_memzero(ks, sizeof(*ks));
    OPENSSL_free(ks);
    EVP_PKEY_free(peer);
    return rc;
}
