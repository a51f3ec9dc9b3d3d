/* Key exchanges per second: the strata SSH client against the in-memory test
 * server (tests/unit/ssh_testserver.c), whole connections up to NEWKEYS both
 * ways (identification, KEXINIT, the exchange, an Ed25519 host key signature
 * and its check, key derivation), for each method named on the command line.
 *
 *   build/release/bench/ssh_kex_bench [SECONDS] [METHOD...]
 * Defaults: 3 seconds each, curve25519-sha256 and diffie-hellman-group14-sha256.
 * Both sides run in this one thread, so a figure covers client and server work. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ssh_testserver.h"
#include "strata/ssh.h"

static strata_status accept_key(void *u, const strata_ssh_hostkey_info *i)
{
    (void)u;
    (void)i;
    return STRATA_OK;
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int one(const char *kex, EVP_PKEY *hk)
{
    strata_ssh_transport_config cfg;
    struct ts_config scfg;
    strata_ssh_transport *c = NULL;
    struct ts *s = NULL;
    int ok = 0;
    memset(&cfg, 0, sizeof(cfg));
    memset(&scfg, 0, sizeof(scfg));
    cfg.kex_algorithms = kex;
    cfg.cb.verify_host_key = accept_key;
    scfg.hostkey = hk;
    if (strata_ssh_transport_new(&cfg, &c, NULL) == STRATA_OK && ts_new(&scfg, &s) == STRATA_OK &&
        ts_pump(c, s, 0) == STRATA_OK && strata_ssh_transport_is_secure(c))
        ok = 1;
    strata_ssh_transport_free(c);
    ts_free(s);
    return ok;
}

int main(int argc, char **argv)
{
    double secs = argc > 1 ? atof(argv[1]) : 3.0;
    static const char *const defaults[] = {"curve25519-sha256", "diffie-hellman-group14-sha256"};
    const char *const *methods = argc > 2 ? (const char *const *)argv + 2 : defaults;
    int n = argc > 2 ? argc - 2 : 2;
    EVP_PKEY *hk = ts_make_hostkey("ssh-ed25519");
    if (!hk || secs <= 0)
        return 2;
    for (int m = 0; m < n; m++) {
        unsigned long count = 0;
        double t0 = now(), t;
        do {
            if (!one(methods[m], hk)) {
                fprintf(stderr, "ssh_kex_bench: %s failed\n", methods[m]);
                EVP_PKEY_free(hk);
                return 1;
            }
            count++;
        } while ((t = now() - t0) < secs);
        printf("%-40s %8.1f key exchanges/s (%lu in %.2f s)\n", methods[m], (double)count / t,
               count, t);
    }
    EVP_PKEY_free(hk);
    return 0;
}
