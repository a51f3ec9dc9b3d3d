/* An SSH client session (see strata/ssh_session.h): per hop its
 * configuration, known_hosts, identities, prompts and layer; the hops
 * pushed onto a stack or connected over TCP. */
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <openssl/crypto.h>

#include <stdarg.h>

#include "strata/passphrase.h"
#include "strata/pki.h"
#include "strata/ssh.h"
#include "strata/ssh_agent.h"
#include "strata/ssh_keys.h"
#include "strata/ssh_knownhosts.h"
#include "strata/ssh_session.h"

#define KEYS_MAX STRATA_SSH_SESSION_KEYS_MAX

/* One SSH connection of the session: the destination or a jump host. */
struct ssh_hop {
    strata_ssh_config cfg;
    char *host; /* as given (for known_hosts) */
    strata_ssh_knownhosts *kh;
    strata_ssh_privkey *keys[KEYS_MAX]; /* NULL for a key whose passphrase waits (dfile) */
    /* An encrypted key file offered by its public half, its passphrase asked
     * only if the server accepts it (strata_ssh_auth_add_key_file): the
     * file's bytes, its public blob and its path. */
    strata_buf dfile[KEYS_MAX];
    uint8_t *dblob[KEYS_MAX];
    size_t dblob_len[KEYS_MAX];
    char *dpath[KEYS_MAX];
    uint8_t *certs[KEYS_MAX];
    size_t cert_len[KEYS_MAX];
    size_t n_keys;
    char *agent_sock;
    strata_ssh_agent_identities *agent_ids;
    void *agent_keys; /* signer contexts, one per agent identity */
    int quiet, verbose;
    strata_ssh_session_ui ui;
    void *layer; /* the hop's SSH layer (self), once made */
    char prompt_buf[2][1024];
    const char *key_path; /* the key file being loaded, for its passphrase question */
    int gave_up;          /* the passphrase question was not answered */
    char methods[64];     /* the user auth methods to try, in order */
    /* SendEnv (from the environment) then SetEnv: "NAME=VALUE" heap strings,
     * for the session channel's env requests. */
    char *env[2 * STRATA_SSH_CONFIG_LIST_MAX];
    size_t n_env;
    char *pk_algs; /* PubkeyAcceptedAlgorithms resolved, or NULL */
};

struct strata_ssh_session {
    struct ssh_hop *hops[STRATA_SSH_SESSION_JUMPS_MAX + 1]; /* jump hosts, then the destination */
    size_t n;
    /* strata_ssh_session_connect's: the caller's on_ready / on_done, wrapped */
    strata_ssh_forward *fwd;
    strata_io_conn *conn;
    void (*on_ready)(void *user, strata_ssh_client *c);
    void (*on_stderr)(void *user, const uint8_t *p, size_t n);
    void (*on_exit)(void *user, int have_status, uint32_t status, const char *signal,
                    const char *message);
    void *ready_user; /* the layer config's user, for the three above */
    strata_io_conn_done_fn on_done;
    void *done_user;
};

static void hop_free(struct ssh_hop *h);

extern char **environ;

/* SendEnv: the environment variables whose names match a pattern; then
 * SetEnv's, as OpenSSH sends them. */
static strata_status hop_env(struct ssh_hop *h, strata_error *err)
{
    const size_t max = sizeof h->env / sizeof h->env[0];
    char name[256];
    for (char **e = environ; e && *e && h->cfg.n_send_env; e++) {
        size_t len = strcspn(*e, "=");
        if (!(*e)[len] || len == 0 || len >= sizeof name)
            continue;
        memcpy(name, *e, len);
        name[len] = '\0';
        int want = 0;
        for (size_t i = 0; i < h->cfg.n_send_env && !want; i++)
            want = strata_ssh_config_host_match(name, h->cfg.send_env[i]);
        if (!want)
            continue;
        if (h->n_env == max)
            return strata_error_set(err, STRATA_E_LIMIT, "SendEnv: more than %zu variables", max);
        if (!(h->env[h->n_env] = strdup(*e)))
            return strata_error_set(err, STRATA_E_NOMEM, "out of memory");
        h->n_env++;
    }
    for (size_t i = 0; i < h->cfg.n_set_env && h->n_env < max; i++)
        if (!(h->env[h->n_env++] = strdup(h->cfg.set_env[i])))
            return strata_error_set(err, STRATA_E_NOMEM, "out of memory");
    return STRATA_OK;
}

/* A line for the user through the ui (stderr without one). */
__attribute__((format(printf, 2, 3))) static void say(const struct ssh_hop *h, const char *fmt, ...)
{
    char line[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    if (h->ui.message)
        h->ui.message(h->ui.user, line);
    else
        fputs(line, stderr);
}

static const char *ask(struct ssh_hop *h, const char *prompt, int echo, char *buf, size_t cap)
{
    return h->ui.ask ? h->ui.ask(h->ui.user, prompt, echo, buf, cap) : NULL;
}

struct agent_key {
    struct ssh_hop *hop;
    const uint8_t *blob;
    size_t n;
};

/* Reads a whole file (at most max bytes; a regular file) into b with the
 * one bounded reader; 0 on success, else -1 with errno set. */
static int read_whole(const char *path, size_t max, strata_buf *b, int secret)
{
    strata_error e = {0};
    unsigned flags = STRATA_READ_REGULAR | (secret ? STRATA_READ_SECRET : 0u);
    errno = 0;
    if (strata_pki_read_file_ex(path, max, flags, b, &e) != STRATA_OK) {
        if (!errno)
            errno = EIO;
        return -1;
    }
    return 0;
}

/* Splits "[user@]host[:port]" / "ssh://[user@]host[:port]" (IPv6 in brackets). */
static int parse_dest(const char *dest, char **user, char **host, int *port)
{
    const char *s = strncmp(dest, "ssh://", 6) == 0 ? dest + 6 : dest;
    const char *at = strrchr(s, '@');
    *user = NULL;
    *port = 0;
    if (at && !(*user = strndup(s, (size_t)(at - s))))
        return -1;
    const char *h = at ? at + 1 : s;
    const char *colon = NULL, *end;
    if (*h == '[') {
        end = strchr(h, ']');
        if (!end)
            return -1;
        colon = end[1] == ':' ? end + 1 : NULL;
        *host = strndup(h + 1, (size_t)(end - h - 1));
    } else {
        colon = strchr(h, ':');
        *host = colon ? strndup(h, (size_t)(colon - h)) : strdup(h);
    }
    if (!*host || !**host)
        return -1;
    if (colon) {
        char *e;
        long p = strtol(colon + 1, &e, 10);
        if (*e || p < 1 || p > 65535)
            return -1;
        *port = (int)p;
    }
    return 0;
}

static strata_status opt(struct ssh_hop *h, strata_error *err, const char *fmt, const char *v)
{
    char line[2048];
    snprintf(line, sizeof line, "%s%s", fmt, v);
    return strata_ssh_config_apply_option(&h->cfg, line, err);
}

/* NumberOfPasswordPrompts (default 3). */
static int passphrase_tries(const struct ssh_hop *h)
{
    int n = h->cfg.number_of_password_prompts;
    return n >= 0 ? n : 3;
}

/* strata_passphrase_fn for key files: the ui's question. */
static int key_passphrase(char *buf, size_t cap, int verify, void *user)
{
    struct ssh_hop *h = user;
    char prompt[600], pass[STRATA_PASSPHRASE_MAX + 1];
    (void)verify;
    snprintf(prompt, sizeof prompt, "Enter passphrase for key '%s': ", h->key_path);
    int n = -1;
    if (ask(h, prompt, 0, pass, sizeof pass) && *pass && strlen(pass) <= cap) {
        n = (int)strlen(pass);
        memcpy(buf, pass, (size_t)n);
    } else {
        h->gave_up = 1;
    }
    OPENSSL_cleanse(pass, sizeof pass);
    return n;
}

static void add_to_agent(struct ssh_hop *h, const strata_ssh_privkey *k, const char *path);

/* Parses a key file, asking for its passphrase now when it is encrypted
 * (the session's ui asks; as OpenSSH the same question again after a wrong
 * passphrase, up to NumberOfPasswordPrompts times; an empty answer, or
 * none, gives up). Messages on stderr; *out NULL when unusable. */
static void parse_key_now(struct ssh_hop *h, const char *path, const uint8_t *data, size_t n,
                          strata_ssh_privkey **out)
{
    strata_error err = {0};
    strata_ssh_privkey *k = NULL;
    h->key_path = path;
    strata_passphrase pw = {NULL, 0, key_passphrase, h};
    const strata_passphrase *pwp =
        h->cfg.batch_mode != 1 && h->ui.ask && passphrase_tries(h) > 0 ? &pw : NULL;
    strata_status r;
    for (int i = 0;; i++) {
        strata_error_clear(&err);
        r = strata_ssh_privkey_parse_pw(data, n, pwp, &k, &err);
        if (r != STRATA_E_PASSPHRASE || i + 1 >= passphrase_tries(h))
            break;
        if (h->gave_up)
            break;
        say(h, "strata: wrong passphrase for key %s\n", path);
    }
    if (r == STRATA_E_PASSPHRASE && !h->gave_up)
        say(h, "strata: wrong passphrase for key %s\n", path);
    else if (r != STRATA_OK && r != STRATA_E_SSH_KEY_ENCRYPTED && r != STRATA_E_PASSPHRASE)
        say(h, "strata: cannot use key %s: %s\n", path, strata_error_message(&err));
    h->key_path = NULL;
    h->gave_up = 0;
    *out = r == STRATA_OK ? k : NULL;
    if (r != STRATA_OK)
        strata_ssh_privkey_free(k);
}

/* The blob of the public key file PATH SUFFIX (".pub", "-cert.pub"): a new
 * heap copy (*n bytes), or NULL when the file is missing, does not parse,
 * or is (cert 0) / is not (cert 1) a certificate. */
static uint8_t *pub_file_blob(const char *path, const char *suffix, int cert, size_t *n)
{
    char fpath[4200];
    snprintf(fpath, sizeof fpath, "%s%s", path, suffix);
    strata_buf fb;
    strata_buf_init(&fb, 0);
    strata_ssh_pubkey *pk = NULL;
    uint8_t *blob = NULL;
    if (read_whole(fpath, 64 * 1024, &fb, 0) == 0 &&
        strata_ssh_pubkey_parse((const char *)strata_buf_ptr(&fb), strata_buf_len(&fb), &pk,
                                NULL) == STRATA_OK &&
        strata_ssh_pubkey_is_cert(pk) == cert) {
        const uint8_t *b = strata_ssh_pubkey_blob(pk, n);
        if ((blob = malloc(*n)) != NULL)
            memcpy(blob, b, *n);
    }
    strata_ssh_pubkey_free(pk);
    strata_buf_free(&fb);
    return blob;
}

/* An encrypted key can wait for its passphrase until the server accepts it
 * (OpenSSH's order) when its public half is known without the passphrase
 * (an openssh-key-v1 file, or PATH.pub beside a PEM file), no certificate
 * file comes with it and it need not go to the agent: *blob (heap) is set. */
static int can_defer(struct ssh_hop *h, const char *path, const strata_buf *kb, uint8_t **blob,
                     size_t *blob_len)
{
    int encrypted = 0;
    char side[4200];
    struct stat st;
    *blob = NULL;
    snprintf(side, sizeof side, "%s-cert.pub", path);
    if (h->cfg.add_keys_to_agent == STRATA_SSHC_ADDKEYS_YES || stat(side, &st) == 0)
        return 0;
    strata_status r = strata_ssh_privkey_peek(strata_buf_ptr(kb), strata_buf_len(kb), blob,
                                              blob_len, &encrypted, NULL);
    if (r == STRATA_OK && encrypted)
        return 1;
    free(*blob);
    *blob = NULL;
    if (r != STRATA_E_SSH_KEY_ENCRYPTED) /* PEM: its public half from PATH.pub */
        return 0;
    *blob = pub_file_blob(path, ".pub", 0, blob_len);
    return *blob != NULL;
}

static void load_key(struct ssh_hop *h, const char *path, int explicit)
{
    strata_buf kb;
    strata_buf_init(&kb, 0);
    if (read_whole(path, STRATA_SSH_KEY_FILE_MAX, &kb, 1) != 0) {
        strata_buf_free(&kb);
        if (explicit && !h->quiet)
            say(h, "Warning: Identity file %s not accessible: %s.\n", path, strerror(errno));
        return;
    }
    if (h->n_keys == KEYS_MAX) {
        strata_buf_free(&kb);
        return;
    }
    uint8_t *blob = NULL;
    size_t blob_len = 0;
    if (can_defer(h, path, &kb, &blob, &blob_len)) {
        size_t i = h->n_keys;
        if ((h->dpath[i] = strdup(path)) == NULL) {
            free(blob);
            strata_buf_free(&kb);
            return;
        }
        h->dfile[i] = kb; /* the buffer, marked secret, moves here */
        h->dblob[i] = blob;
        h->dblob_len[i] = blob_len;
        h->n_keys++;
        return;
    }
    strata_ssh_privkey *k = NULL;
    parse_key_now(h, path, strata_buf_ptr(&kb), strata_buf_len(&kb), &k);
    strata_buf_free(&kb);
    if (!k)
        return;
    size_t i = h->n_keys++;
    h->keys[i] = k;
    add_to_agent(h, k, path);
    /* PATH-cert.pub: an OpenSSH user certificate for the key. */
    h->certs[i] = pub_file_blob(path, "-cert.pub", 1, &h->cert_len[i]);
}

/* The agent's socket for this hop: IdentityAgent, else $SSH_AUTH_SOCK;
 * NULL for none. */
static const char *agent_socket(const struct ssh_hop *h)
{
    const char *sock = h->cfg.identity_agent;
    if (!sock || strcmp(sock, "SSH_AUTH_SOCK") == 0)
        sock = getenv("SSH_AUTH_SOCK");
    return sock && *sock && strcmp(sock, "none") != 0 ? sock : NULL;
}

/* AddKeysToAgent yes: a key loaded from its file goes to the running
 * agent, as OpenSSH's. A lifetime, confirm or ask are constraints strata
 * does not send: rather than add the key without them, it is not added. */
static void add_to_agent(struct ssh_hop *h, const strata_ssh_privkey *k, const char *path)
{
    const char *sock = agent_socket(h);
    if (h->cfg.add_keys_to_agent != STRATA_SSHC_ADDKEYS_YES || !sock)
        return;
    if (h->cfg.add_keys_lifetime > 0) {
        if (h->verbose)
            say(h, "debug1: AddKeysToAgent with a lifetime is not supported: %s not added\n", path);
        return;
    }
    strata_buf req, rep;
    strata_buf_init(&req, 0);
    strata_buf_set_secret(&req);
    strata_buf_init(&rep, 0);
    strata_error err = {0};
    strata_status r;
    if ((r = strata_ssh_agent_request_add(&req, k, &err)) == STRATA_OK &&
        (r = strata_ssh_agent_transact(sock, &req, &rep, 5000, &err)) == STRATA_OK)
        r = strata_ssh_agent_parse_success(strata_buf_ptr(&rep), strata_buf_len(&rep), &err);
    if (r == STRATA_OK && h->verbose)
        say(h, "debug1: identity added to agent: %s\n", path);
    else if (r != STRATA_OK)
        say(h, "strata: cannot add %s to the agent: %s\n", path, strata_error_message(&err));
    strata_buf_free(&req);
    strata_buf_free(&rep);
}

static void drop_deferred(struct ssh_hop *h, size_t i)
{
    strata_buf_free(&h->dfile[i]);
    free(h->dblob[i]);
    free(h->dpath[i]);
    h->dblob[i] = NULL;
    h->dpath[i] = NULL;
}

/* A deferred key is needed now (a certificate goes with it): its
 * passphrase is asked for at once. 1 when loaded. */
static int undefer(struct ssh_hop *h, size_t i)
{
    strata_ssh_privkey *k = NULL;
    parse_key_now(h, h->dpath[i], strata_buf_ptr(&h->dfile[i]), strata_buf_len(&h->dfile[i]), &k);
    if (!k)
        return 0;
    h->keys[i] = k;
    drop_deferred(h, i);
    return 1;
}

/* CertificateFile: each certificate goes with the loaded identity whose
 * key it certifies (one without a certificate of its own). */
static void load_certificate(struct ssh_hop *h, const char *path)
{
    strata_buf cb;
    strata_buf_init(&cb, 0);
    strata_error err = {0};
    strata_ssh_pubkey *pk = NULL;
    uint8_t *plain = NULL;
    size_t plain_n = 0, n, i = h->n_keys;
    if (read_whole(path, 64 * 1024, &cb, 0) != 0) {
        if (!h->quiet)
            say(h, "Warning: Certificate file %s not accessible: %s.\n", path, strerror(errno));
    } else if (strata_ssh_pubkey_parse((const char *)strata_buf_ptr(&cb), strata_buf_len(&cb), &pk,
                                       &err) != STRATA_OK ||
               strata_ssh_pubkey_cert_key(pk, &plain, &plain_n, &err) != STRATA_OK) {
        say(h, "strata: cannot use certificate %s: %s\n", path, strata_error_message(&err));
    } else {
        for (i = 0; i < h->n_keys; i++) {
            const uint8_t *kb = h->keys[i] ? strata_ssh_privkey_blob(h->keys[i], &n) : h->dblob[i];
            if (!h->keys[i])
                n = h->dblob_len[i];
            if (!h->certs[i] && kb && n == plain_n && memcmp(kb, plain, n) == 0)
                break;
        }
        const uint8_t *b = strata_ssh_pubkey_blob(pk, &n);
        if (i == h->n_keys)
            say(h, "strata: certificate %s: no identity holds its key\n", path);
        else if (!h->keys[i] && !undefer(h, i)) {
            say(h, "strata: certificate %s: its key %s was not loaded\n", path, h->dpath[i]);
            drop_deferred(h, i); /* not offered either: its passphrase was asked already */
        } else if ((h->certs[i] = malloc(n)) != NULL) {
            memcpy(h->certs[i], b, n);
            h->cert_len[i] = n;
            if (h->verbose)
                say(h, "debug1: certificate %s goes with identity %zu\n", path, i + 1);
        }
    }
    free(plain);
    strata_ssh_pubkey_free(pk);
    strata_buf_free(&cb);
}

static void load_agent(struct ssh_hop *h)
{
    const char *sock = agent_socket(h);
    if (!sock || h->cfg.identities_only == 1)
        return;
    strata_buf req, rep;
    strata_buf_init(&req, 0);
    strata_buf_init(&rep, 0);
    strata_error err = {0};
    strata_ssh_agent_identities *ids = NULL;
    if (strata_ssh_agent_request_identities(&req) == STRATA_OK &&
        strata_ssh_agent_transact(sock, &req, &rep, 5000, &err) == STRATA_OK &&
        strata_ssh_agent_parse_identities(strata_buf_ptr(&rep), strata_buf_len(&rep), &ids, &err) ==
            STRATA_OK) {
        h->agent_ids = ids;
        h->agent_sock = strdup(sock);
    } else if (h->verbose) {
        say(h, "strata: ssh-agent at %s not used: %s\n", sock, strata_error_message(&err));
    }
    strata_buf_free(&req);
    strata_buf_free(&rep);
}

static strata_status hop_new(const char *dest, const strata_ssh_session_args *a,
                             struct ssh_hop **out, strata_error *err)
{
    *out = NULL;
    struct ssh_hop *h = calloc(1, sizeof *h);
    if (!h)
        return STRATA_E_NOMEM;
    strata_ssh_config_init(&h->cfg);
    h->quiet = a->quiet;
    h->verbose = a->verbose;
    h->ui = a->ui;
    char *user = NULL, portbuf[16];
    int port;
    strata_status r = STRATA_OK;
    if (parse_dest(dest, &user, &h->host, &port) != 0) {
        r = strata_error_set(err, STRATA_E_USAGE, "bad destination '%s'", dest);
        goto out;
    }
    /* The first value wins: destination, then options, then -o, then files. */
    if (user && (r = opt(h, err, "User=", user)) != STRATA_OK)
        goto out;
    if (a->user && (r = opt(h, err, "User=", a->user)) != STRATA_OK)
        goto out;
    if (port || a->port) {
        snprintf(portbuf, sizeof portbuf, "%d", port ? port : a->port);
        if ((r = opt(h, err, "Port=", portbuf)) != STRATA_OK)
            goto out;
    }
    for (size_t i = 0; i < a->n_identity && r == STRATA_OK; i++)
        r = opt(h, err, "IdentityFile=", a->identity[i]);
    if (r == STRATA_OK && a->ciphers)
        r = opt(h, err, "Ciphers=", a->ciphers);
    if (r == STRATA_OK && a->macs)
        r = opt(h, err, "MACs=", a->macs);
    if (r == STRATA_OK && a->compression)
        r = opt(h, err, "Compression=", "yes");
    if (r == STRATA_OK && a->known_hosts)
        r = opt(h, err, "UserKnownHostsFile=", a->known_hosts);
    for (size_t i = 0; i < a->n_opts && r == STRATA_OK; i++)
        r = strata_ssh_config_apply_option(&h->cfg, a->opts[i], err);
    if (r != STRATA_OK)
        goto out;
    struct passwd *pw = getpwuid(getuid());
    const char *home = getenv("HOME");
    if (!home && pw)
        home = pw->pw_dir;
    char path[4200];
    if (h->verbose && (!a->config_file || strcmp(a->config_file, "none") != 0)) {
        snprintf(path, sizeof path, "%s/.ssh/config", home ? home : "");
        say(h, "debug1: Reading configuration data %s\n", a->config_file ? a->config_file : path);
    }
    /* The config files (Match final's second reading, the system file),
     * then the defaults and tokens. */
    if ((r = strata_ssh_config_resolve(&h->cfg, h->host, NULL, 0, a->config_file, err)) !=
        STRATA_OK)
        goto out;
    /* Keywords accepted but not acted on, as OpenSSH's debug1 lines. */
    for (size_t i = 0; h->verbose && i < h->cfg.n_notes; i++)
        say(h, "debug1: %s\n", h->cfg.notes[i]);
    if ((r = hop_env(h, err)) != STRATA_OK)
        goto out;
    /* LogLevel: QUIET, FATAL and ERROR silence warnings and the banner (as
     * -q), DEBUG* prints the progress lines (as -v). */
    if (h->cfg.log_level >= 0 && h->cfg.log_level <= STRATA_SSHC_LOG_ERROR)
        h->quiet = 1;
    else if (h->cfg.log_level >= STRATA_SSHC_LOG_DEBUG1 && !h->verbose)
        h->verbose = 1;
    if ((r = strata_ssh_knownhosts_new(&h->kh)) != STRATA_OK)
        goto out;
    /* HashKnownHosts: names this client adds are hashed (|1|salt|hmac). */
    strata_ssh_knownhosts_set_hash_new(h->kh, h->cfg.hash_known_hosts == 1);
    snprintf(path, sizeof path, "%s/.ssh/known_hosts", home ? home : "");
    const char *khf = h->cfg.user_known_hosts_file ? h->cfg.user_known_hosts_file : path;
    if ((r = strata_ssh_knownhosts_load_file(h->kh, khf)) != STRATA_OK ||
        (r = strata_ssh_knownhosts_set_append_file(h->kh, khf)) != STRATA_OK) {
        strata_error_copy(err, strata_ssh_knownhosts_error(h->kh));
        goto out;
    }
    /* GlobalKnownHostsFile: the files named (none: no file), else the default. */
    const char *gk = h->cfg.global_known_hosts_file ? h->cfg.global_known_hosts_file
                                                    : "/etc/ssh/ssh_known_hosts";
    for (const char *p = gk; *p;) {
        size_t len = strcspn(p, " \t");
        if (len && len < sizeof path && strncmp(p, "none", len) != 0) {
            snprintf(path, sizeof path, "%.*s", (int)len, p);
            if (strata_ssh_knownhosts_load_file(h->kh, path) != STRATA_OK)
                strata_ssh_knownhosts_clear_error(h->kh); /* a missing file is not an error */
        }
        p += len;
        p += strspn(p, " \t");
    }
    load_agent(h);
    if (h->cfg.n_identity_files) {
        for (size_t i = 0; i < h->cfg.n_identity_files; i++)
            load_key(h, h->cfg.identity_files[i], 1);
    } else {
        static const char *const defaults[] = {"id_ed25519", "id_ecdsa", "id_rsa"};
        for (size_t i = 0; i < 3; i++) {
            snprintf(path, sizeof path, "%s/.ssh/%s", home ? home : "", defaults[i]);
            load_key(h, path, 0);
        }
    }
    for (size_t i = 0; i < h->cfg.n_certificate_files; i++)
        load_certificate(h, h->cfg.certificate_files[i]);
out:
    free(user);
    if (r != STRATA_OK) {
        hop_free(h);
        return r;
    }
    *out = h;
    return STRATA_OK;
}

static void hop_free(struct ssh_hop *h)
{
    if (!h)
        return;
    for (size_t i = 0; i < h->n_keys; i++) {
        strata_ssh_privkey_free(h->keys[i]);
        drop_deferred(h, i);
        free(h->certs[i]);
    }
    strata_ssh_agent_identities_free(h->agent_ids);
    free(h->agent_keys);
    free(h->agent_sock);
    strata_ssh_knownhosts_free(h->kh);
    for (size_t i = 0; i < h->n_env; i++)
        free(h->env[i]);
    free(h->pk_algs);
    strata_ssh_config_free(&h->cfg);
    free(h->host);
    OPENSSL_cleanse(h->prompt_buf, sizeof h->prompt_buf);
    free(h);
}

/* ---- callbacks ------------------------------------------------------------- */

/* -v (LogLevel DEBUG): the negotiated algorithms, as OpenSSH's debug1 lines. */
static void log_algorithms(struct ssh_hop *h)
{
    const strata_ssh_transport *t = strata_ssh_client_transport(strata_ssh_layer_client(h->layer));
    const char *kex = t ? strata_ssh_transport_algorithm(t, "kex", STRATA_SSH_OUT) : NULL;
    if (!kex)
        return;
    say(h, "debug1: kex: algorithm: %s\n", kex);
    say(h, "debug1: kex: host key algorithm: %s\n",
        strata_ssh_transport_algorithm(t, "hostkey", STRATA_SSH_OUT));
    static const char *const names[2] = {"client->server", "server->client"};
    for (int d = 1; d >= 0; d--) {
        enum strata_ssh_direction dir = d ? STRATA_SSH_IN : STRATA_SSH_OUT;
        const char *mac = strata_ssh_transport_algorithm(t, "mac", dir);
        const char *comp = strata_ssh_transport_algorithm(t, "compression", dir);
        say(h, "debug1: kex: %s cipher: %s MAC: %s compression: %s\n", names[d],
            strata_ssh_transport_algorithm(t, "cipher", dir), mac ? mac : "<implicit>",
            comp ? comp : "none");
    }
}

/* OpenSSH 10's warning after the first key exchange when it is not
 * post-quantum: not when the user chose the methods (KexAlgorithms), nor
 * with -q, LogLevel ERROR or below, or WarnWeakCrypto no / no-pq-kex. */
static void warn_not_pq(struct ssh_hop *h)
{
    const strata_ssh_transport *t =
        h->layer ? strata_ssh_client_transport(strata_ssh_layer_client(h->layer)) : NULL;
    if (!t || h->quiet || h->cfg.warn_weak_crypto == 0 || h->cfg.kex_algorithms ||
        strata_ssh_transport_kex_count(t) > 0)
        return;
    const char *kex = strata_ssh_transport_algorithm(t, "kex", STRATA_SSH_OUT);
    if (!kex || strata_ssh_kex_is_post_quantum(kex))
        return;
    say(h, "** WARNING: connection is not using a post-quantum key exchange algorithm.\n"
           "** This session may be vulnerable to \"store now, decrypt later\" attacks.\n"
           "** The server may need to be upgraded. See https://openssh.com/pq.html\n");
}

/* OpenSSH's question for an unknown host key: the whole line is read;
 * "yes", "no" or the key's fingerprint answer it, anything else asks again
 * (at most HOSTKEY_ASKS times). 1: accepted, 0: refused, -1: no answer
 * (no way to ask, or end of input). */
#define HOSTKEY_ASKS 10
static int ask_host_key(struct ssh_hop *h, const char *name, const strata_ssh_hostkey_info *info)
{
    char prompt[1200], ans[256];
    snprintf(prompt, sizeof prompt,
             "The authenticity of host '%s' can't be established.\n%s key fingerprint is "
             "%s.\nAre you sure you want to continue connecting (yes/no/[fingerprint])? ",
             name, info->key_type, info->fp_sha256);
    for (int i = 0; i < HOSTKEY_ASKS; i++) {
        if (!ask(h, prompt, 1, ans, sizeof ans))
            return -1;
        if (strcasecmp(ans, "yes") == 0 || strcmp(ans, info->fp_sha256) == 0)
            return 1;
        if (strcasecmp(ans, "no") == 0)
            return 0;
        snprintf(prompt, sizeof prompt, "Please type 'yes', 'no' or the fingerprint: ");
    }
    return 0;
}

static strata_status verify_host_key(void *user, const strata_ssh_hostkey_info *info)
{
    struct ssh_hop *h = user;
    if (h->verbose && h->layer)
        log_algorithms(h);
    if (h->verbose)
        say(h, "debug1: Server host key: %s %s\n", info->hostkey_alg, info->fp_sha256);
    enum strata_ssh_strict policy = STRATA_SSH_STRICT_YES;
    int asking = 0;
    switch (h->cfg.strict_host_key_checking) {
    case STRATA_SSHC_STRICT_NO:
        policy = STRATA_SSH_STRICT_NO;
        break;
    case STRATA_SSHC_STRICT_ACCEPT_NEW:
        policy = STRATA_SSH_STRICT_ACCEPT_NEW;
        break;
    case STRATA_SSHC_STRICT_YES:
        break;
    default:
        asking = h->cfg.batch_mode != 1;
    }
    strata_ssh_knownhosts_match m;
    unsigned port = (unsigned)h->cfg.port;
    const char *host = h->cfg.hostname;
    strata_status r = strata_ssh_knownhosts_verify(h->kh, policy, host, port, info->blob,
                                                   info->blob_len, (int64_t)time(NULL), &m);
    if (r == STRATA_E_HOSTKEY_UNKNOWN && asking) {
        int yes = ask_host_key(h, m.name, info);
        if (yes > 0) {
            strata_ssh_knownhosts_clear_error(h->kh);
            if (strata_ssh_knownhosts_add(h->kh, host, port, info->blob, info->blob_len, 0) ==
                STRATA_OK)
                say(h,
                    "Warning: Permanently added '%s' (%s) to the list of known "
                    "hosts.\n",
                    m.name, info->key_type);
            warn_not_pq(h);
            return STRATA_OK;
        }
        if (yes == 0) { /* the user said no: that is the reason, nothing more */
            say(h, "Host key verification failed.\n");
            return STRATA_E_HOSTKEY;
        }
    }
    if (r != STRATA_OK) {
        char buf[2048];
        if (r == STRATA_E_HOSTKEY_CHANGED || r == STRATA_E_HOSTKEY_REVOKED)
            say(h, "%s\n", strata_ssh_knownhosts_warning(&m, buf, sizeof buf));
        else if (r == STRATA_E_HOSTKEY_UNKNOWN)
            say(h,
                "No %s host key is known for %s and you have requested strict "
                "checking.\n",
                info->key_type, m.name);
        else
            say(h, "strata: %s\n", strata_error_message(strata_ssh_knownhosts_error(h->kh)));
        say(h, "Host key verification failed.\n");
        return STRATA_E_HOSTKEY;
    }
    warn_not_pq(h);
    return STRATA_OK;
}

static strata_status prompt(void *user, const strata_ssh_prompt *p, const char **answers)
{
    struct ssh_hop *h = user;
    OPENSSL_cleanse(h->prompt_buf, sizeof h->prompt_buf);
    if (p->n_prompts > 2)
        return STRATA_E_AUTH;
    if (p->kind == STRATA_SSH_PROMPT_PASSPHRASE) { /* "Enter passphrase for key 'PATH': " */
        answers[0] = ask(h, p->prompts[0], 0, h->prompt_buf[0], sizeof h->prompt_buf[0]);
        return answers[0] && *answers[0] ? STRATA_OK : STRATA_E_AUTH;
    }
    if (p->kind == STRATA_SSH_PROMPT_PASSWORD) {
        char text[600];
        snprintf(text, sizeof text, "%s@%s's password: ", p->user, p->host);
        answers[0] = ask(h, text, 0, h->prompt_buf[0], sizeof h->prompt_buf[0]);
        return answers[0] ? STRATA_OK : STRATA_E_AUTH;
    }
    if (*p->name)
        say(h, "%s\n", p->name);
    if (*p->instruction)
        say(h, "%s\n", p->instruction);
    for (size_t i = 0; i < p->n_prompts; i++) {
        answers[i] = ask(h, p->prompts[i], p->echo[i], h->prompt_buf[i], sizeof h->prompt_buf[i]);
        if (!answers[i])
            return STRATA_E_AUTH;
    }
    return STRATA_OK;
}

static void banner(void *user, const char *text)
{
    struct ssh_hop *h = user;
    if (!h->quiet)
        fputs(text, stderr);
}

static void progress(void *user, const char *method, const char *detail)
{
    struct ssh_hop *h = user;
    /* Every answer given so far has been used by now (sent in its request,
     * or tried as a key's passphrase): none is kept longer. */
    OPENSSL_cleanse(h->prompt_buf, sizeof h->prompt_buf);
    if (h->verbose)
        say(h, "debug1: %s: %s\n", method, detail);
    else if (strncmp(detail, "wrong passphrase for key ", 25) == 0)
        say(h, "strata: %s\n", detail); /* as when the key is read before connecting */
}

static strata_status agent_sign(void *ctx, const char *alg, const uint8_t *data, size_t n,
                                strata_buf *sig_out, strata_error *err)
{
    struct agent_key *k = ctx;
    uint32_t flags = strcmp(alg, "rsa-sha2-512") == 0   ? STRATA_SSH_AGENT_RSA_SHA2_512
                     : strcmp(alg, "rsa-sha2-256") == 0 ? STRATA_SSH_AGENT_RSA_SHA2_256
                                                        : 0;
    strata_buf req, rep;
    strata_buf_init(&req, 0);
    strata_buf_init(&rep, 0);
    uint8_t *sig = NULL;
    size_t sig_len = 0;
    strata_status r;
    if ((r = strata_ssh_agent_request_sign(&req, k->blob, k->n, data, n, flags)) == STRATA_OK &&
        (r = strata_ssh_agent_transact(k->hop->agent_sock, &req, &rep, 30000, err)) == STRATA_OK &&
        (r = strata_ssh_agent_parse_sign(strata_buf_ptr(&rep), strata_buf_len(&rep), &sig, &sig_len,
                                         err)) == STRATA_OK)
        r = strata_buf_put(sig_out, sig, sig_len);
    free(sig);
    strata_buf_free(&req);
    strata_buf_free(&rep);
    return r;
}

/* PreferredAuthentications (OpenSSH's default order without it), minus
 * what strata does not do (gssapi-with-mic, hostbased) and what the
 * *Authentication options turn off. */
static const char *auth_methods(struct ssh_hop *h)
{
    static const char *const all[] = {"publickey", "keyboard-interactive", "password"};
    int on[3] = {h->cfg.pubkey_authentication != 0, h->cfg.kbd_interactive_authentication != 0,
                 h->cfg.password_authentication != 0};
    const char *pref = h->cfg.preferred_authentications ? h->cfg.preferred_authentications
                                                        : "publickey,keyboard-interactive,password";
    size_t k = 0;
    h->methods[0] = 0;
    for (const char *p = pref; *p;) {
        size_t len = strcspn(p, ",");
        for (size_t i = 0; i < 3; i++)
            if (on[i] && strlen(all[i]) == len && strncmp(p, all[i], len) == 0 &&
                k + len + 2 < sizeof h->methods) {
                k += (size_t)snprintf(h->methods + k, sizeof h->methods - k, "%s%s", k ? "," : "",
                                      all[i]);
                on[i] = 0; /* once */
            }
        p += len + (p[len] == ',');
    }
    return h->methods;
}

static strata_status hop_layer(struct ssh_hop *h, strata_ssh_layer_config *cfg, strata_layer *out,
                               strata_error *err)
{
    strata_ssh_client_config *cc = &cfg->client;
    strata_ssh_transport_config *tc = &cc->transport;
    tc->host = h->cfg.hostname;
    tc->port = (uint16_t)h->cfg.port;
    tc->kex_algorithms = h->cfg.kex_algorithms;
    tc->hostkey_algorithms = h->cfg.host_key_algorithms;
    tc->ciphers = h->cfg.ciphers;
    tc->macs = h->cfg.macs;
    tc->compression = h->cfg.compression == 1 ? "zlib@openssh.com,zlib,none" : "none";
    tc->rekey_bytes = h->cfg.rekey_bytes;
    tc->rekey_seconds = h->cfg.rekey_seconds > 0 ? (uint64_t)h->cfg.rekey_seconds : 0;
    tc->cb.verify_host_key = verify_host_key;
    tc->hostkey_order = h->kh; /* the algorithms the host is known by first */
    tc->user = h;
    strata_ssh_auth_config *ac = &cc->auth;
    ac->username = h->cfg.user;
    ac->methods = auth_methods(h);
    ac->host = h->cfg.hostname;
    /* NumberOfPasswordPrompts 0: no password or keyboard-interactive prompt. */
    ac->prompt = h->cfg.batch_mode == 1 || h->cfg.number_of_password_prompts == 0 ? NULL : prompt;
    if (h->cfg.number_of_password_prompts > 0)
        ac->password_attempts = (unsigned)h->cfg.number_of_password_prompts;
    /* PubkeyAcceptedAlgorithms (+ssh-rsa lets RSA keys sign with SHA-1). */
    if (h->cfg.pubkey_accepted_algorithms && !h->pk_algs) {
        strata_status pr = strata_ssh_algorithms_resolve(
            "PubkeyAcceptedAlgorithms", h->cfg.pubkey_accepted_algorithms, &h->pk_algs, err);
        if (pr != STRATA_OK)
            return pr;
    }
    if (h->pk_algs) {
        ac->pubkey_algorithms = h->pk_algs;
        for (const char *p = h->pk_algs; *p;) {
            size_t len = strcspn(p, ",");
            if (len == 7 && strncmp(p, "ssh-rsa", 7) == 0)
                ac->allow_rsa_sha1 = 1;
            p += len + (p[len] == ',');
        }
    }
    ac->banner = banner;
    ac->progress = progress;
    ac->user = h;
    strata_status r = strata_ssh_layer_new(cfg, out, err);
    if (r != STRATA_OK)
        return r;
    h->layer = out->self;
    strata_ssh_auth *auth = strata_ssh_client_auth(strata_ssh_layer_client(out->self));
    strata_ssh_agent_identities *ids = h->agent_ids;
    struct agent_key *keys = NULL;
    if (ids && ids->n && !h->agent_keys && (keys = calloc(ids->n, sizeof *keys)) != NULL)
        h->agent_keys = keys;
    for (size_t i = 0; keys && i < ids->n; i++) {
        struct agent_key *k = &keys[i];
        *k = (struct agent_key){h, ids->ids[i].blob, ids->ids[i].blob_len};
        /* A key type strata does not use is skipped. */
        if (strata_ssh_auth_add_signer(auth, k->blob, k->n, agent_sign, k, ids->ids[i].comment) !=
            STRATA_OK)
            continue;
    }
    for (size_t i = 0; i < h->n_keys && r == STRATA_OK; i++) {
        if (h->keys[i]) {
            r = strata_ssh_auth_add_key(auth, strata_ssh_privkey_pkey(h->keys[i]), h->certs[i],
                                        h->cert_len[i], strata_ssh_privkey_comment(h->keys[i]));
        } else if (h->dpath[i] &&
                   strata_ssh_auth_add_key_file(auth, strata_buf_ptr(&h->dfile[i]),
                                                strata_buf_len(&h->dfile[i]), h->dblob[i],
                                                h->dblob_len[i], h->dpath[i]) != STRATA_OK) {
            /* A key type strata does not use (a security key's ...): as a
             * key read before connecting, it is left out with a word. */
            say(h, "strata: cannot use key %s: %s\n", h->dpath[i],
                strata_error_message(strata_ssh_auth_error(auth)));
        }
    }
    if (r != STRATA_OK) {
        strata_error_copy(err, strata_ssh_auth_error(auth));
        out->ops->free(out->self);
        out->ops = NULL;
        h->layer = NULL;
    }
    return r;
}

/* ---- the session ----------------------------------------------------------- */

void strata_ssh_session_free(strata_ssh_session *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->n; i++)
        hop_free(s->hops[i]);
    free(s);
}

strata_status strata_ssh_session_new(const char *dest, const strata_ssh_session_args *a,
                                     strata_ssh_session **out, strata_error *err)
{
    *out = NULL;
    strata_ssh_session *s = calloc(1, sizeof *s);
    if (!s)
        return STRATA_E_NOMEM;
    struct ssh_hop *target = NULL;
    strata_status r = hop_new(dest, a, &target, err);
    if (r != STRATA_OK) {
        free(s);
        return r;
    }
    /* -J, else the destination's ProxyJump: each hop resolved as a direct
     * connection to it would be (-F and -o apply; -l, -p, -i do not). */
    const char *jump = a->jump ? a->jump : target->cfg.proxy_jump;
    if (jump && strcmp(jump, "none") != 0) {
        strata_ssh_session_args ja;
        memset(&ja, 0, sizeof ja);
        ja.config_file = a->config_file;
        memcpy(ja.opts, a->opts, sizeof ja.opts);
        ja.n_opts = a->n_opts;
        ja.quiet = a->quiet;
        ja.verbose = a->verbose;
        ja.ui = a->ui;
        char *list = strdup(jump), *save = NULL;
        if (!list)
            r = STRATA_E_NOMEM;
        for (char *tok = list ? strtok_r(list, ",", &save) : NULL; tok && r == STRATA_OK;
             tok = strtok_r(NULL, ",", &save)) {
            if (s->n == STRATA_SSH_SESSION_JUMPS_MAX)
                r = strata_error_set(err, STRATA_E_LIMIT, "too many jump hosts (at most %d)",
                                     STRATA_SSH_SESSION_JUMPS_MAX);
            else if ((r = hop_new(tok, &ja, &s->hops[s->n], err)) == STRATA_OK)
                s->n++;
        }
        free(list);
    }
    s->hops[s->n++] = target;
    if (r != STRATA_OK) {
        strata_ssh_session_free(s);
        return r;
    }
    *out = s;
    return STRATA_OK;
}

const strata_ssh_config *strata_ssh_session_config(const strata_ssh_session *s)
{
    return &s->hops[s->n - 1]->cfg;
}

size_t strata_ssh_session_hops(const strata_ssh_session *s)
{
    return s->n;
}

/* The layer config for hop i: lc's for the destination, the timers from
 * the hop's configuration unless set. */
static strata_ssh_layer_config hop_config(const strata_ssh_session *s, size_t i,
                                          const strata_ssh_layer_config *lc)
{
    const struct ssh_hop *h = s->hops[i];
    strata_ssh_layer_config c;
    if (i + 1 == s->n)
        c = *lc;
    else
        memset(&c, 0, sizeof c);
    if (!c.connect_timeout && h->cfg.connect_timeout > 0)
        c.connect_timeout = (uint32_t)h->cfg.connect_timeout;
    if (!c.alive_interval && h->cfg.server_alive_interval > 0)
        c.alive_interval = (uint32_t)h->cfg.server_alive_interval;
    if (i + 1 == s->n && !c.env && h->n_env) { /* SendEnv / SetEnv, for the session channel */
        c.env = (const char *const *)h->env;
        c.n_env = h->n_env;
    }
    if (!c.alive_count_max && h->cfg.server_alive_count_max >= 0) /* 0: never, as OpenSSH */
        c.alive_count_max =
            h->cfg.server_alive_count_max ? (uint32_t)h->cfg.server_alive_count_max : UINT32_MAX;
    return c;
}

strata_status strata_ssh_session_layer(strata_ssh_session *s, const strata_ssh_layer_config *lc,
                                       strata_layer *out, strata_error *err)
{
    out->ops = NULL;
    out->self = NULL;
    if (s->n != 1)
        return strata_error_set(err, STRATA_E_STATE,
                                "%s has jump hosts: push the session's layers instead",
                                s->hops[s->n - 1]->cfg.hostname);
    strata_ssh_layer_config c = hop_config(s, 0, lc);
    return hop_layer(s->hops[0], &c, out, err);
}

strata_status strata_ssh_session_push(strata_ssh_session *s, strata_stack *stack,
                                      const strata_ssh_layer_config *lc, void **target,
                                      strata_error *err)
{
    if (target)
        *target = NULL;
    for (size_t i = 0; i < s->n; i++) {
        struct ssh_hop *h = s->hops[i];
        int last = i + 1 == s->n;
        strata_ssh_layer_config c = hop_config(s, i, lc);
        strata_layer layer = {0};
        strata_status r = hop_layer(h, &c, &layer, err);
        if (r == STRATA_OK && !last)
            r = strata_ssh_layer_set_direct(layer.self, s->hops[i + 1]->cfg.hostname,
                                            (uint16_t)s->hops[i + 1]->cfg.port);
        if (r != STRATA_OK) {
            if (layer.ops)
                layer.ops->free(layer.self);
            return r;
        }
        void *self = layer.self;
        if ((r = strata_stack_push(stack, layer, NULL, 0)) != STRATA_OK)
            return strata_error_set(err, r, "cannot push the SSH layer for %s", h->cfg.hostname);
        if (last && target)
            *target = self;
    }
    return STRATA_OK;
}

/* strata_ssh_session_connect's wrappers: forwarding starts once the
 * destination is authenticated and stops before the caller hears of the
 * end (the client, in the stack, goes with the connection). */
static void session_ready(void *user, strata_ssh_client *c)
{
    strata_ssh_session *s = user;
    if (s->fwd)
        strata_ssh_forward_start(s->fwd, s->conn, c);
    if (s->on_ready)
        s->on_ready(s->ready_user, c);
}

static void session_stderr(void *user, const uint8_t *p, size_t n)
{
    strata_ssh_session *s = user;
    if (s->on_stderr)
        s->on_stderr(s->ready_user, p, n);
}

static void session_exit(void *user, int have_status, uint32_t status, const char *signal,
                         const char *message)
{
    strata_ssh_session *s = user;
    if (s->on_exit)
        s->on_exit(s->ready_user, have_status, status, signal, message);
}

static void session_done(void *user, strata_io_conn *c, const strata_error *e)
{
    strata_ssh_session *s = user;
    if (s->fwd)
        strata_ssh_forward_stop(s->fwd);
    s->conn = NULL;
    if (s->on_done)
        s->on_done(s->done_user, c, e);
}

strata_status strata_ssh_session_connect(strata_ssh_session *s, strata_io *io,
                                         const strata_ssh_layer_config *lc, strata_ssh_forward *fwd,
                                         strata_io_app app, const strata_io_conn_config *cc,
                                         strata_io_conn **out, void **target, strata_error *err)
{
    *out = NULL;
    if (target)
        *target = NULL;
    const strata_ssh_config *dc = strata_ssh_session_config(s);
    strata_ssh_layer_config c = *lc;
    s->fwd = fwd;
    s->on_ready = lc->on_ready;
    s->on_stderr = lc->on_stderr;
    s->on_exit = lc->on_exit;
    s->ready_user = lc->user;
    if (fwd) {
        /* LocalForward lines of the destination's configuration, after -L. */
        for (size_t i = 0; i < dc->n_forwards; i++) {
            const strata_ssh_config_forward *f = &dc->forwards[i];
            strata_status r = strata_ssh_forward_add(fwd, 0, f->bind, (uint16_t)f->port, f->host,
                                                     (uint16_t)f->host_port);
            if (r != STRATA_OK)
                return strata_error_set(err, r, "LocalForward %d:%s:%d: %s", f->port, f->host,
                                        f->host_port, strata_status_str(r));
        }
        /* RemoteForward and DynamicForward lines likewise, after -R and -D. */
        for (size_t i = 0; i < dc->n_remote_forwards; i++) {
            const strata_ssh_config_forward *f = &dc->remote_forwards[i];
            strata_status r = f->host ? strata_ssh_forward_add(fwd, 1, f->bind, (uint16_t)f->port,
                                                               f->host, (uint16_t)f->host_port)
                                      : STRATA_E_UNSUPPORTED;
            if (r != STRATA_OK)
                return strata_error_set(err, r, "RemoteForward %d: %s", f->port,
                                        f->host ? strata_status_str(r)
                                                : "dynamic remote forwarding is not supported");
        }
        for (size_t i = 0; i < dc->n_dynamic_forwards; i++) {
            const strata_ssh_config_forward *f = &dc->dynamic_forwards[i];
            strata_status r = strata_ssh_forward_add_dynamic(fwd, f->bind, (uint16_t)f->port);
            if (r != STRATA_OK)
                return strata_error_set(err, r, "DynamicForward %d: %s", f->port,
                                        strata_status_str(r));
        }
        /* ForwardAgent (-A / -a reach here as -o ForwardAgent, first wins). */
        if (dc->forward_agent == 1 && !lc->no_channel) {
            const char *sock = dc->forward_agent_path;
            if (sock && sock[0] == '$') /* ForwardAgent $VAR: the socket path it holds */
                sock = getenv(sock + 1);
            strata_status r = strata_ssh_forward_agent(fwd, sock);
            if (r != STRATA_OK)
                return strata_error_set(err, r, "ForwardAgent: %s", strata_status_str(r));
        }
        strata_ssh_forward_exit_on_failure(fwd, dc->exit_on_forward_failure == 1);
        strata_ssh_forward_attach(fwd, &c);
    }
    /* The layer has one user for its callbacks: the wrappers get s, and
     * call the caller's with theirs. */
    c.on_ready = session_ready;
    c.on_stderr = lc->on_stderr ? session_stderr : NULL;
    c.on_exit = lc->on_exit ? session_exit : NULL;
    c.user = s;
    strata_io_conn_config conn_cfg = {NULL, 0, session_done, s};
    if (cc) {
        conn_cfg.stack = cc->stack;
        conn_cfg.timeout_ms = cc->timeout_ms;
        s->on_done = cc->on_done;
        s->done_user = cc->user;
    }
    const struct ssh_hop *first = s->hops[0];
    if (!conn_cfg.timeout_ms && dc->connect_timeout > 0)
        conn_cfg.timeout_ms = (uint64_t)dc->connect_timeout * 1000u;
    strata_io_conn *conn;
    /* ProxyCommand (the first hop's; "none": none): the command's stdin and
     * stdout are the connection, as OpenSSH's. */
    const char *proxy = first->cfg.proxy_command;
    strata_status r = proxy && strcmp(proxy, "none") != 0
                          ? strata_io_connect_command(io, proxy, app, &conn_cfg, &conn)
                          : strata_io_connect(io, first->cfg.hostname, (uint16_t)first->cfg.port,
                                              app, &conn_cfg, &conn);
    if (r != STRATA_OK)
        return strata_error_set(err, r, "ssh: connect to host %s port %d: %s", first->cfg.hostname,
                                first->cfg.port, strata_status_str(r));
    s->conn = conn;
    *out = conn;
    if ((r = strata_ssh_session_push(s, strata_io_conn_stack(conn), &c, target, err)) != STRATA_OK)
        strata_io_conn_abort(conn, r, strata_error_message(err));
    return STRATA_OK;
}

strata_status strata_ssh_parse_destination(const char *dest, char **user, char **host, int *port)
{
    *user = *host = NULL;
    *port = 0;
    if (parse_dest(dest, user, host, port) == 0)
        return STRATA_OK;
    free(*user);
    free(*host);
    *user = *host = NULL;
    return STRATA_E_USAGE;
}
