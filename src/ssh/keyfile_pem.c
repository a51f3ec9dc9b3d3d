/* PEM private keys through OpenSSL's decoders: traditional "BEGIN RSA / EC /
 * DSA PRIVATE KEY" (with or without Proc-Type encryption) and PKCS#8 "BEGIN
 * PRIVATE KEY" / "BEGIN ENCRYPTED PRIVATE KEY" (RFC 5958, RFC 7468). */
#include <limits.h>
#include <string.h>
#include <openssl/bio.h>
#include <openssl/pem.h>

#include "base/error_internal.h"
#include "ssh/keyfile.h"

struct pem_pass {
    const char *pass;
    int asked;
};

/* OpenSSL's pem_password_cb: copies the passphrase, or fails when none. */
static int pem_pass_cb(char *buf, int size, int rwflag, void *u)
{
    (void)rwflag;
    struct pem_pass *pp = u;
    pp->asked = 1;
    if (!pp->pass || !*pp->pass)
        return -1;
    size_t n = strlen(pp->pass);
    if (size <= 0 || n > (size_t)size)
        return -1;
    memcpy(buf, pp->pass, n);
    return (int)n;
}

strata_status strata__sshkf_parse_pem(const uint8_t *data, size_t n, const char *passphrase,
                                      strata_ssh_privkey **out, strata_error *err)
{
    struct pem_pass pp = {passphrase, 0};
    *out = NULL;
    if (n > INT_MAX)
        return strata__error_set(err, STRATA_E_LIMIT, "PEM data too large");
    BIO *bio = BIO_new_mem_buf(data, (int)n);
    if (!bio)
        return strata__error_set_ossl(err, STRATA_E_NOMEM, "BIO_new_mem_buf");
    EVP_PKEY *pkey = PEM_read_bio_PrivateKey(bio, NULL, pem_pass_cb, &pp);
    BIO_free(bio);
    if (!pkey) {
        if (pp.asked && (!passphrase || !*passphrase)) {
            strata__ossl_clear();
            return strata__error_set(err, STRATA_E_SSH_KEY_ENCRYPTED,
                                     "PEM private key is encrypted: a passphrase is needed");
        }
        if (pp.asked)
            return strata__error_set_ossl(err, STRATA_E_PASSPHRASE,
                                          "incorrect passphrase supplied to decrypt private key");
        return strata__error_set_ossl(err, STRATA_E_FORMAT, "cannot decode the PEM private key");
    }
    const struct ssh_keytype *t = strata__ssh_keytype_of_pkey(pkey);
    if (!t) {
        strata_status r =
            strata__error_set(err, STRATA_E_UNSUPPORTED, "PEM key of type %s has no SSH key type",
                              EVP_PKEY_get0_type_name(pkey));
        EVP_PKEY_free(pkey);
        return r;
    }
    /* PEM files carry the public part too; OpenSSL does not check it matches. */
    EVP_PKEY_CTX *chk = EVP_PKEY_CTX_new_from_pkey(NULL, pkey, NULL);
    int ok = chk && EVP_PKEY_pairwise_check(chk) > 0;
    EVP_PKEY_CTX_free(chk);
    if (!ok) {
        EVP_PKEY_free(pkey);
        return strata__error_set_ossl(err, STRATA_E_FORMAT,
                                      "PEM private key is inconsistent with its public key");
    }
    return strata__sshkf_privkey_new(pkey, t, NULL, out, err);
}
