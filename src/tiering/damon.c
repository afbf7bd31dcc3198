/* DAMON's virtual-address monitoring (sysfs, root): declared, not
 * written yet; the probe says it does not work. */
#include "aml.h"
#include "tiering/method.h"

static int damon_probe(void)
{
	return -AML_ENOTSUP;
}

const struct aml__tiering_method aml__tiering_damon = {
    .id = AML_TIERING_METHOD_DAMON,
    .name = "damon",
    .probe = damon_probe,
};
