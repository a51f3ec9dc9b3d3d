/* SSH_MSG_KEXINIT: building, parsing, negotiation (RFC 4253 §7.1) and the
 * OpenSSH-style configuration of algorithm lists. */
#include <fnmatch.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/error_internal.h"
#include "ssh/kexinit.h"
#include "ssh/ssh_msg.h"

strata_status strata__ssh_kexinit_build(const char *const lists[SSH_KEXINIT_NLISTS],
                                        const uint8_t cookie[16], int first_kex_follows,
                                        strata_buf *out)
{
    strata_status r;
    if ((r = strata_buf_put_u8(out, SSH_MSG_KEXINIT)) != STRATA_OK ||
        (r = strata_buf_put(out, cookie, 16)) != STRATA_OK)
        return r;
    for (int i = 0; i < SSH_KEXINIT_NLISTS; i++)
        if ((r = strata_buf_put_namelist(out, lists[i] ? lists[i] : "")) != STRATA_OK)
            return r;
    if ((r = strata_buf_put_bool(out, first_kex_follows)) != STRATA_OK)
        return r;
    return strata_buf_put_u32(out, 0); /* reserved */
}

void strata__ssh_kexinit_clear(struct ssh_kexinit *ki)
{
    for (int i = 0; i < SSH_KEXINIT_NLISTS; i++)
        free(ki->lists[i]);
    memset(ki, 0, sizeof(*ki));
}

static const char *const list_names[SSH_KEXINIT_NLISTS] = {
    "key exchange methods",           "host key algorithms",
    "ciphers (client to server)",     "ciphers (server to client)",
    "MACs (client to server)",        "MACs (server to client)",
    "compression (client to server)", "compression (server to client)",
    "languages (client to server)",   "languages (server to client)"};

strata_status strata__ssh_kexinit_parse(const uint8_t *payload, size_t n, struct ssh_kexinit *ki,
                                        strata_error *err)
{
    strata_buf m;
    uint8_t t;
    uint32_t reserved;
    strata_status r;
    memset(ki, 0, sizeof(*ki));
    strata_buf_view(&m, payload, n);
    if ((r = strata_buf_get_u8(&m, &t)) != STRATA_OK || t != SSH_MSG_KEXINIT)
        return strata__error_set(err, STRATA_E_PROTOCOL, "expected KEXINIT");
    if ((r = strata_buf_get_bytes(&m, ki->cookie, 16)) != STRATA_OK)
        return strata__error_set(err, r, "KEXINIT truncated in the cookie");
    /* Empty names are skipped, as OpenSSH does (libssh 0.10's server ends its
     * cipher lists with a comma); the lists keep only the real names. */
    for (int i = 0; i < SSH_KEXINIT_NLISTS; i++)
        if ((r = strata_buf_get_namelist_lenient(&m, SSH_KEXINIT_LIST_MAX, &ki->lists[i])) !=
            STRATA_OK)
            return strata__error_set(err, r, "KEXINIT: malformed list of %s (%s)", list_names[i],
                                     strata_status_str(r));
    if ((r = strata_buf_get_bool(&m, &ki->first_kex_follows)) != STRATA_OK ||
        (r = strata_buf_get_u32(&m, &reserved)) != STRATA_OK)
        return strata__error_set(err, r, "KEXINIT truncated after the name-lists");
    /* RFC 4253 §7.1 leaves room for extensions after the reserved field;
     * nobody sends any, and trailing bytes are refused as everywhere else. */
    if (strata_buf_get_end(&m) != STRATA_OK)
        return strata__error_set(err, STRATA_E_TRAILING, "KEXINIT has %zu trailing bytes",
                                 strata_buf_len(&m));
    return STRATA_OK;
}

char *strata__ssh_strndup(const void *p, size_t n)
{
    char *s = n < SIZE_MAX ? malloc(n + 1) : NULL;
    if (s) {
        if (n)
            memcpy(s, p, n);
        s[n] = 0;
    }
    return s;
}

int strata__ssh_namelist_has(const char *list, const char *name)
{
    size_t n = strlen(name);
    for (const char *p = list; p && *p;) {
        const char *e = strchr(p, ',');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        if (len == n && !memcmp(p, name, n))
            return 1;
        p = e ? e + 1 : NULL;
    }
    return 0;
}

/* First name of client also in server, copied into out (65 bytes). */
static int first_match(const char *client, const char *server, char *out)
{
    for (const char *p = client; p && *p;) {
        const char *e = strchr(p, ',');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        if (len > 0 && len <= 64) {
            memcpy(out, p, len);
            out[len] = 0;
            if (strata__ssh_namelist_has(server, out))
                return 1;
        }
        p = e ? e + 1 : NULL;
    }
    out[0] = 0;
    return 0;
}

static strata_status no_match(strata_error *err, const char *what, const char *c, const char *s)
{
    return strata__error_set(err, STRATA_E_PROTOCOL,
                             "no matching %s: client offered %s, server offered %s", what, c, s);
}

strata_status strata__ssh_negotiate(const struct ssh_kexinit *client,
                                    const struct ssh_kexinit *server,
                                    int (*is_aead)(const char *cipher), struct ssh_negotiated *out,
                                    strata_error *err)
{
    static const char *const what[SSH_KEXINIT_NLISTS] = {
        "key exchange method", "host key algorithm", "cipher", "cipher", "MAC", "MAC",
        "compression method",  "compression method"};
    memset(out, 0, sizeof(*out));
    for (int i = SSH_KEXINIT_KEX; i <= SSH_KEXINIT_COMP_S2C; i++) {
        if ((i == SSH_KEXINIT_MAC_C2S || i == SSH_KEXINIT_MAC_S2C) && is_aead &&
            is_aead(out->store[i - 2])) {
            /* The cipher authenticates: the MAC lists are not used. */
            snprintf(out->store[i], sizeof(out->store[i]), "<implicit>");
            continue;
        }
        if (!first_match(client->lists[i], server->lists[i], out->store[i]))
            return no_match(err, what[i], client->lists[i], server->lists[i]);
    }
    out->kex = out->store[SSH_KEXINIT_KEX];
    out->hostkey = out->store[SSH_KEXINIT_HOSTKEY];
    for (int d = 0; d < 2; d++) {
        out->cipher[d] = out->store[SSH_KEXINIT_CIPHER_C2S + d];
        out->mac[d] = out->store[SSH_KEXINIT_MAC_C2S + d];
        out->comp[d] = out->store[SSH_KEXINIT_COMP_C2S + d];
    }
    return STRATA_OK;
}

static int first_is(const char *list, const char *name)
{
    size_t n = strlen(name);
    return !strncmp(list, name, n) && (list[n] == ',' || list[n] == 0);
}

int strata__ssh_guess_right(const struct ssh_kexinit *server, const struct ssh_negotiated *neg)
{
    return first_is(server->lists[SSH_KEXINIT_KEX], neg->kex) &&
           first_is(server->lists[SSH_KEXINIT_HOSTKEY], neg->hostkey);
}

/* Appends name to the list being built in *b (comma separated). */
static strata_status append(strata_buf *b, const char *name, size_t n)
{
    strata_status r = STRATA_OK;
    if (strata_buf_len(b) > 0)
        r = strata_buf_put_u8(b, ',');
    return r == STRATA_OK ? strata_buf_put(b, name, n) : r;
}

/* 1 when the name (n bytes at p) matches a pattern of the comma list. */
static int list_matches(const char *patterns, const char *p, size_t n)
{
    char name[65], pat[65];
    if (n > 64)
        return 0;
    memcpy(name, p, n);
    name[n] = 0;
    for (const char *q = patterns; q && *q;) {
        const char *e = strchr(q, ',');
        size_t len = e ? (size_t)(e - q) : strlen(q);
        if (len <= 64) {
            memcpy(pat, q, len);
            pat[len] = 0;
            if (!fnmatch(pat, name, 0))
                return 1;
        }
        q = e ? e + 1 : NULL;
    }
    return 0;
}

/* Every name of list must be a supported one. */
static strata_status check_supported(const char *what, const char *list, const char *supported,
                                     strata_error *err)
{
    char name[65];
    for (const char *p = list; p && *p;) {
        const char *e = strchr(p, ',');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        if (len == 0 || len > 64)
            return strata__error_set(err, STRATA_E_USAGE, "bad %s list '%s'", what, list);
        memcpy(name, p, len);
        name[len] = 0;
        if (!strata__ssh_namelist_has(supported, name))
            return strata__error_set(err, STRATA_E_UNSUPPORTED, "unsupported %s '%s'", what, name);
        p = e ? e + 1 : NULL;
    }
    return STRATA_OK;
}

/* Appends the names of from (filtered by keep(names, pattern list) == want). */
static strata_status copy_filtered(strata_buf *b, const char *from, const char *patterns, int want)
{
    for (const char *p = from; p && *p;) {
        const char *e = strchr(p, ',');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        if (!patterns || list_matches(patterns, p, len) == want) {
            strata_status r = append(b, p, len);
            if (r != STRATA_OK)
                return r;
        }
        p = e ? e + 1 : NULL;
    }
    return STRATA_OK;
}

strata_status strata__ssh_alglist(const char *what, const char *spec, const char *defaults,
                                  const char *supported, char **out, strata_error *err)
{
    strata_buf b;
    strata_status r = STRATA_OK;
    *out = NULL;
    strata_buf_init(&b, 65536);
    if (!spec || !*spec) {
        r = copy_filtered(&b, defaults, NULL, 0);
    } else if (spec[0] == '+') {
        if ((r = check_supported(what, spec + 1, supported, err)) != STRATA_OK)
            goto out;
        if ((r = copy_filtered(&b, defaults, NULL, 0)) == STRATA_OK)
            for (const char *p = spec + 1; p && *p && r == STRATA_OK;) {
                const char *e = strchr(p, ',');
                size_t len = e ? (size_t)(e - p) : strlen(p);
                if (!list_matches(defaults, p, len))
                    r = append(&b, p, len);
                p = e ? e + 1 : NULL;
            }
    } else if (spec[0] == '-') {
        r = copy_filtered(&b, defaults, spec + 1, 0);
    } else if (spec[0] == '^') {
        if ((r = check_supported(what, spec + 1, supported, err)) != STRATA_OK)
            goto out;
        if ((r = copy_filtered(&b, spec + 1, NULL, 0)) == STRATA_OK)
            r = copy_filtered(&b, defaults, spec + 1, 0);
    } else {
        if ((r = check_supported(what, spec, supported, err)) != STRATA_OK)
            goto out;
        r = copy_filtered(&b, spec, NULL, 0);
    }
    if (r != STRATA_OK) {
        strata__error_set(err, r, "cannot build the %s list", what);
        goto out;
    }
    if (strata_buf_len(&b) == 0) {
        r = strata__error_set(err, STRATA_E_USAGE, "'%s' leaves no %s", spec, what);
        goto out;
    }
    if (!(*out = strata__ssh_strndup((const char *)strata_buf_ptr(&b), strata_buf_len(&b))))
        r = strata__error_set(err, STRATA_E_NOMEM, "out of memory");
out:
    strata_buf_free(&b);
    return r;
}
