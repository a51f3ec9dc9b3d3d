/* The SFTP client of `strata sftp` and `strata scp`: one SSH session whose
 * channel runs the "sftp" subsystem, the engine (strata/sftp.h) bound to it
 * as an io app (strata/sftp_io.h), and synchronous operations on top: each
 * queues requests and turns the io loop until their replies are in.
 *
 * Errors are printed to stderr as they happen (in OpenSSH's words where
 * there are some); functions return 0 on success, -1 on failure.
 */
#ifndef STRATA_CLI_SFTP_CLIENT_H
#define STRATA_CLI_SFTP_CLIENT_H

#include <stddef.h>
#include <stdint.h>

#include "strata/sftp.h"
#include "strata/sftp_io.h"
#include "strata/ssh_session.h"

struct sftp_client {
    strata_io *io;
    strata_ssh_session *ss;
    strata_sftp *s;
    strata_sftp_app *app;
    strata_io_conn *conn;
    int conn_done;
    strata_error conn_err;
    char *cwd;          /* remote working directory (absolute) */
    uint32_t requests;  /* -R: in flight (0: default) */
    uint32_t chunk;     /* -B: bytes per request (0: default) */
    int progress;       /* progress meter on a terminal */
    uint64_t limit_bps; /* -l: bytes per second (0: none) */
};

/* One directory entry. */
struct sftp_entry {
    char *name, *longname;
    strata_sftp_attrs a;
};

/* One reply as a synchronous call waits for it (zero it before the
 * request): its status and message, and what it carried. ents holds a NAME
 * reply's entries (free with sc_entries_free); oom: some were lost. */
struct sc_res {
    int done;
    strata_status status;
    char msg[256];
    strata_sftp_handle h;
    strata_sftp_attrs a;
    strata_sftp_vfs vfs;
    struct sftp_entry *ents;
    size_t n_ents, cap_ents;
    int oom;
};
/* The reply callback filling a struct sc_res (user). */
void sc_on_reply(void *user, const strata_sftp_reply *r);
/* Turns the loop until r's reply is in, for the request whose queueing
 * returned q (a refusal is r's status then); 0 when the reply says OK. A
 * server gone first: STRATA_E_SFTP_CONNECTION_LOST, "Connection closed". */
int sc_wait(struct sftp_client *c, strata_status q, struct sc_res *r);

/* Transfer options. */
struct sftp_xopts {
    int resume;   /* -a / reget / reput */
    int preserve; /* -p: modes and times */
    int recurse;  /* -r */
    int fsync;    /* -f: fsync@openssh.com after each upload */
};

/* Connects to dest with args (ssh options), opens the sftp subsystem, waits
 * for the server's VERSION, and sets cwd to the remote home. */
int sc_connect(struct sftp_client *c, const char *dest, const strata_ssh_session_args *args,
               const char *subsystem);
/* As sc_connect, over a program's stdin and stdout (sftp -D: a local
 * sftp-server; -S: ssh or a stand-in opening the subsystem itself); argv is
 * NULL-terminated, argv[0] the program (PATH searched). */
int sc_connect_argv(struct sftp_client *c, const char *const *argv);
/* Ends the session (channel EOF), waits for the connection's end, frees all. */
void sc_close(struct sftp_client *c);
/* 1 while the server is reachable. */
int sc_alive(const struct sftp_client *c);

/* -l: sleeps while more than limit_bps bytes a second have moved since
 * t0_ms (meter_now_ms); nothing without a limit. */
void sc_throttle(const struct sftp_client *c, uint64_t t0_ms, uint64_t moved);

/* path made absolute against cwd (heap; free it). "" and NULL give cwd. */
char *sc_abs(const struct sftp_client *c, const char *path);
/* Reply status of a request that expects a STATUS; prints
 * "what path: message" on failure. */
int sc_realpath(struct sftp_client *c, const char *path, char **out);
int sc_stat(struct sftp_client *c, const char *path, int follow, strata_sftp_attrs *a, int quiet);
int sc_setstat(struct sftp_client *c, const char *path, const strata_sftp_attrs *a);
/* SETSTAT of a symlink itself (lsetstat@openssh.com); OpenSSH's message
 * when the server does not offer it. */
int sc_lsetstat(struct sftp_client *c, const char *path, const strata_sftp_attrs *a);
int sc_mkdir(struct sftp_client *c, const char *path, uint32_t perm, int quiet);
int sc_rmdir(struct sftp_client *c, const char *path);
int sc_remove(struct sftp_client *c, const char *path);
int sc_rename(struct sftp_client *c, const char *from, const char *to, int posix);
int sc_symlink(struct sftp_client *c, const char *target, const char *link);
int sc_hardlink(struct sftp_client *c, const char *from, const char *to);
int sc_statvfs(struct sftp_client *c, const char *path, strata_sftp_vfs *v);
/* Lists dir into *out (n entries, sorted by name; free with sc_entries_free). */
int sc_readdir(struct sftp_client *c, const char *dir, struct sftp_entry **out, size_t *n);
void sc_entries_free(struct sftp_entry *e, size_t n);
/* Expands a remote glob (*, ?, [...] in the last component) into absolute
 * paths; a path without wildcards is returned as is. */
int sc_glob(struct sftp_client *c, const char *pattern, char ***out, size_t *n);
void sc_strv_free(char **v, size_t n);

/* Copies remote to local (-r: directories too); progress shows name. */
int sc_get(struct sftp_client *c, const char *remote, const char *local,
           const struct sftp_xopts *o);
int sc_put(struct sftp_client *c, const char *local, const char *remote,
           const struct sftp_xopts *o);

/* Progress meter (sftp_progress.c). */
struct sftp_meter {
    const char *name;
    uint64_t total, start_off;
    uint64_t t0_ms, last_ms;
    int on;
};
void meter_start(struct sftp_meter *m, const char *name, uint64_t total, uint64_t off, int on);
void meter_update(struct sftp_meter *m, uint64_t done, int final);
uint64_t meter_now_ms(void);

#endif
