/* Fuzz target: ssh_config parsing. The first line goes through -o, the rest
 * is a config file applied for host "web1.example.com", then tokens are
 * expanded. No file is opened and nothing is run: Include goes to an
 * in-memory reader (one nested text), Match exec to a stub. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "strata/ssh_config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static strata_status fake_include(void *user, const char *pattern, strata_ssh_config_each_fn each,
                                  void *arg, strata_error *err)
{
    static const char text[] = "Port 2200\nMatch all\n  User inc\nInclude again\n";
    (void)user;
    (void)pattern;
    return each(arg, "included", text, sizeof text - 1, err);
}

static int fake_exec(void *user, const char *command, strata_error *err)
{
    (void)user;
    (void)err;
    return strlen(command) % 2 == 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 64 * 1024)
        return 0;
    char *text = malloc(size + 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    strata_ssh_config c;
    strata_error err;
    strata_ssh_config_init(&c);
    strata_error_clear(&err);
    c.include = fake_include;
    c.exec = fake_exec;
    if (strata_ssh_config_set_context(&c, "me", "box.example", NULL, 1000) != STRATA_OK)
        abort();
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
