/* ssh/cipher and ssh/mac: every row against an independent reference.
 *
 * - HMAC rows: RFC 4231 / RFC 2202 test case 2 (key "Jefe", data "what do ya
 *   want for nothing?"), whose first four bytes "what" serve as the sequence
 *   number the SSH MAC prepends.
 * - aes128-ctr: NIST SP 800-38A F.5.1, across a packet boundary.
 * - chacha20-poly1305@openssh.com: a reference built here from raw ChaCha20
 *   and Poly1305 one-shots, following PROTOCOL.chacha20poly1305.
 * - AES-GCM: OpenSSL one-shot AES-GCM with the RFC 5647 nonce, over two packets
 *   (the invocation counter must advance).
 * - CTR/CBC: one-shot EVP over two packets (stream / chain continuity).
 * - hmac-sha1-96: RFC 2202 test case 5 (truncation); UMAC rows: the RFC 4418
 *   primitive (its own vectors in test_ssh_umac.c) with the sequence number
 *   as an 8-byte big-endian nonce, as OpenSSH's PROTOCOL has it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include "ssh/cipher/cipher.h"
#include "ssh/mac.h"
#include "ssh/packet.h"
#include "ssh/umac.h"
#include "testutil.h"

static void test_hmac_rows_rfc4231_rfc2202(void **state)
{
    (void)state;
    static const struct {
        const char *name, *hex;
    } v[] = {
        {"hmac-sha2-256", "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"},
        {"hmac-sha2-256-etm@openssh.com",
         "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"},
        {"hmac-sha2-512", "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea250554"
                          "9758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737"},
        {"hmac-sha1", "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79"},
        {"hmac-sha1-etm@openssh.com", "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79"},
    };
    const char *data = " do ya want for nothing?";
    const uint32_t seq = 0x77686174; /* "what" */
    for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
        const struct ssh_mac_alg *a = strata__ssh_mac_find(v[i].name);
        assert_non_null(a);
        uint8_t key[64] = {0}, want[64], got[64];
        memcpy(key, "Jefe", 4); /* HMAC pads short keys with zeros: same MAC */
        size_t wn = tu_unhex(v[i].hex, want, sizeof(want));
        assert_int_equal(wn, a->out_len);
        strata_error err;
        strata_error_clear(&err);
        struct ssh_mac m;
        assert_ok(strata__ssh_mac_init(&m, a, key, &err));
        assert_ok(strata__ssh_mac_compute(&m, seq, (const uint8_t *)data, strlen(data), got, &err));
        assert_memory_equal(got, want, wn);
        /* The context is reused per packet: a second run gives the same MAC. */
        assert_ok(strata__ssh_mac_compute(&m, seq, (const uint8_t *)data, strlen(data), got, &err));
        assert_memory_equal(got, want, wn);
        strata__ssh_mac_free(&m);
    }
    assert_null(strata__ssh_mac_find("hmac-md5"));
}

/* RFC 2202 §3 test case 5: key 0x0c x 20, "Test With Truncation",
 * HMAC-SHA-1-96 = 4c1a03424b55e07fe7f27be1; "Test" is the sequence number. */
static void test_hmac_sha1_96_rfc2202(void **state)
{
    (void)state;
    static const char *const rows[] = {"hmac-sha1-96", "hmac-sha1-96-etm@openssh.com"};
    const char *data = " With Truncation";
    for (size_t i = 0; i < 2; i++) {
        const struct ssh_mac_alg *a = strata__ssh_mac_find(rows[i]);
        assert_non_null(a);
        assert_int_equal(a->key_len, 20);
        assert_int_equal(a->out_len, 12);
        assert_int_equal(a->etm, i == 1);
        assert_true(a->legacy);
        uint8_t key[20], want[12], got[64];
        memset(key, 0x0c, sizeof(key));
        memset(got, 0xee, sizeof(got));
        tu_unhex("4c1a03424b55e07fe7f27be1", want, sizeof(want));
        strata_error err;
        strata_error_clear(&err);
        struct ssh_mac m;
        assert_ok(strata__ssh_mac_init(&m, a, key, &err));
        assert_ok(strata__ssh_mac_compute(&m, 0x54657374 /* "Test" */, (const uint8_t *)data,
                                          strlen(data), got, &err));
        assert_memory_equal(got, want, 12);
        assert_int_equal(got[12], 0xee); /* exactly 12 bytes written */
        strata__ssh_mac_free(&m);
    }
}

/* umac-64/128@openssh.com (and -etm): UMAC of the data alone, the nonce the
 * sequence number as 8 big-endian bytes; keys of 16 bytes. */
static void test_umac_rows_use_seq_as_nonce(void **state)
{
    (void)state;
    static const struct {
        const char *name;
        size_t tag;
        int etm;
    } rows[] = {{"umac-64@openssh.com", 8, 0},
                {"umac-128@openssh.com", 16, 0},
                {"umac-64-etm@openssh.com", 8, 1},
                {"umac-128-etm@openssh.com", 16, 1}};
    uint8_t key[16], data[1500];
    tu_fill(key, sizeof(key), 5);
    tu_fill(data, sizeof(data), 6);
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        const struct ssh_mac_alg *a = strata__ssh_mac_find(rows[i].name);
        assert_non_null(a);
        assert_int_equal(a->key_len, 16);
        assert_int_equal(a->out_len, rows[i].tag);
        assert_int_equal(a->etm, rows[i].etm);
        assert_false(a->legacy);
        strata_error err;
        strata_error_clear(&err);
        struct ssh_mac m;
        struct strata__umac *u;
        assert_ok(strata__ssh_mac_init(&m, a, key, &err));
        assert_ok(strata__umac_new(key, rows[i].tag, &u, &err));
        static const uint32_t seqs[] = {0, 1, 2, 0x01020304, 0xffffffff};
        for (size_t s = 0; s < sizeof(seqs) / sizeof(seqs[0]); s++) {
            uint8_t got[64], want[16];
            const uint8_t nonce[8] = {0,
                                      0,
                                      0,
                                      0,
                                      (uint8_t)(seqs[s] >> 24),
                                      (uint8_t)(seqs[s] >> 16),
                                      (uint8_t)(seqs[s] >> 8),
                                      (uint8_t)seqs[s]};
            for (size_t len = 0; len <= sizeof(data); len += 499) {
                assert_ok(strata__ssh_mac_compute(&m, seqs[s], data, len, got, &err));
                assert_ok(strata__umac_tag(u, data, len, nonce, 8, want, &err));
                assert_memory_equal(got, want, rows[i].tag);
            }
        }
        strata__umac_free(u);
        strata__ssh_mac_free(&m);
        assert_null(m.umac);
    }
}

static void test_aes128_ctr_sp800_38a(void **state)
{
    (void)state;
    uint8_t key[16], iv[16], pt[32], want[32], got[32];
    tu_unhex("2b7e151628aed2a6abf7158809cf4f3c", key, sizeof(key));
    tu_unhex("f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff", iv, sizeof(iv));
    tu_unhex("6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e51", pt, sizeof(pt));
    tu_unhex("874d6191b620e3261bef6864990db6ce9806f66b7970fdff8617187bb9fffdff", want,
             sizeof(want));
    strata_error err;
    strata_error_clear(&err);
    struct ssh_cipher c;
    assert_ok(strata__ssh_cipher_init(&c, strata__ssh_cipher_find("aes128-ctr"), 1, key, iv, &err));
    /* Two calls: the counter carries over, as between packets. */
    assert_ok(c.alg->crypt(&c, got, pt, 16, &err));
    assert_ok(c.alg->crypt(&c, got + 16, pt + 16, 16, &err));
    assert_memory_equal(got, want, 32);
    strata__ssh_cipher_free(&c);
}

/* One-shot EVP over n bytes (no padding). */
static void evp_oneshot(const char *name, const uint8_t *key, const uint8_t *iv, int enc,
                        const uint8_t *in, size_t n, uint8_t *out)
{
    EVP_CIPHER *ci = EVP_CIPHER_fetch(NULL, name, NULL);
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
    int l1 = 0, l2 = 0;
    assert_true(ci && ctx && EVP_CipherInit_ex2(ctx, ci, key, iv, enc, NULL) &&
                EVP_CIPHER_CTX_set_padding(ctx, 0) && EVP_CipherUpdate(ctx, out, &l1, in, (int)n) &&
                EVP_CipherFinal_ex(ctx, out + l1, &l2));
    assert_int_equal((size_t)(l1 + l2), n);
    EVP_CIPHER_CTX_free(ctx);
    EVP_CIPHER_free(ci);
}

static void test_plain_rows_match_oneshot(void **state)
{
    (void)state;
    static const char *const rows[][2] = {
        {"aes128-ctr", "AES-128-CTR"}, {"aes192-ctr", "AES-192-CTR"}, {"aes256-ctr", "AES-256-CTR"},
        {"aes128-cbc", "AES-128-CBC"}, {"aes192-cbc", "AES-192-CBC"}, {"aes256-cbc", "AES-256-CBC"},
        {"3des-cbc", "DES-EDE3-CBC"},
    };
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        const struct ssh_cipher_alg *a = strata__ssh_cipher_find(rows[i][0]);
        assert_non_null(a);
        assert_int_equal(a->tag_len, 0);
        uint8_t key[32], iv[16], pt[96], ct[96], ref[96], back[96];
        tu_fill(key, sizeof(key), 1 + i);
        tu_fill(iv, sizeof(iv), 100 + i);
        tu_fill(pt, sizeof(pt), 200 + i);
        evp_oneshot(rows[i][1], key, iv, 1, pt, sizeof(pt), ref);
        strata_error err;
        strata_error_clear(&err);
        struct ssh_cipher enc, dec;
        assert_ok(strata__ssh_cipher_init(&enc, a, 1, key, iv, &err));
        assert_ok(strata__ssh_cipher_init(&dec, a, 0, key, iv, &err));
        /* Two "packets" of 48 bytes: the stream or chain continues. */
        assert_ok(a->crypt(&enc, ct, pt, 48, &err));
        assert_ok(a->crypt(&enc, ct + 48, pt + 48, 48, &err));
        assert_memory_equal(ct, ref, sizeof(ct));
        assert_ok(a->crypt(&dec, back, ct, 48, &err));
        assert_ok(a->crypt(&dec, back + 48, ct + 48, 48, &err));
        assert_memory_equal(back, pt, sizeof(pt));
        strata__ssh_cipher_free(&enc);
        strata__ssh_cipher_free(&dec);
    }
}

/* Reference chacha20-poly1305@openssh.com seal, from raw one-shots. */
static void chachapoly_ref(const uint8_t key[64], uint32_t seq, const uint8_t *pt, size_t n,
                           uint8_t *out /* n + 16 */)
{
    uint8_t iv[16] = {0}, zeros[64] = {0}, block0[64];
    for (int i = 0; i < 4; i++)
        iv[12 + i] = (uint8_t)(seq >> (24 - 8 * i));
    /* K_1 (key + 32), counter 0: the length. */
    evp_oneshot("ChaCha20", key + 32, iv, 1, pt, 4, out);
    /* K_2 (key), counter 0: the Poly1305 key; counter 1: the payload. */
    evp_oneshot("ChaCha20", key, iv, 1, zeros, 64, block0);
    iv[0] = 1;
    evp_oneshot("ChaCha20", key, iv, 1, pt + 4, n - 4, out + 4);
    size_t tl = 0;
    EVP_MAC *mac = EVP_MAC_fetch(NULL, "POLY1305", NULL);
    EVP_MAC_CTX *mc = EVP_MAC_CTX_new(mac);
    assert_true(mc && EVP_MAC_init(mc, block0, 32, NULL) && EVP_MAC_update(mc, out, n) &&
                EVP_MAC_final(mc, out + n, &tl, 16));
    assert_int_equal(tl, 16);
    EVP_MAC_CTX_free(mc);
    EVP_MAC_free(mac);
}

static void test_chachapoly_matches_reference(void **state)
{
    (void)state;
    const struct ssh_cipher_alg *a = strata__ssh_cipher_find("chacha20-poly1305@openssh.com");
    assert_non_null(a);
    assert_int_equal(a->key_len, 64);
    assert_int_equal(a->tag_len, 16);
    uint8_t key[64], pkt[4 + 200], wire[4 + 200 + 16], ref[4 + 200 + 16], back[4 + 200];
    tu_fill(key, sizeof(key), 7);
    tu_fill(pkt, sizeof(pkt), 8);
    pkt[0] = 0, pkt[1] = 0, pkt[2] = 0, pkt[3] = 200;
    strata_error err;
    strata_error_clear(&err);
    struct ssh_cipher enc, dec;
    assert_ok(strata__ssh_cipher_init(&enc, a, 1, key, NULL, &err));
    assert_ok(strata__ssh_cipher_init(&dec, a, 0, key, NULL, &err));
    const uint32_t seqs[] = {0, 1, 0x12345678, 0xffffffffu};
    for (size_t i = 0; i < sizeof(seqs) / sizeof(seqs[0]); i++) {
        memcpy(wire, pkt, sizeof(pkt));
        assert_ok(
            a->aead_seal(&enc, seqs[i], wire, sizeof(pkt), NULL, 0, 0, wire + sizeof(pkt), &err));
        chachapoly_ref(key, seqs[i], pkt, sizeof(pkt), ref);
        assert_memory_equal(wire, ref, sizeof(ref));
        /* The same with part of the payload read from elsewhere (the seal
         * path: a message header in place, the data after it not). */
        uint8_t hole[sizeof(wire)];
        memcpy(hole, pkt, sizeof(pkt));
        memset(hole + 23, 0xee, 150);
        assert_ok(a->aead_seal(&enc, seqs[i], hole, sizeof(pkt), pkt + 23, 23, 150,
                               hole + sizeof(pkt), &err));
        assert_memory_equal(hole, ref, sizeof(ref));
        uint32_t len = 0;
        assert_ok(a->aead_length(&dec, seqs[i], wire, &len, &err));
        assert_int_equal(len, 200);
        assert_ok(a->aead_open(&dec, seqs[i], back, wire, sizeof(pkt), wire + sizeof(pkt), &err));
        assert_memory_equal(back, pkt, sizeof(pkt));
        /* Wrong sequence number: tag mismatch, precise message. */
        assert_status(
            a->aead_open(&dec, seqs[i] + 1, back, wire, sizeof(pkt), wire + sizeof(pkt), &err),
            STRATA_E_SSH_MAC);
        char want[128];
        snprintf(want, sizeof(want),
                 "chacha20-poly1305@openssh.com: Poly1305 tag mismatch on packet %u", seqs[i] + 1);
        assert_string_equal(strata_error_message(&err), want);
        strata_error_clear(&err);
    }
    strata__ssh_cipher_free(&enc);
    strata__ssh_cipher_free(&dec);
}

/* Known answers computed by an independent pure-Python implementation of
 * PROTOCOL.chacha20poly1305 (original ChaCha20 with a 64-bit counter and
 * nonce, checked against RFC 7539 §2.3.2; Poly1305 checked against RFC 8439
 * §2.5.2): key = 00 01 .. 3f, a 36-byte packet carrying "\x5ehello, openssh!"
 * with 15 bytes of padding a0 .. ae. Pins the nonce and counter layout
 * independently of OpenSSL's ChaCha20 IV convention. */
static void test_chachapoly_known_answers(void **state)
{
    (void)state;
    static const struct {
        uint32_t seq;
        const char *hex;
    } v[] = {
        {0, "94450e7917e62a54c18ac9fd330e2c04c1303d4fd91152574209fefa4b5055b8"
            "8199d8f2bd3141a9baf6ab04a77bc6b0be0423a9"},
        {7, "a39afc8a27187d2622ef45724c02cb95b9fca04415129194dd479825e7c2b275"
            "2bffaefad9128849f941a5a4c02abae576e28268"},
        {0xfffffffeu, "69a614e8382434f9b248e317c292348b106a4467b4b1398ff2f52af74fee9fc8"
                      "22acd61a5754fc09847f502bd5db733fc1330c0c"},
    };
    uint8_t key[64], pkt[36], want[52], wire[52], back[36];
    for (int i = 0; i < 64; i++)
        key[i] = (uint8_t)i;
    tu_unhex("000000200f5e68656c6c6f2c206f70656e73736821a0a1a2a3a4a5a6a7a8a9aaabacadae", pkt,
             sizeof(pkt));
    const struct ssh_cipher_alg *a = strata__ssh_cipher_find("chacha20-poly1305@openssh.com");
    strata_error err;
    strata_error_clear(&err);
    struct ssh_cipher enc, dec;
    assert_ok(strata__ssh_cipher_init(&enc, a, 1, key, NULL, &err));
    assert_ok(strata__ssh_cipher_init(&dec, a, 0, key, NULL, &err));
    for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
        tu_unhex(v[i].hex, want, sizeof(want));
        memcpy(wire, pkt, sizeof(pkt));
        assert_ok(a->aead_seal(&enc, v[i].seq, wire, 36, NULL, 0, 0, wire + 36, &err));
        assert_memory_equal(wire, want, sizeof(want));
        assert_ok(a->aead_open(&dec, v[i].seq, back, want, 36, want + 36, &err));
        assert_memory_equal(back, pkt, sizeof(pkt));
    }
    strata__ssh_cipher_free(&enc);
    strata__ssh_cipher_free(&dec);

    /* And through the packet layer: the seq 7 vector opens to its payload. */
    struct ssh_pkt_dir *d;
    assert_ok(strata__ssh_pkt_dir_new(0, &d));
    struct ssh_pkt_keys k = {
        "chacha20-poly1305@openssh.com", NULL, "none", NULL, key, NULL, 0, 64, 0};
    assert_ok(strata__ssh_pkt_dir_set_keys(d, &k, &err));
    strata__ssh_pkt_dir_set_seq(d, 7);
    tu_unhex(v[1].hex, want, sizeof(want));
    strata_buf in;
    strata_buf_view(&in, want, sizeof(want));
    const uint8_t *p;
    size_t n;
    assert_ok(strata__ssh_pkt_open(d, &in, &p, &n, &err));
    assert_int_equal(n, 16);
    assert_memory_equal(p, "\x5ehello, openssh!", 16);
    assert_int_equal(strata_buf_len(&in), 0);
    strata__ssh_pkt_dir_free(d);
}

/* Reference AES-GCM with 4 bytes of AAD: out = ct || tag. */
static void gcm_ref(const char *name, const uint8_t *key, const uint8_t iv[12], const uint8_t *pkt,
                    size_t n, uint8_t *out)
{
    EVP_CIPHER *ci = EVP_CIPHER_fetch(NULL, name, NULL);
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
    int l = 0;
    memcpy(out, pkt, 4);
    OSSL_PARAM p[] = {OSSL_PARAM_construct_octet_string(OSSL_CIPHER_PARAM_AEAD_TAG, out + n, 16),
                      OSSL_PARAM_construct_end()};
    assert_true(ci && ctx && EVP_EncryptInit_ex2(ctx, ci, key, iv, NULL) &&
                EVP_EncryptUpdate(ctx, NULL, &l, pkt, 4) &&
                EVP_EncryptUpdate(ctx, out + 4, &l, pkt + 4, (int)n - 4) &&
                EVP_EncryptFinal_ex(ctx, out + n, &l) && EVP_CIPHER_CTX_get_params(ctx, p));
    EVP_CIPHER_CTX_free(ctx);
    EVP_CIPHER_free(ci);
}

static void test_gcm_matches_oneshot_and_counts(void **state)
{
    (void)state;
    static const char *const rows[][2] = {{"aes128-gcm@openssh.com", "AES-128-GCM"},
                                          {"aes256-gcm@openssh.com", "AES-256-GCM"}};
    for (size_t r = 0; r < 2; r++) {
        const struct ssh_cipher_alg *a = strata__ssh_cipher_find(rows[r][0]);
        assert_non_null(a);
        assert_int_equal(a->iv_len, 12);
        uint8_t key[32], iv[12], pkt[4 + 64], wire[4 + 64 + 16], ref[4 + 64 + 16], back[4 + 64];
        tu_fill(key, sizeof(key), 11 + r);
        tu_fill(pkt, sizeof(pkt), 13);
        pkt[0] = pkt[1] = pkt[2] = 0, pkt[3] = 64;
        /* Invocation counter ends in 0xff..: the increment must carry. */
        tu_unhex("0102030400000000000000ff", iv, sizeof(iv));
        strata_error err;
        strata_error_clear(&err);
        struct ssh_cipher enc, dec;
        assert_ok(strata__ssh_cipher_init(&enc, a, 1, key, iv, &err));
        assert_ok(strata__ssh_cipher_init(&dec, a, 0, key, iv, &err));
        static const char *const ivs[] = {"0102030400000000000000ff", "010203040000000000000100",
                                          "010203040000000000000101"};
        for (int i = 0; i < 3; i++) {
            uint8_t niv[12];
            tu_unhex(ivs[i], niv, sizeof(niv));
            memcpy(wire, pkt, sizeof(pkt));
            if (i == 1) {
                /* Part of the payload read from elsewhere (the seal path). */
                memset(wire + 9, 0xee, 40);
                assert_ok(a->aead_seal(&enc, 0, wire, sizeof(pkt), pkt + 9, 9, 40,
                                       wire + sizeof(pkt), &err));
            } else {
                assert_ok(
                    a->aead_seal(&enc, 0, wire, sizeof(pkt), NULL, 0, 0, wire + sizeof(pkt), &err));
            }
            gcm_ref(rows[r][1], key, niv, pkt, sizeof(pkt), ref);
            assert_memory_equal(wire, ref, sizeof(ref));
            uint32_t len = 0;
            assert_ok(a->aead_length(&dec, 0, wire, &len, &err));
            assert_int_equal(len, 64);
            assert_ok(a->aead_open(&dec, 0, back, wire, sizeof(pkt), wire + sizeof(pkt), &err));
            assert_memory_equal(back, pkt, sizeof(pkt));
        }
        /* A flipped AAD (length) bit: tag mismatch, and the output is wiped. */
        memcpy(wire, pkt, sizeof(pkt));
        assert_ok(a->aead_seal(&enc, 3, wire, sizeof(pkt), NULL, 0, 0, wire + sizeof(pkt), &err));
        wire[2] ^= 0x01;
        memset(back, 0xaa, sizeof(back));
        assert_status(a->aead_open(&dec, 3, back, wire, sizeof(pkt), wire + sizeof(pkt), &err),
                      STRATA_E_SSH_MAC);
        char want[96];
        snprintf(want, sizeof(want), "%s: GCM tag mismatch on packet 3", rows[r][0]);
        assert_string_equal(strata_error_message(&err), want);
        for (size_t i = 0; i < sizeof(back); i++)
            assert_int_equal(back[i], 0);
        strata__ssh_cipher_free(&enc);
        strata__ssh_cipher_free(&dec);
    }
}

/* Every name in the lists has a row; defaults exclude legacy; sizes agree. */
/* IV, key and MAC key sizes of a cipher + MAC pair. */
static void sizes_are(const char *cipher, const char *mac, size_t iv, size_t key, size_t mk)
{
    size_t i, k, m;
    assert_ok(strata__ssh_alg_sizes(cipher, mac, &i, &k, &m));
    if (i != iv || k != key || m != mk)
        fail_msg("%s + %s: iv %zu key %zu mac key %zu", cipher, mac ? mac : "-", i, k, m);
}

static void test_lists_and_sizes(void **state)
{
    (void)state;
    char buf[512];
    snprintf(buf, sizeof(buf), "%s", strata__ssh_ciphers_supported());
    for (char *s = strtok(buf, ","); s; s = strtok(NULL, ","))
        assert_non_null(strata__ssh_cipher_find(s));
    snprintf(buf, sizeof(buf), "%s", strata__ssh_ciphers_default());
    for (char *s = strtok(buf, ","); s; s = strtok(NULL, ",")) {
        assert_non_null(strata__ssh_cipher_find(s));
        assert_false(strata__ssh_cipher_find(s)->legacy);
    }
    snprintf(buf, sizeof(buf), "%s", strata__ssh_macs_supported());
    for (char *s = strtok(buf, ","); s; s = strtok(NULL, ","))
        assert_non_null(strata__ssh_mac_find(s));
    snprintf(buf, sizeof(buf), "%s", strata__ssh_macs_default());
    for (char *s = strtok(buf, ","); s; s = strtok(NULL, ",")) {
        assert_non_null(strata__ssh_mac_find(s));
        assert_false(strata__ssh_mac_find(s)->legacy);
    }
    assert_string_equal(strata__ssh_ciphers_default(),
                        "chacha20-poly1305@openssh.com,aes128-gcm@openssh.com,"
                        "aes256-gcm@openssh.com,aes128-ctr,aes192-ctr,aes256-ctr");
    assert_string_equal(strata__ssh_macs_default(),
                        "hmac-sha2-256-etm@openssh.com,hmac-sha2-512-etm@openssh.com,"
                        "umac-64-etm@openssh.com,umac-128-etm@openssh.com,"
                        "hmac-sha2-256,hmac-sha2-512,umac-64@openssh.com,umac-128@openssh.com");
    assert_null(strstr(strata__ssh_macs_default(), "sha1"));
    assert_true(strata__ssh_cipher_find("aes192-cbc")->legacy);
    assert_false(strata__ssh_cipher_find("aes192-ctr")->legacy);
    assert_string_equal(strata__ssh_comp_supported(), "none,zlib@openssh.com,zlib");
    assert_null(strstr(strata__ssh_ciphers_default(), "cbc"));

    sizes_are("chacha20-poly1305@openssh.com", NULL, 0, 64, 0);
    sizes_are("aes256-gcm@openssh.com", "hmac-sha2-512", 12, 32, 0);
    sizes_are("aes192-ctr", "hmac-sha2-512-etm@openssh.com", 16, 24, 64);
    sizes_are("3des-cbc", "hmac-sha1", 8, 24, 20);
    sizes_are("aes192-cbc", "hmac-sha1-96", 16, 24, 20);
    sizes_are("aes128-ctr", "umac-128-etm@openssh.com", 16, 16, 16);
    size_t iv, key, mk;
    assert_status(strata__ssh_alg_sizes("blowfish-cbc", "hmac-sha1", &iv, &key, &mk),
                  STRATA_E_UNSUPPORTED);
    assert_status(strata__ssh_alg_sizes("aes128-ctr", "hmac-md5", &iv, &key, &mk),
                  STRATA_E_UNSUPPORTED);
    assert_int_equal(iv + key + mk, 0); /* outputs cleared on failure */
    assert_true(strata__ssh_cipher_is_aead("aes128-gcm@openssh.com"));
    assert_true(strata__ssh_cipher_is_aead("chacha20-poly1305@openssh.com"));
    assert_false(strata__ssh_cipher_is_aead("aes128-ctr"));
    assert_false(strata__ssh_cipher_is_aead("nope"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hmac_rows_rfc4231_rfc2202),
        cmocka_unit_test(test_hmac_sha1_96_rfc2202),
        cmocka_unit_test(test_umac_rows_use_seq_as_nonce),
        cmocka_unit_test(test_aes128_ctr_sp800_38a),
        cmocka_unit_test(test_plain_rows_match_oneshot),
        cmocka_unit_test(test_chachapoly_matches_reference),
        cmocka_unit_test(test_chachapoly_known_answers),
        cmocka_unit_test(test_gcm_matches_oneshot_and_counts),
        cmocka_unit_test(test_lists_and_sizes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
