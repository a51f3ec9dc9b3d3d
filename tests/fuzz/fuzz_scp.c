/* Fuzz target: the legacy SCP engine (src/sftp/scp*.c). The input is fed as
 * the peer's bytes to a sink (recursive, and not recursive with an expected
 * name) and to a source that has a file outstanding, once whole and once in
 * pieces of 1..16 bytes. Whole and pieces must agree on the outcome and on
 * the events seen; every name an event carries must be one safe path
 * component (no '/', not "." or "..", not empty, at most 255 bytes), the
 * nesting within the bound, a file's data within its size; an error must
 * carry a message. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "strata/scp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct seen {
    uint64_t sum;
    uint64_t file_size, file_got, data_total;
};

static void on_event(void *user, strata_scp *s, const strata_scp_event *ev)
{
    struct seen *x = user;
    (void)s;
    if (ev->type != STRATA_SCP_EV_DATA) /* DATA comes in as many pieces as the input */
        x->sum = x->sum * 31u + (uint64_t)ev->type * 7u + ev->depth;
    if (ev->depth > 4)
        abort();
    if (ev->type == STRATA_SCP_EV_FILE || ev->type == STRATA_SCP_EV_DIR) {
        size_t n = strlen(ev->name);
        if (n == 0 || n > STRATA_SCP_NAME_MAX || strchr(ev->name, '/') || !strcmp(ev->name, ".") ||
            !strcmp(ev->name, "..") || ev->mode > 07777)
            abort();
        x->sum = x->sum * 31u + n + ev->mode + ev->size;
        x->file_size = ev->size;
        x->file_got = 0;
    }
    if (ev->type == STRATA_SCP_EV_DATA) {
        volatile uint8_t v = 0;
        for (size_t i = 0; i < ev->len; i++)
            v ^= ev->data[i];
        (void)v;
        x->file_got += ev->len;
        x->data_total += ev->len;
        if (x->file_got > x->file_size || ev->offset + ev->len != x->file_got)
            abort();
    }
    if (ev->message)
        x->sum += strlen(ev->message);
}

static strata_status run(const strata_scp_config *base, const uint8_t *data, size_t size,
                         size_t seed, struct seen *x)
{
    strata_scp_config c = *base;
    c.on_event = on_event;
    c.user = x;
    strata_scp *s;
    if (strata_scp_new(&c, &s) != STRATA_OK)
        abort();
    if (c.role == STRATA_SCP_SOURCE) {
        size_t n;
        (void)strata_scp_out(s, &n);
        if (strata_scp_feed(s, (const uint8_t *)"", 1) != STRATA_OK ||
            strata_scp_send_file(s, "f", 0644, 3, 1, 1, 2) != STRATA_OK)
            abort();
    }
    strata_status r = STRATA_OK;
    for (size_t off = 0; off < size && r == STRATA_OK;) {
        size_t k = seed ? 1 + (seed + off) % 16 : size - off;
        if (k > size - off)
            k = size - off;
        r = strata_scp_feed(s, data + off, k);
        off += k;
        size_t n;
        (void)strata_scp_out(s, &n);
        strata_scp_out_ack(s, n);
    }
    if (r == STRATA_OK)
        r = strata_scp_eof(s);
    if (r != STRATA_OK && !strata_error_message(strata_scp_error(s))[0])
        abort();
    strata_scp_free(s);
    return r;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const strata_scp_config cfgs[] = {
        {.role = STRATA_SCP_SINK, .recursive = 1, .max_depth = 4},
        {.role = STRATA_SCP_SINK, .expect = "x*", .max_depth = 4},
        {.role = STRATA_SCP_SOURCE},
    };
    for (size_t i = 0; i < sizeof(cfgs) / sizeof(cfgs[0]); i++) {
        struct seen a = {0}, b = {0};
        strata_status ra = run(&cfgs[i], data, size, 0, &a);
        strata_status rb = run(&cfgs[i], data, size, size + 1, &b);
        if (ra != rb || a.sum != b.sum || a.data_total != b.data_total)
            abort();
    }
    return 0;
}
