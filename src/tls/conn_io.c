/* TLS connection: the memory buffers. bio_write feeds the peer's bytes into
 * the pair, bio_read takes the bytes for the peer out of it; the _buf / _ack
 * calls do the same in place (BIO_nwrite0 / BIO_nread0 on the pair). */
#include <limits.h>
#include <openssl/err.h>

#include "tls/tls_internal.h"

static int clamp(size_t n)
{
    return n > INT_MAX ? INT_MAX : (int)n;
}

strata_status strata_tls_conn_bio_write(strata_tls_conn *conn, const void *p, size_t n,
                                        size_t *used)
{
    *used = 0;
    if (n == 0)
        return STRATA_OK;
    if (conn->bio_eof)
        return strata__error_set(&conn->err, STRATA_E_STATE, "bio_write after bio_shutdown");
    int k = BIO_write(conn->net, p, clamp(n));
    if (k > 0)
        *used = (size_t)k;
    return STRATA_OK; /* k <= 0: the pair is full (back-pressure) */
}

strata_status strata_tls_conn_bio_read(strata_tls_conn *conn, void *buf, size_t cap, size_t *n)
{
    *n = 0;
    if (cap == 0)
        return STRATA_OK;
    int k = BIO_read(conn->net, buf, clamp(cap));
    if (k <= 0)
        return STRATA_WANT_READ;
    *n = (size_t)k;
    return STRATA_OK;
}

strata_status strata_tls_conn_bio_shutdown(strata_tls_conn *conn)
{
    if (!conn->bio_eof) {
        conn->bio_eof = 1;
        /* The SSL's reads see end-of-file once the buffered bytes are used. */
        if (BIO_shutdown_wr(conn->net) <= 0)
            return strata__error_set_ossl(&conn->err, STRATA_E_INTERNAL,
                                          "cannot mark the end of the peer's stream");
    }
    return STRATA_OK;
}

size_t strata_tls_conn_bio_pending(const strata_tls_conn *conn)
{
    return BIO_ctrl_pending(conn->net);
}

uint8_t *strata_tls_conn_bio_write_buf(strata_tls_conn *conn, size_t *cap)
{
    char *p = NULL;
    *cap = 0;
    if (conn->bio_eof)
        return NULL;
    ossl_ssize_t k = BIO_nwrite0(conn->net, &p);
    if (k <= 0 || !p)
        return NULL;
    *cap = (size_t)k;
    return (uint8_t *)p;
}

strata_status strata_tls_conn_bio_write_ack(strata_tls_conn *conn, size_t n)
{
    char *p;
    if (n == 0)
        return STRATA_OK;
    ossl_ssize_t room = conn->bio_eof ? 0 : BIO_nwrite0(conn->net, &p);
    if (room < 0 || n > (size_t)room || BIO_nwrite(conn->net, &p, (int)n) != (int)n)
        return strata__error_set(&conn->err, STRATA_E_USAGE,
                                 "bio_write_ack of %zu bytes exceeds what bio_write_buf gave", n);
    return STRATA_OK;
}

const uint8_t *strata_tls_conn_bio_read_buf(strata_tls_conn *conn, size_t *n)
{
    char *p = NULL;
    *n = 0;
    ossl_ssize_t k = BIO_nread0(conn->net, &p);
    if (k <= 0 || !p)
        return NULL;
    *n = (size_t)k;
    return (const uint8_t *)p;
}

strata_status strata_tls_conn_bio_read_ack(strata_tls_conn *conn, size_t n)
{
    char *p;
    if (n == 0)
        return STRATA_OK;
    ossl_ssize_t have = BIO_nread0(conn->net, &p);
    if (have < 0 || n > (size_t)have || BIO_nread(conn->net, &p, (int)n) != (int)n)
        return strata__error_set(&conn->err, STRATA_E_USAGE,
                                 "bio_read_ack of %zu bytes exceeds what bio_read_buf gave", n);
    return STRATA_OK;
}
