/* ssh/hostkey: key blobs (RFC 4253 §6.6, RFC 5656 §3.1, RFC 8709, RFC 8332),
 * signatures, fingerprints. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/core_names.h>
#include <openssl/dsa.h>
#include <openssl/evp.h>

#include "testutil.h"
#include "ssh/hostkey.h"

/* ---- helpers ---------------------------------------------------------------- */

static EVP_PKEY *gen_dsa(void)
{
    EVP_PKEY_CTX *pctx = EVP_PKEY_CTX_new_from_name(NULL, "DSA", NULL);
    EVP_PKEY *params = NULL, *key = NULL;
    assert_non_null(pctx);
    assert_int_equal(EVP_PKEY_paramgen_init(pctx), 1);
    assert_int_equal(EVP_PKEY_CTX_set_dsa_paramgen_bits(pctx, 1024), 1);
    assert_int_equal(EVP_PKEY_CTX_set_dsa_paramgen_q_bits(pctx, 160), 1);
    assert_int_equal(EVP_PKEY_paramgen(pctx, &params), 1);
    EVP_PKEY_CTX *kctx = EVP_PKEY_CTX_new_from_pkey(NULL, params, NULL);
    assert_int_equal(EVP_PKEY_keygen_init(kctx), 1);
    assert_int_equal(EVP_PKEY_keygen(kctx, &key), 1);
    EVP_PKEY_CTX_free(kctx);
    EVP_PKEY_free(params);
    EVP_PKEY_CTX_free(pctx);
    return key;
}

/* Key type name -> a fresh private key. */
static EVP_PKEY *gen_key(const char *type)
{
    EVP_PKEY *k = NULL;
    if (strcmp(type, "ssh-ed25519") == 0)
        k = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
    else if (strcmp(type, "ecdsa-sha2-nistp256") == 0)
        k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    else if (strcmp(type, "ecdsa-sha2-nistp384") == 0)
        k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-384");
    else if (strcmp(type, "ecdsa-sha2-nistp521") == 0)
        k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-521");
    else if (strcmp(type, "ssh-rsa") == 0)
        k = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
    else if (strcmp(type, "ssh-dss") == 0)
        k = gen_dsa();
    assert_non_null(k);
    return k;
}

static struct ssh_key *pub_of(EVP_PKEY *priv, const char *type)
{
    strata_buf b;
    strata_error err;
    struct ssh_key *k = NULL;
    strata_error_clear(&err);
    strata_buf_init(&b, 0);
    assert_ok(strata__ssh_pubkey_blob(priv, type, &b, &err));
    assert_ok(strata__ssh_key_from_blob(strata_buf_ptr(&b), strata_buf_len(&b), &k, &err));
    strata_buf_free(&b);
    return k;
}

static char *read_file(const char *name)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/ssh/%s", getenv("STRATA_TEST_DATA"), name);
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    char *s = calloc(1, 16384);
    size_t n = fread(s, 1, 16383, f);
    s[n] = 0;
    fclose(f);
    return s;
}

/* The n-th space-separated field of s into out. */
static void field(const char *s, int n, char *out, size_t cap)
{
    while (n-- > 0) {
        s = strchr(s, ' ');
        assert_non_null(s);
        s++;
    }
    size_t len = strcspn(s, " \n");
    assert_true(len < cap);
    memcpy(out, s, len);
    out[len] = 0;
}

struct alg_case {
    const char *key_type;
    const char *alg;
};

static const struct alg_case alg_cases[] = {
    {"ssh-ed25519", "ssh-ed25519"},
    {"ecdsa-sha2-nistp256", "ecdsa-sha2-nistp256"},
    {"ecdsa-sha2-nistp384", "ecdsa-sha2-nistp384"},
    {"ecdsa-sha2-nistp521", "ecdsa-sha2-nistp521"},
    {"ssh-rsa", "rsa-sha2-512"},
    {"ssh-rsa", "rsa-sha2-256"},
    {"ssh-rsa", "ssh-rsa"},
    {"ssh-dss", "ssh-dss"},
};

/* ---- tests ------------------------------------------------------------------ */

/* Every type: blob -> key -> blob is the identity; sign and verify with every
 * algorithm; a changed message, a changed signature and a truncated one fail. */
static void test_roundtrip_sign_verify(void **state)
{
    (void)state;
    static const uint8_t msg[] = "exchange hash H";
    EVP_PKEY *cached = NULL;
    const char *cached_type = "";
    for (size_t i = 0; i < sizeof(alg_cases) / sizeof(alg_cases[0]); i++) {
        const struct alg_case *c = &alg_cases[i];
        if (strcmp(cached_type, c->key_type) != 0) {
            EVP_PKEY_free(cached);
            cached = gen_key(c->key_type);
            cached_type = c->key_type;
        }
        strata_error err;
        strata_error_clear(&err);
        struct ssh_key *k = pub_of(cached, c->alg);
        assert_string_equal(strata__ssh_key_type(k), c->key_type);
        assert_false(strata__ssh_key_is_cert(k));
        assert_null(strata__ssh_key_cert_signer(k));
        assert_true(strata__ssh_hostkey_alg_matches(k, c->alg));
        size_t blob_len;
        const uint8_t *blob = strata__ssh_key_blob(k, &blob_len);
        strata_buf again;
        strata_buf_init(&again, 0);
        assert_ok(strata__ssh_pubkey_blob(cached, c->key_type, &again, &err));
        assert_int_equal(strata_buf_len(&again), blob_len);
        assert_memory_equal(strata_buf_ptr(&again), blob, blob_len);
        strata_buf_free(&again);

        strata_buf sig;
        strata_buf_init(&sig, 0);
        assert_ok(strata__ssh_sign(cached, c->alg, msg, sizeof(msg), &sig, &err));
        /* The blob names the algorithm. */
        strata_buf v;
        const uint8_t *name;
        size_t name_len;
        strata_buf_view(&v, strata_buf_ptr(&sig), strata_buf_len(&sig));
        assert_ok(strata_buf_get_string(&v, &name, &name_len));
        assert_int_equal(name_len, strlen(c->alg));
        assert_memory_equal(name, c->alg, name_len);

        assert_ok(strata__ssh_key_verify(k, c->alg, strata_buf_ptr(&sig), strata_buf_len(&sig), msg,
                                         sizeof(msg), &err));
        assert_status(strata__ssh_key_verify(k, c->alg, strata_buf_ptr(&sig), strata_buf_len(&sig),
                                             msg, sizeof(msg) - 1, &err),
                      STRATA_E_VERIFY);
        strata_error_clear(&err);
        uint8_t *bad = malloc(strata_buf_len(&sig));
        memcpy(bad, strata_buf_ptr(&sig), strata_buf_len(&sig));
        bad[strata_buf_len(&sig) - 3] ^= 0x01;
        strata_status st =
            strata__ssh_key_verify(k, c->alg, bad, strata_buf_len(&sig), msg, sizeof(msg), &err);
        assert_true(st == STRATA_E_VERIFY || st == STRATA_E_FORMAT);
        strata_error_clear(&err);
        assert_status(strata__ssh_key_verify(k, c->alg, bad, strata_buf_len(&sig) - 1, msg,
                                             sizeof(msg), &err),
                      STRATA_E_TRUNCATED);
        free(bad);
        strata_buf_free(&sig);
        strata__ssh_key_free(k);
    }
    EVP_PKEY_free(cached);
}

/* RFC 8709 signatures are RFC 8032 Ed25519: TEST 1 of RFC 8032 §7.1. */
static void test_ed25519_rfc8032_vector(void **state)
{
    (void)state;
    static const uint8_t sk[32] = {0x9d, 0x61, 0xb1, 0x9d, 0xef, 0xfd, 0x5a, 0x60, 0xba, 0x84, 0x4a,
                                   0xf4, 0x92, 0xec, 0x2c, 0xc4, 0x44, 0x49, 0xc5, 0x69, 0x7b, 0x32,
                                   0x69, 0x19, 0x70, 0x3b, 0xac, 0x03, 0x1c, 0xae, 0x7f, 0x60};
    static const uint8_t pk[32] = {0xd7, 0x5a, 0x98, 0x01, 0x82, 0xb1, 0x0a, 0xb7, 0xd5, 0x4b, 0xfe,
                                   0xd3, 0xc9, 0x64, 0x07, 0x3a, 0x0e, 0xe1, 0x72, 0xf3, 0xda, 0xa6,
                                   0x23, 0x25, 0xaf, 0x02, 0x1a, 0x68, 0xf7, 0x07, 0x51, 0x1a};
    static const uint8_t sig[64] = {
        0xe5, 0x56, 0x43, 0x00, 0xc3, 0x60, 0xac, 0x72, 0x90, 0x86, 0xe2, 0xcc, 0x80,
        0x6e, 0x82, 0x8a, 0x84, 0x87, 0x7f, 0x1e, 0xb8, 0xe5, 0xd9, 0x74, 0xd8, 0x73,
        0xe0, 0x65, 0x22, 0x49, 0x01, 0x55, 0x5f, 0xb8, 0x82, 0x15, 0x90, 0xa3, 0x3b,
        0xac, 0xc6, 0x1e, 0x39, 0x70, 0x1c, 0xf9, 0xb4, 0x6b, 0xd2, 0x5b, 0xf5, 0xf0,
        0x59, 0x5b, 0xbe, 0x24, 0x65, 0x51, 0x41, 0x43, 0x8e, 0x7a, 0x10, 0x0b};
    EVP_PKEY *priv = EVP_PKEY_new_raw_private_key_ex(NULL, "ED25519", NULL, sk, sizeof(sk));
    assert_non_null(priv);
    strata_error err;
    strata_error_clear(&err);
    strata_buf b, want;
    strata_buf_init(&b, 0);
    strata_buf_init(&want, 0);
    assert_ok(strata__ssh_pubkey_blob(priv, "ssh-ed25519", &b, &err));
    assert_ok(strata_buf_put_cstring(&want, "ssh-ed25519"));
    assert_ok(strata_buf_put_string(&want, pk, sizeof(pk)));
    assert_int_equal(strata_buf_len(&b), strata_buf_len(&want));
    assert_memory_equal(strata_buf_ptr(&b), strata_buf_ptr(&want), strata_buf_len(&b));
    strata_buf_reset(&b);
    strata_buf_reset(&want);
    assert_ok(strata__ssh_sign(priv, "ssh-ed25519", (const uint8_t *)"", 0, &b, &err));
    assert_ok(strata_buf_put_cstring(&want, "ssh-ed25519"));
    assert_ok(strata_buf_put_string(&want, sig, sizeof(sig)));
    assert_int_equal(strata_buf_len(&b), strata_buf_len(&want));
    assert_memory_equal(strata_buf_ptr(&b), strata_buf_ptr(&want), strata_buf_len(&b));
    strata_buf_free(&b);
    strata_buf_free(&want);
    EVP_PKEY_free(priv);
}

/* An ssh-rsa (SHA-1) signature where rsa-sha2-256 was negotiated is refused,
 * and a key cannot verify for another key type's algorithm. */
static void test_wrong_alg_for_key(void **state)
{
    (void)state;
    static const uint8_t msg[] = "H";
    EVP_PKEY *rsa = gen_key("ssh-rsa");
    EVP_PKEY *ed = gen_key("ssh-ed25519");
    struct ssh_key *k = pub_of(rsa, "ssh-rsa");
    strata_error err;
    strata_error_clear(&err);
    strata_buf sig;
    strata_buf_init(&sig, 0);
    assert_ok(strata__ssh_sign(rsa, "ssh-rsa", msg, sizeof(msg), &sig, &err));
    assert_status(strata__ssh_key_verify(k, "rsa-sha2-256", strata_buf_ptr(&sig),
                                         strata_buf_len(&sig), msg, sizeof(msg), &err),
                  STRATA_E_VERIFY);
    assert_string_equal(
        strata_error_message(&err),
        "signature algorithm \"ssh-rsa\" does not match the negotiated rsa-sha2-256");
    strata_error_clear(&err);
    assert_status(strata__ssh_key_verify(k, "ssh-ed25519", strata_buf_ptr(&sig),
                                         strata_buf_len(&sig), msg, sizeof(msg), &err),
                  STRATA_E_USAGE);
    assert_string_equal(strata_error_message(&err),
                        "a ssh-rsa key cannot make ssh-ed25519 signatures");
    strata_error_clear(&err);
    assert_status(strata__ssh_key_verify(k, "ssh-rsa-cert-v01@openssh.com", strata_buf_ptr(&sig),
                                         strata_buf_len(&sig), msg, sizeof(msg), &err),
                  STRATA_E_USAGE);
    strata_error_clear(&err);
    assert_status(strata__ssh_key_verify(k, "no-such-alg", strata_buf_ptr(&sig),
                                         strata_buf_len(&sig), msg, sizeof(msg), &err),
                  STRATA_E_UNSUPPORTED);
    strata_error_clear(&err);
    strata_buf_reset(&sig);
    assert_status(strata__ssh_sign(ed, "rsa-sha2-256", msg, sizeof(msg), &sig, &err),
                  STRATA_E_USAGE);
    strata_error_clear(&err);
    assert_status(strata__ssh_pubkey_blob(ed, "ssh-rsa", &sig, &err), STRATA_E_USAGE);
    assert_string_equal(strata_error_message(&err), "this private key is not a ssh-rsa key");
    /* Trailing bytes after the signature blob. */
    strata_error_clear(&err);
    strata_buf_reset(&sig);
    assert_ok(strata__ssh_sign(rsa, "rsa-sha2-512", msg, sizeof(msg), &sig, &err));
    assert_ok(strata_buf_put_u8(&sig, 0));
    assert_status(strata__ssh_key_verify(k, "rsa-sha2-512", strata_buf_ptr(&sig),
                                         strata_buf_len(&sig), msg, sizeof(msg), &err),
                  STRATA_E_TRAILING);
    assert_string_equal(strata_error_message(&err), "signature blob has 1 trailing bytes");
    strata_buf_free(&sig);
    strata__ssh_key_free(k);
    EVP_PKEY_free(rsa);
    EVP_PKEY_free(ed);
}

/* RFC 8332 signatures are as long as the modulus; a signer that dropped a
 * leading zero byte is still verified (left-padded), a longer one refused. */
static void test_rsa_signature_length(void **state)
{
    (void)state;
    EVP_PKEY *rsa = gen_key("ssh-rsa");
    struct ssh_key *k = pub_of(rsa, "ssh-rsa");
    strata_error err;
    strata_error_clear(&err);
    strata_buf sig, short_sig;
    strata_buf_init(&sig, 0);
    strata_buf_init(&short_sig, 0);
    uint32_t counter = 0;
    const uint8_t *name, *raw;
    size_t name_len, raw_len;
    for (;; counter++) { /* PKCS#1 v1.5 is deterministic: find a message whose S starts with 0 */
        strata_buf_reset(&sig);
        assert_ok(strata__ssh_sign(rsa, "rsa-sha2-256", (const uint8_t *)&counter, sizeof(counter),
                                   &sig, &err));
        strata_buf v;
        strata_buf_view(&v, strata_buf_ptr(&sig), strata_buf_len(&sig));
        assert_ok(strata_buf_get_string(&v, &name, &name_len));
        assert_ok(strata_buf_get_string(&v, &raw, &raw_len));
        assert_int_equal(raw_len, 256);
        if (raw[0] == 0)
            break;
        assert_true(counter < 100000);
    }
    assert_ok(strata_buf_put_cstring(&short_sig, "rsa-sha2-256"));
    assert_ok(strata_buf_put_string(&short_sig, raw + 1, raw_len - 1));
    assert_ok(strata__ssh_key_verify(k, "rsa-sha2-256", strata_buf_ptr(&short_sig),
                                     strata_buf_len(&short_sig), (const uint8_t *)&counter,
                                     sizeof(counter), &err));
    strata_buf_reset(&short_sig);
    uint8_t longer[257] = {0};
    memcpy(longer + 1, raw, raw_len);
    assert_ok(strata_buf_put_cstring(&short_sig, "rsa-sha2-256"));
    assert_ok(strata_buf_put_string(&short_sig, longer, sizeof(longer)));
    assert_status(strata__ssh_key_verify(k, "rsa-sha2-256", strata_buf_ptr(&short_sig),
                                         strata_buf_len(&short_sig), (const uint8_t *)&counter,
                                         sizeof(counter), &err),
                  STRATA_E_FORMAT);
    assert_string_equal(strata_error_message(&err),
                        "rsa-sha2-256 signature is 257 bytes, the modulus 256 bytes");
    strata_buf_free(&sig);
    strata_buf_free(&short_sig);
    strata__ssh_key_free(k);
    EVP_PKEY_free(rsa);
}

static void expect_bad_blob(const strata_buf *b, strata_status want, const char *msg)
{
    struct ssh_key *k = (struct ssh_key *)1;
    strata_error err;
    strata_error_clear(&err);
    assert_status(strata__ssh_key_from_blob(strata_buf_ptr(b), strata_buf_len(b), &k, &err), want);
    assert_null(k);
    if (msg)
        assert_string_equal(strata_error_message(&err), msg);
}

/* Every proper prefix of every blob is refused; one trailing byte too. */
static void test_truncated_and_trailing(void **state)
{
    (void)state;
    static const char *const types[] = {"ssh-ed25519", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp521",
                                        "ssh-rsa"};
    for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
        EVP_PKEY *priv = gen_key(types[i]);
        struct ssh_key *k = pub_of(priv, types[i]);
        size_t n;
        const uint8_t *blob = strata__ssh_key_blob(k, &n);
        for (size_t cut = 0; cut < n; cut++) {
            struct ssh_key *bad = NULL;
            strata_error err;
            strata_error_clear(&err);
            strata_status st = strata__ssh_key_from_blob(blob, cut, &bad, &err);
            assert_true(st == STRATA_E_TRUNCATED || st == STRATA_E_FORMAT ||
                        st == STRATA_E_UNSUPPORTED || st == STRATA_E_KEY_TOO_SMALL);
            assert_null(bad);
        }
        strata_buf b;
        strata_buf_init(&b, 0);
        assert_ok(strata_buf_put(&b, blob, n - 1));
        expect_bad_blob(&b, STRATA_E_TRUNCATED, NULL);
        assert_ok(strata_buf_put(&b, blob + n - 1, 1));
        assert_ok(strata_buf_put_u8(&b, 0));
        char msg[128];
        snprintf(msg, sizeof(msg), "%s key blob has 1 trailing bytes", types[i]);
        expect_bad_blob(&b, STRATA_E_TRAILING, msg);
        strata_buf_free(&b);
        strata__ssh_key_free(k);
        EVP_PKEY_free(priv);
    }
}

/* The curve in an ECDSA blob must be the one its type names; the point must
 * be on the curve and uncompressed. */
static void test_ecdsa_curve_and_point(void **state)
{
    (void)state;
    EVP_PKEY *priv = gen_key("ecdsa-sha2-nistp256");
    uint8_t q[65];
    size_t qn;
    assert_int_equal(EVP_PKEY_get_octet_string_param(priv, OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, q,
                                                     sizeof(q), &qn),
                     1);
    assert_int_equal(qn, 65);
    strata_buf b;
    strata_buf_init(&b, 0);
    assert_ok(strata_buf_put_cstring(&b, "ecdsa-sha2-nistp256"));
    assert_ok(strata_buf_put_cstring(&b, "nistp384"));
    assert_ok(strata_buf_put_string(&b, q, qn));
    expect_bad_blob(&b, STRATA_E_FORMAT,
                    "ecdsa-sha2-nistp256 key blob names curve \"nistp384\", not nistp256");

    strata_buf_reset(&b);
    q[64] ^= 0x01; /* y no longer fits x */
    assert_ok(strata_buf_put_cstring(&b, "ecdsa-sha2-nistp256"));
    assert_ok(strata_buf_put_cstring(&b, "nistp256"));
    assert_ok(strata_buf_put_string(&b, q, qn));
    expect_bad_blob(&b, STRATA_E_FORMAT, "ecdsa-sha2-nistp256 public point is not on the curve");

    strata_buf_reset(&b);
    q[64] ^= 0x01;
    q[0] = 0x02; /* compressed form is not what RFC 5656 sends */
    assert_ok(strata_buf_put_cstring(&b, "ecdsa-sha2-nistp256"));
    assert_ok(strata_buf_put_cstring(&b, "nistp256"));
    assert_ok(strata_buf_put_string(&b, q, 33));
    expect_bad_blob(&b, STRATA_E_FORMAT,
                    "ecdsa-sha2-nistp256 public point is not an uncompressed point of 65 bytes");

    /* A point of the right length whose x is not on the curve at all. */
    strata_buf_reset(&b);
    memset(q + 1, 0, 64);
    q[0] = 0x04;
    assert_ok(strata_buf_put_cstring(&b, "ecdsa-sha2-nistp256"));
    assert_ok(strata_buf_put_cstring(&b, "nistp256"));
    assert_ok(strata_buf_put_string(&b, q, qn));
    expect_bad_blob(&b, STRATA_E_FORMAT, "ecdsa-sha2-nistp256 public point is not on the curve");
    strata_buf_free(&b);
    EVP_PKEY_free(priv);
}

/* RSA under 1024 bits: refused as a public key and as a signing key. */
static void test_small_rsa(void **state)
{
    (void)state;
    EVP_PKEY *priv = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)768);
    assert_non_null(priv);
    BIGNUM *n = NULL, *e = NULL;
    assert_int_equal(EVP_PKEY_get_bn_param(priv, OSSL_PKEY_PARAM_RSA_N, &n), 1);
    assert_int_equal(EVP_PKEY_get_bn_param(priv, OSSL_PKEY_PARAM_RSA_E, &e), 1);
    uint8_t nb[96], eb[8];
    int nl = BN_bn2bin(n, nb), el = BN_bn2bin(e, eb);
    strata_buf b;
    strata_buf_init(&b, 0);
    assert_ok(strata_buf_put_cstring(&b, "ssh-rsa"));
    assert_ok(strata_buf_put_mpint(&b, eb, (size_t)el, 0));
    assert_ok(strata_buf_put_mpint(&b, nb, (size_t)nl, 0));
    expect_bad_blob(&b, STRATA_E_KEY_TOO_SMALL,
                    "ssh-rsa key of 768 bits is below the minimum of 1024 bits");
    strata_error err;
    strata_error_clear(&err);
    strata_buf_reset(&b);
    assert_status(strata__ssh_sign(priv, "rsa-sha2-256", (const uint8_t *)"x", 1, &b, &err),
                  STRATA_E_KEY_TOO_SMALL);
    assert_int_equal(strata_buf_len(&b), 0);
    /* An even exponent is not an RSA key. */
    strata_buf_reset(&b);
    static const uint8_t two[] = {2};
    assert_ok(strata_buf_put_cstring(&b, "ssh-rsa"));
    assert_ok(strata_buf_put_mpint(&b, two, 1, 0));
    assert_ok(strata_buf_put_mpint(&b, nb, (size_t)nl, 0));
    expect_bad_blob(&b, STRATA_E_FORMAT, "ssh-rsa public exponent is not odd and > 1");
    strata_buf_free(&b);
    BN_free(n);
    BN_free(e);
    EVP_PKEY_free(priv);
}

/* Values that parse but are not keys: DSA y = 1, an even RSA modulus. */
static void test_invalid_key_values(void **state)
{
    (void)state;
    EVP_PKEY *dsa = gen_key("ssh-dss");
    strata_buf b, good;
    strata_error err;
    strata_error_clear(&err);
    strata_buf_init(&b, 0);
    strata_buf_init(&good, 0);
    assert_ok(strata__ssh_pubkey_blob(dsa, "ssh-dss", &good, &err));
    /* Keep p, q, g from the real key; replace y. */
    const uint8_t *name, *mp[3];
    size_t name_len, mn[3];
    assert_ok(strata_buf_get_string(&good, &name, &name_len));
    for (int i = 0; i < 3; i++)
        assert_ok(strata_buf_get_mpint(&good, &mp[i], &mn[i]));
    static const uint8_t one[] = {1};
    assert_ok(strata_buf_put_cstring(&b, "ssh-dss"));
    for (int i = 0; i < 3; i++)
        assert_ok(strata_buf_put_mpint(&b, mp[i], mn[i], 0));
    assert_ok(strata_buf_put_mpint(&b, one, 1, 0));
    expect_bad_blob(&b, STRATA_E_FORMAT, "ssh-dss public key is not valid");

    uint8_t n[128];
    memset(n, 0xa5, sizeof(n));
    n[0] = 0xc0;
    n[127] = 0x02; /* even */
    static const uint8_t e[] = {1, 0, 1};
    strata_buf_reset(&b);
    assert_ok(strata_buf_put_cstring(&b, "ssh-rsa"));
    assert_ok(strata_buf_put_mpint(&b, e, sizeof(e), 0));
    assert_ok(strata_buf_put_mpint(&b, n, sizeof(n), 0));
    expect_bad_blob(&b, STRATA_E_FORMAT, "ssh-rsa modulus is even");
    strata_buf_free(&b);
    strata_buf_free(&good);
    EVP_PKEY_free(dsa);
}

static void test_unknown_type_and_limits(void **state)
{
    (void)state;
    strata_buf b;
    strata_buf_init(&b, 0);
    assert_ok(strata_buf_put_cstring(&b, "ssh-foo"));
    expect_bad_blob(&b, STRATA_E_UNSUPPORTED, "unsupported key type \"ssh-foo\"");
    strata_buf_reset(&b);
    assert_ok(strata_buf_put_cstring(&b, "ssh-ed25519"));
    assert_ok(strata_buf_put_string(&b, "short", 5));
    expect_bad_blob(&b, STRATA_E_FORMAT, "ssh-ed25519 public key is 5 bytes, not 32");
    strata_buf_free(&b);
}

/* Fingerprints of committed keys equal what `ssh-keygen -l` printed. */
static void test_fingerprints_match_ssh_keygen(void **state)
{
    (void)state;
    static const char *const names[] = {"ed25519", "ecdsa256", "ecdsa384", "ecdsa521",
                                        "rsa2048", "rsa3072",  "dsa1024"};
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        char fname[64], type[64], b64[2048], want[128], got[STRATA_SSH_FP_MAX];
        snprintf(fname, sizeof(fname), "%s.pub", names[i]);
        char *pub = read_file(fname);
        field(pub, 0, type, sizeof(type));
        field(pub, 1, b64, sizeof(b64));
        struct ssh_key *k = NULL;
        strata_error err;
        strata_error_clear(&err);
        assert_ok(strata__ssh_key_from_base64(b64, strlen(b64), &k, &err));
        assert_string_equal(strata__ssh_key_type(k), type);

        snprintf(fname, sizeof(fname), "%s.fp-sha256", names[i]);
        char *fp = read_file(fname);
        field(fp, 1, want, sizeof(want));
        strata__ssh_key_fp_sha256(k, got, sizeof(got));
        assert_string_equal(got, want);
        free(fp);
        snprintf(fname, sizeof(fname), "%s.fp-md5", names[i]);
        fp = read_file(fname);
        field(fp, 1, want, sizeof(want));
        strata__ssh_key_fp_md5(k, got, sizeof(got));
        assert_string_equal(got, want);
        free(fp);

        /* The text form is the first two fields of the .pub line. */
        char *line = NULL;
        assert_ok(strata__ssh_key_to_line(k, &line));
        char expect[2200];
        snprintf(expect, sizeof(expect), "%s %s", type, b64);
        assert_string_equal(line, expect);
        free(line);
        free(pub);
        strata__ssh_key_free(k);
    }
}

static void test_fingerprint_small_buffer(void **state)
{
    (void)state;
    char out[16] = "unchanged";
    strata__ssh_fp_sha256((const uint8_t *)"x", 1, out, sizeof(out));
    assert_string_equal(out, ""); /* too small: empty, never cut short */
}

static void test_base64_strict(void **state)
{
    (void)state;
    uint8_t *p;
    size_t n;
    assert_ok(strata__ssh_b64_decode("YWI=", 4, &p, &n));
    assert_int_equal(n, 2);
    assert_memory_equal(p, "ab", 2);
    free(p);
    assert_ok(strata__ssh_b64_decode("YQ==", 4, &p, &n));
    assert_int_equal(n, 1);
    free(p);
    static const char *const bad[] = {"YWI", "Y=I=", "YW I", "YWI=YWI=", "=WI=", "", "YWJj\n"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_status(strata__ssh_b64_decode(bad[i], strlen(bad[i]), &p, &n), STRATA_E_FORMAT);
}

static void test_alg_lists(void **state)
{
    (void)state;
    const char *def = strata__ssh_hostkey_algs_default();
    const char *sup = strata__ssh_hostkey_algs_supported();
    assert_ok(strata_namelist_check(def, strlen(def), 4096));
    assert_ok(strata_namelist_check(sup, strlen(sup), 4096));
    assert_string_equal(def, "ssh-ed25519-cert-v01@openssh.com,"
                             "ecdsa-sha2-nistp256-cert-v01@openssh.com,"
                             "ecdsa-sha2-nistp384-cert-v01@openssh.com,"
                             "ecdsa-sha2-nistp521-cert-v01@openssh.com,"
                             "rsa-sha2-512-cert-v01@openssh.com,rsa-sha2-256-cert-v01@openssh.com,"
                             "ssh-ed25519,ecdsa-sha2-nistp256,ecdsa-sha2-nistp384,"
                             "ecdsa-sha2-nistp521,rsa-sha2-512,rsa-sha2-256");
    /* Legacy SHA-1 algorithms: supported, never offered by default. */
    assert_null(strstr(def, "ssh-rsa"));
    assert_null(strstr(def, "ssh-dss"));
    assert_non_null(strstr(sup, ",ssh-rsa,"));
    assert_non_null(strstr(sup, "ssh-dss-cert-v01@openssh.com"));
    assert_string_equal(strata__ssh_sigalg_plain("rsa-sha2-256-cert-v01@openssh.com"),
                        "rsa-sha2-256");
    assert_null(strata__ssh_sigalg_plain("nope"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_roundtrip_sign_verify),
        cmocka_unit_test(test_ed25519_rfc8032_vector),
        cmocka_unit_test(test_wrong_alg_for_key),
        cmocka_unit_test(test_rsa_signature_length),
        cmocka_unit_test(test_truncated_and_trailing),
        cmocka_unit_test(test_ecdsa_curve_and_point),
        cmocka_unit_test(test_small_rsa),
        cmocka_unit_test(test_invalid_key_values),
        cmocka_unit_test(test_unknown_type_and_limits),
        cmocka_unit_test(test_fingerprints_match_ssh_keygen),
        cmocka_unit_test(test_fingerprint_small_buffer),
        cmocka_unit_test(test_base64_strict),
        cmocka_unit_test(test_alg_lists),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
