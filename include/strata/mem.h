/* strata/mem.h - secure memory helpers (on OpenSSL's). */
#ifndef STRATA_MEM_H
#define STRATA_MEM_H

#include <stddef.h>
#include "export.h"

/* Zeroes n bytes in a way the compiler does not remove. */
STRATA_API void strata_memzero(void *p, size_t n);
/* Constant-time equality of two n-byte regions: 1 when equal, else 0. */
STRATA_API int strata_ct_equal(const void *a, const void *b, size_t n);
/* Wipes then frees p (n bytes); NULL is allowed. */
STRATA_API void strata_free_secret(void *p, size_t n);

#endif
