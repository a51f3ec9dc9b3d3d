/* strata/tls.h - TLS contexts: pyOpenSSL's OpenSSL.SSL.Context in C.
 *
 * A context (strata_tls_ctx) holds the settings shared by many connections:
 * protocol versions, verification, our certificate and key, cipher lists,
 * callbacks. A connection (strata_tls_conn, strata/tls_conn.h) is one TLS
 * session over memory buffers (or a socket, strata/tls_socket.h).
 *
 * Defaults (DESIGN.md §4): TLS 1.2 minimum; a client verifies the server's
 * certificate chain AND its name (subjectAltName DNS or IP) unless told
 * otherwise in so many words; a server asks for no client certificate unless
 * set_verify says so.
 *
 * Frozen contexts: OpenSSL copies most context settings into a connection
 * when the connection is made, so changing them later silently does nothing
 * for existing connections (pyOpenSSL learned this the hard way). Once a
 * connection has been made from a context, the setters marked [frozen] return
 * STRATA_E_STATE with a message saying so. Callbacks, the session cache, the
 * certificate store and app data can still be changed.
 *
 * Threads (the seed's Internals §4.2): separate contexts and connections may
 * be used from separate threads at once. A context may be shared by
 * connections on several threads once it is configured (it is frozen then).
 * One connection is used by one thread at a time. Callbacks run on the thread
 * that is driving the engine (the one inside handshake/send/recv/bio calls),
 * synchronously, inside that call; they must not free the connection.
 *
 * Errors (DESIGN.md §5): every fallible call returns a status; the object
 * keeps the detail (strata_tls_ctx_error / strata_tls_conn_error), with
 * OpenSSL's error-queue entries (lib, func, reason) as pyOpenSSL's Error.
 */
#ifndef STRATA_TLS_H
#define STRATA_TLS_H

#include <stddef.h>
#include <stdint.h>
#include "export.h"
#include "status.h"
#include "error.h"
#include "pki_types.h"

typedef struct strata_tls_ctx strata_tls_ctx;
typedef struct strata_tls_conn strata_tls_conn;
typedef struct strata_tls_session strata_tls_session;

/* ---- methods and versions ------------------------------------------------------ */

/* The seed's methods. SSLv2 and SSLv3 give STRATA_E_TLS_SSL_UNSUPPORTED
 * ("SSLv2 and SSLv3 are not supported by this OpenSSL"). SSLV23 (= TLS) negotiates the highest
 * version both sides allow (default TLS 1.2 .. TLS 1.3). TLSV1 is TLS 1.0 only, as in pyOpenSSL;
 * the system's OpenSSL policy usually refuses it at handshake time. */
enum strata_tls_method {
    STRATA_TLS_METHOD_SSLV2 = 1,
    STRATA_TLS_METHOD_SSLV3 = 2,
    STRATA_TLS_METHOD_SSLV23 = 3,
    STRATA_TLS_METHOD_TLSV1 = 4,
    STRATA_TLS_METHOD_TLS = 5,     /* same as SSLV23 */
    STRATA_TLS_METHOD_TLSV1_2 = 6, /* TLS 1.2 only */
    STRATA_TLS_METHOD_TLSV1_3 = 7, /* TLS 1.3 only */
};

/* Protocol versions, as on the wire. */
#define STRATA_TLS_VERSION_SSL3 0x0300
#define STRATA_TLS_VERSION_TLS1 0x0301
#define STRATA_TLS_VERSION_TLS1_1 0x0302
#define STRATA_TLS_VERSION_TLS1_2 0x0303
#define STRATA_TLS_VERSION_TLS1_3 0x0304

/* ---- constants --------------------------------------------------------------------- */

/* Verification modes (set_verify). DEFAULT: VERIFY_PEER for clients,
 * VERIFY_NONE for servers. */
#define STRATA_TLS_VERIFY_DEFAULT (-1)
#define STRATA_TLS_VERIFY_NONE 0x00
#define STRATA_TLS_VERIFY_PEER 0x01
#define STRATA_TLS_VERIFY_FAIL_IF_NO_PEER_CERT 0x02
#define STRATA_TLS_VERIFY_CLIENT_ONCE 0x04

/* File types. */
#define STRATA_TLS_FILETYPE_PEM 1
#define STRATA_TLS_FILETYPE_ASN1 2

/* Options (set_options). OP_SINGLE_DH_USE, OP_SINGLE_ECDH_USE and
 * OP_EPHEMERAL_RSA are accepted and have no effect: OpenSSL 3 always uses
 * fresh ephemeral keys and never ephemeral RSA. */
#define STRATA_TLS_OP_SINGLE_DH_USE (1ull << 0)
#define STRATA_TLS_OP_EPHEMERAL_RSA (1ull << 1)
#define STRATA_TLS_OP_NO_SSLV2 (1ull << 2)
#define STRATA_TLS_OP_NO_SSLV3 (1ull << 3)
#define STRATA_TLS_OP_NO_TLSV1 (1ull << 4)
#define STRATA_TLS_OP_NO_TLSV1_1 (1ull << 5)
#define STRATA_TLS_OP_NO_TLSV1_2 (1ull << 6)
#define STRATA_TLS_OP_NO_TLSV1_3 (1ull << 7)
#define STRATA_TLS_OP_SINGLE_ECDH_USE (1ull << 8)
#define STRATA_TLS_OP_NO_TICKET (1ull << 9)
#define STRATA_TLS_OP_NO_COMPRESSION (1ull << 10)
#define STRATA_TLS_OP_CIPHER_SERVER_PREFERENCE (1ull << 11)
#define STRATA_TLS_OP_NO_RENEGOTIATION (1ull << 12)
#define STRATA_TLS_OP_ALLOW_UNSAFE_LEGACY_RENEGOTIATION (1ull << 13)
#define STRATA_TLS_OP_NO_QUERY_MTU (1ull << 14)
#define STRATA_TLS_OP_COOKIE_EXCHANGE (1ull << 15)
#define STRATA_TLS_OP_NO_SESSION_RESUMPTION_ON_RENEGOTIATION (1ull << 16)
#define STRATA_TLS_OP_IGNORE_UNEXPECTED_EOF (1ull << 17)
#define STRATA_TLS_OP_ENABLE_MIDDLEBOX_COMPAT (1ull << 18)
#define STRATA_TLS_OP_PRIORITIZE_CHACHA (1ull << 19)
#define STRATA_TLS_OP_NO_ANTI_REPLAY (1ull << 20)
#define STRATA_TLS_OP_ALL (1ull << 21) /* OpenSSL's bug workarounds */

/* Modes (set_mode). strata sets ENABLE_PARTIAL_WRITE and
 * ACCEPT_MOVING_WRITE_BUFFER by default (send returns what it took). */
#define STRATA_TLS_MODE_ENABLE_PARTIAL_WRITE (1u << 0)
#define STRATA_TLS_MODE_ACCEPT_MOVING_WRITE_BUFFER (1u << 1)
#define STRATA_TLS_MODE_AUTO_RETRY (1u << 2)
#define STRATA_TLS_MODE_RELEASE_BUFFERS (1u << 3)

/* Session cache modes (set_session_cache_mode). */
#define STRATA_TLS_SESS_CACHE_OFF 0x0000
#define STRATA_TLS_SESS_CACHE_CLIENT 0x0001
#define STRATA_TLS_SESS_CACHE_SERVER 0x0002
#define STRATA_TLS_SESS_CACHE_BOTH 0x0003
#define STRATA_TLS_SESS_CACHE_NO_AUTO_CLEAR 0x0080
#define STRATA_TLS_SESS_CACHE_NO_INTERNAL_LOOKUP 0x0100
#define STRATA_TLS_SESS_CACHE_NO_INTERNAL_STORE 0x0200
#define STRATA_TLS_SESS_CACHE_NO_INTERNAL 0x0300

/* Info callback "where" bits (as OpenSSL's SSL_CB_*). */
#define STRATA_TLS_CB_LOOP 0x01
#define STRATA_TLS_CB_EXIT 0x02
#define STRATA_TLS_CB_READ 0x04
#define STRATA_TLS_CB_WRITE 0x08
#define STRATA_TLS_CB_ALERT 0x4000
#define STRATA_TLS_CB_HANDSHAKE_START 0x10
#define STRATA_TLS_CB_HANDSHAKE_DONE 0x20
#define STRATA_TLS_CB_CONNECT_LOOP (0x1000 | 0x01)
#define STRATA_TLS_CB_ACCEPT_LOOP (0x2000 | 0x01)

/* The seed's SSLeay_version() types and the version number. */
#define STRATA_TLS_SSLEAY_VERSION 0
#define STRATA_TLS_SSLEAY_CFLAGS 1
#define STRATA_TLS_SSLEAY_BUILT_ON 2
#define STRATA_TLS_SSLEAY_PLATFORM 3
#define STRATA_TLS_SSLEAY_DIR 4
/* OpenSSL's text for one of the STRATA_TLS_SSLEAY_* types; static storage. */
STRATA_API const char *strata_tls_ssleay_version(int type);
/* OPENSSL_VERSION_NUMBER of the libssl in use. */
STRATA_API unsigned long strata_tls_openssl_version_number(void);

/* ---- callbacks ---------------------------------------------------------------------- */

/* Verification: called for each certificate of the peer's chain, root first,
 * with OpenSSL's verdict so far (preverify_ok 1/0) and its error number
 * (X509_V_ERR_*, 0 when none) at that depth. Return 1 to accept, 0 to fail
 * the handshake. cert is borrowed for the call. Without a callback OpenSSL's
 * verdict stands. */
typedef int (*strata_tls_verify_fn)(strata_tls_conn *conn, const strata_x509 *cert, int errnum,
                                    int depth, int preverify_ok, void *user);
/* Passphrase for an encrypted key file (the shape of pki's
 * strata_passphrase_fn): write at most cap bytes into buf, return the length
 * (0 or negative: none). verify is 1 when encrypting. buf is wiped after use. */
typedef int (*strata_tls_passwd_fn)(char *buf, size_t cap, int verify, void *user);
/* Information about the handshake (where: STRATA_TLS_CB_* bits, ret: the
 * return code or alert). */
typedef void (*strata_tls_info_fn)(const strata_tls_conn *conn, int where, int ret, void *user);
/* SNI on a server: called with the client's server name available from
 * strata_tls_conn_get_servername; may call strata_tls_conn_set_context.
 * Return 0 to go on, non-zero to abort the handshake (unrecognized_name). */
typedef int (*strata_tls_servername_fn)(strata_tls_conn *conn, void *user);
/* ALPN on a server: offered[0..n) are the client's protocols (borrowed for
 * the call). Return the index of the chosen one, -1 to fail the handshake
 * (no_application_protocol), -2 to go on without ALPN. */
typedef int (*strata_tls_alpn_select_fn)(strata_tls_conn *conn, const char *const *offered,
                                         size_t n, void *user);
/* Key log: one line in NSS SSLKEYLOGFILE format, without newline. */
typedef void (*strata_tls_keylog_fn)(const strata_tls_conn *conn, const char *line, void *user);
/* OCSP stapling, server: set *resp to a DER OCSPResponse (malloc'd; the
 * library frees it) and *len, or leave *resp NULL to staple nothing. Return 0,
 * or non-zero to fail the handshake. */
typedef int (*strata_tls_ocsp_server_fn)(strata_tls_conn *conn, uint8_t **resp, size_t *len,
                                         void *user);
/* OCSP stapling, client: resp/len the stapled DER response (NULL/0 when the
 * server sent none), borrowed for the call. Return 1 to accept, 0 to fail. */
typedef int (*strata_tls_ocsp_client_fn)(strata_tls_conn *conn, const uint8_t *resp, size_t len,
                                         void *user);

/* A new session on a client connection, for resumption later (strata
 * connect tls:session=FILE stores it): with TLS 1.2 when the handshake
 * completes (not after one that resumed), with TLS 1.3 once for each
 * NewSessionTicket (RFC 8446 §4.6.1), which a server sends after the
 * handshake: the callback then runs inside a later recv / handshake call.
 * sess is the callback's from now on (free it with strata_tls_session_free,
 * at any time, on any thread); conn is borrowed for the call. */
typedef void (*strata_tls_new_session_fn)(strata_tls_conn *conn, strata_tls_session *sess,
                                          void *user);

/* Client certificate on demand, when a server asks for one and the context
 * has none: set *cert and *key (the library takes the references) and return
 * 1; return 0 to send no certificate; return -1 to decide later: the engine
 * call returns STRATA_WANT_X509_LOOKUP (pyOpenSSL's WantX509LookupError) and
 * repeating it asks the callback again (DESIGN.md §6). */
typedef int (*strata_tls_client_cert_fn)(strata_tls_conn *conn, strata_x509 **cert,
                                         strata_pkey **key, void *user);

/* ---- context ------------------------------------------------------------------------ */

/* A new context for method. *out is owned by the caller (strata_tls_ctx_free);
 * connections made from it hold their own reference. */
STRATA_API STRATA_MUST_CHECK strata_status strata_tls_ctx_new(enum strata_tls_method method,
                                                              strata_tls_ctx **out);
/* Drops the caller's reference. NULL is allowed. */
STRATA_API void strata_tls_ctx_free(strata_tls_ctx *ctx);
/* Takes one more reference on ctx, for another owner that shares it (a
 * listener keeps one context for all its connections, so that they share
 * its session cache and ticket keys and a client can resume on any of
 * them). Each reference is dropped with strata_tls_ctx_free; the context
 * (and the one OpenSSL SSL_CTX it owns) goes with the last one, connections
 * included. The count is atomic: owners on different threads may take and
 * drop references at once. */
STRATA_API void strata_tls_ctx_up_ref(strata_tls_ctx *ctx);
/* The error of the last failed call on ctx. Borrowed from ctx. */
STRATA_API const strata_error *strata_tls_ctx_error(const strata_tls_ctx *ctx);
/* 1 once a connection has been made from ctx (frozen setters refuse). */
STRATA_API int strata_tls_ctx_is_frozen(const strata_tls_ctx *ctx);

/* [frozen] Version bounds (STRATA_TLS_VERSION_*; 0: no bound). Versions
 * below TLS 1.0 are E_UNSUPPORTED. */
STRATA_API STRATA_MUST_CHECK strata_status strata_tls_ctx_set_min_version(strata_tls_ctx *ctx,
                                                                          int v);
STRATA_API STRATA_MUST_CHECK strata_status strata_tls_ctx_set_max_version(strata_tls_ctx *ctx,
                                                                          int v);
STRATA_API int strata_tls_ctx_get_min_version(const strata_tls_ctx *ctx);
STRATA_API int strata_tls_ctx_get_max_version(const strata_tls_ctx *ctx);

/* [frozen] Verification mode (STRATA_TLS_VERIFY_*) and optional callback
 * (NULL: OpenSSL's verdict); user is passed to cb, not owned. */
STRATA_API STRATA_MUST_CHECK strata_status strata_tls_ctx_set_verify(strata_tls_ctx *ctx, int mode,
                                                                     strata_tls_verify_fn cb,
                                                                     void *user);
STRATA_API int strata_tls_ctx_get_verify_mode(const strata_tls_ctx *ctx);
/* [frozen] Maximum chain depth (default 100). */
STRATA_API STRATA_MUST_CHECK strata_status strata_tls_ctx_set_verify_depth(strata_tls_ctx *ctx,
                                                                           int depth);
STRATA_API int strata_tls_ctx_get_verify_depth(const strata_tls_ctx *ctx);
/* [frozen] Host name verification for client connections: on (1, default)
 * or off (0: the chain is still verified, the name is not). */
STRATA_API STRATA_MUST_CHECK strata_status strata_tls_ctx_set_check_hostname(strata_tls_ctx *ctx,
                                                                             int on);
/* Trusted certificates from a PEM file and/or a c_rehash'd directory (either
 * may be NULL, not both). Paths are read now. */
STRATA_API STRATA_MUST_CHECK strata_status strata_tls_ctx_load_verify_locations(strata_tls_ctx *ctx,
                                                                                const char *file,
                                                                                const char *dir);
/* The platform's trust store (OpenSSL's default file and directory). */
STRATA_API STRATA_MUST_CHECK strata_status
strata_tls_ctx_set_default_verify_paths(strata_tls_ctx *ctx);

/* [frozen] Our certificate and key. file is read now. type:
 * STRATA_TLS_FILETYPE_PEM or _ASN1. An encrypted PEM key asks the passphrase
 * callback (wrong or missing: STRATA_E_PASSPHRASE). */
STRATA_API STRATA_MUST_CHECK strata_status strata_tls_ctx_use_certificate_file(strata_tls_ctx *ctx,
                                                                               const char *file,
                                                                               int type);
/* [frozen] A PEM file: our certificate then the chain to send with it. */
STRATA_API STRATA_MUST_CHECK strata_status
strata_tls_ctx_use_certificate_chain_file(strata_tls_ctx *ctx, const char *file);
STRATA_API STRATA_MUST_CHECK strata_status strata_tls_ctx_use_privatekey_file(strata_tls_ctx *ctx,
                                                                              const char *file,
                                                                              int type);
/* STRATA_OK when the key matches the certificate, else E_CRYPTO (or
 * E_STATE when either is missing). */
STRATA_API STRATA_MUST_CHECK strata_status strata_tls_ctx_check_privatekey(strata_tls_ctx *ctx);
/* Passphrase callback for key files; user not owned. */
STRATA_API void strata_tls_ctx_set_passwd_cb(strata_tls_ctx *ctx, strata_tls_passwd_fn cb,
                                             void *user);
/* [frozen] As the _file variants, with pki objects (borrowed; the context
 * takes its own reference). */
STRATA_API STRATA_MUST_CHECK strata_status strata_tls_ctx_use_certificate(strata_tls_ctx *ctx,
                                                                          const strata_x509 *cert);
STRATA_API STRATA_MUST_CHECK strata_status
strata_tls_ctx_add_extra_chain_cert(strata_tls_ctx *ctx, const strata_x509 *cert);
STRATA_API STRATA_MUST_CHECK strata_status strata_tls_ctx_use_privatekey(strata_tls_ctx *ctx,
                                                                         const strata_pkey *key);
/* The certificate store used to verify peers. The returned store is a new
 * handle on the context's store (free it with strata_x509_store_free);
 * certificates added to it are trusted by this context's connections. */
STRATA_API STRATA_MUST_CHECK strata_status strata_tls_ctx_get_cert_store(strata_tls_ctx *ctx,
                                                                         strata_x509_store **out);

/* [frozen] Client CA names sent in a certificate request. */
STRATA_API STRATA_MUST_CHECK strata_status strata_tls_ctx_load_client_ca(strata_tls_ctx *ctx,
                                                                         const char *pemfile);
STRATA_API STRATA_MUST_CHECK strata_status strata_tls_ctx_set_client_ca_list(
    strata_tls_ctx *ctx, const strata_x509_name *const *names, size_t n);
STRATA_API STRATA_MUST_CHECK strata_status strata_tls_ctx_add_client_ca(strata_tls_ctx *ctx,
                                                                        const strata_x509 *ca);

/* [frozen] TLS 1.2 cipher list (OpenSSL syntax) and TLS 1.3 suites. */
STRATA_API STRATA_MUST_CHECK strata_status strata_tls_ctx_set_cipher_list(strata_tls_ctx *ctx,
                                                                          const char *list);
STRATA_API STRATA_MUST_CHECK strata_status strata_tls_ctx_set_ciphersuites(strata_tls_ctx *ctx,
                                                                           const char *list);
/* [frozen] Key exchange groups, "X25519:P-256:ffdhe2048" (ECDH curves and
 * FFDHE groups). */
STRATA_API STRATA_MUST_CHECK strata_status strata_tls_ctx_set_groups(strata_tls_ctx *ctx,
                                                                     const char *list);
/* [frozen] Finite-field DH parameters (PEM "DH PARAMETERS") for TLS 1.2
 * DHE suites. */
STRATA_API STRATA_MUST_CHECK strata_status strata_tls_ctx_load_tmp_dh(strata_tls_ctx *ctx,
                                                                      const char *dhfile);

/* [frozen] Adds options (STRATA_TLS_OP_*); *now (may be NULL) gets the
 * options in force. Unknown bits: E_USAGE. */
STRATA_API STRATA_MUST_CHECK strata_status strata_tls_ctx_set_options(strata_tls_ctx *ctx,
                                                                      uint64_t ops, uint64_t *now);
STRATA_API STRATA_MUST_CHECK strata_status strata_tls_ctx_clear_options(strata_tls_ctx *ctx,
                                                                        uint64_t ops);
STRATA_API uint64_t strata_tls_ctx_get_options(const strata_tls_ctx *ctx);
/* [frozen] Adds modes (STRATA_TLS_MODE_*). */
STRATA_API STRATA_MUST_CHECK strata_status strata_tls_ctx_set_mode(strata_tls_ctx *ctx,
                                                                   unsigned mode);
STRATA_API unsigned strata_tls_ctx_get_mode(const strata_tls_ctx *ctx);

/* [frozen] Session id context (up to 32 bytes, copied). Servers that resume
 * sessions with client certificates need one. */
STRATA_API STRATA_MUST_CHECK strata_status strata_tls_ctx_set_session_id(strata_tls_ctx *ctx,
                                                                         const uint8_t *id,
                                                                         size_t n);
/* Session cache (STRATA_TLS_SESS_CACHE_*); returns the previous mode. */
STRATA_API long strata_tls_ctx_set_session_cache_mode(strata_tls_ctx *ctx, long mode);
STRATA_API long strata_tls_ctx_get_session_cache_mode(const strata_tls_ctx *ctx);
/* Lifetime of new sessions in seconds (default 300); returns the previous. */
STRATA_API long strata_tls_ctx_set_timeout(strata_tls_ctx *ctx, long seconds);
STRATA_API long strata_tls_ctx_get_timeout(const strata_tls_ctx *ctx);

/* New sessions of client connections (strata_tls_new_session_fn); user is
 * not owned. Setting a callback adds STRATA_TLS_SESS_CACHE_CLIENT to the
 * session cache mode (OpenSSL reports client sessions only then); a
 * context that serves no server connections may also set
 * STRATA_TLS_SESS_CACHE_NO_INTERNAL_STORE so that it does not keep them
 * itself. NULL removes the callback (the mode stays). */
STRATA_API void strata_tls_ctx_set_new_session_callback(strata_tls_ctx *ctx,
                                                        strata_tls_new_session_fn cb, void *user);

/* Callbacks; user pointers are not owned. NULL cb removes one. */
STRATA_API void strata_tls_ctx_set_info_callback(strata_tls_ctx *ctx, strata_tls_info_fn cb,
                                                 void *user);
STRATA_API void strata_tls_ctx_set_servername_callback(strata_tls_ctx *ctx,
                                                       strata_tls_servername_fn cb, void *user);
STRATA_API void strata_tls_ctx_set_alpn_select_callback(strata_tls_ctx *ctx,
                                                        strata_tls_alpn_select_fn cb, void *user);
STRATA_API void strata_tls_ctx_set_keylog_callback(strata_tls_ctx *ctx, strata_tls_keylog_fn cb,
                                                   void *user);
STRATA_API void strata_tls_ctx_set_ocsp_server_callback(strata_tls_ctx *ctx,
                                                        strata_tls_ocsp_server_fn cb, void *user);
STRATA_API void strata_tls_ctx_set_client_cert_callback(strata_tls_ctx *ctx,
                                                        strata_tls_client_cert_fn cb, void *user);
/* [frozen] A client context with this callback requests a stapled OCSP
 * response. */
STRATA_API STRATA_MUST_CHECK strata_status strata_tls_ctx_set_ocsp_client_callback(
    strata_tls_ctx *ctx, strata_tls_ocsp_client_fn cb, void *user);
/* [frozen] ALPN protocols a client offers, in order (copied). n = 0 clears.
 * Each 1..255 bytes. */
STRATA_API STRATA_MUST_CHECK strata_status strata_tls_ctx_set_alpn_protos(strata_tls_ctx *ctx,
                                                                          const char *const *protos,
                                                                          size_t n);

/* Application data: not owned, not freed. */
STRATA_API void strata_tls_ctx_set_app_data(strata_tls_ctx *ctx, void *data);
STRATA_API void *strata_tls_ctx_get_app_data(const strata_tls_ctx *ctx);

#include "tls_conn.h"

#endif
