/*
 * The heap's engine: oneTBB's tbbmalloc memory pools, loaded at run time.
 * Internal, not installed.
 */
#ifndef AML_ALLOCATOR_HEAP_ENGINE_H
#define AML_ALLOCATOR_HEAP_ENGINE_H

#include <stddef.h>
#include <stdint.h>

/* rml::MemPoolPolicy, version 1. */
struct aml__tbb_policy {
	void *(*raw_alloc)(intptr_t pool_id, size_t *bytes);
	int (*raw_free)(intptr_t pool_id, void *ptr, size_t bytes);
	size_t granularity;
	int version;
	unsigned fixed_pool : 1, keep_all_memory : 1, reserved : 30;
};

struct aml__tbb_pool;

/* The engine's entry points; valid once aml__tbb_load() returned 1. */
struct aml__tbb {
	int (*pool_create)(intptr_t id, const struct aml__tbb_policy *policy,
			   struct aml__tbb_pool **pool);
	_Bool (*pool_destroy)(struct aml__tbb_pool *pool);
	void *(*pool_malloc)(struct aml__tbb_pool *pool, size_t size);
	void *(*pool_realloc)(struct aml__tbb_pool *pool, void *ptr,
			      size_t size);
	void *(*pool_aligned_malloc)(struct aml__tbb_pool *pool, size_t size,
				     size_t alignment);
	_Bool (*pool_free)(struct aml__tbb_pool *pool, void *ptr);
	size_t (*pool_msize)(struct aml__tbb_pool *pool, void *ptr);
	int (*command)(int cmd, void *param);
};
extern struct aml__tbb aml__tbb;

/* scalable_allocation_command(): the calling thread's cached blocks. */
#define AML__TBB_CLEAN_THREAD_BUFFERS 1

/* Load the engine once per process: 1 when it is usable, else 0. Thread
 * safe. */
int aml__tbb_load(void);

/*
 * ThreadSanitizer cannot see tbbmalloc's own synchronisation (it is not
 * instrumented): memory read by one thread before it frees an object and
 * written by another thread that got it back from the pool would look like
 * a race. What really orders them is the pool: a free hands the block to
 * tbbmalloc, a later allocation (in any thread) takes it from there. Tell
 * TSan exactly that, with the heap as the synchronisation object: every
 * free into the pool releases it before the block goes there, every
 * allocation from the pool acquires it after the pool returned a block.
 * The heap, not the object's address, because tbbmalloc hands freed memory
 * back at other addresses and sizes (a slab reused for another size class,
 * a large block split). Objects in a thread's cache never leave that
 * thread. TSan takes a mapping (mmap) as a write of the whole range, so a
 * chunk also releases the heap when it is handed to the engine, and
 * acquires it before it is unmapped.
 */
#if defined(__SANITIZE_THREAD__)
#define AML__HEAP_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define AML__HEAP_TSAN 1
#endif
#endif
#ifdef AML__HEAP_TSAN
void __tsan_acquire(void *addr);
void __tsan_release(void *addr);
#define aml__heap_got(sync) __tsan_acquire(sync)
#define aml__heap_gives(sync) __tsan_release(sync)
#else
#define aml__heap_got(sync) ((void)(sync))
#define aml__heap_gives(sync) ((void)(sync))
#endif

/* Under AddressSanitizer, objects in a thread's cache are poisoned: a use
 * after free is reported, as with malloc. A chunk is unpoisoned when it is
 * handed to the engine and before it is unmapped: a destroyed heap's
 * chunks go with the objects that caches still kept, and ASan keeps the
 * marks of an unmapped range for whatever is mapped there next. */
#if defined(__SANITIZE_ADDRESS__)
#define AML__HEAP_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define AML__HEAP_ASAN 1
#endif
#endif
#ifdef AML__HEAP_ASAN
void __asan_poison_memory_region(void const volatile *addr, size_t size);
void __asan_unpoison_memory_region(void const volatile *addr, size_t size);
#define aml__heap_poison(p, n) __asan_poison_memory_region(p, n)
#define aml__heap_unpoison(p, n) __asan_unpoison_memory_region(p, n)
#else
#define aml__heap_poison(p, n) ((void)(p), (void)(n))
#define aml__heap_unpoison(p, n) ((void)(p), (void)(n))
#endif

#endif /* AML_ALLOCATOR_HEAP_ENGINE_H */
