/**
 * @file area.h
 * @brief Area allocator: one area mapping per object.
 *
 * Every aml_alloc() maps a new mapping of the object's size (rounded up to
 * pages) from the area, and aml_free() unmaps it. Slow for small objects,
 * the reference for placement and the right choice for huge objects. The
 * sizes are kept in AML's lookup table, outside the memory, so it works on
 * memory the CPU must not touch too (aml_calloc() excepted).
 */
#ifndef AML_HIGHER_ALLOCATOR_AREA_H
#define AML_HIGHER_ALLOCATOR_AREA_H

#include "aml.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * @defgroup aml_allocator_area Area allocator
 * @brief One area mapping per object.
 * @{
 */

/** The operations of the area allocator. */
AML_EXPORT extern struct aml_allocator_ops aml_allocator_area_ops;

/**
 * Create an allocator mapping each object from `area`.
 * @param out: receives the allocator; NULL after any failure.
 * @param area: the area; it must outlive the allocator.
 * @param opts: options passed to every aml_area_mmap() of the allocator,
 *        or NULL; they must outlive the allocator.
 * @return ::AML_SUCCESS; -::AML_EINVAL for a NULL `out`, `area` or area
 * ops; -::AML_ENOMEM when memory is short.
 * Thread safety: safe. The allocator may be used by any number of threads
 * at once.
 */
AML_EXPORT int aml_allocator_area_create(struct aml_allocator **out,
					 struct aml_area *area,
					 struct aml_area_mmap_options *opts);

/**
 * Destroy an area allocator. Objects still allocated are unmapped too
 * (pointers to them become invalid).
 * @param allocator: the allocator; NULL or a pointer to NULL is accepted.
 *        Set to NULL.
 * @return ::AML_SUCCESS; -::AML_EINVAL for an allocator that is not an
 * area allocator; the first error of the area's munmap otherwise (every
 * mapping is still attempted).
 * Thread safety: not while other threads use this allocator.
 */
AML_EXPORT int aml_allocator_area_destroy(struct aml_allocator **allocator);

/** @} */

#ifdef __cplusplus
}
#endif

#endif /* AML_HIGHER_ALLOCATOR_AREA_H */
