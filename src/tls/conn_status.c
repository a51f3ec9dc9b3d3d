/* TLS connection: OpenSSL's SSL_get_error results as strata statuses, one per
 * pyOpenSSL exception class, with a message that names the cause. */
#include <openssl/err.h>

#include "tls/tls_internal.h"

/* The first entry of OpenSSL's queue from libssl, else the first entry
 * (0 when the queue is empty). */
static unsigned long first_ssl_error(void)
{
    unsigned long first = ERR_peek_error();
    if (first == 0 || ERR_GET_LIB(first) == ERR_LIB_SSL)
        return first;
    unsigned long last = ERR_peek_last_error();
    return ERR_GET_LIB(last) == ERR_LIB_SSL ? last : first;
}

/* RFC 8446 §6 and RFC 5246 §7.2: alert descriptions. */
static const struct {
    int code;
    const char *name;
} alerts[] = {
    {0, "close_notify"},
    {10, "unexpected_message"},
    {20, "bad_record_mac"},
    {21, "decryption_failed"},
    {22, "record_overflow"},
    {30, "decompression_failure"},
    {40, "handshake_failure"},
    {41, "no_certificate"},
    {42, "bad_certificate"},
    {43, "unsupported_certificate"},
    {44, "certificate_revoked"},
    {45, "certificate_expired"},
    {46, "certificate_unknown"},
    {47, "illegal_parameter"},
    {48, "unknown_ca"},
    {49, "access_denied"},
    {50, "decode_error"},
    {51, "decrypt_error"},
    {60, "export_restriction"},
    {70, "protocol_version"},
    {71, "insufficient_security"},
    {80, "internal_error"},
    {86, "inappropriate_fallback"},
    {90, "user_canceled"},
    {100, "no_renegotiation"},
    {109, "missing_extension"},
    {110, "unsupported_extension"},
    {111, "certificate_unobtainable"},
    {112, "unrecognized_name"},
    {113, "bad_certificate_status_response"},
    {114, "bad_certificate_hash_value"},
    {115, "unknown_psk_identity"},
    {116, "certificate_required"},
    {120, "no_application_protocol"},
};

static const char *alert_name(int code)
{
    for (size_t i = 0; i < sizeof(alerts) / sizeof(alerts[0]); i++)
        if (alerts[i].code == code)
            return alerts[i].name;
    return "unknown alert";
}

static strata_status eof_unclean(strata_tls_conn *conn)
{
    ERR_clear_error();
    if (!conn->established)
        return strata__error_set(strata__tls_err(conn), STRATA_EOF_UNCLEAN,
                                 "the peer's stream ended during the handshake, without "
                                 "close_notify");
    if (conn->partial_record)
        return strata__error_set(strata__tls_err(conn), STRATA_EOF_UNCLEAN,
                                 "the peer's stream ended in the middle of a TLS record "
                                 "(truncated), without close_notify");
    return strata__error_set(strata__tls_err(conn), STRATA_EOF_UNCLEAN,
                             "the peer's stream ended without close_notify");
}

static strata_status ssl_failure(strata_tls_conn *conn, const char *op)
{
    unsigned long e = first_ssl_error();
    int reason = ERR_GET_REASON(e);
    if ((conn->vfail && conn->vfail->set) || (e && reason == SSL_R_CERTIFICATE_VERIFY_FAILED))
        return strata__tls_verify_error(conn);
    if (e && ERR_GET_LIB(e) == ERR_LIB_SSL) {
        if (reason == SSL_R_UNEXPECTED_EOF_WHILE_READING)
            return eof_unclean(conn);
        if (reason == SSL_R_PEER_DID_NOT_RETURN_A_CERTIFICATE)
            return strata__error_set_ossl(strata__tls_err(conn), STRATA_E_TLS_CERT_NONE,
                                          "the peer sent no certificate, and one is required");
        if (reason == SSL_R_UNSUPPORTED_PROTOCOL || reason == SSL_R_NO_PROTOCOLS_AVAILABLE ||
            reason == SSL_R_UNSUPPORTED_SSL_VERSION || reason == SSL_R_TLSV1_ALERT_PROTOCOL_VERSION)
            return strata__error_set_ossl(strata__tls_err(conn), STRATA_E_TLS_VERSION,
                                          "%s failed: no protocol version in common (%s)", op,
                                          ERR_reason_error_string(e));
        /* Received alerts have reasons SSL_AD_REASON_OFFSET + alert number. */
        if (reason >= SSL_AD_REASON_OFFSET && reason < SSL_AD_REASON_OFFSET + 256)
            return strata__error_set_ossl(strata__tls_err(conn), STRATA_E_TLS_ALERT,
                                          "%s failed: the peer sent a fatal alert: %s (%d)", op,
                                          alert_name(reason - SSL_AD_REASON_OFFSET),
                                          reason - SSL_AD_REASON_OFFSET);
    }
    const char *why = e ? ERR_reason_error_string(e) : NULL;
    return strata__error_set_ossl(strata__tls_err(conn), STRATA_E_TLS, "%s failed: %s", op,
                                  why ? why : "TLS protocol error");
}

strata_status strata__tls_io_status(strata_tls_conn *conn, int r, const char *op)
{
    switch (SSL_get_error(conn->ssl, r)) {
    case SSL_ERROR_NONE:
        if (SSL_is_init_finished(conn->ssl))
            conn->established = 1;
        return STRATA_OK;
    case SSL_ERROR_ZERO_RETURN:
        return STRATA_CLOSED;
    case SSL_ERROR_WANT_READ:
        /* Part of a record read: an end of stream now truncates it. */
        conn->partial_record = SSL_has_pending(conn->ssl);
        return STRATA_WANT_READ;
    case SSL_ERROR_WANT_WRITE:
        return STRATA_WANT_WRITE;
    case SSL_ERROR_WANT_X509_LOOKUP:
    case SSL_ERROR_WANT_CLIENT_HELLO_CB:
        return STRATA_WANT_X509_LOOKUP;
    case SSL_ERROR_SYSCALL:
        if (ERR_peek_error() == 0)
            return eof_unclean(conn);
        return ssl_failure(conn, op);
    case SSL_ERROR_SSL:
        return ssl_failure(conn, op);
    default:
        return strata__error_set_ossl(strata__tls_err(conn), STRATA_E_INTERNAL,
                                      "%s: unexpected OpenSSL result", op);
    }
}
