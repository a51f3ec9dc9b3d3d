/* ssh/userauth: the client auth engine against a scripted server (messages
 * built here, requests checked byte for byte and signatures verified). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "testutil.h"
#include "strata/ssh_auth.h"
#include "strata/ssh_keys.h"
#include "ssh/hostkey.h"
#include "base/error_internal.h"

#define MAXMSG 16

static const uint8_t SID[32] = {1,  2,  3,  4,  5,  6,  7,  8,  9,  10, 11, 12, 13, 14, 15, 16,
                                17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32};

struct fx {
    strata_buf sent[MAXMSG];
    size_t n_sent;
    strata_ssh_auth *a;
    /* prompt script */
    const char *password;
    int pending;
    unsigned prompts_seen;
    const char *const *passphrases; /* answers to passphrase prompts, in turn */
    unsigned pp_seen;               /* passphrase prompts seen */
    int ok_without_answer;          /* a passphrase prompt says OK, sets nothing */
    strata_ssh_prompt last;
    char last_prompt0[128];
    char last_instruction[128];
    char banner[256];
    char progress[256];      /* the last progress line */
    char progress_log[4096]; /* every line, each ending in a newline */
};

static strata_status rec_send(void *ctx, const uint8_t *p, size_t n)
{
    struct fx *f = ctx;
    assert_true(f->n_sent < MAXMSG);
    strata_buf_init(&f->sent[f->n_sent], 0);
    assert_ok(strata_buf_put(&f->sent[f->n_sent], p, n));
    f->n_sent++;
    return STRATA_OK;
}

static strata_status on_prompt(void *user, const strata_ssh_prompt *p, const char **answers)
{
    struct fx *f = user;
    f->prompts_seen++;
    f->last = *p;
    snprintf(f->last_prompt0, sizeof f->last_prompt0, "%s", p->n_prompts ? p->prompts[0] : "");
    snprintf(f->last_instruction, sizeof f->last_instruction, "%s", p->instruction);
    if (p->kind == STRATA_SSH_PROMPT_PASSPHRASE)
        f->pp_seen++;
    if (f->pending)
        return STRATA_PENDING;
    if (p->kind == STRATA_SSH_PROMPT_PASSPHRASE) {
        if (f->ok_without_answer)
            return STRATA_OK;
        if (!f->passphrases || !f->passphrases[f->pp_seen - 1])
            return STRATA_E_AUTH;
        answers[0] = f->passphrases[f->pp_seen - 1];
        return STRATA_OK;
    }
    if (!f->password)
        return STRATA_E_AUTH;
    for (size_t i = 0; i < p->n_prompts; i++)
        answers[i] = f->password;
    return STRATA_OK;
}

static void on_banner(void *user, const char *msg)
{
    struct fx *f = user;
    snprintf(f->banner, sizeof f->banner, "%s", msg);
}

/* A progress line was reported (anywhere in the log: -v's lines come in
 * order, and more may follow the one a test is about). */
struct fx;
static void expect_progress(const struct fx *f, const char *line);

static void on_progress(void *user, const char *method, const char *detail)
{
    struct fx *f = user;
    snprintf(f->progress, sizeof f->progress, "%s: %s", method, detail);
    size_t k = strlen(f->progress_log);
    snprintf(f->progress_log + k, sizeof f->progress_log - k, "%s\n", f->progress);
}

static void expect_progress(const struct fx *f, const char *line)
{
    char want[300];
    snprintf(want, sizeof want, "%s\n", line);
    if (!strstr(f->progress_log, want))
        fail_msg("progress line \"%s\" not in:\n%s", line, f->progress_log);
}

static const char *fx_accepted; /* PubkeyAcceptedAlgorithms for the next fx_init */

static void fx_init(struct fx *f, const char *methods)
{
    memset(f, 0, sizeof *f);
    strata_ssh_auth_config cfg = {.username = "alice",
                                  .pubkey_algorithms = fx_accepted,
                                  .host = "example",
                                  .methods = methods,
                                  .send = rec_send,
                                  .send_ctx = f,
                                  .prompt = on_prompt,
                                  .banner = on_banner,
                                  .progress = on_progress,
                                  .user = f};
    assert_ok(strata_ssh_auth_new(&cfg, &f->a, NULL));
}

static void fx_free(struct fx *f)
{
    for (size_t i = 0; i < f->n_sent; i++)
        strata_buf_free(&f->sent[i]);
    strata_ssh_auth_free(f->a);
}

/* Feeds a server message given as a built buffer. */
static strata_status feed(struct fx *f, strata_buf *m)
{
    strata_status r = strata_ssh_auth_packet(f->a, strata_buf_ptr(m), strata_buf_len(m));
    strata_buf_free(m);
    return r;
}

static strata_status feed_failure(struct fx *f, const char *list, int partial)
{
    strata_buf m;
    strata_buf_init(&m, 0);
    assert_ok(strata_buf_put_u8(&m, 51));
    assert_ok(strata_buf_put_cstring(&m, list));
    assert_ok(strata_buf_put_bool(&m, partial));
    return feed(f, &m);
}

static strata_status feed_success(struct fx *f)
{
    uint8_t b = 52;
    return strata_ssh_auth_packet(f->a, &b, 1);
}

/* Reads the head of a request: byte 50, user, service, method. */
static void expect_head(strata_buf *m, const char *method)
{
    uint8_t t;
    const uint8_t *p;
    size_t n;
    assert_ok(strata_buf_get_u8(m, &t));
    assert_int_equal(t, 50);
    assert_ok(strata_buf_get_string(m, &p, &n));
    assert_memory_equal(p, "alice", 5);
    assert_int_equal(n, 5);
    assert_ok(strata_buf_get_string(m, &p, &n));
    assert_int_equal(n, strlen("ssh-connection"));
    assert_memory_equal(p, "ssh-connection", n);
    assert_ok(strata_buf_get_string(m, &p, &n));
    assert_int_equal(n, strlen(method));
    assert_memory_equal(p, method, n);
}

static void expect_str(strata_buf *m, const char *want)
{
    const uint8_t *p;
    size_t n;
    assert_ok(strata_buf_get_string(m, &p, &n));
    assert_int_equal(n, strlen(want));
    assert_memory_equal(p, want, n);
}

static void test_none_accepted(void **state)
{
    (void)state;
    struct fx f;
    fx_init(&f, NULL);
    assert_ok(strata_ssh_auth_start(f.a, SID, sizeof SID, NULL));
    assert_int_equal(f.n_sent, 1);
    strata_buf m = f.sent[0];
    expect_head(&m, "none");
    assert_ok(strata_buf_get_end(&m));
    assert_ok(feed_success(&f));
    assert_true(strata_ssh_auth_is_done(f.a));
    assert_string_equal(strata_ssh_auth_method(f.a), "none");
    /* Anything after success is out of place. */
    assert_status(feed_failure(&f, "password", 0), STRATA_E_PROTOCOL);
    assert_string_equal(strata_error_message(strata_ssh_auth_error(f.a)),
                        "user auth message 51 after USERAUTH_SUCCESS");
    fx_free(&f);
}

/* Checks a query for alg and returns the blob offered. */
static void expect_query(strata_buf *m, const char *alg, int has_sig)
{
    int b;
    expect_head(m, "publickey");
    assert_ok(strata_buf_get_bool(m, &b));
    assert_int_equal(b, has_sig);
    expect_str(m, alg);
}

static strata_status feed_pk_ok(struct fx *f, const char *alg, const uint8_t *blob, size_t n)
{
    strata_buf m;
    strata_buf_init(&m, 0);
    assert_ok(strata_buf_put_u8(&m, 60));
    assert_ok(strata_buf_put_cstring(&m, alg));
    assert_ok(strata_buf_put_string(&m, blob, n));
    return feed(f, &m);
}

static void expect_signed(struct fx *f, size_t i, const char *alg);

/* Full publickey round with key priv: query, PK_OK, signed request whose
 * signature verifies over string(session id) || request. */
static void pubkey_round(struct fx *f, EVP_PKEY *priv, const char *alg)
{
    size_t q = f->n_sent - 1;
    strata_buf m = f->sent[q];
    expect_query(&m, alg, 0);
    const uint8_t *blob;
    size_t blob_len;
    assert_ok(strata_buf_get_string(&m, &blob, &blob_len));
    assert_ok(strata_buf_get_end(&m));
    strata_buf want;
    strata_buf_init(&want, 0);
    strata_error err = {0};
    assert_ok(strata__ssh_pubkey_blob(priv, alg, &want, &err));
    assert_int_equal(blob_len, strata_buf_len(&want));
    assert_memory_equal(blob, strata_buf_ptr(&want), blob_len);
    strata_buf_free(&want);

    assert_ok(feed_pk_ok(f, alg, blob, blob_len));
    assert_int_equal(f->n_sent, q + 2);
    expect_signed(f, q + 1, alg);
}

/* Sent message i is a signed publickey request with alg whose signature
 * verifies over string(session id) || the request, and not over other data. */
static void expect_signed(struct fx *f, size_t i, const char *alg)
{
    strata_error err = {0};
    size_t q = i - 1;
    strata_buf s = f->sent[q + 1];
    expect_query(&s, alg, 1);
    const uint8_t *blob2, *sig;
    size_t blob2_len, sig_len;
    assert_ok(strata_buf_get_string(&s, &blob2, &blob2_len));
    size_t signed_len = strata_buf_len(&f->sent[q + 1]) - strata_buf_len(&s);
    assert_ok(strata_buf_get_string(&s, &sig, &sig_len));
    assert_ok(strata_buf_get_end(&s));

    strata_buf tbs;
    strata_buf_init(&tbs, 0);
    assert_ok(strata_buf_put_string(&tbs, SID, sizeof SID));
    assert_ok(strata_buf_put(&tbs, strata_buf_ptr(&f->sent[q + 1]), signed_len));
    struct ssh_key *k;
    assert_ok(strata__ssh_key_from_blob(blob2, blob2_len, &k, &err));
    assert_ok(strata__ssh_key_verify(k, alg, sig, sig_len, strata_buf_ptr(&tbs),
                                     strata_buf_len(&tbs), &err));
    /* One flipped byte of the signed data must not verify. */
    ((uint8_t *)tbs.data)[tbs.len - 1] ^= 1;
    assert_status(strata__ssh_key_verify(k, alg, sig, sig_len, strata_buf_ptr(&tbs),
                                         strata_buf_len(&tbs), &err),
                  STRATA_E_VERIFY);
    strata__ssh_key_free(k);
    strata_buf_free(&tbs);
}

static void test_publickey_ed25519(void **state)
{
    (void)state;
    EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
    assert_non_null(k);
    struct fx f;
    fx_init(&f, NULL);
    assert_ok(strata_ssh_auth_add_key(f.a, k, NULL, 0, "id_ed25519"));
    assert_ok(strata_ssh_auth_start(f.a, SID, sizeof SID, "ssh-ed25519,rsa-sha2-512"));
    assert_ok(feed_failure(&f, "publickey,password", 0));
    assert_int_equal(f.n_sent, 2);
    pubkey_round(&f, k, "ssh-ed25519");
    EVP_PKEY_free(k); /* the engine holds its own reference */
    assert_ok(feed_success(&f));
    assert_string_equal(strata_ssh_auth_method(f.a), "publickey");
    fx_free(&f);
}

static void rsa_case(const char *sig_algs, const char *want_alg)
{
    EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
    assert_non_null(k);
    struct fx f;
    fx_init(&f, NULL);
    assert_ok(strata_ssh_auth_add_key(f.a, k, NULL, 0, NULL));
    assert_ok(strata_ssh_auth_start(f.a, SID, sizeof SID, sig_algs));
    if (!want_alg) {
        /* The server accepts no RSA algorithm we may use: the key is skipped. */
        assert_status(feed_failure(&f, "publickey", 0), STRATA_E_AUTH);
        assert_string_equal(strata_error_message(strata_ssh_auth_error(f.a)),
                            "Permission denied (publickey).");
        expect_progress(&f, "publickey: skipped a key: no signature algorithm the "
                            "server accepts");
    } else {
        assert_ok(feed_failure(&f, "publickey", 0));
        pubkey_round(&f, k, want_alg);
        assert_ok(feed_success(&f));
    }
    EVP_PKEY_free(k);
    fx_free(&f);
}

static void test_publickey_rsa_sig_algs(void **state)
{
    (void)state;
    rsa_case("ssh-ed25519,rsa-sha2-256,rsa-sha2-512", "rsa-sha2-512");
    rsa_case("ssh-ed25519,rsa-sha2-256,ssh-rsa", "rsa-sha2-256");
    rsa_case(NULL, "rsa-sha2-512");
    rsa_case("ssh-rsa,ssh-ed25519", NULL);
}

/* PubkeyAcceptedAlgorithms: RSA signs with the first accepted algorithm the
 * server takes; a key whose algorithm is not accepted is skipped. */
static void test_publickey_accepted_algorithms(void **state)
{
    (void)state;
    fx_accepted = "ssh-ed25519,rsa-sha2-256";
    rsa_case("ssh-ed25519,rsa-sha2-256,rsa-sha2-512", "rsa-sha2-256");
    rsa_case(NULL, "rsa-sha2-256");
    fx_accepted = "ssh-ed25519";
    EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    struct fx f;
    fx_init(&f, NULL);
    assert_ok(strata_ssh_auth_add_key(f.a, k, NULL, 0, NULL));
    assert_ok(strata_ssh_auth_start(f.a, SID, sizeof SID, NULL));
    assert_status(feed_failure(&f, "publickey", 0), STRATA_E_AUTH);
    assert_string_equal(f.progress, "publickey: skipped a key: no signature algorithm the server "
                                    "and PubkeyAcceptedAlgorithms accept");
    EVP_PKEY_free(k);
    fx_free(&f);
    fx_accepted = NULL;
}

static void test_publickey_ecdsa_then_refused(void **state)
{
    (void)state;
    EVP_PKEY *k1 = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    EVP_PKEY *k2 = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
    struct fx f;
    fx_init(&f, "publickey");
    assert_ok(strata_ssh_auth_add_key(f.a, k1, NULL, 0, NULL));
    assert_ok(strata_ssh_auth_add_key(f.a, k2, NULL, 0, NULL));
    assert_ok(strata_ssh_auth_start(f.a, SID, sizeof SID, NULL));
    assert_ok(feed_failure(&f, "publickey,password", 0));
    strata_buf m = f.sent[1];
    expect_query(&m, "ecdsa-sha2-nistp256", 0);
    /* The server does not know key 1: the next key is queried. */
    assert_ok(feed_failure(&f, "publickey,password", 0));
    m = f.sent[2];
    expect_query(&m, "ssh-ed25519", 0);
    /* PK_OK for another key than the one queried is a protocol error. */
    strata_buf other;
    strata_buf_init(&other, 0);
    strata_error err = {0};
    assert_ok(strata__ssh_pubkey_blob(k1, "ecdsa-sha2-nistp256", &other, &err));
    assert_status(feed_pk_ok(&f, "ssh-ed25519", strata_buf_ptr(&other), strata_buf_len(&other)),
                  STRATA_E_PROTOCOL);
    assert_string_equal(strata_error_message(strata_ssh_auth_error(f.a)),
                        "USERAUTH_PK_OK names a key or algorithm we did not offer");
    strata_buf_free(&other);
    EVP_PKEY_free(k1);
    EVP_PKEY_free(k2);
    fx_free(&f);
}

static void test_password_attempts(void **state)
{
    (void)state;
    struct fx f;
    fx_init(&f, NULL);
    f.password = "s3cret";
    assert_ok(strata_ssh_auth_start(f.a, SID, sizeof SID, NULL));
    for (unsigned i = 1; i <= 3; i++) {
        assert_ok(feed_failure(&f, "publickey,password", 0));
        assert_int_equal(f.prompts_seen, i);
        assert_int_equal(f.last.kind, STRATA_SSH_PROMPT_PASSWORD);
        assert_int_equal(f.last.attempt, i);
        strata_buf m = f.sent[i];
        expect_head(&m, "password");
        int b;
        assert_ok(strata_buf_get_bool(&m, &b));
        assert_int_equal(b, 0);
        expect_str(&m, "s3cret");
        assert_ok(strata_buf_get_end(&m));
    }
    assert_status(feed_failure(&f, "publickey,password", 0), STRATA_E_AUTH);
    assert_string_equal(strata_error_message(strata_ssh_auth_error(f.a)),
                        "Permission denied (publickey,password).");
    expect_progress(&f, "password: refused");
    expect_progress(&f, "Authentications that: can continue: publickey,password");
    /* Sticky. */
    assert_status(feed_success(&f), STRATA_E_AUTH);
    fx_free(&f);
}

static void test_partial_success_key_then_password(void **state)
{
    (void)state;
    EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
    struct fx f;
    fx_init(&f, NULL);
    f.password = "pw";
    assert_ok(strata_ssh_auth_add_key(f.a, k, NULL, 0, NULL));
    assert_ok(strata_ssh_auth_start(f.a, SID, sizeof SID, NULL));
    assert_ok(feed_failure(&f, "publickey", 0));
    pubkey_round(&f, k, "ssh-ed25519");
    /* The key was right, and now the server wants a password too. */
    assert_ok(feed_failure(&f, "password", 1));
    expect_progress(&f, "publickey: partial success; the server wants more");
    strata_buf m = f.sent[f.n_sent - 1];
    expect_head(&m, "password");
    assert_ok(feed_success(&f));
    assert_string_equal(strata_ssh_auth_method(f.a), "password");
    assert_string_equal(strata_ssh_auth_server_methods(f.a), "password");
    EVP_PKEY_free(k);
    fx_free(&f);
}

static strata_status feed_info_request(struct fx *f, uint32_t n, const char *const *prompts)
{
    strata_buf m;
    strata_buf_init(&m, 0);
    assert_ok(strata_buf_put_u8(&m, 60));
    assert_ok(strata_buf_put_cstring(&m, "Login"));
    assert_ok(strata_buf_put_cstring(&m, "Answer\x1b[2J these"));
    assert_ok(strata_buf_put_cstring(&m, ""));
    assert_ok(strata_buf_put_u32(&m, n));
    for (uint32_t i = 0; prompts && i < n; i++) {
        assert_ok(strata_buf_put_cstring(&m, prompts[i]));
        assert_ok(strata_buf_put_bool(&m, i == 1));
    }
    return feed(f, &m);
}

static void test_kbdint_pending_answer(void **state)
{
    (void)state;
    struct fx f;
    fx_init(&f, "keyboard-interactive");
    f.pending = 1;
    assert_ok(strata_ssh_auth_start(f.a, SID, sizeof SID, NULL));
    assert_ok(feed_failure(&f, "keyboard-interactive", 0));
    strata_buf m = f.sent[1];
    expect_head(&m, "keyboard-interactive");
    expect_str(&m, "");
    expect_str(&m, "");
    assert_ok(strata_buf_get_end(&m));
    /* No prompts: answered at once with no answers, nobody asked. */
    assert_ok(feed_info_request(&f, 0, NULL));
    assert_int_equal(f.prompts_seen, 0);
    m = f.sent[2];
    uint8_t t;
    uint32_t num;
    assert_ok(strata_buf_get_u8(&m, &t));
    assert_int_equal(t, 61);
    assert_ok(strata_buf_get_u32(&m, &num));
    assert_int_equal(num, 0);
    static const char *const prompts[2] = {"Password: ", "Code: "};
    assert_status(feed_info_request(&f, 2, prompts), STRATA_PENDING);
    assert_true(strata_ssh_auth_is_pending(f.a));
    assert_string_equal(f.last_prompt0, "Password: ");
    assert_string_equal(f.last_instruction, "Answer?[2J these"); /* escape neutralised */
    assert_int_equal(f.last.n_prompts, 2);
    /* A message other than a banner while we owe an answer is out of place. */
    const char *bad[1] = {"x"};
    assert_status(strata_ssh_auth_answer(f.a, bad, 1), STRATA_E_USAGE);
    assert_string_equal(strata_error_message(strata_ssh_auth_error(f.a)),
                        "1 answers given for 2 prompts");
    fx_free(&f);

    fx_init(&f, "keyboard-interactive");
    f.pending = 1;
    assert_ok(strata_ssh_auth_start(f.a, SID, sizeof SID, NULL));
    assert_ok(feed_failure(&f, "keyboard-interactive", 0));
    assert_status(feed_info_request(&f, 2, prompts), STRATA_PENDING);
    const char *ans[2] = {"hunter2", "123456"};
    assert_ok(strata_ssh_auth_answer(f.a, ans, 2));
    m = f.sent[2];
    assert_ok(strata_buf_get_u8(&m, &t));
    assert_int_equal(t, 61);
    assert_ok(strata_buf_get_u32(&m, &num));
    assert_int_equal(num, 2);
    expect_str(&m, "hunter2");
    expect_str(&m, "123456");
    assert_ok(strata_buf_get_end(&m));
    assert_ok(feed_success(&f));
    assert_string_equal(strata_ssh_auth_method(f.a), "keyboard-interactive");
    fx_free(&f);
}

static void test_kbdint_declined_falls_to_password(void **state)
{
    (void)state;
    struct fx f;
    fx_init(&f, NULL); /* no password: the prompt declines */
    assert_ok(strata_ssh_auth_start(f.a, SID, sizeof SID, NULL));
    assert_ok(feed_failure(&f, "keyboard-interactive,password", 0));
    static const char *const prompts[1] = {"Password: "};
    /* Declined: kbd given up, password tried (declined too), nothing left. */
    assert_status(feed_info_request(&f, 1, prompts), STRATA_E_AUTH);
    assert_int_equal(f.prompts_seen, 2);
    assert_int_equal(f.last.kind, STRATA_SSH_PROMPT_PASSWORD);
    assert_string_equal(strata_error_message(strata_ssh_auth_error(f.a)),
                        "Permission denied (keyboard-interactive,password).");
    fx_free(&f);
}

/* Empty names in the server's method list are skipped (OpenSSH does). */
static void test_failure_list_with_empty_names(void **state)
{
    (void)state;
    struct fx f;
    fx_init(&f, NULL);
    assert_ok(strata_ssh_auth_start(f.a, SID, sizeof SID, NULL));
    assert_ok(feed_failure(&f, ",keyboard-interactive,,password,", 0));
    static const char *const prompts[1] = {"Password: "};
    assert_status(feed_info_request(&f, 1, prompts), STRATA_E_AUTH);
    assert_int_equal(f.prompts_seen, 2);
    assert_string_equal(strata_error_message(strata_ssh_auth_error(f.a)),
                        "Permission denied (keyboard-interactive,password).");
    fx_free(&f);
}

static void test_banner_and_changereq(void **state)
{
    (void)state;
    struct fx f;
    fx_init(&f, "password");
    f.password = "old";
    assert_ok(strata_ssh_auth_start(f.a, SID, sizeof SID, NULL));
    strata_buf m;
    strata_buf_init(&m, 0);
    assert_ok(strata_buf_put_u8(&m, 53));
    assert_ok(strata_buf_put_cstring(&m, "Welcome\x1b]0;pwned\x07\nbye\n"));
    assert_ok(strata_buf_put_cstring(&m, "en"));
    assert_ok(feed(&f, &m));
    assert_string_equal(f.banner, "Welcome?]0;pwned?\nbye\n");
    assert_ok(feed_failure(&f, "password", 0));
    strata_buf_init(&m, 0);
    assert_ok(strata_buf_put_u8(&m, 60));
    assert_ok(strata_buf_put_cstring(&m, "Password expired"));
    assert_ok(strata_buf_put_cstring(&m, ""));
    assert_status(feed(&f, &m), STRATA_E_AUTH);
    assert_string_equal(strata_error_message(strata_ssh_auth_error(f.a)),
                        "the server demands a new password for alice before login (\"Password "
                        "expired\"); change it with another client, then try again");
    fx_free(&f);
}

static void test_malformed(void **state)
{
    (void)state;
    struct fx f;
    /* FAILURE without the partial flag. */
    fx_init(&f, NULL);
    assert_ok(strata_ssh_auth_start(f.a, SID, sizeof SID, NULL));
    strata_buf m;
    strata_buf_init(&m, 0);
    assert_ok(strata_buf_put_u8(&m, 51));
    assert_ok(strata_buf_put_cstring(&m, "password"));
    assert_status(feed(&f, &m), STRATA_E_TRUNCATED);
    assert_string_equal(strata_error_message(strata_ssh_auth_error(f.a)),
                        "malformed USERAUTH_FAILURE");
    fx_free(&f);
    /* Too many prompts. */
    fx_init(&f, "keyboard-interactive");
    f.password = "x";
    assert_ok(strata_ssh_auth_start(f.a, SID, sizeof SID, NULL));
    assert_ok(feed_failure(&f, "keyboard-interactive", 0));
    assert_status(feed_info_request(&f, 65, NULL), STRATA_E_LIMIT);
    assert_string_equal(strata_error_message(strata_ssh_auth_error(f.a)),
                        "USERAUTH_INFO_REQUEST with 65 prompts (at most 64 accepted)");
    fx_free(&f);
    /* Message 60 in reply to "none" has no meaning. */
    fx_init(&f, NULL);
    assert_ok(strata_ssh_auth_start(f.a, SID, sizeof SID, NULL));
    strata_buf_init(&m, 0);
    assert_ok(strata_buf_put_u8(&m, 60));
    assert_status(feed(&f, &m), STRATA_E_PROTOCOL);
    assert_string_equal(strata_error_message(strata_ssh_auth_error(f.a)),
                        "unexpected user auth message 60 during none");
    fx_free(&f);
    /* Unknown method in the preference list. */
    strata_ssh_auth *a;
    strata_error err = {0};
    strata_ssh_auth_config cfg = {.username = "u", .send = rec_send, .methods = "password,gssapi"};
    assert_status(strata_ssh_auth_new(&cfg, &a, &err), STRATA_E_USAGE);
    assert_string_equal(strata_error_message(&err),
                        "unknown authentication method in \"password,gssapi\"");
}

/* A signer standing in for an agent that refuses, then a key file. */
static strata_status refusing_signer(void *ctx, const char *alg, const uint8_t *data, size_t n,
                                     strata_buf *sig_out, strata_error *err)
{
    (void)ctx, (void)data, (void)n, (void)sig_out;
    return strata__error_set(err, STRATA_E_AUTH, "agent refused to sign with %s", alg);
}

static void test_signer_refuses_next_key(void **state)
{
    (void)state;
    EVP_PKEY *ka = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
    EVP_PKEY *kb = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
    strata_buf blob;
    strata_buf_init(&blob, 0);
    strata_error err = {0};
    assert_ok(strata__ssh_pubkey_blob(ka, "ssh-ed25519", &blob, &err));
    struct fx f;
    fx_init(&f, NULL);
    assert_ok(strata_ssh_auth_add_signer(f.a, strata_buf_ptr(&blob), strata_buf_len(&blob),
                                         refusing_signer, NULL, "agent key"));
    assert_ok(strata_ssh_auth_add_key(f.a, kb, NULL, 0, NULL));
    assert_ok(strata_ssh_auth_start(f.a, SID, sizeof SID, NULL));
    assert_ok(feed_failure(&f, "publickey", 0));
    assert_ok(feed_pk_ok(&f, "ssh-ed25519", strata_buf_ptr(&blob), strata_buf_len(&blob)));
    expect_progress(&f, "publickey: offering ssh-ed25519 key agent key (ssh-ed25519)");
    expect_progress(&f, "publickey: agent refused to sign with ssh-ed25519");
    /* The next key was queried right away. */
    pubkey_round(&f, kb, "ssh-ed25519");
    assert_ok(feed_success(&f));
    /* A plain key given as the certificate is refused with a reason. */
    strata_ssh_auth *a2;
    strata_ssh_auth_config cfg = {.username = "u", .send = rec_send};
    assert_ok(strata_ssh_auth_new(&cfg, &a2, NULL));
    assert_status(
        strata_ssh_auth_add_key(a2, kb, strata_buf_ptr(&blob), strata_buf_len(&blob), "k.pub"),
        STRATA_E_USAGE);
    assert_string_equal(strata_error_message(strata_ssh_auth_error(a2)),
                        "k.pub is not a certificate");
    strata_ssh_auth_free(a2);
    strata_buf_free(&blob);
    EVP_PKEY_free(ka);
    EVP_PKEY_free(kb);
    fx_free(&f);
}

/* An encrypted key file (strata's writer, 2 bcrypt rounds): fills file. */
static EVP_PKEY *encrypted_key(strata_buf *file, const char *pass)
{
    EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
    assert_non_null(k);
    strata_ssh_privkey *pk = NULL;
    strata_error err = {0};
    assert_ok(strata_ssh_privkey_from_pkey(k, "me@there", &pk, &err));
    strata_buf_init(file, 0);
    strata_buf_set_secret(file);
    assert_ok(strata_ssh_privkey_write(pk, pass, 2, file, &err));
    strata_ssh_privkey_free(pk);
    return k;
}

/* Offers an encrypted key by its public half; returns the query's blob. */
static void offer_encrypted(struct fx *f, const strata_buf *file, const uint8_t **blob, size_t *n)
{
    assert_ok(strata_ssh_auth_add_key_file(f->a, strata_buf_ptr(file), strata_buf_len(file), NULL,
                                           0, "id_enc"));
    assert_ok(strata_ssh_auth_start(f->a, SID, sizeof SID, "ssh-ed25519"));
    assert_ok(feed_failure(f, "publickey,password", 0));
    assert_int_equal(f->n_sent, 2);
    strata_buf m = f->sent[1];
    expect_query(&m, "ssh-ed25519", 0);
    assert_ok(strata_buf_get_string(&m, blob, n));
    assert_ok(strata_buf_get_end(&m));
}

/* OpenSSH's order with an encrypted key: the public key first; the
 * passphrase only once the server accepts it, asked again after a wrong
 * one; the prompt may answer later. */
static void test_encrypted_key_asked_when_accepted(void **state)
{
    (void)state;
    strata_buf file;
    EVP_PKEY *k = encrypted_key(&file, "s3cret");
    const uint8_t *blob;
    size_t n;
    struct fx f;

    /* Refused by the server: never asked; the next method goes on. */
    fx_init(&f, NULL);
    f.password = "hunter2";
    offer_encrypted(&f, &file, &blob, &n);
    assert_ok(feed_failure(&f, "publickey,password", 0));
    assert_int_equal(f.pp_seen, 0);
    assert_int_equal(f.last.kind, STRATA_SSH_PROMPT_PASSWORD);
    fx_free(&f);

    /* Accepted: a wrong passphrase, then the right one, answered at once;
     * the signed request verifies with the key's public half. */
    fx_init(&f, NULL);
    static const char *const wrong_then_right[] = {"nope", "s3cret", NULL};
    f.passphrases = wrong_then_right;
    offer_encrypted(&f, &file, &blob, &n);
    pubkey_round(&f, k, "ssh-ed25519");
    assert_int_equal(f.pp_seen, 2);
    assert_int_equal(f.last.kind, STRATA_SSH_PROMPT_PASSPHRASE);
    assert_int_equal(f.last.attempt, 2);
    assert_int_equal(f.last.echo[0], 0);
    assert_string_equal(f.last_prompt0, "Enter passphrase for key 'id_enc': ");
    expect_progress(&f, "publickey: wrong passphrase for key id_enc");
    assert_ok(feed_success(&f));
    assert_string_equal(strata_ssh_auth_method(f.a), "publickey");
    fx_free(&f);

    /* Answered later: pending after PK_OK, nothing sent until the answer;
     * a wrong answer asks again (pending again), the right one signs. */
    fx_init(&f, NULL);
    f.pending = 1;
    offer_encrypted(&f, &file, &blob, &n);
    assert_status(feed_pk_ok(&f, "ssh-ed25519", blob, n), STRATA_PENDING);
    assert_true(strata_ssh_auth_is_pending(f.a));
    assert_int_equal(f.n_sent, 2);
    const char *two[2] = {"a", "b"};
    assert_status(strata_ssh_auth_answer(f.a, two, 2), STRATA_E_USAGE);
    assert_string_equal(strata_error_message(strata_ssh_auth_error(f.a)),
                        "2 answers given for 1 prompt");
    fx_free(&f);

    fx_init(&f, NULL);
    f.pending = 1;
    offer_encrypted(&f, &file, &blob, &n);
    assert_status(feed_pk_ok(&f, "ssh-ed25519", blob, n), STRATA_PENDING);
    const char *bad[1] = {"nope"}, *good[1] = {"s3cret"};
    assert_status(strata_ssh_auth_answer(f.a, bad, 1), STRATA_PENDING);
    assert_int_equal(f.pp_seen, 2);
    assert_int_equal(f.n_sent, 2);
    assert_ok(strata_ssh_auth_answer(f.a, good, 1));
    assert_int_equal(f.n_sent, 3);
    expect_signed(&f, 2, "ssh-ed25519");
    assert_ok(feed_success(&f));
    fx_free(&f);

    /* Three wrong answers (password_attempts): the key is skipped and the
     * next method is tried. */
    fx_init(&f, NULL);
    static const char *const all_wrong[] = {"a", "b", "c", "d", NULL};
    f.passphrases = all_wrong;
    f.password = "hunter2";
    offer_encrypted(&f, &file, &blob, &n);
    assert_ok(feed_pk_ok(&f, "ssh-ed25519", blob, n));
    assert_int_equal(f.pp_seen, 3);
    expect_progress(&f, "publickey: skipped key id_enc: no right passphrase");
    assert_int_equal(f.last.kind, STRATA_SSH_PROMPT_PASSWORD);
    fx_free(&f);

    /* A declined prompt skips the key at once. */
    fx_init(&f, NULL);
    f.password = "hunter2";
    offer_encrypted(&f, &file, &blob, &n);
    assert_ok(feed_pk_ok(&f, "ssh-ed25519", blob, n));
    assert_int_equal(f.pp_seen, 1);
    expect_progress(&f, "publickey: skipped key id_enc: no passphrase given");
    fx_free(&f);

    strata_buf_free(&file);
    EVP_PKEY_free(k);
}

/* A key file that is not encrypted is used at once, with no prompt; a
 * public blob that does not parse is refused with its reason. */
static void blob_of(EVP_PKEY *k, strata_buf *out);

static void test_key_file_plain_and_bad_blob(void **state)
{
    (void)state;
    strata_buf file;
    EVP_PKEY *k = encrypted_key(&file, NULL);
    struct fx f;
    fx_init(&f, NULL);
    assert_ok(strata_ssh_auth_add_key_file(f.a, strata_buf_ptr(&file), strata_buf_len(&file), NULL,
                                           0, "id_plain"));
    assert_ok(strata_ssh_auth_start(f.a, SID, sizeof SID, "ssh-ed25519"));
    assert_ok(feed_failure(&f, "publickey", 0));
    pubkey_round(&f, k, "ssh-ed25519");
    assert_int_equal(f.prompts_seen, 0);
    fx_free(&f);
    /* The same plain file with another key's public half: refused. */
    EVP_PKEY *other = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
    assert_non_null(other);
    strata_buf oblob;
    blob_of(other, &oblob);
    fx_init(&f, NULL);
    assert_status(strata_ssh_auth_add_key_file(f.a, strata_buf_ptr(&file), strata_buf_len(&file),
                                               strata_buf_ptr(&oblob), strata_buf_len(&oblob),
                                               "id_plain"),
                  STRATA_E_USAGE);
    assert_string_equal(strata_error_message(strata_ssh_auth_error(f.a)),
                        "the public key given for id_plain is not the key in the file");
    fx_free(&f);
    strata_buf_free(&oblob);
    EVP_PKEY_free(other);
    strata_buf_free(&file);
    EVP_PKEY_free(k);

    k = encrypted_key(&file, "pw");
    fx_init(&f, NULL);
    static const uint8_t junk[] = {0, 0, 0, 3, 'a', 'b', 'c'};
    assert_status(strata_ssh_auth_add_key_file(f.a, strata_buf_ptr(&file), strata_buf_len(&file),
                                               junk, sizeof junk, "id_x"),
                  STRATA_E_USAGE);
    assert_string_equal(strata_error_message(strata_ssh_auth_error(f.a)),
                        "the public key given for id_x: unsupported key type \"abc\"");
    fx_free(&f);
    strata_buf_free(&file);
    EVP_PKEY_free(k);
}

/* An encrypted PKCS#8 PEM file of k (OpenSSL's writer): hides its key. */
static void pem_encrypted(EVP_PKEY *k, const char *pass, strata_buf *out)
{
    BIO *b = BIO_new(BIO_s_mem());
    assert_non_null(b);
    assert_int_equal(PEM_write_bio_PrivateKey(b, k, EVP_aes_256_cbc(), NULL, 0, NULL, (void *)pass),
                     1);
    char *p;
    long n = BIO_get_mem_data(b, &p);
    strata_buf_init(out, 0);
    assert_ok(strata_buf_put(out, p, (size_t)n));
    BIO_free(b);
}

static void blob_of(EVP_PKEY *k, strata_buf *out)
{
    strata_error err = {0};
    strata_buf_init(out, 0);
    assert_ok(strata__ssh_pubkey_blob(k, "ssh-ed25519", out, &err));
}

/* The edges of strata_ssh_auth_add_key_file and its passphrase: a PEM file
 * with its public key given; one whose public key is not the file's; a
 * public key that does not match an OpenSSH file; a certificate given as
 * the public key; no prompt callback; an empty answer; a pending prompt
 * declined; a callback that says OK but sets no answer; the next identity
 * after a skipped one. */
static void test_key_file_edges(void **state)
{
    (void)state;
    EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
    EVP_PKEY *other = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
    assert_non_null(k);
    assert_non_null(other);
    strata_buf pem, blob, oblob, ossh;
    pem_encrypted(k, "pem words", &pem);
    blob_of(k, &blob);
    blob_of(other, &oblob);
    EVP_PKEY_free(encrypted_key(&ossh, "s3cret"));
    struct fx f;

    /* PEM: without its public key it cannot be offered; with it, it is,
     * and the passphrase on PK_OK signs. */
    fx_init(&f, NULL);
    assert_status(strata_ssh_auth_add_key_file(f.a, strata_buf_ptr(&pem), strata_buf_len(&pem),
                                               NULL, 0, "id_pem"),
                  STRATA_E_SSH_KEY_ENCRYPTED);
    static const char *const pem_pw[] = {"pem words", NULL};
    f.passphrases = pem_pw;
    assert_ok(strata_ssh_auth_add_key_file(f.a, strata_buf_ptr(&pem), strata_buf_len(&pem),
                                           strata_buf_ptr(&blob), strata_buf_len(&blob), "id_pem"));
    assert_ok(strata_ssh_auth_start(f.a, SID, sizeof SID, "ssh-ed25519"));
    assert_ok(feed_failure(&f, "publickey", 0));
    pubkey_round(&f, k, "ssh-ed25519");
    assert_int_equal(f.pp_seen, 1);
    fx_free(&f);

    /* PEM with another key's public half: found out after the passphrase,
     * the key skipped, the next identity (a plain key) offered. */
    fx_init(&f, NULL);
    f.passphrases = pem_pw;
    assert_ok(strata_ssh_auth_add_key_file(f.a, strata_buf_ptr(&pem), strata_buf_len(&pem),
                                           strata_buf_ptr(&oblob), strata_buf_len(&oblob),
                                           "id_pem"));
    assert_ok(strata_ssh_auth_add_key(f.a, other, NULL, 0, "id_plain"));
    assert_ok(strata_ssh_auth_start(f.a, SID, sizeof SID, "ssh-ed25519"));
    assert_ok(feed_failure(&f, "publickey", 0));
    assert_ok(feed_pk_ok(&f, "ssh-ed25519", strata_buf_ptr(&oblob), strata_buf_len(&oblob)));
    expect_progress(&f, "publickey: skipped key id_pem: the private key in the file is not the "
                        "public key offered");
    pubkey_round(&f, other, "ssh-ed25519");
    fx_free(&f);

    /* An OpenSSH file carries its public key: another one is refused. */
    fx_init(&f, NULL);
    assert_status(strata_ssh_auth_add_key_file(f.a, strata_buf_ptr(&ossh), strata_buf_len(&ossh),
                                               strata_buf_ptr(&oblob), strata_buf_len(&oblob),
                                               "id_enc"),
                  STRATA_E_USAGE);
    assert_string_equal(strata_error_message(strata_ssh_auth_error(f.a)),
                        "the public key given for id_enc is not the key in the file");
    /* A certificate is not a key's own public key. */
    strata_buf cert;
    strata_buf_init(&cert, 0);
    strata_error err = {0};
    const char *princ[1] = {"alice"};
    struct ssh_cert_template t = {.type = 1,
                                  .key_id = "c",
                                  .principals = princ,
                                  .n_principals = 1,
                                  .valid_after = 0,
                                  .valid_before = UINT64_MAX};
    assert_ok(strata__ssh_cert_build(k, "ssh-ed25519", &t, other, "ssh-ed25519", &cert, &err));
    assert_status(strata_ssh_auth_add_key_file(f.a, strata_buf_ptr(&pem), strata_buf_len(&pem),
                                               strata_buf_ptr(&cert), strata_buf_len(&cert),
                                               "id_pem"),
                  STRATA_E_USAGE);
    assert_string_equal(strata_error_message(strata_ssh_auth_error(f.a)),
                        "the public key given for id_pem is a certificate, not the key's own "
                        "public key");
    strata_buf_free(&cert);
    fx_free(&f);

    /* No prompt callback: skipped, said why; an empty answer: skipped. */
    struct fx g;
    memset(&g, 0, sizeof g);
    strata_ssh_auth_config cfg = {.username = "alice",
                                  .host = "example",
                                  .send = rec_send,
                                  .send_ctx = &g,
                                  .progress = on_progress,
                                  .user = &g};
    assert_ok(strata_ssh_auth_new(&cfg, &g.a, NULL));
    const uint8_t *qb;
    size_t qn;
    offer_encrypted(&g, &ossh, &qb, &qn);
    assert_status(feed_pk_ok(&g, "ssh-ed25519", qb, qn), STRATA_E_AUTH);
    expect_progress(&g, "publickey: skipped key id_enc: it is encrypted and there is no one to "
                        "ask for its passphrase");
    fx_free(&g);

    fx_init(&f, NULL);
    static const char *const empty[] = {"", NULL};
    f.passphrases = empty;
    f.password = "hunter2";
    offer_encrypted(&f, &ossh, &qb, &qn);
    assert_ok(feed_pk_ok(&f, "ssh-ed25519", qb, qn));
    expect_progress(&f, "publickey: skipped key id_enc: no passphrase given");
    assert_int_equal(f.pp_seen, 1);
    assert_int_equal(f.last.kind, STRATA_SSH_PROMPT_PASSWORD);
    fx_free(&f);

    /* Pending, then declined (answers NULL): the key is skipped. */
    fx_init(&f, NULL);
    f.pending = 1;
    offer_encrypted(&f, &ossh, &qb, &qn);
    assert_status(feed_pk_ok(&f, "ssh-ed25519", qb, qn), STRATA_PENDING);
    assert_status(strata_ssh_auth_answer(f.a, NULL, 0), STRATA_PENDING); /* now the password */
    expect_progress(&f, "publickey: skipped key id_enc: no passphrase given");
    assert_int_equal(f.last.kind, STRATA_SSH_PROMPT_PASSWORD);
    fx_free(&f);

    /* OK with no answer set: the callback's mistake, named. */
    fx_init(&f, NULL);
    static const char *const none[] = {NULL};
    f.passphrases = none;
    f.ok_without_answer = 1;
    offer_encrypted(&f, &ossh, &qb, &qn);
    assert_status(feed_pk_ok(&f, "ssh-ed25519", qb, qn), STRATA_E_USAGE);
    assert_string_equal(strata_error_message(strata_ssh_auth_error(f.a)),
                        "the prompt callback left answer 1 unset");
    fx_free(&f);

    strata_buf_free(&pem);
    strata_buf_free(&blob);
    strata_buf_free(&oblob);
    strata_buf_free(&ossh);
    EVP_PKEY_free(k);
    EVP_PKEY_free(other);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_none_accepted),
        cmocka_unit_test(test_publickey_ed25519),
        cmocka_unit_test(test_publickey_rsa_sig_algs),
        cmocka_unit_test(test_publickey_accepted_algorithms),
        cmocka_unit_test(test_publickey_ecdsa_then_refused),
        cmocka_unit_test(test_password_attempts),
        cmocka_unit_test(test_partial_success_key_then_password),
        cmocka_unit_test(test_kbdint_pending_answer),
        cmocka_unit_test(test_kbdint_declined_falls_to_password),
        cmocka_unit_test(test_failure_list_with_empty_names),
        cmocka_unit_test(test_banner_and_changereq),
        cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_signer_refuses_next_key),
        cmocka_unit_test(test_encrypted_key_asked_when_accepted),
        cmocka_unit_test(test_key_file_plain_and_bad_blob),
        cmocka_unit_test(test_key_file_edges),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
