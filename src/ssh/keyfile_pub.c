/* Public key and certificate files: "type base64 [comment]" on one line, as
 * ssh-keygen writes id_*.pub and id_*-cert.pub (and authorized_keys without
 * options). */
#include <stdlib.h>
#include <string.h>

#include "base/error_internal.h"
#include "ssh/hostkey.h"
#include "ssh/keyfile.h"

#define PUB_LINE_MAX (64u * 1024u)

struct strata_ssh_pubkey {
    char *type;
    char *comment;
    uint8_t *blob;
    size_t blob_len;
};

static const char cert_suffix[] = "-cert-v01@openssh.com";

/* A NUL-terminated heap copy of n bytes (the input is not NUL-terminated). */
static char *dup_range(const char *p, size_t n)
{
    char *s = malloc(n + 1);
    if (s) {
        memcpy(s, p, n);
        s[n] = '\0';
    }
    return s;
}

static int is_blank(char c)
{
    return c == ' ' || c == '\t';
}

void strata_ssh_pubkey_free(strata_ssh_pubkey *k)
{
    if (!k)
        return;
    free(k->type);
    free(k->comment);
    free(k->blob);
    free(k);
}

const char *strata_ssh_pubkey_type(const strata_ssh_pubkey *k)
{
    return k->type;
}

const char *strata_ssh_pubkey_comment(const strata_ssh_pubkey *k)
{
    return k->comment;
}

const uint8_t *strata_ssh_pubkey_blob(const strata_ssh_pubkey *k, size_t *n)
{
    *n = k->blob_len;
    return k->blob;
}

int strata_ssh_pubkey_is_cert(const strata_ssh_pubkey *k)
{
    size_t n = strlen(k->type), s = sizeof(cert_suffix) - 1;
    return n > s && strcmp(k->type + n - s, cert_suffix) == 0;
}

strata_status strata_ssh_pubkey_cert_key(const strata_ssh_pubkey *k, uint8_t **out, size_t *n,
                                         strata_error *err)
{
    *out = NULL;
    *n = 0;
    if (!strata_ssh_pubkey_is_cert(k))
        return strata__error_set(err, STRATA_E_USAGE, "%s is not a certificate", k->type);
    struct ssh_key *key = NULL;
    strata_status r = strata__ssh_key_from_blob(k->blob, k->blob_len, &key, err);
    if (r != STRATA_OK)
        return r;
    strata_buf b;
    strata_buf_init(&b, 0);
    if ((r = strata__ssh_key_plain_blob(key, &b)) == STRATA_OK) {
        *n = strata_buf_len(&b);
        if ((*out = malloc(*n ? *n : 1)) != NULL)
            memcpy(*out, strata_buf_ptr(&b), *n);
        else
            r = STRATA_E_NOMEM;
    }
    strata_buf_free(&b);
    strata__ssh_key_free(key);
    return r;
}

/* Finds the first line that is neither blank nor a comment: [*start, *end). */
static int first_line(const char *text, size_t n, size_t *start, size_t *end)
{
    size_t i = 0;
    while (i < n) {
        size_t e = i;
        while (e < n && text[e] != '\n')
            e++;
        size_t s = i;
        while (s < e && (is_blank(text[s]) || text[s] == '\r'))
            s++;
        if (s < e && text[s] != '#') {
            while (e > s && (is_blank(text[e - 1]) || text[e - 1] == '\r'))
                e--;
            *start = s;
            *end = e;
            return 1;
        }
        i = e + 1;
    }
    return 0;
}

strata_status strata_ssh_pubkey_parse(const char *text, size_t n, strata_ssh_pubkey **out,
                                      strata_error *err)
{
    strata_error scratch;
    strata_buf blob, view;
    strata_ssh_pubkey *k = NULL;
    strata_status r;
    size_t s, e;
    if (!err)
        err = &scratch;
    strata_error_clear(err);
    *out = NULL;
    strata_buf_init(&blob, PUB_LINE_MAX);
    if (!text) {
        r = strata__error_set(err, STRATA_E_USAGE, "no text");
        goto out;
    }
    if (n > STRATA_SSH_KEY_FILE_MAX) {
        r = strata__error_set(err, STRATA_E_LIMIT, "public key file of %zu bytes exceeds %u", n,
                              STRATA_SSH_KEY_FILE_MAX);
        goto out;
    }
    if (!first_line(text, n, &s, &e)) {
        r = strata__error_set(err, STRATA_E_FORMAT, "no public key line");
        goto out;
    }
    if (memchr(text + s, '\0', e - s)) {
        r = strata__error_set(err, STRATA_E_FORMAT, "NUL byte in the public key line");
        goto out;
    }
    size_t t_end = s;
    while (t_end < e && !is_blank(text[t_end]))
        t_end++;
    size_t b_start = t_end;
    while (b_start < e && is_blank(text[b_start]))
        b_start++;
    size_t b_end = b_start;
    while (b_end < e && !is_blank(text[b_end]))
        b_end++;
    size_t c_start = b_end;
    while (c_start < e && is_blank(text[c_start]))
        c_start++;
    if (b_start == b_end) {
        r = strata__error_set(err, STRATA_E_FORMAT, "public key line has no base64 field");
        goto out;
    }
    if (!strata__sshkf_printable((const uint8_t *)text + s, t_end - s)) {
        r = strata__error_set(err, STRATA_E_FORMAT, "non-printable byte in the key type");
        goto out;
    }
    if (t_end - s > STRATA_NAME_MAX) {
        r = strata__error_set(err, STRATA_E_FORMAT, "key type longer than %d characters",
                              STRATA_NAME_MAX);
        goto out;
    }
    if ((r = strata__sshkf_b64_decode(text + b_start, b_end - b_start, &blob, err)) != STRATA_OK)
        goto out;
    const uint8_t *inner;
    size_t inner_len;
    strata_buf_view(&view, strata_buf_ptr(&blob), strata_buf_len(&blob));
    if ((r = strata_buf_get_string(&view, &inner, &inner_len)) != STRATA_OK) {
        r = strata__error_set(err, r, "key blob too short to hold its type");
        goto out;
    }
    if (!strata__sshkf_printable(inner, inner_len)) {
        r = strata__error_set(err, STRATA_E_FORMAT, "the blob's key type is not printable");
        goto out;
    }
    if (inner_len != t_end - s || memcmp(inner, text + s, inner_len) != 0) {
        r = strata__error_set(err, STRATA_E_FORMAT,
                              "key type \"%.*s\" differs from the blob's type \"%.*s\"",
                              (int)(t_end - s), text + s, (int)(inner_len > 64 ? 64 : inner_len),
                              (const char *)inner);
        goto out;
    }
    if (!(k = calloc(1, sizeof(*k))) || !(k->type = dup_range(text + s, t_end - s)) ||
        !(k->comment = dup_range(text + c_start, e - c_start)) ||
        !(k->blob = malloc(strata_buf_len(&blob)))) {
        r = strata__error_set(err, STRATA_E_NOMEM, "out of memory");
        goto out;
    }
    k->blob_len = strata_buf_len(&blob);
    memcpy(k->blob, strata_buf_ptr(&blob), k->blob_len);
    *out = k;
    k = NULL;
    r = STRATA_OK;
out:
    strata_ssh_pubkey_free(k);
    strata_buf_free(&blob);
    return r;
}
