/* pki/x509_ext: extensions (pyOpenSSL's X509Extension), made from a name and
 * a value in OpenSSL's configuration syntax through X509V3_EXT_conf_nid. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/err.h>
#include <openssl/x509v3.h>

#include "pki/pki_internal.h"
#include "pki/req_internal.h"

strata_status strata__x509_ext_wrap(X509_EXTENSION *e, strata_x509_ext **out, strata_error *err)
{
    *out = NULL;
    strata_x509_ext *w = calloc(1, sizeof(*w));
    if (!w) {
        X509_EXTENSION_free(e);
        return STRATA__PKI_NOMEM(err);
    }
    w->e = e;
    *out = w;
    return STRATA_OK;
}

static strata_status make(const char *name, int critical, const char *value, X509V3_CTX *ctx,
                          strata_x509_ext **out, strata_error *err)
{
    *out = NULL;
    if (!name || !value)
        return strata__pki_fail_plain(err, STRATA_E_USAGE, "extension name or value missing");
    int nid = OBJ_sn2nid(name);
    if (nid == NID_undef)
        nid = OBJ_ln2nid(name);
    if (nid == NID_undef || !X509V3_EXT_get_nid(nid))
        return strata__pki_fail_plain(err, STRATA_E_USAGE, "unknown extension \"%.64s\"", name);
    /* pyOpenSSL's convention: a critical extension's value is prefixed. */
    size_t n = strlen(value) + sizeof("critical,");
    char *v = malloc(n);
    if (!v)
        return STRATA__PKI_NOMEM(err);
    snprintf(v, n, "%s%s", critical ? "critical," : "", value);
    X509_EXTENSION *e = X509V3_EXT_conf_nid(NULL, ctx, nid, v);
    free(v);
    if (!e)
        return strata__pki_fail(err, STRATA_E_USAGE, "bad value \"%.120s\" for extension %s", value,
                                OBJ_nid2sn(nid));
    return strata__x509_ext_wrap(e, out, err);
}

strata_status strata_x509_ext_new(const char *name, int critical, const char *value,
                                  const strata_x509 *subject, const strata_x509 *issuer,
                                  strata_x509_ext **out, strata_error *err)
{
    X509V3_CTX ctx;
    X509V3_set_ctx(&ctx, strata_x509_openssl(issuer), strata_x509_openssl(subject), NULL, NULL, 0);
    return make(name, critical, value, &ctx, out, err);
}

strata_status strata_x509_ext_new_for_req(const char *name, int critical, const char *value,
                                          const strata_x509_req *req, strata_x509_ext **out,
                                          strata_error *err)
{
    X509V3_CTX ctx;
    X509V3_set_ctx(&ctx, NULL, NULL, req ? strata__req_openssl(req) : NULL, NULL, 0);
    return make(name, critical, value, &ctx, out, err);
}

void strata_x509_ext_free(strata_x509_ext *e)
{
    if (!e)
        return;
    X509_EXTENSION_free(e->e);
    free(e);
}

strata_status strata_x509_ext_from_openssl(const X509_EXTENSION *e, strata_x509_ext **out,
                                           strata_error *err)
{
    *out = NULL;
    X509_EXTENSION *c = e ? X509_EXTENSION_dup(e) : NULL;
    if (!c)
        return strata__pki_fail(err, STRATA_E_NOMEM, "copying the extension failed");
    return strata__x509_ext_wrap(c, out, err);
}

strata_status strata_x509_ext_dup(const strata_x509_ext *e, strata_x509_ext **out,
                                  strata_error *err)
{
    return strata_x509_ext_from_openssl(e ? e->e : NULL, out, err);
}

X509_EXTENSION *strata_x509_ext_openssl(const strata_x509_ext *e)
{
    return e ? e->e : NULL;
}

int strata_x509_ext_critical(const strata_x509_ext *e)
{
    return X509_EXTENSION_get_critical(e->e) > 0;
}

const char *strata_x509_ext_short_name(const strata_x509_ext *e)
{
    int nid = OBJ_obj2nid(X509_EXTENSION_get_object(e->e));
    return nid != NID_undef ? OBJ_nid2sn(nid) : "UNDEF";
}

strata_status strata_x509_ext_data(const strata_x509_ext *e, strata_buf *out, strata_error *err)
{
    strata_buf_reset(out);
    const ASN1_OCTET_STRING *d = X509_EXTENSION_get_data(e->e);
    if (strata_buf_put(out, ASN1_STRING_get0_data(d), (size_t)ASN1_STRING_length(d)) != STRATA_OK)
        return strata__pki_fail_plain(err, STRATA_E_LIMIT, "extension data does not fit");
    return STRATA_OK;
}

strata_status strata_x509_ext_text(const strata_x509_ext *e, char **out, strata_error *err)
{
    *out = NULL;
    BIO *bio = NULL;
    strata_status r = strata__pki_membio(&bio, err);
    if (r != STRATA_OK)
        return r;
    if (!X509V3_EXT_print(bio, e->e, X509V3_EXT_DUMP_UNKNOWN, 0)) {
        r = strata__pki_fail(err, STRATA_E_FORMAT, "the %s extension cannot be printed",
                             strata_x509_ext_short_name(e));
        goto out;
    }
    char *p = NULL;
    long n = BIO_get_mem_data(bio, &p);
    r = strata__pki_strndup(p ? p : "", n > 0 ? (size_t)n : 0, out, err);
out:
    BIO_free(bio);
    return r;
}
