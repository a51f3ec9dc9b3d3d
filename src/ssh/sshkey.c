/* SSH public key blobs: parse, accessors, fingerprints, text form.
 *
 * A blob is string type-name followed by type-specific parts (RFC 4253 §6.6);
 * a certificate (PROTOCOL.certkeys) is string cert-type-name, string nonce,
 * the same parts, then the certificate fields (cert.c). Parsing goes through
 * strata_buf and must consume the blob exactly.
 */
#include <stdlib.h>
#include <string.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/objects.h>

#include "base/error_internal.h"
#include "ssh/sshkey_internal.h"

/* The one table of key types (see sshkey_internal.h): a new key type is a
 * row here and its file. Order is preference order. */
const struct ssh_keytype *const strata__ssh_keytypes[] = {
    &strata__ssh_kt_ed25519,    &strata__ssh_kt_ecdsa_p256, &strata__ssh_kt_ecdsa_p384,
    &strata__ssh_kt_ecdsa_p521, &strata__ssh_kt_rsa,        &strata__ssh_kt_dss,
};
const size_t strata__ssh_keytypes_count =
    sizeof(strata__ssh_keytypes) / sizeof(strata__ssh_keytypes[0]);

static int name_is(const char *name, size_t n, const char *want)
{
    return strlen(want) == n && memcmp(name, want, n) == 0;
}

const struct ssh_keytype *strata__ssh_keytype_by_name(const char *name, size_t n, int *is_cert)
{
    *is_cert = 0;
    for (size_t i = 0; i < strata__ssh_keytypes_count; i++) {
        const struct ssh_keytype *t = strata__ssh_keytypes[i];
        if (name_is(name, n, t->name))
            return t;
        if (name_is(name, n, t->cert_name)) {
            *is_cert = 1;
            return t;
        }
    }
    return NULL;
}

const struct ssh_keytype *strata__ssh_keytype_of_pkey(EVP_PKEY *pk)
{
    for (size_t i = 0; i < strata__ssh_keytypes_count; i++) {
        const struct ssh_keytype *t = strata__ssh_keytypes[i];
        if (!EVP_PKEY_is_a(pk, t->evp_name))
            continue;
        if (!t->group)
            return t;
        char group[32];
        size_t len = 0;
        if (EVP_PKEY_get_utf8_string_param(pk, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof(group),
                                           &len) != 1)
            break;
        /* OpenSSL reports NIST curves as "prime256v1" or "P-256". */
        int nid = OBJ_txt2nid(group);
        if (nid == NID_undef)
            nid = EC_curve_nist2nid(group);
        if (nid != NID_undef && nid == EC_curve_nist2nid(t->group))
            return t;
    }
    strata__ossl_clear();
    return NULL;
}

strata_status strata__ssh_keytype_put_blob(const struct ssh_keytype *t, EVP_PKEY *pk,
                                           strata_buf *out, strata_error *err)
{
    size_t before = strata_buf_len(out);
    strata_status st = strata_buf_put_cstring(out, t->name);
    if (st != STRATA_OK)
        return strata__error_set(err, st, "cannot write the key blob");
    if ((st = t->put_pub(t, pk, out, err)) != STRATA_OK &&
        strata_buf_consume_end(out, strata_buf_len(out) - before) != STRATA_OK)
        return st; /* cannot happen: only appended bytes are dropped */
    return st;
}

const char *strata__ssh_blob_type(const uint8_t *blob, size_t n, const char **plain)
{
    strata_buf b;
    const uint8_t *name;
    size_t name_len;
    int is_cert;
    *plain = NULL;
    strata_buf_view(&b, blob, n);
    if (strata_buf_get_string(&b, &name, &name_len) != STRATA_OK)
        return NULL;
    const struct ssh_keytype *t =
        strata__ssh_keytype_by_name((const char *)name, name_len, &is_cert);
    if (!t)
        return NULL;
    *plain = t->name;
    return is_cert ? t->cert_name : t->name;
}

strata_status strata__ssh_key_from_blob(const uint8_t *blob, size_t n, struct ssh_key **out,
                                        strata_error *err)
{
    *out = NULL;
    strata_buf b;
    const uint8_t *name, *nonce;
    size_t name_len, nonce_len;
    int is_cert;
    strata_status st;
    struct ssh_key *k = NULL;
    if (n > STRATA_SSH_KEY_BLOB_MAX)
        return strata__error_set(err, STRATA_E_LIMIT,
                                 "key blob of %zu bytes exceeds the limit of %u", n,
                                 STRATA_SSH_KEY_BLOB_MAX);
    strata_buf_view(&b, blob, n);
    if ((st = strata_buf_get_string(&b, &name, &name_len)) != STRATA_OK)
        return strata__error_set(err, st, "key blob is truncated before its type name");
    const struct ssh_keytype *t =
        strata__ssh_keytype_by_name((const char *)name, name_len, &is_cert);
    if (!t)
        return strata__error_set(err, STRATA_E_UNSUPPORTED, "unsupported key type \"%.*s\"",
                                 (int)(name_len > 64 ? 64 : name_len), (const char *)name);
    k = calloc(1, sizeof(*k));
    if (!k || !(k->blob = malloc(n ? n : 1))) {
        st = strata__error_set(err, STRATA_E_NOMEM, "out of memory");
        goto out;
    }
    memcpy(k->blob, blob, n);
    k->blob_len = n;
    k->kt = t;
    /* Parse again over our own copy, so certificate views point into it. */
    strata_buf_view(&b, k->blob, n);
    if ((st = strata_buf_get_string(&b, &name, &name_len)) != STRATA_OK)
        goto out;
    if (is_cert && (st = strata_buf_get_string(&b, &nonce, &nonce_len)) != STRATA_OK) {
        strata__error_set(err, st, "%s blob is truncated before its nonce", t->cert_name);
        goto out;
    }
    k->pub_off = b.off;
    if ((st = t->read_pub(t, &b, &k->pkey, err)) != STRATA_OK)
        goto out;
    k->pub_len = b.off - k->pub_off;
    if (is_cert) {
        if ((st = strata__ssh_cert_parse_rest(k, &b, err)) != STRATA_OK)
            goto out;
    } else if ((st = strata_buf_get_end(&b)) != STRATA_OK) {
        strata__error_set(err, st, "%s key blob has %zu trailing bytes", t->name,
                          strata_buf_len(&b));
        goto out;
    }
    *out = k;
    k = NULL;
out:
    strata__ssh_key_free(k);
    return st;
}

void strata__ssh_key_free(struct ssh_key *k)
{
    if (!k)
        return;
    EVP_PKEY_free(k->pkey);
    strata__ssh_cert_free(k->cert);
    free(k->blob);
    free(k);
}

const char *strata__ssh_key_type(const struct ssh_key *k)
{
    return k->cert ? k->kt->cert_name : k->kt->name;
}

const char *strata__ssh_key_plain_type(const struct ssh_key *k)
{
    return k->kt->name;
}

const uint8_t *strata__ssh_key_blob(const struct ssh_key *k, size_t *n)
{
    *n = k->blob_len;
    return k->blob;
}

EVP_PKEY *strata__ssh_key_pkey(const struct ssh_key *k)
{
    return k->pkey;
}

int strata__ssh_key_is_cert(const struct ssh_key *k)
{
    return k->cert != NULL;
}

const struct ssh_key *strata__ssh_key_cert_signer(const struct ssh_key *k)
{
    return k->cert ? k->cert->signer : NULL;
}

strata_status strata__ssh_key_plain_blob(const struct ssh_key *k, strata_buf *out)
{
    strata_status st = strata_buf_put_cstring(out, k->kt->name);
    if (st == STRATA_OK)
        st = strata_buf_put(out, k->blob + k->pub_off, k->pub_len);
    return st;
}

int strata__ssh_key_equal_public(const struct ssh_key *a, const struct ssh_key *b)
{
    /* The public parts are the canonical encoding of the key material in
     * both plain keys and certificates. */
    return a->kt == b->kt && a->pub_len == b->pub_len &&
           memcmp(a->blob + a->pub_off, b->blob + b->pub_off, a->pub_len) == 0;
}
