/* The table of subcommands. Each command lives in its own file. */
#include <stddef.h>

#include "cli.h"

const struct cli_command cli_commands[] = {
    {"connect", "pipe stdin/stdout through a chain (tcp:HOST:PORT ...)", cmd_connect},
    {"listen", "serve a chain: --echo, --exec CMD or --forward CHAIN", cmd_listen},
    {"demo", "loopback echo in one process: TCP, then TLS layers pushed and popped", cmd_demo},
    {"ssh", "an OpenSSH-compatible SSH client (exec, shell, -J jump hosts)", cmd_ssh},
    {"ssh-keyscan", "print SSH host keys as known_hosts lines", cmd_ssh_keyscan},
    {"sftp", "an OpenSSH-compatible SFTP client (get/put/ls ..., batch files)", cmd_sftp},
    {"scp", "copy files over SFTP with OpenSSH 9's scp syntax", cmd_scp},
    {"bench", "strata against OpenSSL in this process, as ratios", cmd_bench},
    {"cert", "make and inspect keys, certificates, CSRs and PKCS#12 bundles", cmd_cert},
    {NULL, NULL, NULL},
};
