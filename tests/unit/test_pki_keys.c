/* pki keys: load / dump in PEM, DER and text, encrypted with a passphrase
 * given as a string or by pyOpenSSL's callback(maxlen, verify, userdata),
 * and the errors for wrong, missing and malformed input. */
#include <stdlib.h>
#include <string.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "pki_fixture.h"

struct cb_log {
    int calls;
    int last_verify;
    size_t last_cap;
    const char *answer;
};

static int pass_cb(char *buf, size_t cap, int verify, void *user)
{
    struct cb_log *l = user;
    l->calls++;
    l->last_verify = verify;
    l->last_cap = cap;
    if (!l->answer)
        return -1;
    size_t n = strlen(l->answer);
    memcpy(buf, l->answer, n);
    return (int)n;
}

static void test_plain_roundtrip_all_formats(void **state)
{
    (void)state;
    const char *specs[] = {"rsa:2048", "ec:p384", "ed25519", "ed448", "dsa:1024"};
    for (size_t i = 0; i < 5; i++) {
        strata_pkey *k = pf_key(specs[i]);
        strata_pki_format fmts[] = {STRATA_PKI_PEM, STRATA_PKI_DER};
        for (int f = 0; f < 2; f++) {
            strata_buf b;
            strata_buf_init(&b, 0);
            assert_ok(strata_pkey_dump_private(k, fmts[f], NULL, NULL, &b, NULL));
            strata_pkey *k2 = NULL;
            assert_ok(strata_pkey_load_private(strata_buf_ptr(&b), strata_buf_len(&b),
                                               STRATA_PKI_AUTO, NULL, &k2, NULL));
            assert_true(strata_pkey_equal(k, k2));
            assert_true(strata_pkey_has_private(k2));
            strata_pkey_free(k2);
            assert_ok(strata_pkey_dump_public(k, fmts[f], &b, NULL));
            assert_ok(strata_pkey_load_public(strata_buf_ptr(&b), strata_buf_len(&b), fmts[f], &k2,
                                              NULL));
            assert_true(strata_pkey_equal(k, k2));
            assert_false(strata_pkey_has_private(k2));
            strata_pkey_free(k2);
            strata_buf_free(&b);
        }
        strata_buf t;
        strata_buf_init(&t, 0);
        assert_ok(strata_pkey_dump_private(k, STRATA_PKI_TEXT, NULL, NULL, &t, NULL));
        assert_true(strata_buf_len(&t) > 20);
        strata_buf_free(&t);
        strata_pkey_free(k);
    }
}

static void test_encrypted_with_string(void **state)
{
    (void)state;
    strata_pkey *k = pf_key("ec:p256");
    strata_passphrase pw = {"correct horse", 13, NULL, NULL};
    strata_buf b;
    strata_buf_init(&b, 0);
    assert_ok(strata_pkey_dump_private(k, STRATA_PKI_PEM, NULL, &pw, &b, NULL));
    assert_non_null(memmem(strata_buf_ptr(&b), strata_buf_len(&b),
                           "-----BEGIN ENCRYPTED PRIVATE KEY-----", 37));
    /* No cipher named: PBES2 with AES-256-CBC, read back with OpenSSL. */
    BIO *bio = BIO_new_mem_buf(strata_buf_ptr(&b), (int)strata_buf_len(&b));
    X509_SIG *p8 = PEM_read_bio_PKCS8(bio, NULL, NULL, NULL);
    assert_non_null(p8);
    const X509_ALGOR *alg = NULL;
    X509_SIG_get0(p8, &alg, NULL);
    assert_int_equal(OBJ_obj2nid(alg->algorithm), NID_pbes2);
    PBE2PARAM *p2 = ASN1_TYPE_unpack_sequence(ASN1_ITEM_rptr(PBE2PARAM), alg->parameter);
    assert_non_null(p2);
    assert_int_equal(OBJ_obj2nid(p2->encryption->algorithm), NID_aes_256_cbc);
    PBE2PARAM_free(p2);
    X509_SIG_free(p8);
    BIO_free(bio);
    strata_pkey *k2 = NULL;
    assert_ok(strata_pkey_load_private(strata_buf_ptr(&b), strata_buf_len(&b), STRATA_PKI_PEM, &pw,
                                       &k2, NULL));
    assert_true(strata_pkey_equal(k, k2));
    strata_pkey_free(k2);
    strata_passphrase wrong = {"wrong", 5, NULL, NULL};
    strata_error err;
    strata_error_clear(&err);
    assert_status(strata_pkey_load_private(strata_buf_ptr(&b), strata_buf_len(&b), STRATA_PKI_PEM,
                                           &wrong, &k2, &err),
                  STRATA_E_PASSPHRASE);
    assert_null(k2);
    assert_string_equal(strata_error_message(&err),
                        "wrong passphrase for the encrypted private key");
    strata_error_clear(&err);
    assert_status(strata_pkey_load_private(strata_buf_ptr(&b), strata_buf_len(&b), STRATA_PKI_PEM,
                                           NULL, &k2, &err),
                  STRATA_E_PASSPHRASE);
    assert_string_equal(strata_error_message(&err),
                        "the private key is encrypted and no passphrase was given");
    /* DER, another cipher. */
    assert_ok(strata_pkey_dump_private(k, STRATA_PKI_DER, "AES-128-CBC", &pw, &b, NULL));
    assert_ok(strata_pkey_load_private(strata_buf_ptr(&b), strata_buf_len(&b), STRATA_PKI_DER, &pw,
                                       &k2, NULL));
    assert_true(strata_pkey_equal(k, k2));
    strata_pkey_free(k2);
    assert_status(strata_pkey_dump_private(k, STRATA_PKI_PEM, "NO-SUCH-CIPHER", &pw, &b, NULL),
                  STRATA_E_UNKNOWN_ALG);
    strata_buf_free(&b);
    strata_pkey_free(k);
}

static void test_encrypted_with_callback(void **state)
{
    (void)state;
    strata_pkey *k = pf_key("ed25519");
    struct cb_log log = {0, -1, 0, "from the callback"};
    strata_passphrase pw = {NULL, 0, pass_cb, &log};
    strata_buf b;
    strata_buf_init(&b, 0);
    assert_ok(strata_pkey_dump_private(k, STRATA_PKI_PEM, NULL, &pw, &b, NULL));
    assert_int_equal(log.calls, 1);
    assert_int_equal(log.last_verify, 1); /* encrypting: ask twice */
    assert_true(log.last_cap >= 64 && log.last_cap <= STRATA_PKI_PASSPHRASE_MAX);
    strata_pkey *k2 = NULL;
    assert_ok(strata_pkey_load_private(strata_buf_ptr(&b), strata_buf_len(&b), STRATA_PKI_PEM, &pw,
                                       &k2, NULL));
    assert_int_equal(log.last_verify, 0); /* decrypting */
    assert_true(strata_pkey_equal(k, k2));
    strata_pkey_free(k2);
    /* The callback gives up: E_PASSPHRASE, and no key. */
    log.answer = NULL;
    strata_error err;
    strata_error_clear(&err);
    assert_status(strata_pkey_load_private(strata_buf_ptr(&b), strata_buf_len(&b), STRATA_PKI_PEM,
                                           &pw, &k2, &err),
                  STRATA_E_PASSPHRASE);
    strata_error_clear(&err);
    assert_status(strata_pkey_dump_private(k, STRATA_PKI_PEM, NULL, &pw, &b, &err),
                  STRATA_E_PASSPHRASE);
    assert_string_equal(strata_error_message(&err),
                        "no passphrase was given to encrypt the private key");
    /* An unencrypted key never asks. */
    log.calls = 0;
    assert_ok(strata_pkey_dump_private(k, STRATA_PKI_PEM, NULL, NULL, &b, NULL));
    assert_ok(strata_pkey_load_private(strata_buf_ptr(&b), strata_buf_len(&b), STRATA_PKI_PEM, &pw,
                                       &k2, NULL));
    assert_int_equal(log.calls, 0);
    strata_pkey_free(k2);
    strata_buf_free(&b);
    strata_pkey_free(k);
}

static void test_traditional_encrypted_pem(void **state)
{
    (void)state;
    /* The traditional "Proc-Type: 4,ENCRYPTED" form, written with OpenSSL's
     * own PEM writer. */
    strata_pkey *k = pf_key("rsa:2048");
    BIO *bio = BIO_new(BIO_s_mem());
    assert_true(PEM_write_bio_PrivateKey_traditional(bio, strata_pkey_openssl(k), EVP_aes_256_cbc(),
                                                     (unsigned char *)"tradpass", 8, NULL,
                                                     NULL) > 0);
    char *p;
    long n = BIO_get_mem_data(bio, &p);
    assert_non_null(memmem(p, (size_t)n, "Proc-Type: 4,ENCRYPTED", 22));
    strata_passphrase pw = {"tradpass", 8, NULL, NULL};
    strata_pkey *k2 = NULL;
    assert_ok(strata_pkey_load_private(p, (size_t)n, STRATA_PKI_AUTO, &pw, &k2, NULL));
    assert_true(strata_pkey_equal(k, k2));
    strata_pkey_free(k2);
    strata_passphrase wrong = {"nope", 4, NULL, NULL};
    assert_status(strata_pkey_load_private(p, (size_t)n, STRATA_PKI_AUTO, &wrong, &k2, NULL),
                  STRATA_E_PASSPHRASE);
    BIO_free(bio);
    strata_pkey_free(k);
}

static void test_bad_key_input(void **state)
{
    (void)state;
    strata_pkey *k = NULL;
    strata_error err;
    strata_error_clear(&err);
    const char junk[] = "-----BEGIN PRIVATE KEY-----\n@@@@\n-----END PRIVATE KEY-----\n";
    assert_status(strata_pkey_load_private(junk, sizeof(junk) - 1, STRATA_PKI_PEM, NULL, &k, &err),
                  STRATA_E_BAD_PEM);
    assert_non_null(strstr(strata_error_message(&err), "no readable PEM private key block"));
    strata_pkey *real = pf_key("ec:p256");
    strata_buf b;
    strata_buf_init(&b, 0);
    assert_ok(strata_pkey_dump_private(real, STRATA_PKI_DER, NULL, NULL, &b, NULL));
    strata_error_clear(&err);
    assert_status(strata_pkey_load_private(strata_buf_ptr(&b), strata_buf_len(&b) / 2,
                                           STRATA_PKI_DER, NULL, &k, &err),
                  STRATA_E_BAD_DER);
    /* A public key is not a private key. */
    assert_ok(strata_pkey_dump_public(real, STRATA_PKI_PEM, &b, NULL));
    strata_error_clear(&err);
    assert_status(strata_pkey_load_private(strata_buf_ptr(&b), strata_buf_len(&b), STRATA_PKI_PEM,
                                           NULL, &k, &err),
                  STRATA_E_NO_PRIVATE_KEY);
    assert_null(k);
    strata_pkey *pub = NULL;
    assert_ok(strata_pkey_public_only(real, &pub, NULL));
    assert_status(strata_pkey_dump_private(pub, STRATA_PKI_PEM, NULL, NULL, &b, NULL),
                  STRATA_E_NO_PRIVATE_KEY);
    strata_error_clear(&err);
    assert_status(strata_pkey_load_public("garbage", 7, STRATA_PKI_AUTO, &k, &err),
                  STRATA_E_BAD_PEM);
    assert_status(strata_pkey_load_private_file("/nonexistent", STRATA_PKI_AUTO, NULL, &k, NULL),
                  STRATA_E_IO);
    strata_pkey_free(pub);
    strata_buf_free(&b);
    strata_pkey_free(real);
}

static void test_key_and_cert_in_one_file(void **state)
{
    (void)state;
    /* Files that hold a certificate and its key, in either order. */
    strata_pkey *k = pf_key("ec:p256");
    strata_x509 *x = pf_cert("/CN=combo", k, NULL, NULL, 0, 0, 60);
    strata_passphrase pw = {"pw", 2, NULL, NULL};
    strata_buf c, kb, both;
    strata_buf_init(&c, 0);
    strata_buf_init(&kb, 0);
    strata_buf_init(&both, 0);
    assert_ok(strata_x509_dump(x, STRATA_PKI_PEM, &c, NULL));
    assert_ok(strata_pkey_dump_private(k, STRATA_PKI_PEM, NULL, &pw, &kb, NULL));
    for (int order = 0; order < 2; order++) {
        strata_buf_reset(&both);
        const strata_buf *first = order ? &kb : &c, *second = order ? &c : &kb;
        assert_ok(strata_buf_put(&both, strata_buf_ptr(first), strata_buf_len(first)));
        assert_ok(strata_buf_put(&both, strata_buf_ptr(second), strata_buf_len(second)));
        strata_pkey *k2 = NULL;
        assert_ok(strata_pkey_load_private(strata_buf_ptr(&both), strata_buf_len(&both),
                                           STRATA_PKI_AUTO, &pw, &k2, NULL));
        assert_true(strata_pkey_equal(k, k2));
        strata_x509 *x2 = NULL;
        assert_ok(strata_x509_load(strata_buf_ptr(&both), strata_buf_len(&both), STRATA_PKI_AUTO,
                                   &x2, NULL));
        assert_ok(strata_x509_check_private_key(x2, k2, NULL));
        strata_x509_free(x2);
        strata_pkey_free(k2);
    }
    strata_buf_free(&c);
    strata_buf_free(&kb);
    strata_buf_free(&both);
    strata_x509_free(x);
    strata_pkey_free(k);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plain_roundtrip_all_formats),
        cmocka_unit_test(test_encrypted_with_string),
        cmocka_unit_test(test_encrypted_with_callback),
        cmocka_unit_test(test_traditional_encrypted_pem),
        cmocka_unit_test(test_bad_key_input),
        cmocka_unit_test(test_key_and_cert_in_one_file),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
