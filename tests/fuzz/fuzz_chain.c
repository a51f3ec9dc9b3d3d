/* Fuzz target: the CLI's chain parser (tools/strata/chain/chain.c). The input is a
 * command line: the first byte picks connect or listen use, the rest is split
 * into arguments at '\n'. Checks: a parse either succeeds with every element
 * complete, or fails with a message that names the element and holds only
 * printable ASCII (hostile bytes are escaped, never echoed raw). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "chain.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_ARGS (CHAIN_MAX_ELEMS + 2)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > 8192)
        return 0;
    enum chain_use use = (data[0] & 1) ? CHAIN_USE_LISTEN : CHAIN_USE_CONNECT;
    /* Arguments cannot hold NUL bytes: a NUL ends the argument, as in argv. */
    char *text = malloc(size);
    if (!text)
        return 0;
    memcpy(text, data + 1, size - 1);
    text[size - 1] = '\0';
    char *argv[MAX_ARGS];
    int argc = 0;
    char *p = text;
    while (argc < MAX_ARGS) {
        argv[argc++] = p;
        char *nl = strchr(p, '\n');
        if (!nl)
            break;
        *nl = '\0';
        p = nl + 1;
    }
    struct chain c;
    char err[CHAIN_ERR_MAX];
    if (chain_parse(&c, NULL, argc, argv, use, err, sizeof(err)) == 0) {
        if (c.n != (size_t)argc || c.n == 0)
            abort();
        for (size_t i = 0; i < c.n; i++) {
            const struct chain_elem *e = &c.elems[i];
            if (!e->kind || ((e->kind->flags & CHAIN_KIND_TARGET) && !e->host))
                abort();
            if (use == CHAIN_USE_CONNECT && (e->kind->flags & CHAIN_KIND_TARGET) && e->port == 0)
                abort();
        }
        if (!(c.elems[0].kind->flags & CHAIN_KIND_TRANSPORT))
            abort();
        chain_free(&c);
    } else {
        if (c.n != 0)
            abort();
        if (strncmp(err, "chain element ", 14) != 0 && strncmp(err, "no chain given", 14) != 0)
            abort();
        for (const char *q = err; *q; q++) {
            if (*q < 0x20 || *q > 0x7e)
                abort(); /* a raw control or non-ASCII byte reached the message */
        }
    }
    free(text);
    return 0;
}
