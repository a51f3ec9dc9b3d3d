/* OpenSSH's escape sequences for strata ssh's terminal sessions: the escape
 * character (default '~') is recognised only right after a newline; the
 * character after it says what to do (see ssh_escape_help). An unknown
 * pair is sent as typed; "~~" sends one '~'. Pure: bytes in, bytes to send
 * and actions out. */
#ifndef STRATA_CLI_SSH_ESCAPE_H
#define STRATA_CLI_SSH_ESCAPE_H

#include <stddef.h>
#include <stdint.h>

enum ssh_esc_action {
    SSH_ESC_NONE,
    SSH_ESC_DISCONNECT,   /* ~. */
    SSH_ESC_SUSPEND,      /* ~^Z */
    SSH_ESC_LIST,         /* ~# */
    SSH_ESC_HELP,         /* ~? */
    SSH_ESC_COMMAND,      /* ~C */
    SSH_ESC_REKEY,        /* ~R */
    SSH_ESC_VERBOSE_UP,   /* ~v */
    SSH_ESC_VERBOSE_DOWN, /* ~V */
};

struct ssh_escape {
    int ch;    /* the escape character, -1: none */
    int state; /* 0: at a line start, 1: after the escape character, 2: mid-line */
};

void ssh_escape_init(struct ssh_escape *e, int ch);
/* Scans in[0..n) up to and including the first escape sequence: the bytes
 * to send go to out (cap must be at least n + 1: a held escape character
 * comes out with the next byte), their number in *out_n, the sequence's
 * action in *action (SSH_ESC_NONE when none was found). Returns the bytes
 * of in consumed. */
size_t ssh_escape_scan(struct ssh_escape *e, const uint8_t *in, size_t n, uint8_t *out,
                       size_t *out_n, enum ssh_esc_action *action);
/* The "~?" text for escape character ch, as OpenSSH words it (CR LF ends
 * each line: the terminal is raw). */
const char *ssh_escape_help(int ch, char *buf, size_t cap);
/* Parses an escape character option (-e, EscapeChar): "none", one
 * character, or "^X" for a control character. -2 when malformed. */
int ssh_escape_parse(const char *s);

#endif
