/* Many small files copied at once (get -r / put -r); see sftp_many.c. */
#ifndef STRATA_CLI_SFTP_MANY_H
#define STRATA_CLI_SFTP_MANY_H

#include "sftp_client.h"

/* Files at most this big go through the many-at-once path. */
#define MANY_SMALL_MAX (64u * 1024u)

struct many;
/* Queues one file (*mp made on first use). put: a is the local file's
 * (perm, times); get: the remote's. -1 when out of memory. */
int many_add(struct many **mp, struct sftp_client *c, const struct sftp_xopts *o, int put,
             const char *remote, const char *local, const strata_sftp_attrs *a);
/* Copies every queued file; errors printed per file; -1 if any failed. */
int many_run(struct many *m);
void many_free(struct many *m);

#endif
