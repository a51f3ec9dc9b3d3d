/* The one passphrase path (strata/passphrase.h): a strata_passphrase — fixed
 * or a callback — is what pki keys and SSH key files both take; the callback
 * is asked only for an encrypted key, once; passphrase files are read through
 * the bounded reader. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <openssl/evp.h>

#include "testutil.h"

struct answer {
    const char *text; /* NULL: give up */
    int calls;
    int last_verify;
};

static int answer_cb(char *buf, size_t cap, int verify, void *user)
{
    struct answer *a = user;
    a->calls++;
    a->last_verify = verify;
    if (!a->text)
        return -1;
    size_t n = strlen(a->text);
    if (n > cap)
        return -1;
    memcpy(buf, a->text, n);
    return (int)n;
}

static void test_get(void **state)
{
    (void)state;
    char buf[16];
    strata_passphrase fixed = {.pass = "secret", .len = 6};
    assert_int_equal(strata_passphrase_get(&fixed, 0, buf, sizeof(buf)), 6);
    assert_memory_equal(buf, "secret", 6);
    assert_int_equal(strata_passphrase_get(&fixed, 0, buf, 5), -1); /* does not fit */
    struct answer a = {"from the prompt", 0, 0};
    strata_passphrase cb = {.fn = answer_cb, .user = &a};
    assert_int_equal(strata_passphrase_get(&cb, 1, buf, sizeof(buf)), 15);
    assert_int_equal(a.last_verify, 1);
    a.text = NULL;
    assert_int_equal(strata_passphrase_get(&cb, 0, buf, sizeof(buf)), -1);
    assert_int_equal(strata_passphrase_get(NULL, 0, buf, sizeof(buf)), -1);
    strata_passphrase none = {0};
    assert_int_equal(strata_passphrase_get(&none, 0, buf, sizeof(buf)), -1);
}

/* An OpenSSH key file written with passphrase pass (NULL: unencrypted). */
static void make_key_file(const char *pass, strata_buf *file)
{
    strata_error err;
    strata_error_clear(&err);
    EVP_PKEY *pk = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
    assert_non_null(pk);
    strata_ssh_privkey *k = NULL;
    assert_ok(strata_ssh_privkey_from_pkey(pk, "pw test", &k, &err));
    strata_buf_init(file, 0);
    strata_buf_set_secret(file);
    assert_ok(strata_ssh_privkey_write(k, pass, 2, file, &err));
    strata_ssh_privkey_free(k);
    EVP_PKEY_free(pk);
}

static void test_ssh_key_asks_only_when_encrypted(void **state)
{
    (void)state;
    strata_error err;
    strata_ssh_privkey *k = NULL;
    strata_buf plain, enc;
    make_key_file(NULL, &plain);
    make_key_file("right", &enc);
    struct answer a = {"right", 0, -1};
    strata_passphrase cb = {.fn = answer_cb, .user = &a};

    /* Unencrypted: the callback is never called. */
    assert_ok(
        strata_ssh_privkey_parse_pw(strata_buf_ptr(&plain), strata_buf_len(&plain), &cb, &k, &err));
    assert_int_equal(a.calls, 0);
    strata_ssh_privkey_free(k);

    /* Encrypted: asked once, to decrypt (verify 0). */
    assert_ok(
        strata_ssh_privkey_parse_pw(strata_buf_ptr(&enc), strata_buf_len(&enc), &cb, &k, &err));
    assert_int_equal(a.calls, 1);
    assert_int_equal(a.last_verify, 0);
    assert_string_equal(strata_ssh_privkey_comment(k), "pw test");
    strata_ssh_privkey_free(k);

    /* A wrong answer is E_PASSPHRASE after one call; giving up leaves the
     * key encrypted; no source at all likewise. */
    a.text = "wrong";
    a.calls = 0;
    assert_status(
        strata_ssh_privkey_parse_pw(strata_buf_ptr(&enc), strata_buf_len(&enc), &cb, &k, &err),
        STRATA_E_PASSPHRASE);
    assert_int_equal(a.calls, 1);
    a.text = NULL;
    assert_status(
        strata_ssh_privkey_parse_pw(strata_buf_ptr(&enc), strata_buf_len(&enc), &cb, &k, &err),
        STRATA_E_SSH_KEY_ENCRYPTED);
    assert_status(
        strata_ssh_privkey_parse_pw(strata_buf_ptr(&enc), strata_buf_len(&enc), NULL, &k, &err),
        STRATA_E_SSH_KEY_ENCRYPTED);
    assert_null(k);

    /* A fixed source, and the const char * form, are the same path. */
    strata_passphrase fixed = {.pass = "right", .len = 5};
    assert_ok(
        strata_ssh_privkey_parse_pw(strata_buf_ptr(&enc), strata_buf_len(&enc), &fixed, &k, &err));
    strata_ssh_privkey_free(k);
    assert_ok(
        strata_ssh_privkey_parse(strata_buf_ptr(&enc), strata_buf_len(&enc), "right", &k, &err));
    strata_ssh_privkey_free(k);

    /* From a file. */
    char path[] = "/tmp/strata-pw-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, strata_buf_ptr(&enc), strata_buf_len(&enc)),
                     (ssize_t)strata_buf_len(&enc));
    close(fd);
    a.text = "right";
    a.calls = 0;
    assert_ok(strata_ssh_privkey_load_file_pw(path, &cb, &k, &err));
    assert_int_equal(a.calls, 1);
    strata_ssh_privkey_free(k);
    unlink(path);
    strata_buf_free(&plain);
    strata_buf_free(&enc);
}

/* The same callback type serves pki: asked with verify 1 to encrypt, 0 to
 * decrypt. */
static void test_pki_uses_the_same_source(void **state)
{
    (void)state;
    strata_error err;
    strata_error_clear(&err);
    strata_pkey *k = NULL, *back = NULL;
    assert_ok(strata_pkey_generate(STRATA_PKEY_ED25519, 0, NULL, &k, &err));
    struct answer a = {"pki pass", 0, -1};
    strata_passphrase cb = {.fn = answer_cb, .user = &a};
    strata_buf pem;
    strata_buf_init(&pem, 0);
    assert_ok(strata_pkey_dump_private(k, STRATA_PKI_PEM, NULL, &cb, &pem, &err));
    assert_int_equal(a.last_verify, 1);
    a.calls = 0;
    assert_ok(strata_pkey_load_private(strata_buf_ptr(&pem), strata_buf_len(&pem), STRATA_PKI_PEM,
                                       &cb, &back, &err));
    assert_int_equal(a.calls, 1);
    assert_int_equal(a.last_verify, 0);
    strata_pkey_free(back);
    strata_pkey_free(k);
    strata_buf_free(&pem);
}

static void test_read_file(void **state)
{
    (void)state;
    char path[] = "/tmp/strata-pwf-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    static const char text[] = "first line\r\nsecond\n";
    assert_int_equal(write(fd, text, sizeof(text) - 1), (ssize_t)(sizeof(text) - 1));
    close(fd);
    char buf[32];
    size_t n;
    strata_error err;
    strata_error_clear(&err);
    assert_ok(strata_passphrase_read_file(path, buf, sizeof(buf), &n, &err));
    assert_string_equal(buf, "first line");
    assert_int_equal(n, 10);
    /* The line must fit with its NUL. */
    assert_status(strata_passphrase_read_file(path, buf, 10, &n, &err), STRATA_E_LIMIT);
    unlink(path);
    strata_error_clear(&err);
    assert_status(strata_passphrase_read_file(path, buf, sizeof(buf), &n, &err), STRATA_E_IO);
    assert_int_equal(strata_error_errno(&err), ENOENT);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_get),
        cmocka_unit_test(test_ssh_key_asks_only_when_encrypted),
        cmocka_unit_test(test_pki_uses_the_same_source),
        cmocka_unit_test(test_read_file),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
