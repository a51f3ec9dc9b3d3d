/* Fuzz target: private and public key loaders (PEM / DER, PKCS#8 plain and
 * encrypted, traditional) with the fixed passphrase "fuzz". */
#include <stdint.h>
#include <stdlib.h>

#include "strata/pki.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Results a target only exercises, without judging them. */
static void ignore(strata_status s)
{
    (void)s;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    strata_passphrase pw = {"fuzz", 4, NULL, NULL};
    strata_pkey *k = NULL;
    strata_error err;
    strata_error_clear(&err);
    if (strata_pkey_load_private(data, size, STRATA_PKI_AUTO, &pw, &k, &err) == STRATA_OK) {
        if (!strata_pkey_has_private(k))
            abort();
        strata_buf b;
        strata_buf_init(&b, 0);
        ignore(strata_pkey_check(k, NULL));
        ignore(strata_pkey_dump_public(k, STRATA_PKI_DER, &b, NULL));
        (void)strata_pkey_bits(k);
        (void)strata_pkey_curve(k);
        strata_buf_free(&b);
        strata_pkey_free(k);
    } else if (err.status == STRATA_OK) {
        abort();
    }
    if (strata_pkey_load_public(data, size, STRATA_PKI_AUTO, &k, NULL) == STRATA_OK) {
        ignore(strata_pkey_check(k, NULL));
        strata_pkey_free(k);
    }
    return 0;
}
