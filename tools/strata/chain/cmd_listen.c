/* strata listen CHAIN... (--echo | --exec CMD) [--once]: serve connections. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "chain.h"
#include "cli.h"
#include "strata/io.h"
#include "strata/log.h"

static void help(FILE *f)
{
    fprintf(
        f,
        "usage: strata listen [-v] [--once] [CONNECTION OPTIONS] (--echo | --exec CMD) CHAIN...\n"
        "       strata listen [-v] [--once] [CONNECTION OPTIONS] CHAIN... --forward CHAIN...\n\n"
        "Listens on the transport of CHAIN and serves each connection through the\n"
        "rest of the chain, many at once, each on its own. Once listening it prints\n"
        "'strata: listening on ADDR:PORT' on stderr ([ADDR]:PORT for IPv6); port 0\n"
        "picks a free port, and this line says which.\n\n"
        "CHAIN is one element per argument, outermost first; the first must be a\n"
        "transport (tcp:). Elements:\n");
    chain_help(f, NULL);
    fprintf(f,
            "\noptions:\n"
            "  --echo                 send every byte back; the end of input ends the output\n"
            "  --exec CMD             run '/bin/sh -c CMD' for each connection once every\n"
            "                         layer is up, with the connection on its stdin and\n"
            "                         stdout and its details in the environment\n"
            "                         (STRATA_PEER_ADDR, STRATA_PEER_PORT, STRATA_TLS1_VERSION,\n"
            "                         ..._CIPHER, _SNI, _ALPN, _CLIENT_SUBJECT, _CLIENT_ISSUER,\n"
            "                         _CLIENT_SHA256; see the man page)\n"
            "  --forward CHAIN...     for each connection, connect through the second\n"
            "                         CHAIN (everything after --forward) and relay\n"
            "                         between the two: the layers of the first chain\n"
            "                         are terminated here, as stunnel does\n"
            "  --once                 serve one connection, then exit with its status\n");
    fprintf(f, "  --max-conns N          at most N connections at once; further clients\n"
               "                         wait in the accept queue until one ends\n"
               "  --grace SECONDS        on SIGTERM stop accepting and give open connections\n"
               "                         SECONDS to finish (default 10); SIGINT stops at once\n"
               "  --workers N            N threads, each with its own event loop and listening\n"
               "                         socket on the address (SO_REUSEPORT); each connection\n"
               "                         stays on the worker that accepted it (default: the\n"
               "                         number of online cores; 1 with --once or --max-conns)\n");
    fprintf(f, "connection options (each accepted connection, and each forward one):\n");
    cli_conn_opts_help(f, 0);
    fprintf(f, "  -v, --verbose          report connections on stderr (-vv: more, with\n"
               "                         each layer's handshake steps and bytes; -vvv)\n"
               "  -h, --help             show this help\n\n"
               "The layers are built once before listening: a key, passphrase or CA that\n"
               "cannot be used ends the command with the reason. Each tls: element keeps\n"
               "one TLS context while the listener runs, shared by all its connections:\n"
               "clients resume their sessions (TLS 1.3 and 1.2 tickets, TLS 1.2 session\n"
               "ids) on any later connection; -v says 'resumed' when one did.\n"
               "A failed connection is reported on stderr and does not stop the listener.\n"
               "SIGTERM stops accepting and lets open connections finish (--grace), SIGINT\n"
               "closes every connection at once (a child gets SIGTERM); both exit 0.\n"
               "exit status: 0 success, 1 listening or (with --once) connection failure,\n"
               "2 usage error\n");
}

struct server {
    struct chain *chain;
    struct chain *forward; /* NULL: no relay */
    strata_io *io;
    const char *exec; /* NULL: echo */
    const struct cli_conn_opts *opts;
    unsigned max_conns;
    uint64_t grace_ms;
    int once;
    int served;
    int failed;
};

static void on_forward_done(void *user, strata_io_conn *c, const strata_error *err)
{
    struct server *s = user;
    if (err->status == STRATA_OK)
        return;
    char buf[STRATA_ERROR_MSG_MAX * 2];
    cli_err("forward connection to %s: %s",
            strata_io_conn_peer(c)[0] ? strata_io_conn_peer(c) : s->forward->elems[0].text,
            strata_error_format(err, buf, sizeof(buf)));
    s->failed++;
}

/* --timeout, --idle and --linger for one connection. */
static void set_limits(struct server *s, strata_io_conn *c)
{
    strata_io_timeouts t;
    cli_conn_timeouts(s->opts, &t);
    if (strata_io_conn_set_timeouts(c, &t) != STRATA_OK)
        strata_io_conn_abort(c, STRATA_E_STATE, "cannot set the time limits");
}

/* Relays an accepted connection to a new one through the forward chain. */
static strata_status accept_forward(struct server *s, strata_io_conn *c)
{
    strata_io_app a, b;
    strata_io_conn *out;
    char msg[CHAIN_ERR_MAX];
    strata_status r = strata_io_app_pair_new(&a, &b);
    if (r != STRATA_OK)
        return r;
    if ((r = strata_io_conn_set_app(c, a)) != STRATA_OK) {
        b.ops->close(b.self, NULL, NULL);
        return r;
    }
    if ((r = chain_push_layers(s->chain, strata_io_conn_stack(c), CHAIN_USE_LISTEN, msg,
                               sizeof(msg))) != STRATA_OK) {
        b.ops->close(b.self, NULL, NULL);
        strata_io_conn_abort(c, r, msg);
        return r;
    }
    const struct chain_elem *t = &s->forward->elems[0];
    strata_io_conn_config cfg = {cli_stack_config_for(s->opts), s->opts->timeout_ms,
                                 on_forward_done, s};
    if ((r = strata_io_connect(s->io, t->host, t->port, b, &cfg, &out)) != STRATA_OK)
        return r; /* b was closed by the failed connect: c sees the end */
    set_limits(s, out);
    if ((r = chain_push_layers(s->forward, strata_io_conn_stack(out), CHAIN_USE_CONNECT, msg,
                               sizeof(msg))) != STRATA_OK)
        strata_io_conn_abort(out, r, msg);
    return STRATA_OK;
}

static strata_status on_accept(void *user, strata_io_listener *l, strata_io_conn *c)
{
    struct server *s = user;
    strata_io_app app;
    strata_status r;
    char msg[CHAIN_ERR_MAX];
    if (s->once)
        strata_io_listener_close(l);
    s->served++;
    set_limits(s, c);
    if (s->forward)
        return accept_forward(s, c);
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

/* What the elements of a chain share is made once, for every connection
 * (a tls: element's context: its session cache and ticket keys, so clients
 * resume on any connection of this listener, not of another run), then its
 * layers are built once on a scratch stack: a key, a passphrase or a CA file
 * that cannot be used ends the command here. */
static int prepare_chain(struct chain *c, enum chain_use use, const char *prefix)
{
    char msg[CHAIN_ERR_MAX];
    strata_status r = chain_prepare(c, use, msg, sizeof(msg));
    if (r == STRATA_OK)
        r = chain_check_layers(c, cli_stack_config(), use, msg, sizeof(msg));
    if (r != STRATA_OK) {
        cli_err("%s%s", prefix, msg);
        return cli_exit_code(r);
    }
    return CLI_OK;
}

static int check_chains(struct chain *chain, struct chain *forward)
{
    int rc = prepare_chain(chain, CHAIN_USE_LISTEN, "");
    if (rc == CLI_OK && forward)
        rc = prepare_chain(forward, CHAIN_USE_CONNECT, "forward ");
    return rc;
}

/* One io loop with its own listening socket; with --workers N, N of them,
 * each run by its own thread, on one address (SO_REUSEPORT: the kernel
 * spreads new connections over the sockets; a connection stays on the
 * worker that accepted it). What they share is read-only while they run:
 * the chains and their TLS contexts (OpenSSL locks the session cache). */
struct worker {
    struct server s;
    strata_io_listener *l;
    unsigned index; /* 1..N; 0 with one worker */
    pthread_t thread;
    int started;
};

static void *run_worker(void *arg)
{
    struct worker *w = arg;
    cli_log_worker(w->index);
    if (strata_io_run(w->s.io) != STRATA_OK)
        w->s.failed++;
    return NULL;
}

/* Worker w's loop and listener on port (0 for the first: any free one). */
static int start_worker(struct worker *w, const struct server *sv, unsigned n, uint16_t port)
{
    strata_error err;
    strata_status r;
    w->s = *sv;
    if ((r = strata_io_new(&w->s.io)) != STRATA_OK) {
        cli_err("starting the io driver: %s", strata_status_str(r));
        return CLI_FAIL;
    }
    const struct chain_elem *t = &sv->chain->elems[0];
    cli_log_worker(w->index); /* its "listening on" line names it */
    strata_io_listener_config cfg = {on_accept, on_done, &w->s, cli_stack_config_for(sv->opts), 0};
    r = n > 1 ? strata_io_listen_reuse_port(w->s.io, t->host, port, &cfg, &w->l, &err)
              : strata_io_listen(w->s.io, t->host, port, &cfg, &w->l, &err);
    cli_log_worker(0);
    if (r != STRATA_OK) {
        cli_err("%s", strata_error_message(&err));
        return CLI_FAIL;
    }
    strata_io_listener_set_max_conns(w->l, sv->max_conns);
    if (strata_io_stop_on_signals_graceful(w->s.io, sv->grace_ms) != STRATA_OK)
        cli_err("cannot watch for SIGINT and SIGTERM; they will end the process at once");
    return CLI_OK;
}

static int serve(struct server *sv, unsigned n)
{
    int rc = check_chains(sv->chain, sv->forward);
    if (rc != CLI_OK)
        return rc;
    struct worker *w = calloc(n, sizeof(*w));
    if (!w) {
        cli_err("out of memory for %u workers", n);
        return CLI_FAIL;
    }
    for (unsigned i = 0; i < n && rc == CLI_OK; i++) {
        w[i].index = n > 1 ? i + 1 : 0;
        rc = start_worker(&w[i], sv, n,
                          i ? strata_io_listener_port(w[0].l) : sv->chain->elems[0].port);
    }
    if (rc == CLI_OK) {
        cli_err("listening on %s", strata_io_listener_addr(w[0].l));
        if (n > 1)
            strata_log(STRATA_LOG_INFO, "listen", "%u workers, one loop and socket each", n);
        for (unsigned i = 1; i < n; i++) {
            int e = pthread_create(&w[i].thread, NULL, run_worker, &w[i]);
            if (e != 0) {
                /* The workers started go on; this one's socket is closed,
                 * so the kernel hands its share to them. */
                cli_err("worker %u: cannot start a thread: %s", i + 1, strerror(e));
                strata_io_listener_close(w[i].l);
                continue;
            }
            w[i].started = 1;
        }
        run_worker(&w[0]);
    }
    int failed = 0, sig = 0;
    for (unsigned i = 0; i < n; i++) {
        if (w[i].started)
            pthread_join(w[i].thread, NULL);
        failed += w[i].s.failed;
        if (w[i].s.io && strata_io_stopped_by(w[i].s.io))
            sig = 1;
        strata_io_free(w[i].s.io);
    }
    free(w);
    if (rc != CLI_OK)
        return rc;
    if (sig)
        return CLI_OK; /* asked to stop: not a failure */
    return failed ? CLI_FAIL : CLI_OK;
}

#define CLI_MAX_WORKERS 256

/* The number of online cores, at most CLI_MAX_WORKERS. */
static unsigned default_workers(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n < 1 ? 1 : n > CLI_MAX_WORKERS ? CLI_MAX_WORKERS : (unsigned)n;
}

int cmd_listen(int argc, char **argv)
{
    char *elems[CHAIN_MAX_ELEMS + 1], *felems[CHAIN_MAX_ELEMS + 1];
    int n = 0, nf = 0, bad = 0, verbose = 0, echo = 0, once = 0, forward = 0, rc;
    const char *exec = NULL, *v;
    struct cli_conn_opts opts;
    cli_conn_opts_init(&opts);
    uint64_t grace_ms = 10000, max_conns = 0, workers = 0;
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
        } else if ((v = cli_opt_value(argc, argv, &i, "--grace", &bad)) != NULL) {
            if (bad || (strcmp(v, "0") && cli_parse_seconds("--grace", v, 86400, &grace_ms) != 0))
                return CLI_USAGE;
            if (!strcmp(v, "0"))
                grace_ms = 0;
        } else if ((v = cli_opt_value(argc, argv, &i, "--max-conns", &bad)) != NULL) {
            char *end = NULL;
            unsigned long m = bad ? 0 : strtoul(v, &end, 10);
            if (bad || !end || *end || m == 0 || m > 1000000) {
                cli_err("listen: --max-conns wants a number of connections, 1 to 1000000, not '%s'",
                        bad ? "" : v);
                return CLI_USAGE;
            }
            max_conns = m;
        } else if ((v = cli_opt_value(argc, argv, &i, "--workers", &bad)) != NULL) {
            char *end = NULL;
            unsigned long m = bad ? 0 : strtoul(v, &end, 10);
            if (bad || !end || *end || m == 0 || m > CLI_MAX_WORKERS) {
                cli_err("listen: --workers wants a number of threads, 1 to %d, not '%s'",
                        CLI_MAX_WORKERS, bad ? "" : v);
                return CLI_USAGE;
            }
            workers = m;
        } else if ((k = cli_conn_opt(argc, argv, &i, &opts, 0)) != 0) {
            if (k < 0)
                return CLI_USAGE;
        } else if (!strcmp(argv[i], "--forward")) {
            /* Everything after it is the forward chain. */
            forward = 1;
            for (i++; i < argc; i++) {
                if ((rc = cli_chain_arg("listen", argv[i], felems, &nf)) != 0)
                    return rc;
            }
            break;
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
    struct chain chain, fchain;
    if (echo + !!exec + forward != 1) {
        cli_err("listen: give exactly one of --echo, --exec CMD and --forward CHAIN "
                "(see 'strata listen --help')");
        return CLI_USAGE;
    }
    if (forward && nf == 0) {
        cli_err("listen: --forward needs a chain (e.g. --forward tcp:HOST:PORT)");
        return CLI_USAGE;
    }
    if (workers > 1 && (once || max_conns)) {
        cli_err("listen: --%s counts the connections of one worker: it cannot go with "
                "--workers %u",
                once ? "once" : "max-conns", (unsigned)workers);
        return CLI_USAGE;
    }
    if (!workers)
        workers = once || max_conns ? 1 : default_workers();
    if ((rc = cli_chain_parse(&chain, elems, n, 1)) != 0)
        return rc;
    if (forward && (rc = cli_chain_parse(&fchain, felems, nf, 0)) != 0) {
        chain_free(&chain);
        return rc;
    }
    cli_verbose(verbose);
    struct server sv = {
        &chain, forward ? &fchain : NULL, NULL, exec, &opts, (unsigned)max_conns, grace_ms, once, 0,
        0};
    rc = serve(&sv, (unsigned)workers);
    chain_free(&chain);
    if (forward)
        chain_free(&fchain);
    return rc;
}
