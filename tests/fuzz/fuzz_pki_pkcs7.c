/* Fuzz target: PKCS#7 loader (PEM / DER), type queries and contents. */
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
    strata_pkcs7 *p = NULL;
    strata_error err;
    strata_error_clear(&err);
    if (strata_pkcs7_load(data, size, STRATA_PKI_AUTO, &p, &err) != STRATA_OK) {
        if (err.status == STRATA_OK)
            abort();
        return 0;
    }
    int kinds = strata_pkcs7_type_is_signed(p) + strata_pkcs7_type_is_enveloped(p) +
                strata_pkcs7_type_is_signed_and_enveloped(p) + strata_pkcs7_type_is_data(p);
    if (kinds > 1 || !strata_pkcs7_type_name(p))
        abort();
    for (size_t i = 0; i < strata_pkcs7_cert_count(p) && i < 32; i++) {
        strata_x509 *x = NULL;
        if (strata_pkcs7_cert(p, i, &x, NULL) != STRATA_OK)
            abort();
        strata_x509_free(x);
    }
    for (size_t i = 0; i < strata_pkcs7_crl_count(p) && i < 32; i++) {
        strata_x509_crl *c = NULL;
        if (strata_pkcs7_crl(p, i, &c, NULL) != STRATA_OK)
            abort();
        strata_x509_crl_free(c);
    }
    strata_buf b;
    strata_buf_init(&b, 0);
    ignore(strata_pkcs7_dump(p, STRATA_PKI_TEXT, &b, NULL));
    strata_buf_free(&b);
    strata_pkcs7_free(p);
    return 0;
}
