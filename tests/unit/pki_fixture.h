/* Shared helpers for the pki unit tests: a CA and certificates built in
 * memory with the pki API itself. */
#ifndef STRATA_TEST_PKI_FIXTURE_H
#define STRATA_TEST_PKI_FIXTURE_H

#include <string.h>
#include <time.h>

#include "testutil.h"
#include "strata/pki.h"

/* A fixed "now" for every test: 2025-01-01T00:00:00Z. */
#define PF_NOW ((time_t)1735689600)

static inline strata_x509_name *pf_name(const char *oneline)
{
    strata_x509_name *n = NULL;
    assert_ok(strata_x509_name_parse(oneline, &n, NULL));
    return n;
}

static inline void pf_add_ext(strata_x509 *x, const char *name, int crit, const char *value,
                              const strata_x509 *subject, const strata_x509 *issuer)
{
    strata_x509_ext *e = NULL;
    strata_error err;
    strata_error_clear(&err);
    strata_status r = strata_x509_ext_new(name, crit, value, subject, issuer, &e, &err);
    if (r != STRATA_OK)
        fail_msg("ext %s=%s: %s", name, value, strata_error_message(&err));
    assert_ok(strata_x509_add_ext(x, e, NULL));
    strata_x509_ext_free(e);
}

/* A certificate for subject with key, signed by issuer/issuer_key (NULL:
 * self-signed), valid [now + from, now + to). */
static inline strata_x509 *pf_cert(const char *subject, const strata_pkey *key,
                                   const strata_x509 *issuer, const strata_pkey *issuer_key, int ca,
                                   long from, long to)
{
    strata_x509 *x = NULL;
    assert_ok(strata_x509_new(&x, NULL));
    assert_ok(strata_x509_set_version(x, STRATA_X509_V3, NULL));
    assert_ok(strata_x509_set_serial_random(x, NULL));
    strata_x509_name *n = pf_name(subject);
    assert_ok(strata_x509_set_subject(x, n, NULL));
    if (issuer) {
        strata_x509_name *in = NULL;
        assert_ok(strata_x509_get_subject(issuer, &in, NULL));
        assert_ok(strata_x509_set_issuer(x, in, NULL));
        strata_x509_name_free(in);
    } else {
        assert_ok(strata_x509_set_issuer(x, n, NULL));
    }
    strata_x509_name_free(n);
    assert_ok(strata_x509_set_pubkey(x, key, NULL));
    assert_ok(strata_x509_gmtime_adj_not_before(x, PF_NOW, from, NULL));
    assert_ok(strata_x509_gmtime_adj_not_after(x, PF_NOW, to, NULL));
    pf_add_ext(x, "subjectKeyIdentifier", 0, "hash", x, NULL);
    pf_add_ext(x, "authorityKeyIdentifier", 0, "keyid:always", x, issuer ? issuer : x);
    if (ca) {
        pf_add_ext(x, "basicConstraints", 1, "CA:TRUE", x, NULL);
        pf_add_ext(x, "keyUsage", 1, "keyCertSign,cRLSign", x, NULL);
    } else {
        pf_add_ext(x, "basicConstraints", 1, "CA:FALSE", x, NULL);
        pf_add_ext(x, "subjectAltName", 0, "DNS:localhost,IP:127.0.0.1", x, NULL);
    }
    assert_ok(strata_x509_sign(x, issuer_key ? issuer_key : key, NULL, NULL));
    return x;
}

static inline strata_pkey *pf_key(const char *spec)
{
    strata_pkey *k = NULL;
    assert_ok(strata_pkey_generate_spec(spec, &k, NULL));
    return k;
}

#endif
