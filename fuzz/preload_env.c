/*
 * The preload library's environment: the input is up to six lines, the
 * values of AML_PRELOAD_POLICY, _NODES, _WEIGHTS, _MIN_SIZE, _ALL and
 * _POPULATE (an empty line: unset). Parsing either succeeds with a
 * coherent setting or fails with one line naming a variable.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cli/parse.h"
#include "preload/config.h"

static const char *const names[] = {
    "AML_PRELOAD_POLICY",   "AML_PRELOAD_NODES", "AML_PRELOAD_WEIGHTS",
    "AML_PRELOAD_MIN_SIZE", "AML_PRELOAD_ALL",	 "AML_PRELOAD_POPULATE",
};
static const char *values[6];

static const char *get(const char *name)
{
	for (int i = 0; i < 6; i++)
		if (!strcmp(name, names[i]))
			return values[i];
	return NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct aml_preload_config c;
	struct aml_bitmap present;
	char buf[512], err[AML_CLI_ERRLEN * 2], *line, *save = NULL;
	int i = 0;

	if (size >= sizeof(buf))
		return 0;
	memcpy(buf, data, size);
	buf[size] = '\0';
	memset(values, 0, sizeof(values));
	for (line = strtok_r(buf, "\n", &save); line && i < 6;
	     line = strtok_r(NULL, "\n", &save), i++)
		values[i] = *line ? line : NULL;
	aml_bitmap_zero(&present);
	aml_bitmap_set_range(&present, 0, 3);
	if (aml_preload_config_parse(&c, get, &present, err, sizeof(err))) {
		if (strncmp(err, "AML_PRELOAD_", 12) || strchr(err, '\n'))
			abort();
		return 0;
	}
	if (c.min_size == 0 && values[3] == NULL)
		abort();
	if (c.policy != AML_PRELOAD_BEST && c.policy != AML_PRELOAD_DEFAULT &&
	    aml_bitmap_iszero(&c.nodes))
		abort();
	if (c.policy == AML_PRELOAD_PREFERRED && aml_bitmap_nset(&c.nodes) != 1)
		abort();
	return 0;
}
