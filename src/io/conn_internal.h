/* Internal: the connection object, shared by connect.c and listen.c. */
#ifndef STRATA_IO_CONN_INTERNAL_H
#define STRATA_IO_CONN_INTERNAL_H

#include "io/io_internal.h"

enum strata__io_conn_state {
    STRATA__IO_CONN_NEW,        /* made, or accepted and not yet up */
    STRATA__IO_CONN_RESOLVING,  /* looking up the name */
    STRATA__IO_CONN_CONNECTING, /* trying addresses in turn */
    STRATA__IO_CONN_UP,         /* pumping */
    STRATA__IO_CONN_CLOSING,    /* waiting for close callbacks */
};

enum {
    STRATA__IO_DRAIN_APP = 1,  /* hand the app the plaintext the stack has */
    STRATA__IO_DRAIN_WIRE = 2, /* write to the socket what the stack has for it */
};

struct strata_io_conn {
    struct strata__io_node node;
    strata_io *io;
    strata_stack *stack;
    strata_io_app app;
    int have_app;
    enum strata__io_conn_state state;

    union { /* the socket: TCP, or a Unix socket (strata_io_connect_unix) */
        uv_tcp_t tcp;
        uv_pipe_t pipe;
    };
    int tcp_open;     /* the socket handle is open (either kind) */
    uv_timer_t timer; /* connect timeout; once up, the idle timer (trim) */
    int timer_open;
    /* strata_io_conn_set_timeouts (conn_deadline.c): one timer for the
     * handshake deadline, the idle limit and the linger after our close. */
    uv_timer_t deadline;
    int deadline_open;
    uv_timer_t tick; /* the clock for layers with timers (strata_stack_tick) */
    int tick_open;
    uint64_t hs_due;      /* loop time by which every layer must be up; 0: none */
    uint64_t idle_ms;     /* 0: none */
    uint64_t linger_ms;   /* 0: none */
    uint64_t last_moved;  /* loop time bytes last moved */
    uint64_t timeouts_hs; /* as given, for messages */
    uv_getaddrinfo_t gai;
    int gai_busy;
    uv_connect_t creq;
    struct addrinfo *ai_list, *ai_cur;
    uint64_t timeout_ms;
    char target[300]; /* HOST:PORT as asked for */
    char host[256];
    char port_str[8];
    /* The last address's failure (a message, not a whole strata_error:
     * this struct is per connection, and a listener holds many). */
    int last_failed;
    char last_msg[STRATA_ERROR_MSG_MAX];

    struct strata__io_rd rd; /* socket halves, once up */
    struct strata__io_wr wr;
    int halves;
    char rd_what[128], wr_what[128];

    int wire_eof_sent, app_shut_sent, app_eof_sent;
    int draining; /* failed (c->err set): STRATA__IO_DRAIN_*, then closing */
    int pumping, again, finishing;
    int unflushed; /* the app wrote since the stack was last flushed */
    int handles;   /* closes (and the app's) still to complete */
    strata_error err;
    strata_io_conn_done_fn on_done;
    void *user;
    char peer[80];
    strata_io_listener *from; /* the listener that accepted it, or NULL */
};

strata_status strata__io_conn_new(strata_io *io, const strata_stack_config *stack_cfg,
                                  strata_io_conn_done_fn on_done, void *user, strata_io_conn **out);
/* The start of strata_io_connect and strata_io_connect_unix: a connection
 * (cfg's callbacks, its timeout or the default) that owns app; E_USAGE
 * unless args_ok and app has ops. app is closed on failure. */
strata_status strata__io_conn_new_outgoing(strata_io *io, int args_ok, strata_io_app app,
                                           const strata_io_conn_config *cfg, strata_io_conn **out);
/* The connect timer passed: "connecting to TARGET: timed out after N ms". */
void strata__io_connect_timeout_cb(uv_timer_t *t);
/* The socket is connected (or accepted) and c->peer set: start pumping. */
void strata__io_conn_up(strata_io_conn *c);
void strata__io_conn_close(strata_io_conn *c);
void strata__io_conn_fail(strata_io_conn *c, strata_status st, const char *fmt, ...)
    STRATA_PRINTF(3, 4);
/* Bytes moved (or the connection came up): the idle and linger clocks
 * restart, and the deadline timer is set for the nearest limit. */
void strata__io_conn_deadline_arm(strata_io_conn *c);
/* The environment for a --exec child of c (exec_env.c): NULL-terminated,
 * heap; NULL when out of memory. Free with strata__io_exec_env_free. */
char **strata__io_exec_env(strata_io_conn *c);
void strata__io_exec_env_free(char **env);
/* An accepted connection of l has ended (after its on_done). */
void strata__io_listener_conn_gone(strata_io_listener *l);
/* "ADDR:PORT", or "[ADDR]:PORT" for IPv6. */
void strata__io_addr_format(const struct sockaddr *sa, char *buf, size_t cap);
/* Closes an endpoint that was never bound. */
void strata__io_app_discard(strata_io_app app);

#endif
