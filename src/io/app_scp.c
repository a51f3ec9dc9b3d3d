/* The SCP engine as an app endpoint: the engine's output is the app's
 * input, the stack's plaintext is fed to the engine. After the engine has
 * failed, the endpoint still sends what it queued (its fatal "\2" line to
 * the peer) and swallows what arrives, so the caller can end the stream in
 * order. */
#include <stdlib.h>
#include <string.h>

#include "io/io_internal.h"
#include "strata/scp_io.h"

struct strata_scp_app {
    strata_scp *s;
    strata_io_conn *conn; /* set by start, cleared by close */
    int finished, ended, closed;
    strata_status status;
};

static strata_status ca_start(void *self, strata_io_conn *c)
{
    strata_scp_app *a = self;
    a->conn = c;
    return STRATA_OK;
}

static const uint8_t *ca_in(void *self, size_t *n, strata_status *st)
{
    strata_scp_app *a = self;
    const uint8_t *p = strata_scp_out(a->s, n);
    *st = *n == 0 && a->finished ? STRATA_CLOSED : STRATA_OK;
    return p;
}

static void ca_in_ack(void *self, size_t n)
{
    strata_scp_app *a = self;
    strata_scp_out_ack(a->s, n);
}

static strata_status ca_out(void *self, const uint8_t *p, size_t n, size_t *used)
{
    strata_scp_app *a = self;
    *used = n;
    if (a->status == STRATA_WANT_READ) {
        strata_status r = strata_scp_feed(a->s, p, n);
        if (r != STRATA_OK)
            a->status = r;
    }
    return STRATA_OK;
}

static strata_status ca_out_eof(void *self)
{
    strata_scp_app *a = self;
    if (a->status == STRATA_WANT_READ)
        a->status = strata_scp_eof(a->s);
    a->ended = 1;
    return STRATA_OK;
}

static int ca_out_done(const void *self)
{
    const strata_scp_app *a = self;
    return a->ended;
}

static const strata_error *ca_error(const void *self)
{
    static const strata_error none = {0};
    (void)self;
    return &none; /* the engine's refusals end the transfer, not the connection */
}

static void ca_close(void *self, void (*done)(void *), void *arg)
{
    strata_scp_app *a = self;
    if (a->status == STRATA_WANT_READ) { /* the engine says what was cut short */
        strata_status r = strata_scp_eof(a->s);
        a->status = r == STRATA_OK ? STRATA_E_IO : r;
    }
    a->ended = 1;
    a->closed = 1;
    a->conn = NULL;
    done(arg);
}

static const struct strata_io_app_ops scp_ops = {
    "scp", ca_start, ca_in, ca_in_ack, ca_out, ca_out_eof, ca_out_done, ca_error, ca_close, NULL,
};

strata_status strata_io_app_scp_new(strata_scp *s, strata_io_app *out, strata_scp_app **handle)
{
    memset(out, 0, sizeof(*out));
    *handle = NULL;
    if (!s)
        return STRATA_E_USAGE;
    strata_scp_app *a = calloc(1, sizeof(*a));
    if (!a)
        return STRATA_E_NOMEM;
    a->s = s;
    a->status = STRATA_WANT_READ;
    out->ops = &scp_ops;
    out->self = a;
    *handle = a;
    return STRATA_OK;
}

void strata_scp_app_kick(strata_scp_app *a)
{
    size_t n;
    (void)strata_scp_out(a->s, &n);
    if (a->conn && (n > 0 || a->finished))
        strata_io_conn_kick(a->conn);
}

void strata_scp_app_finish(strata_scp_app *a)
{
    a->finished = 1;
    strata_scp_app_kick(a);
}

int strata_scp_app_ended(const strata_scp_app *a)
{
    return a->ended;
}

strata_status strata_scp_app_status(const strata_scp_app *a)
{
    return a->status;
}

int strata_scp_app_closed(const strata_scp_app *a)
{
    return a->closed;
}

void strata_scp_app_free(strata_scp_app *a)
{
    free(a);
}
