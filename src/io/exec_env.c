/* The environment of a `strata listen --exec` child: the process's own, plus
 * what the connection is, as stunnel and ucspi-tcp tell their children:
 *
 *   PROTO=TCP TCPREMOTEIP TCPREMOTEPORT          (ucspi-tcp's names)
 *   STRATA_PEER_ADDR STRATA_PEER_PORT            the client's address
 *   per TLS layer N (1 = outermost) of the stack:
 *     STRATA_TLS<N>_VERSION _CIPHER _SNI _ALPN   what was negotiated
 *     STRATA_TLS<N>_CLIENT_SUBJECT _ISSUER _SHA256   the client certificate
 *   SSL_CLIENT_DN SSL_CLIENT_I_DN                (stunnel's names) for the
 *                                                 first layer with one
 *
 * Names are the one-line "/C=../CN=.." form; unset when not known. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/conn_internal.h"
#include "strata/tls.h"
#include "strata/tls_layer.h"
#include "strata/x509.h"
#include "strata/x509_name.h"

extern char **environ;

struct envb {
    char **v;
    size_t n, cap;
    int failed;
};

/* Takes s (heap) into the array; NULL s marks the array failed. */
static void push(struct envb *e, char *s)
{
    if (!e->failed && e->n + 2 > e->cap) {
        size_t cap = e->cap ? e->cap * 2 : 64;
        char **v = realloc(e->v, cap * sizeof(*v));
        if (v) {
            e->v = v;
            e->cap = cap;
        } else {
            e->failed = 1;
        }
    }
    if (e->failed || !s) {
        e->failed = 1;
        free(s);
        return;
    }
    e->v[e->n++] = s;
    e->v[e->n] = NULL;
}

static void add(struct envb *e, const char *name, const char *value)
{
    if (!value)
        return;
    size_t len = strlen(name) + strlen(value) + 2;
    char *s = malloc(len);
    if (s)
        snprintf(s, len, "%s=%s", name, value);
    push(e, s);
}

/* One of the names this file sets, which the child must not inherit from
 * strata's own environment. */
static int ours(const char *kv)
{
    static const char *const pre[] = {"STRATA_PEER_", "STRATA_TLS",     "TCPREMOTE",
                                      "PROTO=",       "SSL_CLIENT_DN=", "SSL_CLIENT_I_DN="};
    for (size_t i = 0; i < sizeof(pre) / sizeof(pre[0]); i++)
        if (!strncmp(kv, pre[i], strlen(pre[i])))
            return 1;
    return 0;
}

static char *name_text(const strata_x509 *x, int issuer)
{
    strata_x509_name *n = NULL;
    char *s = NULL;
    strata_error err;
    strata_error_clear(&err);
    if ((issuer ? strata_x509_get_issuer(x, &n, &err) : strata_x509_get_subject(x, &n, &err)) ==
            STRATA_OK &&
        strata_x509_name_oneline(n, &s, &err) != STRATA_OK)
        s = NULL; /* unset, as when unknown */
    strata_x509_name_free(n);
    return s;
}

static void tls_vars(struct envb *e, size_t idx, const strata_tls_conn *t, int *stunnel_set)
{
    char name[64];
#define VAR(suffix, value)                                                                         \
    do {                                                                                           \
        snprintf(name, sizeof(name), "STRATA_TLS%zu_%s", idx, suffix);                             \
        add(e, name, value);                                                                       \
    } while (0)
    VAR("VERSION", strata_tls_conn_protocol_version_name(t));
    VAR("CIPHER", strata_tls_conn_cipher_name(t));
    VAR("SNI", strata_tls_conn_get_servername(t));
    VAR("ALPN", strata_tls_conn_alpn_selected(t));
    strata_x509 *peer = NULL;
    if (strata_tls_conn_get_peer_certificate(t, &peer) == STRATA_OK && peer) {
        char *subj = name_text(peer, 0), *iss = name_text(peer, 1), *fp = NULL;
        strata_error err;
        strata_error_clear(&err);
        if (strata_x509_digest(peer, "sha256", &fp, &err) != STRATA_OK)
            fp = NULL;
        VAR("CLIENT_SUBJECT", subj);
        VAR("CLIENT_ISSUER", iss);
        VAR("CLIENT_SHA256", fp);
        if (!*stunnel_set) {
            *stunnel_set = 1;
            add(e, "SSL_CLIENT_DN", subj);
            add(e, "SSL_CLIENT_I_DN", iss);
        }
        free(subj);
        free(iss);
        free(fp);
        strata_x509_free(peer);
    }
#undef VAR
}

char **strata__io_exec_env(strata_io_conn *c)
{
    struct envb e = {0};
    for (char **p = environ; p && *p; p++)
        if (!ours(*p))
            push(&e, strdup(*p));
    char addr[80];
    snprintf(addr, sizeof(addr), "%s", strata_io_conn_peer(c));
    char *colon = strrchr(addr, ':');
    if (colon) {
        *colon = 0;
        const char *ip = addr;
        if (addr[0] == '[' && colon > addr && colon[-1] == ']') {
            colon[-1] = 0;
            ip = addr + 1;
        }
        add(&e, "PROTO", "TCP");
        add(&e, "TCPREMOTEIP", ip);
        add(&e, "TCPREMOTEPORT", colon + 1);
        add(&e, "STRATA_PEER_ADDR", ip);
        add(&e, "STRATA_PEER_PORT", colon + 1);
    }
    strata_stack *st = strata_io_conn_stack(c);
    int stunnel_set = 0;
    for (size_t i = 0; i < strata_stack_depth(st); i++) {
        const strata_tls_conn *t = strata_tls_layer_conn(strata_stack_layer(st, i));
        if (t)
            tls_vars(&e, i + 1, t, &stunnel_set);
    }
    if (e.failed || !e.v) {
        strata__io_exec_env_free(e.v);
        return NULL;
    }
    return e.v;
}

void strata__io_exec_env_free(char **env)
{
    for (char **p = env; p && *p; p++)
        free(*p);
    free(env);
}
