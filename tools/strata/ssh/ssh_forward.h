/* Port forwarding for `strata ssh`: -L (a local listener; each connection
 * is a direct-tcpip channel) and -R (tcpip-forward; each forwarded-tcpip
 * channel the server opens is connected to a local host:port). Every
 * forwarded connection is an io connection whose app endpoint is the
 * channel, so back-pressure runs through the channel windows. */
#ifndef STRATA_CLI_SSH_FORWARD_H
#define STRATA_CLI_SSH_FORWARD_H

#include <stddef.h>
#include <stdint.h>

#include "strata/io.h"
#include "strata/ssh_client.h"

#define SSH_FWD_MAX 16

struct ssh_fwd_spec {
    char *bind; /* listen address (NULL: 127.0.0.1 for -L, "localhost" for -R) */
    uint16_t port;
    char *host; /* where to connect */
    uint16_t host_port;
};

struct ssh_fwd_ep;
struct ssh_fwd;

struct ssh_fwd_lctx { /* one -L listener's context */
    struct ssh_fwd *f;
    const struct ssh_fwd_spec *spec;
};

struct ssh_fwd {
    strata_io *io;
    strata_ssh_client *client; /* set once authenticated; NULL after the end */
    strata_io_conn *main_conn; /* the SSH connection's io connection */
    struct ssh_fwd_spec local[SSH_FWD_MAX], remote[SSH_FWD_MAX];
    size_t n_local, n_remote;
    size_t remote_answered; /* tcpip-forward replies come in request order */
    struct ssh_fwd_lctx lctx[SSH_FWD_MAX];
    strata_io_listener *listeners[SSH_FWD_MAX];
    size_t n_listeners;
    struct ssh_fwd_ep *eps; /* live forwarded connections */
    int failed;             /* a forwarding could not be set up (ExitOnForwardFailure) */
};

/* Parses "[bind:]port:host:hostport" into spec (-L / -R). -1 on error. */
int ssh_fwd_parse(const char *s, struct ssh_fwd_spec *spec);
void ssh_fwd_spec_free(struct ssh_fwd_spec *spec);
/* Authentication succeeded: opens the -L listeners and sends the -R
 * requests. Errors are printed; f->failed is set. */
void ssh_fwd_start(struct ssh_fwd *f, strata_ssh_client *client);
/* The server opens a forwarded-tcpip channel (strata_ssh_conn_config's
 * open_request, with user = f). */
strata_status ssh_fwd_open_request(void *user, strata_ssh_channel *ch,
                                   const strata_ssh_open_info *info);
/* Reply to tcpip-forward (global_reply callback, user = f). */
void ssh_fwd_global_reply(void *user, const char *name, int ok, uint32_t port);
/* The SSH connection ended: closes the listeners and every forwarded
 * connection (their channels are gone with the client). */
void ssh_fwd_stop(struct ssh_fwd *f);
void ssh_fwd_free(struct ssh_fwd *f);

#endif
