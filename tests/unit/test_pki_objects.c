/* pki objects: extensions, requests, CRLs, PKCS#12, PKCS#7, SPKI and rand. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <openssl/core_names.h>
#include <openssl/pkcs12.h>
#include <openssl/pkcs7.h>
#include <openssl/rand.h>

#include "pki_fixture.h"

static char *ext_text(const char *name, int crit, const char *value, const strata_x509 *subject,
                      const strata_x509 *issuer)
{
    strata_x509_ext *e = NULL;
    strata_error err;
    strata_error_clear(&err);
    if (strata_x509_ext_new(name, crit, value, subject, issuer, &e, &err) != STRATA_OK)
        fail_msg("%s: %s", name, strata_error_message(&err));
    assert_string_equal(strata_x509_ext_short_name(e), name);
    assert_int_equal(strata_x509_ext_critical(e), crit);
    char *t = NULL;
    assert_ok(strata_x509_ext_text(e, &t, NULL));
    strata_x509_ext_free(e);
    return t;
}

static void test_extensions(void **state)
{
    (void)state;
    strata_pkey *k = pf_key("ec:p256");
    strata_x509 *ca = pf_cert("/CN=CA", k, NULL, NULL, 1, 0, 3600);
    static const struct {
        const char *name, *value, *want;
        int crit;
    } cases[] = {
        {"subjectAltName",
         "DNS:localhost,IP:127.0.0.1,IP:::1,email:a@b.example,URI:https://x.example/",
         "DNS:localhost, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1, email:a@b.example, "
         "URI:https://x.example/",
         0},
        {"basicConstraints", "CA:TRUE,pathlen:1", "CA:TRUE, pathlen:1", 1},
        {"keyUsage", "digitalSignature,keyEncipherment", "Digital Signature, Key Encipherment", 1},
        {"extendedKeyUsage", "serverAuth,clientAuth",
         "TLS Web Server Authentication, TLS Web Client Authentication", 0},
        {"nameConstraints", "permitted;DNS:.example.com", "Permitted:\n  DNS:.example.com", 1},
        {"crlDistributionPoints", "URI:http://crl.example/ca.crl",
         "Full Name:\n  URI:http://crl.example/ca.crl", 0},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char *t = ext_text(cases[i].name, cases[i].crit, cases[i].value, NULL, NULL);
        if (!strstr(t, cases[i].want))
            fail_msg("%s: got \"%s\", want \"%s\"", cases[i].name, t, cases[i].want);
        strata_pki_free_string(t);
    }
    /* Key identifiers come from the subject and the issuer. */
    char *ski = ext_text("subjectKeyIdentifier", 0, "hash", ca, NULL);
    char *aki = ext_text("authorityKeyIdentifier", 0, "keyid:always", NULL, ca);
    assert_true(strlen(ski) >= 59);
    assert_non_null(strstr(aki, ski)); /* the AKI names the CA's SKI */
    strata_pki_free_string(ski);
    strata_pki_free_string(aki);
    strata_x509_ext *e = NULL;
    strata_buf d;
    strata_buf_init(&d, 0);
    assert_ok(strata_x509_ext_new("basicConstraints", 1, "CA:FALSE", NULL, NULL, &e, NULL));
    assert_ok(strata_x509_ext_data(e, &d, NULL));
    assert_int_equal(strata_buf_len(&d), 2); /* SEQUENCE {} : 30 00 */
    assert_int_equal(strata_buf_ptr(&d)[0], 0x30);
    strata_buf_free(&d);
    strata_x509_ext_free(e);
    strata_error err;
    strata_error_clear(&err);
    assert_status(strata_x509_ext_new("noSuchExtension", 0, "x", NULL, NULL, &e, &err),
                  STRATA_E_USAGE);
    assert_string_equal(strata_error_message(&err), "unknown extension \"noSuchExtension\"");
    strata_error_clear(&err);
    assert_status(strata_x509_ext_new("basicConstraints", 0, "CA:MAYBE", NULL, NULL, &e, &err),
                  STRATA_E_USAGE);
    assert_non_null(strstr(strata_error_message(&err), "bad value \"CA:MAYBE\""));
    strata_error_clear(&err);
    assert_status(strata_x509_ext_new("subjectKeyIdentifier", 0, "hash", NULL, NULL, &e, &err),
                  STRATA_E_USAGE); /* no subject to hash */
    strata_x509_free(ca);
    strata_pkey_free(k);
}

static void test_request(void **state)
{
    (void)state;
    strata_pkey *k = pf_key("rsa:2048");
    strata_x509_req *r = NULL;
    assert_ok(strata_x509_req_new(&r, NULL));
    assert_ok(strata_x509_req_set_version(r, 0, NULL));
    assert_status(strata_x509_req_set_version(r, 2, NULL), STRATA_E_USAGE);
    strata_x509_name *n = pf_name("/C=DE/O=Example/CN=req.example");
    assert_ok(strata_x509_req_set_subject(r, n, NULL));
    assert_ok(strata_x509_req_set_pubkey(r, k, NULL));
    strata_x509_ext *exts[2] = {NULL, NULL};
    assert_ok(
        strata_x509_ext_new_for_req("subjectAltName", 0, "DNS:req.example", r, &exts[0], NULL));
    assert_ok(strata_x509_ext_new_for_req("subjectKeyIdentifier", 0, "hash", r, &exts[1], NULL));
    assert_ok(strata_x509_req_add_exts(r, exts, 1, NULL));
    assert_ok(strata_x509_req_add_exts(r, exts + 1, 1, NULL)); /* kept in one attribute */
    assert_int_equal(strata_x509_req_ext_count(r), 2);
    assert_ok(strata_x509_req_sign(r, k, "sha256", NULL));
    assert_ok(strata_x509_req_verify(r, k, NULL));
    assert_ok(strata_x509_req_verify(r, NULL, NULL));
    strata_pkey *other = pf_key("rsa:2048");
    strata_error err;
    strata_error_clear(&err);
    assert_status(strata_x509_req_verify(r, other, &err), STRATA_E_BAD_SIGNATURE);
    strata_buf b;
    strata_buf_init(&b, 0);
    assert_ok(strata_x509_req_dump(r, STRATA_PKI_PEM, &b, NULL));
    assert_non_null(
        memmem(strata_buf_ptr(&b), strata_buf_len(&b), "-----BEGIN CERTIFICATE REQUEST-----", 35));
    strata_x509_req *r2 = NULL;
    assert_ok(
        strata_x509_req_load(strata_buf_ptr(&b), strata_buf_len(&b), STRATA_PKI_AUTO, &r2, NULL));
    assert_int_equal(strata_x509_req_get_version(r2), 0);
    strata_x509_name *n2 = NULL;
    assert_ok(strata_x509_req_get_subject(r2, &n2, NULL));
    assert_int_equal(strata_x509_name_cmp(n, n2), 0);
    strata_pkey *pk = NULL;
    assert_ok(strata_x509_req_get_pubkey(r2, &pk, NULL));
    assert_true(strata_pkey_equal(pk, k));
    /* The request built with the private key hands back the public half only. */
    strata_pkey *own = NULL;
    assert_ok(strata_x509_req_get_pubkey(r, &own, NULL));
    assert_true(strata_pkey_equal(own, k));
    assert_false(strata_pkey_has_private(own));
    strata_pkey_free(own);
    strata_x509_ext *e = NULL;
    assert_ok(strata_x509_req_get_ext(r2, 0, &e, NULL));
    assert_string_equal(strata_x509_ext_short_name(e), "subjectAltName");
    strata_x509_ext_free(e);
    assert_status(strata_x509_req_get_ext(r2, 2, &e, NULL), STRATA_E_USAGE);
    assert_ok(strata_x509_req_dump(r2, STRATA_PKI_DER, &b, NULL));
    strata_error_clear(&err);
    strata_x509_req *none = NULL;
    assert_status(strata_x509_req_load(strata_buf_ptr(&b), strata_buf_len(&b) - 1, STRATA_PKI_DER,
                                       &none, &err),
                  STRATA_E_BAD_DER);
    assert_non_null(strstr(strata_error_message(&err), "certificate request: truncated"));
    strata_buf_free(&b);
    strata_pkey_free(pk);
    strata_x509_name_free(n2);
    strata_x509_req_free(r2);
    strata_x509_ext_free(exts[0]);
    strata_x509_ext_free(exts[1]);
    strata_pkey_free(other);
    strata_x509_name_free(n);
    strata_x509_req_free(r);
    strata_pkey_free(k);
}

static void test_crl(void **state)
{
    (void)state;
    strata_pkey *ck = pf_key("ec:p256"), *lk = pf_key("ec:p256");
    strata_x509 *ca = pf_cert("/CN=CRL CA", ck, NULL, NULL, 1, -3600, 86400);
    strata_x509 *leaf = pf_cert("/CN=revoked.example", lk, ca, ck, 0, -3600, 86400);
    char *serial = NULL;
    assert_ok(strata_x509_get_serial_hex(leaf, &serial, NULL));
    strata_x509_crl *c = NULL;
    assert_ok(strata_x509_crl_new(&c, NULL));
    assert_ok(strata_x509_crl_set_version(c, 1, NULL));
    assert_ok(strata_x509_crl_set_last_update(c, PF_NOW - 60, NULL));
    assert_ok(strata_x509_crl_set_next_update(c, PF_NOW + 86400, NULL));
    strata_revoked *rv = NULL;
    assert_ok(strata_revoked_new(&rv, NULL));
    assert_ok(strata_revoked_set_serial_hex(rv, serial, NULL));
    assert_ok(strata_revoked_set_date(rv, PF_NOW - 30, NULL));
    assert_ok(strata_revoked_set_reason(rv, "keyCompromise", NULL));
    assert_status(strata_revoked_set_reason(rv, "boredom", NULL), STRATA_E_USAGE);
    assert_ok(strata_x509_crl_add_revoked(c, rv, NULL));
    assert_ok(strata_x509_crl_sign(c, ca, ck, NULL, NULL));
    assert_ok(strata_x509_crl_verify(c, ck, NULL));
    assert_status(strata_x509_crl_verify(c, lk, NULL), STRATA_E_BAD_SIGNATURE);
    size_t nr;
    const char *const *all = strata_revoked_all_reasons(&nr);
    assert_int_equal(nr, 11);
    assert_string_equal(all[1], "keyCompromise");
    /* Dump, load, read back. */
    strata_buf b;
    strata_buf_init(&b, 0);
    assert_ok(strata_x509_crl_dump(c, STRATA_PKI_PEM, &b, NULL));
    strata_x509_crl *c2 = NULL;
    assert_ok(
        strata_x509_crl_load(strata_buf_ptr(&b), strata_buf_len(&b), STRATA_PKI_AUTO, &c2, NULL));
    assert_int_equal(strata_x509_crl_get_version(c2), 1);
    assert_int_equal(strata_x509_crl_revoked_count(c2), 1);
    strata_revoked *rv2 = NULL;
    assert_ok(strata_x509_crl_get_revoked(c2, 0, &rv2, NULL));
    char *s2 = NULL;
    assert_ok(strata_revoked_get_serial_hex(rv2, &s2, NULL));
    assert_string_equal(s2, serial);
    const char *reason;
    assert_ok(strata_revoked_get_reason(rv2, &reason, NULL));
    assert_string_equal(reason, "keyCompromise");
    time_t when;
    assert_ok(strata_revoked_get_date(rv2, &when, NULL));
    assert_int_equal(when, PF_NOW - 30);
    strata_x509_name *in = NULL;
    assert_ok(strata_x509_crl_get_issuer(c2, &in, NULL));
    char *line = NULL;
    assert_ok(strata_x509_name_oneline(in, &line, NULL));
    assert_string_equal(line, "/CN=CRL CA");
    /* The store refuses the revoked leaf once CRL checking is on. */
    strata_x509_store *s = NULL;
    assert_ok(strata_x509_store_new(&s, NULL));
    assert_ok(strata_x509_store_add_cert(s, ca, NULL));
    assert_ok(strata_x509_store_set_time(s, PF_NOW, NULL));
    assert_ok(strata_x509_store_verify(s, leaf, NULL, 0, NULL, NULL, NULL, NULL, NULL));
    assert_ok(strata_x509_store_add_crl(s, c2, NULL));
    assert_ok(strata_x509_store_set_flags(s, STRATA_X509_STORE_CRL_CHECK, NULL));
    strata_error err;
    strata_error_clear(&err);
    assert_status(strata_x509_store_verify(s, leaf, NULL, 0, NULL, NULL, NULL, NULL, &err),
                  STRATA_E_CERT_REVOKED);
    assert_non_null(
        strstr(strata_error_message(&err), "(/CN=revoked.example): certificate revoked"));
    strata_buf t;
    strata_buf_init(&t, 0);
    assert_ok(strata_x509_crl_dump(c2, STRATA_PKI_TEXT, &t, NULL));
    assert_non_null(memmem(strata_buf_ptr(&t), strata_buf_len(&t), "Key Compromise", 14));
    strata_buf_free(&t);
    strata_error_clear(&err);
    strata_x509_crl *none = NULL;
    assert_status(strata_x509_crl_load(strata_buf_ptr(&b), 40, STRATA_PKI_PEM, &none, &err),
                  STRATA_E_BAD_PEM);
    strata_x509_store_free(s);
    strata_pki_free_string(line);
    strata_x509_name_free(in);
    strata_pki_free_string(s2);
    strata_revoked_free(rv2);
    strata_x509_crl_free(c2);
    strata_buf_free(&b);
    strata_revoked_free(rv);
    strata_x509_crl_free(c);
    strata_pki_free_string(serial);
    strata_x509_free(leaf);
    strata_x509_free(ca);
    strata_pkey_free(ck);
    strata_pkey_free(lk);
}

/* What a DER PKCS#12 is protected with, read back with OpenSSL's own
 * parser: the MAC digest and iteration count, and for the certificate bag
 * (encryptedData) and the shrouded key bag the algorithm OID; for PBES2 the
 * cipher, the PRF and the PBKDF2 iteration count of each. */
struct p12_algs {
    int mac_md, mac_iter;
    int cert_alg, cert_cipher, cert_prf, cert_iter;
    int key_alg, key_cipher, key_prf, key_iter;
};

static void pbes2_of(const X509_ALGOR *a, int *alg, int *cipher, int *prf, int *iter)
{
    *alg = OBJ_obj2nid(a->algorithm);
    *cipher = *prf = *iter = 0;
    if (*alg != NID_pbes2)
        return;
    PBE2PARAM *p2 = ASN1_TYPE_unpack_sequence(ASN1_ITEM_rptr(PBE2PARAM), a->parameter);
    assert_non_null(p2);
    *cipher = OBJ_obj2nid(p2->encryption->algorithm);
    assert_int_equal(OBJ_obj2nid(p2->keyfunc->algorithm), NID_id_pbkdf2);
    PBKDF2PARAM *kdf =
        ASN1_TYPE_unpack_sequence(ASN1_ITEM_rptr(PBKDF2PARAM), p2->keyfunc->parameter);
    assert_non_null(kdf);
    *prf = kdf->prf ? OBJ_obj2nid(kdf->prf->algorithm) : NID_hmacWithSHA1;
    *iter = (int)ASN1_INTEGER_get(kdf->iter);
    PBKDF2PARAM_free(kdf);
    PBE2PARAM_free(p2);
}

static struct p12_algs p12_read_algs(const strata_buf *der)
{
    struct p12_algs r;
    memset(&r, 0, sizeof(r));
    const unsigned char *q = strata_buf_ptr(der);
    PKCS12 *p12 = d2i_PKCS12(NULL, &q, (long)strata_buf_len(der));
    assert_non_null(p12);
    const X509_ALGOR *macalg = NULL;
    const ASN1_INTEGER *miter = NULL;
    PKCS12_get0_mac(NULL, &macalg, NULL, &miter, p12);
    assert_non_null(macalg);
    r.mac_md = OBJ_obj2nid(macalg->algorithm);
    r.mac_iter = miter ? (int)ASN1_INTEGER_get(miter) : 1;
    STACK_OF(PKCS7) *safes = PKCS12_unpack_authsafes(p12);
    assert_non_null(safes);
    for (int i = 0; i < sk_PKCS7_num(safes); i++) {
        PKCS7 *p7 = sk_PKCS7_value(safes, i);
        STACK_OF(PKCS12_SAFEBAG) *bags = NULL;
        if (OBJ_obj2nid(p7->type) == NID_pkcs7_encrypted) {
            pbes2_of(p7->d.encrypted->enc_data->algorithm, &r.cert_alg, &r.cert_cipher, &r.cert_prf,
                     &r.cert_iter);
            continue;
        }
        bags = PKCS12_unpack_p7data(p7);
        assert_non_null(bags);
        for (int j = 0; j < sk_PKCS12_SAFEBAG_num(bags); j++) {
            const PKCS12_SAFEBAG *bag = sk_PKCS12_SAFEBAG_value(bags, j);
            if (PKCS12_SAFEBAG_get_nid(bag) != NID_pkcs8ShroudedKeyBag)
                continue;
            const X509_ALGOR *ka = NULL;
            X509_SIG_get0(PKCS12_SAFEBAG_get0_pkcs8(bag), &ka, NULL);
            pbes2_of(ka, &r.key_alg, &r.key_cipher, &r.key_prf, &r.key_iter);
        }
        sk_PKCS12_SAFEBAG_pop_free(bags, PKCS12_SAFEBAG_free);
    }
    sk_PKCS7_pop_free(safes, PKCS7_free);
    PKCS12_free(p12);
    return r;
}

static void p12_roundtrip(unsigned flags)
{
    strata_pkey *ck = pf_key("ec:p256"), *lk = pf_key("rsa:2048");
    strata_x509 *ca = pf_cert("/CN=P12 CA", ck, NULL, NULL, 1, 0, 3600);
    strata_x509 *leaf = pf_cert("/CN=p12.example", lk, ca, ck, 0, 0, 3600);
    strata_pkcs12 *p = NULL;
    assert_ok(strata_pkcs12_new(&p, NULL));
    strata_pkcs12_set_key(p, lk);
    strata_pkcs12_set_cert(p, leaf);
    assert_ok(strata_pkcs12_set_cas(p, &ca, 1, NULL));
    assert_ok(strata_pkcs12_set_friendly_name(p, "my leaf", NULL));
    strata_passphrase pw = {"p12 pass", 8, NULL, NULL};
    strata_buf b;
    strata_buf_init(&b, 0);
    assert_ok(strata_pkcs12_export(p, &pw, flags, 0, 0, &b, NULL));
    /* The default algorithms, or the legacy ones; 2048 iterations each. */
    struct p12_algs a = p12_read_algs(&b);
    assert_int_equal(a.mac_iter, 2048);
    if (flags & STRATA_PKCS12_LEGACY) {
        assert_int_equal(a.mac_md, NID_sha1);
        assert_int_equal(a.cert_alg, NID_pbe_WithSHA1And40BitRC2_CBC);
        assert_int_equal(a.key_alg, NID_pbe_WithSHA1And3_Key_TripleDES_CBC);
    } else {
        assert_int_equal(a.mac_md, NID_sha256);
        assert_int_equal(a.cert_alg, NID_pbes2);
        assert_int_equal(a.key_alg, NID_pbes2);
        assert_int_equal(a.cert_cipher, NID_aes_256_cbc);
        assert_int_equal(a.key_cipher, NID_aes_256_cbc);
        assert_int_equal(a.cert_prf, NID_hmacWithSHA256);
        assert_int_equal(a.key_prf, NID_hmacWithSHA256);
        assert_int_equal(a.cert_iter, 2048);
        assert_int_equal(a.key_iter, 2048);
    }
    strata_pkcs12 *q = NULL;
    assert_ok(strata_pkcs12_load(strata_buf_ptr(&b), strata_buf_len(&b), &pw, flags, &q, NULL));
    assert_true(strata_pkey_equal(strata_pkcs12_key(q), lk));
    assert_true(strata_pkey_has_private(strata_pkcs12_key(q)));
    char *f1 = NULL, *f2 = NULL;
    assert_ok(strata_x509_digest(strata_pkcs12_cert(q), "sha256", &f1, NULL));
    assert_ok(strata_x509_digest(leaf, "sha256", &f2, NULL));
    assert_string_equal(f1, f2);
    assert_int_equal(strata_pkcs12_ca_count(q), 1);
    assert_non_null(strata_pkcs12_ca(q, 0));
    assert_null(strata_pkcs12_ca(q, 1));
    assert_string_equal(strata_pkcs12_friendly_name(q), "my leaf");
    strata_passphrase wrong = {"nope", 4, NULL, NULL};
    strata_pkcs12 *z = NULL;
    strata_error err;
    strata_error_clear(&err);
    assert_status(
        strata_pkcs12_load(strata_buf_ptr(&b), strata_buf_len(&b), &wrong, flags, &z, &err),
        STRATA_E_PASSPHRASE);
    assert_string_equal(strata_error_message(&err),
                        "wrong passphrase for the PKCS#12 bundle (its MAC does not verify)");
    strata_error_clear(&err);
    assert_status(
        strata_pkcs12_load(strata_buf_ptr(&b), strata_buf_len(&b) - 5, &pw, flags, &z, &err),
        STRATA_E_BAD_DER);
    /* A key that is not the certificate's is refused on export. */
    strata_pkcs12_set_key(p, ck);
    assert_status(strata_pkcs12_export(p, &pw, flags, 0, 0, &b, NULL), STRATA_E_KEY_MISMATCH);
    strata_pki_free_string(f1);
    strata_pki_free_string(f2);
    strata_pkcs12_free(q);
    strata_buf_free(&b);
    strata_pkcs12_free(p);
    strata_x509_free(leaf);
    strata_x509_free(ca);
    strata_pkey_free(ck);
    strata_pkey_free(lk);
}

static void test_pkcs12_modern(void **state)
{
    (void)state;
    p12_roundtrip(0);
    strata_pkcs12 *p = NULL;
    assert_ok(strata_pkcs12_new(&p, NULL));
    strata_buf b;
    strata_buf_init(&b, 0);
    assert_status(strata_pkcs12_export(p, NULL, 0, 0, 0, &b, NULL), STRATA_E_USAGE);
    strata_buf_free(&b);
    strata_pkcs12_free(p);
}

/* A bundle of a new key and its self-signed certificate, no CA. */
static strata_pkcs12 *p12_leaf_only(const char *subject, strata_pkey **k, strata_x509 **x)
{
    *k = pf_key("ec:p256");
    *x = pf_cert(subject, *k, NULL, NULL, 0, 0, 3600);
    strata_pkcs12 *p = NULL;
    assert_ok(strata_pkcs12_new(&p, NULL));
    strata_pkcs12_set_key(p, *k);
    strata_pkcs12_set_cert(p, *x);
    return p;
}

/* export(passphrase, iter, maciter): the two counts are apart; the bundle
 * still loads. */
static void test_pkcs12_iterations(void **state)
{
    (void)state;
    strata_pkey *k = NULL;
    strata_x509 *x = NULL;
    strata_pkcs12 *p = p12_leaf_only("/CN=iter.example", &k, &x);
    strata_passphrase pw = {"iter", 4, NULL, NULL};
    strata_buf b;
    strata_buf_init(&b, 0);
    assert_ok(strata_pkcs12_export(p, &pw, 0, 3001, 4321, &b, NULL));
    struct p12_algs a = p12_read_algs(&b);
    assert_int_equal(a.mac_md, NID_sha256);
    assert_int_equal(a.mac_iter, 4321);
    assert_int_equal(a.cert_iter, 3001);
    assert_int_equal(a.key_iter, 3001);
    strata_pkcs12 *q = NULL;
    assert_ok(strata_pkcs12_load(strata_buf_ptr(&b), strata_buf_len(&b), &pw, 0, &q, NULL));
    assert_true(strata_pkey_equal(strata_pkcs12_key(q), k));
    strata_pkcs12_free(q);
    /* A MAC count alone: the encryption keeps the default. */
    assert_ok(strata_pkcs12_export(p, &pw, 0, 0, 1, &b, NULL));
    a = p12_read_algs(&b);
    assert_int_equal(a.mac_iter, 1);
    assert_int_equal(a.key_iter, 2048);
    strata_buf_free(&b);
    strata_pkcs12_free(p);
    strata_x509_free(x);
    strata_pkey_free(k);
}

/* A bundle with a key and a certificate and no CA certificates: loads with
 * a CA count of 0 (the seed's None). Exported with no passphrase (pw NULL:
 * the empty one), which once encrypted under whatever the stack held. */
static void test_pkcs12_no_cas(void **state)
{
    (void)state;
    strata_pkey *k = NULL;
    strata_x509 *x = NULL;
    strata_pkcs12 *p = p12_leaf_only("/CN=alone.example", &k, &x);
    strata_buf b;
    strata_buf_init(&b, 0);
    assert_ok(strata_pkcs12_export(p, NULL, 0, 0, 0, &b, NULL));
    strata_pkcs12 *q = NULL;
    strata_error err;
    strata_error_clear(&err);
    if (strata_pkcs12_load(strata_buf_ptr(&b), strata_buf_len(&b), NULL, 0, &q, &err) !=
        STRATA_OK) {
        char eb[1024];
        fail_msg("%s", strata_error_format(&err, eb, sizeof(eb)));
    }
    assert_int_equal(strata_pkcs12_ca_count(q), 0);
    assert_null(strata_pkcs12_ca(q, 0));
    assert_non_null(strata_pkcs12_cert(q));
    assert_true(strata_pkey_equal(strata_pkcs12_key(q), k));
    assert_null(strata_pkcs12_friendly_name(q));
    strata_pkcs12_free(q);
    strata_buf_free(&b);
    strata_pkcs12_free(p);
    strata_x509_free(x);
    strata_pkey_free(k);
}

static void test_pkcs12_legacy(void **state)
{
    (void)state;
    p12_roundtrip(STRATA_PKCS12_LEGACY);
}

static void test_pkcs7(void **state)
{
    (void)state;
    strata_pkey *k = pf_key("ec:p256");
    strata_x509 *a = pf_cert("/CN=a", k, NULL, NULL, 1, 0, 60);
    strata_x509 *b = pf_cert("/CN=b", k, a, k, 0, 0, 60);
    /* A degenerate signedData bundle, as crl2pkcs7 makes, built with
     * OpenSSL directly. */
    PKCS7 *raw = PKCS7_new();
    assert_true(PKCS7_set_type(raw, NID_pkcs7_signed));
    assert_true(PKCS7_content_new(raw, NID_pkcs7_data));
    assert_true(PKCS7_add_certificate(raw, strata_x509_openssl(b)));
    assert_true(PKCS7_add_certificate(raw, strata_x509_openssl(a)));
    unsigned char *der = NULL;
    int n = i2d_PKCS7(raw, &der);
    assert_true(n > 0);
    strata_pkcs7 *p = NULL;
    assert_ok(strata_pkcs7_load(der, (size_t)n, STRATA_PKI_DER, &p, NULL));
    assert_true(strata_pkcs7_type_is_signed(p));
    assert_false(strata_pkcs7_type_is_enveloped(p));
    assert_false(strata_pkcs7_type_is_signed_and_enveloped(p));
    assert_false(strata_pkcs7_type_is_data(p));
    assert_string_equal(strata_pkcs7_type_name(p), "pkcs7-signedData");
    assert_int_equal(strata_pkcs7_cert_count(p), 2);
    assert_int_equal(strata_pkcs7_crl_count(p), 0);
    strata_x509 *c = NULL;
    assert_ok(strata_pkcs7_cert(p, 1, &c, NULL));
    strata_x509_name *nm = NULL;
    char *cn = NULL;
    assert_ok(strata_x509_get_subject(c, &nm, NULL));
    assert_ok(strata_x509_name_get(nm, "CN", &cn, NULL));
    assert_string_equal(cn, "a");
    strata_x509 *c3 = NULL;
    assert_status(strata_pkcs7_cert(p, 2, &c3, NULL), STRATA_E_USAGE);
    strata_buf pem;
    strata_buf_init(&pem, 0);
    assert_ok(strata_pkcs7_dump(p, STRATA_PKI_PEM, &pem, NULL));
    strata_pkcs7 *p2 = NULL;
    assert_ok(
        strata_pkcs7_load(strata_buf_ptr(&pem), strata_buf_len(&pem), STRATA_PKI_PEM, &p2, NULL));
    assert_int_equal(strata_pkcs7_cert_count(p2), 2);
    /* A data-type PKCS#7 has no certificates. */
    PKCS7 *data = PKCS7_new();
    assert_true(PKCS7_set_type(data, NID_pkcs7_data));
    unsigned char *dder = NULL;
    int dn = i2d_PKCS7(data, &dder);
    strata_pkcs7 *pd = NULL;
    assert_ok(strata_pkcs7_load(dder, (size_t)dn, STRATA_PKI_AUTO, &pd, NULL));
    assert_true(strata_pkcs7_type_is_data(pd));
    assert_string_equal(strata_pkcs7_type_name(pd), "pkcs7-data");
    assert_int_equal(strata_pkcs7_cert_count(pd), 0);
    /* An enveloped PKCS#7 (what openssl smime -encrypt makes) for an RSA
     * recipient, and a signedAndEnveloped one: each reads as its own type. */
    strata_pkey *rk = pf_key("rsa:2048");
    strata_x509 *rc = pf_cert("/CN=recipient", rk, NULL, NULL, 0, 0, 60);
    STACK_OF(X509) *to = sk_X509_new_null();
    assert_true(sk_X509_push(to, strata_x509_openssl(rc)) > 0);
    BIO *msg = BIO_new_mem_buf("secret", 6);
    PKCS7 *env = PKCS7_encrypt(to, msg, EVP_aes_128_cbc(), PKCS7_BINARY);
    assert_non_null(env);
    PKCS7 *se = PKCS7_new();
    assert_true(PKCS7_set_type(se, NID_pkcs7_signedAndEnveloped));
    assert_true(PKCS7_set_cipher(se, EVP_aes_128_cbc()));
    assert_non_null(
        PKCS7_add_signature(se, strata_x509_openssl(rc), strata_pkey_openssl(rk), EVP_sha256()));
    assert_non_null(PKCS7_add_recipient(se, strata_x509_openssl(rc)));
    BIO *sbio = PKCS7_dataInit(se, NULL);
    assert_non_null(sbio);
    assert_int_equal(BIO_write(sbio, "secret", 6), 6);
    assert_int_equal(BIO_flush(sbio), 1);
    assert_true(PKCS7_dataFinal(se, sbio));
    BIO_free_all(sbio);
    struct {
        PKCS7 *raw;
        int env, se;
        const char *name;
    } kinds[] = {{env, 1, 0, "pkcs7-envelopedData"}, {se, 0, 1, "pkcs7-signedAndEnvelopedData"}};
    for (size_t i = 0; i < 2; i++) {
        unsigned char *kder = NULL;
        int kn = i2d_PKCS7(kinds[i].raw, &kder);
        assert_true(kn > 0);
        strata_pkcs7 *pk = NULL;
        assert_ok(strata_pkcs7_load(kder, (size_t)kn, STRATA_PKI_DER, &pk, NULL));
        assert_int_equal(strata_pkcs7_type_is_enveloped(pk), kinds[i].env);
        assert_int_equal(strata_pkcs7_type_is_signed_and_enveloped(pk), kinds[i].se);
        assert_false(strata_pkcs7_type_is_signed(pk));
        assert_false(strata_pkcs7_type_is_data(pk));
        assert_string_equal(strata_pkcs7_type_name(pk), kinds[i].name);
        strata_pkcs7_free(pk);
        OPENSSL_free(kder);
    }
    PKCS7_free(se);
    PKCS7_free(env);
    BIO_free(msg);
    sk_X509_free(to);
    strata_x509_free(rc);
    strata_pkey_free(rk);
    strata_error err;
    strata_error_clear(&err);
    strata_pkcs7 *none = NULL;
    assert_status(strata_pkcs7_load(der, (size_t)n - 10, STRATA_PKI_DER, &none, &err),
                  STRATA_E_BAD_DER);
    assert_non_null(strstr(strata_error_message(&err), "PKCS#7: truncated or malformed DER"));
    strata_pkcs7_free(pd);
    OPENSSL_free(dder);
    PKCS7_free(data);
    strata_pkcs7_free(p2);
    strata_buf_free(&pem);
    strata_pki_free_string(cn);
    strata_x509_name_free(nm);
    strata_x509_free(c);
    strata_pkcs7_free(p);
    OPENSSL_free(der);
    PKCS7_free(raw);
    strata_x509_free(a);
    strata_x509_free(b);
    strata_pkey_free(k);
}

static void test_spki(void **state)
{
    (void)state;
    strata_pkey *k = pf_key("rsa:2048");
    strata_spki *s = NULL;
    assert_ok(strata_spki_new(&s, NULL));
    assert_ok(strata_spki_set_pubkey(s, k, NULL));
    assert_ok(strata_spki_sign(s, k, "sha256", NULL));
    assert_ok(strata_spki_verify(s, k, NULL));
    char *b64 = NULL;
    assert_ok(strata_spki_b64_encode(s, &b64, NULL));
    /* Decoding tolerates line breaks. */
    size_t n = strlen(b64);
    char *wrapped = malloc(n + n / 64 + 2);
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        if (i && i % 64 == 0)
            wrapped[o++] = '\n';
        wrapped[o++] = b64[i];
    }
    strata_spki *s2 = NULL;
    assert_ok(strata_spki_b64_decode(wrapped, o, &s2, NULL));
    strata_pkey *pk = NULL;
    assert_ok(strata_spki_get_pubkey(s2, &pk, NULL));
    assert_true(strata_pkey_equal(pk, k));
    assert_ok(strata_spki_verify(s2, pk, NULL));
    strata_pkey *other = pf_key("ec:p256");
    assert_status(strata_spki_verify(s2, other, NULL), STRATA_E_BAD_SIGNATURE);
    strata_spki *bad = NULL;
    strata_error err;
    strata_error_clear(&err);
    assert_status(strata_spki_b64_decode("not*base64", 10, &bad, &err), STRATA_E_FORMAT);
    assert_string_equal(strata_error_message(&err), "SPKI: byte 0x2a at offset 3 is not base64");
    strata_error_clear(&err);
    assert_status(strata_spki_b64_decode("QUJD", 4, &bad, &err), STRATA_E_BAD_DER);
    strata_error_clear(&err);
    assert_status(strata_spki_b64_decode("QUJ", 3, &bad, &err), STRATA_E_FORMAT);
    assert_null(bad);
    strata_pkey_free(other);
    strata_pkey_free(pk);
    strata_spki_free(s2);
    free(wrapped);
    strata_pki_free_string(b64);
    strata_spki_free(s);
    strata_pkey_free(k);
}

/* How many times OpenSSL's primary DRBG (the one RAND_add feeds) reseeded. */
static unsigned primary_reseeds(void)
{
    EVP_RAND_CTX *primary = RAND_get0_primary(NULL);
    assert_non_null(primary);
    unsigned v = 0;
    OSSL_PARAM p[2] = {OSSL_PARAM_construct_uint(OSSL_DRBG_PARAM_RESEED_COUNTER, &v),
                       OSSL_PARAM_END};
    assert_true(EVP_RAND_CTX_get_params(primary, p));
    return v;
}

static void test_rand(void **state)
{
    (void)state;
    assert_true(strata_rand_status());
    uint8_t a[32], b[32];
    assert_ok(strata_rand_bytes(a, sizeof(a), NULL));
    assert_ok(strata_rand_bytes(b, sizeof(b), NULL));
    assert_memory_not_equal(a, b, sizeof(a));
    /* add / seed reach OpenSSL: each reseeds the primary DRBG with the bytes
     * (its reseed counter steps once); nothing else in this thread draws from
     * the primary meanwhile. An empty add reseeds nothing. */
    unsigned c0 = primary_reseeds();
    strata_rand_add("some bytes", 10, 2.5);
    unsigned c1 = primary_reseeds();
    assert_int_equal(c1, c0 + 1);
    strata_rand_seed("more bytes", 10);
    unsigned c2 = primary_reseeds();
    assert_int_equal(c2, c1 + 1);
    strata_rand_add("", 0, 0.0);
    assert_int_equal(primary_reseeds(), c2);
    assert_true(strata_rand_status());
    char path[] = "/tmp/strata-rand-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    size_t w = 0, l = 0;
    assert_ok(strata_rand_write_file(path, &w, NULL));
    assert_int_equal(w, 1024);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    assert_ok(strata_rand_load_file(path, -1, &l, NULL));
    assert_int_equal(l, 1024);
    assert_ok(strata_rand_load_file(path, 100, &l, NULL));
    assert_int_equal(l, 100);
    unlink(path);
    strata_error err;
    strata_error_clear(&err);
    assert_status(strata_rand_load_file("/nonexistent/seed", -1, &l, &err), STRATA_E_IO);
    strata_error_clear(&err);
    assert_status(strata_rand_egd("/var/run/egd-pool", 255, &err), STRATA_E_UNSUPPORTED);
    assert_non_null(strstr(strata_error_message(&err), "does not exist in OpenSSL 3"));
    strata_error_clear(&err);
    assert_status(strata_rand_screen(&err), STRATA_E_UNSUPPORTED);
    assert_non_null(strstr(strata_error_message(&err), "does not exist on Linux"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_extensions),    cmocka_unit_test(test_request),
        cmocka_unit_test(test_crl),           cmocka_unit_test(test_pkcs12_modern),
        cmocka_unit_test(test_pkcs12_legacy), cmocka_unit_test(test_pkcs12_iterations),
        cmocka_unit_test(test_pkcs12_no_cas), cmocka_unit_test(test_pkcs7),
        cmocka_unit_test(test_spki),          cmocka_unit_test(test_rand),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
