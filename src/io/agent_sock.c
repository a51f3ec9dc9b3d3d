/* Blocking request/reply over an ssh-agent's Unix socket (see
 * strata/ssh_agent.h). One connection per call, every wait bounded by a
 * deadline on the monotonic clock, no SIGPIPE. */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "base/error_internal.h"
#include "strata/ssh_agent.h"

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Waits until fd is ready for events or the deadline passes. */
static strata_status wait_fd(int fd, short events, int64_t deadline, strata_error *err)
{
    for (;;) {
        int64_t left = deadline - now_ms();
        if (left <= 0)
            return strata__error_set(err, STRATA_E_TIMEOUT, "the agent did not answer in time");
        struct pollfd p = {fd, events, 0};
        int n = poll(&p, 1, (int)(left > 60000 ? 60000 : left));
        if (n > 0)
            return STRATA_OK;
        if (n < 0 && errno != EINTR)
            return strata__error_set(err, STRATA_E_IO, "poll on the agent socket: %s",
                                     strerror(errno));
    }
}

static strata_status read_exact(int fd, uint8_t *p, size_t n, int64_t deadline, strata_error *err)
{
    while (n > 0) {
        strata_status r = wait_fd(fd, POLLIN, deadline, err);
        if (r != STRATA_OK)
            return r;
        ssize_t k = recv(fd, p, n, 0);
        if (k == 0)
            return strata__error_set(err, STRATA_E_IO, "the agent closed the connection");
        if (k < 0) {
            if (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK)
                continue;
            return strata__error_set(err, STRATA_E_IO, "reading from the agent: %s",
                                     strerror(errno));
        }
        p += k;
        n -= (size_t)k;
    }
    return STRATA_OK;
}

strata_status strata_ssh_agent_transact(const char *sock_path, const strata_buf *request,
                                        strata_buf *reply, int timeout_ms, strata_error *err)
{
    strata_error scratch;
    if (!err)
        err = &scratch;
    strata_error_clear(err);
    if (!sock_path || !*sock_path)
        sock_path = getenv("SSH_AUTH_SOCK");
    if (!sock_path || !*sock_path)
        return strata__error_set(err, STRATA_E_USAGE, "no agent socket (SSH_AUTH_SOCK is not set)");
    struct sockaddr_un sa;
    memset(&sa, 0, sizeof(sa));
    sa.sun_family = AF_UNIX;
    if (strlen(sock_path) >= sizeof(sa.sun_path))
        return strata__error_set(err, STRATA_E_USAGE, "agent socket path too long");
    memcpy(sa.sun_path, sock_path, strlen(sock_path) + 1);

    int64_t deadline = now_ms() + (timeout_ms > 0 ? timeout_ms : 0);
    strata_status r;
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0)
        return strata__error_set(err, STRATA_E_IO, "socket: %s", strerror(errno));
    if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 && errno != EINPROGRESS) {
        r = strata__error_set(err, STRATA_E_IO, "cannot connect to the agent at %s: %s", sock_path,
                              strerror(errno));
        goto out;
    }
    const uint8_t *p = strata_buf_ptr(request);
    size_t left = strata_buf_len(request);
    while (left > 0) {
        if ((r = wait_fd(fd, POLLOUT, deadline, err)) != STRATA_OK)
            goto out;
        ssize_t k = send(fd, p, left, MSG_NOSIGNAL);
        if (k < 0) {
            if (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK)
                continue;
            r = strata__error_set(err, STRATA_E_IO, "writing to the agent at %s: %s", sock_path,
                                  strerror(errno));
            goto out;
        }
        p += k;
        left -= (size_t)k;
    }
    uint8_t hdr[4];
    if ((r = read_exact(fd, hdr, 4, deadline, err)) != STRATA_OK)
        goto out;
    uint32_t len = (uint32_t)hdr[0] << 24 | (uint32_t)hdr[1] << 16 | (uint32_t)hdr[2] << 8 | hdr[3];
    if (len == 0 || len > STRATA_SSH_AGENT_MSG_MAX) {
        r = strata__error_set(err, len ? STRATA_E_LIMIT : STRATA_E_FORMAT,
                              "agent reply of %u bytes (1..%u allowed)", len,
                              STRATA_SSH_AGENT_MSG_MAX);
        goto out;
    }
    uint8_t *dst;
    if ((r = strata_buf_reserve(reply, len, &dst)) != STRATA_OK) {
        r = strata__error_set(err, r, "no room for the agent's reply of %u bytes", len);
        goto out;
    }
    if ((r = read_exact(fd, dst, len, deadline, err)) != STRATA_OK) {
        if (strata_buf_consume_end(reply, len) != STRATA_OK)
            r = STRATA_E_INTERNAL;
        goto out;
    }
    r = STRATA_OK;
out:
    close(fd);
    return r;
}
