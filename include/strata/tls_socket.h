/* strata/tls_socket.h - socket mode: the seed's Connection(context, socket).
 *
 * A thin driver over the memory-mode engine (strata/tls_conn.h) for a small
 * blocking program: the connection owns a socket file descriptor, and
 * handshake / send / sendall / recv / shutdown move bytes between the
 * engine's buffers and the socket until the call completes.
 *
 * Blocking sockets (the default): calls block until done, as pyOpenSSL's.
 * Non-blocking sockets (setblocking(conn, 0)): calls return STRATA_WANT_READ
 * when the socket has nothing to read and STRATA_WANT_WRITE when it takes no
 * more; wait for the socket (poll on fileno) and repeat the call. Bytes the
 * engine produced but the socket did not take stay buffered; strata_tls_conn_flush
 * writes them (every call flushes first).
 *
 * The rest are the seed's pass-through calls on the socket. The end of the
 * peer's stream is fed to the engine, so recv reports STRATA_CLOSED after a
 * close_notify and STRATA_EOF_UNCLEAN when the peer just closed its socket.
 * Socket errors are STRATA_E_IO with the system's message; strata_error_errno
 * on strata_tls_conn_error(conn) gives the errno (pyOpenSSL's SysCallError).
 *
 * Threads: as for memory mode (one thread per connection at a time).
 *
 * Where the code is: src/io/tls_socket.c (only src/io touches sockets); the
 * engine it drives is src/tls/.
 */
#ifndef STRATA_TLS_SOCKET_H
#define STRATA_TLS_SOCKET_H

#include <sys/socket.h>
#include "tls.h"

/* A socket-mode connection on ctx. fd: a socket the connection now owns
 * (closed by strata_tls_conn_close or _free), or -1 to create a TCP socket
 * of the right family at the first connect or bind. */
STRATA_API STRATA_MUST_CHECK strata_status strata_tls_conn_new_socket(strata_tls_ctx *ctx, int fd,
                                                                      strata_tls_conn **out);
/* The socket's descriptor (-1 in memory mode or before the socket exists). */
STRATA_API int strata_tls_conn_fileno(const strata_tls_conn *conn);

/* connect(2), then client state (the handshake runs at the first
 * handshake / send / recv). E_IO with the reason when it fails. */
STRATA_API STRATA_MUST_CHECK strata_status strata_tls_conn_connect(strata_tls_conn *conn,
                                                                   const struct sockaddr *addr,
                                                                   socklen_t len);
/* As connect, returning connect's errno in *err (0 on success) instead of
 * failing; client state is set only when it succeeded or is in progress. */
STRATA_API STRATA_MUST_CHECK strata_status strata_tls_conn_connect_ex(strata_tls_conn *conn,
                                                                      const struct sockaddr *addr,
                                                                      socklen_t len, int *err);
/* Resolves host and port (getaddrinfo) and connects to the first address
 * that accepts; also sets the SNI / verify name to host. */
STRATA_API STRATA_MUST_CHECK strata_status strata_tls_conn_connect_host(strata_tls_conn *conn,
                                                                        const char *host,
                                                                        const char *port);
STRATA_API STRATA_MUST_CHECK strata_status strata_tls_conn_bind(strata_tls_conn *conn,
                                                                const struct sockaddr *addr,
                                                                socklen_t len);
STRATA_API STRATA_MUST_CHECK strata_status strata_tls_conn_listen(strata_tls_conn *conn,
                                                                  int backlog);
/* accept(2): *out is a new server-state connection on the same context
 * (the caller's, strata_tls_conn_free); addr/len may be NULL. */
STRATA_API STRATA_MUST_CHECK strata_status strata_tls_conn_accept(strata_tls_conn *conn,
                                                                  strata_tls_conn **out,
                                                                  struct sockaddr *addr,
                                                                  socklen_t *len);
STRATA_API STRATA_MUST_CHECK strata_status strata_tls_conn_getpeername(const strata_tls_conn *conn,
                                                                       struct sockaddr *addr,
                                                                       socklen_t *len);
STRATA_API STRATA_MUST_CHECK strata_status strata_tls_conn_getsockname(const strata_tls_conn *conn,
                                                                       struct sockaddr *addr,
                                                                       socklen_t *len);
STRATA_API STRATA_MUST_CHECK strata_status strata_tls_conn_getsockopt(const strata_tls_conn *conn,
                                                                      int level, int name,
                                                                      void *val, socklen_t *len);
STRATA_API STRATA_MUST_CHECK strata_status strata_tls_conn_setsockopt(strata_tls_conn *conn,
                                                                      int level, int name,
                                                                      const void *val,
                                                                      socklen_t len);
/* flag 1: blocking (default), 0: non-blocking. */
STRATA_API STRATA_MUST_CHECK strata_status strata_tls_conn_setblocking(strata_tls_conn *conn,
                                                                       int flag);
/* shutdown(2) of the socket (SHUT_RD, SHUT_WR, SHUT_RDWR); no TLS close. */
STRATA_API STRATA_MUST_CHECK strata_status strata_tls_conn_sock_shutdown(strata_tls_conn *conn,
                                                                         int how);
/* Writes buffered output to the socket (STRATA_WANT_WRITE if it would
 * block). */
STRATA_API STRATA_MUST_CHECK strata_status strata_tls_conn_flush(strata_tls_conn *conn);
/* Gathering: with cork on, send keeps whole records buffered until less
 * than one more record fits in the output buffer (STRATA_TLS_OUT_SIZE), then
 * writes them in one system call; recv, shutdown, flush and close write what is waiting. For bulk
 * senders. Default off. */
STRATA_API void strata_tls_conn_set_cork(strata_tls_conn *conn, int on);
/* Flushes, then closes the socket (no close_notify: call shutdown first). */
STRATA_API STRATA_MUST_CHECK strata_status strata_tls_conn_close(strata_tls_conn *conn);

#endif
