/* ssh_cipher_bench: strata's SSH packet protection alone, one line per
 * cipher/MAC, for bench/run-ssh-cipher.sh (which sets the figures beside
 * `openssl speed`). The measurement is `strata bench ssh-cipher`'s
 * (tools/strata/bench/bench_ssh.c); `strata bench ssh-cipher` also measures the raw
 * OpenSSL primitives in the same process.
 *
 * Usage: ssh_cipher_bench [seconds per row (default 1)] [filter substring]
 * Output, one line per row (MB = 10^6 bytes of payload, as openssl speed):
 *   <cipher> <mac> seal <MB/s> open <MB/s>
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"

int main(int argc, char **argv)
{
    double secs = argc > 1 ? atof(argv[1]) : 1.0;
    const char *filter = argc > 2 ? argv[2] : "";
    for (size_t i = 0; i < bench_ssh_row_count(); i++) {
        const char *cipher, *mac;
        double seal, open;
        bench_ssh_row_names(i, &cipher, &mac);
        if (!strstr(cipher, filter))
            continue;
        if (bench_ssh_row_strata(i, secs, &seal, &open) != 0)
            return 1;
        printf("%s %s seal %.1f open %.1f\n", cipher, mac, seal, open);
        fflush(stdout);
    }
    return 0;
}
