/* Error detail on objects: a message plus OpenSSL's error-queue entries. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/err.h>

#include "base/error_internal.h"

void strata_error_clear(strata_error *e)
{
    memset(e, 0, sizeof(*e));
}

const char *strata_error_message(const strata_error *e)
{
    if (e->status == STRATA_OK)
        return "";
    return e->msg[0] ? e->msg : strata_status_str(e->status);
}

static const strata_error no_error;
static const strata_error no_memory = {.status = STRATA_E_NOMEM,
                                       .msg = "out of memory while recording an error"};

strata_error *strata__error_alloc(strata_error **e)
{
    if (!*e)
        *e = calloc(1, sizeof(**e));
    return *e;
}

const strata_error *strata__error_view(const strata_error *e, int oom)
{
    return e ? e : oom ? &no_memory : &no_error;
}

void strata_error_copy(strata_error *dst, const strata_error *src)
{
    if (dst != src)
        memcpy(dst, src, sizeof(*dst));
}

const char *strata_error_format(const strata_error *e, char *buf, size_t cap)
{
    if (cap == 0)
        return buf;
    int n = snprintf(buf, cap, "%s", strata_error_message(e));
    for (size_t i = 0; i < e->n_ossl && n >= 0 && (size_t)n < cap; i++) {
        const struct strata_ossl_entry *x = &e->ossl[i];
        int k = snprintf(buf + n, cap - (size_t)n, "%s%s: %s%s%s", i == 0 ? " (" : "; ", x->lib,
                         x->func, x->func[0] ? ": " : "", x->reason);
        if (k < 0)
            break;
        n += k;
    }
    if (e->n_ossl > 0 && n >= 0 && (size_t)n < cap)
        snprintf(buf + n, cap - (size_t)n, ")");
    return buf;
}

STRATA_PRINTF(3, 0)
static void set_msg(strata_error *e, strata_status status, const char *fmt, va_list ap)
{
    e->status = status;
    e->sys_errno = 0;
    e->n_ossl = 0;
    if (fmt)
        vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
    else
        snprintf(e->msg, sizeof(e->msg), "%s", strata_status_str(status));
}

strata_status strata_error_vset(strata_error *e, strata_status status, const char *fmt, va_list ap)
{
    if (e->status == STRATA_OK)
        set_msg(e, status, fmt, ap);
    return status;
}

strata_status strata_error_set(strata_error *e, strata_status status, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    strata_error_vset(e, status, fmt, ap);
    va_end(ap);
    return status;
}

/* The internal name of strata_error_set (one formatter: set_msg). */
strata_status strata__error_set(strata_error *e, strata_status status, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    strata_error_vset(e, status, fmt, ap);
    va_end(ap);
    return status;
}

strata_status strata__error_set_sys(strata_error *e, strata_status status, int errnum,
                                    const char *what)
{
    if (e->status != STRATA_OK)
        return status;
    strata__error_set(e, status, "%s: %s", what, strerror(errnum));
    e->sys_errno = errnum;
    return status;
}

int strata_error_errno(const strata_error *e)
{
    return e->status == STRATA_OK ? 0 : e->sys_errno;
}

strata_status strata__error_reset(strata_error *e, strata_status status, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    set_msg(e, status, fmt, ap);
    va_end(ap);
    return status;
}

static void take_queue(strata_error *e)
{
    const char *func = NULL, *data = NULL;
    int flags = 0;
    unsigned long code;
    while ((code = ERR_get_error_all(NULL, NULL, &func, &data, &flags)) != 0) {
        if (e->n_ossl >= STRATA_ERROR_OSSL_MAX)
            continue; /* keep draining */
        struct strata_ossl_entry *x = &e->ossl[e->n_ossl++];
        const char *lib = ERR_lib_error_string(code);
        const char *reason = ERR_reason_error_string(code);
        x->code = code;
        x->lib = lib ? lib : "unknown library";
        snprintf(x->func, sizeof(x->func), "%s", func ? func : ""); /* OpenSSL frees its copy */
        if (reason && data && (flags & ERR_TXT_STRING) && data[0])
            snprintf(x->reason, sizeof(x->reason), "%s (%s)", reason, data);
        else if (reason)
            snprintf(x->reason, sizeof(x->reason), "%s", reason);
        else
            snprintf(x->reason, sizeof(x->reason), "reason %lu",
                     (unsigned long)ERR_GET_REASON(code));
    }
}

strata_status strata__error_vset_ossl(strata_error *e, strata_status status, const char *fmt,
                                      va_list ap)
{
    if (e->status != STRATA_OK) {
        ERR_clear_error();
        return status;
    }
    set_msg(e, status, fmt, ap);
    take_queue(e);
    return status;
}

strata_status strata__error_set_ossl(strata_error *e, strata_status status, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    strata__error_vset_ossl(e, status, fmt, ap);
    va_end(ap);
    return status;
}

void strata__ossl_clear(void)
{
    ERR_clear_error();
}
