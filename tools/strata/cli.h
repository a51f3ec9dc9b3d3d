/* The strata CLI: subcommands and shared helpers. */
#ifndef STRATA_CLI_H
#define STRATA_CLI_H

/* Exit codes of every subcommand. */
enum { CLI_OK = 0, CLI_FAIL = 1, CLI_USAGE = 2 };

struct cli_command {
    const char *name;
    const char *summary;
    int (*run)(int argc, char **argv); /* argv[0] is the subcommand name */
};

/* The table of subcommands, ended by a NULL name. */
extern const struct cli_command cli_commands[];

/* strata ssh-keyscan (cmd_ssh_keyscan.c). */
int cmd_ssh_keyscan(int argc, char **argv);

/* Prints "strata: " + message to stderr. */
void cli_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int cli_main(int argc, char **argv);

#endif
