/* TLS context: method, versions, verification settings, options, ciphers,
 * session cache. Certificates and keys are in ctx_identity.c. */
#include <stdlib.h>
#include <string.h>
#include <openssl/crypto.h>
#include <openssl/err.h>

#include "tls/tls_internal.h"

static int ctx_index = -1;
static int conn_index = -1;
static CRYPTO_ONCE index_once = CRYPTO_ONCE_STATIC_INIT;

static void make_indexes(void)
{
    ctx_index = SSL_CTX_get_ex_new_index(0, NULL, NULL, NULL, NULL);
    conn_index = SSL_get_ex_new_index(0, NULL, NULL, NULL, NULL);
}

int strata__tls_ctx_index(void)
{
    (void)CRYPTO_THREAD_run_once(&index_once, make_indexes);
    return ctx_index;
}

int strata__tls_conn_index(void)
{
    (void)CRYPTO_THREAD_run_once(&index_once, make_indexes);
    return conn_index;
}

strata_tls_conn *strata__tls_conn_of(const SSL *ssl)
{
    return SSL_get_ex_data(ssl, strata__tls_conn_index());
}

strata_tls_ctx *strata__tls_ctx_of(const SSL_CTX *sctx)
{
    return SSL_CTX_get_ex_data(sctx, strata__tls_ctx_index());
}

strata_status strata__tls_ctx_mutable(strata_tls_ctx *ctx, const char *what)
{
    if (atomic_load(&ctx->frozen))
        return strata__error_set(strata__tls_ctx_err(ctx), STRATA_E_STATE,
                                 "cannot change %s: a connection has been made from this "
                                 "context, and the change would not affect it",
                                 what);
    return STRATA_OK;
}

void strata__tls_ctx_ref(strata_tls_ctx *ctx)
{
    atomic_fetch_add(&ctx->refs, 1);
}

const char *strata_tls_ssleay_version(int type)
{
    static const int map[] = {OPENSSL_VERSION, OPENSSL_CFLAGS, OPENSSL_BUILT_ON, OPENSSL_PLATFORM,
                              OPENSSL_DIR};
    if (type < 0 || (size_t)type >= sizeof(map) / sizeof(map[0]))
        return "unknown";
    return OpenSSL_version(map[type]);
}

unsigned long strata_tls_openssl_version_number(void)
{
    return OpenSSL_version_num();
}

/* The method's version bounds; 0 is "no bound". */
static const struct {
    enum strata_tls_method m;
    int min, max;
} methods[] = {
    {STRATA_TLS_METHOD_SSLV23, TLS1_2_VERSION, 0},
    {STRATA_TLS_METHOD_TLS, TLS1_2_VERSION, 0},
    {STRATA_TLS_METHOD_TLSV1, TLS1_VERSION, TLS1_VERSION},
    {STRATA_TLS_METHOD_TLSV1_2, TLS1_2_VERSION, TLS1_2_VERSION},
    {STRATA_TLS_METHOD_TLSV1_3, TLS1_3_VERSION, TLS1_3_VERSION},
};

strata_status strata_tls_ctx_new(enum strata_tls_method method, strata_tls_ctx **out)
{
    strata_tls_ctx *ctx = NULL;
    strata_status r = STRATA_OK;
    *out = NULL;
    if (method == STRATA_TLS_METHOD_SSLV2 || method == STRATA_TLS_METHOD_SSLV3)
        return STRATA_E_TLS_SSL_UNSUPPORTED;
    size_t i = 0;
    while (i < sizeof(methods) / sizeof(methods[0]) && methods[i].m != method)
        i++;
    if (i == sizeof(methods) / sizeof(methods[0]))
        return STRATA_E_USAGE;
    ctx = calloc(1, sizeof(*ctx));
    if (!ctx)
        return STRATA_E_NOMEM;
    atomic_init(&ctx->refs, 1);
    atomic_init(&ctx->frozen, 0);
    ctx->verify_mode = STRATA_TLS_VERIFY_DEFAULT;
    ctx->check_hostname = 1;
    ctx->ctx = SSL_CTX_new(TLS_method());
    if (!ctx->ctx) {
        r = STRATA_E_NOMEM;
        goto out;
    }
    if (!SSL_CTX_set_ex_data(ctx->ctx, strata__tls_ctx_index(), ctx) ||
        !SSL_CTX_set_min_proto_version(ctx->ctx, methods[i].min) ||
        !SSL_CTX_set_max_proto_version(ctx->ctx, methods[i].max)) {
        r = STRATA_E_INTERNAL;
        goto out;
    }
    SSL_CTX_set_mode(ctx->ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
    SSL_CTX_set_verify(ctx->ctx, SSL_VERIFY_NONE, strata__tls_verify_trampoline);
    SSL_CTX_set_timeout(ctx->ctx, 300); /* the seed's default */
    strata__tls_install_callbacks(ctx);
    *out = ctx;
    ctx = NULL;
out:
    if (r != STRATA_OK)
        ERR_clear_error();
    strata_tls_ctx_free(ctx);
    return r;
}

void strata_tls_ctx_up_ref(strata_tls_ctx *ctx)
{
    strata__tls_ctx_ref(ctx);
}

void strata_tls_ctx_free(strata_tls_ctx *ctx)
{
    if (!ctx || atomic_fetch_sub(&ctx->refs, 1) != 1)
        return;
    SSL_CTX_free(ctx->ctx);
    free(ctx);
}

const strata_error *strata_tls_ctx_error(const strata_tls_ctx *ctx)
{
    return &ctx->err;
}

int strata_tls_ctx_is_frozen(const strata_tls_ctx *ctx)
{
    return atomic_load(&ctx->frozen);
}

/* ---- versions ------------------------------------------------------------------ */

static strata_status set_version(strata_tls_ctx *ctx, int v, int is_max)
{
    strata_status r;
    if ((r = strata__tls_ctx_mutable(ctx, is_max ? "the maximum version"
                                                 : "the minimum version")) != STRATA_OK)
        return r;
    if (v == STRATA_TLS_VERSION_SSL3 || (v != 0 && v < STRATA_TLS_VERSION_SSL3))
        return strata__error_set(strata__tls_ctx_err(ctx), STRATA_E_TLS_SSL_UNSUPPORTED,
                                 "protocol version 0x%04x (SSL 2/3) is not supported by this "
                                 "OpenSSL",
                                 (unsigned)v);
    if (v > STRATA_TLS_VERSION_TLS1_3)
        return strata__error_set(strata__tls_ctx_err(ctx), STRATA_E_USAGE,
                                 "unknown protocol version 0x%04x", (unsigned)v);
    int ok = is_max ? SSL_CTX_set_max_proto_version(ctx->ctx, v)
                    : SSL_CTX_set_min_proto_version(ctx->ctx, v);
    if (!ok)
        return strata__error_set_ossl(strata__tls_ctx_err(ctx), STRATA_E_USAGE,
                                      "cannot set version 0x%04x", (unsigned)v);
    return STRATA_OK;
}

strata_status strata_tls_ctx_set_min_version(strata_tls_ctx *ctx, int v)
{
    return set_version(ctx, v, 0);
}

strata_status strata_tls_ctx_set_max_version(strata_tls_ctx *ctx, int v)
{
    return set_version(ctx, v, 1);
}

int strata_tls_ctx_get_min_version(const strata_tls_ctx *ctx)
{
    return (int)SSL_CTX_get_min_proto_version(ctx->ctx);
}

int strata_tls_ctx_get_max_version(const strata_tls_ctx *ctx)
{
    return (int)SSL_CTX_get_max_proto_version(ctx->ctx);
}

/* ---- verification ------------------------------------------------------------------ */

strata_status strata_tls_ctx_set_verify(strata_tls_ctx *ctx, int mode, strata_tls_verify_fn cb,
                                        void *user)
{
    strata_status r;
    if ((r = strata__tls_ctx_mutable(ctx, "the verify mode")) != STRATA_OK)
        return r;
    const int all = STRATA_TLS_VERIFY_PEER | STRATA_TLS_VERIFY_FAIL_IF_NO_PEER_CERT |
                    STRATA_TLS_VERIFY_CLIENT_ONCE;
    if (mode != STRATA_TLS_VERIFY_DEFAULT && (mode < 0 || (mode & ~all) != 0))
        return strata__error_set(strata__tls_ctx_err(ctx), STRATA_E_USAGE,
                                 "unknown verify mode bits 0x%x", (unsigned)mode);
    if (mode > 0 && !(mode & STRATA_TLS_VERIFY_PEER))
        return strata__error_set(strata__tls_ctx_err(ctx), STRATA_E_USAGE,
                                 "VERIFY_FAIL_IF_NO_PEER_CERT and VERIFY_CLIENT_ONCE need "
                                 "VERIFY_PEER");
    ctx->verify_mode = mode;
    ctx->verify_cb = cb;
    ctx->verify_user = user;
    /* The strata bits equal OpenSSL's SSL_VERIFY_* bits. */
    SSL_CTX_set_verify(ctx->ctx, mode < 0 ? SSL_VERIFY_NONE : mode, strata__tls_verify_trampoline);
    return STRATA_OK;
}

int strata_tls_ctx_get_verify_mode(const strata_tls_ctx *ctx)
{
    return ctx->verify_mode;
}

strata_status strata_tls_ctx_set_verify_depth(strata_tls_ctx *ctx, int depth)
{
    strata_status r;
    if ((r = strata__tls_ctx_mutable(ctx, "the verify depth")) != STRATA_OK)
        return r;
    if (depth < 0)
        return strata__error_set(strata__tls_ctx_err(ctx), STRATA_E_USAGE,
                                 "verify depth %d is negative", depth);
    SSL_CTX_set_verify_depth(ctx->ctx, depth);
    return STRATA_OK;
}

int strata_tls_ctx_get_verify_depth(const strata_tls_ctx *ctx)
{
    return SSL_CTX_get_verify_depth(ctx->ctx);
}

strata_status strata_tls_ctx_set_check_hostname(strata_tls_ctx *ctx, int on)
{
    strata_status r;
    if ((r = strata__tls_ctx_mutable(ctx, "host name checking")) != STRATA_OK)
        return r;
    ctx->check_hostname = on ? 1 : 0;
    return STRATA_OK;
}

strata_status strata_tls_ctx_load_verify_locations(strata_tls_ctx *ctx, const char *file,
                                                   const char *dir)
{
    if (!file && !dir)
        return strata__error_set(strata__tls_ctx_err(ctx), STRATA_E_USAGE,
                                 "load_verify_locations needs a file or a directory");
    if (file && !SSL_CTX_load_verify_file(ctx->ctx, file))
        return strata__error_set_ossl(strata__tls_ctx_err(ctx), STRATA_E_IO,
                                      "cannot load trusted certificates from '%s'", file);
    if (dir && !SSL_CTX_load_verify_dir(ctx->ctx, dir))
        return strata__error_set_ossl(strata__tls_ctx_err(ctx), STRATA_E_IO,
                                      "cannot use trusted certificate directory '%s'", dir);
    return STRATA_OK;
}

strata_status strata_tls_ctx_set_default_verify_paths(strata_tls_ctx *ctx)
{
    if (!SSL_CTX_set_default_verify_paths(ctx->ctx))
        return strata__error_set_ossl(strata__tls_ctx_err(ctx), STRATA_E_IO,
                                      "cannot load the platform's trusted certificates");
    return STRATA_OK;
}

/* ---- ciphers and groups ------------------------------------------------------------ */

strata_status strata_tls_ctx_set_cipher_list(strata_tls_ctx *ctx, const char *list)
{
    strata_status r;
    if ((r = strata__tls_ctx_mutable(ctx, "the cipher list")) != STRATA_OK)
        return r;
    if (!SSL_CTX_set_cipher_list(ctx->ctx, list))
        return strata__error_set_ossl(strata__tls_ctx_err(ctx), STRATA_E_USAGE,
                                      "cipher list '%s' selects no usable cipher", list);
    return STRATA_OK;
}

strata_status strata_tls_ctx_set_ciphersuites(strata_tls_ctx *ctx, const char *list)
{
    strata_status r;
    if ((r = strata__tls_ctx_mutable(ctx, "the TLS 1.3 cipher suites")) != STRATA_OK)
        return r;
    if (!SSL_CTX_set_ciphersuites(ctx->ctx, list))
        return strata__error_set_ossl(strata__tls_ctx_err(ctx), STRATA_E_USAGE,
                                      "TLS 1.3 cipher suites '%s' are not valid", list);
    return STRATA_OK;
}

strata_status strata_tls_ctx_set_groups(strata_tls_ctx *ctx, const char *list)
{
    strata_status r;
    if ((r = strata__tls_ctx_mutable(ctx, "the groups")) != STRATA_OK)
        return r;
    if (!SSL_CTX_set1_groups_list(ctx->ctx, list))
        return strata__error_set_ossl(strata__tls_ctx_err(ctx), STRATA_E_USAGE,
                                      "group list '%s' is not valid", list);
    return STRATA_OK;
}

/* ---- options and modes -------------------------------------------------------------- */

/* STRATA_TLS_OP_* to SSL_OP_* (0: accepted, no effect in OpenSSL 3). */
static const struct {
    uint64_t ours;
    uint64_t ossl;
} op_map[] = {
    {STRATA_TLS_OP_SINGLE_DH_USE, 0},
    {STRATA_TLS_OP_EPHEMERAL_RSA, 0},
    {STRATA_TLS_OP_SINGLE_ECDH_USE, 0},
    {STRATA_TLS_OP_NO_SSLV2, 0}, /* SSLv2 does not exist in OpenSSL 3 */
    {STRATA_TLS_OP_NO_SSLV3, SSL_OP_NO_SSLv3},
    {STRATA_TLS_OP_NO_TLSV1, SSL_OP_NO_TLSv1},
    {STRATA_TLS_OP_NO_TLSV1_1, SSL_OP_NO_TLSv1_1},
    {STRATA_TLS_OP_NO_TLSV1_2, SSL_OP_NO_TLSv1_2},
    {STRATA_TLS_OP_NO_TLSV1_3, SSL_OP_NO_TLSv1_3},
    {STRATA_TLS_OP_NO_TICKET, SSL_OP_NO_TICKET},
    {STRATA_TLS_OP_NO_COMPRESSION, SSL_OP_NO_COMPRESSION},
    {STRATA_TLS_OP_CIPHER_SERVER_PREFERENCE, SSL_OP_CIPHER_SERVER_PREFERENCE},
    {STRATA_TLS_OP_NO_RENEGOTIATION, SSL_OP_NO_RENEGOTIATION},
    {STRATA_TLS_OP_ALLOW_UNSAFE_LEGACY_RENEGOTIATION, SSL_OP_ALLOW_UNSAFE_LEGACY_RENEGOTIATION},
    {STRATA_TLS_OP_NO_QUERY_MTU, SSL_OP_NO_QUERY_MTU},
    {STRATA_TLS_OP_COOKIE_EXCHANGE, SSL_OP_COOKIE_EXCHANGE},
    {STRATA_TLS_OP_NO_SESSION_RESUMPTION_ON_RENEGOTIATION,
     SSL_OP_NO_SESSION_RESUMPTION_ON_RENEGOTIATION},
    {STRATA_TLS_OP_IGNORE_UNEXPECTED_EOF, SSL_OP_IGNORE_UNEXPECTED_EOF},
    {STRATA_TLS_OP_ENABLE_MIDDLEBOX_COMPAT, SSL_OP_ENABLE_MIDDLEBOX_COMPAT},
    {STRATA_TLS_OP_PRIORITIZE_CHACHA, SSL_OP_PRIORITIZE_CHACHA},
    {STRATA_TLS_OP_NO_ANTI_REPLAY, SSL_OP_NO_ANTI_REPLAY},
    {STRATA_TLS_OP_ALL, SSL_OP_ALL},
};
#define OP_COUNT (sizeof(op_map) / sizeof(op_map[0]))

static strata_status map_ops(strata_tls_ctx *ctx, uint64_t ops, uint64_t *ossl)
{
    uint64_t known = 0;
    *ossl = 0;
    for (size_t i = 0; i < OP_COUNT; i++) {
        known |= op_map[i].ours;
        if (ops & op_map[i].ours)
            *ossl |= op_map[i].ossl;
    }
    if (ops & ~known)
        return strata__error_set(strata__tls_ctx_err(ctx), STRATA_E_USAGE,
                                 "unknown option bits 0x%llx", (unsigned long long)(ops & ~known));
    return STRATA_OK;
}

strata_status strata_tls_ctx_set_options(strata_tls_ctx *ctx, uint64_t ops, uint64_t *now)
{
    strata_status r;
    uint64_t ossl;
    if (now)
        *now = 0;
    if ((r = strata__tls_ctx_mutable(ctx, "the options")) != STRATA_OK)
        return r;
    if ((r = map_ops(ctx, ops, &ossl)) != STRATA_OK)
        return r;
    SSL_CTX_set_options(ctx->ctx, ossl);
    ctx->options |= ops;
    if (now)
        *now = ctx->options;
    return STRATA_OK;
}

strata_status strata_tls_ctx_clear_options(strata_tls_ctx *ctx, uint64_t ops)
{
    strata_status r;
    uint64_t ossl;
    if ((r = strata__tls_ctx_mutable(ctx, "the options")) != STRATA_OK)
        return r;
    if ((r = map_ops(ctx, ops, &ossl)) != STRATA_OK)
        return r;
    SSL_CTX_clear_options(ctx->ctx, ossl);
    ctx->options &= ~ops;
    return STRATA_OK;
}

uint64_t strata_tls_ctx_get_options(const strata_tls_ctx *ctx)
{
    return ctx->options;
}

static const struct {
    unsigned ours;
    long ossl;
} mode_map[] = {
    {STRATA_TLS_MODE_ENABLE_PARTIAL_WRITE, SSL_MODE_ENABLE_PARTIAL_WRITE},
    {STRATA_TLS_MODE_ACCEPT_MOVING_WRITE_BUFFER, SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER},
    {STRATA_TLS_MODE_AUTO_RETRY, SSL_MODE_AUTO_RETRY},
    {STRATA_TLS_MODE_RELEASE_BUFFERS, SSL_MODE_RELEASE_BUFFERS},
};

strata_status strata_tls_ctx_set_mode(strata_tls_ctx *ctx, unsigned mode)
{
    strata_status r;
    if ((r = strata__tls_ctx_mutable(ctx, "the mode")) != STRATA_OK)
        return r;
    long ossl = 0;
    unsigned known = 0;
    for (size_t i = 0; i < sizeof(mode_map) / sizeof(mode_map[0]); i++) {
        known |= mode_map[i].ours;
        if (mode & mode_map[i].ours)
            ossl |= mode_map[i].ossl;
    }
    if (mode & ~known)
        return strata__error_set(strata__tls_ctx_err(ctx), STRATA_E_USAGE, "unknown mode bits 0x%x",
                                 mode & ~known);
    SSL_CTX_set_mode(ctx->ctx, ossl);
    return STRATA_OK;
}

unsigned strata_tls_ctx_get_mode(const strata_tls_ctx *ctx)
{
    long m = SSL_CTX_get_mode(ctx->ctx);
    unsigned out = 0;
    for (size_t i = 0; i < sizeof(mode_map) / sizeof(mode_map[0]); i++)
        if (m & mode_map[i].ossl)
            out |= mode_map[i].ours;
    return out;
}

/* ---- sessions ------------------------------------------------------------------------ */

strata_status strata_tls_ctx_set_session_id(strata_tls_ctx *ctx, const uint8_t *id, size_t n)
{
    strata_status r;
    if ((r = strata__tls_ctx_mutable(ctx, "the session id context")) != STRATA_OK)
        return r;
    if (n > SSL_MAX_SID_CTX_LENGTH)
        return strata__error_set(strata__tls_ctx_err(ctx), STRATA_E_LIMIT,
                                 "session id context of %zu bytes exceeds the limit of %d", n,
                                 SSL_MAX_SID_CTX_LENGTH);
    if (!SSL_CTX_set_session_id_context(ctx->ctx, id, (unsigned)n))
        return strata__error_set_ossl(strata__tls_ctx_err(ctx), STRATA_E_INTERNAL,
                                      "cannot set the session id context");
    return STRATA_OK;
}

long strata_tls_ctx_set_session_cache_mode(strata_tls_ctx *ctx, long mode)
{
    return SSL_CTX_set_session_cache_mode(ctx->ctx, mode);
}

long strata_tls_ctx_get_session_cache_mode(const strata_tls_ctx *ctx)
{
    return SSL_CTX_get_session_cache_mode(ctx->ctx);
}

long strata_tls_ctx_set_timeout(strata_tls_ctx *ctx, long seconds)
{
    return SSL_CTX_set_timeout(ctx->ctx, seconds);
}

long strata_tls_ctx_get_timeout(const strata_tls_ctx *ctx)
{
    return SSL_CTX_get_timeout(ctx->ctx);
}

void strata_tls_ctx_set_app_data(strata_tls_ctx *ctx, void *data)
{
    ctx->app_data = data;
}

void *strata_tls_ctx_get_app_data(const strata_tls_ctx *ctx)
{
    return ctx->app_data;
}
