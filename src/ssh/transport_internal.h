/* Internal: the client transport engine's state, shared by transport.c
 * (buffers, dispatch, sending), transport_kex.c (key exchange) and
 * transport_msg.c (the generic messages).
 *
 * Implementation note.
 * The engine is a loop over whole packets: input() appends bytes to `in`,
 * then packets are opened one at a time and handed to the handler armed for
 * their message number (dispatch[]). Handlers valid at one point of the
 * protocol (the KEX reply, NEWKEYS, SERVICE_ACCEPT) are armed when that point
 * is reached and disarmed after use, as OpenSSH's dispatch does; a message
 * with no armed handler is judged by its range (RFC 4253 §7.1, §11.4):
 * a key exchange message out of order ends the connection, a service
 * message during key exchange too, anything else gets UNIMPLEMENTED.
 *
 * Key exchange: after our KEXINIT is sent and until our NEWKEYS is, only
 * transport messages go out; everything else waits in `queue`, in order,
 * and is sent right after NEWKEYS. When the host key question is pending,
 * the loop keeps opening packets only until the server's NEWKEYS (the
 * seed's _gotNewKeys): what follows is protected with keys we do not have
 * yet, so it stays in `in` until the verdict.
 */
#ifndef STRATA_SSH_TRANSPORT_INTERNAL_H
#define STRATA_SSH_TRANSPORT_INTERNAL_H

#include <openssl/evp.h>

#include "ssh/hostkey.h"
#include "ssh/kex/kex.h"
#include "ssh/kexinit.h"
#include "ssh/packet.h"
#include "ssh/version.h"
#include "strata/ssh.h"

/* Input held at most (a whole largest packet plus what trails it). */
#define SSH_TRANSPORT_IN_MAX (2u * STRATA_SSH_PACKET_MAX + 4096u)
/* Output and the queue of held-back messages are bounded too. */
#define SSH_TRANSPORT_OUT_MAX (8u * 1024u * 1024u)
#define SSH_TRANSPORT_DEFAULT_REKEY_BYTES (1ull << 30)
#define SSH_TRANSPORT_DEFAULT_REKEY_SECONDS 3600u
/* RFC 8308: extensions accepted in one EXT_INFO. */
#define SSH_EXT_INFO_MAX 64u

struct strata_ssh_transport;
typedef strata_status (*ssh_handler)(struct strata_ssh_transport *t, const uint8_t *p, size_t n);

enum ssh_transport_state {
    SSH_T_VERSION, /* waiting for the server's identification */
    SSH_T_RUNNING, /* binary packets */
    SSH_T_CLOSED,  /* ended (error, DISCONNECT either way) */
};

struct strata_ssh_transport {
    enum ssh_transport_state state;
    strata_error err;
    uint32_t disc_reason;
    strata_ssh_transport_callbacks cb;
    void *user;
    char *host;
    uint16_t port;
    strata_ssh_knownhosts *kh;
    enum strata_ssh_strict kh_policy;
    int64_t unix_time;

    /* Configuration, resolved. */
    char *algs[SSH_KEXINIT_NLISTS]; /* our KEXINIT lists (without pseudo-algorithms) */
    uint32_t gex_min, gex_n, gex_max;
    int gex_old;
    uint64_t rekey_bytes, rekey_seconds;
    int offer_strict;

    strata_buf in, out, queue; /* queue: (uint32 length, payload)* */
    struct ssh_pkt_dir *rx, *tx;
    char *v_c, *v_s;
    struct ssh_version_reader vr;
    ssh_handler dispatch[256];
    uint32_t rx_seq; /* sequence number of the packet being handled, or the last one */
    int rx_seen;     /* a packet has been received (rx_seq is meaningful) */

    /* Key exchange. */
    int kex_running;  /* our KEXINIT sent, not yet both NEWKEYS */
    int tx_blocked;   /* our KEXINIT sent, our NEWKEYS not yet */
    int got_kexinit;  /* server's KEXINIT of this exchange received */
    int ignore_guess; /* skip the server's wrongly guessed first kex packet */
    int hostkey_pending, got_newkeys, newkeys_sent, keys_ready;
    int strict;
    unsigned kex_done; /* completed key exchanges */
    strata_buf i_c, i_s;
    struct ssh_kexinit our_ki, server_ki;
    struct ssh_negotiated neg;
    const struct ssh_kex_alg *kalg;
    struct ssh_kex *kex;
    struct ssh_key *hostkey;
    uint8_t h[EVP_MAX_MD_SIZE];
    size_t h_len;
    uint8_t session_id[EVP_MAX_MD_SIZE];
    size_t sid_len;
    strata_buf keymat[2]; /* derived: iv, key, mac key per direction (secret) */
    size_t iv_len[2], key_len[2], mac_len[2];
    char active_cipher[2][65], active_mac[2][65], active_comp[2][65];
    uint64_t now, last_kex_time;
    int have_time;

    char *service_wanted; /* requested, SERVICE_ACCEPT not yet */
    int service_sent;
    char *server_sig_algs;
};

/* transport.c */
void strata__ssh_t_arm(struct strata_ssh_transport *t, uint8_t msg, ssh_handler h);
void strata__ssh_t_disarm(struct strata_ssh_transport *t, uint8_t msg);
/* Seals a payload now, or queues it while a key exchange holds it back. */
strata_status strata__ssh_t_send(struct strata_ssh_transport *t, const uint8_t *p, size_t n);
/* The same for a payload in two pieces, head then data (see
 * strata__ssh_pkt_seal_parts); either may be empty, not both. */
strata_status strata__ssh_t_send_parts(struct strata_ssh_transport *t, const uint8_t *head,
                                       size_t hn, const uint8_t *data, size_t dn);
/* Seals a payload now, bypassing the queue (transport messages). */
strata_status strata__ssh_t_seal(struct strata_ssh_transport *t, const uint8_t *p, size_t n);
strata_status strata__ssh_t_seal_parts(struct strata_ssh_transport *t, const uint8_t *head,
                                       size_t hn, const uint8_t *data, size_t dn);
/* UNIMPLEMENTED for rx_seq, sealed now (allowed during key exchange). */
strata_status strata__ssh_t_send_unimplemented(struct strata_ssh_transport *t);
/* Sends what the queue holds (after our NEWKEYS). */
strata_status strata__ssh_t_flush_queue(struct strata_ssh_transport *t);
/* Records the first error, sends DISCONNECT(reason) when packets can still
 * go out, and closes the engine. Returns the status. */
strata_status strata__ssh_t_fail(struct strata_ssh_transport *t, uint32_t reason,
                                 strata_status status, const char *fmt, ...) STRATA_PRINTF(4, 5);
/* As fail, with the message already in t->err or in e. */
strata_status strata__ssh_t_fail_err(struct strata_ssh_transport *t, uint32_t reason,
                                     const strata_error *e);
/* Runs the packet loop over buffered input. */
strata_status strata__ssh_t_process(struct strata_ssh_transport *t);

/* transport_kex.c */
strata_status strata__ssh_t_send_kexinit(struct strata_ssh_transport *t);
strata_status strata__ssh_t_h_kexinit(struct strata_ssh_transport *t, const uint8_t *p, size_t n);
strata_status strata__ssh_t_hostkey_verdict(struct strata_ssh_transport *t, strata_status v);
strata_status strata__ssh_t_check_rekey(struct strata_ssh_transport *t);

/* transport_msg.c */
void strata__ssh_t_arm_generic(struct strata_ssh_transport *t);
/* Arms what is valid once the connection is secure (EXT_INFO). */
void strata__ssh_t_arm_after_kex(struct strata_ssh_transport *t);
strata_status strata__ssh_t_send_service_request(struct strata_ssh_transport *t);

#endif
