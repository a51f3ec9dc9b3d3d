/* tools/strata/cli_opts.c: option values, seconds and byte counts with their
 * exact error texts, and the -v stack-event log (a layer coming up). */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "testutil.h"
#include "framelayer.h"
#include "cli.h"

/* Captures stderr into a buffer while f runs. */
static char captured[2048];
static void capture_start(FILE **saved, int *fd_saved)
{
    fflush(stderr);
    *fd_saved = dup(2);
    *saved = tmpfile();
    dup2(fileno(*saved), 2);
}
static void capture_end(FILE *f, int fd_saved)
{
    fflush(stderr);
    dup2(fd_saved, 2);
    close(fd_saved);
    rewind(f);
    size_t n = fread(captured, 1, sizeof(captured) - 1, f);
    captured[n] = '\0';
    fclose(f);
}

static void test_opt_value(void **state)
{
    (void)state;
    char *argv[] = {"cmd", "--timeout", "5", "--timeout=7", "--timeoutx", "--timeout"};
    int argc = 6, i = 1, bad = 0;
    assert_string_equal(cli_opt_value(argc, argv, &i, "--timeout", &bad), "5");
    assert_int_equal(i, 2);
    i = 3;
    assert_string_equal(cli_opt_value(argc, argv, &i, "--timeout", &bad), "7");
    assert_int_equal(i, 3);
    i = 4;
    assert_null(cli_opt_value(argc, argv, &i, "--timeout", &bad));
    i = 5;
    FILE *f;
    int fd;
    capture_start(&f, &fd);
    const char *v = cli_opt_value(argc, argv, &i, "--timeout", &bad);
    capture_end(f, fd);
    assert_string_equal(v, "");
    assert_int_equal(bad, 1);
    assert_string_equal(captured, "strata: option --timeout needs a value\n");
}

/* A single-letter option's number and getopt's two errors, with their words
 * (strata ssh, sftp and scp share them). */
static void test_opt_uint_and_getopt_error(void **state)
{
    (void)state;
    unsigned long long v = 0;
    FILE *f;
    int fd;
    assert_int_equal(cli_opt_uint('P', "2222", 65535, &v), 0);
    assert_int_equal(v, 2222);
    static const char *const bad[] = {"0", "65536", "22x", "", "-1", "99999999999999999999"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char want[128];
        snprintf(want, sizeof want, "strata: invalid -P value '%s' (1..65535)\n", bad[i]);
        capture_start(&f, &fd);
        int rc = cli_opt_uint('P', bad[i], 65535, &v);
        capture_end(f, fd);
        assert_int_equal(rc, -1);
        assert_string_equal(captured, want);
    }
    capture_start(&f, &fd);
    cli_getopt_error('p', "pl");
    cli_getopt_error('Z', "pl");
    capture_end(f, fd);
    assert_string_equal(captured,
                        "strata: option requires an argument -- p\nstrata: unknown option -- Z\n");
}

static void test_seconds(void **state)
{
    (void)state;
    uint64_t ms = 0;
    assert_int_equal(cli_parse_seconds("--t", "10", 86400, &ms), 0);
    assert_int_equal(ms, 10000);
    assert_int_equal(cli_parse_seconds("--t", "0.5", 86400, &ms), 0);
    assert_int_equal(ms, 500);
    assert_int_equal(cli_parse_seconds("--t", ".25", 86400, &ms), 0);
    assert_int_equal(ms, 250);
    assert_int_equal(cli_parse_seconds("--t", "86400", 86400, &ms), 0);
    const char *bad[] = {"0", "0.0", "", ".", "1.2345", "-1", "1e3", "86401", "9999999999", "5s"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        FILE *f;
        int fd;
        ms = 42;
        capture_start(&f, &fd);
        int r = cli_parse_seconds("--t", bad[i], 86400, &ms);
        capture_end(f, fd);
        if (r != -1)
            fail_msg("'%s' accepted as %llu ms", bad[i], (unsigned long long)ms);
        assert_int_equal(ms, 42);
        char want[128];
        snprintf(want, sizeof(want),
                 "strata: option --t: '%s' is not a number of seconds in (0, 86400]\n", bad[i]);
        assert_string_equal(captured, want);
    }
}

static void test_bytes(void **state)
{
    (void)state;
    uint64_t v = 0;
    assert_int_equal(cli_parse_bytes("--b", "123", 1, 1ull << 40, &v), 0);
    assert_int_equal(v, 123);
    assert_int_equal(cli_parse_bytes("--b", "4K", 1, 1ull << 40, &v), 0);
    assert_int_equal(v, 4096);
    assert_int_equal(cli_parse_bytes("--b", "16M", 1, 1ull << 40, &v), 0);
    assert_int_equal(v, 16u << 20);
    assert_int_equal(cli_parse_bytes("--b", "1G", 1, 1ull << 40, &v), 0);
    assert_true(v == 1ull << 30);
    const char *bad[] = {"0", "", "K", "12X", "1KB", "2048G", "999999999999G", "-5"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        FILE *f;
        int fd;
        capture_start(&f, &fd);
        int r = cli_parse_bytes("--b", bad[i], 1, 1ull << 40, &v);
        capture_end(f, fd);
        if (r != -1)
            fail_msg("'%s' accepted", bad[i]);
        char want[160];
        snprintf(want, sizeof(want),
                 "strata: option --b: '%s' is not a byte count from 1 to 1099511627776 "
                 "(suffixes K, M, G)\n",
                 bad[i]);
        assert_string_equal(captured, want);
    }
}

static char logged[1024];
static void log_fn(enum strata_log_level level, const char *module, const char *msg, void *user)
{
    (void)level;
    (void)user;
    size_t n = strlen(logged);
    snprintf(logged + n, sizeof(logged) - n, "[%s] %s\n", module, msg);
}

/* Moves bytes between two stacks' wire faces until neither has any. */
static void shuttle(strata_stack *a, strata_stack *b)
{
    for (int round = 0; round < 100; round++) {
        int moved = 0;
        strata_stack *from[2] = {a, b}, *to[2] = {b, a};
        for (int k = 0; k < 2; k++) {
            size_t n, used;
            strata_status st;
            const uint8_t *p = strata_stack_wire_out(from[k], &n, &st);
            if (n == 0)
                continue;
            assert_ok(strata_stack_wire_write(to[k], p, n, &used));
            strata_stack_wire_ack(from[k], used);
            moved |= used > 0;
        }
        if (!moved)
            return;
    }
}

static void test_stack_events_logged(void **state)
{
    (void)state;
    strata_stack *a, *b;
    logged[0] = '\0';
    strata_log_set(STRATA_LOG_INFO, log_fn, NULL);
    assert_ok(strata_stack_new(cli_stack_config(), &a));
    assert_ok(strata_stack_new(NULL, &b));
    assert_ok(strata_stack_push(a, framelayer_new(9, 0), NULL, 0));
    assert_ok(strata_stack_push(b, framelayer_new(9, 0), NULL, 0));
    shuttle(a, b);
    assert_string_equal(logged, "[stack] layer 1 (test-frame) up\n");
    logged[0] = '\0';
    assert_ok(strata_stack_pop(b));
    shuttle(a, b);
    assert_non_null(strstr(logged, "[stack] layer 1 (test-frame) closed by the peer\n"));
    strata_log_set(STRATA_LOG_INFO, NULL, NULL);
    strata_stack_free(a);
    strata_stack_free(b);
}

static void test_exit_codes(void **state)
{
    (void)state;
    assert_int_equal(cli_exit_code(STRATA_E_USAGE), CLI_USAGE);
    assert_int_equal(cli_exit_code(STRATA_E_STATE), CLI_USAGE);
    assert_int_equal(cli_exit_code(STRATA_E_IO), CLI_FAIL);
    assert_int_equal(cli_exit_code(STRATA_E_TIMEOUT), CLI_FAIL);
    assert_int_equal(cli_exit_code(STRATA_E_LAYER_FAILED), CLI_FAIL);
}

/* -v, -vv, -vvv (any number of v), --verbose: one level each. */
static void test_std_opt_verbose(void **state)
{
    (void)state;
    int v = 0;
    assert_int_equal(cli_std_opt("-v", &v), CLI_STD_TAKEN);
    assert_int_equal(v, 1);
    assert_int_equal(cli_std_opt("-vv", &v), CLI_STD_TAKEN);
    assert_int_equal(v, 3);
    assert_int_equal(cli_std_opt("-vvv", &v), CLI_STD_TAKEN);
    assert_int_equal(v, 6);
    assert_int_equal(cli_std_opt("--verbose", &v), CLI_STD_TAKEN);
    assert_int_equal(v, 7);
    assert_int_equal(cli_std_opt("--help", &v), CLI_STD_HELP);
    assert_int_equal(cli_std_opt("-h", &v), CLI_STD_HELP);
    static const char *const other[] = {"-", "-vx", "-x", "--vv", "v", "-V", ""};
    for (size_t i = 0; i < sizeof(other) / sizeof(other[0]); i++)
        assert_int_equal(cli_std_opt(other[i], &v), CLI_STD_OTHER);
    assert_int_equal(v, 7);
    cli_verbose(3);
    assert_int_equal(cli_verbosity(), 3);
    assert_true(strata_log_enabled(STRATA_LOG_TRACE));
    cli_verbose(2);
    assert_false(strata_log_enabled(STRATA_LOG_TRACE));
    assert_true(strata_log_enabled(STRATA_LOG_DEBUG));
    strata_log_set(STRATA_LOG_ERROR, NULL, NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_opt_value),
        cmocka_unit_test(test_seconds),
        cmocka_unit_test(test_opt_uint_and_getopt_error),
        cmocka_unit_test(test_bytes),
        cmocka_unit_test(test_stack_events_logged),
        cmocka_unit_test(test_exit_codes),
        cmocka_unit_test(test_std_opt_verbose),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
