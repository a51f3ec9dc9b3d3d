/* strata/socks.h - the SOCKS server engine (SOCKS4, SOCKS4a, SOCKS5), sans-I/O.
 *
 * What `ssh -D` needs: a local client asks, in SOCKS, to CONNECT to
 * host:port; the server reads the request, opens the connection some other
 * way (an SSH direct-tcpip channel), and answers success or failure. After a
 * success the stream carries the tunnel's bytes unchanged.
 *
 * The engine only parses and builds bytes:
 *   - strata_socks_server_recv takes bytes from the client. It returns
 *     STRATA_WANT_READ (more bytes needed), STRATA_OK (a CONNECT request is
 *     complete: strata_socks_server_request), or an error;
 *   - strata_socks_server_out gives bytes to send to the client (the SOCKS5
 *     method selection, then the reply); strata_socks_server_out_ack says how
 *     many were sent;
 *   - strata_socks_server_reply queues the answer to a complete request.
 *
 * Supported: SOCKS4 CONNECT to an IPv4 address, SOCKS4a CONNECT to a name
 * (DSTIP 0.0.0.x, x != 0, then the name after the user id), SOCKS5 (RFC 1928)
 * with the "no authentication required" method and CONNECT to an IPv4
 * address, a domain name or an IPv6 address. The SOCKS4 user id is read and
 * ignored.
 *
 * Errors are sticky. An error the client should hear about queues the
 * failure reply first (SOCKS5 "no acceptable methods" 0xFF, "command not
 * supported" 7, "address type not supported" 8; SOCKS4 "rejected" 91): send
 * what strata_socks_server_out gives, then close. strata_socks_server_error
 * has the message naming the problem.
 *
 * Bounds: at most 255 methods (the field is one byte), names of 1 to 255
 * bytes, printable ASCII only; SOCKS4 user ids up to
 * STRATA_SOCKS4_USERID_MAX bytes; a whole request (greeting and request) up
 * to STRATA_SOCKS_REQUEST_MAX bytes. recv never takes a byte past the end of
 * the request: what follows is the tunnel's (*used tells where it starts).
 */
#ifndef STRATA_SOCKS_H
#define STRATA_SOCKS_H

#include <stddef.h>
#include <stdint.h>
#include "export.h"
#include "status.h"
#include "error.h"

#define STRATA_SOCKS_NAME_MAX 255
#define STRATA_SOCKS4_USERID_MAX 255
/* SOCKS5: 2 + 255 greeting bytes and 4 + 1 + 255 + 2 request bytes;
 * SOCKS4a: 8 + user id + NUL + name + NUL. */
#define STRATA_SOCKS_REQUEST_MAX 1024

/* SOCKS5 reply codes (RFC 1928 §6). For SOCKS4 any failure is sent as 91. */
enum strata_socks_reply {
    STRATA_SOCKS_SUCCEEDED = 0,
    STRATA_SOCKS_GENERAL_FAILURE = 1,
    STRATA_SOCKS_NOT_ALLOWED = 2,
    STRATA_SOCKS_NET_UNREACHABLE = 3,
    STRATA_SOCKS_HOST_UNREACHABLE = 4,
    STRATA_SOCKS_CONN_REFUSED = 5,
    STRATA_SOCKS_TTL_EXPIRED = 6,
    STRATA_SOCKS_CMD_UNSUPPORTED = 7,
    STRATA_SOCKS_ATYP_UNSUPPORTED = 8,
};

enum strata_socks_addr {
    STRATA_SOCKS_ADDR_IPV4 = 1,
    STRATA_SOCKS_ADDR_NAME = 3,
    STRATA_SOCKS_ADDR_IPV6 = 4,
};

typedef struct strata_socks_request {
    unsigned version; /* 4 (SOCKS4 and SOCKS4a) or 5 */
    int socks4a;      /* version 4 with a name */
    enum strata_socks_addr addr_type;
    /* The destination as text: the name, or the address ("192.0.2.1",
     * "2001:db8::1"), NUL-terminated. */
    char host[STRATA_SOCKS_NAME_MAX + 1];
    uint16_t port;
} strata_socks_request;

typedef struct strata_socks_server strata_socks_server;

/* A fresh engine waiting for the client's first byte. Free with
 * strata_socks_server_free. */
STRATA_API STRATA_MUST_CHECK strata_status strata_socks_server_new(strata_socks_server **out);
/* NULL is allowed. */
STRATA_API void strata_socks_server_free(strata_socks_server *s);

/* Takes bytes from the client (p borrowed for the call). *used: how many
 * were taken; after STRATA_OK, p + *used is the first tunnel byte. Returns
 * STRATA_WANT_READ, STRATA_OK once a request is complete (then E_STATE on
 * further calls), or the sticky error: E_FORMAT (malformed: wrong version,
 * no methods, non-zero reserved byte, an empty or non-printable name),
 * E_UNSUPPORTED (no "no authentication" method offered, a command other than
 * CONNECT, an unknown address type), E_LIMIT (a user id or request too
 * long). */
STRATA_API STRATA_MUST_CHECK strata_status strata_socks_server_recv(strata_socks_server *s,
                                                                    const uint8_t *p, size_t n,
                                                                    size_t *used);
/* Bytes to send to the client (borrowed until the next call on s); *n 0
 * when there are none. */
STRATA_API const uint8_t *strata_socks_server_out(const strata_socks_server *s, size_t *n);
/* n of those bytes were sent. */
STRATA_API void strata_socks_server_out_ack(strata_socks_server *s, size_t n);
/* The complete request (borrowed from s), NULL before recv returned OK. */
STRATA_API const strata_socks_request *strata_socks_server_request(const strata_socks_server *s);
/* Queues the reply to the request: STRATA_SOCKS_SUCCEEDED or a failure code
 * (SOCKS4 gets 90 for success, 91 for any failure). The bound address sent
 * is 0.0.0.0:0, as OpenSSH sends. Once only; E_STATE before a request. */
STRATA_API STRATA_MUST_CHECK strata_status strata_socks_server_reply(strata_socks_server *s,
                                                                     enum strata_socks_reply code);
/* The first error (status STRATA_OK when none); borrowed from s. */
STRATA_API const strata_error *strata_socks_server_error(const strata_socks_server *s);

/* The SOCKS5 reply for an SSH channel open failure reason (RFC 4254 §5.1):
 * administratively prohibited -> not allowed, connect failed -> connection
 * refused, anything else -> general failure. */
STRATA_API enum strata_socks_reply strata_socks_reply_for_open_failure(uint32_t reason);

#endif
