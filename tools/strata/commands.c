/* The table of subcommands. Each command lives in its own file. */
#include <stddef.h>

#include "cli.h"

const struct cli_command cli_commands[] = {
    {"cert", "make and inspect keys, certificates, CSRs and PKCS#12 bundles", cmd_cert},
    {NULL, NULL, NULL},
};
