/* ssh_config(5) TOKENS: %-expansion, "~" and ${VAR}, and
 * strata_ssh_config_finish (see strata/ssh_config.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/evp.h>

#include "ssh/config_internal.h"
#include "strata/buf.h"

/* %C: SHA-1 in hex of %l%h%p%r%j, as OpenSSH's ssh_connection_hash. */
static void conn_hash(struct sshc_tokens *t)
{
    uint8_t md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    strata_buf b;
    strata_buf_init(&b, 4096);
    const char *parts[] = {t->l, t->h, t->p, t->r, t->j};
    int ok = 1;
    for (size_t i = 0; i < 5; i++)
        ok &= !parts[i] || strata_buf_put(&b, parts[i], strlen(parts[i])) == STRATA_OK;
    if (ok &&
        EVP_Digest(strata_buf_ptr(&b), strata_buf_len(&b), md, &mdlen, EVP_sha1(), NULL) == 1) {
        for (unsigned i = 0; i < mdlen && i < 20; i++)
            snprintf(t->C_buf + 2 * i, 3, "%02x", md[i]);
        t->C = t->C_buf;
    }
    strata_buf_free(&b);
}

void strata__sshc_tokens(const strata_ssh_config *c, const char *host, const char *home,
                         struct sshc_tokens *t)
{
    memset(t, 0, sizeof *t);
    t->d = home;
    t->n = host;
    t->h = c->hostname ? c->hostname : host;
    t->k = host; /* HostKeyAlias is refused, so always the name given */
    t->j = c->proxy_jump && strcmp(c->proxy_jump, "none") ? c->proxy_jump : "";
    t->u = c->local_user;
    t->r = c->user ? c->user : c->local_user;
    t->l = c->local_host;
    if (c->local_host) {
        snprintf(t->L_buf, sizeof t->L_buf, "%.*s", (int)strcspn(c->local_host, "."),
                 c->local_host);
        t->L = t->L_buf;
    }
    if (c->uid >= 0) {
        snprintf(t->i_buf, sizeof t->i_buf, "%ld", c->uid);
        t->i = t->i_buf;
    }
    snprintf(t->p_buf, sizeof t->p_buf, "%d", c->port > 0 ? c->port : 22);
    t->p = t->p_buf;
    if (t->l && t->h && t->r)
        conn_hash(t);
}

static const char *token(const struct sshc_tokens *t, char tok)
{
    switch (tok) {
    case 'C':
        return t->C;
    case 'd':
        return t->d;
    case 'h':
        return t->h;
    case 'i':
        return t->i;
    case 'j':
        return t->j;
    case 'k':
        return t->k;
    case 'L':
        return t->L;
    case 'l':
        return t->l;
    case 'n':
        return t->n;
    case 'p':
        return t->p;
    case 'r':
        return t->r;
    case 'u':
        return t->u;
    default:
        return NULL;
    }
}

strata_status strata__sshc_expand(const char *what, const char *in, const char *allowed, int tilde,
                                  int env, const struct sshc_tokens *t, char **out,
                                  strata_error *err)
{
    strata_buf b;
    strata_status r = STRATA_OK;
    *out = NULL;
    strata_buf_init(&b, 8192);
    if (tilde && in[0] == '~' && (in[1] == '/' || in[1] == '\0')) {
        if (!t->d)
            r = strata_error_set(err, STRATA_E_SSH_CONFIG, "%s \"%s\": no home directory for ~",
                                 what, in);
        else
            r = strata_buf_put(&b, t->d, strlen(t->d));
        in++;
    }
    for (; *in && r == STRATA_OK; in++) {
        if (env && in[0] == '$' && in[1] == '{') {
            const char *end = strchr(in + 2, '}');
            char name[256];
            if (!end || (size_t)(end - in - 2) >= sizeof name || end == in + 2) {
                r = strata_error_set(err, STRATA_E_SSH_CONFIG, "%s: bad ${...} in \"%s\"", what,
                                     in);
                continue;
            }
            snprintf(name, sizeof name, "%.*s", (int)(end - in - 2), in + 2);
            const char *v = getenv(name);
            if (!v)
                r = strata_error_set(err, STRATA_E_SSH_CONFIG,
                                     "%s: environment variable ${%s} is not set", what, name);
            else
                r = strata_buf_put(&b, v, strlen(v));
            in = end;
            continue;
        }
        if (*in != '%') {
            r = strata_buf_put_u8(&b, (uint8_t)*in);
            continue;
        }
        char tok = in[1];
        const char *v = tok == '%' ? "%" : tok && strchr(allowed, tok) ? token(t, tok) : NULL;
        if (tok != '%' && (!tok || !strchr(allowed, tok))) {
            r = strata_error_set(err, STRATA_E_SSH_CONFIG, "%s \"%s\": unknown token %%%c", what,
                                 in, tok ? tok : ' ');
            continue;
        }
        if (!v) {
            r = strata_error_set(err, STRATA_E_SSH_CONFIG, "%s: token %%%c has no value here", what,
                                 tok);
            continue;
        }
        r = strata_buf_put(&b, v, strlen(v));
        in++;
    }
    if (r == STRATA_OK && (r = strata_buf_put_u8(&b, 0)) == STRATA_OK &&
        !(*out = strdup((const char *)strata_buf_ptr(&b))))
        r = STRATA_E_NOMEM;
    if (r != STRATA_OK && err->status == STRATA_OK)
        strata_error_set(err, r, "%s is too long", what);
    strata_buf_free(&b);
    return r;
}

/* The tokens of CertificateFile, ControlPath, IdentityAgent, IdentityFile,
 * LocalForward, Match exec, RemoteCommand, RemoteForward and
 * UserKnownHostsFile; ProxyCommand and ProxyJump take fewer. */
#define TOKENS_ALL "CdhijkLlnpru"
#define TOKENS_PROXY "hnpr"

static strata_status expand_in_place(const char *what, char **s, const char *allowed, int paths,
                                     const struct sshc_tokens *t, strata_error *err)
{
    char *x;
    if (!*s || (paths && strcmp(*s, "none") == 0))
        return STRATA_OK;
    strata_status r = strata__sshc_expand(what, *s, allowed, paths, paths, t, &x, err);
    if (r == STRATA_OK) {
        free(*s);
        *s = x;
    }
    return r;
}

strata_status strata_ssh_config_finish(strata_ssh_config *c, const char *host,
                                       const char *local_user, const char *home,
                                       const char *local_host, strata_error *err)
{
    struct sshc_tokens t;
    strata_status r;
    if (!c->local_user && local_user && (c->local_user = strdup(local_user)) == NULL)
        return strata_error_set(err, STRATA_E_NOMEM, "out of memory");
    if (!c->local_host && local_host && (c->local_host = strdup(local_host)) == NULL)
        return strata_error_set(err, STRATA_E_NOMEM, "out of memory");
    if (c->port < 0)
        c->port = 22;
    if (!c->user && local_user && !(c->user = strdup(local_user)))
        return strata_error_set(err, STRATA_E_NOMEM, "out of memory");
    /* HostName knows only %h (the name given) and %%. */
    memset(&t, 0, sizeof t);
    t.h = host;
    if (!c->hostname && !(c->hostname = strdup(host)))
        return strata_error_set(err, STRATA_E_NOMEM, "out of memory");
    if ((r = expand_in_place("HostName", &c->hostname, "h", 0, &t, err)) != STRATA_OK)
        return r;
    strata__sshc_tokens(c, host, home, &t);
    for (size_t i = 0; i < c->n_identity_files; i++)
        if ((r = expand_in_place("IdentityFile", &c->identity_files[i], TOKENS_ALL, 1, &t, err)) !=
            STRATA_OK)
            return r;
    for (size_t i = 0; i < c->n_certificate_files; i++)
        if ((r = expand_in_place("CertificateFile", &c->certificate_files[i], TOKENS_ALL, 1, &t,
                                 err)) != STRATA_OK)
            return r;
    if ((r = expand_in_place("UserKnownHostsFile", &c->user_known_hosts_file, TOKENS_ALL, 1, &t,
                             err)) != STRATA_OK ||
        (r = expand_in_place("IdentityAgent", &c->identity_agent, TOKENS_ALL, 1, &t, err)) !=
            STRATA_OK ||
        (r = expand_in_place("ControlPath", &c->control_path, TOKENS_ALL, 1, &t, err)) !=
            STRATA_OK ||
        (r = expand_in_place("ForwardAgent", &c->forward_agent_path, TOKENS_ALL, 1, &t, err)) !=
            STRATA_OK ||
        (r = expand_in_place("RemoteCommand", &c->remote_command, TOKENS_ALL, 0, &t, err)) !=
            STRATA_OK ||
        (r = expand_in_place("ProxyCommand", &c->proxy_command, TOKENS_PROXY, 0, &t, err)) !=
            STRATA_OK)
        return r;
    if (c->clear_all_forwardings == 1) {
        strata__sshc_free_forwards(c->forwards, &c->n_forwards);
        strata__sshc_free_forwards(c->remote_forwards, &c->n_remote_forwards);
        strata__sshc_free_forwards(c->dynamic_forwards, &c->n_dynamic_forwards);
    }
    return STRATA_OK;
}
