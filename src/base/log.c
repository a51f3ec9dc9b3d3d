/* The process-wide logging hook. */
#include <stdarg.h>
#include <stdio.h>

#include "strata/log.h"

static strata_log_fn log_fn;
static void *log_user;
static enum strata_log_level log_level;

void strata_log_set(enum strata_log_level level, strata_log_fn fn, void *user)
{
    log_fn = fn;
    log_user = user;
    log_level = level;
}

int strata_log_enabled(enum strata_log_level level)
{
    return log_fn != NULL && level <= log_level;
}

void strata_log(enum strata_log_level level, const char *module, const char *fmt, ...)
{
    if (!strata_log_enabled(level))
        return;
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    log_fn(level, module, msg, log_user);
}
