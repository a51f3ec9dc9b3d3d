/* tls_load: a TLS load generator that is not strata (plain OpenSSL, one
 * thread, epoll), and the plain TCP echo server behind the relays, for
 * bench/run-listen.sh and bench/run-listen-mem.sh.
 *
 *   tls_load echo [PORT]
 *       a TCP echo server on 127.0.0.1:PORT (0: a free one); prints
 *       "port=P", then serves until killed.
 *   tls_load hs   --port P --conns C --secs S
 *       full TLS handshakes: C connections at a time; each connects, does a
 *       full handshake (no session offered), sends one byte, reads its echo,
 *       sends close_notify and closes; another takes its place until S
 *       seconds have passed. Prints "done=N errors=E secs=T rate=N/T cpu_ms=C".
 *   tls_load bulk --port P --conns C --secs S [--bytes B]
 *       C connections at a time, each sending B bytes (default 8 MiB) and
 *       reading them back, then closing; new ones until S seconds have
 *       passed. Prints "bytes=.. secs=.. mbps=.. cpu_ms=.." (MB/s of echoed bytes:
 *       each byte crossed the relay twice).
 *   tls_load hold --port P --conns N [--bytes B]
 *       N connections at once (at most 100 in their handshake at a time),
 *       each echoing B bytes (default 100000) and then staying idle (within
 *       S seconds, default 120). Prints
 *       "idle n=N errors=E" once all are idle, waits for a line on stdin,
 *       closes them all, prints "closed" and exits.
 *
 * TLS 1.3 (OpenSSL's defaults), no verification (a benchmark of the
 * listener, not of the client): the chain check is skipped altogether (a
 * verify callback that accepts, so OpenSSL does not build and check a chain
 * it would then ignore); the server's CertificateVerify is still checked,
 * as TLS demands. Client session cache off: every handshake is full. Server
 * tickets are read and dropped. hs and bulk also print cpu_ms=, this
 * process's own CPU time (user + system): with a certificate whose
 * signature is cheap (ECDSA P-256) a handshake costs the client about what
 * it costs the server (OpenSSL 3.0 spends a quarter of it decoding the
 * certificate's public key), so this figure says when the generator, not
 * the server, is the limit.
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_EVENTS 256
#define CHUNK 16384

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* This process's CPU time so far (user + system), ms. */
static double cpu_ms(void)
{
    struct rusage ru;
    if (getrusage(RUSAGE_SELF, &ru) != 0)
        return 0;
    return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e3 +
           (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e3;
}

/* Accepts any chain unchecked (the benchmark does not verify the server). */
static int accept_chain(X509_STORE_CTX *x, void *arg)
{
    (void)x;
    (void)arg;
    return 1;
}

static void die(const char *what)
{
    fprintf(stderr, "tls_load: %s: %s\n", what, strerror(errno));
    exit(1);
}

static int nonblocking_socket(void)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        die("socket");
    int on = 1;
    (void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on));
    return fd;
}

static struct sockaddr_in loopback(unsigned port)
{
    struct sockaddr_in a;
    memset(&a, 0, sizeof(a));
    a.sin_family = AF_INET;
    a.sin_port = htons((uint16_t)port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return a;
}

/* ---- the echo server --------------------------------------------------------------- */

struct echo_conn {
    int fd;
    size_t off, len; /* pending bytes in buf */
    uint8_t buf[65536];
};

static void echo_events(int ep, struct echo_conn *c)
{
    struct epoll_event ev = {.events = c->len ? EPOLLOUT : EPOLLIN, .data.ptr = c};
    (void)epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev);
}

static void echo_close(struct echo_conn *c)
{
    close(c->fd);
    free(c);
}

/* Reads while nothing is pending, writes what is; the end of input ends
 * the connection once every byte went back. */
static void echo_ready(int ep, struct echo_conn *c)
{
    for (;;) {
        if (c->len) {
            ssize_t n = send(c->fd, c->buf + c->off, c->len, MSG_NOSIGNAL);
            if (n < 0 && (errno == EAGAIN || errno == EINTR))
                break;
            if (n <= 0) {
                echo_close(c);
                return;
            }
            c->off += (size_t)n;
            c->len -= (size_t)n;
            continue;
        }
        ssize_t n = recv(c->fd, c->buf, sizeof(c->buf), 0);
        if (n < 0 && (errno == EAGAIN || errno == EINTR))
            break;
        if (n <= 0) {
            echo_close(c);
            return;
        }
        c->off = 0;
        c->len = (size_t)n;
    }
    echo_events(ep, c);
}

_Noreturn static void run_echo(unsigned port)
{
    int lfd = nonblocking_socket(), on = 1;
    (void)setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
    struct sockaddr_in a = loopback(port);
    socklen_t alen = sizeof(a);
    if (bind(lfd, (struct sockaddr *)&a, sizeof(a)) != 0 || listen(lfd, 4096) != 0 ||
        getsockname(lfd, (struct sockaddr *)&a, &alen) != 0)
        die("echo: listen");
    printf("port=%u\n", ntohs(a.sin_port));
    fflush(stdout);
    int ep = epoll_create1(EPOLL_CLOEXEC);
    struct epoll_event ev = {.events = EPOLLIN, .data.ptr = NULL}, evs[MAX_EVENTS];
    (void)epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &ev);
    for (;;) {
        int n = epoll_wait(ep, evs, MAX_EVENTS, -1);
        for (int i = 0; i < n; i++) {
            if (evs[i].data.ptr) {
                echo_ready(ep, evs[i].data.ptr);
                continue;
            }
            int fd;
            while ((fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0) {
                struct echo_conn *c = malloc(sizeof(*c));
                if (!c) {
                    close(fd);
                    continue;
                }
                c->fd = fd;
                c->off = c->len = 0;
                (void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on));
                struct epoll_event cev = {.events = EPOLLIN, .data.ptr = c};
                (void)epoll_ctl(ep, EPOLL_CTL_ADD, fd, &cev);
            }
        }
    }
}

/* ---- the TLS clients --------------------------------------------------------------- */

enum phase { CONNECTING, HANDSHAKE, TRANSFER, IDLE };

struct client {
    int fd;
    SSL *ssl;
    enum phase phase;
    uint64_t sent, got;
    struct client *prev, *next; /* every live one, for hold's close */
};

static struct {
    const char *mode;
    unsigned port;
    long conns;
    double secs;
    uint64_t bytes;
} opt = {NULL, 0, 1, 0, 0};

static struct {
    int ep;
    SSL_CTX *ctx;
    long live, starting; /* connections open; of them before TRANSFER */
    long done, errors, idle;
    uint64_t echoed;
    int stop; /* no new connections */
    struct client *all;
} st;

static uint8_t pattern[CHUNK];

static void client_start(void)
{
    struct client *c = calloc(1, sizeof(*c));
    if (!c)
        die("calloc");
    c->fd = nonblocking_socket();
    struct sockaddr_in a = loopback(opt.port);
    if (connect(c->fd, (struct sockaddr *)&a, sizeof(a)) != 0 && errno != EINPROGRESS)
        die("connect");
    c->ssl = SSL_new(st.ctx);
    if (!c->ssl || !SSL_set_fd(c->ssl, c->fd))
        die("SSL_new");
    SSL_set_connect_state(c->ssl);
    c->phase = CONNECTING;
    struct epoll_event ev = {.events = EPOLLOUT, .data.ptr = c};
    if (epoll_ctl(st.ep, EPOLL_CTL_ADD, c->fd, &ev) != 0)
        die("epoll_ctl");
    st.live++;
    st.starting++;
    c->next = st.all;
    if (st.all)
        st.all->prev = c;
    st.all = c;
}

static void client_end(struct client *c, int ok)
{
    if (c->phase != TRANSFER && c->phase != IDLE)
        st.starting--;
    if (c->phase == IDLE)
        st.idle--;
    if (ok)
        (void)SSL_shutdown(c->ssl); /* close_notify; the peer's is not awaited */
    SSL_free(c->ssl);
    close(c->fd);
    if (c->prev)
        c->prev->next = c->next;
    else
        st.all = c->next;
    if (c->next)
        c->next->prev = c->prev;
    free(c);
    st.live--;
    if (ok)
        st.done++;
    else
        st.errors++;
    ERR_clear_error();
}

static void set_events(struct client *c, uint32_t events)
{
    struct epoll_event ev = {.events = events, .data.ptr = c};
    (void)epoll_ctl(st.ep, EPOLL_CTL_MOD, c->fd, &ev);
}

/* Returns 1 when it should wait for events (set), 0 when c ended. */
static int client_ready(struct client *c)
{
    uint64_t total = opt.bytes;
    if (c->phase == CONNECTING) {
        int e = 0;
        socklen_t len = sizeof(e);
        if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &e, &len) != 0 || e != 0) {
            client_end(c, 0);
            return 0;
        }
        c->phase = HANDSHAKE;
    }
    if (c->phase == HANDSHAKE) {
        int r = SSL_connect(c->ssl);
        if (r != 1) {
            int e = SSL_get_error(c->ssl, r);
            if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
                set_events(c, e == SSL_ERROR_WANT_READ ? EPOLLIN : EPOLLOUT);
                return 1;
            }
            client_end(c, 0);
            return 0;
        }
        c->phase = TRANSFER;
        st.starting--;
    }
    if (c->phase == IDLE) {
        /* An idle connection reads what comes (tickets); its end is an error. */
        uint8_t buf[CHUNK];
        int r = SSL_read(c->ssl, buf, sizeof(buf));
        if (r <= 0) {
            int e = SSL_get_error(c->ssl, r);
            if (e == SSL_ERROR_WANT_READ)
                return 1;
            client_end(c, 0);
            return 0;
        }
        return 1;
    }
    int want_out = 0;
    while (c->sent < total) {
        size_t n = total - c->sent < CHUNK ? (size_t)(total - c->sent) : CHUNK;
        int r = SSL_write(c->ssl, pattern, (int)n);
        if (r <= 0) {
            int e = SSL_get_error(c->ssl, r);
            if (e != SSL_ERROR_WANT_WRITE && e != SSL_ERROR_WANT_READ) {
                client_end(c, 0);
                return 0;
            }
            want_out = e == SSL_ERROR_WANT_WRITE;
            break;
        }
        c->sent += (uint64_t)r;
    }
    for (;;) {
        uint8_t buf[CHUNK];
        int r = SSL_read(c->ssl, buf, sizeof(buf));
        if (r <= 0) {
            int e = SSL_get_error(c->ssl, r);
            if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE)
                break;
            client_end(c, 0);
            return 0;
        }
        c->got += (uint64_t)r;
        st.echoed += (uint64_t)r;
    }
    if (c->got >= total) {
        if (!strcmp(opt.mode, "hold")) {
            c->phase = IDLE;
            st.idle++;
            set_events(c, EPOLLIN);
            return 1;
        }
        client_end(c, 1);
        return 0;
    }
    set_events(c, EPOLLIN | (want_out ? EPOLLOUT : 0));
    return 1;
}

static void usage(void)
{
    fprintf(stderr, "usage: tls_load echo [PORT]\n"
                    "       tls_load hs|bulk --port P --conns C --secs S [--bytes B]\n"
                    "       tls_load hold --port P --conns N [--bytes B]\n");
    exit(2);
}

static void parse(int argc, char **argv)
{
    opt.mode = argv[1];
    for (int i = 2; i + 1 < argc; i += 2) {
        if (!strcmp(argv[i], "--port"))
            opt.port = (unsigned)strtoul(argv[i + 1], NULL, 10);
        else if (!strcmp(argv[i], "--conns"))
            opt.conns = strtol(argv[i + 1], NULL, 10);
        else if (!strcmp(argv[i], "--secs"))
            opt.secs = strtod(argv[i + 1], NULL);
        else if (!strcmp(argv[i], "--bytes"))
            opt.bytes = strtoull(argv[i + 1], NULL, 10);
        else
            usage();
    }
    if (opt.secs <= 0)
        opt.secs = !strcmp(opt.mode, "hold") ? 120 : 5;
    if (!opt.port || opt.conns < 1 || opt.conns > 100000)
        usage();
    if (!opt.bytes)
        opt.bytes = !strcmp(opt.mode, "hs") ? 1 : !strcmp(opt.mode, "bulk") ? 8u << 20 : 100000;
}

/* Keeps `want` connections going (at most 100 of them starting) until the
 * time is up or, in hold mode, all are idle. */
static void loop(long want, double until)
{
    struct epoll_event evs[MAX_EVENTS];
    for (;;) {
        int more = !st.stop && now() < until;
        if (!strcmp(opt.mode, "hold")) {
            if (now() >= until)
                return; /* bounded: what is idle by now is held */
            more = st.done + st.errors + st.live < want;
            if (!more && st.live == st.idle)
                return;
        }
        while (more && st.live < want && st.starting < 100 &&
               (strcmp(opt.mode, "hold") || st.done + st.errors + st.live < want))
            client_start();
        if (!more && strcmp(opt.mode, "hold") && st.live == 0)
            return;
        int n = epoll_wait(st.ep, evs, MAX_EVENTS, 100);
        for (int i = 0; i < n; i++)
            (void)client_ready(evs[i].data.ptr);
        if (strcmp(opt.mode, "hold") && now() >= until)
            st.stop = 1;
    }
}

int main(int argc, char **argv)
{
    if (argc < 2)
        usage();
    signal(SIGPIPE, SIG_IGN);
    if (!strcmp(argv[1], "echo"))
        run_echo(argc > 2 ? (unsigned)strtoul(argv[2], NULL, 10) : 0);
    if (strcmp(argv[1], "hs") && strcmp(argv[1], "bulk") && strcmp(argv[1], "hold"))
        usage();
    parse(argc, argv);
    memset(pattern, 'x', sizeof(pattern));
    st.ctx = SSL_CTX_new(TLS_client_method());
    if (!st.ctx)
        die("SSL_CTX_new");
    SSL_CTX_set_verify(st.ctx, SSL_VERIFY_NONE, NULL);
    SSL_CTX_set_cert_verify_callback(st.ctx, accept_chain, NULL);
    SSL_CTX_set_session_cache_mode(st.ctx, SSL_SESS_CACHE_OFF);
    SSL_CTX_set_mode(st.ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
    st.ep = epoll_create1(EPOLL_CLOEXEC);
    double t0 = now(), c0 = cpu_ms();
    loop(opt.conns, t0 + opt.secs);
    double t = now() - t0, c = cpu_ms() - c0;
    if (!strcmp(opt.mode, "hs")) {
        printf("done=%ld errors=%ld secs=%.2f rate=%.1f cpu_ms=%.0f\n", st.done, st.errors, t,
               (double)st.done / t, c);
    } else if (!strcmp(opt.mode, "bulk")) {
        printf("done=%ld errors=%ld bytes=%llu secs=%.2f mbps=%.1f cpu_ms=%.0f\n", st.done,
               st.errors, (unsigned long long)st.echoed, t, (double)st.echoed / t / 1e6, c);
    } else {
        printf("idle n=%ld errors=%ld secs=%.2f\n", st.idle, st.errors, t);
        fflush(stdout);
        char line[16];
        if (!fgets(line, sizeof(line), stdin))
            line[0] = 0;
        /* Closing them: each sends close_notify and goes. */
        while (st.all)
            client_end(st.all, 1);
        printf("closed\n");
    }
    fflush(stdout);
    return 0;
}
