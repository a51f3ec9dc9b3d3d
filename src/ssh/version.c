/* The identification exchange (RFC 4253 §4.2, §5.1). The server may send
 * other lines first (a banner); they are bounded in number and length and
 * skipped. "SSH-2.0-" and the compatibility form "SSH-1.99-" are accepted. */
#include <stdlib.h>
#include <string.h>

#include "base/error_internal.h"
#include "ssh/kexinit.h"
#include "ssh/version.h"

/* Copies up to 40 printable bytes of a line for an error message. */
static void quote(const uint8_t *p, size_t n, char *out, size_t cap)
{
    size_t j = 0;
    for (size_t i = 0; i < n && j + 1 < cap && i < 40; i++)
        out[j++] = (p[i] >= 0x20 && p[i] < 0x7f) ? (char)p[i] : '?';
    out[j] = 0;
}

static int printable(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] < 0x20 || p[i] > 0x7e)
            return 0;
    return 1;
}

strata_status strata__ssh_version_read(struct ssh_version_reader *vr, strata_buf *in,
                                       char **version, strata_error *err)
{
    char q[48];
    *version = NULL;
    for (;;) {
        const uint8_t *p = strata_buf_ptr(in);
        size_t avail = strata_buf_len(in);
        const uint8_t *nl = avail ? memchr(p, '\n', avail) : NULL;
        int is_ssh = avail >= 4 && !memcmp(p, "SSH-", 4);
        size_t limit = SSH_PEER_LINE_MAX;
        if (!nl) {
            if (avail >= limit) {
                quote(p, avail, q, sizeof(q));
                return strata__error_set(err, STRATA_E_PROTOCOL,
                                         "%s line longer than %zu bytes from the server "
                                         "(starts '%s'): not an SSH server?",
                                         is_ssh ? "identification" : "banner", (size_t)limit, q);
            }
            return STRATA_WANT_READ;
        }
        size_t len = (size_t)(nl - p) + 1; /* with LF */
        if (len > limit) {
            quote(p, len, q, sizeof(q));
            return strata__error_set(err, STRATA_E_PROTOCOL,
                                     "%s line longer than %zu bytes from the server "
                                     "(starts '%s'): not an SSH server?",
                                     is_ssh ? "identification" : "banner", (size_t)limit, q);
        }
        size_t body = len - 1;
        if (body > 0 && p[body - 1] == '\r')
            body--;
        quote(p, body, q, sizeof(q));
        if (is_ssh) {
            if (!printable(p, body))
                return strata__error_set(err, STRATA_E_PROTOCOL,
                                         "server's identification has control characters");
            if (body >= 8 && !memcmp(p, "SSH-2.0-", 8)) {
                /* ok */
            } else if (body >= 9 && !memcmp(p, "SSH-1.99-", 9)) {
                /* RFC 4253 §5.1: a server that also speaks SSH-2 */
            } else if (body >= 6 && !memcmp(p, "SSH-1.", 6)) {
                return strata__error_set(err, STRATA_E_PROTOCOL,
                                         "server speaks only SSH protocol 1 ('%s'), which is "
                                         "not supported",
                                         q);
            } else {
                return strata__error_set(err, STRATA_E_PROTOCOL,
                                         "server's protocol version is not supported ('%s')", q);
            }
            if (!(*version = strata__ssh_strndup((const char *)p, body)))
                return strata__error_set(err, STRATA_E_NOMEM, "out of memory");
            return strata_buf_consume(in, len);
        }
        /* A line before the identification. An HTTP (or other text) server on
         * the SSH port answers with its own protocol: say so at once. */
        if (body >= 5 && !memcmp(p, "HTTP/", 5))
            return strata__error_set(err, STRATA_E_PROTOCOL, "not an SSH server: it sent '%s'", q);
        if (memchr(p, 0, body))
            return strata__error_set(err, STRATA_E_PROTOCOL,
                                     "not an SSH server: it sent binary data ('%s')", q);
        if (vr->lines == 0)
            memcpy(vr->first, q, sizeof(vr->first) < sizeof(q) ? sizeof(vr->first) : sizeof(q));
        if (++vr->lines > SSH_BANNER_LINES_MAX)
            return strata__error_set(err, STRATA_E_PROTOCOL,
                                     "more than %u lines from the server before its SSH "
                                     "identification: not an SSH server?",
                                     SSH_BANNER_LINES_MAX);
        strata_status r = strata_buf_consume(in, len);
        if (r != STRATA_OK)
            return r;
    }
}
