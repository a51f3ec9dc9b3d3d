/* Fuzz target: PKCS#12 loader with the fixed passphrase "fuzz" (modern
 * algorithms; the legacy provider is not loaded here). */
#include <stdint.h>
#include <stdlib.h>

#include "strata/pki.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    strata_passphrase pw = {"fuzz", 4, NULL, NULL};
    strata_pkcs12 *p = NULL;
    strata_error err;
    strata_error_clear(&err);
    if (strata_pkcs12_load(data, size, &pw, 0, &p, &err) != STRATA_OK) {
        if (err.status == STRATA_OK)
            abort();
        return 0;
    }
    if (strata_pkcs12_key(p) && !strata_pkey_has_private(strata_pkcs12_key(p)))
        abort();
    for (size_t i = 0; i < strata_pkcs12_ca_count(p); i++)
        if (!strata_pkcs12_ca(p, i))
            abort();
    (void)strata_pkcs12_friendly_name(p);
    strata_pkcs12_free(p);
    return 0;
}
