#include "internal.h"

/* Placeholder until the hwloc area lands. */
int aml_hwloc_supported(void)
{
	return 0;
}
