/* ssh/agent: the ssh-agent client codec in memory, and against Debian's real
 * ssh-agent (started by the group setup on a socket in a mktemp directory,
 * stopped by PID in the teardown), with every signature it returns verified
 * by OpenSSL. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <fcntl.h>
#include <time.h>
#include <unistd.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>

#include "testutil.h"
#include "strata/ssh_agent.h"
#include "strata/ssh_keys.h"

/* ---- in memory ---------------------------------------------------------------------- */

static void test_requests_encode(void **state)
{
    (void)state;
    strata_buf b;
    strata_buf_init(&b, 0);
    assert_ok(strata_ssh_agent_request_identities(&b));
    static const uint8_t ids[] = {0, 0, 0, 1, 11};
    assert_int_equal(strata_buf_len(&b), sizeof(ids));
    assert_memory_equal(strata_buf_ptr(&b), ids, sizeof(ids));
    strata_buf_reset(&b);
    static const uint8_t blob[] = {'k', 'e', 'y'}, data[] = {'d', 'a'};
    assert_ok(strata_ssh_agent_request_sign(&b, blob, 3, data, 2, STRATA_SSH_AGENT_RSA_SHA2_512));
    static const uint8_t sign[] = {0,   0, 0, 18, 13, 0,   0,   0, 3, 'k', 'e',
                                   'y', 0, 0, 0,  2,  'd', 'a', 0, 0, 0,   4};
    assert_int_equal(strata_buf_len(&b), sizeof(sign));
    assert_memory_equal(strata_buf_ptr(&b), sign, sizeof(sign));
    strata_buf_reset(&b);
    assert_status(strata_ssh_agent_request_sign(&b, blob, 3, data, STRATA_SSH_AGENT_MSG_MAX, 0),
                  STRATA_E_LIMIT);
    assert_int_equal(strata_buf_len(&b), 0);
    strata_buf_free(&b);
}

static void test_reply_take(void **state)
{
    (void)state;
    strata_buf in;
    strata_error err;
    const uint8_t *msg;
    size_t n;
    strata_buf_init(&in, 0);
    static const uint8_t frame[] = {0, 0, 0, 1, 5, 0, 0};
    for (size_t i = 0; i < 5; i++) {
        strata_buf_reset(&in);
        assert_ok(strata_buf_put(&in, frame, i));
        strata_error_clear(&err);
        assert_status(strata_ssh_agent_reply_take(&in, &msg, &n, &err), STRATA_WANT_READ);
        assert_int_equal(strata_buf_len(&in), i);
    }
    strata_buf_reset(&in);
    assert_ok(strata_buf_put(&in, frame, sizeof(frame)));
    assert_ok(strata_ssh_agent_reply_take(&in, &msg, &n, &err));
    assert_int_equal(n, 1);
    assert_int_equal(msg[0], 5);
    assert_int_equal(strata_buf_len(&in), 2); /* the next frame's start stays */
    assert_status(strata_ssh_agent_reply_take(&in, &msg, &n, &err), STRATA_WANT_READ);
    strata_buf_reset(&in);
    static const uint8_t zero[] = {0, 0, 0, 0}, huge[] = {0, 4, 0, 1};
    assert_ok(strata_buf_put(&in, zero, 4));
    strata_error_clear(&err);
    assert_status(strata_ssh_agent_reply_take(&in, &msg, &n, &err), STRATA_E_FORMAT);
    assert_string_equal(strata_error_message(&err), "empty agent message");
    strata_buf_reset(&in);
    assert_ok(strata_buf_put(&in, huge, 4));
    strata_error_clear(&err);
    assert_status(strata_ssh_agent_reply_take(&in, &msg, &n, &err), STRATA_E_LIMIT);
    assert_string_equal(strata_error_message(&err),
                        "agent message of 262145 bytes exceeds the limit of 262144");
    strata_buf_free(&in);
}

static strata_status parse_ids(const uint8_t *p, size_t n, strata_ssh_agent_identities **ids,
                               strata_error *err)
{
    strata_error_clear(err);
    return strata_ssh_agent_parse_identities(p, n, ids, err);
}

static void test_parse_identities(void **state)
{
    (void)state;
    strata_error err;
    strata_ssh_agent_identities *ids = NULL;
    static const uint8_t good[] = {12, 0, 0,   0, 2, 0, 0, 0,   2, 'b', '1', 0, 0,
                                   0,  1, 'c', 0, 0, 0, 1, 'x', 0, 0,   0,   0};
    assert_ok(parse_ids(good, sizeof(good), &ids, &err));
    assert_int_equal(ids->n, 2);
    assert_int_equal(ids->ids[0].blob_len, 2);
    assert_memory_equal(ids->ids[0].blob, "b1", 2);
    assert_string_equal(ids->ids[0].comment, "c");
    assert_string_equal(ids->ids[1].comment, "");
    strata_ssh_agent_identities_free(ids);
    static const uint8_t none[] = {12, 0, 0, 0, 0};
    assert_ok(parse_ids(none, sizeof(none), &ids, &err));
    assert_int_equal(ids->n, 0);
    strata_ssh_agent_identities_free(ids);

    static const struct {
        uint8_t msg[16];
        size_t n;
        strata_status st;
        const char *text;
    } bad[] = {
        {{5},
         1,
         STRATA_E_SSH_AGENT_REFUSED,
         "the agent refused the identities request (SSH_AGENT_FAILURE)"},
        {{14, 0}, 2, STRATA_E_PROTOCOL, "unexpected agent reply type 14 to a identities request"},
        {{0}, 0, STRATA_E_TRUNCATED, "empty agent reply"},
        {{12, 0, 0}, 3, STRATA_E_TRUNCATED, "truncated identities answer"},
        {{12, 0, 0, 0, 1, 0, 0, 0, 0},
         9,
         STRATA_E_TRUNCATED,
         "identities answer announces 1 keys but holds 4 bytes"},
        {{12, 0xff, 0xff, 0xff, 0xff},
         5,
         STRATA_E_LIMIT,
         "agent lists 4294967295 keys, above the limit of 1024"},
        {{12, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0},
         13,
         STRATA_E_FORMAT,
         "identity 0 has an empty key blob"},
        {{12, 0, 0, 0, 1, 0, 0, 0, 1, 'k', 0, 0, 0, 1, 0},
         15,
         STRATA_E_FORMAT,
         "bad identity 0 in the agent's answer"},
        {{12, 0, 0, 0, 1, 0, 0, 0, 1, 'k', 0, 0, 0, 0, 9},
         15,
         STRATA_E_TRAILING,
         "1 trailing bytes in identities answer"},
        {{12, 0, 0, 0, 1, 0, 0, 0, 9, 'k', 0, 0, 0, 0},
         14,
         STRATA_E_TRUNCATED,
         "bad identity 0 in the agent's answer"},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        ids = (strata_ssh_agent_identities *)&err;
        assert_status(parse_ids(bad[i].msg, bad[i].n, &ids, &err), bad[i].st);
        assert_null(ids);
        assert_string_equal(strata_error_message(&err), bad[i].text);
    }
}

static void test_parse_success(void **state)
{
    (void)state;
    strata_error err;
    static const uint8_t ok[] = {6}, trailing[] = {6, 0}, other[] = {12};
    strata_error_clear(&err);
    assert_ok(strata_ssh_agent_parse_success(ok, 1, &err));
    assert_status(strata_ssh_agent_parse_success(trailing, 2, &err), STRATA_E_TRAILING);
    assert_string_equal(strata_error_message(&err), "1 trailing bytes after SSH_AGENT_SUCCESS");
    strata_error_clear(&err);
    assert_status(strata_ssh_agent_parse_success(other, 1, &err), STRATA_E_PROTOCOL);
    assert_string_equal(strata_error_message(&err),
                        "unexpected agent reply type 12 to a add/remove request");
}

static void test_parse_sign(void **state)
{
    (void)state;
    strata_error err;
    uint8_t *sig = NULL;
    size_t n;
    static const uint8_t good[] = {14, 0, 0, 0, 11, 0, 0, 0, 1, 'a', 0, 0, 0, 2, 's', 's'};
    strata_error_clear(&err);
    assert_ok(strata_ssh_agent_parse_sign(good, sizeof(good), &sig, &n, &err));
    assert_int_equal(n, 11);
    assert_memory_equal(sig, good + 5, 11);
    free(sig);
    static const struct {
        uint8_t msg[20];
        size_t n;
        strata_status st;
        const char *text;
    } bad[] = {
        {{5},
         1,
         STRATA_E_SSH_AGENT_REFUSED,
         "the agent refused the sign request (SSH_AGENT_FAILURE)"},
        {{12}, 1, STRATA_E_PROTOCOL, "unexpected agent reply type 12 to a sign request"},
        {{30},
         1,
         STRATA_E_SSH_AGENT_REFUSED,
         "the agent refused the sign request (failure message 30)"},
        {{102},
         1,
         STRATA_E_SSH_AGENT_REFUSED,
         "the agent refused the sign request (failure message 102)"},
        {{14, 0, 0}, 3, STRATA_E_TRUNCATED, "truncated sign response"},
        {{14, 0, 0, 0, 0, 1}, 6, STRATA_E_TRAILING, "1 trailing bytes in sign response"},
        {{14, 0, 0, 0, 4, 0, 0, 0, 9},
         9,
         STRATA_E_TRUNCATED,
         "malformed signature blob in sign response"},
        {{14, 0, 0, 0, 8, 0, 0, 0, 0, 0, 0, 0, 0},
         13,
         STRATA_E_FORMAT,
         "malformed signature blob in sign response"},
        {{14, 0, 0, 0, 10, 0, 0, 0, 1, 'a', 0, 0, 0, 0, 7},
         15,
         STRATA_E_FORMAT,
         "malformed signature blob in sign response"},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        strata_error_clear(&err);
        assert_status(strata_ssh_agent_parse_sign(bad[i].msg, bad[i].n, &sig, &n, &err), bad[i].st);
        assert_null(sig);
        assert_string_equal(strata_error_message(&err), bad[i].text);
    }
}

/* ---- against Debian's ssh-agent ----------------------------------------------------- */

static char dir[128], sock[192];
static pid_t agent_pid = -1;
static const char *const key_args[] = {"-t ed25519", "-t rsa -b 2048", "-t ecdsa -b 384"};
#define NKEYS 3

static int agent_setup(void **state)
{
    (void)state;
    struct stat st;
    snprintf(dir, sizeof(dir), "/tmp/strata-agent-XXXXXX");
    if (!mkdtemp(dir))
        return -1;
    snprintf(sock, sizeof(sock), "%s/agent.sock", dir);
    agent_pid = fork();
    if (agent_pid < 0)
        return -1;
    if (agent_pid == 0) {
        int null = open("/dev/null", O_RDWR);
        dup2(null, 1);
        dup2(null, 2);
        execlp("ssh-agent", "ssh-agent", "-D", "-a", sock, (char *)NULL);
        _exit(127);
    }
    for (int i = 0; i < 100 && stat(sock, &st) != 0; i++) { /* at most 5 s */
        struct timespec ts = {0, 50 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    if (stat(sock, &st) != 0) {
        fprintf(stderr, "ssh-agent did not create %s\n", sock);
        return -1;
    }
    for (int i = 0; i < NKEYS; i++) {
        char cmd[1024];
        snprintf(cmd, sizeof(cmd),
                 "ssh-keygen -q %s -N '' -C 'agent key %d' -f '%s/k%d' && "
                 "SSH_AUTH_SOCK='%s' ssh-add -q '%s/k%d' 2>/dev/null",
                 key_args[i], i, dir, i, sock, dir, i);
        if (system(cmd) != 0)
            return -1;
    }
    return 0;
}

static int agent_teardown(void **state)
{
    (void)state;
    if (agent_pid > 0) {
        kill(agent_pid, SIGTERM);
        waitpid(agent_pid, NULL, 0);
        agent_pid = -1;
    }
    char cmd[256];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : -1;
}

static uint8_t *slurp(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        fail_msg("cannot open %s", path);
    uint8_t *p = malloc(1 << 16);
    assert_non_null(p);
    *n = fread(p, 1, 1 << 16, f);
    fclose(f);
    return p;
}

static strata_ssh_privkey *load_key(int i)
{
    char path[256];
    size_t n;
    strata_error err;
    strata_ssh_privkey *k = NULL;
    snprintf(path, sizeof(path), "%s/k%d", dir, i);
    uint8_t *data = slurp(path, &n);
    assert_ok(strata_ssh_privkey_parse(data, n, NULL, &k, &err));
    free(data);
    return k;
}

/* One request over the real socket; returns the reply body in *reply. */
static strata_status agent_call(const strata_buf *req, strata_buf *reply, strata_error *err)
{
    strata_buf_reset(reply);
    return strata_ssh_agent_transact(sock, req, reply, 5000, err);
}

/* Verifies an SSH signature blob (string alg, string sig) made by key over
 * data with OpenSSL. Returns 1 when valid. */
static int verify_ssh_sig(EVP_PKEY *key, const uint8_t *sig, size_t n, const uint8_t *data,
                          size_t dn, char *alg_out, size_t alg_cap)
{
    strata_buf b, inner;
    const uint8_t *alg, *s;
    size_t alen, sn;
    strata_buf_view(&b, sig, n);
    assert_ok(strata_buf_get_string(&b, &alg, &alen));
    assert_ok(strata_buf_get_string(&b, &s, &sn));
    assert_ok(strata_buf_get_end(&b));
    snprintf(alg_out, alg_cap, "%.*s", (int)alen, (const char *)alg);
    const EVP_MD *md = NULL;
    uint8_t *der = NULL;
    int derlen = 0;
    if (strcmp(alg_out, "rsa-sha2-256") == 0 || strcmp(alg_out, "ecdsa-sha2-nistp256") == 0)
        md = EVP_sha256();
    else if (strcmp(alg_out, "rsa-sha2-512") == 0 || strcmp(alg_out, "ecdsa-sha2-nistp521") == 0)
        md = EVP_sha512();
    else if (strcmp(alg_out, "ecdsa-sha2-nistp384") == 0)
        md = EVP_sha384();
    else if (strcmp(alg_out, "ssh-rsa") == 0)
        md = EVP_sha1();
    if (strncmp(alg_out, "ecdsa-", 6) == 0) {
        /* RFC 5656 §3.1.2: string { mpint r, mpint s } -> DER ECDSA-Sig-Value. */
        const uint8_t *r, *ss;
        size_t rn, ssn;
        strata_buf_view(&inner, s, sn);
        assert_ok(strata_buf_get_mpint(&inner, &r, &rn));
        assert_ok(strata_buf_get_mpint(&inner, &ss, &ssn));
        assert_ok(strata_buf_get_end(&inner));
        ECDSA_SIG *es = ECDSA_SIG_new();
        assert_non_null(es);
        assert_int_equal(
            ECDSA_SIG_set0(es, BN_bin2bn(r, (int)rn, NULL), BN_bin2bn(ss, (int)ssn, NULL)), 1);
        derlen = i2d_ECDSA_SIG(es, &der);
        ECDSA_SIG_free(es);
        assert_true(derlen > 0);
        s = der;
        sn = (size_t)derlen;
    }
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    assert_non_null(ctx);
    assert_int_equal(EVP_DigestVerifyInit(ctx, NULL, md, NULL, key), 1);
    int ok = EVP_DigestVerify(ctx, s, sn, data, dn) == 1;
    EVP_MD_CTX_free(ctx);
    OPENSSL_free(der);
    return ok;
}

static void test_agent_identities(void **state)
{
    (void)state;
    strata_buf req, reply;
    strata_error err;
    strata_ssh_agent_identities *ids = NULL;
    strata_buf_init(&req, 0);
    strata_buf_init(&reply, 0);
    assert_ok(strata_ssh_agent_request_identities(&req));
    strata_status r = agent_call(&req, &reply, &err);
    if (r != STRATA_OK)
        fail_msg("%s", strata_error_message(&err));
    assert_ok(strata_ssh_agent_parse_identities(strata_buf_ptr(&reply), strata_buf_len(&reply),
                                                &ids, &err));
    assert_int_equal(ids->n, NKEYS);
    for (int i = 0; i < NKEYS; i++) {
        strata_ssh_privkey *k = load_key(i);
        size_t bn;
        const uint8_t *blob = strata_ssh_privkey_blob(k, &bn);
        int found = 0;
        for (size_t j = 0; j < ids->n; j++) {
            if (ids->ids[j].blob_len == bn && memcmp(ids->ids[j].blob, blob, bn) == 0) {
                char want[32];
                snprintf(want, sizeof(want), "agent key %d", i);
                assert_string_equal(ids->ids[j].comment, want);
                found = 1;
            }
        }
        assert_true(found);
        strata_ssh_privkey_free(k);
    }
    strata_ssh_agent_identities_free(ids);
    strata_buf_free(&req);
    strata_buf_free(&reply);
}

static void test_agent_sign_and_verify(void **state)
{
    (void)state;
    static const uint8_t data[] = "session id and userauth request stand-in";
    static const struct {
        int key;
        uint32_t flags;
        const char *alg;
    } cases[] = {
        {0, 0, "ssh-ed25519"},
        {1, STRATA_SSH_AGENT_RSA_SHA2_256, "rsa-sha2-256"},
        {1, STRATA_SSH_AGENT_RSA_SHA2_512, "rsa-sha2-512"},
        {1, 0, "ssh-rsa"},
        {2, 0, "ecdsa-sha2-nistp384"},
    };
    strata_buf req, reply;
    strata_error err;
    strata_buf_init(&req, 0);
    strata_buf_init(&reply, 0);
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        strata_ssh_privkey *k = load_key(cases[i].key);
        size_t bn, sn;
        const uint8_t *blob = strata_ssh_privkey_blob(k, &bn);
        uint8_t *sig = NULL;
        char alg[64];
        strata_buf_reset(&req);
        assert_ok(
            strata_ssh_agent_request_sign(&req, blob, bn, data, sizeof(data), cases[i].flags));
        assert_ok(agent_call(&req, &reply, &err));
        strata_error_clear(&err);
        assert_ok(strata_ssh_agent_parse_sign(strata_buf_ptr(&reply), strata_buf_len(&reply), &sig,
                                              &sn, &err));
        assert_true(verify_ssh_sig(strata_ssh_privkey_pkey(k), sig, sn, data, sizeof(data), alg,
                                   sizeof(alg)));
        assert_string_equal(alg, cases[i].alg);
        /* The check can fail: other data does not verify. */
        assert_false(verify_ssh_sig(strata_ssh_privkey_pkey(k), sig, sn, data, sizeof(data) - 1,
                                    alg, sizeof(alg)));
        free(sig);
        strata_ssh_privkey_free(k);
    }
    strata_buf_free(&req);
    strata_buf_free(&reply);
}

/* 1 when the agent lists blob with comment. */
static int agent_has(const uint8_t *blob, size_t n, const char *comment)
{
    strata_buf req, reply;
    strata_error err;
    strata_ssh_agent_identities *ids = NULL;
    int found = 0;
    strata_buf_init(&req, 0);
    strata_buf_init(&reply, 0);
    assert_ok(strata_ssh_agent_request_identities(&req));
    assert_ok(agent_call(&req, &reply, &err));
    assert_ok(strata_ssh_agent_parse_identities(strata_buf_ptr(&reply), strata_buf_len(&reply),
                                                &ids, &err));
    for (size_t j = 0; j < ids->n; j++)
        if (ids->ids[j].blob_len == n && memcmp(ids->ids[j].blob, blob, n) == 0 &&
            strcmp(ids->ids[j].comment, comment) == 0)
            found = 1;
    strata_ssh_agent_identities_free(ids);
    strata_buf_free(&req);
    strata_buf_free(&reply);
    return found;
}

/* Keys made by OpenSSL, serialised by strata into ADD_IDENTITY: the agent
 * must accept the private fields, list the key and sign with it. */
static void test_agent_add_sign_remove(void **state)
{
    (void)state;
    static const uint8_t data[] = "added by strata";
    EVP_PKEY *pkeys[4] = {
        EVP_PKEY_Q_keygen(NULL, NULL, "ED25519"),
        EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256"),
        EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-521"),
        EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048),
    };
    strata_buf req, reply;
    strata_error err;
    strata_buf_init(&req, 0);
    strata_buf_init(&reply, 0);
    strata_buf_set_secret(&req);
    for (int i = 0; i < 4; i++) {
        strata_ssh_privkey *k = NULL;
        char comment[32], alg[64];
        size_t bn, sn;
        uint8_t *sig = NULL;
        snprintf(comment, sizeof(comment), "strata added %d", i);
        assert_non_null(pkeys[i]);
        assert_ok(strata_ssh_privkey_from_pkey(pkeys[i], comment, &k, &err));
        const uint8_t *blob = strata_ssh_privkey_blob(k, &bn);
        strata_buf_reset(&req);
        strata_error_clear(&err);
        assert_ok(strata_ssh_agent_request_add(&req, k, &err));
        assert_ok(agent_call(&req, &reply, &err));
        assert_ok(
            strata_ssh_agent_parse_success(strata_buf_ptr(&reply), strata_buf_len(&reply), &err));
        assert_true(agent_has(blob, bn, comment));
        strata_buf_reset(&req);
        assert_ok(strata_ssh_agent_request_sign(&req, blob, bn, data, sizeof(data),
                                                STRATA_SSH_AGENT_RSA_SHA2_256));
        assert_ok(agent_call(&req, &reply, &err));
        assert_ok(strata_ssh_agent_parse_sign(strata_buf_ptr(&reply), strata_buf_len(&reply), &sig,
                                              &sn, &err));
        assert_true(verify_ssh_sig(pkeys[i], sig, sn, data, sizeof(data), alg, sizeof(alg)));
        free(sig);
        strata_buf_reset(&req);
        assert_ok(strata_ssh_agent_request_remove(&req, blob, bn));
        assert_ok(agent_call(&req, &reply, &err));
        strata_error_clear(&err);
        assert_ok(
            strata_ssh_agent_parse_success(strata_buf_ptr(&reply), strata_buf_len(&reply), &err));
        assert_false(agent_has(blob, bn, comment));
        /* Removing it again: the agent says no. */
        assert_ok(agent_call(&req, &reply, &err));
        strata_error_clear(&err);
        assert_status(
            strata_ssh_agent_parse_success(strata_buf_ptr(&reply), strata_buf_len(&reply), &err),
            STRATA_E_SSH_AGENT_REFUSED);
        assert_string_equal(strata_error_message(&err),
                            "the agent refused the add/remove request (SSH_AGENT_FAILURE)");
        strata_ssh_privkey_free(k);
        EVP_PKEY_free(pkeys[i]);
    }
    strata_buf_free(&req);
    strata_buf_free(&reply);
}

static void test_agent_refuses_unknown_key(void **state)
{
    (void)state;
    strata_buf req, reply;
    strata_error err;
    uint8_t *sig = NULL;
    size_t sn;
    strata_buf_init(&req, 0);
    strata_buf_init(&reply, 0);
    EVP_PKEY *pkey = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
    strata_ssh_privkey *k = NULL;
    assert_ok(strata_ssh_privkey_from_pkey(pkey, NULL, &k, &err));
    EVP_PKEY_free(pkey);
    size_t bn;
    const uint8_t *blob = strata_ssh_privkey_blob(k, &bn);
    assert_ok(strata_ssh_agent_request_sign(&req, blob, bn, (const uint8_t *)"x", 1, 0));
    assert_ok(agent_call(&req, &reply, &err));
    strata_error_clear(&err);
    assert_status(strata_ssh_agent_parse_sign(strata_buf_ptr(&reply), strata_buf_len(&reply), &sig,
                                              &sn, &err),
                  STRATA_E_SSH_AGENT_REFUSED);
    assert_null(sig);
    strata_ssh_privkey_free(k);
    /* No agent at that path. */
    char nosock[256];
    snprintf(nosock, sizeof(nosock), "%s/none.sock", dir);
    assert_status(strata_ssh_agent_transact(nosock, &req, &reply, 1000, &err), STRATA_E_IO);
    assert_true(strstr(strata_error_message(&err), "cannot connect to the agent at") != NULL);
    strata_buf_free(&req);
    strata_buf_free(&reply);
}

int main(void)
{
    const struct CMUnitTest memory[] = {
        cmocka_unit_test(test_requests_encode),  cmocka_unit_test(test_reply_take),
        cmocka_unit_test(test_parse_identities), cmocka_unit_test(test_parse_success),
        cmocka_unit_test(test_parse_sign),
    };
    const struct CMUnitTest real[] = {
        cmocka_unit_test(test_agent_identities),
        cmocka_unit_test(test_agent_sign_and_verify),
        cmocka_unit_test(test_agent_add_sign_remove),
        cmocka_unit_test(test_agent_refuses_unknown_key),
    };
    int failed = cmocka_run_group_tests_name("agent codec", memory, NULL, NULL);
    failed += cmocka_run_group_tests_name("real ssh-agent", real, agent_setup, agent_teardown);
    return failed;
}
