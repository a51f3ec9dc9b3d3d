/* ssh/conn: the connection protocol engine against scripted server messages
 * (channels, requests, data and windows, close order, global requests). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "strata/ssh_conn.h"

#define MAXMSG 64

struct fx {
    strata_buf sent[MAXMSG];
    size_t n_sent;
    strata_ssh_conn *c;
    enum strata_ssh_channel_event evs[32];
    char ev_req[32][40];
    size_t n_evs;
    char reply[64];
    int open_verdict;
    strata_ssh_channel *incoming;
    char origin[64];
    /* send_parts: where each message's data came from, and its head's size */
    const uint8_t *part_data[MAXMSG];
    size_t part_head[MAXMSG];
};

static strata_status rec_send(void *ctx, const uint8_t *p, size_t n)
{
    struct fx *f = ctx;
    assert_true(f->n_sent < MAXMSG);
    strata_buf_init(&f->sent[f->n_sent], 0);
    assert_ok(strata_buf_put(&f->sent[f->n_sent], p, n));
    f->n_sent++;
    return STRATA_OK;
}

/* Records head || data as one message, and where the data was. */
static strata_status rec_send_parts(void *ctx, const uint8_t *head, size_t hn, const uint8_t *data,
                                    size_t dn)
{
    struct fx *f = ctx;
    assert_true(f->n_sent < MAXMSG);
    f->part_data[f->n_sent] = data;
    f->part_head[f->n_sent] = hn;
    strata_buf_init(&f->sent[f->n_sent], 0);
    assert_ok(strata_buf_put(&f->sent[f->n_sent], head, hn));
    assert_ok(strata_buf_put(&f->sent[f->n_sent], data, dn));
    f->n_sent++;
    return STRATA_OK;
}

static void on_event(void *user, strata_ssh_channel *ch, enum strata_ssh_channel_event ev,
                     const char *req)
{
    struct fx *f = user;
    (void)ch;
    assert_true(f->n_evs < 32);
    snprintf(f->ev_req[f->n_evs], 40, "%s", req ? req : "");
    f->evs[f->n_evs++] = ev;
}

static void on_global(void *user, const char *name, int ok, uint32_t port)
{
    struct fx *f = user;
    snprintf(f->reply, sizeof f->reply, "%s %d %u", name, ok, port);
}

static strata_status on_open(void *user, strata_ssh_channel *ch, const strata_ssh_open_info *info)
{
    struct fx *f = user;
    if (info->connected_address)
        snprintf(f->origin, sizeof f->origin, "%s:%u from %s:%u", info->connected_address,
                 info->connected_port, info->originator_address, info->originator_port);
    else
        snprintf(f->origin, sizeof f->origin, "%s %u %u", info->type, info->connected_port,
                 info->originator_port);
    f->incoming = ch;
    strata_ssh_channel_set_handler(ch, on_event, f);
    return (strata_status)f->open_verdict;
}

static void fx_init_parts(struct fx *f, uint32_t window, uint32_t window_max, uint32_t max_packet,
                          int parts)
{
    memset(f, 0, sizeof *f);
    strata_ssh_conn_config cfg = {.send = rec_send,
                                  .send_parts = parts ? rec_send_parts : NULL,
                                  .send_ctx = f,
                                  .window = window,
                                  .window_max = window_max,
                                  .max_packet = max_packet,
                                  .max_channels = 4,
                                  .open_request = on_open,
                                  .global_reply = on_global,
                                  .user = f};
    assert_ok(strata_ssh_conn_new(&cfg, &f->c, NULL));
}

static void fx_init(struct fx *f, uint32_t window, uint32_t window_max, uint32_t max_packet)
{
    fx_init_parts(f, window, window_max, max_packet, 0);
}

static void fx_free(struct fx *f)
{
    for (size_t i = 0; i < f->n_sent; i++)
        strata_buf_free(&f->sent[i]);
    strata_ssh_conn_free(f->c);
}

static strata_status feed(struct fx *f, strata_buf *m)
{
    strata_status r = strata_ssh_conn_packet(f->c, strata_buf_ptr(m), strata_buf_len(m));
    strata_buf_free(&*m);
    return r;
}

/* Builds a message: type then u32 values ('u'), strings ('s'), bools ('b'). */
static strata_status msg(struct fx *f, uint8_t type, const char *fmt, ...)
{
    strata_buf m;
    strata_buf_init(&m, 0);
    assert_ok(strata_buf_put_u8(&m, type));
    va_list ap;
    va_start(ap, fmt);
    for (const char *p = fmt; *p; p++) {
        if (*p == 'u')
            assert_ok(strata_buf_put_u32(&m, va_arg(ap, uint32_t)));
        else if (*p == 's')
            assert_ok(strata_buf_put_cstring(&m, va_arg(ap, const char *)));
        else if (*p == 'b')
            assert_ok(strata_buf_put_bool(&m, va_arg(ap, int)));
    }
    va_end(ap);
    return feed(f, &m);
}

static strata_status data_msg(struct fx *f, uint8_t type, uint32_t id, size_t n)
{
    strata_buf m;
    strata_buf_init(&m, 0);
    uint8_t *p;
    assert_ok(strata_buf_put_u8(&m, type));
    assert_ok(strata_buf_put_u32(&m, id));
    if (type == 95)
        assert_ok(strata_buf_put_u32(&m, 1));
    assert_ok(strata_buf_put_u32(&m, (uint32_t)n));
    assert_ok(strata_buf_reserve(&m, n, &p));
    memset(p, 'x', n);
    return feed(f, &m);
}

static uint8_t sent_type(struct fx *f, size_t i)
{
    return strata_buf_ptr(&f->sent[i])[0];
}

static uint32_t get_u32(strata_buf *b)
{
    uint32_t v;
    assert_ok(strata_buf_get_u32(b, &v));
    return v;
}

static void expect_str(strata_buf *m, const char *want)
{
    const uint8_t *p;
    size_t n;
    assert_ok(strata_buf_get_string(m, &p, &n));
    assert_int_equal(n, strlen(want));
    assert_memory_equal(p, want, n);
}

/* Opens a session channel confirmed with the given peer window / packet. */
static strata_ssh_channel *open_session(struct fx *f, uint32_t rwin, uint32_t rpkt)
{
    strata_ssh_channel *ch;
    assert_ok(strata_ssh_channel_open_session(f->c, on_event, f, &ch));
    assert_ok(msg(f, 91, "uuuu", strata_ssh_channel_id(ch), 700u, rwin, rpkt));
    return ch;
}

static void test_session_exec_lifecycle(void **state)
{
    (void)state;
    struct fx f;
    fx_init(&f, 0, 0, 0);
    strata_ssh_channel *ch;
    assert_ok(strata_ssh_channel_open_session(f.c, on_event, &f, &ch));
    strata_buf m = f.sent[0];
    uint8_t t;
    assert_ok(strata_buf_get_u8(&m, &t));
    assert_int_equal(t, 90);
    expect_str(&m, "session");
    assert_int_equal(get_u32(&m), 0);                /* our id */
    assert_int_equal(get_u32(&m), 2u * 1024 * 1024); /* window */
    assert_int_equal(get_u32(&m), 32768);            /* max packet */
    assert_ok(strata_buf_get_end(&m));
    /* Data before the confirmation is refused. */
    size_t used;
    assert_status(strata_ssh_channel_write(ch, 0, (const uint8_t *)"x", 1, &used), STRATA_E_STATE);

    assert_ok(msg(&f, 91, "uuuu", 0u, 700u, 1000000u, 32768u));
    assert_int_equal(f.evs[0], STRATA_SSH_CH_OPENED);
    assert_ok(strata_ssh_channel_pty(ch, "xterm", 80, 24, 0, 0, NULL, 0));
    assert_ok(strata_ssh_channel_exec(ch, "echo hi"));
    m = f.sent[2];
    assert_ok(strata_buf_get_u8(&m, &t));
    assert_int_equal(t, 98);
    assert_int_equal(get_u32(&m), 700); /* the server's id */
    expect_str(&m, "exec");
    int b;
    assert_ok(strata_buf_get_bool(&m, &b));
    assert_int_equal(b, 1);
    expect_str(&m, "echo hi");
    assert_ok(strata_buf_get_end(&m));
    /* Replies come in order: pty-req refused (not fatal), exec accepted. */
    assert_ok(msg(&f, 100, "u", 0u));
    assert_ok(msg(&f, 99, "u", 0u));
    assert_int_equal(f.evs[1], STRATA_SSH_CH_REQUEST_FAILED);
    assert_string_equal(f.ev_req[1], "pty-req");
    assert_int_equal(f.evs[2], STRATA_SSH_CH_REQUEST_OK);
    assert_string_equal(f.ev_req[2], "exec");

    assert_ok(data_msg(&f, 94, 0, 3));
    assert_ok(data_msg(&f, 95, 0, 5));
    size_t n;
    strata_ssh_channel_read_buf(ch, 0, &n);
    assert_int_equal(n, 3);
    strata_ssh_channel_read_buf(ch, 1, &n);
    assert_int_equal(n, 5);
    assert_ok(msg(&f, 98, "usbu", 0u, "exit-status", 0, 3u));
    uint32_t code = 0;
    assert_int_equal(strata_ssh_channel_exit_status(ch, &code), 1);
    assert_int_equal(code, 3);
    assert_ok(msg(&f, 96, "u", 0u));
    assert_true(strata_ssh_channel_state(ch) & STRATA_SSH_CHS_EOF_RCVD);
    /* Data after EOF breaks the protocol... checked in another test. The
     * server closes; we answer with our CLOSE and the channel is done. */
    size_t before = f.n_sent;
    assert_ok(msg(&f, 97, "u", 0u));
    assert_int_equal(f.n_sent, before + 1);
    assert_int_equal(sent_type(&f, before), 97);
    assert_int_equal(f.evs[f.n_evs - 1], STRATA_SSH_CH_CLOSED);
    /* Buffered data is still readable after the close. */
    strata_ssh_channel_read_buf(ch, 0, &n);
    assert_int_equal(n, 3);
    assert_int_equal(strata_ssh_conn_channel_count(f.c), 1);
    strata_ssh_channel_release(ch);
    assert_int_equal(strata_ssh_conn_channel_count(f.c), 0);
    /* A message for the released channel is a protocol error. */
    assert_status(msg(&f, 96, "u", 0u), STRATA_E_PROTOCOL);
    assert_string_equal(strata_error_message(strata_ssh_conn_error(f.c)),
                        "message 96 for channel 0, which is not open");
    fx_free(&f);
}

static void test_open_failure_reason(void **state)
{
    (void)state;
    struct fx f;
    fx_init(&f, 0, 0, 0);
    strata_ssh_channel *ch;
    assert_ok(
        strata_ssh_channel_open_direct_tcpip(f.c, "db.internal", 5432, NULL, 0, on_event, &f, &ch));
    strata_buf m = f.sent[0];
    uint8_t t;
    assert_ok(strata_buf_get_u8(&m, &t));
    expect_str(&m, "direct-tcpip");
    get_u32(&m), get_u32(&m), get_u32(&m);
    expect_str(&m, "db.internal");
    assert_int_equal(get_u32(&m), 5432);
    expect_str(&m, "127.0.0.1");
    assert_int_equal(get_u32(&m), 0);
    assert_ok(strata_buf_get_end(&m));
    assert_int_equal(strata_ssh_channel_open_failure(ch), 0);
    assert_ok(msg(&f, 92, "uuss", 0u, 1u, "open failed\x1b[1m", ""));
    assert_int_equal(strata_ssh_channel_open_failure(ch),
                     STRATA_SSH_OPEN_ADMINISTRATIVELY_PROHIBITED);
    assert_int_equal(f.evs[0], STRATA_SSH_CH_OPEN_FAILED);
    assert_true(strata_ssh_channel_state(ch) & STRATA_SSH_CHS_FAILED);
    assert_string_equal(strata_error_message(strata_ssh_channel_error(ch)),
                        "channel open failed: administratively prohibited: open failed?[1m");
    strata_ssh_channel_release(ch);
    assert_int_equal(strata_ssh_conn_channel_count(f.c), 0);
    fx_free(&f);
}

static void test_write_honours_window_and_packet(void **state)
{
    (void)state;
    struct fx f;
    fx_init(&f, 0, 0, 0);
    strata_ssh_channel *ch = open_session(&f, 250, 100);
    uint8_t buf[1000];
    memset(buf, 'a', sizeof buf);
    size_t used;
    size_t before = f.n_sent;
    assert_ok(strata_ssh_channel_write(ch, 0, buf, sizeof buf, &used));
    assert_int_equal(used, 250);
    assert_int_equal(f.n_sent - before, 3);
    size_t sizes[3] = {100, 100, 50};
    for (size_t i = 0; i < 3; i++) {
        strata_buf m = f.sent[before + i];
        uint8_t t;
        assert_ok(strata_buf_get_u8(&m, &t));
        assert_int_equal(t, 94);
        assert_int_equal(get_u32(&m), 700);
        assert_int_equal(get_u32(&m), sizes[i]);
    }
    assert_int_equal(strata_ssh_channel_write_room(ch), 0);
    assert_ok(strata_ssh_channel_write(ch, 0, buf, sizeof buf, &used));
    assert_int_equal(used, 0);
    assert_ok(msg(&f, 93, "uu", 0u, 5000u));
    assert_int_equal(f.evs[f.n_evs - 1], STRATA_SSH_CH_WRITABLE);
    assert_ok(strata_ssh_channel_write(ch, 1, buf, 750, &used));
    assert_int_equal(used, 750);
    assert_int_equal(sent_type(&f, f.n_sent - 1), 95);
    /* EOF once; no data after it; CLOSE after EOF. */
    assert_ok(strata_ssh_channel_send_eof(ch));
    assert_ok(strata_ssh_channel_send_eof(ch));
    assert_int_equal(sent_type(&f, f.n_sent - 1), 96);
    assert_status(strata_ssh_channel_write(ch, 0, buf, 1, &used), STRATA_E_STATE);
    size_t n_eof = f.n_sent;
    assert_ok(strata_ssh_channel_close(ch));
    assert_int_equal(f.n_sent, n_eof + 1);
    assert_int_equal(sent_type(&f, n_eof), 97);
    assert_status(strata_ssh_channel_send_eof(ch), STRATA_E_STATE);
    /* Data still arriving before the peer saw our CLOSE is dropped. */
    assert_ok(data_msg(&f, 94, 0, 10));
    size_t n;
    strata_ssh_channel_read_buf(ch, 0, &n);
    assert_int_equal(n, 0);
    assert_ok(msg(&f, 97, "u", 0u));
    assert_int_equal(f.n_sent, n_eof + 1); /* no second CLOSE */
    assert_int_equal(f.evs[f.n_evs - 1], STRATA_SSH_CH_CLOSED);
    /* Window overflow past 2^32-1 is refused. */
    strata_ssh_channel *ch2 = open_session(&f, 0xfffffff0u, 100);
    (void)ch2;
    assert_status(msg(&f, 93, "uu", 1u, 0x20u), STRATA_E_PROTOCOL);
    fx_free(&f);
}

/* With send_parts, channel data leaves as a message head (type, channel,
 * [data type,] length) and the caller's own bytes, not copied into a
 * message: the messages are those of the joined path. Other messages still
 * go through send whole. */
static void test_write_data_in_two_pieces(void **state)
{
    (void)state;
    struct fx f;
    fx_init_parts(&f, 0, 0, 0, 1);
    strata_ssh_channel *ch = open_session(&f, 250, 100);
    uint8_t buf[300];
    for (size_t i = 0; i < sizeof buf; i++)
        buf[i] = (uint8_t)i;
    size_t used, before = f.n_sent;
    assert_ok(strata_ssh_channel_write(ch, 0, buf, 240, &used));
    assert_int_equal(used, 240);
    assert_ok(strata_ssh_channel_write(ch, 1, buf + 240, 60, &used));
    assert_int_equal(used, 10); /* the window's last 10 bytes */
    assert_int_equal(f.n_sent - before, 4);
    static const size_t off[4] = {0, 100, 200, 240}, len[4] = {100, 100, 40, 10};
    for (size_t i = 0; i < 4; i++) {
        const size_t k = before + i;
        assert_ptr_equal(f.part_data[k], buf + off[i]);
        assert_int_equal(f.part_head[k], i < 3 ? 9 : 13);
        strata_buf m = f.sent[k];
        uint8_t t;
        assert_ok(strata_buf_get_u8(&m, &t));
        assert_int_equal(t, i < 3 ? 94 : 95);
        assert_int_equal(get_u32(&m), 700);
        if (i == 3)
            assert_int_equal(get_u32(&m), 1); /* stderr */
        const uint8_t *p;
        size_t n;
        assert_ok(strata_buf_get_string(&m, &p, &n));
        assert_int_equal(n, len[i]);
        assert_memory_equal(p, buf + off[i], n);
        assert_int_equal(strata_buf_len(&m), 0);
    }
    size_t n_eof = f.n_sent;
    assert_ok(strata_ssh_channel_send_eof(ch));
    assert_int_equal(f.n_sent, n_eof + 1);
    assert_int_equal(sent_type(&f, n_eof), 96);
    assert_null(f.part_data[n_eof]); /* through send */
    fx_free(&f);
}

static void test_window_refill_and_growth(void **state)
{
    (void)state;
    struct fx f;
    fx_init(&f, 65536, 262144, 16384);
    strata_ssh_channel *ch = open_session(&f, 1000, 1000);
    size_t before = f.n_sent;
    /* A reader that keeps up: the refill at half the window doubles it. */
    assert_ok(data_msg(&f, 94, 0, 16384));
    assert_ok(strata_ssh_channel_read_ack(ch, 0, 16384));
    assert_int_equal(f.n_sent, before);
    assert_ok(data_msg(&f, 94, 0, 16384));
    assert_ok(strata_ssh_channel_read_ack(ch, 0, 16384));
    assert_int_equal(f.n_sent, before + 1);
    strata_buf m = f.sent[before];
    uint8_t t;
    assert_ok(strata_buf_get_u8(&m, &t));
    assert_int_equal(t, 93);
    assert_int_equal(get_u32(&m), 700);
    assert_int_equal(get_u32(&m), 32768 + 65536);
    assert_int_equal(strata_ssh_channel_window_size(ch), 131072);
    /* The peer now has 131072 - 0 bytes of window: 8 full packets fit. */
    for (int i = 0; i < 8; i++) {
        assert_ok(data_msg(&f, 94, 0, 16384));
        assert_ok(strata_ssh_channel_read_ack(ch, 0, 16384));
    }
    assert_int_equal(strata_ssh_channel_window_size(ch), 262144);
    /* At the maximum the window stops growing. */
    for (int i = 0; i < 16; i++) {
        assert_ok(data_msg(&f, 94, 0, 16384));
        assert_ok(strata_ssh_channel_read_ack(ch, 0, 16384));
    }
    assert_int_equal(strata_ssh_channel_window_size(ch), 262144);
    fx_free(&f);

    /* A slow reader: data piles up, the window does not grow, and the peer
     * cannot send past it. */
    fx_init(&f, 65536, 262144, 16384);
    ch = open_session(&f, 1000, 1000);
    for (int i = 0; i < 4; i++)
        assert_ok(data_msg(&f, 94, 0, 16384));
    assert_ok(strata_ssh_channel_read_ack(ch, 0, 32768));
    assert_int_equal(strata_ssh_channel_window_size(ch), 65536);
    assert_ok(data_msg(&f, 94, 0, 16384));
    assert_ok(data_msg(&f, 94, 0, 16384));
    assert_status(data_msg(&f, 94, 0, 1), STRATA_E_PROTOCOL);
    assert_string_equal(strata_error_message(strata_ssh_conn_error(f.c)),
                        "channel 0: peer sent 1 bytes with only 0 left in the window");
    fx_free(&f);

    /* A packet larger than our maximum. */
    fx_init(&f, 65536, 262144, 16384);
    ch = open_session(&f, 1000, 1000);
    assert_status(data_msg(&f, 94, 0, 16385), STRATA_E_PROTOCOL);
    assert_string_equal(strata_error_message(strata_ssh_conn_error(f.c)),
                        "channel 0: data packet of 16385 bytes exceeds our maximum packet size "
                        "16384");
    fx_free(&f);
}

static void test_requests_and_signals(void **state)
{
    (void)state;
    struct fx f;
    fx_init(&f, 0, 0, 0);
    strata_ssh_channel *ch = open_session(&f, 100000, 32768);
    static const uint8_t modes[] = {53, 0, 0, 0, 1, 0}; /* ECHO 1, TTY_OP_END */
    assert_ok(strata_ssh_channel_pty(ch, "xterm-256color", 80, 24, 0, 0, modes, sizeof modes));
    strata_buf m = f.sent[f.n_sent - 1];
    uint8_t t;
    int b;
    assert_ok(strata_buf_get_u8(&m, &t));
    get_u32(&m);
    expect_str(&m, "pty-req");
    assert_ok(strata_buf_get_bool(&m, &b));
    assert_int_equal(b, 1);
    expect_str(&m, "xterm-256color");
    assert_int_equal(get_u32(&m), 80);
    assert_int_equal(get_u32(&m), 24);
    get_u32(&m), get_u32(&m);
    const uint8_t *p;
    size_t n;
    assert_ok(strata_buf_get_string(&m, &p, &n));
    assert_int_equal(n, sizeof modes);
    assert_ok(strata_buf_get_end(&m));
    assert_ok(strata_ssh_channel_shell(ch));
    assert_ok(strata_ssh_channel_window_change(ch, 120, 40, 0, 0));
    m = f.sent[f.n_sent - 1];
    assert_ok(strata_buf_get_u8(&m, &t));
    get_u32(&m);
    expect_str(&m, "window-change");
    assert_ok(strata_buf_get_bool(&m, &b));
    assert_int_equal(b, 0);
    assert_ok(strata_ssh_channel_signal(ch, "INT"));
    /* A keepalive on the channel is answered with FAILURE. */
    assert_ok(msg(&f, 98, "usb", 0u, "keepalive@openssh.com", 1));
    assert_int_equal(sent_type(&f, f.n_sent - 1), 100);
    assert_ok(msg(&f, 98, "usbsbss", 0u, "exit-signal", 0, "KILL", 1, "killed\x07", "en"));
    int core;
    const char *text;
    assert_string_equal(strata_ssh_channel_exit_signal(ch, &core, &text), "KILL");
    assert_int_equal(core, 1);
    assert_string_equal(text, "killed?");
    /* Replies beyond the requests sent are refused. */
    assert_ok(msg(&f, 99, "u", 0u));
    assert_ok(msg(&f, 99, "u", 0u));
    assert_status(msg(&f, 99, "u", 0u), STRATA_E_PROTOCOL);
    assert_string_equal(strata_error_message(strata_ssh_conn_error(f.c)),
                        "channel 0: CHANNEL_SUCCESS without a request awaiting a reply");
    fx_free(&f);
}

/* The last message sent is GLOBAL_REQUEST name with want_reply set, then
 * (when addr is not NULL) the address and port, and nothing else. */
static void expect_global(struct fx *f, const char *name, const char *addr, uint32_t port)
{
    strata_buf m = f->sent[f->n_sent - 1];
    uint8_t t;
    int b;
    assert_ok(strata_buf_get_u8(&m, &t));
    assert_int_equal(t, 80);
    expect_str(&m, name);
    assert_ok(strata_buf_get_bool(&m, &b));
    assert_int_equal(b, 1);
    if (addr) {
        expect_str(&m, addr);
        assert_int_equal(get_u32(&m), port);
    }
    assert_ok(strata_buf_get_end(&m));
}

static void test_global_requests(void **state)
{
    (void)state;
    struct fx f;
    fx_init(&f, 0, 0, 0);
    /* The server's keepalive is answered with REQUEST_FAILURE. */
    assert_ok(msg(&f, 80, "sb", "keepalive@openssh.com", 1));
    assert_int_equal(f.n_sent, 1);
    assert_int_equal(sent_type(&f, 0), 82);
    assert_ok(msg(&f, 80, "sb", "hostkeys-00@openssh.com", 0));
    assert_int_equal(f.n_sent, 1);
    /* Ours: keepalives counted until answered. */
    assert_ok(strata_ssh_conn_keepalive(f.c));
    expect_global(&f, "keepalive@openssh.com", NULL, 0);
    assert_ok(strata_ssh_conn_keepalive(f.c));
    assert_int_equal(strata_ssh_conn_keepalives_unanswered(f.c), 2);
    assert_ok(strata_ssh_conn_tcpip_forward(f.c, "127.0.0.1", 0));
    expect_global(&f, "tcpip-forward", "127.0.0.1", 0);
    assert_ok(msg(&f, 82, ""));
    assert_string_equal(f.reply, "keepalive@openssh.com 0 0");
    assert_int_equal(strata_ssh_conn_keepalives_unanswered(f.c), 0);
    assert_ok(msg(&f, 82, ""));
    assert_ok(msg(&f, 81, "u", 40123u));
    assert_string_equal(f.reply, "tcpip-forward 1 40123");
    /* RFC 4254 §7.1: cancel-tcpip-forward with the address and port bound. */
    assert_ok(strata_ssh_conn_cancel_tcpip_forward(f.c, "127.0.0.1", 40123));
    expect_global(&f, "cancel-tcpip-forward", "127.0.0.1", 40123);
    assert_ok(msg(&f, 81, ""));
    assert_string_equal(f.reply, "cancel-tcpip-forward 1 0");
    assert_status(msg(&f, 81, ""), STRATA_E_PROTOCOL);
    assert_string_equal(strata_error_message(strata_ssh_conn_error(f.c)),
                        "REQUEST_SUCCESS without a global request awaiting a reply");
    fx_free(&f);
}

static void test_forwarded_tcpip(void **state)
{
    (void)state;
    struct fx f;
    fx_init(&f, 0, 0, 0);
    /* Accepted at once. */
    f.open_verdict = STRATA_OK;
    /* Without the originator port: malformed. */
    assert_status(msg(&f, 90, "suuusus", "forwarded-tcpip", 9u, 50000u, 16384u, "127.0.0.1", 8080u,
                      "10.0.0.5"),
                  STRATA_E_FORMAT);
    assert_string_equal(strata_error_message(strata_ssh_conn_error(f.c)),
                        "malformed forwarded-tcpip CHANNEL_OPEN");
    fx_free(&f);

    fx_init(&f, 0, 0, 0);
    f.open_verdict = STRATA_OK;
    assert_ok(msg(&f, 90,
                  "suuusu"
                  "su",
                  "forwarded-tcpip", 9u, 50000u, 16384u, "127.0.0.1", 8080u, "10.0.0.5", 40000u));
    assert_string_equal(f.origin, "127.0.0.1:8080 from 10.0.0.5:40000");
    strata_buf m = f.sent[0];
    uint8_t t;
    assert_ok(strata_buf_get_u8(&m, &t));
    assert_int_equal(t, 91);
    assert_int_equal(get_u32(&m), 9);
    assert_int_equal(get_u32(&m), 0);
    size_t used;
    assert_ok(strata_ssh_channel_write(f.incoming, 0, (const uint8_t *)"hello", 5, &used));
    assert_int_equal(used, 5);
    /* Pending, then refused by the application. */
    f.open_verdict = STRATA_PENDING;
    assert_ok(msg(&f, 90,
                  "suuusu"
                  "su",
                  "forwarded-tcpip", 10u, 50000u, 16384u, "127.0.0.1", 8080u, "10.0.0.6", 40001u));
    size_t before = f.n_sent;
    assert_ok(strata_ssh_channel_reject(f.incoming, STRATA_SSH_OPEN_CONNECT_FAILED, "no route"));
    m = f.sent[before];
    assert_ok(strata_buf_get_u8(&m, &t));
    assert_int_equal(t, 92);
    assert_int_equal(get_u32(&m), 10);
    assert_int_equal(get_u32(&m), 2);
    expect_str(&m, "no route");
    strata_ssh_channel_release(f.incoming);
    /* Unknown channel types are refused without asking anyone. */
    assert_ok(msg(&f, 90, "suuu", "x11", 11u, 100u, 100u));
    m = f.sent[f.n_sent - 1];
    assert_ok(strata_buf_get_u8(&m, &t));
    assert_int_equal(t, 92);
    assert_int_equal(get_u32(&m), 11);
    assert_int_equal(get_u32(&m), 3);
    /* The table is bounded: 4 channels, one in use. */
    strata_ssh_channel *chs[3];
    for (int i = 0; i < 3; i++)
        assert_ok(strata_ssh_channel_open_session(f.c, on_event, &f, &chs[i]));
    strata_ssh_channel *extra;
    assert_status(strata_ssh_channel_open_session(f.c, on_event, &f, &extra), STRATA_E_LIMIT);
    assert_ok(msg(&f, 90,
                  "suuusu"
                  "su",
                  "forwarded-tcpip", 12u, 50000u, 16384u, "127.0.0.1", 8080u, "10.0.0.7", 40002u));
    m = f.sent[f.n_sent - 1];
    assert_ok(strata_buf_get_u8(&m, &t));
    assert_int_equal(t, 92);
    assert_int_equal(get_u32(&m), 12);
    assert_int_equal(get_u32(&m), 4);
    fx_free(&f);
}

/* auth-agent-req@openssh.com, and the agent channels it lets the server open:
 * refused (administratively prohibited, the application never asked) before
 * the request, handed to open_request after it. */
static void test_agent_forwarding(void **state)
{
    (void)state;
    struct fx f;
    fx_init(&f, 0, 0, 0);
    f.open_verdict = STRATA_OK;
    strata_ssh_channel *ch = open_session(&f, 100000, 32768);
    assert_ok(msg(&f, 90, "suuu", STRATA_SSH_AGENT_CHANNEL, 20u, 50000u, 16384u));
    assert_null(f.incoming);
    strata_buf m = f.sent[f.n_sent - 1];
    uint8_t t;
    int b;
    assert_ok(strata_buf_get_u8(&m, &t));
    assert_int_equal(t, 92);
    assert_int_equal(get_u32(&m), 20);
    assert_int_equal(get_u32(&m), STRATA_SSH_OPEN_ADMINISTRATIVELY_PROHIBITED);
    expect_str(&m, "agent forwarding was not requested");

    assert_ok(strata_ssh_channel_agent_forward(ch));
    m = f.sent[f.n_sent - 1];
    assert_ok(strata_buf_get_u8(&m, &t));
    assert_int_equal(t, 98);
    assert_int_equal(get_u32(&m), 700);
    expect_str(&m, "auth-agent-req@openssh.com");
    assert_ok(strata_buf_get_bool(&m, &b));
    assert_int_equal(b, 0);
    assert_ok(strata_buf_get_end(&m));
    /* No reply is awaited: a CHANNEL_SUCCESS now would be unexpected. */
    assert_ok(msg(&f, 90, "suuu", STRATA_SSH_AGENT_CHANNEL, 21u, 50000u, 16384u));
    assert_non_null(f.incoming);
    assert_string_equal(f.origin, "auth-agent@openssh.com 0 0");
    m = f.sent[f.n_sent - 1];
    assert_ok(strata_buf_get_u8(&m, &t));
    assert_int_equal(t, 91);
    assert_int_equal(get_u32(&m), 21);
    /* Trailing bytes after an agent open are malformed. */
    assert_status(msg(&f, 90, "suuuu", STRATA_SSH_AGENT_CHANNEL, 22u, 50000u, 16384u, 1u),
                  STRATA_E_FORMAT);
    assert_string_equal(strata_error_message(strata_ssh_conn_error(f.c)),
                        "malformed auth-agent@openssh.com CHANNEL_OPEN");
    fx_free(&f);
}

static void test_release_while_opening(void **state)
{
    (void)state;
    struct fx f;
    fx_init(&f, 0, 0, 0);
    strata_ssh_channel *ch;
    assert_ok(strata_ssh_channel_open_session(f.c, on_event, &f, &ch));
    strata_ssh_channel_release(ch);
    assert_int_equal(strata_ssh_conn_channel_count(f.c), 1); /* id held until answered */
    assert_ok(msg(&f, 91, "uuuu", 0u, 5u, 1000u, 1000u));
    assert_int_equal(sent_type(&f, f.n_sent - 1), 97); /* closed at once */
    assert_int_equal(f.n_evs, 0);
    strata_status r = msg(&f, 97, "u", 0u);
    if (r != STRATA_OK)
        fail_msg("%s", strata_error_message(strata_ssh_conn_error(f.c)));
    assert_int_equal(strata_ssh_conn_channel_count(f.c), 0);
    /* Unknown message numbers go back to the transport (UNIMPLEMENTED). */
    uint8_t odd = 120;
    assert_status(strata_ssh_conn_packet(f.c, &odd, 1), STRATA_E_UNSUPPORTED);
    fx_free(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_session_exec_lifecycle),
        cmocka_unit_test(test_open_failure_reason),
        cmocka_unit_test(test_write_honours_window_and_packet),
        cmocka_unit_test(test_write_data_in_two_pieces),
        cmocka_unit_test(test_window_refill_and_growth),
        cmocka_unit_test(test_requests_and_signals),
        cmocka_unit_test(test_global_requests),
        cmocka_unit_test(test_forwarded_tcpip),
        cmocka_unit_test(test_agent_forwarding),
        cmocka_unit_test(test_release_while_opening),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
