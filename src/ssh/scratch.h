/* ssh/scratch.h - growable scratch buffers for plaintext (packet layer).
 *
 * The packet layer opens packets into, and compresses through, buffers that
 * grow geometrically to the largest packet seen and are then reused: no
 * allocation per packet. They hold plaintext, so growth and free wipe the old
 * storage.
 */
#ifndef STRATA_SSH_SCRATCH_H
#define STRATA_SSH_SCRATCH_H

#include <stddef.h>
#include <stdint.h>

#include "strata/status.h"

struct ssh_scratch {
    uint8_t *p;
    size_t cap;
};

/* Ensures cap >= need, keeping the first `keep` bytes. E_NOMEM on failure
 * (the buffer is unchanged). */
strata_status strata__ssh_scratch_reserve(struct ssh_scratch *s, size_t need, size_t keep);
/* Wipes and frees the storage. */
void strata__ssh_scratch_free(struct ssh_scratch *s);

#endif
