/* tls_peer: a strata TLS client or server in socket mode, for the interop
 * scripts (tests/interop/test_tls_*.sh) against openssl s_server, s_client
 * and curl.
 *
 *   tls_peer client HOST PORT [options]   connect, handshake, send --send,
 *                                         close, print what came back
 *   tls_peer server [options]             listen on 127.0.0.1 (any port,
 *                                         printed as "PORT n"), serve
 *                                         --count connections
 *   tls_peer raw HEX                      a bad peer: listen as above, accept
 *                                         one, read once, write the bytes
 *                                         (hex), close without TLS
 * options:
 *   --ca FILE|DIR  --cert FILE --key FILE --pass TEXT  --verify none|peer
 *   --name NAME (expected peer name)  --sni NAME  --alpn a,b  --min V --max V
 *   --ciphers L  --suites L  --send TEXT  --reconnect (client: resume)
 *   --reply TEXT  --http BODY (server: an HTTP/1.1 answer)  --count N
 *   --alt NAME:CERT:KEY (server: SNI to another certificate)
 *   --keylog FILE
 * Prints "handshake VERSION CIPHER alpn=X reused=N" per connection; on
 * failure "error: STATUS: message" and exit status 1.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "strata/tls.h"
#include "strata/tls_socket.h"

struct opts {
    const char *ca, *cert, *key, *pass, *verify, *name, *sni, *alpn, *min, *max, *ciphers, *suites,
        *send, *reply, *http, *alt, *keylog;
    int reconnect, count;
};

static int fail(const char *what, strata_status st, const strata_error *e)
{
    char buf[1024];
    fprintf(stdout, "error: %s: %s: %s\n", what, strata_status_name(st),
            e ? strata_error_format(e, buf, sizeof(buf)) : strata_status_str(st));
    fflush(stdout);
    return 1;
}

static int version(const char *v)
{
    if (!v)
        return 0;
    if (strcmp(v, "1.2") == 0)
        return STRATA_TLS_VERSION_TLS1_2;
    if (strcmp(v, "1.3") == 0)
        return STRATA_TLS_VERSION_TLS1_3;
    if (strcmp(v, "1.1") == 0)
        return STRATA_TLS_VERSION_TLS1_1;
    return -1;
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

static void keylog_cb(const strata_tls_conn *conn, const char *line, void *user)
{
    (void)conn;
    FILE *f = user;
    fprintf(f, "%s\n", line);
    fflush(f);
}

/* Splits "a,b,c" in place into list (at most 8). */
static size_t split(char *s, const char **list)
{
    size_t n = 0;
    for (char *t = strtok(s, ","); t && n < 8; t = strtok(NULL, ","))
        list[n++] = t;
    return n;
}

static int alpn_pick(strata_tls_conn *conn, const char *const *offered, size_t n, void *user)
{
    (void)conn;
    const char *const *mine = user;
    for (size_t m = 0; mine[m]; m++)
        for (size_t i = 0; i < n; i++)
            if (strcmp(offered[i], mine[m]) == 0)
                return (int)i;
    return -1;
}

struct alt {
    char name[256];
    strata_tls_ctx *ctx;
};

static int sni_switch(strata_tls_conn *conn, void *user)
{
    struct alt *a = user;
    const char *name = strata_tls_conn_get_servername(conn);
    if (a->ctx && name && strcmp(name, a->name) == 0)
        return strata_tls_conn_set_context(conn, a->ctx) == STRATA_OK ? 0 : 1;
    return 0;
}

static strata_status make_ctx(const struct opts *o, int server, const char *cert, const char *key,
                              FILE *keylog, strata_tls_ctx **out)
{
    strata_status r;
    strata_tls_ctx *ctx = NULL;
    if ((r = strata_tls_ctx_new(STRATA_TLS_METHOD_TLS, &ctx)) != STRATA_OK)
        return r;
    *out = ctx;
    if (o->pass)
        strata_tls_ctx_set_passwd_cb(ctx, pass_cb, (void *)o->pass);
    if (keylog)
        strata_tls_ctx_set_keylog_callback(ctx, keylog_cb, keylog);
    if (o->min && (r = strata_tls_ctx_set_min_version(ctx, version(o->min))) != STRATA_OK)
        return r;
    if (o->max && (r = strata_tls_ctx_set_max_version(ctx, version(o->max))) != STRATA_OK)
        return r;
    if (o->ciphers && (r = strata_tls_ctx_set_cipher_list(ctx, o->ciphers)) != STRATA_OK)
        return r;
    if (o->suites && (r = strata_tls_ctx_set_ciphersuites(ctx, o->suites)) != STRATA_OK)
        return r;
    if (cert && (r = strata_tls_ctx_use_certificate_chain_file(ctx, cert)) != STRATA_OK)
        return r;
    if (key &&
        (r = strata_tls_ctx_use_privatekey_file(ctx, key, STRATA_TLS_FILETYPE_PEM)) != STRATA_OK)
        return r;
    if (o->ca) {
        FILE *f = fopen(o->ca, "r");
        int is_file = f != NULL && fgetc(f) != EOF;
        if (f)
            fclose(f);
        r = is_file ? strata_tls_ctx_load_verify_locations(ctx, o->ca, NULL)
                    : strata_tls_ctx_load_verify_locations(ctx, NULL, o->ca);
        if (r != STRATA_OK)
            return r;
    } else if (!server) {
        if ((r = strata_tls_ctx_set_default_verify_paths(ctx)) != STRATA_OK)
            return r;
    }
    if (o->verify && strcmp(o->verify, "none") == 0)
        r = strata_tls_ctx_set_verify(ctx, STRATA_TLS_VERIFY_NONE, NULL, NULL);
    else if (o->verify && strcmp(o->verify, "peer") == 0)
        r = strata_tls_ctx_set_verify(
            ctx, STRATA_TLS_VERIFY_PEER | (server ? STRATA_TLS_VERIFY_FAIL_IF_NO_PEER_CERT : 0),
            NULL, NULL);
    if (r == STRATA_OK && o->ca && server && o->verify && strcmp(o->verify, "peer") == 0)
        r = strata_tls_ctx_load_client_ca(ctx, o->ca);
    static char alpn_buf[256];
    static const char *alpn[9];
    if (r == STRATA_OK && o->alpn) {
        snprintf(alpn_buf, sizeof(alpn_buf), "%s", o->alpn);
        size_t n = split(alpn_buf, alpn);
        alpn[n] = NULL;
        if (server)
            strata_tls_ctx_set_alpn_select_callback(ctx, alpn_pick, alpn);
        else
            r = strata_tls_ctx_set_alpn_protos(ctx, alpn, n);
    }
    return r;
}

static void report(strata_tls_conn *c)
{
    const char *alpn = strata_tls_conn_alpn_selected(c);
    printf("handshake %s %s alpn=%s reused=%d\n", strata_tls_conn_protocol_version_name(c),
           strata_tls_conn_cipher_name(c), alpn ? alpn : "-", strata_tls_conn_session_reused(c));
    fflush(stdout);
}

static int client_once(const struct opts *o, strata_tls_ctx *ctx, const char *host,
                       const char *port, strata_tls_session **sess)
{
    strata_tls_conn *c = NULL;
    strata_status r;
    int rc = 1;
    if ((r = strata_tls_conn_new_socket(ctx, -1, &c)) != STRATA_OK)
        return fail("new", r, NULL);
    if ((r = strata_tls_conn_connect_host(c, host, port)) != STRATA_OK) {
        rc = fail("connect", r, strata_tls_conn_error(c));
        goto out;
    }
    if (o->sni && (r = strata_tls_conn_set_tlsext_host_name(c, o->sni)) != STRATA_OK)
        goto bad;
    if (o->name && (r = strata_tls_conn_set_verify_name(c, o->name)) != STRATA_OK)
        goto bad;
    if (*sess && (r = strata_tls_conn_set_session(c, *sess)) != STRATA_OK)
        goto bad;
    if ((r = strata_tls_conn_handshake(c)) != STRATA_OK)
        goto bad;
    report(c);
    size_t sent, n;
    if (o->send && (r = strata_tls_conn_sendall(c, o->send, strlen(o->send), &sent)) != STRATA_OK)
        goto bad;
    char buf[16384];
    for (;;) {
        r = strata_tls_conn_recv(c, buf, sizeof(buf), &n);
        if (r != STRATA_OK)
            break;
        fwrite(buf, 1, n, stdout);
    }
    fflush(stdout);
    if (r != STRATA_CLOSED && r != STRATA_EOF_UNCLEAN)
        goto bad;
    printf("\n%s\n", r == STRATA_CLOSED ? "closed" : "eof-unclean");
    strata_tls_session_free(*sess);
    *sess = NULL;
    if ((r = strata_tls_conn_get_session(c, sess)) != STRATA_OK)
        goto bad;
    /* Answer the server's close_notify (it may have closed its socket). */
    int done;
    if (strata_tls_conn_shutdown(c, &done) != STRATA_OK)
        printf("note: close_notify not sent: %s\n", strata_error_message(strata_tls_conn_error(c)));
    rc = 0;
    goto out;
bad:
    rc = fail("tls", r, strata_tls_conn_error(c));
out:
    strata_tls_conn_free(c);
    return rc;
}

static int serve(const struct opts *o, strata_tls_ctx *ctx)
{
    strata_tls_conn *l = NULL;
    strata_status r;
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    if ((r = strata_tls_conn_new_socket(ctx, -1, &l)) != STRATA_OK)
        return fail("new", r, NULL);
    if ((r = strata_tls_conn_bind(l, (struct sockaddr *)&a, sizeof(a))) != STRATA_OK ||
        (r = strata_tls_conn_listen(l, 16)) != STRATA_OK)
        return fail("listen", r, strata_tls_conn_error(l));
    socklen_t len = sizeof(a);
    if ((r = strata_tls_conn_getsockname(l, (struct sockaddr *)&a, &len)) != STRATA_OK)
        return fail("getsockname", r, strata_tls_conn_error(l));
    printf("PORT %d\n", ntohs(a.sin_port));
    fflush(stdout);
    int rc = 0;
    for (int i = 0; i < o->count; i++) {
        strata_tls_conn *c = NULL;
        if ((r = strata_tls_conn_accept(l, &c, NULL, NULL)) != STRATA_OK) {
            rc = fail("accept", r, strata_tls_conn_error(l));
            break;
        }
        char buf[16384];
        size_t n, sent;
        if ((r = strata_tls_conn_handshake(c)) != STRATA_OK) {
            rc = fail("tls", r, strata_tls_conn_error(c));
            strata_tls_conn_free(c);
            continue;
        }
        report(c);
        const char *sni = strata_tls_conn_get_servername(c);
        printf("sni=%s\n", sni ? sni : "-");
        r = strata_tls_conn_recv(c, buf, sizeof(buf) - 1, &n);
        if (r == STRATA_OK) {
            buf[n] = '\0';
            printf("got %zu bytes\n", n);
            char out[1024];
            int k = o->http ? snprintf(out, sizeof(out),
                                       "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
                                       "Content-Length: %zu\r\nConnection: close\r\n\r\n%s",
                                       strlen(o->http), o->http)
                            : snprintf(out, sizeof(out), "%s", o->reply ? o->reply : buf);
            r = strata_tls_conn_sendall(c, out, (size_t)k, &sent);
        }
        if (r != STRATA_OK && r != STRATA_CLOSED) {
            rc = fail("tls", r, strata_tls_conn_error(c));
        } else {
            int done;
            if ((r = strata_tls_conn_shutdown(c, &done)) != STRATA_OK)
                rc = fail("shutdown", r, strata_tls_conn_error(c));
        }
        fflush(stdout);
        strata_tls_conn_free(c);
    }
    strata_tls_conn_free(l);
    return rc;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

/* A plain TCP peer that answers with fixed bytes and closes. */
static int raw_peer(const char *hex)
{
    uint8_t out[4096];
    size_t n = 0;
    for (; hex[0] && hex[1] && n < sizeof(out); hex += 2) {
        int hi = hexval(hex[0]), lo = hexval(hex[1]);
        if (hi < 0 || lo < 0)
            return 2;
        out[n++] = (uint8_t)(hi << 4 | lo);
    }
    int l = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof(a);
    if (l < 0 || bind(l, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(l, 1) < 0 ||
        getsockname(l, (struct sockaddr *)&a, &len) < 0)
        return 1;
    printf("PORT %d\n", ntohs(a.sin_port));
    fflush(stdout);
    int c = accept(l, NULL, NULL);
    if (c < 0)
        return 1;
    char in[4096];
    ssize_t k = read(c, in, sizeof(in));
    ssize_t w = write(c, out, n);
    close(c);
    close(l);
    return k > 0 && w == (ssize_t)n ? 0 : 1;
}

int main(int argc, char **argv)
{
    struct opts o = {.count = 1};
    if (argc < 2)
        return 2;
    if (strcmp(argv[1], "raw") == 0)
        return argc == 3 ? raw_peer(argv[2]) : 2;
    int server = strcmp(argv[1], "server") == 0;
    int i = server ? 2 : 4;
    if (!server && argc < 4)
        return 2;
    for (; i < argc; i++) {
        const char *k = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
#define OPT(flag, field)                                                                           \
    if (strcmp(k, flag) == 0 && v) {                                                               \
        o.field = v;                                                                               \
        i++;                                                                                       \
        continue;                                                                                  \
    }
        OPT("--ca", ca)
        OPT("--cert", cert)
        OPT("--key", key)
        OPT("--pass", pass)
        OPT("--verify", verify)
        OPT("--name", name)
        OPT("--sni", sni)
        OPT("--alpn", alpn)
        OPT("--min", min)
        OPT("--max", max)
        OPT("--ciphers", ciphers)
        OPT("--suites", suites)
        OPT("--send", send)
        OPT("--reply", reply)
        OPT("--http", http)
        OPT("--alt", alt)
        OPT("--keylog", keylog)
#undef OPT
        if (strcmp(k, "--reconnect") == 0) {
            o.reconnect = 1;
            continue;
        }
        if (strcmp(k, "--count") == 0 && v) {
            o.count = atoi(v);
            i++;
            continue;
        }
        fprintf(stderr, "tls_peer: unknown option %s\n", k);
        return 2;
    }
    FILE *keylog = o.keylog ? fopen(o.keylog, "a") : NULL;
    strata_tls_ctx *ctx = NULL;
    struct alt alt = {0};
    int rc;
    strata_status r = make_ctx(&o, server, o.cert, o.key, keylog, &ctx);
    if (r != STRATA_OK) {
        rc = fail("context", r, ctx ? strata_tls_ctx_error(ctx) : NULL);
        goto out;
    }
    if (server) {
        if (o.alt) {
            char cert[512], key[512];
            if (sscanf(o.alt, "%255[^:]:%511[^:]:%511s", alt.name, cert, key) != 3)
                return 2;
            if ((r = make_ctx(&o, 1, cert, key, keylog, &alt.ctx)) != STRATA_OK) {
                rc = fail("context", r, alt.ctx ? strata_tls_ctx_error(alt.ctx) : NULL);
                goto out;
            }
            strata_tls_ctx_set_servername_callback(ctx, sni_switch, &alt);
        }
        rc = serve(&o, ctx);
    } else {
        strata_tls_session *sess = NULL;
        rc = client_once(&o, ctx, argv[2], argv[3], &sess);
        if (rc == 0 && o.reconnect)
            rc = client_once(&o, ctx, argv[2], argv[3], &sess);
        strata_tls_session_free(sess);
    }
out:
    strata_tls_ctx_free(ctx);
    strata_tls_ctx_free(alt.ctx);
    if (keylog)
        fclose(keylog);
    return rc;
}
