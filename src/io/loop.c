/* The driver: one libuv loop and the list of what lives on it. */
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifdef __GLIBC__ /* stdlib.h tells */
#include <malloc.h>
#endif

#include "io/io_internal.h"
#include "strata/sftp_io.h"
#include "strata/log.h"

strata_status strata_io_new(strata_io **out)
{
    *out = NULL;
    /* A write to a closed pipe or socket must be an error, not a signal. */
    signal(SIGPIPE, SIG_IGN);
    strata_io *io = calloc(1, sizeof(*io));
    if (!io)
        return STRATA_E_NOMEM;
    if (uv_loop_init(&io->loop) != 0) {
        free(io);
        return STRATA_E_IO;
    }
    *out = io;
    return STRATA_OK;
}

strata_status strata_io_run(strata_io *io)
{
    if (io->running)
        return STRATA_E_STATE;
    io->running = 1;
    uv_run(&io->loop, UV_RUN_DEFAULT);
    io->running = 0;
    return STRATA_OK;
}

strata_status strata_io_after_fork(strata_io *io)
{
    return uv_loop_fork(&io->loop) == 0 ? STRATA_OK : STRATA_E_IO;
}

strata_status strata_io_run_once(strata_io *io, int *alive)
{
    *alive = 0;
    if (io->running)
        return STRATA_E_STATE;
    io->running = 1;
    *alive = uv_run(&io->loop, UV_RUN_ONCE) != 0;
    io->running = 0;
    return STRATA_OK;
}

strata_status strata_io_fork_background(strata_io *io, int *is_parent)
{
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    if (pid < 0)
        return STRATA_E_IO;
    *is_parent = pid > 0;
    if (pid > 0)
        return STRATA_OK;
    (void)setsid();
    int fd = open("/dev/null", O_RDONLY);
    if (fd >= 0) {
        (void)dup2(fd, STDIN_FILENO);
        if (fd != STDIN_FILENO)
            close(fd);
    }
    return strata_io_after_fork(io);
}

uint64_t strata_io_now(const strata_io *io)
{
    return uv_now(&io->loop);
}

void strata__io_link(strata_io *io, struct strata__io_node *n)
{
    n->prev = NULL;
    n->next = io->live;
    if (io->live)
        io->live->prev = n;
    io->live = n;
}

void strata__io_unlink(strata_io *io, struct strata__io_node *n)
{
    if (n->prev)
        n->prev->next = n->next;
    else if (io->live == n)
        io->live = n->next;
    if (n->next)
        n->next->prev = n->prev;
    n->prev = n->next = NULL;
}

/* Freed heap pages go back to the system: glibc keeps what free() returns
 * (in the middle of the heap, and in each thread's arena) resident until
 * malloc_trim, so without it a listener stays at its peak after a burst. */
static void trim_cb(uv_timer_t *t)
{
    strata_io *io = t->data;
    io->trim_armed = 0;
#ifdef __GLIBC__
    (void)malloc_trim(0);
#endif
}

void strata__io_release_soon(strata_io *io)
{
    if (io->trim_armed)
        return;
    if (!io->trim_open) {
        if (uv_timer_init(&io->loop, &io->trim) != 0)
            return;
        io->trim_open = 1;
        io->trim.data = io;
        uv_unref((uv_handle_t *)&io->trim); /* it does not keep the run going */
    }
    if (uv_timer_start(&io->trim, trim_cb, STRATA__IO_TRIM_DELAY_MS, 0) == 0)
        io->trim_armed = 1;
}

static void close_stray(uv_handle_t *h, void *arg)
{
    (void)arg;
    if (!uv_is_closing(h))
        uv_close(h, NULL);
}

/* Starts closing every live object. Each shutdown unlinks its object (at
 * once or when its close completes). */
static void close_all(strata_io *io, const char *why)
{
    while (io->live) {
        struct strata__io_node *n = io->live;
        n->shutdown(n, why);
        if (io->live == n)
            strata__io_unlink(io, n); /* its close is under way */
    }
}

static void grace_over(uv_timer_t *t)
{
    strata_io *io = t->data;
    char why[96];
    snprintf(why, sizeof(why), "still open %llu ms after SIGTERM",
             (unsigned long long)io->grace_ms);
    strata_log(STRATA_LOG_INFO, "io", "%s: closing the rest", why);
    close_all(io, why);
}

/* A graceful stop: listeners close (no new connections), live connections
 * may finish until the grace timer ends them. The timer does not keep the
 * loop running: once they are done, strata_io_run returns. */
static void drain(strata_io *io)
{
    io->draining = 1;
    strata_log(STRATA_LOG_INFO, "io", "SIGTERM: no new connections; %llu ms for the open ones",
               (unsigned long long)io->grace_ms);
    for (;;) {
        struct strata__io_node *n = io->live;
        while (n && !n->listener)
            n = n->next;
        if (!n)
            break;
        n->shutdown(n, "stopped by SIGTERM");
        strata__io_unlink(io, n); /* its close is under way */
    }
    if (uv_timer_init(&io->loop, &io->grace) == 0) {
        io->grace_open = 1;
        io->grace.data = io;
        (void)uv_timer_start(&io->grace, grace_over, io->grace_ms, 0);
        uv_unref((uv_handle_t *)&io->grace);
    }
}

static void on_signal(uv_signal_t *h, int signum)
{
    strata_io *io = h->data;
    char why[64];
    io->stopped_by = signum;
    if (signum == SIGTERM && io->grace_ms && !io->draining) {
        drain(io);
        return;
    }
    snprintf(why, sizeof(why), "stopped by signal %d (%s)", signum, strsignal(signum));
    strata_log(STRATA_LOG_INFO, "io", "%s", why);
    close_all(io, why);
}

strata_status strata_io_stop_on_signals_graceful(strata_io *io, uint64_t grace_ms)
{
    io->grace_ms = grace_ms;
    return strata_io_stop_on_signals(io);
}

strata_status strata_io_stop_on_signals(strata_io *io)
{
    if (io->signals_on)
        return STRATA_OK;
    int e;
    if ((e = uv_signal_init(&io->loop, &io->sig_int)) != 0)
        return STRATA_E_IO;
    if ((e = uv_signal_init(&io->loop, &io->sig_term)) != 0) {
        uv_close((uv_handle_t *)&io->sig_int, NULL);
        return STRATA_E_IO;
    }
    io->signals_on = 1;
    io->sig_int.data = io->sig_term.data = io;
    if (uv_signal_start(&io->sig_int, on_signal, SIGINT) != 0 ||
        uv_signal_start(&io->sig_term, on_signal, SIGTERM) != 0)
        return STRATA_E_IO;
    /* The watchers alone do not keep the loop running. */
    uv_unref((uv_handle_t *)&io->sig_int);
    uv_unref((uv_handle_t *)&io->sig_term);
    return STRATA_OK;
}

int strata_io_stopped_by(const strata_io *io)
{
    return io->stopped_by;
}

void strata_io_free(strata_io *io)
{
    if (!io)
        return;
    close_all(io, "the io driver was freed");
    if (io->signals_on) {
        uv_close((uv_handle_t *)&io->sig_int, NULL);
        uv_close((uv_handle_t *)&io->sig_term, NULL);
    }
    if (io->grace_open)
        uv_close((uv_handle_t *)&io->grace, NULL);
    if (io->trim_open)
        uv_close((uv_handle_t *)&io->trim, NULL);
    uv_run(&io->loop, UV_RUN_DEFAULT);
    /* Nothing should be left; close anything that is, rather than leak. */
    uv_walk(&io->loop, close_stray, NULL);
    uv_run(&io->loop, UV_RUN_DEFAULT);
    (void)uv_loop_close(&io->loop);
    free(io);
}
