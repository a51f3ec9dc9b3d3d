/* Fuzz target: strata__ssh_pkt_open, the first parser of every byte an SSH
 * peer sends.
 *
 * Input: byte 0 picks the direction's protection, byte 1 the feed size (0:
 * everything at once, else that many bytes per call, which exercises the
 * WANT_READ / resume path), the rest are wire bytes. Keyed directions use
 * fixed keys (fuzz_key below) so the committed corpus holds valid packets
 * the fuzzer can mutate past the length checks:
 *   0 none, 1 aes128-ctr + hmac-sha2-256, 2 chacha20-poly1305@openssh.com,
 *   3 aes128-gcm@openssh.com, 4 none + zlib (the inflate path),
 *   5 aes128-ctr + umac-64-etm@openssh.com (UMAC over the length and
 *   ciphertext as sent, before anything is decrypted).
 * Invariants: WANT_READ leaves the input untouched; a payload is non-empty
 * and within STRATA_SSH_PACKET_MAX; errors are protocol/crypto/limit ones,
 * never internal.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ssh/packet.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const modes[][3] = {
    {"none", "none", "none"},
    {"aes128-ctr", "hmac-sha2-256", "none"},
    {"chacha20-poly1305@openssh.com", "none", "none"},
    {"aes128-gcm@openssh.com", "none", "none"},
    {"none", "none", "zlib"},
    {"aes128-ctr", "umac-64-etm@openssh.com", "none"},
};

static void fuzz_key(struct ssh_pkt_dir *d, size_t mode)
{
    uint8_t iv[64], key[64], mk[64];
    for (int i = 0; i < 64; i++) {
        iv[i] = (uint8_t)(0x10 + i);
        key[i] = (uint8_t)(0x40 + i);
        mk[i] = (uint8_t)(0x80 + i);
    }
    struct ssh_pkt_keys k = {modes[mode][0], modes[mode][1], modes[mode][2], iv, key, mk, 0, 0, 0};
    strata_error err;
    strata_error_clear(&err);
    if (strata__ssh_alg_sizes(k.cipher, k.mac, &k.iv_len, &k.key_len, &k.mac_key_len) !=
            STRATA_OK ||
        strata__ssh_pkt_dir_set_keys(d, &k, &err) != STRATA_OK)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 3)
        return 0;
    const size_t mode = data[0] % (sizeof(modes) / sizeof(modes[0])), chunk = data[1];
    data += 2;
    size -= 2;
    struct ssh_pkt_dir *d;
    if (strata__ssh_pkt_dir_new(0, &d) != STRATA_OK)
        return 0;
    if (mode > 0)
        fuzz_key(d, mode);
    strata_buf in;
    strata_buf_init(&in, 0);
    size_t fed = 0;
    for (int rounds = 0; rounds < 100000; rounds++) {
        size_t give = chunk ? chunk : size;
        if (give > size - fed)
            give = size - fed;
        if (give > 0 && strata_buf_put(&in, data + fed, give) != STRATA_OK)
            abort();
        fed += give;
        strata_status r;
        for (;;) {
            const uint8_t *p;
            size_t n, before = strata_buf_len(&in);
            strata_error err;
            strata_error_clear(&err);
            r = strata__ssh_pkt_open(d, &in, &p, &n, &err);
            if (r == STRATA_WANT_READ) {
                if (strata_buf_len(&in) != before)
                    abort();
                break;
            }
            if (r != STRATA_OK) {
                enum strata_category c = strata_status_category(r);
                if (c != STRATA_CAT_PROTOCOL && c != STRATA_CAT_CRYPTO)
                    abort();
                if (err.status != r || err.msg[0] == 0)
                    abort(); /* every refusal carries its message */
                break;
            }
            if (!p || n == 0 || n > STRATA_SSH_PACKET_MAX)
                abort();
        }
        if (r != STRATA_OK && r != STRATA_WANT_READ)
            break;
        if (fed == size)
            break;
    }
    strata_buf_free(&in);
    strata__ssh_pkt_dir_free(d);
    return 0;
}
