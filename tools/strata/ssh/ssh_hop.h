/* One SSH connection ("hop") of the CLI: its configuration resolved the way
 * OpenSSH does (command line, then -F / ~/.ssh/config Host blocks), its
 * known_hosts, identities (key files with certificates, ssh-agent) and the
 * terminal prompts, turned into an SSH layer for a stack.
 *
 * Used by `strata ssh` (the destination and every -J hop) and by the `ssh:`
 * chain element. A hop lives as long as the layer made from it: the layer's
 * callbacks point into it.
 */
#ifndef STRATA_CLI_SSH_HOP_H
#define STRATA_CLI_SSH_HOP_H

#include <stddef.h>
#include <stdint.h>

#include "strata/ssh_config.h"
#include "strata/ssh_keys.h"
#include "strata/ssh_knownhosts.h"
#include "strata/ssh_layer.h"

#define SSH_HOP_KEYS_MAX 16
#define SSH_HOP_OPTS_MAX 64

/* What the command line says for every hop. */
struct ssh_hop_args {
    const char *config_file;                /* -F (NULL: ~/.ssh/config, "none": no file) */
    const char *user;                       /* -l */
    int port;                               /* -p (0: not given) */
    const char *identity[SSH_HOP_KEYS_MAX]; /* -i */
    size_t n_identity;
    const char *opts[SSH_HOP_OPTS_MAX]; /* -o */
    size_t n_opts;
    const char *ciphers, *macs; /* -c, -m */
    int compression;            /* -C */
    int quiet, verbose;
    const char *known_hosts; /* chain: known-hosts= */
};

struct ssh_hop {
    strata_ssh_config cfg;
    char *host; /* as given (for known_hosts) */
    strata_ssh_knownhosts *kh;
    strata_ssh_privkey *keys[SSH_HOP_KEYS_MAX];
    uint8_t *certs[SSH_HOP_KEYS_MAX];
    size_t cert_len[SSH_HOP_KEYS_MAX];
    size_t n_keys;
    char *agent_sock;
    void *agent_ids;  /* strata_ssh_agent_identities */
    void *agent_keys; /* signer contexts, one per agent identity */
    int quiet, verbose;
    void *layer; /* the hop's SSH layer (self), once made */
    char prompt_buf[2][1024];
    char methods[64]; /* the user auth methods to try, in order */
};

/* Resolves dest ("[user@]host[:port]" or "ssh://[user@]host[:port]"; a
 * bare -J element may carry ":port") into a new hop (*out, free with
 * ssh_hop_free). On failure returns the status with the message in err. */
strata_status ssh_hop_new(const char *dest, const struct ssh_hop_args *args, struct ssh_hop **out,
                          strata_error *err);
void ssh_hop_free(struct ssh_hop *h);
/* Splits "[user@]host[:port]" / "ssh://[user@]host[:port]": *user and *host
 * are heap strings (user may be NULL), *port 0 when not given; -1 if bad. */
int ssh_hop_parse_dest(const char *dest, char **user, char **host, int *port);
/* Fills cfg->client from the hop (algorithms, host, callbacks with user h,
 * auth user) and makes the layer, then adds the hop's identities. cfg's
 * session fields are the caller's. */
strata_status ssh_hop_layer(struct ssh_hop *h, strata_ssh_layer_config *cfg, strata_layer *out,
                            strata_error *err);

#endif
