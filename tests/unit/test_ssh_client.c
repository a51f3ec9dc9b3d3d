/* ssh/client: transport + user auth + connection protocol wired together,
 * against the in-memory test server (tests/unit/ssh_testserver.c) with the
 * auth and connection messages scripted on the server side. */
#include <stdio.h>
#include <string.h>

#include "testutil.h"
#include "ssh_testserver.h"
#include "strata/ssh_client.h"

struct fx {
    struct ts *ts;
    strata_ssh_client *c;
    EVP_PKEY *hk;
    int ready;
    enum strata_ssh_channel_event last_ev;
    int n_ev;
};

static strata_status accept_key(void *user, const strata_ssh_hostkey_info *info)
{
    (void)user, (void)info;
    return STRATA_OK;
}

static void on_ready(void *user)
{
    struct fx *f = user;
    f->ready = 1;
}

static void on_channel(void *user, strata_ssh_channel *ch, enum strata_ssh_channel_event ev,
                       const char *req)
{
    struct fx *f = user;
    (void)ch, (void)req;
    f->last_ev = ev;
    f->n_ev++;
}

static void fx_init(struct fx *f)
{
    memset(f, 0, sizeof *f);
    f->hk = ts_make_hostkey("ssh-ed25519");
    struct ts_config tc = {.hostkey_alg = "ssh-ed25519", .hostkey = f->hk};
    assert_ok(ts_new(&tc, &f->ts));
    strata_ssh_client_config cc;
    memset(&cc, 0, sizeof cc);
    cc.transport.cb.verify_host_key = accept_key;
    cc.auth.username = "alice";
    cc.ready = on_ready;
    cc.user = f;
    assert_ok(strata_ssh_client_new(&cc, &f->c, NULL));
}

static void fx_free(struct fx *f)
{
    strata_ssh_client_free(f->c);
    ts_free(f->ts);
    EVP_PKEY_free(f->hk);
}

static strata_status pump(struct fx *f)
{
    return ts_pump(strata_ssh_client_transport(f->c), f->ts, 0);
}

static void server_send(struct fx *f, const uint8_t *p, size_t n)
{
    assert_ok(ts_send(f->ts, p, n));
}

/* Runs up to the "none" request, which the server has seen. */
static void up_to_none(struct fx *f)
{
    assert_ok(pump(f));
    size_t n;
    const uint8_t *log = ts_log(f->ts, &n);
    assert_int_equal(n, 1);
    assert_int_equal(log[0], 50); /* USERAUTH_REQUEST "none" */
    /* The client asked for ssh-userauth once the connection was secure. */
    assert_int_equal(ts_count(f->ts, 5), 1);
    assert_string_equal(ts_last_service(f->ts), "ssh-userauth");
}

static void test_auth_failure_disconnects(void **state)
{
    (void)state;
    struct fx f;
    fx_init(&f);
    up_to_none(&f);
    /* FAILURE(password): no prompt callback, so nothing is left. */
    static const uint8_t fail[] = {51, 0, 0, 0, 8, 'p', 'a', 's', 's', 'w', 'o', 'r', 'd', 0};
    server_send(&f, fail, sizeof fail);
    (void)pump(&f);
    assert_int_equal(ts_last_disconnect_reason(f.ts),
                     STRATA_SSH_DISCONNECT_NO_MORE_AUTH_METHODS_AVAILABLE);
    assert_status(strata_ssh_client_error(f.c)->status, STRATA_E_AUTH);
    assert_string_equal(strata_error_message(strata_ssh_client_error(f.c)),
                        "Permission denied (password).");
    assert_false(f.ready);
    fx_free(&f);
}

static void test_success_then_channel(void **state)
{
    (void)state;
    struct fx f;
    fx_init(&f);
    up_to_none(&f);
    static const uint8_t ok[] = {52};
    server_send(&f, ok, sizeof ok);
    assert_ok(pump(&f));
    assert_true(f.ready);
    assert_true(strata_ssh_client_is_ready(f.c));
    strata_ssh_channel *ch;
    assert_ok(strata_ssh_channel_open_session(strata_ssh_client_conn(f.c), on_channel, &f, &ch));
    assert_ok(pump(&f));
    size_t n;
    const uint8_t *log = ts_log(f.ts, &n);
    assert_int_equal(log[n - 1], 90);
    static const uint8_t confirm[] = {91, 0, 0, 0, 0, 0, 0, 0, 9, 0, 1, 0, 0, 0, 0, 0x80, 0};
    server_send(&f, confirm, sizeof confirm);
    assert_ok(pump(&f));
    assert_int_equal(f.last_ev, STRATA_SSH_CH_OPENED);
    /* An unknown connection message number is answered UNIMPLEMENTED and
     * the connection goes on. */
    static const uint8_t odd[] = {120};
    server_send(&f, odd, sizeof odd);
    assert_ok(pump(&f));
    assert_int_equal(ts_count(f.ts, 3), 1);
    /* A window overrun ends the connection with PROTOCOL_ERROR. */
    uint8_t data[13 + 200] = {94, 0, 0, 0, 0, 0, 0, 0, 200};
    server_send(&f, data, 9 + 200);
    assert_ok(pump(&f));
    static const uint8_t bad_adjust[] = {93, 0, 0, 0, 7, 0, 0, 0, 1};
    server_send(&f, bad_adjust, sizeof bad_adjust);
    (void)pump(&f);
    assert_int_equal(ts_last_disconnect_reason(f.ts), STRATA_SSH_DISCONNECT_PROTOCOL_ERROR);
    assert_string_equal(strata_error_message(strata_ssh_client_error(f.c)),
                        "message 93 for channel 7, which is not open");
    fx_free(&f);
}

/* Authenticated, with a session channel open (the server's id 9). */
static strata_ssh_channel *up_to_open_session(struct fx *f)
{
    up_to_none(f);
    static const uint8_t ok[] = {52};
    server_send(f, ok, sizeof ok);
    assert_ok(pump(f));
    strata_ssh_channel *ch;
    assert_ok(strata_ssh_channel_open_session(strata_ssh_client_conn(f->c), on_channel, f, &ch));
    assert_ok(pump(f));
    static const uint8_t confirm[] = {91, 0, 0, 0, 0, 0, 0, 0, 9, 0, 1, 0, 0, 0, 0, 0x80, 0};
    server_send(f, confirm, sizeof confirm);
    assert_ok(pump(f));
    assert_int_equal(f->last_ev, STRATA_SSH_CH_OPENED);
    return ch;
}

/* Pumps, then compares the server's decoding of the last request with want. */
static void expect_chreq(struct fx *f, const struct ts_chreq *want)
{
    assert_ok(pump(f));
    const struct ts_chreq *q = ts_last_chreq(f->ts);
    assert_int_equal(q->count, want->count);
    assert_int_equal(q->recipient, want->recipient);
    assert_int_equal(q->want_reply, want->want_reply);
    assert_string_equal(q->name, want->name);
    assert_string_equal(q->arg, want->arg);
    assert_string_equal(q->value, want->value);
    assert_int_equal(q->cols, want->cols);
    assert_int_equal(q->rows, want->rows);
    assert_int_equal(q->width_px, want->width_px);
    assert_int_equal(q->height_px, want->height_px);
}

/* The server decodes each request the client sends (tests/unit/
 * ssh_testserver.c, on_channel_request): the fields arrive as given, in
 * RFC 4254's order, with nothing left over. */
static void test_channel_requests_decoded(void **state)
{
    (void)state;
    struct fx f;
    fx_init(&f);
    strata_ssh_channel *ch = up_to_open_session(&f);
    assert_ok(strata_ssh_channel_pty(ch, "xterm-256color", 80, 24, 640, 480, NULL, 0));
    expect_chreq(&f,
                 &(struct ts_chreq){1, 9, 1, "pty-req", "xterm-256color", "", 80, 24, 640, 480});
    /* RFC 4254 §6.7: uint32 columns, rows, width px, height px; no reply. */
    assert_ok(strata_ssh_channel_window_change(ch, 132, 43, 1056, 688));
    expect_chreq(&f, &(struct ts_chreq){2, 9, 0, "window-change", "", "", 132, 43, 1056, 688});
    /* RFC 4254 §6.9: the signal name without "SIG"; no reply. */
    assert_ok(strata_ssh_channel_signal(ch, "INT"));
    expect_chreq(&f, &(struct ts_chreq){3, 9, 0, "signal", "INT", "", 0, 0, 0, 0});
    assert_ok(strata_ssh_channel_signal(ch, "TERM"));
    expect_chreq(&f, &(struct ts_chreq){4, 9, 0, "signal", "TERM", "", 0, 0, 0, 0});
    assert_status(strata_ssh_channel_signal(ch, NULL), STRATA_E_USAGE);

    assert_ok(strata_ssh_channel_exec(ch, "uname -a"));
    expect_chreq(&f, &(struct ts_chreq){5, 9, 1, "exec", "uname -a", "", 0, 0, 0, 0});
    assert_ok(strata_ssh_channel_env(ch, "LANG", "C.UTF-8"));
    expect_chreq(&f, &(struct ts_chreq){6, 9, 0, "env", "LANG", "C.UTF-8", 0, 0, 0, 0});
    assert_ok(strata_ssh_channel_shell(ch));
    expect_chreq(&f, &(struct ts_chreq){7, 9, 1, "shell", "", "", 0, 0, 0, 0});
    assert_ok(strata_ssh_channel_subsystem(ch, "sftp"));
    expect_chreq(&f, &(struct ts_chreq){8, 9, 1, "subsystem", "sftp", "", 0, 0, 0, 0});
    assert_int_equal(ts_count(f.ts, 98), 8);
    assert_int_equal(ts_error(f.ts)->status, STRATA_OK);
    fx_free(&f);
}

/* RFC 4254 §5.1 allows any maximum packet size: a server announcing 1 MiB
 * still gets data packets the transport can carry (STRATA_SSH_PACKET_MAX),
 * every byte of a 300 kB write, and no error. */
static void test_peer_max_packet_above_transport_limit(void **state)
{
    (void)state;
    struct fx f;
    fx_init(&f);
    up_to_none(&f);
    static const uint8_t ok[] = {52};
    server_send(&f, ok, sizeof ok);
    assert_ok(pump(&f));
    strata_ssh_channel *ch;
    assert_ok(strata_ssh_channel_open_session(strata_ssh_client_conn(f.c), on_channel, &f, &ch));
    assert_ok(pump(&f));
    /* CONFIRMATION: recipient 0, sender 9, window 4 MiB, maximum packet 1 MiB. */
    static const uint8_t confirm[] = {91, 0, 0, 0, 0, 0, 0, 0, 9, 0, 0x40, 0, 0, 0, 0x10, 0, 0};
    server_send(&f, confirm, sizeof confirm);
    assert_ok(pump(&f));
    assert_int_equal(f.last_ev, STRATA_SSH_CH_OPENED);
    static uint8_t big[300000];
    memset(big, 'u', sizeof big);
    size_t used = 0;
    assert_ok(strata_ssh_channel_write(ch, 0, big, sizeof big, &used));
    assert_int_equal(used, sizeof big);
    assert_ok(pump(&f));
    assert_int_equal(strata_ssh_client_error(f.c)->status, STRATA_OK);
    assert_int_equal(ts_error(f.ts)->status, STRATA_OK);
    assert_int_equal(ts_count(f.ts, 94), 2); /* 300000 in two packets, not one */
    fx_free(&f);
}

static void test_conn_message_before_auth(void **state)
{
    (void)state;
    struct fx f;
    fx_init(&f);
    up_to_none(&f);
    static const uint8_t early[] = {94, 0, 0, 0, 0, 0, 0, 0, 0};
    server_send(&f, early, sizeof early);
    (void)pump(&f);
    assert_int_equal(ts_last_disconnect_reason(f.ts), STRATA_SSH_DISCONNECT_PROTOCOL_ERROR);
    assert_string_equal(strata_error_message(strata_ssh_client_error(f.c)),
                        "connection protocol message 94 before authentication succeeded");
    fx_free(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_auth_failure_disconnects),
        cmocka_unit_test(test_success_then_channel),
        cmocka_unit_test(test_peer_max_packet_above_transport_limit),
        cmocka_unit_test(test_conn_message_before_auth),
        cmocka_unit_test(test_channel_requests_decoded),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
