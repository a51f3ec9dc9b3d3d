#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "onion_property.h"

struct side {
    strata_stack *s;
    uint8_t *in; /* application bytes read and not yet used */
    size_t in_len, in_cap;
    int wire_eof_given;
    size_t read_gran; /* bytes the application takes per read (0: all) */
};

static void side_init(struct side *x, size_t read_gran)
{
    memset(x, 0, sizeof(*x));
    strata_stack_config cfg = {.peer_close = STRATA_STACK_PEER_CLOSE_EOF};
    assert_ok(strata_stack_new(&cfg, &x->s));
    x->read_gran = read_gran;
}

static void side_free(struct side *x)
{
    strata_stack_free(x->s);
    free(x->in);
}

static void check_ok(const struct side *x, const char *who)
{
    const strata_error *e = strata_stack_error(x->s);
    if (e->status != STRATA_OK)
        fail_msg("%s stack failed: %s", who, strata_error_message(e));
}

static int read_app(struct side *x)
{
    size_t n;
    strata_status st;
    const uint8_t *p = strata_stack_app_in(x->s, &n, &st);
    if (n == 0)
        return 0;
    if (x->read_gran && n > x->read_gran)
        n = x->read_gran;
    if (x->in_len + n > x->in_cap) {
        x->in_cap = (x->in_len + n) * 2 + 64;
        x->in = realloc(x->in, x->in_cap);
        assert_non_null(x->in);
    }
    memcpy(x->in + x->in_len, p, n);
    x->in_len += n;
    strata_stack_app_ack(x->s, n);
    return 1;
}

static void drop_in(struct side *x, size_t n)
{
    memmove(x->in, x->in + n, x->in_len - n);
    x->in_len -= n;
}

static void write_all(struct side *x, const void *p, size_t n, size_t *off)
{
    size_t used = 0;
    if (*off < n) {
        assert_ok(strata_stack_app_write(x->s, (const uint8_t *)p + *off, n - *off, &used));
        *off += used;
    }
}

static int xfer(struct side *from, struct side *to, size_t chunk, uint64_t *rng)
{
    int moved = 0;
    for (int k = 0; k < 64; k++) {
        size_t n, used = 0;
        strata_status st;
        const uint8_t *p = strata_stack_wire_out(from->s, &n, &st);
        if (n == 0)
            break;
        size_t k2 = n;
        if (chunk == SIZE_MAX)
            k2 = 1 + (size_t)(tu_rand(rng) % n);
        else if (chunk > 0 && chunk < n)
            k2 = chunk;
        strata_status r = strata_stack_wire_write(to->s, p, k2, &used);
        (void)r;
        if (used == 0)
            break;
        strata_stack_wire_ack(from->s, used);
        moved = 1;
    }
    return moved;
}

/* The server's side of the protocol: acts on every complete command. */
static int serve(struct side *sv, const struct onion_property_config *cfg, uint8_t **echo,
                 size_t *echo_len, size_t *echo_off)
{
    int acted = 0;
    for (;;) {
        if (*echo && *echo_off < *echo_len) {
            write_all(sv, *echo, *echo_len, echo_off);
            return acted;
        }
        if (*echo) {
            free(*echo);
            *echo = NULL;
        }
        uint8_t *nl = sv->in_len ? memchr(sv->in, '\n', sv->in_len) : NULL;
        if (!nl)
            return acted;
        size_t line = (size_t)(nl - sv->in) + 1;
        char cmd[64];
        assert_true(line < sizeof(cmd));
        memcpy(cmd, sv->in, line);
        cmd[line - 1] = 0;
        unsigned key;
        char role;
        size_t n;
        if (sscanf(cmd, "PUSH %u %c", &key, &role) == 2 && (role == 'C' || role == 'S')) {
            drop_in(sv, line);
            size_t off = 0;
            write_all(sv, "OK\n", 3, &off);
            assert_int_equal(off, 3);
            /* Whatever the server read past the command is the new layer's.
             * Its layer takes the role the client's does not. */
            assert_ok(strata_stack_push(sv->s, cfg->make(role == 'S', key, cfg->user), sv->in,
                                        sv->in_len));
            sv->in_len = 0;
        } else if (!strcmp(cmd, "POP")) {
            drop_in(sv, line);
            assert_ok(strata_stack_pop(sv->s));
        } else if (sscanf(cmd, "ECHO %zu", &n) == 1) {
            if (sv->in_len < line + n)
                return acted; /* wait for the payload */
            *echo = malloc(n ? n : 1);
            memcpy(*echo, sv->in + line, n);
            *echo_len = n;
            *echo_off = 0;
            drop_in(sv, line + n);
        } else {
            fail_msg("server: unknown command '%s'", cmd);
        }
        acted = 1;
    }
}

struct run {
    const struct onion_property_config *cfg;
    struct side cl, sv;
    uint64_t rng;
    uint64_t role_rng; /* the roles: apart, so the push/pop sequence of a seed stays */
    uint8_t *echo;
    size_t echo_len, echo_off;
};

static void pump_until(struct run *r, int (*done)(struct run *), const char *what)
{
    for (int i = 0; i < 200000; i++) {
        int m = xfer(&r->cl, &r->sv, r->cfg->chunk, &r->rng);
        m |= xfer(&r->sv, &r->cl, r->cfg->chunk, &r->rng);
        m |= read_app(&r->sv);
        m |= serve(&r->sv, r->cfg, &r->echo, &r->echo_len, &r->echo_off);
        if (done(r))
            return;
        m |= read_app(&r->cl);
        check_ok(&r->cl, "client");
        check_ok(&r->sv, "server");
        if (!m && done(r))
            return;
        if (!m && i > 10)
            fail_msg("stalled waiting for %s", what);
    }
    fail_msg("gave up waiting for %s", what);
}

static int got_ok(struct run *r)
{
    return r->cl.in_len >= 3;
}

static size_t want_depth;
static int depths_match(struct run *r)
{
    return strata_stack_depth(r->cl.s) == want_depth && strata_stack_depth(r->sv.s) == want_depth;
}

static size_t want_echo;
static int echo_back(struct run *r)
{
    return r->cl.in_len >= want_echo;
}

static void send_cmd(struct run *r, const char *cmd, const uint8_t *extra, size_t extra_len)
{
    size_t off = 0, off2 = 0;
    for (int i = 0; i < 100000 && (off < strlen(cmd) || off2 < extra_len); i++) {
        write_all(&r->cl, cmd, strlen(cmd), &off);
        if (off == strlen(cmd))
            write_all(&r->cl, extra, extra_len, &off2);
        xfer(&r->cl, &r->sv, r->cfg->chunk, &r->rng);
        xfer(&r->sv, &r->cl, r->cfg->chunk, &r->rng);
        read_app(&r->sv);
        serve(&r->sv, r->cfg, &r->echo, &r->echo_len, &r->echo_off);
        read_app(&r->cl);
    }
    assert_int_equal(off2, extra_len);
}

static void echo_step(struct run *r)
{
    size_t n = (size_t)(tu_rand(&r->rng) % (r->cfg->max_echo + 1));
    uint8_t *data = malloc(n ? n : 1);
    tu_fill(data, n, tu_rand(&r->rng));
    char cmd[64];
    snprintf(cmd, sizeof(cmd), "ECHO %zu\n", n);
    r->cl.in_len = 0;
    send_cmd(r, cmd, data, n);
    want_echo = n;
    pump_until(r, echo_back, "the echo");
    assert_int_equal(r->cl.in_len, n);
    if (n)
        assert_memory_equal(r->cl.in, data, n);
    r->cl.in_len = 0;
    free(data);
}

unsigned onion_property_run(const struct onion_property_config *cfg)
{
    struct run r = {
        .cfg = cfg, .rng = cfg->seed | 1, .role_rng = (cfg->seed + 1) * 0x9e3779b97f4a7c15ull};
    side_init(&r.cl, (size_t)(tu_rand(&r.rng) % 3) == 0 ? 1 : 0);
    side_init(&r.sv, 0);
    unsigned pushes = 0;
    echo_step(&r);
    for (unsigned step = 0; step < cfg->steps; step++) {
        size_t depth = strata_stack_depth(r.cl.s);
        int push = depth == 0 || (depth < cfg->max_depth && (tu_rand(&r.rng) & 1));
        int client_role = 1;
        if (push) {
            char cmd[32];
            unsigned key = step + 1;
            client_role = (int)(tu_rand(&r.role_rng) >> 63);
            snprintf(cmd, sizeof(cmd), "PUSH %u %c\n", key, client_role ? 'C' : 'S');
            send_cmd(&r, cmd, NULL, 0);
            pump_until(&r, got_ok, "OK");
            assert_memory_equal(r.cl.in, "OK\n", 3);
            /* Bytes read past "OK\n" are the server's first layer bytes. */
            assert_ok(strata_stack_push(r.cl.s, cfg->make(client_role, key, cfg->user), r.cl.in + 3,
                                        r.cl.in_len - 3));
            r.cl.in_len = 0;
            want_depth = depth + 1;
            pushes++;
            if (cfg->reversed && !client_role)
                (*cfg->reversed)++;
        } else {
            send_cmd(&r, "POP\n", NULL, 0);
            assert_ok(strata_stack_pop(r.cl.s));
            want_depth = depth - 1;
        }
        pump_until(&r, depths_match, push ? "both pushes" : "both pops");
        echo_step(&r);
        if (push && cfg->role_of) {
            assert_int_equal(cfg->role_of(strata_stack_layer(r.cl.s, depth)), client_role);
            assert_int_equal(cfg->role_of(strata_stack_layer(r.sv.s, depth)), !client_role);
        }
    }
    free(r.echo);
    side_free(&r.cl);
    side_free(&r.sv);
    return pushes;
}
