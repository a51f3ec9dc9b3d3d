/* The http-connect:HOST:PORT[,user=U,pass=file:F|env:VAR] chain element: an
 * HTTP CONNECT tunnel through the proxy the elements before it reach. */
#include <stdio.h>
#include <string.h>

#include "chain.h"
#include "cli_secret.h"
#include "strata/http_connect.h"

const struct chain_opt_def chain_http_connect_opts[] = {
    {"user", CHAIN_OPT_STRING, 0, 0},
    {"pass", CHAIN_OPT_STRING, 0, 0},
    {NULL, CHAIN_OPT_FLAG, 0, 0},
};

int chain_http_connect_parse(struct chain_elem *e, strata_buf *body, enum chain_use use, char *err,
                             size_t cap)
{
    if (use == CHAIN_USE_LISTEN) {
        snprintf(err, cap, "http-connect is a client element: not valid in listen");
        return -1;
    }
    if (chain_parse_target_opts(e, body, CHAIN_USE_CONNECT, err, cap) != 0)
        return -1;
    const struct chain_opt *user = chain_elem_opt(e, "user"), *pass = chain_elem_opt(e, "pass");
    if (pass && !user) {
        snprintf(err, cap, "option 'pass' needs 'user'");
        return -1;
    }
    if (user && strchr(user->str, ':')) {
        snprintf(err, cap, "option 'user' must not contain ':'");
        return -1;
    }
    if (pass && strncmp(pass->str, "file:", 5) && strncmp(pass->str, "env:", 4)) {
        snprintf(err, cap, "option 'pass' takes file:PATH or env:VAR, not the password itself");
        return -1;
    }
    return 0;
}

strata_status chain_http_connect_push(const struct chain_elem *e, strata_stack *s,
                                      enum chain_use use, strata_error *why)
{
    (void)use;
    const struct chain_opt *user = chain_elem_opt(e, "user"), *pass = chain_elem_opt(e, "pass");
    char *secret = NULL, msg[256];
    if (pass && cli_secret_read(pass->str, &secret, msg, sizeof(msg)) != 0)
        return strata_error_set(why, STRATA_E_USAGE, "%s", msg);
    strata_http_connect_config cfg = {
        .host = e->host, .port = e->port, .user = user ? user->str : NULL, .pass = secret};
    strata_layer l;
    strata_status r = strata_http_connect_layer_new(&cfg, &l);
    cli_secret_free(secret);
    if (r != STRATA_OK)
        return strata_error_set(why, r, "cannot make the HTTP CONNECT layer: %s",
                                strata_status_str(r));
    r = chain_stack_push(s, l);
    if (r != STRATA_OK)
        return strata_error_set(why, r, "%s", strata_error_message(strata_stack_refusal(s)));
    return STRATA_OK;
}
