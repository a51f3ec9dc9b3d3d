/* strata/export.h - symbol visibility and attribute macros.
 *
 * The library is built with -fvisibility=hidden; STRATA_API marks the public
 * symbols. STRATA_MUST_CHECK marks functions whose result must not be ignored:
 * with -Werror an ignored status does not build.
 */
#ifndef STRATA_EXPORT_H
#define STRATA_EXPORT_H

#if defined(STRATA_BUILDING)
#define STRATA_API __attribute__((visibility("default")))
#else
#define STRATA_API
#endif

#define STRATA_MUST_CHECK __attribute__((warn_unused_result))
#define STRATA_PRINTF(fmt, args) __attribute__((format(printf, fmt, args)))

#endif
