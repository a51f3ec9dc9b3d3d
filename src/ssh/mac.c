/* The SSH MAC table (RFC 4253 §6.4, RFC 6668, OpenSSH's -etm variants and
 * umac-64/128@openssh.com). HMAC rows run on OpenSSL's EVP_MAC "HMAC": the
 * context is keyed once per NEWKEYS and each packet re-initialises it with
 * the same key (EVP_MAC_init with a NULL key), so the data path allocates
 * nothing. UMAC rows run on ssh/umac.c, its subkeys derived once per key. */
#include <string.h>
#include <openssl/core_names.h>
#include <openssl/params.h>

#include "base/error_internal.h"
#include "ssh/mac.h"
#include "ssh/packet.h"
#include "ssh/umac.h"
#include "strata/mem.h"

/* name, digest, key_len, out_len, etm, legacy, umac */
static const struct ssh_mac_alg macs[] = {
    {"hmac-sha2-256-etm@openssh.com", "SHA2-256", 32, 32, 1, 0, 0},
    {"hmac-sha2-512-etm@openssh.com", "SHA2-512", 64, 64, 1, 0, 0},
    {"hmac-sha2-256", "SHA2-256", 32, 32, 0, 0, 0},
    {"hmac-sha2-512", "SHA2-512", 64, 64, 0, 0, 0},
    {"umac-64-etm@openssh.com", NULL, 16, 8, 1, 0, 1},
    {"umac-128-etm@openssh.com", NULL, 16, 16, 1, 0, 1},
    {"umac-64@openssh.com", NULL, 16, 8, 0, 0, 1},
    {"umac-128@openssh.com", NULL, 16, 16, 0, 0, 1},
    {"hmac-sha1", "SHA1", 20, 20, 0, 1, 0},
    {"hmac-sha1-etm@openssh.com", "SHA1", 20, 20, 1, 1, 0},
    {"hmac-sha1-96", "SHA1", 20, 12, 0, 1, 0},
    {"hmac-sha1-96-etm@openssh.com", "SHA1", 20, 12, 1, 1, 0},
    {"none", NULL, 0, 0, 0, 1, 0},
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

/* OpenSSH 9.2's default offer has the umac rows too (after hmac-sha2 here:
 * modern first); the sha1 rows are asked for. */
const char *strata__ssh_macs_default(void)
{
    return "hmac-sha2-256-etm@openssh.com,hmac-sha2-512-etm@openssh.com,umac-64-etm@openssh.com,"
           "umac-128-etm@openssh.com,hmac-sha2-256,hmac-sha2-512,umac-64@openssh.com,"
           "umac-128@openssh.com";
}

const char *strata__ssh_macs_supported(void)
{
    return "hmac-sha2-256-etm@openssh.com,hmac-sha2-512-etm@openssh.com,umac-64-etm@openssh.com,"
           "umac-128-etm@openssh.com,hmac-sha2-256,hmac-sha2-512,umac-64@openssh.com,"
           "umac-128@openssh.com,hmac-sha1,hmac-sha1-etm@openssh.com,hmac-sha1-96,"
           "hmac-sha1-96-etm@openssh.com";
}

strata_status strata__ssh_mac_init(struct ssh_mac *m, const struct ssh_mac_alg *alg,
                                   const uint8_t *key, strata_error *err)
{
    memset(m, 0, sizeof(*m));
    m->alg = alg;
    if (alg->umac)
        return strata__umac_new(key, alg->out_len, &m->umac, err);
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
    uint8_t s[8] = {
        0, 0, 0, 0, (uint8_t)(seq >> 24), (uint8_t)(seq >> 16), (uint8_t)(seq >> 8), (uint8_t)seq};
    if (m->umac) /* OpenSSH PROTOCOL: the nonce is the 64-bit sequence number */
        return strata__umac_tag(m->umac, data, n, s, sizeof(s), out, err);
    if (!m->ctx)
        return STRATA_OK;
    uint8_t full[EVP_MAX_MD_SIZE];
    size_t outl = 0;
    strata_status r = STRATA_OK;
    if (!EVP_MAC_init(m->ctx, NULL, 0, NULL) || !EVP_MAC_update(m->ctx, s + 4, 4) ||
        !EVP_MAC_update(m->ctx, data, n) || !EVP_MAC_final(m->ctx, full, &outl, sizeof(full)) ||
        outl < m->alg->out_len)
        r = strata__error_set_ossl(err, STRATA_E_CRYPTO, "%s failed on packet %u", m->alg->name,
                                   seq);
    else
        memcpy(out, full, m->alg->out_len); /* -96 rows: the first 12 bytes (RFC 2104 §5) */
    strata_memzero(full, sizeof(full));
    return r;
}

void strata__ssh_mac_free(struct ssh_mac *m)
{
    EVP_MAC_CTX_free(m->ctx);
    EVP_MAC_free(m->mac);
    strata__umac_free(m->umac);
    memset(m, 0, sizeof(*m));
}
