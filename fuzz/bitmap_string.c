/* aml_bitmap_from_string on any bytes; whatever parses must survive a
 * round trip through aml_bitmap_to_string unchanged, and a string that is
 * refused must leave the bitmap untouched. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "aml.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_round_trip(const struct aml_bitmap *parsed)
{
	struct aml_bitmap again;
	char *str = aml_bitmap_to_string(parsed);

	if (str == NULL)
		abort();
	memset(&again, 0x5a, sizeof(again));
	if (aml_bitmap_from_string(&again, str) != 0 ||
	    !aml_bitmap_isequal(parsed, &again))
		abort();
	free(str);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct aml_bitmap bitmap, before;
	char *str = malloc(size + 1);

	if (str == NULL)
		return 0;
	memcpy(str, data, size);
	str[size] = '\0';
	/* A pattern the parser would not produce, to see a partial write. */
	memset(&bitmap, 0xa5, sizeof(bitmap));
	before = bitmap;
	if (aml_bitmap_from_string(&bitmap, str) == 0)
		check_round_trip(&bitmap);
	else if (!aml_bitmap_isequal(&bitmap, &before))
		abort();
	free(str);
	return 0;
}
