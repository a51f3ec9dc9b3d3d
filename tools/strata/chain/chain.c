/* The chain parser: one element per argument, kinds from a table.
 *
 * Every element is read through a strata_buf view of the argument, so each
 * step checks the bytes left before it takes any. Error texts quote the
 * element with non-printable bytes escaped (\xNN), so a hostile argument
 * cannot put control sequences on the user's terminal.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chain.h"
#include "cli.h"
#include "chain_tls.h"
#include "chain_ssh.h"

static int tcp_parse(struct chain_elem *e, strata_buf *body, enum chain_use use, char *err,
                     size_t cap);

/* tcp takes no options yet: any option is reported as unknown. */
static const struct chain_opt_def tcp_opts[] = {{NULL, CHAIN_OPT_FLAG, 0, 0}};

const struct chain_kind chain_kinds[] = {
    {"tcp", "tcp:HOST:PORT",
     "TCP to HOST:PORT; HOST is a name, an IPv4 address or an IPv6 address in brackets",
     CHAIN_KIND_TRANSPORT | CHAIN_KIND_TARGET, tcp_parse, tcp_opts, NULL, NULL},
    {"ssh", "ssh:[user=U,key=F,known-hosts=F,host=NAME]",
     "an SSH connection over the stream so far (client); a session unless direct: follows", 0,
     chain_ssh_parse, chain_ssh_opts, chain_ssh_push, NULL},
    {"direct", "direct:HOST:PORT",
     "a direct-tcpip channel of the ssh: before it; the chain continues over it", CHAIN_KIND_TARGET,
     chain_direct_parse, chain_direct_opts, chain_direct_push, NULL},
    {"http-connect", "http-connect:HOST:PORT[,user=U,pass=file:F|env:V]",
     "an HTTP CONNECT tunnel to HOST:PORT through the proxy reached so far", CHAIN_KIND_TARGET,
     chain_http_connect_parse, chain_http_connect_opts, chain_http_connect_push, NULL},
    {"tls", "tls:[OPT=VAL,...]",
     "a TLS layer (client for connect, server for listen); options role=client|server sni= "
     "name= ca= cert= key= pass=file:F|env:V verify=peer|none alpn=A:B min= max= ciphers= "
     "suites= keylog= session=FILE",
     0, chain_tls_parse, chain_tls_opts, chain_tls_push, chain_tls_prepare},
    {NULL, NULL, NULL, 0, NULL, NULL, NULL, NULL},
};

/* Writes p[0..n) into dst for a message: printable ASCII as is, other bytes
 * as \xNN, cut after 64 input bytes with "...". */
static const char *quote(char *dst, size_t cap, const uint8_t *p, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    size_t o = 0;
    for (size_t i = 0; i < n && i < 64 && o + 5 < cap; i++) {
        if (p[i] >= 0x20 && p[i] < 0x7f) {
            dst[o++] = (char)p[i];
        } else {
            dst[o++] = '\\';
            dst[o++] = 'x';
            dst[o++] = hex[p[i] >> 4];
            dst[o++] = hex[p[i] & 15];
        }
    }
    if (n > 64 && o + 4 < cap) {
        memcpy(dst + o, "...", 3);
        o += 3;
    }
    if (cap > 0)
        dst[o < cap ? o : cap - 1] = '\0';
    return dst;
}

/* Takes the bytes before the first of stops (or all that is left). */
static void take_until(strata_buf *b, const char *stops, const uint8_t **p, size_t *n)
{
    const uint8_t *s = strata_buf_ptr(b);
    size_t len = strata_buf_len(b), i = 0;
    while (i < len && (s[i] == 0 || strchr(stops, s[i]) == NULL))
        i++;
    *p = s;
    *n = i;
    if (strata_buf_consume(b, i) != STRATA_OK)
        *n = 0; /* cannot happen: i <= len */
}

/* The next byte, or -1 at the end; does not consume. */
static int peek(const strata_buf *b)
{
    uint8_t c;
    return strata_buf_peek_u8(b, &c) == STRATA_OK ? c : -1;
}

/* Consumes one byte if it is c. */
static int accept_byte(strata_buf *b, int c)
{
    if (peek(b) != c)
        return 0;
    return strata_buf_consume(b, 1) == STRATA_OK;
}

static char *dup_bytes(const uint8_t *p, size_t n)
{
    char *s = malloc(n + 1);
    if (s) {
        memcpy(s, p, n);
        s[n] = '\0';
    }
    return s;
}

static int all_digits(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (p[i] < '0' || p[i] > '9')
            return 0;
    }
    return n > 0;
}

/* A decimal number of at most 9 digits (no overflow); -1 when longer. */
static long small_decimal(const uint8_t *p, size_t n)
{
    if (n > 9)
        return -1;
    long v = 0;
    for (size_t i = 0; i < n; i++)
        v = v * 10 + (p[i] - '0');
    return v;
}

static int valid_name_byte(uint8_t c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '.' || c == '_';
}

static int parse_host(struct chain_elem *e, strata_buf *body, char *err, size_t cap)
{
    char q[300];
    const uint8_t *p;
    size_t n;
    if (accept_byte(body, '[')) {
        take_until(body, "]", &p, &n);
        if (!accept_byte(body, ']'))
            return cli_errf(err, cap, "missing ']' after the IPv6 address");
        char addr[64];
        struct in6_addr a6;
        if (n == 0 || n >= sizeof(addr))
            return cli_errf(err, cap, "invalid IPv6 address '%s'", quote(q, sizeof(q), p, n));
        memcpy(addr, p, n);
        addr[n] = '\0';
        if (inet_pton(AF_INET6, addr, &a6) != 1)
            return cli_errf(err, cap, "invalid IPv6 address '%s'", quote(q, sizeof(q), p, n));
        e->host_is_v6 = 1;
    } else {
        take_until(body, ":,", &p, &n);
        if (n == 0)
            return cli_errf(err, cap, "empty host");
        if (n > CHAIN_HOST_MAX)
            return cli_errf(err, cap, "host longer than %d characters", CHAIN_HOST_MAX);
        for (size_t i = 0; i < n; i++) {
            char c1[8];
            if (!valid_name_byte(p[i]))
                return cli_errf(err, cap, "invalid character '%s' in host '%s'",
                                quote(c1, sizeof(c1), p + i, 1), quote(q, sizeof(q), p, n));
        }
    }
    if (!(e->host = dup_bytes(p, n)))
        return cli_errf(err, cap, "out of memory");
    return 0;
}

int chain_parse_target(struct chain_elem *e, strata_buf *body, enum chain_use use, char *err,
                       size_t cap)
{
    char q[300];
    const uint8_t *p;
    size_t n;
    if (parse_host(e, body, err, cap) != 0)
        return -1;
    int c = peek(body);
    if ((c == -1 || c == ',') && e->host && *e->host &&
        all_digits((const uint8_t *)e->host, strlen(e->host)))
        /* "tcp:8443": a port alone, the host is what is missing. */
        return cli_errf(err, cap, "missing host (expected HOST:PORT, e.g. %s:%s)",
                        use == CHAIN_USE_LISTEN ? "0.0.0.0" : "localhost", e->host);
    if (c == -1 || c == ',')
        return cli_errf(err, cap, "missing port (expected HOST:PORT)");
    if (!accept_byte(body, ':'))
        return cli_errf(err, cap, "unexpected '%s' after the host (expected :PORT)",
                        quote(q, sizeof(q), strata_buf_ptr(body), strata_buf_len(body)));
    take_until(body, ",:", &p, &n);
    if (peek(body) == ':')
        return cli_errf(err, cap, "too many ':' (an IPv6 address goes in brackets: [ADDR]:PORT)");
    if (n == 0)
        return cli_errf(err, cap, "missing port (expected HOST:PORT)");
    if (!all_digits(p, n))
        return cli_errf(err, cap, "invalid port '%s' (expected a number)",
                        quote(q, sizeof(q), p, n));
    long port = small_decimal(p, n);
    long lo = use == CHAIN_USE_LISTEN ? 0 : 1;
    if (port < lo || port > 65535)
        return cli_errf(err, cap, "port %s out of range 1-65535", quote(q, sizeof(q), p, n));
    e->port = (uint16_t)port;
    return 0;
}

static const struct chain_opt_def *find_opt(const struct chain_opt_def *defs, const uint8_t *p,
                                            size_t n)
{
    for (; defs && defs->name; defs++) {
        if (strlen(defs->name) == n && memcmp(defs->name, p, n) == 0)
            return defs;
    }
    return NULL;
}

/* Checks and stores one option's value (v, vn; v NULL when no '=' was given). */
static int set_opt(struct chain_opt *o, const uint8_t *v, size_t vn, char *err, size_t cap)
{
    char q[300];
    const char *name = o->def->name;
    switch (o->def->type) {
    case CHAIN_OPT_FLAG:
        if (v == NULL || (vn == 1 && (v[0] == '0' || v[0] == '1'))) {
            o->num = v == NULL || v[0] == '1';
            return 0;
        }
        return cli_errf(err, cap, "option '%s' takes 0 or 1, not '%s'", name,
                        quote(q, sizeof(q), v, vn));
    case CHAIN_OPT_UINT: {
        if (v == NULL || vn == 0)
            return cli_errf(err, cap, "option '%s' needs a value", name);
        if (!all_digits(v, vn))
            return cli_errf(err, cap, "option '%s': '%s' is not a number", name,
                            quote(q, sizeof(q), v, vn));
        long x = small_decimal(v, vn);
        if (x < 0 || (unsigned long)x < o->def->min || (unsigned long)x > o->def->max)
            return cli_errf(err, cap, "option '%s': %s out of range %lu-%lu", name,
                            quote(q, sizeof(q), v, vn), o->def->min, o->def->max);
        o->num = (unsigned long)x;
        return 0;
    }
    case CHAIN_OPT_STRING:
        if (v == NULL || vn == 0)
            return cli_errf(err, cap, "option '%s' needs a value", name);
        if (!(o->str = dup_bytes(v, vn)))
            return cli_errf(err, cap, "out of memory");
        return 0;
    }
    return cli_errf(err, cap, "option '%s' has an unknown type", name);
}

int chain_parse_opts(struct chain_elem *e, strata_buf *body, char *err, size_t cap)
{
    char q[300];
    if (strata_buf_len(body) == 0)
        return 0;
    for (;;) {
        const uint8_t *p, *v = NULL;
        size_t n, vn = 0;
        take_until(body, ",=", &p, &n);
        if (n == 0)
            return cli_errf(err, cap, "empty option");
        const struct chain_opt_def *def = find_opt(e->kind->opts, p, n);
        if (!def)
            return cli_errf(err, cap, "unknown option '%s'", quote(q, sizeof(q), p, n));
        if (chain_elem_opt(e, def->name))
            return cli_errf(err, cap, "option '%s' given twice", def->name);
        if (e->n_opts == CHAIN_OPTS_MAX)
            return cli_errf(err, cap, "too many options (at most %d)", CHAIN_OPTS_MAX);
        if (accept_byte(body, '='))
            take_until(body, ",", &v, &vn);
        struct chain_opt *o = &e->opts[e->n_opts];
        o->def = def;
        if (set_opt(o, v, vn, err, cap) != 0)
            return -1;
        e->n_opts++;
        if (strata_buf_len(body) == 0)
            return 0;
        /* Both take_until stops leave ',' next: a value runs to it. */
        if (!accept_byte(body, ','))
            return cli_errf(err, cap, "internal: option list out of step");
    }
}

/* tcp:HOST:PORT[,OPTS] */
int chain_parse_target_opts(struct chain_elem *e, strata_buf *body, enum chain_use use, char *err,
                            size_t cap)
{
    if (chain_parse_target(e, body, use, err, cap) != 0)
        return -1;
    if (strata_buf_len(body) == 0)
        return 0;
    if (!accept_byte(body, ','))
        return cli_errf(err, cap, "unexpected text after the port");
    if (strata_buf_len(body) == 0)
        return cli_errf(err, cap, "empty option");
    return chain_parse_opts(e, body, err, cap);
}

static int tcp_parse(struct chain_elem *e, strata_buf *body, enum chain_use use, char *err,
                     size_t cap)
{
    return chain_parse_target_opts(e, body, use, err, cap);
}

const struct chain_opt *chain_elem_opt(const struct chain_elem *e, const char *name)
{
    for (size_t i = 0; i < e->n_opts; i++) {
        if (!strcmp(e->opts[i].def->name, name))
            return &e->opts[i];
    }
    return NULL;
}

static void elem_free(struct chain_elem *e)
{
    if (e->state && e->state_free)
        e->state_free(e->state);
    free(e->host);
    for (size_t i = 0; i < e->n_opts; i++)
        free(e->opts[i].str);
    memset(e, 0, sizeof(*e));
}

void chain_free(struct chain *c)
{
    for (size_t i = 0; i < c->n; i++)
        elem_free(&c->elems[i]);
    c->n = 0;
}

/* Parses one element; the message has no "chain element N" prefix. */
static int parse_elem(struct chain_elem *e, const struct chain_kind *table, size_t index,
                      const char *text, enum chain_use use, char *err, size_t cap)
{
    char q[300];
    size_t len = strnlen(text, CHAIN_ELEM_MAX_LEN + 1);
    if (len == 0)
        return cli_errf(err, cap, "empty element");
    if (len > CHAIN_ELEM_MAX_LEN)
        return cli_errf(err, cap, "element longer than %d bytes", CHAIN_ELEM_MAX_LEN);
    strata_buf b;
    strata_buf_view(&b, text, len);
    const uint8_t *p;
    size_t n;
    take_until(&b, ":", &p, &n);
    if (!accept_byte(&b, ':'))
        return cli_errf(err, cap, "expected TYPE:... (e.g. tcp:HOST:PORT)");
    if (n == 0)
        return cli_errf(err, cap, "empty element type");
    const struct chain_kind *k = table;
    while (k->name && !(strlen(k->name) == n && memcmp(k->name, p, n) == 0))
        k++;
    if (!k->name)
        return cli_errf(err, cap, "unknown element type '%s'", quote(q, sizeof(q), p, n));
    e->kind = k;
    e->text = text;
    if (index == 0 && !(k->flags & CHAIN_KIND_TRANSPORT))
        return cli_errf(err, cap, "the first element must be a transport (tcp:HOST:PORT)");
    if (index > 0 && (k->flags & CHAIN_KIND_TRANSPORT))
        return cli_errf(err, cap, "a transport (%s:) can only be the first element", k->name);
    if (k->parse(e, &b, use, err, cap) != 0)
        return -1;
    if (strata_buf_len(&b) != 0)
        return cli_errf(err, cap, "unexpected '%s' at the end",
                        quote(q, sizeof(q), strata_buf_ptr(&b), strata_buf_len(&b)));
    return 0;
}

int chain_parse(struct chain *c, const struct chain_kind *table, int argc, char *const *argv,
                enum chain_use use, char *err, size_t cap)
{
    char msg[CHAIN_ERR_MAX], q[300];
    memset(c, 0, sizeof(*c));
    if (!table)
        table = chain_kinds;
    if (argc <= 0) {
        cli_errf(err, cap, "no chain given (e.g. tcp:HOST:PORT)");
        return -1;
    }
    for (int i = 0; i < argc; i++) {
        int r;
        if ((size_t)i == CHAIN_MAX_ELEMS)
            r = cli_errf(msg, sizeof(msg), "too many elements (at most %d)", CHAIN_MAX_ELEMS);
        else
            r = parse_elem(&c->elems[i], table, (size_t)i, argv[i], use, msg, sizeof(msg));
        if (r != 0) {
            if ((size_t)i < CHAIN_MAX_ELEMS)
                elem_free(&c->elems[i]);
            chain_free(c);
            const char *t = argv[i];
            cli_errf(err, cap, "chain element %d '%s': %s", i + 1,
                     quote(q, sizeof(q), (const uint8_t *)t, strnlen(t, CHAIN_ELEM_MAX_LEN + 1)),
                     msg);
            return -1;
        }
        for (int k = i - 1; k >= 0 && !c->elems[i].target; k--)
            if (c->elems[k].host)
                c->elems[i].target = &c->elems[k];
        c->n++;
    }
    return 0;
}

/* "chain element N 'TEXT': why" for element i that failed with r. */
static strata_status elem_fail(const struct chain *c, size_t i, strata_status r,
                               const strata_error *why, char *err, size_t cap)
{
    char q[300];
    const struct chain_elem *e = &c->elems[i];
    cli_errf(err, cap, "chain element %zu '%s': %s", i + 1,
             quote(q, sizeof(q), (const uint8_t *)e->text, strlen(e->text)),
             why->status != STRATA_OK ? strata_error_message(why) : strata_status_str(r));
    return r;
}

/* Pushes the layers of elements 2..end (end <= c->n) on s. */
static strata_status push_range(const struct chain *c, size_t end, strata_stack *s,
                                enum chain_use use, char *err, size_t cap)
{
    for (size_t i = 1; i < end; i++) {
        const struct chain_elem *e = &c->elems[i];
        strata_error why;
        strata_error_clear(&why);
        strata_status r = e->kind->push ? e->kind->push(e, s, use, &why) : STRATA_E_UNSUPPORTED;
        if (r != STRATA_OK)
            return elem_fail(c, i, r, &why, err, cap);
    }
    return STRATA_OK;
}

strata_status chain_prepare(struct chain *c, enum chain_use use, char *err, size_t cap)
{
    for (size_t i = 1; i < c->n; i++) {
        struct chain_elem *e = &c->elems[i];
        strata_error why;
        strata_error_clear(&why);
        strata_status r =
            e->kind->prepare && !e->state ? e->kind->prepare(e, use, &why) : STRATA_OK;
        if (r != STRATA_OK)
            return elem_fail(c, i, r, &why, err, cap);
    }
    return STRATA_OK;
}

strata_status chain_push_layers(const struct chain *c, strata_stack *s, enum chain_use use,
                                char *err, size_t cap)
{
    return push_range(c, c->n, s, use, err, cap);
}

strata_status chain_check_layers(const struct chain *c, const strata_stack_config *cfg,
                                 enum chain_use use, char *err, size_t cap)
{
    size_t end = 1;
    while (end < c->n && strcmp(c->elems[end].kind->name, "ssh") != 0)
        end++;
    strata_stack *s = NULL;
    strata_status r = strata_stack_new(cfg, &s);
    if (r != STRATA_OK) {
        cli_errf(err, cap, "checking the chain: %s", strata_status_str(r));
        return r;
    }
    r = push_range(c, end, s, use, err, cap);
    strata_stack_free(s);
    return r;
}

void chain_help(FILE *f, const struct chain_kind *table)
{
    for (const struct chain_kind *k = table ? table : chain_kinds; k->name; k++) {
        if (strlen(k->syntax) > 22)
            fprintf(f, "  %s\n  %-22s %s\n", k->syntax, "", k->summary);
        else
            fprintf(f, "  %-22s %s\n", k->syntax, k->summary);
    }
}
