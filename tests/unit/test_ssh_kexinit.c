/* ssh/kexinit + ssh/version: KEXINIT build/parse, negotiation (RFC 4253
 * §7.1), OpenSSH-style list configuration, the identification exchange. */
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "ssh/kexinit.h"
#include "ssh/version.h"

static void fill(struct ssh_kexinit *ki, const char *kex, const char *hk, const char *cipher,
                 const char *mac, const char *comp)
{
    const char *l[SSH_KEXINIT_NLISTS] = {kex, hk, cipher, cipher, mac, mac, comp, comp, "", ""};
    strata_buf b;
    strata_error err;
    uint8_t cookie[16] = {1, 2, 3};
    strata_buf_init(&b, 0);
    assert_ok(strata__ssh_kexinit_build(l, cookie, 0, &b));
    assert_ok(strata__ssh_kexinit_parse(strata_buf_ptr(&b), strata_buf_len(&b), ki, &err));
    assert_memory_equal(ki->cookie, cookie, 16);
    strata_buf_free(&b);
}

static int aead(const char *c)
{
    return strstr(c, "gcm") || strstr(c, "chacha");
}

static void test_negotiate(void **state)
{
    (void)state;
    struct ssh_kexinit c, s;
    struct ssh_negotiated n;
    strata_error err;
    strata_error_clear(&err);
    fill(&c, "curve25519-sha256,ecdh-sha2-nistp256,ext-info-c,kex-strict-c-v00@openssh.com",
         "ssh-ed25519,rsa-sha2-512", "aes128-gcm@openssh.com,aes128-ctr",
         "hmac-sha2-256-etm@openssh.com", "none,zlib@openssh.com");
    fill(&s, "ecdh-sha2-nistp256,curve25519-sha256,kex-strict-s-v00@openssh.com",
         "rsa-sha2-512,ssh-ed25519", "aes128-ctr,aes128-gcm@openssh.com",
         "hmac-sha2-512,hmac-sha2-256-etm@openssh.com", "zlib@openssh.com,none");
    assert_ok(strata__ssh_negotiate(&c, &s, aead, &n, &err));
    /* The client's preference wins. */
    assert_string_equal(n.kex, "curve25519-sha256");
    assert_string_equal(n.hostkey, "ssh-ed25519");
    assert_string_equal(n.cipher[0], "aes128-gcm@openssh.com");
    assert_string_equal(n.mac[0], "<implicit>");
    assert_string_equal(n.comp[1], "none");
    assert_false(strata__ssh_guess_right(&s, &n));
    strata__ssh_kexinit_clear(&s);
    fill(&s, "curve25519-sha256", "ssh-ed25519", "aes128-ctr", "hmac-sha2-256-etm@openssh.com",
         "none");
    assert_ok(strata__ssh_negotiate(&c, &s, aead, &n, &err));
    assert_true(strata__ssh_guess_right(&s, &n));
    assert_string_equal(n.mac[1], "hmac-sha2-256-etm@openssh.com");
    strata__ssh_kexinit_clear(&s);
    fill(&s, "curve25519-sha256", "ssh-ed25519", "3des-cbc", "hmac-sha1", "none");
    assert_status(strata__ssh_negotiate(&c, &s, aead, &n, &err), STRATA_E_PROTOCOL);
    assert_string_equal(strata_error_message(&err),
                        "no matching cipher: client offered aes128-gcm@openssh.com,aes128-ctr, "
                        "server offered 3des-cbc");
    strata__ssh_kexinit_clear(&s);
    strata_error_clear(&err);
    fill(&s, "diffie-hellman-group1-sha1", "ssh-ed25519", "aes128-ctr", "hmac-sha1", "none");
    assert_status(strata__ssh_negotiate(&c, &s, aead, &n, &err), STRATA_E_PROTOCOL);
    assert_string_equal(strata_error_message(&err),
                        "no matching key exchange method: client offered curve25519-sha256,"
                        "ecdh-sha2-nistp256,ext-info-c,kex-strict-c-v00@openssh.com, server "
                        "offered diffie-hellman-group1-sha1");
    strata__ssh_kexinit_clear(&s);
    strata__ssh_kexinit_clear(&c);
}

static void test_parse_errors(void **state)
{
    (void)state;
    struct ssh_kexinit ki;
    strata_error err;
    strata_error_clear(&err);
    static const uint8_t short_msg[] = {20, 1, 2, 3};
    assert_status(strata__ssh_kexinit_parse(short_msg, sizeof(short_msg), &ki, &err),
                  STRATA_E_TRUNCATED);
    assert_string_equal(strata_error_message(&err), "KEXINIT truncated in the cookie");
    strata__ssh_kexinit_clear(&ki);
    /* A name with a control character. */
    strata_buf b;
    strata_buf_init(&b, 0);
    uint8_t cookie[16] = {0};
    assert_ok(strata_buf_put_u8(&b, 20));
    assert_ok(strata_buf_put(&b, cookie, 16));
    assert_ok(strata_buf_put_cstring(&b, "a,\x01b"));
    strata_error_clear(&err);
    assert_status(strata__ssh_kexinit_parse(strata_buf_ptr(&b), strata_buf_len(&b), &ki, &err),
                  STRATA_E_FORMAT);
    assert_string_equal(strata_error_message(&err),
                        "KEXINIT: malformed list of key exchange methods (malformed input)");
    strata__ssh_kexinit_clear(&ki);
    strata_buf_free(&b);
    /* Trailing bytes. */
    const char *l[SSH_KEXINIT_NLISTS] = {"a", "b", "c", "c", "d", "d", "none", "none", "", ""};
    strata_buf_init(&b, 0);
    assert_ok(strata__ssh_kexinit_build(l, cookie, 1, &b));
    assert_ok(strata_buf_put_u8(&b, 0));
    strata_error_clear(&err);
    assert_status(strata__ssh_kexinit_parse(strata_buf_ptr(&b), strata_buf_len(&b), &ki, &err),
                  STRATA_E_TRAILING);
    assert_string_equal(strata_error_message(&err), "KEXINIT has 1 trailing bytes");
    strata__ssh_kexinit_clear(&ki);
    assert_ok(strata_buf_consume_end(&b, 1));
    assert_ok(strata__ssh_kexinit_parse(strata_buf_ptr(&b), strata_buf_len(&b), &ki, &err));
    assert_true(ki.first_kex_follows);
    strata__ssh_kexinit_clear(&ki);
    strata_buf_free(&b);
}

/* A KEXINIT whose lists hold empty names, as libssh 0.10's server sends
 * ("...,aes256-cbc," with a trailing comma): OpenSSH skips them, so does
 * strata; the lists come out without them. */
static void test_empty_names(void **state)
{
    (void)state;
    static const char *const l[SSH_KEXINIT_NLISTS] = {
        ",curve25519-sha256,,",
        "ssh-ed25519,",
        "aes128-ctr,,chacha20-poly1305@openssh.com,",
        ",aes128-ctr,,chacha20-poly1305@openssh.com,,",
        "hmac-sha2-256,",
        ",,hmac-sha2-256",
        "none,",
        ",",
        ",",
        ""};
    struct ssh_kexinit c, s;
    struct ssh_negotiated n;
    strata_error err;
    strata_error_clear(&err);
    strata_buf b;
    strata_buf_init(&b, 0);
    uint8_t cookie[16] = {0};
    assert_ok(strata_buf_put_u8(&b, 20));
    assert_ok(strata_buf_put(&b, cookie, 16));
    for (int i = 0; i < SSH_KEXINIT_NLISTS; i++)
        assert_ok(strata_buf_put_cstring(&b, l[i]));
    assert_ok(strata_buf_put_bool(&b, 0));
    assert_ok(strata_buf_put_u32(&b, 0));
    if (strata__ssh_kexinit_parse(strata_buf_ptr(&b), strata_buf_len(&b), &s, &err) != STRATA_OK)
        fail_msg("%s", strata_error_message(&err));
    assert_string_equal(s.lists[SSH_KEXINIT_KEX], "curve25519-sha256");
    assert_string_equal(s.lists[SSH_KEXINIT_CIPHER_C2S],
                        "aes128-ctr,chacha20-poly1305@openssh.com");
    assert_string_equal(s.lists[SSH_KEXINIT_CIPHER_S2C],
                        "aes128-ctr,chacha20-poly1305@openssh.com");
    assert_string_equal(s.lists[SSH_KEXINIT_COMP_S2C], "");
    fill(&c, "curve25519-sha256", "ssh-ed25519", "chacha20-poly1305@openssh.com,aes128-ctr",
         "hmac-sha2-256", "none");
    /* The server's empty COMP_S2C list leaves nothing to agree on. */
    assert_status(strata__ssh_negotiate(&c, &s, aead, &n, &err), STRATA_E_PROTOCOL);
    strata__ssh_kexinit_clear(&s);
    /* With "none," there: it negotiates. */
    strata_buf_reset(&b);
    assert_ok(strata_buf_put_u8(&b, 20));
    assert_ok(strata_buf_put(&b, cookie, 16));
    for (int i = 0; i < SSH_KEXINIT_NLISTS; i++)
        assert_ok(strata_buf_put_cstring(&b, i == SSH_KEXINIT_COMP_S2C ? "none," : l[i]));
    assert_ok(strata_buf_put_bool(&b, 0));
    assert_ok(strata_buf_put_u32(&b, 0));
    strata_error_clear(&err);
    assert_ok(strata__ssh_kexinit_parse(strata_buf_ptr(&b), strata_buf_len(&b), &s, &err));
    if (strata__ssh_negotiate(&c, &s, aead, &n, &err) != STRATA_OK)
        fail_msg("%s", strata_error_message(&err));
    assert_string_equal(n.kex, "curve25519-sha256");
    assert_string_equal(n.cipher[0], "chacha20-poly1305@openssh.com");
    assert_string_equal(n.cipher[1], "chacha20-poly1305@openssh.com");
    assert_string_equal(n.mac[0], "<implicit>");
    assert_string_equal(n.comp[1], "none");
    assert_true(strata__ssh_guess_right(&s, &n));
    strata__ssh_kexinit_clear(&s);
    strata__ssh_kexinit_clear(&c);
    /* Still bounded: a list of commas only, over the cap, is refused. */
    strata_buf_reset(&b);
    assert_ok(strata_buf_put_u8(&b, 20));
    assert_ok(strata_buf_put(&b, cookie, 16));
    char *commas = malloc(SSH_KEXINIT_LIST_MAX + 2);
    assert_non_null(commas);
    memset(commas, ',', SSH_KEXINIT_LIST_MAX + 1);
    commas[SSH_KEXINIT_LIST_MAX + 1] = 0;
    assert_ok(strata_buf_put_cstring(&b, commas));
    free(commas);
    strata_error_clear(&err);
    assert_status(strata__ssh_kexinit_parse(strata_buf_ptr(&b), strata_buf_len(&b), &s, &err),
                  STRATA_E_LIMIT);
    strata__ssh_kexinit_clear(&s);
    strata_buf_free(&b);
}

static void alglist(const char *spec, const char *want)
{
    char *out = NULL;
    strata_error err;
    strata_error_clear(&err);
    if (strata__ssh_alglist("cipher", spec, "a,b,c", "a,b,c,d,e", &out, &err) != STRATA_OK)
        fail_msg("%s: %s", spec, strata_error_message(&err));
    assert_string_equal(out, want);
    free(out);
}

static void test_alglist(void **state)
{
    (void)state;
    alglist(NULL, "a,b,c");
    alglist("", "a,b,c");
    alglist("+d,e", "a,b,c,d,e");
    alglist("+a,d", "a,b,c,d");
    alglist("-b", "a,c");
    alglist("-a*,c", "b");
    alglist("^c,d", "c,d,a,b");
    alglist("e,a", "e,a");
}

static void test_alglist_errors(void **state)
{
    (void)state;
    char *out = NULL;
    strata_error err;
    strata_error_clear(&err);
    assert_status(strata__ssh_alglist("cipher", "+rot13", "a", "a,b", &out, &err),
                  STRATA_E_UNSUPPORTED);
    assert_string_equal(strata_error_message(&err), "unsupported cipher 'rot13'");
    strata_error_clear(&err);
    assert_status(strata__ssh_alglist("cipher", "-a", "a", "a,b", &out, &err), STRATA_E_USAGE);
    assert_string_equal(strata_error_message(&err), "'-a' leaves no cipher");
    assert_null(out);
}

/* Name-lists as long as a packet allows (OpenSSH bounds only the packet):
 * a server offering 4000 key exchange methods and as many host key
 * algorithms (about 110 KB each) before the one we share. */
static void test_long_lists(void **state)
{
    (void)state;
    const size_t n = 4000;
    char *big = malloc(n * 32 + 64);
    assert_non_null(big);
    size_t len = 0;
    for (size_t i = 0; i < n; i++)
        len += (size_t)sprintf(big + len, "x-%05zu-sha256@example.org,", i);
    strcpy(big + len, "curve25519-sha256,ssh-ed25519");
    assert_true(strlen(big) > 100000);
    struct ssh_kexinit c, s;
    struct ssh_negotiated neg;
    strata_error err;
    strata_error_clear(&err);
    fill(&c, "curve25519-sha256", "ssh-ed25519", "aes128-ctr", "hmac-sha2-256", "none");
    fill(&s, big, big, "aes128-ctr", "hmac-sha2-256", "none");
    assert_int_equal(strlen(s.lists[SSH_KEXINIT_KEX]), strlen(big));
    assert_ok(strata__ssh_negotiate(&c, &s, aead, &neg, &err));
    assert_string_equal(neg.kex, "curve25519-sha256");
    assert_string_equal(neg.hostkey, "ssh-ed25519");
    strata__ssh_kexinit_clear(&s);
    strata__ssh_kexinit_clear(&c);
    free(big);
}

static strata_status version_of(const char *text, char **v, strata_error *err)
{
    struct ssh_version_reader vr = {0};
    strata_buf in;
    strata_buf_init(&in, 0);
    assert_ok(strata_buf_put(&in, text, strlen(text)));
    strata_error_clear(err);
    strata_status r = strata__ssh_version_read(&vr, &in, v, err);
    strata_buf_free(&in);
    return r;
}

static void test_version(void **state)
{
    (void)state;
    char *v;
    strata_error err;
    assert_ok(version_of("SSH-2.0-OpenSSH_9.2p1 Debian-2\r\nrest", &v, &err));
    assert_string_equal(v, "SSH-2.0-OpenSSH_9.2p1 Debian-2");
    free(v);
    assert_ok(version_of("Welcome\r\nto the host\nSSH-1.99-Cisco-1.25\n", &v, &err));
    assert_string_equal(v, "SSH-1.99-Cisco-1.25");
    free(v);
    assert_status(version_of("SSH-2.0-partial", &v, &err), STRATA_WANT_READ);
    assert_status(version_of("SSH-1.5-OldServer\r\n", &v, &err), STRATA_E_PROTOCOL);
    assert_string_equal(strata_error_message(&err),
                        "server speaks only SSH protocol 1 ('SSH-1.5-OldServer'), which is not "
                        "supported");
    assert_status(version_of("HTTP/1.1 400 Bad Request\r\n", &v, &err), STRATA_E_PROTOCOL);
    assert_string_equal(strata_error_message(&err),
                        "not an SSH server: it sent 'HTTP/1.1 400 Bad Request'");
    assert_status(version_of("SSH-3.0-x\r\n", &v, &err), STRATA_E_PROTOCOL);
    assert_string_equal(strata_error_message(&err),
                        "server's protocol version is not supported ('SSH-3.0-x')");
    /* OpenSSH's bounds: 1024 lines before the identification are fine, the
     * 1025th is not; lines (the identification too) up to 8192 bytes. */
    static char many[SSH_BANNER_LINES_MAX * 2 + 64];
    memset(many, 0, sizeof(many));
    for (unsigned i = 0; i < SSH_BANNER_LINES_MAX; i++)
        strcat(many, "x\n");
    strcat(many, "SSH-2.0-after_1024_lines\r\n");
    assert_ok(version_of(many, &v, &err));
    assert_string_equal(v, "SSH-2.0-after_1024_lines");
    free(v);
    memset(many, 0, sizeof(many));
    for (unsigned i = 0; i <= SSH_BANNER_LINES_MAX; i++)
        strcat(many, "x\n");
    assert_status(version_of(many, &v, &err), STRATA_E_PROTOCOL);
    assert_string_equal(strata_error_message(&err),
                        "more than 1024 lines from the server before its SSH identification: not "
                        "an SSH server?");
    static char long_line[SSH_PEER_LINE_MAX + 16];
    memset(long_line, 'a', sizeof(long_line));
    memcpy(long_line, "SSH-2.0-", 8);
    memcpy(long_line + 300, "\r\n", 3); /* 302 bytes: more than the RFC's 255, as OpenSSH takes */
    assert_ok(version_of(long_line, &v, &err));
    assert_int_equal(strlen(v), 300);
    free(v);
    long_line[300] = 'a';
    long_line[301] = 'a';
    long_line[302] = 'a';
    long_line[sizeof(long_line) - 1] = 0;
    assert_status(version_of(long_line, &v, &err), STRATA_E_PROTOCOL);
    assert_non_null(strstr(strata_error_message(&err), "identification line longer than 8192"));
    memcpy(long_line, "banner: ", 8);
    assert_status(version_of(long_line, &v, &err), STRATA_E_PROTOCOL);
    assert_non_null(strstr(strata_error_message(&err), "banner line longer than 8192"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_negotiate),      cmocka_unit_test(test_parse_errors),
        cmocka_unit_test(test_empty_names),    cmocka_unit_test(test_alglist),
        cmocka_unit_test(test_alglist_errors), cmocka_unit_test(test_version),
        cmocka_unit_test(test_long_lists),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
