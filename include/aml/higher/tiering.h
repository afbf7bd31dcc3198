/**
 * @file tiering.h
 * @brief Tiering: the hot pages of some ranges on a small fast tier, the
 * rest on a slow one, by measuring access and migrating pages.
 *
 * A tiering manages page-aligned ranges of the calling process (mapped by
 * AML or not) over two disjoint sets of NUMA nodes: the fast tier (HBM
 * beside DDR, local DDR beside CXL memory) and the slow tier. Each *epoch*
 * it measures which pages were accessed since the previous one, keeps a
 * decayed access count per page (its *heat*), and migrates pages with
 * batched move_pages(2), contents kept:
 * - a page whose heat shows it accessed in (about) three epochs running is
 *   *hot*; hot pages on the slow tier are promoted, hottest first, while
 *   the fast tier holds less than `fast_capacity` bytes of managed memory;
 * - when it is full, a hot page replaces the coldest page of the fast tier
 *   only if it is hotter by a margin of one epoch's access (hysteresis: a
 *   stable pattern stops migrating);
 * - promotions and the demotions that make room for them move at most
 *   `max_migrate` bytes per epoch (the rate limit);
 * - managed memory found on the fast tier above `fast_capacity` is demoted
 *   at once, coldest first (not rate limited), so that after an epoch the
 *   managed memory on fast nodes never exceeds `fast_capacity`, apart from
 *   pages the kernel refused to move;
 * - pages the kernel cannot move (busy, pinned, target node full) are
 *   counted in aml_tiering_stats::busy and retried two epochs later.
 * A page moves to the node of the other tier nearest to the one it is on
 * (numa_distance(); ties: the lowest node). Pages not yet placed are left
 * alone: they land where the range's policy says when first touched.
 * Transparent huge pages are counted and moved as units: one heat, one
 * node, one move_pages(2) entry for the whole 2 MiB.
 *
 * Access-measuring methods (enum aml_tiering_method), each behind the same
 * small interface:
 * - ::AML_TIERING_METHOD_UFFD_WP: any user, Linux 6.7 and later. The
 *   ranges are registered with a userfaultfd in asynchronous write-protect
 *   mode; each epoch PAGEMAP_SCAN ioctls of `/proc/self/pagemap` over the
 *   ranges return the pages written since the last one and write-protect
 *   them again. It sees *writes only*, touches nothing outside the managed
 *   ranges, and costs the program one minor fault on the first write to a
 *   watched page per epoch. Pages written epoch after epoch are watched
 *   one epoch in four (by blocks of 64 pages at least half of which were
 *   written in the last five epochs; their weights meanwhile the last
 *   measured), which cuts those faults by four and sees such a page stop
 *   being written up to four epochs late. The kernel splits a
 *   transparent huge page at its first write under this mode, so its huge
 *   pages become base pages. A range already registered with another
 *   userfaultfd cannot be added (-::AML_EBUSY).
 * - ::AML_TIERING_METHOD_SOFT_DIRTY: any user, kernels built with
 *   CONFIG_MEM_SOFT_DIRTY. Each epoch reads the soft-dirty bits of the
 *   ranges in `/proc/self/pagemap`, then writes 4 to
 *   `/proc/self/clear_refs`. It sees *writes only*; clearing the bits is
 *   process-wide, so every page of the process (not only managed ones)
 *   costs one minor fault at its first write per epoch, and several
 *   tierings of one process each see the writes since the last epoch of
 *   any of them. Huge pages stay huge.
 * - ::AML_TIERING_METHOD_DAMON: root (it writes DAMON's files under
 *   `/sys/kernel/mm/damon/admin`), kernels with DAMON's virtual-address
 *   monitoring and its sysfs interface (CONFIG_DAMON_VADDR,
 *   CONFIG_DAMON_SYSFS; of the kernels AML is tested on, 6.12). It sees
 *   *reads and writes*: DAMON samples the accessed bits of the page
 *   tables. The tiering takes DAMON's only kdamond, which must be unused
 *   (one such tiering in the system at a time; -::AML_ENOTSUP otherwise),
 *   and sets it to watch the managed ranges, one page per region up to
 *   1024 pages in all (above, DAMON's adaptive regions of several pages:
 *   an access to one page counts for its region). Each epoch takes at
 *   least about 100 ms (DAMON's sysfs answers a request on its next poll,
 *   every 100 ms) and flushes the process's TLB once (so that DAMON sees
 *   pages the TLB holds); the kernel thread samples every tenth of
 *   `interval_ms`. DAMON clears a page's accessed bit at the start of
 *   each sample without a TLB flush, so an access is seen when it is the
 *   first since the TLB last forgot the page and falls inside a sample:
 *   accesses spread over an epoch are seen, a single burst of them right
 *   after a step may not be. Add and remove restart the kdamond. Huge
 *   pages stay huge.
 * Linux's idle page tracking (`/sys/kernel/mm/page_idle/bitmap`) would be
 * an exact method for root too; no kernel AML is tested on (Debian's 6.1
 * and 6.12, the 6.18 host) is built with it, so AML does not offer it.
 * ::AML_TIERING_METHOD_AUTO (a zeroed attribute) takes the first of
 * UFFD_WP, SOFT_DIRTY and DAMON that works here: an ordinary process gets
 * UFFD_WP on Linux 6.7 and later, SOFT_DIRTY before; DAMON (for root
 * only, system-wide, slower epochs) is picked by AUTO only where neither
 * works, and otherwise only when asked for. The environment variable
 * `AML_TIERING_METHOD` (`uffd-wp`, `soft-dirty` or `damon`), read at each
 * creation with AUTO, names one instead. aml_tiering_get_stats() says which
 * one a tiering got.
 *
 * Epochs run in the caller's thread with aml_tiering_step() (tests,
 * programs with their own loop) or every `interval_ms` in a thread of the
 * tiering's own between aml_tiering_start() and aml_tiering_stop(). After
 * each epoch the tiering publishes its counters in a memory file named
 * `aml-tiering` (memfd_create(2)), which `aml show PID` finds among the
 * process's open files and prints.
 *
 * @code
 * struct aml_bitmap fast, slow;
 * aml_bitmap_from_string(&fast, "0-1");
 * aml_bitmap_from_string(&slow, "2-3");
 * struct aml_tiering_attr attr = {.fast = &fast, .slow = &slow,
 *                                 .fast_capacity = 64 << 20};
 * struct aml_tiering *t;
 * if (aml_tiering_create(&t, &attr) == AML_SUCCESS) {
 *         aml_tiering_add(t, buf, size);
 *         aml_tiering_start(t);
 *         compute(buf, size);
 *         aml_tiering_destroy(&t);   // stops the thread
 * }
 * @endcode
 *
 * Thread safety: every function is safe with respect to the others and to
 * the program's own accesses to managed memory (an epoch holds the
 * tiering's lock, so add, remove and step wait for a running epoch;
 * aml_tiering_get_stats() does not). After fork(2) the child has no
 * tiering thread and must not use the parent's tierings.
 */
#ifndef AML_HIGHER_TIERING_H
#define AML_HIGHER_TIERING_H

#include <stddef.h>

#include "aml/utils/bitmap.h"
#include "aml/utils/export.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * @defgroup aml_tiering Tiering
 * @brief Hot pages on fast memory, measured and migrated.
 * @{
 */

/** A tiering; opaque. */
struct aml_tiering;

/** How a tiering measures access (see the file's description). */
enum aml_tiering_method {
	/** The first method that works here: UFFD_WP, then SOFT_DIRTY. */
	AML_TIERING_METHOD_AUTO = 0,
	/** Async userfaultfd write-protect + PAGEMAP_SCAN: writes, any user. */
	AML_TIERING_METHOD_UFFD_WP,
	/** Soft-dirty bits of /proc/self/pagemap: writes, any user. */
	AML_TIERING_METHOD_SOFT_DIRTY,
	/** DAMON's virtual-address monitoring through sysfs: reads and
	 * writes, root. */
	AML_TIERING_METHOD_DAMON,
};

/**
 * Flag of aml_tiering_attr::flags: measure, rank and publish, never
 * migrate. `slow` may then be NULL: a tiering of one tier, which shows
 * what measuring costs a program (and works on a machine of one node).
 */
#define AML_TIERING_MEASURE_ONLY (1u << 0)

/** Attributes of a tiering; a zeroed member takes its default. */
struct aml_tiering_attr {
	/** Nodes of the fast tier (required). */
	const struct aml_bitmap *fast;
	/**
	 * Nodes of the slow tier (required, disjoint from `fast`; may be NULL
	 * with ::AML_TIERING_MEASURE_ONLY).
	 */
	const struct aml_bitmap *slow;
	/**
	 * Bytes of managed memory allowed on the fast nodes; 0: half of the
	 * fast nodes' free memory when the tiering is created.
	 */
	size_t fast_capacity;
	/** Epoch of the background thread, milliseconds; 0: 100. */
	unsigned int interval_ms;
	/**
	 * Bytes promoted, plus bytes demoted to make room for them, per epoch
	 * at most; 0: a quarter of `fast_capacity`, at least 2 MiB.
	 */
	size_t max_migrate;
	/** The access-measuring method; 0: ::AML_TIERING_METHOD_AUTO. */
	enum aml_tiering_method method;
	/** 0 or ::AML_TIERING_MEASURE_ONLY. */
	unsigned int flags;
};

/** Counters of a tiering (pages are base pages: a huge page is 512). */
struct aml_tiering_stats {
	/** Epochs run. */
	size_t epochs;
	/** Placed managed pages on fast nodes. */
	size_t pages_fast;
	/** Placed managed pages on other nodes (the slow tier's). */
	size_t pages_slow;
	/** Pages promoted to the fast tier, in all. */
	size_t promoted;
	/** Pages demoted from the fast tier, in all. */
	size_t demoted;
	/** Page moves the kernel refused (busy, pinned, node full), in all. */
	size_t busy;
	/** Managed pages, placed or not. */
	size_t pages_managed;
	/** Managed pages that are hot (see the file's description). */
	size_t pages_hot;
	/** Managed pages in transparent huge pages. */
	size_t pages_huge;
	/** The fast tier's capacity in bytes (the default made explicit). */
	size_t fast_capacity;
	/** Wall time of the last epoch, nanoseconds. */
	unsigned long long epoch_ns;
	/** Wall time of all epochs, nanoseconds. */
	unsigned long long total_ns;
	/** The method in use (never ::AML_TIERING_METHOD_AUTO). */
	enum aml_tiering_method method;
};

/**
 * Create a tiering over the tiers of `attr` (copied: the bitmaps may be
 * released afterwards), managing no range yet.
 * @param[out] t: receives the tiering; NULL after any failure.
 * @param attr: the attributes.
 * @return ::AML_SUCCESS; -::AML_EINVAL for a NULL `t`, `attr` or `fast`, a
 * NULL `slow` without ::AML_TIERING_MEASURE_ONLY, an empty tier, tiers
 * sharing a node, an unknown method or flag, or an `AML_TIERING_METHOD`
 * naming no method;
 * -::AML_EDOM for a node that does not exist or that this process may not
 * allocate on (its cpuset's mems_allowed); -::AML_ENOTSUP when no
 * access-measuring method works here (or not the one asked for);
 * -::AML_ENOMEM when memory is short.
 * Thread safety: safe.
 */
AML_EXPORT int aml_tiering_create(struct aml_tiering **t,
				  const struct aml_tiering_attr *attr);

/**
 * Manage `[ptr, ptr + size)`, `size` rounded up to whole pages: from the
 * next epoch on its pages are measured and migrated. Its pages keep their
 * contents through every migration; its memory policy is left as it is.
 * @return ::AML_SUCCESS; -::AML_EINVAL for a NULL `t` or `ptr`, `size` 0,
 * a `ptr` not page aligned, a range not wholly mapped or past the end of
 * the user address space, or one overlapping a range already managed;
 * -::AML_EBUSY when the method cannot watch the range (another
 * userfaultfd watches it; DAMON refused its regions); -::AML_ENOMEM when
 * memory is short.
 * Thread safety: safe; waits for an epoch running meanwhile.
 */
AML_EXPORT int aml_tiering_add(struct aml_tiering *t, void *ptr, size_t size);

/**
 * Stop managing a range given to aml_tiering_add() with the same `ptr`
 * and `size`. Its pages stay where they are. Call it before unmapping the
 * range.
 * @return ::AML_SUCCESS; -::AML_EINVAL for a NULL `t` or a range that is
 * not managed by `t` as given.
 * Thread safety: safe; waits for an epoch running meanwhile, so that none
 * moves the range's pages after the call.
 */
AML_EXPORT int aml_tiering_remove(struct aml_tiering *t, void *ptr,
				  size_t size);

/**
 * Run one epoch in the calling thread: measure, rank, migrate, publish.
 * @return ::AML_SUCCESS (also when some pages could not move: see
 * aml_tiering_stats::busy); -::AML_EINVAL for a NULL `t`; -::AML_EBUSY while
 * the tiering's thread runs; -::AML_FAILURE if the measurement failed (the
 * kernel refused it).
 * Thread safety: safe.
 */
AML_EXPORT int aml_tiering_step(struct aml_tiering *t);

/**
 * Start a thread that runs an epoch every `interval_ms` (signals blocked
 * in it).
 * @return ::AML_SUCCESS; -::AML_EINVAL for a NULL `t`; -::AML_EBUSY if it is
 * started already; -::AML_ENOMEM if no thread could be created.
 * Thread safety: safe.
 */
AML_EXPORT int aml_tiering_start(struct aml_tiering *t);

/**
 * Stop the thread of aml_tiering_start() once its epoch in progress ends,
 * and wait for it.
 * @return ::AML_SUCCESS; -::AML_EINVAL for a NULL `t` or a tiering whose
 * thread is not started.
 * Thread safety: safe (not from the tiering's own thread: there is none
 * to call it).
 */
AML_EXPORT int aml_tiering_stop(struct aml_tiering *t);

/**
 * The counters as of the end of the last epoch (fast_capacity and method
 * from the start).
 * @return ::AML_SUCCESS; -::AML_EINVAL for a NULL `t` or `stats`.
 * Thread safety: safe; never waits for an epoch.
 */
AML_EXPORT int aml_tiering_get_stats(struct aml_tiering *t,
				     struct aml_tiering_stats *stats);

/**
 * The name of a method: `"auto"`, `"uffd-wp"`, `"soft-dirty"`, `"damon"`.
 * @return a static string; `"unknown"` for another value.
 * Thread safety: safe.
 */
AML_EXPORT const char *aml_tiering_method_name(enum aml_tiering_method m);

/**
 * Stop the thread if started, stop managing every range (pages stay where
 * they are), free the tiering and set `*t` to NULL. NULL and a pointer to
 * NULL are accepted.
 * Thread safety: no other thread may use the tiering during or after the
 * call.
 */
AML_EXPORT void aml_tiering_destroy(struct aml_tiering **t);

/** @} */

#ifdef __cplusplus
}
#endif

#endif /* AML_HIGHER_TIERING_H */
