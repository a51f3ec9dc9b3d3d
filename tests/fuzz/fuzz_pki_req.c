/* Fuzz target: certificate request loader (PEM / DER) and its readers. */
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
    strata_x509_req *r = NULL;
    strata_error err;
    strata_error_clear(&err);
    if (strata_x509_req_load(data, size, STRATA_PKI_AUTO, &r, &err) != STRATA_OK) {
        if (err.status == STRATA_OK)
            abort();
        return 0;
    }
    strata_buf b;
    strata_buf_init(&b, 0);
    ignore(strata_x509_req_dump(r, STRATA_PKI_TEXT, &b, NULL));
    if (strata_x509_req_dump(r, STRATA_PKI_PEM, &b, NULL) != STRATA_OK)
        abort();
    ignore(strata_x509_req_verify(r, NULL, NULL));
    for (size_t i = 0; i < strata_x509_req_ext_count(r) && i < 16; i++) {
        strata_x509_ext *e = NULL;
        char *s = NULL;
        if (strata_x509_req_get_ext(r, i, &e, NULL) == STRATA_OK &&
            strata_x509_ext_text(e, &s, NULL) == STRATA_OK)
            strata_pki_free_string(s);
        strata_x509_ext_free(e);
    }
    strata_buf_free(&b);
    strata_x509_req_free(r);
    return 0;
}
