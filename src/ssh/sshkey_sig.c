/* SSH signature algorithms: the table of host key algorithm names, the
 * signature blob (string alg, string sig; RFC 4253 §6.6), sign and verify.
 *
 * For certificates the host key algorithm is the -cert-v01@openssh.com name
 * but the signature blob carries the plain algorithm (PROTOCOL.certkeys).
 */
#include <string.h>
#include <threads.h>
#include <openssl/evp.h>

#include "base/error_internal.h"
#include "ssh/sshkey_internal.h"

/* The host key algorithm lists, made once from the key type table: modern
 * certificate names, then modern plain names (default); supported adds the
 * legacy ones after each group, as OpenSSH orders them. */
#define ALGS_CAP 1024
static char algs_default[ALGS_CAP], algs_supported[ALGS_CAP];
static once_flag algs_once = ONCE_FLAG_INIT;

static void algs_append(char *list, const char *name)
{
    size_t len = strlen(list);
    /* The table's names are short and fixed; ALGS_CAP holds them with room
     * to spare (test_ssh_keytypes checks every name is listed). */
    if (len + 1 + strlen(name) + 1 > ALGS_CAP)
        return;
    if (len)
        list[len++] = ',';
    memcpy(list + len, name, strlen(name) + 1);
}

/* pass 0: certificate names, pass 1: plain names; legacy: which ones. */
static void algs_add(char *list, int cert, int legacy)
{
    for (size_t i = 0; i < strata__ssh_keytypes_count; i++) {
        const struct ssh_keytype *t = strata__ssh_keytypes[i];
        for (size_t j = 0; j < SSH_KEYTYPE_SIGALGS_MAX && t->sigalgs[j].name; j++)
            if (t->sigalgs[j].legacy == legacy)
                algs_append(list, cert ? t->sigalgs[j].cert_name : t->sigalgs[j].name);
    }
}

static void algs_make(void)
{
    algs_add(algs_default, 1, 0);
    algs_add(algs_default, 0, 0);
    algs_add(algs_supported, 1, 0);
    algs_add(algs_supported, 1, 1);
    algs_add(algs_supported, 0, 0);
    algs_add(algs_supported, 0, 1);
}

const char *strata__ssh_hostkey_algs_default(void)
{
    call_once(&algs_once, algs_make);
    return algs_default;
}

const char *strata__ssh_hostkey_algs_supported(void)
{
    call_once(&algs_once, algs_make);
    return algs_supported;
}

/* The signature algorithm named name (plain or certificate name) and its key
 * type. */
static const struct ssh_sigalg *sigalg_find(const char *name, int *is_cert,
                                            const struct ssh_keytype **kt)
{
    *is_cert = 0;
    *kt = NULL;
    for (size_t i = 0; i < strata__ssh_keytypes_count; i++) {
        const struct ssh_keytype *t = strata__ssh_keytypes[i];
        for (size_t j = 0; j < SSH_KEYTYPE_SIGALGS_MAX && t->sigalgs[j].name; j++) {
            const struct ssh_sigalg *a = &t->sigalgs[j];
            if (strcmp(name, a->name) == 0 || strcmp(name, a->cert_name) == 0) {
                *is_cert = strcmp(name, a->cert_name) == 0;
                *kt = t;
                return a;
            }
        }
    }
    return NULL;
}

/* sigalg_find for sign and verify: an unknown name is E_UNSUPPORTED. */
static strata_status sigalg_need(const char *alg, const struct ssh_sigalg **a,
                                 const struct ssh_keytype **kt, strata_error *err)
{
    int is_cert;
    if ((*a = sigalg_find(alg, &is_cert, kt)) != NULL)
        return STRATA_OK;
    return strata__error_set(err, STRATA_E_UNSUPPORTED, "unsupported signature algorithm \"%.64s\"",
                             alg);
}

int strata__ssh_sigalg_is_legacy(const char *alg)
{
    int is_cert;
    const struct ssh_keytype *kt;
    const struct ssh_sigalg *a = sigalg_find(alg, &is_cert, &kt);
    return a && a->legacy;
}

const char *strata__ssh_sigalg_plain(const char *hostkey_alg)
{
    int is_cert;
    const struct ssh_keytype *kt;
    const struct ssh_sigalg *a = sigalg_find(hostkey_alg, &is_cert, &kt);
    return a ? a->name : NULL;
}

const char *strata__ssh_hostkey_alg_keytype(const char *hostkey_alg, int *is_cert)
{
    const struct ssh_keytype *kt;
    return sigalg_find(hostkey_alg, is_cert, &kt) ? kt->name : NULL;
}

int strata__ssh_hostkey_alg_matches(const struct ssh_key *k, const char *hostkey_alg)
{
    int is_cert;
    const struct ssh_keytype *kt;
    return sigalg_find(hostkey_alg, &is_cert, &kt) && kt == k->kt && is_cert == (k->cert != NULL);
}

strata_status strata__ssh_key_verify(const struct ssh_key *k, const char *alg, const uint8_t *sig,
                                     size_t sig_len, const uint8_t *data, size_t n,
                                     strata_error *err)
{
    const struct ssh_keytype *kt;
    const struct ssh_sigalg *a;
    strata_status st = sigalg_need(alg, &a, &kt, err);
    if (st != STRATA_OK)
        return st;
    if (!strata__ssh_hostkey_alg_matches(k, alg))
        return strata__error_set(err, STRATA_E_USAGE, "a %s key cannot make %s signatures",
                                 strata__ssh_key_type(k), alg);
    strata_buf b;
    const uint8_t *name, *raw;
    size_t name_len, raw_len;
    strata_buf_view(&b, sig, sig_len);
    if ((st = strata_buf_get_string(&b, &name, &name_len)) != STRATA_OK ||
        (st = strata_buf_get_string(&b, &raw, &raw_len)) != STRATA_OK)
        return strata__error_set(err, st, "signature blob is truncated");
    if ((st = strata_buf_get_end(&b)) != STRATA_OK)
        return strata__error_set(err, st, "signature blob has %zu trailing bytes",
                                 strata_buf_len(&b));
    if (strlen(a->name) != name_len || memcmp(name, a->name, name_len) != 0)
        return strata__error_set(err, STRATA_E_VERIFY,
                                 "signature algorithm \"%.*s\" does not match the negotiated %s",
                                 (int)(name_len > 64 ? 64 : name_len), (const char *)name, alg);
    return k->kt->verify(k->kt, k->pkey, a->md, raw, raw_len, data, n, err);
}

/* Drops what was appended to b after it held `keep` unread bytes. */
static void drop_tail(strata_buf *b, size_t keep)
{
    /* Cannot fail: only appended bytes are dropped. */
    if (strata_buf_consume_end(b, strata_buf_len(b) - keep) != STRATA_OK)
        return;
}

/* Refuses private keys strata would refuse as public keys. */
static strata_status check_priv(const struct ssh_keytype *kt, EVP_PKEY *priv, strata_error *err)
{
    if (kt == &strata__ssh_kt_rsa && (unsigned)EVP_PKEY_get_bits(priv) < STRATA_SSH_RSA_MIN_BITS)
        return strata__error_set(err, STRATA_E_KEY_TOO_SMALL,
                                 "ssh-rsa key of %d bits is below the minimum of %u bits",
                                 EVP_PKEY_get_bits(priv), STRATA_SSH_RSA_MIN_BITS);
    return STRATA_OK;
}

strata_status strata__ssh_sign(EVP_PKEY *priv, const char *alg, const uint8_t *data, size_t n,
                               strata_buf *sig_out, strata_error *err)
{
    const struct ssh_keytype *kt;
    const struct ssh_sigalg *a;
    strata_status st = sigalg_need(alg, &a, &kt, err);
    if (st != STRATA_OK)
        return st;
    if (strata__ssh_keytype_of_pkey(priv) != kt)
        return strata__error_set(err, STRATA_E_USAGE, "this private key cannot make %s signatures",
                                 alg);
    st = check_priv(kt, priv, err);
    size_t before = strata_buf_len(sig_out);
    strata_buf raw;
    strata_buf_init(&raw, STRATA_SSH_KEY_BLOB_MAX);
    if (st == STRATA_OK)
        st = kt->sign(kt, priv, a->md, data, n, &raw, err);
    if (st == STRATA_OK && ((st = strata_buf_put_cstring(sig_out, a->name)) != STRATA_OK ||
                            (st = strata_buf_put_stringb(sig_out, &raw)) != STRATA_OK)) {
        strata__error_set(err, st, "cannot write the signature blob");
        /* Nothing half-written stays behind. */
        drop_tail(sig_out, before);
    }
    strata_buf_free(&raw);
    return st;
}

strata_status strata__ssh_pubkey_blob(EVP_PKEY *priv, const char *key_type, strata_buf *out,
                                      strata_error *err)
{
    int is_cert;
    const struct ssh_keytype *kt =
        strata__ssh_keytype_by_name(key_type, strlen(key_type), &is_cert);
    if ((!kt || is_cert) && (!sigalg_find(key_type, &is_cert, &kt) || is_cert))
        kt = NULL;
    if (!kt)
        return strata__error_set(err, STRATA_E_UNSUPPORTED, "unsupported key type \"%.64s\"",
                                 key_type);
    if (strata__ssh_keytype_of_pkey(priv) != kt)
        return strata__error_set(err, STRATA_E_USAGE, "this private key is not a %s key", kt->name);
    strata_status st = check_priv(kt, priv, err);
    if (st == STRATA_OK)
        st = strata__ssh_keytype_put_blob(kt, priv, out, err);
    return st;
}
