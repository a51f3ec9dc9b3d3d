/* strata listen CHAIN... (--echo | --exec CMD) [--once]: serve connections. */
#include <stdio.h>
#include <string.h>

#include "chain.h"
#include "cli.h"
#include "strata/io.h"

static void help(FILE *f)
{
    fprintf(f, "usage: strata listen [-v] [--once] (--echo | --exec CMD) CHAIN...\n\n"
               "Listens on the transport of CHAIN and serves each connection through the\n"
               "rest of the chain, many at once, each on its own. Once listening it prints\n"
               "'strata: listening on ADDR:PORT' on stderr ([ADDR]:PORT for IPv6); port 0\n"
               "picks a free port, and this line says which.\n\n"
               "CHAIN is one element per argument, outermost first; the first must be a\n"
               "transport (tcp:). Elements:\n");
    chain_help(f, NULL);
    fprintf(f, "\noptions:\n"
               "  --echo                 send every byte back; the end of input ends the output\n"
               "  --exec CMD             run '/bin/sh -c CMD' for each connection, with the\n"
               "                         connection on its stdin and stdout\n"
               "  --once                 serve one connection, then exit with its status\n"
               "  -v, --verbose          report connections on stderr (-vv: more)\n"
               "  -h, --help             show this help\n\n"
               "A failed connection is reported on stderr and does not stop the listener.\n"
               "SIGINT or SIGTERM closes every connection (a child gets SIGTERM) and exits 0.\n"
               "exit status: 0 success, 1 listening or (with --once) connection failure,\n"
               "2 usage error\n");
}

struct server {
    const struct chain *chain;
    strata_io *io;
    const char *exec; /* NULL: echo */
    int once;
    int served;
    int failed;
};

static strata_status on_accept(void *user, strata_io_listener *l, strata_io_conn *c)
{
    struct server *s = user;
    strata_io_app app;
    strata_status r;
    char msg[CHAIN_ERR_MAX];
    if (s->once)
        strata_io_listener_close(l);
    s->served++;
    r = s->exec ? strata_io_app_exec_new(s->io, s->exec, &app) : strata_io_app_echo_new(&app);
    if (r != STRATA_OK)
        return r;
    if ((r = strata_io_conn_set_app(c, app)) != STRATA_OK)
        return r;
    r = chain_push_layers(s->chain, strata_io_conn_stack(c), CHAIN_USE_LISTEN, msg, sizeof(msg));
    if (r != STRATA_OK)
        strata_io_conn_abort(c, r, msg);
    return r;
}

static void on_done(void *user, strata_io_conn *c, const strata_error *err)
{
    struct server *s = user;
    if (err->status == STRATA_OK)
        return;
    char buf[STRATA_ERROR_MSG_MAX * 2];
    cli_err("connection from %s: %s", strata_io_conn_peer(c),
            strata_error_format(err, buf, sizeof(buf)));
    s->failed++;
}

static int serve(const struct chain *chain, const char *exec, int once)
{
    struct server s = {chain, NULL, exec, once, 0, 0};
    strata_io_listener *l = NULL;
    strata_error err;
    strata_status r;
    if ((r = strata_io_new(&s.io)) != STRATA_OK) {
        cli_err("starting the io driver: %s", strata_status_str(r));
        return CLI_FAIL;
    }
    const struct chain_elem *t = &chain->elems[0];
    strata_io_listener_config cfg = {on_accept, on_done, &s, cli_stack_config(), 0};
    if ((r = strata_io_listen(s.io, t->host, t->port, &cfg, &l, &err)) != STRATA_OK) {
        cli_err("%s", strata_error_message(&err));
        strata_io_free(s.io);
        return CLI_FAIL;
    }
    if (strata_io_stop_on_signals(s.io) != STRATA_OK)
        cli_err("cannot watch for SIGINT and SIGTERM; they will end the process at once");
    cli_err("listening on %s", strata_io_listener_addr(l));
    if (strata_io_run(s.io) != STRATA_OK)
        s.failed++;
    int sig = strata_io_stopped_by(s.io);
    strata_io_free(s.io);
    if (sig)
        return CLI_OK; /* asked to stop: not a failure */
    return s.failed ? CLI_FAIL : CLI_OK;
}

int cmd_listen(int argc, char **argv)
{
    char *elems[CHAIN_MAX_ELEMS + 1];
    int n = 0, bad = 0, verbose = 0, echo = 0, once = 0, rc;
    const char *exec = NULL, *v;
    for (int i = 1; i < argc; i++) {
        int k = cli_std_opt(argv[i], &verbose);
        if (k == CLI_STD_HELP) {
            help(stdout);
            return CLI_OK;
        } else if (k == CLI_STD_TAKEN) {
            continue;
        } else if (!strcmp(argv[i], "--echo")) {
            echo = 1;
        } else if (!strcmp(argv[i], "--once")) {
            once = 1;
        } else if ((v = cli_opt_value(argc, argv, &i, "--exec", &bad)) != NULL) {
            if (bad)
                return CLI_USAGE;
            if (!*v) {
                cli_err("option --exec needs a command");
                return CLI_USAGE;
            }
            exec = v;
        } else if ((rc = cli_chain_arg("listen", argv[i], elems, &n)) != 0) {
            return rc;
        }
    }
    struct chain chain;
    if ((rc = cli_chain_parse(&chain, elems, n, 1)) != 0)
        return rc;
    if (echo == !!exec) {
        cli_err("listen: give exactly one of --echo and --exec CMD (see 'strata listen --help')");
        chain_free(&chain);
        return CLI_USAGE;
    }
    cli_verbose(verbose);
    rc = serve(&chain, exec, once);
    chain_free(&chain);
    return rc;
}
