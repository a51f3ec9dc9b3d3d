/* base/buf: bounds-checked wire types of RFC 4251 §5. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ct_wrap.h"
#include "testutil.h"

static void test_u32_u64_roundtrip(void **state)
{
    (void)state;
    strata_buf b;
    strata_buf_init(&b, 0);
    assert_ok(strata_buf_put_u8(&b, 0xab));
    assert_ok(strata_buf_put_bool(&b, 7));
    assert_ok(strata_buf_put_u32(&b, 0x01020304));
    assert_ok(strata_buf_put_u64(&b, 0x1122334455667788ull));
    assert_int_equal(strata_buf_len(&b), 1 + 1 + 4 + 8);
    static const uint8_t want[] = {0xab, 1,    1,    2,    3,    4,    0x11,
                                   0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88};
    assert_memory_equal(strata_buf_ptr(&b), want, sizeof(want));
    uint8_t u8;
    int bo;
    uint32_t u32;
    uint64_t u64;
    assert_ok(strata_buf_get_u8(&b, &u8));
    assert_ok(strata_buf_get_bool(&b, &bo));
    assert_ok(strata_buf_get_u32(&b, &u32));
    assert_ok(strata_buf_get_u64(&b, &u64));
    assert_int_equal(u8, 0xab);
    assert_int_equal(bo, 1);
    assert_int_equal(u32, 0x01020304);
    assert_true(u64 == 0x1122334455667788ull);
    assert_ok(strata_buf_get_end(&b));
    assert_status(strata_buf_get_u8(&b, &u8), STRATA_E_TRUNCATED);
    strata_buf_free(&b);
    /* RFC 4251 §5: any non-zero byte reads as TRUE; put writes 1. */
    static const uint8_t bools[] = {0x07, 0x00, 0xff, 0x01};
    static const int want_bool[] = {1, 0, 1, 1};
    strata_buf_view(&b, bools, sizeof(bools));
    for (size_t i = 0; i < sizeof(bools); i++) {
        bo = -1;
        assert_ok(strata_buf_get_bool(&b, &bo));
        assert_int_equal(bo, want_bool[i]);
    }
    assert_status(strata_buf_get_bool(&b, &bo), STRATA_E_TRUNCATED);
}

static void test_truncated_leaves_buffer_unchanged(void **state)
{
    (void)state;
    static const uint8_t in[] = {0, 0, 0, 9, 'a', 'b', 'c'}; /* string claims 9, has 3 */
    strata_buf b;
    strata_buf_view(&b, in, sizeof(in));
    const uint8_t *p;
    size_t n;
    assert_status(strata_buf_get_string(&b, &p, &n), STRATA_E_TRUNCATED);
    assert_null(p);
    assert_int_equal(strata_buf_len(&b), sizeof(in));
    uint64_t v;
    assert_status(strata_buf_get_u64(&b, &v), STRATA_E_TRUNCATED);
    assert_int_equal(strata_buf_len(&b), sizeof(in));
    /* A length near 2^32 must not wrap any check. */
    static const uint8_t huge[] = {0xff, 0xff, 0xff, 0xff, 1};
    strata_buf_view(&b, huge, sizeof(huge));
    assert_status(strata_buf_get_string(&b, &p, &n), STRATA_E_TRUNCATED);
    assert_status(strata_buf_put_u8(&b, 1), STRATA_E_STATE); /* views are read-only */
}

static void test_string_and_sub_view(void **state)
{
    (void)state;
    strata_buf b, inner, child;
    strata_buf_init(&b, 0);
    strata_buf_init(&inner, 0);
    assert_ok(strata_buf_put_cstring(&inner, "ssh-ed25519"));
    assert_ok(strata_buf_put_u32(&inner, 42));
    assert_ok(strata_buf_put_stringb(&b, &inner));
    assert_ok(strata_buf_put_u8(&b, 9));
    assert_ok(strata_buf_get_sub(&b, &child));
    char *name = NULL;
    uint32_t v;
    assert_ok(strata_buf_get_cstring(&child, &name));
    assert_string_equal(name, "ssh-ed25519");
    free(name);
    assert_status(strata_buf_get_end(&child), STRATA_E_TRAILING);
    assert_ok(strata_buf_get_u32(&child, &v));
    assert_int_equal(v, 42);
    assert_ok(strata_buf_get_end(&child));
    assert_true(strata_buf_is_readonly(&child));
    uint8_t tail;
    assert_ok(strata_buf_get_u8(&b, &tail));
    assert_int_equal(tail, 9);
    /* A string holding a NUL is not a C string. */
    static const uint8_t nul[] = {0, 0, 0, 3, 'a', 0, 'b'};
    strata_buf_view(&child, nul, sizeof(nul));
    assert_status(strata_buf_get_cstring(&child, &name), STRATA_E_FORMAT);
    assert_null(name);
    strata_buf_free(&b);
    strata_buf_free(&inner);
}

/* RFC 4251 §5 mpint examples. */
static void test_mpint_rfc_examples(void **state)
{
    (void)state;
    struct {
        const char *hex_mag;
        int neg;
        const uint8_t enc[16];
        size_t enc_len;
    } ex[] = {
        {"", 0, {0, 0, 0, 0}, 4},
        {"09a378f9b2e332a7", 0, {0, 0, 0, 8, 0x09, 0xa3, 0x78, 0xf9, 0xb2, 0xe3, 0x32, 0xa7}, 12},
        {"80", 0, {0, 0, 0, 2, 0x00, 0x80}, 6},
        {"1234", 1, {0, 0, 0, 2, 0xed, 0xcc}, 6},
        {"deadbeef", 1, {0, 0, 0, 5, 0xff, 0x21, 0x52, 0x41, 0x11}, 9},
    };
    for (size_t i = 0; i < sizeof(ex) / sizeof(ex[0]); i++) {
        uint8_t mag[16];
        size_t m = strlen(ex[i].hex_mag) / 2;
        for (size_t j = 0; j < m; j++) {
            unsigned x;
            sscanf(ex[i].hex_mag + 2 * j, "%2x", &x);
            mag[j] = (uint8_t)x;
        }
        strata_buf b;
        strata_buf_init(&b, 0);
        assert_ok(strata_buf_put_mpint(&b, mag, m, ex[i].neg));
        assert_int_equal(strata_buf_len(&b), ex[i].enc_len);
        assert_memory_equal(strata_buf_ptr(&b), ex[i].enc, ex[i].enc_len);
        const uint8_t *raw;
        size_t n;
        int neg;
        strata_buf probe = b;
        assert_ok(strata_buf_get_mpint_signed(&probe, &raw, &n, &neg));
        assert_int_equal(neg, ex[i].neg);
        if (!ex[i].neg) {
            assert_ok(strata_buf_get_mpint(&b, &raw, &n));
            assert_int_equal(n, m);
            if (m)
                assert_memory_equal(raw, mag, m);
        } else {
            assert_status(strata_buf_get_mpint(&b, &raw, &n), STRATA_E_FORMAT);
        }
        strata_buf_free(&b);
    }
}

static void test_mpint_non_canonical(void **state)
{
    (void)state;
    const uint8_t *p;
    size_t n;
    strata_buf b;
    static const uint8_t lead0[] = {0, 0, 0, 2, 0x00, 0x7f};  /* needless 0x00 */
    static const uint8_t leadff[] = {0, 0, 0, 2, 0xff, 0x80}; /* needless 0xff */
    static const uint8_t zero1[] = {0, 0, 0, 1, 0x00};        /* zero must be empty */
    strata_buf_view(&b, lead0, sizeof(lead0));
    assert_status(strata_buf_get_mpint(&b, &p, &n), STRATA_E_FORMAT);
    assert_int_equal(strata_buf_len(&b), sizeof(lead0));
    strata_buf_view(&b, leadff, sizeof(leadff));
    int neg;
    assert_status(strata_buf_get_mpint_signed(&b, &p, &n, &neg), STRATA_E_FORMAT);
    strata_buf_view(&b, zero1, sizeof(zero1));
    assert_status(strata_buf_get_mpint(&b, &p, &n), STRATA_E_FORMAT);
}

static void test_namelist(void **state)
{
    (void)state;
    strata_buf b;
    strata_buf_init(&b, 0);
    assert_ok(strata_buf_put_namelist(&b, "curve25519-sha256,ext-info-c"));
    assert_ok(strata_buf_put_namelist(&b, ""));
    char *s;
    assert_ok(strata_buf_get_namelist(&b, 1024, &s));
    assert_string_equal(s, "curve25519-sha256,ext-info-c");
    free(s);
    assert_ok(strata_buf_get_namelist(&b, 1024, &s));
    assert_string_equal(s, "");
    free(s);
    const char *bad[] = {",a", "a,", "a,,b", "a b", "a\x01", "\xc3\xa9"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        strata_buf_reset(&b);
        assert_ok(strata_buf_put_cstring(&b, bad[i]));
        assert_status(strata_buf_get_namelist(&b, 1024, &s), STRATA_E_FORMAT);
        assert_null(s);
        assert_status(strata_buf_put_namelist(&b, bad[i]), STRATA_E_FORMAT);
    }
    char longname[STRATA_NAME_MAX + 2];
    memset(longname, 'a', sizeof(longname) - 1);
    longname[sizeof(longname) - 1] = 0;
    strata_buf_reset(&b);
    assert_ok(strata_buf_put_cstring(&b, longname));
    assert_status(strata_buf_get_namelist(&b, 1024, &s), STRATA_E_FORMAT);
    strata_buf_reset(&b);
    assert_ok(strata_buf_put_cstring(&b, "aaaa,bbbb"));
    assert_status(strata_buf_get_namelist(&b, 5, &s), STRATA_E_LIMIT);
    strata_buf_free(&b);
}

/* The lenient reader (what peers send): empty names accepted and dropped,
 * the rest checked as strictly, the bound on the bytes as sent. */
static void test_namelist_lenient(void **state)
{
    (void)state;
    static const char *const in[][2] = {
        {"a,,b", "a,b"}, {",a", "a"}, {"a,", "a"}, {",,a,,,b,,", "a,b"},
        {",", ""},       {",,,", ""}, {"", ""},    {"a,b", "a,b"}};
    strata_buf b;
    strata_buf_init(&b, 0);
    char *s;
    for (size_t i = 0; i < sizeof(in) / sizeof(in[0]); i++) {
        strata_buf_reset(&b);
        assert_ok(strata_buf_put_cstring(&b, in[i][0]));
        assert_ok(strata_buf_get_namelist_lenient(&b, 1024, &s));
        assert_string_equal(s, in[i][1]);
        assert_int_equal(strata_buf_len(&b), 0);
        free(s);
        assert_ok(strata_namelist_copy_lenient(in[i][0], strlen(in[i][0]), 1024, &s));
        assert_string_equal(s, in[i][1]);
        free(s);
    }
    const char *bad[] = {"a b", "a,\x01", ",\xc3\xa9,"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        strata_buf_reset(&b);
        assert_ok(strata_buf_put_cstring(&b, bad[i]));
        assert_status(strata_buf_get_namelist_lenient(&b, 1024, &s), STRATA_E_FORMAT);
        assert_null(s);
        assert_int_equal(strata_buf_len(&b), 4 + strlen(bad[i])); /* nothing consumed */
    }
    char longname[STRATA_NAME_MAX + 3];
    memset(longname, 'a', sizeof(longname) - 1);
    longname[0] = ',';
    longname[sizeof(longname) - 1] = 0;
    assert_status(strata_namelist_copy_lenient(longname, strlen(longname), 1024, &s),
                  STRATA_E_FORMAT);
    assert_null(s);
    /* ",,,,,," counts against the cap as sent. */
    assert_status(strata_namelist_copy_lenient(",,,,,,", 6, 5, &s), STRATA_E_LIMIT);
    strata_buf_free(&b);
}

static void test_hard_cap(void **state)
{
    (void)state;
    strata_buf b;
    strata_buf_init(&b, 10);
    assert_ok(strata_buf_put(&b, "12345678", 8));
    assert_status(strata_buf_put_u32(&b, 1), STRATA_E_LIMIT);
    assert_int_equal(strata_buf_len(&b), 8); /* unchanged */
    assert_status(strata_buf_put_string(&b, "x", 1), STRATA_E_LIMIT);
    assert_ok(strata_buf_consume(&b, 6));
    assert_ok(strata_buf_put_u32(&b, 1)); /* consumed space is reclaimed */
    assert_int_equal(strata_buf_len(&b), 6);
    assert_status(strata_buf_consume(&b, 7), STRATA_E_TRUNCATED);
    assert_ok(strata_buf_consume_end(&b, 4));
    assert_int_equal(strata_buf_len(&b), 2);
    assert_status(strata_buf_consume_end(&b, 3), STRATA_E_TRUNCATED);
    assert_int_equal(strata_buf_len(&b), 2);
    uint8_t *p;
    assert_status(strata_buf_reserve(&b, SIZE_MAX, &p), STRATA_E_LIMIT);
    assert_null(p);
    strata_buf_free(&b);
}

/* Found by fuzz_stack: an empty put into a buffer that never grew. */
static void test_empty_put_into_fresh_buffer(void **state)
{
    (void)state;
    strata_buf b;
    strata_buf_init(&b, 0);
    uint8_t *p = NULL;
    assert_ok(strata_buf_reserve(&b, 0, &p));
    assert_non_null(p); /* a usable (empty) place, never NULL */
    assert_ok(strata_buf_put(&b, NULL, 0));
    assert_int_equal(strata_buf_len(&b), 0);
    assert_ok(strata_buf_consume(&b, 0));
    strata_buf_free(&b);
}

static void test_secret_grows_and_frees(void **state)
{
    (void)state;
    strata_buf b;
    strata_buf_init(&b, 1 << 20);
    strata_buf_set_secret(&b);
    uint8_t chunk[1000];
    memset(chunk, 0x5a, sizeof(chunk));
    for (int i = 0; i < 100; i++)
        assert_ok(strata_buf_put(&b, chunk, sizeof(chunk)));
    assert_int_equal(strata_buf_len(&b), 100000);
    strata_buf_reset(&b);
    assert_int_equal(strata_buf_len(&b), 0);
    strata_buf_free(&b);
    assert_int_equal(strata_buf_len(&b), 0);
}

static void test_release_gives_back_empty_storage(void **state)
{
    (void)state;
    strata_buf b;
    uint8_t x[3] = {1, 2, 3}, y;
    strata_buf_init(&b, 64);
    strata_buf_set_secret(&b);
    assert_ok(strata_buf_put(&b, x, sizeof(x)));
    strata_buf_release(&b); /* bytes in it: kept */
    assert_non_null(b.data);
    assert_int_equal(strata_buf_len(&b), 3);
    assert_ok(strata_buf_get_u8(&b, &y));
    assert_ok(strata_buf_consume(&b, 2));
    strata_buf_release(&b);
    assert_null(b.data);
    assert_int_equal(b.cap, 0);
    assert_int_equal(b.max, 64); /* the cap stays */
    assert_status(strata_buf_put(&b, x, 65), STRATA_E_LIMIT);
    assert_ok(strata_buf_put(&b, x, sizeof(x))); /* and it grows again */
    assert_int_equal(strata_buf_len(&b), 3);
    strata_buf_free(&b);
}

static void test_status_table(void **state)
{
    (void)state;
    assert_string_equal(strata_status_name(STRATA_E_TRUNCATED), "E_TRUNCATED");
    assert_string_equal(strata_status_str(STRATA_E_TRUNCATED), "truncated input");
    assert_int_equal(strata_status_category(STRATA_WANT_READ), STRATA_CAT_WANT_READ);
    assert_int_equal(strata_status_category(STRATA_E_VERIFY), STRATA_CAT_VERIFY);
    assert_false(strata_status_is_error(STRATA_CLOSED));
    assert_true(strata_status_is_error(STRATA_E_TRAILING));
    assert_string_equal(strata_status_str((strata_status)9999), "unknown status");
    /* Every entry of the one list: its name, text and category come back, and
     * only the OK, want, closed and pending categories are not errors. */
#define CHECK_ENTRY(NAME, CAT, TEXT)                                                               \
    assert_string_equal(strata_status_name(STRATA_##NAME), #NAME);                                 \
    assert_string_equal(strata_status_str(STRATA_##NAME), TEXT);                                   \
    assert_int_equal(strata_status_category(STRATA_##NAME), STRATA_CAT_##CAT);                     \
    assert_int_equal(strata_status_is_error(STRATA_##NAME),                                        \
                     STRATA_CAT_##CAT > STRATA_CAT_PENDING);                                       \
    n_entries++;
    size_t n_entries = 0;
    STRATA_STATUS_LIST(CHECK_ENTRY)
#undef CHECK_ENTRY
    assert_true(n_entries > 40);
}

static void test_ct_and_zero(void **state)
{
    (void)state;
    uint8_t a[32], b[32];
    memset(a, 7, sizeof(a));
    memcpy(b, a, sizeof(b));
    assert_true(strata_ct_equal(a, b, sizeof(a)));
    b[31] ^= 1;
    assert_false(strata_ct_equal(a, b, sizeof(a)));
    strata_memzero(a, sizeof(a));
    for (size_t i = 0; i < sizeof(a); i++)
        assert_int_equal(a[i], 0);
}

/* The compare is OpenSSL's constant-time one and the wipe OpenSSL's, which
 * the compiler cannot drop (ct_wrap.c counts the calls): a memcmp or a
 * memset in their place would pass the test above but not this one. */
static void test_ct_and_zero_use_openssl(void **state)
{
    (void)state;
    uint8_t a[48] = {1}, b[48] = {1};
    unsigned before = ct_calls.memcmp_calls;
    assert_true(strata_ct_equal(a, b, sizeof(a)));
    b[0] = 2;
    assert_false(strata_ct_equal(a, b, sizeof(a)));
    assert_int_equal(ct_calls.memcmp_calls, before + 2);
    assert_int_equal(ct_calls.memcmp_last_n, sizeof(a));

    before = ct_calls.cleanse_calls;
    strata_memzero(a, 17);
    assert_int_equal(ct_calls.cleanse_calls, before + 1);
    assert_ptr_equal(ct_calls.cleanse_last_p, a);
    assert_int_equal(ct_calls.cleanse_last_n, 17);

    uint8_t *s = malloc(40);
    assert_non_null(s);
    memset(s, 9, 40);
    before = ct_calls.cleanse_calls;
    strata_free_secret(s, 40);
    assert_int_equal(ct_calls.cleanse_calls, before + 1);
    assert_int_equal(ct_calls.cleanse_last_n, 40);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_u32_u64_roundtrip),
        cmocka_unit_test(test_truncated_leaves_buffer_unchanged),
        cmocka_unit_test(test_string_and_sub_view),
        cmocka_unit_test(test_mpint_rfc_examples),
        cmocka_unit_test(test_mpint_non_canonical),
        cmocka_unit_test(test_namelist),
        cmocka_unit_test(test_namelist_lenient),
        cmocka_unit_test(test_hard_cap),
        cmocka_unit_test(test_empty_put_into_fresh_buffer),
        cmocka_unit_test(test_secret_grows_and_frees),
        cmocka_unit_test(test_release_gives_back_empty_storage),
        cmocka_unit_test(test_status_table),
        cmocka_unit_test(test_ct_and_zero),
        cmocka_unit_test(test_ct_and_zero_use_openssl),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
