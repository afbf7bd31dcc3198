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
	/** Offset in `fd`, a non-negative multiple of the page size. */
	off_t offset;
};

/** Operations of Linux areas, for areas built by hand on this backend. */
extern struct aml_area_ops aml_area_linux_ops;

/**
 * Default Linux area: private anonymous memory with no policy of its own.
 * Ready to use without aml_init(); never destroy it.
 */
extern struct aml_area aml_area_linux;

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
int aml_area_linux_create(struct aml_area **area,
			  const struct aml_bitmap *nodemask,
			  const enum aml_area_linux_policy policy);

/**
 * Destroy an area from aml_area_linux_create() and set `*area` to NULL.
 * Does nothing for NULL, `*area == NULL` or the default ::aml_area_linux.
 * Mappings made by the area stay valid and keep their placement; release
 * them with munmap(2) or aml_area_linux_munmap().
 * Thread safety: safe, if no other thread uses the area.
 */
void aml_area_linux_destroy(struct aml_area **area);

/**
 * The mmap operation of Linux areas: mmap(2), then mbind(2) of the whole
 * range with the area's policy (also for shared and file-backed mappings).
 * With MAP_POPULATE, pages are faulted in once the policy applies, so they
 * follow it; file pages already in the page cache stay where they are.
 * @param area_data: the area's data.
 * @param size: bytes to map, > 0.
 * @param opts: a `struct aml_area_linux_mmap_options`, or NULL.
 * @return the mapping; NULL with ::aml_errno set on failure, and nothing
 * left mapped:
 * - ::AML_EINVAL: NULL `area_data`, `size` 0, flags whose mapping type is
 *   not MAP_PRIVATE, MAP_SHARED or MAP_SHARED_VALIDATE, a file mapping with
 *   a negative or closed `fd` or a negative `offset`, or any argument
 *   mmap(2) rejects (bad flags, unaligned offset or fixed address);
 * - ::AML_ENOMEM: `size` too large, or memory is short (also when mbind(2)
 *   runs out of memory or of mappings, vm.max_map_count);
 * - ::AML_FAILURE: another error; `errno` says which (EACCES, ENODEV...).
 * Thread safety: safe.
 */
void *aml_area_linux_mmap(const struct aml_area_data *area_data, size_t size,
			  struct aml_area_mmap_options *opts);

/**
 * The munmap operation of Linux areas: munmap(2).
 * @return ::AML_SUCCESS; -AML_EINVAL if `ptr` is not page aligned or
 * munmap(2) rejects the range.
 * Thread safety: safe.
 */
int aml_area_linux_munmap(const struct aml_area_data *area_data, void *ptr,
			  const size_t size);

/**
 * The fprintf operation of Linux areas: prints the policy and the nodes,
 * for instance `linux area: policy interleave, nodes 0-3`.
 * @return the number of characters written; -AML_EINVAL if `area_data` or
 * `stream` is NULL; -AML_FAILURE if writing failed.
 * Thread safety: safe.
 */
int aml_area_linux_fprintf(const struct aml_area_data *area_data,
			   FILE *stream, const char *prefix);

/**
 * Check that the range `[ptr, ptr + size)` is placed as the area says: the
 * policy in force on it is the area's, and every page already placed lies
 * where the policy puts it (on the area's nodes; for interleave, in
 * round-robin over exactly those nodes). Pages not yet touched are not
 * faulted in.
 * @return 1 if it matches; 0 if not; -AML_EINVAL for a NULL argument or
 * `size` 0; -AML_FAILURE if the kernel could not be queried.
 * Thread safety: safe.
 */
int aml_area_linux_check_binding(struct aml_area_linux_data *area_data,
				 void *ptr, size_t size);

/** @} */

#ifdef __cplusplus
}
#endif

#endif /* AML_AREA_LINUX_H */
