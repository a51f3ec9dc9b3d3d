/* A mux session (see ssh_mux_master.c's note): a session channel on the
 * master's SSH connection joined to the client's stdin, stdout and stderr
 * by the io driver's reader and writer halves; pumped from an idle handle,
 * so no channel call runs inside the connection's own processing. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include "io/ssh_mux_internal.h"
#include "strata/log.h"

static void sess_kick(void *arg);

static void sess_pump(struct mux_sess *s);

static void sess_idle_cb(uv_idle_t *h)
{
    struct mux_sess *s = h->data;
    uv_idle_stop(h);
    s->idle_on = 0;
    sess_pump(s);
}

static void sess_schedule(struct mux_sess *s)
{
    if (s->idle_open && !s->idle_on && !s->freeing) {
        s->idle_on = 1;
        uv_idle_start(&s->idle, sess_idle_cb);
    }
}

static void set_blocking(int fd)
{
    int fl = fcntl(fd, F_GETFL);
    if (fl >= 0 && (fl & O_NONBLOCK))
        (void)fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);
}

static void sess_try_free(struct mux_sess *s)
{
    if (s->pending > 0 || !strata__io_rd_idle(&s->rd) || !strata__io_wr_idle(&s->wr[0]) ||
        !strata__io_wr_idle(&s->wr[1]))
        return;
    strata__io_rd_free(&s->rd);
    strata__io_wr_free(&s->wr[0]);
    strata__io_wr_free(&s->wr[1]);
    for (int i = 0; i < 3; i++)
        if (s->fd[i] >= 0)
            close(s->fd[i]); /* file mode: ours to close */
    strata__mux_msg_free(&s->req);
    free(s);
}

static void sess_handle_closed(uv_handle_t *h)
{
    struct mux_sess *s = h->data;
    s->pending--;
    sess_try_free(s);
}

/* Detaches the session from everything and frees it once its handles and
 * file requests are done. */
void strata__mux_sess_free(struct mux_sess *s)
{
    strata_ssh_mux_master *m = s->m;
    if (s->freeing)
        return;
    s->freeing = 1;
    for (struct mux_sess **pp = &m->sessions; *pp; pp = &(*pp)->next)
        if (*pp == s) {
            *pp = s->next;
            m->n_sessions--;
            break;
        }
    if (s->ch) {
        strata_ssh_channel_release(s->ch);
        s->ch = NULL;
        strata__mux_kick_main(m);
    }
    if (s->cl)
        s->cl->sess = NULL;
    strata__io_rd_stop(&s->rd);
    s->pending++;
    for (int i = 0; i < 3; i++) {
        if (!s->hopen[i])
            continue;
        s->hopen[i] = 0;
        set_blocking(s->fd[i]); /* the open file description is shared with the client */
        s->fd[i] = -1;          /* the handle closes it */
        s->h[i].handle.data = s;
        s->pending++;
        uv_close(&s->h[i].handle, sess_handle_closed);
    }
    if (s->idle_open) {
        s->idle_open = 0;
        s->idle.data = s;
        s->pending++;
        uv_close((uv_handle_t *)&s->idle, sess_handle_closed);
    }
    s->pending--;
    sess_try_free(s);
    strata__mux_check_idle(m);
}

static void sess_kick(void *arg)
{
    struct mux_sess *s = arg;
    if (s->freeing)
        sess_try_free(s);
    else
        sess_schedule(s);
}

/* The end: both writers flushed after the channel closed. */
static void sess_finish(struct mux_sess *s)
{
    struct mux_cl *c = s->cl;
    if (c) {
        if (s->have_status)
            strata__mux_cl_reply(c, STRATA_SSH_MUX_S_EXIT_MESSAGE, s->sid, s->status, NULL);
        c->sess = NULL;
        s->cl = NULL;
        c->close_after_flush = 1;
        strata__mux_cl_flush(c);
    }
    strata__mux_sess_free(s);
}

static void sess_requests(struct mux_sess *s)
{
    const struct strata__mux_msg *q = &s->req;
    strata_status r = STRATA_OK;
    if (q->want_tty) {
        struct winsize ws;
        memset(&ws, 0, sizeof ws);
        (void)ioctl(s->fd[0], TIOCGWINSZ, &ws);
        r = strata_ssh_channel_pty(s->ch, q->term && *q->term ? q->term : "vt100", ws.ws_col,
                                   ws.ws_row, ws.ws_xpixel, ws.ws_ypixel, NULL, 0);
    }
    for (size_t i = 0; r == STRATA_OK && i < q->n_env; i++) {
        char *eq = strchr(q->env[i], '=');
        if (!eq)
            continue;
        *eq = 0;
        r = strata_ssh_channel_env(s->ch, q->env[i], eq + 1);
        *eq = '=';
    }
    if (r == STRATA_OK) {
        if (q->subsystem)
            r = strata_ssh_channel_subsystem(s->ch, q->command ? q->command : "");
        else if (q->command && *q->command)
            r = strata_ssh_channel_exec(s->ch, q->command);
        else
            r = strata_ssh_channel_shell(s->ch);
    }
    if (r != STRATA_OK) {
        strata_log(STRATA_LOG_INFO, "mux", "session %u: cannot send its requests: %s", s->sid,
                   strata_status_str(r));
        strata__mux_ch_close(s->ch);
    }
    strata__mux_kick_main(s->m);
}

static void on_channel(void *user, strata_ssh_channel *ch, enum strata_ssh_channel_event ev,
                       const char *req)
{
    struct mux_sess *s = user;
    switch (ev) {
    case STRATA_SSH_CH_OPENED:
        s->opened = 1;
        sess_requests(s);
        if (s->cl)
            strata__mux_cl_reply(s->cl, STRATA_SSH_MUX_S_SESSION_OPENED, s->rid, s->sid, NULL);
        (void)strata__io_rd_start(&s->rd);
        break;
    case STRATA_SSH_CH_OPEN_FAILED:
        if (s->cl)
            strata__mux_cl_reply(s->cl, STRATA_SSH_MUX_S_FAILURE, s->rid, 0,
                                 strata_error_message(strata_ssh_channel_error(ch)));
        s->closed = 1;
        break;
    case STRATA_SSH_CH_REQUEST_FAILED:
        if (req && !strcmp(req, "pty-req") && s->cl)
            strata__mux_cl_reply(s->cl, STRATA_SSH_MUX_S_TTY_ALLOC_FAIL, s->sid, 0, NULL);
        else if (req &&
                 (!strcmp(req, "exec") || !strcmp(req, "shell") || !strcmp(req, "subsystem"))) {
            strata_log(STRATA_LOG_INFO, "mux", "session %u: %s request failed", s->sid, req);
            strata__mux_ch_close(ch);
        }
        break;
    case STRATA_SSH_CH_EXIT_STATUS: {
        uint32_t code;
        if (strata_ssh_channel_exit_status(ch, &code)) {
            s->have_status = 1;
            s->status = code;
        }
        break;
    }
    case STRATA_SSH_CH_CLOSED:
        s->closed = 1;
        break;
    default:
        break;
    }
    sess_schedule(s);
}

static void sess_pump(struct mux_sess *s)
{
    if (s->freeing)
        return;
    strata_ssh_channel *ch = s->ch;
    int moved = 0;
    unsigned st = ch ? strata_ssh_channel_state(ch) : STRATA_SSH_CHS_CLOSE_RCVD;
    /* stdin -> channel */
    if (ch && s->opened && !s->eof_sent &&
        !(st & (STRATA_SSH_CHS_CLOSE_SENT | STRATA_SSH_CHS_CLOSE_RCVD))) {
        size_t n, used = 0;
        strata_status rs;
        const uint8_t *p = strata__io_rd_peek(&s->rd, &n, &rs);
        if (n && strata_ssh_channel_write(ch, 0, p, n, &used) == STRATA_OK && used) {
            strata__io_rd_ack(&s->rd, used);
            moved = 1;
        }
        strata__io_rd_settle(&s->rd);
        if (n == 0 && rs != STRATA_OK) { /* end of input, or a read error: EOF */
            s->eof_sent = 1;
            if (strata_ssh_channel_send_eof(ch) != STRATA_OK)
                strata__mux_ch_close(ch);
            moved = 1;
        }
    }
    /* channel -> stdout, stderr */
    int buffered = 0;
    for (int i = 0; ch && i < 2; i++) {
        size_t n, used = 0;
        const uint8_t *p = strata_ssh_channel_read_buf(ch, i, &n);
        if (!n)
            continue;
        if (strata__io_wr_write(&s->wr[i], p, n, &used) != STRATA_OK)
            used = n; /* the reader went away: drop, as OpenSSH */
        if (used && strata_ssh_channel_read_ack(ch, i, used) == STRATA_OK)
            moved = 1;
        if (used < n)
            buffered = 1;
    }
    if (moved)
        strata__mux_kick_main(s->m);
    if (!buffered && (s->closed || (st & STRATA_SSH_CHS_EOF_RCVD)) && !s->out_eof) {
        s->out_eof = 1;
        (void)strata__io_wr_eof(&s->wr[0]);
        (void)strata__io_wr_eof(&s->wr[1]);
    }
    if (s->closed && !buffered && s->out_eof &&
        (strata__io_wr_done(&s->wr[0]) || strata__io_half_status(s->wr[0].err) != STRATA_OK) &&
        (strata__io_wr_done(&s->wr[1]) || strata__io_half_status(s->wr[1].err) != STRATA_OK))
        sess_finish(s);
}

static strata_status sess_open_fd(struct mux_sess *s, int i, strata_error *err)
{
    static const char *const what[] = {"mux client's stdin", "mux client's stdout",
                                       "mux client's stderr"};
    uv_stream_t *stream = NULL;
    uv_loop_t *loop = &s->m->io->loop;
    strata_status r =
        strata__io_fd_open(loop, s->fd[i], i == 0, what[i], &s->h[i], &s->hopen[i], &stream, err);
    if (r != STRATA_OK)
        return r;
    if (i == 0)
        r = strata__io_rd_init(&s->rd, loop, stream, s->fd[0], STRATA__IO_RBUF, what[0], sess_kick,
                               s);
    else
        r = strata__io_wr_init(&s->wr[i - 1], loop, stream, s->fd[i], STRATA__IO_WBUF,
                               STRATA__IO_WR_EOF_FLUSH, what[i], sess_kick, s);
    if (stream)
        stream->data = i == 0 ? (void *)&s->rd : (void *)&s->wr[i - 1];
    return r;
}

/* NEW_SESSION with its three descriptors (taken over from c). */
void strata__mux_sess_new(struct mux_cl *c)
{
    strata_ssh_mux_master *m = c->m;
    strata_error err = {0};
    const char *why = NULL;
    struct mux_sess *s = NULL;
    uint32_t rid = c->pending.id;
    if (!m->client || m->stopped) {
        why = "the master's connection is not ready";
        goto refuse;
    }
    if (!(s = calloc(1, sizeof *s))) {
        why = "out of memory";
        goto refuse;
    }
    s->m = m;
    s->cl = c;
    s->rid = rid;
    s->sid = m->next_sid++;
    s->req = c->pending;
    memset(&c->pending, 0, sizeof c->pending);
    for (int i = 0; i < 3; i++)
        s->fd[i] = c->fds[i];
    c->n_fds = 0;
    s->next = m->sessions;
    m->sessions = s;
    m->n_sessions++;
    c->sess = s;
    if (m->timer_open)
        uv_timer_stop(&m->timer);
    if (uv_idle_init(&m->io->loop, &s->idle) == 0) {
        s->idle_open = 1;
        s->idle.data = s;
    }
    for (int i = 0; i < 3 && err.status == STRATA_OK; i++)
        if (sess_open_fd(s, i, &err) != STRATA_OK)
            break;
    if (err.status != STRATA_OK || !s->idle_open) {
        strata__mux_cl_reply(c, STRATA_SSH_MUX_S_FAILURE, rid, 0,
                             err.status != STRATA_OK ? strata_error_message(&err)
                                                     : "out of memory");
        strata__mux_sess_free(s);
        return;
    }
    strata_status r =
        strata_ssh_channel_open_session(strata_ssh_client_conn(m->client), on_channel, s, &s->ch);
    if (r != STRATA_OK) {
        s->ch = NULL;
        strata__mux_cl_reply(c, STRATA_SSH_MUX_S_FAILURE, rid, 0, "cannot open a session channel");
        strata__mux_sess_free(s);
        return;
    }
    strata__mux_kick_main(m);
    return;
refuse:
    for (size_t i = 0; i < c->n_fds; i++)
        close(c->fds[i]);
    c->n_fds = 0;
    strata__mux_msg_free(&c->pending);
    strata__mux_cl_reply(c, STRATA_SSH_MUX_S_FAILURE, rid, 0, why);
}
