/* ssh/blowfish + ssh/bcrypt_pbkdf: known-answer vectors.
 *
 * Blowfish: Eric Young's vectors as published by Counterpane
 * (http://www.counterpane.com/vectors.txt; also in BouncyCastle's BlowfishTest).
 * bcrypt_pbkdf: the OpenBSD regression vectors as collected in RustCrypto's
 * password-hashes repository, bcrypt-pbkdf/tests/test_vectors.rs
 * ("test_openbsd_vectors"). Keys made by ssh-keygen are checked in
 * test_ssh_keyfile.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "ssh/bcrypt_pbkdf.h"
#include "ssh/blowfish.h"

static void test_pi_table(void **state)
{
    (void)state;
    assert_int_equal(strata__blowfish_pi[0], 0x243f6a88u);
    assert_int_equal(strata__blowfish_pi[17], 0x8979fb1bu);   /* P[17] */
    assert_int_equal(strata__blowfish_pi[18], 0xd1310ba6u);   /* S[0][0] */
    assert_int_equal(strata__blowfish_pi[1041], 0x3ac372e6u); /* S[3][255] */
}

static void test_blowfish_vectors(void **state)
{
    (void)state;
    static const struct {
        const char *key, *pt, *ct;
    } v[] = {
        {"0000000000000000", "0000000000000000", "4EF997456198DD78"},
        {"FFFFFFFFFFFFFFFF", "FFFFFFFFFFFFFFFF", "51866FD5B85ECB8A"},
        {"3000000000000000", "1000000000000001", "7D856F9A613063F2"},
        {"1111111111111111", "1111111111111111", "2466DD878B963C9D"},
        {"0123456789ABCDEF", "1111111111111111", "61F9C3802281B096"},
    };
    for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
        uint8_t key[8], pt[8], ct[8];
        tu_unhex(v[i].key, key, 8);
        tu_unhex(v[i].pt, pt, 8);
        tu_unhex(v[i].ct, ct, 8);
        struct strata_blf *c = malloc(sizeof(*c));
        assert_non_null(c);
        strata__blf_init(c);
        strata__blf_expand0(c, key, 8);
        uint32_t l = (uint32_t)pt[0] << 24 | (uint32_t)pt[1] << 16 | (uint32_t)pt[2] << 8 | pt[3];
        uint32_t r = (uint32_t)pt[4] << 24 | (uint32_t)pt[5] << 16 | (uint32_t)pt[6] << 8 | pt[7];
        strata__blf_encipher(c, &l, &r);
        uint32_t wl = (uint32_t)ct[0] << 24 | (uint32_t)ct[1] << 16 | (uint32_t)ct[2] << 8 | ct[3];
        uint32_t wr = (uint32_t)ct[4] << 24 | (uint32_t)ct[5] << 16 | (uint32_t)ct[6] << 8 | ct[7];
        assert_int_equal(l, wl);
        assert_int_equal(r, wr);
        free(c);
    }
}

static void test_bcrypt_pbkdf_vectors(void **state)
{
    (void)state;
    static const char lorem[] =
        "Lorem ipsum dolor sit amet, consectetur adipisicing elit, "
        "sed do eiusmod tempor incididunt ut labore et dolore magna aliqua. "
        "Ut enim ad minim veniam, quis nostrud exercitation ullamco laboris "
        "nisi ut aliquip ex ea commodo consequat. "
        "Duis aute irure dolor in reprehenderit in voluptate velit esse cillum "
        "dolore eu fugiat nulla pariatur. Excepteur sint occaecat cupidatat non "
        "proident, sunt in culpa qui officia deserunt mollit anim id est laborum.";
    static const struct {
        const char *pass;
        size_t passlen;
        const char *salt;
        size_t saltlen;
        unsigned rounds;
        const char *out;
    } v[] = {
        {"password", 8, "salt", 4, 4,
         "5bbf0cc293587f1c3635555c27796598d47e579071bf427e9d8fbe842aba34d9"},
        {"password", 8, "\0", 1, 4, "c12b566235eee04c212598970a579a67"},
        {"\0", 1, "salt", 4, 4, "6051be18c2f4f82cbf0efee5471b4bb9"},
        {"password\0", 9, "salt\0", 5, 4,
         "7410e44cf4fa07bfaac8a928b1727fac001375e7bf7384370f48efd121743050"},
        {"pass\0wor", 8, "sa\0l", 4, 4, "c2bffd9db38f6569efef4372f4de83c0"},
        {"pass\0word", 9, "sa\0lt", 5, 4, "4ba4ac3925c0e8d7f0cdb6bb1684a56f"},
        {"password", 8, "salt", 4, 8,
         "e1367ec5151a33faac4cc1c144cd23fa15d5548493ecc99b9b5d9c0d3b27bec76227ea66088b849b20ab"
         "7aa478010246e74bba51723fefa9f9474d6508845e8d"},
        {"password", 8, "salt", 4, 42, "833cf0dcf56db65608e8f0dc0ce882bd"},
        {lorem, sizeof(lorem) - 1, "salis\0", 6, 8, "10978b07253df57f71a162eb0e8ad30a"},
    };
    for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
        uint8_t want[128], got[128];
        size_t n = tu_unhex(v[i].out, want, sizeof(want));
        memset(got, 0xee, sizeof(got));
        assert_ok(strata__bcrypt_pbkdf((const uint8_t *)v[i].pass, v[i].passlen,
                                       (const uint8_t *)v[i].salt, v[i].saltlen, v[i].rounds, got,
                                       n));
        assert_memory_equal(got, want, n);
        assert_int_equal(got[n], 0xee); /* nothing written past outlen */
    }
}

static void test_bcrypt_pbkdf_bad_args(void **state)
{
    (void)state;
    uint8_t out[48];
    const uint8_t *p = (const uint8_t *)"pw", *s = (const uint8_t *)"salt";
    assert_status(strata__bcrypt_pbkdf(p, 0, s, 4, 16, out, 48), STRATA_E_USAGE);
    assert_status(strata__bcrypt_pbkdf(p, 2, s, 0, 16, out, 48), STRATA_E_USAGE);
    assert_status(strata__bcrypt_pbkdf(p, 2, s, 4, 0, out, 48), STRATA_E_USAGE);
    assert_status(strata__bcrypt_pbkdf(p, 2, s, 4, 16, out, 0), STRATA_E_USAGE);
    assert_status(strata__bcrypt_pbkdf(p, 2, s, 4, 16, out, STRATA_BCRYPT_PBKDF_MAX_OUT + 1),
                  STRATA_E_USAGE);
    assert_status(strata__bcrypt_pbkdf(p, 2, s, STRATA_BCRYPT_PBKDF_MAX_SALT + 1, 16, out, 48),
                  STRATA_E_USAGE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pi_table),
        cmocka_unit_test(test_blowfish_vectors),
        cmocka_unit_test(test_bcrypt_pbkdf_vectors),
        cmocka_unit_test(test_bcrypt_pbkdf_bad_args),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
