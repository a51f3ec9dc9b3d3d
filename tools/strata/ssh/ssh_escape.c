/* OpenSSH's escape sequences (see ssh_escape.h). */
#include <stdio.h>
#include <string.h>

#include "ssh_escape.h"

void ssh_escape_init(struct ssh_escape *e, int ch)
{
    e->ch = ch;
    e->state = 0;
}

static enum ssh_esc_action action_of(uint8_t c)
{
    switch (c) {
    case '.':
        return SSH_ESC_DISCONNECT;
    case 'Z' - 64: /* ^Z */
        return SSH_ESC_SUSPEND;
    case '#':
        return SSH_ESC_LIST;
    case '?':
        return SSH_ESC_HELP;
    case 'C':
        return SSH_ESC_COMMAND;
    case 'R':
        return SSH_ESC_REKEY;
    case 'v':
        return SSH_ESC_VERBOSE_UP;
    case 'V':
        return SSH_ESC_VERBOSE_DOWN;
    default:
        return SSH_ESC_NONE;
    }
}

size_t ssh_escape_scan(struct ssh_escape *e, const uint8_t *in, size_t n, uint8_t *out,
                       size_t *out_n, enum ssh_esc_action *action)
{
    size_t o = 0;
    *action = SSH_ESC_NONE;
    if (e->ch < 0) {
        memcpy(out, in, n);
        *out_n = n;
        return n;
    }
    for (size_t i = 0; i < n; i++) {
        uint8_t c = in[i];
        if (e->state == 1) {
            e->state = 2;
            if (c == (uint8_t)e->ch) { /* "~~": one escape character */
                out[o++] = c;
                continue;
            }
            enum ssh_esc_action a = action_of(c);
            if (a != SSH_ESC_NONE) {
                /* After a sequence the next byte is at a line start again,
                 * as in OpenSSH ("~?" then "~." works). */
                e->state = 0;
                *action = a;
                *out_n = o;
                return i + 1;
            }
            out[o++] = (uint8_t)e->ch; /* not a sequence: both as typed */
        }
        if (e->state == 0 && c == (uint8_t)e->ch) {
            e->state = 1; /* held until the next byte says what it is */
            continue;
        }
        out[o++] = c;
        e->state = c == '\r' || c == '\n' ? 0 : 2;
    }
    *out_n = o;
    return n;
}

const char *ssh_escape_help(int ch, char *buf, size_t cap)
{
    char e = (char)ch;
    snprintf(buf, cap,
             "Supported escape sequences:\r\n"
             " %c.   - terminate connection\r\n"
             " %cC   - open a command line\r\n"
             " %cR   - request rekey\r\n"
             " %cV/v - decrease/increase verbosity (LogLevel)\r\n"
             " %c^Z  - suspend ssh\r\n"
             " %c#   - list forwarded connections\r\n"
             " %c?   - this message\r\n"
             " %c%c   - send the escape character by typing it twice\r\n"
             "(Note that escapes are only recognized immediately after newline.)\r\n",
             e, e, e, e, e, e, e, e, e);
    return buf;
}

int ssh_escape_parse(const char *s)
{
    if (strcmp(s, "none") == 0)
        return -1;
    if (s[0] == '^' && s[1] && !s[2] &&
        ((s[1] >= '@' && s[1] <= '_') || (s[1] >= 'a' && s[1] <= 'z')))
        return (s[1] & 31);
    if (s[0] && !s[1])
        return (unsigned char)s[0];
    return -2;
}
