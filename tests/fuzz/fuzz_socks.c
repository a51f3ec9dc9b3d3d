/* Fuzz target: the SOCKS server engine reading a hostile client's bytes, in
 * chunks whose sizes come from the first input byte; the reply code from the
 * second. Checks that recv never claims more bytes than offered and that a
 * complete request names a NUL-terminated host of at most 255 bytes. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "strata/socks.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    size_t chunk = (size_t)data[0] + 1;
    enum strata_socks_reply code = (enum strata_socks_reply)(data[1] % 9);
    strata_socks_server *s;
    if (strata_socks_server_new(&s) != STRATA_OK)
        return 0;
    size_t off = 2;
    strata_status r = STRATA_WANT_READ;
    while (off < size && r == STRATA_WANT_READ) {
        size_t k = size - off < chunk ? size - off : chunk, used = 0, on;
        r = strata_socks_server_recv(s, data + off, k, &used);
        if (used > k)
            abort();
        off += used;
        (void)strata_socks_server_out(s, &on);
        strata_socks_server_out_ack(s, on);
    }
    const strata_socks_request *q = strata_socks_server_request(s);
    if ((r == STRATA_OK) != (q != NULL))
        abort();
    if (q) {
        if (memchr(q->host, 0, sizeof q->host) == NULL || strlen(q->host) == 0)
            abort();
        if (strata_socks_server_reply(s, code) != STRATA_OK)
            abort();
    }
    strata_socks_server_free(s);
    return 0;
}
