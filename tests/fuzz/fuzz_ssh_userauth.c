/* Fuzz target: the user-auth engine's message parsing and state machine.
 * Input: records (u16 big-endian length, then an SSH payload numbered
 * 50..79 as the server would send). The engine has an Ed25519 key (a
 * fixed one, private key bytes 1..32; with bit 8 of the first byte, the same key as an encrypted
 * key file whose passphrase, "answer", is asked on PK_OK), a prompt that answers at once or leaves
 * the answer pending (from a bit of the input), and every method enabled. After the first error the
 * engine must refuse everything with that same status. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/evp.h>

#include "strata/ssh_auth.h"
#include "strata/ssh_keys.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static strata_status sink(void *ctx, const uint8_t *p, size_t n)
{
    (void)ctx, (void)p, (void)n;
    return STRATA_OK;
}

static int pend;

static strata_status prompt(void *user, const strata_ssh_prompt *p, const char **answers)
{
    (void)user;
    if (pend)
        return STRATA_PENDING;
    for (size_t i = 0; i < p->n_prompts; i++)
        answers[i] = "answer";
    return STRATA_OK;
}

static void banner(void *user, const char *m)
{
    (void)user, (void)m;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static EVP_PKEY *key;
    static strata_buf file; /* key, encrypted with "answer", 1 bcrypt round */
    if (!key) {
        strata_ssh_privkey *pk = NULL;
        strata_error err = {0};
        strata_buf_init(&file, 0);
        /* A fixed key, so a corpus file can carry its PK_OK. */
        static const uint8_t seed[32] = {1,  2,  3,  4,  5,  6,  7,  8,  9,  10, 11,
                                         12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22,
                                         23, 24, 25, 26, 27, 28, 29, 30, 31, 32};
        if (!(key = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, seed, sizeof seed)) ||
            strata_ssh_privkey_from_pkey(key, "k", &pk, &err) != STRATA_OK ||
            strata_ssh_privkey_write(pk, "answer", 1, &file, &err) != STRATA_OK) {
            fprintf(stderr, "fuzz_ssh_userauth: cannot make its key: %s\n",
                    strata_error_message(&err));
            abort();
        }
        strata_ssh_privkey_free(pk);
    }
    if (size < 1)
        return 0;
    pend = data[0] & 1;
    strata_ssh_auth_config cfg = {
        .username = "fuzz", .host = "h", .send = sink, .prompt = prompt, .banner = banner};
    strata_ssh_auth *a;
    if (strata_ssh_auth_new(&cfg, &a, NULL) != STRATA_OK)
        return 0;
    static const uint8_t sid[32];
    strata_status added = (data[0] & 8)
                              ? strata_ssh_auth_add_key_file(a, strata_buf_ptr(&file),
                                                             strata_buf_len(&file), NULL, 0, "k")
                              : strata_ssh_auth_add_key(a, key, NULL, 0, "k");
    if (added != STRATA_OK ||
        strata_ssh_auth_start(a, sid, sizeof sid, (data[0] & 2) ? "rsa-sha2-256" : NULL) !=
            STRATA_OK)
        abort();
    size_t off = 1;
    strata_status first_err = STRATA_OK;
    while (size - off >= 2) {
        size_t n = (size_t)data[off] << 8 | data[off + 1];
        off += 2;
        if (n > size - off)
            n = size - off;
        strata_status r = strata_ssh_auth_packet(a, data + off, n);
        off += n;
        if (r == STRATA_PENDING && (data[0] & 4)) {
            static const char *const ans[2] = {"x", "y"};
            r = strata_ssh_auth_answer(a, ans, 1);
        }
        if (first_err != STRATA_OK && r != first_err)
            abort(); /* errors are sticky */
        if (strata_status_is_error(r) && first_err == STRATA_OK)
            first_err = r;
    }
    strata_ssh_auth_free(a);
    return 0;
}
