/* Fuzz target: the identification exchange (ssh/version.c, RFC 4253 §4.2):
 * banner lines, the SSH-2.0 / SSH-1.99 line, refusals. The input is read
 * once whole and once in small pieces (as from a socket); both must agree,
 * and an accepted line is an SSH-2 identification without CR or LF. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ssh/version.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Whole input at once: status, and the version (heap) when STRATA_OK. */
static strata_status read_whole(const uint8_t *data, size_t size, char **version)
{
    struct ssh_version_reader vr;
    strata_buf in;
    strata_error err;
    memset(&vr, 0, sizeof(vr));
    strata_error_clear(&err);
    strata_buf_view(&in, data, size);
    return strata__ssh_version_read(&vr, &in, version, &err);
}

/* The same input in pieces of 1..8 bytes (sizes taken from the data). */
static strata_status read_pieces(const uint8_t *data, size_t size, char **version)
{
    struct ssh_version_reader vr;
    strata_buf in;
    strata_error err;
    strata_status r = STRATA_WANT_READ;
    memset(&vr, 0, sizeof(vr));
    strata_error_clear(&err);
    strata_buf_init(&in, 0);
    *version = NULL;
    for (size_t off = 0; off < size && r == STRATA_WANT_READ;) {
        size_t k = (size_t)(data[off] % 8u) + 1u;
        if (k > size - off)
            k = size - off;
        if (strata_buf_put(&in, data + off, k) != STRATA_OK)
            abort();
        off += k;
        r = strata__ssh_version_read(&vr, &in, version, &err);
    }
    strata_buf_free(&in);
    return r;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *whole = NULL, *pieces = NULL;
    strata_status rw = read_whole(data, size, &whole);
    strata_status rp = read_pieces(data, size, &pieces);
    if ((rw == STRATA_OK) != (rp == STRATA_OK) ||
        (rw == STRATA_WANT_READ) != (rp == STRATA_WANT_READ))
        abort(); /* the outcome depends on how the bytes arrived */
    if (rw == STRATA_OK) {
        if (!whole || !pieces || strcmp(whole, pieces) != 0)
            abort();
        if (strncmp(whole, "SSH-2.0-", 8) != 0 && strncmp(whole, "SSH-1.99-", 9) != 0)
            abort(); /* accepted something that is not an SSH-2 identification */
        /* At most SSH_PEER_LINE_MAX bytes with the line end (OpenSSH's bound,
         * above RFC 4253 §4.2's 255), which may be a bare LF (one byte). */
        if (strpbrk(whole, "\r\n") || strlen(whole) + 1 > SSH_PEER_LINE_MAX)
            abort();
    } else if (whole || pieces) {
        abort(); /* a version handed out on failure */
    }
    free(whole);
    free(pieces);
    return 0;
}
