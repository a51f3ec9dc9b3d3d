/* SSH packet protection throughput: seal and open of 32 KiB payloads per
 * cipher/MAC, through strata__ssh_pkt_seal / strata__ssh_pkt_open exactly as
 * the transport calls them (padding, MAC or tag, sequence numbers).
 *
 * Usage: ssh_cipher_bench [seconds per row (default 1)] [filter substring]
 * Time is this thread's CPU time, as `openssl speed` counts user CPU time
 * (unless -elapsed): a busy machine then skews both alike.
 * Output, one line per row (MB = 10^6 bytes of payload, as openssl speed):
 *   <cipher> <mac> seal <MB/s> open <MB/s>
 * bench/run-ssh-cipher.sh compares these with `openssl speed -evp`.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ssh/packet.h"

#define PAYLOAD (32u * 1024u)

static const char *const rows[][2] = {
    {"chacha20-poly1305@openssh.com", "-"},
    {"aes128-gcm@openssh.com", "-"},
    {"aes256-gcm@openssh.com", "-"},
    {"aes128-ctr", "hmac-sha2-256-etm@openssh.com"},
    {"aes256-ctr", "hmac-sha2-256-etm@openssh.com"},
    {"aes128-ctr", "hmac-sha2-512-etm@openssh.com"},
    {"aes128-ctr", "hmac-sha2-256"},
    {"aes128-cbc", "hmac-sha1"},
    {"3des-cbc", "hmac-sha1"},
};

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int keyed(struct ssh_pkt_dir **d, int outbound, const char *cipher, const char *mac)
{
    static uint8_t material[3][64];
    for (int i = 0; i < 64; i++)
        material[0][i] = (uint8_t)i, material[1][i] = (uint8_t)(i * 3),
        material[2][i] = (uint8_t)(i * 5);
    struct ssh_pkt_keys k = {cipher, mac, "none", material[0], material[1], material[2], 0, 0, 0};
    strata_error err;
    strata_error_clear(&err);
    if (strata__ssh_alg_sizes(cipher, mac, &k.iv_len, &k.key_len, &k.mac_key_len) != STRATA_OK ||
        strata__ssh_pkt_dir_new(outbound, d) != STRATA_OK ||
        strata__ssh_pkt_dir_set_keys(*d, &k, &err) != STRATA_OK) {
        fprintf(stderr, "%s/%s: cannot key: %s\n", cipher, mac, strata_error_message(&err));
        return -1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    double secs = argc > 1 ? atof(argv[1]) : 1.0;
    const char *filter = argc > 2 ? argv[2] : "";
    uint8_t *payload = malloc(PAYLOAD);
    if (!payload)
        return 1;
    for (size_t i = 0; i < PAYLOAD; i++)
        payload[i] = (uint8_t)(i * 131 + 7);
    for (size_t r = 0; r < sizeof(rows) / sizeof(rows[0]); r++) {
        if (!strstr(rows[r][0], filter))
            continue;
        struct ssh_pkt_dir *o = NULL, *in = NULL;
        if (keyed(&o, 1, rows[r][0], rows[r][1]) || keyed(&in, 0, rows[r][0], rows[r][1]))
            return 1;
        strata_buf wire;
        strata_buf_init(&wire, 0);
        double t_seal = 0, t_open = 0, start = now();
        unsigned long packets = 0;
        while (now() - start < secs) {
            strata_error err;
            strata_error_clear(&err);
            const uint8_t *p;
            size_t n;
            double t0 = now();
            if (strata__ssh_pkt_seal(o, payload, PAYLOAD, &wire, &err) != STRATA_OK)
                return fprintf(stderr, "seal: %s\n", strata_error_message(&err)), 1;
            double t1 = now();
            if (strata__ssh_pkt_open(in, &wire, &p, &n, &err) != STRATA_OK || n != PAYLOAD)
                return fprintf(stderr, "open: %s\n", strata_error_message(&err)), 1;
            double t2 = now();
            t_seal += t1 - t0;
            t_open += t2 - t1;
            packets++;
        }
        double mb = (double)packets * PAYLOAD / 1e6;
        printf("%s %s seal %.1f open %.1f\n", rows[r][0], rows[r][1], mb / t_seal, mb / t_open);
        fflush(stdout);
        strata_buf_free(&wire);
        strata__ssh_pkt_dir_free(o);
        strata__ssh_pkt_dir_free(in);
    }
    free(payload);
    return 0;
}
