/* ssh/channel_data: data, extended data and flow control (RFC 4254 §5.2).
 *
 * Implementation note: window sizing. For each channel the invariant
 *     local_window + bytes buffered + bytes consumed but not yet adjusted
 *         == target
 * holds, so what the peer can make us buffer is bounded by target, which is
 * bounded by window_max. The window is refilled when the application has
 * consumed half of it. A sans-I/O engine has no clock to measure the link
 * with, so the window grows with the data instead: each refill made while
 * the application keeps up (less than a quarter of the window waiting to be
 * read) doubles target, up to window_max. A bulk transfer reaches the
 * largest window after a few refills; a slow reader leaves data buffered, so
 * its window does not grow and memory stays bounded.
 */
#include <string.h>

#include "base/error_internal.h"
#include "ssh/conn_internal.h"
#include "ssh/packet.h"

#define COMPACT_AT (1u << 20)
/* The most data one CHANNEL_DATA carries: the peer's maximum packet size may
 * be anything (RFC 4254 §5.1 sets no upper bound; some servers announce
 * 256 KiB or more), but each message must also fit our transport's packets
 * (strata_ssh_transport_send takes payloads up to STRATA_SSH_PACKET_MAX -
 * 1024), less the message's own header (type, channel, data type, length). */
#define DATA_PER_PACKET_MAX (STRATA_SSH_PACKET_MAX - 1024u - 16u)

size_t strata_ssh_channel_write_room(const strata_ssh_channel *ch)
{
    if (ch->phase != CH_OPEN || (ch->state & (STRATA_SSH_CHS_EOF_SENT | STRATA_SSH_CHS_CLOSE_SENT)))
        return 0;
    return (size_t)ch->remote_window;
}

strata_status strata_ssh_channel_write(strata_ssh_channel *ch, int stream, const uint8_t *p,
                                       size_t n, size_t *used)
{
    struct strata_ssh_conn *c = ch->conn;
    *used = 0;
    if (c->err.status != STRATA_OK)
        return c->err.status;
    if (stream != 0 && stream != 1)
        return STRATA_E_USAGE;
    if (ch->phase != CH_OPEN || (ch->state & (STRATA_SSH_CHS_EOF_SENT | STRATA_SSH_CHS_CLOSE_SENT)))
        return STRATA_E_STATE;
    while (*used < n && ch->remote_window > 0) {
        size_t k = n - *used;
        if (k > ch->remote_max_packet)
            k = ch->remote_max_packet;
        if (k > DATA_PER_PACKET_MAX)
            k = DATA_PER_PACKET_MAX;
        if (k > ch->remote_window)
            k = (size_t)ch->remote_window;
        strata_status r;
        if ((r = strata__ssh_conn_msg_start(c, stream ? SSH_MSG_CHANNEL_EXTENDED_DATA
                                                      : SSH_MSG_CHANNEL_DATA)) != STRATA_OK ||
            (r = strata_buf_put_u32(&c->msg, ch->remote_id)) != STRATA_OK ||
            (stream && (r = strata_buf_put_u32(&c->msg, 1)) != STRATA_OK) ||
            (r = strata_buf_put_u32(&c->msg, (uint32_t)k)) != STRATA_OK)
            return strata__ssh_conn_fail(c, r, "cannot build CHANNEL_DATA");
        /* The bytes themselves go from p to the packet (send_parts). */
        if ((r = strata__ssh_conn_send_msg_data(c, p + *used, k)) != STRATA_OK)
            return r;
        ch->remote_window -= k;
        *used += k;
    }
    return STRATA_OK;
}

const uint8_t *strata_ssh_channel_read_buf(strata_ssh_channel *ch, int stream, size_t *n)
{
    if (stream != 0 && stream != 1) {
        *n = 0;
        return NULL;
    }
    *n = strata_buf_len(&ch->rx[stream]);
    return strata_buf_ptr(&ch->rx[stream]);
}

static strata_status send_adjust(struct strata_ssh_channel *ch, uint32_t add)
{
    struct strata_ssh_conn *c = ch->conn;
    strata_status r;
    if ((r = strata__ssh_conn_msg_start(c, SSH_MSG_CHANNEL_WINDOW_ADJUST)) != STRATA_OK ||
        (r = strata_buf_put_u32(&c->msg, ch->remote_id)) != STRATA_OK ||
        (r = strata_buf_put_u32(&c->msg, add)) != STRATA_OK)
        return strata__ssh_conn_fail(c, r, "cannot build CHANNEL_WINDOW_ADJUST");
    return strata__ssh_conn_send_msg(c);
}

/* Refills the window once half of it was consumed (and grows it when the
 * peer was starved); nothing once the peer's data has ended. */
static strata_status refill(struct strata_ssh_channel *ch)
{
    struct strata_ssh_conn *c = ch->conn;
    if (ch->unadjusted < ch->target / 2 || ch->phase != CH_OPEN ||
        (ch->state & (STRATA_SSH_CHS_EOF_RCVD | STRATA_SSH_CHS_CLOSE_SENT)))
        return STRATA_OK;
    uint32_t add = ch->unadjusted;
    size_t buffered = strata_buf_len(&ch->rx[0]) + strata_buf_len(&ch->rx[1]);
    if (buffered < ch->target / 4 && ch->target < c->window_max) {
        uint32_t grown = ch->target > c->window_max / 2 ? c->window_max : ch->target * 2;
        add += grown - ch->target;
        ch->target = grown;
    }
    ch->unadjusted = 0;
    ch->local_window += add;
    return send_adjust(ch, add);
}

strata_status strata_ssh_channel_read_ack(strata_ssh_channel *ch, int stream, size_t n)
{
    if (stream != 0 && stream != 1)
        return STRATA_E_USAGE;
    strata_buf *b = &ch->rx[stream];
    if (strata_buf_consume(b, n) != STRATA_OK)
        return STRATA_E_USAGE;
    if (strata_buf_len(b) == 0)
        strata_buf_reset(b);
    else if (b->off >= COMPACT_AT && b->off >= strata_buf_len(b))
        strata_buf_compact(b); /* moves at most as much as was consumed: amortised O(1) */
    ch->unadjusted += (uint32_t)n;
    if (ch->conn->err.status != STRATA_OK)
        return ch->conn->err.status;
    return refill(ch);
}

static strata_status data(struct strata_ssh_conn *c, strata_buf *m, uint8_t type)
{
    struct strata_ssh_channel *ch = strata__ssh_conn_channel(c, m, type);
    if (!ch)
        return c->err.status;
    uint32_t code = 1;
    const uint8_t *p;
    size_t n;
    if ((type == SSH_MSG_CHANNEL_EXTENDED_DATA && strata_buf_get_u32(m, &code) != STRATA_OK) ||
        strata_buf_get_string(m, &p, &n) != STRATA_OK || strata_buf_get_end(m) != STRATA_OK)
        return strata__ssh_conn_fail(c, STRATA_E_FORMAT, "malformed CHANNEL_%sDATA",
                                     type == SSH_MSG_CHANNEL_DATA ? "" : "EXTENDED_");
    if (ch->state & STRATA_SSH_CHS_EOF_RCVD)
        return strata__ssh_conn_fail(c, STRATA_E_PROTOCOL, "channel %u: data after the peer's EOF",
                                     ch->local_id);
    if (n > c->max_packet)
        return strata__ssh_conn_fail(c, STRATA_E_PROTOCOL,
                                     "channel %u: data packet of %zu bytes exceeds our maximum "
                                     "packet size %u",
                                     ch->local_id, n, c->max_packet);
    if (n > ch->local_window)
        return strata__ssh_conn_fail(c, STRATA_E_PROTOCOL,
                                     "channel %u: peer sent %zu bytes with only %u left in the "
                                     "window",
                                     ch->local_id, n, ch->local_window);
    ch->local_window -= (uint32_t)n;
    int stream = type == SSH_MSG_CHANNEL_DATA ? 0 : 1;
    /* After our CLOSE, or for extended data types other than stderr, the
     * bytes are dropped but still count as consumed. */
    if ((ch->state & STRATA_SSH_CHS_CLOSE_SENT) || code != 1) {
        ch->unadjusted += (uint32_t)n;
        return refill(ch);
    }
    strata_status r = strata_buf_put(&ch->rx[stream], p, n);
    if (r != STRATA_OK) /* cannot happen while the invariant holds */
        return strata__ssh_conn_fail(c, STRATA_E_INTERNAL, "channel %u: receive buffer full",
                                     ch->local_id);
    if (n)
        strata__ssh_ch_event(ch, STRATA_SSH_CH_DATA, NULL);
    return STRATA_OK;
}

strata_status strata__ssh_h_data(struct strata_ssh_conn *c, strata_buf *m)
{
    return data(c, m, SSH_MSG_CHANNEL_DATA);
}

strata_status strata__ssh_h_extended_data(struct strata_ssh_conn *c, strata_buf *m)
{
    return data(c, m, SSH_MSG_CHANNEL_EXTENDED_DATA);
}

strata_status strata__ssh_h_window_adjust(struct strata_ssh_conn *c, strata_buf *m)
{
    struct strata_ssh_channel *ch = strata__ssh_conn_channel(c, m, SSH_MSG_CHANNEL_WINDOW_ADJUST);
    uint32_t add;
    if (!ch)
        return c->err.status;
    if (strata_buf_get_u32(m, &add) != STRATA_OK || strata_buf_get_end(m) != STRATA_OK)
        return strata__ssh_conn_fail(c, STRATA_E_FORMAT, "malformed CHANNEL_WINDOW_ADJUST");
    /* RFC 4254 §5.2: a window may not pass 2^32 - 1 bytes. */
    if (ch->remote_window + add > 0xffffffffu)
        return strata__ssh_conn_fail(c, STRATA_E_PROTOCOL,
                                     "channel %u: window adjust of %u makes the window exceed "
                                     "2^32-1",
                                     ch->local_id, add);
    ch->remote_window += add;
    if (add)
        strata__ssh_ch_event(ch, STRATA_SSH_CH_WRITABLE, NULL);
    return STRATA_OK;
}

uint32_t strata_ssh_channel_window_size(const strata_ssh_channel *ch)
{
    return ch->target;
}
