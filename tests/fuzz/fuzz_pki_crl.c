/* Fuzz target: CRL loader (PEM / DER) and its entries. */
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
    strata_x509_crl *c = NULL;
    strata_error err;
    strata_error_clear(&err);
    if (strata_x509_crl_load(data, size, STRATA_PKI_AUTO, &c, &err) != STRATA_OK) {
        if (err.status == STRATA_OK)
            abort();
        return 0;
    }
    strata_buf b;
    strata_buf_init(&b, 0);
    ignore(strata_x509_crl_dump(c, STRATA_PKI_TEXT, &b, NULL));
    if (strata_x509_crl_dump(c, STRATA_PKI_DER, &b, NULL) != STRATA_OK)
        abort();
    for (size_t i = 0; i < strata_x509_crl_revoked_count(c) && i < 64; i++) {
        strata_revoked *r = NULL;
        char *s = NULL;
        const char *reason;
        time_t t;
        if (strata_x509_crl_get_revoked(c, i, &r, NULL) == STRATA_OK) {
            if (strata_revoked_get_serial_hex(r, &s, NULL) == STRATA_OK)
                strata_pki_free_string(s);
            ignore(strata_revoked_get_reason(r, &reason, NULL));
            ignore(strata_revoked_get_date(r, &t, NULL));
        }
        strata_revoked_free(r);
    }
    strata_buf_free(&b);
    strata_x509_crl_free(c);
    return 0;
}
