/* strata cert helpers: option parsing, --san normalisation, output checks,
 * and the cert verbs run in-process. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_san_normalise),
        cmocka_unit_test(test_option_parsing),
        cmocka_unit_test(test_verbs_in_process),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
