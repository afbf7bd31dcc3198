/**
 * @file heap.h
 * @brief Heap allocator: malloc-speed objects on an area.
 *
 * The heap gets memory from its area in large chunks (1 MiB or more) and
 * carves objects from them with oneTBB's scalable allocator (tbbmalloc)
 * memory pools: per-thread caches, no global lock on the fast path, frees
 * from any thread. Every object lies on pages that the area mapped, so it
 * is placed as the area says. libaml loads the engine (libtbbmalloc.so.2,
 * Debian package libtbbmalloc2) when the first heap is created; it does
 * not replace the process's malloc.
 *
 * The heap needs memory the CPU can touch (its bookkeeping lives in the
 * chunks): on CUDA device memory use the buddy allocator.
 */
#ifndef AML_HIGHER_ALLOCATOR_HEAP_H
#define AML_HIGHER_ALLOCATOR_HEAP_H

#include "aml.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * @defgroup aml_allocator_heap Heap allocator
 * @brief Thread-scalable small objects on an area.
 * @{
 */

/** The operations of the heap allocator. */
AML_EXPORT extern struct aml_allocator_ops aml_allocator_heap_ops;

/**
 * Create a heap on `area`.
 * @param out: receives the heap; NULL after any failure.
 * @param area: the area; it must outlive the heap.
 * @param opts: options passed to every aml_area_mmap() of the heap, or
 *        NULL; they must outlive the heap and give readable and writable
 *        memory.
 * @return ::AML_SUCCESS;
 * - -::AML_EINVAL: NULL `out`, `area` or area ops;
 * - -::AML_ENOTSUP: `area` maps memory the CPU cannot touch (a CUDA area
 *   without the host, unified or mapped flags), or libtbbmalloc.so.2
 *   cannot be loaded (not installed, or a fully static program);
 * - -::AML_ENOMEM: memory is short, or the process already has too many
 *   heaps (each takes one pthread key; about a thousand at most).
 * Thread safety: safe. The heap may be used by any number of threads at
 * once.
 */
AML_EXPORT int aml_allocator_heap_create(struct aml_allocator **out,
					 struct aml_area *area,
					 struct aml_area_mmap_options *opts);

/**
 * Return the heap's idle memory to its area now. When a chunk holds no
 * live object any more, the engine hands it back to the heap, which keeps
 * it for reuse (refilling a chunk costs a page fault per page): up to
 * 1 GiB of such chunks, each unmapped once idle for about a second (checked
 * when the engine hands back another chunk). Trim unmaps every idle chunk
 * at once, and releases the blocks the calling thread caches. Chunks that
 * hold live objects, and the engine's cache of large blocks, stay.
 * @return ::AML_SUCCESS; -::AML_EINVAL for a NULL allocator or one that is
 * not a heap.
 * Thread safety: safe, while other threads use the heap.
 */
AML_EXPORT int aml_allocator_heap_trim(struct aml_allocator *allocator);

/**
 * Destroy a heap. Every chunk goes back to the area, also when objects are
 * still allocated: pointers to them become invalid.
 * @param allocator: the heap; NULL or a pointer to NULL is accepted. Set
 *        to NULL.
 * @return ::AML_SUCCESS; -::AML_EINVAL for an allocator that is not a
 * heap.
 * Thread safety: not while other threads use this heap. Threads that used
 * it may live on.
 */
AML_EXPORT int aml_allocator_heap_destroy(struct aml_allocator **allocator);

/** @} */

#ifdef __cplusplus
}
#endif

#endif /* AML_HIGHER_ALLOCATOR_HEAP_H */
