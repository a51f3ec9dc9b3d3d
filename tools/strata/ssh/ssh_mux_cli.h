/* strata ssh: connection sharing (-M, -S, -O, ControlMaster, ControlPath,
 * ControlPersist) on strata/ssh_mux.h. cmd_ssh.c calls these from a few
 * lines; the state is this file's (one strata ssh per process). */
#ifndef STRATA_CLI_SSH_MUX_H
#define STRATA_CLI_SSH_MUX_H

#include "strata/io.h"
#include "strata/ssh_forward.h"
#include "strata/ssh_layer.h"
#include "strata/ssh_session.h"

/* -M, -S path, -O cmd: 1 when ch was one of them, -1 for a bad -O. */
int ssh_mux_option(int ch, const char *arg);

/* What the session would run, for a mux client. */
struct ssh_mux_run {
    const char *dest;    /* as given (%n) */
    const char *command; /* NULL: shell */
    int subsystem, want_tty, no_command;
};

/* After the session is resolved: -O commands, a session through a
 * running master, or a backgrounded ControlPersist master (the foreground
 * process then runs its session through it). Returns the exit code when
 * the command is done, -1 to go on (as the master, when one is wanted). */
int ssh_mux_prepare(strata_io *io, strata_ssh_session *ss, strata_ssh_forward *fwd,
                    const struct ssh_mux_run *run);
/* run(): the destination's layer config (to learn of authentication) and
 * the connection once made. */
void ssh_mux_layer(strata_ssh_layer_config *lc);
void ssh_mux_connected(strata_io *io, strata_io_conn *conn);
/* The connection has ended (on_done). */
void ssh_mux_done(void);
/* After the io driver is freed (its handles closed). */
void ssh_mux_free(void);

#endif
