/* The bottom layer of the Linux area: system facts and conversions that
 * every other file of src/area/linux/ uses, and that use nothing of them.
 * Not installed. */
#ifndef AML_AREA_LINUX_SYS_H
#define AML_AREA_LINUX_SYS_H

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
size_t aml__linux_page_size(void);

/* The PMD size, the unit of transparent huge pages, read once from sysfs
 * (2 MiB where the kernel does not say). */
size_t aml__linux_pmd_size(void);

/*
 * Whether the kernel may give transparent huge pages (of any size) to an
 * anonymous mapping that did not ask for them with MADV_HUGEPAGE: THP
 * "always" at the top or for one size in sysfs; also where sysfs does not
 * say. Read once: a change of the setting while the process runs is not
 * seen.
 */
int aml__linux_thp_unasked(void);

/* maxnode naming nodes up to `last` (-1: none). */
unsigned long aml__linux_maxnode(int last);

/* Convert an errno of the memory system calls to a positive AML code. */
int aml__linux_errno_to_aml(int err);

/* A page status from move_pages(2), with every "no page here" made
 * AML_LINUX_PAGE_UNPLACED. */
int aml__linux_page_status(int status);

/*
 * Whether [ptr, ptr + size) lies in the user address space: it neither
 * wraps past the end of the address space nor ends above the highest user
 * address. Functions taking a range refuse others at once (-AML_EINVAL),
 * before a page walk of 2^52 pages or a page count that wraps to 0.
 */
int aml__linux_range_ok(const void *ptr, size_t size);

/* Nodes this process may allocate on (its cpuset's mems_allowed). */
int aml__linux_mems_allowed(struct aml_bitmap *allowed);

/* How a policy picks the node of a page when a CPU faults it in. */
enum aml__linux_by_cpu {
	/* The policy alone: interleave, one preferred node. */
	AML__LINUX_BY_POLICY,
	/* The faulting CPU's own node: default, local. */
	AML__LINUX_BY_CPU,
	/* The nearest to the faulting CPU of several nodes: bind and
	 * preferred-many (with one node, the policy alone). */
	AML__LINUX_BY_CPU_AMONG,
};

/* The policies of the Linux area, in the order of enum
 * aml_area_linux_policy: every file asks this table. */
struct aml__linux_policy {
	const char *name;
	int mode; /* MPOL_* */
	/* Whether the mode takes nodes (default and local take none). */
	int takes_nodes;
	enum aml__linux_by_cpu by_cpu;
};

/* The entry of `policy`; NULL if out of range. */
const struct aml__linux_policy *
aml__linux_policy(enum aml_area_linux_policy policy);

/* The entry of MPOL_* mode `mode` (mode flags ignored); NULL if unknown. */
const struct aml__linux_policy *aml__linux_policy_of_mode(int mode);

/* Whether MPOL_* mode `mode` takes nodes (an unknown mode counts as yes). */
int aml__linux_mode_takes_nodes(int mode);

/* Whether a page faulted under mode `mode` over `nodes` lands by the
 * faulting CPU (an unknown mode counts as yes). */
int aml__linux_policy_by_cpu(int mode, const struct aml_bitmap *nodes);

/* The policy at `addr`, or the calling thread's for NULL: its MPOL_* mode
 * without mode flags, and its nodes. Returns 0, or -1 with errno set (no
 * mapping at `addr`). */
int aml__linux_policy_at(const void *addr, int *mode, struct aml_bitmap *nodes);

#endif /* AML_AREA_LINUX_SYS_H */
