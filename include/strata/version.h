/* strata/version.h - the library's version, alone (an engine that names the
 * version, such as the SSH identification line, needs nothing else). */
#ifndef STRATA_VERSION_H
#define STRATA_VERSION_H

#include "export.h"

/* The library's version string ("0.1.0"), static storage. */
STRATA_API const char *strata_version(void);

#endif
