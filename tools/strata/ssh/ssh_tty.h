/* The terminal side of strata ssh: prompts without echo (or through
 * SSH_ASKPASS), raw mode restored on every exit path, the local terminal's
 * settings as SSH terminal modes, and window size changes. */
#ifndef STRATA_CLI_SSH_TTY_H
#define STRATA_CLI_SSH_TTY_H

#include <stddef.h>
#include <stdint.h>

/* Reads a line from the terminal (/dev/tty) with echo off unless echo, or
 * from $SSH_ASKPASS as OpenSSH does (SSH_ASKPASS_REQUIRE=force / prefer,
 * or no terminal and $DISPLAY set). The answer is in buf (cap bytes); NULL
 * when there is no way to ask. */
const char *ssh_tty_prompt(const char *prompt, int echo, char *buf, size_t cap);
/* Puts stdin's terminal in raw mode; the old settings come back with
 * ssh_tty_restore, which also runs at exit. */
void ssh_tty_raw(void);
void ssh_tty_restore(void);
/* RFC 4254 §8 encoded terminal modes of stdin's terminal into out (cap
 * bytes); returns the length (0 without a terminal). */
size_t ssh_tty_modes(uint8_t *out, size_t cap);
/* SIGWINCH sets a flag; ssh_tty_winch_taken returns and clears it. */
void ssh_tty_watch_winch(void);
int ssh_tty_winch_taken(void);
/* Sets the flag (for a SIGWINCH delivered through the io driver). */
void ssh_tty_winch_mark(void);

#endif
