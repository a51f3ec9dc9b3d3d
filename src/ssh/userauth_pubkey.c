/* ssh/userauth_pubkey: the publickey method (RFC 4252 §7, RFC 8332 §3,
 * RFC 8308 §3.1, PROTOCOL.certkeys).
 *
 * Each identity is first offered without a signature (a query); only when
 * the server answers PK_OK with the same algorithm and blob do we sign. The
 * signed data is the session identifier followed by the request itself.
 * An encrypted key file is offered by its public key, and its passphrase is
 * asked for only then (the prompt may answer later).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/crypto.h>

#include "base/error_internal.h"
#include "ssh/hostkey.h"
#include "ssh/sshkey_internal.h"
#include "ssh/userauth_internal.h"
#include "strata/ssh_keys.h"

void strata__ssh_ident_clear(struct ssh_ident *id)
{
    free(id->blob);
    free(id->type);
    free(id->comment);
    OPENSSL_clear_free(id->key_file, id->key_file_len);
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

/* E_USAGE "the public key given for NAME" followed by why. */
static strata_status bad_pub(struct strata_ssh_auth *a, const char *comment, const char *why)
{
    char w[STRATA_ERROR_MSG_MAX];
    snprintf(w, sizeof w, "%s", why); /* why may hold a->err's own message */
    return strata__error_reset(&a->err, STRATA_E_USAGE, "the public key given for %.200s%s",
                               comment ? comment : "the key file", w);
}

strata_status strata_ssh_auth_add_key_file(strata_ssh_auth *a, const uint8_t *key_file,
                                           size_t key_len, const uint8_t *pub_blob, size_t pub_len,
                                           const char *comment)
{
    if (!key_file || key_len == 0 || (pub_blob && pub_len == 0))
        return STRATA_E_USAGE;
    if (a->state != A_IDLE)
        return STRATA_E_STATE;
    /* pub_blob, when given: a plain public key (not a certificate). */
    struct ssh_ident id = {0};
    struct ssh_key *pk = NULL;
    strata_status r;
    if (pub_blob) {
        if ((r = ident_blob(a, &id, pub_blob, pub_len, &pk)) != STRATA_OK) {
            char why[STRATA_ERROR_MSG_MAX];
            snprintf(why, sizeof why, ": %s", strata_error_message(&a->err));
            strata__ssh_ident_clear(&id);
            return bad_pub(a, comment, why);
        }
        int cert = strata__ssh_key_is_cert(pk);
        strata__ssh_key_free(pk);
        if (cert) {
            strata__ssh_ident_clear(&id);
            return bad_pub(a, comment, " is a certificate, not the key's own public key");
        }
    }
    /* Not encrypted: the key now, as _add_key. */
    strata_ssh_privkey *k = NULL;
    r = strata_ssh_privkey_parse(key_file, key_len, NULL, &k, &a->err);
    if (r == STRATA_OK) {
        size_t n;
        const uint8_t *kb = strata_ssh_privkey_blob(k, &n);
        if (pub_blob && (n != pub_len || memcmp(kb, pub_blob, n) != 0))
            r = bad_pub(a, comment, " is not the key in the file");
        else
            r = strata_ssh_auth_add_key(a, strata_ssh_privkey_pkey(k), NULL, 0, comment);
        strata_ssh_privkey_free(k);
        strata__ssh_ident_clear(&id);
        return r;
    }
    if (r != STRATA_E_SSH_KEY_ENCRYPTED) {
        strata__ssh_ident_clear(&id);
        return r;
    }
    /* An openssh-key-v1 file carries its public key in clear: it is the
     * one offered, and a pub_blob given must be it. A PEM file hides its
     * key: pub_blob is needed (E_SSH_KEY_ENCRYPTED without). */
    uint8_t *peeked = NULL;
    size_t peeked_len = 0;
    int encrypted = 0;
    r = strata_ssh_privkey_peek(key_file, key_len, &peeked, &peeked_len, &encrypted, &a->err);
    if (r == STRATA_OK && pub_blob &&
        (peeked_len != pub_len || memcmp(peeked, pub_blob, pub_len) != 0))
        r = bad_pub(a, comment, " is not the key in the file");
    else if (r == STRATA_OK && !pub_blob)
        r = ident_blob(a, &id, peeked, peeked_len, NULL);
    else if (r == STRATA_E_SSH_KEY_ENCRYPTED && pub_blob)
        r = STRATA_OK;
    free(peeked);
    if (r == STRATA_OK) {
        strata_error_clear(&a->err);
        if (!(id.key_file = malloc(key_len)))
            r = STRATA_E_NOMEM;
    }
    if (r == STRATA_OK) {
        memcpy(id.key_file, key_file, key_len);
        id.key_file_len = key_len;
        if (comment && !(id.comment = strdup(comment)))
            r = STRATA_E_NOMEM;
    }
    if (r == STRATA_OK && (r = add_ident(a, &id)) == STRATA_OK)
        return STRATA_OK;
    strata__ssh_ident_clear(&id);
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
 * one algorithm uses it. Only algorithms in PubkeyAcceptedAlgorithms (when
 * given) are used: the next candidate is taken. */
const char *strata__ssh_auth_pick_alg(const struct strata_ssh_auth *a, const struct ssh_ident *id)
{
    int cert;
    const struct ssh_keytype *kt = strata__ssh_keytype_by_name(id->type, strlen(id->type), &cert);
    if (!kt)
        return NULL;
    const struct ssh_sigalg *cand[SSH_KEYTYPE_SIGALGS_MAX + 1], *legacy = NULL;
    size_t count = 0, n = 0;
    for (; count < SSH_KEYTYPE_SIGALGS_MAX && kt->sigalgs[count].name; count++)
        if (kt->sigalgs[count].legacy)
            legacy = &kt->sigalgs[count];
    if (count == 1) {
        cand[n++] = &kt->sigalgs[0];
    } else {
        if (!a->sig_algs && a->allow_rsa_sha1 && legacy)
            cand[n++] = legacy;
        for (size_t i = 0; i < count; i++) {
            const struct ssh_sigalg *s = &kt->sigalgs[i];
            if (!s->legacy && (!a->sig_algs || strata__ssh_list_has(a->sig_algs, s->name)))
                cand[n++] = s;
        }
        if (a->sig_algs && a->allow_rsa_sha1 && legacy)
            cand[n++] = legacy;
    }
    for (size_t i = 0; i < n; i++) {
        const char *name = cert ? cand[i]->cert_name : cand[i]->name;
        if (!a->accepted || strata__ssh_list_has(a->accepted, name))
            return name;
    }
    return NULL;
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

static strata_status pk_sign(struct strata_ssh_auth *a);

/* How a key is named in prompts and messages: its comment, else its type. */
static const char *ident_name(const struct ssh_ident *id)
{
    return id->comment ? id->comment : id->type;
}

/* The key in flight is skipped (why: for progress); the next one, or the
 * next method, is tried. */
static strata_status skip_key(struct strata_ssh_auth *a, const char *why)
{
    const struct ssh_ident *id = &a->ids[a->cur_id];
    if (a->progress) {
        char line[400];
        snprintf(line, sizeof line, "skipped key %.200s: %s", ident_name(id), why);
        a->progress(a->cb_user, "publickey", line);
    }
    return strata__ssh_auth_give_up(a);
}

/* Asks for the passphrase of the encrypted key in flight (the server
 * accepted it): decrypts and signs at once, or leaves the engine pending. */
static strata_status ask_passphrase(struct strata_ssh_auth *a)
{
    struct ssh_ident *id = &a->ids[a->cur_id];
    if (!a->prompt)
        return skip_key(a, "it is encrypted and there is no one to ask for its passphrase");
    if (id->pp_tries >= a->password_attempts)
        return skip_key(a, "no right passphrase");
    id->pp_tries++;
    char text[300];
    snprintf(text, sizeof text, "Enter passphrase for key '%.200s': ", ident_name(id));
    const char *const prompts[1] = {text};
    strata_ssh_prompt p =
        strata__ssh_auth_hidden_prompt(a, STRATA_SSH_PROMPT_PASSPHRASE, prompts, id->pp_tries);
    const char *answers[1] = {NULL};
    a->pend_n = 1;
    strata_status r = a->prompt(a->cb_user, &p, answers);
    if (r == STRATA_PENDING) {
        a->pend_passphrase = 1;
        a->state = A_PENDING;
        return STRATA_PENDING;
    }
    if (r == STRATA_OK && !answers[0])
        return strata__ssh_auth_fail(a, STRATA_E_USAGE, "the prompt callback left answer 1 unset");
    return strata__ssh_auth_pk_passphrase(a, r == STRATA_OK ? answers[0] : NULL);
}

strata_status strata__ssh_auth_pk_passphrase(struct strata_ssh_auth *a, const char *pass)
{
    struct ssh_ident *id = &a->ids[a->cur_id];
    a->pend_passphrase = 0;
    if (!pass || !*pass)
        return skip_key(a, "no passphrase given");
    strata_error kerr = {0};
    strata_ssh_privkey *k = NULL;
    strata_status r = strata_ssh_privkey_parse(id->key_file, id->key_file_len, pass, &k, &kerr);
    if (r == STRATA_E_PASSPHRASE) {
        if (a->progress) {
            char line[300];
            snprintf(line, sizeof line, "wrong passphrase for key %.200s", ident_name(id));
            a->progress(a->cb_user, "publickey", line);
        }
        return ask_passphrase(a);
    }
    if (r != STRATA_OK)
        return skip_key(a, strata_error_message(&kerr));
    size_t n;
    const uint8_t *blob = strata_ssh_privkey_blob(k, &n);
    if (n != id->blob_len || memcmp(blob, id->blob, n) != 0) {
        strata_ssh_privkey_free(k);
        return skip_key(a, "the private key in the file is not the public key offered");
    }
    EVP_PKEY *pkey = strata_ssh_privkey_pkey(k);
    if (!EVP_PKEY_up_ref(pkey)) {
        strata_ssh_privkey_free(k);
        return strata__ssh_auth_fail(a, STRATA_E_NOMEM, "out of memory");
    }
    strata_ssh_privkey_free(k);
    id->priv = pkey;
    OPENSSL_clear_free(id->key_file, id->key_file_len);
    id->key_file = NULL;
    id->key_file_len = 0;
    return pk_sign(a);
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
    if (!id->priv && !id->sign)
        return ask_passphrase(a);
    return pk_sign(a);
}

/* Signs the request for the identity in flight and sends it; a key that
 * cannot sign is skipped. */
static strata_status pk_sign(struct strata_ssh_auth *a)
{
    const struct ssh_ident *id = &a->ids[a->cur_id];
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
