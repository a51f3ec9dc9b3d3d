/* Fuzz target: ssh_config parsing. The first line goes through -o, the rest
 * is a config file applied for host "web1.example.com", then tokens are
 * expanded. Inputs naming Include are skipped: the target must not open
 * files (an Include of /dev/stdin would block). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "strata/ssh_config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 64 * 1024)
        return 0;
    char *text = malloc(size + 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    for (size_t i = 0; i + 7 <= size; i++) {
        if (strncasecmp(text + i, "include", 7) == 0) {
            free(text);
            return 0;
        }
    }
    strata_ssh_config c;
    strata_error err;
    strata_ssh_config_init(&c);
    strata_error_clear(&err);
    size_t first = strcspn(text, "\n");
    char saved = text[first];
    text[first] = '\0';
    if (strata_ssh_config_apply_option(&c, text, &err) != STRATA_OK && err.status == STRATA_OK)
        abort();
    text[first] = saved;
    strata_error_clear(&err);
    const char *rest = first < size ? text + first + 1 : text + size;
    strata_status r = strata_ssh_config_apply_text(&c, rest, size - (size_t)(rest - text), "fuzz",
                                                   "web1.example.com", "/home/fuzz", &err);
    if (r != STRATA_OK && err.status == STRATA_OK)
        abort();
    strata_error_clear(&err);
    if (strata_ssh_config_finish(&c, "web1.example.com", "me", "/home/fuzz", "box", &err) ==
        STRATA_OK) {
        if (!c.hostname || c.port < 1 || c.port > 65535)
            abort();
    }
    strata_ssh_config_free(&c);
    free(text);
    return 0;
}
