/* Fuzz target: ssh-agent replies. The input is a byte stream from an agent:
 * every complete frame is parsed both as an identities answer and as a sign
 * response. Parsers must either succeed with consistent output or fail with
 * no output. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "strata/ssh_agent.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    strata_buf in;
    strata_error err;
    const uint8_t *msg;
    size_t n;
    strata_buf_view(&in, data, size);
    for (int i = 0; i < 16; i++) {
        strata_error_clear(&err);
        if (strata_ssh_agent_reply_take(&in, &msg, &n, &err) != STRATA_OK)
            break;
        strata_ssh_agent_identities *ids = NULL;
        strata_error_clear(&err);
        if (strata_ssh_agent_parse_identities(msg, n, &ids, &err) == STRATA_OK) {
            for (size_t j = 0; j < ids->n; j++)
                if (!ids->ids[j].blob || ids->ids[j].blob_len == 0 || !ids->ids[j].comment)
                    abort();
        } else if (ids) {
            abort();
        }
        strata_ssh_agent_identities_free(ids);
        uint8_t *sig = NULL;
        size_t sn = 0;
        strata_error_clear(&err);
        if (strata_ssh_agent_parse_sign(msg, n, &sig, &sn, &err) == STRATA_OK) {
            if (!sig || sn < 8 || sn > n)
                abort();
        } else if (sig) {
            abort();
        }
        free(sig);
        strata_error_clear(&err);
        if (strata_ssh_agent_parse_success(msg, n, &err) == STRATA_OK && (n != 1 || msg[0] != 6))
            abort();
    }
    return 0;
}
