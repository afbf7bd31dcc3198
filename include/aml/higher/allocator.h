/**
 * @file allocator.h
 * @brief Allocators: small objects on any area.
 *
 * An *allocator* hands out objects of any size, carved from memory that an
 * area maps, so that every object is placed as the area says. The generic
 * functions below dispatch to an implementation through a
 * `struct aml_allocator_ops` table, as areas do; a user's allocator is
 * written by filling one. AML's implementations have their own headers:
 * - `<aml/higher/allocator/area.h>`: one area mapping per object;
 * - `<aml/higher/allocator/heap.h>`: the fast, thread-scalable one;
 * - `<aml/higher/allocator/buddy.h>`: bookkeeping outside the memory it
 *   manages, for memory the CPU must not touch (CUDA device memory).
 *
 * Pointer functions return NULL and set ::aml_errno on failure; int
 * functions return ::AML_SUCCESS or a negated AML error code.
 */
#ifndef AML_HIGHER_ALLOCATOR_H
#define AML_HIGHER_ALLOCATOR_H

#include <stddef.h>

#include "aml/utils/export.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * @defgroup aml_allocator Allocators
 * @brief Objects of any size on the memory of an area.
 * @{
 */

/** Private data of an allocator implementation; opaque to the generic API. */
struct aml_allocator_data;

/**
 * Operations of an allocator implementation. Fill one to write your own
 * allocator. Each function receives the `data` field of its
 * `struct aml_allocator`. The generic functions check their arguments
 * (NULL allocator, size 0, alignment not a power of two, NULL pointer to
 * free) before calling an operation, so operations only see valid ones.
 * Members after `free` are optional (NULL): the generic API then falls back
 * on `alloc` and `free`, or reports ::AML_ENOTSUP.
 */
struct aml_allocator_ops {
	/**
	 * Allocate `size` (> 0) bytes, aligned at least for any standard
	 * type. @return the object; NULL with ::aml_errno set on failure.
	 */
	void *(*alloc)(struct aml_allocator_data *data, size_t size);
	/**
	 * Allocate `size` (> 0) bytes aligned on `alignment` (a power of
	 * two). Optional. @return the object; NULL with ::aml_errno set.
	 */
	void *(*aligned_alloc)(struct aml_allocator_data *data, size_t size,
			       size_t alignment);
	/**
	 * Release an object (never NULL). @return ::AML_SUCCESS, or
	 * -::AML_EINVAL for a pointer the allocator does not own.
	 */
	int (*free)(struct aml_allocator_data *data, void *ptr);
	/**
	 * Resize an object (never NULL) to `size` (> 0) bytes, keeping its
	 * contents up to the smaller size. Optional. @return the object,
	 * maybe moved; NULL with ::aml_errno set, the object left unchanged.
	 */
	void *(*realloc)(struct aml_allocator_data *data, void *ptr,
			 size_t size);
	/**
	 * Bytes usable in an object (never NULL), at least the size asked
	 * for. Optional. @return the size; 0 with ::aml_errno set for a
	 * pointer the allocator does not own.
	 */
	size_t (*usable_size)(struct aml_allocator_data *data, const void *ptr);
};

/** An allocator: an implementation's data and its operations. */
struct aml_allocator {
	/** The implementation's data for this allocator. */
	struct aml_allocator_data *data;
	/** The implementation. */
	struct aml_allocator_ops *ops;
};

/**
 * Allocate an object of `size` bytes from `allocator`.
 * @param allocator: the allocator.
 * @param size: bytes, > 0.
 * @return the object, aligned for any standard type; NULL on failure with
 * ::aml_errno set:
 * - ::AML_EINVAL: `allocator`, its ops or its alloc operation is NULL, or
 *   `size` is 0;
 * - ::AML_ENOMEM: the allocator's area cannot map more memory (the
 *   allocator stays usable);
 * - any other code the implementation sets.
 * Thread safety: as the implementation; AML's allocators are safe.
 */
AML_EXPORT void *aml_alloc(struct aml_allocator *allocator, size_t size);

/**
 * Allocate an object of `size` bytes aligned on `alignment`.
 * An allocator without an aligned_alloc operation serves alignments up to
 * `alignof(max_align_t)` with alloc and reports ::AML_ENOTSUP above.
 * @param allocator: the allocator.
 * @param size: bytes, > 0.
 * @param alignment: a power of two.
 * @return the object; NULL on failure with ::aml_errno set:
 * - ::AML_EINVAL: NULL `allocator`, ops or alloc operation, `size` 0, or
 *   `alignment` not a power of two;
 * - ::AML_ENOMEM: the area cannot map more memory;
 * - ::AML_ENOTSUP: see above;
 * - any other code the implementation sets.
 * Thread safety: as the implementation; AML's allocators are safe.
 */
AML_EXPORT void *aml_aligned_alloc(struct aml_allocator *allocator, size_t size,
				   size_t alignment);

/**
 * Allocate `nmemb` objects of `size` bytes, zeroed. The zeroes are written
 * by the CPU: do not use it on memory the CPU must not touch.
 * @return the zeroed memory; NULL on failure with ::aml_errno set:
 * - ::AML_EINVAL: as aml_alloc(), or `nmemb` or `size` is 0;
 * - ::AML_ENOMEM: `nmemb * size` overflows, or the area cannot map more.
 * Thread safety: as the implementation; AML's allocators are safe.
 */
AML_EXPORT void *aml_calloc(struct aml_allocator *allocator, size_t nmemb,
			    size_t size);

/**
 * Resize an object from `allocator`, keeping its contents up to the
 * smaller size. `aml_realloc(a, NULL, n)` is `aml_alloc(a, n)`;
 * `aml_realloc(a, p, 0)` frees `p` and returns NULL with ::aml_errno 0.
 * An allocator without a realloc operation gets alloc + copy + free, the
 * copy done by the CPU, bounded by its usable_size operation (or
 * ::AML_ENOTSUP without one).
 * @return the object, maybe moved; NULL on failure with ::aml_errno set,
 * `ptr` left valid and unchanged:
 * - ::AML_EINVAL: NULL `allocator`, ops, alloc or free operation, or a
 *   `ptr` the allocator does not own (where it can tell);
 * - ::AML_ENOMEM: the area cannot map more memory;
 * - ::AML_ENOTSUP: see above.
 * Thread safety: as the implementation; AML's allocators are safe.
 */
AML_EXPORT void *aml_realloc(struct aml_allocator *allocator, void *ptr,
			     size_t size);

/**
 * Release an object from `allocator`.
 * @return ::AML_SUCCESS, also for a NULL `ptr`; -::AML_EINVAL for a NULL
 * `allocator`, ops or free operation, or a `ptr` the allocator does not
 * own where the allocator can tell (AML's allocators can: nothing is
 * touched then).
 * Thread safety: as the implementation; AML's allocators are safe, and an
 * object may be freed by another thread than the one that allocated it.
 */
AML_EXPORT int aml_free(struct aml_allocator *allocator, void *ptr);

/**
 * Bytes usable in an object from `allocator`: at least the size asked
 * for, and all of them may be written.
 * @return the size; 0 on failure with ::aml_errno set: ::AML_EINVAL for a
 * NULL `allocator`, ops or `ptr`, or a pointer the allocator does not own
 * (where it can tell); ::AML_ENOTSUP for an allocator without a
 * usable_size operation.
 * Thread safety: as the implementation; AML's allocators are safe.
 */
AML_EXPORT size_t aml_usable_size(struct aml_allocator *allocator,
				  const void *ptr);

/**
 * The AML allocator whose memory holds `ptr`: any address inside memory
 * that an allocator of this library (area, heap, buddy) got from its area,
 * objects it returned included. A user-written allocator is not known.
 * Lock-free; costs a few nanoseconds (a radix tree walk).
 * @return the allocator; NULL (::aml_errno left alone) for NULL and any
 * other address.
 * Thread safety: safe, also while other threads create, use and destroy
 * allocators (the answer for memory released meanwhile may be stale).
 */
AML_EXPORT struct aml_allocator *aml_allocator_of(const void *ptr);

/** @} */

#ifdef __cplusplus
}
#endif

#endif /* AML_HIGHER_ALLOCATOR_H */
