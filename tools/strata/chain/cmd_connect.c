/* strata connect CHAIN...: stdin/stdout through a chain. */
#include <stdio.h>
#include <string.h>

#include "chain.h"
#include "cli.h"
#include "strata/io.h"

static void help(FILE *f)
{
    fprintf(f, "usage: strata connect [--timeout S] [--idle S] [--linger S] [--half-close] [-i]\n"
               "                      [-v|-vv|-vvv] CHAIN...\n\n"
               "Connects through CHAIN, copies stdin into the connection and what comes\n"
               "back to stdout. EOF on stdin closes the innermost layer (its close_notify,\n"
               "its channel EOF); each layer beneath, and the TCP FIN last, closes once the\n"
               "peer has closed the layer above it, so servers and proxies that do not\n"
               "support half-close still deliver their reply. The command ends when both\n"
               "directions have ended; a stream that ends without the peer's close is an\n"
               "error. stdin and stdout may be pipes, sockets, terminals or files.\n\n"
               "CHAIN is one element per argument, outermost first; the first must be a\n"
               "transport (tcp:). Elements:\n");
    chain_help(f, NULL);
    fprintf(f, "\noptions:\n");
    cli_conn_opts_help(f, 1);
    fprintf(f, "  -v, --verbose          report progress on stderr; -vv: each layer's\n"
               "                         handshake steps, and its bytes at the end;\n"
               "                         -vvv: also where a handshake waits\n"
               "  -h, --help             show this help\n\n"
               "tls:session=FILE resumes TLS sessions across runs: the session stored in\n"
               "FILE is offered (if it was made with a certificate for the name checked),\n"
               "and each new one is stored there (PEM, as openssl s_client -sess_out; mode\n"
               "0600). A missing or unusable FILE means a full handshake (-v says why).\n\n"
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

static int run(const struct chain *chain, const struct cli_conn_opts *o)
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
    if (o->ignore_eof && (r = strata_io_app_ignore_eof_new(app, &app)) != STRATA_OK) {
        cli_err("%s", strata_status_str(r));
        goto out;
    }
    const struct chain_elem *t = &chain->elems[0];
    strata_io_conn_config cfg = {cli_stack_config_for(o), o->timeout_ms, on_done, &out};
    if ((r = strata_io_connect(io, t->host, t->port, app, &cfg, &conn)) != STRATA_OK) {
        cli_err("connecting to %s: %s", t->text, strata_status_str(r));
        goto out;
    }
    strata_io_timeouts tmo;
    cli_conn_timeouts(o, &tmo);
    if ((r = strata_io_conn_set_timeouts(conn, &tmo)) != STRATA_OK)
        strata_io_conn_abort(conn, r, "cannot set the time limits");
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
    int n = 0, verbose = 0, rc;
    struct cli_conn_opts opts;
    cli_conn_opts_init(&opts);
    for (int i = 1; i < argc; i++) {
        int k = cli_std_opt(argv[i], &verbose);
        if (k == CLI_STD_HELP) {
            help(stdout);
            return CLI_OK;
        } else if (k == CLI_STD_TAKEN) {
            continue;
        } else if ((k = cli_conn_opt(argc, argv, &i, &opts, 1)) != 0) {
            if (k < 0)
                return CLI_USAGE;
        } else if ((rc = cli_chain_arg("connect", argv[i], elems, &n)) != 0) {
            return rc;
        }
    }
    struct chain chain;
    if ((rc = cli_chain_parse(&chain, elems, n, 0)) != 0)
        return rc;
    cli_verbose(verbose);
    rc = run(&chain, &opts);
    chain_free(&chain);
    return rc;
}
