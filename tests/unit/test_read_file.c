/* The one bounded file reader (strata_pki_read_file_ex, strata/pki.h): the
 * limit is exact, a missing file keeps its errno, key-file checks refuse what
 * OpenSSH refuses, and a stream reads the same way. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "testutil.h"

static void write_file(const char *path, size_t n, mode_t mode)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    for (size_t i = 0; i < n; i++)
        assert_int_not_equal(fputc('a' + (int)(i % 26), f), EOF);
    assert_int_equal(fclose(f), 0);
    assert_int_equal(chmod(path, mode), 0);
}

static char dir[64];

static int setup(void **state)
{
    (void)state;
    snprintf(dir, sizeof(dir), "/tmp/strata-read-XXXXXX");
    return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : -1;
}

/* A file of exactly max bytes reads whole (across several chunks); one byte
 * more is E_LIMIT naming the file and the limit. */
static void test_limit_is_exact(void **state)
{
    (void)state;
    char path[128];
    snprintf(path, sizeof(path), "%s/f", dir);
    strata_error err;
    strata_buf b;
    write_file(path, 10000, 0644);
    strata_error_clear(&err);
    assert_ok(strata_pki_read_file_ex(path, 10000, 0, &b, &err));
    assert_int_equal(strata_buf_len(&b), 10000);
    assert_int_equal(strata_buf_ptr(&b)[9999], 'a' + 9999 % 26);
    strata_buf_free(&b);
    assert_status(strata_pki_read_file_ex(path, 9999, 0, &b, &err), STRATA_E_LIMIT);
    char want[256];
    snprintf(want, sizeof(want), "%s is larger than the limit of 9999 bytes", path);
    assert_string_equal(strata_error_message(&err), want);
    strata_buf_free(&b);
    /* The same through a stream, which cannot know the size beforehand. */
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    strata_error_clear(&err);
    assert_status(strata_pki_read_stream_ex(f, "the pipe", 9999, 0, &b, &err), STRATA_E_LIMIT);
    assert_string_equal(strata_error_message(&err),
                        "the pipe is larger than the limit of 9999 bytes");
    strata_buf_free(&b);
    rewind(f);
    strata_error_clear(&err);
    assert_ok(strata_pki_read_stream_ex(f, "the pipe", 10000, STRATA_READ_SECRET, &b, &err));
    assert_int_equal(strata_buf_len(&b), 10000);
    strata_buf_free(&b);
    fclose(f);
    /* An empty file is empty, not an error. */
    write_file(path, 0, 0644);
    assert_ok(strata_pki_read_file(path, &b, 0, &err));
    assert_int_equal(strata_buf_len(&b), 0);
    strata_buf_free(&b);
}

static void test_missing_file_keeps_errno(void **state)
{
    (void)state;
    char path[128];
    snprintf(path, sizeof(path), "%s/none", dir);
    strata_error err;
    strata_error_clear(&err);
    strata_buf b;
    assert_status(strata_pki_read_file_ex(path, 0, 0, &b, &err), STRATA_E_IO);
    assert_int_equal(strata_error_errno(&err), ENOENT);
    char want[256];
    snprintf(want, sizeof(want), "cannot open %s: %s", path, strerror(ENOENT));
    assert_string_equal(strata_error_message(&err), want);
    strata_buf_free(&b);
}

/* REGULAR refuses a directory; PRIVATE refuses a key file others may read
 * (when we own it), and takes one that only we can read. */
static void test_key_file_checks(void **state)
{
    (void)state;
    char path[128];
    strata_error err;
    strata_buf b;
    strata_error_clear(&err);
    assert_status(strata_pki_read_file_ex(dir, 0, STRATA_READ_REGULAR, &b, &err), STRATA_E_USAGE);
    assert_non_null(strstr(strata_error_message(&err), "is not a regular file"));
    strata_buf_free(&b);
    snprintf(path, sizeof(path), "%s/key", dir);
    write_file(path, 100, 0640);
    strata_error_clear(&err);
    assert_status(strata_pki_read_file_ex(path, 0, STRATA_READ_PRIVATE, &b, &err), STRATA_E_USAGE);
    assert_non_null(strstr(strata_error_message(&err), "permissions 0640 for"));
    strata_buf_free(&b);
    assert_int_equal(chmod(path, 0600), 0);
    strata_error_clear(&err);
    assert_ok(strata_pki_read_file_ex(path, 0, STRATA_READ_PRIVATE, &b, &err));
    assert_int_equal(strata_buf_len(&b), 100);
    strata_buf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_limit_is_exact),
        cmocka_unit_test(test_missing_file_keeps_errno),
        cmocka_unit_test(test_key_file_checks),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
