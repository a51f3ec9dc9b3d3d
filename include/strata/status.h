/* strata/status.h - status codes.
 *
 * Every fallible call returns an enum strata_status. One X-macro list makes
 * the enum, its text (strata_status_str) and its category
 * (strata_status_category). Non-error signals (want-read, want-write, closed,
 * pending) are statuses too, so a caller switches on one value.
 *
 * Modules add their codes in their own section of the list below.
 */
#ifndef STRATA_STATUS_H
#define STRATA_STATUS_H

#include "export.h"

enum strata_category {
    STRATA_CAT_OK,
    STRATA_CAT_WANT_READ,  /* more input is needed before progress */
    STRATA_CAT_WANT_WRITE, /* output must be drained before progress */
    STRATA_CAT_CLOSED,     /* the stream or layer ended */
    STRATA_CAT_PENDING,    /* waiting for an application decision */
    STRATA_CAT_PROTOCOL,   /* the peer broke the protocol */
    STRATA_CAT_CRYPTO,     /* a cryptographic operation failed */
    STRATA_CAT_VERIFY,     /* a certificate, host key or signature was refused */
    STRATA_CAT_USAGE,      /* the caller passed something invalid */
    STRATA_CAT_LIMIT,      /* a configured bound was reached */
    STRATA_CAT_NOMEM,      /* allocation failed */
    STRATA_CAT_IO,         /* the operating system reported an error */
    STRATA_CAT_INTERNAL,   /* a bug in strata */
};

/* X(NAME, CATEGORY, "text") */
#define STRATA_STATUS_LIST(X)                                                                      \
    X(OK, OK, "success")                                                                           \
    X(WANT_READ, WANT_READ, "more input needed")                                                   \
    X(WANT_WRITE, WANT_WRITE, "output must be drained first")                                      \
    X(WANT_X509_LOOKUP, WANT_READ, "waiting for a certificate lookup callback")                    \
    X(PENDING, PENDING, "waiting for an application decision")                                     \
    X(CLOSED, CLOSED, "closed cleanly")                                                            \
    X(EOF_UNCLEAN, CLOSED, "peer's stream ended without an orderly close")                         \
    /* --- base ------------------------------------------------------------------------ */        \
    X(E_USAGE, USAGE, "invalid argument")                                                          \
    X(E_STATE, USAGE, "operation not valid in this state")                                         \
    X(E_UNSUPPORTED, USAGE, "not supported")                                                       \
    X(E_NOMEM, NOMEM, "out of memory")                                                             \
    X(E_LIMIT, LIMIT, "size limit exceeded")                                                       \
    X(E_TRUNCATED, PROTOCOL, "truncated input")                                                    \
    X(E_TRAILING, PROTOCOL, "unexpected trailing bytes")                                           \
    X(E_FORMAT, PROTOCOL, "malformed input")                                                       \
    X(E_PROTOCOL, PROTOCOL, "protocol error")                                                      \
    X(E_CRYPTO, CRYPTO, "cryptographic operation failed")                                          \
    X(E_VERIFY, VERIFY, "verification failed")                                                     \
    X(E_IO, IO, "I/O error")                                                                       \
    X(E_TIMEOUT, IO, "timed out")                                                                  \
    X(E_INTERNAL, INTERNAL, "internal error")                                                      \
    /* --- stack ----------------------------------------------------------------------- */        \
    X(E_LAYER_FAILED, PROTOCOL, "a layer failed")                                                  \
    X(E_PROXY_REFUSED, PROTOCOL, "the proxy refused the tunnel")                                   \
    /* --- pki ------------------------------------------------------------------------- */        \
    X(E_PASSPHRASE, CRYPTO, "wrong or missing passphrase")                                         \
    X(E_BAD_PEM, PROTOCOL, "no valid PEM block of the expected type")                              \
    X(E_BAD_DER, PROTOCOL, "truncated or malformed DER")                                           \
    X(E_UNKNOWN_CURVE, USAGE, "unknown elliptic curve")                                            \
    X(E_UNKNOWN_ALG, USAGE, "unknown or unavailable algorithm")                                    \
    X(E_LEGACY_ALG, CRYPTO, "legacy algorithm needs OpenSSL's legacy provider")                    \
    X(E_KEY_MISMATCH, USAGE, "private key does not match the public key")                          \
    X(E_NO_PRIVATE_KEY, USAGE, "a private key is needed, the key is public only")                  \
    X(E_BAD_SIGNATURE, VERIFY, "signature does not verify")                                        \
    X(E_CERT_EXPIRED, VERIFY, "certificate has expired")                                           \
    X(E_CERT_NOT_YET_VALID, VERIFY, "certificate is not yet valid")                                \
    X(E_CERT_UNTRUSTED, VERIFY, "no trusted issuer for the certificate")                           \
    X(E_CERT_SIGNATURE, VERIFY, "certificate signature does not verify")                           \
    X(E_CERT_REVOKED, VERIFY, "certificate is revoked")                                            \
    X(E_CERT_HOSTNAME, VERIFY, "certificate does not match the host name")                         \
    /* --- tls ------------------------------------------------------------------------- */        \
    X(E_TLS, PROTOCOL, "TLS error")                                                                \
    X(E_TLS_SSL_UNSUPPORTED, USAGE, "SSLv2 and SSLv3 are not supported by this OpenSSL")           \
    X(E_TLS_ALERT, PROTOCOL, "the TLS peer sent a fatal alert")                                    \
    X(E_TLS_VERSION, PROTOCOL, "no TLS protocol version in common")                                \
    X(E_TLS_CERT_INVALID, VERIFY, "certificate refused")                                           \
    X(E_TLS_CERT_REJECTED, VERIFY, "certificate rejected by the verify callback")                  \
    X(E_TLS_CERT_NONE, VERIFY, "the peer sent no certificate")                                     \
    /* --- ssh ------------------------------------------------------------------------- */        \
    X(E_SSH_DISCONNECT, CLOSED, "SSH peer disconnected")                                           \
    X(E_HOSTKEY, VERIFY, "host key refused")                                                       \
    X(E_HOSTKEY_UNKNOWN, VERIFY, "host key not known")                                             \
    X(E_HOSTKEY_CHANGED, VERIFY, "host key changed")                                               \
    X(E_HOSTKEY_REVOKED, VERIFY, "host key revoked")                                               \
    X(E_KEY_TOO_SMALL, VERIFY, "key too small")                                                    \
    X(E_SSH_CERT_TYPE, VERIFY, "wrong SSH certificate type")                                       \
    X(E_SSH_CERT_EXPIRED, VERIFY, "SSH certificate expired")                                       \
    X(E_SSH_CERT_NOT_YET_VALID, VERIFY, "SSH certificate not yet valid")                           \
    X(E_SSH_CERT_PRINCIPAL, VERIFY, "SSH certificate not valid for this name")                     \
    X(E_SSH_CERT_OPTION, VERIFY, "unsupported critical option in SSH certificate")                 \
    X(E_SSH_CERT_SIGNATURE, VERIFY, "SSH certificate signature invalid")                           \
    X(E_SSH_CERT_UNTRUSTED, VERIFY, "SSH certificate authority not trusted")                       \
    X(E_AUTH, VERIFY, "authentication failed")                                                     \
    /* ssh packet layer (sshpkt) */                                                                \
    X(E_SSH_PACKET, PROTOCOL, "malformed SSH packet")                                              \
    X(E_SSH_MAC, CRYPTO, "SSH packet MAC or tag mismatch")                                         \
    X(E_SSH_COMPRESSION, PROTOCOL, "SSH packet decompression failed")                              \
    X(E_SSH_KEY_ENCRYPTED, USAGE, "private key is encrypted: a passphrase is needed")              \
    X(E_SSH_AGENT_REFUSED, VERIFY, "the SSH agent refused the request")                            \
    X(E_SSH_CONFIG, USAGE, "bad SSH configuration")                                                \
    /* --- sftp (server status codes, draft-ietf-secsh-filexfer-02 §7) ----------------- */       \
    X(E_SFTP_EOF, CLOSED, "SFTP: end of file")                                                     \
    X(E_SFTP_NO_SUCH_FILE, IO, "SFTP: no such file")                                               \
    X(E_SFTP_PERMISSION, IO, "SFTP: permission denied")                                            \
    X(E_SFTP_FAILURE, IO, "SFTP: failure")                                                         \
    X(E_SFTP_BAD_MESSAGE, PROTOCOL, "SFTP: the server called our message bad")                     \
    X(E_SFTP_NO_CONNECTION, IO, "SFTP: no connection")                                             \
    X(E_SFTP_CONNECTION_LOST, IO, "SFTP: connection lost")                                         \
    X(E_SFTP_OP_UNSUPPORTED, USAGE, "SFTP: operation unsupported by the server")                   \
    X(E_SFTP_STATUS, IO, "SFTP: unknown status code from the server")                              \
    X(E_SFTP_PACKET, PROTOCOL, "SFTP: malformed reply")                                            \
    /* --- end ------------------------------------------------------------------------- */

#define STRATA__STATUS_ENUM(name, cat, text) STRATA_##name,
typedef enum strata_status {
    STRATA_STATUS_LIST(STRATA__STATUS_ENUM) STRATA__STATUS_COUNT
} strata_status;
#undef STRATA__STATUS_ENUM

/* Short English text for a status; never NULL, static storage. */
STRATA_API const char *strata_status_str(strata_status s);
/* The symbolic name ("E_TRUNCATED"); never NULL, static storage. */
STRATA_API const char *strata_status_name(strata_status s);
STRATA_API enum strata_category strata_status_category(strata_status s);
/* True for statuses of category PROTOCOL .. INTERNAL. */
STRATA_API int strata_status_is_error(strata_status s);

#endif
