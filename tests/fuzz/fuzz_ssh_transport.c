/* Fuzz target: the client transport engine fed arbitrary server bytes after
 * a fixed identification line, split into reads at positions taken from the
 * input, with a host key callback that accepts, then the end of the stream.
 * Whatever it is fed, the engine must end in a status, never crash or leak. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "strata/ssh.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static strata_status accept_key(void *user, const strata_ssh_hostkey_info *info)
{
    (void)user;
    (void)info;
    return STRATA_OK;
}

static strata_status take_packet(void *user, const uint8_t *p, size_t n)
{
    (void)user;
    (void)n;
    return p[0] == 94 ? STRATA_OK : STRATA_E_UNSUPPORTED;
}

static void feed(strata_ssh_transport *t, const uint8_t *p, size_t n, strata_status *last)
{
    while (n > 0 && (*last == STRATA_OK || *last == STRATA_PENDING)) {
        size_t used = 0;
        *last = strata_ssh_transport_input(t, p, n, &used);
        if (used == 0)
            break;
        p += used;
        n -= used;
        const uint8_t *o;
        size_t on;
        strata_ssh_transport_output(t, &o, &on);
        strata_ssh_transport_output_ack(t, on);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char banner[] = "SSH-2.0-OpenSSH_9.2p1 fuzz\r\n";
    strata_ssh_transport_config cfg;
    strata_ssh_transport *t;
    memset(&cfg, 0, sizeof(cfg));
    cfg.cb.verify_host_key = accept_key;
    cfg.cb.packet = take_packet;
    cfg.kex_algorithms = "+diffie-hellman-group1-sha1,diffie-hellman-group-exchange-sha1";
    if (strata_ssh_transport_new(&cfg, &t, NULL) != STRATA_OK)
        return 0;
    if (strata_ssh_transport_request_service(t, "ssh-userauth") != STRATA_OK)
        abort();
    strata_status last = STRATA_OK;
    feed(t, (const uint8_t *)banner, sizeof(banner) - 1, &last);
    /* The first byte sets the read size (1..256), to exercise partial input. */
    size_t step = size ? (size_t)data[0] + 1 : 1;
    for (size_t off = size ? 1 : 0; off < size; off += step)
        feed(t, data + off, size - off < step ? size - off : step, &last);
    if (last == STRATA_OK && strata_ssh_transport_input_eof(t) == STRATA_OK)
        abort(); /* the end of the stream is never a success */
    strata_ssh_transport_free(t);
    return 0;
}
