/* Fuzz target: the post-quantum hybrid key exchanges (ssh/kex/kex_hybrid.c).
 * The first byte picks the method (bits 0-1) and the side (bit 2): the
 * client parses the rest as the server's ECDH_REPLY (K_S, S_REPLY = KEM
 * ciphertext || X25519 value, signature), or the test server parses it as
 * the client's ECDH_INIT (C_INIT = KEM public key || X25519 value), which
 * reaches the KEM's public-key decoding and ML-KEM's modulus check. Fresh
 * key pairs each run, as in a real exchange. */
#include <stdint.h>
#include <stdlib.h>

#include "ssh/kex/kex.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const methods[] = {"mlkem768x25519-sha256", "sntrup761x25519-sha512",
                                      "sntrup761x25519-sha512@openssh.com",
                                      "mlkem768x25519-sha256"};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    const struct ssh_kex_alg *alg = strata__ssh_kex_find(methods[data[0] & 3]);
    int server = (data[0] >> 2) & 1;
    struct ssh_kex *k;
    strata_error err;
    strata_buf m;
    strata_error_clear(&err);
    if (!alg || strata__ssh_kex_new(alg, server, &k) != STRATA_OK)
        return 0;
    strata_buf_init(&m, 0);
    data++;
    size--;
    uint8_t h[EVP_MAX_MD_SIZE];
    size_t hl;
    if (server) {
        if (strata__ssh_kex_server_parse_init(k, data, size, &err) == STRATA_OK) {
            if (strata__ssh_kex_server_reply(k, (const uint8_t *)"k", 1, (const uint8_t *)"s", 1,
                                             &m) != STRATA_OK)
                abort(); /* an accepted INIT always has a reply */
            if (strata__ssh_kex_hash(k, "SSH-2.0-a", "SSH-2.0-b", data, 1, data, 1, data, 1, h, &hl,
                                     &err) != STRATA_OK)
                abort();
        }
        goto out;
    }
    if (strata__ssh_kex_client_init(k, &m, &err) != STRATA_OK)
        goto out;
    const uint8_t *ks, *sig;
    size_t ksl, sigl;
    if (strata__ssh_kex_parse_reply(k, data, size, &ks, &ksl, &sig, &sigl, &err) == STRATA_OK) {
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
