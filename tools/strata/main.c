#include <signal.h>

#include "cli.h"

int main(int argc, char **argv)
{
    /* A closed pipe or socket is an error status, never a fatal signal. */
    signal(SIGPIPE, SIG_IGN);
    return cli_main(argc, argv);
}
