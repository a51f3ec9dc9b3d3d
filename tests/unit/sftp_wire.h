/* Test helpers: SFTP server packets built by hand (for the bad-reply unit
 * test and the fuzz target). */
#ifndef STRATA_TEST_SFTP_WIRE_H
#define STRATA_TEST_SFTP_WIRE_H

#include <string.h>

#include "strata/buf.h"
#include "strata/sftp.h"

/* Wraps payload [type, ...] as a packet (uint32 length first) into out. */
static inline strata_status sw_packet(strata_buf *out, const strata_buf *payload)
{
    strata_status r = strata_buf_put_u32(out, (uint32_t)strata_buf_len(payload));
    return r == STRATA_OK ? strata_buf_put(out, strata_buf_ptr(payload), strata_buf_len(payload))
                          : r;
}

/* VERSION 3 offering statvfs@openssh.com (and no limits, so the engine is
 * ready at once). */
static inline strata_status sw_version(strata_buf *out)
{
    strata_buf p;
    strata_buf_init(&p, 0);
    strata_status r = strata_buf_put_u8(&p, 2);
    if (r == STRATA_OK)
        r = strata_buf_put_u32(&p, 3);
    if (r == STRATA_OK)
        r = strata_buf_put_cstring(&p, "statvfs@openssh.com");
    if (r == STRATA_OK)
        r = strata_buf_put_cstring(&p, "2");
    if (r == STRATA_OK)
        r = sw_packet(out, &p);
    strata_buf_free(&p);
    return r;
}

#endif
