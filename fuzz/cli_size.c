/*
 * Sizes ("64K", "1M", "3G") and weights ("0:3,1:1") as `aml run` and the
 * preload library read them: no overflow goes unnoticed, a size accepted
 * is the number times its unit, weights stay in 1-255 on present nodes.
 */
#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cli/parse.h"

static void check_size(const char *s)
{
	char err[AML_CLI_ERRLEN];
	size_t v, digits = 0;
	unsigned long long n = 0;

	if (aml_cli_parse_size(s, &v, err, sizeof(err)) != 0)
		return;
	while (isdigit((unsigned char)s[digits]))
		n = n * 10 + (unsigned long long)(s[digits++] - '0');
	if (digits == 0)
		abort();
	/* v is n shifted by 0, 10, 20, 30 or 40 bits. */
	for (int shift = 0; shift <= 40; shift += 10)
		if (n <= (SIZE_MAX >> shift) && v == (size_t)(n << shift))
			return;
	abort();
}

static void check_weights(const char *s)
{
	unsigned char w[AML_BITMAP_MAX];
	struct aml_bitmap present, nodes;
	char err[AML_CLI_ERRLEN];

	aml_bitmap_zero(&present);
	aml_bitmap_set_range(&present, 0, 7);
	if (aml_cli_parse_weights(s, &present, w, &nodes, err, sizeof(err)))
		return;
	for (int n = 0; n < AML_BITMAP_MAX; n++)
		if ((aml_bitmap_isset(&nodes, n) == 1) != (w[n] != 0) ||
		    (w[n] && n > 7))
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char s[128];

	if (size >= sizeof(s))
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	check_size(s);
	check_weights(s);
	return 0;
}
