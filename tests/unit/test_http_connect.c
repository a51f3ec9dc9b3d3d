/* stack/http_connect: the HTTP CONNECT layer against scripted proxy replies. */
#include <string.h>

#include "testutil.h"
#include "strata/http_connect.h"

static strata_stack *with_layer(const char *host, uint16_t port, const char *user, const char *pass)
{
    strata_stack *s;
    assert_ok(strata_stack_new(NULL, &s));
    strata_http_connect_config cfg = {.host = host, .port = port, .user = user, .pass = pass};
    strata_layer l;
    assert_ok(strata_http_connect_layer_new(&cfg, &l));
    assert_ok(strata_stack_push(s, l, NULL, 0));
    return s;
}

/* Takes the whole wire output as a C string (test sizes only). */
static void wire_text(strata_stack *s, char *out, size_t cap)
{
    size_t n;
    strata_status st;
    const uint8_t *p = strata_stack_wire_out(s, &n, &st);
    assert_true(n < cap);
    memcpy(out, p, n);
    out[n] = 0;
    strata_stack_wire_ack(s, n);
}

static void feed(strata_stack *s, const char *text, size_t chunk)
{
    size_t n = strlen(text), off = 0;
    while (off < n) {
        size_t k = chunk && chunk < n - off ? chunk : n - off, used;
        strata_status r = strata_stack_wire_write(s, (const uint8_t *)text + off, k, &used);
        if (r != STRATA_OK)
            return;
        assert_int_equal(used, k);
        off += k;
    }
}

static void app_text(strata_stack *s, char *out, size_t cap)
{
    size_t n;
    strata_status st;
    const uint8_t *p = strata_stack_app_in(s, &n, &st);
    assert_true(n < cap);
    memcpy(out, p, n);
    out[n] = 0;
    strata_stack_app_ack(s, n);
}

static void test_request_line(void **state)
{
    (void)state;
    char buf[512];
    strata_stack *s = with_layer("example.org", 443, NULL, NULL);
    wire_text(s, buf, sizeof(buf));
    assert_string_equal(buf, "CONNECT example.org:443 HTTP/1.1\r\nHost: example.org:443\r\n\r\n");
    strata_stack_free(s);
    s = with_layer("::1", 22, "user", "pass");
    wire_text(s, buf, sizeof(buf));
    assert_string_equal(buf, "CONNECT [::1]:22 HTTP/1.1\r\nHost: [::1]:22\r\n"
                             "Proxy-Authorization: Basic dXNlcjpwYXNz\r\n\r\n");
    strata_stack_free(s);
}

static void run_established(size_t chunk)
{
    char buf[512];
    strata_stack *s = with_layer("example.org", 443, NULL, NULL);
    size_t used;
    /* Written before the proxy answered: held, then sent after the request. */
    assert_ok(strata_stack_app_write(s, (const uint8_t *)"early", 5, &used));
    assert_int_equal(used, 5);
    wire_text(s, buf, sizeof(buf));
    assert_null(strstr(buf, "early"));
    feed(s, "HTTP/1.1 200 Connection established\r\nProxy-agent: test\r\n\r\nTUNNEL-BYTES", chunk);
    assert_int_equal(strata_stack_error(s)->status, STRATA_OK);
    app_text(s, buf, sizeof(buf));
    assert_string_equal(buf, "TUNNEL-BYTES");
    wire_text(s, buf, sizeof(buf));
    assert_string_equal(buf, "early");
    char desc[128];
    const strata_layer *l = strata_stack_layer(s, 0);
    l->ops->describe(l->self, desc, sizeof(desc));
    assert_string_equal(desc, "http-connect example.org:443: 200 Connection established");
    strata_stack_free(s);
}

static void test_established_one_chunk(void **state)
{
    (void)state;
    run_established(0);
}

static void test_established_byte_at_a_time(void **state)
{
    (void)state;
    run_established(1);
}

/* Found against tinyproxy: the application's EOF came before the proxy's
 * reply; the held bytes must still go out, and only then the wire's end. */
static void test_shutdown_before_reply_keeps_early_bytes(void **state)
{
    (void)state;
    char buf[512];
    strata_stack *s = with_layer("example.org", 443, NULL, NULL);
    size_t used, n;
    strata_status st;
    assert_ok(strata_stack_app_write(s, (const uint8_t *)"request", 7, &used));
    assert_ok(strata_stack_app_shutdown(s));
    wire_text(s, buf, sizeof(buf));
    (void)strata_stack_wire_out(s, &n, &st);
    assert_int_equal(st, STRATA_OK); /* not closed yet: "request" is held */
    feed(s, "HTTP/1.1 200 OK\r\n\r\n", 0);
    wire_text(s, buf, sizeof(buf));
    assert_string_equal(buf, "request");
    (void)strata_stack_wire_out(s, &n, &st);
    assert_int_equal(st, STRATA_CLOSED);
    strata_stack_free(s);
}

static void test_bare_lf_reply(void **state)
{
    (void)state;
    char buf[64];
    strata_stack *s = with_layer("h", 80, NULL, NULL);
    feed(s, "HTTP/1.0 200 OK\n\nx", 0);
    app_text(s, buf, sizeof(buf));
    assert_string_equal(buf, "x");
    strata_stack_free(s);
}

static void expect_failure(const char *reply, strata_status layer_status, const char *msg)
{
    strata_stack *s = with_layer("example.org", 443, NULL, NULL);
    feed(s, reply, 0);
    const strata_error *e = strata_stack_error(s);
    assert_int_equal(e->status, STRATA_E_LAYER_FAILED);
    assert_string_equal(strata_error_message(e), msg);
    const strata_layer *l = strata_stack_layer(s, 0);
    assert_int_equal(l->ops->error(l->self)->status, layer_status);
    strata_stack_free(s);
}

static void test_refused(void **state)
{
    (void)state;
    expect_failure("HTTP/1.1 407 Proxy Authentication Required\r\n\r\n", STRATA_E_PROXY_REFUSED,
                   "layer 1 'http-connect': proxy refused CONNECT example.org:443: 407 Proxy "
                   "Authentication Required");
    expect_failure("HTTP/1.1 403 \r\n\r\n", STRATA_E_PROXY_REFUSED,
                   "layer 1 'http-connect': proxy refused CONNECT example.org:443: 403 ");
}

static void test_malformed(void **state)
{
    (void)state;
    expect_failure("SSH-2.0-OpenSSH_9.2\r\n\r\n", STRATA_E_PROTOCOL,
                   "layer 1 'http-connect': malformed proxy reply status line "
                   "'SSH-2.0-OpenSSH_9.2'");
    expect_failure("HTTP/1.1 2x0 OK\r\n\r\n", STRATA_E_PROTOCOL,
                   "layer 1 'http-connect': malformed proxy reply status line 'HTTP/1.1 2x0 OK'");
    expect_failure("HTTP/1.1 200OK\r\n\r\n", STRATA_E_PROTOCOL,
                   "layer 1 'http-connect': malformed proxy reply status line 'HTTP/1.1 200OK'");
    expect_failure("HTTP/1.1 \x01\x02\x03 OK\r\n\r\n", STRATA_E_PROTOCOL,
                   "layer 1 'http-connect': malformed proxy reply status line 'HTTP/1.1 ... OK'");
}

static void test_header_too_big(void **state)
{
    (void)state;
    strata_stack *s = with_layer("example.org", 443, NULL, NULL);
    feed(s, "HTTP/1.1 200 OK\r\n", 0);
    char line[1024];
    memset(line, 'a', sizeof(line) - 3);
    memcpy(line + sizeof(line) - 3, "\r\n", 3);
    for (int i = 0; i < 20 && strata_stack_error(s)->status == STRATA_OK; i++)
        feed(s, line, 0);
    assert_string_equal(strata_error_message(strata_stack_error(s)),
                        "layer 1 'http-connect': proxy reply header exceeds 16384 bytes");
    strata_stack_free(s);
}

static void test_eof_before_reply(void **state)
{
    (void)state;
    strata_stack *s = with_layer("example.org", 443, NULL, NULL);
    feed(s, "HTTP/1.1 200", 0);
    assert_status(strata_stack_wire_eof(s), STRATA_E_LAYER_FAILED);
    assert_string_equal(strata_error_message(strata_stack_error(s)),
                        "layer 1 'http-connect': proxy closed the connection before replying to "
                        "CONNECT example.org:443");
    strata_stack_free(s);
}

static void test_bad_config(void **state)
{
    (void)state;
    strata_layer l;
    strata_http_connect_config bad[] = {
        {.host = "a b", .port = 1},
        {.host = "", .port = 1},
        {.host = "h", .port = 0},
        {.host = "h/x", .port = 1},
        {.host = "h", .port = 1, .user = "a:b"},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_status(strata_http_connect_layer_new(&bad[i], &l), STRATA_E_USAGE);
        assert_null(l.ops);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_request_line),
        cmocka_unit_test(test_established_one_chunk),
        cmocka_unit_test(test_established_byte_at_a_time),
        cmocka_unit_test(test_shutdown_before_reply_keeps_early_bytes),
        cmocka_unit_test(test_bare_lf_reply),
        cmocka_unit_test(test_refused),
        cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_header_too_big),
        cmocka_unit_test(test_eof_before_reply),
        cmocka_unit_test(test_bad_config),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
