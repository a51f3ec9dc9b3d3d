/* strata/error.h - error detail kept on objects.
 *
 * Objects that can fail embed a struct strata_error. The first error is
 * sticky: strata__error_set() records only when no error is recorded yet, so
 * the report names the cause, not a consequence. For OpenSSL failures the
 * entries of OpenSSL's error queue are copied (library, function, reason), as
 * pyOpenSSL's Error carries them, and the queue is left empty.
 *
 * The struct is public so it can be embedded and read; change it only through
 * the functions below. It owns no heap memory.
 */
#ifndef STRATA_ERROR_H
#define STRATA_ERROR_H

#include <stdarg.h>
#include <stddef.h>
#include "export.h"
#include "status.h"

#define STRATA_ERROR_MSG_MAX 320
#define STRATA_ERROR_OSSL_MAX 8 /* the first entries of OpenSSL's queue; the rest are dropped */

/* lib points to OpenSSL's static strings (valid while libcrypto is loaded);
 * func and reason are copies (OpenSSL frees its function name when the entry
 * leaves its queue; the reason may carry the error's own data). */
struct strata_ossl_entry {
    unsigned long code; /* ERR_get_error() value */
    const char *lib;    /* "SSL routines" */
    char func[64];      /* "tls_process_server_certificate" or "" */
    char reason[128];   /* "certificate verify failed" */
};

typedef struct strata_error {
    strata_status status; /* STRATA_OK when no error is recorded */
    int sys_errno;        /* errno of the failed system call (pyOpenSSL's SysCallError), or 0 */
    char msg[STRATA_ERROR_MSG_MAX];
    size_t n_ossl;
    struct strata_ossl_entry ossl[STRATA_ERROR_OSSL_MAX];
} strata_error;

STRATA_API void strata_error_clear(strata_error *e);
/* The message ("" when none); points into *e, valid while *e is unchanged. */
STRATA_API const char *strata_error_message(const strata_error *e);
/* Writes "message (lib: func: reason; ...)" into buf (always NUL-terminated
 * when cap > 0); returns buf. */
STRATA_API const char *strata_error_format(const strata_error *e, char *buf, size_t cap);
/* The errno of the system call that failed (a socket-mode send or recv,
 * ...), as pyOpenSSL's SysCallError carries it; 0 when the error was not a
 * failed system call. */
STRATA_API int strata_error_errno(const strata_error *e);
/* Copies src into dst (both caller-owned). */
STRATA_API void strata_error_copy(strata_error *dst, const strata_error *src);
/* Records status and the printf-formatted message in e unless e already
 * holds an error (the first error sticks); returns status either way, so
 * `return strata_error_set(err, STRATA_E_USAGE, "bad %s", what);` reads
 * well. For code built on the library (layers, endpoints, programs) that
 * keeps its own strata_error. fmt and its arguments are only read. */
STRATA_API strata_status strata_error_set(strata_error *e, strata_status status, const char *fmt,
                                          ...) __attribute__((format(printf, 3, 4)));
/* The same with a va_list (ap is consumed as by vsnprintf). */
STRATA_API strata_status strata_error_vset(strata_error *e, strata_status status, const char *fmt,
                                           va_list ap) __attribute__((format(printf, 3, 0)));

#endif
