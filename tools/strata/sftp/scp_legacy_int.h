/* Internals of strata scp -O (scp_legacy*.c): the connection running the
 * remote scp, what one transfer keeps, and the helpers the files share. */
#ifndef STRATA_CLI_SCP_LEGACY_INT_H
#define STRATA_CLI_SCP_LEGACY_INT_H

#include <stdint.h>
#include <sys/types.h>

#include "scp_legacy.h"
#include "sftp_client.h"
#include "strata/scp_io.h"

#define WBUF (256u * 1024u)
#define TURNS_MAX 1000000000ul

/* One connection running one remote scp. */
struct lconn {
    strata_io *io;
    strata_ssh_session *ss;
    strata_scp *e;
    strata_scp_app *app;
    strata_io_conn *conn;
    int conn_done, have_exit, alive, authed;
    uint32_t exit_status;
    strata_error conn_err;
};

/* What a transfer needs from the command line and counts. */
struct xfer {
    const struct scp_legacy_opts *o;
    int errors;
    /* throttle (-l) and meter */
    uint64_t t0_ms, moved;
    struct sftp_meter m;
    /* sink */
    const char *target;
    int target_is_dir;
    mode_t umask_bits;
    char *dirs[STRATA_SCP_DEPTH_MAX + 1]; /* entered directories' paths */
    struct dirmark {
        uint32_t mode;
        int has_times, made;
        int64_t mtime, atime;
    } marks[STRATA_SCP_DEPTH_MAX + 1];
    unsigned depth;
    int fd;
    char *path;
    uint32_t fmode;
    int fhas_times, fcreated, fwerr;
    uint64_t fgot; /* bytes of the current file received */
    int64_t fmtime, fatime;
    uint8_t *wbuf;
    size_t wlen;
};

/* scp_legacy.c: the connection */
int sl_turn(struct lconn *c);
int sl_lc_open(struct lconn *c, const struct scp_legacy_opts *o, const char *host, int port,
               const char *command, const strata_scp_config *cfg);
int sl_lc_open_ok(const struct scp_legacy_opts *o, struct lconn *c, const char *host, int port,
                  const char *cmd, const strata_scp_config *cfg, const void *buf);
int sl_lc_close(struct lconn *c, int transfer_ok);
int sl_lc_verdict(struct lconn *c);
char *sl_remote_cmd(const struct scp_legacy_opts *o, int multi, char role, const char *path);
void sl_throttle(struct xfer *x, size_t n);
char *sl_join(const char *dir, const char *name);
const char *sl_last_part(const char *p);
void sl_set_times(const char *path, int fd, int64_t mtime, int64_t atime, struct xfer *x);
/* scp_legacy_get.c: remote host:path to local target (exit status) */
void sl_xfer_init(struct xfer *x, const struct scp_legacy_opts *o);
void sl_xfer_done(struct xfer *x);
int sl_fetch(const struct scp_legacy_opts *o, const char *host, int port, const char *path,
             const char *target, int multi);
/* scp_legacy_put.c: local sources to remote host:target (exit status) */
int sl_send_all(const struct scp_legacy_opts *o, const char *host, int port, const char *target,
                char **srcs, int n, int multi);

#endif
