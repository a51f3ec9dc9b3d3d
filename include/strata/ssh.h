/* strata/ssh.h - the SSH-2 client transport (RFC 4253), sans-I/O.
 *
 * A strata_ssh_transport is the client side of one SSH connection's transport
 * layer: identification exchange, KEXINIT and algorithm negotiation, key
 * exchange (curve25519, ECDH, finite-field DH and group exchange), host key
 * verification that may answer later, NEWKEYS, packet protection, rekeying,
 * strict KEX, the service request, and the DISCONNECT / IGNORE /
 * UNIMPLEMENTED / DEBUG messages. It is Twisted's SSHClientTransport as a C
 * engine: it never touches a socket or a clock.
 *
 * Driving it (the four flows of a sans-I/O engine):
 *   - bytes from the server:  strata_ssh_transport_input (+ _input_eof);
 *   - bytes to the server:    strata_ssh_transport_output, then _output_ack
 *                             with what was written;
 *   - messages of the layer above (user auth, connection): _send, and the
 *     packet callback;
 *   - time: _tick with the caller's clock, for time-based rekeying.
 * Events are callbacks, called from inside those functions, on the caller's
 * thread. A callback must not free the transport.
 *
 * Errors are sticky: after the first one every call returns it, and
 * strata_ssh_transport_error() tells what happened. A protocol error sends a
 * DISCONNECT with the RFC 4253 §11.1 reason before the engine stops; drain
 * the output, then close the socket.
 *
 * Seed: twisted.conch.ssh.transport.SSHClientTransport / SSHTransportBase.
 *   dataReceived -> _input;  sendPacket -> _send;  verifyHostKey -> the
 *   verify_host_key callback + _hostkey_resume;  connectionSecure -> the
 *   connection_secure callback;  requestService / ssh_SERVICE_ACCEPT /
 *   setService -> _request_service + service_accepted;  sendIgnore /
 *   sendDebug / sendUnimplemented / sendDisconnect -> _send_ignore /
 *   _send_debug / _send_unimplemented (also automatic) / _disconnect;  receiveError / receiveDebug
 * / receiveUnimplemented / ssh_IGNORE -> callbacks;  isEncrypted / isVerified -> _is_encrypted /
 * _is_verified;  loseConnection -> _lose_connection.
 */
#ifndef STRATA_SSH_H
#define STRATA_SSH_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "export.h"
#include "ssh_knownhosts.h"
#include "status.h"

typedef struct strata_ssh_transport strata_ssh_transport;

/* RFC 4253 §11.1 disconnect reason codes. */
enum strata_ssh_disconnect_reason {
    STRATA_SSH_DISCONNECT_HOST_NOT_ALLOWED_TO_CONNECT = 1,
    STRATA_SSH_DISCONNECT_PROTOCOL_ERROR = 2,
    STRATA_SSH_DISCONNECT_KEY_EXCHANGE_FAILED = 3,
    STRATA_SSH_DISCONNECT_RESERVED = 4,
    STRATA_SSH_DISCONNECT_MAC_ERROR = 5,
    STRATA_SSH_DISCONNECT_COMPRESSION_ERROR = 6,
    STRATA_SSH_DISCONNECT_SERVICE_NOT_AVAILABLE = 7,
    STRATA_SSH_DISCONNECT_PROTOCOL_VERSION_NOT_SUPPORTED = 8,
    STRATA_SSH_DISCONNECT_HOST_KEY_NOT_VERIFIABLE = 9,
    STRATA_SSH_DISCONNECT_CONNECTION_LOST = 10,
    STRATA_SSH_DISCONNECT_BY_APPLICATION = 11,
    STRATA_SSH_DISCONNECT_TOO_MANY_CONNECTIONS = 12,
    STRATA_SSH_DISCONNECT_AUTH_CANCELLED_BY_USER = 13,
    STRATA_SSH_DISCONNECT_NO_MORE_AUTH_METHODS_AVAILABLE = 14,
    STRATA_SSH_DISCONNECT_ILLEGAL_USER_NAME = 15,
};
/* "PROTOCOL_ERROR" etc.; "UNKNOWN" for other codes. Static storage. */
STRATA_API const char *strata_ssh_disconnect_reason_name(uint32_t reason);

/* Directions, for is_encrypted / is_verified / algorithm queries (Twisted's
 * "out", "in" and "both"). */
enum strata_ssh_direction {
    STRATA_SSH_OUT = 0,  /* client to server */
    STRATA_SSH_IN = 1,   /* server to client */
    STRATA_SSH_BOTH = 2, /* is_encrypted / is_verified only: both of the above */
};

/* What the application is asked about the server's host key. Every pointer
 * is borrowed and valid only during the callback. */
typedef struct strata_ssh_hostkey_info {
    const char *host;        /* as configured (may be NULL) */
    uint16_t port;           /* as configured */
    const char *key_type;    /* "ssh-ed25519", "ssh-rsa-cert-v01@openssh.com", ... */
    const char *hostkey_alg; /* the negotiated algorithm, e.g. "rsa-sha2-512" */
    const uint8_t *blob;     /* the key blob (K_S) */
    size_t blob_len;
    const char *fp_sha256; /* "SHA256:<base64>", as OpenSSH prints it */
    const char *fp_md5;    /* "MD5:aa:bb:...", the seed's fingerprint */
    int is_cert;           /* an OpenSSH host certificate */
    /* The known_hosts verdict when the configuration names a known_hosts
     * object: STRATA_OK (a line or a @cert-authority vouches for the key, or
     * the policy accepts an unknown host) or E_HOSTKEY_UNKNOWN; with
     * known_hosts_message its text. E_UNSUPPORTED when none is configured. */
    strata_status known_hosts_status;
    const char *known_hosts_message;
} strata_ssh_hostkey_info;

typedef struct strata_ssh_transport_callbacks {
    /* The server proved it holds this host key (its signature over the
     * exchange hash verified). Return STRATA_OK to accept, STRATA_E_HOSTKEY
     * to refuse (the connection ends with HOST_KEY_NOT_VERIFIABLE), or
     * STRATA_PENDING to answer later with strata_ssh_transport_hostkey_resume.
     * Until then the engine buffers what arrives. NULL: the known_hosts
     * verdict decides, and without known_hosts every key is refused. A key
     * known_hosts reports as changed or revoked, or a certificate that fails
     * its checks, is refused before this callback is asked. */
    strata_status (*verify_host_key)(void *user, const strata_ssh_hostkey_info *info);
    /* Keys are in use both ways after the first key exchange (connectionSecure). */
    void (*connection_secure)(void *user);
    /* SERVICE_ACCEPT for the service requested (setService). */
    void (*service_accepted)(void *user, const char *service);
    /* A message of the layer above (number 50 and up); payload borrowed for
     * the call. Return STRATA_OK, an error to end the connection with
     * PROTOCOL_ERROR, or STRATA_E_UNSUPPORTED to answer UNIMPLEMENTED. NULL:
     * every such message is answered UNIMPLEMENTED. */
    strata_status (*packet)(void *user, const uint8_t *payload, size_t n);
    /* The server sent DISCONNECT (receiveError). description borrowed. */
    void (*disconnected)(void *user, uint32_t reason, const char *description);
    /* DEBUG (receiveDebug); message borrowed. */
    void (*debug)(void *user, int always_display, const char *message);
    /* IGNORE; data borrowed. */
    void (*ignore)(void *user, const uint8_t *data, size_t n);
    /* UNIMPLEMENTED: the server did not understand our packet number seq. */
    void (*unimplemented)(void *user, uint32_t seq);
} strata_ssh_transport_callbacks;

typedef struct strata_ssh_transport_config {
    const char *host; /* for the host key callback (copied); may be NULL */
    uint16_t port;
    /* Algorithm lists the OpenSSH way (ssh_config(5) KexAlgorithms ...): NULL
     * or "" for the defaults, "a,b" a full list, "+a" appends, "-a" removes
     * (wildcards allowed), "^a" puts first. Legacy algorithms (group1,
     * group14-sha1, group-exchange-sha1, ssh-rsa, ssh-dss, CBC, hmac-sha1) are
     * never offered unless named here. */
    const char *kex_algorithms;
    const char *hostkey_algorithms;
    const char *ciphers;
    const char *macs;
    const char *compression; /* default "none,zlib@openssh.com" */
    /* Group exchange: the sizes asked for (0: 2048, 3072, 8192), and
     * gex_request_old to send the seed's KEX_DH_GEX_REQUEST_OLD. */
    uint32_t gex_min, gex_preferred, gex_max;
    int gex_request_old;
    /* Rekey after this many bytes either way (0: 1 GiB) or seconds of the
     * caller's clock passed to _tick (0: 3600). */
    uint64_t rekey_bytes;
    uint64_t rekey_seconds;
    /* Host key checking against OpenSSH known_hosts (borrowed; must outlive
     * the transport; NULL: none): strata_ssh_knownhosts_verify with this
     * policy, host and port, at unix_time (seconds since 1970, for host
     * certificates' validity: engines read no clock). */
    strata_ssh_knownhosts *known_hosts;
    enum strata_ssh_strict strict_host_key_checking;
    int64_t unix_time;
    /* known_hosts used only to order the default host key algorithms (as
     * OpenSSH: those the host is known by first), when known_hosts is NULL
     * because the verify_host_key callback checks the key itself.
     * Borrowed, read during strata_ssh_transport_new only; may be NULL. */
    strata_ssh_knownhosts *hostkey_order;
    /* 1 to not offer strict KEX (kex-strict-c-v00@openssh.com); default on. */
    int no_strict_kex;
    /* Software version in our identification: "SSH-2.0-<this>" (NULL:
     * "strata_<version>"). Copied. */
    const char *software_version;
    strata_ssh_transport_callbacks cb;
    void *user; /* passed to every callback */
} strata_ssh_transport_config;

/* A new transport (*out, owned by the caller; free with _free). cfg is read
 * during the call only. Our identification line is queued for output at
 * once. Errors: E_USAGE / E_UNSUPPORTED for a bad algorithm list (detail in
 * err, may be NULL), E_NOMEM. */
STRATA_API STRATA_MUST_CHECK strata_status strata_ssh_transport_new(
    const strata_ssh_transport_config *cfg, strata_ssh_transport **out, strata_error *err);
/* Frees t and wipes its keys. NULL is allowed. */
STRATA_API void strata_ssh_transport_free(strata_ssh_transport *t);

/* Bytes from the server (data borrowed for the call). *consumed (may be
 * NULL) is how many were taken: fewer than n when the input buffer is full;
 * offer the rest later. Returns STRATA_OK, STRATA_PENDING while a host key
 * verdict is awaited, STRATA_CLOSED after a clean end, or the sticky error. */
STRATA_API STRATA_MUST_CHECK strata_status strata_ssh_transport_input(strata_ssh_transport *t,
                                                                      const uint8_t *data, size_t n,
                                                                      size_t *consumed);
/* The server closed its side: STRATA_CLOSED after a DISCONNECT, otherwise
 * E_SSH_DISCONNECT ("connection closed by the server ..."). */
STRATA_API STRATA_MUST_CHECK strata_status strata_ssh_transport_input_eof(strata_ssh_transport *t);
/* Bytes to send: *data (borrowed, valid until the next call on t) and *n
 * (0 when nothing is queued). */
STRATA_API void strata_ssh_transport_output(strata_ssh_transport *t, const uint8_t **data,
                                            size_t *n);
/* n bytes of the output were written. */
STRATA_API void strata_ssh_transport_output_ack(strata_ssh_transport *t, size_t n);
/* 1 when the engine has ended (error or disconnect) and all output is drained. */
STRATA_API int strata_ssh_transport_is_closed(const strata_ssh_transport *t);

/* Answers a pending host key question: STRATA_OK accepts, anything else
 * refuses. Continues processing what was buffered (packets for the layer
 * above may be delivered from inside this call). */
STRATA_API STRATA_MUST_CHECK strata_status
strata_ssh_transport_hostkey_resume(strata_ssh_transport *t, strata_status verdict);

/* The caller's clock, in seconds (any origin). Starts a rekey when
 * rekey_seconds have passed since the last key exchange. */
STRATA_API STRATA_MUST_CHECK strata_status strata_ssh_transport_tick(strata_ssh_transport *t,
                                                                     uint64_t now);
/* Starts a key exchange now (no effect while one runs). */
STRATA_API STRATA_MUST_CHECK strata_status strata_ssh_transport_rekey(strata_ssh_transport *t);

/* SERVICE_REQUEST for name ("ssh-userauth"); service_accepted follows. May
 * be called before the connection is secure: it is sent once it is. */
STRATA_API STRATA_MUST_CHECK strata_status
strata_ssh_transport_request_service(strata_ssh_transport *t, const char *name);
/* Sends a message of the layer above (payload with its message number, 50
 * and up; borrowed for the call). Held back, in order, while a key exchange
 * runs. */
STRATA_API STRATA_MUST_CHECK strata_status strata_ssh_transport_send(strata_ssh_transport *t,
                                                                     const uint8_t *payload,
                                                                     size_t n);
/* The same for a payload in two pieces: head (hn >= 1 bytes, starting with
 * the message number) followed by data (dn bytes, may be 0), both borrowed
 * for the call. The message sent is their concatenation; bulk data (a
 * CHANNEL_DATA's bytes) is encrypted straight from `data` where the cipher
 * allows, not copied into a message first. */
STRATA_API STRATA_MUST_CHECK strata_status strata_ssh_transport_send_parts(
    strata_ssh_transport *t, const uint8_t *head, size_t hn, const uint8_t *data, size_t dn);
/* IGNORE with data (sendIgnore). */
STRATA_API STRATA_MUST_CHECK strata_status strata_ssh_transport_send_ignore(strata_ssh_transport *t,
                                                                            const uint8_t *data,
                                                                            size_t n);
/* UNIMPLEMENTED for the last packet received from the server
 * (sendUnimplemented, RFC 4253 §11.4): its sequence number, as the packet
 * layer counted it (under strict KEX, counted from the last NEWKEYS). For a
 * layer above that does not understand a message it was given: call it from
 * the packet callback, or after _input returned. E_STATE when no packet has
 * been received yet, or during the first key exchange under strict KEX
 * (where only key exchange messages may be sent). Messages that reach no
 * handler at all are answered this way by the engine itself. */
STRATA_API STRATA_MUST_CHECK strata_status
strata_ssh_transport_send_unimplemented(strata_ssh_transport *t);
/* DEBUG (sendDebug). */
STRATA_API STRATA_MUST_CHECK strata_status strata_ssh_transport_send_debug(strata_ssh_transport *t,
                                                                           int always_display,
                                                                           const char *message);
/* Sends DISCONNECT(reason, description) and ends the engine (sendDisconnect);
 * drain the output, then close. */
STRATA_API STRATA_MUST_CHECK strata_status strata_ssh_transport_disconnect(strata_ssh_transport *t,
                                                                           uint32_t reason,
                                                                           const char *description);
/* loseConnection: DISCONNECT with BY_APPLICATION. */
STRATA_API STRATA_MUST_CHECK strata_status
strata_ssh_transport_lose_connection(strata_ssh_transport *t);
/* The user-auth layer calls this after USERAUTH_SUCCESS: starts
 * zlib@openssh.com compression both ways if it was negotiated. */
STRATA_API void strata_ssh_transport_start_delayed_compression(strata_ssh_transport *t);

/* isEncrypted / isVerified for a direction (1 or 0): whether packets that
 * way are encrypted / carry a MAC (or an AEAD tag) now. STRATA_SSH_BOTH: 1
 * only when both directions are. Each direction switches at its own NEWKEYS,
 * so OUT can be 1 while IN is still 0. Any other value: 0. */
STRATA_API int strata_ssh_transport_is_encrypted(const strata_ssh_transport *t,
                                                 enum strata_ssh_direction dir);
STRATA_API int strata_ssh_transport_is_verified(const strata_ssh_transport *t,
                                                enum strata_ssh_direction dir);
/* 1 once the first key exchange has completed both ways. */
STRATA_API int strata_ssh_transport_is_secure(const strata_ssh_transport *t);

/* Negotiated names (static or owned by t, valid while t lives; NULL before
 * the first KEXINIT exchange). which: "kex", "hostkey", "cipher", "mac",
 * "compression" (for cipher/mac/compression dir selects the direction;
 * STRATA_SSH_BOTH gives NULL there). */
STRATA_API const char *strata_ssh_transport_algorithm(const strata_ssh_transport *t,
                                                      const char *which,
                                                      enum strata_ssh_direction dir);
/* 1 when the key exchange method called name (e.g. the "kex" of
 * strata_ssh_transport_algorithm) is post-quantum: a hybrid of a KEM
 * (ML-KEM-768, sntrup761) with X25519, which OpenSSH 10 wants and warns
 * without. 0 for any other or unknown name, or NULL. name is only read. */
STRATA_API int strata_ssh_kex_is_post_quantum(const char *name);
/* One whole key exchange with method in memory, both ends (the client's and
 * the server side the library keeps for its own tests), the two exchange
 * hashes compared: a self-test of the method, and what `strata bench kex`
 * times. STRATA_OK, E_UNSUPPORTED for an unknown method, or the error of the
 * step that failed (in err). method is only read. */
STRATA_API STRATA_MUST_CHECK strata_status strata_ssh_kex_selftest(const char *method,
                                                                   strata_error *err);
/* The server's identification line (without CR LF), or NULL. Owned by t. */
STRATA_API const char *strata_ssh_transport_server_version(const strata_ssh_transport *t);
/* The server's host key blob of the last key exchange (borrowed), or NULL. */
STRATA_API const uint8_t *strata_ssh_transport_hostkey(const strata_ssh_transport *t, size_t *n);
/* The session identifier (H of the first exchange; borrowed), or NULL. */
STRATA_API const uint8_t *strata_ssh_transport_session_id(const strata_ssh_transport *t, size_t *n);
/* RFC 8308 server-sig-algs from the server's EXT_INFO (owned by t), or NULL. */
STRATA_API const char *strata_ssh_transport_server_sig_algs(const strata_ssh_transport *t);
/* 1 when strict KEX is in force. */
STRATA_API int strata_ssh_transport_is_strict_kex(const strata_ssh_transport *t);
/* Number of completed key exchanges. */
STRATA_API unsigned strata_ssh_transport_kex_count(const strata_ssh_transport *t);
/* Bytes of messages held back until the key exchange under way ends (RFC
 * 4253 §7.1: between our KEXINIT and our NEWKEYS only transport messages go
 * out); 0 when none is held. */
STRATA_API size_t strata_ssh_transport_held(const strata_ssh_transport *t);
/* Payload bytes a writer of channel data should still hand the transport
 * now: while a key exchange holds messages back, what is left of
 * STRATA_SSH_HELD_SOFT (then 0: wait until the exchange ends, as the
 * transport's input makes progress); otherwise SIZE_MAX. Writers that stop
 * here never meet the hard limit on held-back messages. */
STRATA_API size_t strata_ssh_transport_send_room(const strata_ssh_transport *t);
#define STRATA_SSH_HELD_SOFT (256u * 1024u)
/* The sticky error (status STRATA_OK when none); owned by t. */
STRATA_API const strata_error *strata_ssh_transport_error(const strata_ssh_transport *t);
/* The disconnect reason sent or received (0 when none). */
STRATA_API uint32_t strata_ssh_transport_disconnect_reason(const strata_ssh_transport *t);

/* The algorithms strata supports, as `ssh -Q what` lists them: what is one
 * of kex, cipher, cipher-auth, mac, key, key-plain, key-cert, key-sig, sig,
 * compression, or the ssh_config names KexAlgorithms, Ciphers, MACs,
 * HostKeyAlgorithms, PubkeyAcceptedAlgorithms, HostbasedAcceptedAlgorithms,
 * CASignatureAlgorithms (case-insensitive). Writes the comma-separated list
 * into buf (n bytes, NUL-terminated, truncated when short) and returns its
 * length (as snprintf), or 0 for an unknown query. From the tables the
 * transport negotiates with (src/ssh), so the list is what strata can use. */
STRATA_API size_t strata_ssh_algorithms(const char *what, char *buf, size_t n);
/* The list an ssh_config value gives (what: KexAlgorithms, Ciphers, MACs,
 * HostKeyAlgorithms or PubkeyAcceptedAlgorithms; spec as ssh_config(5):
 * NULL for the default, "+a", "-a", "^a" or a whole list), as the transport
 * would offer it. *out: a heap string the caller frees. E_USAGE for an
 * unknown what, E_SSH_ALG-style errors for a name strata does not know. */
STRATA_API STRATA_MUST_CHECK strata_status strata_ssh_algorithms_resolve(const char *what,
                                                                         const char *spec,
                                                                         char **out,
                                                                         strata_error *err);

#endif
