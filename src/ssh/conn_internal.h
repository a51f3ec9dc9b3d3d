/* Internal: the connection protocol engine's state, shared by conn.c
 * (dispatch, global requests), channel.c (table, open, close),
 * channel_data.c (data and windows) and channel_req.c (channel requests). */
#ifndef STRATA_SSH_CONN_INTERNAL_H
#define STRATA_SSH_CONN_INTERNAL_H

#include "strata/ssh_conn.h"

/* RFC 4250 §4.1.2 */
enum {
    SSH_MSG_GLOBAL_REQUEST = 80,
    SSH_MSG_REQUEST_SUCCESS = 81,
    SSH_MSG_REQUEST_FAILURE = 82,
    SSH_MSG_CHANNEL_OPEN = 90,
    SSH_MSG_CHANNEL_OPEN_CONFIRMATION = 91,
    SSH_MSG_CHANNEL_OPEN_FAILURE = 92,
    SSH_MSG_CHANNEL_WINDOW_ADJUST = 93,
    SSH_MSG_CHANNEL_DATA = 94,
    SSH_MSG_CHANNEL_EXTENDED_DATA = 95,
    SSH_MSG_CHANNEL_EOF = 96,
    SSH_MSG_CHANNEL_CLOSE = 97,
    SSH_MSG_CHANNEL_REQUEST = 98,
    SSH_MSG_CHANNEL_SUCCESS = 99,
    SSH_MSG_CHANNEL_FAILURE = 100,
    SSH_MSG_CONN_LAST = 127,
};

#define SSH_CONN_PENDING_MAX 16u /* requests awaiting a reply, per channel and global */
#define SSH_CONN_REQNAME_MAX 40u /* longest request name we remember */
#define SSH_CONN_TEXT_MAX 1024u  /* longest description / signal message kept */

struct ssh_pending {
    char names[SSH_CONN_PENDING_MAX][SSH_CONN_REQNAME_MAX];
    unsigned head, count;
};

enum ssh_ch_phase { CH_OPENING, CH_INCOMING, CH_OPEN, CH_DONE };

struct strata_ssh_channel {
    struct strata_ssh_conn *conn;
    uint32_t local_id, remote_id;
    enum ssh_ch_phase phase;
    unsigned state; /* STRATA_SSH_CHS_* */
    int released;   /* released during a callback: freed after dispatch */
    strata_ssh_channel_fn handler;
    void *user;
    strata_error err;

    /* flow control: invariant local_window + buffered + unadjusted == target */
    uint32_t target; /* current receive window size */
    uint32_t local_window;
    uint32_t unadjusted; /* consumed by the application, not yet given back */
    uint64_t remote_window;
    uint32_t remote_max_packet;
    strata_buf rx[2]; /* stream 0: data, 1: stderr */

    struct ssh_pending pending; /* our requests awaiting a reply */
    int have_exit_status;
    uint32_t exit_status;
    char *exit_signal, *exit_message;
    int core_dumped;
    uint32_t open_failure; /* the server's reason code (RFC 4254 §5.1); 0: none */
};

struct strata_ssh_conn {
    strata_error err;
    strata_ssh_send_fn send;
    void *send_ctx;
    strata_ssh_send_parts_fn send_parts; /* NULL: data joined to the message, then send */
    uint32_t window, window_max, max_packet;
    size_t max_channels, n_channels;
    struct strata_ssh_channel **table; /* max_channels slots; index = local id */
    strata_status (*open_request)(void *user, strata_ssh_channel *ch,
                                  const strata_ssh_open_info *info);
    void (*global_reply)(void *user, const char *name, int ok, uint32_t bound_port);
    void *user;
    struct ssh_pending global; /* our global requests awaiting a reply */
    unsigned keepalives;
    int agent_requested; /* auth-agent-req@openssh.com sent: agent channels welcome */
    unsigned depth;      /* > 0 while dispatching: releases are deferred */
    strata_buf msg;      /* scratch for outgoing messages */
};

strata_status strata__ssh_conn_fail(struct strata_ssh_conn *c, strata_status st, const char *fmt,
                                    ...) STRATA_PRINTF(3, 4);
/* Sends c->msg. */
strata_status strata__ssh_conn_send_msg(struct strata_ssh_conn *c);
/* Sends msg followed by dn bytes of data (borrowed for the call): through
 * send_parts when set (the data is not copied), else joined in msg. */
strata_status strata__ssh_conn_send_msg_data(struct strata_ssh_conn *c, const uint8_t *data,
                                             size_t dn);
/* Starts c->msg with type and (for channel messages) the peer's channel id. */
strata_status strata__ssh_conn_msg_start(struct strata_ssh_conn *c, uint8_t type);
strata_status strata__ssh_pending_push(struct ssh_pending *p, const char *name);
/* Pops the oldest name into out (cap SSH_CONN_REQNAME_MAX); -1 when empty. */
int strata__ssh_pending_pop(struct ssh_pending *p, char *out);

/* channel.c */
struct strata_ssh_channel *strata__ssh_conn_channel(struct strata_ssh_conn *c, strata_buf *m,
                                                    uint8_t type);
strata_status strata__ssh_ch_new(struct strata_ssh_conn *c, struct strata_ssh_channel **out);
void strata__ssh_ch_event(struct strata_ssh_channel *ch, enum strata_ssh_channel_event ev,
                          const char *request);
void strata__ssh_ch_free(struct strata_ssh_channel *ch);
/* Frees channels released during dispatch. */
void strata__ssh_conn_sweep(struct strata_ssh_conn *c);
strata_status strata__ssh_h_open(struct strata_ssh_conn *c, strata_buf *m);
strata_status strata__ssh_h_open_confirmation(struct strata_ssh_conn *c, strata_buf *m);
strata_status strata__ssh_h_open_failure(struct strata_ssh_conn *c, strata_buf *m);
strata_status strata__ssh_h_eof(struct strata_ssh_conn *c, strata_buf *m);
strata_status strata__ssh_h_close(struct strata_ssh_conn *c, strata_buf *m);

/* channel_data.c */
strata_status strata__ssh_h_window_adjust(struct strata_ssh_conn *c, strata_buf *m);
strata_status strata__ssh_h_data(struct strata_ssh_conn *c, strata_buf *m);
strata_status strata__ssh_h_extended_data(struct strata_ssh_conn *c, strata_buf *m);

/* channel_req.c */
strata_status strata__ssh_h_channel_request(struct strata_ssh_conn *c, strata_buf *m);
strata_status strata__ssh_h_channel_success(struct strata_ssh_conn *c, strata_buf *m);
strata_status strata__ssh_h_channel_failure(struct strata_ssh_conn *c, strata_buf *m);

#endif
