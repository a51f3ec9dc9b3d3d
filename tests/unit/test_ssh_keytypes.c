/* The SSH key type table (src/ssh/sshkey_internal.h), walked row by row: every
 * key type round-trips its public blob, its private parts (openssh-key-v1 file,
 * plain and encrypted, and the row's own reader/writer) and every signature
 * algorithm it names. A new row is exercised here without a new test. */
#include <string.h>
#include <openssl/dsa.h>
#include <openssl/evp.h>

#include "testutil.h"
#include "ssh/hostkey.h"
#include "ssh/keyfile.h"
#include "ssh/sshkey_internal.h"

/* A fresh key pair for a row, from its OpenSSL type and group alone. */
static EVP_PKEY *gen_for(const struct ssh_keytype *t)
{
    EVP_PKEY *key = NULL, *params = NULL;
    EVP_PKEY_CTX *ctx = NULL;
    if (t->group)
        return EVP_PKEY_Q_keygen(NULL, NULL, "EC", t->group);
    if (strcmp(t->evp_name, "DSA") == 0) {
        /* ssh-dss is FIPS 186-2 DSA: domain parameters first, 1024/160. */
        EVP_PKEY_CTX *pctx = EVP_PKEY_CTX_new_from_name(NULL, "DSA", NULL);
        assert_non_null(pctx);
        assert_int_equal(EVP_PKEY_paramgen_init(pctx), 1);
        assert_int_equal(EVP_PKEY_CTX_set_dsa_paramgen_bits(pctx, 1024), 1);
        assert_int_equal(EVP_PKEY_CTX_set_dsa_paramgen_q_bits(pctx, 160), 1);
        assert_int_equal(EVP_PKEY_paramgen(pctx, &params), 1);
        EVP_PKEY_CTX_free(pctx);
        ctx = EVP_PKEY_CTX_new_from_pkey(NULL, params, NULL);
    } else {
        /* ED25519 needs nothing, RSA's default is 2048 bits. */
        ctx = EVP_PKEY_CTX_new_from_name(NULL, t->evp_name, NULL);
    }
    assert_non_null(ctx);
    assert_int_equal(EVP_PKEY_keygen_init(ctx), 1);
    assert_int_equal(EVP_PKEY_keygen(ctx, &key), 1);
    EVP_PKEY_CTX_free(ctx);
    EVP_PKEY_free(params);
    return key;
}

static void assert_same_bytes(const strata_buf *a, const uint8_t *p, size_t n)
{
    assert_int_equal(strata_buf_len(a), n);
    assert_memory_equal(strata_buf_ptr(a), p, n);
}

/* generate -> public blob -> parse -> the same key and the same blob. */
static void check_public(const struct ssh_keytype *t, EVP_PKEY *pk, struct ssh_key **parsed)
{
    strata_error err;
    strata_error_clear(&err);
    strata_buf blob, again;
    strata_buf_init(&blob, 0);
    strata_buf_init(&again, 0);
    assert_ptr_equal(strata__ssh_keytype_of_pkey(pk), t);
    assert_ok(strata__ssh_keytype_put_blob(t, pk, &blob, &err));
    const char *plain;
    assert_string_equal(strata__ssh_blob_type(strata_buf_ptr(&blob), strata_buf_len(&blob), &plain),
                        t->name);
    assert_ok(
        strata__ssh_key_from_blob(strata_buf_ptr(&blob), strata_buf_len(&blob), parsed, &err));
    assert_string_equal(strata__ssh_key_type(*parsed), t->name);
    assert_int_equal(strata__ssh_key_is_cert(*parsed), 0);
    assert_int_equal(EVP_PKEY_eq(strata__ssh_key_pkey(*parsed), pk), 1);
    /* The parsed public key writes the same blob again. */
    assert_ok(strata__ssh_keytype_put_blob(t, strata__ssh_key_pkey(*parsed), &again, &err));
    assert_same_bytes(&again, strata_buf_ptr(&blob), strata_buf_len(&blob));
    /* strata__ssh_pubkey_blob (user auth, certificates) is the same writer. */
    strata_buf_reset(&again);
    assert_ok(strata__ssh_pubkey_blob(pk, t->name, &again, &err));
    assert_same_bytes(&again, strata_buf_ptr(&blob), strata_buf_len(&blob));
    strata_buf_free(&again);
    strata_buf_free(&blob);
}

/* The row's private reader and writer, and the openssh-key-v1 file. */
static void check_private(const struct ssh_keytype *t, EVP_PKEY *pk)
{
    strata_error err;
    strata_error_clear(&err);
    strata_buf sec;
    strata_buf_init(&sec, 0);
    strata_buf_set_secret(&sec);
    assert_ok(t->put_priv(t, pk, &sec, &err));
    EVP_PKEY *back = NULL;
    assert_ok(t->read_priv(t, &sec, &back, &err));
    assert_int_equal(strata_buf_len(&sec), 0); /* consumed exactly */
    assert_int_equal(EVP_PKEY_eq(back, pk), 1);
    EVP_PKEY_free(back);
    strata_buf_free(&sec);

    strata_ssh_privkey *k = NULL, *k2 = NULL;
    assert_ok(strata_ssh_privkey_from_pkey(pk, "row test", &k, &err));
    assert_string_equal(strata_ssh_privkey_type(k), t->name);
    static const char *const passes[] = {NULL, "row pass"};
    for (size_t i = 0; i < 2; i++) {
        strata_buf file;
        strata_buf_init(&file, 0);
        strata_buf_set_secret(&file);
        assert_ok(strata_ssh_privkey_write(k, passes[i], 2, &file, &err));
        assert_ok(strata_ssh_privkey_parse(strata_buf_ptr(&file), strata_buf_len(&file), passes[i],
                                           &k2, &err));
        assert_string_equal(strata_ssh_privkey_type(k2), t->name);
        assert_string_equal(strata_ssh_privkey_comment(k2), "row test");
        assert_int_equal(EVP_PKEY_eq(strata_ssh_privkey_pkey(k2), pk), 1);
        size_t n1, n2;
        const uint8_t *b1 = strata_ssh_privkey_blob(k, &n1), *b2 = strata_ssh_privkey_blob(k2, &n2);
        assert_int_equal(n1, n2);
        assert_memory_equal(b1, b2, n1);
        strata_ssh_privkey_free(k2);
        k2 = NULL;
        strata_buf_free(&file);
    }
    strata_ssh_privkey_free(k);
}

/* Every signature algorithm of the row: sign with the private key, verify with
 * the parsed public key; a changed message does not verify. Listed in the
 * supported host key algorithms, and in the defaults unless legacy. */
static void check_sigalgs(const struct ssh_keytype *t, EVP_PKEY *pk, const struct ssh_key *pub)
{
    static const uint8_t msg[] = "the table round trip";
    uint8_t bad[sizeof(msg)];
    memcpy(bad, msg, sizeof(msg));
    bad[0] ^= 1;
    const char *def = strata__ssh_hostkey_algs_default();
    const char *sup = strata__ssh_hostkey_algs_supported();
    assert_non_null(t->sigalgs[0].name);
    for (size_t j = 0; j < SSH_KEYTYPE_SIGALGS_MAX && t->sigalgs[j].name; j++) {
        const struct ssh_sigalg *a = &t->sigalgs[j];
        strata_error err;
        strata_error_clear(&err);
        strata_buf sig;
        strata_buf_init(&sig, 0);
        assert_ok(strata__ssh_sign(pk, a->name, msg, sizeof(msg), &sig, &err));
        assert_ok(strata__ssh_key_verify(pub, a->name, strata_buf_ptr(&sig), strata_buf_len(&sig),
                                         msg, sizeof(msg), &err));
        assert_status(strata__ssh_key_verify(pub, a->name, strata_buf_ptr(&sig),
                                             strata_buf_len(&sig), bad, sizeof(bad), &err),
                      STRATA_E_VERIFY);
        strata_buf_free(&sig);
        /* Names resolve back to this row. */
        int is_cert = -1;
        assert_string_equal(strata__ssh_hostkey_alg_keytype(a->cert_name, &is_cert), t->name);
        assert_int_equal(is_cert, 1);
        assert_string_equal(strata__ssh_sigalg_plain(a->cert_name), a->name);
        assert_int_equal(strata__ssh_sigalg_is_legacy(a->name), a->legacy);
        assert_int_equal(strata__ssh_sigalg_is_legacy(a->cert_name), a->legacy);
        assert_non_null(strstr(sup, a->name));
        assert_non_null(strstr(sup, a->cert_name));
        if (a->legacy)
            assert_null(strstr(def, a->cert_name));
        else
            assert_non_null(strstr(def, a->cert_name));
    }
    int is_cert = -1;
    assert_ptr_equal(strata__ssh_keytype_by_name(t->cert_name, strlen(t->cert_name), &is_cert), t);
    assert_int_equal(is_cert, 1);
    assert_ptr_equal(strata__ssh_keytype_by_name(t->name, strlen(t->name), &is_cert), t);
    assert_int_equal(is_cert, 0);
}

static void test_every_row_round_trips(void **state)
{
    (void)state;
    assert_true(strata__ssh_keytypes_count >= 6);
    for (size_t i = 0; i < strata__ssh_keytypes_count; i++) {
        const struct ssh_keytype *t = strata__ssh_keytypes[i];
        print_message("row %s\n", t->name);
        assert_non_null(t->read_pub);
        assert_non_null(t->put_pub);
        assert_non_null(t->read_priv);
        assert_non_null(t->put_priv);
        assert_non_null(t->sign);
        assert_non_null(t->verify);
        EVP_PKEY *pk = gen_for(t);
        assert_non_null(pk);
        struct ssh_key *pub = NULL;
        check_public(t, pk, &pub);
        check_private(t, pk);
        check_sigalgs(t, pk, pub);
        strata__ssh_key_free(pub);
        EVP_PKEY_free(pk);
    }
}

/* The host key lists are made from the table in OpenSSH's order: modern
 * certificates, legacy certificates, modern plain, legacy plain. */
static void test_hostkey_lists_follow_the_table(void **state)
{
    (void)state;
    assert_string_equal(strata__ssh_hostkey_algs_default(),
                        "ssh-ed25519-cert-v01@openssh.com,ecdsa-sha2-nistp256-cert-v01@openssh.com,"
                        "ecdsa-sha2-nistp384-cert-v01@openssh.com,"
                        "ecdsa-sha2-nistp521-cert-v01@openssh.com,"
                        "rsa-sha2-512-cert-v01@openssh.com,rsa-sha2-256-cert-v01@openssh.com,"
                        "ssh-ed25519,ecdsa-sha2-nistp256,ecdsa-sha2-nistp384,ecdsa-sha2-nistp521,"
                        "rsa-sha2-512,rsa-sha2-256");
    assert_string_equal(strata__ssh_hostkey_algs_supported(),
                        "ssh-ed25519-cert-v01@openssh.com,ecdsa-sha2-nistp256-cert-v01@openssh.com,"
                        "ecdsa-sha2-nistp384-cert-v01@openssh.com,"
                        "ecdsa-sha2-nistp521-cert-v01@openssh.com,"
                        "rsa-sha2-512-cert-v01@openssh.com,rsa-sha2-256-cert-v01@openssh.com,"
                        "ssh-rsa-cert-v01@openssh.com,ssh-dss-cert-v01@openssh.com,"
                        "ssh-ed25519,ecdsa-sha2-nistp256,ecdsa-sha2-nistp384,ecdsa-sha2-nistp521,"
                        "rsa-sha2-512,rsa-sha2-256,ssh-rsa,ssh-dss");
}

/* A secret mpint read is marked constant-time; a public one is not. Both
 * refuse zero and oversized values. */
static void test_one_bignum_reader(void **state)
{
    (void)state;
    strata_error err;
    strata_error_clear(&err);
    strata_buf b;
    strata_buf_init(&b, 0);
    static const uint8_t v[] = {0x01, 0x02, 0x03};
    assert_ok(strata_buf_put_mpint(&b, v, sizeof(v), 0));
    assert_ok(strata_buf_put_mpint(&b, v, sizeof(v), 0));
    assert_ok(strata_buf_put_mpint(&b, v, 0, 0));
    assert_ok(strata_buf_put_mpint(&b, v, sizeof(v), 0));
    BIGNUM *bn = NULL;
    assert_ok(strata__ssh_get_bn(&b, 8, "pub", 0, &bn, &err));
    assert_int_equal(BN_get_flags(bn, BN_FLG_CONSTTIME), 0);
    BN_free(bn);
    assert_ok(strata__ssh_get_bn(&b, 8, "secret", 1, &bn, &err));
    assert_int_not_equal(BN_get_flags(bn, BN_FLG_CONSTTIME), 0);
    BN_clear_free(bn);
    assert_status(strata__ssh_get_bn(&b, 8, "zero", 1, &bn, &err), STRATA_E_FORMAT);
    assert_null(bn);
    strata_error_clear(&err);
    assert_status(strata__ssh_get_bn(&b, 2, "long", 0, &bn, &err), STRATA_E_LIMIT);
    assert_non_null(strstr(strata_error_message(&err), "long"));
    strata_buf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_row_round_trips),
        cmocka_unit_test(test_hostkey_lists_follow_the_table),
        cmocka_unit_test(test_one_bignum_reader),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
