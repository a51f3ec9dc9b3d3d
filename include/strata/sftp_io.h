/* strata/sftp_io.h - the SFTP engine over a byte stream, as an io app
 * endpoint.
 *
 * strata_io_app_sftp_new binds a strata_sftp engine (strata/sftp.h) to the
 * app face of any connection's stack: most often an SSH layer opened with
 * subsystem "sftp" (strata/ssh_layer.h), but a TLS or plain TCP stack to an
 * sftp-server works the same. The endpoint hands the engine's queued
 * requests to the stack and feeds the stack's bytes to the engine (reply
 * callbacks run from there, inside the io loop).
 *
 * A program that wants to wait for one reply at a time (a command-line
 * client) queues a request, calls strata_sftp_app_kick, and turns the loop
 * with strata_io_run_once until its callback has run or the connection has
 * ended (strata_sftp_app_ended). Transfers: call strata_sftp_xfer_pump and
 * strata_sftp_app_kick before each turn.
 *
 * Ownership: the engine and the strata_sftp_app handle belong to the caller.
 * The endpoint (strata_io_app) belongs to the connection it is bound to and
 * refers to both until the connection closes it; free the handle
 * (strata_sftp_app_free) and the engine only after that: once
 * strata_sftp_app_ended is 1 and the connection's on_done has run, or after
 * strata_io_free.
 */
#ifndef STRATA_SFTP_IO_H
#define STRATA_SFTP_IO_H

#include "export.h"
#include "io.h"
#include "sftp.h"

typedef struct strata_sftp_app strata_sftp_app;

/* Makes the endpoint for engine s (borrowed, see above). *handle is the
 * caller's (free with strata_sftp_app_free). */
STRATA_API STRATA_MUST_CHECK strata_status strata_io_app_sftp_new(strata_sftp *s,
                                                                  strata_io_app *out,
                                                                  strata_sftp_app **handle);
/* Requests were queued (outside the engine's callbacks): send them. Must
 * not be called from within a reply callback. */
STRATA_API void strata_sftp_app_kick(strata_sftp_app *a);
/* No more requests: the stream's write side is closed once every queued
 * byte is sent (channel EOF; sftp-server then exits). */
STRATA_API void strata_sftp_app_finish(strata_sftp_app *a);
/* 1 once the server's stream ended or the endpoint was closed; the
 * engine's error (strata_sftp_error) then says why if it was not orderly. */
STRATA_API int strata_sftp_app_ended(const strata_sftp_app *a);
/* 1 once the connection closed the endpoint. */
STRATA_API int strata_sftp_app_closed(const strata_sftp_app *a);
/* Frees the handle; see Ownership. NULL is allowed. */
STRATA_API void strata_sftp_app_free(strata_sftp_app *a);

/* Turns the loop once (libuv's UV_RUN_ONCE: waits for at least one event
 * when any handle is active). *alive is 1 when the loop has more to do.
 * E_STATE from within a callback or while strata_io_run runs. */
STRATA_API STRATA_MUST_CHECK strata_status strata_io_run_once(strata_io *io, int *alive);

#endif
