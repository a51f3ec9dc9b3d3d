/* ssh/keyfile: OpenSSH, PEM and PKCS#8 private keys, public key files.
 *
 * Interop: keys are made at test time by Debian's ssh-keygen in a mktemp
 * directory (removed at the end); each parsed key's public blob is compared
 * with what `ssh-keygen -y` prints for the same file, and keys strata writes
 * are read back by `ssh-keygen -y`. Every malformed input the parser refuses
 * is built here from a valid key and checked for its exact status and text. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <openssl/evp.h>

#include "testutil.h"
#include "strata/ssh_keys.h"
#include "ssh/keyfile.h"

static char tmpdir[256];

static int setup(void **state)
{
    (void)state;
    snprintf(tmpdir, sizeof(tmpdir), "/tmp/strata-keyfile-XXXXXX");
    return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[512];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
    return system(cmd) == 0 ? 0 : -1;
}

static void run(const char *fmt, ...) STRATA_PRINTF(1, 2);
static void run(const char *fmt, ...)
{
    char cmd[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof(cmd), fmt, ap);
    va_end(ap);
    if (system(cmd) != 0)
        fail_msg("command failed: %s", cmd);
}

static uint8_t *slurp(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        fail_msg("cannot open %s", path);
    uint8_t *p = malloc(1 << 20);
    assert_non_null(p);
    *n = fread(p, 1, 1 << 20, f);
    fclose(f);
    return p;
}

/* Parses path with passphrase and checks its blob against `ssh-keygen -y`. */
static void check_against_keygen(const char *path, const char *pass, const char *want_type,
                                 const char *want_comment)
{
    size_t n, pn, bn, pbn;
    char pubpath[512];
    strata_error err;
    strata_ssh_privkey *k = NULL;
    strata_ssh_pubkey *pub = NULL;
    uint8_t *data = slurp(path, &n);
    strata_status r = strata_ssh_privkey_parse(data, n, pass, &k, &err);
    if (r != STRATA_OK)
        fail_msg("%s: %s: %s", path, strata_status_name(r), strata_error_message(&err));
    assert_string_equal(strata_ssh_privkey_type(k), want_type);
    if (want_comment)
        assert_string_equal(strata_ssh_privkey_comment(k), want_comment);
    snprintf(pubpath, sizeof(pubpath), "%s.y", path);
    run("ssh-keygen -y -f '%s' -P '%s' > '%s'", path, pass ? pass : "", pubpath);
    char *text = (char *)slurp(pubpath, &pn);
    assert_ok(strata_ssh_pubkey_parse(text, pn, &pub, &err));
    const uint8_t *b = strata_ssh_privkey_blob(k, &bn);
    const uint8_t *pb = strata_ssh_pubkey_blob(pub, &pbn);
    assert_int_equal(bn, pbn);
    assert_memory_equal(b, pb, bn);
    assert_string_equal(strata_ssh_pubkey_type(pub), want_type);
    assert_false(strata_ssh_pubkey_is_cert(pub));
    strata_ssh_pubkey_free(pub);
    strata_ssh_privkey_free(k);
    free(text);
    free(data);
}

/* An Ed25519 PKCS#8 file: the blob's key is the last 32 bytes of openssl's
 * SubjectPublicKeyInfo. */
static void check_against_openssl(const char *path, const char *pass)
{
    size_t n, dn, bn;
    char der[512];
    strata_error err;
    strata_ssh_privkey *k = NULL;
    uint8_t *data = slurp(path, &n);
    assert_ok(strata_ssh_privkey_parse(data, n, pass, &k, &err));
    assert_string_equal(strata_ssh_privkey_type(k), "ssh-ed25519");
    snprintf(der, sizeof(der), "%s.der", path);
    run("openssl pkey -in '%s' -passin 'pass:%s' -pubout -outform DER -out '%s'", path,
        pass ? pass : "", der);
    uint8_t *spki = slurp(der, &dn);
    const uint8_t *b = strata_ssh_privkey_blob(k, &bn);
    assert_int_equal(bn, 51);
    assert_int_equal(dn, 44);
    assert_memory_equal(b + bn - 32, spki + dn - 32, 32);
    strata_ssh_privkey_free(k);
    free(spki);
    free(data);
}

static const struct {
    const char *args, *type;
} keygen_types[] = {
    {"-t ed25519", "ssh-ed25519"},
    {"-t ecdsa -b 256", "ecdsa-sha2-nistp256"},
    {"-t ecdsa -b 384", "ecdsa-sha2-nistp384"},
    {"-t ecdsa -b 521", "ecdsa-sha2-nistp521"},
    {"-t rsa -b 2048", "ssh-rsa"},
    {"-t dsa", "ssh-dss"},
};

static void test_keygen_openssh_plain_and_encrypted(void **state)
{
    (void)state;
    char path[512];
    for (size_t i = 0; i < sizeof(keygen_types) / sizeof(keygen_types[0]); i++) {
        snprintf(path, sizeof(path), "%s/plain%zu", tmpdir, i);
        run("ssh-keygen -q %s -N '' -C 'plain comment %zu' -f '%s'", keygen_types[i].args, i, path);
        char want[64];
        snprintf(want, sizeof(want), "plain comment %zu", i);
        check_against_keygen(path, NULL, keygen_types[i].type, want);
        /* ssh-keygen's default: aes256-ctr, bcrypt with 16 rounds. */
        snprintf(path, sizeof(path), "%s/enc%zu", tmpdir, i);
        run("ssh-keygen -q %s -N secret -C me@host -f '%s'", keygen_types[i].args, path);
        check_against_keygen(path, "secret", keygen_types[i].type, "me@host");
    }
}

static void test_keygen_gcm_and_rounds(void **state)
{
    (void)state;
    char path[512];
    snprintf(path, sizeof(path), "%s/gcm", tmpdir);
    run("ssh-keygen -q -t ed25519 -Z aes256-gcm@openssh.com -N 'p w' -f '%s'", path);
    check_against_keygen(path, "p w", "ssh-ed25519", NULL);
    snprintf(path, sizeof(path), "%s/gcm128", tmpdir);
    run("ssh-keygen -q -t ecdsa -Z aes128-gcm@openssh.com -N pw -f '%s'", path);
    check_against_keygen(path, "pw", "ecdsa-sha2-nistp256", NULL);
    snprintf(path, sizeof(path), "%s/chacha", tmpdir);
    run("ssh-keygen -q -t rsa -b 2048 -Z chacha20-poly1305@openssh.com -N pw -f '%s'", path);
    check_against_keygen(path, "pw", "ssh-rsa", NULL);
    snprintf(path, sizeof(path), "%s/cbc", tmpdir);
    run("ssh-keygen -q -t ed25519 -Z aes128-cbc -a 3 -N pw -f '%s'", path);
    check_against_keygen(path, "pw", "ssh-ed25519", NULL);
}

static void test_wrong_and_missing_passphrase(void **state)
{
    (void)state;
    char path[512];
    size_t n;
    strata_error err;
    strata_ssh_privkey *k = (strata_ssh_privkey *)1;
    const char *names[] = {"ctr", "gcm", "chacha"};
    const char *ciphers[] = {"aes256-ctr", "aes256-gcm@openssh.com",
                             "chacha20-poly1305@openssh.com"};
    for (int i = 0; i < 3; i++) {
        snprintf(path, sizeof(path), "%s/wrong-%s", tmpdir, names[i]);
        run("ssh-keygen -q -t ed25519 -Z %s -N right -f '%s'", ciphers[i], path);
        uint8_t *data = slurp(path, &n);
        assert_status(strata_ssh_privkey_parse(data, n, "wrong", &k, &err), STRATA_E_PASSPHRASE);
        assert_null(k);
        assert_string_equal(strata_error_message(&err),
                            "incorrect passphrase supplied to decrypt private key");
        assert_status(strata_ssh_privkey_parse(data, n, NULL, &k, &err),
                      STRATA_E_SSH_KEY_ENCRYPTED);
        char want[128];
        snprintf(want, sizeof(want),
                 "private key is encrypted (%s, bcrypt): a passphrase is needed", ciphers[i]);
        assert_string_equal(strata_error_message(&err), want);
        assert_status(strata_ssh_privkey_parse(data, n, "", &k, &err), STRATA_E_SSH_KEY_ENCRYPTED);
        free(data);
    }
}

static void test_peek_public_half(void **state)
{
    (void)state;
    static const struct {
        const char *args, *pass;
        int encrypted;
        strata_status st;
    } cases[] = {
        {"-t ed25519 -N sesame", "sesame", 1, STRATA_OK},
        {"-t rsa -b 2048 -N ''", NULL, 0, STRATA_OK},
        {"-t ecdsa -m PEM -N ''", NULL, 0, STRATA_OK},
        {"-t ecdsa -m PEM -N sesame", "sesame", 1, STRATA_E_SSH_KEY_ENCRYPTED},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char path[512];
        size_t n, bn, kn;
        uint8_t *blob = NULL;
        int enc = -1;
        strata_error err;
        strata_ssh_privkey *k = NULL;
        snprintf(path, sizeof(path), "%s/peek%zu", tmpdir, i);
        run("ssh-keygen -q %s -f '%s'", cases[i].args, path);
        uint8_t *data = slurp(path, &n);
        assert_status(strata_ssh_privkey_peek(data, n, &blob, &bn, &enc, &err), cases[i].st);
        if (cases[i].st != STRATA_OK)
            assert_string_equal(strata_error_message(&err),
                                "PEM private key is encrypted: a passphrase is needed");
        assert_ok(strata_ssh_privkey_parse(data, n, cases[i].pass, &k, &err));
        if (cases[i].st == STRATA_OK) {
            const uint8_t *kb = strata_ssh_privkey_blob(k, &kn);
            assert_int_equal(bn, kn);
            assert_memory_equal(blob, kb, kn);
            assert_int_equal(enc, cases[i].encrypted);
        } else {
            assert_null(blob);
        }
        free(blob);
        strata_ssh_privkey_free(k);
        free(data);
    }
}

static void test_load_files(void **state)
{
    (void)state;
    char path[512], pubpath[520];
    strata_error err;
    strata_ssh_privkey *k = NULL;
    strata_ssh_pubkey *pub = NULL;
    size_t kn, pn;
    snprintf(path, sizeof(path), "%s/load", tmpdir);
    snprintf(pubpath, sizeof(pubpath), "%s.pub", path);
    run("ssh-keygen -q -t ed25519 -N pw -C loaded -f '%s'", path);
    assert_ok(strata_ssh_privkey_load_file(path, "pw", &k, &err));
    assert_ok(strata_ssh_pubkey_load_file(pubpath, &pub, &err));
    const uint8_t *kb = strata_ssh_privkey_blob(k, &kn), *pb = strata_ssh_pubkey_blob(pub, &pn);
    assert_int_equal(kn, pn);
    assert_memory_equal(kb, pb, kn);
    assert_string_equal(strata_ssh_pubkey_comment(pub), "loaded");
    strata_ssh_privkey_free(k);
    strata_ssh_pubkey_free(pub);
    /* Too open, as OpenSSH refuses it; .pub files may be world-readable. */
    assert_int_equal(chmod(path, 0644), 0);
    assert_status(strata_ssh_privkey_load_file(path, "pw", &k, &err), STRATA_E_USAGE);
    char want[700];
    snprintf(want, sizeof(want),
             "permissions 0644 for %s are too open: a private key file must not be accessible "
             "by others",
             path);
    assert_string_equal(strata_error_message(&err), want);
    assert_null(k);
    snprintf(path, sizeof(path), "%s/missing", tmpdir);
    assert_status(strata_ssh_privkey_load_file(path, NULL, &k, &err), STRATA_E_IO);
    snprintf(want, sizeof(want), "cannot open %s: No such file or directory", path);
    assert_string_equal(strata_error_message(&err), want);
    assert_status(strata_ssh_pubkey_load_file(tmpdir, &pub, &err), STRATA_E_USAGE);
    assert_null(pub);
}

static void test_pem_and_pkcs8(void **state)
{
    (void)state;
    char path[512];
    size_t n;
    strata_error err;
    strata_ssh_privkey *k = NULL;
    /* Traditional PEM ("BEGIN RSA PRIVATE KEY", "BEGIN EC PRIVATE KEY"). */
    snprintf(path, sizeof(path), "%s/pem-rsa", tmpdir);
    run("ssh-keygen -q -t rsa -b 2048 -m PEM -N '' -f '%s'", path);
    run("grep -q 'BEGIN RSA PRIVATE KEY' '%s'", path);
    check_against_keygen(path, NULL, "ssh-rsa", "");
    snprintf(path, sizeof(path), "%s/pem-ec", tmpdir);
    run("ssh-keygen -q -t ecdsa -b 384 -m PEM -N '' -f '%s'", path);
    run("grep -q 'BEGIN EC PRIVATE KEY' '%s'", path);
    check_against_keygen(path, NULL, "ecdsa-sha2-nistp384", "");
    /* Encrypted traditional PEM (Proc-Type: 4,ENCRYPTED). */
    snprintf(path, sizeof(path), "%s/pem-ec-enc", tmpdir);
    run("ssh-keygen -q -t ecdsa -m PEM -N pempass -f '%s'", path);
    run("grep -q 'Proc-Type: 4,ENCRYPTED' '%s'", path);
    check_against_keygen(path, "pempass", "ecdsa-sha2-nistp256", "");
    uint8_t *data = slurp(path, &n);
    assert_status(strata_ssh_privkey_parse(data, n, NULL, &k, &err), STRATA_E_SSH_KEY_ENCRYPTED);
    assert_string_equal(strata_error_message(&err),
                        "PEM private key is encrypted: a passphrase is needed");
    assert_status(strata_ssh_privkey_parse(data, n, "nope", &k, &err), STRATA_E_PASSPHRASE);
    assert_string_equal(strata_error_message(&err),
                        "incorrect passphrase supplied to decrypt private key");
    free(data);
    /* PKCS#8 plain ("BEGIN PRIVATE KEY") and encrypted. */
    snprintf(path, sizeof(path), "%s/p8-rsa", tmpdir);
    run("ssh-keygen -q -t rsa -b 2048 -m PKCS8 -N '' -f '%s'", path);
    run("grep -q 'BEGIN PRIVATE KEY' '%s'", path);
    check_against_keygen(path, NULL, "ssh-rsa", "");
    /* ssh-keygen cannot read PKCS#8 Ed25519: compare with openssl's public key. */
    snprintf(path, sizeof(path), "%s/p8-ed", tmpdir);
    run("openssl genpkey -algorithm ed25519 -out '%s' 2>/dev/null", path);
    check_against_openssl(path, NULL);
    snprintf(path, sizeof(path), "%s/p8-enc", tmpdir);
    run("openssl genpkey -algorithm ed25519 -aes-256-cbc -pass pass:p8pass -out '%s' 2>/dev/null",
        path);
    run("grep -q 'BEGIN ENCRYPTED PRIVATE KEY' '%s'", path);
    check_against_openssl(path, "p8pass");
    data = slurp(path, &n);
    assert_status(strata_ssh_privkey_parse(data, n, NULL, &k, &err), STRATA_E_SSH_KEY_ENCRYPTED);
    assert_status(strata_ssh_privkey_parse(data, n, "bad", &k, &err), STRATA_E_PASSPHRASE);
    free(data);
    /* A PEM key of a type SSH has no name for. */
    snprintf(path, sizeof(path), "%s/p8-x448", tmpdir);
    run("openssl genpkey -algorithm x448 -out '%s' 2>/dev/null", path);
    data = slurp(path, &n);
    assert_status(strata_ssh_privkey_parse(data, n, NULL, &k, &err), STRATA_E_UNSUPPORTED);
    assert_string_equal(strata_error_message(&err), "PEM key of type X448 has no SSH key type");
    free(data);
}

static void write_file(const char *path, const uint8_t *p, size_t n)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(p, 1, n, f), n);
    fclose(f);
    assert_int_equal(chmod(path, 0600), 0);
}

static void test_write_read_back_by_keygen(void **state)
{
    (void)state;
    static const char *const algs[] = {"ED25519", "EC", "RSA"};
    char path[512];
    strata_error err;
    for (size_t i = 0; i < 3; i++) {
        EVP_PKEY *pkey = NULL;
        if (i == 1)
            pkey = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-521");
        else if (i == 2)
            pkey = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
        else
            pkey = EVP_PKEY_Q_keygen(NULL, NULL, algs[i]);
        assert_non_null(pkey);
        strata_ssh_privkey *k = NULL;
        assert_ok(strata_ssh_privkey_from_pkey(pkey, "written by strata", &k, &err));
        EVP_PKEY_free(pkey); /* k holds its own reference */
        for (int enc = 0; enc < 2; enc++) {
            strata_buf out;
            strata_buf_init(&out, 0);
            strata_buf_set_secret(&out);
            assert_ok(strata_ssh_privkey_write(k, enc ? "wpass" : NULL, 4, &out, &err));
            snprintf(path, sizeof(path), "%s/written%zu-%d", tmpdir, i, enc);
            write_file(path, strata_buf_ptr(&out), strata_buf_len(&out));
            check_against_keygen(path, enc ? "wpass" : NULL, strata_ssh_privkey_type(k),
                                 "written by strata");
            strata_buf_free(&out);
        }
        strata_ssh_privkey_free(k);
    }
}

static void test_pubkey_and_cert_files(void **state)
{
    (void)state;
    char path[512], ca[512];
    size_t n;
    strata_error err;
    strata_ssh_pubkey *pub = NULL;
    snprintf(path, sizeof(path), "%s/user", tmpdir);
    snprintf(ca, sizeof(ca), "%s/ca", tmpdir);
    run("ssh-keygen -q -t ed25519 -N '' -C 'user key' -f '%s'", path);
    run("ssh-keygen -q -t ed25519 -N '' -f '%s'", ca);
    run("ssh-keygen -q -s '%s' -I id -n alice '%s.pub' 2>/dev/null", ca, path);
    snprintf(path, sizeof(path), "%s/user.pub", tmpdir);
    char *text = (char *)slurp(path, &n);
    assert_ok(strata_ssh_pubkey_parse(text, n, &pub, &err));
    assert_string_equal(strata_ssh_pubkey_type(pub), "ssh-ed25519");
    assert_string_equal(strata_ssh_pubkey_comment(pub), "user key");
    size_t bn;
    assert_int_equal(strata_ssh_pubkey_blob(pub, &bn)[3], 11); /* string "ssh-ed25519" */
    assert_int_equal(bn, 4 + 11 + 4 + 32);
    strata_ssh_pubkey_free(pub);
    free(text);
    snprintf(path, sizeof(path), "%s/user-cert.pub", tmpdir);
    text = (char *)slurp(path, &n);
    assert_ok(strata_ssh_pubkey_parse(text, n, &pub, &err));
    assert_string_equal(strata_ssh_pubkey_type(pub), "ssh-ed25519-cert-v01@openssh.com");
    assert_true(strata_ssh_pubkey_is_cert(pub));
    strata_ssh_pubkey_free(pub);
    free(text);

    static const struct {
        const char *text, *msg;
    } bad[] = {
        {"", "no public key line"},
        {"# only a comment\n\n", "no public key line"},
        {"ssh-ed25519\n", "public key line has no base64 field"},
        {"ssh-ed25519 AAAA$AAA\n", "invalid base64 character 0x24"},
        {"ssh-ed25519 AAAAC3NzaC1lZDI1NTE\n", "base64 length is not a multiple of 4"},
        {"ssh-rsa AAAAC3NzaC1lZDI1NTE5AAAA\n",
         "key type \"ssh-rsa\" differs from the blob's type \"ssh-ed25519\""},
        {"ssh-ed25519 AAAA\n", "key blob too short to hold its type"},
        {"ssh-ed\x01 AAAA\n", "non-printable byte in the key type"},
        {"ssh-ed25519 AAAAAgEC\n", "the blob's key type is not printable"},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_status(strata_ssh_pubkey_parse(bad[i].text, strlen(bad[i].text), &pub, &err),
                      i == 6 ? STRATA_E_TRUNCATED : STRATA_E_FORMAT);
        assert_null(pub);
        assert_string_equal(strata_error_message(&err), bad[i].msg);
    }
    /* Comments and blank lines before the key are skipped; CRLF is fine. */
    static const char ok[] = "# c\r\n\r\n  ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAAA== x y \r\n";
    assert_ok(strata_ssh_pubkey_parse(ok, sizeof(ok) - 1, &pub, &err));
    assert_string_equal(strata_ssh_pubkey_comment(pub), "x y");
    strata_ssh_pubkey_free(pub);
}

/* ---- malformed openssh-key-v1 files, built from parts ----------------------------- */

struct parts {
    const char *cipher, *kdf;
    const uint8_t *kdfopts;
    size_t kdfopts_len;
    uint32_t nkeys;
    strata_buf *pub, *priv;
    const uint8_t *extra; /* appended after the private string */
    size_t extra_len;
    const char *magic;
};

/* A fixed ed25519 key: seed 0x01..0x20. */
static EVP_PKEY *fixed_ed25519(void)
{
    uint8_t seed[32];
    for (int i = 0; i < 32; i++)
        seed[i] = (uint8_t)(i + 1);
    return EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, seed, 32);
}

/* The unencrypted private section of the fixed key, with check words a, b,
 * and padding given by pad (NULL: correct padding to 8). */
static void make_priv(strata_buf *out, uint32_t a, uint32_t b, const uint8_t *pad, size_t padn)
{
    EVP_PKEY *k = fixed_ed25519();
    assert_ok(strata_buf_put_u32(out, a));
    assert_ok(strata_buf_put_u32(out, b));
    assert_ok(strata_buf_put_cstring(out, "ssh-ed25519"));
    strata_error err;
    strata_error_clear(&err);
    assert_ok(strata__ssh_kt_ed25519.put_priv(&strata__ssh_kt_ed25519, k, out, &err));
    assert_ok(strata_buf_put_cstring(out, "c"));
    if (pad) {
        assert_ok(strata_buf_put(out, pad, padn));
    } else {
        for (uint8_t i = 1; strata_buf_len(out) % 8; i++)
            assert_ok(strata_buf_put_u8(out, i));
    }
    EVP_PKEY_free(k);
}

static void make_pub(strata_buf *out)
{
    EVP_PKEY *k = fixed_ed25519();
    strata_error err;
    strata_error_clear(&err);
    assert_ok(strata__ssh_keytype_put_blob(&strata__ssh_kt_ed25519, k, out, &err));
    EVP_PKEY_free(k);
}

static void armor(const struct parts *p, strata_buf *text)
{
    strata_buf bin;
    strata_buf_init(&bin, 0);
    const char *magic = p->magic ? p->magic : "openssh-key-v1";
    assert_ok(strata_buf_put(&bin, magic, strlen(magic) + 1));
    assert_ok(strata_buf_put_cstring(&bin, p->cipher));
    assert_ok(strata_buf_put_cstring(&bin, p->kdf));
    assert_ok(strata_buf_put_string(&bin, p->kdfopts, p->kdfopts_len));
    assert_ok(strata_buf_put_u32(&bin, p->nkeys));
    assert_ok(strata_buf_put_stringb(&bin, p->pub));
    assert_ok(strata_buf_put_stringb(&bin, p->priv));
    if (p->extra_len)
        assert_ok(strata_buf_put(&bin, p->extra, p->extra_len));
    assert_ok(strata_buf_put(text, "-----BEGIN OPENSSH PRIVATE KEY-----\n", 36));
    assert_ok(strata__sshkf_b64_encode(strata_buf_ptr(&bin), strata_buf_len(&bin), 70, text));
    assert_ok(strata_buf_put(text, "\n-----END OPENSSH PRIVATE KEY-----\n", 35));
    strata_buf_free(&bin);
}

static strata_status parse_parts(const struct parts *p, const char *pass, strata_error *err)
{
    strata_buf text;
    strata_ssh_privkey *k = NULL;
    strata_buf_init(&text, 0);
    armor(p, &text);
    strata_status r =
        strata_ssh_privkey_parse(strata_buf_ptr(&text), strata_buf_len(&text), pass, &k, err);
    if (r == STRATA_OK) {
        assert_string_equal(strata_ssh_privkey_comment(k), "c");
        strata_ssh_privkey_free(k);
    } else {
        assert_null(k);
    }
    strata_buf_free(&text);
    return r;
}

static void test_malformed_openssh(void **state)
{
    (void)state;
    strata_buf pub, priv, other_pub, badpriv;
    strata_error err;
    strata_buf_init(&pub, 0);
    strata_buf_init(&priv, 0);
    strata_buf_init(&other_pub, 0);
    strata_buf_init(&badpriv, 0);
    make_pub(&pub);
    make_priv(&priv, 0x11223344, 0x11223344, NULL, 0);
    struct parts good = {"none", "none", NULL, 0, 1, &pub, &priv, NULL, 0, NULL};
    assert_ok(parse_parts(&good, NULL, &err));

    struct parts p = good;
    p.magic = "openssh-key-v2";
    assert_status(parse_parts(&p, NULL, &err), STRATA_E_FORMAT);
    assert_string_equal(strata_error_message(&err), "not an openssh-key-v1 key (bad magic)");

    p = good;
    p.cipher = "blowfish-cbc";
    assert_status(parse_parts(&p, NULL, &err), STRATA_E_UNSUPPORTED);
    assert_string_equal(strata_error_message(&err), "unknown cipher \"blowfish-cbc\"");

    p = good;
    p.kdf = "scrypt";
    assert_status(parse_parts(&p, NULL, &err), STRATA_E_UNSUPPORTED);
    assert_string_equal(strata_error_message(&err), "unknown KDF \"scrypt\"");

    p = good;
    p.kdf = "bcrypt";
    assert_status(parse_parts(&p, NULL, &err), STRATA_E_FORMAT);
    assert_string_equal(strata_error_message(&err), "cipher \"none\" with KDF \"bcrypt\"");

    p = good;
    p.nkeys = 2;
    assert_status(parse_parts(&p, NULL, &err), STRATA_E_UNSUPPORTED);
    assert_string_equal(strata_error_message(&err), "key file holds 2 keys (only 1 allowed)");

    static const uint8_t garbage[] = {0xde, 0xad};
    p = good;
    p.extra = garbage;
    p.extra_len = sizeof(garbage);
    assert_status(parse_parts(&p, NULL, &err), STRATA_E_TRAILING);
    assert_string_equal(strata_error_message(&err), "2 trailing bytes after the private key");

    /* Check words that differ in an unencrypted key. */
    make_priv(&badpriv, 1, 2, NULL, 0);
    p = good;
    p.priv = &badpriv;
    assert_status(parse_parts(&p, NULL, &err), STRATA_E_FORMAT);
    assert_string_equal(strata_error_message(&err), "check words differ in an unencrypted key");

    /* Padding 1,2,3,4 replaced by 1,2,9,4. */
    static const uint8_t badpad[] = {1, 2, 9, 4};
    size_t base = strata_buf_len(&priv);
    strata_buf_reset(&badpriv);
    make_priv(&badpriv, 5, 5, badpad, 0);
    size_t unpadded = strata_buf_len(&badpriv);
    assert_true(base - unpadded <= 8);
    strata_buf_reset(&badpriv);
    make_priv(&badpriv, 5, 5, badpad, base - unpadded);
    p.priv = &badpriv;
    if (base - unpadded >= 3) {
        assert_status(parse_parts(&p, NULL, &err), STRATA_E_FORMAT);
        assert_string_equal(strata_error_message(&err), "bad padding byte 9 at position 2");
    }
    /* A whole extra block of padding. */
    static const uint8_t longpad[] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
    strata_buf_reset(&badpriv);
    make_priv(&badpriv, 5, 5, longpad, base - unpadded + 8);
    assert_status(parse_parts(&p, NULL, &err), STRATA_E_TRAILING);
    assert_true(strstr(strata_error_message(&err), "more than one block of padding") != NULL);

    /* Private section not a multiple of the block size (one byte short). */
    strata_buf_reset(&badpriv);
    make_priv(&badpriv, 5, 5, longpad, base - unpadded - 1);
    assert_status(parse_parts(&p, NULL, &err), STRATA_E_FORMAT);
    char want[160];
    snprintf(want, sizeof(want),
             "private section of %zu bytes is not a multiple of the block size 8", base - 1);
    assert_string_equal(strata_error_message(&err), want);

    /* Public key that is not the private key's. */
    strata_buf_reset(&other_pub);
    assert_ok(strata_buf_put_cstring(&other_pub, "ssh-ed25519"));
    uint8_t zeros[32] = {0};
    assert_ok(strata_buf_put_string(&other_pub, zeros, 32));
    p = good;
    p.pub = &other_pub;
    assert_status(parse_parts(&p, NULL, &err), STRATA_E_FORMAT);
    assert_string_equal(strata_error_message(&err),
                        "the public key does not match the private key");

    /* Unknown key type inside. */
    strata_buf_reset(&badpriv);
    assert_ok(strata_buf_put_u32(&badpriv, 7));
    assert_ok(strata_buf_put_u32(&badpriv, 7));
    assert_ok(strata_buf_put_cstring(&badpriv, "ssh-foo"));
    assert_ok(strata_buf_put(&badpriv, longpad, 5)); /* 19 + 5 = 3 blocks */
    p = good;
    p.priv = &badpriv;
    assert_status(parse_parts(&p, NULL, &err), STRATA_E_UNSUPPORTED);
    assert_string_equal(strata_error_message(&err), "unsupported private key type \"ssh-foo\"");
    strata_buf_reset(&badpriv);
    assert_ok(strata_buf_put_u32(&badpriv, 7));
    assert_ok(strata_buf_put_u32(&badpriv, 7));
    assert_ok(strata_buf_put_string(&badpriv, "\x1b[m", 3));
    assert_ok(strata_buf_put(&badpriv, longpad, 1)); /* 15 + 1 = 2 blocks */
    assert_status(parse_parts(&p, NULL, &err), STRATA_E_FORMAT);
    assert_string_equal(strata_error_message(&err), "private key type name is not printable");

    /* bcrypt KDF options: 0 rounds, too many rounds, empty salt, trailing. */
    strata_buf kdf;
    strata_buf_init(&kdf, 0);
    static const uint8_t salt[16] = {1};
    uint32_t rounds[] = {0, STRATA_SSH_KEY_ROUNDS_MAX + 1, 5000};
    const char *msgs[] = {"bcrypt KDF with 0 rounds",
                          "bcrypt KDF rounds 1001 exceed the limit of 1000",
                          "bcrypt KDF rounds 5000 exceed the limit of 1000"};
    strata_status sts[] = {STRATA_E_FORMAT, STRATA_E_LIMIT, STRATA_E_LIMIT};
    /* 16 bytes of "ciphertext": a multiple of the AES block. */
    strata_buf enc16;
    strata_buf_init(&enc16, 0);
    assert_ok(strata_buf_put(&enc16, longpad, 16));
    /* The KDF is checked before the passphrase: no prompt for a key that
     * cannot be used. */
    for (int i = 0; i < 3; i++) {
        strata_buf_reset(&kdf);
        assert_ok(strata_buf_put_string(&kdf, salt, sizeof(salt)));
        assert_ok(strata_buf_put_u32(&kdf, rounds[i]));
        struct parts e = {"aes256-ctr",
                          "bcrypt",
                          strata_buf_ptr(&kdf),
                          strata_buf_len(&kdf),
                          1,
                          &pub,
                          &enc16,
                          NULL,
                          0,
                          NULL};
        assert_status(parse_parts(&e, "pw", &err), sts[i]);
        assert_string_equal(strata_error_message(&err), msgs[i]);
        assert_status(parse_parts(&e, NULL, &err), sts[i]);
        assert_string_equal(strata_error_message(&err), msgs[i]);
    }
    strata_buf_reset(&kdf);
    assert_ok(strata_buf_put_string(&kdf, salt, 0));
    assert_ok(strata_buf_put_u32(&kdf, 16));
    struct parts e = {"aes256-ctr",
                      "bcrypt",
                      strata_buf_ptr(&kdf),
                      strata_buf_len(&kdf),
                      1,
                      &pub,
                      &enc16,
                      NULL,
                      0,
                      NULL};
    assert_status(parse_parts(&e, "pw", &err), STRATA_E_FORMAT);
    assert_string_equal(strata_error_message(&err), "bcrypt salt of 0 bytes (1..1024 allowed)");
    assert_ok(strata_buf_put_u8(&kdf, 0));
    e.kdfopts_len = strata_buf_len(&kdf);
    e.kdfopts = strata_buf_ptr(&kdf);
    assert_status(parse_parts(&e, "pw", &err), STRATA_E_TRAILING);
    assert_string_equal(strata_error_message(&err), "trailing bytes in bcrypt KDF options");
    /* An AEAD cipher whose tag is missing (valid KDF options). */
    strata_buf_reset(&kdf);
    assert_ok(strata_buf_put_string(&kdf, salt, sizeof(salt)));
    assert_ok(strata_buf_put_u32(&kdf, 16));
    e.kdfopts_len = strata_buf_len(&kdf);
    e.kdfopts = strata_buf_ptr(&kdf);
    e.cipher = "aes256-gcm@openssh.com";
    assert_status(parse_parts(&e, "pw", &err), STRATA_E_TRUNCATED);
    assert_string_equal(strata_error_message(&err),
                        "truncated key file (aes256-gcm@openssh.com tag)");

    strata_buf_free(&enc16);
    strata_buf_free(&kdf);
    strata_buf_free(&pub);
    strata_buf_free(&priv);
    strata_buf_free(&other_pub);
    strata_buf_free(&badpriv);
}

static void test_truncated_everywhere(void **state)
{
    (void)state;
    /* Every prefix of a valid binary must fail cleanly, never crash. */
    strata_buf pub, priv, text, bin;
    strata_error err;
    strata_buf_init(&pub, 0);
    strata_buf_init(&priv, 0);
    strata_buf_init(&text, 0);
    strata_buf_init(&bin, 0);
    make_pub(&pub);
    make_priv(&priv, 9, 9, NULL, 0);
    struct parts good = {"none", "none", NULL, 0, 1, &pub, &priv, NULL, 0, NULL};
    armor(&good, &text);
    assert_ok(strata__sshkf_unarmor((const char *)strata_buf_ptr(&text), strata_buf_len(&text),
                                    "OPENSSH PRIVATE KEY", &bin, &err));
    for (size_t n = 0; n < strata_buf_len(&bin); n++) {
        strata_ssh_privkey *k = NULL;
        strata_error_clear(&err);
        strata_status r = strata__sshkf_parse_openssh(strata_buf_ptr(&bin), n, NULL, 16, &k, &err);
        assert_true(r == STRATA_E_TRUNCATED || r == STRATA_E_FORMAT);
        assert_null(k);
    }
    /* Armour: no END line, text after END, not a key at all. */
    strata_ssh_privkey *k = NULL;
    static const char noend[] = "-----BEGIN OPENSSH PRIVATE KEY-----\nAAAA\n";
    assert_status(strata_ssh_privkey_parse((const uint8_t *)noend, strlen(noend), NULL, &k, &err),
                  STRATA_E_TRUNCATED);
    assert_string_equal(strata_error_message(&err),
                        "no \"-----END OPENSSH PRIVATE KEY-----\" line");
    assert_ok(strata_buf_put(&text, "junk\n", 5));
    assert_status(
        strata_ssh_privkey_parse(strata_buf_ptr(&text), strata_buf_len(&text), NULL, &k, &err),
        STRATA_E_TRAILING);
    assert_string_equal(strata_error_message(&err),
                        "text after \"-----END OPENSSH PRIVATE KEY-----\"");
    assert_status(strata_ssh_privkey_parse((const uint8_t *)"hello", 5, NULL, &k, &err),
                  STRATA_E_FORMAT);
    assert_string_equal(strata_error_message(&err),
                        "not a private key file (no \"-----BEGIN\" line)");
    strata_buf_free(&pub);
    strata_buf_free(&priv);
    strata_buf_free(&text);
    strata_buf_free(&bin);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_keygen_openssh_plain_and_encrypted),
        cmocka_unit_test(test_keygen_gcm_and_rounds),
        cmocka_unit_test(test_wrong_and_missing_passphrase),
        cmocka_unit_test(test_peek_public_half),
        cmocka_unit_test(test_load_files),
        cmocka_unit_test(test_pem_and_pkcs8),
        cmocka_unit_test(test_write_read_back_by_keygen),
        cmocka_unit_test(test_pubkey_and_cert_files),
        cmocka_unit_test(test_malformed_openssh),
        cmocka_unit_test(test_truncated_everywhere),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
