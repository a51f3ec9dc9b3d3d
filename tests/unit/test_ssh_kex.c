/* ssh/kex: every key exchange method against known answers (K and the
 * exchange hash H, from tests/unit/gen_ssh_kex_vectors.py), client against the
 * test-server side in memory, and the checks on the peer's values. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "base/error_internal.h"
#include "ssh/kex/kex.h"
#include "ssh/ssh_msg.h"

#include "ssh_kex_vectors.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>

/* The server's REPLY carrying value v (mpint magnitude or string). */
static void build_reply(const struct ssh_kex *k, const uint8_t *v, size_t n, strata_buf *out)
{
    strata_buf_init(out, 0);
    int gex = k->alg->kind == SSH_KEX_KIND_GEX;
    assert_ok(strata_buf_put_u8(out, gex ? SSH_MSG_KEX_DH_GEX_REPLY : SSH_MSG_KEXDH_REPLY));
    assert_ok(strata_buf_put_string(out, kat_k_s, sizeof(kat_k_s)));
    if (k->alg->kind == SSH_KEX_KIND_ECDH || k->alg->kind == SSH_KEX_KIND_KEM)
        assert_ok(strata_buf_put_string(out, v, n));
    else
        assert_ok(strata_buf_put_mpint(out, v, n, 0));
    assert_ok(strata_buf_put_cstring(out, "signature"));
}

/* A BIGNUM parameter of an OpenSSL key as big-endian bytes (heap; *n its
 * length). */
static uint8_t *bn_param(const EVP_PKEY *pk, const char *name, size_t *n)
{
    BIGNUM *bn = NULL;
    if (!EVP_PKEY_get_bn_param(pk, name, &bn))
        fail_msg("no parameter %s", name);
    *n = (size_t)BN_num_bytes(bn);
    uint8_t *out = malloc(*n ? *n : 1);
    assert_non_null(out);
    BN_bn2bin(bn, out);
    BN_clear_free(bn);
    return out;
}

static void assert_bn_param(const EVP_PKEY *pk, const char *name, const uint8_t *want,
                            size_t wantlen)
{
    size_t n;
    uint8_t *v = bn_param(pk, name, &n);
    while (wantlen > 0 && want[0] == 0) { /* compare magnitudes */
        want++;
        wantlen--;
    }
    assert_int_equal(n, wantlen);
    assert_memory_equal(v, want, n);
    free(v);
}

static void test_known_answers(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(kex_kats) / sizeof(kex_kats[0]); i++) {
        const struct kex_kat *v = &kex_kats[i];
        const struct ssh_kex_alg *alg = strata__ssh_kex_find(v->alg);
        assert_non_null(alg);
        struct ssh_kex *k;
        strata_error err;
        strata_error_clear(&err);
        assert_ok(strata__ssh_kex_new(alg, 0, &k));
        if (v->gex) {
            strata_buf req;
            strata_buf_init(&req, 0);
            assert_ok(
                strata__ssh_kex_gex_request(k, v->gex_old, v->gex_min, v->gex_n, v->gex_max, &req));
            assert_int_equal(strata_buf_ptr(&req)[0], v->gex_old ? SSH_MSG_KEX_DH_GEX_REQUEST_OLD
                                                                 : SSH_MSG_KEX_DH_GEX_REQUEST);
            assert_int_equal(strata_buf_len(&req), v->gex_old ? 5 : 13);
            strata_buf_free(&req);
            static const uint8_t two = 2;
            assert_ok(strata__ssh_kex_gex_set_group(k, v->gex_p, v->gex_p_len, &two, 1, &err));
        }
        if (alg->ops->set_keypair(k, v->cpriv, v->cpriv_len, v->cpub, v->cpub_len, &err) !=
            STRATA_OK)
            fail_msg("%s: set_keypair: %s", v->name, strata_error_message(&err));
        strata_buf reply;
        build_reply(k, v->spub, v->spub_len, &reply);
        const uint8_t *ks, *sig;
        size_t ksl, sigl;
        if (strata__ssh_kex_parse_reply(k, strata_buf_ptr(&reply), strata_buf_len(&reply), &ks,
                                        &ksl, &sig, &sigl, &err) != STRATA_OK)
            fail_msg("%s: %s", v->name, strata_error_message(&err));
        assert_int_equal(ksl, sizeof(kat_k_s));
        assert_int_equal(sigl, 9);
        assert_int_equal(strata_buf_len(&k->K), v->K_len);
        assert_memory_equal(strata_buf_ptr(&k->K), v->K, v->K_len);
        uint8_t h[EVP_MAX_MD_SIZE];
        size_t hl;
        assert_ok(strata__ssh_kex_hash(k, kat_v_c, kat_v_s, kat_i_c, sizeof(kat_i_c), kat_i_s,
                                       sizeof(kat_i_s), kat_k_s, sizeof(kat_k_s), h, &hl, &err));
        assert_int_equal(hl, v->H_len);
        if (memcmp(h, v->H, hl) != 0)
            fail_msg("%s: exchange hash differs from the known answer", v->name);
        strata_buf_free(&reply);
        strata__ssh_kex_free(k);
    }
}

/* Client against the test-server side, fresh keys, every method. */
static void test_client_against_server(void **state)
{
    (void)state;
    char list[1024];
    snprintf(list, sizeof(list), "%s", strata__ssh_kex_algs_supported());
    for (char *save = NULL, *name = strtok_r(list, ",", &save); name;
         name = strtok_r(NULL, ",", &save)) {
        const struct ssh_kex_alg *alg = strata__ssh_kex_find(name);
        assert_non_null(alg);
        struct ssh_kex *c, *s;
        strata_error err;
        strata_error_clear(&err);
        assert_ok(strata__ssh_kex_new(alg, 0, &c));
        assert_ok(strata__ssh_kex_new(alg, 1, &s));
        strata_buf m;
        strata_buf_init(&m, 0);
        if (alg->kind == SSH_KEX_KIND_GEX) {
            assert_ok(strata__ssh_kex_gex_request(c, 0, 2048, 2048, 8192, &m));
            assert_ok(strata__ssh_kex_server_parse_gex_request(s, strata_buf_ptr(&m),
                                                               strata_buf_len(&m), &err));
            strata_buf_reset(&m);
            assert_ok(strata__ssh_kex_server_gex_group(s, &m, &err));
            assert_ok(
                strata__ssh_kex_gex_parse_group(c, strata_buf_ptr(&m), strata_buf_len(&m), &err));
            strata_buf_reset(&m);
            /* g and p: the client uses the server's group. */
            static const char *const pg[] = {OSSL_PKEY_PARAM_FFC_P, OSSL_PKEY_PARAM_FFC_G};
            for (size_t j = 0; j < 2; j++) {
                size_t cn, sn;
                uint8_t *cv = bn_param(c->domain, pg[j], &cn);
                uint8_t *sv = bn_param(s->domain, pg[j], &sn);
                assert_int_equal(cn, sn);
                assert_memory_equal(cv, sv, cn);
                free(cv);
                free(sv);
            }
            assert_true(EVP_PKEY_get_bits(c->domain) >= 2048);
        }
        assert_ok(strata__ssh_kex_client_init(c, &m, &err));
        assert_ok(
            strata__ssh_kex_server_parse_init(s, strata_buf_ptr(&m), strata_buf_len(&m), &err));
        strata_buf_reset(&m);
        assert_ok(strata__ssh_kex_server_reply(s, kat_k_s, sizeof(kat_k_s), (const uint8_t *)"sig",
                                               3, &m));
        const uint8_t *ks, *sig;
        size_t ksl, sigl;
        if (strata__ssh_kex_parse_reply(c, strata_buf_ptr(&m), strata_buf_len(&m), &ks, &ksl, &sig,
                                        &sigl, &err) != STRATA_OK)
            fail_msg("%s: %s", name, strata_error_message(&err));
        assert_int_equal(strata_buf_len(&c->K), strata_buf_len(&s->K));
        assert_memory_equal(strata_buf_ptr(&c->K), strata_buf_ptr(&s->K), strata_buf_len(&c->K));
        uint8_t hc[EVP_MAX_MD_SIZE], hs[EVP_MAX_MD_SIZE];
        size_t hcl, hsl;
        assert_ok(strata__ssh_kex_hash(c, "a", "b", (const uint8_t *)"c", 1, (const uint8_t *)"d",
                                       1, ks, ksl, hc, &hcl, &err));
        assert_ok(strata__ssh_kex_hash(s, "a", "b", (const uint8_t *)"c", 1, (const uint8_t *)"d",
                                       1, ks, ksl, hs, &hsl, &err));
        assert_int_equal(hcl, hsl);
        assert_memory_equal(hc, hs, hcl);
        strata_buf_free(&m);
        strata__ssh_kex_free(c);
        strata__ssh_kex_free(s);
    }
}

/* Twisted's x, e, g, p for the finite-field methods: x and e are the
 * ephemeral key pair k->priv (x = its private value, e = its public value,
 * sent as the mpint in k->our_pub), g and p the domain k->domain (a GEX group
 * as the server sent it). The known answers fix x and e, and for GEX p; the
 * key and domain are freed (and their BIGNUMs cleared by OpenSSL) in
 * strata__ssh_kex_free, which ASan's leak check watches. */
static void test_ffc_x_e_g_p(void **state)
{
    (void)state;
    static const uint8_t two = 2;
    unsigned checked = 0;
    for (size_t i = 0; i < sizeof(kex_kats) / sizeof(kex_kats[0]); i++) {
        const struct kex_kat *v = &kex_kats[i];
        const struct ssh_kex_alg *alg = strata__ssh_kex_find(v->alg);
        assert_non_null(alg);
        if (alg->kind == SSH_KEX_KIND_ECDH)
            continue;
        struct ssh_kex *k;
        strata_error err;
        strata_error_clear(&err);
        assert_ok(strata__ssh_kex_new(alg, 0, &k));
        if (v->gex) {
            strata_buf req;
            strata_buf_init(&req, 0);
            assert_ok(
                strata__ssh_kex_gex_request(k, v->gex_old, v->gex_min, v->gex_n, v->gex_max, &req));
            strata_buf_free(&req);
            assert_ok(strata__ssh_kex_gex_set_group(k, v->gex_p, v->gex_p_len, &two, 1, &err));
        }
        assert_ok(alg->ops->set_keypair(k, v->cpriv, v->cpriv_len, v->cpub, v->cpub_len, &err));
        assert_non_null(k->priv);
        assert_non_null(k->domain);
        assert_bn_param(k->priv, OSSL_PKEY_PARAM_PRIV_KEY, v->cpriv, v->cpriv_len); /* x */
        assert_bn_param(k->priv, OSSL_PKEY_PARAM_PUB_KEY, v->cpub, v->cpub_len);    /* e */
        strata_buf e;
        strata_buf_init(&e, 0);
        assert_ok(strata_buf_put_mpint(&e, v->cpub, v->cpub_len, 0));
        assert_int_equal(strata_buf_len(&k->our_pub), strata_buf_len(&e));
        assert_memory_equal(strata_buf_ptr(&k->our_pub), strata_buf_ptr(&e), strata_buf_len(&e));
        strata_buf_free(&e);
        assert_bn_param(k->domain, OSSL_PKEY_PARAM_FFC_G, &two, 1); /* g */
        if (v->gex)
            assert_bn_param(k->domain, OSSL_PKEY_PARAM_FFC_P, v->gex_p, v->gex_p_len); /* p */
        else if (alg->p)
            assert_bn_param(k->domain, OSSL_PKEY_PARAM_FFC_P, alg->p, alg->plen);
        /* The same p and g travel with the private key. */
        size_t pn, dn;
        uint8_t *pp = bn_param(k->priv, OSSL_PKEY_PARAM_FFC_P, &pn);
        uint8_t *dp = bn_param(k->domain, OSSL_PKEY_PARAM_FFC_P, &dn);
        assert_int_equal(pn, dn);
        assert_memory_equal(pp, dp, pn);
        free(pp);
        free(dp);
        strata__ssh_kex_free(k);
        checked++;
    }
    assert_true(checked >= 6);
}

/* The group's prime from OpenSSL's RFC 2409 / RFC 3526 constants, a source
 * independent of the table in src/ssh/kex/kex.c. */
static BIGNUM *rfc_prime(const char *alg)
{
    if (strstr(alg, "group1-"))
        return BN_get_rfc2409_prime_1024(NULL);
    if (strstr(alg, "group14-") || strstr(alg, "group-exchange"))
        return BN_get_rfc3526_prime_2048(NULL); /* GEX: the group set below */
    if (strstr(alg, "group16-"))
        return BN_get_rfc3526_prime_4096(NULL);
    if (strstr(alg, "group18-"))
        return BN_get_rfc3526_prime_8192(NULL);
    fail_msg("no RFC prime for %s", alg);
    return NULL;
}

/* x and e from the real key generation, checked against arithmetic done here
 * with OpenSSL BN: the INIT message's e is g^x mod p for the x the engine
 * holds, with p the RFC prime and g = 2; 1 < x < p - 1; two exchanges draw
 * different x. */
static void test_ffc_fresh_x_is_log_of_e(void **state)
{
    (void)state;
    static const uint8_t two = 2;
    static const char *const algs[] = {
        "diffie-hellman-group1-sha1",          "diffie-hellman-group14-sha1",
        "diffie-hellman-group14-sha256",       "diffie-hellman-group16-sha512",
        "diffie-hellman-group18-sha512",       "diffie-hellman-group-exchange-sha1",
        "diffie-hellman-group-exchange-sha256"};
    BN_CTX *bc = BN_CTX_new();
    assert_non_null(bc);
    for (size_t i = 0; i < sizeof(algs) / sizeof(algs[0]); i++) {
        const struct ssh_kex_alg *alg = strata__ssh_kex_find(algs[i]);
        assert_non_null(alg);
        BIGNUM *p = rfc_prime(algs[i]), *g = BN_new(), *want = BN_new(), *pm1 = BN_new();
        BIGNUM *prev_x = NULL;
        assert_non_null(p);
        assert_true(g && want && pm1 && BN_set_word(g, 2) && BN_sub(pm1, p, BN_value_one()));
        for (int round = 0; round < 2; round++) {
            struct ssh_kex *k;
            strata_error err;
            strata_buf init;
            strata_error_clear(&err);
            strata_buf_init(&init, 0);
            assert_ok(strata__ssh_kex_new(alg, 0, &k));
            if (alg->kind == SSH_KEX_KIND_GEX) {
                uint8_t pb[256];
                assert_int_equal(BN_bn2binpad(p, pb, sizeof(pb)), (int)sizeof(pb));
                assert_ok(strata__ssh_kex_gex_request(k, 0, 2048, 2048, 8192, &init));
                strata_buf_reset(&init);
                assert_ok(strata__ssh_kex_gex_set_group(k, pb, sizeof(pb), &two, 1, &err));
            }
            assert_ok(strata__ssh_kex_client_init(k, &init, &err));
            /* RFC 4253 §8 / RFC 4419 §3: byte 30 or 32, mpint e, nothing else. */
            uint8_t t;
            const uint8_t *eb;
            size_t el;
            assert_ok(strata_buf_get_u8(&init, &t));
            assert_int_equal(t, alg->kind == SSH_KEX_KIND_GEX ? SSH_MSG_KEX_DH_GEX_INIT
                                                              : SSH_MSG_KEXDH_INIT);
            assert_ok(strata_buf_get_mpint(&init, &eb, &el));
            assert_ok(strata_buf_get_end(&init));
            BIGNUM *x = NULL, *e = BN_bin2bn(eb, (int)el, NULL);
            assert_true(EVP_PKEY_get_bn_param(k->priv, OSSL_PKEY_PARAM_PRIV_KEY, &x));
            assert_non_null(e);
            assert_true(BN_cmp(x, BN_value_one()) > 0 && BN_cmp(x, pm1) < 0);
            assert_true(BN_mod_exp(want, g, x, p, bc));
            if (BN_cmp(want, e) != 0)
                fail_msg("%s: e is not g^x mod p", algs[i]);
            assert_true(BN_cmp(e, BN_value_one()) > 0 && BN_cmp(e, pm1) < 0);
            if (prev_x) {
                assert_int_not_equal(BN_cmp(prev_x, x), 0);
                BN_clear_free(prev_x);
            }
            prev_x = x;
            BN_free(e);
            strata_buf_free(&init);
            strata__ssh_kex_free(k);
        }
        BN_clear_free(prev_x);
        BN_free(p), BN_free(g), BN_free(want), BN_free(pm1);
    }
    BN_CTX_free(bc);
}

/* Runs the client side of alg with a reply carrying value v; returns the
 * status and leaves the error text in err. */
static strata_status reply_with(const char *name, const uint8_t *v, size_t n, strata_error *err)
{
    struct ssh_kex *k;
    const struct ssh_kex_alg *alg = strata__ssh_kex_find(name);
    strata_error_clear(err);
    assert_ok(strata__ssh_kex_new(alg, 0, &k));
    strata_buf m;
    strata_buf_init(&m, 0);
    assert_ok(strata__ssh_kex_client_init(k, &m, err));
    strata_buf_free(&m);
    build_reply(k, v, n, &m);
    const uint8_t *ks, *sig;
    size_t ksl, sigl;
    strata_status r = strata__ssh_kex_parse_reply(k, strata_buf_ptr(&m), strata_buf_len(&m), &ks,
                                                  &ksl, &sig, &sigl, err);
    strata_buf_free(&m);
    strata__ssh_kex_free(k);
    return r;
}

static void test_dh_public_value_range(void **state)
{
    (void)state;
    strata_error err;
    static const uint8_t one = 1;
    assert_status(reply_with("diffie-hellman-group14-sha256", &one, 1, &err), STRATA_E_PROTOCOL);
    assert_string_equal(strata_error_message(&err),
                        "diffie-hellman-group14-sha256: peer's DH public value is out of range "
                        "(must be 1 < f < p-1)");
    /* p - 1 of group1: the prime ends in ...ff, so p-1 ends in ...fe. */
    uint8_t pm1[128];
    memcpy(pm1, strata__ssh_modp1024_p, sizeof(pm1));
    pm1[127] = 0xfe;
    assert_status(reply_with("diffie-hellman-group1-sha1", pm1, sizeof(pm1), &err),
                  STRATA_E_PROTOCOL);
    assert_non_null(strstr(strata_error_message(&err), "out of range"));
    /* f = p is out of range too. */
    assert_status(reply_with("diffie-hellman-group1-sha1", strata__ssh_modp1024_p, 128, &err),
                  STRATA_E_PROTOCOL);
    /* Zero (the empty mpint). */
    assert_status(reply_with("diffie-hellman-group1-sha1", &one, 0, &err), STRATA_E_PROTOCOL);
}

static void test_x25519_checks(void **state)
{
    (void)state;
    strata_error err;
    uint8_t zero[32] = {0};
    /* u = 0 is a low-order point: the shared secret would be all zero. */
    assert_status(reply_with("curve25519-sha256", zero, 32, &err), STRATA_E_PROTOCOL);
    assert_string_equal(strata_error_message(&err),
                        "curve25519-sha256: shared secret is all zero (peer sent a low-order "
                        "point)");
    assert_status(reply_with("curve25519-sha256", zero, 31, &err), STRATA_E_PROTOCOL);
    assert_string_equal(strata_error_message(&err),
                        "curve25519-sha256: peer's public key is 31 bytes, not 32");
}

static void test_ecdh_point_checks(void **state)
{
    (void)state;
    strata_error err;
    uint8_t pt[65];
    memset(pt, 0x11, sizeof(pt));
    pt[0] = 0x04; /* (0x11.., 0x11..) is not on P-256 */
    assert_status(reply_with("ecdh-sha2-nistp256", pt, sizeof(pt), &err), STRATA_E_PROTOCOL);
    assert_string_equal(strata_error_message(&err), "ecdh-sha2-nistp256: invalid curve point");
    pt[0] = 0x02;
    assert_status(reply_with("ecdh-sha2-nistp256", pt, 33, &err), STRATA_E_PROTOCOL);
    assert_string_equal(strata_error_message(&err),
                        "ecdh-sha2-nistp256: peer's point is not in uncompressed form");
}

static strata_status gex_group(const uint8_t *p, size_t plen, const uint8_t *g, size_t glen,
                               strata_error *err)
{
    struct ssh_kex *k;
    strata_buf m;
    strata_buf_init(&m, 0);
    strata_error_clear(err);
    assert_ok(
        strata__ssh_kex_new(strata__ssh_kex_find("diffie-hellman-group-exchange-sha256"), 0, &k));
    assert_ok(strata__ssh_kex_gex_request(k, 0, 2048, 3072, 8192, &m));
    strata_buf_reset(&m);
    assert_ok(strata_buf_put_u8(&m, SSH_MSG_KEX_DH_GEX_GROUP));
    assert_ok(strata_buf_put_mpint(&m, p, plen, 0));
    assert_ok(strata_buf_put_mpint(&m, g, glen, 0));
    strata_status r =
        strata__ssh_kex_gex_parse_group(k, strata_buf_ptr(&m), strata_buf_len(&m), err);
    strata_buf_free(&m);
    strata__ssh_kex_free(k);
    return r;
}

static void test_gex_group_checks(void **state)
{
    (void)state;
    strata_error err;
    static const uint8_t two = 2, one = 1;
    assert_status(gex_group(strata__ssh_modp1024_p, 128, &two, 1, &err), STRATA_E_PROTOCOL);
    assert_string_equal(strata_error_message(&err),
                        "diffie-hellman-group-exchange-sha256: server's group is 1024 bits, "
                        "outside the requested 2048..8192");
    const struct kex_kat *g14 = NULL;
    for (size_t i = 0; i < sizeof(kex_kats) / sizeof(kex_kats[0]); i++)
        if (kex_kats[i].gex)
            g14 = &kex_kats[i];
    assert_non_null(g14);
    assert_ok(gex_group(g14->gex_p, g14->gex_p_len, &two, 1, &err));
    assert_status(gex_group(g14->gex_p, g14->gex_p_len, &one, 1, &err), STRATA_E_PROTOCOL);
    assert_string_equal(strata_error_message(&err),
                        "diffie-hellman-group-exchange-sha256: server's group generator is out "
                        "of range (must be 1 < g < p-1)");
    uint8_t pm1[256];
    memcpy(pm1, g14->gex_p, 256);
    pm1[255] = 0xfe;
    assert_status(gex_group(g14->gex_p, 256, pm1, 256, &err), STRATA_E_PROTOCOL);
    assert_status(gex_group(pm1, 256, &two, 1, &err), STRATA_E_PROTOCOL);
    assert_string_equal(strata_error_message(&err),
                        "diffie-hellman-group-exchange-sha256: server's group prime is even");
}

static void test_table(void **state)
{
    (void)state;
    char list[1024];
    snprintf(list, sizeof(list), "%s", strata__ssh_kex_algs_default());
    for (char *save = NULL, *n = strtok_r(list, ",", &save); n; n = strtok_r(NULL, ",", &save)) {
        const struct ssh_kex_alg *a = strata__ssh_kex_find(n);
        assert_non_null(a);
        assert_false(a->legacy);
        assert_non_null(strstr(strata__ssh_kex_algs_supported(), n));
    }
    assert_true(strata__ssh_kex_find("diffie-hellman-group1-sha1")->legacy);
    assert_true(strata__ssh_kex_find("diffie-hellman-group14-sha1")->legacy);
    assert_true(strata__ssh_kex_find("diffie-hellman-group-exchange-sha1")->legacy);
    /* OpenSSH 10's order: the post-quantum hybrids first. */
    assert_true(strncmp(strata__ssh_kex_algs_default(),
                        "mlkem768x25519-sha256,sntrup761x25519-sha512,"
                        "sntrup761x25519-sha512@openssh.com,curve25519-sha256,",
                        strlen("mlkem768x25519-sha256,sntrup761x25519-sha512,"
                               "sntrup761x25519-sha512@openssh.com,curve25519-sha256,")) == 0);
    assert_true(strata__ssh_kex_is_pq("mlkem768x25519-sha256"));
    assert_true(strata__ssh_kex_is_pq("sntrup761x25519-sha512"));
    assert_true(strata__ssh_kex_is_pq("sntrup761x25519-sha512@openssh.com"));
    assert_false(strata__ssh_kex_is_pq("curve25519-sha256"));
    assert_false(strata__ssh_kex_is_pq("diffie-hellman-group16-sha512"));
    assert_false(strata__ssh_kex_is_pq("no-such-method"));
    assert_false(strata__ssh_kex_is_pq(NULL));
}

/* ---- the post-quantum hybrids ------------------------------------------------- */

static const struct hybrid {
    const char *name;
    size_t pk, ct, hash;
} hybrids[] = {
    {"mlkem768x25519-sha256", 1184, 1088, 32},
    {"sntrup761x25519-sha512", 1158, 1039, 64},
    {"sntrup761x25519-sha512@openssh.com", 1158, 1039, 64},
};

/* The test server's side: parses an INIT carrying v. */
static strata_status init_with(const char *name, const uint8_t *v, size_t n, strata_error *err)
{
    struct ssh_kex *k;
    strata_buf m;
    strata_error_clear(err);
    assert_ok(strata__ssh_kex_new(strata__ssh_kex_find(name), 1, &k));
    strata_buf_init(&m, 0);
    assert_ok(strata_buf_put_u8(&m, SSH_MSG_KEXDH_INIT));
    assert_ok(strata_buf_put_string(&m, v, n));
    strata_status r =
        strata__ssh_kex_server_parse_init(k, strata_buf_ptr(&m), strata_buf_len(&m), err);
    strata_buf_free(&m);
    strata__ssh_kex_free(k);
    return r;
}

/* Lengths and the X25519 half are checked on both sides, with the exact
 * errors; a client value whose ML-KEM key fails FIPS 203's modulus check is
 * refused by the server. */
static void test_hybrid_checks(void **state)
{
    (void)state;
    strata_error err;
    char want[256];
    for (size_t i = 0; i < sizeof(hybrids) / sizeof(hybrids[0]); i++) {
        const struct hybrid *h = &hybrids[i];
        uint8_t *v = calloc(1, h->pk + 32);
        assert_non_null(v);
        assert_status(reply_with(h->name, v, h->ct + 31, &err), STRATA_E_PROTOCOL);
        snprintf(want, sizeof(want), "%s: server's reply value is %zu bytes, not %zu", h->name,
                 h->ct + 31, h->ct + 32);
        assert_string_equal(strata_error_message(&err), want);
        assert_status(reply_with(h->name, v, h->ct + 33, &err), STRATA_E_PROTOCOL);
        /* A right-sized reply whose X25519 value is 0, a low-order point. */
        assert_status(reply_with(h->name, v, h->ct + 32, &err), STRATA_E_PROTOCOL);
        snprintf(want, sizeof(want), "%s: shared secret is all zero (peer sent a low-order point)",
                 h->name);
        assert_string_equal(strata_error_message(&err), want);
        assert_status(reply_with(h->name, v, 0, &err), STRATA_E_PROTOCOL);
        /* The server's side. */
        assert_status(init_with(h->name, v, h->pk + 31, &err), STRATA_E_PROTOCOL);
        snprintf(want, sizeof(want), "%s: client's public value is %zu bytes, not %zu", h->name,
                 h->pk + 31, h->pk + 32);
        assert_string_equal(strata_error_message(&err), want);
        assert_status(init_with(h->name, v, h->pk + 32, &err), STRATA_E_PROTOCOL);
        snprintf(want, sizeof(want), "%s: shared secret is all zero (peer sent a low-order point)",
                 h->name);
        assert_string_equal(strata_error_message(&err), want);
        free(v);
    }
    /* ML-KEM-768: the first 12-bit coefficient of t is q = 3329 (FIPS 203 §7.2). */
    uint8_t *v = calloc(1, 1184 + 32);
    assert_non_null(v);
    v[0] = 0x01;
    v[1] = 0x0d;
    v[1184] = 9; /* X25519 base point: not low order */
    assert_status(init_with("mlkem768x25519-sha256", v, 1184 + 32, &err), STRATA_E_PROTOCOL);
    assert_string_equal(strata_error_message(&err),
                        "mlkem768x25519-sha256: client's ML-KEM-768 public key is not valid");
    /* 3328 is in range. */
    v[1] = 0x0c;
    v[0] = 0x00;
    assert_ok(init_with("mlkem768x25519-sha256", v, 1184 + 32, &err));
    free(v);
}

/* One exchange; the server's reply is handed to tamper before the client
 * reads it. Returns whether both ends agree on K. K is a string holding the
 * hash of the two shared secrets (not an mpint). */
static int hybrid_exchange(const struct hybrid *h, size_t flip)
{
    struct ssh_kex *c, *s;
    strata_error err;
    strata_buf m;
    strata_error_clear(&err);
    assert_ok(strata__ssh_kex_new(strata__ssh_kex_find(h->name), 0, &c));
    assert_ok(strata__ssh_kex_new(strata__ssh_kex_find(h->name), 1, &s));
    strata_buf_init(&m, 0);
    assert_ok(strata__ssh_kex_client_init(c, &m, &err));
    assert_int_equal(strata_buf_len(&m), 1 + 4 + h->pk + 32);
    assert_int_equal(strata_buf_ptr(&m)[0], SSH_MSG_KEX_ECDH_INIT);
    if (strata__ssh_kex_server_parse_init(s, strata_buf_ptr(&m), strata_buf_len(&m), &err) !=
        STRATA_OK)
        fail_msg("%s: %s", h->name, strata_error_message(&err));
    strata_buf_reset(&m);
    assert_ok(
        strata__ssh_kex_server_reply(s, kat_k_s, sizeof(kat_k_s), (const uint8_t *)"sig", 3, &m));
    /* message byte, string K_S, then the string S_REPLY */
    size_t value = 1 + 4 + sizeof(kat_k_s) + 4;
    assert_int_equal(strata_buf_len(&m), value + h->ct + 32 + 4 + 3);
    if (flip != SIZE_MAX)
        ((uint8_t *)strata_buf_ptr(&m))[value + flip] ^= 0x01;
    const uint8_t *ks, *sig;
    size_t ksl, sigl;
    if (strata__ssh_kex_parse_reply(c, strata_buf_ptr(&m), strata_buf_len(&m), &ks, &ksl, &sig,
                                    &sigl, &err) != STRATA_OK)
        fail_msg("%s: %s", h->name, strata_error_message(&err));
    const strata_buf *Ks[2] = {&c->K, &s->K};
    for (int j = 0; j < 2; j++) {
        assert_int_equal(strata_buf_len(Ks[j]), 4 + h->hash);
        const uint8_t *p = strata_buf_ptr(Ks[j]);
        assert_int_equal(((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) |
                             p[3],
                         h->hash);
    }
    int same = !memcmp(strata_buf_ptr(&c->K), strata_buf_ptr(&s->K), 4 + h->hash);
    if (same) {
        uint8_t hc[EVP_MAX_MD_SIZE], hs[EVP_MAX_MD_SIZE];
        size_t hcl, hsl;
        assert_ok(strata__ssh_kex_hash(c, "a", "b", (const uint8_t *)"c", 1, (const uint8_t *)"d",
                                       1, ks, ksl, hc, &hcl, &err));
        assert_ok(strata__ssh_kex_hash(s, "a", "b", (const uint8_t *)"c", 1, (const uint8_t *)"d",
                                       1, ks, ksl, hs, &hsl, &err));
        assert_int_equal(hcl, h->hash);
        assert_memory_equal(hc, hs, hcl);
    }
    strata_buf_free(&m);
    strata__ssh_kex_free(c);
    strata__ssh_kex_free(s);
    return same;
}

/* Client against server agree; a bit flipped anywhere in the KEM ciphertext
 * or the server's X25519 value gives the client another K (implicit
 * rejection: no error, and the host key signature over H then fails). */
static void test_hybrid_exchange(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(hybrids) / sizeof(hybrids[0]); i++) {
        const struct hybrid *h = &hybrids[i];
        for (int n = 0; n < 3; n++)
            assert_true(hybrid_exchange(h, SIZE_MAX));
        size_t flips[] = {0, h->ct / 2, h->ct - 1, h->ct + 5};
        for (size_t j = 0; j < sizeof(flips) / sizeof(flips[0]); j++)
            if (hybrid_exchange(h, flips[j]))
                fail_msg("%s: a flipped bit at %zu of the reply still agreed", h->name, flips[j]);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_known_answers),
        cmocka_unit_test(test_client_against_server),
        cmocka_unit_test(test_ffc_x_e_g_p),
        cmocka_unit_test(test_ffc_fresh_x_is_log_of_e),
        cmocka_unit_test(test_dh_public_value_range),
        cmocka_unit_test(test_x25519_checks),
        cmocka_unit_test(test_ecdh_point_checks),
        cmocka_unit_test(test_gex_group_checks),
        cmocka_unit_test(test_table),
        cmocka_unit_test(test_hybrid_checks),
        cmocka_unit_test(test_hybrid_exchange),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
