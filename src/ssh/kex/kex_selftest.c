/* strata_ssh_kex_selftest: one whole key exchange in memory, the client's
 * side against the server side the library keeps for its tests (GEX request
 * and group, INIT, encapsulation or derivation, REPLY), both exchange hashes
 * compared. See strata/ssh.h. */
#include <string.h>

#include "base/error_internal.h"
#include "ssh/kex/kex.h"
#include "strata/ssh.h"

strata_status strata_ssh_kex_selftest(const char *method, strata_error *err)
{
    const struct ssh_kex_alg *alg = method ? strata__ssh_kex_find(method) : NULL;
    struct ssh_kex *c = NULL, *s = NULL;
    strata_buf m;
    uint8_t hc[EVP_MAX_MD_SIZE], hs[EVP_MAX_MD_SIZE];
    size_t hcl = 0, hsl = 0, ksl, sigl;
    const uint8_t *ks, *sig;
    static const uint8_t k_s[] = "host key blob", sg[] = "signature";
    strata_status r;
    if (!alg)
        return strata__error_set(err, STRATA_E_UNSUPPORTED, "unknown key exchange method '%s'",
                                 method ? method : "(null)");
    strata_buf_init(&m, 0);
    if ((r = strata__ssh_kex_new(alg, 0, &c)) != STRATA_OK ||
        (r = strata__ssh_kex_new(alg, 1, &s)) != STRATA_OK) {
        strata__error_set(err, r, "out of memory");
        goto out;
    }
    if (alg->kind == SSH_KEX_KIND_GEX) {
        if ((r = strata__ssh_kex_gex_request(c, 0, SSH_GEX_MIN_BITS, SSH_GEX_MIN_BITS,
                                             SSH_GEX_MAX_BITS, &m)) != STRATA_OK ||
            (r = strata__ssh_kex_server_parse_gex_request(s, strata_buf_ptr(&m), strata_buf_len(&m),
                                                          err)) != STRATA_OK)
            goto out;
        strata_buf_reset(&m);
        if ((r = strata__ssh_kex_server_gex_group(s, &m, err)) != STRATA_OK ||
            (r = strata__ssh_kex_gex_parse_group(c, strata_buf_ptr(&m), strata_buf_len(&m), err)) !=
                STRATA_OK)
            goto out;
        strata_buf_reset(&m);
    }
    if ((r = strata__ssh_kex_client_init(c, &m, err)) != STRATA_OK ||
        (r = strata__ssh_kex_server_parse_init(s, strata_buf_ptr(&m), strata_buf_len(&m), err)) !=
            STRATA_OK)
        goto out;
    strata_buf_reset(&m);
    if ((r = strata__ssh_kex_server_reply(s, k_s, sizeof(k_s), sg, sizeof(sg), &m)) != STRATA_OK ||
        (r = strata__ssh_kex_parse_reply(c, strata_buf_ptr(&m), strata_buf_len(&m), &ks, &ksl, &sig,
                                         &sigl, err)) != STRATA_OK ||
        (r = strata__ssh_kex_hash(c, "SSH-2.0-a", "SSH-2.0-b", k_s, 4, k_s, 4, ks, ksl, hc, &hcl,
                                  err)) != STRATA_OK ||
        (r = strata__ssh_kex_hash(s, "SSH-2.0-a", "SSH-2.0-b", k_s, 4, k_s, 4, ks, ksl, hs, &hsl,
                                  err)) != STRATA_OK)
        goto out;
    if (hcl != hsl || memcmp(hc, hs, hcl) != 0)
        r = strata__error_set(err, STRATA_E_INTERNAL, "%s: the two ends disagree", alg->name);
out:
    if (r != STRATA_OK)
        strata__error_set(err, r, "%s: the exchange failed", alg->name);
    strata_buf_free(&m);
    strata__ssh_kex_free(c);
    strata__ssh_kex_free(s);
    return r;
}
