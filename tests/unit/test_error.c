/* base/error: sticky errors and OpenSSL's error queue. */
#include <string.h>
#include <openssl/evp.h>
#include <openssl/err.h>

#include "testutil.h"
#include "base/error_internal.h"

static void test_first_error_sticks(void **state)
{
    (void)state;
    strata_error e;
    strata_error_clear(&e);
    assert_string_equal(strata_error_message(&e), "");
    assert_status(strata__error_set(&e, STRATA_E_FORMAT, "bad packet length %u", 7u),
                  STRATA_E_FORMAT);
    assert_status(strata__error_set(&e, STRATA_E_IO, "later"), STRATA_E_IO);
    assert_int_equal(e.status, STRATA_E_FORMAT);
    assert_string_equal(strata_error_message(&e), "bad packet length 7");
}

static void test_openssl_queue_is_copied(void **state)
{
    (void)state;
    strata_error e;
    strata_error_clear(&e);
    /* A real OpenSSL failure: an unknown cipher name. */
    EVP_CIPHER *c = EVP_CIPHER_fetch(NULL, "no-such-cipher", NULL);
    assert_null(c);
    assert_status(strata__error_set_ossl(&e, STRATA_E_CRYPTO, "fetching cipher"), STRATA_E_CRYPTO);
    assert_true(e.n_ossl >= 1);
    assert_true(strlen(e.ossl[0].lib) > 0);
    assert_true(strlen(e.ossl[0].reason) > 0);
    assert_int_equal(ERR_peek_error(), 0); /* the queue was drained */
    char buf[512];
    strata_error_format(&e, buf, sizeof(buf));
    assert_non_null(strstr(buf, "fetching cipher ("));
    assert_non_null(strstr(buf, e.ossl[0].reason));
}

static int log_calls;
static void log_cb(enum strata_log_level level, const char *module, const char *msg, void *user)
{
    (void)user;
    assert_int_equal(level, STRATA_LOG_INFO);
    assert_string_equal(module, "test");
    assert_string_equal(msg, "hello 42");
    log_calls++;
}

static void test_log_hook(void **state)
{
    (void)state;
    /* Silent by default: no level is enabled, not even errors. */
    assert_false(strata_log_enabled(STRATA_LOG_ERROR));
    strata_log(STRATA_LOG_ERROR, "test", "silent by default %d", 1);
    strata_log_set(STRATA_LOG_INFO, log_cb, NULL);
    assert_true(strata_log_enabled(STRATA_LOG_ERROR));
    assert_true(strata_log_enabled(STRATA_LOG_INFO));
    assert_false(strata_log_enabled(STRATA_LOG_DEBUG));
    strata_log(STRATA_LOG_INFO, "test", "hello %d", 42);
    strata_log(STRATA_LOG_DEBUG, "test", "filtered %d", 1);
    assert_int_equal(log_calls, 1);
    /* A level without a callback stays silent. */
    strata_log_set(STRATA_LOG_DEBUG, NULL, NULL);
    assert_false(strata_log_enabled(STRATA_LOG_ERROR));
    strata_log(STRATA_LOG_INFO, "test", "hello %d", 42);
    assert_int_equal(log_calls, 1);
    strata_log_set(STRATA_LOG_ERROR, NULL, NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_first_error_sticks),
        cmocka_unit_test(test_openssl_queue_is_copied),
        cmocka_unit_test(test_log_hook),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
