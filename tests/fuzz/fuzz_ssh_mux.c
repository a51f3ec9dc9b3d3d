/* Fuzz target: OpenSSH's mux protocol as a master or a client reads it
 * (src/ssh/mux.c). The input is a byte stream: every complete frame is
 * parsed; a parsed message must encode again and parse to the same type
 * and id. A parser error must say why. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ssh/mux.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t off = 0;
    for (int i = 0; i < 64 && off < size; i++) {
        const uint8_t *body;
        size_t blen, flen;
        strata_error err;
        strata_error_clear(&err);
        strata_status r = strata__mux_frame(data + off, size - off, &body, &blen, &flen, &err);
        if (r == STRATA_WANT_READ)
            break;
        if (r != STRATA_OK) {
            if (err.status == STRATA_OK)
                abort();
            break;
        }
        off += flen;
        struct strata__mux_msg m;
        if (strata__mux_parse(body, blen, &m, &err) != STRATA_OK) {
            if (err.status == STRATA_OK || m.term || m.command || m.reason || m.n_env)
                abort(); /* a failure names the problem and leaves nothing */
            continue;
        }
        if (!m.unsupported) {
            strata_buf b;
            strata_buf_init(&b, STRATA__MUX_BODY_MAX + 4);
            if (strata__mux_encode(&b, &m) == STRATA_OK) {
                struct strata__mux_msg m2;
                const uint8_t *b2;
                size_t bl2, fl2;
                if (strata__mux_frame(strata_buf_ptr(&b), strata_buf_len(&b), &b2, &bl2, &fl2,
                                      &err) != STRATA_OK ||
                    strata__mux_parse(b2, bl2, &m2, &err) != STRATA_OK || m2.type != m.type ||
                    m2.id != m.id || m2.n_env != m.n_env)
                    abort();
                strata__mux_msg_free(&m2);
            }
            strata_buf_free(&b);
        }
        strata__mux_msg_free(&m);
    }
    return 0;
}
