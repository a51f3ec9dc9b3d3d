/* strata connect CHAIN...: stdin/stdout through a chain. */
#include <stdio.h>
#include <string.h>

#include "chain.h"
#include "cli.h"
#include "strata/io.h"

static void help(FILE *f)
{
    fprintf(f, "usage: strata connect [--timeout SECONDS] [-v|-vv|-vvv] CHAIN...\n\n"
               "Connects through CHAIN, copies stdin into the connection and what comes\n"
               "back to stdout. EOF on stdin shuts down the connection's write side; the\n"
               "command ends when both directions have ended. stdin and stdout may be\n"
               "pipes, sockets, terminals or files.\n\n"
               "CHAIN is one element per argument, outermost first; the first must be a\n"
               "transport (tcp:). Elements:\n");
    chain_help(f, NULL);
    fprintf(f, "\noptions:\n"
               "  --timeout SECONDS      give up connecting after SECONDS (default 10)\n"
               "  -v, --verbose          report progress on stderr; -vv: each layer's\n"
               "                         handshake steps, and its bytes at the end;\n"
               "                         -vvv: also where a handshake waits\n"
               "  -h, --help             show this help\n\n"
               "exit status: 0 success, 1 connection or protocol failure, 2 usage error\n");
}

struct outcome {
    strata_error err;
    int done;
};

static void on_done(void *user, strata_io_conn *c, const strata_error *err)
{
    struct outcome *o = user;
    (void)c;
    strata_error_copy(&o->err, err);
    o->done = 1;
}

static int run(const struct chain *chain, uint64_t timeout_ms)
{
    strata_io *io = NULL;
    strata_io_app app;
    strata_io_conn *conn = NULL;
    strata_error err;
    strata_status r;
    struct outcome out;
    char msg[CHAIN_ERR_MAX];
    int rc = CLI_FAIL;
    memset(&out, 0, sizeof(out));
    if ((r = strata_io_new(&io)) != STRATA_OK) {
        cli_err("starting the io driver: %s", strata_status_str(r));
        return CLI_FAIL;
    }
    if ((r = strata_io_app_stdio_new(io, &app, &err)) != STRATA_OK) {
        cli_err("%s", strata_error_message(&err));
        goto out;
    }
    const struct chain_elem *t = &chain->elems[0];
    strata_io_conn_config cfg = {cli_stack_config(), timeout_ms, on_done, &out};
    if ((r = strata_io_connect(io, t->host, t->port, app, &cfg, &conn)) != STRATA_OK) {
        cli_err("connecting to %s: %s", t->text, strata_status_str(r));
        goto out;
    }
    /* Layers go on before the loop runs: nothing has been sent yet. */
    if ((r = chain_push_layers(chain, strata_io_conn_stack(conn), CHAIN_USE_CONNECT, msg,
                               sizeof(msg))) != STRATA_OK) {
        strata_io_conn_abort(conn, r, msg);
        rc = cli_exit_code(r);
    }
    if (strata_io_run(io) != STRATA_OK || !out.done) {
        cli_err("internal: the connection did not end");
        goto out;
    }
    if (out.err.status == STRATA_OK) {
        rc = CLI_OK;
    } else {
        char buf[STRATA_ERROR_MSG_MAX * 2];
        cli_err("%s", strata_error_format(&out.err, buf, sizeof(buf)));
        if (rc != CLI_USAGE)
            rc = CLI_FAIL;
    }
out:
    strata_io_free(io);
    return rc;
}

int cmd_connect(int argc, char **argv)
{
    char *elems[CHAIN_MAX_ELEMS + 1];
    int n = 0, bad = 0, verbose = 0, rc;
    uint64_t timeout_ms = STRATA_IO_CONNECT_TIMEOUT_DEFAULT_MS;
    const char *v;
    for (int i = 1; i < argc; i++) {
        int k = cli_std_opt(argv[i], &verbose);
        if (k == CLI_STD_HELP) {
            help(stdout);
            return CLI_OK;
        } else if (k == CLI_STD_TAKEN) {
            continue;
        } else if ((v = cli_opt_value(argc, argv, &i, "--timeout", &bad)) != NULL) {
            if (bad || cli_parse_seconds("--timeout", v, 86400, &timeout_ms) != 0)
                return CLI_USAGE;
        } else if ((rc = cli_chain_arg("connect", argv[i], elems, &n)) != 0) {
            return rc;
        }
    }
    struct chain chain;
    if ((rc = cli_chain_parse(&chain, elems, n, 0)) != 0)
        return rc;
    cli_verbose(verbose);
    rc = run(&chain, timeout_ms);
    chain_free(&chain);
    return rc;
}
