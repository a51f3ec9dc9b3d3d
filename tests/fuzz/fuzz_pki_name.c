/* Fuzz target: the one-line name parser ("/CN=a/O=b") of strata cert
 * --subject; what parses prints back and parses to an equal name. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "strata/pki.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 4096)
        return 0;
    char *text = malloc(size + 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    strata_x509_name *n = NULL, *m = NULL;
    char *line = NULL;
    if (strata_x509_name_parse(text, &n, NULL) == STRATA_OK) {
        if (strata_x509_name_oneline(n, &line, NULL) != STRATA_OK)
            abort();
        if (strata_x509_name_count(n) > 0) {
            if (strata_x509_name_parse(line, &m, NULL) != STRATA_OK ||
                strata_x509_name_cmp(n, m) != 0)
                abort();
        }
    }
    strata_x509_name_free(m);
    strata_pki_free_string(line);
    strata_x509_name_free(n);
    free(text);
    return 0;
}
