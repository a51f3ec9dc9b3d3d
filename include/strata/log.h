/* strata/log.h - the logging hook. Silent by default.
 *
 * One process-wide hook: a level and a callback. The callback runs on the
 * thread that logs, with a message that lives only for the call. Set it before
 * starting threads that use strata.
 */
#ifndef STRATA_LOG_H
#define STRATA_LOG_H

#include "export.h"

enum strata_log_level {
    STRATA_LOG_ERROR = 1,
    STRATA_LOG_WARN = 2,
    STRATA_LOG_INFO = 3,
    STRATA_LOG_DEBUG = 4,
    STRATA_LOG_TRACE = 5,
};

typedef void (*strata_log_fn)(enum strata_log_level level, const char *module, const char *msg,
                              void *user);

/* Messages at or below level go to fn; fn NULL (the default) silences all. */
STRATA_API void strata_log_set(enum strata_log_level level, strata_log_fn fn, void *user);
STRATA_API int strata_log_enabled(enum strata_log_level level);
STRATA_API void strata_log(enum strata_log_level level, const char *module, const char *fmt, ...)
    STRATA_PRINTF(3, 4);

#endif
