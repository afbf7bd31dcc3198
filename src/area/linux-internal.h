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
typedef int (*aml_linux_page_fn)(void *arg, uintptr_t addr, int status);
int aml_linux_pages_foreach(const void *ptr, size_t size, aml_linux_page_fn fn,
			    void *arg);

/*
 * aml_linux_populate() without its policy query: `nthreads` 0 picks a
 * count by the range's size and the calling thread's CPUs even when the
 * policy places pages by the faulting CPU. For callers that know the
 * policy (the Linux area) and have chosen 1 where it matters.
 */
int aml_linux_populate_run(void *ptr, size_t size, int writable,
			   unsigned int nthreads);

#endif /* AML_AREA_LINUX_INTERNAL_H */
