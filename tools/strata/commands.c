/* The table of subcommands. Each command lives in its own file. */
#include <stddef.h>

#include "cli.h"

const struct cli_command cli_commands[] = {
    {"ssh-keyscan", "print SSH host keys as known_hosts lines", cmd_ssh_keyscan},
    {NULL, NULL, NULL},
};
