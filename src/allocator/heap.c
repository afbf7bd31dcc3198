/*
 * Heap allocator on oneTBB's tbbmalloc memory pools. The pool asks for
 * memory through two callbacks (raw alloc/free) that map and unmap chunks
 * from the heap's area; tbbmalloc keeps per-thread caches per pool and
 * accepts frees from any thread. The heap registers every chunk in the
 * lookup so that aml_allocator_of() and the ownership check of free work,
 * and keeps idle chunks for reuse (returned after a second, by trim and
 * by destroy).
 */
#include "aml/higher/allocator/heap.h"
#include "allocator/allocator.h"
#include "allocator/lookup.h"
#include <dlfcn.h>

#include "aml.h"
#include "aml/area/cuda.h"
#include "internal.h"

/* rml::MemPoolPolicy, version 1. */
struct aml_tbb_policy {
	void *(*raw_alloc)(intptr_t pool_id, size_t *bytes);
	int (*raw_free)(intptr_t pool_id, void *ptr, size_t bytes);
	size_t granularity;
	int version;
	unsigned fixed_pool : 1, keep_all_memory : 1, reserved : 30;
};

struct aml_tbb_pool;

/*
 * The engine's entry points, loaded at the first heap's creation: libaml
 * does not link tbbmalloc, so programs that use no heap (fully static ones
 * included: Debian ships no static tbbmalloc) do not need it. The pool API
 * is C++ (namespace rml) but its symbols are a stable binary interface of
 * libtbbmalloc.so.2, looked up by name, so libaml stays a C library.
 */
static struct {
	int (*pool_create)(intptr_t id, const struct aml_tbb_policy *policy,
			   struct aml_tbb_pool **pool);
	_Bool (*pool_destroy)(struct aml_tbb_pool *pool);
	void *(*pool_malloc)(struct aml_tbb_pool *pool, size_t size);
	void *(*pool_realloc)(struct aml_tbb_pool *pool, void *ptr,
			      size_t size);
	void *(*pool_aligned_malloc)(struct aml_tbb_pool *pool, size_t size,
				     size_t alignment);
	_Bool (*pool_free)(struct aml_tbb_pool *pool, void *ptr);
	size_t (*pool_msize)(struct aml_tbb_pool *pool, void *ptr);
	int (*command)(int cmd, void *param);
} aml_tbb;
static pthread_once_t aml_tbb_once = PTHREAD_ONCE_INIT;
static int aml_tbb_loaded;

#define AML_TBB_LIBRARY "libtbbmalloc.so.2"
#define AML_TBB_CLEAN_THREAD_BUFFERS 1

static void aml_tbb_load(void)
{
	static const char *const names[] = {
	    "_ZN3rml14pool_create_v1ElPKNS_13MemPoolPolicyEPPNS_10MemoryPoolE",
	    "_ZN3rml12pool_destroyEPNS_10MemoryPoolE",
	    "_ZN3rml11pool_mallocEPNS_10MemoryPoolEm",
	    "_ZN3rml12pool_reallocEPNS_10MemoryPoolEPvm",
	    "_ZN3rml19pool_aligned_mallocEPNS_10MemoryPoolEmm",
	    "_ZN3rml9pool_freeEPNS_10MemoryPoolEPv",
	    "_ZN3rml10pool_msizeEPNS_10MemoryPoolEPv",
	    "scalable_allocation_command",
	};
	void **slots = (void **)&aml_tbb;
	void *lib = dlopen(AML_TBB_LIBRARY, RTLD_NOW | RTLD_LOCAL);

	if (lib == NULL)
		return;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		slots[i] = dlsym(lib, names[i]);
		if (slots[i] == NULL)
			return;
	}
	aml_tbb_loaded = 1;
}

/*
 * ThreadSanitizer cannot see tbbmalloc's own synchronisation (it is not
 * instrumented): memory read by one thread before it frees an object and
 * written by another thread that got it back from the pool would look like
 * a race. What really orders them is the pool: a free hands the block to
 * tbbmalloc, a later allocation (in any thread) takes it from there. Tell
 * TSan exactly that, with the heap as the synchronisation object: every
 * free releases it before the block goes to the pool, every allocation
 * acquires it after the pool returned a block. The heap, not the object's
 * address, because tbbmalloc hands freed memory back at other addresses
 * and sizes (a slab reused for another size class, a large block split).
 * Chunks need nothing more: they pass between tbbmalloc and the idle cache
 * under the heap's mutex (which TSan sees), and they are mapped and
 * unmapped with libc's mmap/munmap, which TSan intercepts to reset the
 * shadow of the range, so an address reused by another heap's mapping
 * starts clean.
 */
#if defined(__SANITIZE_THREAD__)
#define AML_HEAP_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define AML_HEAP_TSAN 1
#endif
#endif
#ifdef AML_HEAP_TSAN
void __tsan_acquire(void *addr);
void __tsan_release(void *addr);
#define aml_heap_got(d) __tsan_acquire(d)
#define aml_heap_gives(d) __tsan_release(d)
#else
#define aml_heap_got(d) ((void)0)
#define aml_heap_gives(d) ((void)0)
#endif

/*
 * Idle chunks are kept for reuse (refilling a chunk costs a page fault per
 * page), up to this many bytes per heap, and go back to the area once idle
 * for AML_HEAP_DECAY_NS (checked when the engine returns a chunk) or at
 * trim.
 */
#define AML_HEAP_CACHE_BYTES ((size_t)1 << 30)
#define AML_HEAP_DECAY_NS 1000000000ull
/* Larger requests fail at once: no area maps them. */
#define AML_HEAP_MAX_SIZE ((size_t)1 << 47)

struct aml_allocator_data {
	struct aml__allocator_base base; /* lock: the idle chunks */
	struct aml_tbb_pool *pool;
	struct aml__lookup_range range; /* the record of every chunk */
	struct aml__lookup_range *idle; /* newest first */
	size_t idle_bytes;
	unsigned long long last_decay;
};

static unsigned long long aml_heap_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	return (unsigned long long)ts.tv_sec * 1000000000ull +
	       (unsigned long long)ts.tv_nsec;
}

/* An idle chunk of `*bytes` to 2 * `*bytes`, or NULL. */
static void *aml_heap_reuse(struct aml_allocator_data *d, size_t *bytes)
{
	struct aml__lookup_range **p, *r;
	void *base = NULL;

	pthread_mutex_lock(&d->base.lock);
	for (p = &d->idle; (r = *p) != NULL; p = &r->next) {
		if (r->size >= *bytes && r->size / 2 <= *bytes) {
			*p = r->next;
			d->idle_bytes -= r->size;
			base = r->base;
			*bytes = r->size;
			break;
		}
	}
	pthread_mutex_unlock(&d->base.lock);
	aml__lookup_range_delete(r);
	return base;
}

static void *aml_heap_raw_alloc(intptr_t id, size_t *bytes)
{
	struct aml_allocator_data *d = (struct aml_allocator_data *)id;
	void *base = aml_heap_reuse(d, bytes);

	if (base != NULL)
		return base;
	base = aml_area_mmap(d->base.area, *bytes, d->base.opts);
	if (base == NULL)
		return NULL;
	if (aml__lookup_insert(base, *bytes, &d->range)) {
		aml_area_munmap(d->base.area, base, *bytes);
		return NULL;
	}
	return base;
}

static int aml_heap_unmap(struct aml_allocator_data *d, void *base,
			  size_t bytes)
{
	aml__lookup_remove(base, bytes);
	return aml_area_munmap(d->base.area, base, bytes);
}

/* Unmap a list of idle chunks; the first error, if any. */
static int aml_heap_unmap_list(struct aml_allocator_data *d,
			       struct aml__lookup_range *r)
{
	int ret = AML_SUCCESS;

	while (r != NULL) {
		struct aml__lookup_range *next = r->next;
		int err = aml_heap_unmap(d, r->base, r->size);

		if (err && ret == AML_SUCCESS)
			ret = err;
		aml__lookup_range_delete(r);
		r = next;
	}
	return ret;
}

/* Detach the idle chunks that became idle before `limit` (all for ~0).
 * Caller holds the lock. */
static struct aml__lookup_range *
aml_heap_detach_idle(struct aml_allocator_data *d, unsigned long long limit)
{
	struct aml__lookup_range **p = &d->idle, *old;

	while (*p != NULL && (*p)->stamp >= limit)
		p = &(*p)->next;
	old = *p;
	*p = NULL;
	for (struct aml__lookup_range *r = old; r != NULL; r = r->next)
		d->idle_bytes -= r->size;
	return old;
}

/* Keep the chunk while the idle cache has room, else unmap it; unmap the
 * chunks idle for too long. */
static int aml_heap_raw_free(intptr_t id, void *base, size_t bytes)
{
	struct aml_allocator_data *d = (struct aml_allocator_data *)id;
	struct aml__lookup_range *r = aml__lookup_range_new(), *old = NULL;
	unsigned long long now = aml_heap_now();

	pthread_mutex_lock(&d->base.lock);
	if (r != NULL && d->idle_bytes + bytes <= AML_HEAP_CACHE_BYTES) {
		r->base = base;
		r->size = bytes;
		r->stamp = now;
		r->next = d->idle;
		d->idle = r;
		d->idle_bytes += bytes;
		r = NULL;
		base = NULL;
	}
	if (now - d->last_decay >= AML_HEAP_DECAY_NS) {
		old = aml_heap_detach_idle(d, now - AML_HEAP_DECAY_NS);
		d->last_decay = now;
	}
	pthread_mutex_unlock(&d->base.lock);
	aml__lookup_range_delete(r);
	if (aml_heap_unmap_list(d, old) != AML_SUCCESS)
		return -1;
	return base == NULL || aml_heap_unmap(d, base, bytes) == 0 ? 0 : -1;
}

static int aml_heap_release_idle(struct aml_allocator_data *d)
{
	struct aml__lookup_range *r;

	pthread_mutex_lock(&d->base.lock);
	r = aml_heap_detach_idle(d, ~0ull);
	pthread_mutex_unlock(&d->base.lock);
	return aml_heap_unmap_list(d, r);
}

static void *aml_heap_alloc(struct aml_allocator_data *d, size_t size)
{
	void *ptr = size < AML_HEAP_MAX_SIZE
			? aml_tbb.pool_malloc(d->pool, size)
			: NULL;

	aml_heap_got(d);
	return ptr != NULL ? ptr : aml__fail_null(AML_ENOMEM);
}

static void *aml_heap_aligned_alloc(struct aml_allocator_data *d, size_t size,
				    size_t alignment)
{
	void *ptr = size < AML_HEAP_MAX_SIZE && alignment < AML_HEAP_MAX_SIZE
			? aml_tbb.pool_aligned_malloc(d->pool, size, alignment)
			: NULL;

	aml_heap_got(d);
	return ptr != NULL ? ptr : aml__fail_null(AML_ENOMEM);
}

static int aml_heap_owns(struct aml_allocator_data *d, const void *ptr)
{
	return aml__lookup_find(ptr) == &d->range;
}

static int aml_heap_free(struct aml_allocator_data *d, void *ptr)
{
	if (!aml_heap_owns(d, ptr))
		return -AML_EINVAL;
	aml_heap_gives(d);
	return aml_tbb.pool_free(d->pool, ptr) ? AML_SUCCESS : -AML_EINVAL;
}

#ifdef AML_HEAP_TSAN
/*
 * A resize that moves the object copies it inside tbbmalloc with memcpy,
 * which TSan checks, into memory the pool handed out before the heap could
 * acquire it: under TSan, move the object here, between aml_heap_alloc's
 * acquire and aml_heap_free's release.
 */
static void *aml_heap_move(struct aml_allocator_data *d, void *ptr, size_t size)
{
	size_t old = aml_tbb.pool_msize(d->pool, ptr);
	void *moved = aml_heap_alloc(d, size);

	if (moved == NULL)
		return NULL;
	memcpy(moved, ptr, old < size ? old : size);
	aml_heap_gives(d);
	aml_tbb.pool_free(d->pool, ptr);
	return moved;
}
#endif

static void *aml_heap_realloc(struct aml_allocator_data *d, void *ptr,
			      size_t size)
{
	if (!aml_heap_owns(d, ptr))
		return aml__fail_null(AML_EINVAL);
	if (size >= AML_HEAP_MAX_SIZE)
		return aml__fail_null(AML_ENOMEM);
#ifdef AML_HEAP_TSAN
	return aml_heap_move(d, ptr, size);
#else
	void *moved = aml_tbb.pool_realloc(d->pool, ptr, size);

	return moved != NULL ? moved : aml__fail_null(AML_ENOMEM);
#endif
}

static size_t aml_heap_usable_size(struct aml_allocator_data *d,
				   const void *ptr)
{
	if (!aml_heap_owns(d, ptr)) {
		aml_errno = AML_EINVAL;
		return 0;
	}
	return aml_tbb.pool_msize(d->pool, (void *)ptr);
}

struct aml_allocator_ops aml_allocator_heap_ops = {
    .alloc = aml_heap_alloc,
    .aligned_alloc = aml_heap_aligned_alloc,
    .free = aml_heap_free,
    .realloc = aml_heap_realloc,
    .usable_size = aml_heap_usable_size,
};

/* CUDA device memory: the CPU cannot write the pool's bookkeeping. */
static int aml_heap_area_is_device(const struct aml_area *area)
{
	const struct aml_area_cuda_data *cuda;
	const int host = AML_AREA_CUDA_FLAG_ALLOC_HOST |
			 AML_AREA_CUDA_FLAG_ALLOC_UNIFIED |
			 AML_AREA_CUDA_FLAG_ALLOC_MAPPED;

	if (area->ops != &aml_area_cuda_ops)
		return 0;
	cuda = (const struct aml_area_cuda_data *)area->data;
	return cuda == NULL || !(cuda->flags & host);
}

int aml_allocator_heap_create(struct aml_allocator **out, struct aml_area *area,
			      struct aml_area_mmap_options *opts)
{
	struct aml_tbb_policy policy = {
	    .raw_alloc = aml_heap_raw_alloc,
	    .raw_free = aml_heap_raw_free,
	    .version = 1,
	};
	struct aml_allocator_data *d;
	int err;

	if (out != NULL)
		*out = NULL;
	if (out == NULL || area == NULL || area->ops == NULL ||
	    area->ops->mmap == NULL)
		return -AML_EINVAL;
	pthread_once(&aml_tbb_once, aml_tbb_load);
	if (aml_heap_area_is_device(area) || !aml_tbb_loaded)
		return -AML_ENOTSUP;
	err = aml__allocator_new(out, area, opts, &aml_allocator_heap_ops,
				 sizeof(*d));
	if (err != AML_SUCCESS)
		return err;
	d = (*out)->data;
	d->range.owner = *out;
	if (aml_tbb.pool_create((intptr_t)d, &policy, &d->pool) != 0) {
		aml__allocator_delete(out);
		return -AML_ENOMEM;
	}
	return AML_SUCCESS;
}

int aml_allocator_heap_trim(struct aml_allocator *allocator)
{
	if (allocator == NULL || allocator->ops != &aml_allocator_heap_ops)
		return -AML_EINVAL;
	/* The calling thread's cached objects and blocks, in every pool. */
	aml_tbb.command(AML_TBB_CLEAN_THREAD_BUFFERS, NULL);
	return aml_heap_release_idle(allocator->data);
}

int aml_allocator_heap_destroy(struct aml_allocator **allocator)
{
	struct aml_allocator_data *d;
	int ret = aml__allocator_destroying(allocator, &aml_allocator_heap_ops);

	if (ret <= 0)
		return ret;
	d = (*allocator)->data;
	/* pool_destroy hands every chunk to raw_free, live objects or not. */
	aml_tbb.pool_destroy(d->pool);
	ret = aml_heap_release_idle(d);
	aml__allocator_delete(allocator);
	return ret;
}
