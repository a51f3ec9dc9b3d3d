/* Test helpers for TLS: see tls_testcerts.h. Setup failures abort: they are
 * bugs in the test environment, not behaviour under test. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "tls_testcerts.h"
#include "strata/pki.h"

static void die(const char *what)
{
    fprintf(stderr, "test setup failed: %s\n", what);
    ERR_print_errors_fp(stderr);
    abort();
}

EVP_PKEY *tu_key(const char *type)
{
    EVP_PKEY *k = NULL;
    if (strcmp(type, "rsa") == 0)
        k = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
    else if (strcmp(type, "ec") == 0)
        k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    else if (strcmp(type, "ed25519") == 0)
        k = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
    if (!k)
        die(type);
    return k;
}

static void add_ext(X509 *cert, X509 *issuer, int nid, const char *value)
{
    X509V3_CTX v3;
    X509V3_set_ctx(&v3, issuer ? issuer : cert, cert, NULL, NULL, 0);
    X509_EXTENSION *ext = X509V3_EXT_conf_nid(NULL, &v3, nid, value);
    if (!ext || !X509_add_ext(cert, ext, -1))
        die(value);
    X509_EXTENSION_free(ext);
}

X509 *tu_cert(EVP_PKEY *key, const char *cn, const char *san, X509 *issuer, EVP_PKEY *issuer_key,
              int ca, long from_s, long to_s)
{
    static long serial = 1;
    X509 *c = X509_new();
    if (!c || !X509_set_version(c, 2) || !ASN1_INTEGER_set(X509_get_serialNumber(c), serial++) ||
        !X509_gmtime_adj(X509_getm_notBefore(c), from_s) ||
        !X509_gmtime_adj(X509_getm_notAfter(c), to_s) || !X509_set_pubkey(c, key))
        die("certificate fields");
    X509_NAME *name = X509_get_subject_name(c);
    if (!X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1, 0))
        die("subject");
    if (!X509_set_issuer_name(c, issuer ? X509_get_subject_name(issuer) : name))
        die("issuer");
    add_ext(c, issuer, NID_basic_constraints, ca ? "critical,CA:TRUE" : "critical,CA:FALSE");
    add_ext(c, issuer, NID_subject_key_identifier, "hash");
    if (issuer)
        add_ext(c, issuer, NID_authority_key_identifier, "keyid");
    if (ca)
        add_ext(c, issuer, NID_key_usage, "critical,keyCertSign,cRLSign");
    if (san)
        add_ext(c, issuer, NID_subject_alt_name, san);
    EVP_PKEY *signer = issuer_key ? issuer_key : key;
    int id = EVP_PKEY_get_base_id(signer);
    const EVP_MD *md = (id == EVP_PKEY_ED25519 || id == EVP_PKEY_ED448) ? NULL : EVP_sha256();
    if (!X509_sign(c, signer, md))
        die("sign");
    return c;
}

void tu_write(const char *path, X509 *cert, EVP_PKEY *key, int der)
{
    BIO *b = BIO_new_file(path, "wb");
    if (!b)
        die(path);
    int ok = 1;
    if (cert)
        ok = der ? i2d_X509_bio(b, cert) : PEM_write_bio_X509(b, cert);
    if (ok && key)
        ok = der ? i2d_PrivateKey_bio(b, key)
                 : PEM_write_bio_PrivateKey(b, key, NULL, NULL, 0, NULL, NULL);
    BIO_free(b);
    if (!ok)
        die(path);
}

const char *tu_tmpdir(void)
{
    static char dir[64];
    snprintf(dir, sizeof(dir), "/tmp/strata-tls-XXXXXX");
    if (!mkdtemp(dir))
        die("mkdtemp");
    return dir;
}

const char *tu_path(const char *dir, const char *name)
{
    static char bufs[4][512];
    static int i;
    char *p = bufs[i++ & 3];
    snprintf(p, 512, "%s/%s", dir, name);
    return p;
}

static void leaf(const char *dir, const char *base, const char *type, const char *cn,
                 const char *san, X509 *ca, EVP_PKEY *cakey, long from_s, long to_s)
{
    char name[64];
    EVP_PKEY *k = tu_key(type);
    X509 *c = tu_cert(k, cn, san, ca, cakey, 0, from_s, to_s);
    snprintf(name, sizeof(name), "%s.pem", base);
    tu_write(tu_path(dir, name), c, NULL, 0);
    snprintf(name, sizeof(name), "%s.key", base);
    tu_write(tu_path(dir, name), NULL, k, 0);
    X509_free(c);
    EVP_PKEY_free(k);
}

const char *tu_pki(void)
{
    static char dir[64];
    if (dir[0])
        return dir;
    snprintf(dir, sizeof(dir), "%s", tu_tmpdir());
    const long day = 86400;
    EVP_PKEY *cakey = tu_key("ec");
    X509 *ca = tu_cert(cakey, "strata test CA", NULL, NULL, NULL, 1, -day, 30 * day);
    tu_write(tu_path(dir, "ca.pem"), ca, NULL, 0);
    tu_write(tu_path(dir, "ca.key"), NULL, cakey, 0);
    const char *san = "DNS:localhost,IP:127.0.0.1";
    leaf(dir, "leaf", "ec", "localhost", san, ca, cakey, -day, 30 * day);
    leaf(dir, "rsa", "rsa", "localhost", san, ca, cakey, -day, 30 * day);
    leaf(dir, "ed", "ed25519", "localhost", san, ca, cakey, -day, 30 * day);
    leaf(dir, "other", "ec", "other.example", "DNS:other.example", ca, cakey, -day, 30 * day);
    leaf(dir, "expired", "ec", "localhost", san, ca, cakey, -10 * day, -day);
    leaf(dir, "client", "ec", "client", "DNS:client", ca, cakey, -day, 30 * day);
    leaf(dir, "self", "ec", "localhost", san, NULL, NULL, -day, 30 * day);
    X509_free(ca);
    EVP_PKEY_free(cakey);
    return dir;
}

strata_tls_ctx *tu_server_ctx(const char *cert, const char *key)
{
    strata_tls_ctx *ctx;
    const char *dir = tu_pki();
    if (strata_tls_ctx_new(STRATA_TLS_METHOD_TLS, &ctx) != STRATA_OK)
        die("server context");
    if (strata_tls_ctx_use_certificate_file(ctx, tu_path(dir, cert), STRATA_TLS_FILETYPE_PEM) !=
            STRATA_OK ||
        strata_tls_ctx_use_privatekey_file(ctx, tu_path(dir, key), STRATA_TLS_FILETYPE_PEM) !=
            STRATA_OK)
        die(strata_error_message(strata_tls_ctx_error(ctx)));
    return ctx;
}

strata_tls_ctx *tu_client_ctx(void)
{
    strata_tls_ctx *ctx;
    if (strata_tls_ctx_new(STRATA_TLS_METHOD_TLS, &ctx) != STRATA_OK)
        die("client context");
    if (strata_tls_ctx_load_verify_locations(ctx, tu_path(tu_pki(), "ca.pem"), NULL) != STRATA_OK)
        die(strata_error_message(strata_tls_ctx_error(ctx)));
    return ctx;
}

size_t tu_pump(strata_tls_conn *from, strata_tls_conn *to, size_t chunk)
{
    uint8_t buf[4096];
    size_t moved = 0, n;
    while (strata_tls_conn_bio_pending(from) > 0) {
        size_t want = sizeof(buf);
        if (chunk && chunk < want)
            want = chunk;
        /* Only take what the peer can accept now. */
        size_t room;
        if (!strata_tls_conn_bio_write_buf(to, &room) || room == 0)
            break;
        if (want > room)
            want = room;
        if (strata_tls_conn_bio_read(from, buf, want, &n) != STRATA_OK)
            break;
        size_t used;
        if (strata_tls_conn_bio_write(to, buf, n, &used) != STRATA_OK || used != n)
            die("pump: bio_write took less than offered");
        moved += n;
    }
    return moved;
}

static int settled(strata_status r)
{
    return r != STRATA_WANT_READ && r != STRATA_WANT_WRITE;
}

strata_status tu_handshake(strata_tls_conn *c, strata_tls_conn *s, strata_status *srv, size_t chunk)
{
    strata_status rc = STRATA_WANT_READ, rs = STRATA_WANT_READ;
    for (int i = 0; i < 100000; i++) {
        if (!settled(rc))
            rc = strata_tls_conn_handshake(c);
        if (!settled(rs))
            rs = strata_tls_conn_handshake(s);
        size_t moved = tu_pump(c, s, chunk) + tu_pump(s, c, chunk);
        if (moved == 0)
            break; /* done, failed, or both wait for bytes that will not come */
    }
    if (srv)
        *srv = rs;
    return rc;
}

void tu_pair(strata_tls_ctx *cctx, strata_tls_ctx *sctx, strata_tls_conn **c, strata_tls_conn **s)
{
    if (strata_tls_conn_new(cctx, c) != STRATA_OK || strata_tls_conn_new(sctx, s) != STRATA_OK ||
        strata_tls_conn_set_connect_state(*c) != STRATA_OK ||
        strata_tls_conn_set_accept_state(*s) != STRATA_OK ||
        strata_tls_conn_set_tlsext_host_name(*c, "localhost") != STRATA_OK)
        die("connection pair");
}

void tu_peer_subject(const strata_tls_conn *c, char *out, size_t cap)
{
    strata_x509 *x = NULL;
    strata_x509_name *name = NULL;
    char *line = NULL;
    out[0] = 0;
    if (strata_tls_conn_get_peer_certificate(c, &x) != STRATA_OK)
        die("peer certificate");
    if (!x)
        return;
    if (strata_x509_get_subject(x, &name, NULL) != STRATA_OK ||
        strata_x509_name_oneline(name, &line, NULL) != STRATA_OK)
        die("peer certificate subject");
    snprintf(out, cap, "%s", line);
    strata_pki_free_string(line);
    strata_x509_name_free(name);
    strata_x509_free(x);
}
