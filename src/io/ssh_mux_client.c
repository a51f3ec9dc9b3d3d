/* The mux client (see strata/ssh_mux.h): blocking calls on the control
 * socket, and ControlPath's token expansion. A client has nothing else to do
 * while it waits for its session, so no event loop is involved. */
#include <errno.h>
#include <openssl/evp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "base/error_internal.h"
#include "ssh/mux.h"

/* ---- ControlPath ------------------------------------------------------------- */

static int add(char *out, size_t cap, size_t *len, const char *s)
{
    size_t n = strlen(s);
    if (n >= cap - *len)
        return -1;
    memcpy(out + *len, s, n + 1);
    *len += n;
    return 0;
}

strata_status strata_ssh_mux_path(const char *templ, const strata_ssh_config *cfg,
                                  const char *original_host, char *out, size_t cap,
                                  strata_error *err)
{
    char lhost[256] = "", shost[256], port[16], uid[24], hash[2 * 20 + 1] = "";
    const struct passwd *pw = getpwuid(getuid());
    const char *home = getenv("HOME");
    const char *luser = pw ? pw->pw_name : "";
    if (!home || !*home)
        home = pw ? pw->pw_dir : "/";
    if (gethostname(lhost, sizeof lhost - 1) != 0)
        lhost[0] = 0;
    snprintf(shost, sizeof shost, "%.*s", (int)strcspn(lhost, "."), lhost);
    snprintf(port, sizeof port, "%d", cfg->port > 0 ? cfg->port : 22);
    snprintf(uid, sizeof uid, "%lu", (unsigned long)getuid());
    const char *host = cfg->hostname ? cfg->hostname : original_host;
    const char *ruser = cfg->user ? cfg->user : luser;
    size_t len = 0;
    if (cap == 0)
        return STRATA_E_USAGE;
    out[0] = 0;
    if (templ[0] == '~' && templ[1] == '/') {
        if (add(out, cap, &len, home) != 0)
            goto long_path;
        templ++;
    }
    for (const char *p = templ; *p; p++) {
        char one[2] = {*p, 0};
        const char *v = one;
        if (*p == '%') {
            switch (*++p) {
            case '%':
                v = "%";
                break;
            case 'h':
                v = host;
                break;
            case 'n':
                v = original_host;
                break;
            case 'p':
                v = port;
                break;
            case 'r':
                v = ruser;
                break;
            case 'u':
                v = luser;
                break;
            case 'l':
                v = lhost;
                break;
            case 'L':
                v = shost;
                break;
            case 'i':
                v = uid;
                break;
            case 'd':
                v = home;
                break;
            case 'C': {
                /* ssh_config(5): a hash of %l%h%p%r%j */
                char in[1024];
                uint8_t md[20];
                unsigned mdn = 0;
                int n = snprintf(in, sizeof in, "%s%s%s%s%s", lhost, host, port, ruser,
                                 cfg->proxy_jump ? cfg->proxy_jump : "");
                if (n < 0 || (size_t)n >= sizeof in ||
                    EVP_Digest(in, (size_t)n, md, &mdn, EVP_sha1(), NULL) != 1 || mdn != 20)
                    return strata__error_set(err, STRATA_E_USAGE, "ControlPath: cannot hash %%C");
                for (unsigned i = 0; i < 20; i++)
                    snprintf(hash + 2 * i, 3, "%02x", md[i]);
                v = hash;
                break;
            }
            default:
                return strata__error_set(err, STRATA_E_USAGE,
                                         "ControlPath \"%s\": unknown token %%%c", templ,
                                         *p ? *p : ' ');
            }
        }
        if (add(out, cap, &len, v) != 0)
            goto long_path;
    }
    if (len > STRATA_SSH_MUX_PATH_MAX)
        goto long_path;
    return STRATA_OK;
long_path:
    return strata__error_set(err, STRATA_E_USAGE,
                             "ControlPath too long (at most %u bytes once expanded)",
                             STRATA_SSH_MUX_PATH_MAX);
}

/* ---- the wire ------------------------------------------------------------------ */

static strata_status sys(strata_error *err, const char *what)
{
    return strata__error_set(err, STRATA_E_IO, "mux: %s: %s", what, strerror(errno));
}

static strata_status send_msg(int fd, const struct strata__mux_msg *m, strata_error *err)
{
    strata_buf b;
    strata_status r;
    strata_buf_init(&b, STRATA__MUX_BODY_MAX + 4);
    if ((r = strata__mux_encode(&b, m)) != STRATA_OK) {
        strata_buf_free(&b);
        return strata__error_set(err, r, "mux: cannot encode %s", strata__mux_type_name(m->type));
    }
    const uint8_t *p = strata_buf_ptr(&b);
    size_t n = strata_buf_len(&b);
    while (n) {
        ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            strata_buf_free(&b);
            return sys(err, "writing to the master");
        }
        p += w;
        n -= (size_t)w;
    }
    strata_buf_free(&b);
    return STRATA_OK;
}

static int read_all(int fd, uint8_t *p, size_t n)
{
    while (n) {
        ssize_t g = read(fd, p, n);
        if (g < 0 && errno == EINTR)
            continue;
        if (g <= 0)
            return g == 0 ? 0 : -1;
        p += g;
        n -= (size_t)g;
    }
    return 1;
}

/* Reads one message. STRATA_CLOSED at a clean end before any byte of it. */
static strata_status recv_msg(int fd, struct strata__mux_msg *m, strata_error *err)
{
    uint8_t hdr[4];
    const uint8_t *body;
    size_t blen, flen;
    int g = read_all(fd, hdr, 4);
    if (g <= 0) {
        if (g == 0)
            return STRATA_CLOSED;
        return sys(err, "reading from the master");
    }
    strata_status r = strata__mux_frame(hdr, 4, &body, &blen, &flen, err);
    if (r != STRATA_WANT_READ && r != STRATA_OK)
        return r;
    size_t len = (size_t)hdr[0] << 24 | (size_t)hdr[1] << 16 | (size_t)hdr[2] << 8 | hdr[3];
    uint8_t *buf = malloc(len);
    if (!buf)
        return STRATA_E_NOMEM;
    if ((g = read_all(fd, buf, len)) <= 0) {
        free(buf);
        if (g == 0)
            return strata__error_set(err, STRATA_E_PROTOCOL, "mux: the master closed mid-message");
        return sys(err, "reading from the master");
    }
    r = strata__mux_parse(buf, len, m, err);
    free(buf);
    return r;
}

static uint32_t next_id = 1;

strata_status strata_ssh_mux_connect(const char *path, int *fd, int *sys_errno, strata_error *err)
{
    struct sockaddr_un sa;
    struct strata__mux_msg m;
    strata_status r;
    *fd = -1;
    *sys_errno = 0;
    memset(&sa, 0, sizeof sa);
    sa.sun_family = AF_UNIX;
    if (strlen(path) >= sizeof sa.sun_path)
        return strata__error_set(err, STRATA_E_USAGE, "ControlPath \"%s\" too long", path);
    strcpy(sa.sun_path, path);
    int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (s < 0)
        return sys(err, "socket");
    if (connect(s, (struct sockaddr *)&sa, sizeof sa) != 0) {
        *sys_errno = errno;
        r = strata__error_set(err, STRATA_E_IO, "Control socket connect(%s): %s", path,
                              strerror(errno));
        close(s);
        return r;
    }
    memset(&m, 0, sizeof m);
    m.type = STRATA_SSH_MUX_HELLO;
    m.value = STRATA_SSH_MUX_VERSION;
    if ((r = send_msg(s, &m, err)) != STRATA_OK)
        goto fail;
    if ((r = recv_msg(s, &m, err)) != STRATA_OK) {
        if (r == STRATA_CLOSED)
            r = strata__error_set(err, STRATA_E_PROTOCOL, "mux: the master closed at hello");
        goto fail;
    }
    if (m.type != STRATA_SSH_MUX_HELLO || m.value != STRATA_SSH_MUX_VERSION) {
        r = strata__error_set(err, STRATA_E_PROTOCOL,
                              m.type != STRATA_SSH_MUX_HELLO
                                  ? "mux: expected HELLO, got %s"
                                  : "mux: unsupported multiplexing protocol version %s",
                              m.type != STRATA_SSH_MUX_HELLO ? strata__mux_type_name(m.type) : "");
        if (m.type == STRATA_SSH_MUX_HELLO)
            strata__error_set(err, STRATA_E_PROTOCOL,
                              "mux: unsupported multiplexing protocol version %u (expected %u)",
                              m.value, STRATA_SSH_MUX_VERSION);
        strata__mux_msg_free(&m);
        goto fail;
    }
    strata__mux_msg_free(&m);
    *fd = s;
    return STRATA_OK;
fail:
    close(s);
    return r;
}

static strata_status check_reply(uint32_t id, uint32_t want, const struct strata__mux_msg *m,
                                 strata_error *err);

/* A reply to request id: want (or PERMISSION_DENIED / FAILURE, an error
 * with the master's reason). */
static strata_status reply(int fd, uint32_t id, uint32_t want, struct strata__mux_msg *m,
                           strata_error *err)
{
    strata_status r = recv_msg(fd, m, err);
    if (r == STRATA_CLOSED)
        return strata__error_set(err, STRATA_E_PROTOCOL, "mux: the master closed without a reply");
    if (r != STRATA_OK)
        return r;
    if ((r = check_reply(id, want, m, err)) != STRATA_OK)
        strata__mux_msg_free(m);
    return r;
}

/* m is the reply to request id: want, or an error (PERMISSION_DENIED /
 * FAILURE with the master's reason, or anything else). */
static strata_status check_reply(uint32_t id, uint32_t want, const struct strata__mux_msg *m,
                                 strata_error *err)
{
    strata_status r;
    if (m->type == STRATA_SSH_MUX_S_PERMISSION_DENIED || m->type == STRATA_SSH_MUX_S_FAILURE) {
        r = strata__error_set(err, STRATA_E_PROTOCOL, "Master refused: %s",
                              m->reason ? m->reason : "");
    } else if (m->type != want) {
        r = strata__error_set(err, STRATA_E_PROTOCOL, "mux: expected %s, got %s",
                              strata__mux_type_name(want), strata__mux_type_name(m->type));
    } else if (m->id != id) {
        r = strata__error_set(err, STRATA_E_PROTOCOL, "mux: reply to request %u, expected %u",
                              m->id, id);
    } else {
        return STRATA_OK;
    }
    return r;
}

strata_status strata_ssh_mux_check(int fd, uint32_t *pid, strata_error *err)
{
    struct strata__mux_msg m;
    strata_status r;
    memset(&m, 0, sizeof m);
    m.type = STRATA_SSH_MUX_C_ALIVE_CHECK;
    m.id = next_id++;
    *pid = 0;
    if ((r = send_msg(fd, &m, err)) != STRATA_OK ||
        (r = reply(fd, m.id, STRATA_SSH_MUX_S_ALIVE, &m, err)) != STRATA_OK)
        return r;
    *pid = m.value;
    strata__mux_msg_free(&m);
    return STRATA_OK;
}

strata_status strata_ssh_mux_command(int fd, int stop_listening, strata_error *err)
{
    struct strata__mux_msg m;
    strata_status r;
    memset(&m, 0, sizeof m);
    m.type = stop_listening ? STRATA_SSH_MUX_C_STOP_LISTENING : STRATA_SSH_MUX_C_TERMINATE;
    m.id = next_id++;
    if ((r = send_msg(fd, &m, err)) != STRATA_OK)
        return r;
    uint32_t id = m.id;
    /* A master that exits before its reply (OpenSSH's may) did what was
     * asked: only a reply saying otherwise is a failure. */
    if ((r = recv_msg(fd, &m, err)) == STRATA_CLOSED && !stop_listening)
        return STRATA_OK;
    if (r != STRATA_OK)
        return r;
    r = check_reply(id, STRATA_SSH_MUX_S_OK, &m, err);
    strata__mux_msg_free(&m);
    return r;
}

/* One descriptor with one byte of data, as OpenSSH's mm_send_fd. */
static strata_status send_fd(int sock, int fd, strata_error *err)
{
    char byte = 0;
    struct iovec iov = {&byte, 1};
    union {
        struct cmsghdr h;
        char buf[CMSG_SPACE(sizeof(int))];
    } cm;
    struct msghdr mh;
    memset(&mh, 0, sizeof mh);
    memset(&cm, 0, sizeof cm);
    mh.msg_iov = &iov;
    mh.msg_iovlen = 1;
    mh.msg_control = cm.buf;
    mh.msg_controllen = sizeof cm.buf;
    struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(c), &fd, sizeof fd);
    for (;;) {
        ssize_t w = sendmsg(sock, &mh, MSG_NOSIGNAL);
        if (w == 1)
            return STRATA_OK;
        if (w < 0 && errno == EINTR)
            continue;
        return sys(err, "passing a descriptor to the master");
    }
}

strata_status strata_ssh_mux_session(int fd, const strata_ssh_mux_session_args *a, int *exit_status,
                                     void (*on_tty_fail)(void *user), void *user, strata_error *err)
{
    struct strata__mux_msg m;
    strata_status r;
    uint32_t pid;
    *exit_status = 255;
    /* As OpenSSH's client: an alive check first. */
    if ((r = strata_ssh_mux_check(fd, &pid, err)) != STRATA_OK)
        return r;
    memset(&m, 0, sizeof m);
    m.type = STRATA_SSH_MUX_C_NEW_SESSION;
    m.id = next_id++;
    m.want_tty = a->want_tty;
    m.subsystem = a->subsystem;
    m.escape = 0xffffffffu;
    const char *term = a->term ? a->term : getenv("TERM");
    m.term = (char *)(term ? term : "");
    m.command = (char *)(a->command ? a->command : "");
    if (a->n_env > STRATA__MUX_ENV_MAX)
        return strata__error_set(err, STRATA_E_LIMIT, "mux: more than %u environment strings",
                                 STRATA__MUX_ENV_MAX);
    for (size_t i = 0; i < a->n_env; i++)
        m.env[i] = (char *)a->env[i];
    m.n_env = a->n_env;
    uint32_t id = m.id;
    r = send_msg(fd, &m, err); /* m's strings are borrowed: not freed */
    memset(&m, 0, sizeof m);
    if (r != STRATA_OK || (r = send_fd(fd, a->fd_in < 0 ? 0 : a->fd_in, err)) != STRATA_OK ||
        (r = send_fd(fd, a->fd_out < 0 ? 1 : a->fd_out, err)) != STRATA_OK ||
        (r = send_fd(fd, a->fd_err < 0 ? 2 : a->fd_err, err)) != STRATA_OK)
        return r;
    if ((r = reply(fd, id, STRATA_SSH_MUX_S_SESSION_OPENED, &m, err)) != STRATA_OK)
        return r;
    uint32_t sid = m.value;
    strata__mux_msg_free(&m);
    /* Until the master closes: TTY_ALLOC_FAIL, EXIT_MESSAGE. */
    int seen = 0;
    for (;;) {
        strata_error e2 = {0};
        r = recv_msg(fd, &m, &e2);
        if (r != STRATA_OK)
            break; /* the master's close (or a broken one): what we have stands */
        if (m.type == STRATA_SSH_MUX_S_TTY_ALLOC_FAIL && m.id == sid) {
            if (on_tty_fail)
                on_tty_fail(user);
        } else if (m.type == STRATA_SSH_MUX_S_EXIT_MESSAGE && m.id == sid && !seen) {
            seen = 1;
            *exit_status = (int)(m.value & 0xff);
        } else {
            strata__mux_msg_free(&m);
            return strata__error_set(err, STRATA_E_PROTOCOL, "mux: unexpected %s from the master",
                                     strata__mux_type_name(m.type));
        }
        strata__mux_msg_free(&m);
    }
    if (!seen)
        *exit_status = 255;
    return STRATA_OK;
}
