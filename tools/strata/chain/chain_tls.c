/* The tls: chain element.
 *
 *   tls:[role=client|server,sni=NAME,name=NAME,ca=FILE|DIR,cert=FILE,key=FILE,
 *        pass=file:F|env:VAR,verify=peer|none,alpn=A:B,min=1.2|1.3,max=1.2|1.3,
 *        ciphers=LIST,suites=LIST,keylog=FILE,session=FILE]
 *
 * The role is the TLS role of this end of the layer: by default client for
 * connect and server for listen; role= turns it round (the seed's
 * startTLS(context, client): the end that connected may be the TLS server of
 * a layer, and roles may differ layer by layer).
 * client: verifies the server against ca= (default: the system's trust
 * store) and name= (default: sni=, else, for connect, the host of the
 * nearest earlier tcp: or http-connect: element), sends sni= (default: that
 * host, unless it is an IP address). In listen there is no such host: a
 * verifying client needs name= or sni=.
 * server: cert= and key= are required; ca= with verify=peer asks for client
 * certificates.
 * ciphers= is the TLS 1.2 cipher list, suites= the TLS 1.3 cipher suites
 * (OpenSSL's names and syntax for each).
 * session=FILE (client): offers the session stored in FILE, if it is one
 * made with a certificate for the name checked, and stores each new session
 * the server sends in FILE (tls_session_file.c).
 *
 * A context is built per element: once for all connections when the chain
 * was prepared (chain_tls_prepare: a listener's connections share its
 * session cache and ticket keys, so clients resume on any of them), else
 * per push.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "chain_tls.h"
#include "cli.h"
#include "cli_secret.h"
#include "tls_session_file.h"
#include "strata/log.h"
#include "strata/mem.h"
#include "strata/tls.h"
#include "strata/tls_layer.h"

const struct chain_opt_def chain_tls_opts[] = {
    {"sni", CHAIN_OPT_STRING, 0, 0},     {"name", CHAIN_OPT_STRING, 0, 0},
    {"ca", CHAIN_OPT_STRING, 0, 0},      {"cert", CHAIN_OPT_STRING, 0, 0},
    {"key", CHAIN_OPT_STRING, 0, 0},     {"pass", CHAIN_OPT_STRING, 0, 0},
    {"verify", CHAIN_OPT_STRING, 0, 0},  {"alpn", CHAIN_OPT_STRING, 0, 0},
    {"min", CHAIN_OPT_STRING, 0, 0},     {"max", CHAIN_OPT_STRING, 0, 0},
    {"ciphers", CHAIN_OPT_STRING, 0, 0}, {"keylog", CHAIN_OPT_STRING, 0, 0},
    {"role", CHAIN_OPT_STRING, 0, 0},    {"suites", CHAIN_OPT_STRING, 0, 0},
    {"session", CHAIN_OPT_STRING, 0, 0}, {NULL, CHAIN_OPT_FLAG, 0, 0},
};

static const char *opt(const struct chain_elem *e, const char *name)
{
    const struct chain_opt *o = chain_elem_opt(e, name);
    return o ? o->str : NULL;
}

static int version(const char *v)
{
    if (strcmp(v, "1.2") == 0)
        return STRATA_TLS_VERSION_TLS1_2;
    if (strcmp(v, "1.3") == 0)
        return STRATA_TLS_VERSION_TLS1_3;
    return -1;
}

/* 1 when this end is the layer's TLS server: role= when given (checked by
 * chain_tls_parse), else the server for listen. */
static int is_server(const struct chain_elem *e, enum chain_use use)
{
    const char *role = opt(e, "role");
    return role ? strcmp(role, "server") == 0 : use == CHAIN_USE_LISTEN;
}

/* Messages never echo option values: they may hold any byte (the chain
 * parser quotes the whole element in front of the message). */
int chain_tls_parse(struct chain_elem *e, strata_buf *body, enum chain_use use, char *err,
                    size_t cap)
{
    if (strata_buf_len(body) > 0 && chain_parse_opts(e, body, err, cap) != 0)
        return -1;
    const char *v;
    if ((v = opt(e, "role")) && strcmp(v, "client") != 0 && strcmp(v, "server") != 0)
        return cli_errf(err, cap, "role must be 'client' or 'server'");
    if ((v = opt(e, "verify")) && strcmp(v, "peer") != 0 && strcmp(v, "none") != 0)
        return cli_errf(err, cap, "verify must be 'peer' or 'none'");
    if ((v = opt(e, "min")) && version(v) < 0)
        return cli_errf(err, cap, "min must be 1.2 or 1.3");
    if ((v = opt(e, "max")) && version(v) < 0)
        return cli_errf(err, cap, "max must be 1.2 or 1.3");
    if ((v = opt(e, "pass")) && strncmp(v, "file:", 5) != 0 && strncmp(v, "env:", 4) != 0)
        return cli_errf(err, cap, "pass must be file:FILE or env:VAR");
    if (!opt(e, "cert") != !opt(e, "key"))
        return cli_errf(err, cap, "cert= and key= go together");
    int server = is_server(e, use);
    if (server && opt(e, "session"))
        return cli_errf(err, cap, "session= is for a TLS client");
    if (server && !opt(e, "cert"))
        return cli_errf(err, cap, "a TLS server needs cert= and key=");
    /* A server verifying its peers needs something to verify them against
     * (without ca= it would ask for no certificate at all). */
    if (server && (v = opt(e, "verify")) && strcmp(v, "peer") == 0 && !opt(e, "ca"))
        return cli_errf(
            err, cap, "verify=peer on a TLS server needs ca= (the CAs of the client certificates)");
    /* A client in listen has no peer host to take the name from. */
    if (!server && use == CHAIN_USE_LISTEN && !opt(e, "name") && !opt(e, "sni") &&
        !((v = opt(e, "verify")) && strcmp(v, "none") == 0))
        return cli_errf(err, cap, "a TLS client in listen needs name= or sni= (or verify=none)");
    return 0;
}

static int pass_cb(char *buf, size_t cap, int verify, void *user)
{
    (void)verify;
    size_t n = strlen(user);
    if (n > cap)
        n = cap;
    memcpy(buf, user, n);
    return (int)n;
}

/* Key log lines (NSS key log format, for Wireshark) go to the file named by
 * keylog=, else by $SSLKEYLOGFILE as curl and browsers do. The file holds
 * secrets: a new one is created 0600. Opened per line: the context outlives
 * no file handle. */
static void keylog_cb(const strata_tls_conn *conn, const char *line, void *user)
{
    (void)conn;
    int fd = open(user, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0)
        return;
    FILE *f = fdopen(fd, "a");
    if (!f) {
        close(fd);
        return;
    }
    fprintf(f, "%s\n", line);
    fclose(f);
}

static strata_status configure(const struct chain_elem *e, int server, strata_tls_ctx *ctx,
                               strata_error *err)
{
    strata_status r = STRATA_OK;
    const char *v;
    char *secret = NULL;
    if ((v = opt(e, "min")) && (r = strata_tls_ctx_set_min_version(ctx, version(v))) != STRATA_OK)
        return r;
    if ((v = opt(e, "max")) && (r = strata_tls_ctx_set_max_version(ctx, version(v))) != STRATA_OK)
        return r;
    if ((v = opt(e, "ciphers")) && (r = strata_tls_ctx_set_cipher_list(ctx, v)) != STRATA_OK) {
        if (strstr(v, "TLS_")) /* OpenSSL's TLS 1.3 suite names start so */
            return strata_error_set(err, r, "%s (TLS 1.3 suites go in suites=)",
                                    strata_error_message(strata_tls_ctx_error(ctx)));
        return r;
    }
    if ((v = opt(e, "suites")) && (r = strata_tls_ctx_set_ciphersuites(ctx, v)) != STRATA_OK)
        return r;
    if ((v = opt(e, "keylog")) || ((v = getenv("SSLKEYLOGFILE")) && *v))
        strata_tls_ctx_set_keylog_callback(ctx, keylog_cb, (void *)v);
    if ((v = opt(e, "pass"))) {
        char why[256];
        if (cli_secret_read(v, &secret, why, sizeof(why)) != 0)
            return strata_error_set(err, STRATA_E_USAGE, "%s", why);
        strata_tls_ctx_set_passwd_cb(ctx, pass_cb, secret);
    }
    if ((v = opt(e, "cert"))) {
        r = strata_tls_ctx_use_certificate_chain_file(ctx, v);
        if (r == STRATA_OK)
            r = strata_tls_ctx_use_privatekey_file(ctx, opt(e, "key"), STRATA_TLS_FILETYPE_PEM);
    }
    strata_tls_ctx_set_passwd_cb(ctx, NULL, NULL);
    cli_secret_free(secret);
    if (r != STRATA_OK)
        return r;
    const char *ca = opt(e, "ca");
    struct stat st;
    int dir = ca && stat(ca, &st) == 0 && S_ISDIR(st.st_mode);
    if (ca) {
        r = strata_tls_ctx_load_verify_locations(ctx, dir ? NULL : ca, dir ? ca : NULL);
    } else if (!server) {
        r = strata_tls_ctx_set_default_verify_paths(ctx);
    }
    if (r != STRATA_OK)
        return r;
    int peer = !(v = opt(e, "verify")) || strcmp(v, "peer") == 0;
    if (server && peer && ca) {
        r = strata_tls_ctx_set_verify(
            ctx, STRATA_TLS_VERIFY_PEER | STRATA_TLS_VERIFY_FAIL_IF_NO_PEER_CERT, NULL, NULL);
        if (r == STRATA_OK && !dir) /* the CA names a server sends */
            r = strata_tls_ctx_load_client_ca(ctx, ca);
    } else if (!peer) {
        r = strata_tls_ctx_set_verify(ctx, STRATA_TLS_VERIFY_NONE, NULL, NULL);
    }
    return r;
}

/* ALPN names from "a:b:c". */
static strata_status set_alpn(strata_tls_conn *c, const char *spec)
{
    char buf[512];
    const char *list[16];
    size_t n = 0;
    snprintf(buf, sizeof(buf), "%s", spec);
    for (char *save = NULL, *t = strtok_r(buf, ":", &save); t && n < 16;
         t = strtok_r(NULL, ":", &save))
        list[n++] = t;
    return strata_tls_conn_set_alpn_protos(c, list, n);
}

static int alpn_select(strata_tls_conn *conn, const char *const *offered, size_t n, void *user)
{
    (void)conn;
    char buf[512];
    snprintf(buf, sizeof(buf), "%s", (const char *)user);
    for (char *save = NULL, *t = strtok_r(buf, ":", &save); t; t = strtok_r(NULL, ":", &save))
        for (size_t i = 0; i < n; i++)
            if (strcmp(offered[i], t) == 0)
                return (int)i;
    return -1;
}

/* -vv: the handshake step by step (OpenSSL's state names), alerts both
 * ways; -vvv: also where it waits for the peer. user: the element's text. */
static void log_handshake(const strata_tls_conn *conn, int where, int ret, void *user)
{
    const char *el = user, *state = strata_tls_conn_state_string(conn);
    if (where & STRATA_TLS_CB_HANDSHAKE_START)
        strata_log(STRATA_LOG_DEBUG, "tls", "%s: handshake starts", el);
    if (where & STRATA_TLS_CB_LOOP)
        strata_log(STRATA_LOG_DEBUG, "tls", "%s: %s", el, state);
    if ((where & STRATA_TLS_CB_EXIT) && ret <= 0)
        strata_log(STRATA_LOG_TRACE, "tls", "%s: waits in %s", el, state);
    if (where & STRATA_TLS_CB_ALERT)
        strata_log(STRATA_LOG_DEBUG, "tls", "%s: alert %s: level %d, description %d", el,
                   (where & STRATA_TLS_CB_READ) ? "received" : "sent", (ret >> 8) & 0xff,
                   ret & 0xff);
    if (where & STRATA_TLS_CB_HANDSHAKE_DONE)
        strata_log(STRATA_LOG_DEBUG, "tls", "%s: handshake done", el);
}

/* The session id context of a listener's sessions: one context per
 * element, so any fixed value serves (OpenSSL refuses to resume without one
 * when it asks for client certificates). */
static const uint8_t listen_sid[] = "strata listen";

/* A configured context for element e, *out the caller's. */
static strata_status build_ctx(const struct chain_elem *e, int server, strata_tls_ctx **out,
                               strata_error *err)
{
    strata_tls_ctx *ctx = NULL;
    strata_status r;
    const char *v;
    *out = NULL;
    if ((r = strata_tls_ctx_new(STRATA_TLS_METHOD_TLS, &ctx)) != STRATA_OK)
        return r;
    if ((r = configure(e, server, ctx, err)) != STRATA_OK)
        goto out;
    if (cli_verbosity() >= 2)
        strata_tls_ctx_set_info_callback(ctx, log_handshake, (void *)e->text);
    if (server && (v = opt(e, "alpn")))
        strata_tls_ctx_set_alpn_select_callback(ctx, alpn_select, (void *)v);
    if (server)
        r = strata_tls_ctx_set_session_id(ctx, listen_sid, sizeof(listen_sid) - 1);
    if (!server && (v = opt(e, "session"))) {
        /* The path lives in e, which outlives the context. */
        strata_tls_ctx_set_new_session_callback(ctx, tls_session_file_save, (void *)v);
        (void)strata_tls_ctx_set_session_cache_mode(
            ctx, STRATA_TLS_SESS_CACHE_CLIENT | STRATA_TLS_SESS_CACHE_NO_INTERNAL_STORE);
    }
out:
    if (r != STRATA_OK && err->status == STRATA_OK)
        strata_error_copy(err, strata_tls_ctx_error(ctx));
    if (r == STRATA_OK)
        *out = ctx;
    else
        strata_tls_ctx_free(ctx);
    return r;
}

static void ctx_release(void *state)
{
    strata_tls_ctx_free(state);
}

strata_status chain_tls_prepare(struct chain_elem *e, enum chain_use use, strata_error *err)
{
    strata_tls_ctx *ctx = NULL;
    strata_status r = build_ctx(e, is_server(e, use), &ctx, err);
    if (r != STRATA_OK)
        return r;
    e->state = ctx; /* e's reference, dropped by chain_free */
    e->state_free = ctx_release;
    return STRATA_OK;
}

strata_status chain_tls_push(const struct chain_elem *e, strata_stack *s, enum chain_use use,
                             strata_error *err)
{
    strata_tls_ctx *ctx = e->state;
    strata_tls_conn *c = NULL;
    strata_layer layer;
    strata_status r;
    int server = is_server(e, use);
    if (ctx)
        strata_tls_ctx_up_ref(ctx); /* this push's reference; e keeps its own */
    else if ((r = build_ctx(e, server, &ctx, err)) != STRATA_OK)
        return r;
    if ((r = strata_tls_conn_new(ctx, &c)) != STRATA_OK)
        goto out;
    if (server) {
        r = strata_tls_conn_set_accept_state(c);
    } else {
        /* In listen the nearest target is our own address, not the peer's. */
        const char *host = use == CHAIN_USE_CONNECT && e->target ? e->target->host : NULL;
        const char *sni = opt(e, "sni") ? opt(e, "sni") : host;
        const char *name = opt(e, "name") ? opt(e, "name") : sni;
        const char *alpn = opt(e, "alpn"), *v;
        r = strata_tls_conn_set_connect_state(c);
        if (r == STRATA_OK && sni)
            r = strata_tls_conn_set_tlsext_host_name(c, sni);
        if (r == STRATA_OK && name)
            r = strata_tls_conn_set_verify_name(c, name);
        if (r == STRATA_OK && alpn)
            r = set_alpn(c, alpn);
        /* Without verification no name is checked, so none is asked of the
         * session either. */
        int verify = !(v = opt(e, "verify")) || strcmp(v, "peer") == 0;
        if (r == STRATA_OK && (v = opt(e, "session")))
            tls_session_file_offer(c, v, verify ? name : NULL);
    }
    if (r != STRATA_OK) {
        strata_error_copy(err, strata_tls_conn_error(c));
        goto out;
    }
    if ((r = strata_tls_layer_new(c, &layer)) != STRATA_OK)
        goto out;
    c = NULL; /* the layer owns it */
    r = chain_stack_push(s, layer);
out:
    strata_tls_conn_free(c);
    strata_tls_ctx_free(ctx);
    return r;
}
