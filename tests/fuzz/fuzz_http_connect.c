/* Fuzz target: the HTTP CONNECT layer reading a hostile proxy's reply, in
 * chunks whose sizes come from the first input byte. */
#include <stdint.h>
#include <stdlib.h>

#include "strata/stack.h"
#include "strata/http_connect.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    size_t chunk = (size_t)data[0] + 1;
    strata_stack *s;
    if (strata_stack_new(NULL, &s) != STRATA_OK)
        return 0;
    strata_http_connect_config cfg = {.host = "example.org", .port = 443, .user = "u", .pass = "p"};
    strata_layer l;
    if (strata_http_connect_layer_new(&cfg, &l) != STRATA_OK || strata_stack_push(s, l, NULL, 0)) {
        strata_stack_free(s);
        return 0;
    }
    size_t off = 1;
    while (off < size) {
        size_t k = size - off < chunk ? size - off : chunk, used = 0, n;
        strata_status st, r = strata_stack_wire_write(s, data + off, k, &used);
        if (used > k)
            abort();
        (void)strata_stack_app_in(s, &n, &st);
        strata_stack_app_ack(s, n);
        if (r != STRATA_OK || used == 0)
            break;
        off += used;
    }
    strata_status r = strata_stack_wire_eof(s);
    (void)r;
    strata_stack_free(s);
    return 0;
}
