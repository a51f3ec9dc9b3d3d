/* ssh/umac: UMAC (RFC 4418) known answers.
 *
 * RFC 4418's appendix gives 32-, 64- and 96-bit tags for key
 * "abcdefghijklmnop" and nonce "bcdefghi"; it has no 128-bit column. A
 * 128-bit tag is the 96-bit one plus a fourth UHASH iteration (same pad
 * block), so its first 12 bytes are checked against the RFC and the whole 16
 * against the values of Nettle's test suite (testsuite/umac-test.c).
 *
 * Erratum: the RFC's row for 'a' * 2^25 (5109A660, 2E2DBC36860A0A5F,
 * 72C6388BACE3ACE6FBF062D9) is wrong: its code mishandled the switch to the
 * 128-bit polynomial after 2^24 bytes. The authors' errata for RFC 4418
 * (fastcrypto.org/umac/rfc4418.errata.txt) give 85EE5CAE /
 * FACA46F856E9B45F; those are the values asserted here.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ssh/umac.h"
#include "testutil.h"

static const uint8_t *KEY = (const uint8_t *)"abcdefghijklmnop";
static const uint8_t *NONCE = (const uint8_t *)"bcdefghi";

/* msg = unit repeated reps times (heap). */
static uint8_t *repeat(const char *unit, size_t reps, size_t *n)
{
    size_t ul = strlen(unit);
    *n = ul * reps;
    uint8_t *m = malloc(*n ? *n : 1);
    assert_non_null(m);
    for (size_t i = 0; i < reps; i++)
        memcpy(m + i * ul, unit, ul);
    return m;
}

static void check(const uint8_t *m, size_t n, size_t tag_len, const char *want_hex,
                  const char *what)
{
    uint8_t want[16], got[16];
    size_t wn = tu_unhex(want_hex, want, sizeof(want));
    struct strata__umac *u;
    strata_error err;
    strata_error_clear(&err);
    assert_ok(strata__umac_new(KEY, tag_len, &u, &err));
    assert_int_equal(strata__umac_tag_len(u), tag_len);
    assert_ok(strata__umac_tag(u, m, n, NONCE, 8, got, &err));
    if (memcmp(got, want, wn) != 0) {
        char h[33];
        for (size_t i = 0; i < tag_len; i++)
            snprintf(h + 2 * i, 3, "%02X", got[i]);
        fail_msg("UMAC-%zu of %s: got %s, want %s", tag_len * 8, what, h, want_hex);
    }
    /* The same object again (keys are not consumed by a tag). */
    assert_ok(strata__umac_tag(u, m, n, NONCE, 8, got, &err));
    assert_memory_equal(got, want, wn);
    strata__umac_free(u);
}

static const struct {
    const char *unit;
    size_t reps;
    const char *t32, *t64, *t96, *t128;
} vectors[] = {
    {"", 0, "113145FB", "6E155FAD26900BE1", "32FEDB100C79AD58F07FF764",
     "32FEDB100C79AD58F07FF7643CC60465"},
    {"a", 3, "3B91D102", "44B5CB542F220104", "185E4FE905CBA7BD85E4C2DC",
     "185E4FE905CBA7BD85E4C2DC3D117D8D"},
    {"a", 1u << 10, "599B350B", "26BF2F5D60118BD9", "7A54ABE04AF82D60FB298C3C",
     "7A54ABE04AF82D60FB298C3CBD195BCB"},
    {"a", 1u << 15, "58DCF532", "27F8EF643B0D118D", "7B136BD911E4B734286EF2BE",
     "7B136BD911E4B734286EF2BE501F2C3C"},
    {"a", 1u << 20, "DB6364D1", "A4477E87E9F55853", "F8ACFA3AC31CFEEA047F7B11",
     "F8ACFA3AC31CFEEA047F7B115B03BEF5"},
    {"abc", 1, "ABF3A3A0", "D4D7B9F6BD4FBFCF", "883C3D4B97A61976FFCF2323",
     "883C3D4B97A61976FFCF232308CBA5A5"},
    {"abc", 500, "ABEB3C8B", "D4CF26DDEFD5C01A", "8824A260C53C66A36C9260A6",
     "8824A260C53C66A36C9260A62CB83AA1"},
};

static void test_rfc4418_vectors(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(vectors) / sizeof(vectors[0]); i++) {
        size_t n;
        char what[64];
        uint8_t *m = repeat(vectors[i].unit, vectors[i].reps, &n);
        snprintf(what, sizeof(what), "'%s' * %zu", vectors[i].unit, vectors[i].reps);
        check(m, n, 4, vectors[i].t32, what);
        check(m, n, 8, vectors[i].t64, what);
        check(m, n, 12, vectors[i].t96, what);
        check(m, n, 16, vectors[i].t96, what); /* the RFC's 12 bytes */
        check(m, n, 16, vectors[i].t128, what);
        free(m);
    }
}

/* 'a' * 2^25: past 2^24 bytes L2 switches to the 128-bit polynomial. The
 * RFC's published row is wrong (see the top of the file): the errata's. */
static void test_rfc4418_erratum_2_25(void **state)
{
    (void)state;
    size_t n;
    uint8_t *m = repeat("a", 1u << 25, &n);
    check(m, n, 4, "85EE5CAE", "'a' * 2^25");
    check(m, n, 8, "FACA46F856E9B45F", "'a' * 2^25");
    check(m, n, 16, "A621C2457C0012E64F3FDAE9E7E1870C", "'a' * 2^25");
    free(m);
}

static void test_bad_arguments_and_nonces(void **state)
{
    (void)state;
    struct strata__umac *u = (struct strata__umac *)1;
    strata_error err;
    strata_error_clear(&err);
    assert_status(strata__umac_new(KEY, 6, &u, &err), STRATA_E_USAGE);
    assert_null(u);
    assert_status(strata__umac_new(KEY, 20, &u, &err), STRATA_E_USAGE);
    assert_ok(strata__umac_new(KEY, 8, &u, &err));
    uint8_t t1[8], t2[8], nonce[17] = {0};
    assert_status(strata__umac_tag(u, (const uint8_t *)"x", 1, nonce, 0, t1, &err), STRATA_E_USAGE);
    assert_status(strata__umac_tag(u, (const uint8_t *)"x", 1, nonce, 17, t1, &err),
                  STRATA_E_USAGE);
    /* SSH nonces: sequence numbers 0 and 1 share an AES block (the low bit
     * picks its half) yet give different pads; 2 another block. */
    uint8_t n0[8] = {0}, n1[8] = {0, 0, 0, 0, 0, 0, 0, 1}, n2[8] = {0, 0, 0, 0, 0, 0, 0, 2};
    assert_ok(strata__umac_tag(u, (const uint8_t *)"x", 1, n0, 8, t1, &err));
    assert_ok(strata__umac_tag(u, (const uint8_t *)"x", 1, n1, 8, t2, &err));
    assert_memory_not_equal(t1, t2, 8);
    assert_ok(strata__umac_tag(u, (const uint8_t *)"x", 1, n2, 8, t2, &err));
    assert_memory_not_equal(t1, t2, 8);
    strata__umac_free(u);
    strata__umac_free(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rfc4418_vectors),
        cmocka_unit_test(test_rfc4418_erratum_2_25),
        cmocka_unit_test(test_bad_arguments_and_nonces),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
