/* Fuzz target: SSH public key and OpenSSH certificate blobs (ssh/hostkey),
 * and signature blobs checked with a parsed key.
 *
 * Input: byte 0 selects the split; the first part is a key blob, the rest a
 * signature blob verified over a fixed message with each algorithm the key
 * claims. A parsed key must re-serialize to the same bytes, and its plain
 * form must parse. A certificate is checked against its own signer. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ssh/hostkey.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const algs[] = {
    "ssh-ed25519",
    "ecdsa-sha2-nistp256",
    "ecdsa-sha2-nistp384",
    "ecdsa-sha2-nistp521",
    "rsa-sha2-512",
    "rsa-sha2-256",
    "ssh-rsa",
    "ssh-dss",
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    size_t split = size - 1;
    if (data[0] != 0xff)
        split = split * data[0] / 255;
    const uint8_t *blob = data + 1, *sig = data + 1 + split;
    size_t sig_len = size - 1 - split;
    struct ssh_key *k = NULL;
    strata_error err;
    strata_error_clear(&err);
    if (strata__ssh_key_from_blob(blob, split, &k, &err) != STRATA_OK) {
        if (k || err.status == STRATA_OK)
            abort(); /* a failure must say why and return nothing */
        return 0;
    }
    size_t n;
    const uint8_t *copy = strata__ssh_key_blob(k, &n);
    if (n != split || memcmp(copy, blob, n) != 0)
        abort();
    char fp[STRATA_SSH_FP_MAX], *line = NULL;
    strata__ssh_key_fp_sha256(k, fp, sizeof(fp));
    strata__ssh_key_fp_md5(k, fp, sizeof(fp));
    if (strata__ssh_key_to_line(k, &line) == STRATA_OK)
        free(line);
    strata_buf plain;
    strata_buf_init(&plain, 0);
    if (strata__ssh_key_plain_blob(k, &plain) == STRATA_OK) {
        struct ssh_key *p = NULL;
        strata_error_clear(&err);
        if (strata__ssh_key_from_blob(strata_buf_ptr(&plain), strata_buf_len(&plain), &p, &err) !=
                STRATA_OK ||
            !strata__ssh_key_equal_public(p, k))
            abort();
        strata__ssh_key_free(p);
    }
    strata_buf_free(&plain);
    static const uint8_t msg[] = "fuzz";
    for (size_t i = 0; i < sizeof(algs) / sizeof(algs[0]); i++) {
        const char *alg = algs[i];
        char cert_alg[80];
        if (strata__ssh_key_is_cert(k)) {
            strcpy(cert_alg, alg);
            strcat(cert_alg, "-cert-v01@openssh.com");
            alg = cert_alg;
        }
        if (!strata__ssh_hostkey_alg_matches(k, alg))
            continue;
        strata_error_clear(&err);
        (void)strata__ssh_key_verify(k, alg, sig, sig_len, msg, sizeof(msg), &err);
    }
    if (strata__ssh_key_is_cert(k)) {
        const struct ssh_key *cas[] = {strata__ssh_key_cert_signer(k)};
        struct ssh_cert_info info;
        if (strata__ssh_cert_info(k, &info) != STRATA_OK)
            abort();
        strata_error_clear(&err);
        (void)strata__ssh_cert_check_host(k, info.n_principals ? info.principals[0] : "h",
                                          (int64_t)info.valid_after, cas, 1, &err);
    }
    strata__ssh_key_free(k);
    return 0;
}
