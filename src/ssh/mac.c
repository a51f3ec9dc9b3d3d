/* The SSH MAC table (RFC 4253 §6.4, RFC 6668, OpenSSH's -etm variants) on
 * OpenSSL's EVP_MAC "HMAC". The context is keyed once per NEWKEYS; each
 * packet re-initialises it with the same key (EVP_MAC_init with a NULL key),
 * so the data path allocates nothing. */
#include <string.h>
#include <openssl/core_names.h>
#include <openssl/params.h>

#include "base/error_internal.h"
#include "ssh/mac.h"
#include "ssh/packet.h"
#include "strata/mem.h"

static const struct ssh_mac_alg macs[] = {
    {"hmac-sha2-256-etm@openssh.com", "SHA2-256", 32, 32, 1, 0},
    {"hmac-sha2-512-etm@openssh.com", "SHA2-512", 64, 64, 1, 0},
    {"hmac-sha2-256", "SHA2-256", 32, 32, 0, 0},
    {"hmac-sha2-512", "SHA2-512", 64, 64, 0, 0},
    {"hmac-sha1", "SHA1", 20, 20, 0, 1},
    {"hmac-sha1-etm@openssh.com", "SHA1", 20, 20, 1, 1},
    {"none", NULL, 0, 0, 0, 1},
};

const struct ssh_mac_alg *strata__ssh_mac_find(const char *name)
{
    if (!name)
        return NULL;
    for (size_t i = 0; i < sizeof(macs) / sizeof(macs[0]); i++)
        if (strcmp(macs[i].name, name) == 0)
            return &macs[i];
    return NULL;
}

const char *strata__ssh_macs_default(void)
{
    return "hmac-sha2-256-etm@openssh.com,hmac-sha2-512-etm@openssh.com,hmac-sha2-256,"
           "hmac-sha2-512";
}

const char *strata__ssh_macs_supported(void)
{
    return "hmac-sha2-256-etm@openssh.com,hmac-sha2-512-etm@openssh.com,hmac-sha2-256,"
           "hmac-sha2-512,hmac-sha1,hmac-sha1-etm@openssh.com";
}

strata_status strata__ssh_mac_init(struct ssh_mac *m, const struct ssh_mac_alg *alg,
                                   const uint8_t *key, strata_error *err)
{
    memset(m, 0, sizeof(*m));
    m->alg = alg;
    if (!alg->digest)
        return STRATA_OK;
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)(uintptr_t)alg->digest, 0),
        OSSL_PARAM_construct_end()};
    strata_status r = STRATA_OK;
    if (!(m->mac = EVP_MAC_fetch(NULL, "HMAC", NULL))) {
        r = strata__error_set_ossl(err, STRATA_E_UNSUPPORTED, "OpenSSL does not provide HMAC");
        goto out;
    }
    if (!(m->ctx = EVP_MAC_CTX_new(m->mac))) {
        r = strata__error_set_ossl(err, STRATA_E_NOMEM, "cannot allocate an HMAC context");
        goto out;
    }
    if (!EVP_MAC_init(m->ctx, key, alg->key_len, params))
        r = strata__error_set_ossl(err, STRATA_E_CRYPTO, "cannot key %s", alg->name);
out:
    if (r != STRATA_OK)
        strata__ssh_mac_free(m);
    return r;
}

strata_status strata__ssh_mac_compute(struct ssh_mac *m, uint32_t seq, const uint8_t *data,
                                      size_t n, uint8_t *out, strata_error *err)
{
    if (!m->ctx)
        return STRATA_OK;
    uint8_t s[4] = {(uint8_t)(seq >> 24), (uint8_t)(seq >> 16), (uint8_t)(seq >> 8), (uint8_t)seq};
    size_t outl = 0;
    if (!EVP_MAC_init(m->ctx, NULL, 0, NULL) || !EVP_MAC_update(m->ctx, s, 4) ||
        !EVP_MAC_update(m->ctx, data, n) || !EVP_MAC_final(m->ctx, out, &outl, m->alg->out_len) ||
        outl != m->alg->out_len)
        return strata__error_set_ossl(err, STRATA_E_CRYPTO, "%s failed on packet %u", m->alg->name,
                                      seq);
    return STRATA_OK;
}

void strata__ssh_mac_free(struct ssh_mac *m)
{
    EVP_MAC_CTX_free(m->ctx);
    EVP_MAC_free(m->mac);
    memset(m, 0, sizeof(*m));
}
