/* ssh/userauth: the user authentication flow (RFC 4252 §5).
 *
 * Implementation note. The client sends one request at a time and waits for
 * its answer; the engine therefore has one "method in flight" (cur). The
 * server answers FAILURE (with the methods that can continue and the partial
 * success flag), SUCCESS, or message 60, whose meaning depends on cur: PK_OK
 * for publickey, PASSWD_CHANGEREQ for password, INFO_REQUEST for
 * keyboard-interactive. BANNER may come at any time before SUCCESS.
 *
 * After each FAILURE, next_method() walks our preference list and starts the
 * first method the server still lists that has something left to try: the
 * next identity, another keyboard-interactive round, another password
 * attempt. When nothing is left, the engine fails the way OpenSSH words it:
 * "Permission denied (publickey,password).".
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/error_internal.h"
#include "ssh/userauth_internal.h"

static const char *const method_names[M__COUNT] = {"none", "publickey", "keyboard-interactive",
                                                   "password"};

const char *strata__ssh_auth_method_name(enum ssh_auth_method m)
{
    return method_names[m];
}

strata_status strata__ssh_auth_fail(struct strata_ssh_auth *a, strata_status st, const char *fmt,
                                    ...)
{
    va_list ap;
    va_start(ap, fmt);
    strata_error_vset(&a->err, st, fmt, ap);
    va_end(ap);
    a->state = A_FAILED;
    return a->err.status;
}

int strata__ssh_list_has(const char *list, const char *name)
{
    size_t nl = strlen(name);
    for (const char *p = list; p && *p;) {
        const char *e = strchr(p, ',');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        if (len == nl && memcmp(p, name, nl) == 0)
            return 1;
        p = e ? e + 1 : NULL;
    }
    return 0;
}

void strata__ssh_auth_sanitize(char *s)
{
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if ((c < 0x20 && c != '\n' && c != '\t') || c == 0x7f)
            *s = '?';
    }
}

strata_status strata__ssh_auth_req_head(struct strata_ssh_auth *a, strata_buf *b,
                                        const char *method)
{
    strata_status r;
    if ((r = strata_buf_put_u8(b, SSH_MSG_USERAUTH_REQUEST)) != STRATA_OK ||
        (r = strata_buf_put_cstring(b, a->user)) != STRATA_OK ||
        (r = strata_buf_put_cstring(b, a->service)) != STRATA_OK ||
        (r = strata_buf_put_cstring(b, method)) != STRATA_OK)
        return strata__ssh_auth_fail(a, r, "cannot build the %s request", method);
    return STRATA_OK;
}

strata_status strata__ssh_auth_send(struct strata_ssh_auth *a, const strata_buf *b)
{
    if (++a->requests > SSH_AUTH_REQUESTS_MAX)
        return strata__ssh_auth_fail(a, STRATA_E_AUTH, "gave up after %u authentication requests",
                                     SSH_AUTH_REQUESTS_MAX);
    strata_status r = a->send(a->send_ctx, strata_buf_ptr(b), strata_buf_len(b));
    if (r != STRATA_OK)
        return strata__ssh_auth_fail(a, r, "cannot send the authentication request: %s",
                                     strata_status_str(r));
    a->state = A_WAIT;
    return STRATA_OK;
}

static int parse_methods(const char *s, enum ssh_auth_method *out, size_t *n)
{
    *n = 0;
    for (const char *p = s; p && *p;) {
        const char *e = strchr(p, ',');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        size_t m;
        for (m = M_PUBKEY; m < M__COUNT; m++)
            if (strlen(method_names[m]) == len && memcmp(method_names[m], p, len) == 0)
                break;
        if (m == M__COUNT || *n == M__COUNT)
            return -1;
        out[(*n)++] = (enum ssh_auth_method)m;
        p = e ? e + 1 : NULL;
    }
    return 0;
}

strata_status strata_ssh_auth_new(const strata_ssh_auth_config *cfg, strata_ssh_auth **out,
                                  strata_error *err)
{
    *out = NULL;
    if (!cfg || !cfg->username || !cfg->send)
        return err ? strata__error_set(err, STRATA_E_USAGE,
                                       "user auth needs a user name and a "
                                       "send function")
                   : STRATA_E_USAGE;
    struct strata_ssh_auth *a = calloc(1, sizeof *a);
    if (!a)
        return STRATA_E_NOMEM;
    const char *methods = cfg->methods ? cfg->methods : "publickey,keyboard-interactive,password";
    if (parse_methods(methods, a->prefs, &a->n_prefs) != 0) {
        free(a);
        return err ? strata__error_set(err, STRATA_E_USAGE,
                                       "unknown authentication method in \"%.100s\"", methods)
                   : STRATA_E_USAGE;
    }
    a->user = strdup(cfg->username);
    a->host = strdup(cfg->host ? cfg->host : "");
    a->service = strdup(cfg->service ? cfg->service : "ssh-connection");
    a->server_methods = strdup("");
    if (!a->user || !a->host || !a->service || !a->server_methods) {
        strata_ssh_auth_free(a);
        return STRATA_E_NOMEM;
    }
    a->password_attempts = cfg->password_attempts ? cfg->password_attempts : 3;
    a->allow_rsa_sha1 = cfg->allow_rsa_sha1;
    if (cfg->pubkey_algorithms && !(a->accepted = strdup(cfg->pubkey_algorithms))) {
        strata_ssh_auth_free(a);
        return STRATA_E_NOMEM;
    }
    a->send = cfg->send;
    a->send_ctx = cfg->send_ctx;
    a->prompt = cfg->prompt;
    a->banner = cfg->banner;
    a->progress = cfg->progress;
    a->cb_user = cfg->user;
    *out = a;
    return STRATA_OK;
}

void strata_ssh_auth_free(strata_ssh_auth *a)
{
    if (!a)
        return;
    for (size_t i = 0; i < a->n_ids; i++)
        strata__ssh_ident_clear(&a->ids[i]);
    free(a->ids);
    free(a->user);
    free(a->host);
    free(a->service);
    free(a->sid);
    free(a->sig_algs);
    free(a->accepted);
    free(a->server_methods);
    free(a);
}

strata_status strata_ssh_auth_start(strata_ssh_auth *a, const uint8_t *session_id, size_t sid_len,
                                    const char *server_sig_algs)
{
    if (a->state != A_IDLE)
        return a->err.status != STRATA_OK ? a->err.status : STRATA_E_STATE;
    if (!session_id || sid_len == 0)
        return strata__ssh_auth_fail(a, STRATA_E_USAGE, "user auth needs the session identifier");
    strata_error_clear(&a->err); /* detail of a refused add_key is kept only until now */
    a->sid = malloc(sid_len);
    if (!a->sid || (server_sig_algs && !(a->sig_algs = strdup(server_sig_algs))))
        return strata__ssh_auth_fail(a, STRATA_E_NOMEM, "out of memory");
    memcpy(a->sid, session_id, sid_len);
    a->sid_len = sid_len;
    strata_buf b;
    strata_buf_init(&b, 0);
    strata_status r = strata__ssh_auth_req_head(a, &b, "none");
    a->cur = M_NONE;
    if (r == STRATA_OK)
        r = strata__ssh_auth_send(a, &b);
    strata_buf_free(&b);
    return r;
}

/* Starts the next thing to try, or fails with OpenSSH's words. */
static strata_status next_method(struct strata_ssh_auth *a)
{
    for (size_t i = 0; i < a->n_prefs; i++) {
        enum ssh_auth_method m = a->prefs[i];
        if (!strata__ssh_list_has(a->server_methods, method_names[m]))
            continue;
        if (m == M_PUBKEY) {
            while (a->next_id < a->n_ids) {
                a->cur_id = a->next_id++;
                a->cur_alg = strata__ssh_auth_pick_alg(a, &a->ids[a->cur_id]);
                if (!a->cur_alg) {
                    if (a->progress)
                        a->progress(a->cb_user, "publickey",
                                    a->accepted ? "skipped a key: no signature algorithm the "
                                                  "server and PubkeyAcceptedAlgorithms accept"
                                                : "skipped a key: no signature algorithm the "
                                                  "server accepts");
                    continue;
                }
                a->cur = M_PUBKEY;
                if (a->progress) {
                    const struct ssh_ident *id = &a->ids[a->cur_id];
                    char line[400];
                    snprintf(line, sizeof line, "offering %s key %.200s (%s)", id->type,
                             id->comment ? id->comment : "", a->cur_alg);
                    a->progress(a->cb_user, "publickey", line);
                }
                return strata__ssh_auth_pk_query(a);
            }
        } else if (m == M_KBD && a->prompt && a->kbd_tries < a->password_attempts) {
            a->kbd_tries++;
            a->cur = M_KBD;
            return strata__ssh_auth_kbd_start(a);
        } else if (m == M_PASSWORD && a->prompt && a->pw_tries < a->password_attempts) {
            a->pw_tries++;
            a->cur = M_PASSWORD;
            return strata__ssh_auth_password_start(a);
        }
    }
    return strata__ssh_auth_fail(a, STRATA_E_AUTH, "Permission denied (%s).", a->server_methods);
}

/* A prompt was declined: give up the method in flight and go on. */
strata_status strata__ssh_auth_give_up(struct strata_ssh_auth *a)
{
    if (a->cur == M_KBD)
        a->kbd_tries = a->password_attempts;
    else if (a->cur == M_PASSWORD)
        a->pw_tries = a->password_attempts;
    a->state = A_WAIT;
    return next_method(a);
}

static strata_status h_failure(struct strata_ssh_auth *a, strata_buf *m)
{
    char *list = NULL;
    int partial;
    strata_status r;
    /* Empty names skipped, as in KEXINIT. */
    if ((r = strata_buf_get_namelist_lenient(m, SSH_AUTH_METHODS_MAX, &list)) != STRATA_OK ||
        (r = strata_buf_get_bool(m, &partial)) != STRATA_OK ||
        (r = strata_buf_get_end(m)) != STRATA_OK) {
        free(list);
        return strata__ssh_auth_fail(a, r, "malformed USERAUTH_FAILURE");
    }
    free(a->server_methods);
    a->server_methods = list;
    if (a->progress && a->cur != M_NONE)
        a->progress(a->cb_user, method_names[a->cur],
                    partial ? "partial success; the server wants more" : "refused");
    if (a->progress) {
        char line[600];
        snprintf(line, sizeof line, "can continue: %.500s", list);
        a->progress(a->cb_user, "Authentications that", line);
    }
    return next_method(a);
}

static strata_status h_banner(struct strata_ssh_auth *a, strata_buf *m)
{
    char *text = NULL, *lang = NULL;
    strata_status r;
    if ((r = strata_buf_get_cstring(m, &text)) != STRATA_OK ||
        (r = strata_buf_get_cstring(m, &lang)) != STRATA_OK ||
        (r = strata_buf_get_end(m)) != STRATA_OK) {
        free(text);
        free(lang);
        return strata__ssh_auth_fail(a, r, "malformed USERAUTH_BANNER");
    }
    strata__ssh_auth_sanitize(text);
    if (a->banner)
        a->banner(a->cb_user, text);
    free(text);
    free(lang);
    return STRATA_OK;
}

strata_status strata_ssh_auth_packet(strata_ssh_auth *a, const uint8_t *payload, size_t n)
{
    if (a->state == A_FAILED)
        return a->err.status;
    strata_buf m;
    uint8_t type;
    strata_buf_view(&m, payload, n);
    if (strata_buf_get_u8(&m, &type) != STRATA_OK)
        return strata__ssh_auth_fail(a, STRATA_E_TRUNCATED, "empty user auth message");
    if (a->state == A_DONE || a->state == A_IDLE)
        return strata__ssh_auth_fail(a, STRATA_E_PROTOCOL, "user auth message %u %s", type,
                                     a->state == A_DONE ? "after USERAUTH_SUCCESS"
                                                        : "before the request");
    if (type == SSH_MSG_USERAUTH_BANNER)
        return h_banner(a, &m);
    if (a->state == A_PENDING)
        return strata__ssh_auth_fail(a, STRATA_E_PROTOCOL,
                                     "user auth message %u while our answer is pending", type);
    switch (type) {
    case SSH_MSG_USERAUTH_SUCCESS:
        if (strata_buf_get_end(&m) != STRATA_OK)
            return strata__ssh_auth_fail(a, STRATA_E_TRAILING, "malformed USERAUTH_SUCCESS");
        a->state = A_DONE;
        a->done_method = method_names[a->cur];
        if (a->progress)
            a->progress(a->cb_user, a->done_method, "authentication succeeded");
        return STRATA_OK;
    case SSH_MSG_USERAUTH_FAILURE:
        return h_failure(a, &m);
    case SSH_MSG_USERAUTH_60:
        if (a->cur == M_PUBKEY && !a->cur_signed)
            return strata__ssh_auth_pk_ok(a, &m);
        if (a->cur == M_KBD)
            return strata__ssh_auth_info_request(a, &m);
        if (a->cur == M_PASSWORD)
            return strata__ssh_auth_passwd_changereq(a, &m);
        break;
    default:
        break;
    }
    return strata__ssh_auth_fail(a, STRATA_E_PROTOCOL, "unexpected user auth message %u during %s",
                                 type, method_names[a->cur]);
}

strata_status strata_ssh_auth_answer(strata_ssh_auth *a, const char *const *answers, size_t n)
{
    if (a->state != A_PENDING)
        return a->state == A_FAILED ? a->err.status : STRATA_E_STATE;
    a->state = A_WAIT;
    if (a->pend_passphrase) {
        if (answers && n != 1)
            return strata__ssh_auth_fail(a, STRATA_E_USAGE, "%zu answers given for 1 prompt", n);
        return strata__ssh_auth_pk_passphrase(a, answers ? answers[0] : NULL);
    }
    if (!answers)
        return strata__ssh_auth_give_up(a);
    if (n != a->pend_n)
        return strata__ssh_auth_fail(a, STRATA_E_USAGE, "%zu answers given for %zu prompts", n,
                                     a->pend_n);
    return strata__ssh_auth_send_answers(a, answers, n);
}

int strata_ssh_auth_is_done(const strata_ssh_auth *a)
{
    return a->state == A_DONE;
}

int strata_ssh_auth_is_pending(const strata_ssh_auth *a)
{
    return a->state == A_PENDING;
}

const char *strata_ssh_auth_method(const strata_ssh_auth *a)
{
    return a->state == A_DONE ? a->done_method : NULL;
}

const char *strata_ssh_auth_server_methods(const strata_ssh_auth *a)
{
    return a->server_methods;
}

const strata_error *strata_ssh_auth_error(const strata_ssh_auth *a)
{
    return &a->err;
}
