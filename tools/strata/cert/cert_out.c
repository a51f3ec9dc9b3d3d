/* strata cert: the files a verb writes, all or nothing.
 *
 * Each output is written first to a temporary file beside its final path
 * (".NAME.PID.N.tmp", created with O_EXCL, mode 0600 for keys from the
 * start), and renamed into place only once every output of the run is
 * written. A failure before that removes the temporary files, so a refused
 * or failed run leaves no partial file and no orphan key. Without --force
 * the final step is link(2), which refuses a path that appeared meanwhile;
 * with --force it is rename(2), which replaces it atomically. Standard output
 * ("-") and existing non-regular files (a FIFO, /dev/null) cannot be
 * replaced: they are written directly at commit. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "cert_util.h"
#include "cli.h"
#include "strata/mem.h"

int cert_check_new(const char *path, int force)
{
    if (!strcmp(path, "-"))
        return CLI_OK;
    if (!force && access(path, F_OK) == 0) {
        cli_err("%s exists (use --force to overwrite it)", path);
        return CLI_FAIL;
    }
    char dir[4096];
    const char *slash = strrchr(path, '/');
    if (!slash)
        snprintf(dir, sizeof(dir), ".");
    else if (slash == path)
        snprintf(dir, sizeof(dir), "/");
    else
        snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path), path);
    if (access(dir, W_OK | X_OK) != 0) {
        cli_err("cannot write %s: %s: %s", path, dir, strerror(errno));
        return CLI_FAIL;
    }
    return CLI_OK;
}

void cert_out_init(struct cert_out *o, int force)
{
    memset(o, 0, sizeof(*o));
    o->force = force;
}

static int write_all(int fd, const char *path, const void *data, size_t len)
{
    if (cli_write_all(fd, data, len) != 0) {
        cli_err("writing %s failed: %s", path, strerror(errno));
        return CLI_FAIL;
    }
    return CLI_OK;
}

/* Creates a new temporary file beside path; its name goes to tmp. */
static int open_tmp(const char *path, int secret, char *tmp, size_t cap)
{
    static unsigned counter;
    const char *slash = strrchr(path, '/');
    int dirlen = slash ? (int)(slash - path + 1) : 0;
    for (int tries = 0; tries < 100; tries++) {
        int n = snprintf(tmp, cap, "%.*s.%s.%ld.%u.tmp", dirlen, path, path + dirlen,
                         (long)getpid(), counter++);
        if (n < 0 || (size_t)n >= cap) {
            cli_err("cannot create %s: the path is too long", path);
            return -1;
        }
        int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, secret ? 0600 : 0644);
        if (fd >= 0 || errno != EEXIST) {
            if (fd < 0)
                cli_err("cannot create %s: %s", path, strerror(errno));
            return fd;
        }
    }
    cli_err("cannot create a temporary file for %s", path);
    return -1;
}

int cert_out_add(struct cert_out *o, const char *path, const void *data, size_t len, int secret)
{
    if (o->n == CERT_OUT_MAX) {
        cli_err("internal: too many output files");
        return CLI_FAIL;
    }
    struct cert_out_file *f = &o->f[o->n];
    memset(f, 0, sizeof(*f));
    f->path = path;
    f->secret = secret;
    struct stat st;
    int exists = strcmp(path, "-") != 0 && stat(path, &st) == 0;
    f->existed = exists;
    if (exists && S_ISDIR(st.st_mode)) {
        cli_err("cannot write %s: it is a directory", path);
        return CLI_FAIL;
    }
    if (!strcmp(path, "-") || (exists && !S_ISREG(st.st_mode))) {
        /* Written at commit; keep a copy. */
        if (strcmp(path, "-") != 0 && !o->force) {
            cli_err("%s exists (use --force to overwrite it)", path);
            return CLI_FAIL;
        }
        f->direct = malloc(len ? len : 1);
        if (!f->direct) {
            cli_err("out of memory");
            return CLI_FAIL;
        }
        memcpy(f->direct, data, len);
        f->len = len;
        o->n++;
        return CLI_OK;
    }
    int fd = open_tmp(path, secret, f->tmp, sizeof(f->tmp));
    if (fd < 0)
        return CLI_FAIL;
    o->n++; /* from here on abort removes f->tmp */
    int rc = write_all(fd, path, data, len);
    if (close(fd) != 0 && rc == CLI_OK) {
        cli_err("closing %s failed: %s", path, strerror(errno));
        rc = CLI_FAIL;
    }
    return rc;
}

/* Puts staged file i in place. */
static int commit_one(struct cert_out *o, size_t i)
{
    struct cert_out_file *f = &o->f[i];
    if (f->direct) {
        int fd = STDOUT_FILENO;
        if (strcmp(f->path, "-") != 0 && (fd = open(f->path, O_WRONLY | O_CLOEXEC)) < 0) {
            cli_err("cannot open %s: %s", f->path, strerror(errno));
            return CLI_FAIL;
        }
        int rc = write_all(fd, f->path, f->direct, f->len);
        if (fd != STDOUT_FILENO)
            close(fd);
        else
            fflush(stdout);
        return rc;
    }
    if (o->force ? rename(f->tmp, f->path) : link(f->tmp, f->path)) {
        if (errno == EEXIST)
            cli_err("%s exists (use --force to overwrite it)", f->path);
        else
            cli_err("cannot create %s: %s", f->path, strerror(errno));
        return CLI_FAIL;
    }
    if (!o->force)
        unlink(f->tmp);
    f->tmp[0] = '\0';
    f->placed = 1;
    return CLI_OK;
}

int cert_out_commit(struct cert_out *o)
{
    for (size_t i = 0; i < o->n; i++) {
        if (commit_one(o, i) != CLI_OK) {
            /* Take back the new files already in place (a replaced file
             * cannot be given back, but the run reports the failure). */
            for (size_t j = 0; j < i; j++)
                if (o->f[j].placed && !o->f[j].existed)
                    unlink(o->f[j].path);
            cert_out_abort(o);
            return CLI_FAIL;
        }
    }
    cert_out_abort(o); /* frees the copies; nothing staged is left */
    return CLI_OK;
}

void cert_out_abort(struct cert_out *o)
{
    for (size_t i = 0; i < o->n; i++) {
        struct cert_out_file *f = &o->f[i];
        if (f->tmp[0])
            unlink(f->tmp);
        f->tmp[0] = '\0';
        if (f->direct)
            strata_free_secret(f->direct, f->len);
        f->direct = NULL;
    }
    o->n = 0;
}

int cert_out_key(struct cert_out *o, const char *path, const strata_pkey *k,
                 const strata_passphrase *pw)
{
    strata_buf b;
    strata_buf_init(&b, 0);
    strata_error err;
    strata_error_clear(&err);
    int rc = CLI_FAIL;
    if (strata_pkey_dump_private(k, STRATA_PKI_PEM, NULL, pw, &b, &err) != STRATA_OK)
        cert_report("writing the key", &err);
    else
        rc = cert_out_add(o, path, strata_buf_ptr(&b), strata_buf_len(&b), 1);
    strata_buf_free(&b);
    return rc;
}

int cert_out_cert(struct cert_out *o, const char *path, const strata_x509 *x)
{
    strata_buf b;
    strata_buf_init(&b, 0);
    strata_error err;
    strata_error_clear(&err);
    int rc = CLI_FAIL;
    if (strata_x509_dump(x, STRATA_PKI_PEM, &b, &err) != STRATA_OK)
        cert_report("writing the certificate", &err);
    else
        rc = cert_out_add(o, path, strata_buf_ptr(&b), strata_buf_len(&b), 0);
    strata_buf_free(&b);
    return rc;
}

int cert_write(const char *path, const void *data, size_t len, int secret, int force)
{
    struct cert_out o;
    cert_out_init(&o, force);
    int rc = cert_out_add(&o, path, data, len, secret);
    if (rc == CLI_OK)
        rc = cert_out_commit(&o);
    cert_out_abort(&o);
    return rc;
}
