/**
 * @file linux-inspect.h
 * @brief Where pages are: inspect and move any memory of this process.
 *
 * These functions work on any address range of the calling process, mapped
 * by AML or not. They ask the kernel with move_pages(2) (in batches of a
 * bounded number of pages, so a huge range needs no huge buffer) and
 * get_mempolicy(2) with MPOL_F_ADDR. Inspection never faults pages in
 * unless asked (::AML_LINUX_INSPECT_POPULATE): a page not yet placed is
 * reported as such, with ::AML_LINUX_PAGE_UNPLACED.
 *
 * Fast path. move_pages(2) costs tens of nanoseconds a page; reading the
 * page frame numbers (PFN) of a range from `/proc/self/pagemap` costs a
 * few, and a PFN tells the node through the memory blocks of sysfs
 * (`/sys/devices/system/memory/block_size_bytes` and the links
 * `/sys/devices/system/node/nodeN/memoryM`, read once per process). Queries
 * of 32 pages or more take that path when:
 * - the process may see PFNs (CAP_SYS_ADMIN, as root; otherwise the kernel
 *   hides them and every query uses move_pages(2));
 * - `/proc` and those sysfs files are there;
 * - the environment variable `AML_LINUX_INSPECT` is not `move_pages`
 *   (read once, at the first query), which forces move_pages(2).
 * The pagemap is read a chunk of pages at a time (from 16384 pages, when
 * the calling thread may run on several CPUs, by two threads, a half of the
 * range each: a second thread is started for the call); a chunk holding
 * any page whose node is not certain is asked of move_pages(2) instead: a
 * PFN hidden, in no known memory block, or in a block of several nodes
 * (blocks can straddle nodes, as in emulated topologies); a page neither
 * anonymous to this process alone nor of a file (shared with a parent or
 * child after fork(2), merged by KSM, or mapped by a driver). So results
 * are those of move_pages(2), page for page. In particular: a page swapped
 * out is ::AML_LINUX_PAGE_UNPLACED (move_pages(2) says so too); the shared
 * zero page and the huge zero page (pages only read) are
 * ::AML_LINUX_PAGE_UNPLACED, as move_pages(2) says. Limitation: the huge
 * zero page is recognised only if the kernel gave it at the first query
 * (transparent huge pages enabled, `use_zero_page` set); otherwise pages
 * mapping it later may be reported placed, on that page's node. The first
 * query also maps 2 MiB of address space, backed only by the huge zero
 * page and kept for the process's life, so that this page keeps its frame.
 *
 * @code
 * struct aml_linux_placement p;
 * aml_linux_inspect(buf, size, 0, &p);
 * printf("%zu pages on node 0, %zu not placed\n", p.node_pages[0],
 *        p.unplaced);
 * aml_linux_placement_fprintf(stdout, "", buf, size);
 * // 0x7f12...: 256 pages of 4096 B, policy interleave over nodes 0-1,
 * //   unplaced 0
 * //   node 0: 128, node 1: 128
 * //   0101010101010101...
 * @endcode
 *
 * Pages are counted in base pages (sysconf(_SC_PAGESIZE)): a 2 MiB huge
 * page is 512 pages, all on one node. The first page of a range is the page
 * holding `ptr`; see aml_linux_npages().
 *
 * These live apart from `<aml/area/linux.h>` because they need no area:
 * they serve any memory, and any area's memory (the Linux area's
 * aml_area_linux_check_binding() and aml_area_linux_migrate() use them).
 *
 * Thread safety: every function is safe; pages that other threads touch
 * or move meanwhile may be seen in either state.
 */
#ifndef AML_AREA_LINUX_INSPECT_H
#define AML_AREA_LINUX_INSPECT_H

#include "aml/utils/export.h"

#include "aml.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * @defgroup aml_linux_inspect Page placement (Linux)
 * @ingroup aml_area
 * @{
 */

/**
 * Status of a page that has no page of its own (-ENOENT): never touched,
 * only read (the shared zero page), or not mapped at all. Kernels before
 * 6.3 cannot tell these apart (they say -EFAULT for all), so AML reports
 * them alike; aml_linux_placement::policy is -1 where nothing is mapped.
 */
#define AML_LINUX_PAGE_UNPLACED (-ENOENT)

/**
 * Inspection flag: populate the range before the query
 * (aml_linux_populate(), writable when the mapping allows it), so that
 * every page is placed by the policy in force.
 */
#define AML_LINUX_INSPECT_POPULATE (1 << 0)

/** Where the pages of a range are, from aml_linux_inspect(). */
struct aml_linux_placement {
	/** Size of the pages counted: the base page size. */
	size_t page_size;
	/** Pages in the range, aml_linux_npages(). */
	size_t npages;
	/** Pages not placed yet (::AML_LINUX_PAGE_UNPLACED). */
	size_t unplaced;
	/** Pages the kernel could not report (other negative status). */
	size_t errors;
	/** Nodes holding at least one page of the range. */
	struct aml_bitmap nodes;
	/** Pages on each node, `node_pages[n]` for node `n`. */
	size_t node_pages[AML_BITMAP_MAX];
	/**
	 * The policy in force at the first page: the MPOL_* mode from
	 * get_mempolicy(2) with MPOL_F_ADDR (MPOL_DEFAULT for none; 6 is
	 * MPOL_WEIGHTED_INTERLEAVE); -1 if the first page is not mapped.
	 */
	int policy;
	/** The nodes of that policy (empty for default and local). */
	struct aml_bitmap policy_nodes;
	/**
	 * 1 if the policy at the last page is the same as at the first; 0 if
	 * the range spans mappings with different policies.
	 */
	int policy_uniform;
};

/**
 * The number of base pages spanned by `[ptr, ptr + size)`: from the page
 * holding `ptr` to the page holding `ptr + size - 1`.
 * @return that number; 0 if `size` is 0.
 * Thread safety: safe.
 */
AML_EXPORT size_t aml_linux_npages(const void *ptr, size_t size);

/**
 * The node of every page of `[ptr, ptr + size)` (move_pages(2) with no
 * target nodes, batched, or the pagemap fast path described above, which
 * gives the same result).
 * @param ptr: start of the range.
 * @param size: bytes, > 0.
 * @param[out] status: an array of aml_linux_npages(ptr, size) ints;
 *        receives each page's node, ::AML_LINUX_PAGE_UNPLACED for a page
 *        not placed, or another negated errno from the kernel.
 * @param flags: 0 or ::AML_LINUX_INSPECT_POPULATE.
 * @return ::AML_SUCCESS; -AML_EINVAL for a NULL `ptr` or `status` or `size`
 * 0; -AML_ENOTSUP without NUMA support in the kernel; -AML_ENOMEM or
 * -AML_FAILURE if the kernel could not be queried (or populate failed).
 * Thread safety: safe.
 */
AML_EXPORT int aml_linux_query_pages(const void *ptr, size_t size, int *status,
				     int flags);

/**
 * Summarise where the pages of `[ptr, ptr + size)` are, and the policy in
 * force there.
 * @param ptr: start of the range.
 * @param size: bytes, > 0.
 * @param flags: 0 or ::AML_LINUX_INSPECT_POPULATE.
 * @param[out] placement: receives the summary.
 * @return as aml_linux_query_pages(); -AML_EINVAL also for a NULL
 * `placement`.
 * Thread safety: safe.
 */
AML_EXPORT int aml_linux_inspect(const void *ptr, size_t size, int flags,
				 struct aml_linux_placement *placement);

/**
 * Draw the placement of `[ptr, ptr + size)` for humans, one character a
 * page: the node as `0`-`9`, `a`-`z`, `A`-`Z` (nodes 0 to 61; `#` above),
 * `.` for a page not placed, `!` for a page the kernel could not report.
 * For example `0123012301230123` for interleave over 4 nodes, or
 * `0000....` for a half-touched buffer bound to node 0. A range longer than
 * `len - 1` pages is truncated: its first pages, then `...` (the buffer
 * then ends with `...`); see aml_linux_placement_fprintf() for totals.
 * @param ptr: start of the range.
 * @param size: bytes, > 0.
 * @param[out] buf: receives the map, NUL-terminated.
 * @param len: bytes in `buf`, >= 5.
 * @return the number of pages drawn; -AML_EINVAL for a NULL `ptr` or `buf`,
 * `size` 0 or `len` < 5; as aml_linux_query_pages() otherwise.
 * Thread safety: safe.
 */
AML_EXPORT int aml_linux_page_map(const void *ptr, size_t size, char *buf,
				  size_t len);

/**
 * Print the placement of `[ptr, ptr + size)`: range, page count, policy,
 * pages per node, and the page map (at most 64 pages drawn), each line
 * starting with `prefix` (NULL for none).
 * @return the number of characters written; -AML_EINVAL for a NULL
 * `stream` or `ptr`, or `size` 0; -AML_FAILURE if writing failed; as
 * aml_linux_inspect() otherwise.
 * Thread safety: safe.
 */
AML_EXPORT int aml_linux_placement_fprintf(FILE *stream, const char *prefix,
					   const void *ptr, size_t size);

/**
 * The name of an MPOL_* mode (`"interleave"`, `"weighted-interleave"`...),
 * for printing aml_linux_placement::policy.
 * @return a static string; `"unknown"` for an unknown mode.
 * Thread safety: safe.
 */
AML_EXPORT const char *aml_linux_policy_name(int mode);

/**
 * Move the pages of `[ptr, ptr + size)` to explicit nodes with
 * move_pages(2): page `i` (from the page holding `ptr`) goes to
 * `nodes[i % nnodes]`. One node moves the whole range there; `npages` nodes
 * give one target per page; `k` nodes spread the pages round-robin. Pages
 * not placed are left so (the kernel skips them). This sets no policy: the
 * range's future pages follow the policy in force (see
 * aml_area_linux_migrate() for moving to an area's placement).
 * @param ptr: start of the range.
 * @param size: bytes, > 0.
 * @param nodes: target nodes, used in turn.
 * @param nnodes: entries in `nodes`, > 0.
 * @param[out] moved: if not NULL, receives the number of placed pages that
 *        changed node.
 * @param[out] failed: if not NULL, receives the number of placed pages that
 *        are not on their target node afterwards.
 * @param[out] status: if not NULL, an array of aml_linux_npages(ptr, size)
 *        ints; receives each page's node afterwards, or the kernel's
 *        negated errno for it (-ENOENT: not placed; -EBUSY: busy or pinned;
 *        -ENOMEM: target node full; -EACCES: shared with other processes).
 * @return ::AML_SUCCESS, even when some pages failed; -AML_EINVAL: NULL
 * `ptr` or `nodes`, `size` or `nnodes` 0; -AML_EDOM: a target node that
 * does not exist or that this process may not use; -AML_ENOMEM: memory is
 * short; -AML_FAILURE: another error.
 * Thread safety: safe.
 */
AML_EXPORT int aml_linux_move_pages(void *ptr, size_t size, const int *nodes,
				    size_t nnodes, size_t *moved,
				    size_t *failed, int *status);

/** @} */

#ifdef __cplusplus
}
#endif

#endif /* AML_AREA_LINUX_INSPECT_H */
