/* The table of subcommands. Each command lives in its own file. */
#include <stddef.h>

#include "cli.h"

const struct cli_command cli_commands[] = {
    {NULL, NULL, NULL},
};
