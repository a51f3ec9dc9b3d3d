/* Destinations, prompts and program argument lists of strata sftp /
 * strata scp. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "sftp_cli.h"
#include "ssh_tty.h" /* tools/strata/ssh/: the CLI's terminal prompt */

const char *sftp_cli_ask(void *user, const char *prompt, int echo, char *buf, size_t cap)
{
    (void)user;
    return ssh_tty_prompt(prompt, echo, buf, cap);
}

void sftp_cli_on_stderr(void *user, const uint8_t *p, size_t n)
{
    (void)user;
    (void)cli_write_all(2, p, n);
}

void sftp_cli_bulk_channel(strata_ssh_layer_config *lc)
{
    memset(lc, 0, sizeof(*lc));
    lc->on_stderr = sftp_cli_on_stderr;
    /* A fixed 2 MiB window of 32 KiB packets, as OpenSSH's client offers:
     * a larger window (8-16 MiB, 128 KiB packets) let sshd hold that much
     * in its buffers, and its reallocations (fresh pages each time, on this
     * kind of VM taken back from the host) cost the server side 0.3-1 s of
     * CPU per GiB downloaded, which set the pace (bench/sftp_results.md). */
    lc->client.conn.window = 2u * 1024u * 1024u;
    lc->client.conn.window_max = 2u * 1024u * 1024u;
    lc->client.conn.max_packet = 32u * 1024u;
}

static int uri(const char *dest, char **host, char **path, int *port)
{
    const char *p = strstr(dest, "://") + 3;
    const char *slash = strchr(p, '/');
    size_t n = slash ? (size_t)(slash - p) : strlen(p);
    char *hp = strndup(p, n);
    if (!hp)
        return -1;
    /* the port: after the last ':' that is not inside brackets */
    char *close = strrchr(hp, ']');
    char *colon = strrchr(close ? close : hp, ':');
    if (colon) {
        char *e;
        long v = strtol(colon + 1, &e, 10);
        if (*e || v < 1 || v > 65535) {
            free(hp);
            return -1;
        }
        *port = (int)v;
        *colon = 0;
    }
    *host = hp;
    *path = slash && slash[1] ? strdup(slash + 1) : NULL;
    return **host ? 0 : -1;
}

int sftp_cli_split_dest(const char *dest, char **host, char **path, int *port)
{
    *host = *path = NULL;
    if (!strncmp(dest, "sftp://", 7) || !strncmp(dest, "scp://", 6))
        return uri(dest, host, path, port);
    const char *at = strrchr(dest, '@');
    const char *h = at ? at + 1 : dest;
    const char *colon;
    if (*h == '[') {
        const char *close = strchr(h, ']');
        if (!close)
            return -1;
        colon = close[1] == ':' ? close + 1 : NULL;
        if (close[1] && close[1] != ':')
            return -1;
    } else {
        colon = strchr(h, ':');
    }
    size_t n = colon ? (size_t)(colon - dest) : strlen(dest);
    *host = strndup(dest, n);
    if (!*host)
        return -1;
    if (colon) {
        *path = strdup(colon + 1);
        if (!*path)
            return -1;
    }
    return **host ? 0 : -1;
}

int sftp_cli_is_remote(const char *arg)
{
    if (!strncmp(arg, "scp://", 6))
        return 1;
    if (arg[0] == '/' || (arg[0] == '.' && (arg[1] == '/' || arg[1] == 0)))
        return 0;
    const char *at = strchr(arg, '@');
    const char *h = at && (!strchr(arg, '/') || at < strchr(arg, '/')) ? at + 1 : arg;
    if (*h == '[') {
        const char *close = strchr(h, ']');
        return close && close[1] == ':';
    }
    const char *colon = strchr(arg, ':'), *slash = strchr(arg, '/');
    return colon && colon != arg && (!slash || colon < slash);
}

void sftp_argv_add(struct sftp_argv *a, const char *word)
{
    if (a->n < SFTP_ARGV_MAX)
        a->v[a->n++] = word;
    else
        a->over = 1;
    a->v[a->n] = NULL;
}

int sftp_argv_ssh_tail(struct sftp_argv *a, const char *dest, int port, int port_o,
                       const char *subsystem)
{
    const char *at = strrchr(dest, '@');
    const char *h = at ? at + 1 : dest;
    size_t hl = strlen(h);
    if (hl >= 2 && h[0] == '[' && h[hl - 1] == ']') /* ssh takes the bare address */
        h++, hl -= 2;
    a->host = strndup(h, hl);
    a->user = at ? strndup(dest, (size_t)(at - dest)) : NULL;
    if (!a->host || (at && !a->user))
        return -1;
    if (port) {
        snprintf(a->port, sizeof(a->port), port_o ? "-oPort %d" : "%d", port);
        if (!port_o)
            sftp_argv_add(a, "-p");
        sftp_argv_add(a, a->port);
    }
    if (a->user) {
        sftp_argv_add(a, "-l");
        sftp_argv_add(a, a->user);
    }
    if (!strchr(subsystem, '/'))
        sftp_argv_add(a, "-s");
    sftp_argv_add(a, "--");
    sftp_argv_add(a, a->host);
    sftp_argv_add(a, subsystem);
    return a->over ? -1 : 0;
}

void sftp_argv_free(struct sftp_argv *a)
{
    free(a->user);
    free(a->host);
    a->user = a->host = NULL;
}
