/* Fuzz target: the connection protocol's message parsing and channel state
 * machine. Input: a sequence of records (u16 big-endian length, then that
 * many bytes of an SSH message payload). Two session channels are opened
 * first (the first confirmed), so channel messages reach real channels;
 * received data is consumed as it arrives, so window refills run too.
 * After the first error the engine must refuse everything. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "strata/ssh_conn.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static strata_status sink(void *ctx, const uint8_t *p, size_t n)
{
    (void)ctx, (void)p, (void)n;
    return STRATA_OK;
}

static void on_event(void *user, strata_ssh_channel *ch, enum strata_ssh_channel_event ev,
                     const char *req)
{
    (void)user, (void)req;
    size_t n;
    for (int s = 0; s < 2; s++) {
        strata_ssh_channel_read_buf(ch, s, &n);
        if (n && strata_ssh_channel_read_ack(ch, s, n) != STRATA_OK)
            return;
    }
    if (ev == STRATA_SSH_CH_WRITABLE) {
        size_t used;
        static const uint8_t x[100];
        if (strata_ssh_channel_write(ch, 0, x, sizeof x, &used) != STRATA_OK)
            return;
    }
}

static strata_status on_open(void *user, strata_ssh_channel *ch, const strata_ssh_open_info *info)
{
    (void)user;
    strata_ssh_channel_set_handler(ch, on_event, NULL);
    return info->connected_port & 1 ? STRATA_OK : STRATA_E_USAGE;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    strata_ssh_conn_config cfg = {.send = sink,
                                  .window = 4096,
                                  .window_max = 16384,
                                  .max_packet = 2048,
                                  .max_channels = 4,
                                  .open_request = on_open};
    strata_ssh_conn *c;
    if (strata_ssh_conn_new(&cfg, &c, NULL) != STRATA_OK)
        return 0;
    strata_ssh_channel *a, *b;
    if (strata_ssh_channel_open_session(c, on_event, NULL, &a) != STRATA_OK ||
        strata_ssh_channel_open_session(c, on_event, NULL, &b) != STRATA_OK)
        abort();
    static const uint8_t confirm[] = {91, 0, 0, 0, 0, 0, 0, 0, 7, 0, 0, 0x10, 0, 0, 0, 0x40, 0};
    if (strata_ssh_conn_packet(c, confirm, sizeof confirm) != STRATA_OK)
        abort();
    size_t off = 0;
    strata_status first_err = STRATA_OK;
    while (size - off >= 2) {
        size_t n = (size_t)data[off] << 8 | data[off + 1];
        off += 2;
        if (n > size - off)
            n = size - off;
        strata_status r = strata_ssh_conn_packet(c, data + off, n);
        off += n;
        if (first_err != STRATA_OK && r != first_err)
            abort(); /* errors are sticky */
        if (r != STRATA_OK && r != STRATA_E_UNSUPPORTED && first_err == STRATA_OK)
            first_err = r;
    }
    strata_ssh_channel_release(b);
    strata_ssh_conn_free(c);
    return 0;
}
