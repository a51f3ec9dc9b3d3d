/* pki/x509_sign: a certificate's validity period, signature, fingerprints and
 * the checks against a key or a host name. */
#include <stdio.h>
#include <string.h>
#include <openssl/err.h>
#include <openssl/x509v3.h>

#include "pki/pki_internal.h"

static strata_status set_time(ASN1_TIME *t, time_t when, const char *which, strata_error *err)
{
    if (!t || !X509_time_adj_ex(t, 0, 0, &when))
        return strata__pki_fail(err, STRATA_E_USAGE, "setting %s failed", which);
    return STRATA_OK;
}

strata_status strata_x509_set_not_before(strata_x509 *x, time_t t, strata_error *err)
{
    return set_time(X509_getm_notBefore(x->x), t, "notBefore", err);
}

strata_status strata_x509_set_not_after(strata_x509 *x, time_t t, strata_error *err)
{
    return set_time(X509_getm_notAfter(x->x), t, "notAfter", err);
}

static strata_status set_time_str(ASN1_TIME *t, const char *s, const char *which, strata_error *err)
{
    if (!s || !t || !ASN1_TIME_set_string_X509(t, s))
        return strata__pki_fail(err, STRATA_E_USAGE,
                                "%s \"%.40s\" is not an ASN.1 time (YYYYMMDDhhmmssZ)", which,
                                s ? s : "");
    return STRATA_OK;
}

strata_status strata_x509_set_not_before_str(strata_x509 *x, const char *asn1, strata_error *err)
{
    return set_time_str(X509_getm_notBefore(x->x), asn1, "notBefore", err);
}

strata_status strata_x509_set_not_after_str(strata_x509 *x, const char *asn1, strata_error *err)
{
    return set_time_str(X509_getm_notAfter(x->x), asn1, "notAfter", err);
}

static strata_status adj(ASN1_TIME *t, time_t now, long secs, const char *which, strata_error *err)
{
    if (!t || !X509_time_adj_ex(t, 0, secs, &now))
        return strata__pki_fail(err, STRATA_E_USAGE, "adjusting %s by %ld s failed", which, secs);
    return STRATA_OK;
}

strata_status strata_x509_gmtime_adj_not_before(strata_x509 *x, time_t now, long secs,
                                                strata_error *err)
{
    return adj(X509_getm_notBefore(x->x), now, secs, "notBefore", err);
}

strata_status strata_x509_gmtime_adj_not_after(strata_x509 *x, time_t now, long secs,
                                               strata_error *err)
{
    return adj(X509_getm_notAfter(x->x), now, secs, "notAfter", err);
}

strata_status strata_x509_get_not_before(const strata_x509 *x, time_t *out, strata_error *err)
{
    return strata__pki_time_get(X509_get0_notBefore(x->x), out, err);
}

strata_status strata_x509_get_not_after(const strata_x509 *x, time_t *out, strata_error *err)
{
    return strata__pki_time_get(X509_get0_notAfter(x->x), out, err);
}

strata_status strata_x509_get_not_before_str(const strata_x509 *x, char **out, strata_error *err)
{
    return strata__pki_time_str(X509_get0_notBefore(x->x), out, err);
}

strata_status strata_x509_get_not_after_str(const strata_x509 *x, char **out, strata_error *err)
{
    return strata__pki_time_str(X509_get0_notAfter(x->x), out, err);
}

strata_status strata_x509_has_expired(const strata_x509 *x, time_t now, int *expired,
                                      strata_error *err)
{
    *expired = 0;
    time_t na;
    strata_status r = strata_x509_get_not_after(x, &na, err);
    if (r != STRATA_OK)
        return r;
    *expired = na < now;
    return STRATA_OK;
}

strata_status strata_x509_sign(strata_x509 *x, const strata_pkey *key, const char *digest,
                               strata_error *err)
{
    strata_status r;
    if ((r = strata__pki_need_private(key, err)) != STRATA_OK)
        return r;
    EVP_MD *md = NULL;
    if ((r = strata__pki_sign_md(strata_pkey_openssl(key), digest, &md, err)) != STRATA_OK)
        return r;
    if (X509_sign(x->x, strata_pkey_openssl(key), md) <= 0)
        r = strata__pki_fail(err, STRATA_E_CRYPTO, "signing the certificate with %s failed",
                             md ? EVP_MD_get0_name(md) : "the key");
    EVP_MD_free(md);
    return r;
}

strata_status strata_x509_verify(const strata_x509 *x, const strata_pkey *key, strata_error *err)
{
    if (!key)
        return strata__pki_fail_plain(err, STRATA_E_USAGE, "no key");
    int v = X509_verify(x->x, strata_pkey_openssl(key));
    if (v != 1)
        return strata__pki_fail(err, STRATA_E_CERT_SIGNATURE,
                                "the certificate's signature does not verify with this %s key",
                                strata_pkey_type_name(strata_pkey_get_type(key)));
    return STRATA_OK;
}

strata_status strata_x509_verify_data(const strata_x509 *x, const void *sig, size_t siglen,
                                      const void *data, size_t len, const char *digest,
                                      strata_error *err)
{
    strata_pkey *k = NULL;
    strata_status r = strata_x509_get_pubkey(x, &k, err);
    if (r == STRATA_OK)
        r = strata_pkey_verify(k, sig, siglen, data, len, digest, err);
    strata_pkey_free(k);
    return r;
}

strata_status strata_x509_check_private_key(const strata_x509 *x, const strata_pkey *key,
                                            strata_error *err)
{
    if (!key)
        return strata__pki_fail_plain(err, STRATA_E_USAGE, "no key");
    ERR_set_mark();
    int ok = X509_check_private_key(x->x, strata_pkey_openssl(key));
    ERR_pop_to_mark();
    if (ok != 1)
        return strata__pki_fail_plain(err, STRATA_E_KEY_MISMATCH,
                                      "the private key does not match the certificate's public "
                                      "key");
    return STRATA_OK;
}

strata_status strata_x509_check_host(const strata_x509 *x, const char *name, strata_error *err)
{
    if (!name || !*name)
        return strata__pki_fail_plain(err, STRATA_E_USAGE, "no host name");
    int ok;
    ERR_set_mark();
    ASN1_OCTET_STRING *ip = a2i_IPADDRESS(name);
    ERR_pop_to_mark();
    if (ip) {
        ok = X509_check_ip(x->x, ASN1_STRING_get0_data(ip), (size_t)ASN1_STRING_length(ip), 0);
        ASN1_OCTET_STRING_free(ip);
    } else {
        ok = X509_check_host(x->x, name, strlen(name), 0, NULL);
    }
    if (ok != 1)
        return strata__pki_fail_plain(err, STRATA_E_CERT_HOSTNAME,
                                      "the certificate does not match \"%.200s\"", name);
    return STRATA_OK;
}

strata_status strata_x509_digest(const strata_x509 *x, const char *name, char **out,
                                 strata_error *err)
{
    *out = NULL;
    EVP_MD *md = EVP_MD_fetch(NULL, name ? name : "", NULL);
    if (!md)
        return strata__pki_fail(err, STRATA_E_UNKNOWN_ALG, "unknown digest \"%s\"",
                                name ? name : "");
    unsigned char d[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    strata_status r = STRATA_OK;
    if (!X509_digest(x->x, md, d, &n)) {
        r = strata__pki_fail(err, STRATA_E_CRYPTO, "digest %s failed", name);
        goto out;
    }
    char hex[EVP_MAX_MD_SIZE * 3 + 1];
    size_t o = 0;
    for (unsigned int i = 0; i < n; i++)
        o += (size_t)snprintf(hex + o, sizeof(hex) - o, i ? ":%02X" : "%02X", d[i]);
    r = strata__pki_strndup(hex, o, out, err);
out:
    EVP_MD_free(md);
    return r;
}

strata_status strata_x509_subject_name_hash(const strata_x509 *x, unsigned long *out,
                                            strata_error *err)
{
    int ok = 0;
    *out = X509_NAME_hash_ex(X509_get_subject_name(x->x), NULL, NULL, &ok);
    if (!ok)
        return strata__pki_fail(err, STRATA_E_CRYPTO, "hashing the subject failed");
    return STRATA_OK;
}

strata_status strata_x509_signature_algorithm(const strata_x509 *x, const char **out,
                                              strata_error *err)
{
    *out = NULL;
    int nid = X509_get_signature_nid(x->x);
    const char *ln = nid != NID_undef ? OBJ_nid2ln(nid) : NULL;
    if (!ln)
        return strata__pki_fail_plain(err, STRATA_E_UNKNOWN_ALG,
                                      "the signature algorithm's OID is unknown");
    *out = ln;
    return STRATA_OK;
}
