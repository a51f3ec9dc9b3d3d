/* pki core: certificates, keys, names and stores (the types the TLS module
 * builds on), including bad input with exact statuses. */
#include <stdlib.h>
#include <string.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509.h>

#include "pki_fixture.h"
#include "base/error_internal.h"
#include "pki/verify_status.h"

static void test_key_generation_types(void **state)
{
    (void)state;
    static const struct {
        const char *spec;
        strata_pkey_type type;
        int bits;
    } cases[] = {{"rsa:2048", STRATA_PKEY_RSA, 2048},   {"ec:p256", STRATA_PKEY_EC, 256},
                 {"ec:p384", STRATA_PKEY_EC, 384},      {"ec:P-521", STRATA_PKEY_EC, 521},
                 {"ed25519", STRATA_PKEY_ED25519, 256}, {"ed448", STRATA_PKEY_ED448, 456},
                 {"dsa:1024", STRATA_PKEY_DSA, 1024}};
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        strata_pkey *k = pf_key(cases[i].spec);
        assert_int_equal(strata_pkey_get_type(k), cases[i].type);
        assert_int_equal(strata_pkey_bits(k), cases[i].bits);
        assert_true(strata_pkey_has_private(k));
        assert_ok(strata_pkey_check(k, NULL));
        strata_pkey *pub = NULL;
        assert_ok(strata_pkey_public_only(k, &pub, NULL));
        assert_false(strata_pkey_has_private(pub));
        assert_true(strata_pkey_equal(k, pub));
        assert_ok(strata_pkey_check(pub, NULL));
        strata_pkey_free(pub);
        strata_pkey_free(k);
    }
    strata_pkey *k = pf_key("ec:p384");
    assert_string_equal(strata_pkey_curve(k), "P-384");
    strata_pkey_free(k);
}

static void test_key_generation_errors(void **state)
{
    (void)state;
    strata_pkey *k = NULL;
    strata_error err;
    strata_error_clear(&err);
    assert_status(strata_pkey_generate_spec("ec:p999", &k, &err), STRATA_E_UNKNOWN_CURVE);
    assert_null(k);
    assert_non_null(strstr(strata_error_message(&err), "unknown elliptic curve \"p999\""));
    strata_error_clear(&err);
    assert_status(strata_pkey_generate_spec("rsa:512", &k, &err), STRATA_E_USAGE);
    assert_non_null(strstr(strata_error_message(&err), "RSA key size 512"));
    strata_error_clear(&err);
    assert_status(strata_pkey_generate_spec("foo", &k, &err), STRATA_E_USAGE);
    assert_non_null(strstr(strata_error_message(&err), "unknown key type \"foo\""));
}

static void test_sign_verify_data(void **state)
{
    (void)state;
    const char *specs[] = {"rsa:2048", "ec:p256", "ed25519", "ed448"};
    for (size_t i = 0; i < 4; i++) {
        strata_pkey *k = pf_key(specs[i]);
        strata_buf sig;
        strata_buf_init(&sig, 0);
        assert_ok(strata_pkey_sign(k, "hello", 5, NULL, &sig, NULL));
        assert_ok(strata_pkey_verify(k, strata_buf_ptr(&sig), strata_buf_len(&sig), "hello", 5,
                                     NULL, NULL));
        strata_error err;
        strata_error_clear(&err);
        assert_status(strata_pkey_verify(k, strata_buf_ptr(&sig), strata_buf_len(&sig), "hellO", 5,
                                         NULL, &err),
                      STRATA_E_BAD_SIGNATURE);
        strata_buf_free(&sig);
        strata_pkey_free(k);
    }
    /* crypto.verify(cert, signature, data, digest) */
    strata_pkey *ck = pf_key("ec:p384");
    strata_x509 *cert = pf_cert("/CN=signer", ck, NULL, NULL, 0, 0, 60);
    strata_buf s2;
    strata_buf_init(&s2, 0);
    assert_ok(strata_pkey_sign(ck, "data", 4, "sha384", &s2, NULL));
    assert_ok(strata_x509_verify_data(cert, strata_buf_ptr(&s2), strata_buf_len(&s2), "data", 4,
                                      "sha384", NULL));
    assert_status(strata_x509_verify_data(cert, strata_buf_ptr(&s2), strata_buf_len(&s2), "data", 4,
                                          "sha256", NULL),
                  STRATA_E_BAD_SIGNATURE);
    strata_buf_free(&s2);
    strata_x509_free(cert);
    strata_pkey_free(ck);
    strata_pkey *ed = pf_key("ed25519");
    strata_buf sig;
    strata_buf_init(&sig, 0);
    strata_error err;
    strata_error_clear(&err);
    assert_status(strata_pkey_sign(ed, "x", 1, "sha256", &sig, &err), STRATA_E_USAGE);
    strata_pkey *ec = pf_key("ec:p256");
    assert_status(strata_pkey_sign(ec, "x", 1, "nosuchdigest", &sig, NULL), STRATA_E_UNKNOWN_ALG);
    strata_pkey *pub = NULL;
    assert_ok(strata_pkey_public_only(ec, &pub, NULL));
    assert_status(strata_pkey_sign(pub, "x", 1, NULL, &sig, NULL), STRATA_E_NO_PRIVATE_KEY);
    strata_pkey_free(pub);
    strata_pkey_free(ec);
    strata_pkey_free(ed);
    strata_buf_free(&sig);
}

static void test_name_attributes(void **state)
{
    (void)state;
    strata_x509_name *n = NULL;
    assert_ok(strata_x509_name_new(&n, NULL));
    static const char *const pairs[][2] = {
        {"C", "countryName"},
        {"ST", "stateOrProvinceName"},
        {"L", "localityName"},
        {"O", "organizationName"},
        {"OU", "organizationalUnitName"},
        {"CN", "commonName"},
        {"emailAddress", "emailAddress"},
    };
    static const char *const values[] = {"US",  "Texas", "Austin",     "Ex/ample",
                                         "Ops", "host",  "a@b.example"};
    for (size_t i = 0; i < 7; i++) {
        assert_ok(strata_x509_name_set(n, pairs[i][0], values[i], NULL));
        char *v = NULL;
        assert_ok(strata_x509_name_get(n, pairs[i][1], &v, NULL)); /* the alias reads it */
        assert_string_equal(v, values[i]);
        strata_pki_free_string(v);
    }
    assert_ok(strata_x509_name_set(n, "commonName", "h\xc3\xa9te", NULL)); /* replaces CN */
    assert_int_equal(strata_x509_name_count(n), 7);
    char *line = NULL;
    assert_ok(strata_x509_name_oneline(n, &line, NULL));
    assert_string_equal(line, "/C=US/ST=Texas/L=Austin/O=Ex\\/ample/OU=Ops/"
                              "emailAddress=a@b.example/CN=h\xc3\xa9te");
    strata_x509_name *p = NULL;
    assert_ok(strata_x509_name_parse(line, &p, NULL));
    assert_int_equal(strata_x509_name_cmp(n, p), 0);
    unsigned long h1, h2;
    assert_ok(strata_x509_name_hash(n, &h1, NULL));
    assert_ok(strata_x509_name_hash(p, &h2, NULL));
    assert_int_equal(h1, h2);
    strata_buf der;
    strata_buf_init(&der, 0);
    assert_ok(strata_x509_name_der(n, &der, NULL));
    assert_int_equal(strata_buf_ptr(&der)[0], 0x30);
    strata_buf_free(&der);
    const char *attr;
    char *v;
    assert_ok(strata_x509_name_component(n, 3, &attr, &v, NULL));
    assert_string_equal(attr, "O");
    assert_string_equal(v, "Ex/ample");
    strata_pki_free_string(v);
    strata_error err;
    strata_error_clear(&err);
    assert_status(strata_x509_name_set(n, "C", "USA", &err), STRATA_E_USAGE);
    assert_int_equal(strata_x509_name_count(n), 7); /* unchanged */
    strata_error_clear(&err);
    assert_status(strata_x509_name_set(n, "nosuchattr", "x", &err), STRATA_E_USAGE);
    assert_string_equal(strata_error_message(&err), "unknown name attribute \"nosuchattr\"");
    strata_x509_name *bad = NULL;
    strata_error_clear(&err);
    assert_status(strata_x509_name_parse("CN=x", &bad, &err), STRATA_E_USAGE);
    strata_error_clear(&err);
    assert_status(strata_x509_name_parse("/CN", &bad, &err), STRATA_E_USAGE);
    assert_string_equal(strata_error_message(&err), "name component \"CN\" is not ATTRIBUTE=value");
    char *none = NULL;
    strata_x509_name *empty = NULL;
    assert_ok(strata_x509_name_new(&empty, NULL));
    assert_ok(strata_x509_name_get(empty, "CN", &none, NULL));
    assert_null(none);
    strata_x509_name_free(empty);
    strata_pki_free_string(line);
    strata_x509_name_free(p);
    strata_x509_name_free(n);
}

static void test_cert_fields_and_roundtrip(void **state)
{
    (void)state;
    strata_pkey *k = pf_key("ec:p256");
    strata_x509 *x = pf_cert("/CN=Example CA", k, NULL, NULL, 1, -60, 86400);
    assert_int_equal(strata_x509_get_version(x), STRATA_X509_V3);
    /* Serial of arbitrary size. */
    assert_ok(strata_x509_set_serial_hex(x, "0x0123456789ABCDEF0123456789ABCDEF0123", NULL));
    char *serial = NULL;
    assert_ok(strata_x509_get_serial_hex(x, &serial, NULL));
    assert_string_equal(serial, "0123456789ABCDEF0123456789ABCDEF0123");
    strata_pki_free_string(serial);
    assert_ok(strata_x509_sign(x, k, "sha384", NULL));
    const char *alg;
    assert_ok(strata_x509_signature_algorithm(x, &alg, NULL));
    assert_string_equal(alg, "ecdsa-with-SHA384");
    assert_ok(strata_x509_verify(x, k, NULL));
    assert_ok(strata_x509_check_private_key(x, k, NULL));
    strata_pkey *other = pf_key("ec:p256");
    assert_status(strata_x509_check_private_key(x, other, NULL), STRATA_E_KEY_MISMATCH);
    assert_status(strata_x509_verify(x, other, NULL), STRATA_E_CERT_SIGNATURE);
    /* Validity. */
    time_t nb, na;
    assert_ok(strata_x509_get_not_before(x, &nb, NULL));
    assert_ok(strata_x509_get_not_after(x, &na, NULL));
    assert_int_equal(nb, PF_NOW - 60);
    assert_int_equal(na, PF_NOW + 86400);
    int exp = -1;
    assert_ok(strata_x509_has_expired(x, PF_NOW, &exp, NULL));
    assert_int_equal(exp, 0);
    assert_ok(strata_x509_has_expired(x, PF_NOW + 86401, &exp, NULL));
    assert_int_equal(exp, 1);
    char *ts = NULL;
    assert_ok(strata_x509_get_not_after_str(x, &ts, NULL));
    assert_string_equal(ts, "20250102000000Z");
    strata_pki_free_string(ts);
    assert_ok(strata_x509_set_not_after_str(x, "20300101000000Z", NULL));
    assert_ok(strata_x509_get_not_after(x, &na, NULL));
    assert_int_equal(na, (time_t)1893456000);
    assert_status(strata_x509_set_not_after_str(x, "tomorrow", NULL), STRATA_E_USAGE);
    assert_ok(strata_x509_sign(x, k, NULL, NULL));
    /* Extensions. */
    assert_int_equal(strata_x509_ext_count(x), 4);
    strata_x509_ext *e = NULL;
    assert_ok(strata_x509_get_ext(x, 2, &e, NULL));
    assert_string_equal(strata_x509_ext_short_name(e), "basicConstraints");
    assert_true(strata_x509_ext_critical(e));
    strata_x509_ext_free(e);
    assert_status(strata_x509_get_ext(x, 4, &e, NULL), STRATA_E_USAGE);
    /* Round trips through PEM and DER; the fingerprint survives. */
    char *fp = NULL, *fp2 = NULL;
    assert_ok(strata_x509_digest(x, "sha256", &fp, NULL));
    assert_int_equal(strlen(fp), 32 * 3 - 1);
    strata_pki_format fmts[] = {STRATA_PKI_PEM, STRATA_PKI_DER};
    for (int i = 0; i < 2; i++) {
        strata_buf b;
        strata_buf_init(&b, 0);
        assert_ok(strata_x509_dump(x, fmts[i], &b, NULL));
        strata_x509 *y = NULL;
        assert_ok(
            strata_x509_load(strata_buf_ptr(&b), strata_buf_len(&b), STRATA_PKI_AUTO, &y, NULL));
        assert_ok(strata_x509_digest(y, "SHA256", &fp2, NULL));
        assert_string_equal(fp, fp2);
        strata_pki_free_string(fp2);
        strata_x509_free(y);
        strata_buf_free(&b);
    }
    unsigned long h;
    assert_ok(strata_x509_subject_name_hash(x, &h, NULL));
    assert_int_equal(h, X509_subject_name_hash(strata_x509_openssl(x)));
    strata_buf text;
    strata_buf_init(&text, 0);
    assert_ok(strata_x509_dump(x, STRATA_PKI_TEXT, &text, NULL));
    assert_non_null(memmem(strata_buf_ptr(&text), strata_buf_len(&text), "CN = Example CA", 15));
    strata_buf_free(&text);
    assert_status(strata_x509_digest(x, "nosuch", &fp2, NULL), STRATA_E_UNKNOWN_ALG);
    strata_pki_free_string(fp);
    strata_pkey_free(other);
    strata_x509_free(x);
    strata_pkey_free(k);
}

/* X509Name(x509name): a copy that compares equal, is independent of the
 * original and outlives it. */
static void test_name_dup(void **state)
{
    (void)state;
    strata_x509_name *n = pf_name("/C=US/O=Example/OU=Ops/OU=Dev/CN=host");
    strata_x509_name *c = NULL;
    assert_ok(strata_x509_name_dup(n, &c, NULL));
    assert_non_null(c);
    assert_ptr_not_equal(c, n);
    assert_ptr_not_equal(strata_x509_name_openssl(c), strata_x509_name_openssl(n));
    assert_int_equal(strata_x509_name_cmp(n, c), 0);
    assert_int_equal(strata_x509_name_count(c), 5);
    /* Changing the copy leaves the original alone. */
    assert_ok(strata_x509_name_set(c, "CN", "other", NULL));
    assert_int_not_equal(strata_x509_name_cmp(n, c), 0);
    char *v = NULL;
    assert_ok(strata_x509_name_get(n, "CN", &v, NULL));
    assert_string_equal(v, "host");
    strata_pki_free_string(v);
    strata_x509_name_free(c);
    /* A copy survives freeing the original. */
    c = NULL;
    assert_ok(strata_x509_name_dup(n, &c, NULL));
    strata_x509_name_free(n);
    char *line = NULL;
    assert_ok(strata_x509_name_oneline(c, &line, NULL));
    assert_string_equal(line, "/C=US/O=Example/OU=Ops/OU=Dev/CN=host");
    strata_pki_free_string(line);
    strata_x509_name_free(c);
    strata_x509_name_free(NULL); /* a no-op */
}

/* get_issuer: the CA's subject, as a copy that outlives the certificate;
 * get_pubkey: the subject's public key (not the signer's), public only. */
static void test_issuer_and_pubkey(void **state)
{
    (void)state;
    strata_pkey *cak = pf_key("ec:p256");
    strata_x509 *ca = pf_cert("/O=Example/CN=Example CA", cak, NULL, NULL, 1, -60, 86400);
    strata_pkey *lk = pf_key("ed25519");
    strata_x509 *leaf = pf_cert("/CN=leaf.example", lk, ca, cak, 0, -60, 3600);

    strata_x509_name *ca_subject = NULL, *issuer = NULL, *leaf_subject = NULL;
    assert_ok(strata_x509_get_subject(ca, &ca_subject, NULL));
    assert_ok(strata_x509_get_issuer(leaf, &issuer, NULL));
    assert_ok(strata_x509_get_subject(leaf, &leaf_subject, NULL));
    assert_int_equal(strata_x509_name_cmp(issuer, ca_subject), 0);
    assert_int_not_equal(strata_x509_name_cmp(issuer, leaf_subject), 0);
    strata_x509_name *self_issuer = NULL;
    assert_ok(strata_x509_get_issuer(ca, &self_issuer, NULL)); /* self-signed */
    assert_int_equal(strata_x509_name_cmp(self_issuer, ca_subject), 0);
    strata_x509_name_free(self_issuer);

    strata_pkey *pub = NULL;
    assert_ok(strata_x509_get_pubkey(leaf, &pub, NULL));
    assert_non_null(pub);
    assert_int_equal(strata_pkey_get_type(pub), STRATA_PKEY_ED25519);
    assert_true(strata_pkey_equal(pub, lk));
    assert_false(strata_pkey_equal(pub, cak));
    assert_false(strata_pkey_has_private(pub));
    strata_pkey *capub = NULL;
    assert_ok(strata_x509_get_pubkey(ca, &capub, NULL));
    assert_true(strata_pkey_equal(capub, cak));
    /* The CA key from the CA certificate verifies the leaf. */
    assert_ok(strata_x509_verify(leaf, capub, NULL));

    /* Both outlive their certificate. */
    strata_x509_free(leaf);
    strata_x509_free(ca);
    char *line = NULL;
    assert_ok(strata_x509_name_oneline(issuer, &line, NULL));
    assert_string_equal(line, "/O=Example/CN=Example CA");
    strata_pki_free_string(line);
    assert_true(strata_pkey_equal(pub, lk));
    assert_ok(strata_pkey_check(pub, NULL));

    /* A certificate without a public key: a distinct status. */
    strata_x509 *empty = NULL;
    assert_ok(strata_x509_new(&empty, NULL));
    strata_pkey *none = NULL;
    strata_error err;
    strata_error_clear(&err);
    assert_status(strata_x509_get_pubkey(empty, &none, &err), STRATA_E_UNKNOWN_ALG);
    assert_null(none);
    strata_x509_free(empty);

    strata_pkey_free(capub);
    strata_pkey_free(pub);
    strata_x509_name_free(leaf_subject);
    strata_x509_name_free(issuer);
    strata_x509_name_free(ca_subject);
    strata_pkey_free(lk);
    strata_pkey_free(cak);
}

static void expect_times(const strata_x509 *x, const char *nb_s, time_t nb_t, const char *na_s,
                         time_t na_t)
{
    time_t t = 0;
    char *s = NULL;
    assert_ok(strata_x509_get_not_before(x, &t, NULL));
    assert_int_equal(t, nb_t);
    assert_ok(strata_x509_get_not_before_str(x, &s, NULL));
    assert_string_equal(s, nb_s);
    strata_pki_free_string(s);
    assert_ok(strata_x509_get_not_after(x, &t, NULL));
    assert_int_equal(t, na_t);
    assert_ok(strata_x509_get_not_after_str(x, &s, NULL));
    assert_string_equal(s, na_s);
    strata_pki_free_string(s);
}

/* notBefore / notAfter set to absolute times (text and time_t) and read back
 * in both forms, surviving a signature and a DER round trip. */
static void test_validity_absolute(void **state)
{
    (void)state;
    strata_pkey *k = pf_key("ec:p256");
    strata_x509 *x = pf_cert("/CN=validity", k, NULL, NULL, 0, 0, 60);

    assert_ok(strata_x509_set_not_before_str(x, "20240229123456Z", NULL));
    assert_ok(strata_x509_set_not_after_str(x, "20300101000000Z", NULL));
    expect_times(x, "20240229123456Z", (time_t)1709210096, "20300101000000Z", (time_t)1893456000);

    /* After 2049 the encoding is GeneralizedTime; the text form is the same. */
    assert_ok(strata_x509_set_not_after_str(x, "20600101000000Z", NULL));
    expect_times(x, "20240229123456Z", (time_t)1709210096, "20600101000000Z", (time_t)2840140800);

    /* time_t setters. */
    assert_ok(strata_x509_set_not_before(x, PF_NOW, NULL));
    assert_ok(strata_x509_set_not_after(x, (time_t)1893456000 + 1, NULL));
    expect_times(x, "20250101000000Z", PF_NOW, "20300101000001Z", (time_t)1893456001);

    /* Signed and reloaded: the same times. */
    assert_ok(strata_x509_sign(x, k, NULL, NULL));
    strata_buf b;
    strata_buf_init(&b, 0);
    assert_ok(strata_x509_dump(x, STRATA_PKI_DER, &b, NULL));
    strata_x509 *y = NULL;
    assert_ok(strata_x509_load(strata_buf_ptr(&b), strata_buf_len(&b), STRATA_PKI_DER, &y, NULL));
    strata_buf_free(&b);
    expect_times(y, "20250101000000Z", PF_NOW, "20300101000001Z", (time_t)1893456001);
    strata_x509_free(y);

    /* Malformed text refused, the field unchanged. */
    strata_error err;
    strata_error_clear(&err);
    assert_status(strata_x509_set_not_before_str(x, "2030-01-01", &err), STRATA_E_USAGE);
    assert_non_null(strstr(strata_error_message(&err), "notBefore \"2030-01-01\""));
    strata_error_clear(&err);
    assert_status(strata_x509_set_not_before_str(x, "20301301000000Z", &err), STRATA_E_USAGE);
    expect_times(x, "20250101000000Z", PF_NOW, "20300101000001Z", (time_t)1893456001);

    strata_x509_free(x);
    strata_pkey_free(k);
}

static void test_openssl_interop_objects(void **state)
{
    (void)state;
    strata_pkey *k = pf_key("ed25519");
    strata_x509 *x = pf_cert("/CN=ed", k, NULL, NULL, 0, 0, 3600);
    X509 *raw = strata_x509_openssl(x);
    strata_x509 *w = NULL;
    assert_ok(strata_x509_from_openssl(raw, &w, NULL));
    assert_ptr_equal(strata_x509_openssl(w), raw);
    strata_x509_free(x); /* w keeps the X509 alive */
    assert_ok(strata_x509_verify(w, k, NULL));
    strata_x509 *u = strata_x509_up_ref(w);
    strata_x509_free(u);
    strata_x509 *d = NULL;
    assert_ok(strata_x509_dup(w, &d, NULL));
    assert_ptr_not_equal(strata_x509_openssl(d), raw);
    strata_x509_free(d);
    const char *alg;
    assert_ok(strata_x509_signature_algorithm(w, &alg, NULL));
    assert_string_equal(alg, "ED25519");
    strata_pkey *k2 = NULL;
    assert_ok(strata_pkey_from_openssl(strata_pkey_openssl(k), &k2, NULL));
    strata_pkey_free(k);
    assert_true(strata_pkey_has_private(k2));
    strata_pkey_free(k2);
    strata_x509_store *s = NULL;
    assert_ok(strata_x509_store_new(&s, NULL));
    strata_x509_store *s2 = NULL;
    assert_ok(strata_x509_store_from_openssl(strata_x509_store_openssl(s), &s2, NULL));
    strata_x509_store_free(s);
    assert_ok(strata_x509_store_add_cert(s2, w, NULL));
    strata_x509_store_free(s2);
    strata_x509_free(w);
}

static void test_bad_certificate_input(void **state)
{
    (void)state;
    strata_pkey *k = pf_key("ec:p256");
    strata_x509 *x = pf_cert("/CN=t", k, NULL, NULL, 0, 0, 3600);
    strata_buf der;
    strata_buf_init(&der, 0);
    assert_ok(strata_x509_dump(x, STRATA_PKI_DER, &der, NULL));
    strata_x509 *y = NULL;
    strata_error err;
    strata_error_clear(&err);
    assert_status(
        strata_x509_load(strata_buf_ptr(&der), strata_buf_len(&der) - 7, STRATA_PKI_DER, &y, &err),
        STRATA_E_BAD_DER);
    assert_null(y);
    assert_non_null(strstr(strata_error_message(&err), "certificate: truncated or malformed DER"));
    /* Trailing bytes after a DER certificate. */
    uint8_t *p;
    assert_ok(strata_buf_reserve(&der, 3, &p));
    memset(p, 0, 3);
    strata_error_clear(&err);
    assert_status(
        strata_x509_load(strata_buf_ptr(&der), strata_buf_len(&der), STRATA_PKI_DER, &y, &err),
        STRATA_E_TRAILING);
    assert_string_equal(strata_error_message(&err),
                        "certificate: 3 unexpected bytes after the DER value");
    const char garbage[] = "hello, this is not a certificate";
    strata_error_clear(&err);
    assert_status(strata_x509_load(garbage, sizeof(garbage) - 1, STRATA_PKI_PEM, &y, &err),
                  STRATA_E_BAD_PEM);
    assert_string_equal(strata_error_message(&err),
                        "certificate: no PEM block \"CERTIFICATE\" found");
    const char badpem[] = "-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----\n";
    strata_error_clear(&err);
    assert_status(strata_x509_load(badpem, sizeof(badpem) - 1, STRATA_PKI_PEM, &y, &err),
                  STRATA_E_BAD_PEM);
    assert_non_null(strstr(strata_error_message(&err), "is corrupt"));
    strata_error_clear(&err);
    assert_status(strata_x509_load("", 0, STRATA_PKI_DER, &y, &err), STRATA_E_TRUNCATED);
    strata_error_clear(&err);
    assert_status(strata_x509_load_file("/nonexistent/x.pem", STRATA_PKI_PEM, &y, &err),
                  STRATA_E_IO);
    assert_non_null(strstr(strata_error_message(&err), "cannot open /nonexistent/x.pem"));
    strata_buf_free(&der);
    strata_x509_free(x);
    strata_pkey_free(k);
}

static void test_store_verify_chain(void **state)
{
    (void)state;
    strata_pkey *ck = pf_key("ec:p256"), *ik = pf_key("ec:p256"), *lk = pf_key("ed25519");
    strata_x509 *ca = pf_cert("/CN=Root", ck, NULL, NULL, 1, -3600, 10 * 86400);
    strata_x509 *im = pf_cert("/CN=Intermediate", ik, ca, ck, 1, -3600, 10 * 86400);
    strata_x509 *leaf = pf_cert("/CN=localhost", lk, im, ik, 0, -3600, 86400);
    strata_x509_store *s = NULL;
    assert_ok(strata_x509_store_new(&s, NULL));
    assert_ok(strata_x509_store_add_cert(s, ca, NULL));
    assert_ok(strata_x509_store_set_time(s, PF_NOW, NULL));
    strata_x509 **chain = NULL;
    size_t n = 0;
    strata_x509_verify_failure f;
    strata_error err;
    strata_error_clear(&err);
    assert_ok(strata_x509_store_verify(s, leaf, &im, 1, "localhost", &chain, &n, &f, &err));
    assert_int_equal(n, 3);
    assert_ptr_equal(strata_x509_openssl(chain[2]), strata_x509_openssl(ca));
    strata_x509_chain_free(chain, n);
    /* No intermediate: the failure names depth 0 and the subject. */
    strata_error_clear(&err);
    assert_status(strata_x509_store_verify(s, leaf, NULL, 0, NULL, NULL, NULL, &f, &err),
                  STRATA_E_CERT_UNTRUSTED);
    assert_int_equal(f.depth, 0);
    assert_string_equal(f.subject, "/CN=localhost");
    assert_string_equal(strata_error_message(&err),
                        "certificate at depth 0 (/CN=localhost): unable to get local issuer "
                        "certificate (X509 error 20)");
    /* Wrong host name. */
    strata_error_clear(&err);
    assert_status(strata_x509_store_verify(s, leaf, &im, 1, "example.com", NULL, NULL, &f, &err),
                  STRATA_E_CERT_HOSTNAME);
    assert_ok(strata_x509_store_verify(s, leaf, &im, 1, "127.0.0.1", NULL, NULL, NULL, NULL));
    /* Expired at a later fixed time. */
    assert_ok(strata_x509_store_set_time(s, PF_NOW + 2 * 86400, NULL));
    strata_error_clear(&err);
    assert_status(strata_x509_store_verify(s, leaf, &im, 1, NULL, NULL, NULL, &f, &err),
                  STRATA_E_CERT_EXPIRED);
    assert_string_equal(strata_error_message(&err),
                        "certificate at depth 0 (/CN=localhost): certificate has expired (X509 "
                        "error 10)");
    assert_ok(strata_x509_store_set_time(s, PF_NOW - 86400, NULL));
    assert_status(strata_x509_store_verify(s, leaf, &im, 1, NULL, NULL, NULL, &f, NULL),
                  STRATA_E_CERT_NOT_YET_VALID);
    /* A leaf signed by the wrong key (same issuer name and key id). */
    assert_ok(strata_x509_store_set_time(s, PF_NOW, NULL));
    strata_x509 *forged = pf_cert("/CN=localhost", lk, im, ik, 0, -3600, 86400);
    strata_pkey *evil = pf_key("ec:p256");
    assert_ok(strata_x509_sign(forged, evil, NULL, NULL));
    strata_error_clear(&err);
    assert_status(strata_x509_store_verify(s, forged, &im, 1, NULL, NULL, NULL, &f, &err),
                  STRATA_E_CERT_SIGNATURE);
    assert_int_equal(f.depth, 0);
    /* The context API directly, chain only after success. */
    strata_x509_store_ctx *c = NULL;
    strata_x509 *bad = NULL;
    assert_ok(strata_x509_store_ctx_new(s, forged, &im, 1, &c, NULL));
    assert_status(strata_x509_store_ctx_verify(c, NULL, NULL), STRATA_E_CERT_SIGNATURE);
    assert_ok(strata_x509_store_ctx_failed_cert(c, &bad, NULL));
    assert_ptr_equal(strata_x509_openssl(bad), strata_x509_openssl(forged));
    strata_x509_free(bad);
    strata_x509_store_ctx_free(c);
    /* A depth limit of 0 leaves no room for the intermediate. */
    assert_ok(strata_x509_store_set_depth(s, 0, NULL));
    assert_status(strata_x509_store_verify(s, leaf, &im, 1, NULL, NULL, NULL, &f, NULL),
                  STRATA_E_VERIFY);
    assert_int_equal(f.code, 22); /* X509_V_ERR_CERT_CHAIN_TOO_LONG */
    assert_ok(strata_x509_store_set_depth(s, 5, NULL));
    assert_status(strata_x509_store_set_depth(s, -1, NULL), STRATA_E_USAGE);
    assert_ok(strata_x509_store_ctx_new(s, leaf, &im, 1, &c, NULL));
    assert_status(strata_x509_store_ctx_chain(c, &chain, &n, NULL), STRATA_E_STATE);
    assert_status(strata_x509_store_ctx_failed_cert(c, &bad, NULL), STRATA_E_STATE);
    assert_ok(strata_x509_store_ctx_verify(c, NULL, NULL));
    assert_ok(strata_x509_store_ctx_chain(c, &chain, &n, NULL));
    assert_int_equal(n, 3);
    strata_x509_chain_free(chain, n);
    strata_x509_store_ctx_free(c);
    strata_x509_free(forged);
    strata_pkey_free(evil);
    strata_x509_store_free(s);
    strata_x509_free(leaf);
    strata_x509_free(im);
    strata_x509_free(ca);
    strata_pkey_free(ck);
    strata_pkey_free(ik);
    strata_pkey_free(lk);
}

static void test_load_chain(void **state)
{
    (void)state;
    strata_pkey *k = pf_key("ec:p256");
    strata_x509 *a = pf_cert("/CN=a", k, NULL, NULL, 1, 0, 60);
    strata_x509 *b = pf_cert("/CN=b", k, a, k, 0, 0, 60);
    strata_buf pa, pb, all;
    strata_buf_init(&pa, 0);
    strata_buf_init(&pb, 0);
    strata_buf_init(&all, 0);
    assert_ok(strata_x509_dump(b, STRATA_PKI_PEM, &pb, NULL));
    assert_ok(strata_x509_dump(a, STRATA_PKI_PEM, &pa, NULL));
    assert_ok(strata_buf_put(&all, strata_buf_ptr(&pb), strata_buf_len(&pb)));
    assert_ok(strata_buf_put(&all, strata_buf_ptr(&pa), strata_buf_len(&pa)));
    strata_x509 **chain = NULL;
    size_t n = 0;
    assert_ok(strata_x509_load_chain(strata_buf_ptr(&all), strata_buf_len(&all), &chain, &n, NULL));
    assert_int_equal(n, 2);
    strata_x509_name *sn = NULL;
    char *cn = NULL;
    assert_ok(strata_x509_get_subject(chain[1], &sn, NULL));
    assert_ok(strata_x509_name_get(sn, "CN", &cn, NULL));
    assert_string_equal(cn, "a");
    strata_pki_free_string(cn);
    strata_x509_name_free(sn);
    strata_x509_chain_free(chain, n);
    strata_buf_free(&pa);
    strata_buf_free(&pb);
    strata_buf_free(&all);
    strata_x509_free(a);
    strata_x509_free(b);
    strata_pkey_free(k);
}

static void test_serials_and_ext_lists(void **state)
{
    (void)state;
    strata_x509 *x = NULL;
    assert_ok(strata_x509_new(&x, NULL));
    uint8_t big[40];
    for (size_t i = 0; i < sizeof(big); i++)
        big[i] = (uint8_t)(0xA0 + i);
    assert_ok(strata_x509_set_serial(x, big, sizeof(big), NULL));
    char *hex = NULL;
    assert_ok(strata_x509_get_serial_hex(x, &hex, NULL));
    assert_int_equal(strlen(hex), 80);
    assert_memory_equal(hex, "A0A1A2A3", 8);
    strata_pki_free_string(hex);
    assert_ok(strata_x509_set_serial_u64(x, 0x1122334455667788ull, NULL));
    assert_ok(strata_x509_get_serial_hex(x, &hex, NULL));
    assert_string_equal(hex, "1122334455667788");
    strata_pki_free_string(hex);
    strata_error err;
    strata_error_clear(&err);
    assert_status(strata_x509_set_serial_hex(x, "12xz", &err), STRATA_E_USAGE);
    assert_string_equal(strata_error_message(&err), "serial number \"12xz\" is not hexadecimal");
    assert_status(strata_x509_set_version(x, 3, NULL), STRATA_E_USAGE);
    /* add_extensions: all or nothing. */
    strata_x509_ext *e[3] = {NULL, NULL, NULL};
    assert_ok(strata_x509_ext_new("basicConstraints", 1, "CA:FALSE", NULL, NULL, &e[0], NULL));
    assert_ok(strata_x509_ext_new("keyUsage", 0, "digitalSignature", NULL, NULL, &e[1], NULL));
    assert_ok(strata_x509_add_exts(x, e, 2, NULL));
    assert_int_equal(strata_x509_ext_count(x), 2);
    assert_status(strata_x509_add_exts(x, e, 3, NULL), STRATA_E_USAGE); /* e[2] is NULL */
    assert_int_equal(strata_x509_ext_count(x), 2);
    strata_x509_ext_free(e[0]);
    strata_x509_ext_free(e[1]);
    strata_x509_store *s = NULL;
    assert_ok(strata_x509_store_new(&s, NULL));
    assert_ok(strata_x509_store_set_default_paths(s, NULL));
    strata_error_clear(&err);
    assert_status(strata_x509_store_load_locations(s, "/nonexistent/ca.pem", NULL, &err),
                  STRATA_E_IO);
    assert_non_null(strstr(strata_error_message(&err), "/nonexistent/ca.pem"));
    strata_x509_store_free(s);
    strata_x509_free(x);
}

/* Made with `openssl req -x509 -subj "/C=US/O=Example/CN=host"`; the
 * expected values are what `openssl x509 -noout -fingerprint -sha256`,
 * `-fingerprint -sha1` and `-subject_hash` print for it. */
static const char known_pem[] = "-----BEGIN CERTIFICATE-----\n"
                                "MIIBsTCCAVegAwIBAgIURbIn0/OgBrJwPR5uOr2TAEbXVCcwCgYIKoZIzj0EAwIw\n"
                                "LjELMAkGA1UEBhMCVVMxEDAOBgNVBAoMB0V4YW1wbGUxDTALBgNVBAMMBGhvc3Qw\n"
                                "HhcNMjYxMjA0MTI0MTUxWhcNMjYxMjA1MTI0MTUxWjAuMQswCQYDVQQGEwJVUzEQ\n"
                                "MA4GA1UECgwHRXhhbXBsZTENMAsGA1UEAwwEaG9zdDBZMBMGByqGSM49AgEGCCqG\n"
                                "SM49AwEHA0IABLtr14J9yR/w9yKN7+9tEJOPe6GKbGoIJS8PV6isUDrogl13CcvK\n"
                                "EnYHHKcuXREipgx68kf7QgIrnVmC3Ybncp+jUzBRMB0GA1UdDgQWBBRiuzu1wQvt\n"
                                "Owdq8NnUsWy3WwwIHDAfBgNVHSMEGDAWgBRiuzu1wQvtOwdq8NnUsWy3WwwIHDAP\n"
                                "BgNVHRMBAf8EBTADAQH/MAoGCCqGSM49BAMCA0gAMEUCIQCDe5w9pnuEibkyTDQw\n"
                                "P9BIhOTIffwcq7bnRKfyMDIsCwIgGcROrQAcGDBLT31f0ykKPI+EYfh740po5rCh\n"
                                "lr3fhq0=\n"
                                "-----END CERTIFICATE-----\n";

/* digest, subject_name_hash and the name hash against the openssl tool's
 * own output for one fixed certificate. */
static void test_known_digest_and_hashes(void **state)
{
    (void)state;
    strata_x509 *x = NULL;
    assert_ok(strata_x509_load(known_pem, sizeof(known_pem) - 1, STRATA_PKI_PEM, &x, NULL));
    char *fp = NULL;
    assert_ok(strata_x509_digest(x, "sha256", &fp, NULL));
    assert_string_equal(fp, "ED:0F:71:1C:09:48:9E:8E:E2:4A:9A:DF:B9:3C:E8:B7:3A:25:3C:3E:3A:4A:F3:"
                            "50:DB:9A:A8:5D:D4:A9:2C:37");
    strata_pki_free_string(fp);
    assert_ok(strata_x509_digest(x, "sha1", &fp, NULL));
    assert_string_equal(fp, "58:FC:64:AD:FB:26:49:13:99:3C:A4:B7:2F:0C:96:D3:02:5A:53:BF");
    strata_pki_free_string(fp);
    unsigned long h = 0;
    assert_ok(strata_x509_subject_name_hash(x, &h, NULL));
    assert_int_equal(h, 0xa1c4f97eUL);
    strata_x509_name *n = NULL;
    assert_ok(strata_x509_get_subject(x, &n, NULL));
    h = 0;
    assert_ok(strata_x509_name_hash(n, &h, NULL));
    assert_int_equal(h, 0xa1c4f97eUL);
    /* A name built by strata (its own string types) hashes the same:
     * the hash is over the canonical form. */
    strata_x509_name *built = pf_name("/C=US/O=Example/CN=host");
    h = 0;
    assert_ok(strata_x509_name_hash(built, &h, NULL));
    assert_int_equal(h, 0xa1c4f97eUL);
    /* name.der(): the subject's DER exactly as the openssl tool wrote it. */
    static const uint8_t subject_der[] = {
        0x30, 0x2e, 0x31, 0x0b, 0x30, 0x09, 0x06, 0x03, 0x55, 0x04, 0x06, 0x13,
        0x02, 0x55, 0x53, 0x31, 0x10, 0x30, 0x0e, 0x06, 0x03, 0x55, 0x04, 0x0a,
        0x0c, 0x07, 0x45, 0x78, 0x61, 0x6d, 0x70, 0x6c, 0x65, 0x31, 0x0d, 0x30,
        0x0b, 0x06, 0x03, 0x55, 0x04, 0x03, 0x0c, 0x04, 0x68, 0x6f, 0x73, 0x74};
    strata_buf der;
    strata_buf_init(&der, 0);
    assert_ok(strata_x509_name_der(n, &der, NULL));
    assert_int_equal(strata_buf_len(&der), sizeof(subject_der));
    assert_memory_equal(strata_buf_ptr(&der), subject_der, sizeof(subject_der));
    strata_buf_free(&der);
    strata_x509_name *other = pf_name("/C=US/O=Example/CN=other");
    assert_ok(strata_x509_name_hash(other, &h, NULL));
    assert_int_not_equal(h, 0xa1c4f97eUL);
    strata_x509_name_free(other);
    strata_x509_name_free(built);
    strata_x509_name_free(n);
    strata_x509_free(x);
}

/* X509() then each setter, each read back through its getter: version,
 * subject, issuer, public key, gmtime_adj_notBefore / notAfter. */
static void test_x509_setters(void **state)
{
    (void)state;
    strata_x509 *x = NULL;
    assert_ok(strata_x509_new(&x, NULL));
    assert_int_equal(strata_x509_get_version(x), STRATA_X509_V1); /* a new certificate */
    assert_ok(strata_x509_set_version(x, STRATA_X509_V3, NULL));
    assert_int_equal(strata_x509_get_version(x), STRATA_X509_V3);

    strata_x509_name *subj = pf_name("/O=Example/CN=subject.example");
    strata_x509_name *iss = pf_name("/O=Example/CN=Issuer CA");
    assert_ok(strata_x509_set_subject(x, subj, NULL));
    assert_ok(strata_x509_set_issuer(x, iss, NULL));
    strata_x509_name_free(subj); /* the certificate keeps its own copies */
    strata_x509_name_free(iss);
    strata_x509_name *got = NULL;
    char *line = NULL;
    assert_ok(strata_x509_get_subject(x, &got, NULL));
    assert_ok(strata_x509_name_oneline(got, &line, NULL));
    assert_string_equal(line, "/O=Example/CN=subject.example");
    strata_pki_free_string(line);
    strata_x509_name_free(got);
    assert_ok(strata_x509_get_issuer(x, &got, NULL));
    assert_ok(strata_x509_name_oneline(got, &line, NULL));
    assert_string_equal(line, "/O=Example/CN=Issuer CA");
    strata_pki_free_string(line);
    strata_x509_name_free(got);

    strata_pkey *k = pf_key("ec:p256"), *k2 = pf_key("ec:p256");
    assert_ok(strata_x509_set_pubkey(x, k, NULL));
    strata_pkey *pub = NULL;
    assert_ok(strata_x509_get_pubkey(x, &pub, NULL));
    assert_true(strata_pkey_equal(pub, k));
    strata_pkey_free(pub);
    assert_ok(strata_x509_set_pubkey(x, k2, NULL)); /* replaces it */
    assert_ok(strata_x509_get_pubkey(x, &pub, NULL));
    assert_true(strata_pkey_equal(pub, k2));
    assert_false(strata_pkey_equal(pub, k));
    strata_pkey_free(pub);

    /* gmtime_adj: the given "now" plus secs, either sign. */
    time_t t = 0;
    assert_ok(strata_x509_gmtime_adj_not_before(x, PF_NOW, -3600, NULL));
    assert_ok(strata_x509_gmtime_adj_not_after(x, PF_NOW, 7 * 86400, NULL));
    assert_ok(strata_x509_get_not_before(x, &t, NULL));
    assert_int_equal(t, PF_NOW - 3600);
    assert_ok(strata_x509_get_not_after(x, &t, NULL));
    assert_int_equal(t, PF_NOW + 7 * 86400);
    assert_ok(strata_x509_gmtime_adj_not_after(x, PF_NOW + 10, 0, NULL));
    assert_ok(strata_x509_get_not_after(x, &t, NULL));
    assert_int_equal(t, PF_NOW + 10);

    /* sign(pkey, digest) with Ed25519 / Ed448: no digest; the algorithm is
     * the key's and the signature verifies with it only. */
    static const struct {
        const char *spec, *alg;
    } eds[] = {{"ed25519", "ED25519"}, {"ed448", "ED448"}};
    for (size_t i = 0; i < 2; i++) {
        strata_pkey *ek = pf_key(eds[i].spec);
        const char *alg = NULL;
        assert_ok(strata_x509_sign(x, ek, NULL, NULL));
        assert_ok(strata_x509_signature_algorithm(x, &alg, NULL));
        assert_string_equal(alg, eds[i].alg);
        assert_ok(strata_x509_verify(x, ek, NULL));
        assert_status(strata_x509_verify(x, k2, NULL), STRATA_E_CERT_SIGNATURE);
        strata_pkey_free(ek);
    }

    /* All of it survives a signature and a DER round trip. */
    assert_ok(strata_x509_sign(x, k2, NULL, NULL));
    strata_buf b;
    strata_buf_init(&b, 0);
    assert_ok(strata_x509_dump(x, STRATA_PKI_DER, &b, NULL));
    strata_x509 *y = NULL;
    assert_ok(strata_x509_load(strata_buf_ptr(&b), strata_buf_len(&b), STRATA_PKI_DER, &y, NULL));
    assert_int_equal(strata_x509_get_version(y), STRATA_X509_V3);
    assert_ok(strata_x509_get_issuer(y, &got, NULL));
    assert_ok(strata_x509_name_oneline(got, &line, NULL));
    assert_string_equal(line, "/O=Example/CN=Issuer CA");
    strata_pki_free_string(line);
    strata_x509_name_free(got);
    assert_ok(strata_x509_get_not_before(y, &t, NULL));
    assert_int_equal(t, PF_NOW - 3600);
    assert_ok(strata_x509_verify(y, k2, NULL));
    strata_x509_free(y);
    strata_buf_free(&b);
    strata_pkey_free(k);
    strata_pkey_free(k2);
    strata_x509_free(x);
}

/* check(): a key whose private scalar is not the one of its public point
 * (put together with OpenSSL's API) is refused; its halves pass. */
static void test_key_check_mismatch(void **state)
{
    (void)state;
    strata_pkey *a = pf_key("ec:p256"), *b = pf_key("ec:p256");
    BIGNUM *priv = NULL;
    assert_true(EVP_PKEY_get_bn_param(strata_pkey_openssl(a), OSSL_PKEY_PARAM_PRIV_KEY, &priv));
    unsigned char pub[133];
    size_t publen = 0;
    assert_true(EVP_PKEY_get_octet_string_param(strata_pkey_openssl(b), OSSL_PKEY_PARAM_PUB_KEY,
                                                pub, sizeof(pub), &publen));
    OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
    assert_true(OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, "P-256", 0));
    assert_true(OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PRIV_KEY, priv));
    assert_true(OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, pub, publen));
    OSSL_PARAM *params = OSSL_PARAM_BLD_to_param(bld);
    EVP_PKEY_CTX *c = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
    EVP_PKEY *raw = NULL;
    assert_int_equal(EVP_PKEY_fromdata_init(c), 1);
    assert_int_equal(EVP_PKEY_fromdata(c, &raw, EVP_PKEY_KEYPAIR, params), 1);
    strata_pkey *bad = NULL;
    assert_ok(strata_pkey_from_openssl(raw, &bad, NULL));
    strata_error err;
    strata_error_clear(&err);
    assert_status(strata_pkey_check(bad, &err), STRATA_E_CRYPTO);
    assert_string_equal(strata_error_message(&err), "the EC private key is not consistent");
    assert_ok(strata_pkey_check(a, NULL));
    assert_ok(strata_pkey_check(b, NULL));
    strata_pkey_free(bad);
    EVP_PKEY_free(raw);
    EVP_PKEY_CTX_free(c);
    OSSL_PARAM_free(params);
    OSSL_PARAM_BLD_free(bld);
    BN_clear_free(priv);
    strata_pkey_free(a);
    strata_pkey_free(b);
}

/* pyOpenSSL's Error carries OpenSSL's whole error queue; strata keeps the
 * first STRATA_ERROR_OSSL_MAX (8) entries in order, drops the rest and
 * leaves the queue empty. */
static void test_error_queue_entries(void **state)
{
    (void)state;
    assert_int_equal(STRATA_ERROR_OSSL_MAX, 8);
    ERR_clear_error();
    for (int i = 0; i < 10; i++)
        ERR_raise_data(ERR_LIB_X509, X509_R_CERT_ALREADY_IN_HASH_TABLE, "entry %d", i);
    strata_error e;
    strata_error_clear(&e);
    assert_status(strata__error_set_ossl(&e, STRATA_E_CRYPTO, "ten entries"), STRATA_E_CRYPTO);
    assert_int_equal(e.n_ossl, 8);
    for (int i = 0; i < 8; i++) {
        char want[64];
        snprintf(want, sizeof(want), "cert already in hash table (entry %d)", i);
        assert_string_equal(e.ossl[i].reason, want);
        assert_string_equal(e.ossl[i].lib, "x509 certificate routines");
    }
    assert_int_equal(ERR_peek_error(), 0);
    /* The entries are copies: OpenSSL frees its function name when the
     * entry leaves the queue, and later errors reuse its slots. */
    for (int i = 0; i < 20; i++)
        ERR_raise(ERR_LIB_X509, X509_R_CERT_ALREADY_IN_HASH_TABLE);
    ERR_clear_error();
    assert_string_equal(e.ossl[0].func, "test_error_queue_entries");
    char buf[2048];
    assert_non_null(strstr(strata_error_format(&e, buf, sizeof(buf)),
                           "test_error_queue_entries: cert already in hash table (entry 7)"));
    /* A real pki failure carries its entries too. */
    strata_x509 *x = NULL;
    strata_error_clear(&e);
    assert_status(strata_x509_load("\x30\x03\x02\x01", 4, STRATA_PKI_DER, &x, &e),
                  STRATA_E_BAD_DER);
    assert_true(e.n_ossl >= 1);
}

/* One X509_V_ERR_* → status table for the store and for TLS; every code
 * either used to map is here, X509_V_ERR_CERT_REJECTED included (the two
 * copies disagreed on it). */
static void test_verify_status_table(void **state)
{
    (void)state;
    static const struct {
        int code;
        strata_status want;
    } cases[] = {
        {X509_V_ERR_CERT_HAS_EXPIRED, STRATA_E_CERT_EXPIRED},
        {X509_V_ERR_CERT_NOT_YET_VALID, STRATA_E_CERT_NOT_YET_VALID},
        {X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT, STRATA_E_CERT_UNTRUSTED},
        {X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY, STRATA_E_CERT_UNTRUSTED},
        {X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT, STRATA_E_CERT_UNTRUSTED},
        {X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN, STRATA_E_CERT_UNTRUSTED},
        {X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE, STRATA_E_CERT_UNTRUSTED},
        {X509_V_ERR_CERT_UNTRUSTED, STRATA_E_CERT_UNTRUSTED},
        {X509_V_ERR_CERT_REJECTED, STRATA_E_CERT_UNTRUSTED},
        {X509_V_ERR_CERT_SIGNATURE_FAILURE, STRATA_E_CERT_SIGNATURE},
        {X509_V_ERR_CERT_REVOKED, STRATA_E_CERT_REVOKED},
        {X509_V_ERR_HOSTNAME_MISMATCH, STRATA_E_CERT_HOSTNAME},
        {X509_V_ERR_IP_ADDRESS_MISMATCH, STRATA_E_CERT_HOSTNAME},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        /* The same answer whichever caller's fallback is passed. */
        assert_status(strata__x509_verify_status(cases[i].code, STRATA_E_VERIFY), cases[i].want);
        assert_status(strata__x509_verify_status(cases[i].code, STRATA_E_TLS_CERT_INVALID),
                      cases[i].want);
    }
    /* Codes the table does not name: the caller's fallback. */
    assert_status(strata__x509_verify_status(X509_V_ERR_CERT_CHAIN_TOO_LONG, STRATA_E_VERIFY),
                  STRATA_E_VERIFY);
    assert_status(
        strata__x509_verify_status(X509_V_ERR_CERT_CHAIN_TOO_LONG, STRATA_E_TLS_CERT_INVALID),
        STRATA_E_TLS_CERT_INVALID);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_key_generation_types),
        cmocka_unit_test(test_key_generation_errors),
        cmocka_unit_test(test_sign_verify_data),
        cmocka_unit_test(test_name_attributes),
        cmocka_unit_test(test_cert_fields_and_roundtrip),
        cmocka_unit_test(test_name_dup),
        cmocka_unit_test(test_issuer_and_pubkey),
        cmocka_unit_test(test_validity_absolute),
        cmocka_unit_test(test_openssl_interop_objects),
        cmocka_unit_test(test_bad_certificate_input),
        cmocka_unit_test(test_store_verify_chain),
        cmocka_unit_test(test_load_chain),
        cmocka_unit_test(test_serials_and_ext_lists),
        cmocka_unit_test(test_known_digest_and_hashes),
        cmocka_unit_test(test_x509_setters),
        cmocka_unit_test(test_key_check_mismatch),
        cmocka_unit_test(test_error_queue_entries),
        cmocka_unit_test(test_verify_status_table),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
