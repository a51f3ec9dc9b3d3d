/* strata/tls_conn.h - TLS connections over memory buffers: pyOpenSSL's
 * OpenSSL.SSL.Connection in C. Include strata/tls.h.
 *
 * Memory mode (the core). The connection never touches a socket. Bytes from
 * the peer go in with strata_tls_conn_bio_write; bytes for the peer come out
 * with strata_tls_conn_bio_read; strata_tls_conn_bio_shutdown says the peer's
 * stream ended. In between, handshake / send / recv run the engine:
 *
 *     client:  conn_new -> set_connect_state -> set_tlsext_host_name
 *              loop { handshake; move bio_read output to the peer;
 *                     feed the peer's bytes with bio_write } until STRATA_OK
 *
 * The engine's buffers are bounded (STRATA_TLS_BIO_SIZE in, STRATA_TLS_OUT_SIZE
 * out): bio_write takes what fits (*used may be less than n), and send /
 * handshake return STRATA_WANT_WRITE while the output buffer is full: drain
 * it with bio_read.
 *
 * Statuses of the I/O calls, one per pyOpenSSL exception class:
 *   STRATA_OK                done
 *   STRATA_WANT_READ         WantReadError: feed more peer bytes (bio_write)
 *   STRATA_WANT_WRITE        WantWriteError: drain output (bio_read)
 *   STRATA_WANT_X509_LOOKUP  WantX509LookupError: a callback asked to be
 *                            called again; repeat the call
 *   STRATA_CLOSED            ZeroReturnError: the peer sent close_notify
 *   STRATA_EOF_UNCLEAN       SysCallError: the peer's stream ended without
 *                            close_notify (after bio_shutdown)
 *   STRATA_E_TLS             Error: a protocol failure; strata_tls_conn_error
 *                            has OpenSSL's (lib, func, reason) entries
 *   STRATA_E_TLS_ALERT       the peer sent a fatal alert (named in the message)
 *   STRATA_E_TLS_VERSION     no protocol version in common
 *   STRATA_E_CERT_HOSTNAME, _EXPIRED, _NOT_YET_VALID, _UNTRUSTED, _SIGNATURE,
 *   _REVOKED (the pki module's codes), STRATA_E_TLS_CERT_INVALID (other
 *   reasons), _REJECTED (by the verify callback), _NONE (no certificate)
 *                            the peer's certificate was refused; the message
 *                            names the certificate (depth, subject) and why:
 *                            "certificate name mismatch: expected 'x',
 *                            certificate has DNS:localhost, IP:127.0.0.1"
 * Errors are sticky: once one is reported, every I/O call returns it again.
 *
 * Host name verification: a client connection checks the server's
 * certificate against the name given to strata_tls_conn_set_verify_name, or
 * else to strata_tls_conn_set_tlsext_host_name (SNI), by subjectAltName only
 * (DNS names with single-label wildcards, IP addresses). A verifying client
 * with no name fails its handshake with E_STATE unless host name checking was
 * turned off (strata_tls_ctx_set_check_hostname(ctx, 0)).
 *
 * Ownership: a connection holds a reference on its context; free it with
 * strata_tls_conn_free. Pointers returned by getters are borrowed from the
 * connection until the next call that runs the engine, unless said otherwise.
 */
#ifndef STRATA_TLS_CONN_H
#define STRATA_TLS_CONN_H

#include <stddef.h>
#include <stdint.h>
#include "export.h"
#include "status.h"
#include "error.h"

/* Caps of the engine's two memory buffers: the input (the peer's bytes; two
 * full records and more, so a 16 KiB record never waits for a drain
 * halfway) and the output (records for the peer: large, so a bulk sender
 * hands its transport a quarter MiB per write). Memory is taken as bytes
 * come and given back when an idle layer is trimmed. */
#define STRATA_TLS_BIO_SIZE (80u * 1024u)
#define STRATA_TLS_OUT_SIZE (256u * 1024u)

/* Shutdown state bits (get_shutdown / set_shutdown). */
#define STRATA_TLS_SENT_SHUTDOWN 1
#define STRATA_TLS_RECEIVED_SHUTDOWN 2

/* A memory-mode connection on ctx (which it references). Neither client nor
 * server until set_connect_state / set_accept_state. */
STRATA_API STRATA_MUST_CHECK strata_status strata_tls_conn_new(strata_tls_ctx *ctx,
                                                               strata_tls_conn **out);
/* Frees the connection (no close_notify is sent: call shutdown first for an
 * orderly close). NULL is allowed. */
STRATA_API void strata_tls_conn_free(strata_tls_conn *conn);
/* The sticky error. Borrowed from conn. */
STRATA_API const strata_error *strata_tls_conn_error(const strata_tls_conn *conn);

STRATA_API STRATA_MUST_CHECK strata_status strata_tls_conn_set_connect_state(strata_tls_conn *conn);
STRATA_API STRATA_MUST_CHECK strata_status strata_tls_conn_set_accept_state(strata_tls_conn *conn);
/* 1 for a server, 0 for a client, -1 when not set yet. */
STRATA_API int strata_tls_conn_is_server(const strata_tls_conn *conn);

/* The connection's context (borrowed). */
STRATA_API strata_tls_ctx *strata_tls_conn_get_context(const strata_tls_conn *conn);
/* Switches to another context (e.g. from the SNI callback, to serve another
 * certificate). The connection drops its reference on the old context. */
STRATA_API STRATA_MUST_CHECK strata_status strata_tls_conn_set_context(strata_tls_conn *conn,
                                                                       strata_tls_ctx *ctx);

/* ---- memory buffers ------------------------------------------------------------- */
/* Bytes from the peer: takes what fits, *used says how many (0 when the
 * input buffer is full: run the engine, then offer the rest again). */
STRATA_API STRATA_MUST_CHECK strata_status strata_tls_conn_bio_write(strata_tls_conn *conn,
                                                                     const void *p, size_t n,
                                                                     size_t *used);
/* Bytes for the peer: up to cap into buf, *n how many. STRATA_WANT_READ when
 * there are none (as pyOpenSSL's WantReadError). */
STRATA_API STRATA_MUST_CHECK strata_status strata_tls_conn_bio_read(strata_tls_conn *conn,
                                                                    void *buf, size_t cap,
                                                                    size_t *n);
/* The peer's stream ended: the engine reads end-of-file after the bytes it
 * has. */
STRATA_API STRATA_MUST_CHECK strata_status strata_tls_conn_bio_shutdown(strata_tls_conn *conn);
/* Bytes waiting in the output buffer. */
STRATA_API size_t strata_tls_conn_bio_pending(const strata_tls_conn *conn);
/* Zero-copy input: *cap bytes may be written at the returned pointer (into
 * the engine's buffer; NULL/0 when full), then commit n <= *cap of them with
 * bio_write_ack. Valid until the next call on conn. */
STRATA_API uint8_t *strata_tls_conn_bio_write_buf(strata_tls_conn *conn, size_t *cap);
STRATA_API STRATA_MUST_CHECK strata_status strata_tls_conn_bio_write_ack(strata_tls_conn *conn,
                                                                         size_t n);
/* Zero-copy output: *n bytes for the peer at the returned pointer (NULL/0 when
 * none; may be fewer than bio_pending when the ring buffer wraps), then
 * consume n of them with bio_read_ack. Valid until the next call on conn. */
STRATA_API const uint8_t *strata_tls_conn_bio_read_buf(strata_tls_conn *conn, size_t *n);
STRATA_API STRATA_MUST_CHECK strata_status strata_tls_conn_bio_read_ack(strata_tls_conn *conn,
                                                                        size_t n);

/* ---- engine ---------------------------------------------------------------------- */
STRATA_API STRATA_MUST_CHECK strata_status strata_tls_conn_handshake(strata_tls_conn *conn);
/* 1 once the handshake is complete. */
STRATA_API int strata_tls_conn_is_established(const strata_tls_conn *conn);
/* Encrypts up to n bytes; *sent says how many were taken (at least one
 * record's worth, or all). */
STRATA_API STRATA_MUST_CHECK strata_status strata_tls_conn_send(strata_tls_conn *conn,
                                                                const void *p, size_t n,
                                                                size_t *sent);
/* Sends all n bytes. In memory mode it stops with STRATA_WANT_WRITE when the
 * output buffer is full; *sent always says how many bytes were taken (unlike
 * pyOpenSSL, where that was impossible to tell). */
STRATA_API STRATA_MUST_CHECK strata_status strata_tls_conn_sendall(strata_tls_conn *conn,
                                                                   const void *p, size_t n,
                                                                   size_t *sent);
/* Decrypted bytes: up to cap into buf (recv_into), *n how many (> 0 on OK). */
STRATA_API STRATA_MUST_CHECK strata_status strata_tls_conn_recv(strata_tls_conn *conn, void *buf,
                                                                size_t cap, size_t *n);
/* As recv, without consuming (MSG_PEEK). */
STRATA_API STRATA_MUST_CHECK strata_status strata_tls_conn_peek(strata_tls_conn *conn, void *buf,
                                                                size_t cap, size_t *n);
/* Decrypted bytes ready to recv without more input. */
STRATA_API size_t strata_tls_conn_pending(const strata_tls_conn *conn);
/* The last operation wants peer bytes / there are bytes for the peer. */
STRATA_API int strata_tls_conn_want_read(const strata_tls_conn *conn);
STRATA_API int strata_tls_conn_want_write(const strata_tls_conn *conn);

/* Orderly close: sends close_notify (once). *complete (may be NULL) is 1 when
 * the peer's close_notify was received too. STRATA_WANT_WRITE when the output
 * buffer is full. */
STRATA_API STRATA_MUST_CHECK strata_status strata_tls_conn_shutdown(strata_tls_conn *conn,
                                                                    int *complete);
/* STRATA_TLS_SENT_SHUTDOWN | STRATA_TLS_RECEIVED_SHUTDOWN bits. */
STRATA_API int strata_tls_conn_get_shutdown(const strata_tls_conn *conn);
STRATA_API void strata_tls_conn_set_shutdown(strata_tls_conn *conn, int state);

/* TLS 1.2 renegotiation (E_STATE on TLS 1.3: use key_update). The new
 * handshake runs inside later handshake / send / recv calls. */
STRATA_API STRATA_MUST_CHECK strata_status strata_tls_conn_renegotiate(strata_tls_conn *conn);
STRATA_API int strata_tls_conn_renegotiate_pending(const strata_tls_conn *conn);
STRATA_API long strata_tls_conn_total_renegotiations(const strata_tls_conn *conn);
/* TLS 1.3 KeyUpdate (RFC 8446 §4.6.3); request_peer asks the peer to update
 * its keys too. E_STATE before TLS 1.3 is established. */
STRATA_API STRATA_MUST_CHECK strata_status strata_tls_conn_key_update(strata_tls_conn *conn,
                                                                      int request_peer);

/* "SSL negotiation finished successfully" etc. Static storage. */
STRATA_API const char *strata_tls_conn_state_string(const strata_tls_conn *conn);

/* ---- names ------------------------------------------------------------------------ */
/* Client: the SNI name to send (copied). Also the name the certificate is
 * checked against, unless set_verify_name gave another. */
STRATA_API STRATA_MUST_CHECK strata_status
strata_tls_conn_set_tlsext_host_name(strata_tls_conn *conn, const char *name);
/* The SNI name: on a server the client's, on a client ours. NULL if none.
 * Borrowed from conn. */
STRATA_API const char *strata_tls_conn_get_servername(const strata_tls_conn *conn);
/* Client: the name (DNS name or IP address, copied) the certificate must
 * carry in subjectAltName. NULL skips the name check for this connection
 * (the chain is still verified). */
STRATA_API STRATA_MUST_CHECK strata_status strata_tls_conn_set_verify_name(strata_tls_conn *conn,
                                                                           const char *name);
/* [before the handshake] ALPN protocols to offer, overriding the context's. */
STRATA_API STRATA_MUST_CHECK strata_status
strata_tls_conn_set_alpn_protos(strata_tls_conn *conn, const char *const *protos, size_t n);
/* The negotiated ALPN protocol, NUL-terminated (NULL when none). Borrowed. */
STRATA_API const char *strata_tls_conn_alpn_selected(const strata_tls_conn *conn);

/* ---- what was negotiated ------------------------------------------------------------- */
/* "TLS_AES_128_GCM_SHA256", NULL before the handshake. Static storage. */
STRATA_API const char *strata_tls_conn_cipher_name(const strata_tls_conn *conn);
/* Secret bits of the cipher (0 before the handshake). */
STRATA_API int strata_tls_conn_cipher_bits(const strata_tls_conn *conn);
/* The version that introduced the cipher ("TLSv1.3"). Static storage. */
STRATA_API const char *strata_tls_conn_cipher_version(const strata_tls_conn *conn);
/* "TLSv1.3" and 0x0304 (0 before the handshake). */
STRATA_API const char *strata_tls_conn_protocol_version_name(const strata_tls_conn *conn);
STRATA_API int strata_tls_conn_protocol_version(const strata_tls_conn *conn);
/* The cipher names this connection would use, in preference order: a
 * NULL-terminated array of static names, malloc'd (free() the array). */
STRATA_API STRATA_MUST_CHECK strata_status
strata_tls_conn_get_cipher_list(const strata_tls_conn *conn, const char ***out);
/* The key exchange group ("X25519"; NULL if none). Static storage. */
STRATA_API const char *strata_tls_conn_group_name(const strata_tls_conn *conn);

/* Hello randoms (32 bytes each) and the TLS 1.2 master secret (48 bytes):
 * copied into out (cap bytes), *n the length. E_STATE before the handshake,
 * master_key also on TLS 1.3 (use export_keying_material). */
STRATA_API STRATA_MUST_CHECK strata_status
strata_tls_conn_client_random(const strata_tls_conn *conn, uint8_t *out, size_t cap, size_t *n);
STRATA_API STRATA_MUST_CHECK strata_status
strata_tls_conn_server_random(const strata_tls_conn *conn, uint8_t *out, size_t cap, size_t *n);
STRATA_API STRATA_MUST_CHECK strata_status strata_tls_conn_master_key(const strata_tls_conn *conn,
                                                                      uint8_t *out, size_t cap,
                                                                      size_t *n);
/* RFC 5705 / RFC 8446 §7.5 exporter: n bytes into out. context may be NULL
 * (no context) . */
STRATA_API STRATA_MUST_CHECK strata_status strata_tls_conn_export_keying_material(
    strata_tls_conn *conn, const char *label, const uint8_t *context, size_t context_len,
    uint8_t *out, size_t n);
/* The Finished messages: ours and the peer's (verify_data). */
STRATA_API STRATA_MUST_CHECK strata_status strata_tls_conn_get_finished(const strata_tls_conn *conn,
                                                                        uint8_t *out, size_t cap,
                                                                        size_t *n);
STRATA_API STRATA_MUST_CHECK strata_status
strata_tls_conn_get_peer_finished(const strata_tls_conn *conn, uint8_t *out, size_t cap, size_t *n);

/* ---- certificates -------------------------------------------------------------------- */
/* The peer's certificate: *out is the caller's (strata_x509_free); NULL with
 * STRATA_OK when the peer sent none. */
STRATA_API STRATA_MUST_CHECK strata_status
strata_tls_conn_get_peer_certificate(const strata_tls_conn *conn, strata_x509 **out);
/* The chain the peer sent (leaf first) / the chain that was verified (leaf
 * to trust anchor): *out is a malloc'd array of *n certificates, each the
 * caller's; free with strata_x509_chain_free. */
STRATA_API STRATA_MUST_CHECK strata_status
strata_tls_conn_get_peer_cert_chain(const strata_tls_conn *conn, strata_x509 ***out, size_t *n);
STRATA_API STRATA_MUST_CHECK strata_status
strata_tls_conn_get_verified_chain(const strata_tls_conn *conn, strata_x509 ***out, size_t *n);
/* Client CA names: a client's, those the server asked for; a server's, those
 * it sends. Array and names are the caller's (strata_tls_name_list_free). */
STRATA_API STRATA_MUST_CHECK strata_status
strata_tls_conn_get_client_ca_list(const strata_tls_conn *conn, strata_x509_name ***out, size_t *n);
STRATA_API void strata_tls_name_list_free(strata_x509_name **list, size_t n);
/* OpenSSL's verification result: X509_V_OK (0) or an X509_V_ERR_* number (the
 * message of a failed handshake names it in words). */
STRATA_API long strata_tls_conn_verify_result(const strata_tls_conn *conn);

/* ---- sessions ------------------------------------------------------------------------ */
/* The current session, for resumption later: *out is the caller's
 * (strata_tls_session_free). With TLS 1.3 the ticket arrives after the
 * handshake: take the session after the first recv. NULL when none. */
STRATA_API STRATA_MUST_CHECK strata_status strata_tls_conn_get_session(const strata_tls_conn *conn,
                                                                       strata_tls_session **out);
/* [client, before the handshake] Offer to resume sess (borrowed; the
 * connection keeps its own reference). A resumed handshake checks no
 * certificate: when the connection verifies the server's name, the session
 * is offered only if the certificate it was made with was verified then
 * (the session keeps OpenSSL's verification result) and carries that name
 * (strata_tls_session_matches_name); otherwise the handshake is a full one. */
STRATA_API STRATA_MUST_CHECK strata_status strata_tls_conn_set_session(strata_tls_conn *conn,
                                                                       strata_tls_session *sess);
/* 1 when the handshake resumed a session. */
STRATA_API int strata_tls_conn_session_reused(const strata_tls_conn *conn);
STRATA_API void strata_tls_session_free(strata_tls_session *sess);
/* 1 when the session can be offered for resumption. */
STRATA_API int strata_tls_session_is_resumable(const strata_tls_session *sess);
/* 1 when the session carries a ticket (RFC 5077 / RFC 8446 §4.6.1). */
STRATA_API int strata_tls_session_has_ticket(const strata_tls_session *sess);
/* DER form, to store a session: *der malloc'd (the caller frees it with
 * strata_free_secret(*der, *n): it holds the session's secret). */
STRATA_API STRATA_MUST_CHECK strata_status strata_tls_session_to_der(const strata_tls_session *sess,
                                                                     uint8_t **der, size_t *n);
STRATA_API STRATA_MUST_CHECK strata_status strata_tls_session_from_der(const uint8_t *der, size_t n,
                                                                       strata_tls_session **out);
/* PEM form ("-----BEGIN SSL SESSION PARAMETERS-----", what openssl s_client
 * -sess_out writes and -sess_in reads): *pem malloc'd and NUL-terminated, *n
 * its length without the NUL; it holds the session's secret: free it with
 * strata_free_secret(*pem, *n). */
STRATA_API STRATA_MUST_CHECK strata_status strata_tls_session_to_pem(const strata_tls_session *sess,
                                                                     char **pem, size_t *n);
/* A session from the first PEM block of pem[0..n) (borrowed for the call).
 * STRATA_E_FORMAT when there is none or it does not decode. *out is the
 * caller's (strata_tls_session_free). */
STRATA_API STRATA_MUST_CHECK strata_status strata_tls_session_from_pem(const void *pem, size_t n,
                                                                       strata_tls_session **out);
/* 1 when the session may be offered to a server that must prove the name
 * `name` (a DNS name or an IP address literal): the peer certificate the
 * session was made with carries the name in subjectAltName, by the rules of
 * host name verification (single-label wildcards, no subject CN). 0
 * otherwise, also for a session without a peer certificate or a NULL name.
 * Whether its chain was verified is checked by strata_tls_conn_set_session
 * on a verifying connection, not here. */
STRATA_API int strata_tls_session_matches_name(const strata_tls_session *sess, const char *name);

/* Application data: not owned, not freed. */
STRATA_API void strata_tls_conn_set_app_data(strata_tls_conn *conn, void *data);
STRATA_API void *strata_tls_conn_get_app_data(const strata_tls_conn *conn);

#endif
