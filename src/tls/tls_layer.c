/* The TLS layer: a memory-mode strata_tls_conn behind the layer contract
 * (strata/layer.h), so TLS stacks on any stream - over TCP, inside another
 * TLS layer, inside an SSH channel.
 *
 * Bytes from beneath are read by the engine straight from the caller's
 * buffer (lent for the call; what it does not need yet stays there), or,
 * behind bytes it already holds, copied into the connection's input buffer;
 * records for beneath come straight out of its output buffer, which holds
 * whole records only (wire.c), or, linked to a TLS layer beneath (take /
 * link), go straight into that layer. Plaintext from above goes to SSL_write straight from the
 * caller's bytes, one full record at a time; only what cannot go out that way
 * is copied into `pend`: bytes that came before the handshake finished, a
 * record the output buffer had no room for, and the tail of a send shorter
 * than a record, held back until more bytes complete it or the stack says
 * flush (strata_layer_ops.flush). So a layer writes full records while bytes
 * keep coming and nothing waits once they stop.
 *
 * Record sizes: the stack tells each layer the record payload of the layer
 * beneath (fit); once the handshake fixed the cipher the layer sizes its own
 * records so that one of them, with its overhead, fills exactly one record
 * beneath: inner records never split into a full outer record and a small
 * one.
 *
 * OpenSSL reads whole records only as it needs them (read_ahead is off), so
 * once the peer's close_notify is read, the bytes that followed it are still
 * with the caller (lent bytes it did not take) or in the input buffer, from
 * where take_leftover hands them back to the stack, which delivers them to
 * the layer beneath.
 */
#include <stdio.h>
#include <stdlib.h>

#include "strata/buf.h"
#include "strata/tls_layer.h"
#include "tls/tls_internal.h"

#define PLAIN_CAP (64u * 1024u)                        /* plaintext held each way */
#define FRAG_MAX 16384u                                /* TLS's record payload limit */
#define FRAG_MIN 512u                                  /* OpenSSL's smallest max_send_fragment */
#define OVERHEAD_MAX 512u                              /* room kept for a record's overhead */
#define INNER_OUT_CAP (64u * 1024u + 2 * OVERHEAD_MAX) /* records held for a layer beneath */

struct tl {
    strata_tls_conn *c;
    unsigned state;
    int want_close;
    int flush_wanted;   /* write pend's partial record too */
    size_t frag;        /* our record payload */
    size_t fit_room;    /* the record payload beneath (0: none) */
    strata_buf up;      /* plaintext for above */
    strata_buf pend;    /* plaintext from above the engine has not taken yet */
    strata_buf left;    /* bytes after the peer's close_notify */
    strata_layer below; /* the layer beneath, when it takes whole records (link) */
};

static int waiting(strata_status r)
{
    return r == STRATA_WANT_READ || r == STRATA_WANT_WRITE || r == STRATA_WANT_X509_LOOKUP;
}

static strata_status fail(struct tl *t, strata_status r)
{
    t->state |= STRATA_LAYER_FAILED;
    if (strata__tls_st(t->c) == STRATA_OK)
        strata__error_set(strata__tls_err(t->c), r, "%s", strata_status_str(r));
    return r;
}

/* Room in the output buffer for one more record of ours. */
static int record_fits(const struct tl *t)
{
    size_t have = strata_buf_len(&t->c->wire.out), cap = t->c->wire.out_cap;
    return have <= cap && cap - have >= t->frag + OVERHEAD_MAX;
}

/* Sizes our records to the records beneath, once the cipher is known. */
static void apply_fit(struct tl *t)
{
    size_t frag = FRAG_MAX, ovh = strata__tls_record_overhead(t->c);
    if (t->fit_room > 0 && ovh > 0 && t->fit_room >= ovh + FRAG_MIN && t->fit_room - ovh < frag)
        frag = t->fit_room - ovh;
    if (frag != t->frag && SSL_set_max_send_fragment(t->c->ssl, (long)frag) == 1)
        t->frag = frag;
}

/* Writes pend's full records; with all, its partial last record too. */
static strata_status write_pend(struct tl *t, int all)
{
    while (strata_buf_len(&t->pend) > 0 && record_fits(t)) {
        size_t k = strata_buf_len(&t->pend), sent = 0;
        if (k > t->frag)
            k = t->frag;
        else if (k < t->frag && !all)
            break;
        strata_status r = strata_tls_conn_send(t->c, strata_buf_ptr(&t->pend), k, &sent);
        if (sent > 0 && strata_buf_consume(&t->pend, sent) != STRATA_OK)
            return fail(t, STRATA_E_INTERNAL);
        if (waiting(r))
            break;
        if (r != STRATA_OK)
            return fail(t, r);
    }
    return STRATA_OK;
}

/* Moves everything that can move: handshake, plaintext out, our close,
 * plaintext in. Failures mark the layer FAILED (the stack reads state). */
static strata_status progress(struct tl *t)
{
    strata_status r;
    if (t->state & STRATA_LAYER_FAILED)
        return strata__tls_st(t->c);
    if (!(t->state & STRATA_LAYER_UP)) {
        r = strata_tls_conn_handshake(t->c);
        if (waiting(r))
            return STRATA_OK;
        if (r != STRATA_OK)
            return fail(t, r);
        t->state |= STRATA_LAYER_UP;
        apply_fit(t);
    }
    if ((r = write_pend(t, t->flush_wanted || t->want_close)) != STRATA_OK)
        return r;
    if (strata_buf_len(&t->pend) == 0)
        t->flush_wanted = 0;
    if (t->want_close && !(t->state & STRATA_LAYER_WRITE_CLOSED) && strata_buf_len(&t->pend) == 0) {
        r = strata_tls_conn_shutdown(t->c, NULL);
        if (r == STRATA_OK)
            t->state |= STRATA_LAYER_WRITE_CLOSED;
        else if (!waiting(r))
            return fail(t, r);
    }
    while (!(t->state & STRATA_LAYER_READ_CLOSED)) {
        size_t room = strata_buf_avail(&t->up), n = 0;
        if (room == 0)
            break;
        if (room > FRAG_MAX)
            room = FRAG_MAX;
        uint8_t *p;
        if (strata_buf_reserve(&t->up, room, &p) != STRATA_OK)
            return fail(t, STRATA_E_NOMEM);
        r = strata_tls_conn_recv(t->c, p, room, &n);
        if (strata_buf_consume_end(&t->up, room - n) != STRATA_OK)
            return fail(t, STRATA_E_INTERNAL);
        if (r == STRATA_CLOSED) {
            t->state |= STRATA_LAYER_READ_CLOSED;
            break;
        }
        if (waiting(r))
            break;
        if (r != STRATA_OK)
            return fail(t, r);
    }
    return STRATA_OK;
}

static strata_status tl_start(void *self)
{
    return progress(self);
}

static strata_status tl_recv(void *self, const uint8_t *p, size_t n, size_t *used)
{
    struct tl *t = self;
    *used = 0;
    if (t->state & STRATA_LAYER_FAILED)
        return strata__tls_st(t->c);
    if (t->state & STRATA_LAYER_READ_CLOSED)
        return STRATA_OK; /* nothing past our end */
    if (strata__tls_wire_in_len(&t->c->wire) == 0 && !t->c->wire.eof) {
        /* Nothing older waits in the engine's input: it reads the records
         * straight from the caller's bytes, as far as it needs them; the
         * rest (past our close_notify, or while our plaintext buffer is
         * full) stays with the caller. */
        strata__tls_wire_lend(&t->c->wire, p, n);
        strata_status r = progress(t);
        *used = strata__tls_wire_unlend(&t->c->wire);
        return r;
    }
    strata_status r = strata_tls_conn_bio_write(t->c, p, n, used);
    if (r != STRATA_OK)
        return fail(t, r);
    return progress(t);
}

static const uint8_t *tl_recv_buf(void *self, size_t *n)
{
    struct tl *t = self;
    *n = strata_buf_len(&t->up);
    return strata_buf_ptr(&t->up);
}

static void tl_recv_ack(void *self, size_t n)
{
    struct tl *t = self;
    if (strata_buf_consume(&t->up, n) != STRATA_OK) {
        fail(t, STRATA_E_INTERNAL);
        return;
    }
    (void)progress(t); /* room for more plaintext */
}

static strata_status tl_send(void *self, const uint8_t *p, size_t n, size_t *used)
{
    struct tl *t = self;
    strata_status r;
    *used = 0;
    if (t->state & STRATA_LAYER_FAILED)
        return strata__tls_st(t->c);
    if (t->want_close)
        return STRATA_E_STATE;
    t->flush_wanted = 0; /* more is coming: the stack flushes again after it */
    int up = (t->state & STRATA_LAYER_UP) != 0;
    size_t have = strata_buf_len(&t->pend);
    if (!up || have > 0) {
        /* Behind held bytes: before the handshake as much as fits; after
         * it only up to the end of the held partial record. */
        size_t take = have < PLAIN_CAP ? PLAIN_CAP - have : 0;
        if (up)
            take = have < t->frag ? t->frag - have : 0;
        if (take > n)
            take = n;
        if (take && strata_buf_put(&t->pend, p, take) != STRATA_OK)
            return fail(t, STRATA_E_NOMEM);
        *used = take;
        if ((r = progress(t)) != STRATA_OK || strata_buf_len(&t->pend) > 0)
            return r;
    }
    /* Full records straight from the caller's bytes. */
    while (n - *used >= t->frag && record_fits(t)) {
        size_t sent = 0;
        r = strata_tls_conn_send(t->c, p + *used, t->frag, &sent);
        *used += sent;
        if (r != STRATA_OK && !waiting(r))
            return fail(t, r);
        if (sent == 0) {
            /* The engine may hold a record made of these bytes and want
             * them again: keep them where they stay put. */
            if (strata_buf_put(&t->pend, p + *used, t->frag) != STRATA_OK)
                return fail(t, STRATA_E_NOMEM);
            *used += t->frag;
            return progress(t);
        }
    }
    /* A tail shorter than a record waits for more, or for flush. */
    if (n - *used > 0 && n - *used < t->frag) {
        if (strata_buf_put(&t->pend, p + *used, n - *used) != STRATA_OK)
            return fail(t, STRATA_E_NOMEM);
        *used = n;
    }
    return progress(t);
}

/* A whole record of the layer above, straight from its engine's buffer:
 * only a full record of ours, once up, with nothing of ours held before it
 * and room for our record. */
static size_t tl_take(void *self, const uint8_t *p, size_t n)
{
    struct tl *t = self;
    if ((t->state & (STRATA_LAYER_FAILED | STRATA_LAYER_WRITE_CLOSED)) ||
        !(t->state & STRATA_LAYER_UP) || t->want_close || n != t->frag ||
        strata_buf_len(&t->pend) > 0 || !record_fits(t))
        return 0;
    size_t sent = 0;
    strata_status r = strata_tls_conn_send(t->c, p, n, &sent);
    if (r != STRATA_OK && !waiting(r)) {
        fail(t, r);
        return sent; /* the record beneath is whole or absent: what went stays gone */
    }
    /* Not all written (cannot happen with room for the record): the rest
     * waits in pend, where the engine finds it again. */
    if (sent < n && strata_buf_put(&t->pend, p + sent, n - sent) != STRATA_OK) {
        fail(t, STRATA_E_NOMEM);
        return sent;
    }
    return n;
}

/* The wire's direct hook of a layer linked to the layer beneath: a record
 * goes into that layer while none of ours waits in the output buffer (the
 * wire only calls it then), so order is kept. */
static size_t to_below(void *arg, const uint8_t *p, size_t n)
{
    struct tl *t = arg;
    return t->below.ops->take(t->below.self, p, n);
}

static void tl_link(void *self, strata_layer beneath)
{
    struct tl *t = self;
    t->below = beneath;
    t->c->wire.direct = beneath.ops ? to_below : NULL;
    t->c->wire.direct_arg = beneath.ops ? t : NULL;
}

static const uint8_t *tl_send_buf(void *self, size_t *n)
{
    struct tl *t = self;
    return strata_tls_conn_bio_read_buf(t->c, n);
}

static void tl_send_ack(void *self, size_t n)
{
    struct tl *t = self;
    if (strata_tls_conn_bio_read_ack(t->c, n) != STRATA_OK) {
        fail(t, STRATA_E_INTERNAL);
        return;
    }
    (void)progress(t); /* room for more records */
}

static strata_status tl_flush(void *self)
{
    struct tl *t = self;
    if (strata_buf_len(&t->pend) == 0)
        return strata__tls_st(t->c);
    t->flush_wanted = 1;
    return progress(t);
}

static size_t tl_record_room(const void *self)
{
    return ((const struct tl *)self)->frag;
}

static void tl_fit(void *self, size_t room)
{
    struct tl *t = self;
    t->fit_room = room;
    /* Records for a layer beneath wait there only until it takes them: a
     * few suffice, and the bytes stay in cache. The outermost layer's go to
     * the transport in large writes. */
    t->c->wire.out_cap = room ? INNER_OUT_CAP : STRATA_TLS_OUT_SIZE;
    if (t->state & STRATA_LAYER_UP)
        apply_fit(t);
}

static strata_status tl_shutdown(void *self)
{
    struct tl *t = self;
    t->want_close = 1;
    return progress(t);
}

static strata_status tl_eof(void *self)
{
    struct tl *t = self;
    if (t->state & (STRATA_LAYER_READ_CLOSED | STRATA_LAYER_FAILED))
        return strata__tls_st(t->c);
    strata_status r = strata_tls_conn_bio_shutdown(t->c);
    if (r != STRATA_OK)
        return fail(t, r);
    r = progress(t);
    /* Not closed yet. If our plaintext buffer is full, the engine has not
     * read all it was given, and the peer's close_notify may be waiting
     * there: the reader's next recv_ack runs progress, which meets either
     * the close_notify or the engine's own unexpected-EOF error. Otherwise
     * the engine read everything without a close_notify: an unclean end. */
    if (r == STRATA_OK && !(t->state & STRATA_LAYER_READ_CLOSED) && strata_buf_avail(&t->up) > 0)
        return fail(t,
                    strata__tls_st(t->c) != STRATA_OK ? strata__tls_st(t->c) : STRATA_EOF_UNCLEAN);
    return r;
}

static unsigned tl_state(const void *self)
{
    return ((const struct tl *)self)->state;
}

static const strata_error *tl_error(const void *self)
{
    return strata_tls_conn_error(((const struct tl *)self)->c);
}

static const uint8_t *tl_take_leftover(void *self, size_t *n)
{
    struct tl *t = self;
    size_t k;
    const uint8_t *p = strata__tls_wire_in_take(&t->c->wire, &k);
    if (k && strata_buf_put(&t->left, p, k) == STRATA_OK &&
        strata_buf_consume(&t->c->wire.in, k) != STRATA_OK)
        fail(t, STRATA_E_INTERNAL);
    *n = strata_buf_len(&t->left);
    return strata_buf_ptr(&t->left);
}

static void tl_describe(const void *self, char *buf, size_t cap)
{
    const struct tl *t = self;
    char peer[160] = "-";
    X509 *x = SSL_get0_peer_certificate(t->c->ssl);
    if (x)
        X509_NAME_oneline(X509_get_subject_name(x), peer, (int)sizeof(peer));
    const char *alpn = strata_tls_conn_alpn_selected(t->c);
    snprintf(buf, cap, "tls %s %s peer %s%s%s%s",
             strata_tls_conn_protocol_version_name(t->c)
                 ? strata_tls_conn_protocol_version_name(t->c)
                 : "(handshaking)",
             strata_tls_conn_cipher_name(t->c) ? strata_tls_conn_cipher_name(t->c) : "-", peer,
             alpn ? " alpn " : "", alpn ? alpn : "",
             strata_tls_conn_session_reused(t->c) ? " resumed" : "");
}

static void tl_trim(void *self)
{
    struct tl *t = self;
    strata_buf_release(&t->up);
    strata_buf_release(&t->pend);
    strata_buf_release(&t->left);
    strata__tls_wire_trim(&t->c->wire);
    (void)SSL_free_buffers(t->c->ssl); /* 0 when a record is half read or written: kept */
}

static void tl_free(void *self)
{
    struct tl *t = self;
    strata_tls_conn_free(t->c);
    /* Application plaintext: wiped when freed, not on every drain. */
    strata_buf_set_secret(&t->up);
    strata_buf_set_secret(&t->pend);
    strata_buf_free(&t->up);
    strata_buf_free(&t->pend);
    strata_buf_free(&t->left);
    free(t);
}

static const struct strata_layer_ops tls_layer_ops = {
    .name = "tls",
    .start = tl_start,
    .recv = tl_recv,
    .recv_buf = tl_recv_buf,
    .recv_ack = tl_recv_ack,
    .send = tl_send,
    .send_buf = tl_send_buf,
    .send_ack = tl_send_ack,
    .flush = tl_flush,
    .record_room = tl_record_room,
    .fit = tl_fit,
    .shutdown = tl_shutdown,
    .eof = tl_eof,
    .state = tl_state,
    .error = tl_error,
    .take_leftover = tl_take_leftover,
    .describe = tl_describe,
    .trim = tl_trim,
    .free = tl_free,
    .take = tl_take,
    .link = tl_link,
};

strata_status strata_tls_layer_new(strata_tls_conn *conn, strata_layer *out)
{
    out->ops = NULL;
    out->self = NULL;
    if (!conn || conn->driver || conn->role < 0)
        return STRATA_E_USAGE;
    struct tl *t = calloc(1, sizeof(*t));
    if (!t)
        return STRATA_E_NOMEM;
    t->c = conn;
    t->frag = FRAG_MAX;
    strata_buf_init(&t->up, PLAIN_CAP);
    strata_buf_init(&t->pend, PLAIN_CAP);
    strata_buf_init(&t->left, 2 * STRATA_TLS_BIO_SIZE);
    out->ops = &tls_layer_ops;
    out->self = t;
    return STRATA_OK;
}

strata_tls_conn *strata_tls_layer_conn(const strata_layer *layer)
{
    if (!layer || layer->ops != &tls_layer_ops)
        return NULL;
    return ((const struct tl *)layer->self)->c;
}
