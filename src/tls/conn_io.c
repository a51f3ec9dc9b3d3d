/* TLS connection: the memory buffers. bio_write feeds the peer's bytes into
 * the wire's input, bio_read takes the bytes for the peer out of its output;
 * the _buf / _ack calls do the same in place (wire.c). */
#include <string.h>
#include <openssl/err.h>

#include "tls/tls_internal.h"

strata_status strata_tls_conn_bio_write(strata_tls_conn *conn, const void *p, size_t n,
                                        size_t *used)
{
    *used = 0;
    if (n == 0)
        return STRATA_OK;
    if (conn->wire.eof)
        return strata__error_set(strata__tls_err(conn), STRATA_E_STATE,
                                 "bio_write after bio_shutdown");
    *used = strata__tls_wire_in_put(&conn->wire, p, n);
    return STRATA_OK; /* 0 taken: the buffer is full (back-pressure) */
}

strata_status strata_tls_conn_bio_read(strata_tls_conn *conn, void *buf, size_t cap, size_t *n)
{
    *n = 0;
    if (cap == 0)
        return STRATA_OK;
    size_t have = strata_buf_len(&conn->wire.out);
    if (have == 0)
        return STRATA_WANT_READ;
    size_t k = cap < have ? cap : have;
    memcpy(buf, strata_buf_ptr(&conn->wire.out), k);
    if (strata_buf_consume(&conn->wire.out, k) != STRATA_OK) /* k <= length: cannot fail */
        return STRATA_E_INTERNAL;
    *n = k;
    return STRATA_OK;
}

strata_status strata_tls_conn_bio_shutdown(strata_tls_conn *conn)
{
    conn->wire.eof = 1; /* the SSL's reads see end-of-file once `in` is used */
    return STRATA_OK;
}

size_t strata_tls_conn_bio_pending(const strata_tls_conn *conn)
{
    return strata_buf_len(&conn->wire.out);
}

uint8_t *strata_tls_conn_bio_write_buf(strata_tls_conn *conn, size_t *cap)
{
    *cap = 0;
    if (conn->wire.eof)
        return NULL;
    return strata__tls_wire_in_reserve(&conn->wire, cap);
}

strata_status strata_tls_conn_bio_write_ack(strata_tls_conn *conn, size_t n)
{
    if (n == 0 && conn->wire.in_resv == 0)
        return STRATA_OK;
    if (!strata__tls_wire_in_commit(&conn->wire, n))
        return strata__error_set(strata__tls_err(conn), STRATA_E_USAGE,
                                 "bio_write_ack of %zu bytes exceeds what bio_write_buf gave", n);
    return STRATA_OK;
}

const uint8_t *strata_tls_conn_bio_read_buf(strata_tls_conn *conn, size_t *n)
{
    *n = strata_buf_len(&conn->wire.out);
    return *n ? strata_buf_ptr(&conn->wire.out) : NULL;
}

strata_status strata_tls_conn_bio_read_ack(strata_tls_conn *conn, size_t n)
{
    if (strata_buf_consume(&conn->wire.out, n) != STRATA_OK)
        return strata__error_set(strata__tls_err(conn), STRATA_E_USAGE,
                                 "bio_read_ack of %zu bytes exceeds what bio_read_buf gave", n);
    return STRATA_OK;
}
