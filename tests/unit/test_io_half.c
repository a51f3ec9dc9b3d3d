/* The io halves' file mode and read sizing (src/io/half.c, issue 17):
 * regular files and unpollable character devices are read and written
 * directly from the loop, with no request in the thread pool; a socket
 * reader whose reads fill its buffer grows it, and trimming shrinks it. */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "testutil.h"
#include "io/io_internal.h"

static int kicks;
static void count_kick(void *arg)
{
    (void)arg;
    kicks++;
}

/* A temporary regular file, open read-write, unlinked at once. */
static int temp_file(void)
{
    char path[] = "/tmp/strata-test-half-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    unlink(path);
    return fd;
}

static void test_which_files_are_direct(void **state)
{
    (void)state;
    int fd = temp_file();
    assert_int_equal(strata__io_fd_direct(fd), 1);
    close(fd);
    int dn = open("/dev/null", O_RDWR);
    assert_int_equal(strata__io_fd_direct(dn), 1);
    close(dn);
    int p[2];
    assert_int_equal(pipe(p), 0);
    assert_int_equal(strata__io_fd_direct(p[0]), 0); /* a stream: libuv's */
    assert_int_equal(strata__io_fd_direct(p[1]), 0);
    close(p[0]);
    close(p[1]);
    int sv[2];
    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    assert_int_equal(strata__io_fd_direct(sv[0]), 0);
    close(sv[0]);
    close(sv[1]);
    assert_int_equal(strata__io_fd_direct(-1), 0);
}

/* A write to a regular file takes everything at once, more than the
 * buffer's size, with nothing under way afterwards (no thread hand-off). */
static void test_file_written_directly(void **state)
{
    (void)state;
    uv_loop_t loop;
    assert_int_equal(uv_loop_init(&loop), 0);
    int fd = temp_file();
    struct strata__io_wr w;
    assert_ok(strata__io_wr_init(&w, &loop, NULL, fd, 4096, STRATA__IO_WR_EOF_FLUSH, "writing out",
                                 count_kick, NULL));
    size_t n = 1u << 20, used = 0;
    uint8_t *data = malloc(n);
    assert_non_null(data);
    for (size_t i = 0; i < n; i++)
        data[i] = (uint8_t)(i * 7 + 3);
    assert_ok(strata__io_wr_write(&w, data, n, &used));
    assert_int_equal(used, n);
    assert_false(w.busy);
    assert_true(strata__io_wr_idle(&w));
    assert_int_equal(w.total, n);
    assert_null(w.buf); /* never copied */
    assert_ok(strata__io_wr_eof(&w));
    assert_true(strata__io_wr_done(&w));

    uint8_t *back = malloc(n);
    assert_non_null(back);
    assert_int_equal(pread(fd, back, n, 0), (ssize_t)n);
    assert_memory_equal(back, data, n);
    strata__io_wr_free(&w);
    free(back);
    free(data);
    close(fd);
    assert_int_equal(uv_run(&loop, UV_RUN_NOWAIT), 0); /* nothing was queued */
    assert_int_equal(uv_loop_close(&loop), 0);
}

/* /dev/full: the error at once, with its text. */
static void test_direct_write_error(void **state)
{
    (void)state;
    uv_loop_t loop;
    assert_int_equal(uv_loop_init(&loop), 0);
    int fd = open("/dev/full", O_WRONLY);
    assert_true(fd >= 0);
    struct strata__io_wr w;
    assert_ok(strata__io_wr_init(&w, &loop, NULL, fd, 4096, STRATA__IO_WR_EOF_FLUSH,
                                 "writing stdout", count_kick, NULL));
    size_t used = 99;
    assert_int_equal(strata__io_wr_write(&w, (const uint8_t *)"abc", 3, &used), STRATA_E_IO);
    assert_int_equal(used, 0);
    assert_false(w.busy);
    assert_string_equal(strata_error_message(strata__io_half_error(w.err)),
                        "writing stdout: no space left on device");
    strata__io_wr_free(&w);
    close(fd);
    assert_int_equal(uv_loop_close(&loop), 0);
}

/* A regular file is read at once: the bytes are there when start returns,
 * without running the loop, then the end; a read that fills the buffer
 * makes the next one larger. */
static void test_file_read_directly(void **state)
{
    (void)state;
    uv_loop_t loop;
    assert_int_equal(uv_loop_init(&loop), 0);
    int fd = temp_file();
    uint8_t data[10000];
    for (size_t i = 0; i < sizeof data; i++)
        data[i] = (uint8_t)(i * 13);
    assert_int_equal(write(fd, data, sizeof data), (ssize_t)sizeof data);
    assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
    struct strata__io_rd r;
    assert_ok(strata__io_rd_init(&r, &loop, NULL, fd, 4096, "reading in", count_kick, NULL));
    r.cap_max = 8192;
    kicks = 0;
    assert_ok(strata__io_rd_start(&r));
    size_t got = 0, n, sizes[10] = {0};
    int pieces = 0;
    strata_status st;
    for (int k = 0; k < 10; k++) {
        const uint8_t *p = strata__io_rd_peek(&r, &n, &st);
        if (n == 0)
            break;
        assert_memory_equal(p, data + got, n);
        sizes[pieces++] = n;
        got += n;
        strata__io_rd_ack(&r, n); /* reads the next piece at once */
    }
    assert_int_equal(got, sizeof data);
    /* The first read filled 4096 bytes: the second, into a grown buffer,
     * takes the remaining 5904 at once. */
    assert_int_equal(pieces, 2);
    assert_int_equal(sizes[0], 4096);
    assert_int_equal(sizes[1], sizeof data - 4096);
    /* Each refill from within ack told the owner (the second read, the end);
     * the first, from start, did not. */
    assert_int_equal(kicks, 2);
    strata__io_rd_peek(&r, &n, &st);
    assert_int_equal(st, STRATA_CLOSED);
    assert_true(strata__io_rd_idle(&r));
    strata__io_rd_free(&r);
    close(fd);
    assert_int_equal(uv_run(&loop, UV_RUN_NOWAIT), 0);
    assert_int_equal(uv_loop_close(&loop), 0);
}

/* Reading a socket: a read that fills the buffer doubles it (up to
 * cap_max) for the next read; trimming gives it back at its first size. */
struct grow {
    struct strata__io_rd *r;
    size_t got, largest;
};
static struct grow gr;
static void grow_kick(void *arg)
{
    (void)arg;
    size_t n;
    strata_status st;
    strata__io_rd_peek(gr.r, &n, &st);
    gr.got += n;
    if (n > gr.largest)
        gr.largest = n;
    strata__io_rd_ack(gr.r, n);
}

static void test_socket_reads_grow(void **state)
{
    (void)state;
    uv_loop_t loop;
    assert_int_equal(uv_loop_init(&loop), 0);
    int sv[2];
    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    int sz = 1 << 20;
    (void)setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &sz, sizeof sz);
    static uint8_t data[200000];
    memset(data, 'x', sizeof data);
    assert_int_equal(write(sv[0], data, sizeof data), (ssize_t)sizeof data);
    close(sv[0]);
    uv_pipe_t h;
    assert_int_equal(uv_pipe_init(&loop, &h, 0), 0);
    assert_int_equal(uv_pipe_open(&h, sv[1]), 0);
    struct strata__io_rd r;
    gr = (struct grow){&r, 0, 0};
    assert_ok(
        strata__io_rd_init(&r, &loop, (uv_stream_t *)&h, -1, 4096, "reading", grow_kick, NULL));
    r.cap_max = 32768;
    assert_ok(strata__io_rd_start(&r));
    for (int k = 0; k < 1000 && !r.eof; k++)
        uv_run(&loop, UV_RUN_ONCE);
    assert_true(r.eof);
    assert_int_equal(gr.got, sizeof data);
    assert_int_equal(r.cap, 32768);
    assert_int_equal(gr.largest, 32768);
    strata__io_rd_trim(&r);
    assert_null(r.buf);
    assert_int_equal(r.cap, 4096);
    strata__io_rd_free(&r);
    uv_close((uv_handle_t *)&h, NULL);
    uv_run(&loop, UV_RUN_DEFAULT);
    assert_int_equal(uv_loop_close(&loop), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_which_files_are_direct), cmocka_unit_test(test_file_written_directly),
        cmocka_unit_test(test_direct_write_error),     cmocka_unit_test(test_file_read_directly),
        cmocka_unit_test(test_socket_reads_grow),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
