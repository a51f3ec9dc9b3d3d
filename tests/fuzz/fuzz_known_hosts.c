/* Fuzz target: known_hosts lines (ssh/known_hosts*). The input is loaded as
 * a known_hosts file, then a fixed Ed25519 key is checked for a few names;
 * the first line is also tried as a host pattern field. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ssh/known_hosts.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* "ssh-ed25519" and 32 bytes of 0x11. */
static const uint8_t key_blob[] = {
    0,    0,    0,    11,   's',  's',  'h',  '-',  'e',  'd',  '2',  '5',  '5',
    '1',  '9',  0,    0,    0,    32,   0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11,
    0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11,
    0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11,
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    strata_ssh_knownhosts *kh = NULL;
    if (strata_ssh_knownhosts_new(&kh) != STRATA_OK)
        return 0;
    strata_status st = strata_ssh_knownhosts_load_mem(kh, "fuzz", (const char *)data, size);
    if (st != STRATA_OK && strata_ssh_knownhosts_error(kh)->status == STRATA_OK)
        abort();
    static const char *const hosts[] = {"host.example.com", "a", "10.0.0.1"};
    static const unsigned ports[] = {22, 2222};
    for (size_t h = 0; h < 3; h++) {
        for (size_t p = 0; p < 2; p++) {
            strata_ssh_knownhosts_match m;
            strata_ssh_knownhosts_clear_error(kh);
            if (strata_ssh_knownhosts_check(kh, hosts[h], ports[p], key_blob, sizeof(key_blob),
                                            1800000000, &m) != STRATA_OK)
                abort(); /* a valid plain key always gets a verdict */
            char buf[2048];
            strata_ssh_knownhosts_warning(&m, buf, sizeof(buf));
        }
    }
    strata_ssh_knownhosts_free(kh);

    size_t n = 0;
    while (n < size && n < 1024 && data[n] != '\n' && data[n] != 0)
        n++;
    char field[1025];
    memcpy(field, data, n);
    field[n] = 0;
    int r = strata__ssh_kh_match_hosts(field, "host.example.com");
    if (r < -1 || r > 1)
        abort();
    return 0;
}
