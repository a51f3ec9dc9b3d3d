/* ML-KEM-768 (FIPS 203): K-PKE (§5) and the KEM around it (§6, §7).
 *
 * Implementation note. Parameters k = 3, eta1 = eta2 = 2, du = 10, dv = 4
 * (§8, Table 2). H = SHA3-256, G = SHA3-512, J = SHAKE256 with 32 bytes out,
 * PRF = SHAKE256, XOF = SHAKE128 (§4.1), all from pq/keccak.c.
 *
 * Layout: ek = ByteEncode_12(t^) || rho; dk = dk_pke || ek || H(ek) || z with
 * dk_pke = ByteEncode_12(s^) (Alg. 13, 16). Â[i][j] = SampleNTT(rho || j || i)
 * (Alg. 13 line 6); Encrypt needs Â^T, whose (i, j) entry is SampleNTT(rho || i
 * || j).
 *
 * Secrets: s, e, r, e1, e2, the message m and everything G derives from it
 * are wiped before return. Decaps (Alg. 18) always computes both K' and
 * J(z || c) and picks one with a mask made from a constant-time comparison of
 * c and the re-encryption c'; there is no branch on the outcome. The §7.3
 * decapsulation input checks are not done: the ciphertext length is fixed by
 * the type, and dk comes from our own key generation. */
#include <string.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "pq/keccak.h"
#include "pq/mlkem768.h"
#include "pq/mlkem_poly.h"

#define K 3
#define POLYVEC_BYTES (K * STRATA_MLKEM_POLYBYTES) /* 1152 */
#define C1_BYTES (K * 320)                         /* du = 10 */
#define PK_BYTES STRATA_MLKEM768_PUBLICKEY_BYTES   /* POLYVEC_BYTES + 32 */
#define CT_BYTES STRATA_MLKEM768_CIPHERTEXT_BYTES  /* C1_BYTES + 128 */
#define SK_HASH_OFF (POLYVEC_BYTES + PK_BYTES)     /* H(ek) */
#define SK_Z_OFF (SK_HASH_OFF + 32)                /* z */

typedef struct {
    strata__mlkem_poly v[K];
} polyvec;

static void gen_matrix(polyvec a[K], const uint8_t rho[32], int transposed)
{
    for (uint8_t i = 0; i < K; i++)
        for (uint8_t j = 0; j < K; j++)
            if (transposed)
                strata__mlkem_poly_sample_ntt(&a[i].v[j], rho, i, j);
            else
                strata__mlkem_poly_sample_ntt(&a[i].v[j], rho, j, i);
}

/* r = sum_j a[j] x b[j] in T_q (carries R^-1). */
static void dot(strata__mlkem_poly *r, const polyvec *a, const polyvec *b)
{
    memset(r, 0, sizeof(*r));
    for (unsigned j = 0; j < K; j++)
        strata__mlkem_poly_basemul_acc(r, &a->v[j], &b->v[j]);
}

static void polyvec_ntt(polyvec *p)
{
    for (unsigned i = 0; i < K; i++)
        strata__mlkem_poly_ntt(&p->v[i]);
}

static void polyvec_tobytes(uint8_t out[POLYVEC_BYTES], const polyvec *p)
{
    for (unsigned i = 0; i < K; i++)
        strata__mlkem_poly_tobytes(out + i * STRATA_MLKEM_POLYBYTES, &p->v[i]);
}

/* Returns 1 when every coefficient is < q. */
static int polyvec_frombytes(polyvec *p, const uint8_t in[POLYVEC_BYTES])
{
    int ok = 1;
    for (unsigned i = 0; i < K; i++)
        ok &= strata__mlkem_poly_frombytes(&p->v[i], in + i * STRATA_MLKEM_POLYBYTES);
    return ok;
}

/* Alg. 13 K-PKE.KeyGen(d). */
static void pke_keygen(uint8_t ek[PK_BYTES], uint8_t dk_pke[POLYVEC_BYTES], const uint8_t d[32])
{
    uint8_t in[33], rho_sigma[64];
    polyvec a[K], s, e, t;
    memcpy(in, d, 32);
    in[32] = K; /* (rho, sigma) = G(d || k) */
    strata__sha3_512(rho_sigma, in, sizeof(in));
    const uint8_t *rho = rho_sigma, *sigma = rho_sigma + 32;
    gen_matrix(a, rho, 0);
    for (uint8_t i = 0; i < K; i++) {
        strata__mlkem_poly_noise_eta2(&s.v[i], sigma, i);
        strata__mlkem_poly_noise_eta2(&e.v[i], sigma, (uint8_t)(K + i));
    }
    polyvec_ntt(&s);
    polyvec_ntt(&e);
    for (unsigned i = 0; i < K; i++) {
        dot(&t.v[i], &a[i], &s);
        strata__mlkem_poly_tomont(&t.v[i]);
        strata__mlkem_poly_add(&t.v[i], &e.v[i]);
    }
    polyvec_tobytes(ek, &t);
    memcpy(ek + POLYVEC_BYTES, rho, 32);
    polyvec_tobytes(dk_pke, &s);
    OPENSSL_cleanse(in, sizeof(in));
    OPENSSL_cleanse(rho_sigma, sizeof(rho_sigma));
    OPENSSL_cleanse(&s, sizeof(s));
    OPENSSL_cleanse(&e, sizeof(e));
}

/* Alg. 14 K-PKE.Encrypt(ek, m, r), with t^ already decoded from ek. */
static void pke_encrypt(uint8_t ct[CT_BYTES], const polyvec *t, const uint8_t rho[32],
                        const uint8_t m[32], const uint8_t coins[32])
{
    polyvec at[K], r, u;
    strata__mlkem_poly e, v, mu;
    gen_matrix(at, rho, 1);
    for (uint8_t i = 0; i < K; i++)
        strata__mlkem_poly_noise_eta2(&r.v[i], coins, i);
    polyvec_ntt(&r);
    for (uint8_t i = 0; i < K; i++) {
        dot(&u.v[i], &at[i], &r);
        strata__mlkem_poly_invntt(&u.v[i]);
        strata__mlkem_poly_noise_eta2(&e, coins, (uint8_t)(K + i)); /* e1[i] */
        strata__mlkem_poly_add(&u.v[i], &e);
        strata__mlkem_poly_compress10(ct + i * 320, &u.v[i]);
    }
    dot(&v, t, &r);
    strata__mlkem_poly_invntt(&v);
    strata__mlkem_poly_noise_eta2(&e, coins, 2 * K); /* e2 */
    strata__mlkem_poly_add(&v, &e);
    strata__mlkem_poly_frommsg(&mu, m);
    strata__mlkem_poly_add(&v, &mu);
    strata__mlkem_poly_compress4(ct + C1_BYTES, &v);
    OPENSSL_cleanse(&r, sizeof(r));
    OPENSSL_cleanse(&u, sizeof(u));
    OPENSSL_cleanse(&e, sizeof(e));
    OPENSSL_cleanse(&v, sizeof(v));
    OPENSSL_cleanse(&mu, sizeof(mu));
}

/* Alg. 15 K-PKE.Decrypt(dk_pke, c). */
static void pke_decrypt(uint8_t m[32], const uint8_t dk_pke[POLYVEC_BYTES],
                        const uint8_t ct[CT_BYTES])
{
    polyvec s, u;
    strata__mlkem_poly v, w;
    for (unsigned i = 0; i < K; i++)
        strata__mlkem_poly_decompress10(&u.v[i], ct + i * 320);
    strata__mlkem_poly_decompress4(&v, ct + C1_BYTES);
    (void)polyvec_frombytes(&s, dk_pke); /* ByteDecode_12: values mod q are all we need */
    polyvec_ntt(&u);
    dot(&w, &s, &u);
    strata__mlkem_poly_invntt(&w);
    strata__mlkem_poly_sub(&v, &w);
    strata__mlkem_poly_tomsg(m, &v);
    OPENSSL_cleanse(&s, sizeof(s));
    OPENSSL_cleanse(&w, sizeof(w));
    OPENSSL_cleanse(&v, sizeof(v));
}

void strata__mlkem768_keypair_derand(uint8_t *pk, uint8_t *sk, const uint8_t d[32],
                                     const uint8_t z[32])
{
    pke_keygen(pk, sk, d);
    memcpy(sk + POLYVEC_BYTES, pk, PK_BYTES);
    strata__sha3_256(sk + SK_HASH_OFF, pk, PK_BYTES);
    memcpy(sk + SK_Z_OFF, z, 32);
}

strata_status strata__mlkem768_keypair(uint8_t *pk, uint8_t *sk)
{
    uint8_t dz[64];
    if (RAND_priv_bytes(dz, sizeof(dz)) != 1)
        return STRATA_E_CRYPTO;
    strata__mlkem768_keypair_derand(pk, sk, dz, dz + 32);
    OPENSSL_cleanse(dz, sizeof(dz));
    return STRATA_OK;
}

/* Alg. 17 after the key check: (K, r) = G(m || H(ek)), c = Encrypt(ek, m, r). */
static void encaps_checked(uint8_t *ct, uint8_t *ss, const polyvec *t, const uint8_t *pk,
                           const uint8_t hpk[32], const uint8_t m[32])
{
    uint8_t in[64], kr[64];
    memcpy(in, m, 32);
    memcpy(in + 32, hpk, 32);
    strata__sha3_512(kr, in, sizeof(in));
    pke_encrypt(ct, t, pk + POLYVEC_BYTES, m, kr + 32);
    memcpy(ss, kr, 32);
    OPENSSL_cleanse(in, sizeof(in));
    OPENSSL_cleanse(kr, sizeof(kr));
}

strata_status strata__mlkem768_encaps_derand(uint8_t *ct, uint8_t *ss, const uint8_t *pk,
                                             const uint8_t m[32])
{
    polyvec t;
    uint8_t h[32];
    /* §7.2 modulus check: ByteEncode_12(ByteDecode_12(ek)) == ek. */
    if (!polyvec_frombytes(&t, pk))
        return STRATA_E_PROTOCOL;
    strata__sha3_256(h, pk, PK_BYTES);
    encaps_checked(ct, ss, &t, pk, h, m);
    return STRATA_OK;
}

strata_status strata__mlkem768_encaps(uint8_t *ct, uint8_t *ss, const uint8_t *pk)
{
    uint8_t m[32];
    strata_status r;
    if (RAND_priv_bytes(m, sizeof(m)) != 1)
        return STRATA_E_CRYPTO;
    r = strata__mlkem768_encaps_derand(ct, ss, pk, m);
    OPENSSL_cleanse(m, sizeof(m));
    return r;
}

/* 0xFF when the n bytes differ, else 0, without a branch. */
static uint8_t ct_differ_mask(const uint8_t *a, const uint8_t *b, size_t n)
{
    uint32_t acc = 0;
    for (size_t i = 0; i < n; i++)
        acc |= (uint32_t)(a[i] ^ b[i]);
    return (uint8_t)((0u - acc) >> 24);
}

void strata__mlkem768_decaps(uint8_t *ss, const uint8_t *ct, const uint8_t *sk)
{
    const uint8_t *ek = sk + POLYVEC_BYTES, *h = sk + SK_HASH_OFF, *z = sk + SK_Z_OFF;
    uint8_t in[64], kr[64], kbar[32], ct2[CT_BYTES];
    polyvec t;
    strata__keccak j;

    pke_decrypt(in, sk, ct); /* m' */
    memcpy(in + 32, h, 32);
    strata__sha3_512(kr, in, sizeof(in)); /* (K', r') = G(m' || h) */

    strata__shake256_init(&j); /* K_bar = J(z || c) */
    strata__keccak_absorb(&j, z, 32);
    strata__keccak_absorb(&j, ct, CT_BYTES);
    strata__shake_squeeze(&j, kbar, sizeof(kbar));

    (void)polyvec_frombytes(&t, ek);
    pke_encrypt(ct2, &t, ek + POLYVEC_BYTES, in, kr + 32);
    uint8_t reject = ct_differ_mask(ct, ct2, CT_BYTES);
    for (unsigned i = 0; i < 32; i++)
        ss[i] = (uint8_t)(kr[i] ^ (reject & (kr[i] ^ kbar[i])));

    OPENSSL_cleanse(in, sizeof(in));
    OPENSSL_cleanse(kr, sizeof(kr));
    OPENSSL_cleanse(kbar, sizeof(kbar));
    OPENSSL_cleanse(ct2, sizeof(ct2));
    strata__keccak_wipe(&j);
}
