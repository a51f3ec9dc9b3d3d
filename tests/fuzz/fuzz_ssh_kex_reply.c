/* Fuzz target: each key exchange method's reply parsing (ssh/kex/). The
 * first byte picks the method; the rest is the server's message: for the
 * group exchange methods a KEX_DH_GEX_GROUP followed by the reply (split at
 * the second byte's offset), otherwise the KEXDH/ECDH reply. The client's
 * key pair is fresh each run, as in a real exchange. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ssh/kex/kex.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const methods[] = {"curve25519-sha256",
                                      "ecdh-sha2-nistp256",
                                      "ecdh-sha2-nistp384",
                                      "ecdh-sha2-nistp521",
                                      "diffie-hellman-group14-sha256",
                                      "diffie-hellman-group1-sha1",
                                      "diffie-hellman-group-exchange-sha256"};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    const struct ssh_kex_alg *alg =
        strata__ssh_kex_find(methods[data[0] % (sizeof(methods) / sizeof(methods[0]))]);
    struct ssh_kex *k;
    strata_error err;
    strata_buf m;
    strata_error_clear(&err);
    if (strata__ssh_kex_new(alg, 0, &k) != STRATA_OK)
        return 0;
    strata_buf_init(&m, 0);
    data++;
    size--;
    if (alg->kind == SSH_KEX_KIND_GEX) {
        size_t split = data[0] < size ? data[0] : size;
        if (strata__ssh_kex_gex_request(k, 0, 2048, 3072, 8192, &m) != STRATA_OK)
            goto out;
        if (strata__ssh_kex_gex_parse_group(k, data + 1, split > 0 ? split - 1 : 0, &err) !=
            STRATA_OK)
            goto out;
        data += split;
        size -= split;
    }
    strata_buf_reset(&m);
    if (strata__ssh_kex_client_init(k, &m, &err) != STRATA_OK)
        goto out;
    const uint8_t *ks, *sig;
    size_t ksl, sigl;
    if (strata__ssh_kex_parse_reply(k, data, size, &ks, &ksl, &sig, &sigl, &err) == STRATA_OK) {
        uint8_t h[EVP_MAX_MD_SIZE];
        size_t hl;
        if (ks < data || ks + ksl > data + size || sig < data || sig + sigl > data + size)
            abort(); /* borrowed pointers must stay inside the message */
        if (strata__ssh_kex_hash(k, "SSH-2.0-a", "SSH-2.0-b", data, 1, data, 1, ks, ksl, h, &hl,
                                 &err) != STRATA_OK)
            abort(); /* a parsed reply always hashes */
    }
out:
    strata_buf_free(&m);
    strata__ssh_kex_free(k);
    return 0;
}
