/* The connection's wire buffers and the BIO the SSL reads and writes them
 * through.
 *
 * Two bounded strata_bufs per connection, `in` (the peer's bytes, which the
 * SSL reads) and `out` (records for the peer, which the SSL writes), each at
 * most STRATA_TLS_BIO_SIZE and STRATA_TLS_OUT_SIZE bytes. Unlike a BIO pair they are linear (a
 * reader always sees all waiting bytes in one piece) and they own no memory
 * while empty once trimmed: an idle connection keeps no buffers.
 *
 * The write side takes a record whole or not at all, so `out` only ever
 * holds whole records: a layer beneath that reads it sees record boundaries,
 * which is what lets an inner record fill exactly one outer record.
 *
 * Lent input: a TLS layer's recv lends the caller's bytes for the call
 * (strata__tls_wire_lend); the SSL reads them after `in` without their being
 * copied into `in`, and what it did not read stays with the caller.
 *
 * Direct output: while `out` is empty, a record may go past it through the
 * `direct` hook (socket mode: the socket; a TLS layer: the layer beneath it,
 * tls_layer.c), so it is not copied here; out_copied counts what was.
 *
 * Zero-copy input (bio_write_buf / bio_write_ack) reserves room at the end of
 * `in`; reserved bytes are not readable until acknowledged.
 */
#include <limits.h>
#include <openssl/bio.h>
#include <openssl/crypto.h>

#include "tls/tls_internal.h"

/* Room worth taking at the end of `in` before moving its bytes to the front. */
#define IN_TAIL_MIN (32u * 1024u)

static BIO_METHOD *wire_method;
static CRYPTO_ONCE wire_once = CRYPTO_ONCE_STATIC_INIT;

static size_t in_avail(const struct strata__tls_wire *w)
{
    return strata_buf_len(&w->in) - w->in_resv;
}

static size_t ext_avail(const struct strata__tls_wire *w)
{
    return w->ext_len - w->ext_used;
}

static int wire_read(BIO *b, char *buf, size_t n, size_t *done)
{
    struct strata__tls_wire *w = BIO_get_data(b);
    size_t have = in_avail(w);
    *done = 0;
    BIO_clear_retry_flags(b);
    if (have == 0 && ext_avail(w) > 0) {
        /* Lent bytes, read where they lie: no copy into `in` first. */
        size_t k = n < ext_avail(w) ? n : ext_avail(w);
        memcpy(buf, w->ext + w->ext_used, k);
        w->ext_used += k;
        *done = k;
        return 1;
    }
    if (have == 0) {
        if (!w->eof)
            BIO_set_retry_read(b);
        return 0; /* with eof: the end of the peer's stream */
    }
    size_t k = n < have ? n : have;
    memcpy(buf, strata_buf_ptr(&w->in), k);
    if (strata_buf_consume(&w->in, k) != STRATA_OK) /* k <= length: cannot fail */
        return 0;
    *done = k;
    return 1;
}

static int wire_write(BIO *b, const char *buf, size_t n, size_t *done)
{
    struct strata__tls_wire *w = BIO_get_data(b);
    *done = 0;
    BIO_clear_retry_flags(b);
    size_t have = strata_buf_len(&w->out);
    if (have == 0 && w->direct) {
        /* Socket mode: to the socket without a copy; a linked TLS layer:
         * into the layer beneath (all or nothing). What is not taken now is
         * buffered below. Once part of the record is out the rest must be
         * kept: only running out of memory refuses it (a failure, not a
         * retry). */
        size_t took = w->direct(w->direct_arg, (const uint8_t *)buf, n);
        if (took > n)
            took = n;
        if (took > 0) {
            if (took < n && strata_buf_put(&w->out, buf + took, n - took) != STRATA_OK)
                return 0;
            w->out_copied += n - took;
            *done = n;
            return 1;
        }
    }
    /* Whole or nothing: `out` keeps record boundaries. */
    if (have > w->out_cap || n > w->out_cap - have ||
        strata_buf_put(&w->out, buf, n) != STRATA_OK) {
        BIO_set_retry_write(b);
        return 0;
    }
    w->out_copied += n;
    *done = n;
    return 1;
}

static long wire_ctrl(BIO *b, int cmd, long num, void *ptr)
{
    struct strata__tls_wire *w = BIO_get_data(b);
    (void)num;
    (void)ptr;
    switch (cmd) {
    case BIO_CTRL_FLUSH:
        return 1;
    case BIO_CTRL_PENDING:
        return (long)(in_avail(w) + ext_avail(w));
    case BIO_CTRL_WPENDING:
        return (long)strata_buf_len(&w->out);
    case BIO_CTRL_EOF:
        return w->eof && in_avail(w) == 0 && ext_avail(w) == 0;
    default:
        return 0;
    }
}

static int wire_create(BIO *b)
{
    BIO_set_init(b, 1);
    return 1;
}

static void make_method(void)
{
    BIO_METHOD *m = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "strata wire");
    if (m && BIO_meth_set_read_ex(m, wire_read) && BIO_meth_set_write_ex(m, wire_write) &&
        BIO_meth_set_ctrl(m, wire_ctrl) && BIO_meth_set_create(m, wire_create))
        wire_method = m;
    else
        BIO_meth_free(m);
}

BIO *strata__tls_wire_bio(struct strata__tls_wire *w)
{
    if (!CRYPTO_THREAD_run_once(&wire_once, make_method) || !wire_method)
        return NULL;
    BIO *b = BIO_new(wire_method);
    if (b)
        BIO_set_data(b, w);
    return b;
}

void strata__tls_wire_init(struct strata__tls_wire *w)
{
    strata_buf_init(&w->in, STRATA_TLS_BIO_SIZE);
    strata_buf_init(&w->out, STRATA_TLS_OUT_SIZE);
    w->out_cap = STRATA_TLS_OUT_SIZE;
    w->in_resv = 0;
    w->eof = 0;
    w->direct = NULL;
    w->direct_arg = NULL;
    w->out_copied = 0;
    w->in_copied = 0;
    w->ext = NULL;
    w->ext_len = w->ext_used = 0;
}

void strata__tls_wire_free(struct strata__tls_wire *w)
{
    strata_buf_free(&w->in);
    strata_buf_free(&w->out);
}

void strata__tls_wire_trim(struct strata__tls_wire *w)
{
    if (w->in_resv == 0)
        strata_buf_release(&w->in);
    strata_buf_release(&w->out);
}

/* Drops an unacknowledged reservation. */
static void unreserve(struct strata__tls_wire *w)
{
    /* The reserved bytes are at the end: giving them back cannot fail. */
    if (w->in_resv && strata_buf_consume_end(&w->in, w->in_resv) == STRATA_OK)
        w->in_resv = 0;
}

size_t strata__tls_wire_in_room(struct strata__tls_wire *w)
{
    unreserve(w);
    return STRATA_TLS_BIO_SIZE - strata_buf_len(&w->in);
}

uint8_t *strata__tls_wire_in_reserve(struct strata__tls_wire *w, size_t *cap)
{
    size_t room = strata__tls_wire_in_room(w);
    uint8_t *p = NULL;
    *cap = 0;
    if (room == 0)
        return NULL;
    /* Take the end's room alone when it is large: no move of waiting bytes. */
    size_t tail = w->in.data ? w->in.cap - w->in.len : 0;
    if (tail >= IN_TAIL_MIN && tail < room)
        room = tail;
    if (strata_buf_reserve(&w->in, room, &p) != STRATA_OK)
        return NULL;
    w->in_resv = room;
    *cap = room;
    return p;
}

int strata__tls_wire_in_commit(struct strata__tls_wire *w, size_t n)
{
    if (n > w->in_resv || strata_buf_consume_end(&w->in, w->in_resv - n) != STRATA_OK)
        return 0;
    w->in_resv = 0;
    return 1;
}

size_t strata__tls_wire_in_put(struct strata__tls_wire *w, const void *p, size_t n)
{
    size_t room = strata__tls_wire_in_room(w);
    size_t k = n < room ? n : room;
    if (k && strata_buf_put(&w->in, p, k) != STRATA_OK)
        return 0;
    w->in_copied += k;
    return k;
}

const uint8_t *strata__tls_wire_in_take(struct strata__tls_wire *w, size_t *n)
{
    unreserve(w);
    *n = strata_buf_len(&w->in);
    return strata_buf_ptr(&w->in);
}

void strata__tls_wire_lend(struct strata__tls_wire *w, const uint8_t *p, size_t n)
{
    w->ext = p;
    w->ext_len = n;
    w->ext_used = 0;
}

size_t strata__tls_wire_unlend(struct strata__tls_wire *w)
{
    size_t k = w->ext_used;
    w->ext = NULL;
    w->ext_len = w->ext_used = 0;
    return k;
}

size_t strata__tls_wire_in_len(const struct strata__tls_wire *w)
{
    return in_avail(w);
}
