/*
 * The node list parser of `aml run` and the preload library: never reads
 * past the string, accepts only lists of present nodes, and what it
 * accepts prints back (aml_cli_format_nodes) to a list that parses to the
 * same set. The first byte chooses the machine's nodes.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cli/parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct aml_bitmap present, out, again;
	char s[256], err[AML_CLI_ERRLEN], text[1024];
	int node;

	if (size == 0 || size > sizeof(s))
		return 0;
	aml_bitmap_zero(&present);
	/* 1 to 64 nodes, with holes when the byte says so. */
	for (int n = 0; n <= data[0] % 64; n++)
		if (!(data[0] & 0x40) || n % 3 != 1)
			aml_bitmap_set(&present, n);
	memcpy(s, data + 1, size - 1);
	s[size - 1] = '\0';
	if (aml_cli_parse_nodes(s, &present, &out, err, sizeof(err)) == 0) {
		if (aml_bitmap_iszero(&out))
			abort();
		for (int n = 0; n < AML_BITMAP_MAX; n++)
			if (aml_bitmap_isset(&out, n) == 1 &&
			    aml_bitmap_isset(&present, n) != 1)
				abort();
		aml_cli_format_nodes(&out, text, sizeof(text));
		if (aml_cli_parse_nodes(text, &present, &again, NULL, 0) != 0 ||
		    !aml_bitmap_isequal(&out, &again))
			abort();
	} else if (err[0] == '\0' || strchr(err, '\n') != NULL) {
		abort(); /* one line, always */
	}
	if (aml_cli_parse_node(s, &present, &node, err, sizeof(err)) == 0 &&
	    aml_bitmap_isset(&present, node) != 1)
		abort();
	return 0;
}
