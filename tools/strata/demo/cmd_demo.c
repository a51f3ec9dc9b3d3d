/* strata demo: loopback round trips through listen and connect, in one
 * process, with the library and the io driver.
 *
 * Each round starts a listener on 127.0.0.1 (a free port) that echoes, and a
 * connection to it whose app endpoint (pattern.c, on the public endpoint
 * operations) sends a pseudo-random byte stream, checks that every byte comes
 * back in order, and ends its input after the last one. The rounds are rows
 * of a table: a later layer (TLS, TLS in TLS, ...) is a new row whose
 * functions push layers on the server's and the client's stacks.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "pattern.h"
#include "demo_onion.h"
#include "strata/io.h"

#define DEMO_BYTES_DEFAULT (16ull << 20)

struct demo_round {
    const char *name;
    const char *what;
    /* Push this round's layers (NULL: none). err says why on failure. */
    strata_status (*server_layers)(strata_stack *s, strata_error *err);
    strata_status (*client_layers)(strata_stack *s, strata_error *err);
};

static const struct demo_round rounds[] = {
    {"tcp", "plain TCP, no layers", NULL, NULL},
};

/* ---- a round --------------------------------------------------------------------- */

struct round_run {
    const struct demo_round *round;
    strata_io *io;
    strata_io_listener *listener;
    struct pattern pat;
    strata_error client_err, server_err;
    uint64_t wire_out, wire_in;
    int client_done;
};

static strata_status demo_accept(void *user, strata_io_listener *l, strata_io_conn *c)
{
    struct round_run *rr = user;
    strata_io_app app;
    strata_status r;
    (void)l;
    if ((r = strata_io_app_echo_new(&app)) != STRATA_OK)
        return r;
    if ((r = strata_io_conn_set_app(c, app)) != STRATA_OK)
        return r;
    if (rr->round->server_layers &&
        (r = rr->round->server_layers(strata_io_conn_stack(c), &rr->server_err)) != STRATA_OK)
        return r;
    return STRATA_OK;
}

static void server_done(void *user, strata_io_conn *c, const strata_error *err)
{
    struct round_run *rr = user;
    (void)c;
    if (err->status != STRATA_OK && rr->server_err.status == STRATA_OK)
        strata_error_copy(&rr->server_err, err);
}

static void client_done(void *user, strata_io_conn *c, const strata_error *err)
{
    struct round_run *rr = user;
    strata_io_conn_counts(c, &rr->wire_in, &rr->wire_out);
    strata_error_copy(&rr->client_err, err);
    rr->client_done = 1;
    if (rr->listener) {
        strata_io_listener_close(rr->listener);
        rr->listener = NULL;
    }
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int run_round(const struct demo_round *round, uint64_t bytes)
{
    struct round_run rr;
    strata_io_conn *conn = NULL;
    strata_error err;
    strata_status r;
    int ok = 0;
    memset(&rr, 0, sizeof(rr));
    rr.round = round;
    pattern_init(&rr.pat, bytes, 0x9e3779b97f4a7c15ull);
    if ((r = strata_io_new(&rr.io)) != STRATA_OK) {
        cli_err("demo: starting the io driver: %s", strata_status_str(r));
        return CLI_FAIL;
    }
    strata_io_listener_config lcfg = {demo_accept, server_done, &rr, NULL, 0};
    if ((r = strata_io_listen(rr.io, "127.0.0.1", 0, &lcfg, &rr.listener, &err)) != STRATA_OK) {
        cli_err("demo: %s", strata_error_message(&err));
        goto out;
    }
    strata_io_app app = pattern_app(&rr.pat);
    strata_io_conn_config ccfg = {NULL, 0, client_done, &rr};
    double t0 = now_s();
    if ((r = strata_io_connect(rr.io, "127.0.0.1", strata_io_listener_port(rr.listener), app, &ccfg,
                               &conn)) != STRATA_OK) {
        cli_err("demo: connecting: %s", strata_status_str(r));
        goto out;
    }
    if (round->client_layers &&
        (r = round->client_layers(strata_io_conn_stack(conn), &err)) != STRATA_OK)
        strata_io_conn_abort(conn, r, strata_error_message(&err));
    if (strata_io_run(rr.io) != STRATA_OK || !rr.client_done) {
        cli_err("demo: internal: the connection did not end");
        goto out;
    }
    double dt = now_s() - t0;
    char buf[STRATA_ERROR_MSG_MAX * 2];
    if (rr.client_err.status != STRATA_OK) {
        cli_err("demo %s: %s", round->name, strata_error_format(&rr.client_err, buf, sizeof(buf)));
    } else if (rr.server_err.status != STRATA_OK) {
        cli_err("demo %s: server side: %s", round->name,
                strata_error_format(&rr.server_err, buf, sizeof(buf)));
    } else if (!pattern_complete(&rr.pat)) {
        cli_err("demo %s: %llu of %llu bytes came back", round->name,
                (unsigned long long)rr.pat.checked, (unsigned long long)bytes);
    } else {
        double mib = (double)bytes / (1024.0 * 1024.0);
        printf("  %-6s %-24s %8.1f MiB there and back in %.3f s (%.0f MiB/s each way), "
               "byte-identical\n",
               round->name, round->what, mib, dt, dt > 0 ? mib / dt : 0.0);
        printf("  %-6s %-24s wire: %llu bytes out, %llu bytes in\n", "", "",
               (unsigned long long)rr.wire_out, (unsigned long long)rr.wire_in);
        ok = 1;
    }
out:
    strata_io_free(rr.io);
    return ok ? CLI_OK : CLI_FAIL;
}

static void help(FILE *f)
{
    fprintf(f, "usage: strata demo [--bytes N] [-v]\n\n"
               "Runs loopback round trips in one process: a listener on 127.0.0.1 (a free\n"
               "port) that echoes, and a connection to it that sends pseudo-random bytes\n"
               "and checks each one comes back; then prints bytes and throughput.\n"
               "Rounds:\n");
    for (size_t i = 0; i < sizeof(rounds) / sizeof(rounds[0]); i++)
        fprintf(f, "  %-7s %s (N bytes)\n", rounds[i].name, rounds[i].what);
    demo_onion_help(f);
    fprintf(f, "\noptions:\n"
               "  --bytes N              bytes per round (K, M, G suffixes; default 16M);\n"
               "                         the onion round echoes N/4 per step\n"
               "  -v, --verbose          report progress on stderr (-vv: more)\n"
               "  -h, --help             show this help\n\n"
               "exit status: 0 every round byte-identical, 1 a round failed, 2 usage error\n");
}

int cmd_demo(int argc, char **argv)
{
    uint64_t bytes = DEMO_BYTES_DEFAULT;
    int bad = 0, verbose = 0;
    const char *v;
    for (int i = 1; i < argc; i++) {
        int k = cli_std_opt(argv[i], &verbose);
        if (k == CLI_STD_HELP) {
            help(stdout);
            return CLI_OK;
        } else if (k == CLI_STD_TAKEN) {
            continue;
        } else if ((v = cli_opt_value(argc, argv, &i, "--bytes", &bad)) != NULL) {
            if (bad || cli_parse_bytes("--bytes", v, 1, 1ull << 40, &bytes) != 0)
                return CLI_USAGE;
        } else {
            return cli_bad_option("demo", argv[i]);
        }
    }
    cli_verbose(verbose);
    printf("strata demo: loopback round trips through listen and connect, in one process\n");
    int rc = CLI_OK;
    for (size_t i = 0; i < sizeof(rounds) / sizeof(rounds[0]); i++) {
        if (run_round(&rounds[i], bytes) != CLI_OK)
            rc = CLI_FAIL;
    }
    uint64_t seg = bytes / 4 ? bytes / 4 : 1;
    if (demo_onion_run(seg) != CLI_OK)
        rc = CLI_FAIL;
    puts(rc == CLI_OK ? "demo: ok" : "demo: FAILED");
    return rc;
}
