/* TLS verification: the peer names a client checks (SNI, host name, IP
 * address) and the messages that say which certificate failed and why.
 *
 * Host names are checked by OpenSSL's X509_check_host inside chain
 * verification (X509_VERIFY_PARAM), against subjectAltName only (RFC 6125
 * §6.4.4: no fallback to the subject CN when a SAN is present; strata never
 * falls back) with wildcards covering exactly one whole left-most label.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/err.h>
#include <openssl/x509v3.h>

#include "strata/log.h"
#include "tls/tls_internal.h"
#include "pki/verify_status.h"

static int is_ip_literal(const char *name)
{
    ASN1_OCTET_STRING *ip = a2i_IPADDRESS(name);
    ERR_clear_error();
    if (!ip)
        return 0;
    ASN1_OCTET_STRING_free(ip);
    return 1;
}

static strata_status set_str(strata_tls_conn *conn, char **slot, const char *v)
{
    char *copy = NULL;
    if (v && !(copy = strdup(v)))
        return strata__error_set(strata__tls_err(conn), STRATA_E_NOMEM, "out of memory");
    free(*slot);
    *slot = copy;
    return STRATA_OK;
}

/* RFC 6125 §6.4.3-§6.4.4: wildcards cover one whole left-most label; no
 * fallback to the subject CN. */
#define NAME_FLAGS (X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS | X509_CHECK_FLAG_NEVER_CHECK_SUBJECT)

int strata__tls_session_carries_name(const SSL_SESSION *sess, const char *name)
{
    if (!sess || !name || !name[0])
        return 0;
    /* get0_peer takes a non-const session but only reads it. */
    X509 *peer = SSL_SESSION_get0_peer((SSL_SESSION *)sess);
    if (!peer)
        return 0;
    int r = is_ip_literal(name) ? X509_check_ip_asc(peer, name, NAME_FLAGS)
                                : X509_check_host(peer, name, 0, NAME_FLAGS, NULL);
    ERR_clear_error();
    return r == 1;
}

strata_status strata_tls_conn_set_tlsext_host_name(strata_tls_conn *conn, const char *name)
{
    strata_status r;
    if (!name || !name[0] || strlen(name) > 255)
        return strata__error_set(strata__tls_err(conn), STRATA_E_USAGE,
                                 "a server name must be 1 to 255 bytes");
    if (conn->role == 1)
        return strata__error_set(strata__tls_err(conn), STRATA_E_STATE,
                                 "set_tlsext_host_name is for client connections");
    if ((r = set_str(conn, &conn->sni, name)) != STRATA_OK)
        return r;
    /* RFC 6066 §3: literal IP addresses are not sent as SNI; the name is
     * still what the certificate is checked against. */
    if (is_ip_literal(name))
        return STRATA_OK;
    if (!SSL_set_tlsext_host_name(conn->ssl, name))
        return strata__error_set_ossl(strata__tls_err(conn), STRATA_E_USAGE,
                                      "server name '%s' refused", name);
    return STRATA_OK;
}

const char *strata_tls_conn_get_servername(const strata_tls_conn *conn)
{
    const char *s = SSL_get_servername(conn->ssl, TLSEXT_NAMETYPE_host_name);
    if (!s && conn->role == 0)
        s = conn->sni;
    return s;
}

strata_status strata_tls_conn_set_verify_name(strata_tls_conn *conn, const char *name)
{
    if (conn->verify_armed)
        return strata__error_set(strata__tls_err(conn), STRATA_E_STATE,
                                 "set_verify_name must come before the handshake");
    conn->hostname_set = 1;
    return set_str(conn, &conn->verify_name, name);
}

strata_status strata__tls_prepare_verify(strata_tls_conn *conn)
{
    strata_status r;
    if (conn->verify_armed || conn->role != 0)
        return STRATA_OK;
    conn->verify_armed = 1;
    if (!(SSL_get_verify_mode(conn->ssl) & SSL_VERIFY_PEER) || !conn->check_hostname)
        return STRATA_OK;
    if (conn->hostname_set && !conn->verify_name)
        return STRATA_OK; /* the caller said so in so many words */
    if (!conn->hostname_set) {
        if (!conn->sni)
            return strata__error_set(strata__tls_err(conn), STRATA_E_STATE,
                                     "no name to check the server's certificate against: call "
                                     "strata_tls_conn_set_tlsext_host_name or "
                                     "strata_tls_conn_set_verify_name (NULL to skip the check)");
        if ((r = set_str(conn, &conn->verify_name, conn->sni)) != STRATA_OK)
            return r;
    }
    /* A resumed handshake verifies no certificate: a session offered to
     * this name must have been made with a certificate for it that was
     * verified then (SSL_set_session copied the session's verification
     * result to the SSL; nothing has overwritten it before the handshake). */
    SSL_SESSION *offered = SSL_get_session(conn->ssl);
    long vr = SSL_get_verify_result(conn->ssl);
    if (offered &&
        (vr != X509_V_OK || !strata__tls_session_carries_name(offered, conn->verify_name))) {
        strata_log(STRATA_LOG_DEBUG, "tls", "session not offered to '%s': %s", conn->verify_name,
                   vr != X509_V_OK ? "its certificate was not verified"
                                   : "its certificate does not carry the name");
        if (!SSL_set_session(conn->ssl, NULL))
            return strata__error_set_ossl(strata__tls_err(conn), STRATA_E_INTERNAL,
                                          "cannot withdraw the offered session");
    }
    X509_VERIFY_PARAM *vp = SSL_get0_param(conn->ssl);
    X509_VERIFY_PARAM_set_hostflags(vp, NAME_FLAGS);
    int ok = is_ip_literal(conn->verify_name)
                 ? X509_VERIFY_PARAM_set1_ip_asc(vp, conn->verify_name)
                 : X509_VERIFY_PARAM_set1_host(vp, conn->verify_name, 0);
    if (!ok)
        return strata__error_set_ossl(strata__tls_err(conn), STRATA_E_USAGE,
                                      "'%s' is not a valid host name or IP address",
                                      conn->verify_name);
    return STRATA_OK;
}

/* "DNS:a, DNS:b, IP:127.0.0.1" from subjectAltName, or "no subjectAltName". */
static void san_list(X509 *cert, char *out, size_t cap)
{
    snprintf(out, cap, "no subjectAltName");
    GENERAL_NAMES *gens = X509_get_ext_d2i(cert, NID_subject_alt_name, NULL, NULL);
    if (!gens)
        return;
    size_t len = 0;
    out[0] = '\0';
    for (int i = 0; i < sk_GENERAL_NAME_num(gens) && len < cap; i++) {
        const GENERAL_NAME *g = sk_GENERAL_NAME_value(gens, i);
        const char *sep = len ? ", " : "";
        int k = 0;
        if (g->type == GEN_DNS) {
            k = snprintf(out + len, cap - len, "%sDNS:%.*s", sep, g->d.dNSName->length,
                         (const char *)g->d.dNSName->data);
        } else if (g->type == GEN_IPADD) {
            char ip[INET6_ADDRSTRLEN] = "?";
            const ASN1_OCTET_STRING *a = g->d.iPAddress;
            if (a->length == 4 || a->length == 16)
                inet_ntop(a->length == 4 ? AF_INET : AF_INET6, a->data, ip, sizeof(ip));
            k = snprintf(out + len, cap - len, "%sIP:%s", sep, ip);
        }
        if (k > 0)
            len += (size_t)k;
    }
    GENERAL_NAMES_free(gens);
    ERR_clear_error();
    if (len == 0)
        snprintf(out, cap, "no DNS or IP subjectAltName");
}

static void print_time(const ASN1_TIME *t, char *out, size_t cap)
{
    BIO *m = BIO_new(BIO_s_mem());
    out[0] = '\0';
    if (m && t && ASN1_TIME_print(m, t)) {
        int k = BIO_read(m, out, (int)cap - 1);
        out[k > 0 ? k : 0] = '\0';
    }
    BIO_free(m);
}

void strata__tls_note_verify_failure(strata_tls_conn *conn, X509_STORE_CTX *sctx, int by_callback)
{
    if (!conn->vfail && !(conn->vfail = calloc(1, sizeof(*conn->vfail))))
        return; /* the report falls back to OpenSSL's verify result */
    struct strata_tls_verify_fail *f = conn->vfail;
    if (f->set)
        return;
    f->set = 1;
    f->by_callback = by_callback;
    f->depth = X509_STORE_CTX_get_error_depth(sctx);
    f->code = X509_STORE_CTX_get_error(sctx);
    X509 *cert = X509_STORE_CTX_get_current_cert(sctx);
    snprintf(f->subject, sizeof(f->subject), "no certificate");
    if (!cert)
        return;
    X509_NAME_oneline(X509_get_subject_name(cert), f->subject, (int)sizeof(f->subject));
    if (f->code == X509_V_ERR_HOSTNAME_MISMATCH || f->code == X509_V_ERR_IP_ADDRESS_MISMATCH)
        san_list(cert, f->detail, sizeof(f->detail));
    else if (f->code == X509_V_ERR_CERT_HAS_EXPIRED)
        print_time(X509_get0_notAfter(cert), f->detail, sizeof(f->detail));
    else if (f->code == X509_V_ERR_CERT_NOT_YET_VALID)
        print_time(X509_get0_notBefore(cert), f->detail, sizeof(f->detail));
}

strata_status strata__tls_verify_error(strata_tls_conn *conn)
{
    struct strata_tls_verify_fail *f = conn->vfail;
    strata_error *e = strata__tls_err(conn);
    if (!f || !f->set) {
        long code = SSL_get_verify_result(conn->ssl);
        return strata__error_set_ossl(
            e, strata__x509_verify_status((int)code, STRATA_E_TLS_CERT_INVALID),
            "certificate verify failed: %s", X509_verify_cert_error_string(code));
    }
    if (f->by_callback)
        return strata__error_set_ossl(e, STRATA_E_TLS_CERT_REJECTED,
                                      "the verify callback rejected the certificate at depth %d "
                                      "(%s)",
                                      f->depth, f->subject);
    strata_status st = strata__x509_verify_status(f->code, STRATA_E_TLS_CERT_INVALID);
    if (st == STRATA_E_CERT_HOSTNAME)
        return strata__error_set_ossl(e, st,
                                      "certificate name mismatch: expected '%s', certificate has "
                                      "%s",
                                      conn->verify_name ? conn->verify_name : "?", f->detail);
    if (f->code == X509_V_ERR_CERT_HAS_EXPIRED)
        return strata__error_set_ossl(e, st,
                                      "certificate at depth %d (%s) has expired (notAfter %s)",
                                      f->depth, f->subject, f->detail);
    if (f->code == X509_V_ERR_CERT_NOT_YET_VALID)
        return strata__error_set_ossl(e, st,
                                      "certificate at depth %d (%s) is not yet valid (notBefore "
                                      "%s)",
                                      f->depth, f->subject, f->detail);
    return strata__error_set_ossl(e, st, "certificate verify failed at depth %d (%s): %s", f->depth,
                                  f->subject, X509_verify_cert_error_string(f->code));
}

long strata_tls_conn_verify_result(const strata_tls_conn *conn)
{
    return SSL_get_verify_result(conn->ssl);
}
