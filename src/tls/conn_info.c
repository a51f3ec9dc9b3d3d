/* TLS connection: what was negotiated (version, cipher, group, ALPN) and the
 * handshake's values (hello randoms, master secret, exporter, Finished). */
#include <stdlib.h>
#include <string.h>
#include <openssl/err.h>

#include "tls/tls_internal.h"

const char *strata_tls_conn_cipher_name(const strata_tls_conn *conn)
{
    const SSL_CIPHER *c = SSL_get_current_cipher(conn->ssl);
    return c ? SSL_CIPHER_get_name(c) : NULL;
}

int strata_tls_conn_cipher_bits(const strata_tls_conn *conn)
{
    const SSL_CIPHER *c = SSL_get_current_cipher(conn->ssl);
    return c ? SSL_CIPHER_get_bits(c, NULL) : 0;
}

const char *strata_tls_conn_cipher_version(const strata_tls_conn *conn)
{
    const SSL_CIPHER *c = SSL_get_current_cipher(conn->ssl);
    return c ? SSL_CIPHER_get_version(c) : NULL;
}

const char *strata_tls_conn_protocol_version_name(const strata_tls_conn *conn)
{
    return SSL_is_init_finished(conn->ssl) ? SSL_get_version(conn->ssl) : NULL;
}

int strata_tls_conn_protocol_version(const strata_tls_conn *conn)
{
    return SSL_is_init_finished(conn->ssl) ? SSL_version(conn->ssl) : 0;
}

const char *strata_tls_conn_group_name(const strata_tls_conn *conn)
{
    int nid = SSL_get_negotiated_group(conn->ssl);
    if (nid <= 0)
        return NULL;
    const char *n = SSL_group_to_name(conn->ssl, nid);
    return n ? n : OBJ_nid2sn(nid);
}

strata_status strata_tls_conn_get_cipher_list(const strata_tls_conn *conn, const char ***out)
{
    *out = NULL;
    STACK_OF(SSL_CIPHER) *sk = SSL_get_ciphers(conn->ssl);
    int n = sk ? sk_SSL_CIPHER_num(sk) : 0;
    const char **list = calloc((size_t)n + 1, sizeof(*list));
    if (!list)
        return STRATA_E_NOMEM;
    for (int i = 0; i < n; i++)
        list[i] = SSL_CIPHER_get_name(sk_SSL_CIPHER_value(sk, i));
    *out = list;
    return STRATA_OK;
}

const char *strata_tls_conn_alpn_selected(const strata_tls_conn *conn)
{
    const unsigned char *p = NULL;
    unsigned len = 0;
    SSL_get0_alpn_selected(conn->ssl, &p, &len);
    if (!p || len == 0)
        return NULL;
    /* Cache a NUL-terminated copy (the selection does not change once made). */
    strata_tls_conn *c = (strata_tls_conn *)conn;
    if (!c->alpn_sel || strlen(c->alpn_sel) != len || memcmp(c->alpn_sel, p, len) != 0) {
        char *s = malloc((size_t)len + 1);
        if (!s)
            return NULL;
        memcpy(s, p, len);
        s[len] = '\0';
        free(c->alpn_sel);
        c->alpn_sel = s;
    }
    return c->alpn_sel;
}

strata_status strata_tls_conn_set_alpn_protos(strata_tls_conn *conn, const char *const *protos,
                                              size_t n)
{
    strata_status r;
    uint8_t *wire = NULL;
    size_t len = 0;
    if (!SSL_in_before(conn->ssl))
        return strata__error_set(strata__tls_err(conn), STRATA_E_STATE,
                                 "ALPN protocols must be set before the handshake");
    if ((r = strata__tls_alpn_encode(protos, n, &wire, &len)) != STRATA_OK)
        return strata__error_set(strata__tls_err(conn), r,
                                 "ALPN protocol names must be 1 to 255 bytes, 65535 in all");
    int bad = SSL_set_alpn_protos(conn->ssl, wire, (unsigned)len);
    free(wire);
    if (bad)
        return strata__error_set_ossl(strata__tls_err(conn), STRATA_E_NOMEM,
                                      "cannot set ALPN protocols");
    return STRATA_OK;
}

/* Copies n bytes (got from OpenSSL) into out: E_STATE when none, E_LIMIT when
 * out is too small. */
static strata_status give(const uint8_t *src, size_t n, uint8_t *out, size_t cap, size_t *outn)
{
    *outn = 0;
    if (n == 0)
        return STRATA_E_STATE;
    if (n > cap)
        return STRATA_E_LIMIT;
    memcpy(out, src, n);
    *outn = n;
    return STRATA_OK;
}

strata_status strata_tls_conn_client_random(const strata_tls_conn *conn, uint8_t *out, size_t cap,
                                            size_t *n)
{
    uint8_t tmp[SSL3_RANDOM_SIZE];
    size_t k = SSL_get_client_random(conn->ssl, tmp, sizeof(tmp));
    return give(tmp, SSL_in_before(conn->ssl) ? 0 : k, out, cap, n);
}

strata_status strata_tls_conn_server_random(const strata_tls_conn *conn, uint8_t *out, size_t cap,
                                            size_t *n)
{
    uint8_t tmp[SSL3_RANDOM_SIZE];
    size_t k = SSL_get_server_random(conn->ssl, tmp, sizeof(tmp));
    return give(tmp, SSL_in_before(conn->ssl) ? 0 : k, out, cap, n);
}

strata_status strata_tls_conn_master_key(const strata_tls_conn *conn, uint8_t *out, size_t cap,
                                         size_t *n)
{
    uint8_t tmp[SSL_MAX_MASTER_KEY_LENGTH];
    *n = 0;
    SSL_SESSION *s = SSL_get_session(conn->ssl);
    if (!s || !SSL_is_init_finished(conn->ssl) || SSL_version(conn->ssl) >= TLS1_3_VERSION)
        return STRATA_E_STATE;
    size_t k = SSL_SESSION_get_master_key(s, tmp, sizeof(tmp));
    strata_status r = give(tmp, k, out, cap, n);
    OPENSSL_cleanse(tmp, sizeof(tmp));
    return r;
}

strata_status strata_tls_conn_export_keying_material(strata_tls_conn *conn, const char *label,
                                                     const uint8_t *context, size_t context_len,
                                                     uint8_t *out, size_t n)
{
    if (!SSL_is_init_finished(conn->ssl))
        return strata__error_set(strata__tls_err(conn), STRATA_E_STATE,
                                 "keying material can be exported only after the handshake");
    if (!label)
        return strata__error_set(strata__tls_err(conn), STRATA_E_USAGE,
                                 "the exporter needs a label");
    if (!SSL_export_keying_material(conn->ssl, out, n, label, strlen(label), context, context_len,
                                    context != NULL))
        return strata__error_set_ossl(strata__tls_err(conn), STRATA_E_CRYPTO,
                                      "cannot export keying material for '%s'", label);
    return STRATA_OK;
}

strata_status strata_tls_conn_get_finished(const strata_tls_conn *conn, uint8_t *out, size_t cap,
                                           size_t *n)
{
    uint8_t tmp[EVP_MAX_MD_SIZE];
    return give(tmp, SSL_get_finished(conn->ssl, tmp, sizeof(tmp)), out, cap, n);
}

strata_status strata_tls_conn_get_peer_finished(const strata_tls_conn *conn, uint8_t *out,
                                                size_t cap, size_t *n)
{
    uint8_t tmp[EVP_MAX_MD_SIZE];
    return give(tmp, SSL_get_peer_finished(conn->ssl, tmp, sizeof(tmp)), out, cap, n);
}

size_t strata__tls_record_overhead(const strata_tls_conn *conn)
{
    const SSL_CIPHER *c = SSL_get_current_cipher(conn->ssl);
    if (!c)
        return 0;
    const char *std = SSL_CIPHER_standard_name(c);
    int nid = SSL_CIPHER_get_cipher_nid(c);
    if (SSL_CIPHER_is_aead(c)) {
        size_t tag = std && strstr(std, "CCM_8") ? 8 : 16;
        if (SSL_version(conn->ssl) == TLS1_3_VERSION)
            return 5 + 1 + tag; /* header, inner content type, tag */
        return 5 + (nid == NID_chacha20_poly1305 ? 0 : 8) + tag; /* explicit nonce */
    }
    /* CBC (TLS 1.2 and older): explicit IV, MAC, at most a block of padding. */
    const EVP_CIPHER *ciph = EVP_get_cipherbynid(nid);
    const EVP_MD *md = EVP_get_digestbynid(SSL_CIPHER_get_digest_nid(c));
    if (!ciph || !md || EVP_MD_get_size(md) <= 0 || EVP_CIPHER_get_block_size(ciph) <= 0)
        return 0;
    size_t bs = (size_t)EVP_CIPHER_get_block_size(ciph);
    return 5 + bs + (size_t)EVP_MD_get_size(md) + bs;
}
