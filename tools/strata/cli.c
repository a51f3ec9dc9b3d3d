/* strata: dispatch to subcommands. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "strata/strata.h"

void cli_err(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    flockfile(stderr); /* one line at a time from listen's workers */
    fputs("strata: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    funlockfile(stderr);
    va_end(ap);
}

int cli_errf(char *err, size_t cap, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    if (cap > 0)
        vsnprintf(err, cap, fmt, ap);
    va_end(ap);
    return -1;
}

static void usage(FILE *f)
{
    fprintf(f, "usage: strata COMMAND [ARGS...]\n"
               "       strata --help | --version\n\n"
               "Layered secure transports: TLS in TLS in SSH, from the command line.\n\n"
               "commands:\n");
    for (const struct cli_command *c = cli_commands; c->name; c++)
        fprintf(f, "  %-12s %s\n", c->name, c->summary);
    fprintf(f, "\n'strata COMMAND --help' describes a command; 'man strata' has the details.\n"
               "Exit status: 0 success, 1 connection or protocol failure, 2 usage error.\n");
}

int cli_main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return CLI_USAGE;
    }
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
        usage(stdout);
        return CLI_OK;
    }
    if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "-V")) {
        printf("strata %s\n", strata_version());
        return CLI_OK;
    }
    for (const struct cli_command *c = cli_commands; c->name; c++) {
        if (!strcmp(argv[1], c->name))
            return c->run(argc - 1, argv + 1);
    }
    cli_err("unknown command '%s' (see 'strata --help')", argv[1]);
    return CLI_USAGE;
}
