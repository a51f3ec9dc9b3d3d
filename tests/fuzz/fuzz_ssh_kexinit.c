/* Fuzz target: SSH_MSG_KEXINIT parsing (ssh/kexinit.c) and negotiation of the
 * parsed lists against a fixed client offer, and the guess check.
 * Input: one KEXINIT payload, message byte 20 included (corpus
 * tests/fuzz/corpus/ssh_kexinit/; empty_names has ",," and trailing commas). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ssh/kexinit.h"
#include "ssh/packet.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct ssh_kexinit server, client;
    struct ssh_negotiated neg;
    strata_error err;
    strata_error_clear(&err);
    memset(&client, 0, sizeof(client));
    if (strata__ssh_kexinit_parse(data, size, &server, &err) == STRATA_OK) {
        /* Empty names are accepted on the wire and never kept. */
        for (int i = 0; i < SSH_KEXINIT_NLISTS; i++) {
            const char *l = server.lists[i];
            size_t n = strlen(l);
            if (strstr(l, ",,") || (n > 0 && (l[0] == ',' || l[n - 1] == ',')))
                abort();
        }
        static const char *const lists[SSH_KEXINIT_NLISTS] = {
            "curve25519-sha256,ecdh-sha2-nistp256,diffie-hellman-group14-sha256",
            "ssh-ed25519,rsa-sha2-512",
            "chacha20-poly1305@openssh.com,aes128-ctr",
            "chacha20-poly1305@openssh.com,aes128-ctr",
            "hmac-sha2-256",
            "hmac-sha2-256",
            "none",
            "none",
            "",
            ""};
        for (int i = 0; i < SSH_KEXINIT_NLISTS; i++)
            client.lists[i] = strdup(lists[i]);
        strata_error_clear(&err);
        if (strata__ssh_negotiate(&client, &server, strata__ssh_cipher_is_aead, &neg, &err) ==
            STRATA_OK) {
            if (!strata__ssh_namelist_has(client.lists[0], neg.kex) || !neg.cipher[0][0])
                abort(); /* negotiated something we did not offer, or nothing */
            (void)strata__ssh_guess_right(&server, &neg);
        }
        strata__ssh_kexinit_clear(&client);
    }
    strata__ssh_kexinit_clear(&server);
    return 0;
}
