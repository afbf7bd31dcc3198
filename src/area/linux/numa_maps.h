/* Node counts per mapping from /proc/self/numa_maps. Not installed. */
#ifndef AML_AREA_LINUX_NUMA_MAPS_H
#define AML_AREA_LINUX_NUMA_MAPS_H

#include "area/linux/sys.h"

/* Where numa_maps is worth reading: the range holds at least this many
 * pages, and half the process's resident pages (the kernel walks every
 * mapping of the process to write the file). */
#define NUMA_MAPS_MIN_PAGES 4096

/* Whether reading numa_maps for a range of `npages` pages pays. */
int aml__linux_numa_maps_worth(size_t npages);

/*
 * 1 if every placed page of the mappings over [start, end) lies on a node
 * of `allowed`, as numa_maps counts them; 0 if numa_maps cannot tell (a
 * count off `allowed` somewhere in those mappings, which may lie outside
 * the range; the file unreadable): ask page by page. Allocates nothing.
 */
int aml__linux_numa_maps_all_on(uintptr_t start, uintptr_t end,
				const struct aml_bitmap *allowed);

#endif /* AML_AREA_LINUX_NUMA_MAPS_H */
