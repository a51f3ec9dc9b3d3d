/* Fuzz target: the wire-buffer readers of base/buf. The first byte selects a
 * sequence of reads; every read must either succeed within bounds or fail
 * leaving the buffer unchanged. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "strata/buf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    uint8_t ops = data[0];
    strata_buf b;
    strata_buf_view(&b, data + 1, size - 1);
    for (int i = 0; i < 64 && strata_buf_len(&b) > 0; i++) {
        size_t before = strata_buf_len(&b);
        strata_status r = STRATA_OK;
        const uint8_t *p;
        size_t n;
        int neg;
        char *s = NULL;
        switch ((ops + i) % 8) {
        case 0: {
            uint32_t v;
            r = strata_buf_get_u32(&b, &v);
            break;
        }
        case 1: {
            uint64_t v;
            r = strata_buf_get_u64(&b, &v);
            break;
        }
        case 2:
            r = strata_buf_get_string(&b, &p, &n);
            break;
        case 3:
            r = strata_buf_get_mpint(&b, &p, &n);
            break;
        case 4:
            r = strata_buf_get_mpint_signed(&b, &p, &n, &neg);
            break;
        case 5:
            r = strata_buf_get_namelist(&b, 4096, &s);
            break;
        case 6:
            r = strata_buf_get_cstring(&b, &s);
            break;
        default: {
            strata_buf child;
            r = strata_buf_get_sub(&b, &child);
            if (r == STRATA_OK) {
                int v;
                while (strata_buf_get_bool(&child, &v) == STRATA_OK)
                    ;
                if (strata_buf_get_end(&child) != STRATA_OK)
                    abort();
            }
            break;
        }
        }
        free(s);
        if (r != STRATA_OK && strata_buf_len(&b) != before)
            abort(); /* a failed read moved the offset */
        if (r != STRATA_OK)
            break;
    }
    return 0;
}
