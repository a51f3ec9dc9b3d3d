/* Growable, wiped scratch buffers (see scratch.h). */
#include <stdlib.h>
#include <string.h>

#include "ssh/scratch.h"
#include "strata/mem.h"

strata_status strata__ssh_scratch_reserve(struct ssh_scratch *s, size_t need, size_t keep)
{
    if (need <= s->cap)
        return STRATA_OK;
    size_t ncap = s->cap < 1024 ? 1024 : s->cap;
    while (ncap < need)
        ncap = ncap > SIZE_MAX / 2 ? need : ncap * 2;
    uint8_t *p = malloc(ncap);
    if (!p)
        return STRATA_E_NOMEM;
    if (keep > s->cap)
        keep = s->cap;
    if (keep)
        memcpy(p, s->p, keep);
    strata_free_secret(s->p, s->cap);
    s->p = p;
    s->cap = ncap;
    return STRATA_OK;
}

void strata__ssh_scratch_free(struct ssh_scratch *s)
{
    strata_free_secret(s->p, s->cap);
    s->p = NULL;
    s->cap = 0;
}
