/* ssh_config(5) files: the file side of the pure parser in src/ssh/config.c
 * (see strata/ssh_config.h). Reading goes through strata_pki_read_file, the
 * one bounded reader; Include's globs are expanded here. */
#include <errno.h>
#include <glob.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
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

strata_status strata_ssh_config_include_files(void *user, const char *pattern,
                                              strata_ssh_config_each_fn each, void *arg,
                                              strata_error *err)
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

/* Match exec: /bin/sh -c command, as OpenSSH's execute_in_shell (stdin from
 * /dev/null, stdout to stderr so the command cannot write into the session). */
int strata_ssh_config_exec_shell(void *user, const char *command, strata_error *err)
{
    (void)user;
    const char *shell = getenv("SHELL");
    if (!shell || !*shell || access(shell, X_OK) != 0)
        shell = "/bin/sh";
    pid_t pid = fork();
    if (pid < 0) {
        strata_error_set(err, STRATA_E_IO, "fork: %s", strerror(errno));
        return -1;
    }
    if (pid == 0) {
        int null = open("/dev/null", O_RDWR);
        if (null < 0 || dup2(null, STDIN_FILENO) < 0 || dup2(STDERR_FILENO, STDOUT_FILENO) < 0)
            _exit(1);
        if (null > STDERR_FILENO)
            close(null);
        execl(shell, shell, "-c", command, (char *)NULL);
        _exit(127);
    }
    int status;
    while (waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR) {
            strata_error_set(err, STRATA_E_IO, "waitpid: %s", strerror(errno));
            return -1;
        }
    }
    if (WIFEXITED(status) && WEXITSTATUS(status) == 127) {
        strata_error_set(err, STRATA_E_IO, "%s could not run it", shell);
        return -1;
    }
    return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

/* Fills the Match context the caller left unset from the system. */
static strata_status fill_context(strata_ssh_config *c, strata_error *err)
{
    char host[256];
    if (c->local_user && c->local_host && c->uid >= 0)
        return STRATA_OK;
    struct passwd *pw = getpwuid(getuid());
    if (gethostname(host, sizeof host) != 0)
        host[0] = '\0';
    host[sizeof host - 1] = '\0';
    strata_status r =
        strata_ssh_config_set_context(c,
                                      c->local_user ? c->local_user
                                      : pw          ? pw->pw_name
                                                    : NULL,
                                      c->local_host ? c->local_host
                                      : host[0]     ? host
                                                    : NULL,
                                      c->command, c->uid >= 0 ? c->uid : (long)getuid());
    if (r != STRATA_OK)
        strata_error_set(err, r, "out of memory");
    return r;
}

strata_status strata_ssh_config_apply_file(strata_ssh_config *c, const char *path, int required,
                                           const char *host, const char *home, strata_error *err)
{
    strata_buf b;
    int missing;
    strata_buf_init(&b, 0);
    if (!c->include)
        c->include = strata_ssh_config_include_files;
    if (!c->exec)
        c->exec = strata_ssh_config_exec_shell;
    strata_status r = fill_context(c, err);
    if (r != STRATA_OK)
        return r;
    r = read_config(path, &b, &missing, err);
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
    if ((r = fill_context(c, err)) != STRATA_OK)
        return r;
    for (size_t i = 0; i < n_opts; i++)
        if ((r = strata_ssh_config_apply_option(c, opts[i], err)) != STRATA_OK)
            return r;
    /* Match final (or canonical) asks for a second reading, with what the
     * first set kept (the first value still wins). */
    for (int pass = 0; pass < 2; pass++) {
        c->final_pass = pass;
        if (!file) {
            /* as OpenSSH: the user's file, then the system's */
            r = STRATA_OK;
            if (home) {
                snprintf(path, sizeof(path), "%s/.ssh/config", home);
                r = strata_ssh_config_apply_file(c, path, 0, host, home, err);
            }
            if (r == STRATA_OK)
                r = strata_ssh_config_apply_file(c, STRATA_SSH_CONFIG_SYSTEM_FILE, 0, host, home,
                                                 err);
        } else if (file && strcmp(file, "none") != 0) {
            r = strata_ssh_config_apply_file(c, file, 1, host, home, err);
        } else {
            r = STRATA_OK;
        }
        if (r != STRATA_OK)
            return r;
        if (!c->want_final)
            break;
    }
    return strata_ssh_config_finish(c, host, user, home, local_host[0] ? local_host : NULL, err);
}
