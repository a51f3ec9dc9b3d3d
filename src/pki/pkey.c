/* pki/pkey: keys (pyOpenSSL's PKey): generation, type and size, checks,
 * comparison, and signing raw data. Loading and dumping are in pkey_io.c. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <openssl/core_names.h>
#include <openssl/dsa.h>
#include <openssl/err.h>
#include <openssl/x509.h>

#include "pki/pki_internal.h"

strata_status strata__pkey_wrap(EVP_PKEY *k, strata_pkey **out, strata_error *err)
{
    *out = NULL;
    strata_pkey *w = calloc(1, sizeof(*w));
    if (!w) {
        EVP_PKEY_free(k);
        return STRATA__PKI_NOMEM(err);
    }
    atomic_init(&w->refs, 1);
    w->k = k;
    *out = w;
    return STRATA_OK;
}

void strata_pkey_free(strata_pkey *k)
{
    if (!k || atomic_fetch_sub(&k->refs, 1) != 1)
        return;
    EVP_PKEY_free(k->k);
    free(k);
}

strata_pkey *strata_pkey_up_ref(strata_pkey *k)
{
    if (k)
        atomic_fetch_add(&k->refs, 1);
    return k;
}

strata_status strata_pkey_from_openssl(EVP_PKEY *k, strata_pkey **out, strata_error *err)
{
    *out = NULL;
    if (!k)
        return strata__pki_fail_plain(err, STRATA_E_USAGE, "no key");
    if (!EVP_PKEY_up_ref(k))
        return strata__pki_fail(err, STRATA_E_INTERNAL, "EVP_PKEY_up_ref failed");
    return strata__pkey_wrap(k, out, err);
}

EVP_PKEY *strata_pkey_openssl(const strata_pkey *k)
{
    return k ? k->k : NULL;
}

/* The curves strata generates, with the spellings people use. */
static const struct {
    const char *alias[4];
    const char *name; /* OpenSSL's group name */
} curves[] = {
    {{"P-256", "p256", "prime256v1", "secp256r1"}, "P-256"},
    {{"P-384", "p384", "secp384r1", NULL}, "P-384"},
    {{"P-521", "p521", "secp521r1", NULL}, "P-521"},
};

static const char *curve_name(const char *c)
{
    for (size_t i = 0; c && i < sizeof(curves) / sizeof(curves[0]); i++)
        for (size_t j = 0; j < 4 && curves[i].alias[j]; j++)
            if (!strcasecmp(c, curves[i].alias[j]))
                return curves[i].name;
    return NULL;
}

static strata_status gen_dsa(unsigned bits, EVP_PKEY **out, strata_error *err)
{
    EVP_PKEY_CTX *pc = EVP_PKEY_CTX_new_from_name(NULL, "DSA", NULL), *kc = NULL;
    EVP_PKEY *params = NULL;
    strata_status r = STRATA_OK;
    if (!pc || EVP_PKEY_paramgen_init(pc) <= 0 ||
        EVP_PKEY_CTX_set_dsa_paramgen_bits(pc, (int)bits) <= 0 ||
        EVP_PKEY_CTX_set_dsa_paramgen_q_bits(pc, bits >= 2048 ? 256 : 160) <= 0 ||
        EVP_PKEY_paramgen(pc, &params) <= 0) {
        r = strata__pki_fail(err, STRATA_E_CRYPTO, "generating %u-bit DSA parameters failed", bits);
        goto out;
    }
    kc = EVP_PKEY_CTX_new_from_pkey(NULL, params, NULL);
    if (!kc || EVP_PKEY_keygen_init(kc) <= 0 || EVP_PKEY_keygen(kc, out) <= 0)
        r = strata__pki_fail(err, STRATA_E_CRYPTO, "generating a %u-bit DSA key failed", bits);
out:
    EVP_PKEY_free(params);
    EVP_PKEY_CTX_free(pc);
    EVP_PKEY_CTX_free(kc);
    return r;
}

strata_status strata_pkey_generate(strata_pkey_type type, unsigned bits, const char *curve,
                                   strata_pkey **out, strata_error *err)
{
    *out = NULL;
    EVP_PKEY *k = NULL;
    strata_status r;
    switch (type) {
    case STRATA_PKEY_RSA:
        bits = bits ? bits : 3072;
        if (bits < 1024 || bits > 16384)
            return strata__pki_fail_plain(err, STRATA_E_USAGE,
                                          "RSA key size %u is not within 1024..16384", bits);
        k = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)bits);
        break;
    case STRATA_PKEY_DSA:
        bits = bits ? bits : 2048;
        if (bits != 1024 && bits != 2048 && bits != 3072)
            return strata__pki_fail_plain(err, STRATA_E_USAGE,
                                          "DSA key size %u is not 1024, 2048 or 3072", bits);
        if ((r = gen_dsa(bits, &k, err)) != STRATA_OK)
            return r;
        break;
    case STRATA_PKEY_EC: {
        const char *c = curve_name(curve);
        if (!c)
            return strata__pki_fail_plain(err, STRATA_E_UNKNOWN_CURVE,
                                          "unknown elliptic curve \"%.64s\" (use P-256, P-384 or "
                                          "P-521)",
                                          curve ? curve : "");
        k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", c);
        break;
    }
    case STRATA_PKEY_ED25519:
        k = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
        break;
    case STRATA_PKEY_ED448:
        k = EVP_PKEY_Q_keygen(NULL, NULL, "ED448");
        break;
    default:
        return strata__pki_fail_plain(err, STRATA_E_USAGE, "unknown key type %d", (int)type);
    }
    if (!k)
        return strata__pki_fail(err, STRATA_E_CRYPTO, "generating a %s key failed",
                                strata_pkey_type_name(type));
    return strata__pkey_wrap(k, out, err);
}

strata_status strata_pkey_generate_spec(const char *spec, strata_pkey **out, strata_error *err)
{
    *out = NULL;
    if (!spec)
        return strata__pki_fail_plain(err, STRATA_E_USAGE, "no key type");
    const char *colon = strchr(spec, ':');
    size_t tl = colon ? (size_t)(colon - spec) : strlen(spec);
    const char *arg = colon ? colon + 1 : NULL;
    static const struct {
        const char *name;
        strata_pkey_type type;
    } types[] = {{"rsa", STRATA_PKEY_RSA},
                 {"dsa", STRATA_PKEY_DSA},
                 {"ec", STRATA_PKEY_EC},
                 {"ed25519", STRATA_PKEY_ED25519},
                 {"ed448", STRATA_PKEY_ED448}};
    for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
        if (strlen(types[i].name) != tl || strncasecmp(spec, types[i].name, tl) != 0)
            continue;
        strata_pkey_type t = types[i].type;
        unsigned bits = 0;
        if (t == STRATA_PKEY_RSA || t == STRATA_PKEY_DSA) {
            if (arg) {
                char *end;
                unsigned long v = strtoul(arg, &end, 10);
                if (!*arg || *end || v > 65536)
                    return strata__pki_fail_plain(err, STRATA_E_USAGE,
                                                  "key size \"%.32s\" is not a number", arg);
                bits = (unsigned)v;
            }
        } else if (t == STRATA_PKEY_EC) {
            if (!arg)
                arg = "P-256";
        } else if (arg) {
            return strata__pki_fail_plain(err, STRATA_E_USAGE, "%s keys take no parameter",
                                          types[i].name);
        }
        return strata_pkey_generate(t, bits, arg, out, err);
    }
    return strata__pki_fail_plain(err, STRATA_E_USAGE,
                                  "unknown key type \"%.64s\" (use rsa[:BITS], dsa[:BITS], "
                                  "ec:p256|p384|p521, ed25519 or ed448)",
                                  spec);
}

strata_pkey_type strata_pkey_get_type(const strata_pkey *k)
{
    static const struct {
        const char *name;
        strata_pkey_type type;
    } names[] = {{"RSA", STRATA_PKEY_RSA},
                 {"DSA", STRATA_PKEY_DSA},
                 {"EC", STRATA_PKEY_EC},
                 {"ED25519", STRATA_PKEY_ED25519},
                 {"ED448", STRATA_PKEY_ED448}};
    for (size_t i = 0; k && i < sizeof(names) / sizeof(names[0]); i++)
        if (EVP_PKEY_is_a(k->k, names[i].name))
            return names[i].type;
    return STRATA_PKEY_UNKNOWN;
}

const char *strata_pkey_type_name(strata_pkey_type t)
{
    switch (t) {
    case STRATA_PKEY_RSA:
        return "RSA";
    case STRATA_PKEY_DSA:
        return "DSA";
    case STRATA_PKEY_EC:
        return "EC";
    case STRATA_PKEY_ED25519:
        return "ED25519";
    case STRATA_PKEY_ED448:
        return "ED448";
    default:
        return "unknown";
    }
}

int strata_pkey_bits(const strata_pkey *k)
{
    return k ? EVP_PKEY_get_bits(k->k) : 0;
}

const char *strata_pkey_curve(const strata_pkey *k)
{
    char group[64];
    size_t n = 0;
    if (!k || !EVP_PKEY_is_a(k->k, "EC"))
        return NULL;
    if (!EVP_PKEY_get_utf8_string_param(k->k, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof(group),
                                        &n)) {
        ERR_clear_error();
        return NULL;
    }
    const char *c = curve_name(group);
    if (c)
        return c;
    int nid = OBJ_sn2nid(group);
    return nid != NID_undef ? OBJ_nid2sn(nid) : NULL;
}

int strata_pkey_has_private(const strata_pkey *k)
{
    if (!k)
        return 0;
    int has = 0;
    ERR_set_mark();
    BIGNUM *bn = NULL;
    if (EVP_PKEY_get_bn_param(k->k, OSSL_PKEY_PARAM_PRIV_KEY, &bn) ||
        EVP_PKEY_get_bn_param(k->k, OSSL_PKEY_PARAM_RSA_D, &bn)) {
        has = 1;
        BN_clear_free(bn);
    } else {
        size_t len = 0;
        has = EVP_PKEY_get_octet_string_param(k->k, OSSL_PKEY_PARAM_PRIV_KEY, NULL, 0, &len) &&
              len > 0;
    }
    ERR_pop_to_mark();
    return has;
}

strata_status strata_pkey_check(const strata_pkey *k, strata_error *err)
{
    if (!k)
        return strata__pki_fail_plain(err, STRATA_E_USAGE, "no key");
    EVP_PKEY_CTX *c = EVP_PKEY_CTX_new_from_pkey(NULL, k->k, NULL);
    if (!c)
        return STRATA__PKI_NOMEM(err);
    int priv = strata_pkey_has_private(k);
    int ok = priv ? EVP_PKEY_check(c) : EVP_PKEY_public_check(c);
    EVP_PKEY_CTX_free(c);
    if (ok != 1)
        return strata__pki_fail(err, STRATA_E_CRYPTO, "the %s %s key is not consistent",
                                strata_pkey_type_name(strata_pkey_get_type(k)),
                                priv ? "private" : "public");
    return STRATA_OK;
}

strata_status strata_pkey_public_only(const strata_pkey *k, strata_pkey **out, strata_error *err)
{
    *out = NULL;
    unsigned char *der = NULL;
    int n = k ? i2d_PUBKEY(k->k, &der) : -1;
    if (n <= 0)
        return strata__pki_fail(err, STRATA_E_CRYPTO, "encoding the public key failed");
    const unsigned char *p = der;
    EVP_PKEY *pub = d2i_PUBKEY(NULL, &p, n);
    OPENSSL_free(der);
    if (!pub)
        return strata__pki_fail(err, STRATA_E_CRYPTO, "decoding the public key failed");
    return strata__pkey_wrap(pub, out, err);
}

int strata_pkey_equal(const strata_pkey *a, const strata_pkey *b)
{
    if (!a || !b)
        return 0;
    ERR_set_mark();
    int eq = EVP_PKEY_eq(a->k, b->k) == 1;
    ERR_pop_to_mark();
    return eq;
}

strata_status strata_pkey_sign(const strata_pkey *k, const void *data, size_t len,
                               const char *digest, strata_buf *sig, strata_error *err)
{
    strata_buf_reset(sig);
    strata_status r;
    if ((r = strata__pki_need_private(k, err)) != STRATA_OK)
        return r;
    EVP_MD *md = NULL;
    if ((r = strata__pki_sign_md(k->k, digest, &md, err)) != STRATA_OK)
        return r;
    EVP_MD_CTX *c = EVP_MD_CTX_new();
    size_t n = 0;
    uint8_t *p;
    if (!c ||
        EVP_DigestSignInit_ex(c, NULL, md ? EVP_MD_get0_name(md) : NULL, NULL, NULL, k->k, NULL) <=
            0 ||
        EVP_DigestSign(c, NULL, &n, data, len) <= 0) {
        r = strata__pki_fail(err, STRATA_E_CRYPTO, "signing with the %s key failed",
                             strata_pkey_type_name(strata_pkey_get_type(k)));
        goto out;
    }
    if ((r = strata_buf_reserve(sig, n, &p)) != STRATA_OK) {
        r = strata__pki_fail_plain(err, r, "the signature does not fit the buffer");
        goto out;
    }
    size_t cap = n;
    if (EVP_DigestSign(c, p, &n, data, len) <= 0) {
        r = strata__pki_fail(err, STRATA_E_CRYPTO, "signing failed");
        strata_buf_reset(sig);
        goto out;
    }
    if ((r = strata_buf_consume_end(sig, cap - n)) != STRATA_OK)
        strata_buf_reset(sig);
out:
    EVP_MD_CTX_free(c);
    EVP_MD_free(md);
    return r;
}

strata_status strata_pkey_verify(const strata_pkey *k, const void *sig, size_t siglen,
                                 const void *data, size_t len, const char *digest,
                                 strata_error *err)
{
    if (!k)
        return strata__pki_fail_plain(err, STRATA_E_USAGE, "no key");
    EVP_MD *md = NULL;
    strata_status r;
    if ((r = strata__pki_sign_md(k->k, digest, &md, err)) != STRATA_OK)
        return r;
    EVP_MD_CTX *c = EVP_MD_CTX_new();
    if (!c || EVP_DigestVerifyInit_ex(c, NULL, md ? EVP_MD_get0_name(md) : NULL, NULL, NULL, k->k,
                                      NULL) <= 0) {
        r = strata__pki_fail(err, STRATA_E_CRYPTO, "setting up verification failed");
        goto out;
    }
    if (EVP_DigestVerify(c, sig, siglen, data, len) != 1)
        r = strata__pki_fail(err, STRATA_E_BAD_SIGNATURE,
                             "the %zu-byte signature does not verify with this %s key", siglen,
                             strata_pkey_type_name(strata_pkey_get_type(k)));
out:
    EVP_MD_CTX_free(c);
    EVP_MD_free(md);
    return r;
}
