/* ssh/userauth_pubkey: the publickey method (RFC 4252 §7, RFC 8332 §3,
 * RFC 8308 §3.1, PROTOCOL.certkeys).
 *
 * Each identity is first offered without a signature (a query); only when
 * the server answers PK_OK with the same algorithm and blob do we sign. The
 * signed data is the session identifier followed by the request itself.
 */
#include <stdlib.h>
#include <string.h>

#include "base/error_internal.h"
#include "ssh/hostkey.h"
#include "ssh/sshkey_internal.h"
#include "ssh/userauth_internal.h"

void strata__ssh_ident_clear(struct ssh_ident *id)
{
    free(id->blob);
    free(id->type);
    free(id->comment);
    EVP_PKEY_free(id->priv);
    memset(id, 0, sizeof *id);
}

static strata_status add_ident(struct strata_ssh_auth *a, struct ssh_ident *id)
{
    if (a->n_ids == a->cap_ids) {
        size_t cap = a->cap_ids ? a->cap_ids * 2 : 4;
        struct ssh_ident *p = realloc(a->ids, cap * sizeof *p);
        if (!p)
            return STRATA_E_NOMEM;
        a->ids = p;
        a->cap_ids = cap;
    }
    a->ids[a->n_ids++] = *id;
    return STRATA_OK;
}

/* Fills id->blob, ->type from a blob (checked by parsing it). */
static strata_status ident_blob(struct strata_ssh_auth *a, struct ssh_ident *id,
                                const uint8_t *blob, size_t n, struct ssh_key **keyp)
{
    struct ssh_key *k = NULL;
    strata_status r = strata__ssh_key_from_blob(blob, n, &k, &a->err);
    if (r != STRATA_OK)
        return r;
    id->blob = malloc(n);
    id->type = strdup(strata__ssh_key_type(k));
    if (!id->blob || !id->type) {
        strata__ssh_key_free(k);
        return STRATA_E_NOMEM;
    }
    memcpy(id->blob, blob, n);
    id->blob_len = n;
    if (keyp)
        *keyp = k;
    else
        strata__ssh_key_free(k);
    return STRATA_OK;
}

static strata_status add_one(struct strata_ssh_auth *a, EVP_PKEY *priv, const uint8_t *blob,
                             size_t n, const char *comment, int cert)
{
    struct ssh_ident id = {0};
    struct ssh_key *k = NULL;
    strata_status r = ident_blob(a, &id, blob, n, &k);
    if (r == STRATA_OK && cert && !strata__ssh_key_is_cert(k))
        r = strata__error_set(&a->err, STRATA_E_USAGE, "%s is not a certificate",
                              comment ? comment : "the key given as certificate");
    if (r == STRATA_OK && EVP_PKEY_eq(strata__ssh_key_pkey(k), priv) != 1)
        r = strata__error_set(&a->err, STRATA_E_USAGE,
                              "the certificate %s is not for this private key",
                              comment ? comment : "");
    if (r == STRATA_OK && !EVP_PKEY_up_ref(priv))
        r = STRATA_E_NOMEM;
    if (r == STRATA_OK) {
        id.priv = priv;
        if (comment && !(id.comment = strdup(comment)))
            r = STRATA_E_NOMEM;
    }
    strata__ssh_key_free(k);
    if (r == STRATA_OK && (r = add_ident(a, &id)) == STRATA_OK)
        return STRATA_OK;
    strata__ssh_ident_clear(&id);
    return r;
}

strata_status strata_ssh_auth_add_key(strata_ssh_auth *a, EVP_PKEY *priv, const uint8_t *cert_blob,
                                      size_t cert_len, const char *comment)
{
    if (!priv || a->state != A_IDLE)
        return priv ? STRATA_E_STATE : STRATA_E_USAGE;
    const struct ssh_keytype *kt = strata__ssh_keytype_of_pkey(priv);
    if (!kt)
        return strata__error_set(&a->err, STRATA_E_UNSUPPORTED,
                                 "this private key type cannot be used for SSH");
    strata_status r;
    if (cert_blob && (r = add_one(a, priv, cert_blob, cert_len, comment, 1)) != STRATA_OK)
        return r;
    strata_buf b;
    strata_buf_init(&b, 0);
    r = strata__ssh_pubkey_blob(priv, kt->name, &b, &a->err);
    if (r == STRATA_OK)
        r = add_one(a, priv, strata_buf_ptr(&b), strata_buf_len(&b), comment, 0);
    strata_buf_free(&b);
    return r;
}

strata_status strata_ssh_auth_add_signer(strata_ssh_auth *a, const uint8_t *blob, size_t blob_len,
                                         strata_ssh_sign_fn sign, void *sign_ctx,
                                         const char *comment)
{
    if (!blob || !sign)
        return STRATA_E_USAGE;
    if (a->state != A_IDLE)
        return STRATA_E_STATE;
    struct ssh_ident id = {0};
    strata_status r = ident_blob(a, &id, blob, blob_len, NULL);
    id.sign = sign;
    id.sign_ctx = sign_ctx;
    if (r == STRATA_OK && comment && !(id.comment = strdup(comment)))
        r = STRATA_E_NOMEM;
    if (r == STRATA_OK && (r = add_ident(a, &id)) == STRATA_OK)
        return STRATA_OK;
    strata__ssh_ident_clear(&id);
    return r;
}

/* RFC 8332 §3.1 / RFC 8308 §3.1: a key type with several signature
 * algorithms (RSA) signs with the first of its table row the server lists in
 * server-sig-algs (SHA-512 first). Without the extension we cannot know; the
 * first is tried unless SHA-1 is allowed, when the legacy one is. A type with
 * one algorithm uses it. */
const char *strata__ssh_auth_pick_alg(const struct strata_ssh_auth *a, const struct ssh_ident *id)
{
    int cert;
    const struct ssh_keytype *kt = strata__ssh_keytype_by_name(id->type, strlen(id->type), &cert);
    if (!kt)
        return NULL;
    const struct ssh_sigalg *legacy = NULL, *first = NULL, *pick = NULL;
    size_t count = 0;
    for (; count < SSH_KEYTYPE_SIGALGS_MAX && kt->sigalgs[count].name; count++) {
        const struct ssh_sigalg *s = &kt->sigalgs[count];
        if (s->legacy)
            legacy = s;
        else if (!first)
            first = s;
        if (!s->legacy && !pick && a->sig_algs && strata__ssh_list_has(a->sig_algs, s->name))
            pick = s;
    }
    if (count == 1)
        pick = &kt->sigalgs[0];
    else if (!a->sig_algs)
        pick = a->allow_rsa_sha1 && legacy ? legacy : first;
    else if (!pick)
        pick = a->allow_rsa_sha1 ? legacy : NULL;
    return !pick ? NULL : cert ? pick->cert_name : pick->name;
}

/* The request up to (and without) the signature: byte 50, user, service,
 * "publickey", bool has_sig, string alg, string blob. */
static strata_status pk_request(struct strata_ssh_auth *a, strata_buf *b, int has_sig)
{
    const struct ssh_ident *id = &a->ids[a->cur_id];
    strata_status r = strata__ssh_auth_req_head(a, b, "publickey");
    if (r == STRATA_OK && ((r = strata_buf_put_bool(b, has_sig)) != STRATA_OK ||
                           (r = strata_buf_put_cstring(b, a->cur_alg)) != STRATA_OK ||
                           (r = strata_buf_put_string(b, id->blob, id->blob_len)) != STRATA_OK))
        r = strata__ssh_auth_fail(a, r, "cannot build the publickey request");
    return r;
}

strata_status strata__ssh_auth_pk_query(struct strata_ssh_auth *a)
{
    strata_buf b;
    strata_buf_init(&b, 0);
    a->cur_signed = 0;
    strata_status r = pk_request(a, &b, 0);
    if (r == STRATA_OK)
        r = strata__ssh_auth_send(a, &b);
    strata_buf_free(&b);
    return r;
}

strata_status strata__ssh_auth_pk_ok(struct strata_ssh_auth *a, strata_buf *msg)
{
    const struct ssh_ident *id = &a->ids[a->cur_id];
    const uint8_t *alg, *blob;
    size_t alg_len, blob_len;
    if (strata_buf_get_string(msg, &alg, &alg_len) != STRATA_OK ||
        strata_buf_get_string(msg, &blob, &blob_len) != STRATA_OK ||
        strata_buf_get_end(msg) != STRATA_OK)
        return strata__ssh_auth_fail(a, STRATA_E_FORMAT, "malformed USERAUTH_PK_OK");
    if (alg_len != strlen(a->cur_alg) || memcmp(alg, a->cur_alg, alg_len) != 0 ||
        blob_len != id->blob_len || memcmp(blob, id->blob, blob_len) != 0)
        return strata__ssh_auth_fail(a, STRATA_E_PROTOCOL,
                                     "USERAUTH_PK_OK names a key or algorithm we did not offer");
    /* RFC 4252 §7: the signature covers string session_id then the request. */
    strata_buf req, tbs, sig;
    strata_buf_init(&req, 0);
    strata_buf_init(&tbs, 0);
    strata_buf_init(&sig, 0);
    strata_status r = pk_request(a, &req, 1);
    if (r == STRATA_OK &&
        ((r = strata_buf_put_string(&tbs, a->sid, a->sid_len)) != STRATA_OK ||
         (r = strata_buf_put(&tbs, strata_buf_ptr(&req), strata_buf_len(&req))) != STRATA_OK))
        r = strata__ssh_auth_fail(a, r, "cannot build the data to sign");
    int skipped = 0;
    if (r == STRATA_OK) {
        /* A key that cannot sign (an agent that refuses, a token removed)
         * is skipped, as OpenSSH does; the next method is tried. */
        strata_error serr = {0};
        r = id->priv ? strata__ssh_sign(id->priv, a->cur_alg, strata_buf_ptr(&tbs),
                                        strata_buf_len(&tbs), &sig, &serr)
                     : id->sign(id->sign_ctx, a->cur_alg, strata_buf_ptr(&tbs),
                                strata_buf_len(&tbs), &sig, &serr);
        if (r != STRATA_OK) {
            if (a->progress)
                a->progress(a->cb_user, "publickey", strata_error_message(&serr));
            skipped = 1;
        }
    }
    if (skipped)
        r = strata__ssh_auth_give_up(a);
    else if (r == STRATA_OK && (r = strata_buf_put_stringb(&req, &sig)) != STRATA_OK)
        r = strata__ssh_auth_fail(a, r, "cannot build the signed request");
    if (r == STRATA_OK && !skipped) {
        a->cur_signed = 1;
        r = strata__ssh_auth_send(a, &req);
    }
    strata_buf_free(&req);
    strata_buf_free(&tbs);
    strata_buf_free(&sig);
    return r;
}
