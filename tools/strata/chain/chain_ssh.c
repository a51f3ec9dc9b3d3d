/* The `ssh:` and `direct:` chain elements (see chain_ssh.h).
 *
 *   tcp:bastion:22 ssh:user=alice direct:db.internal:5432
 *
 * `ssh:` makes an SSH client layer; the host it checks in known_hosts and
 * looks up in ~/.ssh/config is host= or else the target of the nearest
 * element before it (the tcp: transport, or the direct: an inner SSH
 * connection runs over). A `direct:` right after it makes that layer's
 * channel a direct-tcpip channel; without one the channel is a session
 * running the login shell.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "chain_ssh.h"
#include "strata/ssh_session.h"
#include "ssh_tty.h"

const struct chain_opt_def chain_ssh_opts[] = {
    {"user", CHAIN_OPT_STRING, 0, 0},
    {"key", CHAIN_OPT_STRING, 0, 0},
    {"known-hosts", CHAIN_OPT_STRING, 0, 0},
    {"host", CHAIN_OPT_STRING, 0, 0},
    {NULL, CHAIN_OPT_FLAG, 0, 0},
};

const struct chain_opt_def chain_direct_opts[] = {{NULL, CHAIN_OPT_FLAG, 0, 0}};

int chain_ssh_parse(struct chain_elem *e, strata_buf *body, enum chain_use use, char *err,
                    size_t cap)
{
    if (use == CHAIN_USE_LISTEN) {
        snprintf(err, cap, "ssh: is a client element; strata listen cannot serve SSH");
        return -1;
    }
    return chain_parse_opts(e, body, err, cap);
}

int chain_direct_parse(struct chain_elem *e, strata_buf *body, enum chain_use use, char *err,
                       size_t cap)
{
    if (chain_parse_target(e, body, use, err, cap) != 0)
        return -1;
    return chain_parse_opts(e, body, err, cap);
}

static void free_session(void *s)
{
    strata_ssh_session_free(s);
}

static const char *tty_ask(void *user, const char *prompt, int echo, char *buf, size_t cap)
{
    (void)user;
    return ssh_tty_prompt(prompt, echo, buf, cap);
}

static void to_stderr(void *user, const uint8_t *p, size_t n)
{
    (void)user;
    if (fwrite(p, 1, n, stderr) != n)
        return;
}

strata_status chain_ssh_push(const struct chain_elem *e, strata_stack *s, enum chain_use use,
                             strata_error *err)
{
    (void)use;
    const struct chain_opt *o;
    /* The nearest earlier element with a target: elements sit in one array
     * and the first is always a transport, which has one. */
    const struct chain_elem *t = e - 1;
    while (!t->host)
        t--;
    strata_ssh_session_args a;
    memset(&a, 0, sizeof a);
    a.port = t->port;
    a.jump = "none"; /* the chain says where this connection runs */
    a.ui.ask = tty_ask;
    if ((o = chain_elem_opt(e, "user")) != NULL)
        a.user = o->str;
    if ((o = chain_elem_opt(e, "key")) != NULL)
        a.identity[a.n_identity++] = o->str;
    if ((o = chain_elem_opt(e, "known-hosts")) != NULL)
        a.known_hosts = o->str;
    o = chain_elem_opt(e, "host");
    char dest[CHAIN_HOST_MAX + 3];
    snprintf(dest, sizeof dest, t->host_is_v6 && !o ? "[%s]" : "%s", o ? o->str : t->host);
    strata_ssh_session *ss;
    strata_status r = strata_ssh_session_new(dest, &a, &ss, err);
    if (r != STRATA_OK)
        return r;
    strata_ssh_layer_config lc;
    memset(&lc, 0, sizeof lc);
    lc.on_stderr = to_stderr;
    lc.on_free = free_session; /* the session goes with its layer */
    lc.free_user = ss;
    strata_layer layer;
    if ((r = strata_ssh_session_layer(ss, &lc, &layer, err)) != STRATA_OK) {
        strata_ssh_session_free(ss);
        return r;
    }
    return chain_stack_push(s, layer);
}

strata_status chain_direct_push(const struct chain_elem *e, strata_stack *s, enum chain_use use,
                                strata_error *err)
{
    (void)use;
    size_t depth = strata_stack_depth(s);
    const strata_layer *l = chain_layer_unwrap(depth ? strata_stack_layer(s, depth - 1) : NULL);
    if (!strata_ssh_layer_is(l))
        return strata_error_set(err, STRATA_E_USAGE, "direct: must follow an ssh: element");
    strata_status r = strata_ssh_layer_set_direct(l->self, e->host, e->port);
    if (r == STRATA_E_STATE)
        return strata_error_set(err, r, "the ssh: element before already has a channel");
    return r;
}
