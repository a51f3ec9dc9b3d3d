/* strata ssh-keyscan: print the host keys of SSH servers as known_hosts
 * lines, in the format of OpenSSH's ssh-keyscan(1) so the two can be
 * compared line for line. One connection per key type, with the host key
 * algorithms limited to that type; the key exchange is completed (the server
 * proves it holds the key), then the connection is closed with DISCONNECT.
 * -T bounds each host as a whole; a host that fails is reported once and
 * its remaining key types are not tried. */
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "ssh_sock.h"
#include "strata/ssh.h"
#include "strata/ssh_knownhosts.h"

struct keytype {
    const char *name; /* as given to -t */
    const char *algs; /* host key algorithms offered for it */
};

static const struct keytype keytypes[] = {
    {"rsa", "rsa-sha2-512,rsa-sha2-256,ssh-rsa"},
    {"ecdsa", "ecdsa-sha2-nistp256,ecdsa-sha2-nistp384,ecdsa-sha2-nistp521"},
    {"ed25519", "ssh-ed25519"},
    {"dsa", "ssh-dss"},
};

struct scan {
    uint8_t *blob;
    size_t n;
};

static strata_status take_key(void *user, const strata_ssh_hostkey_info *info)
{
    struct scan *s = user;
    free(s->blob);
    s->blob = malloc(info->blob_len);
    if (!s->blob)
        return STRATA_E_NOMEM;
    memcpy(s->blob, info->blob, info->blob_len);
    s->n = info->blob_len;
    return STRATA_OK;
}

static int is_secure(void *arg)
{
    return strata_ssh_transport_is_secure(arg);
}

static int is_drained(void *arg)
{
    return strata_ssh_transport_is_closed(arg);
}

/* What scanning one key type found out. */
enum scan_result {
    SCAN_NONE,  /* the server has no key of this type */
    SCAN_FOUND, /* its line was printed */
    SCAN_FAILED /* the host failed (reported): its other types are not tried */
};

/* Scans one key type of one host by deadline (CLOCK_MONOTONIC ms); prints
 * its line. */
static enum scan_result scan_one(const char *host, const char *port, unsigned portnum,
                                 const struct keytype *kt, int hashed, int64_t deadline,
                                 int verbose, int *banner_shown)
{
    char err[256];
    struct scan sc = {NULL, 0};
    strata_ssh_transport *t = NULL;
    strata_ssh_transport_config cfg;
    strata_error e;
    enum scan_result res = SCAN_NONE;
    int64_t left = deadline - cli_now_ms();
    if (left <= 0) {
        cli_err("%s port %s: timed out", host, port);
        return SCAN_FAILED;
    }
    int fd = cli_tcp_connect(host, port, (int)left, err, sizeof(err));
    if (fd < 0) {
        cli_err("%s", err);
        return SCAN_FAILED;
    }
    memset(&cfg, 0, sizeof(cfg));
    cfg.host = host;
    cfg.port = (uint16_t)portnum;
    cfg.hostkey_algorithms = kt->algs;
    cfg.cb.verify_host_key = take_key;
    cfg.user = &sc;
    if (strata_ssh_transport_new(&cfg, &t, &e) != STRATA_OK) {
        cli_err("%s", strata_error_message(&e));
        close(fd);
        return SCAN_FAILED;
    }
    left = deadline - cli_now_ms();
    strata_status r = cli_ssh_pump(t, fd, left > 0 ? (int)left : 0, is_secure, t);
    const char *sv = strata_ssh_transport_server_version(t);
    if (sv && !*banner_shown) {
        /* OpenSSH prints the server's identification as a comment on stderr. */
        fprintf(stderr, "# %s:%s %s\n", host, port, sv);
        *banner_shown = 1;
    }
    if (r == STRATA_OK && sc.blob) {
        char *line = NULL;
        if (strata_ssh_knownhosts_format_line(host, portnum, sc.blob, sc.n, hashed, &line) ==
            STRATA_OK) {
            printf("%s\n", line);
            fflush(stdout);
            res = SCAN_FOUND;
        }
        free(line);
        if (verbose)
            fprintf(stderr,
                    "strata: %s: kex %s, host key %s, cipher %s / %s, mac %s / %s, "
                    "compression %s / %s%s\n",
                    host, strata_ssh_transport_algorithm(t, "kex", STRATA_SSH_OUT),
                    strata_ssh_transport_algorithm(t, "hostkey", STRATA_SSH_OUT),
                    strata_ssh_transport_algorithm(t, "cipher", STRATA_SSH_OUT),
                    strata_ssh_transport_algorithm(t, "cipher", STRATA_SSH_IN),
                    strata_ssh_transport_algorithm(t, "mac", STRATA_SSH_OUT),
                    strata_ssh_transport_algorithm(t, "mac", STRATA_SSH_IN),
                    strata_ssh_transport_algorithm(t, "compression", STRATA_SSH_OUT),
                    strata_ssh_transport_algorithm(t, "compression", STRATA_SSH_IN),
                    strata_ssh_transport_is_strict_kex(t) ? ", strict kex" : "");
        /* The DISCONNECT goes out within what is left of the bound. */
        left = deadline - cli_now_ms();
        if (left > 0 && strata_ssh_transport_lose_connection(t) == STRATA_OK)
            (void)cli_ssh_pump(t, fd, (int)left, is_drained, t);
    } else {
        /* A server without a key of this type is not an error (as OpenSSH);
         * anything else ends the host, reported once. */
        const strata_error *te = strata_ssh_transport_error(t);
        int no_key = r != STRATA_E_TIMEOUT &&
                     strstr(strata_error_message(te), "no matching host key") != NULL;
        if (!no_key) {
            cli_err("%s port %s: %s", host, port,
                    r == STRATA_E_TIMEOUT     ? "timed out"
                    : te->status != STRATA_OK ? strata_error_message(te)
                                              : strata_status_str(r));
            res = SCAN_FAILED;
        } else if (verbose) {
            cli_err("%s (%s): %s", host, kt->name, strata_error_message(te));
        }
    }
    free(sc.blob);
    strata_ssh_transport_free(t);
    close(fd);
    return res;
}

static void usage(FILE *f)
{
    fprintf(f, "usage: strata ssh-keyscan [-p PORT] [-t ed25519,ecdsa,rsa,dsa] [-H] [-T TIMEOUT] "
               "[-v] HOST...\n"
               "Prints the host keys of SSH servers as known_hosts lines (as ssh-keyscan(1)).\n"
               "  -p PORT     port (default 22)\n"
               "  -t TYPES    key types to fetch (default rsa,ecdsa,ed25519)\n"
               "  -H          hash the host names (|1|salt|hmac)\n"
               "  -T TIMEOUT  seconds for each host, all key types together (default 5)\n"
               "  -v          show the negotiated algorithms on stderr\n");
}

int cmd_ssh_keyscan(int argc, char **argv)
{
    const char *port = "22", *types = "rsa,ecdsa,ed25519";
    int hashed = 0, verbose = 0, opt;
    uint64_t timeout_ms = 5000;
    optind = 1;
    static const struct option longopts[] = {{"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
    while ((opt = getopt_long(argc, argv, "p:t:HT:vh", longopts, NULL)) != -1) {
        switch (opt) {
        case 'p':
            port = optarg;
            break;
        case 't':
            types = optarg;
            break;
        case 'H':
            hashed = 1;
            break;
        case 'T':
            if (cli_parse_seconds("-T", optarg, 86400, &timeout_ms) != 0)
                return CLI_USAGE;
            break;
        case 'v':
            verbose = 1;
            break;
        case 'h':
            usage(stdout);
            return CLI_OK;
        default:
            usage(stderr);
            return CLI_USAGE;
        }
    }
    char *endp;
    long portnum = strtol(port, &endp, 10);
    if (*endp || portnum <= 0 || portnum > 65535) {
        cli_err("ssh-keyscan: bad port '%s'", port);
        return CLI_USAGE;
    }
    if (optind >= argc) {
        usage(stderr);
        return CLI_USAGE;
    }
    /* Validate the types first. */
    const struct keytype *want[8];
    size_t nwant = 0;
    char tbuf[256];
    snprintf(tbuf, sizeof(tbuf), "%s", types);
    for (char *sv = NULL, *ty = strtok_r(tbuf, ",", &sv); ty; ty = strtok_r(NULL, ",", &sv)) {
        const struct keytype *kt = NULL;
        for (size_t i = 0; i < sizeof(keytypes) / sizeof(keytypes[0]); i++)
            if (!strcmp(keytypes[i].name, ty))
                kt = &keytypes[i];
        if (!kt || nwant == sizeof(want) / sizeof(want[0])) {
            cli_err("ssh-keyscan: unknown key type '%s' (rsa, ecdsa, ed25519, dsa)", ty);
            return CLI_USAGE;
        }
        want[nwant++] = kt;
    }
    int found = 0;
    for (int i = optind; i < argc; i++) {
        /* -T bounds the whole host, every key type included. */
        int64_t deadline = cli_now_ms() + (int64_t)timeout_ms;
        int banner = 0;
        for (size_t k = 0; k < nwant; k++) {
            enum scan_result res = scan_one(argv[i], port, (unsigned)portnum, want[k], hashed,
                                            deadline, verbose, &banner);
            found += res == SCAN_FOUND;
            if (res == SCAN_FAILED)
                break;
        }
    }
    return found ? CLI_OK : CLI_FAIL;
}
