/* strata cert helpers: option parsing, --san normalisation, output checks,
 * and the cert verbs run in-process. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <dirent.h>
#include <sys/stat.h>

#include "testutil.h"
#include "cli.h"
#include "cert_util.h"

static void test_san_normalise(void **state)
{
    (void)state;
    char *out = NULL;
    assert_int_equal(cert_san_normalise("localhost,127.0.0.1,::1,a@b.example,DNS:x.example,"
                                        "URI:https://u.example/, spaced.example",
                                        &out),
                     CLI_OK);
    assert_string_equal(out, "DNS:localhost,IP:127.0.0.1,IP:::1,email:a@b.example,DNS:x.example,"
                             "URI:https://u.example/,DNS:spaced.example");
    free(out);
    assert_int_equal(cert_san_normalise(",,", &out), CLI_USAGE);
    assert_null(out);
}

/* --san takes only well-formed DNS names, IPs, emails and URIs. */
static void test_san_rejects(void **state)
{
    (void)state;
    char *out = NULL;
    static const char *const bad[] = {
        "bogus name!",    "FOO:bar",      "IP:999.1.1.1",        "DNS:a..b",
        "DNS:-",          "email:nobody", "email:a b@c.example", "URI:no-scheme",
        "URI:http://a b", "a.*.example",  "x,,IP:1.2.3",         "DNS:" /* empty */,
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_int_equal(cert_san_normalise(bad[i], &out), CLI_USAGE);
        assert_null(out);
    }
    assert_int_equal(cert_san_normalise("*.example.com,URI:spiffe://t.example/w,"
                                        "email:a.b+c@d.example,_srv.example ",
                                        &out),
                     CLI_OK);
    assert_string_equal(out, "DNS:*.example.com,URI:spiffe://t.example/w,email:a.b+c@d.example,"
                             "DNS:_srv.example");
    free(out);
    /* Names for issue NAME...: IP or DNS only. */
    const char *names[] = {"localhost", "127.0.0.1", "*.example.com", "::1"};
    assert_int_equal(cert_san_from_names(names, 4, 0, &out), CLI_OK);
    assert_string_equal(out, "DNS:localhost,IP:127.0.0.1,DNS:*.example.com,IP:::1");
    free(out);
    const char *mail[] = {"a@b.example"};
    assert_int_equal(cert_san_from_names(mail, 1, 1, &out), CLI_USAGE);
    assert_null(out);
}

static void test_parse_time_and_days(void **state)
{
    (void)state;
    time_t t = 0, now = 1700000000;
    assert_int_equal(cert_parse_time("-2d", now, &t), CLI_OK);
    assert_int_equal(t, now - 2 * 86400);
    assert_int_equal(cert_parse_time("+90m", now, &t), CLI_OK);
    assert_int_equal(t, now + 5400);
    assert_int_equal(cert_parse_time("@1600000000", now, &t), CLI_OK);
    assert_int_equal(t, 1600000000);
    assert_int_equal(cert_parse_time("2024-01-31", now, &t), CLI_OK);
    assert_int_equal(t, 1706659200);
    assert_int_equal(cert_parse_time("2024-01-31T12:00:00Z", now, &t), CLI_OK);
    assert_int_equal(t, 1706702400);
    static const char *const bad[] = {"yesterday", "-2", "-2w", "2024-01-31T12:00", "@", "-d"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_int_equal(cert_parse_time(bad[i], now, &t), CLI_USAGE);
    long d = 0;
    assert_int_equal(cert_parse_days(NULL, 365, &d), CLI_OK);
    assert_int_equal(d, 365);
    assert_int_equal(cert_parse_days("0", 365, &d), CLI_USAGE);
    assert_int_equal(cert_parse_days("36501", 365, &d), CLI_USAGE);
    assert_int_equal(cert_parse_days("7x", 365, &d), CLI_USAGE);
}

static void test_option_parsing(void **state)
{
    (void)state;
    const char *a = NULL, *flag = NULL, *list[2];
    size_t nlist = 0, npos = 0;
    const struct cert_opt opts[] = {
        CERT_ARG("--alpha", "-a", a),
        CERT_FLAG("--flag", NULL, flag),
        CERT_LIST("--item", NULL, list, nlist),
        CERT_END,
    };
    const char *pos[2];
    int help = 0;
    char *argv1[] = {"verb", "p1", "--alpha=x", "--flag", "--item", "i1", "--item", "i2", "p2"};
    assert_int_equal(cert_parse(9, argv1, opts, pos, 2, &npos, &help), CLI_OK);
    assert_string_equal(a, "x");
    assert_non_null(flag);
    assert_int_equal(nlist, 2);
    assert_string_equal(list[1], "i2");
    assert_int_equal(npos, 2);
    assert_string_equal(pos[1], "p2");
    nlist = 0;
    char *argv2[] = {"verb", "--item", "1", "--item", "2", "--item", "3"};
    assert_int_equal(cert_parse(7, argv2, opts, pos, 2, &npos, &help), CLI_USAGE);
    char *argv3[] = {"verb", "--nope"};
    assert_int_equal(cert_parse(2, argv3, opts, pos, 2, &npos, &help), CLI_USAGE);
    char *argv4[] = {"verb", "-a"};
    assert_int_equal(cert_parse(2, argv4, opts, pos, 2, &npos, &help), CLI_USAGE);
    char *argv5[] = {"verb", "--flag=1"};
    assert_int_equal(cert_parse(2, argv5, opts, pos, 2, &npos, &help), CLI_USAGE);
    char *argv6[] = {"verb", "x", "y", "z"};
    assert_int_equal(cert_parse(4, argv6, opts, pos, 2, &npos, &help), CLI_USAGE);
    char *argv7[] = {"verb", "--help"};
    assert_int_equal(cert_parse(2, argv7, opts, pos, 2, &npos, &help), CLI_OK);
    assert_int_equal(help, 1);
    char *argv8[] = {"verb", "--", "--flag"};
    flag = NULL;
    assert_int_equal(cert_parse(3, argv8, opts, pos, 2, &npos, &help), CLI_OK);
    assert_null(flag);
    assert_string_equal(pos[0], "--flag");
}

static void test_verbs_in_process(void **state)
{
    (void)state;
    char dir[] = "/tmp/strata-cli-cert-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char ca[256], cakey[256], srv[256], srvkey[256];
    snprintf(ca, sizeof(ca), "%s/ca.pem", dir);
    snprintf(cakey, sizeof(cakey), "%s/ca.key", dir);
    snprintf(srv, sizeof(srv), "%s/srv.pem", dir);
    snprintf(srvkey, sizeof(srvkey), "%s/srv.key", dir);
    char *ca_argv[] = {"cert", "ca", "--subject", "/CN=Unit CA", "--key",
                       cakey,  "-o", ca,          "--key-type",  "ed25519"};
    assert_int_equal(cmd_cert(10, ca_argv), CLI_OK);
    char *issue_argv[] = {"cert",      "issue",         "--ca",  ca,     "--ca-key", cakey,
                          "--subject", "/CN=localhost", "--key", srvkey, "-o",       srv};
    assert_int_equal(cmd_cert(12, issue_argv), CLI_OK);
    struct stat st;
    assert_int_equal(stat(srvkey, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    assert_int_equal(cert_check_new(srv, 0), CLI_FAIL);
    assert_int_equal(cert_check_new(srv, 1), CLI_OK);
    char *verify_argv[] = {"cert", "verify", "--ca", ca, "--name", "localhost", srv};
    assert_int_equal(cmd_cert(7, verify_argv), CLI_OK);
    char *wrong_argv[] = {"cert", "verify", "--ca", ca, "--name", "other.example", srv};
    assert_int_equal(cmd_cert(7, wrong_argv), CLI_FAIL);
    char *usage_argv[] = {"cert", "verify", srv};
    assert_int_equal(cmd_cert(3, usage_argv), CLI_USAGE);
    char *curve_argv[] = {"cert", "key", "--type", "ec:p999", "-o", srvkey, "--force"};
    assert_int_equal(cmd_cert(7, curve_argv), CLI_USAGE);
    char *none_argv[] = {"cert"};
    assert_int_equal(cmd_cert(1, none_argv), CLI_USAGE);
    unlink(ca);
    unlink(cakey);
    unlink(srv);
    unlink(srvkey);
    rmdir(dir);
}

/* Entries in dir other than "." and "..": what a run left behind. */
static int count_files(const char *dir)
{
    DIR *d = opendir(dir);
    int n = 0;
    for (struct dirent *e; d && (e = readdir(d)) != NULL;)
        n += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
    if (d)
        closedir(d);
    return n;
}

/* A refused or failed run leaves no file: not the key it would have made,
 * not a temporary file, not a partial certificate. */
static void test_refused_runs_leave_nothing(void **state)
{
    (void)state;
    char dir[] = "/tmp/strata-cli-cert-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char ca[256], cakey[256], other[256], otherkey[256], key[256], out[256], nodir[256];
    snprintf(ca, sizeof(ca), "%s/ca.pem", dir);
    snprintf(cakey, sizeof(cakey), "%s/ca.key", dir);
    snprintf(other, sizeof(other), "%s/other.pem", dir);
    snprintf(otherkey, sizeof(otherkey), "%s/other.key", dir);
    snprintf(key, sizeof(key), "%s/new.key", dir);
    snprintf(out, sizeof(out), "%s/new.pem", dir);
    snprintf(nodir, sizeof(nodir), "%s/missing/new.pem", dir);
    char *ca_argv[] = {"cert", "ca", "--subject", "/CN=Unit CA", "--key", cakey, "-o", ca};
    assert_int_equal(cmd_cert(8, ca_argv), CLI_OK);
    char *other_argv[] = {"cert", "ca", "--subject", "/CN=Other", "--key", otherkey, "-o", other};
    assert_int_equal(cmd_cert(8, other_argv), CLI_OK);
    assert_int_equal(count_files(dir), 4);

    char *days0[] = {"cert",  "issue", "--ca", ca,   "--ca-key", cakey,    "--subject",
                     "/CN=x", "--key", key,    "-o", out,        "--days", "0"};
    assert_int_equal(cmd_cert(14, days0), CLI_USAGE);
    char *ca_days0[] = {"cert", "ca", "--subject", "/CN=y", "--key", key, "-o", out, "--days", "0"};
    assert_int_equal(cmd_cert(10, ca_days0), CLI_USAGE);
    char *wrong_key[] = {"cert",      "issue", "--ca",  ca,  "--ca-key", otherkey,
                         "--subject", "/CN=x", "--key", key, "-o",       out};
    assert_int_equal(cmd_cert(12, wrong_key), CLI_FAIL);
    char *bad_ip[] = {"cert",  "issue", "--ca", ca,   "--ca-key", cakey,   "--subject",
                      "/CN=x", "--key", key,    "-o", out,        "--san", "IP:999.1.1.1"};
    assert_int_equal(cmd_cert(14, bad_ip), CLI_USAGE);
    char *no_dir[] = {"cert",      "issue", "--ca",  ca,  "--ca-key", cakey,
                      "--subject", "/CN=x", "--key", key, "-o",       nodir};
    assert_int_equal(cmd_cert(12, no_dir), CLI_FAIL);
    /* The certificate cannot be written where -o points (a directory): the
     * key made for it goes too, with --force as well. */
    char *to_dir[] = {"cert",  "issue", "--ca", ca,   "--ca-key", cakey,    "--subject",
                      "/CN=x", "--key", key,    "-o", dir,        "--force"};
    assert_int_equal(cmd_cert(13, to_dir), CLI_FAIL);
    char *csr_days[] = {"cert", "csr", "--subject", "/CN=x", "--key",
                        key,    "-o",  out,         "--san", "a b"};
    assert_int_equal(cmd_cert(10, csr_days), CLI_USAGE);
    assert_int_equal(access(key, F_OK), -1);
    assert_int_equal(access(out, F_OK), -1);
    assert_int_equal(count_files(dir), 4);

    /* The same run that works writes both. */
    char *good[] = {"cert",      "issue", "--ca",  ca,  "--ca-key", cakey,
                    "--subject", "/CN=x", "--key", key, "-o",       out};
    assert_int_equal(cmd_cert(12, good), CLI_OK);
    assert_int_equal(count_files(dir), 6);
    unlink(ca);
    unlink(cakey);
    unlink(other);
    unlink(otherkey);
    unlink(key);
    unlink(out);
    assert_int_equal(rmdir(dir), 0);
}

/* issue NAME...: the local CA made once in $XDG_DATA_HOME/strata/ca (0700,
 * key 0600), NAME.pem / NAME-key.pem here, the CA reused on the next run. */
static void test_issue_local(void **state)
{
    (void)state;
    char dir[] = "/tmp/strata-cli-local-XXXXXX", cwd[4096], path[512];
    assert_non_null(mkdtemp(dir));
    assert_non_null(getcwd(cwd, sizeof(cwd)));
    assert_int_equal(chdir(dir), 0);
    char *old = getenv("XDG_DATA_HOME") ? strdup(getenv("XDG_DATA_HOME")) : NULL;
    snprintf(path, sizeof(path), "%s/xdg", dir);
    setenv("XDG_DATA_HOME", path, 1);
    char *argv1[] = {"cert", "issue", "*.example.com", "localhost", "127.0.0.1"};
    assert_int_equal(cmd_cert(5, argv1), CLI_OK);
    struct stat st, ca1;
    assert_int_equal(stat("_wildcard.example.com.pem", &st), 0);
    assert_int_equal(stat("_wildcard.example.com-key.pem", &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    snprintf(path, sizeof(path), "%s/xdg/strata/ca", dir);
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0700);
    snprintf(path, sizeof(path), "%s/xdg/strata/ca/rootCA-key.pem", dir);
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    snprintf(path, sizeof(path), "%s/xdg/strata/ca/rootCA.pem", dir);
    assert_int_equal(stat(path, &ca1), 0);
    char *verify[] = {
        "cert", "verify", "--ca", path, "--name", "a.example.com", "_wildcard.example.com.pem"};
    assert_int_equal(cmd_cert(7, verify), CLI_OK);
    /* Again: refused without --force, and the CA is the same one. */
    assert_int_equal(cmd_cert(5, argv1), CLI_FAIL);
    char *argv2[] = {"cert", "issue", "::1", "--not-before", "-2d", "--days", "1"};
    assert_int_equal(cmd_cert(7, argv2), CLI_OK);
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_ino, ca1.st_ino);
    assert_int_equal(st.st_mtime, ca1.st_mtime);
    char *expired[] = {"cert", "verify", "--ca", path, "__1.pem"};
    assert_int_equal(cmd_cert(5, expired), CLI_FAIL);
    /* Mixed with the --ca options, or a name that is not one: usage. */
    char *mixed[] = {"cert", "issue", "localhost", "-o", "x.pem"};
    assert_int_equal(cmd_cert(5, mixed), CLI_USAGE);
    char *badname[] = {"cert", "issue", "not a name"};
    assert_int_equal(cmd_cert(3, badname), CLI_USAGE);
    assert_int_equal(access("not a name.pem", F_OK), -1);
    if (old) {
        setenv("XDG_DATA_HOME", old, 1);
        free(old);
    } else {
        unsetenv("XDG_DATA_HOME");
    }
    assert_int_equal(chdir(cwd), 0);
    char cmd[600];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_san_normalise),
        cmocka_unit_test(test_san_rejects),
        cmocka_unit_test(test_parse_time_and_days),
        cmocka_unit_test(test_refused_runs_leave_nothing),
        cmocka_unit_test(test_issue_local),
        cmocka_unit_test(test_option_parsing),
        cmocka_unit_test(test_verbs_in_process),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
