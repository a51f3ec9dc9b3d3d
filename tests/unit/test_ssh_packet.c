/* ssh/packet: the binary packet protocol (RFC 4253 §6) end to end.
 *
 * Round trips for every cipher x MAC x compression (whole payloads, and
 * payloads sealed from two pieces), one byte at a time, the
 * 2^32 sequence wrap, an independent reference for aes128-ctr + hmac-sha2-256
 * (packets built and checked with one-shot EVP here), and every refusal with
 * its exact status and message: too big, too short, misaligned, bad padding,
 * a flipped bit in each region, truncation, corrupt and zip-bomb compression.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include "ct_wrap.h"
#include "ssh/packet.h"
#include "testutil.h"

static const char *const all_ciphers[] = {"none",
                                          "chacha20-poly1305@openssh.com",
                                          "aes128-gcm@openssh.com",
                                          "aes256-gcm@openssh.com",
                                          "aes128-ctr",
                                          "aes192-ctr",
                                          "aes256-ctr",
                                          "aes128-cbc",
                                          "aes192-cbc",
                                          "aes256-cbc",
                                          "3des-cbc"};
static const char *const all_macs[] = {"none",
                                       "hmac-sha2-256-etm@openssh.com",
                                       "hmac-sha2-512-etm@openssh.com",
                                       "hmac-sha2-256",
                                       "hmac-sha2-512",
                                       "hmac-sha1",
                                       "hmac-sha1-etm@openssh.com",
                                       "hmac-sha1-96",
                                       "hmac-sha1-96-etm@openssh.com",
                                       "umac-64@openssh.com",
                                       "umac-128@openssh.com",
                                       "umac-64-etm@openssh.com",
                                       "umac-128-etm@openssh.com"};
static const char *const all_comps[] = {"none", "zlib", "zlib@openssh.com"};
#define N(a) (sizeof(a) / sizeof((a)[0]))

/* Keys both directions identically from a seed. */
static void set_keys(struct ssh_pkt_dir *d, const char *cipher, const char *mac, const char *comp,
                     uint64_t seed)
{
    uint8_t iv[64], key[64], mk[64];
    struct ssh_pkt_keys k = {cipher, mac, comp, iv, key, mk, 0, 0, 0};
    assert_ok(strata__ssh_alg_sizes(cipher, mac, &k.iv_len, &k.key_len, &k.mac_key_len));
    tu_fill(iv, sizeof(iv), seed);
    tu_fill(key, sizeof(key), seed + 1);
    tu_fill(mk, sizeof(mk), seed + 2);
    strata_error err;
    strata_error_clear(&err);
    strata_status r = strata__ssh_pkt_dir_set_keys(d, &k, &err);
    if (r != STRATA_OK)
        fail_msg("set_keys %s/%s/%s: %s", cipher, mac, comp, strata_error_message(&err));
}

static void pair(const char *cipher, const char *mac, const char *comp, struct ssh_pkt_dir **o,
                 struct ssh_pkt_dir **i)
{
    assert_ok(strata__ssh_pkt_dir_new(1, o));
    assert_ok(strata__ssh_pkt_dir_new(0, i));
    set_keys(*o, cipher, mac, comp, 42);
    set_keys(*i, cipher, mac, comp, 42);
    if (strcmp(comp, "zlib@openssh.com") == 0) {
        strata__ssh_pkt_dir_start_delayed_comp(*o);
        strata__ssh_pkt_dir_start_delayed_comp(*i);
    }
}

static void seal(struct ssh_pkt_dir *o, const uint8_t *p, size_t n, strata_buf *wire)
{
    strata_error err;
    strata_error_clear(&err);
    strata_status r = strata__ssh_pkt_seal(o, p, n, wire, &err);
    if (r != STRATA_OK)
        fail_msg("seal: %s", strata_error_message(&err));
}

static void open_expect(struct ssh_pkt_dir *i, strata_buf *wire, const uint8_t *p, size_t n)
{
    strata_error err;
    strata_error_clear(&err);
    const uint8_t *got;
    size_t gn;
    strata_status r = strata__ssh_pkt_open(i, wire, &got, &gn, &err);
    if (r != STRATA_OK)
        fail_msg("open: %s: %s", strata_status_name(r), strata_error_message(&err));
    assert_int_equal(gn, n);
    assert_memory_equal(got, p, n);
}

/* Opens expecting status st and exactly message msg (NULL: don't check). */
static void open_fails(struct ssh_pkt_dir *i, strata_buf *wire, strata_status st, const char *msg)
{
    strata_error err;
    strata_error_clear(&err);
    const uint8_t *got = (const uint8_t *)"x";
    size_t gn = 99;
    assert_status(strata__ssh_pkt_open(i, wire, &got, &gn, &err), st);
    assert_null(got);
    assert_int_equal(gn, 0);
    if (msg)
        assert_string_equal(strata_error_message(&err), msg);
}

static void test_none_packet_layout(void **state)
{
    (void)state;
    struct ssh_pkt_dir *o, *i;
    assert_ok(strata__ssh_pkt_dir_new(1, &o));
    assert_ok(strata__ssh_pkt_dir_new(0, &i));
    strata_buf wire;
    strata_buf_init(&wire, 0);
    const uint8_t msg[] = {21}; /* SSH_MSG_NEWKEYS */
    seal(o, msg, 1, &wire);
    /* 4 + 1 + 1 + padding, a multiple of 8, at least 16, padding >= 4. */
    const uint8_t *w = strata_buf_ptr(&wire);
    uint32_t plen = (uint32_t)w[0] << 24 | (uint32_t)w[1] << 16 | (uint32_t)w[2] << 8 | w[3];
    assert_int_equal(strata_buf_len(&wire), 4 + plen);
    assert_int_equal((4 + plen) % 8, 0);
    assert_true(4 + plen >= 16);
    assert_true(w[4] >= 4);
    assert_int_equal(plen, 1 + 1 + w[4]);
    assert_int_equal(w[5], 21);
    assert_int_equal(strata__ssh_pkt_dir_seq(o), 1);
    assert_int_equal(strata__ssh_pkt_dir_bytes(o), 4 + plen);
    open_expect(i, &wire, msg, 1);
    assert_int_equal(strata_buf_len(&wire), 0);
    assert_int_equal(strata__ssh_pkt_dir_seq(i), 1);
    /* Padding is random: two seals of the same payload differ. */
    seal(o, msg, 1, &wire);
    seal(o, msg, 1, &wire);
    const uint8_t *a = strata_buf_ptr(&wire);
    assert_memory_not_equal(a + 6, a + 16 + 6, 10);
    strata_buf_free(&wire);
    strata__ssh_pkt_dir_free(o);
    strata__ssh_pkt_dir_free(i);
}

static void test_roundtrip_every_combination(void **state)
{
    (void)state;
    static const size_t sizes[] = {1, 2, 15, 16, 17, 255, 1000, 32768, 100000};
    uint8_t *payload = malloc(100000);
    assert_non_null(payload);
    tu_fill(payload, 100000, 5);
    memset(payload + 50000, 'z', 50000); /* compressible half */
    for (size_t c = 0; c < N(all_ciphers); c++)
        for (size_t m = 0; m < N(all_macs); m++) {
            if (strata__ssh_cipher_is_aead(all_ciphers[c]) && m > 0)
                continue; /* the MAC is ignored: one run is enough */
            for (size_t z = 0; z < N(all_comps); z++) {
                struct ssh_pkt_dir *o, *i;
                pair(all_ciphers[c], all_macs[m], all_comps[z], &o, &i);
                strata_buf wire;
                strata_buf_init(&wire, 0);
                for (size_t s = 0; s < N(sizes); s++)
                    seal(o, payload + 100000 - sizes[s], sizes[s], &wire);
                for (size_t s = 0; s < N(sizes); s++)
                    open_expect(i, &wire, payload + 100000 - sizes[s], sizes[s]);
                assert_int_equal(strata_buf_len(&wire), 0);
                assert_int_equal(strata__ssh_pkt_dir_seq(o), N(sizes));
                assert_int_equal(strata__ssh_pkt_dir_seq(i), N(sizes));
                assert_true(strata__ssh_pkt_dir_bytes(o) == strata__ssh_pkt_dir_bytes(i));
                strata_buf_free(&wire);
                strata__ssh_pkt_dir_free(o);
                strata__ssh_pkt_dir_free(i);
            }
        }
    free(payload);
}

static void seal_parts(struct ssh_pkt_dir *o, const uint8_t *h, size_t hn, const uint8_t *d,
                       size_t dn, strata_buf *wire)
{
    strata_error err;
    strata_error_clear(&err);
    strata_status r = strata__ssh_pkt_seal_parts(o, h, hn, d, dn, wire, &err);
    if (r != STRATA_OK)
        fail_msg("seal_parts %zu+%zu: %s", hn, dn, strata_error_message(&err));
}

/* A payload in two pieces (a message header, then data read from elsewhere)
 * opens as their concatenation, for every protection: the data encrypted
 * from where it is (AEADs, -etm with CTR), copied in first (CBC, MAC over
 * the clear text), or joined to be compressed; mixed with whole payloads, so
 * a cipher stream split across pieces must stay in step. */
static void test_roundtrip_parts_every_combination(void **state)
{
    (void)state;
    static const size_t splits[][2] = {{9, 32768}, {1, 0},  {0, 1},  {13, 1},     {5, 16},
                                       {0, 1000},  {1, 15}, {9, 17}, {100, 30000}};
    uint8_t *payload = malloc(100000), *joined = malloc(100000);
    assert_non_null(payload);
    assert_non_null(joined);
    tu_fill(payload, 100000, 6);
    memset(payload + 50000, 'q', 50000); /* compressible half */
    for (size_t c = 0; c < N(all_ciphers); c++)
        for (size_t m = 0; m < N(all_macs); m++) {
            if (strata__ssh_cipher_is_aead(all_ciphers[c]) && m > 0)
                continue;
            for (size_t z = 0; z < N(all_comps); z++) {
                struct ssh_pkt_dir *o, *i;
                pair(all_ciphers[c], all_macs[m], all_comps[z], &o, &i);
                strata_buf wire;
                strata_buf_init(&wire, 0);
                for (size_t s = 0; s < N(splits); s++) {
                    const uint8_t *h = payload + s, *d = payload + 60000 - s * 7;
                    seal_parts(o, h, splits[s][0], d, splits[s][1], &wire);
                    seal(o, payload + s, 3 + s, &wire);
                }
                for (size_t s = 0; s < N(splits); s++) {
                    const size_t hn = splits[s][0], dn = splits[s][1];
                    memcpy(joined, payload + s, hn);
                    memcpy(joined + hn, payload + 60000 - s * 7, dn);
                    open_expect(i, &wire, joined, hn + dn);
                    open_expect(i, &wire, payload + s, 3 + s);
                }
                assert_int_equal(strata_buf_len(&wire), 0);
                assert_int_equal(strata__ssh_pkt_dir_seq(i), 2 * N(splits));
                strata_buf_free(&wire);
                strata__ssh_pkt_dir_free(o);
                strata__ssh_pkt_dir_free(i);
            }
        }
    free(payload);
    free(joined);
}

/* Feeding one byte at a time: WANT_READ (input untouched) until whole. */
static void test_one_byte_at_a_time(void **state)
{
    (void)state;
    static const char *const combos[][3] = {
        {"aes128-ctr", "hmac-sha2-256", "none"},
        {"aes256-cbc", "hmac-sha1", "zlib"},
        {"aes192-ctr", "hmac-sha2-512-etm@openssh.com", "none"},
        {"chacha20-poly1305@openssh.com", "", "zlib"},
        {"aes128-gcm@openssh.com", "", "none"},
        {"3des-cbc", "hmac-sha1-etm@openssh.com", "none"},
        {"aes192-cbc", "hmac-sha1-96", "none"},
        {"aes128-ctr", "umac-64-etm@openssh.com", "zlib"},
        {"aes256-ctr", "umac-128@openssh.com", "none"},
    };
    for (size_t c = 0; c < N(combos); c++) {
        struct ssh_pkt_dir *o, *i;
        pair(combos[c][0], combos[c][1], combos[c][2], &o, &i);
        strata_buf wire, in;
        strata_buf_init(&wire, 0);
        strata_buf_init(&in, 0);
        uint8_t p[3][300];
        const size_t pn[3] = {1, 77, 300};
        for (int k = 0; k < 3; k++) {
            tu_fill(p[k], pn[k], 60 + (uint64_t)k);
            seal(o, p[k], pn[k], &wire);
        }
        const uint8_t *w = strata_buf_ptr(&wire);
        size_t total = strata_buf_len(&wire), opened = 0;
        for (size_t b = 0; b < total; b++) {
            assert_ok(strata_buf_put(&in, w + b, 1));
            strata_error err;
            strata_error_clear(&err);
            const uint8_t *got;
            size_t gn, before = strata_buf_len(&in);
            strata_status r = strata__ssh_pkt_open(i, &in, &got, &gn, &err);
            if (r == STRATA_WANT_READ) {
                assert_int_equal(strata_buf_len(&in), before);
                continue;
            }
            if (r != STRATA_OK)
                fail_msg("%s: %s", combos[c][0], strata_error_message(&err));
            assert_int_equal(gn, pn[opened]);
            assert_memory_equal(got, p[opened], gn);
            assert_int_equal(strata_buf_len(&in), 0);
            opened++;
        }
        assert_int_equal(opened, 3);
        strata_buf_free(&wire);
        strata_buf_free(&in);
        strata__ssh_pkt_dir_free(o);
        strata__ssh_pkt_dir_free(i);
    }
}

static void test_sequence_wraps_at_2_32(void **state)
{
    (void)state;
    static const char *const combos[][2] = {{"chacha20-poly1305@openssh.com", ""},
                                            {"aes128-ctr", "hmac-sha2-256"},
                                            {"aes256-gcm@openssh.com", ""}};
    for (size_t c = 0; c < N(combos); c++) {
        struct ssh_pkt_dir *o, *i;
        pair(combos[c][0], combos[c][1], "none", &o, &i);
        strata__ssh_pkt_dir_set_seq(o, 0xfffffffeu);
        strata__ssh_pkt_dir_set_seq(i, 0xfffffffeu);
        strata_buf wire;
        strata_buf_init(&wire, 0);
        const uint8_t m[] = {94, 1, 2, 3};
        for (int k = 0; k < 4; k++)
            seal(o, m, sizeof(m), &wire);
        assert_int_equal(strata__ssh_pkt_dir_seq(o), 2);
        for (int k = 0; k < 4; k++)
            open_expect(i, &wire, m, sizeof(m));
        assert_int_equal(strata__ssh_pkt_dir_seq(i), 2);
        /* The MAC covers the sequence number: out of step, the next fails
         * (chacha20-poly1305 already decrypts the length to garbage). AES-GCM
         * does not use it: its nonce is its own invocation counter
         * (RFC 5647 §7.1), so the packet still opens. */
        seal(o, m, sizeof(m), &wire);
        strata__ssh_pkt_dir_set_seq(i, 7);
        if (c == 2)
            open_expect(i, &wire, m, sizeof(m));
        else
            open_fails(i, &wire, c == 0 ? STRATA_E_SSH_PACKET : STRATA_E_SSH_MAC, NULL);
        /* Strict KEX reset. */
        strata__ssh_pkt_dir_reset_seq(o);
        assert_int_equal(strata__ssh_pkt_dir_seq(o), 0);
        strata_buf_free(&wire);
        strata__ssh_pkt_dir_free(o);
        strata__ssh_pkt_dir_free(i);
    }
}

/* A clear ("none") packet: uint32 plen, padlen, body bytes. */
static void put_raw(strata_buf *b, uint32_t plen, uint8_t padlen, size_t body)
{
    assert_ok(strata_buf_put_u32(b, plen));
    assert_ok(strata_buf_put_u8(b, padlen));
    uint8_t *w;
    assert_ok(strata_buf_reserve(b, body, &w));
    memset(w, 0x5e, body);
}

static void expect_raw_refused(uint32_t plen, uint8_t padlen, size_t body, strata_status st,
                               const char *msg)
{
    struct ssh_pkt_dir *i;
    assert_ok(strata__ssh_pkt_dir_new(0, &i));
    strata_buf b;
    strata_buf_init(&b, 0);
    put_raw(&b, plen, padlen, body);
    open_fails(i, &b, st, msg);
    /* Sticky: the direction refuses further work with the same status. */
    open_fails(i, &b, st, "the SSH packet input direction failed earlier and is unusable");
    strata_buf_free(&b);
    strata__ssh_pkt_dir_free(i);
}

static void test_length_refusals(void **state)
{
    (void)state;
    expect_raw_refused(262145, 4, 3, STRATA_E_SSH_PACKET,
                       "packet length 262145 exceeds the limit of 262144");
    expect_raw_refused(0xffffffffu, 4, 3, STRATA_E_SSH_PACKET,
                       "packet length 4294967295 exceeds the limit of 262144");
    expect_raw_refused(4, 4, 3, STRATA_E_SSH_PACKET, "packet length 4 is below the minimum of 5");
    expect_raw_refused(0, 4, 3, STRATA_E_SSH_PACKET, "packet length 0 is below the minimum of 5");
    expect_raw_refused(13, 4, 12, STRATA_E_SSH_PACKET,
                       "packet length 13 + 4 is not a multiple of the block size 8");
    expect_raw_refused(12, 3, 11, STRATA_E_SSH_PACKET,
                       "padding length 3 is below the minimum of 4");
    expect_raw_refused(12, 12, 11, STRATA_E_SSH_PACKET,
                       "padding length 12 does not fit in packet length 12");
    expect_raw_refused(12, 255, 11, STRATA_E_SSH_PACKET,
                       "padding length 255 does not fit in packet length 12");
    expect_raw_refused(12, 11, 11, STRATA_E_SSH_PACKET, "packet 0 has an empty payload");

    /* The largest packet is accepted (4 + 262140 is a multiple of 8). */
    struct ssh_pkt_dir *i;
    assert_ok(strata__ssh_pkt_dir_new(0, &i));
    strata_buf b;
    strata_buf_init(&b, 0);
    put_raw(&b, 262140, 4, 262139);
    const uint8_t *got;
    size_t gn;
    strata_error err;
    strata_error_clear(&err);
    assert_ok(strata__ssh_pkt_open(i, &b, &got, &gn, &err));
    assert_int_equal(gn, 262135);
    strata_buf_free(&b);
    strata__ssh_pkt_dir_free(i);

    /* -etm and AEAD: the length itself must be block aligned, and is read in
     * clear: too big is refused before any MAC. */
    struct ssh_pkt_dir *e;
    assert_ok(strata__ssh_pkt_dir_new(0, &e));
    set_keys(e, "aes128-ctr", "hmac-sha2-256-etm@openssh.com", "none", 1);
    strata_buf_init(&b, 0);
    put_raw(&b, 20, 4, 19);
    open_fails(e, &b, STRATA_E_SSH_PACKET,
               "packet length 20 is not a multiple of the block size 16");
    strata_buf_free(&b);
    strata__ssh_pkt_dir_free(e);
    assert_ok(strata__ssh_pkt_dir_new(0, &e));
    set_keys(e, "aes256-gcm@openssh.com", NULL, "none", 1);
    strata_buf_init(&b, 0);
    put_raw(&b, 300000, 4, 0);
    open_fails(e, &b, STRATA_E_SSH_PACKET, "packet length 300000 exceeds the limit of 262144");
    strata_buf_free(&b);
    strata__ssh_pkt_dir_free(e);
}

/* A bit flipped in each region of a sealed packet is caught by the MAC/tag. */
static void test_flipped_bit_in_each_region(void **state)
{
    (void)state;
    static const struct {
        const char *cipher, *mac, *msg;
        int length_ok; /* a flipped length bit stays a MAC error (not CBC) */
    } combos[] = {
        {"aes128-ctr", "hmac-sha2-256", "hmac-sha2-256 mismatch on packet 0", 1},
        {"aes256-ctr", "hmac-sha2-512-etm@openssh.com",
         "hmac-sha2-512-etm@openssh.com mismatch on packet 0", 1},
        {"chacha20-poly1305@openssh.com", NULL,
         "chacha20-poly1305@openssh.com: Poly1305 tag mismatch on packet 0", 1},
        {"aes128-gcm@openssh.com", NULL, "aes128-gcm@openssh.com: GCM tag mismatch on packet 0", 1},
        {"aes256-cbc", "hmac-sha1", "hmac-sha1 mismatch on packet 0", 0},
        {"aes192-cbc", "hmac-sha1-96", "hmac-sha1-96 mismatch on packet 0", 0},
        {"aes192-cbc", "hmac-sha1-96-etm@openssh.com",
         "hmac-sha1-96-etm@openssh.com mismatch on packet 0", 1},
        {"aes128-ctr", "hmac-sha1-96-etm@openssh.com",
         "hmac-sha1-96-etm@openssh.com mismatch on packet 0", 1},
        {"aes128-ctr", "umac-64@openssh.com", "umac-64@openssh.com mismatch on packet 0", 1},
        {"aes192-ctr", "umac-128@openssh.com", "umac-128@openssh.com mismatch on packet 0", 1},
        {"aes256-ctr", "umac-64-etm@openssh.com", "umac-64-etm@openssh.com mismatch on packet 0",
         1},
        {"aes192-cbc", "umac-128-etm@openssh.com", "umac-128-etm@openssh.com mismatch on packet 0",
         1},
    };
    uint8_t payload[100];
    tu_fill(payload, sizeof(payload), 9);
    for (size_t c = 0; c < N(combos); c++) {
        struct ssh_pkt_dir *o, *i;
        pair(combos[c].cipher, combos[c].mac, "none", &o, &i);
        strata_buf wire;
        strata_buf_init(&wire, 0);
        seal(o, payload, sizeof(payload), &wire);
        const size_t total = strata_buf_len(&wire);
        strata__ssh_pkt_dir_free(i);
        /* Regions: length, padding length, payload, padding, MAC/tag. Under
         * CBC the first block holds length and padding length: skip them. */
        const size_t at[] = {3, 4, 5 + 50, 5 + sizeof(payload) + 1, total - 3};
        for (size_t r = combos[c].length_ok ? 0 : 2; r < N(at); r++) {
            assert_ok(strata__ssh_pkt_dir_new(0, &i));
            set_keys(i, combos[c].cipher, combos[c].mac, "none", 42);
            strata_buf bad;
            strata_buf_init(&bad, 0);
            assert_ok(strata_buf_put(&bad, strata_buf_ptr(&wire), total));
            /* bit 4 of the length's low byte: +-16 keeps it aligned; the 64
             * extra bytes cover a longer claimed length. */
            bad.data[at[r]] ^= r == 0 ? 0x10 : 0x01;
            uint8_t junk[64] = {0};
            assert_ok(strata_buf_put(&bad, junk, sizeof(junk)));
            open_fails(i, &bad, STRATA_E_SSH_MAC, combos[c].msg);
            strata_buf_free(&bad);
            strata__ssh_pkt_dir_free(i);
        }
        strata_buf_free(&wire);
        strata__ssh_pkt_dir_free(o);
    }
}

/* Every MAC and tag strata checks itself goes through CRYPTO_memcmp, once
 * per packet, over the whole tag, whether it matches or not (ct_wrap.c
 * counts the calls; a memcmp in packet.c or chachapoly.c would fail this).
 * GCM's tag is checked inside OpenSSL's EVP and is not counted. */
static void test_mac_compared_in_constant_time(void **state)
{
    (void)state;
    static const struct {
        const char *cipher, *mac;
        size_t tag;
    } combos[] = {
        {"aes128-ctr", "hmac-sha2-256", 32},
        {"aes256-ctr", "hmac-sha2-512-etm@openssh.com", 64},
        {"aes192-cbc", "hmac-sha1-96", 12},
        {"aes128-ctr", "hmac-sha1-96-etm@openssh.com", 12},
        {"aes128-ctr", "umac-64@openssh.com", 8},
        {"aes192-cbc", "umac-128-etm@openssh.com", 16},
        {"chacha20-poly1305@openssh.com", NULL, 16},
    };
    uint8_t payload[77];
    tu_fill(payload, sizeof(payload), 5);
    for (size_t c = 0; c < N(combos); c++) {
        struct ssh_pkt_dir *o, *i;
        pair(combos[c].cipher, combos[c].mac, "none", &o, &i);
        strata_buf wire, bad;
        strata_buf_init(&wire, 0);
        strata_buf_init(&bad, 0);
        seal(o, payload, sizeof(payload), &wire);
        seal(o, payload, sizeof(payload), &bad);
        bad.data[strata_buf_len(&bad) - 1] ^= 0x80; /* the tag's last byte */
        unsigned before = ct_calls.memcmp_calls;
        open_expect(i, &wire, payload, sizeof(payload));
        assert_int_equal(ct_calls.memcmp_calls, before + 1);
        assert_int_equal(ct_calls.memcmp_last_n, combos[c].tag);
        before = ct_calls.memcmp_calls;
        open_fails(i, &bad, STRATA_E_SSH_MAC, NULL);
        assert_int_equal(ct_calls.memcmp_calls, before + 1);
        assert_int_equal(ct_calls.memcmp_last_n, combos[c].tag);
        strata_buf_free(&wire);
        strata_buf_free(&bad);
        strata__ssh_pkt_dir_free(o);
        strata__ssh_pkt_dir_free(i);
    }
}

static void test_truncated_waits(void **state)
{
    (void)state;
    struct ssh_pkt_dir *o, *i;
    pair("aes128-ctr", "hmac-sha2-256", "none", &o, &i);
    strata_buf wire, in;
    strata_buf_init(&wire, 0);
    strata_buf_init(&in, 0);
    const uint8_t m[] = {5,   0,   0,   0,   12,  's', 's', 'h', '-',
                         'u', 's', 'e', 'r', 'a', 'u', 't', 'h'};
    seal(o, m, sizeof(m), &wire);
    const size_t total = strata_buf_len(&wire);
    assert_ok(strata_buf_put(&in, strata_buf_ptr(&wire), total - 1));
    const uint8_t *got;
    size_t gn;
    strata_error err;
    strata_error_clear(&err);
    assert_status(strata__ssh_pkt_open(i, &in, &got, &gn, &err), STRATA_WANT_READ);
    assert_int_equal(strata_buf_len(&in), total - 1);
    assert_status(strata__ssh_pkt_open(i, &in, &got, &gn, &err), STRATA_WANT_READ);
    assert_ok(strata_buf_put(&in, strata_buf_ptr(&wire) + total - 1, 1));
    open_expect(i, &in, m, sizeof(m));
    assert_int_equal(err.status, STRATA_OK);
    strata_buf_free(&wire);
    strata_buf_free(&in);
    strata__ssh_pkt_dir_free(o);
    strata__ssh_pkt_dir_free(i);
}

/* Independent reference for aes128-ctr with an HMAC-SHA2-256 key, keyed as
 * pair() keys them: out = the CTR keystream from byte `skip` on (the bytes
 * earlier packets of the direction used) applied to in. */
static void ref_ctr(size_t skip, const uint8_t *in, size_t n, uint8_t *out)
{
    uint8_t skipped[512] = {0}, iv[64], key[64];
    assert_true(skip <= sizeof(skipped));
    tu_fill(iv, sizeof(iv), 42);
    tu_fill(key, sizeof(key), 43);
    EVP_CIPHER *ci = EVP_CIPHER_fetch(NULL, "AES-128-CTR", NULL);
    EVP_CIPHER_CTX *cc = EVP_CIPHER_CTX_new();
    int l = 0;
    assert_true(EVP_EncryptInit_ex2(cc, ci, key, iv, NULL) &&
                EVP_EncryptUpdate(cc, skipped, &l, skipped, (int)skip) &&
                EVP_EncryptUpdate(cc, out, &l, in, (int)n));
    EVP_CIPHER_CTX_free(cc);
    EVP_CIPHER_free(ci);
}

/* out (32 bytes) = HMAC-SHA2-256(mac key, uint32 seq || p[0..n)). */
static void ref_hmac(uint32_t seq, const uint8_t *p, size_t n, uint8_t *out)
{
    uint8_t mk[64],
        s[4] = {(uint8_t)(seq >> 24), (uint8_t)(seq >> 16), (uint8_t)(seq >> 8), (uint8_t)seq};
    tu_fill(mk, sizeof(mk), 44);
    EVP_MAC *mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
    EVP_MAC_CTX *mc = EVP_MAC_CTX_new(mac);
    OSSL_PARAM prm[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, "SHA256", 0),
                        OSSL_PARAM_construct_end()};
    size_t ml = 0;
    assert_true(EVP_MAC_init(mc, mk, 32, prm) && EVP_MAC_update(mc, s, 4) &&
                EVP_MAC_update(mc, p, n) && EVP_MAC_final(mc, out, &ml, 32));
    EVP_MAC_CTX_free(mc);
    EVP_MAC_free(mac);
}

/* aes128-ctr + hmac-sha2-256 built by hand: out = the encrypted packet, then
 * the MAC over seq || clear. */
static void ref_ctr_hmac(uint32_t seq, size_t skip, const uint8_t *clear, size_t n, uint8_t *out)
{
    ref_ctr(skip, clear, n, out);
    ref_hmac(seq, clear, n, out + n);
}

static void test_reference_ctr_hmac(void **state)
{
    (void)state;
    /* Opening a hand-built packet. */
    uint8_t clear[32], wire[64];
    memset(clear, 0, sizeof(clear));
    clear[3] = 28; /* packet_length: 4 + 28 = 32, two blocks */
    clear[4] = 10; /* padding */
    memcpy(clear + 5, "\x02hello world\x01\x02\x03\x04\x05", 17);
    ref_ctr_hmac(0, 0, clear, sizeof(clear), wire);
    struct ssh_pkt_dir *o, *i;
    pair("aes128-ctr", "hmac-sha2-256", "none", &o, &i);
    strata_buf b;
    strata_buf_view(&b, wire, sizeof(clear) + 32);
    open_expect(i, &b, clear + 5, 17);

    /* A bad padding length behind a valid MAC: refused after the MAC check. */
    clear[4] = 2;
    ref_ctr_hmac(1, sizeof(clear), clear, sizeof(clear), wire);
    strata_buf_view(&b, wire, sizeof(clear) + 32);
    open_fails(i, &b, STRATA_E_SSH_PACKET, "padding length 2 is below the minimum of 4");

    /* Sealing: decrypt with the reference (CTR is its own inverse) and check. */
    strata_buf out;
    strata_buf_init(&out, 0);
    seal(o, clear + 5, 17, &out);
    const uint8_t *w = strata_buf_ptr(&out);
    const size_t n = strata_buf_len(&out) - 32;
    assert_int_equal(n % 16, 0);
    uint8_t back[64], ref[96];
    ref_ctr_hmac(0, 0, w, n, back); /* back = clear text (+ a MAC over ciphertext, unused) */
    assert_int_equal(back[4] >= 4, 1);
    assert_int_equal(4 + ((uint32_t)back[2] << 8 | back[3]), n);
    assert_memory_equal(back + 5, clear + 5, 17);
    ref_ctr_hmac(0, 0, back, n, ref); /* the MAC over seq || clear text */
    assert_memory_equal(ref + n, w + n, 32);
    strata_buf_free(&out);
    strata__ssh_pkt_dir_free(o);
    strata__ssh_pkt_dir_free(i);
}

/* aes128-ctr + hmac-sha2-256-etm@openssh.com sealed from two pieces, checked
 * with one-shot EVP: the length in clear, CTR over the rest (the keystream
 * running on from the packet before), the MAC over seq || the packet as
 * sent. */
static void check_ctr_etm(const uint8_t *w, size_t n, uint32_t seq, size_t skip,
                          const uint8_t *payload, size_t pn)
{
    uint8_t clear[512], mac[32];
    assert_true(n <= sizeof(clear));
    ref_ctr(skip, w + 4, n - 4, clear);
    const uint32_t plen = (uint32_t)w[0] << 24 | (uint32_t)w[1] << 16 | (uint32_t)w[2] << 8 | w[3];
    assert_int_equal(4 + plen, n);
    assert_int_equal(plen % 16, 0);
    assert_true(clear[0] >= 4);
    assert_int_equal(plen, 1 + pn + clear[0]);
    assert_memory_equal(clear + 1, payload, pn);
    ref_hmac(seq, w, n, mac);
    assert_memory_equal(mac, w + n, 32);
}

static void test_reference_ctr_etm_parts(void **state)
{
    (void)state;
    struct ssh_pkt_dir *o, *i;
    pair("aes128-ctr", "hmac-sha2-256-etm@openssh.com", "none", &o, &i);
    const uint8_t head[] = {94, 0, 0, 0, 7, 0, 0, 0, 21};
    const uint8_t data[] = "twenty-one bytes long";
    uint8_t joined[sizeof(head) + 21];
    memcpy(joined, head, sizeof(head));
    memcpy(joined + sizeof(head), data, 21);
    strata_buf out;
    strata_buf_init(&out, 0);
    seal_parts(o, head, sizeof(head), data, 21, &out);
    const size_t n1 = strata_buf_len(&out) - 32;
    check_ctr_etm(strata_buf_ptr(&out), n1, 0, 0, joined, sizeof(joined));
    /* The next packet's keystream starts where this one's ended. */
    seal_parts(o, head, 5, data, 3, &out);
    const uint8_t second[] = {94, 0, 0, 0, 7, 't', 'w', 'e'};
    const size_t n2 = strata_buf_len(&out) - 32 - n1 - 32;
    check_ctr_etm(strata_buf_ptr(&out) + n1 + 32, n2, 1, n1 - 4, second, sizeof(second));
    open_expect(i, &out, joined, sizeof(joined));
    open_expect(i, &out, second, sizeof(second));
    strata_buf_free(&out);
    strata__ssh_pkt_dir_free(o);
    strata__ssh_pkt_dir_free(i);
}

/* A "zlib" direction with no cipher: compressed payloads in clear packets. */
static void put_zlib_packet(strata_buf *b, z_stream *z, const uint8_t *p, size_t n)
{
    static uint8_t cz[1 << 16];
    z->next_in = (Bytef *)(uintptr_t)p;
    z->avail_in = (uInt)n;
    z->next_out = cz;
    z->avail_out = sizeof(cz);
    assert_int_equal(deflate(z, Z_PARTIAL_FLUSH), Z_OK);
    assert_int_equal(z->avail_in, 0);
    size_t cn = sizeof(cz) - z->avail_out, pad = 8 - (4 + 1 + cn) % 8;
    if (pad < 4)
        pad += 8;
    assert_ok(strata_buf_put_u32(b, (uint32_t)(1 + cn + pad)));
    assert_ok(strata_buf_put_u8(b, (uint8_t)pad));
    assert_ok(strata_buf_put(b, cz, cn));
    uint8_t zeros[16] = {0};
    assert_ok(strata_buf_put(b, zeros, pad));
}

static void test_zip_bomb_and_corrupt_stream(void **state)
{
    (void)state;
    uint8_t *big = calloc(1, 300000);
    assert_non_null(big);
    big[0] = 94;
    /* Exactly the limit inflates; one byte more is refused. */
    const size_t sizes[] = {262144, 262145};
    for (int k = 0; k < 2; k++) {
        struct ssh_pkt_dir *i;
        assert_ok(strata__ssh_pkt_dir_new(0, &i));
        set_keys(i, "none", "none", "zlib", 1);
        z_stream z;
        memset(&z, 0, sizeof(z));
        assert_int_equal(deflateInit(&z, 9), Z_OK);
        strata_buf b;
        strata_buf_init(&b, 0);
        put_zlib_packet(&b, &z, big, sizes[k]);
        assert_true(strata_buf_len(&b) < 2000); /* small on the wire */
        if (k == 0) {
            const uint8_t *got;
            size_t gn;
            strata_error err;
            strata_error_clear(&err);
            assert_ok(strata__ssh_pkt_open(i, &b, &got, &gn, &err));
            assert_int_equal(gn, 262144);
            assert_memory_equal(got, big, gn);
        } else {
            open_fails(i, &b, STRATA_E_SSH_COMPRESSION,
                       "decompressed payload exceeds the limit of 262144 bytes");
        }
        deflateEnd(&z);
        strata_buf_free(&b);
        strata__ssh_pkt_dir_free(i);
    }
    free(big);

    /* Garbage where a deflate stream should be. */
    struct ssh_pkt_dir *i;
    assert_ok(strata__ssh_pkt_dir_new(0, &i));
    set_keys(i, "none", "none", "zlib", 1);
    strata_buf b;
    strata_buf_init(&b, 0);
    put_raw(&b, 12, 4, 11);
    b.data[5] = 0xff; /* not a zlib header */
    strata_error err;
    strata_error_clear(&err);
    const uint8_t *got;
    size_t gn;
    assert_status(strata__ssh_pkt_open(i, &b, &got, &gn, &err), STRATA_E_SSH_COMPRESSION);
    assert_string_equal(strata_error_message(&err),
                        "corrupt compressed payload: incorrect header check");
    strata_buf_free(&b);
    strata__ssh_pkt_dir_free(i);
}

/* A full output buffer under compression: refused before deflating, so the
 * stream stays in step and the payload can be sealed again later. */
static void test_compressed_seal_into_full_buffer(void **state)
{
    (void)state;
    struct ssh_pkt_dir *o, *i;
    pair("aes128-ctr", "hmac-sha2-256", "zlib", &o, &i);
    uint8_t m[1000];
    tu_fill(m, sizeof(m), 77);
    strata_buf small, wire;
    strata_buf_init(&small, 600);
    strata_buf_init(&wire, 0);
    strata_error err;
    strata_error_clear(&err);
    assert_status(strata__ssh_pkt_seal(o, m, sizeof(m), &small, &err), STRATA_E_LIMIT);
    assert_string_equal(strata_error_message(&err),
                        "no room for a compressed packet of up to 1273 bytes in the output buffer");
    assert_int_equal(strata_buf_len(&small), 0);
    assert_int_equal(strata__ssh_pkt_dir_seq(o), 0);
    seal(o, m, sizeof(m), &wire);
    seal(o, m, 10, &wire);
    open_expect(i, &wire, m, sizeof(m));
    open_expect(i, &wire, m, 10);
    strata_buf_free(&small);
    strata_buf_free(&wire);
    strata__ssh_pkt_dir_free(o);
    strata__ssh_pkt_dir_free(i);
}

/* zlib@openssh.com: clear payloads until start_delayed_comp, then deflate. */
static void test_delayed_compression(void **state)
{
    (void)state;
    struct ssh_pkt_dir *o, *i;
    assert_ok(strata__ssh_pkt_dir_new(1, &o));
    assert_ok(strata__ssh_pkt_dir_new(0, &i));
    set_keys(o, "none", "none", "zlib@openssh.com", 3);
    set_keys(i, "none", "none", "zlib@openssh.com", 3);
    uint8_t m[400];
    memset(m, 'a', sizeof(m));
    m[0] = 50;
    strata_buf wire;
    strata_buf_init(&wire, 0);
    seal(o, m, sizeof(m), &wire);
    assert_true(strata_buf_len(&wire) > sizeof(m));
    assert_memory_equal(strata_buf_ptr(&wire) + 5, m, sizeof(m)); /* in clear */
    open_expect(i, &wire, m, sizeof(m));
    strata__ssh_pkt_dir_start_delayed_comp(o);
    strata__ssh_pkt_dir_start_delayed_comp(i);
    for (int k = 0; k < 3; k++) {
        seal(o, m, sizeof(m), &wire);
        assert_true(strata_buf_len(&wire) < 64); /* compressed */
        open_expect(i, &wire, m, sizeof(m));
    }
    /* After a rekey that negotiates it again, compression restarts at once
     * with a fresh stream on both sides. */
    set_keys(o, "aes128-ctr", "hmac-sha2-256", "zlib@openssh.com", 4);
    set_keys(i, "aes128-ctr", "hmac-sha2-256", "zlib@openssh.com", 4);
    assert_int_equal(strata__ssh_pkt_dir_bytes(o), 0);
    seal(o, m, sizeof(m), &wire);
    assert_true(strata_buf_len(&wire) < 100);
    open_expect(i, &wire, m, sizeof(m));
    strata_buf_free(&wire);
    strata__ssh_pkt_dir_free(o);
    strata__ssh_pkt_dir_free(i);
}

static void test_set_keys_and_seal_errors(void **state)
{
    (void)state;
    struct ssh_pkt_dir *o;
    assert_ok(strata__ssh_pkt_dir_new(1, &o));
    strata_error err;
    strata_error_clear(&err);
    uint8_t k[64] = {0};
    struct ssh_pkt_keys keys = {"blowfish-cbc", "hmac-sha1", "none", k, k, k, 8, 16, 20};
    assert_status(strata__ssh_pkt_dir_set_keys(o, &keys, &err), STRATA_E_UNSUPPORTED);
    assert_string_equal(strata_error_message(&err), "unsupported cipher \"blowfish-cbc\"");
    strata_error_clear(&err);
    keys.cipher = "aes128-ctr";
    keys.mac = "hmac-md5";
    assert_status(strata__ssh_pkt_dir_set_keys(o, &keys, &err), STRATA_E_UNSUPPORTED);
    assert_string_equal(strata_error_message(&err), "unsupported MAC \"hmac-md5\"");
    strata_error_clear(&err);
    keys.mac = "hmac-sha1";
    keys.comp = "lz4";
    assert_status(strata__ssh_pkt_dir_set_keys(o, &keys, &err), STRATA_E_UNSUPPORTED);
    assert_string_equal(strata_error_message(&err), "unsupported compression \"lz4\"");
    strata_error_clear(&err);
    keys.comp = "none";
    assert_status(strata__ssh_pkt_dir_set_keys(o, &keys, &err), STRATA_E_USAGE);
    assert_string_equal(strata_error_message(&err),
                        "aes128-ctr/hmac-sha1 need key 16, iv 16, MAC key 20 bytes; got 16, 8, 20");
    strata_error_clear(&err);

    /* The direction still works after refused keys. */
    strata_buf small;
    strata_buf_init(&small, 20);
    const uint8_t m[] = {2, 0, 0, 0, 0};
    assert_ok(strata__ssh_pkt_seal(o, m, sizeof(m), &small, &err));
    /* Output full: E_LIMIT, out unchanged, direction not failed. */
    size_t before = strata_buf_len(&small);
    assert_status(strata__ssh_pkt_seal(o, m, sizeof(m), &small, &err), STRATA_E_LIMIT);
    assert_string_equal(strata_error_message(&err),
                        "no room for a 16-byte packet in the output buffer (size limit exceeded)");
    assert_int_equal(strata_buf_len(&small), before);
    strata_error_clear(&err);
    assert_status(strata__ssh_pkt_seal(o, m, 0, &small, &err), STRATA_E_USAGE);
    assert_string_equal(strata_error_message(&err), "an SSH packet payload cannot be empty");
    strata_error_clear(&err);
    uint8_t *huge = calloc(1, STRATA_SSH_PACKET_MAX);
    assert_non_null(huge);
    strata_buf big;
    strata_buf_init(&big, 0);
    assert_status(strata__ssh_pkt_seal(o, huge, STRATA_SSH_PACKET_MAX, &big, &err), STRATA_E_LIMIT);
    assert_string_equal(strata_error_message(&err),
                        "payload of 262144 bytes exceeds the 262123 that fit in an SSH packet of "
                        "262144 bytes");
    /* In two pieces: the same limit, on their sum. */
    strata_error_clear(&err);
    assert_status(strata__ssh_pkt_seal_parts(o, huge, 9, huge, 262115, &big, &err), STRATA_E_LIMIT);
    assert_string_equal(strata_error_message(&err),
                        "payload of 262124 bytes exceeds the 262123 that fit in an SSH packet of "
                        "262144 bytes");
    strata_error_clear(&err);
    assert_status(strata__ssh_pkt_seal_parts(o, NULL, 0, NULL, 0, &big, &err), STRATA_E_USAGE);
    assert_string_equal(strata_error_message(&err), "an SSH packet payload cannot be empty");
    /* The largest payload that fits. */
    strata_error_clear(&err);
    assert_ok(strata__ssh_pkt_seal(o, huge, 262123, &big, &err));
    assert_ok(strata__ssh_pkt_seal_parts(o, huge, 9, huge, 262114, &big, &err));
    free(huge);
    strata_buf_free(&big);
    strata_buf_free(&small);
    /* New keys while a packet is half read: refused, the packet then opens. */
    struct ssh_pkt_dir *so, *si;
    pair("aes128-ctr", "hmac-sha2-256", "none", &so, &si);
    strata_buf w2, part;
    strata_buf_init(&w2, 0);
    strata_buf_init(&part, 0);
    seal(so, m, sizeof(m), &w2);
    assert_ok(strata_buf_put(&part, strata_buf_ptr(&w2), 20));
    strata_error_clear(&err);
    const uint8_t *pp;
    size_t pn;
    assert_status(strata__ssh_pkt_open(si, &part, &pp, &pn, &err), STRATA_WANT_READ);
    uint8_t kk[64] = {0};
    struct ssh_pkt_keys nk = {"aes128-ctr", "hmac-sha2-256", "none", kk, kk, kk, 16, 16, 32};
    assert_status(strata__ssh_pkt_dir_set_keys(si, &nk, &err), STRATA_E_STATE);
    assert_string_equal(strata_error_message(&err),
                        "new keys while a packet is half read under the old ones");
    assert_ok(strata_buf_put(&part, strata_buf_ptr(&w2) + 20, strata_buf_len(&w2) - 20));
    open_expect(si, &part, m, sizeof(m));
    strata_buf_free(&w2);
    strata_buf_free(&part);
    strata__ssh_pkt_dir_free(so);
    strata__ssh_pkt_dir_free(si);
    /* Wrong direction. */
    const uint8_t *p;
    size_t n;
    assert_status(strata__ssh_pkt_open(o, &small, &p, &n, &err), STRATA_E_STATE);
    strata__ssh_pkt_dir_free(o);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_none_packet_layout),
        cmocka_unit_test(test_roundtrip_every_combination),
        cmocka_unit_test(test_roundtrip_parts_every_combination),
        cmocka_unit_test(test_one_byte_at_a_time),
        cmocka_unit_test(test_sequence_wraps_at_2_32),
        cmocka_unit_test(test_length_refusals),
        cmocka_unit_test(test_flipped_bit_in_each_region),
        cmocka_unit_test(test_mac_compared_in_constant_time),
        cmocka_unit_test(test_truncated_waits),
        cmocka_unit_test(test_reference_ctr_hmac),
        cmocka_unit_test(test_reference_ctr_etm_parts),
        cmocka_unit_test(test_zip_bomb_and_corrupt_stream),
        cmocka_unit_test(test_delayed_compression),
        cmocka_unit_test(test_compressed_seal_into_full_buffer),
        cmocka_unit_test(test_set_keys_and_seal_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
