/* SSH signature algorithms: the table of host key algorithm names, the
 * signature blob (string alg, string sig; RFC 4253 §6.6), sign and verify.
 *
 * For certificates the host key algorithm is the -cert-v01@openssh.com name
 * but the signature blob carries the plain algorithm (PROTOCOL.certkeys).
 */
#include <string.h>
#include <openssl/evp.h>

#include "base/error_internal.h"
#include "ssh/sshkey_internal.h"

struct ssh_sigalg {
    const char *name;      /* "rsa-sha2-256" */
    const char *cert_name; /* "rsa-sha2-256-cert-v01@openssh.com" */
    const struct ssh_keytype *kt;
    const char *md; /* NULL for Ed25519 */
};

static const struct ssh_sigalg sigalgs[] = {
    {"ssh-ed25519", "ssh-ed25519-cert-v01@openssh.com", &strata__ssh_kt_ed25519, NULL},
    {"ecdsa-sha2-nistp256", "ecdsa-sha2-nistp256-cert-v01@openssh.com", &strata__ssh_kt_ecdsa_p256,
     "SHA256"},
    {"ecdsa-sha2-nistp384", "ecdsa-sha2-nistp384-cert-v01@openssh.com", &strata__ssh_kt_ecdsa_p384,
     "SHA384"},
    {"ecdsa-sha2-nistp521", "ecdsa-sha2-nistp521-cert-v01@openssh.com", &strata__ssh_kt_ecdsa_p521,
     "SHA512"},
    {"rsa-sha2-512", "rsa-sha2-512-cert-v01@openssh.com", &strata__ssh_kt_rsa, "SHA512"},
    {"rsa-sha2-256", "rsa-sha2-256-cert-v01@openssh.com", &strata__ssh_kt_rsa, "SHA256"},
    /* Legacy (SHA-1): supported, never offered by default. */
    {"ssh-rsa", "ssh-rsa-cert-v01@openssh.com", &strata__ssh_kt_rsa, "SHA1"},
    {"ssh-dss", "ssh-dss-cert-v01@openssh.com", &strata__ssh_kt_dss, "SHA1"},
};

#define CERT_ALGS_MODERN                                                                           \
    "ssh-ed25519-cert-v01@openssh.com,ecdsa-sha2-nistp256-cert-v01@openssh.com,"                   \
    "ecdsa-sha2-nistp384-cert-v01@openssh.com,ecdsa-sha2-nistp521-cert-v01@openssh.com,"           \
    "rsa-sha2-512-cert-v01@openssh.com,rsa-sha2-256-cert-v01@openssh.com"
#define PLAIN_ALGS_MODERN                                                                          \
    "ssh-ed25519,ecdsa-sha2-nistp256,ecdsa-sha2-nistp384,ecdsa-sha2-nistp521,rsa-sha2-512,"        \
    "rsa-sha2-256"

const char *strata__ssh_hostkey_algs_default(void)
{
    return CERT_ALGS_MODERN "," PLAIN_ALGS_MODERN;
}

const char *strata__ssh_hostkey_algs_supported(void)
{
    return CERT_ALGS_MODERN
        ",ssh-rsa-cert-v01@openssh.com,ssh-dss-cert-v01@openssh.com," PLAIN_ALGS_MODERN
        ",ssh-rsa,ssh-dss";
}

static const struct ssh_sigalg *sigalg_find(const char *name, int *is_cert)
{
    *is_cert = 0;
    for (size_t i = 0; i < sizeof(sigalgs) / sizeof(sigalgs[0]); i++) {
        if (strcmp(name, sigalgs[i].name) == 0)
            return &sigalgs[i];
        if (strcmp(name, sigalgs[i].cert_name) == 0) {
            *is_cert = 1;
            return &sigalgs[i];
        }
    }
    return NULL;
}

const char *strata__ssh_sigalg_plain(const char *hostkey_alg)
{
    int is_cert;
    const struct ssh_sigalg *a = sigalg_find(hostkey_alg, &is_cert);
    return a ? a->name : NULL;
}

const char *strata__ssh_hostkey_alg_keytype(const char *hostkey_alg, int *is_cert)
{
    const struct ssh_sigalg *a = sigalg_find(hostkey_alg, is_cert);
    return a ? a->kt->name : NULL;
}

int strata__ssh_hostkey_alg_matches(const struct ssh_key *k, const char *hostkey_alg)
{
    int is_cert;
    const struct ssh_sigalg *a = sigalg_find(hostkey_alg, &is_cert);
    return a && a->kt == k->kt && is_cert == (k->cert != NULL);
}

strata_status strata__ssh_key_verify(const struct ssh_key *k, const char *alg, const uint8_t *sig,
                                     size_t sig_len, const uint8_t *data, size_t n,
                                     strata_error *err)
{
    int is_cert;
    const struct ssh_sigalg *a = sigalg_find(alg, &is_cert);
    if (!a)
        return strata__error_set(err, STRATA_E_UNSUPPORTED,
                                 "unsupported signature algorithm \"%.64s\"", alg);
    if (!strata__ssh_hostkey_alg_matches(k, alg))
        return strata__error_set(err, STRATA_E_USAGE, "a %s key cannot make %s signatures",
                                 strata__ssh_key_type(k), alg);
    strata_buf b;
    const uint8_t *name, *raw;
    size_t name_len, raw_len;
    strata_status st;
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
    int is_cert;
    const struct ssh_sigalg *a = sigalg_find(alg, &is_cert);
    if (!a)
        return strata__error_set(err, STRATA_E_UNSUPPORTED,
                                 "unsupported signature algorithm \"%.64s\"", alg);
    if (strata__ssh_keytype_of_pkey(priv) != a->kt)
        return strata__error_set(err, STRATA_E_USAGE, "this private key cannot make %s signatures",
                                 alg);
    strata_status st = check_priv(a->kt, priv, err);
    size_t before = strata_buf_len(sig_out);
    strata_buf raw;
    strata_buf_init(&raw, STRATA_SSH_KEY_BLOB_MAX);
    if (st == STRATA_OK)
        st = a->kt->sign(a->kt, priv, a->md, data, n, &raw, err);
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
    if (!kt || is_cert) {
        const struct ssh_sigalg *a = sigalg_find(key_type, &is_cert);
        kt = a && !is_cert ? a->kt : NULL;
    }
    if (!kt)
        return strata__error_set(err, STRATA_E_UNSUPPORTED, "unsupported key type \"%.64s\"",
                                 key_type);
    if (strata__ssh_keytype_of_pkey(priv) != kt)
        return strata__error_set(err, STRATA_E_USAGE, "this private key is not a %s key", kt->name);
    strata_status st = check_priv(kt, priv, err);
    size_t before = strata_buf_len(out);
    if (st == STRATA_OK && (st = strata_buf_put_cstring(out, kt->name)) != STRATA_OK)
        return strata__error_set(err, st, "cannot write the key blob");
    if (st == STRATA_OK && (st = kt->put_pub(kt, priv, out, err)) != STRATA_OK)
        drop_tail(out, before);
    return st;
}
