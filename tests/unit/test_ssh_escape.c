/* tools/strata/ssh/ssh_escape.c: OpenSSH's escape sequences, recognised only
 * at a line start, across chunk boundaries, "~~", unknown pairs sent as
 * typed, another escape character, none, and the -e / EscapeChar parser. */
#include <string.h>

#include "testutil.h"
#include "ssh_escape.h"

/* Feeds s in chunks of `chunk` bytes; collects what is sent and the actions
 * (one letter each: . Z # ? C R v V) in order. */
static void run(struct ssh_escape *e, const char *s, size_t chunk, char *sent, char *acts)
{
    size_t n = strlen(s), off = 0, so = 0, ao = 0;
    uint8_t out[64];
    while (off < n) {
        size_t k = n - off < chunk ? n - off : chunk, out_n;
        enum ssh_esc_action a;
        size_t used = ssh_escape_scan(e, (const uint8_t *)s + off, k, out, &out_n, &a);
        assert_true(used >= 1 && used <= k);
        memcpy(sent + so, out, out_n);
        so += out_n;
        static const char letters[] = " .Z#?CRvV";
        if (a != SSH_ESC_NONE)
            acts[ao++] = letters[a];
        off += used;
    }
    sent[so] = 0;
    acts[ao] = 0;
}

static void expect(int ch, const char *in, const char *want_sent, const char *want_acts)
{
    for (size_t chunk = 1; chunk <= 8; chunk *= 2) {
        struct ssh_escape e;
        char sent[256], acts[64];
        ssh_escape_init(&e, ch);
        run(&e, in, chunk, sent, acts);
        assert_string_equal(sent, want_sent);
        assert_string_equal(acts, want_acts);
    }
}

static void test_sequences(void **state)
{
    (void)state;
    expect('~', "~.", "", ".");            /* at the very start: a line start */
    expect('~', "ls\r~.", "ls\r", ".");    /* after CR */
    expect('~', "ls\n~?~#", "ls\n", "?#"); /* a sequence leaves a line start */
    expect('~', "a~.", "a~.", "");         /* mid-line: sent as typed */
    expect('~', "~~x", "~x", "");          /* "~~": one '~' */
    expect('~', "~x", "~x", "");           /* unknown pair: both sent */
    expect('~', "\r~\x1a", "\r", "Z");     /* ~^Z */
    expect('~', "~C~R~v~V", "", "CRvV");
    expect('%', "~.\r%.", "~.\r", "."); /* another escape character */
    expect(-1, "~.\r~.", "~.\r~.", ""); /* none */
}

static void test_help_and_parse(void **state)
{
    (void)state;
    char buf[2048];
    const char *h = ssh_escape_help('~', buf, sizeof buf);
    assert_non_null(strstr(h, " ~.   - terminate connection\r\n"));
    assert_non_null(strstr(h, " ~~   - send the escape character by typing it twice\r\n"));
    assert_int_equal(ssh_escape_parse("none"), -1);
    assert_int_equal(ssh_escape_parse("%"), '%');
    assert_int_equal(ssh_escape_parse("^]"), 29);
    assert_int_equal(ssh_escape_parse("ab"), -2);
    assert_int_equal(ssh_escape_parse(""), -2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sequences),
        cmocka_unit_test(test_help_and_parse),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
