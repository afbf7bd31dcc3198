/**
 * @file hwloc.h
 * @brief Areas that pick their memory from the machine's topology (hwloc).
 *
 * Two kinds of hwloc areas:
 * - *nodeset areas* place pages on a set of NUMA nodes with a policy (bind,
 *   preferred, interleave, first touch, next touch), through
 *   hwloc_set_area_membind();
 * - *criterion areas* choose their nodes at each mapping, relative to an
 *   initiator (a set of CPUs): the nodes local to it, or the best target
 *   for a memory attribute that the firmware reports (ACPI HMAT:
 *   bandwidth, latency) or that is always known (capacity, locality).
 *
 * @code
 * struct aml_area *fast;
 * // Highest bandwidth memory seen from the calling thread, strictly.
 * if (aml_area_hwloc_create_best(&fast, AML_AREA_HWLOC_BANDWIDTH, NULL,
 *                                AML_AREA_HWLOC_FALLBACK_NONE) == 0) {
 *         void *buf = aml_area_mmap(fast, size, NULL);
 *         ...
 *         aml_area_munmap(fast, buf, size);
 *         aml_area_hwloc_destroy(&fast);
 * }
 * @endcode
 *
 * Node and CPU sets are AML bitmaps of operating system indexes: Linux node
 * numbers, and CPU numbers as in `/sys/devices/system/cpu` (a cpulist
 * string such as "0-3,8" is read with aml_bitmap_from_string()).
 *
 * **Initiator.** A criterion area created with a NULL initiator uses, at
 * each mapping, the CPU binding of the calling thread; when the machine
 * reports no value for that set of CPUs (an unbound thread on a machine
 * whose attributes are given per NUMA node), it uses the CPU the thread
 * runs on at that moment. hwloc gives a value for an initiator when the
 * firmware gave one for a set of CPUs that contains it: one CPU, or the
 * CPUs of one node, match; CPUs of two nodes that are not both best
 * initiators of some target do not (-::AML_ENOTSUP).
 *
 * **Missing attributes.** Linux publishes HMAT values only for each memory
 * target's best initiators (`/sys/devices/system/node/nodeN/access0/`),
 * and only when the firmware has an HMAT; hwloc reads those. For example,
 * a memory-only HBM node is seen only from the CPUs nearest to it.
 * A bandwidth or latency criterion for an initiator without such values is
 * refused with -::AML_ENOTSUP (at create for a given initiator, at mmap
 * for the calling thread). Capacity, locality and local nodes are always
 * known and are the fallbacks to use then.
 *
 * **Topology.** All hwloc areas share one hwloc topology, loaded at first
 * use (thread safe). aml_finalize() releases it when no AML call uses it;
 * a later use loads it again, so areas stay usable after aml_finalize().
 *
 * **Without hwloc.** When AML is built without hwloc
 * (::AML_HAVE_BACKEND_HWLOC is 0, or `-DAML_USE_HWLOC=OFF`), this header
 * is still installed: every function returns -::AML_ENOTSUP, and mapping
 * from any hwloc area returns NULL with ::aml_errno = ::AML_ENOTSUP. The
 * same holds when the topology cannot be loaded at run time.
 *
 * Thread safety: an area is immutable once created; any number of threads
 * may map and unmap through one area, and create or destroy other areas,
 * at the same time.
 */
#ifndef AML_AREA_HWLOC_H
#define AML_AREA_HWLOC_H

#include "aml/utils/export.h"

#include <stddef.h>
#include <stdint.h>

#include "aml.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * @defgroup aml_area_hwloc hwloc area
 * @ingroup aml_area
 * @{
 */

/** Placement policies of a nodeset area, after hwloc_membind_policy_t. */
enum aml_area_hwloc_policy {
	/**
	 * No policy of the area: the calling thread's policy applies
	 * (HWLOC_MEMBIND_DEFAULT). The nodeset is ignored.
	 */
	AML_AREA_HWLOC_POLICY_DEFAULT,
	/**
	 * Every page on the nodes of the nodeset, never elsewhere
	 * (HWLOC_MEMBIND_BIND with HWLOC_MEMBIND_STRICT; Linux MPOL_BIND).
	 */
	AML_AREA_HWLOC_POLICY_BIND,
	/**
	 * Pages on the nodeset while it has memory, then elsewhere
	 * (HWLOC_MEMBIND_BIND without STRICT; Linux MPOL_PREFERRED, or
	 * MPOL_PREFERRED_MANY for several nodes where the kernel has it).
	 */
	AML_AREA_HWLOC_POLICY_PREFERRED,
	/** Pages round-robin over the nodeset (HWLOC_MEMBIND_INTERLEAVE). */
	AML_AREA_HWLOC_POLICY_INTERLEAVE,
	/**
	 * Each page on the node of the CPU that first touches it
	 * (HWLOC_MEMBIND_FIRSTTOUCH; Linux MPOL_LOCAL). The nodeset is
	 * ignored.
	 */
	AML_AREA_HWLOC_POLICY_FIRSTTOUCH,
	/**
	 * Pages move to the node of the next CPU that touches them
	 * (HWLOC_MEMBIND_NEXTTOUCH). Linux has no such policy: creating such
	 * an area there gives -::AML_ENOTSUP.
	 */
	AML_AREA_HWLOC_POLICY_NEXTTOUCH,
};

/** What a criterion area selects, relative to its initiator. */
enum aml_area_hwloc_criterion {
	/**
	 * The nodes local to the initiator: among the nodes whose locality
	 * (hwloc's cpuset of the node) contains the initiator, those with
	 * the smallest locality. Always known.
	 */
	AML_AREA_HWLOC_LOCAL,
	/** Highest bandwidth (HWLOC_MEMATTR_ID_BANDWIDTH; HMAT). */
	AML_AREA_HWLOC_BANDWIDTH,
	/** Lowest latency (HWLOC_MEMATTR_ID_LATENCY; HMAT). */
	AML_AREA_HWLOC_LATENCY,
	/** Largest memory (HWLOC_MEMATTR_ID_CAPACITY). Always known. */
	AML_AREA_HWLOC_CAPACITY,
	/**
	 * Memory local to the fewest CPUs (HWLOC_MEMATTR_ID_LOCALITY).
	 * Always known; the initiator does not matter.
	 */
	AML_AREA_HWLOC_LOCALITY,
	/** Highest read bandwidth (HWLOC_MEMATTR_ID_READ_BANDWIDTH). */
	AML_AREA_HWLOC_READ_BANDWIDTH,
	/** Highest write bandwidth (HWLOC_MEMATTR_ID_WRITE_BANDWIDTH). */
	AML_AREA_HWLOC_WRITE_BANDWIDTH,
	/** Lowest read latency (HWLOC_MEMATTR_ID_READ_LATENCY). */
	AML_AREA_HWLOC_READ_LATENCY,
	/** Lowest write latency (HWLOC_MEMATTR_ID_WRITE_LATENCY). */
	AML_AREA_HWLOC_WRITE_LATENCY,
};

/** What a criterion area does beyond its best target. */
enum aml_area_hwloc_fallback {
	/**
	 * Every page on the best target (for ::AML_AREA_HWLOC_LOCAL, on the
	 * local nodes), never elsewhere (MPOL_BIND). When that memory is
	 * full, the kernel reclaims, then the process may be killed by the
	 * out-of-memory killer or get SIGBUS: mmap does not fail.
	 */
	AML_AREA_HWLOC_FALLBACK_NONE,
	/**
	 * Pages on the best target while it has memory, then on the nodes
	 * the kernel finds nearest to it (MPOL_PREFERRED).
	 */
	AML_AREA_HWLOC_FALLBACK_PREFERRED,
	/**
	 * At each mapping, walk the targets from best to worst and bind the
	 * whole mapping (MPOL_BIND) to the first one whose free memory, as
	 * the kernel reports it now, holds `size` bytes. The check is a
	 * snapshot: other allocations may fill the target afterwards.
	 */
	AML_AREA_HWLOC_FALLBACK_ORDERED,
};

/** Private data of an hwloc area; opaque. */
struct aml_area_hwloc_data;

/** Operations of hwloc areas. */
AML_EXPORT extern struct aml_area_ops aml_area_hwloc_ops;

/**
 * Default hwloc area: private anonymous memory, first touch
 * (::AML_AREA_HWLOC_POLICY_DEFAULT). Ready to use without aml_init();
 * never destroy it (nor any of the default areas below).
 */
AML_EXPORT extern struct aml_area aml_area_hwloc_default;

/**
 * Pages interleaved over every node this process may allocate on (hwloc's
 * allowed nodeset when the mapping is made).
 */
AML_EXPORT extern struct aml_area aml_area_hwloc_interleave;

/**
 * Nodes local to the calling thread (::AML_AREA_HWLOC_LOCAL), bound
 * strictly (::AML_AREA_HWLOC_FALLBACK_NONE).
 */
AML_EXPORT extern struct aml_area aml_area_hwloc_local;

/**
 * Highest bandwidth memory for the calling thread, preferred
 * (::AML_AREA_HWLOC_BANDWIDTH, ::AML_AREA_HWLOC_FALLBACK_PREFERRED).
 * Mapping fails with ::AML_ENOTSUP where the machine reports no bandwidth
 * for the thread.
 */
AML_EXPORT extern struct aml_area aml_area_hwloc_bandwidth;

/**
 * Lowest latency memory for the calling thread, preferred
 * (::AML_AREA_HWLOC_LATENCY, ::AML_AREA_HWLOC_FALLBACK_PREFERRED).
 * Mapping fails with ::AML_ENOTSUP where the machine reports no latency
 * for the thread.
 */
AML_EXPORT extern struct aml_area aml_area_hwloc_latency;

/**
 * Largest memory, preferred (::AML_AREA_HWLOC_CAPACITY,
 * ::AML_AREA_HWLOC_FALLBACK_PREFERRED).
 */
AML_EXPORT extern struct aml_area aml_area_hwloc_capacity;

/**
 * Create a nodeset area.
 * @param[out] area: receives the new area; NULL after any failure.
 * @param nodeset: the nodes to place pages on; NULL for every node this
 *        process may allocate on, taken when each mapping is made. Copied.
 *        Ignored (may be empty) for the default and first-touch policies.
 * @param policy: how pages are placed on those nodes.
 * @return ::AML_SUCCESS, or:
 * - -::AML_EINVAL: `area` is NULL, `policy` is not a known policy, or
 *   `nodeset` is empty for a policy that uses it;
 * - -::AML_EDOM: `nodeset` names a node that does not exist or that this
 *   process may not allocate on;
 * - -::AML_ENOTSUP: no hwloc, no topology, or the operating system lacks
 *   the policy (next touch on Linux);
 * - -::AML_ENOMEM: memory is short.
 * Thread safety: safe.
 */
AML_EXPORT int aml_area_hwloc_create(struct aml_area **area,
				     const struct aml_bitmap *nodeset,
				     enum aml_area_hwloc_policy policy);

/**
 * Create a criterion area: at each mapping, the targets of `criterion`
 * seen from the initiator are ranked, and the mapping is bound to the best
 * one as `fallback` says. Ties are broken by the lowest node number.
 * @param[out] area: receives the new area; NULL after any failure.
 * @param criterion: what "best" means.
 * @param initiator: the CPUs that will access the memory (copied); NULL
 *        for the calling thread of each mapping (see the file's
 *        documentation).
 * @param fallback: what to do beyond the best target.
 * @return ::AML_SUCCESS, or:
 * - -::AML_EINVAL: `area` is NULL, `criterion` or `fallback` is not a
 *   known value, or `initiator` is empty;
 * - -::AML_EDOM: `initiator` names a CPU that does not exist or that this
 *   process may not use;
 * - -::AML_ENOTSUP: no hwloc, no topology; or the machine reports no value
 *   of the attribute for `initiator` (for a NULL initiator: for any
 *   initiator at all);
 * - -::AML_ENOMEM: memory is short.
 * Thread safety: safe.
 */
AML_EXPORT int aml_area_hwloc_create_best(
    struct aml_area **area, enum aml_area_hwloc_criterion criterion,
    const struct aml_bitmap *initiator, enum aml_area_hwloc_fallback fallback);

/**
 * Destroy an area from aml_area_hwloc_create() or
 * aml_area_hwloc_create_best(), and set `*area` to NULL. Does nothing for
 * NULL, `*area == NULL` or a default area. Mappings made by the area stay
 * valid and keep their placement; release them with munmap(2).
 * Thread safety: safe, if no other thread uses the area.
 */
AML_EXPORT void aml_area_hwloc_destroy(struct aml_area **area);

/**
 * The targets of `criterion` seen from `initiator`, best first (ties: the
 * lowest node number first).
 * @param criterion: what "best" means.
 * @param initiator: the CPUs; NULL for the calling thread, chosen as for
 *        a mapping.
 * @param[out] nodes: receives up to `*n` node numbers; may be NULL if `*n`
 *        is 0.
 * @param[out] values: receives the attribute's value for each node (bytes
 *        for capacity, MiB/s for bandwidths, nanoseconds for latencies, a
 *        count of CPUs for locality and local nodes), or NULL.
 * @param[in,out] n: the room in `nodes` and `values`; receives the number
 *        of targets, which may exceed the room (then only the best `*n`
 *        given on input are stored).
 * @return ::AML_SUCCESS, or:
 * - -::AML_EINVAL: `n` is NULL, `nodes` is NULL with `*n` > 0,
 *   `criterion` is unknown, or `initiator` is empty;
 * - -::AML_EDOM: `initiator` names a CPU that does not exist;
 * - -::AML_ENOTSUP: no hwloc, no topology, or no value of the attribute
 *   for this initiator;
 * - -::AML_ENOMEM: memory is short.
 * Thread safety: safe.
 */
AML_EXPORT int aml_area_hwloc_targets(enum aml_area_hwloc_criterion criterion,
				      const struct aml_bitmap *initiator,
				      int *nodes, uint64_t *values, size_t *n);

/**
 * Name of a criterion ("bandwidth", "latency", "local"...).
 * @return a static string; NULL with ::aml_errno = ::AML_EINVAL for an
 * unknown criterion. Works without hwloc.
 * Thread safety: safe.
 */
AML_EXPORT const char *
aml_area_hwloc_criterion_name(enum aml_area_hwloc_criterion c);

/**
 * The mmap operation of hwloc areas: mmap(2) of private anonymous memory,
 * then hwloc_set_area_membind() on the area's nodes.
 * @param area_data: the area's data.
 * @param size: bytes to map, > 0.
 * @param opts: must be NULL (hwloc areas have no options).
 * @return the mapping; NULL with ::aml_errno set on failure, and nothing
 * left mapped:
 * - ::AML_EINVAL: NULL `area_data`, `size` 0 or non-NULL `opts`;
 * - ::AML_ENOTSUP: no hwloc, no topology, or no value of the area's
 *   attribute for the calling thread;
 * - ::AML_ENOMEM: `size` too large, memory short, or (fallback ordered)
 *   no target has `size` bytes free;
 * - ::AML_EDOM: the operating system refuses the area's nodes (for
 *   instance a node of a nodeset area is no longer allowed);
 * - ::AML_FAILURE: another error; `errno` says which.
 * Thread safety: safe.
 */
AML_EXPORT void *aml_area_hwloc_mmap(const struct aml_area_data *area_data,
				     size_t size,
				     struct aml_area_mmap_options *opts);

/**
 * The munmap operation of hwloc areas: munmap(2).
 * @return ::AML_SUCCESS; -::AML_EINVAL if munmap(2) rejects the range;
 * -::AML_ENOTSUP without hwloc.
 * Thread safety: safe.
 */
AML_EXPORT int aml_area_hwloc_munmap(const struct aml_area_data *area_data,
				     void *ptr, size_t size);

/**
 * The fprintf operation of hwloc areas: one line such as
 * `hwloc area: policy interleave, nodes 0-3` or
 * `hwloc area: best bandwidth, initiator calling thread, fallback none`.
 * A prefix that does not end with a space is followed by ": ".
 * @return ::AML_SUCCESS once written; -::AML_EINVAL if `area_data`
 * or `stream` is NULL; -::AML_ENOMEM if memory is short; -::AML_FAILURE
 * if writing failed; -::AML_ENOTSUP without hwloc.
 * Thread safety: safe.
 */
AML_EXPORT int aml_area_hwloc_fprintf(const struct aml_area_data *area_data,
				      FILE *stream, const char *prefix);

/** @} */

#ifdef __cplusplus
}
#endif

#endif /* AML_AREA_HWLOC_H */
