/* SSH private key objects and the format dispatch (see strata/ssh_keys.h). */
#include <stdlib.h>
#include <string.h>
#include <openssl/core_names.h>

#include "base/error_internal.h"
#include "strata/mem.h"
#include "ssh/keyfile.h"

static const char openssh_label[] = "OPENSSH PRIVATE KEY";

strata_status strata__sshkf_privkey_new(EVP_PKEY *pkey, const struct ssh_keytype *t,
                                        const char *comment, strata_ssh_privkey **out,
                                        strata_error *err)
{
    strata_status r;
    strata_buf blob;
    strata_buf_init(&blob, 64 * 1024);
    strata_ssh_privkey *k = calloc(1, sizeof(*k));
    *out = NULL;
    if (!k || !(k->comment = strdup(comment ? comment : ""))) {
        r = strata__error_set(err, STRATA_E_NOMEM, "out of memory");
        goto out;
    }
    /* SSH sends EC points uncompressed (RFC 5656 §3.1). */
    if (t->group && !EVP_PKEY_set_utf8_string_param(
                        pkey, OSSL_PKEY_PARAM_EC_POINT_CONVERSION_FORMAT, "uncompressed")) {
        r = strata__error_set_ossl(err, STRATA_E_CRYPTO, "cannot set the EC point format");
        goto out;
    }
    if ((r = strata__ssh_keytype_put_blob(t, pkey, &blob, err)) != STRATA_OK)
        goto out;
    k->blob_len = strata_buf_len(&blob);
    if (!(k->blob = malloc(k->blob_len))) {
        r = strata__error_set(err, STRATA_E_NOMEM, "out of memory");
        goto out;
    }
    memcpy(k->blob, strata_buf_ptr(&blob), k->blob_len);
    k->pkey = pkey;
    pkey = NULL;
    k->type = t;
    *out = k;
    k = NULL;
out:
    strata_buf_free(&blob);
    EVP_PKEY_free(pkey);
    strata_ssh_privkey_free(k);
    return r;
}

void strata_ssh_privkey_free(strata_ssh_privkey *k)
{
    if (!k)
        return;
    EVP_PKEY_free(k->pkey);
    free(k->comment);
    free(k->blob);
    free(k);
}

EVP_PKEY *strata_ssh_privkey_pkey(const strata_ssh_privkey *k)
{
    return k->pkey;
}

const char *strata_ssh_privkey_type(const strata_ssh_privkey *k)
{
    return k->type->name;
}

const char *strata_ssh_privkey_comment(const strata_ssh_privkey *k)
{
    return k->comment;
}

const uint8_t *strata_ssh_privkey_blob(const strata_ssh_privkey *k, size_t *n)
{
    *n = k->blob_len;
    return k->blob;
}

strata_status strata_ssh_privkey_from_pkey(EVP_PKEY *pkey, const char *comment,
                                           strata_ssh_privkey **out, strata_error *err)
{
    strata_error scratch;
    if (!err)
        err = &scratch;
    strata_error_clear(err);
    *out = NULL;
    if (!pkey)
        return strata__error_set(err, STRATA_E_USAGE, "no key given");
    const struct ssh_keytype *t = strata__ssh_keytype_of_pkey(pkey);
    if (!t)
        return strata__error_set(err, STRATA_E_UNSUPPORTED,
                                 "%s keys have no SSH key type strata supports",
                                 EVP_PKEY_get0_type_name(pkey));
    if (!EVP_PKEY_up_ref(pkey))
        return strata__error_set_ossl(err, STRATA_E_INTERNAL, "EVP_PKEY_up_ref");
    return strata__sshkf_privkey_new(pkey, t, comment, out, err);
}

static int starts_with_label(const uint8_t *data, size_t n, const char *label)
{
    size_t i = 0, ll = strlen(label);
    while (i < n && (data[i] == ' ' || data[i] == '\t' || data[i] == '\r' || data[i] == '\n'))
        i++;
    return n - i >= 11 + ll && memcmp(data + i, "-----BEGIN ", 11) == 0 &&
           memcmp(data + i + 11, label, ll) == 0;
}

/* Checks the size; for an OpenSSH file decodes the armour into bin (an owning,
 * secret buffer the caller frees) and sets *openssh. */
static strata_status prepare(const uint8_t *data, size_t n, strata_buf *bin, int *openssh,
                             strata_error *err)
{
    *openssh = 0;
    strata_buf_init(bin, STRATA_SSH_KEY_FILE_MAX);
    strata_buf_set_secret(bin);
    if (!data)
        return strata__error_set(err, STRATA_E_USAGE, "no key data");
    if (n > STRATA_SSH_KEY_FILE_MAX)
        return strata__error_set(err, STRATA_E_LIMIT,
                                 "key file of %zu bytes exceeds the limit of %u", n,
                                 STRATA_SSH_KEY_FILE_MAX);
    if (starts_with_label(data, n, openssh_label)) {
        *openssh = 1;
        return strata__sshkf_unarmor((const char *)data, n, openssh_label, bin, err);
    }
    if (!starts_with_label(data, n, ""))
        return strata__error_set(err, STRATA_E_FORMAT,
                                 "not a private key file (no \"-----BEGIN\" line)");
    return STRATA_OK;
}

strata_status strata__sshkf_parse(const uint8_t *data, size_t n, const char *passphrase,
                                  unsigned max_rounds, strata_ssh_privkey **out, strata_error *err)
{
    strata_buf bin;
    int openssh;
    *out = NULL;
    strata_status r = prepare(data, n, &bin, &openssh, err);
    if (r == STRATA_OK && openssh)
        r = strata__sshkf_parse_openssh(strata_buf_ptr(&bin), strata_buf_len(&bin), passphrase,
                                        max_rounds, out, err);
    else if (r == STRATA_OK)
        r = strata__sshkf_parse_pem(data, n, passphrase, out, err);
    strata_buf_free(&bin);
    return r;
}

strata_status strata_ssh_privkey_parse_pw(const uint8_t *data, size_t n,
                                          const strata_passphrase *pw, strata_ssh_privkey **out,
                                          strata_error *err)
{
    strata_error scratch;
    char pass[STRATA_PASSPHRASE_MAX + 1];
    if (!err)
        err = &scratch;
    strata_error_clear(err);
    *out = NULL;
    /* A fixed passphrase is used at once; a callback is asked only when the
     * file proves to be encrypted. */
    int len = pw && pw->pass ? strata_passphrase_get(pw, 0, pass, STRATA_PASSPHRASE_MAX) : 0;
    if (len < 0)
        return strata__error_set(err, STRATA_E_PASSPHRASE, "the passphrase is longer than %d bytes",
                                 STRATA_PASSPHRASE_MAX);
    pass[len] = '\0';
    strata_status r = strata__sshkf_parse(data, n, pw && pw->pass ? pass : NULL,
                                          STRATA_SSH_KEY_ROUNDS_MAX, out, err);
    if (r == STRATA_E_SSH_KEY_ENCRYPTED && pw && !pw->pass &&
        (len = strata_passphrase_get(pw, 0, pass, STRATA_PASSPHRASE_MAX)) > 0) {
        pass[len] = '\0';
        strata_error_clear(err);
        r = strata__sshkf_parse(data, n, pass, STRATA_SSH_KEY_ROUNDS_MAX, out, err);
    }
    strata_memzero(pass, sizeof(pass));
    return r;
}

strata_status strata_ssh_privkey_parse(const uint8_t *data, size_t n, const char *passphrase,
                                       strata_ssh_privkey **out, strata_error *err)
{
    strata_passphrase fixed = {.pass = passphrase, .len = passphrase ? strlen(passphrase) : 0};
    return strata_ssh_privkey_parse_pw(data, n, passphrase ? &fixed : NULL, out, err);
}

strata_status strata_ssh_privkey_peek(const uint8_t *data, size_t n, uint8_t **blob,
                                      size_t *blob_len, int *encrypted, strata_error *err)
{
    strata_error scratch;
    strata_buf bin;
    strata_ssh_privkey *k = NULL;
    int openssh;
    if (!err)
        err = &scratch;
    strata_error_clear(err);
    *blob = NULL;
    *blob_len = 0;
    *encrypted = 0;
    strata_status r = prepare(data, n, &bin, &openssh, err);
    if (r == STRATA_OK && openssh) {
        r = strata__sshkf_peek_openssh(strata_buf_ptr(&bin), strata_buf_len(&bin), blob, blob_len,
                                       encrypted, err);
    } else if (r == STRATA_OK) {
        /* PEM: an unencrypted file is parsed whole; an encrypted one hides its key. */
        r = strata__sshkf_parse_pem(data, n, NULL, &k, err);
        if (r == STRATA_OK && !(*blob = malloc(k->blob_len)))
            r = strata__error_set(err, STRATA_E_NOMEM, "out of memory");
        if (r == STRATA_OK) {
            memcpy(*blob, k->blob, k->blob_len);
            *blob_len = k->blob_len;
        }
    }
    strata_ssh_privkey_free(k);
    strata_buf_free(&bin);
    return r;
}
