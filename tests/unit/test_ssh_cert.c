/* ssh/cert: OpenSSH host certificates (PROTOCOL.certkeys), built in C here and
 * made by `ssh-keygen -s` from openssh-client, each checked for everything a
 * host certificate asserts. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <openssl/evp.h>

#include "testutil.h"
#include "ssh/hostkey.h"

#define NOW 1800000000 /* 2027-01-15T08:00:00Z */

static const char *const host_principals[] = {"host.example.com", "10.0.0.1"};

static struct ssh_key *parse(const strata_buf *b)
{
    struct ssh_key *k = NULL;
    strata_error err;
    strata_error_clear(&err);
    strata_status st = strata__ssh_key_from_blob(strata_buf_ptr(b), strata_buf_len(b), &k, &err);
    if (st != STRATA_OK)
        fail_msg("parse: %s: %s", strata_status_name(st), strata_error_message(&err));
    return k;
}

static struct ssh_key *pub_of(EVP_PKEY *priv, const char *type)
{
    strata_buf b;
    strata_error err;
    strata_error_clear(&err);
    strata_buf_init(&b, 0);
    assert_ok(strata__ssh_pubkey_blob(priv, type, &b, &err));
    struct ssh_key *k = parse(&b);
    strata_buf_free(&b);
    return k;
}

static struct ssh_cert_template host_template(void)
{
    struct ssh_cert_template t = {
        .type = STRATA_SSH_CERT_HOST,
        .serial = 7,
        .key_id = "web1",
        .principals = host_principals,
        .n_principals = 2,
        .valid_after = NOW - 3600,
        .valid_before = NOW + 3600,
    };
    return t;
}

struct fixture {
    EVP_PKEY *host, *ca, *other_ca;
    struct ssh_key *ca_pub, *other_pub;
};

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));
    f->host = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
    f->ca = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
    f->other_ca = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    f->ca_pub = pub_of(f->ca, "ssh-ed25519");
    f->other_pub = pub_of(f->other_ca, "ecdsa-sha2-nistp256");
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    EVP_PKEY_free(f->host);
    EVP_PKEY_free(f->ca);
    EVP_PKEY_free(f->other_ca);
    strata__ssh_key_free(f->ca_pub);
    strata__ssh_key_free(f->other_pub);
    free(f);
    return 0;
}

/* Builds a certificate from t and checks it for host at NOW against the
 * fixture's CA; returns the status and leaves the message in msg. */
static strata_status build_check(struct fixture *f, const struct ssh_cert_template *t,
                                 const char *host, char *msg, size_t cap)
{
    strata_buf b;
    strata_error err;
    strata_error_clear(&err);
    strata_buf_init(&b, 0);
    assert_ok(strata__ssh_cert_build(f->host, "ssh-ed25519", t, f->ca, "ssh-ed25519", &b, &err));
    struct ssh_key *k = parse(&b);
    const struct ssh_key *cas[] = {f->other_pub, f->ca_pub};
    strata_status st = strata__ssh_cert_check_host(k, host, NOW, cas, 2, &err);
    snprintf(msg, cap, "%s", strata_error_message(&err));
    strata__ssh_key_free(k);
    strata_buf_free(&b);
    return st;
}

static void test_valid_host_cert(void **state)
{
    struct fixture *f = *state;
    struct ssh_cert_template t = host_template();
    char msg[STRATA_ERROR_MSG_MAX];
    assert_ok(build_check(f, &t, "host.example.com", msg, sizeof(msg)));
    assert_ok(build_check(f, &t, "HOST.Example.COM", msg, sizeof(msg)));
    assert_ok(build_check(f, &t, "10.0.0.1", msg, sizeof(msg)));
    /* The window is valid_after <= now < valid_before. */
    t.valid_after = NOW;
    t.valid_before = NOW + 1;
    assert_ok(build_check(f, &t, "host.example.com", msg, sizeof(msg)));
}

static void test_cert_accessors_and_algs(void **state)
{
    struct fixture *f = *state;
    struct ssh_cert_template t = host_template();
    strata_buf b;
    strata_error err;
    strata_error_clear(&err);
    strata_buf_init(&b, 0);
    assert_ok(strata__ssh_cert_build(f->host, "ssh-ed25519", &t, f->ca, "ssh-ed25519", &b, &err));
    struct ssh_key *k = parse(&b);
    assert_string_equal(strata__ssh_key_type(k), "ssh-ed25519-cert-v01@openssh.com");
    assert_string_equal(strata__ssh_key_plain_type(k), "ssh-ed25519");
    assert_true(strata__ssh_key_is_cert(k));
    assert_true(strata__ssh_key_equal_public(strata__ssh_key_cert_signer(k), f->ca_pub));
    struct ssh_cert_info info;
    assert_ok(strata__ssh_cert_info(k, &info));
    assert_int_equal(info.type, STRATA_SSH_CERT_HOST);
    assert_int_equal(info.serial, 7);
    assert_string_equal(info.key_id, "web1");
    assert_int_equal(info.n_principals, 2);
    assert_string_equal(info.principals[1], "10.0.0.1");
    assert_true(info.valid_before == NOW + 3600);
    /* A certificate host key signs under the -cert- name, with a plain blob. */
    assert_true(strata__ssh_hostkey_alg_matches(k, "ssh-ed25519-cert-v01@openssh.com"));
    assert_false(strata__ssh_hostkey_alg_matches(k, "ssh-ed25519"));
    strata_buf sig;
    strata_buf_init(&sig, 0);
    assert_ok(strata__ssh_sign(f->host, "ssh-ed25519-cert-v01@openssh.com", (const uint8_t *)"H", 1,
                               &sig, &err));
    assert_ok(strata__ssh_key_verify(k, "ssh-ed25519-cert-v01@openssh.com", strata_buf_ptr(&sig),
                                     strata_buf_len(&sig), (const uint8_t *)"H", 1, &err));
    /* The certified key equals the plain key. */
    struct ssh_key *plain = pub_of(f->host, "ssh-ed25519");
    assert_true(strata__ssh_key_equal_public(k, plain));
    assert_status(strata__ssh_cert_check_host(plain, "h", NOW, NULL, 0, &err), STRATA_E_USAGE);
    strata__ssh_key_free(plain);
    strata_buf_free(&sig);
    strata__ssh_key_free(k);
    strata_buf_free(&b);
}

static void test_expired_and_not_yet_valid(void **state)
{
    struct fixture *f = *state;
    struct ssh_cert_template t = host_template();
    char msg[STRATA_ERROR_MSG_MAX];
    t.valid_before = NOW;
    assert_status(build_check(f, &t, "host.example.com", msg, sizeof(msg)),
                  STRATA_E_SSH_CERT_EXPIRED);
    assert_string_equal(msg, "certificate \"web1\" expired at 2027-01-15T08:00:00Z "
                             "(now 2027-01-15T08:00:00Z)");
    t = host_template();
    t.valid_after = NOW + 1;
    assert_status(build_check(f, &t, "host.example.com", msg, sizeof(msg)),
                  STRATA_E_SSH_CERT_NOT_YET_VALID);
    assert_string_equal(msg, "certificate \"web1\" is not valid before 2027-01-15T08:00:01Z "
                             "(now 2027-01-15T08:00:00Z)");
}

static void test_principals(void **state)
{
    struct fixture *f = *state;
    struct ssh_cert_template t = host_template();
    char msg[STRATA_ERROR_MSG_MAX];
    assert_status(build_check(f, &t, "other.example.com", msg, sizeof(msg)),
                  STRATA_E_SSH_CERT_PRINCIPAL);
    assert_string_equal(msg, "certificate \"web1\" is not valid for host other.example.com");
    /* A prefix or a wildcard-looking name is not a match. */
    assert_status(build_check(f, &t, "host.example.co", msg, sizeof(msg)),
                  STRATA_E_SSH_CERT_PRINCIPAL);
    t.n_principals = 0;
    assert_status(build_check(f, &t, "host.example.com", msg, sizeof(msg)),
                  STRATA_E_SSH_CERT_PRINCIPAL);
    assert_string_equal(msg, "certificate \"web1\" lists no principals; strata refuses host "
                             "certificates valid for any host");
}

static void test_user_cert_as_host(void **state)
{
    struct fixture *f = *state;
    struct ssh_cert_template t = host_template();
    char msg[STRATA_ERROR_MSG_MAX];
    t.type = STRATA_SSH_CERT_USER;
    assert_status(build_check(f, &t, "host.example.com", msg, sizeof(msg)), STRATA_E_SSH_CERT_TYPE);
    assert_string_equal(msg, "certificate \"web1\" is a user certificate, not a host certificate");
}

static void test_critical_option_refused(void **state)
{
    struct fixture *f = *state;
    struct ssh_cert_template t = host_template();
    char msg[STRATA_ERROR_MSG_MAX];
    strata_buf opts;
    strata_buf_init(&opts, 0);
    assert_ok(strata_buf_put_cstring(&opts, "force-command"));
    assert_ok(strata_buf_put_string(&opts, "\0\0\0\2ls", 6));
    t.crit = strata_buf_ptr(&opts);
    t.crit_len = strata_buf_len(&opts);
    assert_status(build_check(f, &t, "host.example.com", msg, sizeof(msg)),
                  STRATA_E_SSH_CERT_OPTION);
    assert_string_equal(msg, "certificate \"web1\" has critical option \"force-command\", "
                             "unknown for host certificates");
    /* Extensions are not critical: an unknown one is ignored. */
    t.crit = NULL;
    t.ext = strata_buf_ptr(&opts);
    t.ext_len = strata_buf_len(&opts);
    assert_ok(build_check(f, &t, "host.example.com", msg, sizeof(msg)));
    strata_buf_free(&opts);
}

static void test_untrusted_ca(void **state)
{
    struct fixture *f = *state;
    struct ssh_cert_template t = host_template();
    strata_buf b;
    strata_error err;
    strata_error_clear(&err);
    strata_buf_init(&b, 0);
    assert_ok(strata__ssh_cert_build(f->host, "ssh-ed25519", &t, f->ca, "ssh-ed25519", &b, &err));
    struct ssh_key *k = parse(&b);
    const struct ssh_key *cas[] = {f->other_pub};
    assert_status(strata__ssh_cert_check_host(k, "host.example.com", NOW, cas, 1, &err),
                  STRATA_E_SSH_CERT_UNTRUSTED);
    char fp[STRATA_SSH_FP_MAX], want[STRATA_ERROR_MSG_MAX];
    strata__ssh_key_fp_sha256(f->ca_pub, fp, sizeof(fp));
    snprintf(want, sizeof(want),
             "certificate signed by ssh-ed25519 CA %s, which is not trusted for host.example.com",
             fp);
    assert_string_equal(strata_error_message(&err), want);
    strata_error_clear(&err);
    assert_status(strata__ssh_cert_check_host(k, "host.example.com", NOW, NULL, 0, &err),
                  STRATA_E_SSH_CERT_UNTRUSTED);
    strata__ssh_key_free(k);
    strata_buf_free(&b);
}

/* A byte changed in the signed part (the serial) breaks the CA signature. */
static void test_bad_signature(void **state)
{
    struct fixture *f = *state;
    struct ssh_cert_template t = host_template();
    strata_buf b;
    strata_error err;
    strata_error_clear(&err);
    strata_buf_init(&b, 0);
    assert_ok(strata__ssh_cert_build(f->host, "ssh-ed25519", &t, f->ca, "ssh-ed25519", &b, &err));
    uint8_t *p = malloc(strata_buf_len(&b));
    memcpy(p, strata_buf_ptr(&b), strata_buf_len(&b));
    /* name (4 + 32) + nonce (4 + 32) + key (4 + 32) then the serial's last byte. */
    size_t serial_end = 36 + 36 + 36 + 8 - 1;
    assert_int_equal(p[serial_end], 7);
    p[serial_end] = 8;
    struct ssh_key *k = NULL;
    assert_ok(strata__ssh_key_from_blob(p, strata_buf_len(&b), &k, &err));
    const struct ssh_key *cas[] = {f->ca_pub};
    assert_status(strata__ssh_cert_check_host(k, "host.example.com", NOW, cas, 1, &err),
                  STRATA_E_SSH_CERT_SIGNATURE);
    assert_string_equal(strata_error_message(&err),
                        "certificate signature by the CA does not verify: ssh-ed25519 signature "
                        "does not verify");
    strata__ssh_key_free(k);
    free(p);
    strata_buf_free(&b);
}

/* Every CA and key family; a SHA-1 (ssh-rsa) CA signature is refused. */
static void test_families_and_sha1_ca(void **state)
{
    struct fixture *f = *state;
    EVP_PKEY *rsa = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
    EVP_PKEY *ec = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-384");
    struct ssh_key *rsa_pub = pub_of(rsa, "ssh-rsa");
    struct ssh_key *ec_pub = pub_of(ec, "ecdsa-sha2-nistp384");
    struct {
        EVP_PKEY *key;
        const char *key_type;
        EVP_PKEY *ca;
        const char *ca_alg;
        struct ssh_key *ca_pub;
        strata_status want;
    } cases[] = {
        {ec, "ecdsa-sha2-nistp384", rsa, "rsa-sha2-512", rsa_pub, STRATA_OK},
        {ec, "ecdsa-sha2-nistp384", rsa, "rsa-sha2-256", rsa_pub, STRATA_OK},
        {rsa, "ssh-rsa", ec, "ecdsa-sha2-nistp384", ec_pub, STRATA_OK},
        {rsa, "ssh-rsa", f->ca, "ssh-ed25519", f->ca_pub, STRATA_OK},
        {f->host, "ssh-ed25519", rsa, "ssh-rsa", rsa_pub, STRATA_E_SSH_CERT_SIGNATURE},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct ssh_cert_template t = host_template();
        strata_buf b;
        strata_error err;
        strata_error_clear(&err);
        strata_buf_init(&b, 0);
        assert_ok(strata__ssh_cert_build(cases[i].key, cases[i].key_type, &t, cases[i].ca,
                                         cases[i].ca_alg, &b, &err));
        struct ssh_key *k = parse(&b);
        const struct ssh_key *cas[] = {cases[i].ca_pub};
        assert_status(strata__ssh_cert_check_host(k, "host.example.com", NOW, cas, 1, &err),
                      cases[i].want);
        if (cases[i].want != STRATA_OK)
            assert_string_equal(strata_error_message(&err),
                                "certificate signed with ssh-rsa (SHA-1), which strata refuses");
        strata__ssh_key_free(k);
        strata_buf_free(&b);
    }
    strata__ssh_key_free(rsa_pub);
    strata__ssh_key_free(ec_pub);
    EVP_PKEY_free(rsa);
    EVP_PKEY_free(ec);
}

static void expect_parse_fail(const strata_buf *b, strata_status want, const char *msg)
{
    struct ssh_key *k = NULL;
    strata_error err;
    strata_error_clear(&err);
    assert_status(strata__ssh_key_from_blob(strata_buf_ptr(b), strata_buf_len(b), &k, &err), want);
    assert_null(k);
    if (msg)
        assert_string_equal(strata_error_message(&err), msg);
}

static void test_malformed_certs(void **state)
{
    struct fixture *f = *state;
    struct ssh_cert_template t = host_template();
    strata_buf b, opts;
    strata_error err;
    strata_error_clear(&err);
    strata_buf_init(&b, 0);
    strata_buf_init(&opts, 0);
    assert_ok(strata__ssh_cert_build(f->host, "ssh-ed25519", &t, f->ca, "ssh-ed25519", &b, &err));
    /* Every proper prefix fails; a trailing byte fails. */
    for (size_t cut = 0; cut < strata_buf_len(&b); cut++) {
        struct ssh_key *k = NULL;
        assert_true(strata__ssh_key_from_blob(strata_buf_ptr(&b), cut, &k, &err) != STRATA_OK);
        assert_null(k);
        strata_error_clear(&err);
    }
    assert_ok(strata_buf_put_u8(&b, 0));
    expect_parse_fail(&b, STRATA_E_TRAILING,
                      "ssh-ed25519-cert-v01@openssh.com blob has 1 trailing bytes");
    /* Certificate type 3. */
    strata_buf_reset(&b);
    t.type = 3;
    assert_ok(strata__ssh_cert_build(f->host, "ssh-ed25519", &t, f->ca, "ssh-ed25519", &b, &err));
    expect_parse_fail(&b, STRATA_E_FORMAT, "certificate type 3 is neither user nor host");
    /* Extensions out of order. */
    t = host_template();
    assert_ok(strata_buf_put_cstring(&opts, "permit-pty"));
    assert_ok(strata_buf_put_string(&opts, "", 0));
    assert_ok(strata_buf_put_cstring(&opts, "permit-X11-forwarding"));
    assert_ok(strata_buf_put_string(&opts, "", 0));
    t.ext = strata_buf_ptr(&opts);
    t.ext_len = strata_buf_len(&opts);
    strata_buf_reset(&b);
    assert_ok(strata__ssh_cert_build(f->host, "ssh-ed25519", &t, f->ca, "ssh-ed25519", &b, &err));
    expect_parse_fail(&b, STRATA_E_FORMAT, "certificate extensions are not unique and in order");
    /* An option sequence whose data is cut short. */
    strata_buf_reset(&opts);
    assert_ok(strata_buf_put_cstring(&opts, "permit-pty"));
    assert_ok(strata_buf_put_u32(&opts, 9));
    t.ext = strata_buf_ptr(&opts);
    t.ext_len = strata_buf_len(&opts);
    strata_buf_reset(&b);
    assert_ok(strata__ssh_cert_build(f->host, "ssh-ed25519", &t, f->ca, "ssh-ed25519", &b, &err));
    expect_parse_fail(&b, STRATA_E_TRUNCATED, "certificate extensions are truncated");
    /* A certificate as the signature key: hand-built, since no signer makes one. */
    strata_buf_reset(&b);
    t = host_template();
    assert_ok(strata__ssh_cert_build(f->host, "ssh-ed25519", &t, f->ca, "ssh-ed25519", &b, &err));
    strata_buf inner, nested;
    strata_buf_init(&inner, 0);
    strata_buf_init(&nested, 0);
    assert_ok(strata_buf_put(&inner, strata_buf_ptr(&b), strata_buf_len(&b)));
    /* name, nonce, key, serial, type, key id, principals, after, before,
     * critical, extensions, reserved; then the signature key is replaced. */
    strata_buf v;
    strata_buf_view(&v, strata_buf_ptr(&b), strata_buf_len(&b));
    const uint8_t *p;
    size_t pn;
    uint64_t u64;
    uint32_t u32;
    for (int i = 0; i < 3; i++)
        assert_ok(strata_buf_get_string(&v, &p, &pn));
    assert_ok(strata_buf_get_u64(&v, &u64));
    assert_ok(strata_buf_get_u32(&v, &u32));
    for (int i = 0; i < 2; i++)
        assert_ok(strata_buf_get_string(&v, &p, &pn));
    assert_ok(strata_buf_get_u64(&v, &u64));
    assert_ok(strata_buf_get_u64(&v, &u64));
    for (int i = 0; i < 3; i++)
        assert_ok(strata_buf_get_string(&v, &p, &pn));
    size_t head = strata_buf_len(&b) - strata_buf_len(&v);
    assert_ok(strata_buf_put(&nested, strata_buf_ptr(&b), head));
    assert_ok(strata_buf_put_stringb(&nested, &inner)); /* the certificate as CA key */
    assert_ok(strata_buf_put_string(&nested, "sig", 3));
    expect_parse_fail(&nested, STRATA_E_FORMAT,
                      "certificate signature key is itself a certificate");
    strata_buf_free(&inner);
    strata_buf_free(&nested);
    strata_buf_free(&opts);
    strata_buf_free(&b);
}

/* ---- certificates made by ssh-keygen ------------------------------------------ */

static void run(const char *cmd)
{
    int rc = system(cmd);
    if (rc != 0)
        fail_msg("command failed (%d): %s", rc, cmd);
}

static struct ssh_key *load_pub(const char *path)
{
    FILE *fp = fopen(path, "r");
    if (!fp)
        fail_msg("cannot open %s", path);
    char line[8192];
    assert_non_null(fgets(line, sizeof(line), fp));
    fclose(fp);
    char *b64 = strchr(line, ' ');
    assert_non_null(b64);
    b64++;
    size_t n = strcspn(b64, " \n");
    struct ssh_key *k = NULL;
    strata_error err;
    strata_error_clear(&err);
    strata_status st = strata__ssh_key_from_base64(b64, n, &k, &err);
    if (st != STRATA_OK)
        fail_msg("%s: %s", path, strata_error_message(&err));
    return k;
}

/* Makes a host key of key_args and signs it with the CA in dir as cert_args
 * say; checks the result at now for host. */
static strata_status keygen_check(const char *dir, const char *key_args, const char *cert_args,
                                  const char *host, const char *ca_name, char *msg, size_t cap)
{
    char cmd[1024], path[512];
    snprintf(cmd, sizeof(cmd), "rm -f %s/host %s/host.pub %s/host-cert.pub", dir, dir, dir);
    run(cmd);
    snprintf(cmd, sizeof(cmd), "ssh-keygen -q %s -N '' -C '' -f %s/host", key_args, dir);
    run(cmd);
    snprintf(cmd, sizeof(cmd), "ssh-keygen -q -s %s/ca %s %s/host.pub 2>/dev/null", dir, cert_args,
             dir);
    run(cmd);
    snprintf(path, sizeof(path), "%s/host-cert.pub", dir);
    struct ssh_key *cert = load_pub(path);
    snprintf(path, sizeof(path), "%s/%s.pub", dir, ca_name);
    struct ssh_key *ca = load_pub(path);
    const struct ssh_key *cas[] = {ca};
    strata_error err;
    strata_error_clear(&err);
    strata_status st = strata__ssh_cert_check_host(cert, host, (int64_t)time(NULL), cas, 1, &err);
    snprintf(msg, cap, "%s", strata_error_message(&err));
    strata__ssh_key_free(cert);
    strata__ssh_key_free(ca);
    return st;
}

static void test_ssh_keygen_certs(void **state)
{
    (void)state;
    char dir[] = "/tmp/strata-cert-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char cmd[1024], msg[STRATA_ERROR_MSG_MAX];
    static const char *const ca_types[] = {"-t ed25519", "-t ecdsa -b 384", "-t rsa -b 2048"};
    static const char *const key_types[] = {"-t ecdsa -b 256", "-t rsa -b 2048", "-t ed25519"};
    for (size_t i = 0; i < 3; i++) {
        snprintf(cmd, sizeof(cmd),
                 "rm -f %s/ca %s/ca.pub %s/other %s/other.pub && "
                 "ssh-keygen -q %s -N '' -C '' -f %s/ca && "
                 "ssh-keygen -q -t ed25519 -N '' -C '' -f %s/other",
                 dir, dir, dir, dir, ca_types[i], dir, dir);
        run(cmd);
        const char *kt = key_types[i];
        assert_ok(keygen_check(dir, kt, "-I web1 -h -n host.example.com,web1 -V -1h:+1h",
                               "host.example.com", "ca", msg, sizeof(msg)));
        assert_ok(keygen_check(dir, kt, "-I web1 -h -n host.example.com,web1 -V always:forever",
                               "web1", "ca", msg, sizeof(msg)));
        assert_status(keygen_check(dir, kt, "-I web1 -h -n host.example.com -V 20000101:20010101",
                                   "host.example.com", "ca", msg, sizeof(msg)),
                      STRATA_E_SSH_CERT_EXPIRED);
        assert_string_equal(strstr(msg, "expired at") ? "ok" : msg, "ok");
        assert_status(keygen_check(dir, kt, "-I web1 -h -n host.example.com -V 20990101:21000101",
                                   "host.example.com", "ca", msg, sizeof(msg)),
                      STRATA_E_SSH_CERT_NOT_YET_VALID);
        assert_status(keygen_check(dir, kt, "-I web1 -h -n host.example.com", "evil.example.com",
                                   "ca", msg, sizeof(msg)),
                      STRATA_E_SSH_CERT_PRINCIPAL);
        assert_string_equal(msg, "certificate \"web1\" is not valid for host evil.example.com");
        assert_status(
            keygen_check(dir, kt, "-I web1 -h", "host.example.com", "ca", msg, sizeof(msg)),
            STRATA_E_SSH_CERT_PRINCIPAL);
        assert_status(keygen_check(dir, kt, "-I alice -n host.example.com", "host.example.com",
                                   "ca", msg, sizeof(msg)),
                      STRATA_E_SSH_CERT_TYPE);
        assert_string_equal(msg,
                            "certificate \"alice\" is a user certificate, not a host certificate");
        assert_status(keygen_check(dir, kt, "-I web1 -h -n host.example.com", "host.example.com",
                                   "other", msg, sizeof(msg)),
                      STRATA_E_SSH_CERT_UNTRUSTED);
    }
    /* A bad signature: a byte of the nonce (signed) changed in the file. */
    snprintf(cmd, sizeof(cmd), "ssh-keygen -q -t ed25519 -N '' -C '' -f %s/ca2", dir);
    run(cmd);
    snprintf(cmd, sizeof(cmd),
             "rm -f %s/host %s/host.pub %s/host-cert.pub && "
             "ssh-keygen -q -t ed25519 -N '' -C '' -f %s/host && "
             "ssh-keygen -q -s %s/ca2 -I web1 -h -n h %s/host.pub 2>/dev/null",
             dir, dir, dir, dir, dir, dir);
    run(cmd);
    char path[512];
    snprintf(path, sizeof(path), "%s/host-cert.pub", dir);
    struct ssh_key *cert = load_pub(path);
    size_t n;
    const uint8_t *blob = strata__ssh_key_blob(cert, &n);
    uint8_t *p = malloc(n);
    memcpy(p, blob, n);
    p[4 + 32 + 4 + 5] ^= 0x80; /* inside the nonce */
    struct ssh_key *bad = NULL;
    strata_error err;
    strata_error_clear(&err);
    assert_ok(strata__ssh_key_from_blob(p, n, &bad, &err));
    snprintf(path, sizeof(path), "%s/ca2.pub", dir);
    struct ssh_key *ca = load_pub(path);
    const struct ssh_key *cas[] = {ca};
    assert_ok(strata__ssh_cert_check_host(cert, "h", (int64_t)time(NULL), cas, 1, &err));
    assert_status(strata__ssh_cert_check_host(bad, "h", (int64_t)time(NULL), cas, 1, &err),
                  STRATA_E_SSH_CERT_SIGNATURE);
    strata__ssh_key_free(ca);
    strata__ssh_key_free(bad);
    strata__ssh_key_free(cert);
    free(p);
    snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
    run(cmd);
}

/* OpenSSH parses a certificate strata built (and checks its CA signature while
 * parsing), and prints the fields strata wrote; a tampered one it refuses. */
static void test_openssh_reads_strata_cert(void **state)
{
    struct fixture *f = *state;
    char dir[] = "/tmp/strata-cert-XXXXXX";
    assert_non_null(mkdtemp(dir));
    EVP_PKEY *ec = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    struct ssh_cert_template t = host_template();
    t.valid_after = 1700000000;  /* 2023-11-14T22:13:20Z */
    t.valid_before = 1900000000; /* 2030-03-17T17:46:40Z */
    strata_buf b;
    strata_error err;
    strata_error_clear(&err);
    strata_buf_init(&b, 0);
    assert_ok(
        strata__ssh_cert_build(ec, "ecdsa-sha2-nistp256", &t, f->ca, "ssh-ed25519", &b, &err));
    struct ssh_key *k = parse(&b);
    char *line, path[256], cmd[1024];
    assert_ok(strata__ssh_key_to_line(k, &line));
    snprintf(path, sizeof(path), "%s/c-cert.pub", dir);
    FILE *fp = fopen(path, "w");
    fprintf(fp, "%s\n", line);
    fclose(fp);
    snprintf(cmd, sizeof(cmd),
             "ssh-keygen -L -f %s > %s/out 2>&1 && "
             "grep -q 'Type: ecdsa-sha2-nistp256-cert-v01@openssh.com host certificate' %s/out && "
             "grep -q 'Key ID: \"web1\"' %s/out && grep -q 'Serial: 7' %s/out && "
             "grep -q 'Signing CA: ED25519 ' %s/out && grep -q '10.0.0.1' %s/out && "
             "grep -q 'host.example.com' %s/out",
             path, dir, dir, dir, dir, dir, dir, dir);
    if (system(cmd) != 0) {
        snprintf(cmd, sizeof(cmd), "cat %s/out >&2", dir);
        (void)system(cmd);
        fail_msg("ssh-keygen -L did not accept strata's certificate");
    }
    free(line);
    /* The serial changed: OpenSSH refuses the CA signature too. */
    size_t n;
    const uint8_t *blob = strata__ssh_key_blob(k, &n);
    uint8_t *p = malloc(n);
    memcpy(p, blob, n);
    p[4 + 40 + 4 + 32 + 4 + 8 + 4 + 65 + 7] ^= 1; /* name, nonce, curve, point, serial */
    char *b64 = malloc(4 * ((n + 2) / 3) + 1);
    EVP_EncodeBlock((unsigned char *)b64, p, (int)n);
    fp = fopen(path, "w");
    fprintf(fp, "ecdsa-sha2-nistp256-cert-v01@openssh.com %s\n", b64);
    fclose(fp);
    snprintf(cmd, sizeof(cmd), "ssh-keygen -L -f %s >/dev/null 2>&1", path);
    assert_int_not_equal(system(cmd), 0);
    struct ssh_key *bad = NULL;
    assert_ok(strata__ssh_key_from_blob(p, n, &bad, &err));
    struct ssh_cert_info info;
    assert_ok(strata__ssh_cert_info(bad, &info));
    assert_int_equal(info.serial, 6);
    const struct ssh_key *cas[] = {f->ca_pub};
    assert_status(strata__ssh_cert_check_host(bad, "host.example.com", NOW, cas, 1, &err),
                  STRATA_E_SSH_CERT_SIGNATURE);
    strata__ssh_key_free(bad);
    free(b64);
    free(p);
    strata__ssh_key_free(k);
    strata_buf_free(&b);
    EVP_PKEY_free(ec);
    snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
    run(cmd);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid_host_cert),
        cmocka_unit_test(test_cert_accessors_and_algs),
        cmocka_unit_test(test_expired_and_not_yet_valid),
        cmocka_unit_test(test_principals),
        cmocka_unit_test(test_user_cert_as_host),
        cmocka_unit_test(test_critical_option_refused),
        cmocka_unit_test(test_untrusted_ca),
        cmocka_unit_test(test_bad_signature),
        cmocka_unit_test(test_families_and_sha1_ca),
        cmocka_unit_test(test_malformed_certs),
        cmocka_unit_test(test_ssh_keygen_certs),
        cmocka_unit_test(test_openssh_reads_strata_cert),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
