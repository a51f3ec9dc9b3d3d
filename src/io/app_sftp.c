/* The SFTP engine as an app endpoint: engine output is the app's input,
 * the stack's plaintext is fed to the engine. */
#include <stdlib.h>
#include <string.h>

#include "io/io_internal.h"
#include "strata/sftp_io.h"

struct strata_sftp_app {
    strata_sftp *s;
    strata_io_conn *conn; /* set by start, cleared by close */
    int finished, ended, closed, bound;
    strata_error err; /* the endpoint's own error: a feed that failed */
};

static strata_status sa_start(void *self, strata_io_conn *c)
{
    strata_sftp_app *a = self;
    a->conn = c;
    return STRATA_OK;
}

static const uint8_t *sa_in(void *self, size_t *n, strata_status *st)
{
    strata_sftp_app *a = self;
    const uint8_t *p = strata_sftp_out(a->s, n);
    *st = STRATA_OK;
    if (*n == 0 && a->finished)
        *st = STRATA_CLOSED;
    return p;
}

static void sa_in_ack(void *self, size_t n)
{
    strata_sftp_app *a = self;
    strata_sftp_out_ack(a->s, n);
}

static strata_status sa_out(void *self, const uint8_t *p, size_t n, size_t *used)
{
    strata_sftp_app *a = self;
    *used = n;
    strata_status r = strata_sftp_feed(a->s, p, n);
    if (r != STRATA_OK) {
        a->ended = 1;
        strata_error_copy(&a->err, strata_sftp_error(a->s));
    }
    return r;
}

static strata_status sa_out_eof(void *self)
{
    strata_sftp_app *a = self;
    if (!a->ended)
        strata_sftp_eof(a->s, a->finished ? "closed after the last request" : NULL);
    a->ended = 1;
    return STRATA_OK;
}

static int sa_out_done(const void *self)
{
    const strata_sftp_app *a = self;
    return a->ended;
}

static const strata_error *sa_error(const void *self)
{
    const strata_sftp_app *a = self;
    return &a->err;
}

static void sa_close(void *self, void (*done)(void *), void *arg)
{
    strata_sftp_app *a = self;
    if (!a->ended)
        strata_sftp_eof(a->s, "the connection closed");
    a->ended = 1;
    a->closed = 1;
    a->conn = NULL;
    done(arg);
}

static const struct strata_io_app_ops sftp_ops = {
    "sftp", sa_start, sa_in, sa_in_ack, sa_out, sa_out_eof, sa_out_done, sa_error, sa_close, NULL,
};

strata_status strata_io_app_sftp_new(strata_sftp *s, strata_io_app *out, strata_sftp_app **handle)
{
    memset(out, 0, sizeof(*out));
    *handle = NULL;
    if (!s)
        return STRATA_E_USAGE;
    strata_sftp_app *a = calloc(1, sizeof(*a));
    if (!a)
        return STRATA_E_NOMEM;
    a->s = s;
    out->ops = &sftp_ops;
    out->self = a;
    *handle = a;
    return STRATA_OK;
}

/* Only when there is something to send: a kick pumps the whole stack, and
 * the input side never needs one (out() takes every byte at once). */
void strata_sftp_app_kick(strata_sftp_app *a)
{
    size_t n;
    (void)strata_sftp_out(a->s, &n);
    if (a->conn && (n > 0 || a->finished))
        strata_io_conn_kick(a->conn);
}

void strata_sftp_app_finish(strata_sftp_app *a)
{
    a->finished = 1;
    strata_sftp_app_kick(a);
}

int strata_sftp_app_ended(const strata_sftp_app *a)
{
    return a->ended;
}

int strata_sftp_app_closed(const strata_sftp_app *a)
{
    return a->closed;
}

void strata_sftp_app_free(strata_sftp_app *a)
{
    free(a);
}
