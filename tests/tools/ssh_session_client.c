/* ssh_session_client: the SSH session API without the CLI, for
 * tests/interop/test_ssh_session_api.sh. Public headers only, linked
 * against libstrata alone.
 *
 *   ssh_session_client CONFIG DESTINATION COMMAND [-L SPEC]...
 *
 * Resolves DESTINATION through CONFIG (its ProxyJump, LocalForward,
 * ServerAliveInterval ... apply), connects, runs COMMAND with stdin/stdout
 * as its channel, adds each -L forwarding, and exits with the remote
 * command's status (255 when the connection fails, with the reason on
 * stderr). */
#include <stdio.h>
#include <string.h>

#include "strata/strata.h"

struct run {
    int have_status;
    uint32_t status;
    strata_error err;
};

static void on_exit_status(void *user, int have, uint32_t status, const char *sig, const char *msg)
{
    struct run *r = user;
    (void)sig, (void)msg;
    r->have_status = have;
    r->status = status;
}

static void on_done(void *user, strata_io_conn *c, const strata_error *err)
{
    struct run *r = user;
    (void)c;
    strata_error_copy(&r->err, err);
}

static void to_stderr(void *user, const uint8_t *p, size_t n)
{
    (void)user;
    if (fwrite(p, 1, n, stderr) != n)
        return;
}

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: ssh_session_client CONFIG DESTINATION COMMAND [-L SPEC]...\n");
        return 2;
    }
    strata_io *io = NULL;
    strata_ssh_forward *fwd = NULL;
    strata_ssh_session *ss = NULL;
    strata_error err = {0};
    struct run run = {0};
    int rc = 255;
    if (strata_io_new(&io) != STRATA_OK ||
        strata_ssh_forward_new(io, NULL, NULL, &fwd) != STRATA_OK)
        goto out;
    for (int i = 4; i + 1 < argc; i += 2)
        if (strcmp(argv[i], "-L") != 0 ||
            strata_ssh_forward_parse(fwd, 0, argv[i + 1]) != STRATA_OK) {
            fprintf(stderr, "bad forwarding %s\n", argv[i + 1]);
            goto out;
        }
    strata_ssh_session_args a;
    memset(&a, 0, sizeof a);
    a.config_file = argv[1];
    if (strata_ssh_session_new(argv[2], &a, &ss, &err) != STRATA_OK)
        goto fail;
    fprintf(stderr, "hops: %zu\n", strata_ssh_session_hops(ss));
    strata_io_app app;
    if (strata_io_app_stdio_new(io, &app, &err) != STRATA_OK)
        goto fail;
    strata_ssh_layer_config lc;
    memset(&lc, 0, sizeof lc);
    lc.command = argv[3];
    lc.on_exit = on_exit_status;
    lc.on_stderr = to_stderr;
    lc.user = &run;
    strata_io_conn_config cc = {NULL, 0, on_done, &run};
    strata_io_conn *conn;
    if (strata_ssh_session_connect(ss, io, &lc, fwd, app, &cc, &conn, NULL, &err) != STRATA_OK)
        goto fail;
    if (strata_io_run(io) != STRATA_OK)
        goto out;
    if (run.err.status != STRATA_OK) {
        strata_error_copy(&err, &run.err);
        goto fail;
    }
    rc = run.have_status ? (int)(run.status & 0xff) : 255;
    goto out;
fail : {
    char buf[STRATA_ERROR_MSG_MAX * 2];
    fprintf(stderr, "ssh_session_client: %s\n", strata_error_format(&err, buf, sizeof buf));
}
out:
    strata_ssh_forward_free(fwd);
    strata_io_free(io);
    strata_ssh_session_free(ss);
    return rc;
}
