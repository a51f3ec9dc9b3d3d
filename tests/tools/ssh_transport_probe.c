/* ssh_transport_probe: drives the strata SSH transport against a real server
 * for the interop tests: connects, completes the key exchange and NEWKEYS,
 * requests ssh-userauth, optionally pushes IGNORE data through (to make
 * either side rekey), then disconnects cleanly. Prints what was negotiated:
 *   kex=... hostkey=... cipher=... mac=... comp=... strict=0|1 kex_count=N
 * Exit 0 on success, 1 with the engine's error on stderr.
 *
 * usage: ssh_transport_probe [-k KEX] [-K HOSTKEYALGS] [-c CIPHERS] [-m MACS]
 *        [-z COMP] [-g] [-R REKEY_BYTES] [-i IGNORE_KIB] [-n] [-T SECONDS]
 *        [-f SHA256_FP] HOST PORT
 *   -g  group exchange with KEX_DH_GEX_REQUEST_OLD   -n  no strict KEX
 *   -a PEM  authenticate as -u USER (default root) with this private key
 *           (publickey, RFC 4252 §7), then start delayed compression
 *   -A PEM  print the key's authorized_keys line and exit
 *   -H FILE check the host key against this known_hosts file (strict, no
 *           callback; the clock for certificates is time(NULL))
 *   -Q WHAT print what strata supports (kex, cipher, mac, key, comp) and exit
 *   -v  debug log on stderr
 *   -f  accept only a host key with this SHA256 fingerprint */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/pem.h>
#include <openssl/rand.h>

#include "ssh/hostkey.h"
#include "ssh/kex/kex.h"
#include "ssh/packet.h"
#include "ssh_sock.h"
#include "strata/log.h"
#include "strata/ssh.h"

struct probe {
    strata_ssh_transport *t;
    EVP_PKEY *key; /* -a: publickey user authentication */
    const char *user;
    int auth_sent, authed, auth_failed;
    const char *want_fp;
    char fp[80], key_type[80];
    int accepted, is_cert;
};

static strata_status on_hostkey(void *u, const strata_ssh_hostkey_info *i)
{
    struct probe *p = u;
    snprintf(p->fp, sizeof(p->fp), "%s", i->fp_sha256);
    snprintf(p->key_type, sizeof(p->key_type), "%s", i->key_type);
    p->is_cert = i->is_cert;
    if (p->want_fp && strcmp(p->want_fp, i->fp_sha256) != 0)
        return STRATA_E_HOSTKEY;
    return STRATA_OK;
}

static void on_accepted(void *u, const char *svc)
{
    struct probe *p = u;
    if (!strcmp(svc, "ssh-userauth"))
        p->accepted = 1;
}

static int accepted(void *arg)
{
    return ((struct probe *)arg)->accepted;
}

static int auth_done(void *arg)
{
    struct probe *p = arg;
    return p->authed || p->auth_failed;
}

/* RFC 4252 §7: the messages of the user-auth layer this probe needs. */
static strata_status on_packet(void *u, const uint8_t *m, size_t n)
{
    struct probe *p = u;
    (void)n;
    if (m[0] == 52) { /* USERAUTH_SUCCESS */
        p->authed = 1;
        strata_ssh_transport_start_delayed_compression(p->t);
        return STRATA_OK;
    }
    if (m[0] == 51) { /* USERAUTH_FAILURE */
        p->auth_failed = 1;
        return STRATA_OK;
    }
    return m[0] == 53 ? STRATA_OK : STRATA_E_UNSUPPORTED; /* BANNER */
}

/* USERAUTH_REQUEST publickey with a signature (RFC 4252 §7). */
static strata_status send_auth(struct probe *p)
{
    strata_buf blob, data, msg, sig;
    strata_error e;
    size_t sid_len;
    const uint8_t *sid = strata_ssh_transport_session_id(p->t, &sid_len);
    const char *alg = EVP_PKEY_is_a(p->key, "ED25519") ? "ssh-ed25519" : "rsa-sha2-256";
    strata_status r;
    strata_buf_init(&blob, 0);
    strata_buf_init(&data, 0);
    strata_buf_init(&msg, 0);
    strata_buf_init(&sig, 0);
    if ((r = strata__ssh_pubkey_blob(p->key, alg, &blob, &e)) != STRATA_OK)
        goto out;
    if ((r = strata_buf_put_u8(&msg, 50)) != STRATA_OK ||
        (r = strata_buf_put_cstring(&msg, p->user)) != STRATA_OK ||
        (r = strata_buf_put_cstring(&msg, "ssh-connection")) != STRATA_OK ||
        (r = strata_buf_put_cstring(&msg, "publickey")) != STRATA_OK ||
        (r = strata_buf_put_bool(&msg, 1)) != STRATA_OK ||
        (r = strata_buf_put_cstring(&msg, alg)) != STRATA_OK ||
        (r = strata_buf_put_stringb(&msg, &blob)) != STRATA_OK)
        goto out;
    if ((r = strata_buf_put_string(&data, sid, sid_len)) != STRATA_OK ||
        (r = strata_buf_put(&data, strata_buf_ptr(&msg), strata_buf_len(&msg))) != STRATA_OK ||
        (r = strata__ssh_sign(p->key, alg, strata_buf_ptr(&data), strata_buf_len(&data), &sig,
                              &e)) != STRATA_OK ||
        (r = strata_buf_put_stringb(&msg, &sig)) != STRATA_OK)
        goto out;
    r = strata_ssh_transport_send(p->t, strata_buf_ptr(&msg), strata_buf_len(&msg));
out:
    strata_buf_free(&blob);
    strata_buf_free(&data);
    strata_buf_free(&msg);
    strata_buf_free(&sig);
    return r;
}

static EVP_PKEY *load_key(const char *path)
{
    FILE *f = fopen(path, "r");
    EVP_PKEY *k = f ? PEM_read_PrivateKey(f, NULL, NULL, NULL) : NULL;
    if (f)
        fclose(f);
    return k;
}

/* -A: print the authorized_keys line of a PEM private key. */
static int print_authorized_key(const char *path)
{
    EVP_PKEY *k = load_key(path);
    strata_buf blob;
    strata_error e;
    struct ssh_key *key = NULL;
    char *line = NULL;
    int rc = 1;
    strata_buf_init(&blob, 0);
    if (k &&
        strata__ssh_pubkey_blob(k, EVP_PKEY_is_a(k, "ED25519") ? "ssh-ed25519" : "ssh-rsa", &blob,
                                &e) == STRATA_OK &&
        strata__ssh_key_from_blob(strata_buf_ptr(&blob), strata_buf_len(&blob), &key, &e) ==
            STRATA_OK &&
        strata__ssh_key_to_line(key, &line) == STRATA_OK) {
        printf("%s\n", line);
        rc = 0;
    }
    free(line);
    strata__ssh_key_free(key);
    strata_buf_free(&blob);
    EVP_PKEY_free(k);
    return rc;
}

static int drained(void *arg)
{
    return strata_ssh_transport_is_closed(((struct probe *)arg)->t);
}

static int fail(struct probe *p, strata_status r, const char *what)
{
    const strata_error *e = strata_ssh_transport_error(p->t);
    fprintf(stderr, "probe: %s: %s\n", what,
            e->status != STRATA_OK ? strata_error_message(e) : strata_status_str(r));
    return 1;
}

static void log_stderr(enum strata_log_level level, const char *module, const char *msg, void *user)
{
    (void)level;
    (void)user;
    fprintf(stderr, "probe: [%s] %s\n", module, msg);
}

/* -Q kex|cipher|mac|key|comp: what strata supports, one name a line. */
static int query(const char *what)
{
    const char *l = !strcmp(what, "kex")      ? strata__ssh_kex_algs_supported()
                    : !strcmp(what, "cipher") ? strata__ssh_ciphers_supported()
                    : !strcmp(what, "mac")    ? strata__ssh_macs_supported()
                    : !strcmp(what, "key")    ? strata__ssh_hostkey_algs_supported()
                    : !strcmp(what, "comp")   ? strata__ssh_comp_supported()
                                              : NULL;
    if (!l)
        return 2;
    for (; *l; l++)
        putchar(*l == ',' ? '\n' : *l);
    putchar('\n');
    return 0;
}

int main(int argc, char **argv)
{
    strata_ssh_transport_config cfg;
    struct probe p;
    unsigned long ignore_kib = 0;
    int timeout = 10, opt;
    memset(&cfg, 0, sizeof(cfg));
    memset(&p, 0, sizeof(p));
    strata_ssh_knownhosts *kh = NULL;
    while ((opt = getopt(argc, argv, "k:K:c:m:z:gR:i:nT:f:va:u:A:Q:H:")) != -1) {
        switch (opt) {
        case 'k':
            cfg.kex_algorithms = optarg;
            break;
        case 'K':
            cfg.hostkey_algorithms = optarg;
            break;
        case 'c':
            cfg.ciphers = optarg;
            break;
        case 'm':
            cfg.macs = optarg;
            break;
        case 'z':
            cfg.compression = optarg;
            break;
        case 'g':
            cfg.gex_request_old = 1;
            cfg.gex_preferred = 2048;
            break;
        case 'R':
            cfg.rekey_bytes = strtoull(optarg, NULL, 10);
            break;
        case 'i':
            ignore_kib = strtoul(optarg, NULL, 10);
            break;
        case 'n':
            cfg.no_strict_kex = 1;
            break;
        case 'T':
            timeout = atoi(optarg);
            break;
        case 'f':
            p.want_fp = optarg;
            break;
        case 'a':
            if (!(p.key = load_key(optarg))) {
                fprintf(stderr, "probe: cannot read the private key %s\n", optarg);
                return 2;
            }
            break;
        case 'u':
            p.user = optarg;
            break;
        case 'A':
            return print_authorized_key(optarg);
        case 'Q':
            return query(optarg);
        case 'H':
            if (strata_ssh_knownhosts_new(&kh) != STRATA_OK ||
                strata_ssh_knownhosts_load_file(kh, optarg) != STRATA_OK) {
                fprintf(stderr, "probe: cannot load %s\n", optarg);
                return 2;
            }
            cfg.known_hosts = kh;
            cfg.strict_host_key_checking = STRATA_SSH_STRICT_YES;
            cfg.unix_time = (int64_t)time(NULL);
            break;
        case 'v':
            strata_log_set(STRATA_LOG_DEBUG, log_stderr, NULL);
            break;
        default:
            fprintf(stderr, "probe: bad option\n");
            return 2;
        }
    }
    if (optind + 2 != argc) {
        fprintf(stderr, "usage: ssh_transport_probe [options] HOST PORT\n");
        return 2;
    }
    char err[256];
    int fd = cli_tcp_connect(argv[optind], argv[optind + 1], timeout * 1000, err, sizeof(err));
    if (fd < 0) {
        fprintf(stderr, "probe: %s\n", err);
        return 1;
    }
    cfg.host = argv[optind];
    cfg.port = (uint16_t)atoi(argv[optind + 1]);
    if (!kh)
        cfg.cb.verify_host_key = on_hostkey;
    cfg.cb.service_accepted = on_accepted;
    cfg.cb.packet = on_packet;
    cfg.user = &p;
    strata_error e;
    if (strata_ssh_transport_new(&cfg, &p.t, &e) != STRATA_OK) {
        fprintf(stderr, "probe: %s\n", strata_error_message(&e));
        close(fd);
        return 2;
    }
    int rc = 0;
    strata_status r;
    if ((r = strata_ssh_transport_request_service(p.t, "ssh-userauth")) != STRATA_OK ||
        (r = cli_ssh_pump(p.t, fd, timeout * 1000, accepted, &p)) != STRATA_OK) {
        rc = fail(&p, r, "handshake");
        goto out;
    }
    if (p.key) {
        if (!p.user)
            p.user = "root";
        if ((r = send_auth(&p)) != STRATA_OK ||
            (r = cli_ssh_pump(p.t, fd, timeout * 1000, auth_done, &p)) != STRATA_OK) {
            rc = fail(&p, r, "user authentication");
            goto out;
        }
        if (!p.authed) {
            fprintf(stderr, "probe: the server refused the public key\n");
            rc = 1;
            goto out;
        }
    }
    /* Data through the connection, 16 KiB per IGNORE, answered by the server's
     * own traffic only at rekeying: pump after each so rekeys complete. */
    static uint8_t chunk[16384];
    for (unsigned long i = 0; i < ignore_kib / 16; i++) {
        RAND_bytes(chunk, sizeof(chunk)); /* fresh each time: incompressible */
        if ((r = strata_ssh_transport_send_ignore(p.t, chunk, sizeof(chunk))) != STRATA_OK) {
            rc = fail(&p, r, "send_ignore");
            goto out;
        }
        if ((r = cli_ssh_pump(p.t, fd, 50, NULL, NULL)) != STRATA_E_TIMEOUT) {
            rc = fail(&p, r, "data");
            goto out;
        }
    }
    if ((r = cli_ssh_pump(p.t, fd, 300, NULL, NULL)) != STRATA_E_TIMEOUT) {
        rc = fail(&p, r, "after data");
        goto out;
    }
    printf("kex=%s hostkey=%s cipher=%s mac=%s comp=%s strict=%d kex_count=%u keytype=%s fp=%s "
           "authed=%d\n",
           strata_ssh_transport_algorithm(p.t, "kex", STRATA_SSH_OUT),
           strata_ssh_transport_algorithm(p.t, "hostkey", STRATA_SSH_OUT),
           strata_ssh_transport_algorithm(p.t, "cipher", STRATA_SSH_OUT),
           strata_ssh_transport_algorithm(p.t, "mac", STRATA_SSH_OUT),
           strata_ssh_transport_algorithm(p.t, "compression", STRATA_SSH_OUT),
           strata_ssh_transport_is_strict_kex(p.t), strata_ssh_transport_kex_count(p.t), p.key_type,
           p.fp, p.authed);
    if ((r = strata_ssh_transport_lose_connection(p.t)) != STRATA_OK ||
        (r = cli_ssh_pump(p.t, fd, timeout * 1000, drained, &p)) != STRATA_OK)
        rc = fail(&p, r, "disconnect");
out:
    EVP_PKEY_free(p.key);
    strata_ssh_transport_free(p.t);
    strata_ssh_knownhosts_free(kh);
    close(fd);
    return rc;
}
