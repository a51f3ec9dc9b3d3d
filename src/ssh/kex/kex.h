/* Internal: SSH key exchange methods (RFC 4253 §8, RFC 4419, RFC 5656, RFC 8731).
 *
 * Every method is a row of the table in kex.c: a name, a hash, a kind and a
 * small set of operations in its own file (kex_dh.c, kex_gex.c, kex_ecdh.c,
 * kex_curve25519.c). The generic flow in kex.c builds and parses the method
 * messages and the exchange hash, the same for every row:
 *
 *   client                                    server
 *   [GEX: KEX_DH_GEX_REQUEST(min,n,max)] ->
 *                                          <- [GEX: KEX_DH_GEX_GROUP(p,g)]
 *   INIT(our public value)               ->
 *                                          <- REPLY(K_S, server public value, signature of H)
 *
 * Most methods are Diffie-Hellman style: each side has an ephemeral key pair
 * and derives K from its private key and the peer's public value, so one set
 * of operations serves the client and the in-memory test server.
 *
 * The post-quantum hybrids (kex_hybrid.c) are KEM-shaped instead: the client
 * makes a key pair (keygen), the server encapsulates to the client's public
 * key (encaps: it never has a KEM key pair of its own), the client
 * decapsulates the server's ciphertext (derive). Their messages are those of
 * ECDH (SSH_MSG_KEX_ECDH_INIT / _REPLY, values as strings).
 *
 * Public values are kept in their wire encoding (an mpint for the finite
 * field groups, a string for the elliptic curves and the hybrids), which is
 * also how they enter the exchange hash. K is kept encoded in a buffer marked
 * secret: an mpint (RFC 4253 §7.2), or for the hybrids a string (their K is a
 * hash, draft-ietf-sshm-mlkem-hybrid-kex §2.4).
 */
#ifndef STRATA_SSH_KEX_H
#define STRATA_SSH_KEX_H

#include <stddef.h>
#include <stdint.h>
#include <openssl/evp.h>

#include "strata/buf.h"
#include "strata/error.h"

enum ssh_kex_kind {
    SSH_KEX_KIND_DH,   /* fixed finite-field group: mpint e / f */
    SSH_KEX_KIND_GEX,  /* group exchange: group from the server, mpint e / f */
    SSH_KEX_KIND_ECDH, /* elliptic curve (NIST or X25519): string Q_C / Q_S */
    SSH_KEX_KIND_KEM,  /* post-quantum KEM + X25519 hybrid: string C_INIT / S_REPLY */
};

/* A key encapsulation mechanism (src/pq/): sizes and its three operations,
 * with fresh randomness. decaps rejects implicitly (a bad ciphertext gives an
 * unrelated key, never an error), as both ML-KEM and sntrup761 do. */
struct ssh_kem {
    const char *name; /* "ML-KEM-768" */
    size_t pk_len, sk_len, ct_len, ss_len;
    strata_status (*keypair)(uint8_t *pk, uint8_t *sk);
    strata_status (*encaps)(uint8_t *ct, uint8_t *ss, const uint8_t *pk);
    void (*decaps)(uint8_t *ss, const uint8_t *ct, const uint8_t *sk);
};

/* Group exchange bounds we ask for (RFC 4419 §3; OpenSSH's defaults). */
#define SSH_GEX_MIN_BITS 2048u
#define SSH_GEX_PREF_BITS 3072u
#define SSH_GEX_MAX_BITS 8192u

struct ssh_kex;

/* The operations of one method family. */
struct ssh_kex_ops {
    /* Makes our ephemeral key pair and stores our encoded public value. For GEX
     * the group must have been set (strata__ssh_kex_gex_set_group). */
    strata_status (*keygen)(struct ssh_kex *k, strata_error *err);
    /* Validates the peer's public value (raw bytes: the mpint magnitude or the
     * string's contents) and derives K. */
    strata_status (*derive)(struct ssh_kex *k, const uint8_t *peer, size_t n, strata_error *err);
    /* Test hook: use a fixed key pair (priv and pub as raw big-endian / octet
     * bytes; X25519 ignores pub) instead of a fresh one. */
    strata_status (*set_keypair)(struct ssh_kex *k, const uint8_t *priv, size_t privlen,
                                 const uint8_t *pub, size_t publen, strata_error *err);
    /* KEM-shaped methods only, server side: takes the client's public value
     * (raw string contents), stores our reply value and derives K. NULL for
     * the Diffie-Hellman-shaped methods. */
    strata_status (*encaps)(struct ssh_kex *k, const uint8_t *peer, size_t n, strata_error *err);
};

struct ssh_kex_alg {
    const char *name; /* "curve25519-sha256" */
    const char *md;   /* OpenSSL digest name for H and the KDF: "SHA256" */
    enum ssh_kex_kind kind;
    int legacy;        /* supported, but offered only when asked for */
    const char *group; /* DH: OpenSSL group name or NULL (explicit p); ECDH: "P-256", "X25519" */
    const uint8_t *p;  /* DH groups OpenSSL does not name: the prime (generator 2) */
    size_t plen;
    const struct ssh_kex_ops *ops;
    const struct ssh_kem *kem; /* KEM-shaped methods: the post-quantum half */
    int pq;                    /* resists a quantum adversary (OpenSSH's KEX_IS_PQ) */
};

/* One exchange, client or (test) server side. */
struct ssh_kex {
    const struct ssh_kex_alg *alg;
    int is_server;
    EVP_PKEY *domain;    /* DH / GEX domain parameters */
    EVP_PKEY *priv;      /* our ephemeral key pair (the hybrids: its X25519 half) */
    uint8_t *kem_sk;     /* KEM-shaped, client: the KEM secret key (wiped on free) */
    strata_buf our_pub;  /* encoded field: mpint or string */
    strata_buf peer_pub; /* encoded field */
    strata_buf K;        /* mpint, secret */
    /* Group exchange (RFC 4419). gex_old: the request was KEX_DH_GEX_REQUEST_OLD. */
    uint32_t gex_min, gex_n, gex_max;
    int gex_old;
    strata_buf gex_pg; /* mpint p, mpint g as received / sent */
};

/* ---- the table ---------------------------------------------------------------- */
const struct ssh_kex_alg *strata__ssh_kex_find(const char *name);
/* Comma lists: everything implemented (legacy included), and the default offer. */
const char *strata__ssh_kex_algs_supported(void);
const char *strata__ssh_kex_algs_default(void);
/* 1 when the named method is post-quantum (a hybrid with a KEM), as OpenSSH
 * decides whether to warn "connection is not using a post-quantum key
 * exchange algorithm"; 0 for other or unknown names. */
int strata__ssh_kex_is_pq(const char *name);

/* ---- one exchange --------------------------------------------------------------- */
strata_status strata__ssh_kex_new(const struct ssh_kex_alg *alg, int is_server,
                                  struct ssh_kex **out);
void strata__ssh_kex_free(struct ssh_kex *k); /* wipes K and the private key */

/* Group exchange: the group (p, g as mpint magnitudes). The client checks it
 * (RFC 4419 §3, RFC 8270): p odd with a bit length within [min, max] of the
 * request, 1 < g < p-1. */
strata_status strata__ssh_kex_gex_set_group(struct ssh_kex *k, const uint8_t *p, size_t plen,
                                            const uint8_t *g, size_t glen, strata_error *err);

/* Exchange hash H (RFC 4253 §8, RFC 4419 §3, RFC 5656 §4, RFC 8731 §3.1) over
 * the two identification lines (without CR LF), the two KEXINIT payloads and
 * the host key blob. out must hold EVP_MAX_MD_SIZE bytes. */
strata_status strata__ssh_kex_hash(const struct ssh_kex *k, const char *v_c, const char *v_s,
                                   const uint8_t *i_c, size_t i_c_len, const uint8_t *i_s,
                                   size_t i_s_len, const uint8_t *k_s, size_t k_s_len, uint8_t *out,
                                   size_t *outlen, strata_error *err);

/* ---- messages, client side ------------------------------------------------------- */
/* GEX request payload: KEX_DH_GEX_REQUEST(min, n, max) or, when old,
 * KEX_DH_GEX_REQUEST_OLD(n). Records the numbers for the hash. */
strata_status strata__ssh_kex_gex_request(struct ssh_kex *k, int old, uint32_t min, uint32_t n,
                                          uint32_t max, strata_buf *out);
/* Parses KEX_DH_GEX_GROUP (payload with its message byte) and sets the group. */
strata_status strata__ssh_kex_gex_parse_group(struct ssh_kex *k, const uint8_t *payload, size_t n,
                                              strata_error *err);
/* Makes our key pair and appends the INIT payload (message byte + our value). */
strata_status strata__ssh_kex_client_init(struct ssh_kex *k, strata_buf *out, strata_error *err);
/* Parses the REPLY payload: *k_s and *sig borrow from payload. Derives K. */
strata_status strata__ssh_kex_parse_reply(struct ssh_kex *k, const uint8_t *payload, size_t n,
                                          const uint8_t **k_s, size_t *k_s_len, const uint8_t **sig,
                                          size_t *sig_len, strata_error *err);

/* ---- messages, test server side --------------------------------------------------- */
/* Parses a GEX request (either form) and records the numbers. */
strata_status strata__ssh_kex_server_parse_gex_request(struct ssh_kex *k, const uint8_t *payload,
                                                       size_t n, strata_error *err);
/* The GEX group message for the recorded request, from the RFC 3526 groups. */
strata_status strata__ssh_kex_server_gex_group(struct ssh_kex *k, strata_buf *out,
                                               strata_error *err);
/* Parses the client's INIT, makes our key pair, derives K. */
strata_status strata__ssh_kex_server_parse_init(struct ssh_kex *k, const uint8_t *payload, size_t n,
                                                strata_error *err);
/* Appends the REPLY payload. */
strata_status strata__ssh_kex_server_reply(const struct ssh_kex *k, const uint8_t *k_s,
                                           size_t k_s_len, const uint8_t *sig, size_t sig_len,
                                           strata_buf *out);

/* ---- shared by the method files ------------------------------------------------- */
/* Sets K from the raw shared secret (big-endian), refusing an all-zero one. */
strata_status strata__ssh_kex_set_secret(struct ssh_kex *k, const uint8_t *s, size_t n,
                                         strata_error *err);
/* K from our private key and the peer's public key (borrowed), through
 * EVP_PKEY_derive, then strata__ssh_kex_set_secret. refused (may be NULL) is
 * the E_PROTOCOL message when OpenSSL refuses the derivation itself (X25519
 * does for a low-order point); otherwise that is E_CRYPTO "key agreement
 * failed". */
strata_status strata__ssh_kex_derive(struct ssh_kex *k, EVP_PKEY *peer, const char *refused,
                                     strata_error *err);
/* Finite-field helpers (kex_dh.c), used by the DH and GEX methods. */
strata_status strata__ssh_ffc_domain_named(const char *group, EVP_PKEY **out, strata_error *err);
strata_status strata__ssh_ffc_domain_pg(const uint8_t *p, size_t plen, const uint8_t *g,
                                        size_t glen, EVP_PKEY **out, strata_error *err);
extern const struct ssh_kex_ops strata__ssh_ffc_ops;
extern const struct ssh_kex_ops strata__ssh_ecdh_ops;
extern const struct ssh_kex_ops strata__ssh_x25519_ops;
extern const struct ssh_kex_ops strata__ssh_hybrid_ops;
extern const struct ssh_kem strata__ssh_kem_mlkem768;
extern const struct ssh_kem strata__ssh_kem_sntrup761;
/* X25519 (kex_curve25519.c), for the hybrids: a fresh key pair in k->priv
 * with its 32-byte public value in pub, and the raw 32-byte shared secret
 * with the peer's public value (an all-zero result refused, RFC 8731 §3). */
strata_status strata__ssh_x25519_keygen_raw(struct ssh_kex *k, uint8_t pub[32], strata_error *err);
strata_status strata__ssh_x25519_shared_raw(struct ssh_kex *k, const uint8_t peer[32],
                                            uint8_t out[32], strata_error *err);
/* RFC 2409 §6.2 Oakley group 2 (1024-bit), for diffie-hellman-group1-sha1. */
extern const uint8_t strata__ssh_modp1024_p[128];

#endif
