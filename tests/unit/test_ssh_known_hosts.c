/* ssh/known_hosts: OpenSSH known_hosts matching, markers, hashed names,
 * policies, and the changed-key report. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <openssl/evp.h>

#include "testutil.h"
#include "ssh/known_hosts.h"
#include "strata/ssh_knownhosts.h"

#define NOW 1800000000

static const char *data_dir(void)
{
    return getenv("STRATA_TEST_DATA");
}

/* The blob of tests/data/ssh/NAME.pub (heap, free()). */
static uint8_t *fixture_blob(const char *name, size_t *n)
{
    char path[512], line[4096];
    snprintf(path, sizeof(path), "%s/ssh/%s.pub", data_dir(), name);
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    assert_non_null(fgets(line, sizeof(line), f));
    fclose(f);
    char *b64 = strchr(line, ' ') + 1;
    uint8_t *blob;
    assert_ok(strata__ssh_b64_decode(b64, strcspn(b64, " \n"), &blob, n));
    return blob;
}

static void fixture_fp(const char *name, char *out, size_t cap)
{
    char path[512], line[256];
    snprintf(path, sizeof(path), "%s/ssh/%s.fp-sha256", data_dir(), name);
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    assert_non_null(fgets(line, sizeof(line), f));
    fclose(f);
    char *fp = strchr(line, ' ') + 1;
    snprintf(out, cap, "%.*s", (int)strcspn(fp, " "), fp);
}

static strata_ssh_knownhosts *load_fixture(const char *name)
{
    strata_ssh_knownhosts *kh;
    char path[512];
    snprintf(path, sizeof(path), "%s/known_hosts/%s", data_dir(), name);
    assert_ok(strata_ssh_knownhosts_new(&kh));
    assert_ok(strata_ssh_knownhosts_load_file(kh, path));
    assert_ok(strata_ssh_knownhosts_set_append_file(kh, NULL)); /* never write fixtures */
    return kh;
}

/* Checks host:port with fixture key `key` and expects result at line. */
static void expect(strata_ssh_knownhosts *kh, const char *host, unsigned port, const char *key,
                   enum strata_ssh_hostkey_result want, unsigned long line)
{
    size_t n;
    uint8_t *blob = fixture_blob(key, &n);
    strata_ssh_knownhosts_match m;
    assert_ok(strata_ssh_knownhosts_check(kh, host, port, blob, n, NOW, &m));
    if (m.result != want || m.line != line)
        fail_msg("%s:%u with %s: result %d line %lu, want %d line %lu", host, port, key,
                 (int)m.result, m.line, (int)want, line);
    free(blob);
}

static void test_pattern_matching(void **state)
{
    (void)state;
    assert_int_equal(strata__ssh_kh_match_hosts("host.example.com", "host.example.com"), 1);
    assert_int_equal(strata__ssh_kh_match_hosts("HOST.Example.com", "host.example.com"), 1);
    assert_int_equal(strata__ssh_kh_match_hosts("host.example.com", "host.example.co"), 0);
    assert_int_equal(strata__ssh_kh_match_hosts("a,b,host.example.com", "host.example.com"), 1);
    assert_int_equal(strata__ssh_kh_match_hosts("*.example.com", "www.example.com"), 1);
    assert_int_equal(strata__ssh_kh_match_hosts("*.example.com", "example.com"), 0);
    assert_int_equal(strata__ssh_kh_match_hosts("*", "anything"), 1);
    assert_int_equal(strata__ssh_kh_match_hosts("ho?t", "host"), 1);
    assert_int_equal(strata__ssh_kh_match_hosts("ho?t", "hot"), 0);
    assert_int_equal(strata__ssh_kh_match_hosts("*a*b*c", "xaxbxbxc"), 1);
    assert_int_equal(strata__ssh_kh_match_hosts("*a*b*c", "xaxbxbxcd"), 0);
    assert_int_equal(
        strata__ssh_kh_match_hosts("*.example.com,!bad.example.com", "bad.example.com"), -1);
    assert_int_equal(
        strata__ssh_kh_match_hosts("!bad.example.com,*.example.com", "bad.example.com"), -1);
    assert_int_equal(strata__ssh_kh_match_hosts("!bad.example.com", "good.example.com"), 0);
    assert_int_equal(strata__ssh_kh_match_hosts("[host]:2222", "[host]:2222"), 1);
    assert_int_equal(strata__ssh_kh_match_hosts("host", "[host]:2222"), 0);
    assert_int_equal(strata__ssh_kh_match_hosts("[*.example.com]:*", "[a.example.com]:2222"), 1);
    /* Hashed fields never match as patterns, and a broken hash matches nothing. */
    assert_int_equal(strata__ssh_kh_match_hosts("|1|*|*", "host"), 0);
    assert_int_equal(strata__ssh_kh_match_hosts("|1|AAAA", "host"), 0);
}

static void test_lookup_name(void **state)
{
    (void)state;
    char name[64];
    assert_ok(strata__ssh_kh_name("Host.Example.COM", 22, name, sizeof(name)));
    assert_string_equal(name, "host.example.com");
    assert_ok(strata__ssh_kh_name("host", 0, name, sizeof(name)));
    assert_string_equal(name, "host");
    assert_ok(strata__ssh_kh_name("host", 2222, name, sizeof(name)));
    assert_string_equal(name, "[host]:2222");
    assert_ok(strata__ssh_kh_name("::1", 2222, name, sizeof(name)));
    assert_string_equal(name, "[::1]:2222");
    assert_status(strata__ssh_kh_name("", 22, name, sizeof(name)), STRATA_E_USAGE);
    assert_status(strata__ssh_kh_name("a b", 22, name, sizeof(name)), STRATA_E_USAGE);
    assert_status(strata__ssh_kh_name("a,b", 22, name, sizeof(name)), STRATA_E_USAGE);
    assert_status(strata__ssh_kh_name("abcdefgh", 2222, name, 8), STRATA_E_USAGE);
}

/* HMAC-SHA1 keyed by the salt over the name as written (known answer from
 * Python's hmac module). */
static void test_hash_known_answer(void **state)
{
    (void)state;
    uint8_t salt[20];
    for (int i = 0; i < 20; i++)
        salt[i] = (uint8_t)i;
    char *h;
    assert_ok(strata__ssh_kh_hash_name("host.example.com", salt, sizeof(salt), &h));
    assert_string_equal(h, "|1|AAECAwQFBgcICQoLDA0ODxAREhM=|/pE4peaossRYDRp6bEWa348eFLI=");
    assert_int_equal(strata__ssh_kh_match_hosts(h, "host.example.com"), 1);
    assert_int_equal(strata__ssh_kh_match_hosts(h, "host.example.org"), 0);
    free(h);
    assert_ok(strata__ssh_kh_hash_name("[host.example.com]:2222", salt, sizeof(salt), &h));
    assert_string_equal(h, "|1|AAECAwQFBgcICQoLDA0ODxAREhM=|yW3Yt3rMAyAElF+cRRqyYKzg3tI=");
    free(h);
    /* Random salts differ, both match. */
    char *a, *b;
    assert_ok(strata__ssh_kh_hash_name("x", NULL, 0, &a));
    assert_ok(strata__ssh_kh_hash_name("x", NULL, 0, &b));
    assert_string_not_equal(a, b);
    assert_int_equal(strata__ssh_kh_match_hosts(a, "x"), 1);
    assert_int_equal(strata__ssh_kh_match_hosts(b, "x"), 1);
    free(a);
    free(b);
}

static void test_plain_fixture(void **state)
{
    (void)state;
    strata_ssh_knownhosts *kh = load_fixture("plain");
    assert_int_equal(strata_ssh_knownhosts_count(kh), 9);
    /* sk-* (unknown type), bad base64, type mismatch, unknown marker. */
    assert_int_equal(strata_ssh_knownhosts_skipped(kh), 4);
    expect(kh, "host.example.com", 22, "ed25519", STRATA_SSH_HOSTKEY_OK, 2);
    expect(kh, "HOST.example.com", 0, "ed25519", STRATA_SSH_HOSTKEY_OK, 2);
    expect(kh, "host.example.com", 22, "rsa2048", STRATA_SSH_HOSTKEY_OK, 16);
    expect(kh, "host.example.com", 22, "ed25519b", STRATA_SSH_HOSTKEY_CHANGED, 2);
    expect(kh, "host.example.com", 22, "ecdsa256", STRATA_SSH_HOSTKEY_UNKNOWN, 0);
    /* [host]:port: only that port; port 22 is written plain. */
    expect(kh, "host.example.com", 2222, "ed25519b", STRATA_SSH_HOSTKEY_OK, 4);
    expect(kh, "host.example.com", 2222, "ed25519", STRATA_SSH_HOSTKEY_CHANGED, 4);
    expect(kh, "host.example.com", 2223, "ed25519b", STRATA_SSH_HOSTKEY_UNKNOWN, 0);
    /* Comma lists, case. */
    expect(kh, "alias1", 22, "ecdsa256", STRATA_SSH_HOSTKEY_OK, 3);
    expect(kh, "alias2.example.com", 22, "ecdsa256", STRATA_SSH_HOSTKEY_OK, 3);
    expect(kh, "10.0.0.1", 22, "ecdsa256", STRATA_SSH_HOSTKEY_OK, 3);
    expect(kh, "10.0.0.10", 22, "ecdsa256", STRATA_SSH_HOSTKEY_UNKNOWN, 0);
    /* Wildcards and negation. */
    expect(kh, "a.wild.example.com", 22, "ed25519", STRATA_SSH_HOSTKEY_OK, 7);
    expect(kh, "a.b.wild.example.com", 22, "ed25519b", STRATA_SSH_HOSTKEY_CHANGED, 7);
    expect(kh, "bad.wild.example.com", 22, "ed25519", STRATA_SSH_HOSTKEY_UNKNOWN, 0);
    expect(kh, "wild.example.com", 22, "ed25519", STRATA_SSH_HOSTKEY_UNKNOWN, 0);
    expect(kh, "host1.q.example.com", 22, "rsa2048", STRATA_SSH_HOSTKEY_OK, 8);
    expect(kh, "host12.q.example.com", 22, "rsa2048", STRATA_SSH_HOSTKEY_UNKNOWN, 0);
    /* CRLF line end. */
    expect(kh, "crlf.example.com", 22, "ed25519", STRATA_SSH_HOSTKEY_OK, 9);
    /* @revoked * wins over a plain line for the same key. */
    expect(kh, "revoked.example.com", 22, "rsa3072", STRATA_SSH_HOSTKEY_REVOKED, 11);
    expect(kh, "anyone.example.com", 22, "rsa3072", STRATA_SSH_HOSTKEY_REVOKED, 11);
    /* Skipped lines match nothing. */
    expect(kh, "mismatch.example.com", 22, "ed25519", STRATA_SSH_HOSTKEY_UNKNOWN, 0);
    expect(kh, "x.example.com", 22, "ed25519", STRATA_SSH_HOSTKEY_UNKNOWN, 0);
    strata_ssh_knownhosts_free(kh);
}

/* Hashed entries made by `ssh-keygen -H`. */
static void test_hashed_fixture(void **state)
{
    (void)state;
    strata_ssh_knownhosts *kh = load_fixture("hashed");
    assert_int_equal(strata_ssh_knownhosts_count(kh), 3);
    expect(kh, "host.example.com", 22, "ed25519", STRATA_SSH_HOSTKEY_OK, 1);
    expect(kh, "Host.Example.com", 22, "ed25519", STRATA_SSH_HOSTKEY_OK, 1);
    expect(kh, "host.example.com", 22, "ed25519b", STRATA_SSH_HOSTKEY_CHANGED, 1);
    expect(kh, "host.example.com", 2222, "ed25519b", STRATA_SSH_HOSTKEY_OK, 2);
    expect(kh, "10.0.0.7", 22, "ecdsa256", STRATA_SSH_HOSTKEY_OK, 3);
    expect(kh, "10.0.0.8", 22, "ecdsa256", STRATA_SSH_HOSTKEY_UNKNOWN, 0);
    strata_ssh_knownhosts_free(kh);
}

/* The changed-key error shows both fingerprints and the old key's file:line. */
static void test_changed_key_message(void **state)
{
    (void)state;
    strata_ssh_knownhosts *kh = load_fixture("plain");
    size_t n;
    uint8_t *blob = fixture_blob("ed25519b", &n);
    strata_ssh_knownhosts_match m;
    assert_status(strata_ssh_knownhosts_verify(kh, STRATA_SSH_STRICT_NO, "host.example.com", 22,
                                               blob, n, NOW, &m),
                  STRATA_E_HOSTKEY_CHANGED);
    char fp_new[64], fp_old[64], want[1024], path[512];
    fixture_fp("ed25519b", fp_new, sizeof(fp_new));
    fixture_fp("ed25519", fp_old, sizeof(fp_old));
    snprintf(path, sizeof(path), "%s/known_hosts/plain", data_dir());
    snprintf(want, sizeof(want),
             "REMOTE HOST IDENTIFICATION HAS CHANGED for host.example.com: the server sent "
             "ssh-ed25519 key %s; offending ssh-ed25519 key %s in %s:2",
             fp_new, fp_old, path);
    assert_string_equal(strata_error_message(strata_ssh_knownhosts_error(kh)), want);
    assert_string_equal(m.fingerprint, fp_new);
    assert_string_equal(m.known_fingerprint, fp_old);
    assert_string_equal(m.file, path);
    assert_int_equal(m.line, 2);

    char block[2048], wblock[2048];
    snprintf(wblock, sizeof(wblock),
             "@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@\n"
             "@    WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED!     @\n"
             "@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@\n"
             "The ssh-ed25519 host key sent by host.example.com is not the one known for it.\n"
             "Either the host key was replaced, or someone is intercepting this connection.\n"
             "Key sent by the host:   %s\n"
             "Key known for the host: %s\n"
             "Offending ssh-ed25519 key in %s:2\n"
             "If the change is expected, remove that line and connect again.\n"
             "This connection is refused.\n",
             fp_new, fp_old, path);
    assert_string_equal(strata_ssh_knownhosts_warning(&m, block, sizeof(block)), wblock);
    /* Every policy refuses a changed key. */
    for (int p = STRATA_SSH_STRICT_YES; p <= STRATA_SSH_STRICT_NO; p++) {
        strata_ssh_knownhosts_clear_error(kh);
        assert_status(strata_ssh_knownhosts_verify(kh, (enum strata_ssh_strict)p,
                                                   "host.example.com", 22, blob, n, NOW, NULL),
                      STRATA_E_HOSTKEY_CHANGED);
    }
    free(blob);
    strata_ssh_knownhosts_free(kh);
}

static void test_revoked_message(void **state)
{
    (void)state;
    strata_ssh_knownhosts *kh = load_fixture("plain");
    size_t n;
    uint8_t *blob = fixture_blob("rsa3072", &n);
    strata_ssh_knownhosts_match m;
    assert_status(strata_ssh_knownhosts_verify(kh, STRATA_SSH_STRICT_NO, "revoked.example.com", 22,
                                               blob, n, NOW, &m),
                  STRATA_E_HOSTKEY_REVOKED);
    char fp[64], want[1024];
    fixture_fp("rsa3072", fp, sizeof(fp));
    snprintf(want, sizeof(want), "ssh-rsa host key %s for revoked.example.com is revoked by %s:11",
             fp, m.file);
    assert_string_equal(strata_error_message(strata_ssh_knownhosts_error(kh)), want);
    char block[1024];
    assert_non_null(strstr(strata_ssh_knownhosts_warning(&m, block, sizeof(block)),
                           "WARNING: REVOKED HOST KEY DETECTED!"));
    free(blob);
    strata_ssh_knownhosts_free(kh);
}

static char logged[512];
static void log_warn(enum strata_log_level level, const char *module, const char *msg, void *user)
{
    (void)user;
    if (level == STRATA_LOG_WARN)
        snprintf(logged, sizeof(logged), "%s: %s", module, msg);
}

static void test_policies_unknown(void **state)
{
    (void)state;
    strata_ssh_knownhosts *kh = load_fixture("plain");
    size_t n;
    uint8_t *blob = fixture_blob("ecdsa384", &n);
    char fp[64], want[512];
    fixture_fp("ecdsa384", fp, sizeof(fp));
    assert_status(strata_ssh_knownhosts_verify(kh, STRATA_SSH_STRICT_YES, "new.example.com", 22,
                                               blob, n, NOW, NULL),
                  STRATA_E_HOSTKEY_UNKNOWN);
    snprintf(want, sizeof(want),
             "no ecdsa-sha2-nistp384 host key is known for new.example.com (the server sent %s)",
             fp);
    assert_string_equal(strata_error_message(strata_ssh_knownhosts_error(kh)), want);
    /* no: accepted with a warning, nothing remembered. */
    logged[0] = 0;
    strata_log_set(STRATA_LOG_WARN, log_warn, NULL);
    assert_ok(strata_ssh_knownhosts_verify(kh, STRATA_SSH_STRICT_NO, "new.example.com", 22, blob, n,
                                           NOW, NULL));
    strata_log_set(STRATA_LOG_ERROR, NULL, NULL);
    snprintf(want, sizeof(want),
             "ssh: accepting unknown ecdsa-sha2-nistp384 host key %s for new.example.com: host "
             "key checking is off",
             fp);
    assert_string_equal(logged, want);
    assert_int_equal(strata_ssh_knownhosts_count(kh), 9);
    /* accept-new with no append file: remembered in memory. */
    assert_ok(strata_ssh_knownhosts_verify(kh, STRATA_SSH_STRICT_ACCEPT_NEW, "new.example.com", 22,
                                           blob, n, NOW, NULL));
    assert_int_equal(strata_ssh_knownhosts_count(kh), 10);
    strata_ssh_knownhosts_match m;
    assert_ok(strata_ssh_knownhosts_check(kh, "new.example.com", 22, blob, n, NOW, &m));
    assert_int_equal(m.result, STRATA_SSH_HOSTKEY_OK);
    assert_string_equal(m.file, "(added)");
    free(blob);
    strata_ssh_knownhosts_free(kh);
}

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    char *s = calloc(1, 65536);
    size_t n = fread(s, 1, 65535, f);
    s[n] = 0;
    fclose(f);
    return s;
}

/* accept-new appends to the file (plain and hashed), and a fresh load of the
 * file knows the hosts. A file without a final newline gets one first. */
static void test_accept_new_appends(void **state)
{
    (void)state;
    char dir[] = "/tmp/strata-kh-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[256];
    snprintf(path, sizeof(path), "%s/known_hosts", dir);
    FILE *f = fopen(path, "w");
    fputs("# no newline at the end", f);
    fclose(f);
    strata_ssh_knownhosts *kh;
    assert_ok(strata_ssh_knownhosts_new(&kh));
    assert_ok(strata_ssh_knownhosts_load_file(kh, path));
    size_t n1, n2;
    uint8_t *k1 = fixture_blob("ed25519", &n1), *k2 = fixture_blob("ecdsa256", &n2);
    assert_ok(strata_ssh_knownhosts_verify(kh, STRATA_SSH_STRICT_ACCEPT_NEW, "One.example.com", 22,
                                           k1, n1, NOW, NULL));
    strata_ssh_knownhosts_set_hash_new(kh, 1);
    assert_ok(strata_ssh_knownhosts_verify(kh, STRATA_SSH_STRICT_ACCEPT_NEW, "two.example.com",
                                           2222, k2, n2, NOW, NULL));
    strata_ssh_knownhosts_match m;
    assert_ok(strata_ssh_knownhosts_check(kh, "two.example.com", 2222, k2, n2, NOW, &m));
    assert_int_equal(m.result, STRATA_SSH_HOSTKEY_OK);
    assert_int_equal(m.line, 3);
    strata_ssh_knownhosts_free(kh);

    char *text = slurp(path);
    char want1[512];
    char *line1 = NULL;
    assert_ok(strata_ssh_knownhosts_format_line("one.example.com", 22, k1, n1, 0, &line1));
    snprintf(want1, sizeof(want1), "# no newline at the end\n%s\n|1|", line1);
    assert_memory_equal(text, want1, strlen(want1));
    free(line1);
    free(text);

    assert_ok(strata_ssh_knownhosts_new(&kh));
    assert_ok(strata_ssh_knownhosts_load_file(kh, path));
    assert_int_equal(strata_ssh_knownhosts_count(kh), 2);
    expect(kh, "one.example.com", 22, "ed25519", STRATA_SSH_HOSTKEY_OK, 2);
    expect(kh, "two.example.com", 2222, "ecdsa256", STRATA_SSH_HOSTKEY_OK, 3);
    expect(kh, "two.example.com", 22, "ecdsa256", STRATA_SSH_HOSTKEY_UNKNOWN, 0);
    strata_ssh_knownhosts_free(kh);
    free(k1);
    free(k2);
    unlink(path);
    rmdir(dir);
}

static void test_missing_file_is_empty(void **state)
{
    (void)state;
    strata_ssh_knownhosts *kh;
    assert_ok(strata_ssh_knownhosts_new(&kh));
    assert_ok(strata_ssh_knownhosts_load_file(kh, "/nonexistent/strata/known_hosts"));
    assert_int_equal(strata_ssh_knownhosts_count(kh), 0);
    /* ...but it is the append file, and it cannot be created. */
    size_t n;
    uint8_t *k = fixture_blob("ed25519", &n);
    assert_status(
        strata_ssh_knownhosts_verify(kh, STRATA_SSH_STRICT_ACCEPT_NEW, "h", 22, k, n, NOW, NULL),
        STRATA_E_IO);
    assert_string_equal(strata_error_message(strata_ssh_knownhosts_error(kh)),
                        "cannot open /nonexistent/strata/known_hosts: No such file or directory");
    free(k);
    strata_ssh_knownhosts_free(kh);
}

static void test_limits(void **state)
{
    (void)state;
    strata_ssh_knownhosts *kh;
    assert_ok(strata_ssh_knownhosts_new(&kh));
    size_t len = STRATA_SSH_KH_LINE_MAX + 1;
    char *big = malloc(len + 32);
    memcpy(big, "ok.example.com ssh-ed25519 AAAA\n", 32);
    memset(big + 32, 'a', len);
    assert_status(strata_ssh_knownhosts_load_mem(kh, "big", big, 32 + len), STRATA_E_LIMIT);
    assert_string_equal(strata_error_message(strata_ssh_knownhosts_error(kh)),
                        "big:2: line of 8193 bytes exceeds the limit of 8192");
    /* A line of exactly the limit (plus CRLF) is fine. */
    strata_ssh_knownhosts_clear_error(kh);
    big[0] = '#';
    memset(big + 1, 'a', STRATA_SSH_KH_LINE_MAX - 1);
    memcpy(big + STRATA_SSH_KH_LINE_MAX, "\r\n", 2);
    assert_ok(strata_ssh_knownhosts_load_mem(kh, "edge", big, STRATA_SSH_KH_LINE_MAX + 2));
    free(big);
    strata_ssh_knownhosts_free(kh);

    assert_ok(strata_ssh_knownhosts_new(&kh));
    size_t lines = STRATA_SSH_KH_LINES_MAX + 1;
    char *many = malloc(2 * lines);
    for (size_t i = 0; i < lines; i++)
        memcpy(many + 2 * i, "#\n", 2);
    assert_status(strata_ssh_knownhosts_load_mem(kh, "many", many, 2 * lines), STRATA_E_LIMIT);
    assert_string_equal(strata_error_message(strata_ssh_knownhosts_error(kh)),
                        "many: more than 100000 known_hosts lines in all");
    free(many);
    strata_ssh_knownhosts_free(kh);
}

static void test_format_line(void **state)
{
    (void)state;
    size_t n;
    uint8_t *k = fixture_blob("ed25519", &n);
    char *line, path[512], pub[512];
    snprintf(path, sizeof(path), "%s/ssh/ed25519.pub", data_dir());
    FILE *f = fopen(path, "r");
    assert_non_null(fgets(pub, sizeof(pub), f));
    fclose(f);
    *strrchr(pub, ' ') = 0; /* drop the comment */
    char want[600];
    assert_ok(strata_ssh_knownhosts_format_line("Host.Example.com", 22, k, n, 0, &line));
    snprintf(want, sizeof(want), "host.example.com %s", pub);
    assert_string_equal(line, want);
    free(line);
    assert_ok(strata_ssh_knownhosts_format_line("host.example.com", 2222, k, n, 0, &line));
    snprintf(want, sizeof(want), "[host.example.com]:2222 %s", pub);
    assert_string_equal(line, want);
    free(line);
    /* -H: |1|salt|hash type key, which matches only that name. */
    assert_ok(strata_ssh_knownhosts_format_line("host.example.com", 2222, k, n, 1, &line));
    assert_memory_equal(line, "|1|", 3);
    strata_ssh_knownhosts *kh;
    assert_ok(strata_ssh_knownhosts_new(&kh));
    assert_ok(strata_ssh_knownhosts_load_mem(kh, "mem", line, strlen(line)));
    expect(kh, "host.example.com", 2222, "ed25519", STRATA_SSH_HOSTKEY_OK, 1);
    expect(kh, "host.example.com", 22, "ed25519", STRATA_SSH_HOSTKEY_UNKNOWN, 0);
    strata_ssh_knownhosts_free(kh);
    free(line);
    assert_status(strata_ssh_knownhosts_format_line("host", 22, (const uint8_t *)"x", 1, 0, &line),
                  STRATA_E_TRUNCATED);
    assert_null(line);
    free(k);
}

static void expect_order(strata_ssh_knownhosts *kh, const char *host, unsigned port,
                         const char *algs, const char *want)
{
    char *got = NULL;
    assert_ok(strata_ssh_knownhosts_order_algs(kh, host, port, algs, &got));
    assert_string_equal(got, want);
    free(got);
}

static void test_order_algs(void **state)
{
    (void)state;
    strata_ssh_knownhosts *kh = load_fixture("plain");
    const char *def = strata__ssh_hostkey_algs_default();
    /* host.example.com is known by ssh-ed25519 (line 2) and ssh-rsa (line 16). */
    expect_order(kh, "host.example.com", 22, def,
                 "ssh-ed25519-cert-v01@openssh.com,rsa-sha2-512-cert-v01@openssh.com,"
                 "rsa-sha2-256-cert-v01@openssh.com,ssh-ed25519,rsa-sha2-512,rsa-sha2-256,"
                 "ecdsa-sha2-nistp256-cert-v01@openssh.com,"
                 "ecdsa-sha2-nistp384-cert-v01@openssh.com,"
                 "ecdsa-sha2-nistp521-cert-v01@openssh.com,ecdsa-sha2-nistp256,"
                 "ecdsa-sha2-nistp384,ecdsa-sha2-nistp521");
    /* An unknown host keeps the given order. */
    expect_order(kh, "unknown.example.com", 22, def, def);
    expect_order(kh, "alias1", 22, "ssh-ed25519,ecdsa-sha2-nistp256,x-unknown@example.com",
                 "ecdsa-sha2-nistp256,ssh-ed25519,x-unknown@example.com");
    char *got = NULL;
    assert_status(strata_ssh_knownhosts_order_algs(kh, "h", 22, "a,,b", &got), STRATA_E_USAGE);
    assert_null(got);
    strata_ssh_knownhosts_clear_error(kh);
    assert_status(strata_ssh_knownhosts_order_algs(kh, "a b", 22, def, &got), STRATA_E_USAGE);
    assert_string_equal(strata_error_message(strata_ssh_knownhosts_error(kh)),
                        "host name \"a b\" is empty, too long, or holds a space, comma or "
                        "control character");
    strata_ssh_knownhosts_free(kh);
    /* A @cert-authority for the host puts certificate algorithms first. */
    char text[512];
    char *b64line = NULL;
    size_t n;
    uint8_t *blob = fixture_blob("ed25519", &n);
    assert_ok(strata_ssh_knownhosts_format_line("x", 22, blob, n, 0, &b64line));
    snprintf(text, sizeof(text), "@cert-authority *.ca.example.com %s\nweb.ca.example.com %s\n",
             b64line + 2, b64line + 2);
    assert_ok(strata_ssh_knownhosts_new(&kh));
    assert_ok(strata_ssh_knownhosts_load_mem(kh, "mem", text, strlen(text)));
    expect_order(kh, "web.ca.example.com", 22,
                 "ecdsa-sha2-nistp256,ssh-ed25519,rsa-sha2-256-cert-v01@openssh.com",
                 "rsa-sha2-256-cert-v01@openssh.com,ssh-ed25519,ecdsa-sha2-nistp256");
    strata_ssh_knownhosts_free(kh);
    free(b64line);
    free(blob);
}

/* OpenSSH finds the lines strata writes: `ssh-keygen -F name` looks up plain
 * and hashed entries, including [host]:port. */
static void test_openssh_finds_strata_lines(void **state)
{
    (void)state;
    char dir[] = "/tmp/strata-kh-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[256], cmd[1024];
    snprintf(path, sizeof(path), "%s/known_hosts", dir);
    strata_ssh_knownhosts *kh;
    assert_ok(strata_ssh_knownhosts_new(&kh));
    assert_ok(strata_ssh_knownhosts_set_append_file(kh, path));
    size_t n1, n2;
    uint8_t *k1 = fixture_blob("ed25519", &n1), *k2 = fixture_blob("rsa2048", &n2);
    assert_ok(strata_ssh_knownhosts_add(kh, "plain.example.com", 22, k1, n1, 0));
    assert_ok(strata_ssh_knownhosts_add(kh, "hashed.example.com", 22, k2, n2, 1));
    assert_ok(strata_ssh_knownhosts_add(kh, "hashed.example.com", 2222, k1, n1, 1));
    strata_ssh_knownhosts_free(kh);
    static const char *const found[] = {"plain.example.com", "hashed.example.com",
                                        "[hashed.example.com]:2222"};
    for (size_t i = 0; i < 3; i++) {
        snprintf(cmd, sizeof(cmd), "ssh-keygen -F '%s' -f %s | grep -q '^[^#]'", found[i], path);
        if (system(cmd) != 0)
            fail_msg("ssh-keygen -F %s did not find strata's line", found[i]);
    }
    snprintf(cmd, sizeof(cmd), "ssh-keygen -F other.example.com -f %s >/dev/null", path);
    assert_int_not_equal(system(cmd), 0);
    /* And ssh-keygen -l prints the fingerprints strata computes. */
    char fp[64];
    fixture_fp("rsa2048", fp, sizeof(fp));
    snprintf(cmd, sizeof(cmd), "ssh-keygen -l -f %s | grep -q ' %s '", path, fp);
    assert_int_equal(system(cmd), 0);
    free(k1);
    free(k2);
    snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
    assert_int_equal(system(cmd), 0);
}

/* ---- certificates against @cert-authority ------------------------------------ */

struct ca_fixture {
    EVP_PKEY *ca, *host;
    char ca_line[512];
};

static void make_ca(struct ca_fixture *f)
{
    f->ca = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
    f->host = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    strata_buf b;
    strata_error err;
    strata_error_clear(&err);
    strata_buf_init(&b, 0);
    assert_ok(strata__ssh_pubkey_blob(f->ca, "ssh-ed25519", &b, &err));
    struct ssh_key *k = NULL;
    assert_ok(strata__ssh_key_from_blob(strata_buf_ptr(&b), strata_buf_len(&b), &k, &err));
    char *text;
    assert_ok(strata__ssh_key_to_line(k, &text));
    snprintf(f->ca_line, sizeof(f->ca_line), "%s", text);
    free(text);
    strata__ssh_key_free(k);
    strata_buf_free(&b);
}

static void cert_for(struct ca_fixture *f, uint64_t before, strata_buf *out)
{
    static const char *const principals[] = {"web.ca.example.com"};
    struct ssh_cert_template t = {.type = STRATA_SSH_CERT_HOST,
                                  .key_id = "web",
                                  .principals = principals,
                                  .n_principals = 1,
                                  .valid_after = 0,
                                  .valid_before = before};
    strata_error err;
    strata_error_clear(&err);
    assert_ok(strata__ssh_cert_build(f->host, "ecdsa-sha2-nistp256", &t, f->ca, "ssh-ed25519", out,
                                     &err));
}

static void test_cert_authority(void **state)
{
    (void)state;
    struct ca_fixture f;
    make_ca(&f);
    char text[2048];
    snprintf(text, sizeof(text),
             "# CA for one domain\n@cert-authority *.ca.example.com %s\n"
             "@cert-authority other.example.com %s\n",
             f.ca_line, f.ca_line);
    strata_ssh_knownhosts *kh;
    assert_ok(strata_ssh_knownhosts_new(&kh));
    assert_ok(strata_ssh_knownhosts_load_mem(kh, "ca", text, strlen(text)));
    assert_int_equal(strata_ssh_knownhosts_count(kh), 2);
    strata_buf cert;
    strata_buf_init(&cert, 0);
    cert_for(&f, NOW + 60, &cert);
    strata_ssh_knownhosts_match m;
    assert_ok(strata_ssh_knownhosts_check(kh, "web.ca.example.com", 22, strata_buf_ptr(&cert),
                                          strata_buf_len(&cert), NOW, &m));
    assert_int_equal(m.result, STRATA_SSH_HOSTKEY_CERT_OK);
    assert_int_equal(m.line, 2);
    assert_string_equal(m.key_type, "ecdsa-sha2-nistp256-cert-v01@openssh.com");
    assert_string_equal(m.known_type, "ssh-ed25519");
    assert_ok(strata_ssh_knownhosts_verify(kh, STRATA_SSH_STRICT_YES, "web.ca.example.com", 22,
                                           strata_buf_ptr(&cert), strata_buf_len(&cert), NOW,
                                           NULL));
    /* The CA is trusted for other.example.com, but the certificate is not for it. */
    assert_status(strata_ssh_knownhosts_check(kh, "other.example.com", 22, strata_buf_ptr(&cert),
                                              strata_buf_len(&cert), NOW, &m),
                  STRATA_E_SSH_CERT_PRINCIPAL);
    /* No CA for this host: the certificate's plain key decides (unknown here). */
    strata_ssh_knownhosts_clear_error(kh);
    assert_ok(strata_ssh_knownhosts_check(kh, "web.elsewhere.com", 22, strata_buf_ptr(&cert),
                                          strata_buf_len(&cert), NOW, &m));
    assert_int_equal(m.result, STRATA_SSH_HOSTKEY_UNKNOWN);
    /* Expired at NOW. */
    strata_buf_reset(&cert);
    cert_for(&f, NOW, &cert);
    assert_status(strata_ssh_knownhosts_verify(kh, STRATA_SSH_STRICT_NO, "web.ca.example.com", 22,
                                               strata_buf_ptr(&cert), strata_buf_len(&cert), NOW,
                                               &m),
                  STRATA_E_SSH_CERT_EXPIRED);
    strata_ssh_knownhosts_free(kh);

    /* A @revoked CA revokes what it signed. */
    snprintf(text, sizeof(text), "@cert-authority *.ca.example.com %s\n@revoked * %s\n", f.ca_line,
             f.ca_line);
    assert_ok(strata_ssh_knownhosts_new(&kh));
    assert_ok(strata_ssh_knownhosts_load_mem(kh, "ca", text, strlen(text)));
    strata_buf_reset(&cert);
    cert_for(&f, NOW + 60, &cert);
    assert_status(strata_ssh_knownhosts_verify(kh, STRATA_SSH_STRICT_NO, "web.ca.example.com", 22,
                                               strata_buf_ptr(&cert), strata_buf_len(&cert), NOW,
                                               &m),
                  STRATA_E_HOSTKEY_REVOKED);
    assert_int_equal(m.line, 2);
    strata_ssh_knownhosts_free(kh);

    /* accept-new with a certificate from an untrusted CA remembers the plain key. */
    assert_ok(strata_ssh_knownhosts_new(&kh));
    assert_ok(strata_ssh_knownhosts_verify(kh, STRATA_SSH_STRICT_ACCEPT_NEW, "web.ca.example.com",
                                           22, strata_buf_ptr(&cert), strata_buf_len(&cert), NOW,
                                           NULL));
    strata_buf plain;
    strata_buf_init(&plain, 0);
    strata_error err;
    strata_error_clear(&err);
    assert_ok(strata__ssh_pubkey_blob(f.host, "ecdsa-sha2-nistp256", &plain, &err));
    assert_ok(strata_ssh_knownhosts_check(kh, "web.ca.example.com", 22, strata_buf_ptr(&plain),
                                          strata_buf_len(&plain), NOW, &m));
    assert_int_equal(m.result, STRATA_SSH_HOSTKEY_OK);
    strata_buf_free(&plain);
    strata_ssh_knownhosts_free(kh);
    strata_buf_free(&cert);
    EVP_PKEY_free(f.ca);
    EVP_PKEY_free(f.host);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pattern_matching),
        cmocka_unit_test(test_lookup_name),
        cmocka_unit_test(test_hash_known_answer),
        cmocka_unit_test(test_plain_fixture),
        cmocka_unit_test(test_hashed_fixture),
        cmocka_unit_test(test_changed_key_message),
        cmocka_unit_test(test_revoked_message),
        cmocka_unit_test(test_policies_unknown),
        cmocka_unit_test(test_accept_new_appends),
        cmocka_unit_test(test_missing_file_is_empty),
        cmocka_unit_test(test_limits),
        cmocka_unit_test(test_format_line),
        cmocka_unit_test(test_openssh_finds_strata_lines),
        cmocka_unit_test(test_order_algs),
        cmocka_unit_test(test_cert_authority),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
