/* Fuzz target: certificate loaders (PEM, DER, chains) and what reads a
 * loaded certificate (text, fingerprint, names, extensions, re-encoding). */
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
    strata_x509 *x = NULL;
    strata_error err;
    strata_error_clear(&err);
    if (strata_x509_load(data, size, STRATA_PKI_AUTO, &x, &err) == STRATA_OK) {
        strata_buf b;
        strata_buf_init(&b, 0);
        char *s = NULL;
        strata_x509_name *n = NULL;
        if (strata_x509_dump(x, STRATA_PKI_TEXT, &b, NULL) != STRATA_OK ||
            strata_x509_dump(x, STRATA_PKI_DER, &b, NULL) != STRATA_OK)
            abort(); /* a loaded certificate always re-encodes */
        if (strata_x509_digest(x, "SHA256", &s, NULL) == STRATA_OK)
            strata_pki_free_string(s);
        if (strata_x509_get_subject(x, &n, NULL) == STRATA_OK &&
            strata_x509_name_oneline(n, &s, NULL) == STRATA_OK)
            strata_pki_free_string(s);
        strata_x509_name_free(n);
        for (size_t i = 0; i < strata_x509_ext_count(x) && i < 16; i++) {
            strata_x509_ext *e = NULL;
            if (strata_x509_get_ext(x, i, &e, NULL) == STRATA_OK &&
                strata_x509_ext_text(e, &s, NULL) == STRATA_OK)
                strata_pki_free_string(s);
            strata_x509_ext_free(e);
        }
        time_t t;
        ignore(strata_x509_get_not_after(x, &t, NULL));
        if (strata_x509_get_serial_hex(x, &s, NULL) == STRATA_OK)
            strata_pki_free_string(s);
        strata_pkey *k = NULL;
        if (strata_x509_get_pubkey(x, &k, NULL) == STRATA_OK)
            ignore(strata_x509_verify(x, k, NULL));
        strata_pkey_free(k);
        ignore(strata_x509_check_host(x, "localhost", NULL));
        strata_buf_free(&b);
        strata_x509_free(x);
    } else if (err.status == STRATA_OK) {
        abort(); /* every failure is explained */
    }
    strata_x509 **chain = NULL;
    size_t n = 0;
    if (strata_x509_load_chain(data, size, &chain, &n, NULL) == STRATA_OK && n == 0)
        abort();
    strata_x509_chain_free(chain, n);
    return 0;
}
