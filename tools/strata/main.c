#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include "cli.h"

/* Descriptors 0-2 closed by the caller would be taken by the next open()
 * (the event loop's own descriptor, a socket) and then read or written as if
 * they were stdin/stdout. Put /dev/null on any that is closed. */
static void reserve_stdio(void)
{
    for (int fd = 0; fd <= 2; fd++) {
        if (fcntl(fd, F_GETFD) != -1 || errno != EBADF)
            continue;
        int n = open("/dev/null", O_RDWR);
        if (n >= 0 && n != fd) {
            dup2(n, fd);
            close(n);
        }
    }
}

int main(int argc, char **argv)
{
    reserve_stdio();
    /* A closed pipe or socket is an error status, never a fatal signal. */
    signal(SIGPIPE, SIG_IGN);
    return cli_main(argc, argv);
}
