/* Declarations shared by the Linux area's sources (linux.c, inspect.c,
 * populate.c); not installed. */
#ifndef AML_AREA_LINUX_INTERNAL_H
#define AML_AREA_LINUX_INTERNAL_H

#include "aml.h"
#include "aml/area/linux-inspect.h"
#include "aml/area/linux.h"

/* mbind(2), get_mempolicy(2) and move_pages(2) read maxnode - 1 bits. */
#define LINUX_MAXNODE (AML_BITMAP_MAX + 1)

/* Pages queried per move_pages(2) call: bounds the buffers. */
#define LINUX_QUERY_PAGES 1024

/* Newer modes, for headers that predate them. */
#ifndef MPOL_LOCAL
#define MPOL_LOCAL 4
#endif
#ifndef MPOL_PREFERRED_MANY
#define MPOL_PREFERRED_MANY 5
#endif
#ifndef MPOL_WEIGHTED_INTERLEAVE
#define MPOL_WEIGHTED_INTERLEAVE 6
#endif
#ifndef MADV_POPULATE_READ
#define MADV_POPULATE_READ 22
#endif
#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif

/* The base page size, read once. */
size_t aml_linux_page_size(void);

/* Convert an errno of the memory system calls to a positive AML code. */
int aml_linux_errno_to_aml(int err);

/* A page status from move_pages(2), with every "no page here" made
 * AML_LINUX_PAGE_UNPLACED. */
int aml_linux_page_status(int status);

/*
 * Call `fn` on every page of [ptr, ptr + size) with its status from
 * move_pages(2) (node, or negated errno), a batch at a time. `fn` returns
 * 0 to go on, anything else to stop and have that returned.
 */
/* Nodes this process may allocate on (its cpuset's mems_allowed). */
int aml_linux_mems_allowed(struct aml_bitmap *allowed);

typedef int (*aml_linux_page_fn)(void *arg, uintptr_t addr, int status);
int aml_linux_pages_foreach(const void *ptr, size_t size, aml_linux_page_fn fn,
			    void *arg);

/* Pages read per pread(2) of /proc/self/pagemap, and the fewest pages
 * worth opening it for (below, move_pages(2) is as fast). */
#define LINUX_PAGEMAP_CHUNK 16384
#define LINUX_PAGEMAP_MIN 32
/* From this many pages, two threads read the pagemap, a half each. */
#define LINUX_PAGEMAP_THREAD_MIN ((size_t)1 << 14)

/* Whether the pagemap can give nodes at all (see below). */
int aml_linux_pagemap_usable(void);

/*
 * A descriptor of /proc/self/pagemap for a query of `npages` pages, or -1
 * where the pagemap cannot give nodes (too few pages, PFNs hidden, no
 * sysfs memory blocks, AML_LINUX_INSPECT=move_pages): use move_pages(2).
 */
int aml_linux_pagemap_open(size_t npages);

/*
 * The status of the `n` pages from `addr` (page aligned) as move_pages(2)
 * would give it, read from pagemap descriptor `fd` into `buf` (n entries).
 * Returns 1 if done; 0 if some page's node is not certain (or the read
 * failed): then ask move_pages(2) for these pages.
 */
int aml_linux_pagemap_nodes(int fd, uintptr_t addr, size_t n, uint64_t *buf,
			    int *status);

/*
 * aml_linux_populate() without its policy query: `nthreads` 0 picks a
 * count by the range's size and the calling thread's CPUs even when the
 * policy places pages by the faulting CPU. For callers that know the
 * policy (the Linux area) and have chosen 1 where it matters.
 */
int aml_linux_populate_run(void *ptr, size_t size, int writable,
			   unsigned int nthreads);

#endif /* AML_AREA_LINUX_INTERNAL_H */
