/* Internal: the mux master's pieces shared by src/io/ssh_mux_master.c
 * (listener, control connections, requests) and src/io/ssh_mux_session.c
 * (a session: a channel joined to a client's descriptors). See the
 * implementation note at the top of ssh_mux_master.c. */
#ifndef STRATA_IO_SSH_MUX_INTERNAL_H
#define STRATA_IO_SSH_MUX_INTERNAL_H

#include "io/io_internal.h"
#include "ssh/mux.h"
#include "strata/ssh_conn.h"

#define CL_IN_MAX (STRATA__MUX_BODY_MAX + 4 + 16)
#define CL_FDS_MAX 3

struct mux_cl;

struct mux_sess {
    strata_ssh_mux_master *m;
    struct mux_cl *cl; /* NULL once the control connection is gone */
    strata_ssh_channel *ch;
    uint32_t sid, rid;
    int fd[3];
    union strata__io_handle h[3];
    int hopen[3];
    struct strata__io_rd rd;
    struct strata__io_wr wr[2];
    uv_idle_t idle;
    int idle_open, idle_on;
    struct strata__mux_msg req; /* the NEW_SESSION */
    int opened, eof_sent, closed, out_eof, have_status, freeing, pending;
    uint32_t status;
    struct mux_sess *next;
};

struct mux_cl {
    strata_ssh_mux_master *m;
    int fd;
    uv_poll_t poll;
    int poll_open, poll_events;
    uint8_t *in;
    size_t in_len;
    uint8_t *out;
    size_t out_len, out_cap;
    int fds[CL_FDS_MAX];
    size_t n_fds;
    unsigned carrier; /* descriptor bytes still to come after NEW_SESSION */
    struct strata__mux_msg pending;
    int hello, closing, close_after_flush;
    struct mux_sess *sess;
    struct mux_cl *next;
};

struct strata_ssh_mux_master {
    strata_io *io;
    char *path;
    uint32_t persist;
    void (*on_terminate)(void *user, const char *why);
    void *user;
    int lfd;
    uv_poll_t lpoll;
    int lpoll_open, listening;
    uv_timer_t timer;
    int timer_open;
    uv_signal_t winch; /* its own handle: not a driver node, so closed here alone */
    int winch_open;
    strata_io_conn *main;
    strata_ssh_client *client;
    struct mux_cl *clients;
    struct mux_sess *sessions;
    size_t n_sessions;
    uint32_t next_sid;
    int own_done, stopped, terminated;
};

/* Control connections (ssh_mux_master.c). */
void strata__mux_cl_reply(struct mux_cl *c, uint32_t type, uint32_t id, uint32_t value,
                          const char *reason);
void strata__mux_cl_flush(struct mux_cl *c);
void strata__mux_cl_close(struct mux_cl *c);
void strata__mux_kick_main(strata_ssh_mux_master *m);
/* No session is live: start ControlPersist's clock, or end. */
void strata__mux_check_idle(strata_ssh_mux_master *m);
/* Closes a channel; a failure to send is the connection's sticky error. */
void strata__mux_ch_close(strata_ssh_channel *ch);

/* Sessions (ssh_mux_session.c). */
/* NEW_SESSION with its three descriptors (taken over from c). */
void strata__mux_sess_new(struct mux_cl *c);
/* Detaches the session and frees it once its handles are closed. */
void strata__mux_sess_free(struct mux_sess *s);

#endif
