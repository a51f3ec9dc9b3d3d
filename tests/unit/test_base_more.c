/* base: the buffer calls and error helpers test_buf.c and test_error.c leave
 * out - avail, compact, peeks, raw copies, wiping of secret buffers, error
 * reset / copy, dropping OpenSSL's queue, strata_free_secret, the version. */
#include <stdlib.h>
#include <string.h>
#include <openssl/err.h>
#include <openssl/evp.h>

#include "testutil.h"
#include "base/error_internal.h"

static int all_zero(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] != 0)
            return 0;
    return 1;
}

static void test_avail(void **state)
{
    (void)state;
    strata_buf b;
    strata_buf_init(&b, 16);
    assert_int_equal(strata_buf_avail(&b), 16);
    assert_ok(strata_buf_put(&b, "0123456789", 10));
    assert_int_equal(strata_buf_avail(&b), 6);
    assert_ok(strata_buf_consume(&b, 4));
    /* The consumed prefix counts: a put compacts before it grows. */
    assert_int_equal(strata_buf_avail(&b), 10);
    strata_buf_compact(&b);
    assert_int_equal(strata_buf_avail(&b), 10);
    /* avail is exact: that many bytes fit, one more does not. */
    assert_ok(strata_buf_put(&b, "abcdefghij", 10));
    assert_int_equal(strata_buf_avail(&b), 0);
    assert_status(strata_buf_put_u8(&b, 'x'), STRATA_E_LIMIT);
    assert_int_equal(strata_buf_len(&b), 16);
    assert_memory_equal(strata_buf_ptr(&b), "456789abcdefghij", 16);
    assert_ok(strata_buf_consume(&b, 16)); /* all read: storage starts over */
    assert_int_equal(strata_buf_avail(&b), 16);
    strata_buf_free(&b);
    assert_int_equal(strata_buf_avail(&b), 0); /* a freed buffer is an empty view */

    strata_buf v;
    strata_buf_view(&v, "abc", 3);
    assert_int_equal(strata_buf_avail(&v), 0); /* views are read-only */
}

static void test_compact(void **state)
{
    (void)state;
    strata_buf b;
    strata_buf_init(&b, 64);
    assert_ok(strata_buf_put(&b, "abcdefgh", 8));
    assert_ok(strata_buf_consume(&b, 3));
    uint8_t *storage = b.data;
    size_t cap = b.cap;
    assert_int_equal(b.off, 3);
    strata_buf_compact(&b);
    assert_int_equal(b.off, 0);
    assert_int_equal(b.len, 5);
    assert_ptr_equal(b.data, storage); /* in place: no new storage */
    assert_int_equal(b.cap, cap);
    assert_ptr_equal(strata_buf_ptr(&b), b.data);
    assert_memory_equal(b.data, "defgh", 5);
    /* Not secret: the moved-from tail keeps its bytes. */
    assert_memory_equal(b.data + 5, "fgh", 3);
    strata_buf_compact(&b); /* nothing consumed: no change */
    assert_int_equal(b.len, 5);
    assert_memory_equal(b.data, "defgh", 5);
    strata_buf_free(&b);

    /* A secret buffer's tail left behind by the move is zeroed. */
    strata_buf_init(&b, 64);
    strata_buf_set_secret(&b);
    assert_ok(strata_buf_put(&b, "abcdefgh", 8));
    assert_ok(strata_buf_consume(&b, 3));
    strata_buf_compact(&b);
    assert_memory_equal(b.data, "defgh", 5);
    assert_true(all_zero(b.data + 5, 3));
    strata_buf_free(&b);

    /* A view is never moved (its bytes are borrowed). */
    static const uint8_t in[] = {1, 2, 3, 4};
    strata_buf v;
    strata_buf_view(&v, in, sizeof(in));
    assert_ok(strata_buf_consume(&v, 2));
    strata_buf_compact(&v);
    assert_int_equal(v.off, 2);
    assert_ptr_equal(strata_buf_ptr(&v), in + 2);
    assert_memory_equal(in, ((const uint8_t[]){1, 2, 3, 4}), 4);
}

static void test_peek(void **state)
{
    (void)state;
    static const uint8_t in[] = {0x81, 0x02, 0x03, 0x04, 0x05};
    strata_buf b;
    strata_buf_view(&b, in, sizeof(in));
    uint8_t u8 = 0;
    uint32_t u32 = 0;
    assert_ok(strata_buf_peek_u8(&b, &u8));
    assert_int_equal(u8, 0x81);
    assert_int_equal(strata_buf_len(&b), 5); /* nothing consumed */
    assert_ok(strata_buf_peek_u32(&b, &u32));
    assert_int_equal(u32, 0x81020304u);
    assert_int_equal(strata_buf_len(&b), 5);
    assert_ok(strata_buf_peek_u32(&b, &u32)); /* twice: the same value */
    assert_int_equal(u32, 0x81020304u);
    assert_ok(strata_buf_consume(&b, 2));
    assert_ok(strata_buf_peek_u8(&b, &u8));
    assert_int_equal(u8, 0x03);
    /* Three bytes left: a uint32 is truncated, the output cleared, the
     * buffer unchanged. */
    u32 = 0xdeadbeef;
    assert_status(strata_buf_peek_u32(&b, &u32), STRATA_E_TRUNCATED);
    assert_int_equal(u32, 0);
    assert_int_equal(strata_buf_len(&b), 3);
    assert_ptr_equal(strata_buf_ptr(&b), in + 2);
    assert_ok(strata_buf_consume(&b, 3));
    u8 = 0xaa;
    assert_status(strata_buf_peek_u8(&b, &u8), STRATA_E_TRUNCATED);
    assert_int_equal(u8, 0);
}

static void test_get_bytes(void **state)
{
    (void)state;
    strata_buf b;
    strata_buf_view(&b, "hello world", 11);
    char out[16];
    assert_ok(strata_buf_get_bytes(&b, out, 5));
    assert_memory_equal(out, "hello", 5);
    assert_int_equal(strata_buf_len(&b), 6);
    /* Asking for 7 of 6: E_TRUNCATED, nothing copied, nothing consumed. */
    memset(out, 0xcc, sizeof(out));
    assert_status(strata_buf_get_bytes(&b, out, 7), STRATA_E_TRUNCATED);
    for (size_t i = 0; i < sizeof(out); i++)
        assert_int_equal((uint8_t)out[i], 0xcc);
    assert_int_equal(strata_buf_len(&b), 6);
    assert_status(strata_buf_get_bytes(&b, out, SIZE_MAX), STRATA_E_TRUNCATED);
    assert_ok(strata_buf_get_bytes(&b, out, 0));
    assert_int_equal(strata_buf_len(&b), 6);
    assert_ok(strata_buf_get_bytes(&b, out, 6));
    assert_memory_equal(out, " world", 6);
    assert_ok(strata_buf_get_end(&b));
    /* It is a copy: the bytes outlive the buffer they came from. */
    strata_buf o;
    strata_buf_init(&o, 0);
    assert_ok(strata_buf_put(&o, "key!", 4));
    char key[4];
    assert_ok(strata_buf_get_bytes(&o, key, 4));
    strata_buf_free(&o);
    assert_memory_equal(key, "key!", 4);
}

static void put_pattern(strata_buf *b, size_t n)
{
    uint8_t *p;
    assert_ok(strata_buf_reserve(b, n, &p));
    memset(p, 0x5a, n);
}

static void test_secret_reset_wipes(void **state)
{
    (void)state;
    strata_buf b;
    strata_buf_init(&b, 0);
    strata_buf_set_secret(&b);
    put_pattern(&b, 48);
    assert_ok(strata_buf_consume(&b, 10)); /* a read prefix is wiped too */
    uint8_t *storage = b.data;
    strata_buf_reset(&b);
    assert_int_equal(strata_buf_len(&b), 0);
    assert_ptr_equal(b.data, storage); /* the storage is kept ... */
    assert_true(all_zero(b.data, 48)); /* ... and holds no old byte */
    strata_buf_free(&b);

    /* Bytes dropped from the end (consume_end) were secret too: a reset
     * must not leave them in the storage (it did before this test). */
    strata_buf_init(&b, 0);
    strata_buf_set_secret(&b);
    put_pattern(&b, 32);
    assert_ok(strata_buf_consume_end(&b, 16));
    assert_true(all_zero(b.data + 16, 16)); /* the dropped tail at once */
    assert_int_equal(b.data[0], 0x5a);      /* the kept bytes untouched */
    assert_int_equal(b.data[15], 0x5a);
    strata_buf_reset(&b);
    assert_true(all_zero(b.data, 32));
    strata_buf_free(&b);

    /* Reading every byte starts the storage over: wiped as well. */
    strata_buf_init(&b, 0);
    strata_buf_set_secret(&b);
    put_pattern(&b, 20);
    assert_ok(strata_buf_consume(&b, 20));
    assert_true(all_zero(b.data, 20));
    strata_buf_free(&b);

    /* The control: a buffer not marked secret keeps its bytes on reset. */
    strata_buf_init(&b, 0);
    put_pattern(&b, 8);
    strata_buf_reset(&b);
    assert_int_equal(b.data[0], 0x5a);
    assert_int_equal(b.data[7], 0x5a);
    strata_buf_free(&b);
}

/* Growth of a secret buffer copies into new storage and wipes the old before
 * freeing it. The wipe of freed memory cannot be observed without reading
 * freed memory; what can be observed: the bytes move intact to a distinct
 * allocation, and the buffer stays secret afterwards. */
static void test_secret_growth(void **state)
{
    (void)state;
    strata_buf b;
    strata_buf_init(&b, 0);
    strata_buf_set_secret(&b);
    uint8_t src[300];
    tu_fill(src, sizeof(src), 7);
    assert_ok(strata_buf_put(&b, src, 200));
    uintptr_t old = (uintptr_t)b.data; /* compared as a number once freed */
    size_t oldcap = b.cap;
    assert_int_equal(oldcap, 256);
    assert_ok(strata_buf_put(&b, src + 200, 100));
    assert_true(b.cap > oldcap);
    assert_true((uintptr_t)b.data != old);
    assert_int_equal(strata_buf_len(&b), 300);
    assert_memory_equal(strata_buf_ptr(&b), src, 300);
    strata_buf_reset(&b);
    assert_true(all_zero(b.data, 300));
    strata_buf_free(&b);
}

static void test_error_reset(void **state)
{
    (void)state;
    strata_error e;
    strata_error_clear(&e);
    assert_status(strata__error_set(&e, STRATA_E_FORMAT, "first %d", 1), STRATA_E_FORMAT);
    /* set keeps the first error ... */
    assert_status(strata__error_set(&e, STRATA_E_IO, "second %d", 2), STRATA_E_IO);
    assert_int_equal(e.status, STRATA_E_FORMAT);
    assert_string_equal(strata_error_message(&e), "first 1");
    /* ... reset replaces it. */
    assert_status(strata__error_reset(&e, STRATA_E_IO, "second %d", 2), STRATA_E_IO);
    assert_int_equal(e.status, STRATA_E_IO);
    assert_string_equal(strata_error_message(&e), "second 2");

    /* It drops the OpenSSL entries the old error carried. */
    strata_error_clear(&e);
    EVP_CIPHER *c = EVP_CIPHER_fetch(NULL, "no-such-cipher", NULL);
    assert_null(c);
    assert_status(strata__error_set_ossl(&e, STRATA_E_CRYPTO, "fetch"), STRATA_E_CRYPTO);
    assert_true(e.n_ossl >= 1);
    assert_status(strata__error_reset(&e, STRATA_E_LIMIT, "too big"), STRATA_E_LIMIT);
    assert_int_equal(e.n_ossl, 0);
    char buf[256];
    assert_string_equal(strata_error_format(&e, buf, sizeof(buf)), "too big");
}

static void test_ossl_clear(void **state)
{
    (void)state;
    strata_error e;
    strata_error_clear(&e);
    assert_status(strata__error_set(&e, STRATA_E_FORMAT, "kept"), STRATA_E_FORMAT);
    strata_error before;
    memcpy(&before, &e, sizeof(e));

    EVP_CIPHER *c = EVP_CIPHER_fetch(NULL, "no-such-cipher", NULL);
    assert_null(c);
    assert_true(ERR_peek_error() != 0);
    strata__ossl_clear();
    assert_int_equal(ERR_peek_error(), 0);
    assert_memory_equal(&e, &before, sizeof(e));

    /* Nothing was recorded for a later error to pick up: an error set
     * afterwards carries no OpenSSL entry. */
    strata_error f;
    strata_error_clear(&f);
    c = EVP_CIPHER_fetch(NULL, "no-such-cipher", NULL);
    assert_null(c);
    strata__ossl_clear();
    assert_status(strata__error_set_ossl(&f, STRATA_E_CRYPTO, "after clear"), STRATA_E_CRYPTO);
    assert_int_equal(f.n_ossl, 0);
}

static void test_error_copy(void **state)
{
    (void)state;
    ERR_clear_error(); /* nothing left over from an earlier test */
    strata_error src;
    strata_error_clear(&src);
    EVP_CIPHER *c = EVP_CIPHER_fetch(NULL, "no-such-cipher", NULL);
    assert_null(c);
    assert_status(strata__error_set_ossl(&src, STRATA_E_CRYPTO, "fetching %s", "cipher"),
                  STRATA_E_CRYPTO);
    assert_int_equal(src.n_ossl, 1);
    /* OpenSSL 3.0's own strings for this failure. */
    assert_string_equal(src.ossl[0].lib, "digital envelope routines");
    assert_string_equal(src.ossl[0].func, "inner_evp_generic_fetch");
    assert_non_null(strstr(src.ossl[0].reason, "unsupported"));
    assert_non_null(strstr(src.ossl[0].reason, "no-such-cipher"));

    strata_error dst;
    memset(&dst, 0xab, sizeof(dst));
    strata_error_copy(&dst, &src);
    assert_int_equal(dst.status, STRATA_E_CRYPTO);
    assert_string_equal(strata_error_message(&dst), "fetching cipher");
    assert_int_equal(dst.n_ossl, 1);
    assert_true(dst.ossl[0].code == src.ossl[0].code);
    assert_ptr_equal(dst.ossl[0].lib, src.ossl[0].lib); /* OpenSSL's static strings */
    assert_string_equal(dst.ossl[0].func, src.ossl[0].func);
    assert_string_equal(dst.ossl[0].reason, src.ossl[0].reason);
    assert_true(dst.ossl[0].reason != src.ossl[0].reason); /* the reason is a copy */
    char a[512], b[512];
    assert_string_equal(strata_error_format(&dst, a, sizeof(a)),
                        strata_error_format(&src, b, sizeof(b)));

    /* The copy is independent: changing or clearing the source leaves it. */
    strata_error_clear(&src);
    assert_int_equal(dst.status, STRATA_E_CRYPTO);
    assert_non_null(strstr(strata_error_format(&dst, a, sizeof(a)),
                           "fetching cipher (digital envelope routines: "
                           "inner_evp_generic_fetch: unsupported"));

    /* Copying onto itself changes nothing; copying a clear error clears. */
    strata_error_copy(&dst, &dst);
    assert_int_equal(dst.status, STRATA_E_CRYPTO);
    strata_error_copy(&dst, &src);
    assert_int_equal(dst.status, STRATA_OK);
    assert_int_equal(dst.n_ossl, 0);
    assert_string_equal(strata_error_message(&dst), "");
}

/* ---- watching memory as it is freed ----------------------------------------
 * Under ASan (the dev preset) an allocator hook runs when free() is called,
 * before the block is released: it can read what the block still holds. The
 * hook API (compiler-rt's allocator_interface.h) is declared weak, so without
 * ASan these checks are skipped. */
int __sanitizer_install_malloc_and_free_hooks(void (*malloc_hook)(const volatile void *, size_t),
                                              void (*free_hook)(const volatile void *))
    __attribute__((weak));

static const volatile uint8_t *watch_p;
static size_t watch_n;
static int watch_seen, watch_zero;

static void on_malloc(const volatile void *p, size_t n)
{
    (void)p, (void)n;
}

static void on_free(const volatile void *p)
{
    if (!watch_p || p != (const volatile void *)watch_p)
        return;
    watch_seen = 1;
    watch_zero = 1;
    for (size_t i = 0; i < watch_n; i++)
        if (watch_p[i] != 0)
            watch_zero = 0;
    watch_p = NULL;
}

/* Watches the next free() of p (n bytes); 0 when hooks are not available. */
static int watch(const void *p, size_t n)
{
    static int installed;
    if (!__sanitizer_install_malloc_and_free_hooks)
        return 0;
    if (!installed)
        installed = __sanitizer_install_malloc_and_free_hooks(on_malloc, on_free) > 0;
    if (!installed)
        return 0;
    watch_p = p;
    watch_n = n;
    watch_seen = watch_zero = 0;
    return 1;
}

/* What the freed storage held: 1 all zero, 0 not, -1 not freed (or no hook). */
static int freed_zero(void)
{
    return watch_seen ? watch_zero : -1;
}

/* Secret storage holds only zeros when it is freed: by strata_buf_free, by
 * strata_buf_release, by growth into new storage, by strata_free_secret.
 * The controls (not secret, plain free) show the hook sees the old bytes. */
static void test_secret_storage_zero_when_freed(void **state)
{
    (void)state;
    uint8_t *p = malloc(32);
    assert_non_null(p);
    memset(p, 0x5a, 32);
    if (!watch(p, 32))
        skip();
    free(p);
    assert_int_equal(freed_zero(), 0); /* control: a plain free keeps the bytes */

    p = malloc(32);
    assert_non_null(p);
    memset(p, 0x5a, 32);
    assert_true(watch(p, 32));
    strata_free_secret(p, 32);
    assert_int_equal(freed_zero(), 1);

    strata_buf b;
    for (int secret = 0; secret < 2; secret++) {
        strata_buf_init(&b, 0);
        if (secret)
            strata_buf_set_secret(&b);
        put_pattern(&b, 48);
        assert_true(watch(b.data, b.cap));
        strata_buf_free(&b);
        assert_int_equal(freed_zero(), secret); /* control when not secret */
    }

    /* Growth: the old storage is wiped before it is freed. */
    strata_buf_init(&b, 0);
    strata_buf_set_secret(&b);
    put_pattern(&b, 200);
    assert_int_equal(b.cap, 256);
    assert_true(watch(b.data, b.cap));
    put_pattern(&b, 100);
    assert_int_equal(freed_zero(), 1);
    assert_int_equal(strata_buf_len(&b), 300);
    assert_int_equal(b.data[299], 0x5a);

    /* Release of fully read storage. */
    assert_ok(strata_buf_consume(&b, 300));
    put_pattern(&b, 10);
    assert_ok(strata_buf_consume(&b, 10));
    assert_true(watch(b.data, b.cap));
    strata_buf_release(&b);
    assert_int_equal(freed_zero(), 1);
    strata_buf_free(&b);
}

/* strata_free_secret wipes then frees (the wipe: test_secret_storage_zero_when_freed);
 * the leak checker of the dev preset fails this test if the memory is not
 * freed, and ASan fails it if more than n bytes were touched. */
static void test_free_secret(void **state)
{
    (void)state;
    strata_free_secret(NULL, 32); /* allowed */
    uint8_t *p = malloc(32);
    assert_non_null(p);
    memset(p, 0x5a, 32);
    strata_free_secret(p, 32);
    char *s = malloc(5);
    assert_non_null(s);
    memcpy(s, "pass", 5);
    strata_free_secret(s, 5);
}

static void test_version(void **state)
{
    (void)state;
    /* STRATA_VERSION is CMake's PROJECT_VERSION (CMakeLists.txt). */
    assert_string_equal(strata_version(), STRATA_VERSION);
    assert_ptr_equal(strata_version(), strata_version()); /* a static string */
}

/* Records made when an error happens: allocated once, and the view of a
 * missing one is an empty record, or E_NOMEM when the allocation failed. */
static void test_error_alloc_and_view(void **state)
{
    (void)state;
    strata_error *e = NULL;
    strata_error *a = strata__error_alloc(&e);
    assert_non_null(a);
    assert_ptr_equal(a, e);
    assert_int_equal(a->status, STRATA_OK);
    assert_ptr_equal(strata__error_alloc(&e), a); /* not again */
    assert_ptr_equal(strata__error_view(e, 0), e);
    assert_ptr_equal(strata__error_view(e, 1), e);
    assert_int_equal(strata__error_view(NULL, 0)->status, STRATA_OK);
    assert_string_equal(strata_error_message(strata__error_view(NULL, 0)), "");
    assert_int_equal(strata__error_view(NULL, 1)->status, STRATA_E_NOMEM);
    assert_string_equal(strata_error_message(strata__error_view(NULL, 1)),
                        "out of memory while recording an error");
    free(e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_avail),
        cmocka_unit_test(test_compact),
        cmocka_unit_test(test_peek),
        cmocka_unit_test(test_get_bytes),
        cmocka_unit_test(test_secret_reset_wipes),
        cmocka_unit_test(test_secret_growth),
        cmocka_unit_test(test_error_reset),
        cmocka_unit_test(test_ossl_clear),
        cmocka_unit_test(test_error_copy),
        cmocka_unit_test(test_free_secret),
        cmocka_unit_test(test_secret_storage_zero_when_freed),
        cmocka_unit_test(test_version),
        cmocka_unit_test(test_error_alloc_and_view),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
