/* TLS sessions: taking, offering and storing sessions for resumption
 * (RFC 5077 tickets, RFC 8446 §4.6.1 NewSessionTicket). */
#include <limits.h>
#include <stdlib.h>
#include <openssl/err.h>

#include "strata/mem.h"
#include "tls/tls_internal.h"

struct strata_tls_session {
    SSL_SESSION *s;
};

static strata_status wrap(SSL_SESSION *s, strata_tls_session **out)
{
    strata_tls_session *w = malloc(sizeof(*w));
    if (!w) {
        SSL_SESSION_free(s);
        return STRATA_E_NOMEM;
    }
    w->s = s;
    *out = w;
    return STRATA_OK;
}

strata_status strata_tls_conn_get_session(const strata_tls_conn *conn, strata_tls_session **out)
{
    *out = NULL;
    SSL_SESSION *s = SSL_get1_session(conn->ssl);
    if (!s)
        return STRATA_OK;
    return wrap(s, out);
}

strata_status strata_tls_conn_set_session(strata_tls_conn *conn, strata_tls_session *sess)
{
    if (!sess)
        return strata__error_set(strata__tls_err(conn), STRATA_E_USAGE,
                                 "set_session needs a session");
    if (conn->role == 1 || !SSL_in_before(conn->ssl))
        return strata__error_set(strata__tls_err(conn), STRATA_E_STATE,
                                 "set_session is for a client, before its handshake");
    if (!SSL_set_session(conn->ssl, sess->s))
        return strata__error_set_ossl(strata__tls_err(conn), STRATA_E_USAGE,
                                      "the session was refused");
    return STRATA_OK;
}

int strata_tls_conn_session_reused(const strata_tls_conn *conn)
{
    return SSL_session_reused(conn->ssl);
}

void strata_tls_session_free(strata_tls_session *sess)
{
    if (!sess)
        return;
    SSL_SESSION_free(sess->s);
    free(sess);
}

int strata_tls_session_is_resumable(const strata_tls_session *sess)
{
    return SSL_SESSION_is_resumable(sess->s);
}

int strata_tls_session_has_ticket(const strata_tls_session *sess)
{
    return SSL_SESSION_has_ticket(sess->s);
}

strata_status strata_tls_session_to_der(const strata_tls_session *sess, uint8_t **der, size_t *n)
{
    *der = NULL;
    *n = 0;
    int len = i2d_SSL_SESSION(sess->s, NULL);
    if (len <= 0) {
        ERR_clear_error();
        return STRATA_E_INTERNAL;
    }
    uint8_t *buf = malloc((size_t)len);
    if (!buf)
        return STRATA_E_NOMEM;
    uint8_t *p = buf;
    if (i2d_SSL_SESSION(sess->s, &p) != len) {
        strata_free_secret(buf, (size_t)len);
        ERR_clear_error();
        return STRATA_E_INTERNAL;
    }
    *der = buf;
    *n = (size_t)len;
    return STRATA_OK;
}

strata_status strata_tls_session_from_der(const uint8_t *der, size_t n, strata_tls_session **out)
{
    *out = NULL;
    if (n == 0 || n > LONG_MAX)
        return STRATA_E_FORMAT;
    const uint8_t *p = der;
    SSL_SESSION *s = d2i_SSL_SESSION(NULL, &p, (long)n);
    if (!s) {
        ERR_clear_error();
        return STRATA_E_FORMAT;
    }
    if (p != der + n) {
        SSL_SESSION_free(s);
        return STRATA_E_TRAILING;
    }
    return wrap(s, out);
}
