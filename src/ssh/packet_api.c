/* strata/ssh_packet.h over the packet engine (packet.c): one direction keyed
 * from one buffer of material. */
#include <stdlib.h>

#include "base/error_internal.h"
#include "ssh/packet.h"
#include "strata/ssh_packet.h"

/* The public handle is the engine's direction itself. */
struct strata_ssh_packet_dir {
    struct ssh_pkt_dir *d;
};

strata_status strata_ssh_packet_dir_new(int outbound, const char *cipher, const char *mac,
                                        const uint8_t *material, size_t len,
                                        strata_ssh_packet_dir **out, strata_error *err)
{
    struct ssh_pkt_keys k = {cipher, mac, "none", material, material, material, 0, 0, 0};
    strata_status r;
    *out = NULL;
    if (!cipher || !material)
        return strata__error_set(err, STRATA_E_USAGE,
                                 "packet direction: cipher and material "
                                 "are required");
    if ((r = strata__ssh_alg_sizes(cipher, mac, &k.iv_len, &k.key_len, &k.mac_key_len)) !=
        STRATA_OK)
        return strata__error_set(err, r, "packet direction: unknown cipher '%s' or MAC '%s'",
                                 cipher, mac ? mac : "(none)");
    if (len < k.iv_len || len < k.key_len || len < k.mac_key_len)
        return strata__error_set(err, STRATA_E_USAGE,
                                 "packet direction: %zu bytes of key material are too few", len);
    strata_ssh_packet_dir *p = calloc(1, sizeof(*p));
    if (!p)
        return strata__error_set(err, STRATA_E_NOMEM, "out of memory");
    if ((r = strata__ssh_pkt_dir_new(outbound, &p->d)) != STRATA_OK ||
        (r = strata__ssh_pkt_dir_set_keys(p->d, &k, err)) != STRATA_OK) {
        strata_ssh_packet_dir_free(p);
        return strata__error_set(err, r, "packet direction: cannot key %s", cipher);
    }
    *out = p;
    return STRATA_OK;
}

void strata_ssh_packet_dir_free(strata_ssh_packet_dir *d)
{
    if (!d)
        return;
    strata__ssh_pkt_dir_free(d->d);
    free(d);
}

strata_status strata_ssh_packet_seal(strata_ssh_packet_dir *d, const uint8_t *payload, size_t n,
                                     strata_buf *wire, strata_error *err)
{
    return strata__ssh_pkt_seal(d->d, payload, n, wire, err);
}

strata_status strata_ssh_packet_open(strata_ssh_packet_dir *d, strata_buf *wire,
                                     const uint8_t **payload, size_t *n, strata_error *err)
{
    return strata__ssh_pkt_open(d->d, wire, payload, n, err);
}
