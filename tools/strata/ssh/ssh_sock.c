/* Blocking socket loop for the SSH subcommands (see ssh_sock.h). */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <sys/socket.h>
#include <unistd.h>

#include "ssh_sock.h"

int cli_tcp_connect(const char *host, const char *port, int timeout_ms, char *err, size_t cap)
{
    struct addrinfo hints, *res = NULL;
    memset(&hints, 0, sizeof(hints));
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    int rc = getaddrinfo(host, port, &hints, &res);
    if (rc != 0) {
        snprintf(err, cap, "%s: %s", host, gai_strerror(rc));
        return -1;
    }
    int fd = -1;
    snprintf(err, cap, "%s port %s: no address", host, port);
    for (struct addrinfo *ai = res; ai; ai = ai->ai_next) {
        fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
        if (fd < 0)
            continue;
        int fl = fcntl(fd, F_GETFL);
        fcntl(fd, F_SETFL, fl | O_NONBLOCK);
        if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0 || errno == EINPROGRESS) {
            struct pollfd p = {fd, POLLOUT, 0};
            int soerr = 0;
            socklen_t sl = sizeof(soerr);
            int pr = poll(&p, 1, timeout_ms);
            if (pr == 1 && getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) == 0 && soerr == 0) {
                fcntl(fd, F_SETFL, fl);
                break;
            }
            snprintf(err, cap, "connect to %s port %s: %s", host, port,
                     pr == 0 ? "timed out" : strerror(soerr ? soerr : errno));
        } else {
            snprintf(err, cap, "connect to %s port %s: %s", host, port, strerror(errno));
        }
        close(fd);
        fd = -1;
    }
    freeaddrinfo(res);
    return fd;
}

static strata_status flush_out(strata_ssh_transport *t, int fd)
{
    const uint8_t *p;
    size_t n;
    for (;;) {
        strata_ssh_transport_output(t, &p, &n);
        if (n == 0)
            return STRATA_OK;
        ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return STRATA_E_IO;
        strata_ssh_transport_output_ack(t, (size_t)w);
    }
}

int64_t cli_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

strata_status cli_ssh_pump(strata_ssh_transport *t, int fd, int timeout_ms, int (*done)(void *arg),
                           void *arg)
{
    uint8_t buf[32768];
    strata_status r = STRATA_OK;
    int64_t deadline = cli_now_ms() + (timeout_ms > 0 ? timeout_ms : 0);
    for (;;) {
        strata_status fr = flush_out(t, fd);
        if (r != STRATA_OK && r != STRATA_PENDING)
            return r; /* the DISCONNECT (if any) has been written */
        if (fr != STRATA_OK)
            return fr;
        if (done && done(arg))
            return STRATA_OK;
        struct pollfd p = {fd, POLLIN, 0};
        int64_t left = deadline - cli_now_ms();
        int pr = left > 0 ? poll(&p, 1, (int)left) : 0;
        if (pr < 0 && errno == EINTR)
            continue;
        if (pr == 0)
            return STRATA_E_TIMEOUT;
        ssize_t n = recv(fd, buf, sizeof(buf), 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return STRATA_E_IO;
        if (n == 0)
            return strata_ssh_transport_input_eof(t);
        size_t off = 0;
        while (off < (size_t)n) {
            size_t used = 0;
            r = strata_ssh_transport_input(t, buf + off, (size_t)n - off, &used);
            off += used;
            if (r != STRATA_OK || used == 0)
                break;
        }
    }
}
