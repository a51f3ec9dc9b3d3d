/* The client transport's queries: isEncrypted / isVerified, the negotiated
 * algorithms, the server's identification, host key, session id,
 * server-sig-algs, and the sticky error. */
#include <string.h>

#include "ssh/transport_internal.h"

/* Twisted's isEncrypted / isVerified: "in", "out", or "both" (true only
 * when both are); each direction is switched at its own NEWKEYS. */
static int per_direction(const char (*active)[65], enum strata_ssh_direction dir)
{
    int out = strcmp(active[0], "none") != 0, in = strcmp(active[1], "none") != 0;
    switch (dir) {
    case STRATA_SSH_OUT:
        return out;
    case STRATA_SSH_IN:
        return in;
    case STRATA_SSH_BOTH:
        return out && in;
    }
    return 0;
}

int strata_ssh_transport_is_encrypted(const strata_ssh_transport *t, enum strata_ssh_direction dir)
{
    return per_direction(t->active_cipher, dir);
}

int strata_ssh_transport_is_verified(const strata_ssh_transport *t, enum strata_ssh_direction dir)
{
    return per_direction(t->active_mac, dir);
}

int strata_ssh_transport_is_secure(const strata_ssh_transport *t)
{
    return t->kex_done > 0;
}

const char *strata_ssh_transport_algorithm(const strata_ssh_transport *t, const char *which,
                                           enum strata_ssh_direction dir)
{
    int d = dir == STRATA_SSH_IN ? 1 : 0;
    if (!t->neg.kex)
        return NULL;
    if (!strcmp(which, "kex"))
        return t->neg.kex;
    if (!strcmp(which, "hostkey"))
        return t->neg.hostkey;
    if (dir != STRATA_SSH_OUT && dir != STRATA_SSH_IN)
        return NULL;
    if (!strcmp(which, "cipher"))
        return t->neg.cipher[d];
    if (!strcmp(which, "mac"))
        return t->neg.mac[d];
    if (!strcmp(which, "compression"))
        return t->neg.comp[d];
    return NULL;
}

int strata_ssh_kex_is_post_quantum(const char *name)
{
    return strata__ssh_kex_is_pq(name);
}

const char *strata_ssh_transport_server_version(const strata_ssh_transport *t)
{
    return t->v_s;
}

const uint8_t *strata_ssh_transport_hostkey(const strata_ssh_transport *t, size_t *n)
{
    *n = 0;
    return t->hostkey ? strata__ssh_key_blob(t->hostkey, n) : NULL;
}

const uint8_t *strata_ssh_transport_session_id(const strata_ssh_transport *t, size_t *n)
{
    *n = t->sid_len;
    return t->sid_len ? t->session_id : NULL;
}

const char *strata_ssh_transport_server_sig_algs(const strata_ssh_transport *t)
{
    return t->server_sig_algs;
}

int strata_ssh_transport_is_strict_kex(const strata_ssh_transport *t)
{
    return t->strict;
}

unsigned strata_ssh_transport_kex_count(const strata_ssh_transport *t)
{
    return t->kex_done;
}

size_t strata_ssh_transport_held(const strata_ssh_transport *t)
{
    return strata_buf_len(&t->queue);
}

size_t strata_ssh_transport_send_room(const strata_ssh_transport *t)
{
    if (!t->tx_blocked)
        return SIZE_MAX;
    size_t held = strata_buf_len(&t->queue);
    return held < STRATA_SSH_HELD_SOFT ? STRATA_SSH_HELD_SOFT - held : 0;
}

const strata_error *strata_ssh_transport_error(const strata_ssh_transport *t)
{
    return &t->err;
}

uint32_t strata_ssh_transport_disconnect_reason(const strata_ssh_transport *t)
{
    return t->disc_reason;
}
