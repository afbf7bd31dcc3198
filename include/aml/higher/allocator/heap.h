/**
 * @file heap.h
 * @brief Heap allocator: malloc-speed objects on an area.
 *
 * The heap gets memory from its area in large chunks (1 MiB or more) and
 * carves objects from them with oneTBB's scalable allocator (tbbmalloc)
 * memory pools: no global lock on the fast path, frees from any thread.
 * Every object lies on pages that the area mapped, so it is placed as the
 * area says. libaml loads the engine (libtbbmalloc.so.2, Debian package
 * libtbbmalloc2) when the first heap is created; it does not replace the
 * process's malloc.
 *
 * Objects up to 64 KiB come in size classes (16 B steps up to 128 B, then
 * four per power of two: 160, 192, 224, 256, 320, ...) and carry a 16-byte
 * header before them (a 16-byte object takes 32 bytes of the pool). Each
 * thread keeps the objects it frees, per heap and class, for its next
 * allocations of that class: up to 4096 objects per class and 32 MiB per
 * heap and thread, in up to 8 heaps at once (a thread's caches for more
 * live heaps than that share slots: the heap that took a slot first keeps
 * it while it lives, the others go to the engine directly). What a thread
 * keeps goes back to the engine when the thread ends, at
 * aml_allocator_heap_trim() from that thread, or with the heap. A free of
 * an object freed already, or of a pointer inside an object, returns
 * -AML_EINVAL while the object is in a thread's cache (once it is back in
 * the engine, as with free(3), it is undefined). Larger objects, and every
 * aml_aligned_alloc(), come from a second pool with no header and no
 * cache.
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

/**
 * The heap's engine, the shared library that aml_allocator_heap_create()
 * loads (Debian and Ubuntu package libtbbmalloc2, also pulled in by
 * libtbb-dev). Without it, aml_allocator_heap_create() returns
 * -::AML_ENOTSUP.
 */
#define AML_ALLOCATOR_HEAP_ENGINE "libtbbmalloc.so.2"

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
 *   without the host, unified or mapped flags), or the engine
 *   (::AML_ALLOCATOR_HEAP_ENGINE, libtbbmalloc.so.2 from the package
 *   libtbbmalloc2) cannot be loaded: not installed, or a fully static
 *   program;
 * - -::AML_ENOMEM: memory is short, or the process already has too many
 *   heaps (each takes two pthread keys: about five hundred at most).
 * Thread safety: safe. The heap may be used by any number of threads at
 * once.
 */
AML_EXPORT int aml_allocator_heap_create(struct aml_allocator **out,
					 struct aml_area *area,
					 struct aml_area_mmap_options *opts);

/**
 * Return the heap's idle memory to its area now. The objects that the
 * calling thread's cache keeps for this heap go back to the engine first.
 * When a chunk holds no live object any more, the engine hands it back to
 * the heap, which keeps it for reuse (refilling a chunk costs a page fault
 * per page): up to 1 GiB of such chunks, each unmapped once idle for about
 * a second (checked when the engine hands back another chunk). Trim unmaps
 * every idle chunk at once, and releases the blocks the calling thread
 * caches in the engine. Chunks that hold live objects or objects that
 * other threads' caches keep, and the engine's cache of large blocks,
 * stay.
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
