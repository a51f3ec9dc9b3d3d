/* Test helpers for the TLS unit tests, fuzz target and tools: throw-away
 * keys and certificates made with OpenSSL's API at test time, files in a
 * temporary directory, and a client and a server wired back to back. */
#ifndef STRATA_TLS_TESTCERTS_H
#define STRATA_TLS_TESTCERTS_H

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "strata/tls.h"

/* "rsa" (2048), "ec" (P-256), "ed25519". Aborts the test on failure. */
EVP_PKEY *tu_key(const char *type);
/* A certificate for key, signed by issuer_key (self-signed when issuer is
 * NULL). cn: subject CN; san: "DNS:localhost,IP:127.0.0.1" or NULL; ca: a CA
 * certificate; validity from now+from_s to now+to_s seconds. */
X509 *tu_cert(EVP_PKEY *key, const char *cn, const char *san, X509 *issuer, EVP_PKEY *issuer_key,
              int ca, long from_s, long to_s);
/* Writes PEM (der=0) or DER (der=1) of cert and/or key to path. */
void tu_write(const char *path, X509 *cert, EVP_PKEY *key, int der);
/* A fresh temporary directory (static storage until the next call). */
const char *tu_tmpdir(void);
/* dir/name in a static buffer (one of four rotating buffers). */
const char *tu_path(const char *dir, const char *name);

/* A standard PKI in a temporary directory:
 *   ca.pem      a CA (EC P-256)
 *   leaf.pem / leaf.key       "localhost": DNS:localhost, IP:127.0.0.1 (EC)
 *   rsa.pem / rsa.key         same names, RSA 2048
 *   ed.pem / ed.key           same names, Ed25519
 *   other.pem / other.key     "other.example": DNS:other.example
 *   expired.pem / expired.key "localhost", expired yesterday
 *   self.pem / self.key       "localhost", self-signed (not under ca.pem)
 *   client.pem / client.key   "client", for client authentication
 * Returns the directory (static). */
const char *tu_pki(void);

/* Contexts: a server with cert/key (files under tu_pki()) and a client that
 * trusts ca.pem. */
strata_tls_ctx *tu_server_ctx(const char *cert, const char *key);
strata_tls_ctx *tu_client_ctx(void);

/* Moves every byte `from` has for its peer into `to`. Returns bytes moved.
 * chunk: at most this many bytes per bio_write (0: no limit). */
size_t tu_pump(strata_tls_conn *from, strata_tls_conn *to, size_t chunk);
/* Drives both handshakes to completion (or failure); returns the client's
 * status, the server's in *srv. */
strata_status tu_handshake(strata_tls_conn *c, strata_tls_conn *s, strata_status *srv,
                           size_t chunk);
/* The one-line subject ("/CN=localhost") of c's peer certificate into out
 * (cap bytes); "" when the peer sent none. */
void tu_peer_subject(const strata_tls_conn *c, char *out, size_t cap);
/* A client (SNI "localhost") and a server connection on the given contexts. */
void tu_pair(strata_tls_ctx *cctx, strata_tls_ctx *sctx, strata_tls_conn **c, strata_tls_conn **s);

#endif
