/* strata/tls_layer.h - TLS as a stack layer (strata/layer.h, strata/stack.h).
 *
 * Wraps a memory-mode connection (strata/tls_conn.h) so it can be pushed on a
 * stack: over TCP, inside another TLS layer, inside an SSH channel. The layer
 * is UP once the handshake completes, READ_CLOSED once the peer's
 * close_notify arrived, WRITE_CLOSED once ours is queued, FAILED on any TLS
 * error (strata_stack_error then carries the TLS message, e.g. the
 * certificate name mismatch). The stream beneath ending before the peer's
 * close_notify fails the layer with STRATA_EOF_UNCLEAN: a truncation is
 * never taken for a clean close. Bytes that followed the peer's close_notify
 * in the same read are handed back to the stack (take_leftover) and reach
 * the layer beneath when the layer is popped. Its describe line ends in
 * " resumed" when the handshake resumed a session.
 *
 * Sessions across connections: make each connection of a listener from one
 * context (strata_tls_ctx_up_ref for each owner that keeps it), so that a
 * ticket or session id one connection issued is accepted by the next; a
 * client resumes with strata_tls_conn_set_session before the layer is
 * pushed and learns of new sessions through
 * strata_tls_ctx_set_new_session_callback.
 */
#ifndef STRATA_TLS_LAYER_H
#define STRATA_TLS_LAYER_H

#include "layer.h"
#include "tls.h"

/* Makes a layer from conn: a memory-mode connection with its role set
 * (set_connect_state + SNI / verify name, or set_accept_state). The layer
 * owns conn from now on (it is freed with the layer); the caller may keep
 * the pointer to query the connection (peer certificate, ALPN, ...) while
 * the layer lives. E_USAGE for a socket-mode connection or one without a
 * role; then conn is still the caller's. */
STRATA_API STRATA_MUST_CHECK strata_status strata_tls_layer_new(strata_tls_conn *conn,
                                                                strata_layer *out);
/* The connection inside a TLS layer (borrowed), NULL for another layer. */
STRATA_API strata_tls_conn *strata_tls_layer_conn(const strata_layer *layer);

#endif
