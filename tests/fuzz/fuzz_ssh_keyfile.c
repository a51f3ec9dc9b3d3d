/* Fuzz target: SSH key files. The first byte picks the parser:
 *   0: the openssh-key-v1 binary (after base64), passphrase "fuzz", bcrypt
 *      rounds capped at 2 so encrypted inputs stay fast;
 *   1: a whole private key file as text (armour, then openssh or PEM);
 *   2: a public key / certificate line.
 * Whatever parses must give a key whose blob and comment are readable, and an
 * openssh key must write out and parse back to the same blob. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ssh/keyfile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void roundtrip(strata_ssh_privkey *k)
{
    strata_buf out;
    strata_error err;
    strata_ssh_privkey *back = NULL;
    size_t n1, n2;
    strata_buf_init(&out, 0);
    strata_buf_set_secret(&out);
    if (strata_ssh_privkey_write(k, NULL, 0, &out, &err) != STRATA_OK)
        abort();
    strata_error_clear(&err);
    if (strata__sshkf_parse(strata_buf_ptr(&out), strata_buf_len(&out), NULL, 2, &back, &err) !=
        STRATA_OK)
        abort();
    const uint8_t *b1 = strata_ssh_privkey_blob(k, &n1), *b2 = strata_ssh_privkey_blob(back, &n2);
    if (n1 != n2 || memcmp(b1, b2, n1) != 0 ||
        strcmp(strata_ssh_privkey_comment(k), strata_ssh_privkey_comment(back)) != 0)
        abort();
    strata_ssh_privkey_free(back);
    strata_buf_free(&out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    strata_error err;
    strata_error_clear(&err);
    strata_ssh_privkey *k = NULL;
    strata_ssh_pubkey *pub = NULL;
    strata_status r;
    switch (data[0] % 3) {
    case 0: {
        uint8_t *blob = NULL;
        size_t bn = 0, kn;
        int enc;
        strata_error perr;
        strata_error_clear(&perr);
        strata_status pr = strata__sshkf_peek_openssh(data + 1, size - 1, &blob, &bn, &enc, &perr);
        r = strata__sshkf_parse_openssh(data + 1, size - 1, "fuzz", 2, &k, &err);
        /* A file that parses has a readable public half, and it is the key's. */
        if (r == STRATA_OK) {
            const uint8_t *kb = strata_ssh_privkey_blob(k, &kn);
            if (pr != STRATA_OK || bn != kn || memcmp(blob, kb, kn) != 0)
                abort();
        }
        free(blob);
        break;
    }
    case 1:
        r = strata__sshkf_parse(data + 1, size - 1, "fuzz", 2, &k, &err);
        break;
    default:
        r = strata_ssh_pubkey_parse((const char *)data + 1, size - 1, &pub, &err);
        break;
    }
    if (r == STRATA_OK && k) {
        size_t n;
        if (!strata_ssh_privkey_blob(k, &n) || n == 0 || !strata_ssh_privkey_comment(k))
            abort();
        roundtrip(k);
    }
    if (r != STRATA_OK && (k || pub || err.status == STRATA_OK))
        abort(); /* failures leave no output and always say why */
    strata_ssh_privkey_free(k);
    strata_ssh_pubkey_free(pub);
    return 0;
}
