/* strata/scp_io.h - the SCP engine (strata/scp.h) over a byte stream, as an
 * io app endpoint.
 *
 * strata_io_app_scp_new binds a strata_scp engine to the app face of a
 * connection's stack: an SSH layer whose session channel runs the remote
 * `scp -t ...` or `scp -f ...` (strata_ssh_layer_config.command). The
 * endpoint hands the engine's output to the stack and feeds the stack's
 * bytes to the engine (its event callback runs from there, inside the io
 * loop). A command-line client drives it as the SFTP endpoint: queue
 * records or data, strata_scp_app_kick, turn the loop with
 * strata_io_run_once until the engine's state moves or the stream ended.
 *
 * Ownership as strata/sftp_io.h: the engine and the handle are the
 * caller's; the endpoint belongs to the connection and refers to both until
 * the connection closes it; free the handle (strata_scp_app_free) and the
 * engine only after that (strata_scp_app_closed, or after strata_io_free).
 */
#ifndef STRATA_SCP_IO_H
#define STRATA_SCP_IO_H

#include "export.h"
#include "io.h"
#include "scp.h"

typedef struct strata_scp_app strata_scp_app;

/* Makes the endpoint for engine s (borrowed). *handle is the caller's. */
STRATA_API STRATA_MUST_CHECK strata_status strata_io_app_scp_new(strata_scp *s, strata_io_app *out,
                                                                 strata_scp_app **handle);
/* Output was queued (outside the engine's callback): send it. */
STRATA_API void strata_scp_app_kick(strata_scp_app *a);
/* Nothing more to send: the write side closes (channel EOF) once every
 * queued byte is out; the remote scp then exits. */
STRATA_API void strata_scp_app_finish(strata_scp_app *a);
/* 1 once the peer's stream ended or the endpoint was closed; the verdict
 * is strata_scp_app_status. */
STRATA_API int strata_scp_app_ended(const strata_scp_app *a);
/* STRATA_OK for an orderly end (strata_scp_eof said so), else the engine's
 * error, or E_IO when the connection closed the endpoint first
 * (then strata_scp_error says why when the engine knows). While the
 * stream runs: STRATA_WANT_READ. */
STRATA_API strata_status strata_scp_app_status(const strata_scp_app *a);
/* 1 once the connection closed the endpoint. */
STRATA_API int strata_scp_app_closed(const strata_scp_app *a);
/* Frees the handle; NULL is allowed. */
STRATA_API void strata_scp_app_free(strata_scp_app *a);

#endif
