/* stack/socks: the SOCKS4/4a/5 server engine against scripted client bytes. */
#include <string.h>

#include "testutil.h"
#include "strata/socks.h"

struct run {
    strata_socks_server *s;
    strata_status st;
    size_t used;
    uint8_t out[64];
    size_t out_len;
};

/* Feeds n bytes in chunks of chunk (0: all at once), collecting output. */
static void feed(struct run *r, const void *p, size_t n, size_t chunk)
{
    const uint8_t *b = p;
    size_t off = 0;
    r->used = 0;
    do {
        size_t k = chunk && chunk < n - off ? chunk : n - off, used = 0;
        r->st = strata_socks_server_recv(r->s, b + off, k, &used);
        assert_true(used <= k);
        off += used;
        r->used = off;
        size_t on;
        const uint8_t *o = strata_socks_server_out(r->s, &on);
        assert_true(r->out_len + on <= sizeof r->out);
        memcpy(r->out + r->out_len, o, on);
        r->out_len += on;
        strata_socks_server_out_ack(r->s, on);
        if (r->st != STRATA_WANT_READ)
            break;
    } while (off < n);
}

static struct run *start(void)
{
    static struct run r;
    memset(&r, 0, sizeof r);
    assert_ok(strata_socks_server_new(&r.s));
    return &r;
}

static void reply_and_collect(struct run *r, enum strata_socks_reply code)
{
    assert_ok(strata_socks_server_reply(r->s, code));
    size_t on;
    const uint8_t *o = strata_socks_server_out(r->s, &on);
    memcpy(r->out + r->out_len, o, on);
    r->out_len += on;
    strata_socks_server_out_ack(r->s, on);
}

static void expect_error(struct run *r, strata_status st, const char *msg)
{
    assert_status(r->st, st);
    assert_string_equal(strata_error_message(strata_socks_server_error(r->s)), msg);
    assert_null(strata_socks_server_request(r->s));
    size_t used;
    /* Sticky: a later call reports the same error. */
    assert_status(strata_socks_server_recv(r->s, (const uint8_t *)"\x05", 1, &used), st);
    assert_int_equal(used, 0);
}

static const uint8_t S5_OK[] = {5, 0, 0, 1, 0, 0, 0, 0, 0, 0};

/* SOCKS5, a name, greeting and request in one write, tunnel bytes after. */
static void test_socks5_name(void **state)
{
    (void)state;
    for (size_t chunk = 0; chunk <= 25; chunk++) { /* 0: all at once; 25: the whole input */
        struct run *r = start();
        const uint8_t in[] = {5,   2,   2,   0,   5,   1,   0,   3,    11,   'e', 'x', 'a', 'm',
                              'p', 'l', 'e', '.', 'o', 'r', 'g', 0x01, 0xbb, 'G', 'E', 'T'};
        feed(r, in, sizeof in, chunk);
        assert_ok(r->st);
        assert_int_equal(r->used, sizeof in - 3); /* "GET" is the tunnel's */
        const strata_socks_request *q = strata_socks_server_request(r->s);
        assert_non_null(q);
        assert_int_equal(q->version, 5);
        assert_int_equal(q->addr_type, STRATA_SOCKS_ADDR_NAME);
        assert_string_equal(q->host, "example.org");
        assert_int_equal(q->port, 443);
        assert_int_equal(r->out_len, 2);
        assert_memory_equal(r->out, "\x05\x00", 2);
        reply_and_collect(r, STRATA_SOCKS_SUCCEEDED);
        assert_int_equal(r->out_len, 12);
        assert_memory_equal(r->out + 2, S5_OK, sizeof S5_OK);
        size_t used;
        assert_status(strata_socks_server_recv(r->s, (const uint8_t *)"x", 1, &used),
                      STRATA_E_STATE);
        assert_status(strata_socks_server_reply(r->s, 0), STRATA_E_STATE);
        strata_socks_server_free(r->s);
    }
}

static void test_socks5_ipv4_ipv6(void **state)
{
    (void)state;
    struct run *r = start();
    const uint8_t in4[] = {5, 1, 0, 5, 1, 0, 1, 127, 0, 0, 1, 0x1f, 0x90};
    feed(r, in4, sizeof in4, 0);
    assert_ok(r->st);
    const strata_socks_request *q = strata_socks_server_request(r->s);
    assert_int_equal(q->addr_type, STRATA_SOCKS_ADDR_IPV4);
    assert_string_equal(q->host, "127.0.0.1");
    assert_int_equal(q->port, 8080);
    strata_socks_server_free(r->s);

    r = start();
    const uint8_t in6[] = {5, 1, 0, 5, 1, 0, 4, 0x20, 0x01, 0x0d, 0xb8, 0, 0,
                           0, 0, 0, 0, 0, 0, 0, 0,    0,    1,    0,    22};
    feed(r, in6, sizeof in6, 1);
    assert_ok(r->st);
    q = strata_socks_server_request(r->s);
    assert_int_equal(q->addr_type, STRATA_SOCKS_ADDR_IPV6);
    assert_string_equal(q->host, "2001:db8::1");
    assert_int_equal(q->port, 22);
    reply_and_collect(r, STRATA_SOCKS_CONN_REFUSED);
    const uint8_t refused[] = {5, 0, 5, 5, 0, 1, 0, 0, 0, 0, 0, 0};
    assert_int_equal(r->out_len, sizeof refused);
    assert_memory_equal(r->out, refused, sizeof refused);
    strata_socks_server_free(r->s);
}

static void test_socks4_and_4a(void **state)
{
    (void)state;
    struct run *r = start();
    const uint8_t in4[] = {4, 1, 0, 80, 10, 1, 2, 3, 'b', 'o', 'b', 0, 'x'};
    feed(r, in4, sizeof in4, 0);
    assert_ok(r->st);
    assert_int_equal(r->used, sizeof in4 - 1);
    const strata_socks_request *q = strata_socks_server_request(r->s);
    assert_int_equal(q->version, 4);
    assert_false(q->socks4a);
    assert_string_equal(q->host, "10.1.2.3");
    assert_int_equal(q->port, 80);
    assert_int_equal(r->out_len, 0); /* SOCKS4 has no greeting */
    reply_and_collect(r, STRATA_SOCKS_SUCCEEDED);
    const uint8_t granted[] = {0, 90, 0, 0, 0, 0, 0, 0};
    assert_int_equal(r->out_len, sizeof granted);
    assert_memory_equal(r->out, granted, sizeof granted);
    strata_socks_server_free(r->s);

    for (size_t chunk = 0; chunk <= 2; chunk++) {
        r = start();
        const uint8_t in4a[] = {4,   1,   0x1f, 0x90, 0,   0,   0,   1,   0, 'l',
                                'o', 'c', 'a',  'l',  'h', 'o', 's', 't', 0};
        feed(r, in4a, sizeof in4a, chunk);
        assert_ok(r->st);
        assert_int_equal(r->used, sizeof in4a);
        q = strata_socks_server_request(r->s);
        assert_true(q->socks4a);
        assert_int_equal(q->addr_type, STRATA_SOCKS_ADDR_NAME);
        assert_string_equal(q->host, "localhost");
        assert_int_equal(q->port, 8080);
        reply_and_collect(r, STRATA_SOCKS_HOST_UNREACHABLE);
        const uint8_t rejected[] = {0, 91, 0, 0, 0, 0, 0, 0};
        assert_memory_equal(r->out, rejected, sizeof rejected);
        strata_socks_server_free(r->s);
    }
}

static void test_need_more(void **state)
{
    (void)state;
    struct run *r = start();
    const uint8_t part[] = {5, 1, 0, 5, 1, 0, 3, 9, 'l', 'o'};
    feed(r, part, sizeof part, 0);
    assert_status(r->st, STRATA_WANT_READ);
    assert_int_equal(r->used, sizeof part);
    assert_null(strata_socks_server_request(r->s));
    assert_status(strata_socks_server_reply(r->s, STRATA_SOCKS_SUCCEEDED), STRATA_E_STATE);
    strata_socks_server_free(r->s);
}

static void test_bad_version(void **state)
{
    (void)state;
    struct run *r = start();
    feed(r, "GET / HTTP/1.1\r\n", 16, 0);
    expect_error(r, STRATA_E_FORMAT,
                 "not a SOCKS request: version byte 0x47 (SOCKS4 and SOCKS5 are supported)");
    assert_int_equal(r->out_len, 0);
    strata_socks_server_free(r->s);
}

static void test_no_acceptable_method(void **state)
{
    (void)state;
    struct run *r = start();
    const uint8_t in[] = {5, 2, 1, 2};
    feed(r, in, sizeof in, 0);
    expect_error(r, STRATA_E_UNSUPPORTED,
                 "SOCKS5 client offers no method strata supports (only 0x00, no authentication): "
                 "it offers 0x01,0x02");
    assert_int_equal(r->out_len, 2);
    assert_memory_equal(r->out, "\x05\xff", 2);
    strata_socks_server_free(r->s);

    r = start();
    feed(r, "\x05\x00", 2, 0);
    expect_error(r, STRATA_E_FORMAT, "SOCKS5 greeting offers no authentication method");
    assert_memory_equal(r->out, "\x05\xff", 2);
    strata_socks_server_free(r->s);
}

static void test_unsupported_command(void **state)
{
    (void)state;
    struct run *r = start();
    const uint8_t in[] = {5, 1, 0, 5, 2, 0, 1, 1, 2, 3, 4, 0, 80};
    feed(r, in, sizeof in, 0);
    expect_error(r, STRATA_E_UNSUPPORTED,
                 "SOCKS5 command 2 (BIND) is not supported: only CONNECT (1)");
    const uint8_t want[] = {5, 0, 5, 7, 0, 1, 0, 0, 0, 0, 0, 0};
    assert_int_equal(r->out_len, sizeof want);
    assert_memory_equal(r->out, want, sizeof want);
    strata_socks_server_free(r->s);

    r = start();
    const uint8_t udp[] = {5, 1, 0, 5, 3};
    feed(r, udp, sizeof udp, 0);
    expect_error(r, STRATA_E_UNSUPPORTED,
                 "SOCKS5 command 3 (UDP ASSOCIATE) is not supported: only CONNECT (1)");
    strata_socks_server_free(r->s);

    r = start();
    const uint8_t bind4[] = {4, 2, 0, 80, 1, 2, 3, 4, 0};
    feed(r, bind4, sizeof bind4, 0);
    expect_error(r, STRATA_E_UNSUPPORTED,
                 "SOCKS4 command 2 (BIND) is not supported: only CONNECT (1)");
    const uint8_t rej[] = {0, 91, 0, 0, 0, 0, 0, 0};
    assert_memory_equal(r->out, rej, sizeof rej);
    strata_socks_server_free(r->s);
}

static void test_bad_request_fields(void **state)
{
    (void)state;
    struct run *r = start();
    const uint8_t atyp[] = {5, 1, 0, 5, 1, 0, 9};
    feed(r, atyp, sizeof atyp, 0);
    expect_error(r, STRATA_E_UNSUPPORTED,
                 "SOCKS5 address type 9 is not supported (1 IPv4, 3 name, 4 IPv6)");
    assert_int_equal(r->out[2 + 1], STRATA_SOCKS_ATYP_UNSUPPORTED);
    strata_socks_server_free(r->s);

    r = start();
    const uint8_t rsv[] = {5, 1, 0, 5, 1, 7};
    feed(r, rsv, sizeof rsv, 0);
    expect_error(r, STRATA_E_FORMAT, "SOCKS5 request has reserved byte 0x07, not 0");
    assert_int_equal(r->out[2 + 1], STRATA_SOCKS_GENERAL_FAILURE);
    strata_socks_server_free(r->s);

    r = start();
    const uint8_t ver[] = {5, 1, 0, 4, 1, 0};
    feed(r, ver, sizeof ver, 0);
    expect_error(r, STRATA_E_FORMAT, "SOCKS5 request has version 4, not 5");
    strata_socks_server_free(r->s);

    r = start();
    const uint8_t empty[] = {5, 1, 0, 5, 1, 0, 3, 0, 0, 80};
    feed(r, empty, sizeof empty, 0);
    expect_error(r, STRATA_E_FORMAT, "SOCKS5 destination name is empty");
    strata_socks_server_free(r->s);

    r = start();
    const uint8_t ctl[] = {5, 1, 0, 5, 1, 0, 3, 3, 'a', '\n', 'b', 0, 80};
    feed(r, ctl, sizeof ctl, 0);
    expect_error(r, STRATA_E_FORMAT,
                 "SOCKS5 destination name holds a non-printable byte 0x0a at offset 1");
    strata_socks_server_free(r->s);

    r = start();
    const uint8_t e4a[] = {4, 1, 0, 80, 0, 0, 0, 9, 0, 0};
    feed(r, e4a, sizeof e4a, 0);
    expect_error(r, STRATA_E_FORMAT, "SOCKS4a destination name is empty");
    strata_socks_server_free(r->s);
}

static void test_limits(void **state)
{
    (void)state;
    uint8_t big[600];
    memset(big, 'u', sizeof big);
    memcpy(big, "\x04\x01\x00\x50\x01\x02\x03\x04", 8);
    struct run *r = start();
    feed(r, big, 8 + STRATA_SOCKS4_USERID_MAX, 7);
    assert_status(r->st, STRATA_WANT_READ); /* 255 bytes of user id: still fine */
    size_t used;
    r->st = strata_socks_server_recv(r->s, big, 1, &used);
    size_t on;
    const uint8_t *o = strata_socks_server_out(r->s, &on);
    assert_int_equal(on, 8);
    memcpy(r->out, o, on);
    expect_error(r, STRATA_E_LIMIT, "SOCKS4 user id is longer than 255 bytes");
    assert_memory_equal(r->out, "\x00\x5b", 2);
    strata_socks_server_free(r->s);

    /* 4a: the longest name passes, one more byte fails. */
    for (int extra = 0; extra <= 1; extra++) {
        memcpy(big, "\x04\x01\x00\x50\x00\x00\x00\x01\x00", 9);
        memset(big + 9, 'h', sizeof big - 9);
        size_t nlen = STRATA_SOCKS_NAME_MAX + (size_t)extra;
        big[9 + nlen] = 0;
        r = start();
        feed(r, big, 9 + nlen + 1, 100);
        if (!extra) {
            assert_ok(r->st);
            assert_int_equal(strlen(strata_socks_server_request(r->s)->host), nlen);
        } else {
            expect_error(r, STRATA_E_LIMIT, "SOCKS4a destination name is longer than 255 bytes");
        }
        strata_socks_server_free(r->s);
    }

    /* The most methods the field allows. */
    uint8_t g[2 + 255];
    g[0] = 5;
    g[1] = 255;
    memset(g + 2, 0x80, 255);
    g[2 + 254] = 0;
    r = start();
    feed(r, g, sizeof g, 0);
    assert_status(r->st, STRATA_WANT_READ);
    assert_memory_equal(r->out, "\x05\x00", 2);
    strata_socks_server_free(r->s);
}

static void test_reply_codes(void **state)
{
    (void)state;
    assert_int_equal(strata_socks_reply_for_open_failure(1), STRATA_SOCKS_NOT_ALLOWED);
    assert_int_equal(strata_socks_reply_for_open_failure(2), STRATA_SOCKS_CONN_REFUSED);
    assert_int_equal(strata_socks_reply_for_open_failure(3), STRATA_SOCKS_GENERAL_FAILURE);
    assert_int_equal(strata_socks_reply_for_open_failure(4), STRATA_SOCKS_GENERAL_FAILURE);
    struct run *r = start();
    const uint8_t in[] = {5, 1, 0, 5, 1, 0, 1, 127, 0, 0, 1, 0, 80};
    feed(r, in, sizeof in, 0);
    assert_ok(r->st);
    assert_status(strata_socks_server_reply(r->s, (enum strata_socks_reply)9), STRATA_E_USAGE);
    strata_socks_server_free(r->s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_socks5_name),
        cmocka_unit_test(test_socks5_ipv4_ipv6),
        cmocka_unit_test(test_socks4_and_4a),
        cmocka_unit_test(test_need_more),
        cmocka_unit_test(test_bad_version),
        cmocka_unit_test(test_no_acceptable_method),
        cmocka_unit_test(test_unsupported_command),
        cmocka_unit_test(test_bad_request_fields),
        cmocka_unit_test(test_limits),
        cmocka_unit_test(test_reply_codes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
