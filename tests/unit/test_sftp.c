/* sftp: the reply parser fed known-bad server packets, each refused with
 * STRATA_E_SFTP_PACKET and a message naming the problem; the error sticks.
 * Also: replies split across feeds at every byte, out-of-order ids, the
 * stream ending with requests outstanding, and requests refused before
 * VERSION or for extensions not offered. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "sftp_wire.h"

static strata_sftp *ready_engine(void)
{
    strata_sftp *s;
    strata_buf b;
    assert_ok(strata_sftp_new(&s));
    size_t n;
    const uint8_t *p = strata_sftp_out(s, &n);
    /* INIT: length 5, type 1, version 3 */
    static const uint8_t init[] = {0, 0, 0, 5, 1, 0, 0, 0, 3};
    assert_int_equal(n, sizeof(init));
    assert_memory_equal(p, init, n);
    strata_sftp_out_ack(s, n);
    assert_status(strata_sftp_stat(s, "x", NULL, NULL, NULL), STRATA_E_STATE);
    strata_buf_init(&b, 0);
    assert_ok(sw_version(&b));
    assert_ok(strata_sftp_feed(s, strata_buf_ptr(&b), strata_buf_len(&b)));
    strata_buf_free(&b);
    assert_ok(strata_sftp_ready(s));
    return s;
}

struct got {
    int n;
    strata_status status;
    char msg[256];
    enum strata_sftp_reply_kind kind;
    size_t len;
    uint32_t id;
};

static void on_reply(void *user, const strata_sftp_reply *r)
{
    struct got *g = user;
    g->n++;
    g->status = r->status;
    g->kind = r->kind;
    g->len = r->kind == STRATA_SFTP_REPLY_DATA ? r->data_len : r->n_names;
    g->id = r->id;
    snprintf(g->msg, sizeof(g->msg), "%s", r->message);
}

/* Hex with spaces allowed between bytes. */
static size_t unhex(const char *hex, uint8_t *out, size_t cap)
{
    char clean[8192];
    size_t k = 0;
    for (const char *p = hex; *p && k + 1 < sizeof(clean); p++)
        if (*p != ' ')
            clean[k++] = *p;
    clean[k] = 0;
    return k ? tu_unhex(clean, out, cap) : 0;
}

/* Feeds the packet given as hex (without its length, which is added). */
static strata_status feed_hex(strata_sftp *s, const char *hex)
{
    uint8_t raw[4096];
    size_t n = unhex(hex, raw + 4, sizeof(raw) - 4);
    raw[0] = (uint8_t)(n >> 24), raw[1] = (uint8_t)(n >> 16), raw[2] = (uint8_t)(n >> 8),
    raw[3] = (uint8_t)n;
    return strata_sftp_feed(s, raw, n + 4);
}

static void expect_bad(const char *hex, const char *msg)
{
    strata_sftp *s = ready_engine();
    struct got g = {0};
    assert_ok(strata_sftp_stat(s, "a", on_reply, &g, NULL)); /* id 1: ATTRS */
    assert_ok(strata_sftp_readdir(s, &(strata_sftp_handle){1, {7}}, on_reply, &g, NULL)); /* 2 */
    assert_ok(strata_sftp_opendir(s, "d", on_reply, &g, NULL)); /* id 3: HANDLE */
    assert_status(feed_hex(s, hex), STRATA_E_SFTP_PACKET);
    const char *m = strata_error_message(strata_sftp_error(s));
    if (strcmp(m, msg) != 0)
        fail_msg("got \"%s\", want \"%s\"", m, msg);
    assert_int_equal(g.n, 0);
    /* sticky */
    assert_status(feed_hex(s, "65 00000001 00000000"), STRATA_E_SFTP_PACKET);
    assert_status(strata_sftp_stat(s, "b", NULL, NULL, NULL), STRATA_E_SFTP_PACKET);
    assert_status(strata_sftp_ready(s), STRATA_E_SFTP_PACKET);
    strata_sftp_free(s);
}

static void bad_replies(void **st)
{
    (void)st;
    expect_bad("65 0000004d 00000000", "SFTP: STATUS reply for id 77, which has no request "
                                       "outstanding");
    expect_bad("65 00000001", "SFTP: truncated STATUS reply (id 1)");
    expect_bad("65 00000001 00000004 000000ff 41", "SFTP: truncated STATUS message (id 1)");
    expect_bad("65 00000001 00000000 00000000 00000000",
               "SFTP: OK status where a reply with data was due (STATUS id 1)");
    expect_bad("69 00000001 00000001 0000000000000005 00",
               "SFTP: ATTRS reply with trailing bytes (id 1)");
    expect_bad("69 00000001 00000100", "SFTP: truncated or malformed ATTRS reply (id 1)");
    expect_bad("69 00000001 80000000 ffffffff", "SFTP: truncated or malformed ATTRS reply (id 1)");
    expect_bad("66 00000003 00000101", "SFTP: truncated HANDLE reply (id 3)");
    expect_bad("68 00000002 000003e8 00000000 00000000 00000000",
               "SFTP: NAME reply claims 1000 names, more than the packet holds");
    expect_bad("68 00000002 00010000", "SFTP: NAME reply with 65536 names, more than the limit");
    expect_bad("68 00000002 00000001 00000003 610062 00000000 00000000",
               "SFTP: NAME entry 0 holds a NUL byte");
    expect_bad("68 00000002 00000001 00000003 616263 00000000 00000001 0000",
               "SFTP: NAME entry 0 truncated or malformed");
    expect_bad("67 00000001 00000000", "SFTP: unexpected DATA reply (id 1)");
    expect_bad("c9 00000001 00", "SFTP: EXTENDED_REPLY reply to a request that expects none "
                                 "(id 1)");
    expect_bad("02 00000003", "SFTP: second VERSION packet (0)");
    expect_bad("07 00000001", "SFTP: unknown reply type unknown (7)");
    expect_bad("65", "SFTP: STATUS reply without a request id (101)");
    expect_bad("", "SFTP packet of length 0 (no type byte)");
}

static void bad_framing(void **st)
{
    (void)st;
    strata_sftp *s = ready_engine();
    static const uint8_t big[] = {0, 4, 0x93, 0xe0, 0x67}; /* 300000 */
    assert_status(strata_sftp_feed(s, big, sizeof(big)), STRATA_E_SFTP_PACKET);
    assert_string_equal(strata_error_message(strata_sftp_error(s)),
                        "SFTP packet of 300000 bytes is longer than the limit of 262208");
    strata_sftp_free(s);
    /* the same length arriving one byte at a time */
    s = ready_engine();
    strata_status r = STRATA_OK;
    for (size_t i = 0; i < sizeof(big) && r == STRATA_OK; i++)
        r = strata_sftp_feed(s, big + i, 1);
    assert_status(r, STRATA_E_SFTP_PACKET);
    strata_sftp_free(s);
    /* a server of another version */
    assert_ok(strata_sftp_new(&s));
    assert_status(feed_hex(s, "02 00000006"), STRATA_E_SFTP_PACKET);
    assert_string_equal(strata_error_message(strata_sftp_error(s)),
                        "SFTP: server speaks version 6, strata speaks only 3");
    strata_sftp_free(s);
    assert_ok(strata_sftp_new(&s));
    assert_status(feed_hex(s, "65 00000001 00000000"), STRATA_E_SFTP_PACKET);
    assert_string_equal(strata_error_message(strata_sftp_error(s)),
                        "SFTP: STATUS packet (type 101) before VERSION");
    strata_sftp_free(s);
}

static void split_and_order(void **st)
{
    (void)st;
    strata_sftp *s = ready_engine();
    struct got a = {0}, b = {0}, c = {0};
    strata_sftp_handle h = {1, {9}};
    assert_ok(strata_sftp_read(s, &h, 0, 5, on_reply, &a, NULL)); /* id 1 */
    assert_ok(strata_sftp_remove(s, "f", on_reply, &b, NULL));    /* id 2 */
    assert_ok(strata_sftp_realpath(s, ".", on_reply, &c, NULL));  /* id 3 */
    assert_int_equal(strata_sftp_outstanding(s), 3);
    /* id 3 NAME, id 2 STATUS(permission), id 1 DATA: as one byte string fed
     * one byte at a time */
    uint8_t raw[256];
    size_t n = unhex("00000016 68 00000003 00000001 00000001 2f 00000000 00000000"
                     "0000001c 65 00000002 00000003 0000000b 7065726d697373696f6e21 "
                     "00000000"
                     "0000000e 67 00000001 00000005 68656c6c6f",
                     raw, sizeof(raw));
    for (size_t i = 0; i < n; i++)
        if (strata_sftp_feed(s, raw + i, 1) != STRATA_OK)
            fail_msg("byte %zu: %s", i, strata_error_message(strata_sftp_error(s)));
    assert_int_equal(a.n, 1);
    assert_int_equal(a.kind, STRATA_SFTP_REPLY_DATA);
    assert_int_equal(a.len, 5);
    assert_int_equal(b.n, 1);
    assert_status(b.status, STRATA_E_SFTP_PERMISSION);
    assert_string_equal(b.msg, "permission!");
    assert_int_equal(c.n, 1);
    assert_int_equal(c.kind, STRATA_SFTP_REPLY_NAME);
    assert_int_equal(c.len, 1);
    assert_int_equal(strata_sftp_outstanding(s), 0);
    /* unknown status codes are their own status */
    assert_ok(strata_sftp_remove(s, "f", on_reply, &b, NULL)); /* id 4 */
    assert_ok(feed_hex(s, "65 00000004 0000001f 00000000 00000000"));
    assert_status(b.status, STRATA_E_SFTP_STATUS);
    /* extensions not offered */
    assert_status(strata_sftp_fsync(s, &h, NULL, NULL, NULL), STRATA_E_UNSUPPORTED);
    assert_status(strata_sftp_posix_rename(s, "a", "b", NULL, NULL, NULL), STRATA_E_UNSUPPORTED);
    strata_sftp_attrs la = {.flags = STRATA_SFTP_ATTR_UIDGID};
    assert_status(strata_sftp_lsetstat(s, "a", &la, NULL, NULL, NULL), STRATA_E_UNSUPPORTED);
    /* the stream ends with one request outstanding */
    assert_ok(strata_sftp_stat(s, "x", on_reply, &a, NULL));
    strata_sftp_eof(s, "the server exited");
    assert_int_equal(a.n, 2);
    assert_status(a.status, STRATA_E_SFTP_CONNECTION_LOST);
    assert_string_equal(a.msg, "SFTP server's stream ended: the server exited with 1 "
                               "request(s) outstanding");
    assert_status(strata_sftp_ready(s), STRATA_E_SFTP_CONNECTION_LOST);
    strata_sftp_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(bad_replies),
        cmocka_unit_test(bad_framing),
        cmocka_unit_test(split_and_order),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
