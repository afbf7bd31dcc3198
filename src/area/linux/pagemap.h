/* Page nodes read from /proc/self/pagemap. Not installed. */
#ifndef AML_AREA_LINUX_PAGEMAP_H
#define AML_AREA_LINUX_PAGEMAP_H

#include "area/linux/sys.h"

/* Pages read per pread(2) of /proc/self/pagemap, and the fewest pages
 * worth opening it for (below, move_pages(2) is as fast). */
#define LINUX_PAGEMAP_CHUNK 16384
#define LINUX_PAGEMAP_MIN 32
/* From this many pages, two threads read the pagemap, a half each. */
#define LINUX_PAGEMAP_THREAD_MIN ((size_t)1 << 14)

/* Whether the pagemap can give nodes at all (see below). */
int aml__linux_pagemap_usable(void);

/*
 * A descriptor of /proc/self/pagemap for a query of `npages` pages, or -1
 * where the pagemap cannot give nodes (too few pages, PFNs hidden, no
 * sysfs memory blocks, AML_LINUX_INSPECT=move_pages): use move_pages(2).
 */
int aml__linux_pagemap_open(size_t npages);

/*
 * The status of the `n` pages from `addr` (page aligned) as move_pages(2)
 * would give it, read from pagemap descriptor `fd` into `buf` (n entries).
 * Returns 1 if done; 0 if some page's node is not certain (or the read
 * failed): then ask move_pages(2) for these pages.
 */
int aml__linux_pagemap_nodes(int fd, uintptr_t addr, size_t n, uint64_t *buf,
			     int *status);

#endif /* AML_AREA_LINUX_PAGEMAP_H */
