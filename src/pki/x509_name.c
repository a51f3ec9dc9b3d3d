/* pki/x509_name: distinguished names (pyOpenSSL's X509Name): attributes by
 * name or alias, ordered components, the one-line "/CN=..." form, DER, hash. */
#include <stdlib.h>
#include <string.h>
#include <openssl/err.h>
#include <openssl/objects.h>

#include "pki/pki_internal.h"

strata_status strata__x509_name_wrap(X509_NAME *n, strata_x509_name **out, strata_error *err)
{
    *out = NULL;
    strata_x509_name *w = calloc(1, sizeof(*w));
    if (!w) {
        X509_NAME_free(n);
        return STRATA__PKI_NOMEM(err);
    }
    w->n = n;
    *out = w;
    return STRATA_OK;
}

strata_status strata_x509_name_new(strata_x509_name **out, strata_error *err)
{
    *out = NULL;
    X509_NAME *n = X509_NAME_new();
    if (!n)
        return STRATA__PKI_NOMEM(err);
    return strata__x509_name_wrap(n, out, err);
}

strata_status strata_x509_name_from_openssl(const X509_NAME *n, strata_x509_name **out,
                                            strata_error *err)
{
    *out = NULL;
    X509_NAME *c = n ? X509_NAME_dup(n) : NULL;
    if (!c)
        return strata__pki_fail(err, STRATA_E_NOMEM, "copying the name failed");
    return strata__x509_name_wrap(c, out, err);
}

strata_status strata_x509_name_dup(const strata_x509_name *n, strata_x509_name **out,
                                   strata_error *err)
{
    return strata_x509_name_from_openssl(n->n, out, err);
}

void strata_x509_name_free(strata_x509_name *n)
{
    if (!n)
        return;
    X509_NAME_free(n->n);
    free(n);
}

const X509_NAME *strata_x509_name_openssl(const strata_x509_name *n)
{
    return n ? n->n : NULL;
}

/* "C", "countryName", "2.5.4.6" -> NID; E_USAGE when OpenSSL knows no such
 * attribute. */
static strata_status attr_nid(const char *attr, int *nid, strata_error *err)
{
    *nid = NID_undef;
    if (attr && *attr) {
        ERR_set_mark();
        *nid = OBJ_txt2nid(attr);
        ERR_pop_to_mark();
    }
    if (*nid == NID_undef)
        return strata__pki_fail_plain(err, STRATA_E_USAGE, "unknown name attribute \"%.64s\"",
                                      attr ? attr : "");
    return STRATA_OK;
}

strata_status strata_x509_name_get(const strata_x509_name *n, const char *attr, char **out,
                                   strata_error *err)
{
    *out = NULL;
    int nid;
    strata_status r;
    if ((r = attr_nid(attr, &nid, err)) != STRATA_OK)
        return r;
    int idx = -1, last = -1;
    while ((idx = X509_NAME_get_index_by_NID(n->n, nid, idx)) >= 0)
        last = idx;
    if (last < 0)
        return STRATA_OK;
    unsigned char *utf8 = NULL;
    const ASN1_STRING *v = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(n->n, last));
    int len = ASN1_STRING_to_UTF8(&utf8, v);
    if (len < 0)
        return strata__pki_fail(err, STRATA_E_FORMAT, "the %s value is not a valid string",
                                OBJ_nid2sn(nid));
    if (memchr(utf8, 0, (size_t)len)) {
        OPENSSL_free(utf8);
        return strata__pki_fail_plain(err, STRATA_E_FORMAT, "the %s value holds a NUL byte",
                                      OBJ_nid2sn(nid));
    }
    r = strata__pki_strndup((const char *)utf8, (size_t)len, out, err);
    OPENSSL_free(utf8);
    return r;
}

static strata_status add_entry(strata_x509_name *n, int nid, const char *value, strata_error *err)
{
    if (!value)
        return strata__pki_fail_plain(err, STRATA_E_USAGE, "no value for %s", OBJ_nid2sn(nid));
    if (!X509_NAME_add_entry_by_NID(n->n, nid, MBSTRING_UTF8, (const unsigned char *)value, -1, -1,
                                    0))
        return strata__pki_fail(err, STRATA_E_USAGE, "value \"%.64s\" is not valid for %s", value,
                                OBJ_nid2sn(nid));
    return STRATA_OK;
}

strata_status strata_x509_name_set(strata_x509_name *n, const char *attr, const char *value,
                                   strata_error *err)
{
    int nid;
    strata_status r;
    if ((r = attr_nid(attr, &nid, err)) != STRATA_OK)
        return r;
    /* Check the value on a scratch name first so a refused value leaves n as
     * it was. */
    strata_x509_name *tmp = NULL;
    if ((r = strata_x509_name_new(&tmp, err)) != STRATA_OK)
        return r;
    r = add_entry(tmp, nid, value, err);
    strata_x509_name_free(tmp);
    if (r != STRATA_OK)
        return r;
    int idx;
    while ((idx = X509_NAME_get_index_by_NID(n->n, nid, -1)) >= 0)
        X509_NAME_ENTRY_free(X509_NAME_delete_entry(n->n, idx));
    return add_entry(n, nid, value, err);
}

strata_status strata_x509_name_add(strata_x509_name *n, const char *attr, const char *value,
                                   strata_error *err)
{
    int nid;
    strata_status r;
    if ((r = attr_nid(attr, &nid, err)) != STRATA_OK)
        return r;
    return add_entry(n, nid, value, err);
}

size_t strata_x509_name_count(const strata_x509_name *n)
{
    int c = X509_NAME_entry_count(n->n);
    return c > 0 ? (size_t)c : 0;
}

strata_status strata_x509_name_component(const strata_x509_name *n, size_t i, const char **attr,
                                         char **value, strata_error *err)
{
    *attr = NULL;
    *value = NULL;
    size_t c = strata_x509_name_count(n);
    if (i >= c)
        return strata__pki_fail_plain(err, STRATA_E_USAGE,
                                      "name component %zu out of range (the name has %zu)", i, c);
    const X509_NAME_ENTRY *e = X509_NAME_get_entry(n->n, (int)i);
    int nid = OBJ_obj2nid(X509_NAME_ENTRY_get_object(e));
    const char *sn = nid != NID_undef ? OBJ_nid2sn(nid) : "UNDEF";
    unsigned char *utf8 = NULL;
    int len = ASN1_STRING_to_UTF8(&utf8, X509_NAME_ENTRY_get_data(e));
    if (len < 0)
        return strata__pki_fail(err, STRATA_E_FORMAT, "the %s value is not a valid string", sn);
    strata_status r = strata__pki_strndup((const char *)utf8, (size_t)len, value, err);
    OPENSSL_free(utf8);
    if (r == STRATA_OK)
        *attr = sn;
    return r;
}

strata_status strata_x509_name_oneline(const strata_x509_name *n, char **out, strata_error *err)
{
    *out = NULL;
    strata_buf b;
    strata_buf_init(&b, 64 * 1024);
    strata_status r = STRATA_OK;
    size_t c = strata_x509_name_count(n);
    for (size_t i = 0; i < c && r == STRATA_OK; i++) {
        const char *attr;
        char *v;
        if ((r = strata_x509_name_component(n, i, &attr, &v, err)) != STRATA_OK)
            break;
        if ((r = strata_buf_put(&b, "/", 1)) == STRATA_OK &&
            (r = strata_buf_put(&b, attr, strlen(attr))) == STRATA_OK)
            r = strata_buf_put(&b, "=", 1);
        for (const char *p = v; r == STRATA_OK && *p; p++) {
            if ((*p == '/' || *p == '\\') && (r = strata_buf_put(&b, "\\", 1)) != STRATA_OK)
                break;
            r = strata_buf_put(&b, p, 1);
        }
        free(v);
        if (r != STRATA_OK)
            r = strata__pki_fail_plain(err, r, "the name is too long to print");
    }
    if (r == STRATA_OK)
        r = strata__pki_strndup((const char *)strata_buf_ptr(&b), strata_buf_len(&b), out, err);
    strata_buf_free(&b);
    return r;
}

strata_status strata_x509_name_parse(const char *text, strata_x509_name **out, strata_error *err)
{
    *out = NULL;
    if (!text || text[0] != '/')
        return strata__pki_fail_plain(err, STRATA_E_USAGE,
                                      "a name is written \"/CN=value/O=value\"; got \"%.64s\"",
                                      text ? text : "");
    size_t tl = strlen(text);
    if (tl > 16384)
        return strata__pki_fail_plain(err, STRATA_E_LIMIT, "name text longer than 16384 bytes");
    strata_x509_name *n = NULL;
    strata_status r;
    if ((r = strata_x509_name_new(&n, err)) != STRATA_OK)
        return r;
    char *buf = malloc(tl + 1);
    if (!buf) {
        r = STRATA__PKI_NOMEM(err);
        goto out;
    }
    const char *p = text + 1;
    while (*p) {
        /* One component: copy with escapes resolved, up to an unescaped '/'. */
        size_t o = 0, eq = SIZE_MAX;
        for (; *p && *p != '/'; p++) {
            if (*p == '\\' && p[1])
                p++;
            else if (*p == '=' && eq == SIZE_MAX)
                eq = o;
            buf[o++] = *p;
        }
        buf[o] = '\0';
        if (*p == '/')
            p++;
        if (o == 0 && !*p)
            break; /* a trailing '/' */
        if (eq == SIZE_MAX || eq == 0) {
            r = strata__pki_fail_plain(err, STRATA_E_USAGE,
                                       "name component \"%.64s\" is not ATTRIBUTE=value", buf);
            goto out;
        }
        buf[eq] = '\0';
        if (buf[eq + 1] == '\0') {
            r = strata__pki_fail_plain(err, STRATA_E_USAGE, "name component %s has no value", buf);
            goto out;
        }
        if ((r = strata_x509_name_add(n, buf, buf + eq + 1, err)) != STRATA_OK)
            goto out;
    }
    *out = n;
    n = NULL;
out:
    free(buf);
    strata_x509_name_free(n);
    return r;
}

strata_status strata_x509_name_der(const strata_x509_name *n, strata_buf *out, strata_error *err)
{
    return strata__pki_encode((const ASN1_VALUE *)n->n, ASN1_ITEM_rptr(X509_NAME), STRATA_PKI_DER,
                              "NAME", out, err);
}

strata_status strata_x509_name_hash(const strata_x509_name *n, unsigned long *out,
                                    strata_error *err)
{
    int ok = 0;
    *out = X509_NAME_hash_ex(n->n, NULL, NULL, &ok);
    if (!ok)
        return strata__pki_fail(err, STRATA_E_CRYPTO, "hashing the name failed");
    return STRATA_OK;
}

int strata_x509_name_cmp(const strata_x509_name *a, const strata_x509_name *b)
{
    return X509_NAME_cmp(a->n, b->n);
}
