/* strata/strata.h - everything public in one include. */
#ifndef STRATA_STRATA_H
#define STRATA_STRATA_H

#include "export.h"
#include "status.h"
#include "error.h"
#include "mem.h"
#include "log.h"
#include "buf.h"
#include "layer.h"
#include "stack.h"
#include "tls.h"
#include "http_connect.h"
#include "io.h"
#include "ssh_knownhosts.h"
#include "io.h"

/* The library's version string ("0.1.0"), static storage. */
STRATA_API const char *strata_version(void);

#endif
