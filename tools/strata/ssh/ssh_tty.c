/* Terminal handling for strata ssh (see ssh_tty.h). */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "ssh_tty.h"

/* SSH_ASKPASS (as OpenSSH): the program is run with the prompt as its
 * argument and its first output line is the answer. */
static const char *askpass(const char *prog, const char *prompt, char *buf, size_t cap)
{
    int fds[2];
    if (pipe(fds) != 0)
        return NULL;
    pid_t pid = fork();
    if (pid < 0) {
        close(fds[0]);
        close(fds[1]);
        return NULL;
    }
    if (pid == 0) {
        dup2(fds[1], STDOUT_FILENO);
        close(fds[0]);
        close(fds[1]);
        execlp(prog, prog, prompt, (char *)NULL);
        _exit(127);
    }
    close(fds[1]);
    size_t k = 0;
    ssize_t r;
    while (k + 1 < cap && (r = read(fds[0], buf + k, cap - 1 - k)) != 0) {
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            break;
        k += (size_t)r;
    }
    close(fds[0]);
    buf[k] = 0;
    buf[strcspn(buf, "\r\n")] = 0;
    int status;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? buf : NULL;
}

const char *ssh_tty_prompt(const char *prompt, int echo, char *buf, size_t cap)
{
    const char *prog = getenv("SSH_ASKPASS"), *req = getenv("SSH_ASKPASS_REQUIRE");
    int fd = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (prog && *prog &&
        ((req && (strcmp(req, "force") == 0 || strcmp(req, "prefer") == 0)) ||
         (fd < 0 && getenv("DISPLAY") && !(req && strcmp(req, "never") == 0)))) {
        if (fd >= 0)
            close(fd);
        return askpass(prog, prompt, buf, cap);
    }
    if (fd < 0)
        return NULL;
    struct termios old, quiet;
    int have_tio = tcgetattr(fd, &old) == 0;
    if (have_tio && !echo) {
        quiet = old;
        quiet.c_lflag &= ~(tcflag_t)(ECHO | ECHONL);
        (void)tcsetattr(fd, TCSAFLUSH, &quiet);
    }
    ssize_t w = write(fd, prompt, strlen(prompt));
    (void)w;
    size_t k = 0;
    char c;
    while (k + 1 < cap && read(fd, &c, 1) == 1 && c != '\n' && c != '\r')
        buf[k++] = c;
    buf[k] = 0;
    if (have_tio && !echo) {
        (void)tcsetattr(fd, TCSAFLUSH, &old);
        w = write(fd, "\n", 1);
    }
    close(fd);
    return buf;
}

static struct termios saved_tio;
static int tio_saved;

void ssh_tty_restore(void)
{
    if (tio_saved) {
        (void)tcsetattr(STDIN_FILENO, TCSADRAIN, &saved_tio);
        tio_saved = 0;
    }
}

void ssh_tty_raw(void)
{
    struct termios t;
    if (tcgetattr(STDIN_FILENO, &saved_tio) != 0)
        return;
    tio_saved = 1;
    atexit(ssh_tty_restore);
    t = saved_tio;
    cfmakeraw(&t);
    (void)tcsetattr(STDIN_FILENO, TCSADRAIN, &t);
}

/* RFC 4254 §8: the local terminal's settings as encoded terminal modes
 * (opcode byte, uint32 value), ended by TTY_OP_END. */
size_t ssh_tty_modes(uint8_t *out, size_t cap)
{
    struct termios t;
    size_t k = 0;
    if (tcgetattr(STDIN_FILENO, &t) != 0 || cap < 1)
        return 0;
    const struct {
        uint8_t op;
        uint32_t v;
    } m[] = {
        {1, t.c_cc[VINTR]},
        {2, t.c_cc[VQUIT]},
        {3, t.c_cc[VERASE]},
        {4, t.c_cc[VKILL]},
        {5, t.c_cc[VEOF]},
        {10, t.c_cc[VSUSP]},
        {36, (t.c_iflag & ICRNL) != 0},
        {50, (t.c_lflag & ISIG) != 0},
        {51, (t.c_lflag & ICANON) != 0},
        {53, (t.c_lflag & ECHO) != 0},
        {54, (t.c_lflag & ECHOE) != 0},
        {55, (t.c_lflag & ECHOK) != 0},
        {70, (t.c_oflag & OPOST) != 0},
        {72, (t.c_oflag & ONLCR) != 0},
        {128, 38400},
        {129, 38400},
    };
    for (size_t i = 0; i < sizeof m / sizeof m[0] && k + 5 < cap; i++) {
        out[k++] = m[i].op;
        out[k++] = (uint8_t)(m[i].v >> 24);
        out[k++] = (uint8_t)(m[i].v >> 16);
        out[k++] = (uint8_t)(m[i].v >> 8);
        out[k++] = (uint8_t)m[i].v;
    }
    out[k++] = 0; /* TTY_OP_END */
    return k;
}

/* SIGWINCH only sets a flag; the new size is sent with the next bytes the
 * terminal delivers (the io driver has no hook for signals other than
 * SIGINT / SIGTERM). */
static volatile sig_atomic_t winch;

static void on_winch(int sig)
{
    (void)sig;
    winch = 1;
}

void ssh_tty_watch_winch(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_winch;
    sa.sa_flags = SA_RESTART;
    sigemptyset(&sa.sa_mask);
    (void)sigaction(SIGWINCH, &sa, NULL);
}

void ssh_tty_winch_mark(void)
{
    winch = 1;
}

int ssh_tty_winch_taken(void)
{
    if (!winch)
        return 0;
    winch = 0;
    return 1;
}
