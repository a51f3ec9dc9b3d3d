/* Internal: recording errors on objects. */
#ifndef STRATA_BASE_ERROR_INTERNAL_H
#define STRATA_BASE_ERROR_INTERNAL_H

#include <stdarg.h>
#include "strata/error.h"

/* Records status and a printf-style message unless an error is already
 * recorded (the first error is sticky). Returns status, so callers can write
 * `return strata__error_set(&o->err, STRATA_E_FORMAT, "bad %s", what);`. */
strata_status strata__error_set(strata_error *e, strata_status status, const char *fmt, ...)
    STRATA_PRINTF(3, 4);
/* As strata__error_set, and moves OpenSSL's error queue into e (the queue is
 * emptied even when e already held an error). */
strata_status strata__error_set_ossl(strata_error *e, strata_status status, const char *fmt, ...)
    STRATA_PRINTF(3, 4);
/* The same with a va_list (the va_list variant of strata_error_vset). */
strata_status strata__error_vset_ossl(strata_error *e, strata_status status, const char *fmt,
                                      va_list ap) STRATA_PRINTF(3, 0);
/* As strata__error_set for a failed system call: the message is
 * "what: strerror(errnum)" and errnum is kept (strata_error_errno). */
strata_status strata__error_set_sys(strata_error *e, strata_status status, int errnum,
                                    const char *what);
/* Overwrites whatever was recorded. */
strata_status strata__error_reset(strata_error *e, strata_status status, const char *fmt, ...)
    STRATA_PRINTF(3, 4);
/* Empties OpenSSL's error queue without recording it. */
void strata__ossl_clear(void);

/* Error records allocated when an error happens, so an idle object keeps
 * none. strata__error_alloc: *e, allocated (zeroed) now if it is NULL; NULL
 * when out of memory. strata__error_view: what to show for a record that
 * may not exist: e itself, else a shared empty record (status OK), or with
 * oom a shared E_NOMEM record ("out of memory while recording an error"). */
strata_error *strata__error_alloc(strata_error **e);
const strata_error *strata__error_view(const strata_error *e, int oom);

#endif
