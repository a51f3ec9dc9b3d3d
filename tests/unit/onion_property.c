#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "onion_property.h"

/* Where the run is, for failure messages (the tests run one at a time). */
static struct {
    uint64_t seed;
    unsigned step;
    char phase[160];
} where;

STRATA_PRINTF(2, 3)
static void op_fail(int line, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    fail_msg("onion property, seed %llu, step %u (%s), onion_property.c:%d: %s",
             (unsigned long long)where.seed, where.step, where.phase, line, msg);
}

#define OP_FAIL(...) op_fail(__LINE__, __VA_ARGS__)
#define OP_CHECK(cond)                                                                             \
    do {                                                                                           \
        if (!(cond))                                                                               \
            OP_FAIL("%s", #cond);                                                                  \
    } while (0)
#define OP_OK(expr)                                                                                \
    do {                                                                                           \
        strata_status st_ = (expr);                                                                \
        if (st_ != STRATA_OK)                                                                      \
            OP_FAIL("%s: %s", #expr, strata_status_name(st_));                                     \
    } while (0)

/* Fails naming the first byte that differs. */
static void check_bytes(int line, const char *what, const uint8_t *got, size_t got_len,
                        const uint8_t *want, size_t want_len)
{
    size_t i = 0;
    while (i < got_len && i < want_len && got[i] == want[i])
        i++;
    if (got_len != want_len || i < got_len)
        op_fail(line, "%s: got %zu bytes, want %zu; first difference at byte %zu", what, got_len,
                want_len, i);
}

struct side {
    strata_stack *s;
    const char *name;
    uint8_t *in; /* application bytes read and not yet used */
    size_t in_len, in_cap;
    int half_close;   /* the stack was made with half_close */
    int wire_closed;  /* wire_out reported STRATA_CLOSED (passed on as the other's wire_eof) */
    int app_closed;   /* app_in reported STRATA_CLOSED */
    size_t read_gran; /* bytes the application takes per read (0: all) */
};

static void side_init(struct side *x, const char *name, size_t read_gran, int half_close)
{
    memset(x, 0, sizeof(*x));
    strata_stack_config cfg = {.peer_close = STRATA_STACK_PEER_CLOSE_EOF, .half_close = half_close};
    OP_OK(strata_stack_new(&cfg, &x->s));
    x->name = name;
    x->read_gran = read_gran;
    x->half_close = half_close;
}

static void side_free(struct side *x)
{
    strata_stack_free(x->s);
    free(x->in);
}

static void check_ok(const struct side *x)
{
    const strata_error *e = strata_stack_error(x->s);
    if (e->status != STRATA_OK)
        OP_FAIL("%s stack failed: %s", x->name, strata_error_message(e));
}

static int read_app(struct side *x)
{
    size_t n;
    strata_status st;
    const uint8_t *p = strata_stack_app_in(x->s, &n, &st);
    if (n == 0) {
        if (st == STRATA_CLOSED && !x->app_closed) {
            x->app_closed = 1;
            return 1;
        }
        return 0;
    }
    if (x->app_closed)
        OP_FAIL("%s: %zu application bytes after the end of the stream", x->name, n);
    if (x->read_gran && n > x->read_gran)
        n = x->read_gran;
    if (x->in_len + n > x->in_cap) {
        x->in_cap = (x->in_len + n) * 2 + 64;
        x->in = realloc(x->in, x->in_cap);
        OP_CHECK(x->in != NULL);
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
        OP_OK(strata_stack_app_write(x->s, (const uint8_t *)p + *off, n - *off, &used));
        *off += used;
    }
}

/* Moves wire bytes from one end to the other; once the sender's wire_out
 * reports STRATA_CLOSED (the FIN), passes it on as the receiver's
 * wire_eof. */
static int xfer(struct side *from, struct side *to, size_t chunk, uint64_t *rng)
{
    int moved = 0;
    for (int k = 0; k < 64; k++) {
        size_t n, used = 0;
        strata_status st;
        const uint8_t *p = strata_stack_wire_out(from->s, &n, &st);
        if (n == 0) {
            if (st == STRATA_CLOSED && !from->wire_closed) {
                from->wire_closed = 1;
                OP_OK(strata_stack_wire_eof(to->s));
                moved = 1;
            }
            break;
        }
        if (from->wire_closed)
            OP_FAIL("%s: %zu wire bytes after its wire closed", from->name, n);
        size_t k2 = n;
        if (chunk == SIZE_MAX)
            k2 = 1 + (size_t)(tu_rand(rng) % n);
        else if (chunk > 0 && chunk < n)
            k2 = chunk;
        strata_status r = strata_stack_wire_write(to->s, p, k2, &used);
        (void)r; /* a failure is the stack's sticky error: check_ok reports it */
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
        OP_CHECK(line < sizeof(cmd));
        memcpy(cmd, sv->in, line);
        cmd[line - 1] = 0;
        unsigned key;
        char role;
        size_t n;
        if (sscanf(cmd, "PUSH %u %c", &key, &role) == 2 && (role == 'C' || role == 'S')) {
            drop_in(sv, line);
            size_t off = 0;
            write_all(sv, "OK\n", 3, &off);
            OP_CHECK(off == 3);
            /* Whatever the server read past the command is the new layer's.
             * Its layer takes the role the client's does not. */
            OP_OK(strata_stack_push(sv->s, cfg->make(role == 'S', key, cfg->user), sv->in,
                                    sv->in_len));
            sv->in_len = 0;
        } else if (!strcmp(cmd, "POP")) {
            drop_in(sv, line);
            OP_OK(strata_stack_pop(sv->s));
        } else if (sscanf(cmd, "ECHO %zu", &n) == 1) {
            if (sv->in_len < line + n)
                return acted; /* wait for the payload */
            *echo = malloc(n ? n : 1);
            memcpy(*echo, sv->in + line, n);
            *echo_len = n;
            *echo_off = 0;
            drop_in(sv, line + n);
        } else {
            OP_FAIL("server: unknown command '%s'", cmd);
        }
        acted = 1;
    }
}

/* One end's part of the closing sequence. */
struct closer {
    uint8_t *data; /* everything the end writes in the closing sequence */
    size_t len;    /* its size: part1 + part2 */
    size_t part1;  /* written from the start; part2 after the end read to the end */
    size_t avail;  /* how much of data may be written so far */
    size_t off;    /* how much of it app_write took */
    int shut;      /* app_shutdown was called */
};

struct run {
    const struct onion_property_config *cfg;
    struct side cl, sv;
    struct closer cx[2]; /* 0 the client end, 1 the server end */
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
        check_ok(&r->cl);
        check_ok(&r->sv);
        if (!m && done(r))
            return;
        if (!m && i > 10)
            OP_FAIL("stalled waiting for %s", what);
    }
    OP_FAIL("gave up waiting for %s", what);
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
    OP_CHECK(off2 == extra_len);
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
    check_bytes(__LINE__, "the echo", r->cl.in, r->cl.in_len, data, n);
    r->cl.in_len = 0;
    free(data);
}

/* ---- closing sequences ------------------------------------------------------ */

static struct side *end_of(struct run *r, int e)
{
    return e ? &r->sv : &r->cl;
}

static unsigned layer_state(strata_stack *s, size_t i)
{
    const strata_layer *l = strata_stack_layer(s, i);
    return l->ops->state(l->self);
}

static strata_status wire_status(strata_stack *s)
{
    size_t n;
    strata_status st;
    (void)strata_stack_wire_out(s, &n, &st);
    return n ? STRATA_OK : st;
}

/* The inside-out rule, checked at every tick: until the far end has shut
 * down (and so closed its innermost layer), an end that has shut down keeps
 * its wire open and every layer beneath its innermost unclosed, unless it
 * set half_close (or has no layer: then its wire closes at once). */
static void check_inside_out(struct run *r)
{
    for (int e = 0; e < 2; e++) {
        struct side *x = end_of(r, e);
        size_t depth = strata_stack_depth(x->s);
        if (!r->cx[e].shut || r->cx[!e].shut || x->half_close || depth == 0)
            continue;
        if (x->wire_closed || wire_status(x->s) == STRATA_CLOSED)
            OP_FAIL("%s: its wire closed before the far end closed the innermost layer", x->name);
        for (size_t i = 0; i + 1 < depth; i++)
            if (layer_state(x->s, i) & STRATA_LAYER_WRITE_CLOSED)
                OP_FAIL("%s: layer %zu of %zu closed before the far end closed the innermost one",
                        x->name, i + 1, depth);
    }
}

/* Each end writes what it may of its closing data. */
static int close_write(struct run *r)
{
    int m = 0;
    for (int e = 0; e < 2; e++) {
        struct closer *c = &r->cx[e];
        if (c->off < c->avail) {
            OP_CHECK(!c->shut);
            size_t before = c->off;
            write_all(end_of(r, e), c->data, c->avail, &c->off);
            m |= c->off > before;
        }
    }
    return m;
}

static int close_move(struct run *r)
{
    int m = xfer(&r->cl, &r->sv, r->cfg->chunk, &r->rng);
    m |= xfer(&r->sv, &r->cl, r->cfg->chunk, &r->rng);
    m |= read_app(&r->cl);
    m |= read_app(&r->sv);
    check_ok(&r->cl);
    check_ok(&r->sv);
    check_inside_out(r);
    return m;
}

/* Ticks until done (NULL: until nothing moves any more). Nothing here waits
 * on time: a tick in which nothing moved is a stall. */
static void close_pump_until(struct run *r, int (*done)(struct run *), const char *what)
{
    int idle = 0;
    for (long i = 0; i < 4000000; i++) {
        if (done && done(r))
            return;
        int m = close_write(r);
        m |= close_move(r);
        if (m) {
            idle = 0;
        } else if (++idle > 2) {
            if (!done)
                return;
            OP_FAIL("stalled waiting for %s", what);
        }
    }
    OP_FAIL("gave up waiting for %s", what);
}

static void close_shutdown(struct run *r, int e)
{
    r->cx[e].shut = 1;
    OP_OK(strata_stack_app_shutdown(end_of(r, e)->s));
}

static int want_end; /* the end the predicates below are about */

static int end_delivered(struct run *r)
{
    return r->cx[want_end].off == r->cx[want_end].avail &&
           end_of(r, !want_end)->in_len >= r->cx[want_end].avail;
}

static int end_read_to_end(struct run *r)
{
    return end_of(r, want_end)->app_closed;
}

static int both_closed(struct run *r)
{
    return r->cl.app_closed && r->sv.app_closed && r->cl.wire_closed && r->sv.wire_closed;
}

/* The far end o read to the end of f's stream, wrote its reply, and has not
 * shut down; nothing moves. Its reply arrived; f's wire is closed exactly
 * when f set half_close (or has no layer); o's layers are all open for
 * writing, and saw f's close on the innermost layer only, or on all of them
 * with half_close. */
static void check_before_far_close(struct run *r, int f_end)
{
    struct side *f = end_of(r, f_end), *o = end_of(r, !f_end);
    size_t depth = strata_stack_depth(f->s);
    int all = f->half_close || depth == 0;
    OP_CHECK(o->app_closed && !f->app_closed);
    check_bytes(__LINE__, "the far end's reply before it closed", f->in, f->in_len,
                r->cx[!f_end].data, r->cx[!f_end].len);
    if ((wire_status(f->s) == STRATA_CLOSED) != all || f->wire_closed != all)
        OP_FAIL("%s: wire %s before the far end closed (%zu layers, half_close %d)", f->name,
                f->wire_closed ? "closed" : "open", depth, f->half_close);
    for (size_t i = 0; i < depth; i++) {
        int inner = i + 1 == depth;
        unsigned fs = layer_state(f->s, i), os = layer_state(o->s, i);
        if (!!(fs & STRATA_LAYER_WRITE_CLOSED) != (all || inner))
            OP_FAIL("%s: layer %zu of %zu %s before the far end closed", f->name, i + 1, depth,
                    fs & STRATA_LAYER_WRITE_CLOSED ? "closed" : "open");
        if (!!(os & STRATA_LAYER_READ_CLOSED) != (all || inner))
            OP_FAIL("%s: layer %zu of %zu %s the peer's close", o->name, i + 1, depth,
                    os & STRATA_LAYER_READ_CLOSED ? "saw" : "did not see");
        if (os & STRATA_LAYER_WRITE_CLOSED)
            OP_FAIL("%s: layer %zu of %zu closed before its end shut down", o->name, i + 1, depth);
    }
}

/* f_end shuts down first (data in flight or, peer_first, on an idle
 * connection); the other end reads to the end, writes its reply, shuts
 * down. */
static void close_one_first(struct run *r, int f_end, int idle)
{
    struct closer *f = &r->cx[f_end], *o = &r->cx[!f_end];
    f->avail = f->part1;
    o->avail = o->part1;
    want_end = f_end;
    if (idle) {
        close_pump_until(r, end_delivered, "the closing end's data");
        close_pump_until(r, NULL, "nothing");
    } else {
        /* f shuts down as soon as app_write took its last byte, before
         * the wire moves: its bytes, and the other end's, are in flight. */
        for (long i = 0; close_write(r), f->off < f->avail; i++) {
            if (i > 4000000)
                OP_FAIL("gave up writing the closing end's data");
            if (!close_move(r) && !close_write(r))
                OP_FAIL("stalled writing the closing end's data");
        }
    }
    close_shutdown(r, f_end);
    want_end = !f_end;
    close_pump_until(r, end_read_to_end, "the far end to read to the end");
    o->avail = o->len; /* the reply, written after the end */
    close_pump_until(r, end_delivered, "the far end's reply");
    close_pump_until(r, NULL, "nothing");
    check_before_far_close(r, f_end);
    close_shutdown(r, !f_end);
}

static void close_both(struct run *r)
{
    r->cx[0].avail = r->cx[0].part1;
    r->cx[1].avail = r->cx[1].part1;
    for (long i = 0; close_write(r), r->cx[0].off < r->cx[0].avail || r->cx[1].off < r->cx[1].avail;
         i++) {
        if (i > 4000000)
            OP_FAIL("gave up writing the closing data");
        if (!close_move(r) && !close_write(r))
            OP_FAIL("stalled writing the closing data");
    }
    close_shutdown(r, 0);
    close_shutdown(r, 1);
}

static const char *const close_names[] = {"by seed", "during transfer", "peer first",
                                          "both at once"};

static void close_run(struct run *r, enum onion_close seq, int first)
{
    size_t depth = strata_stack_depth(r->cl.s);
    snprintf(where.phase, sizeof(where.phase),
             "close %s, %s first, half_close client %d server %d, %zu layers", close_names[seq],
             seq == ONION_CLOSE_BOTH_AT_ONCE ? "neither"
             : first                         ? "server"
                                             : "client",
             r->cl.half_close, r->sv.half_close, depth);
    OP_CHECK(r->cl.in_len == 0 && r->sv.in_len == 0 && !r->echo);
    for (int e = 0; e < 2; e++) {
        struct closer *c = &r->cx[e];
        size_t part2 = 0;
        c->part1 = (size_t)(tu_rand(&r->rng) % (r->cfg->max_echo + 1));
        if (seq != ONION_CLOSE_BOTH_AT_ONCE && e != first)
            part2 = (size_t)(tu_rand(&r->rng) % (r->cfg->max_echo + 1));
        if (seq == ONION_CLOSE_PEER_FIRST && e != first)
            c->part1 = 0; /* the client only reads until the server's end */
        c->len = c->part1 + part2;
        c->data = malloc(c->len ? c->len : 1);
        OP_CHECK(c->data != NULL);
        tu_fill(c->data, c->len, tu_rand(&r->rng));
    }
    if (seq == ONION_CLOSE_BOTH_AT_ONCE)
        close_both(r);
    else
        close_one_first(r, first, seq == ONION_CLOSE_PEER_FIRST);
    close_pump_until(r, both_closed, "both ends to close");
    close_pump_until(r, NULL, "nothing");
    check_bytes(__LINE__, "the client's bytes at the server", r->sv.in, r->sv.in_len, r->cx[0].data,
                r->cx[0].len);
    check_bytes(__LINE__, "the server's bytes at the client", r->cl.in, r->cl.in_len, r->cx[1].data,
                r->cx[1].len);
    for (int e = 0; e < 2; e++) {
        struct side *x = end_of(r, e);
        OP_CHECK(wire_status(x->s) == STRATA_CLOSED);
        OP_CHECK(strata_stack_depth(x->s) == depth);
        for (size_t i = 0; i < depth; i++)
            if ((layer_state(x->s, i) & (STRATA_LAYER_WRITE_CLOSED | STRATA_LAYER_READ_CLOSED)) !=
                (STRATA_LAYER_WRITE_CLOSED | STRATA_LAYER_READ_CLOSED))
                OP_FAIL("%s: layer %zu of %zu not closed both ways at the end", x->name, i + 1,
                        depth);
        free(r->cx[e].data);
        r->cx[e].data = NULL;
    }
}

unsigned onion_property_run(const struct onion_property_config *cfg)
{
    struct run r = {
        .cfg = cfg, .rng = cfg->seed | 1, .role_rng = (cfg->seed + 1) * 0x9e3779b97f4a7c15ull};
    /* The close: from an rng of its own, so a seed's push/pop sequence is the
     * one it was before closing sequences were added. */
    uint64_t close_rng = (cfg->seed + 7) * 0xbf58476d1ce4e5b9ull;
    enum onion_close seq = cfg->close;
    if (seq == ONION_CLOSE_BY_SEED)
        seq = (enum onion_close)(1 + tu_rand(&close_rng) % ONION_CLOSE_SEQUENCES);
    unsigned half = cfg->half_close == ONION_HALF_BY_SEED ? (unsigned)(tu_rand(&close_rng) % 4)
                                                          : (unsigned)cfg->half_close - 1;
    int first = (int)(tu_rand(&close_rng) >> 63); /* 1: the server end */
    if (seq == ONION_CLOSE_PEER_FIRST)
        first = 1;
    where.seed = cfg->seed;
    where.step = 0;
    snprintf(where.phase, sizeof(where.phase), "the first echo");
    side_init(&r.cl, "client", (size_t)(tu_rand(&r.rng) % 3) == 0 ? 1 : 0, (int)(half & 1));
    side_init(&r.sv, "server", 0, (int)(half >> 1));
    unsigned pushes = 0;
    echo_step(&r);
    for (unsigned step = 0; step < cfg->steps; step++) {
        size_t depth = strata_stack_depth(r.cl.s);
        int push = depth == 0 || (depth < cfg->max_depth && (tu_rand(&r.rng) & 1));
        int client_role = 1;
        where.step = step + 1;
        snprintf(where.phase, sizeof(where.phase), "%s at depth %zu", push ? "push" : "pop", depth);
        if (push) {
            char cmd[32];
            unsigned key = step + 1;
            client_role = (int)(tu_rand(&r.role_rng) >> 63);
            snprintf(cmd, sizeof(cmd), "PUSH %u %c\n", key, client_role ? 'C' : 'S');
            send_cmd(&r, cmd, NULL, 0);
            pump_until(&r, got_ok, "OK");
            check_bytes(__LINE__, "the answer to PUSH", r.cl.in, 3, (const uint8_t *)"OK\n", 3);
            /* Bytes read past "OK\n" are the server's first layer bytes. */
            OP_OK(strata_stack_push(r.cl.s, cfg->make(client_role, key, cfg->user), r.cl.in + 3,
                                    r.cl.in_len - 3));
            r.cl.in_len = 0;
            want_depth = depth + 1;
            pushes++;
            if (cfg->reversed && !client_role)
                (*cfg->reversed)++;
        } else {
            send_cmd(&r, "POP\n", NULL, 0);
            OP_OK(strata_stack_pop(r.cl.s));
            want_depth = depth - 1;
        }
        pump_until(&r, depths_match, push ? "both pushes" : "both pops");
        echo_step(&r);
        if (push && cfg->role_of) {
            OP_CHECK(cfg->role_of(strata_stack_layer(r.cl.s, depth)) == client_role);
            OP_CHECK(cfg->role_of(strata_stack_layer(r.sv.s, depth)) == !client_role);
        }
    }
    where.step = cfg->steps + 1;
    if (cfg->tally) {
        cfg->tally->runs[seq - 1][half]++;
        cfg->tally->deep[seq - 1] += strata_stack_depth(r.cl.s) > 1;
    }
    close_run(&r, seq, first);
    free(r.echo);
    side_free(&r.cl);
    side_free(&r.sv);
    return pushes;
}
