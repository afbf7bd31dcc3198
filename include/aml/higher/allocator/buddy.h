/**
 * @file buddy.h
 * @brief Buddy allocator: bookkeeping outside the memory it manages.
 *
 * A binary buddy system over chunks mapped from an area. Every piece of
 * bookkeeping (free lists, block orders) lives in ordinary process memory,
 * never in the managed memory, so the allocator works on memory the CPU
 * must not touch: CUDA device memory, or a PROT_NONE mapping. Objects are
 * multiples of 256 bytes, aligned on their power-of-two size class (up to
 * the alignment of the chunk the area gave); objects larger than a chunk
 * (4 MiB) get a mapping of their own. One lock serialises the allocator:
 * it targets device buffers, not malloc-rate small objects (use the heap).
 */
#ifndef AML_HIGHER_ALLOCATOR_BUDDY_H
#define AML_HIGHER_ALLOCATOR_BUDDY_H

#include "aml.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * @defgroup aml_allocator_buddy Buddy allocator
 * @brief Power-of-two blocks, bookkeeping outside the managed memory.
 * @{
 */

/** The operations of the buddy allocator. */
AML_EXPORT extern struct aml_allocator_ops aml_allocator_buddy_ops;

/**
 * Create a buddy allocator on `area`.
 * @param out: receives the allocator; NULL after any failure.
 * @param area: the area, of any memory kind; it must outlive the
 *        allocator.
 * @param opts: options passed to every aml_area_mmap() of the allocator,
 *        or NULL; they must outlive the allocator.
 * @return ::AML_SUCCESS; -::AML_EINVAL for a NULL `out`, `area` or area
 * ops; -::AML_ENOMEM when memory is short.
 * Thread safety: safe. The allocator may be used by any number of threads
 * at once (one lock).
 */
AML_EXPORT int aml_allocator_buddy_create(struct aml_allocator **out,
					  struct aml_area *area,
					  struct aml_area_mmap_options *opts);

/**
 * Destroy a buddy allocator. Every chunk goes back to the area, also when
 * objects are still allocated: pointers to them become invalid.
 * @param allocator: the allocator; NULL or a pointer to NULL is accepted.
 *        Set to NULL.
 * @return ::AML_SUCCESS; -::AML_EINVAL for an allocator that is not a
 * buddy allocator; the first error of the area's munmap otherwise (every
 * chunk is still attempted).
 * Thread safety: not while other threads use this allocator.
 */
AML_EXPORT int aml_allocator_buddy_destroy(struct aml_allocator **allocator);

/** @} */

#ifdef __cplusplus
}
#endif

#endif /* AML_HIGHER_ALLOCATOR_BUDDY_H */
