/* Fuzz target: NetscapeSPKI base64 decoder. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "strata/pki.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Results a target only exercises, without judging them. */
static void ignore(strata_status s)
{
    (void)s;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    strata_spki *s = NULL;
    strata_error err;
    strata_error_clear(&err);
    if (strata_spki_b64_decode((const char *)data, size, &s, &err) != STRATA_OK) {
        if (err.status == STRATA_OK)
            abort();
        return 0;
    }
    char *b64 = NULL;
    strata_pkey *k = NULL;
    if (strata_spki_b64_encode(s, &b64, NULL) != STRATA_OK)
        abort(); /* what decoded re-encodes */
    strata_pki_free_string(b64);
    if (strata_spki_get_pubkey(s, &k, NULL) == STRATA_OK)
        ignore(strata_spki_verify(s, k, NULL));
    strata_pkey_free(k);
    strata_spki_free(s);
    return 0;
}
