/* Internal: the TLS context and connection objects.
 *
 * Implementation note. A strata_tls_ctx wraps one SSL_CTX and a strata_tls_conn
 * one SSL. Each SSL reads and writes the connection's two wire buffers
 * through a BIO of our own (wire.c): bio_write / bio_read move bytes in and
 * out of them, the _buf / _ack calls in place. Both are bounded by
 * STRATA_TLS_BIO_SIZE / STRATA_TLS_OUT_SIZE (back-pressure), linear (a reader sees all waiting
 * bytes at once), and give their memory back when trimmed while empty.
 * read_ahead stays off, so OpenSSL takes whole records only as it needs
 * them: bytes after a close_notify stay in `in` and can be handed back
 * (tls_layer.c).
 *
 * OpenSSL's callbacks find our objects through ex_data: the SSL carries its
 * strata_tls_conn, the SSL_CTX its strata_tls_ctx. Callbacks run inside the
 * SSL_* call that drives the engine, on the caller's thread.
 *
 * Failures: the first error is recorded on the connection (sticky) and every
 * later I/O call returns it. Verification failures are captured by our verify
 * trampoline (depth, error, subject) so the report names the certificate and
 * the reason, not just "certificate verify failed".
 */
#ifndef STRATA_TLS_INTERNAL_H
#define STRATA_TLS_INTERNAL_H

#include <stdatomic.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "strata/tls.h"
#include "strata/buf.h"
#include "base/error_internal.h"

struct strata_tls_ctx {
    SSL_CTX *ctx;
    atomic_int refs;
    atomic_int frozen; /* a connection has been made from it */
    strata_error err;
    int verify_mode; /* STRATA_TLS_VERIFY_*; DEFAULT until set */
    int check_hostname;
    strata_tls_verify_fn verify_cb;
    void *verify_user;
    strata_tls_passwd_fn passwd_cb;
    void *passwd_user;
    int passwd_asked; /* set by the trampoline during a key load */
    strata_tls_info_fn info_cb;
    void *info_user;
    strata_tls_servername_fn sni_cb;
    void *sni_user;
    strata_tls_alpn_select_fn alpn_cb;
    void *alpn_user;
    strata_tls_keylog_fn keylog_cb;
    void *keylog_user;
    strata_tls_ocsp_server_fn ocsp_server_cb;
    void *ocsp_server_user;
    strata_tls_ocsp_client_fn ocsp_client_cb;
    void *ocsp_client_user;
    strata_tls_client_cert_fn client_cert_cb;
    void *client_cert_user;
    strata_tls_new_session_fn new_session_cb;
    void *new_session_user;
    uint64_t options; /* STRATA_TLS_OP_* bits set */
    void *app_data;
};

/* What the verify trampoline saw at the first refused certificate. */
struct strata_tls_verify_fail {
    int set;
    int depth;
    int code;        /* X509_V_ERR_*, or 0 when the callback refused */
    int by_callback; /* refused by the application's callback */
    char subject[160];
    char detail[200]; /* e.g. the certificate's subjectAltName list */
};

/* The wire buffers (wire.c). */
struct strata__tls_wire {
    strata_buf in;  /* the peer's bytes, read by the SSL */
    strata_buf out; /* whole records for the peer, written by the SSL */
    size_t in_resv; /* bytes reserved at the end of `in`, not yet committed */
    size_t out_cap; /* records `out` takes (at most STRATA_TLS_OUT_SIZE) */
    int eof;        /* the peer's stream ended (bio_shutdown) */
    /* Socket mode (src/io/tls_socket.c sets it) or a TLS layer linked to
     * the layer beneath (tls_layer.c); NULL otherwise: while `out` is empty,
     * a record goes straight to the socket or into the layer beneath through
     * direct, which returns the bytes taken (a layer takes all or none); only
     * the rest is copied into `out` (then `out` may start inside a record:
     * only the socket reads it). */
    size_t (*direct)(void *arg, const uint8_t *p, size_t n);
    void *direct_arg;
    uint64_t out_copied; /* bytes copied into `out` (what direct did not take) */
    uint64_t in_copied;  /* bytes copied into `in` (bio_write; not lent, not reserved) */
    /* Bytes from beneath lent for one call of a TLS layer's recv
     * (strata__tls_wire_lend): the SSL reads them after `in`, straight from
     * the caller's buffer; ext_used counts what it took. */
    const uint8_t *ext;
    size_t ext_len, ext_used;
};

typedef struct strata_tls_conn strata_tls_conn;
/* One engine step (an SSL_* call and its status). */
typedef strata_status (*strata__tls_step_fn)(strata_tls_conn *conn, void *arg);
/* Socket mode: runs a step, moving bytes between the buffers and the socket. */
typedef strata_status (*strata__tls_driver_fn)(strata_tls_conn *conn, strata__tls_step_fn step,
                                               void *arg);

struct strata_tls_conn {
    SSL *ssl;
    struct strata__tls_wire wire;
    strata_tls_ctx *ctx;
    strata_error *err;  /* allocated at the first error (strata__tls_err) */
    int err_oom;        /* that allocation failed: the connection failed with E_NOMEM */
    int role;           /* -1 unset, 0 client, 1 server */
    int hostname_set;   /* verify_name given explicitly (maybe NULL) */
    char *verify_name;  /* NULL: no name check */
    char *sni;          /* the SNI we send (client) */
    char *alpn_sel;     /* NUL-terminated copy of the selected protocol */
    int check_hostname; /* copied from the context at creation */
    int established;    /* the first handshake completed */
    int partial_record; /* the last WANT_READ left part of a record read */
    int verify_armed;   /* host name check set up (prepare_verify ran) */
    struct strata_tls_verify_fail *vfail; /* allocated at the first refused certificate */
    strata_tls_verify_fn verify_cb;       /* copied from the context at creation */
    void *verify_user;
    void *app_data;
    /* socket mode (src/io/tls_socket.c): driver NULL in memory mode */
    strata__tls_driver_fn driver;
    void (*release)(strata_tls_conn *conn); /* closes the socket */
    int fd;
    int nonblocking;
    int cork;
    int gather;     /* this send writes several records: buffer them, one write */
    int direct_err; /* errno of a failed direct write, for the next flush */
};

/* The wire buffers (wire.c). A BIO over w for the SSL (NULL: out of
 * memory); w must outlive it. */
void strata__tls_wire_init(struct strata__tls_wire *w);
void strata__tls_wire_free(struct strata__tls_wire *w);
BIO *strata__tls_wire_bio(struct strata__tls_wire *w);
/* Gives back the memory of empty buffers. */
void strata__tls_wire_trim(struct strata__tls_wire *w);
/* Room left in `in`. */
size_t strata__tls_wire_in_room(struct strata__tls_wire *w);
/* Reserves room at the end of `in` (*cap bytes; NULL when full); commit n of
 * them with in_commit (0 when n exceeds the reservation). */
uint8_t *strata__tls_wire_in_reserve(struct strata__tls_wire *w, size_t *cap);
int strata__tls_wire_in_commit(struct strata__tls_wire *w, size_t n);
/* Copies what fits of n bytes into `in`; returns how many. */
size_t strata__tls_wire_in_put(struct strata__tls_wire *w, const void *p, size_t n);
/* The bytes of `in` the SSL has not read (borrowed until the next call). */
const uint8_t *strata__tls_wire_in_take(struct strata__tls_wire *w, size_t *n);
/* Lends p..n to the SSL's reads (after what `in` holds) until _unlend, which
 * returns how many bytes it read; p must stay valid until then. */
void strata__tls_wire_lend(struct strata__tls_wire *w, const uint8_t *p, size_t n);
size_t strata__tls_wire_unlend(struct strata__tls_wire *w);
/* Bytes waiting in `in` (not counting reserved or lent bytes). */
size_t strata__tls_wire_in_len(const struct strata__tls_wire *w);

/* The most a record adds to its plaintext with the negotiated cipher (0 when
 * not known yet or not known at all). */
size_t strata__tls_record_overhead(const strata_tls_conn *conn);

/* The connection's error record to write, allocated at its first error (an
 * idle connection keeps none). When that allocation fails the connection is
 * failed with E_NOMEM and a scratch record of the thread takes the write. */
strata_error *strata__tls_err(strata_tls_conn *conn);
/* The connection's sticky status (STRATA_OK: none). */
static inline strata_status strata__tls_st(const strata_tls_conn *conn)
{
    return conn->err ? conn->err->status : conn->err_oom ? STRATA_E_NOMEM : STRATA_OK;
}

/* ex_data indexes (created once). */
int strata__tls_conn_index(void);
int strata__tls_ctx_index(void);
strata_tls_conn *strata__tls_conn_of(const SSL *ssl);
strata_tls_ctx *strata__tls_ctx_of(const SSL_CTX *sctx);

/* The context's error record, cleared: a context reports the error of its
 * last failed call (configuration calls are independent of each other). */
static inline strata_error *strata__tls_ctx_err(strata_tls_ctx *ctx)
{
    strata_error_clear(&ctx->err);
    return &ctx->err;
}

/* E_STATE with "what" when the context is frozen. */
strata_status strata__tls_ctx_mutable(strata_tls_ctx *ctx, const char *what);
void strata__tls_ctx_ref(strata_tls_ctx *ctx);
/* Installs the passphrase trampoline (ctx_identity.c). */
void strata__tls_install_passwd(strata_tls_ctx *ctx);
/* Installs the trampolines of callbacks.c on an SSL_CTX. */
void strata__tls_install_callbacks(strata_tls_ctx *ctx);
/* The SSL verify callback trampoline. */
int strata__tls_verify_trampoline(int preverify_ok, X509_STORE_CTX *sctx);
/* Calls the connection's verify callback with the current certificate
 * (pki_objects.c); returns its verdict (1/0). */
int strata__tls_run_verify_cb(strata_tls_conn *conn, X509_STORE_CTX *sctx, int preverify_ok);
/* Encodes an ALPN list (1..255-byte names) into wire form: *out malloc'd. */
strata_status strata__tls_alpn_encode(const char *const *protos, size_t n, uint8_t **out,
                                      size_t *len);

/* Maps the result r of an SSL_* I/O call to a status, recording errors on
 * conn ("op" names the call for the message). */
strata_status strata__tls_io_status(strata_tls_conn *conn, int r, const char *op);
/* Arms host name / IP checking before the first handshake step. */
strata_status strata__tls_prepare_verify(strata_tls_conn *conn);
/* 1 when the peer certificate of sess carries name (a DNS name or an IP
 * literal) by the rules of host name verification (verify.c). */
int strata__tls_session_carries_name(const SSL_SESSION *sess, const char *name);
/* Records the refused certificate (from the verify trampoline). */
void strata__tls_note_verify_failure(strata_tls_conn *conn, X509_STORE_CTX *sctx, int by_callback);
/* The status and message for a failed verification; records on conn. */
strata_status strata__tls_verify_error(strata_tls_conn *conn);

#endif
