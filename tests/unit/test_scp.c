/* The legacy SCP engine (strata/scp.h): a hostile server's lines refused
 * with their exact messages and no event for what they name; a source
 * engine wired back to back to a sink engine; warnings, refusals, a file
 * failed by its sender, and a stream cut short. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

struct rec {
    int files, dirs, dir_ends, warnings, refused, file_ends;
    char names[8][300];
    uint8_t data[4096];
    size_t data_len;
    uint32_t modes[8];
    int64_t mtime[8];
    char last_msg[400];
    const char *refuse_on; /* refuse the FILE event of this name */
    const char *refuse_data;
};

static void on_event(void *user, strata_scp *s, const strata_scp_event *ev)
{
    struct rec *r = user;
    switch (ev->type) {
    case STRATA_SCP_EV_FILE:
    case STRATA_SCP_EV_DIR: {
        int i = r->files + r->dirs;
        if (i < 8) {
            snprintf(r->names[i], sizeof(r->names[i]), "%s", ev->name);
            r->modes[i] = ev->mode;
            r->mtime[i] = ev->has_times ? ev->mtime : -1;
        }
        if (ev->type == STRATA_SCP_EV_FILE)
            r->files++;
        else
            r->dirs++;
        if (r->refuse_on && !strcmp(ev->name, r->refuse_on))
            assert_ok(strata_scp_refuse(s, "x: Permission denied"));
        break;
    }
    case STRATA_SCP_EV_DATA:
        assert_true(ev->len <= sizeof(r->data) - r->data_len);
        memcpy(r->data + r->data_len, ev->data, ev->len);
        r->data_len += ev->len;
        if (r->refuse_data && !strcmp(ev->name, r->refuse_data))
            assert_ok(strata_scp_refuse(s, "x: No space left on device"));
        break;
    case STRATA_SCP_EV_FILE_END:
        r->file_ends++;
        snprintf(r->last_msg, sizeof(r->last_msg), "%s", ev->message);
        break;
    case STRATA_SCP_EV_DIR_END:
        r->dir_ends++;
        assert_status(strata_scp_refuse(s, "no"), STRATA_E_STATE);
        break;
    case STRATA_SCP_EV_WARNING:
        r->warnings++;
        r->refused += ev->refused;
        snprintf(r->last_msg, sizeof(r->last_msg), "%s", ev->message);
        break;
    }
}

static strata_scp *sink(struct rec *r, const char *expect, int recursive, unsigned depth)
{
    strata_scp_config c = {.role = STRATA_SCP_SINK,
                           .recursive = recursive,
                           .expect = expect,
                           .max_depth = depth,
                           .on_event = on_event,
                           .user = r};
    strata_scp *s = NULL;
    assert_ok(strata_scp_new(&c, &s));
    return s;
}

/* Everything queued so far, as a string (drained). */
static size_t drain(strata_scp *s, char *buf, size_t cap)
{
    size_t n;
    const uint8_t *p = strata_scp_out(s, &n);
    assert_true(n < cap);
    memcpy(buf, p, n);
    buf[n] = 0;
    strata_scp_out_ack(s, n);
    return n;
}

struct bad {
    const char *expect;
    int recursive;
    const char *in;
    size_t in_len; /* 0: strlen */
    strata_status st;
    const char *msg;
    int files_before; /* FILE events allowed before the refusal */
};

static const struct bad bads[] = {
    {"evil", 0, "C0644 3 ../evil\n", 0, STRATA_E_PROTOCOL,
     "protocol error: unexpected filename \"../evil\" (a name must not hold '/')", 0},
    {NULL, 0, "C0644 3 /etc/x\n", 0, STRATA_E_PROTOCOL,
     "protocol error: unexpected filename \"/etc/x\" (a name must not hold '/')", 0},
    {NULL, 1, "C0644 3 ..\n", 0, STRATA_E_PROTOCOL, "protocol error: unexpected filename \"..\"",
     0},
    {NULL, 1, "D0755 0 .\n", 0, STRATA_E_PROTOCOL, "protocol error: unexpected filename \".\"", 0},
    {NULL, 0, "C0644 3 \n", 0, STRATA_E_PROTOCOL, "protocol error: empty filename", 0},
    {"want", 0, "C0644 3 other\n", 0, STRATA_E_PROTOCOL,
     "protocol error: filename \"other\" does not match request \"want\"", 0},
    {"*.txt", 0, "C0644 0 a.txt\n\0C0644 0 a.bin\n", 29, STRATA_E_PROTOCOL,
     "protocol error: filename \"a.bin\" does not match request \"*.txt\"", 1},
    {"x", 0, "D0755 0 x\n", 0, STRATA_E_PROTOCOL, "protocol error: received directory without -r",
     0},
    {"x", 0, "C0644 99999999999999999999 x\n", 0, STRATA_E_LIMIT,
     "protocol error: size out of range", 0},
    {"x", 0, "C0644 9223372036854775808 x\n", 0, STRATA_E_LIMIT,
     "protocol error: size out of range", 0},
    {"x", 0, "C0644 -1 x\n", 0, STRATA_E_PROTOCOL, "protocol error: size not present", 0},
    {"x", 0, "C0644 +1 x\n", 0, STRATA_E_PROTOCOL, "protocol error: size not present", 0},
    {"x", 0, "C0644 12a x\n", 0, STRATA_E_PROTOCOL, "protocol error: size not delimited", 0},
    {"x", 0, "C06a4 3 x\n", 0, STRATA_E_PROTOCOL, "protocol error: bad mode \"06a4\"", 0},
    {"x", 0, "C0648 3 x\n", 0, STRATA_E_PROTOCOL, "protocol error: bad mode \"0648\"", 0},
    {"x", 0, "C06444 3 x\n", 0, STRATA_E_PROTOCOL, "protocol error: mode not delimited", 0},
    {"x", 0, "C644 3 x\n", 0, STRATA_E_PROTOCOL, "protocol error: bad mode \"644 \"", 0},
    {"x", 0, "Tabc 0 0 0\n", 0, STRATA_E_PROTOCOL, "protocol error: mtime.sec not present", 0},
    {"x", 0, "T99999999999999999999 0 0 0\n", 0, STRATA_E_PROTOCOL,
     "protocol error: mtime.sec out of range", 0},
    {"x", 0, "T1 1000000 2 0\n", 0, STRATA_E_PROTOCOL, "protocol error: mtime.usec out of range",
     0},
    {"x", 0, "T1 0 2 0 \n", 0, STRATA_E_PROTOCOL, "protocol error: atime.usec not delimited", 0},
    {"x", 0, "T1 0\n", 0, STRATA_E_PROTOCOL, "protocol error: mtime.usec not delimited", 0},
    {"x", 1, "E\n", 0, STRATA_E_PROTOCOL, "protocol error: end of directory outside a directory",
     0},
    {"x", 1, "D0755 0 d\nT1 0 1 0\nE\n", 0, STRATA_E_PROTOCOL,
     "protocol error: times record not followed by a file or directory", 0},
    {"x", 0, "hello world\n", 0, STRATA_E_PROTOCOL,
     "protocol error: expected control record, got \"hello world\"", 0},
    {"x", 0, "\n", 0, STRATA_E_PROTOCOL, "protocol error: unexpected <newline>", 0},
    {NULL, 0, "C0644 3 a\0b\n", 12, STRATA_E_PROTOCOL, "protocol error: NUL byte in a record", 0},
    {"x", 0, "\2scp: x: fatal thing\n", 0, STRATA_E_IO, "scp: x: fatal thing", 0},
    {"x", 0, "C0644 1 x\nzq", 0, STRATA_E_PROTOCOL,
     "protocol error: bad status byte 0x71 after the data of \"x\"", 1},
    {"x", 0, "C0644 1 \033[2Jx\n", 0, STRATA_E_PROTOCOL,
     "protocol error: filename \"\\033[2Jx\" does not match request \"x\"", 0},
};

/* Feeds in whole (step 0) or step bytes at a time; returns the status. */
static strata_status feed(strata_scp *s, const char *in, size_t n, size_t step)
{
    strata_status r = STRATA_OK;
    for (size_t off = 0; off < n && r == STRATA_OK;) {
        size_t k = step && step < n - off ? step : n - off;
        r = strata_scp_feed(s, (const uint8_t *)in + off, k);
        off += k;
    }
    return r;
}

static void bad_server_lines(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(bads) / sizeof(bads[0]); i++) {
        const struct bad *b = &bads[i];
        size_t n = b->in_len ? b->in_len : strlen(b->in);
        for (size_t step = 0; step < 2; step++) {
            struct rec r = {0};
            strata_scp *s = sink(&r, b->expect, b->recursive, 0);
            strata_status got = feed(s, b->in, n, step);
            const char *m = strata_error_message(strata_scp_error(s));
            if (got != b->st || strcmp(m, b->msg))
                fail_msg("case %zu (step %zu): got %s \"%s\", want %s \"%s\"", i, step,
                         strata_status_name(got), m, strata_status_name(b->st), b->msg);
            /* No event for the refused record. */
            assert_int_equal(r.files, b->files_before);
            assert_int_equal(r.dirs, b->recursive && strstr(b->in, "D0755 0 d") ? 1 : 0);
            /* The peer is told, fatally (unless the peer said fatal first). */
            char out[2048], want[1024];
            size_t on = drain(s, out, sizeof(out));
            int wn = snprintf(want, sizeof(want), "\2scp: %s\n", b->msg);
            if (b->st != STRATA_E_IO)
                assert_true(on >= (size_t)wn && !memcmp(out + on - (size_t)wn, want, (size_t)wn));
            /* Sticky. */
            assert_status(strata_scp_feed(s, (const uint8_t *)"E\n", 2), b->st);
            strata_scp_free(s);
        }
    }
}

static void limits(void **state)
{
    (void)state;
    struct rec r = {0};
    strata_scp *s = sink(&r, NULL, 1, 2);
    const char *deep = "D0755 0 a\nD0755 0 b\nD0755 0 c\n";
    assert_status(feed(s, deep, strlen(deep), 0), STRATA_E_LIMIT);
    assert_string_equal(strata_error_message(strata_scp_error(s)),
                        "protocol error: directories nested deeper than 2");
    assert_int_equal(r.dirs, 2);
    strata_scp_free(s);

    char line[STRATA_SCP_LINE_MAX + 10];
    memset(line, 'a', sizeof(line));
    line[0] = 'C';
    s = sink(&r, NULL, 0, 0);
    assert_status(feed(s, line, sizeof(line), 100), STRATA_E_LIMIT);
    assert_string_equal(strata_error_message(strata_scp_error(s)),
                        "protocol error: line longer than 1280 bytes");
    strata_scp_free(s);

    char rec[400];
    memset(rec, 'n', sizeof(rec));
    memcpy(rec, "C0644 1 ", 8);
    rec[8 + 256] = '\n';
    s = sink(&r, NULL, 0, 0);
    assert_status(feed(s, rec, 8 + 257, 0), STRATA_E_PROTOCOL);
    assert_string_equal(strata_error_message(strata_scp_error(s)),
                        "protocol error: filename longer than 255 bytes");
    strata_scp_free(s);

    /* A name of exactly 255 bytes is fine; the size bound is 2^63-1. */
    memcpy(rec, "C0644 0 ", 8);
    rec[8 + 255] = '\n';
    struct rec r2 = {0};
    s = sink(&r2, NULL, 0, 0);
    assert_ok(feed(s, rec, 8 + 256, 0));
    assert_int_equal(r2.files, 1);
    strata_scp_free(s);
    const char *big = "C0644 9223372036854775807 big\n";
    s = sink(&r2, NULL, 0, 0);
    assert_ok(feed(s, big, strlen(big), 0));
    assert_status(strata_scp_eof(s), STRATA_E_IO);
    assert_string_equal(strata_error_message(strata_scp_error(s)),
                        "lost connection: 0 of 9223372036854775807 bytes of \"big\" received");
    strata_scp_free(s);
}

/* Moves bytes both ways until neither has anything to say. */
static void pump(strata_scp *a, strata_scp *b)
{
    for (int i = 0; i < 1000; i++) {
        size_t na, nb;
        const uint8_t *pa = strata_scp_out(a, &na);
        if (na) {
            assert_ok(strata_scp_feed(b, pa, na));
            strata_scp_out_ack(a, na);
        }
        const uint8_t *pb = strata_scp_out(b, &nb);
        if (nb) {
            assert_ok(strata_scp_feed(a, pb, nb));
            strata_scp_out_ack(b, nb);
        }
        if (!na && !nb)
            return;
    }
    fail_msg("pump did not settle");
}

static void put_data(strata_scp *src, const char *data, size_t n)
{
    assert_status(strata_scp_source_state(src), STRATA_WANT_WRITE);
    size_t off = 0;
    while (off < n) {
        size_t cap;
        uint8_t *p = strata_scp_data_buf(src, &cap);
        assert_non_null(p);
        size_t k = cap < n - off ? cap : n - off;
        memcpy(p, data + off, k);
        assert_ok(strata_scp_data_ack(src, k));
        off += k;
    }
}

static void source_to_sink(void **state)
{
    (void)state;
    struct rec rs = {0}, rk = {0};
    strata_scp_config sc = {.role = STRATA_SCP_SOURCE, .on_event = on_event, .user = &rs};
    strata_scp *src = NULL;
    assert_ok(strata_scp_new(&sc, &src));
    strata_scp *snk = sink(&rk, NULL, 1, 0);
    assert_status(strata_scp_source_state(src), STRATA_WANT_READ);
    pump(src, snk); /* the sink's opening \0 */
    assert_ok(strata_scp_source_state(src));

    assert_ok(strata_scp_send_dir(src, "dir with space", 0755, 1, 1000, 2000));
    assert_status(strata_scp_source_state(src), STRATA_WANT_READ);
    pump(src, snk);
    assert_ok(strata_scp_source_state(src));
    assert_int_equal(strata_scp_source_depth(src), 1);
    assert_ok(strata_scp_send_file(src, "a", 04644, 5, 1, 3000, 4000));
    pump(src, snk);
    put_data(src, "hello", 5);
    assert_ok(strata_scp_send_file_end(src, NULL));
    assert_ok(strata_scp_source_state(src)); /* pipelined: no wait for the file's answer */
    assert_int_equal(strata_scp_pending(src), 1);
    assert_ok(strata_scp_send_file(src, "empty", 0600, 0, 0, 0, 0));
    pump(src, snk);
    assert_status(strata_scp_source_state(src), STRATA_WANT_WRITE);
    assert_ok(strata_scp_send_file_end(src, NULL));
    /* A file the sink refuses: the source skips it, no data goes. */
    rk.refuse_on = "ro";
    assert_ok(strata_scp_send_file(src, "ro", 0644, 3, 0, 0, 0));
    pump(src, snk);
    assert_ok(strata_scp_source_state(src));
    assert_int_equal(rs.refused, 1);
    assert_string_equal(rs.last_msg, "scp: x: Permission denied");
    /* A file whose write fails at the sink: the answer after the data. */
    rk.refuse_data = "full";
    assert_ok(strata_scp_send_file(src, "full", 0644, 2, 0, 0, 0));
    pump(src, snk);
    put_data(src, "zz", 2);
    assert_ok(strata_scp_send_file_end(src, NULL));
    /* A file the source fails mid-way. */
    assert_ok(strata_scp_send_file(src, "bad", 0644, 1, 0, 0, 0));
    pump(src, snk);
    put_data(src, "\0", 1);
    assert_ok(strata_scp_send_file_end(src, "bad: Input/output error"));
    pump(src, snk);
    assert_string_equal(rk.last_msg, "scp: bad: Input/output error");
    assert_ok(strata_scp_send_dir_end(src));
    assert_status(strata_scp_send_dir_end(src), STRATA_E_STATE);
    assert_ok(strata_scp_warn(src, "gone\n\033: No such file or directory"));
    pump(src, snk);
    /* One line: the newline and the escape travel escaped. */
    assert_string_equal(rk.last_msg, "scp: gone\\012\\033: No such file or directory");
    assert_int_equal(strata_scp_pending(src), 0);
    assert_int_equal(rs.warnings, 2);
    assert_string_equal(rs.last_msg, "scp: x: No space left on device");

    assert_int_equal(rk.dirs, 1);
    assert_int_equal(rk.files, 5);
    assert_int_equal(rk.dir_ends, 1);
    assert_int_equal(rk.file_ends, 4); /* a, empty, full, bad (ro was refused) */
    assert_int_equal(rk.warnings, 1);  /* the warning (bad's failure came with its FILE_END) */
    assert_string_equal(rk.names[0], "dir with space");
    assert_int_equal(rk.modes[0], 0755);
    assert_int_equal(rk.mtime[0], 1000);
    assert_string_equal(rk.names[1], "a");
    assert_int_equal(rk.modes[1], 04644);
    assert_int_equal(rk.mtime[1], 3000);
    assert_int_equal(rk.mtime[2], -1);
    assert_int_equal(rk.data_len, 5 + 2 + 1);
    assert_memory_equal(rk.data, "hellozz", 7);
    assert_ok(strata_scp_eof(snk));
    assert_ok(strata_scp_eof(src));
    /* Bad names never leave the source. */
    assert_status(strata_scp_send_file(src, "a/b", 0644, 0, 0, 0, 0), STRATA_E_USAGE);
    assert_status(strata_scp_send_file(src, "..", 0644, 0, 0, 0, 0), STRATA_E_USAGE);
    assert_status(strata_scp_send_file(src, "a\nC0644 1 b", 0644, 0, 0, 0, 0), STRATA_E_USAGE);
    strata_scp_free(src);
    strata_scp_free(snk);
}

static void sink_warnings_and_eof(void **state)
{
    (void)state;
    struct rec r = {0};
    strata_scp *s = sink(&r, "missing", 0, 0);
    const char *in = "\1scp: missing: No such file or directory\n";
    assert_ok(feed(s, in, strlen(in), 3));
    assert_int_equal(r.warnings, 1);
    assert_string_equal(r.last_msg, "scp: missing: No such file or directory");
    assert_ok(strata_scp_eof(s));
    strata_scp_free(s);

    /* The stream cut inside a record, a directory, a file. */
    const char *cuts[][2] = {
        {"C0644 3 x", "lost connection: the stream ended inside a record"},
        {"D0755 0 x\n", "lost connection: the stream ended inside a directory"},
        {"C0644 3 x\nab", "lost connection: 2 of 3 bytes of \"x\" received"},
    };
    for (size_t i = 0; i < 3; i++) {
        s = sink(&r, NULL, 1, 0);
        assert_ok(feed(s, cuts[i][0], strlen(cuts[i][0]), 0));
        assert_status(strata_scp_eof(s), STRATA_E_IO);
        assert_string_equal(strata_error_message(strata_scp_error(s)), cuts[i][1]);
        strata_scp_free(s);
    }

    /* A source whose peer answers with junk, or not at all. */
    strata_scp_config sc = {.role = STRATA_SCP_SOURCE, .on_event = on_event, .user = &r};
    assert_ok(strata_scp_new(&sc, &s));
    in = "Welcome to my shell\n";
    assert_status(feed(s, in, strlen(in), 0), STRATA_E_PROTOCOL);
    assert_string_equal(strata_error_message(strata_scp_error(s)),
                        "protocol error: unexpected reply \"Welcome to my shell\"");
    strata_scp_free(s);
    assert_ok(strata_scp_new(&sc, &s));
    in = "\1scp: /nowhere: No such file or directory\n";
    assert_status(feed(s, in, strlen(in), 0), STRATA_E_IO);
    assert_string_equal(strata_error_message(strata_scp_error(s)),
                        "scp: /nowhere: No such file or directory");
    strata_scp_free(s);
    assert_ok(strata_scp_new(&sc, &s));
    assert_status(strata_scp_eof(s), STRATA_E_IO);
    assert_string_equal(strata_error_message(strata_scp_error(s)),
                        "lost connection: the peer ended with 1 answer(s) owed");
    strata_scp_free(s);
    /* A config without a callback or role. */
    strata_scp_config none = {0};
    assert_status(strata_scp_new(&none, &s), STRATA_E_USAGE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(bad_server_lines),
        cmocka_unit_test(limits),
        cmocka_unit_test(source_to_sink),
        cmocka_unit_test(sink_warnings_and_eof),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
