/* Fuzz target: the SFTP reply parser (sftp/parse.c, sftp/client.c). After a
 * fixed VERSION, requests expecting each kind of reply (ATTRS, HANDLE,
 * DATA, NAME, STATUS, statvfs) are outstanding as ids 1..6 (and again as
 * 7..12); the input is fed as server bytes, once whole and once in pieces
 * of 1..16 bytes. Both must agree on the outcome and on the replies seen;
 * every reply's pointers must be readable; an error must carry a message. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sftp_wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct seen {
    uint64_t sum; /* over the reply ids, kinds and statuses */
    size_t n;
};

static void on_reply(void *user, const strata_sftp_reply *r)
{
    struct seen *s = user;
    s->n++;
    s->sum = s->sum * 31u + r->id * 7u + (uint64_t)r->kind * 3u + (uint64_t)r->status;
    volatile uint8_t x = 0;
    for (size_t i = 0; i < r->data_len; i++)
        x ^= r->data[i];
    for (size_t i = 0; i < r->n_names; i++)
        x ^= (uint8_t)(strlen(r->names[i].name) + strlen(r->names[i].longname));
    x ^= (uint8_t)strlen(r->message);
    if (r->handle.len > STRATA_SFTP_HANDLE_MAX)
        abort();
    (void)x;
}

static strata_sftp *setup(struct seen *seen)
{
    strata_sftp *s;
    strata_buf v;
    if (strata_sftp_new(&s) != STRATA_OK)
        abort();
    strata_buf_init(&v, 0);
    if (sw_version(&v) != STRATA_OK || strata_sftp_feed(s, strata_buf_ptr(&v), strata_buf_len(&v)))
        abort();
    strata_buf_free(&v);
    strata_sftp_handle h = {4, {1, 2, 3, 4}};
    for (int round = 0; round < 2; round++)
        if (strata_sftp_stat(s, "a", on_reply, seen, NULL) ||
            strata_sftp_opendir(s, "d", on_reply, seen, NULL) ||
            strata_sftp_read(s, &h, 0, 1024, on_reply, seen, NULL) ||
            strata_sftp_realpath(s, ".", on_reply, seen, NULL) ||
            strata_sftp_remove(s, "r", on_reply, seen, NULL) ||
            strata_sftp_statvfs(s, "/", on_reply, seen, NULL))
            abort();
    return s;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct seen a = {0}, b = {0};
    strata_sftp *s1 = setup(&a), *s2 = setup(&b);
    strata_status r1 = strata_sftp_feed(s1, data, size);
    strata_status r2 = STRATA_OK;
    for (size_t off = 0; off < size && r2 == STRATA_OK;) {
        size_t k = (size_t)(data[off] % 16u) + 1u;
        if (k > size - off)
            k = size - off;
        r2 = strata_sftp_feed(s2, data + off, k);
        off += k;
    }
    if (r1 != r2 || a.n != b.n || a.sum != b.sum)
        abort(); /* the outcome depends on how the bytes arrived */
    if (r1 != STRATA_OK && strata_error_message(strata_sftp_error(s1))[0] == 0)
        abort(); /* an error without a message */
    if (strata_sftp_outstanding(s1) + a.n != 12)
        abort();
    strata_sftp_eof(s1, "fuzz");
    if (strata_sftp_outstanding(s1) != 0 || a.n != 12)
        abort();
    strata_sftp_free(s1);
    strata_sftp_free(s2);
    return 0;
}
