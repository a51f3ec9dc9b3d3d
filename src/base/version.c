#include "strata/version.h"

const char *strata_version(void)
{
    return "0.1.0";
}
