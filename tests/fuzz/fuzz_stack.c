/* Fuzz target: layer routing. The input is a script of stack operations
 * (push, pop, wire bytes, application bytes, reads, end of stream) run against
 * one stack of test framing layers, with the wire bytes chosen by the fuzzer:
 * a hostile peer. The stack must never crash, leak or exceed its bounds. */
#include <stdint.h>
#include <stdlib.h>

#include "strata/stack.h"
#include "framelayer.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    strata_stack *s;
    strata_stack_config cfg = {.peer_close = size > 0 && (data[0] & 1)
                                                 ? STRATA_STACK_PEER_CLOSE_POP
                                                 : STRATA_STACK_PEER_CLOSE_EOF};
    if (strata_stack_new(&cfg, &s) != STRATA_OK)
        return 0;
    size_t i = size > 0 ? 1 : 0;
    strata_status r;
    while (i < size) {
        uint8_t op = data[i++];
        size_t len = i < size ? data[i++] : 0;
        if (len > size - i)
            len = size - i;
        size_t used = 0, n = 0;
        strata_status st;
        switch (op % 8) {
        case 0:
            r = strata_stack_push(s, framelayer_new((uint8_t)(len & 3), (len >> 2) & 1), NULL, 0);
            len = 0;
            break;
        case 1:
            r = strata_stack_pop(s);
            len = 0;
            break;
        case 2:
            r = strata_stack_wire_write(s, data + i, len, &used);
            break;
        case 3:
            r = strata_stack_app_write(s, data + i, len, &used);
            break;
        case 4:
            (void)strata_stack_app_in(s, &n, &st);
            strata_stack_app_ack(s, n < len ? n : len);
            len = 0;
            break;
        case 5:
            (void)strata_stack_wire_out(s, &n, &st);
            strata_stack_wire_ack(s, n < len ? n : len);
            len = 0;
            break;
        case 6:
            r = strata_stack_wire_eof(s);
            len = 0;
            break;
        default:
            r = strata_stack_app_shutdown(s);
            len = 0;
            break;
        }
        (void)r;
        if (used > len || strata_stack_depth(s) > STRATA_STACK_MAX_LAYERS_DEFAULT)
            abort();
        i += len;
    }
    strata_stack_free(s);
    return 0;
}
