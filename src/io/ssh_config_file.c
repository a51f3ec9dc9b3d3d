/* ssh_config(5) files: the file side of the pure parser in src/ssh/config.c
 * (see strata/ssh_config.h). Reading goes through strata_pki_read_file, the
 * one bounded reader; Include's globs are expanded here. */
#include <errno.h>
#include <glob.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "strata/buf.h"
#include "strata/pki.h"
#include "strata/ssh_config.h"

/* Reads path into b (initialised by the caller); *missing is set, and
 * nothing is read, when the file does not exist. */
static strata_status read_config(const char *path, strata_buf *b, int *missing, strata_error *err)
{
    struct stat st;
    *missing = 0;
    if (stat(path, &st) != 0 && errno == ENOENT) {
        *missing = 1;
        return STRATA_OK;
    }
    if (stat(path, &st) == 0 && st.st_size > (off_t)STRATA_SSH_CONFIG_FILE_MAX)
        return strata_error_set(err, STRATA_E_LIMIT, "%s is larger than %u bytes", path,
                                STRATA_SSH_CONFIG_FILE_MAX);
    strata_status r = strata_pki_read_file(path, b, 0, err);
    if (r == STRATA_OK && strata_buf_len(b) > STRATA_SSH_CONFIG_FILE_MAX)
        r = strata_error_set(err, STRATA_E_LIMIT, "%s is larger than %u bytes", path,
                             STRATA_SSH_CONFIG_FILE_MAX);
    return r;
}

static strata_status include_files(void *user, const char *pattern, strata_ssh_config_each_fn each,
                                   void *arg, strata_error *err)
{
    (void)user;
    glob_t g;
    int gr = glob(pattern, 0, NULL, &g);
    if (gr == GLOB_NOMATCH)
        return STRATA_OK; /* as OpenSSH: an Include that matches nothing is fine */
    if (gr != 0)
        return strata_error_set(err, STRATA_E_SSH_CONFIG, "cannot expand Include \"%s\"", pattern);
    strata_status r = STRATA_OK;
    for (size_t i = 0; i < g.gl_pathc && r == STRATA_OK; i++) {
        strata_buf b;
        int missing;
        strata_buf_init(&b, 0);
        if ((r = read_config(g.gl_pathv[i], &b, &missing, err)) == STRATA_OK && !missing)
            r = each(arg, g.gl_pathv[i], (const char *)strata_buf_ptr(&b), strata_buf_len(&b), err);
        strata_buf_free(&b);
    }
    globfree(&g);
    return r;
}

strata_status strata_ssh_config_apply_file(strata_ssh_config *c, const char *path, int required,
                                           const char *host, const char *home, strata_error *err)
{
    strata_buf b;
    int missing;
    strata_buf_init(&b, 0);
    if (!c->include)
        c->include = include_files;
    strata_status r = read_config(path, &b, &missing, err);
    if (r == STRATA_OK && missing && required)
        r = strata_error_set(err, STRATA_E_IO, "cannot read %s: %s", path, strerror(ENOENT));
    else if (r == STRATA_OK && !missing)
        r = strata_ssh_config_apply_text(c, (const char *)strata_buf_ptr(&b), strata_buf_len(&b),
                                         path, host, home, err);
    strata_buf_free(&b);
    return r;
}

strata_status strata_ssh_config_resolve(strata_ssh_config *c, const char *host, char *const *opts,
                                        size_t n_opts, const char *file, strata_error *err)
{
    char path[4096], local_host[256];
    const char *home = getenv("HOME"), *user = NULL;
    struct passwd *pw = getpwuid(getuid());
    strata_status r;
    if (pw) {
        user = pw->pw_name;
        if (!home || !*home)
            home = pw->pw_dir;
    }
    if (gethostname(local_host, sizeof(local_host)) != 0)
        local_host[0] = '\0';
    local_host[sizeof(local_host) - 1] = '\0';
    for (size_t i = 0; i < n_opts; i++)
        if ((r = strata_ssh_config_apply_option(c, opts[i], err)) != STRATA_OK)
            return r;
    if (!file && home) {
        snprintf(path, sizeof(path), "%s/.ssh/config", home);
        r = strata_ssh_config_apply_file(c, path, 0, host, home, err);
    } else if (file && strcmp(file, "none") != 0) {
        r = strata_ssh_config_apply_file(c, file, 1, host, home, err);
    } else {
        r = STRATA_OK;
    }
    if (r != STRATA_OK)
        return r;
    return strata_ssh_config_finish(c, host, user, home, local_host[0] ? local_host : NULL, err);
}
