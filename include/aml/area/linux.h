/**
 * @file linux.h
 * @brief Area on Linux NUMA memory policies (mmap(2) + mbind(2)).
 *
 * A Linux area maps memory with mmap(2) and applies a memory policy to it
 * with mbind(2): pages are placed by the kernel, at first touch, on the nodes
 * of the area's nodemask as its policy says.
 *
 * @code
 * struct aml_area *area;
 * if (aml_area_linux_create(&area, NULL, AML_AREA_LINUX_POLICY_INTERLEAVE))
 *         ...;
 * void *buf = aml_area_mmap(area, size, NULL);
 * ...
 * aml_area_munmap(area, buf, size);
 * aml_area_linux_destroy(&area);
 * @endcode
 *
 * Thread safety: an area is immutable once created; any number of threads
 * may map and unmap through one area, and create or destroy other areas, at
 * the same time. No lock is held across a system call.
 */
#ifndef AML_AREA_LINUX_H
#define AML_AREA_LINUX_H

#include "aml/utils/export.h"

#include <sys/types.h>

#include "aml.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * @defgroup aml_area_linux Linux area
 * @ingroup aml_area
 * @{
 */

/** Placement policies of a Linux area, after set_mempolicy(2). */
enum aml_area_linux_policy {
	/** No policy: the calling thread's policy applies (first touch). */
	AML_AREA_LINUX_POLICY_DEFAULT,
	/** Every page on the nodes of the nodemask (MPOL_BIND). */
	AML_AREA_LINUX_POLICY_BIND,
	/**
	 * Pages on the lowest node of the nodemask while it has memory, then
	 * elsewhere (MPOL_PREFERRED).
	 */
	AML_AREA_LINUX_POLICY_PREFERRED,
	/** Pages round-robin over the nodes of the nodemask (MPOL_INTERLEAVE). */
	AML_AREA_LINUX_POLICY_INTERLEAVE,
	/**
	 * Pages on the nodes of the nodemask while they have memory, the
	 * nearest first, then elsewhere (MPOL_PREFERRED_MANY, Linux 5.15+).
	 */
	AML_AREA_LINUX_POLICY_PREFERRED_MANY,
	/**
	 * Pages over the nodes of the nodemask in weighted round-robin:
	 * `w(n)` consecutive pages on node `n`, then the next node
	 * (MPOL_WEIGHTED_INTERLEAVE, Linux 6.9+). The weights are the
	 * system's, in `/sys/kernel/mm/mempolicy/weighted_interleave/nodeN`,
	 * read by the kernel at each allocation; see
	 * aml_area_linux_attr::weights for weights of one area.
	 */
	AML_AREA_LINUX_POLICY_WEIGHTED_INTERLEAVE,
	/**
	 * Pages on the node of the CPU that first touches them (MPOL_LOCAL).
	 * The nodemask only bounds what create() accepts; it is not used.
	 */
	AML_AREA_LINUX_POLICY_LOCAL,
};

/**
 * Area flag: every mapping is returned populated, with each page already
 * placed by the area's policy (see aml_linux_populate()).
 */
#define AML_AREA_LINUX_FLAG_POPULATE (1UL << 0)
/**
 * Area flag: transparent huge pages. Mappings are aligned to the PMD size
 * (2 MiB on x86-64) and advised with MADV_HUGEPAGE, so that the kernel may
 * back every aligned 2 MiB with one huge page (it still may not, if it has
 * none free or THP is disabled system-wide: check with aml_linux_inspect()).
 */
#define AML_AREA_LINUX_FLAG_THP (1UL << 1)
/**
 * Area flag: hugetlbfs pages (MAP_HUGETLB) of
 * aml_area_linux_attr::hugetlb_page_size. Sizes are rounded up to that page
 * size, in mmap and in munmap alike. Mapping fails with ::AML_ENOMEM when
 * the pool has too few free pages (see /proc/sys/vm/nr_hugepages).
 */
#define AML_AREA_LINUX_FLAG_HUGETLB (1UL << 2)
/**
 * Area flag: shareable memory. Each mapping is a new shared memory object
 * of its own (a memfd, sealed so that its size never changes, in no file
 * system), mapped MAP_SHARED, whose pages another process may map through
 * a handle of `<aml/higher/ipc.h>` (aml_ipc_handle_get(), aml_ipc_open()).
 * The area's policy is set on the object itself (mbind(2) of a shared
 * mapping sets the kernel's shared policy of the object), so that pages
 * first touched by any process that maps it are placed as the area says.
 * Weights of the area's own apply too (by ranges of the object).
 *
 * Options, when given, must say MAP_SHARED (or MAP_SHARED_VALIDATE) with
 * MAP_ANONYMOUS: the object is the area's, not a file of the caller's.
 * Each mapping holds one file descriptor (close-on-exec) until it is
 * unmapped whole through the area (aml_area_munmap()); a part unmapped
 * through it can no longer be exported (its pages stay with the object,
 * for the processes that opened them, until the whole mapping is
 * unmapped), and a mapping unmapped with
 * munmap(2) directly keeps its descriptor until the process exits (its
 * range is then refused by aml_ipc_handle_get()). Not with
 * ::AML_AREA_LINUX_FLAG_THP nor ::AML_AREA_LINUX_FLAG_HUGETLB.
 * After fork(2), parent and child share the mapping (MAP_SHARED).
 */
#define AML_AREA_LINUX_FLAG_SHARED (1UL << 3)

/**
 * Extra attributes of a Linux area, for aml_area_linux_create_attr().
 * Zero-initialise it (`= {0}`) and set what you need: zero means default.
 */
struct aml_area_linux_attr {
	/** AML_AREA_LINUX_FLAG_* flags, OR-ed. */
	unsigned long flags;
	/**
	 * With ::AML_AREA_LINUX_FLAG_HUGETLB: the huge page size in bytes
	 * (2 MiB or 1 GiB on x86-64); 0 for the system's default.
	 */
	size_t hugetlb_page_size;
	/**
	 * Threads that populate mappings (with ::AML_AREA_LINUX_FLAG_POPULATE
	 * or MAP_POPULATE), as aml_linux_populate()'s `nthreads`. 0: automatic
	 * where the area's policy alone places each page (interleave,
	 * weighted interleave, preferred, bind or preferred-many on one
	 * node, weights of the area's own), and the calling thread alone
	 * where the faulting CPU does (default, local, bind or preferred-many
	 * over several nodes: see aml_linux_populate()), so that pages land
	 * where the caller's first touch would put them. A count given here
	 * is used as is, whatever the policy.
	 */
	unsigned int populate_threads;
	/**
	 * Weights of this area's own weighted interleave, or NULL.
	 *
	 * The kernel takes interleave weights only from sysfs, one global
	 * table that only root may write and that every process shares; AML
	 * never writes it. Weights given here are therefore applied by AML
	 * itself, not by MPOL_WEIGHTED_INTERLEAVE: each mapping is cut into
	 * units of `weight_unit` bytes, and runs of `weights[n]` consecutive
	 * units are bound (MPOL_BIND) to node `n`, node after node of the
	 * nodemask in ascending order, then again from the first node. This
	 * works on any kernel, needs no privilege, and places pages exactly,
	 * at a unit's granularity; each run is one kernel mapping (VMA), so
	 * pick a unit large enough that size / weight_unit stays well below
	 * /proc/sys/vm/max_map_count. Only with
	 * ::AML_AREA_LINUX_POLICY_WEIGHTED_INTERLEAVE. `weights[n]` (1-255)
	 * is read for each node `n` of the nodemask; the array is copied.
	 * Inspection reports such ranges as MPOL_BIND, one node per run;
	 * aml_area_linux_check_binding() checks every page against its unit.
	 */
	const unsigned char *weights;
	/** Bytes of one weight unit, a multiple of the page size; 0: 2 MiB. */
	size_t weight_unit;
};

/** Private data of a Linux area; opaque. */
struct aml_area_linux_data;

/**
 * Options of one mapping of a Linux area, passed to aml_area_mmap() as
 * `(struct aml_area_mmap_options *)&opts`. Without options a mapping is
 * `PROT_READ | PROT_WRITE`, `MAP_PRIVATE | MAP_ANONYMOUS`.
 */
struct aml_area_linux_mmap_options {
	/** Address hint (or the address, with MAP_FIXED), as mmap(2). */
	void *ptr;
	/**
	 * mmap(2) flags: MAP_PRIVATE or MAP_SHARED, optionally with
	 * MAP_ANONYMOUS and other mmap(2) flags.
	 */
	int flags;
	/** mmap(2) protection (PROT_*). */
	int mode;
	/** File backing the mapping, or -1 with MAP_ANONYMOUS. */
	int fd;
	/** Offset in `fd`, a multiple of the page size. */
	off_t offset;
};

/** Operations of Linux areas, for areas built by hand on this backend. */
AML_EXPORT extern struct aml_area_ops aml_area_linux_ops;

/**
 * Default Linux area: private anonymous memory with no policy of its own.
 * Ready to use without aml_init(); never destroy it.
 */
AML_EXPORT extern struct aml_area aml_area_linux;

/**
 * Create a Linux area.
 * @param[out] area: receives the new area; NULL after any failure.
 * @param nodemask: the nodes to place pages on; NULL for every node this
 *        process may allocate on (the cpuset's `mems_allowed`). Copied: the
 *        caller keeps ownership.
 * @param policy: how pages are placed on those nodes.
 * @return ::AML_SUCCESS, or:
 * - -AML_EINVAL: `area` is NULL, `nodemask` is empty, or `policy` is not a
 *   known policy;
 * - -AML_EDOM: `nodemask` names a node that does not exist or that this
 *   process may not allocate on;
 * - -AML_ENOTSUP: the kernel does not support the policy;
 * - -AML_ENOMEM: memory is short.
 * Thread safety: safe.
 */
AML_EXPORT int aml_area_linux_create(struct aml_area **area,
				     const struct aml_bitmap *nodemask,
				     const enum aml_area_linux_policy policy);

/**
 * Create a Linux area with extra attributes: population, huge pages,
 * weights of its own, shareable memory.
 * @param[out] area: receives the new area; NULL after any failure.
 * @param nodemask: as aml_area_linux_create().
 * @param policy: as aml_area_linux_create().
 * @param attr: the attributes, copied; NULL is the same as
 *        aml_area_linux_create().
 * @return as aml_area_linux_create(), and:
 * - -AML_EINVAL: unknown flags; both THP and HUGETLB; SHARED with THP or
 *   HUGETLB; a `weight_unit` that
 *   is not a multiple of the page size; `weights` without the
 *   weighted-interleave policy, or a weight of 0 for a node of the mask;
 * - -AML_ENOTSUP: HUGETLB with a page size this system does not have
 *   (no /sys/kernel/mm/hugepages/hugepages-`SIZE`kB), or THP on a system
 *   without transparent huge pages; the weighted-interleave policy without
 *   `weights` on a kernel older than 6.9.
 * Thread safety: safe.
 */
AML_EXPORT int
aml_area_linux_create_attr(struct aml_area **area,
			   const struct aml_bitmap *nodemask,
			   const enum aml_area_linux_policy policy,
			   const struct aml_area_linux_attr *attr);

/**
 * Whether the running kernel supports a policy. Probed once per process
 * and policy with a harmless mbind(2) on a scratch page, then cached.
 * @return 1 if supported; 0 if not; -AML_EINVAL for an unknown policy.
 * Thread safety: safe.
 */
AML_EXPORT int
aml_area_linux_policy_supported(const enum aml_area_linux_policy policy);

/**
 * Read the system's weighted-interleave weights
 * (/sys/kernel/mm/mempolicy/weighted_interleave/nodeN).
 * @param[out] weights: receives the weight of node `n` in `weights[n]`, for
 *        `n < nweights`; 0 for a node without a weight file.
 * @param nweights: entries in `weights`.
 * @return the number of nodes with a weight file; -AML_EINVAL if `weights`
 * is NULL or `nweights` 0; -AML_ENOTSUP if the kernel has no weights.
 * Thread safety: safe.
 */
AML_EXPORT int aml_area_linux_weights(unsigned char *weights, size_t nweights);

/**
 * Populate `[ptr, ptr + size)`: make every page present, allocated by the
 * policy in force on the range (call it after mbind(2), not before: that is
 * why MAP_POPULATE at mmap(2) time ignores an area's policy). Uses
 * madvise(MADV_POPULATE_WRITE), or MADV_POPULATE_READ when `writable` is 0,
 * (Linux 5.14+); on an older kernel (EINVAL), threads read, or write back
 * unchanged, one byte per page. Data is never changed.
 * Which way is used is decided once per process (AML_LINUX_POPULATE=touch
 * in the environment forces the fallback, for testing).
 *
 * Several threads (the calling one included) split large ranges: the
 * kernel's work per page (zeroing, accounting, page table updates) then
 * runs on several CPUs. Each thread takes in turn pieces aligned to 2 MiB,
 * so that no transparent huge page is faulted by two threads.
 *
 * Where a page lands may depend on the CPU that faults it: with the
 * default and local policies (first touch) it goes to that CPU's node,
 * and with bind or preferred-many over several nodes to the one of them
 * nearest that CPU (other policies place by address alone). Threads run
 * where the calling thread may run (they inherit its affinity and its
 * policy), so they may fault from other nodes than the caller's.
 * @param ptr: start of the range, rounded down to a page.
 * @param size: bytes, > 0.
 * @param writable: nonzero to populate for writing (the mapping must be
 *        writable), 0 for reading.
 * @param nthreads: threads to use, at most 64 and one per 2 MiB; or 0 for
 *        automatic: ranges under 16 MiB stay with the calling thread (a
 *        thread costs more than it saves there), larger ones get one thread
 *        per 8 MiB, at most one per CPU the calling thread may run on
 *        (sched_getaffinity(2)). Automatic also stays with the calling
 *        thread alone when the policy in force at the first or the last
 *        page of the range (get_mempolicy(2) with MPOL_F_ADDR; without a
 *        policy of the mapping's own, the calling thread's policy) places
 *        by the faulting CPU, as above, so that the pages land where the
 *        caller's own touch would put them. Policies in between are not
 *        checked: for a range over mappings of different policies, pass
 *        1 or a count. A count other than 0 is used whatever the policy.
 * @return ::AML_SUCCESS; -AML_EINVAL for a NULL `ptr`, `size` 0, a range
 * past the end of the user address space (`ptr + size` wraps or ends
 * above the highest user address), or a range the kernel cannot populate
 * (VM_IO, VM_PFNMAP mappings; a PROT_NONE mapping, or a read-only one with
 * `writable`);
 * -AML_ENOMEM if memory ran out or part of the range is not mapped;
 * -AML_FAILURE otherwise, errno saying why (EFAULT: a page would raise
 * SIGBUS, e.g. no free huge page). With several threads, the first failure
 * is returned (and its errno); the others stop at their next piece, and
 * all have ended when the call returns. Pages populated before a failure
 * stay populated. The fallback cannot report errors: a fault it cannot
 * serve raises SIGSEGV or SIGBUS, as the first write would.
 * Thread safety: safe; the fallback must not race with writers of the
 * range (it writes back what it read).
 */
AML_EXPORT int aml_linux_populate(void *ptr, size_t size, int writable,
				  unsigned int nthreads);

/**
 * Move the pages of an existing buffer (any memory of this process, not
 * only the area's) to the area's placement, and apply the area's policy to
 * the range for its future pages: mbind(2) with MPOL_MF_MOVE, which moves
 * pages that lie off the policy's nodes. For interleave and weighted
 * interleave, pages already on one of the nodes are then moved with
 * move_pages(2) to their round-robin node, the one the kernel gives a new
 * page at that address in an anonymous mapping (base-page index modulo the
 * pattern; transparent huge pages are split). Weights of an area's own are
 * applied as in its mappings, counting units from `ptr`. The area's flags
 * (population, huge pages) do not apply. Pages not yet placed are left so;
 * they follow the policy when touched. `ptr` is rounded down to a page.
 * @param area: a Linux area (its ops are ::aml_area_linux_ops).
 * @param ptr: start of the buffer.
 * @param size: bytes, > 0.
 * @param[out] moved: if not NULL, receives the number of pages that changed
 *        node.
 * @param[out] failed: if not NULL, receives the number of placed pages that
 *        are still not where the area's policy wants them afterwards (pages
 *        the kernel could not move: pinned, busy, target node full); for
 *        the default and local policies, 0.
 * @param[out] status: if not NULL, an array of aml_linux_npages(ptr, size)
 *        ints; receives for each page its node afterwards, -ENOENT for a page
 *        not placed, or -EBUSY for a page left off the area's placement.
 * @return ::AML_SUCCESS (even when some pages failed: see `failed`);
 * -AML_EINVAL: NULL or non-Linux area, NULL `ptr`, `size` 0, a range past
 * the end of the user address space (`ptr + size` wraps or ends above the
 * highest user address), or a range not fully mapped; -AML_ENOMEM: memory
 * is short; -AML_FAILURE: another error.
 * Thread safety: safe; pages other threads touch meanwhile may land
 * anywhere the policy allows.
 */
AML_EXPORT int aml_area_linux_migrate(const struct aml_area *area, void *ptr,
				      size_t size, size_t *moved,
				      size_t *failed, int *status);

/**
 * Destroy an area from aml_area_linux_create() and set `*area` to NULL.
 * Does nothing for NULL, `*area == NULL` or the default ::aml_area_linux.
 * Mappings made by the area stay valid and keep their placement; release
 * them with munmap(2) or aml_area_linux_munmap().
 * Thread safety: safe, if no other thread uses the area.
 */
AML_EXPORT void aml_area_linux_destroy(struct aml_area **area);

/**
 * The mmap operation of Linux areas: mmap(2), then mbind(2) of the whole
 * range with the area's policy (also for shared and file-backed mappings).
 *
 * MAP_POPULATE in the options' flags (or the area's
 * ::AML_AREA_LINUX_FLAG_POPULATE) means "populate after binding": the
 * mapping is made without MAP_POPULATE, bound, then populated with
 * aml_linux_populate(), so that every page is placed by the policy before
 * the call returns (a PROT_NONE mapping is not populated). Threads: see
 * aml_area_linux_attr::populate_threads (the area decides from its own
 * policy, without asking the kernel).
 *
 * MAP_HUGETLB in the options' flags (with MAP_HUGE_2MB or MAP_HUGE_1GB of
 * <linux/mman.h>, or neither for the default size) maps hugetlbfs pages as
 * ::AML_AREA_LINUX_FLAG_HUGETLB does: `size` is rounded up to whole huge
 * pages; unmap them with that size. Options are applied with the area's
 * flags: a THP area aligns and advises anonymous mappings only (not fixed
 * ones: MAP_FIXED and MAP_FIXED_NOREPLACE map at the address given).
 * @param area_data: the area's data.
 * @param size: bytes to map, > 0.
 * @param opts: a `struct aml_area_linux_mmap_options`, or NULL.
 * @return the mapping; NULL with ::aml_errno set on failure, and nothing
 * left mapped:
 * - ::AML_EINVAL: NULL `area_data`, `size` 0, flags whose mapping type is
 *   not MAP_PRIVATE, MAP_SHARED or MAP_SHARED_VALIDATE (for a shareable
 *   area, not MAP_SHARED or MAP_SHARED_VALIDATE with MAP_ANONYMOUS, or
 *   with MAP_HUGETLB), a file mapping with
 *   a negative or closed `fd` or a negative offset, MAP_FIXED or
 *   MAP_FIXED_NOREPLACE with a NULL address (page 0 would be returned as
 *   NULL), or any argument mmap(2) rejects (bad flags, unaligned offset or
 *   fixed address);
 * - ::AML_ENOMEM: `size` too large, or memory is short (also when mbind(2)
 *   runs out of memory or of mappings, vm.max_map_count); with huge pages,
 *   the hugetlbfs pool has too few free pages; with population, the
 *   policy's nodes could not hold the pages;
 * - ::AML_ENOTSUP: MAP_HUGETLB with a page size this system does not have;
 * - ::AML_FAILURE: another error; `errno` says which (EACCES, ENODEV...;
 *   for a shareable area, EMFILE: no file descriptor left).
 * Thread safety: safe.
 */
AML_EXPORT void *aml_area_linux_mmap(const struct aml_area_data *area_data,
				     size_t size,
				     struct aml_area_mmap_options *opts);

/**
 * The munmap operation of Linux areas: munmap(2); for a hugetlbfs area,
 * `size` is rounded up to its huge page size. For a shareable area, the
 * range is no longer exported, and the object's file descriptor is closed
 * once the whole mapping is unmapped (processes that opened it keep
 * theirs).
 * @return ::AML_SUCCESS; -AML_EINVAL if `ptr` is not page aligned, for a
 * range past the end of the user address space (`ptr + size` wraps or ends
 * above the highest user address), or if munmap(2) rejects the range.
 * Thread safety: safe.
 */
AML_EXPORT int aml_area_linux_munmap(const struct aml_area_data *area_data,
				     void *ptr, const size_t size);

/**
 * The fprintf operation of Linux areas: prints the policy and the nodes,
 * for instance `linux area: policy interleave over nodes 0-3` (default and
 * local name no nodes), then the area's attributes (`, populate`,
 * `, shared`, `, thp`, `, hugetlb 2048 kB`, `, weight 0:3`). A prefix
 * that does not end with a space is followed by ": ".
 * @return ::AML_SUCCESS once written; -AML_EINVAL if `area_data` or
 * `stream` is NULL; -AML_ENOMEM if the node list could not be formatted
 * (memory short); -AML_FAILURE if writing failed.
 * Thread safety: safe.
 */
AML_EXPORT int aml_area_linux_fprintf(const struct aml_area_data *area_data,
				      FILE *stream, const char *prefix);

/**
 * Check that the range `[ptr, ptr + size)` is placed as the area says: the
 * policy in force on it is the area's, and every page already placed lies
 * where the policy puts it (on the area's nodes; for interleave, in
 * round-robin over exactly those nodes, in base pages or in PMD-sized
 * units; for weighted interleave, in runs following the system's weights,
 * or for an area with weights of its own, `ptr` being the start of the
 * mapping, exactly per unit). Pages not yet touched are not faulted in.
 * Uses aml_linux_query_pages() (and its pagemap fast path), except where
 * every placed page need only lie on a set of nodes (bind, preferred,
 * preferred-many, interleave over one node): there a range of 4096 pages
 * or more that holds at least half the process's resident memory is
 * answered from the per-mapping node counts of /proc/self/numa_maps
 * (no privilege needed), falling back to the page walk when a mapping
 * over the range counts a page elsewhere; the default and local policies
 * allow any node and need no walk at all. To tell a
 * transparent huge page from base pages on one node, an interleave over
 * several nodes also reads the rest of a PMD unit the range covers in part,
 * when the range's pages there are all on one node; other placements only
 * read the range.
 *
 * A range of at most 512 pages (a PMD unit of 4 KiB pages) of an area
 * whose interleave pattern has at most 64 positions, without the system's
 * weighted-interleave weights to read, is checked without allocating
 * memory.
 * @return 1 if it matches; 0 if not; -AML_EINVAL for a NULL argument,
 * `size` 0, or a range past the end of the user address space (`ptr +
 * size` wraps or ends above the highest user address); -AML_ENOMEM if the
 * check's buffers could not be allocated (only beyond the sizes above);
 * -AML_FAILURE if the kernel could not be queried.
 * Thread safety: safe.
 */
AML_EXPORT int
aml_area_linux_check_binding(struct aml_area_linux_data *area_data, void *ptr,
			     size_t size);

/** @} */

#ifdef __cplusplus
}
#endif

#endif /* AML_AREA_LINUX_H */
