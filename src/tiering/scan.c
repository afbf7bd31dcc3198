#include "scan.h"

#include <errno.h>

/* Regions returned per call. */
#define SCAN_REGIONS 256

int aml__tiering_scan(int fd, uintptr_t start, uintptr_t end, uint64_t mask,
		      uint64_t flags,
		      void (*fn)(void *arg, const struct aml__page_region *r),
		      void *arg)
{
	struct aml__page_region vec[SCAN_REGIONS];

	while (start < end) {
		struct aml__pm_scan_arg a = {
		    .size = sizeof(a),
		    .flags = flags,
		    .start = start,
		    .end = end,
		    .vec = (uintptr_t)vec,
		    .vec_len = SCAN_REGIONS,
		    .category_mask = mask,
		    .return_mask = mask,
		};
		int n = ioctl(fd, AML__PAGEMAP_SCAN, &a);

		if (n < 0)
			return -1;
		for (int i = 0; i < n; i++)
			fn(arg, &vec[i]);
		/* The walk stops early when the vector is full. */
		if (a.walk_end <= start) {
			errno = EIO;
			return -1;
		}
		start = a.walk_end;
	}
	return 0;
}
