/* Status text and categories, made from the one list in strata/status.h. */
#include "strata/status.h"

#define TEXT(name, cat, text) text,
#define NAME(name, cat, text) #name,
#define CAT(name, cat, text) STRATA_CAT_##cat,
static const char *const status_text[] = {STRATA_STATUS_LIST(TEXT)};
static const char *const status_name[] = {STRATA_STATUS_LIST(NAME)};
static const enum strata_category status_cat[] = {STRATA_STATUS_LIST(CAT)};
#undef TEXT
#undef NAME
#undef CAT

const char *strata_status_str(strata_status s)
{
    if ((unsigned)s >= STRATA__STATUS_COUNT)
        return "unknown status";
    return status_text[s];
}

const char *strata_status_name(strata_status s)
{
    if ((unsigned)s >= STRATA__STATUS_COUNT)
        return "UNKNOWN";
    return status_name[s];
}

enum strata_category strata_status_category(strata_status s)
{
    if ((unsigned)s >= STRATA__STATUS_COUNT)
        return STRATA_CAT_INTERNAL;
    return status_cat[s];
}

int strata_status_is_error(strata_status s)
{
    return strata_status_category(s) >= STRATA_CAT_PROTOCOL;
}
