/* Making OpenSSH certificates (PROTOCOL.certkeys), for test servers and
 * tests: the same fields cert.c reads, signed by a CA private key. */
#include <string.h>
#include <openssl/rand.h>

#include "base/error_internal.h"
#include "ssh/sshkey_internal.h"

strata_status strata__ssh_cert_build(EVP_PKEY *key, const char *key_type,
                                     const struct ssh_cert_template *t, EVP_PKEY *ca,
                                     const char *ca_alg, strata_buf *out, strata_error *err)
{
    strata_buf pub, cert, list, ca_blob;
    strata_buf_init(&pub, STRATA_SSH_KEY_BLOB_MAX);
    strata_buf_init(&cert, STRATA_SSH_KEY_BLOB_MAX);
    strata_buf_init(&list, STRATA_SSH_KEY_BLOB_MAX);
    strata_buf_init(&ca_blob, STRATA_SSH_KEY_BLOB_MAX);
    uint8_t nonce[32];
    const uint8_t *name;
    size_t name_len;
    int is_cert;
    strata_status st;
    if ((st = strata__ssh_pubkey_blob(key, key_type, &pub, err)) != STRATA_OK ||
        (st = strata__ssh_pubkey_blob(ca, ca_alg, &ca_blob, err)) != STRATA_OK)
        goto out;
    /* The key's blob minus its type name is the certificate's public part. */
    if ((st = strata_buf_get_string(&pub, &name, &name_len)) != STRATA_OK)
        goto out;
    const struct ssh_keytype *kt =
        strata__ssh_keytype_by_name((const char *)name, name_len, &is_cert);
    if (!t->nonce && RAND_bytes(nonce, sizeof(nonce)) != 1) {
        st = strata__error_set_ossl(err, STRATA_E_CRYPTO, "no random bytes for the nonce");
        goto out;
    }
    for (size_t i = 0; i < t->n_principals && st == STRATA_OK; i++)
        st = strata_buf_put_cstring(&list, t->principals[i]);
    if (st != STRATA_OK || (st = strata_buf_put_cstring(&cert, kt->cert_name)) != STRATA_OK ||
        (st = strata_buf_put_string(&cert, t->nonce ? t->nonce : nonce,
                                    t->nonce ? t->nonce_len : sizeof(nonce))) != STRATA_OK ||
        (st = strata_buf_put(&cert, strata_buf_ptr(&pub), strata_buf_len(&pub))) != STRATA_OK ||
        (st = strata_buf_put_u64(&cert, t->serial)) != STRATA_OK ||
        (st = strata_buf_put_u32(&cert, t->type)) != STRATA_OK ||
        (st = strata_buf_put_cstring(&cert, t->key_id ? t->key_id : "")) != STRATA_OK ||
        (st = strata_buf_put_stringb(&cert, &list)) != STRATA_OK ||
        (st = strata_buf_put_u64(&cert, t->valid_after)) != STRATA_OK ||
        (st = strata_buf_put_u64(&cert, t->valid_before)) != STRATA_OK ||
        (st = strata_buf_put_string(&cert, t->crit, t->crit ? t->crit_len : 0)) != STRATA_OK ||
        (st = strata_buf_put_string(&cert, t->ext, t->ext ? t->ext_len : 0)) != STRATA_OK ||
        (st = strata_buf_put_string(&cert, "", 0)) != STRATA_OK ||
        (st = strata_buf_put_stringb(&cert, &ca_blob)) != STRATA_OK) {
        strata__error_set(err, st, "cannot write the certificate");
        goto out;
    }
    strata_buf_reset(&list);
    if ((st = strata__ssh_sign(ca, ca_alg, strata_buf_ptr(&cert), strata_buf_len(&cert), &list,
                               err)) != STRATA_OK)
        goto out;
    if ((st = strata_buf_put_stringb(&cert, &list)) != STRATA_OK ||
        (st = strata_buf_put(out, strata_buf_ptr(&cert), strata_buf_len(&cert))) != STRATA_OK)
        strata__error_set(err, st, "cannot write the certificate");
out:
    strata_buf_free(&pub);
    strata_buf_free(&cert);
    strata_buf_free(&list);
    strata_buf_free(&ca_blob);
    return st;
}
