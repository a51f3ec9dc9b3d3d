/* ssh/hostkey signatures against OpenSSH's own signer and verifier.
 *
 * `ssh-keygen -Y sign/verify` (PROTOCOL.sshsig) wraps an ordinary SSH
 * signature blob over a small structure. strata verifies what ssh-keygen
 * signed, and ssh-keygen verifies what strata signed, for every modern key
 * type: the encodings (Ed25519, ECDSA mpint r/s, RSA PKCS#1 with SHA-2) agree
 * with OpenSSH's, not only with themselves. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/evp.h>

#include "testutil.h"
#include "ssh/hostkey.h"

static const char msg_text[] = "strata signs the exchange hash\n";
static const char ns[] = "strata-test";

static char dir[] = "/tmp/strata-sshsig-XXXXXX";

static int setup(void **state)
{
    (void)state;
    if (!mkdtemp(dir))
        return -1;
    char path[256];
    snprintf(path, sizeof(path), "%s/msg", dir);
    FILE *f = fopen(path, "w");
    if (!f)
        return -1;
    fputs(msg_text, f);
    fclose(f);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[300];
    snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
    return system(cmd) == 0 ? 0 : -1;
}

static int sh(const char *cmd)
{
    return system(cmd);
}

/* The data an SSHSIG signature covers: "SSHSIG", namespace, reserved,
 * hash algorithm, SHA-512 of the message. */
static void signed_data(strata_buf *out)
{
    uint8_t h[64];
    assert_int_equal(EVP_Digest(msg_text, strlen(msg_text), h, NULL, EVP_sha512(), NULL), 1);
    assert_ok(strata_buf_put(out, "SSHSIG", 6));
    assert_ok(strata_buf_put_cstring(out, ns));
    assert_ok(strata_buf_put_string(out, "", 0));
    assert_ok(strata_buf_put_cstring(out, "sha512"));
    assert_ok(strata_buf_put_string(out, h, sizeof(h)));
}

static void read_armored(const char *path, uint8_t **blob, size_t *n)
{
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    char line[256], b64[8192] = "";
    while (fgets(line, sizeof(line), f)) {
        if (strncmp(line, "-----", 5) == 0)
            continue;
        line[strcspn(line, "\r\n")] = 0;
        strcat(b64, line);
    }
    fclose(f);
    assert_ok(strata__ssh_b64_decode(b64, strlen(b64), blob, n));
}

/* ssh-keygen signs, strata verifies. */
static void test_openssh_signs_strata_verifies(void **state)
{
    (void)state;
    static const char *const types[] = {"-t ed25519", "-t ecdsa -b 256", "-t ecdsa -b 384",
                                        "-t ecdsa -b 521", "-t rsa -b 2048"};
    static const char *const want_alg[] = {"ssh-ed25519", "ecdsa-sha2-nistp256",
                                           "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521",
                                           "rsa-sha2-512"};
    for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
        char cmd[1024];
        snprintf(cmd, sizeof(cmd),
                 "rm -f %s/k %s/k.pub %s/msg.sig; ssh-keygen -q %s -N '' -C '' -f %s/k && "
                 "ssh-keygen -q -Y sign -f %s/k -n strata-test %s/msg 2>/dev/null",
                 dir, dir, dir, types[i], dir, dir, dir);
        assert_int_equal(sh(cmd), 0);
        char path[256];
        snprintf(path, sizeof(path), "%s/msg.sig", dir);
        uint8_t *raw;
        size_t n;
        read_armored(path, &raw, &n);
        strata_buf b;
        strata_buf_view(&b, raw, n);
        uint8_t magic[6];
        uint32_t version;
        const uint8_t *pub, *sig, *nsp, *res, *halg;
        size_t pub_len, sig_len, ns_len, res_len, halg_len;
        assert_ok(strata_buf_get_bytes(&b, magic, 6));
        assert_memory_equal(magic, "SSHSIG", 6);
        assert_ok(strata_buf_get_u32(&b, &version));
        assert_int_equal(version, 1);
        assert_ok(strata_buf_get_string(&b, &pub, &pub_len));
        assert_ok(strata_buf_get_string(&b, &nsp, &ns_len));
        assert_ok(strata_buf_get_string(&b, &res, &res_len));
        assert_ok(strata_buf_get_string(&b, &halg, &halg_len));
        assert_ok(strata_buf_get_string(&b, &sig, &sig_len));
        assert_ok(strata_buf_get_end(&b));
        assert_int_equal(halg_len, 6);
        assert_memory_equal(halg, "sha512", 6);

        struct ssh_key *k = NULL;
        strata_error err;
        strata_error_clear(&err);
        assert_ok(strata__ssh_key_from_blob(pub, pub_len, &k, &err));
        strata_buf data;
        strata_buf_init(&data, 0);
        signed_data(&data);
        strata_status st = strata__ssh_key_verify(
            k, want_alg[i], sig, sig_len, strata_buf_ptr(&data), strata_buf_len(&data), &err);
        if (st != STRATA_OK)
            fail_msg("%s: %s", want_alg[i], strata_error_message(&err));
        /* One byte of the covered data changed: refused. */
        uint8_t *d = malloc(strata_buf_len(&data));
        memcpy(d, strata_buf_ptr(&data), strata_buf_len(&data));
        d[strata_buf_len(&data) - 1] ^= 1;
        assert_status(
            strata__ssh_key_verify(k, want_alg[i], sig, sig_len, d, strata_buf_len(&data), &err),
            STRATA_E_VERIFY);
        free(d);
        strata_buf_free(&data);
        strata__ssh_key_free(k);
        free(raw);
    }
}

/* strata signs, ssh-keygen -Y verify accepts (and refuses a changed message). */
static void test_strata_signs_openssh_verifies(void **state)
{
    (void)state;
    struct {
        const char *alg, *key_type;
        EVP_PKEY *key;
    } cases[] = {
        {"ssh-ed25519", "ssh-ed25519", EVP_PKEY_Q_keygen(NULL, NULL, "ED25519")},
        {"ecdsa-sha2-nistp256", "ecdsa-sha2-nistp256",
         EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256")},
        {"ecdsa-sha2-nistp384", "ecdsa-sha2-nistp384",
         EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-384")},
        {"ecdsa-sha2-nistp521", "ecdsa-sha2-nistp521",
         EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-521")},
        {"rsa-sha2-512", "ssh-rsa", EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048)},
        {"rsa-sha2-256", "ssh-rsa", EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)3072)},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        assert_non_null(cases[i].key);
        strata_error err;
        strata_error_clear(&err);
        strata_buf pub, data, sig, whole;
        strata_buf_init(&pub, 0);
        strata_buf_init(&data, 0);
        strata_buf_init(&sig, 0);
        strata_buf_init(&whole, 0);
        assert_ok(strata__ssh_pubkey_blob(cases[i].key, cases[i].key_type, &pub, &err));
        signed_data(&data);
        assert_ok(strata__ssh_sign(cases[i].key, cases[i].alg, strata_buf_ptr(&data),
                                   strata_buf_len(&data), &sig, &err));
        assert_ok(strata_buf_put(&whole, "SSHSIG", 6));
        assert_ok(strata_buf_put_u32(&whole, 1));
        assert_ok(strata_buf_put_stringb(&whole, &pub));
        assert_ok(strata_buf_put_cstring(&whole, ns));
        assert_ok(strata_buf_put_string(&whole, "", 0));
        assert_ok(strata_buf_put_cstring(&whole, "sha512"));
        assert_ok(strata_buf_put_stringb(&whole, &sig));

        char path[256];
        snprintf(path, sizeof(path), "%s/strata.sig", dir);
        FILE *f = fopen(path, "w");
        assert_non_null(f);
        size_t b64cap = 4 * ((strata_buf_len(&whole) + 2) / 3) + 1;
        char *b64 = malloc(b64cap);
        EVP_EncodeBlock((unsigned char *)b64, strata_buf_ptr(&whole), (int)strata_buf_len(&whole));
        fputs("-----BEGIN SSH SIGNATURE-----\n", f);
        for (size_t off = 0, len = strlen(b64); off < len; off += 70)
            fprintf(f, "%.70s\n", b64 + off);
        fputs("-----END SSH SIGNATURE-----\n", f);
        fclose(f);
        free(b64);

        struct ssh_key *k = NULL;
        assert_ok(strata__ssh_key_from_blob(strata_buf_ptr(&pub), strata_buf_len(&pub), &k, &err));
        char *line;
        assert_ok(strata__ssh_key_to_line(k, &line));
        snprintf(path, sizeof(path), "%s/allowed", dir);
        f = fopen(path, "w");
        fprintf(f, "test@strata %s\n", line);
        fclose(f);
        free(line);
        strata__ssh_key_free(k);

        char cmd[1024];
        snprintf(cmd, sizeof(cmd),
                 "ssh-keygen -Y verify -f %s/allowed -I test@strata -n strata-test "
                 "-s %s/strata.sig < %s/msg >/dev/null 2>&1",
                 dir, dir, dir);
        int rc = sh(cmd);
        if (rc != 0)
            fail_msg("ssh-keygen -Y verify refused strata's %s signature", cases[i].alg);
        /* ssh-keygen must refuse it over another message. */
        snprintf(cmd, sizeof(cmd),
                 "echo other | ssh-keygen -Y verify -f %s/allowed -I test@strata "
                 "-n strata-test -s %s/strata.sig >/dev/null 2>&1",
                 dir, dir);
        rc = sh(cmd);
        assert_int_not_equal(rc, 0);
        strata_buf_free(&pub);
        strata_buf_free(&data);
        strata_buf_free(&sig);
        strata_buf_free(&whole);
        EVP_PKEY_free(cases[i].key);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_openssh_signs_strata_verifies),
        cmocka_unit_test(test_strata_signs_openssh_verifies),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
