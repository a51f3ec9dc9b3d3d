/* The mux master (see strata/ssh_mux.h) on the io driver.
 *
 * Implementation note. The listener and each control connection are unix
 * sockets watched with uv_poll: descriptors arrive with SCM_RIGHTS, which
 * libuv's stream reads would not hand over in OpenSSH's framing. Bytes read
 * are framed and parsed by the sans-I/O parser (src/ssh/mux.c). A
 * NEW_SESSION is followed by three one-byte messages each carrying a
 * descriptor (stdin, stdout, stderr); once the three bytes are in, the three
 * descriptors are too (the kernel hands a descriptor over with its byte).
 *
 * A session is a session channel on the master's SSH connection joined to
 * those descriptors by a reader (stdin -> channel) and two writers
 * (channel stream 0 -> stdout, stream 1 -> stderr), the io driver's own
 * halves (src/io/half.c: streams, or files through the thread pool).
 * Channel events and the halves' kicks only schedule a pump (an idle
 * handle), so no channel call runs inside the SSH connection's own
 * processing; each pump kicks the main connection, whose stack carries the
 * transport's output. When the channel has closed and both writers are
 * flushed, EXIT_MESSAGE goes to the client (when the server sent an exit
 * status) and the control connection closes, as OpenSSH's master does.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "base/error_internal.h"
#include "io/ssh_mux_internal.h"
#include "strata/log.h"

/* A failure to send is the SSH connection's sticky error: nothing to add. */
void strata__mux_ch_close(strata_ssh_channel *ch)
{
    if (strata_ssh_channel_close(ch) != STRATA_OK)
        return;
}

static void terminate(strata_ssh_mux_master *m, const char *why)
{
    if (m->terminated)
        return;
    m->terminated = 1;
    m->on_terminate(m->user, why);
}

void strata__mux_kick_main(strata_ssh_mux_master *m)
{
    if (m->main)
        strata_io_conn_kick(m->main);
}

/* ---- control connections: output ------------------------------------------------ */

static void cl_watch(struct mux_cl *c);

void strata__mux_cl_flush(struct mux_cl *c)
{
    while (c->out_len) {
        ssize_t w = send(c->fd, c->out, c->out_len, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            break;
        if (w <= 0) {
            c->out_len = 0; /* the client is gone */
            c->close_after_flush = 1;
            break;
        }
        memmove(c->out, c->out + w, c->out_len - (size_t)w);
        c->out_len -= (size_t)w;
    }
    if (!c->out_len && c->close_after_flush) {
        strata__mux_cl_close(c);
        return;
    }
    cl_watch(c);
}

static void cl_send(struct mux_cl *c, const struct strata__mux_msg *msg)
{
    strata_buf b;
    strata_buf_init(&b, STRATA__MUX_BODY_MAX + 4);
    if (c->closing || strata__mux_encode(&b, msg) != STRATA_OK) {
        strata_buf_free(&b);
        return;
    }
    size_t n = strata_buf_len(&b);
    if (c->out_len + n > c->out_cap) {
        uint8_t *p = realloc(c->out, c->out_len + n);
        if (!p) {
            strata_buf_free(&b);
            c->close_after_flush = 1;
            return;
        }
        c->out = p;
        c->out_cap = c->out_len + n;
    }
    memcpy(c->out + c->out_len, strata_buf_ptr(&b), n);
    c->out_len += n;
    strata_buf_free(&b);
    strata__mux_cl_flush(c);
}

void strata__mux_cl_reply(struct mux_cl *c, uint32_t type, uint32_t id, uint32_t value,
                          const char *reason)
{
    struct strata__mux_msg r;
    memset(&r, 0, sizeof r);
    r.type = type;
    r.id = id;
    r.value = value;
    r.reason = (char *)reason;
    cl_send(c, &r);
}

/* ---- control connections: input ------------------------------------------------ */

static void cl_fail(struct mux_cl *c, const char *what)
{
    strata_log(STRATA_LOG_INFO, "mux", "control client: %s", what);
    strata__mux_cl_close(c);
}

/* No more clients: the listener closes and the socket goes. */
static void stop_listening(strata_ssh_mux_master *m)
{
    if (m->lpoll_open) {
        uv_poll_stop(&m->lpoll);
        uv_close((uv_handle_t *)&m->lpoll, NULL);
        m->lpoll_open = 0;
    }
    if (m->listening) {
        close(m->lfd);
        m->listening = 0;
        (void)unlink(m->path);
    }
}

/* One request. Returns 0 to go on, -1 when c is closed. */
static int cl_request(struct mux_cl *c, struct strata__mux_msg *q)
{
    strata_ssh_mux_master *m = c->m;
    if (!c->hello) {
        if (q->type != STRATA_SSH_MUX_HELLO || q->value != STRATA_SSH_MUX_VERSION) {
            cl_fail(c, q->type != STRATA_SSH_MUX_HELLO ? "first message is not HELLO"
                                                       : "unsupported protocol version");
            return -1;
        }
        c->hello = 1;
        return 0;
    }
    if (q->unsupported) {
        char why[80];
        snprintf(why, sizeof why, "%s is not supported by this master",
                 strata__mux_type_name(q->type));
        strata__mux_cl_reply(c, STRATA_SSH_MUX_S_FAILURE, q->id, 0, why);
        return 0;
    }
    switch (q->type) {
    case STRATA_SSH_MUX_C_ALIVE_CHECK:
        strata__mux_cl_reply(c, STRATA_SSH_MUX_S_ALIVE, q->id, (uint32_t)getpid(), NULL);
        return 0;
    case STRATA_SSH_MUX_C_TERMINATE:
        strata__mux_cl_reply(c, STRATA_SSH_MUX_S_OK, q->id, 0, NULL);
        terminate(m, "terminated by a mux client (-O exit)");
        return 0;
    case STRATA_SSH_MUX_C_STOP_LISTENING:
        stop_listening(m);
        strata__mux_cl_reply(c, STRATA_SSH_MUX_S_OK, q->id, 0, NULL);
        return 0;
    case STRATA_SSH_MUX_C_NEW_SESSION:
        if (c->sess || c->carrier) {
            strata__mux_cl_reply(c, STRATA_SSH_MUX_S_FAILURE, q->id, 0,
                                 "a session is already open");
            return 0;
        }
        c->pending = *q;
        memset(q, 0, sizeof *q);
        c->carrier = 3;
        return 0;
    default:
        cl_fail(c, "unexpected message");
        return -1;
    }
}

static void cl_read(struct mux_cl *c)
{
    for (;;) {
        if (c->in_len == CL_IN_MAX) {
            cl_fail(c, "message too long");
            return;
        }
        union {
            struct cmsghdr h;
            char buf[CMSG_SPACE(sizeof(int) * 4)];
        } cm;
        struct iovec iov = {c->in + c->in_len, CL_IN_MAX - c->in_len};
        struct msghdr mh;
        memset(&mh, 0, sizeof mh);
        mh.msg_iov = &iov;
        mh.msg_iovlen = 1;
        mh.msg_control = cm.buf;
        mh.msg_controllen = sizeof cm.buf;
        ssize_t g = recvmsg(c->fd, &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
        if (g < 0 && errno == EINTR)
            continue;
        if (g < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            break;
        int bad_fds = 0;
        for (struct cmsghdr *h = CMSG_FIRSTHDR(&mh); g >= 0 && h; h = CMSG_NXTHDR(&mh, h)) {
            if (h->cmsg_level != SOL_SOCKET || h->cmsg_type != SCM_RIGHTS)
                continue;
            size_t k = (h->cmsg_len - CMSG_LEN(0)) / sizeof(int);
            for (size_t i = 0; i < k; i++) {
                int fd;
                memcpy(&fd, CMSG_DATA(h) + i * sizeof(int), sizeof fd);
                if (c->n_fds < CL_FDS_MAX) /* checked when NEW_SESSION's bytes are in */
                    c->fds[c->n_fds++] = fd;
                else {
                    close(fd);
                    bad_fds = 1;
                }
            }
        }
        if (bad_fds || (mh.msg_flags & MSG_CTRUNC)) {
            cl_fail(c, "more descriptors passed than a session takes");
            return;
        }
        if (g <= 0) {
            /* The client went away: its session (if any) ends (OpenSSH
             * closes the channel the same way). */
            if (c->sess && c->sess->ch)
                strata__mux_ch_close(c->sess->ch);
            strata__mux_cl_close(c);
            return;
        }
        c->in_len += (size_t)g;
        /* Frames, and the descriptor bytes after a NEW_SESSION. */
        size_t off = 0;
        while (off < c->in_len) {
            if (c->carrier) {
                size_t k = c->in_len - off < c->carrier ? c->in_len - off : c->carrier;
                off += k;
                c->carrier -= (unsigned)k;
                if (c->carrier)
                    break;
                if (c->n_fds != 3) {
                    cl_fail(c, "NEW_SESSION without its three descriptors");
                    return;
                }
                strata__mux_sess_new(c);
                if (c->closing)
                    return;
                continue;
            }
            const uint8_t *body;
            size_t blen, flen;
            strata_error err = {0};
            strata_status r =
                strata__mux_frame(c->in + off, c->in_len - off, &body, &blen, &flen, &err);
            if (r == STRATA_WANT_READ)
                break;
            struct strata__mux_msg q;
            if (r != STRATA_OK || strata__mux_parse(body, blen, &q, &err) != STRATA_OK) {
                cl_fail(c, strata_error_message(&err));
                return;
            }
            off += flen;
            int gone = cl_request(c, &q);
            strata__mux_msg_free(&q);
            if (gone || c->closing)
                return;
        }
        memmove(c->in, c->in + off, c->in_len - off);
        c->in_len -= off;
    }
}

static void cl_poll_cb(uv_poll_t *h, int status, int events)
{
    struct mux_cl *c = h->data;
    if (status < 0) {
        strata__mux_cl_close(c);
        return;
    }
    if (events & UV_WRITABLE) {
        strata__mux_cl_flush(c);
        if (c->closing)
            return;
    }
    if (events & (UV_READABLE | UV_DISCONNECT))
        cl_read(c);
}

static void cl_watch(struct mux_cl *c)
{
    if (!c->poll_open || c->closing)
        return;
    int ev = UV_READABLE | UV_DISCONNECT | (c->out_len ? UV_WRITABLE : 0);
    if (ev != c->poll_events) {
        c->poll_events = ev;
        uv_poll_start(&c->poll, ev, cl_poll_cb);
    }
}

static void cl_freed(uv_handle_t *h)
{
    struct mux_cl *c = h->data;
    close(c->fd);
    free(c->in);
    free(c->out);
    free(c);
}

void strata__mux_cl_close(struct mux_cl *c)
{
    if (c->closing)
        return;
    c->closing = 1;
    for (struct mux_cl **pp = &c->m->clients; *pp; pp = &(*pp)->next)
        if (*pp == c) {
            *pp = c->next;
            break;
        }
    for (size_t i = 0; i < c->n_fds; i++)
        close(c->fds[i]);
    c->n_fds = 0;
    strata__mux_msg_free(&c->pending);
    if (c->sess)
        c->sess->cl = NULL; /* the session runs to its end without a client */
    c->sess = NULL;
    if (c->poll_open) {
        uv_poll_stop(&c->poll);
        uv_close((uv_handle_t *)&c->poll, cl_freed);
    } else {
        uv_handle_t fake;
        fake.data = c;
        cl_freed(&fake);
    }
}

/* ---- the listener --------------------------------------------------------------- */

static void on_listen(uv_poll_t *h, int status, int events)
{
    strata_ssh_mux_master *m = h->data;
    (void)events;
    if (status < 0)
        return;
    for (int k = 0; k < 16; k++) {
        int fd = accept4(m->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0)
            return;
        struct ucred cred;
        socklen_t len = sizeof cred;
        if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0 ||
            (cred.uid != 0 && cred.uid != geteuid())) {
            strata_log(STRATA_LOG_INFO, "mux", "control client with another uid refused");
            close(fd);
            continue;
        }
        struct mux_cl *c = calloc(1, sizeof *c);
        if (c && !(c->in = malloc(CL_IN_MAX))) {
            free(c);
            c = NULL;
        }
        if (!c || uv_poll_init(&m->io->loop, &c->poll, fd) != 0) {
            if (c) {
                free(c->in);
                free(c);
            }
            close(fd);
            continue;
        }
        c->m = m;
        c->fd = fd;
        c->poll_open = 1;
        c->poll.data = c;
        c->next = m->clients;
        m->clients = c;
        strata__mux_cl_reply(c, STRATA_SSH_MUX_HELLO, 0, STRATA_SSH_MUX_VERSION, NULL);
        cl_watch(c);
    }
}

/* OpenSSH's check: the socket's directory must not be writable by others
 * (a sticky directory such as /tmp is fine when the socket is new). */
static strata_status check_dir(const char *path, strata_error *err)
{
    char dir[STRATA_SSH_MUX_PATH_MAX + 1];
    snprintf(dir, sizeof dir, "%s", path);
    char *slash = strrchr(dir, '/');
    if (!slash)
        snprintf(dir, sizeof dir, ".");
    else if (slash == dir)
        dir[1] = 0;
    else
        *slash = 0;
    struct stat st;
    if (stat(dir, &st) != 0)
        return strata__error_set(err, STRATA_E_IO, "ControlPath directory %s: %s", dir,
                                 strerror(errno));
    if ((st.st_mode & (S_IWGRP | S_IWOTH)) && !(st.st_mode & S_ISVTX))
        return strata__error_set(err, STRATA_E_IO,
                                 "ControlPath directory %s is writable by group or others", dir);
    if (st.st_uid != geteuid() && st.st_uid != 0)
        return strata__error_set(err, STRATA_E_IO,
                                 "ControlPath directory %s is owned by another user", dir);
    return STRATA_OK;
}

static void persist_over(uv_timer_t *t)
{
    strata_ssh_mux_master *m = t->data;
    if (m->n_sessions == 0)
        terminate(m, "ControlPersist time is over");
}

/* No session is live: start ControlPersist's clock, or end. */
void strata__mux_check_idle(strata_ssh_mux_master *m)
{
    if (m->n_sessions || m->stopped || !m->own_done)
        return;
    if (m->persist == 0) {
        terminate(m, "the last session ended");
        return;
    }
    if (m->persist != UINT32_MAX && m->timer_open)
        uv_timer_start(&m->timer, persist_over, (uint64_t)m->persist * 1000u, 0);
}

/* SIGWINCH: OpenSSH's mux clients send it to the master when their
 * terminal changes size; every pty session gets its client's new size. */
static void on_winch(uv_signal_t *h, int signum)
{
    strata_ssh_mux_master *m = h->data;
    (void)signum;
    for (struct mux_sess *s = m->sessions; s; s = s->next) {
        struct winsize ws;
        if (!s->req.want_tty || !s->ch || !s->opened || s->freeing ||
            ioctl(s->fd[0], TIOCGWINSZ, &ws) != 0)
            continue;
        if (strata_ssh_channel_window_change(s->ch, ws.ws_col, ws.ws_row, ws.ws_xpixel,
                                             ws.ws_ypixel) != STRATA_OK)
            continue; /* the connection's sticky error says why */
        strata__mux_kick_main(m);
    }
}

strata_status strata_ssh_mux_master_new(strata_io *io, const strata_ssh_mux_master_config *cfg,
                                        strata_ssh_mux_master **out, strata_error *err)
{
    strata_status r;
    *out = NULL;
    if (!cfg->path || !cfg->on_terminate)
        return strata__error_set(err, STRATA_E_USAGE, "mux master: a path and on_terminate");
    struct sockaddr_un sa;
    memset(&sa, 0, sizeof sa);
    sa.sun_family = AF_UNIX;
    if (strlen(cfg->path) > STRATA_SSH_MUX_PATH_MAX || strlen(cfg->path) >= sizeof sa.sun_path)
        return strata__error_set(err, STRATA_E_USAGE, "ControlPath \"%s\" too long", cfg->path);
    if ((r = check_dir(cfg->path, err)) != STRATA_OK)
        return r;
    strcpy(sa.sun_path, cfg->path);
    strata_ssh_mux_master *m = calloc(1, sizeof *m);
    if (!m || !(m->path = strdup(cfg->path))) {
        free(m);
        return STRATA_E_NOMEM;
    }
    m->io = io;
    m->persist = cfg->persist_seconds;
    m->on_terminate = cfg->on_terminate;
    m->user = cfg->user;
    m->next_sid = 1;
    m->lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (m->lfd < 0) {
        r = strata__error_set(err, STRATA_E_IO, "ControlSocket: socket: %s", strerror(errno));
        goto fail;
    }
    mode_t old = umask(0177); /* the socket is 0600 from birth */
    int b = bind(m->lfd, (struct sockaddr *)&sa, sizeof sa);
    int e = errno;
    umask(old);
    if (b != 0) {
        r = strata__error_set(err, STRATA_E_IO,
                              e == EADDRINUSE ? "ControlSocket %s already exists, disabling "
                                                "multiplexing"
                                              : "ControlSocket %s: bind: %s",
                              cfg->path, strerror(e));
        goto fail;
    }
    m->listening = 1;
    if (listen(m->lfd, 64) != 0 || uv_poll_init(&io->loop, &m->lpoll, m->lfd) != 0) {
        r = strata__error_set(err, STRATA_E_IO, "ControlSocket %s: listen: %s", cfg->path,
                              strerror(errno));
        goto fail;
    }
    m->lpoll_open = 1;
    m->lpoll.data = m;
    uv_poll_start(&m->lpoll, UV_READABLE, on_listen);
    if (uv_timer_init(&io->loop, &m->timer) == 0) {
        m->timer_open = 1;
        m->timer.data = m;
        uv_unref((uv_handle_t *)&m->timer);
    }
    if (uv_signal_init(&io->loop, &m->winch) == 0) {
        m->winch_open = 1;
        m->winch.data = m;
        uv_unref((uv_handle_t *)&m->winch);
        (void)uv_signal_start(&m->winch, on_winch, SIGWINCH); /* else sizes stay as at start */
    }
    *out = m;
    return STRATA_OK;
fail:
    strata_ssh_mux_master_free(m);
    return r;
}

void strata_ssh_mux_master_start(strata_ssh_mux_master *m, strata_io_conn *main,
                                 strata_ssh_client *client)
{
    m->main = main;
    m->client = client;
}

void strata_ssh_mux_master_own_done(strata_ssh_mux_master *m)
{
    m->own_done = 1;
    strata__mux_check_idle(m);
}

size_t strata_ssh_mux_master_sessions(const strata_ssh_mux_master *m)
{
    return m->n_sessions;
}

void strata_ssh_mux_master_stop(strata_ssh_mux_master *m)
{
    if (!m || m->stopped)
        return;
    m->stopped = 1;
    m->client = NULL;
    m->main = NULL;
    if (m->winch_open) {
        uv_close((uv_handle_t *)&m->winch, NULL);
        m->winch_open = 0;
    }
    stop_listening(m);
    if (m->timer_open) {
        uv_close((uv_handle_t *)&m->timer, NULL);
        m->timer_open = 0;
    }
    /* The channels went with the connection: forget them; the sessions end
     * without an exit message (their clients exit 255). */
    while (m->sessions) {
        struct mux_sess *s = m->sessions;
        s->ch = NULL;
        if (s->cl) {
            struct mux_cl *c = s->cl;
            c->sess = NULL;
            s->cl = NULL;
            strata__mux_cl_close(c);
        }
        strata__mux_sess_free(s);
    }
    while (m->clients)
        strata__mux_cl_close(m->clients);
}

void strata_ssh_mux_master_free(strata_ssh_mux_master *m)
{
    if (!m)
        return;
    strata_ssh_mux_master_stop(m);
    if (m->lfd > 0 && m->listening)
        close(m->lfd);
    free(m->path);
    free(m);
}
