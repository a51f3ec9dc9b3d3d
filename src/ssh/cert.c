/* OpenSSH certificates (PROTOCOL.certkeys): parse the fields, check a host
 * certificate.
 *
 * After the type name, the nonce and the key's public parts come:
 *   uint64 serial; uint32 type (1 user, 2 host); string key id;
 *   string valid principals (a sequence of strings);
 *   uint64 valid after; uint64 valid before;
 *   string critical options; string extensions (sequences of string name,
 *   string data, each name once, in lexical order); string reserved;
 *   string signature key (a plain key blob); string signature (by the
 *   signature key over everything before this field).
 *
 * Most libraries parse this and check nothing. strata checks everything a
 * host certificate asserts, and refuses what it cannot check: critical
 * options (none are defined for host certificates), empty principals (which
 * would mean "any host"), SHA-1 CA signatures.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "base/error_internal.h"
#include "ssh/sshkey_internal.h"

#define CERT_PRINCIPALS_MAX 256u
#define CERT_STRING_MAX 1024u

void strata__ssh_cert_free(struct ssh_cert *c)
{
    if (!c)
        return;
    free(c->key_id);
    for (size_t i = 0; i < c->n_principals; i++)
        free(c->principals[i]);
    free(c->principals);
    strata__ssh_key_free(c->signer);
    free(c);
}

/* A sequence of (string name, string data), names unique and in order. */
static strata_status check_options(const strata_buf *seq, const char *what, strata_error *err)
{
    strata_buf b = *seq;
    const uint8_t *name, *prev = NULL, *data;
    size_t name_len, prev_len = 0, data_len;
    strata_status st;
    while (strata_buf_len(&b) > 0) {
        if ((st = strata_buf_get_string(&b, &name, &name_len)) != STRATA_OK ||
            (st = strata_buf_get_string(&b, &data, &data_len)) != STRATA_OK)
            return strata__error_set(err, st, "certificate %s are truncated", what);
        if (name_len == 0 || memchr(name, 0, name_len))
            return strata__error_set(err, STRATA_E_FORMAT, "certificate %s hold a bad name", what);
        if (prev) {
            size_t m = prev_len < name_len ? prev_len : name_len;
            int c = memcmp(prev, name, m);
            if (c > 0 || (c == 0 && prev_len >= name_len))
                return strata__error_set(err, STRATA_E_FORMAT,
                                         "certificate %s are not unique and in order", what);
        }
        prev = name;
        prev_len = name_len;
    }
    return STRATA_OK;
}

static strata_status read_principals(struct ssh_cert *c, strata_buf *seq, strata_error *err)
{
    strata_status st;
    while (strata_buf_len(seq) > 0) {
        if (c->n_principals == CERT_PRINCIPALS_MAX)
            return strata__error_set(err, STRATA_E_LIMIT, "certificate has more than %u principals",
                                     CERT_PRINCIPALS_MAX);
        char *p;
        if ((st = strata_buf_get_cstring(seq, &p)) != STRATA_OK)
            return strata__error_set(err, st, "certificate principal is malformed");
        if (strlen(p) > CERT_STRING_MAX) {
            free(p);
            return strata__error_set(err, STRATA_E_LIMIT, "certificate principal is too long");
        }
        char **grown = realloc(c->principals, (c->n_principals + 1) * sizeof(*grown));
        if (!grown) {
            free(p);
            return strata__error_set(err, STRATA_E_NOMEM, "out of memory");
        }
        c->principals = grown;
        c->principals[c->n_principals++] = p;
    }
    return STRATA_OK;
}

strata_status strata__ssh_cert_parse_rest(struct ssh_key *k, strata_buf *b, strata_error *err)
{
    const char *tn = k->kt->cert_name;
    struct ssh_cert *c = calloc(1, sizeof(*c));
    strata_buf principals, reserved, signer;
    strata_status st;
    if (!c)
        return strata__error_set(err, STRATA_E_NOMEM, "out of memory");
    k->cert = c;
    if ((st = strata_buf_get_u64(b, &c->serial)) != STRATA_OK ||
        (st = strata_buf_get_u32(b, &c->type)) != STRATA_OK ||
        (st = strata_buf_get_cstring(b, &c->key_id)) != STRATA_OK ||
        (st = strata_buf_get_sub(b, &principals)) != STRATA_OK ||
        (st = strata_buf_get_u64(b, &c->valid_after)) != STRATA_OK ||
        (st = strata_buf_get_u64(b, &c->valid_before)) != STRATA_OK ||
        (st = strata_buf_get_sub(b, &c->crit)) != STRATA_OK ||
        (st = strata_buf_get_sub(b, &c->ext)) != STRATA_OK ||
        (st = strata_buf_get_sub(b, &reserved)) != STRATA_OK ||
        (st = strata_buf_get_sub(b, &signer)) != STRATA_OK)
        return strata__error_set(err, st, "%s blob is malformed or truncated", tn);
    c->signed_len = b->off;
    if ((st = strata_buf_get_string(b, &c->sig, &c->sig_len)) != STRATA_OK)
        return strata__error_set(err, st, "%s blob is truncated before its signature", tn);
    if ((st = strata_buf_get_end(b)) != STRATA_OK)
        return strata__error_set(err, st, "%s blob has %zu trailing bytes", tn, strata_buf_len(b));
    if (c->type != STRATA_SSH_CERT_USER && c->type != STRATA_SSH_CERT_HOST)
        return strata__error_set(err, STRATA_E_FORMAT,
                                 "certificate type %u is neither user nor host", c->type);
    if (strlen(c->key_id) > CERT_STRING_MAX)
        return strata__error_set(err, STRATA_E_LIMIT, "certificate key id is too long");
    /* The key id goes into messages: no control bytes from the peer. */
    for (char *p = c->key_id; *p; p++) {
        if ((unsigned char)*p < 0x20 || (unsigned char)*p >= 0x7f)
            *p = '?';
    }
    if ((st = read_principals(c, &principals, err)) != STRATA_OK ||
        (st = check_options(&c->crit, "critical options", err)) != STRATA_OK ||
        (st = check_options(&c->ext, "extensions", err)) != STRATA_OK)
        return st;
    /* Checked before parsing, so certificates cannot nest. */
    const char *plain,
        *type = strata__ssh_blob_type(strata_buf_ptr(&signer), strata_buf_len(&signer), &plain);
    if (type && type != plain)
        return strata__error_set(err, STRATA_E_FORMAT,
                                 "certificate signature key is itself a certificate");
    if ((st = strata__ssh_key_from_blob(strata_buf_ptr(&signer), strata_buf_len(&signer),
                                        &c->signer, err)) != STRATA_OK)
        return st;
    return STRATA_OK;
}

strata_status strata__ssh_cert_info(const struct ssh_key *k, struct ssh_cert_info *info)
{
    memset(info, 0, sizeof(*info));
    if (!k->cert)
        return STRATA_E_USAGE;
    const struct ssh_cert *c = k->cert;
    info->serial = c->serial;
    info->type = c->type;
    info->key_id = c->key_id;
    info->n_principals = c->n_principals;
    info->principals = (const char *const *)c->principals;
    info->valid_after = c->valid_after;
    info->valid_before = c->valid_before;
    return STRATA_OK;
}

/* "2026-11-21T06:00:00Z", or the number when it does not fit a date. */
static void fmt_time(uint64_t t, char *out, size_t cap)
{
    struct tm tm;
    time_t tt = (time_t)t;
    if (t > (uint64_t)253402300799 /* 9999-12-31 */ || !gmtime_r(&tt, &tm) ||
        strftime(out, cap, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
        snprintf(out, cap, "%llu", (unsigned long long)t);
}

/* The CA signature: by the signature key, not with SHA-1. */
static strata_status check_signature(const struct ssh_key *k, strata_error *err)
{
    const struct ssh_cert *c = k->cert;
    strata_buf b;
    const uint8_t *name;
    size_t name_len;
    char alg[STRATA_NAME_MAX + 1];
    strata_buf_view(&b, c->sig, c->sig_len);
    if (strata_buf_get_string(&b, &name, &name_len) != STRATA_OK || name_len > STRATA_NAME_MAX)
        return strata__error_set(err, STRATA_E_SSH_CERT_SIGNATURE,
                                 "certificate signature blob is malformed");
    memcpy(alg, name, name_len);
    alg[name_len] = 0;
    if (strata__ssh_sigalg_is_legacy(alg))
        return strata__error_set(err, STRATA_E_SSH_CERT_SIGNATURE,
                                 "certificate signed with %s (SHA-1), which strata refuses", alg);
    if (!strata__ssh_hostkey_alg_matches(c->signer, alg))
        return strata__error_set(err, STRATA_E_SSH_CERT_SIGNATURE,
                                 "certificate signature algorithm %s does not fit the %s CA key",
                                 alg, strata__ssh_key_type(c->signer));
    strata_error e2;
    strata_error_clear(&e2);
    if (strata__ssh_key_verify(c->signer, alg, c->sig, c->sig_len, k->blob, c->signed_len, &e2) !=
        STRATA_OK)
        return strata__error_set(err, STRATA_E_SSH_CERT_SIGNATURE,
                                 "certificate signature by the CA does not verify: %s",
                                 strata_error_message(&e2));
    return STRATA_OK;
}

strata_status strata__ssh_cert_check_host(const struct ssh_key *k, const char *host, int64_t now,
                                          const struct ssh_key *const *cas, size_t n_cas,
                                          strata_error *err)
{
    if (!k->cert)
        return strata__error_set(err, STRATA_E_USAGE, "%s key is not a certificate",
                                 strata__ssh_key_type(k));
    const struct ssh_cert *c = k->cert;
    char fp[STRATA_SSH_FP_MAX], t1[32], t2[32];
    strata_status st = check_signature(k, err);
    if (st != STRATA_OK)
        return st;
    size_t i;
    for (i = 0; i < n_cas; i++) {
        if (!cas[i]->cert && strata__ssh_key_equal_public(cas[i], c->signer))
            break;
    }
    if (i == n_cas) {
        strata__ssh_key_fp_sha256(c->signer, fp, sizeof(fp));
        return strata__error_set(err, STRATA_E_SSH_CERT_UNTRUSTED,
                                 "certificate signed by %s CA %s, which is not trusted for %s",
                                 strata__ssh_key_type(c->signer), fp, host);
    }
    if (c->type != STRATA_SSH_CERT_HOST)
        return strata__error_set(err, STRATA_E_SSH_CERT_TYPE,
                                 "certificate \"%s\" is a user certificate, not a host certificate",
                                 c->key_id);
    uint64_t t = now < 0 ? 0 : (uint64_t)now;
    if (t < c->valid_after) {
        fmt_time(c->valid_after, t1, sizeof(t1));
        fmt_time(t, t2, sizeof(t2));
        return strata__error_set(err, STRATA_E_SSH_CERT_NOT_YET_VALID,
                                 "certificate \"%s\" is not valid before %s (now %s)", c->key_id,
                                 t1, t2);
    }
    if (t >= c->valid_before) {
        fmt_time(c->valid_before, t1, sizeof(t1));
        fmt_time(t, t2, sizeof(t2));
        return strata__error_set(err, STRATA_E_SSH_CERT_EXPIRED,
                                 "certificate \"%s\" expired at %s (now %s)", c->key_id, t1, t2);
    }
    if (c->n_principals == 0)
        return strata__error_set(err, STRATA_E_SSH_CERT_PRINCIPAL,
                                 "certificate \"%s\" lists no principals; strata refuses host "
                                 "certificates valid for any host",
                                 c->key_id);
    for (i = 0; i < c->n_principals; i++) {
        if (strcasecmp(c->principals[i], host) == 0)
            break;
    }
    if (i == c->n_principals)
        return strata__error_set(err, STRATA_E_SSH_CERT_PRINCIPAL,
                                 "certificate \"%s\" is not valid for host %s", c->key_id, host);
    if (strata_buf_len(&c->crit) > 0) {
        strata_buf b = c->crit;
        const uint8_t *name;
        size_t name_len;
        if (strata_buf_get_string(&b, &name, &name_len) != STRATA_OK)
            name_len = 0;
        return strata__error_set(
            err, STRATA_E_SSH_CERT_OPTION,
            "certificate \"%s\" has critical option \"%.*s\", unknown for host "
            "certificates",
            c->key_id, (int)(name_len > 64 ? 64 : name_len), name_len ? (const char *)name : "");
    }
    return STRATA_OK;
}
