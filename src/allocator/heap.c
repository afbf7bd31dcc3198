/*
 * Heap allocator on oneTBB's tbbmalloc memory pools. The pool asks for
 * memory through two callbacks (raw alloc/free) that map and unmap chunks
 * from the heap's area; tbbmalloc keeps per-thread caches per pool and
 * accepts frees from any thread. The heap registers every chunk in the
 * lookup so that aml_allocator_of() and the ownership check of free work,
 * and keeps a few idle chunks for reuse (returned by trim and destroy).
 *
 * The pool API is C++ (namespace rml), but its entry points are a stable
 * binary interface of libtbbmalloc.so.2; they are declared here under their
 * symbol names so that libaml stays a C library without libstdc++.
 */
#include "aml/higher/allocator/heap.h"
#include "allocator/lookup.h"
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

#define AML_TBB(sym) __asm__("_ZN3rml" sym)
int aml_tbb_pool_create(intptr_t id, const struct aml_tbb_policy *policy,
			struct aml_tbb_pool **pool)
    AML_TBB("14pool_create_v1ElPKNS_13MemPoolPolicyEPPNS_10MemoryPoolE");
_Bool aml_tbb_pool_destroy(struct aml_tbb_pool *pool)
    AML_TBB("12pool_destroyEPNS_10MemoryPoolE");
void *aml_tbb_pool_malloc(struct aml_tbb_pool *pool, size_t size)
    AML_TBB("11pool_mallocEPNS_10MemoryPoolEm");
void *aml_tbb_pool_realloc(struct aml_tbb_pool *pool, void *ptr, size_t size)
    AML_TBB("12pool_reallocEPNS_10MemoryPoolEPvm");
void *aml_tbb_pool_aligned_malloc(struct aml_tbb_pool *pool, size_t size,
				  size_t alignment)
    AML_TBB("19pool_aligned_mallocEPNS_10MemoryPoolEmm");
_Bool aml_tbb_pool_free(struct aml_tbb_pool *pool, void *ptr)
    AML_TBB("9pool_freeEPNS_10MemoryPoolEPv");
size_t aml_tbb_pool_msize(struct aml_tbb_pool *pool, void *ptr)
    AML_TBB("10pool_msizeEPNS_10MemoryPoolEPv");

/* Idle chunks kept for reuse, per heap, before going back to the area. */
#define AML_HEAP_CACHE_BYTES ((size_t)64 << 20)
/* Larger requests fail at once: no area maps them. */
#define AML_HEAP_MAX_SIZE ((size_t)1 << 47)

struct aml_allocator_data {
	struct aml_allocator allocator;
	struct aml_area *area;
	struct aml_area_mmap_options *opts;
	struct aml_tbb_pool *pool;
	struct aml__lookup_range range; /* the record of every chunk */
	pthread_mutex_t lock;		/* the idle chunks */
	struct aml__lookup_range *idle;
	size_t idle_bytes;
};

/* An idle chunk of `*bytes` to 2 * `*bytes`, or NULL. */
static void *aml_heap_reuse(struct aml_allocator_data *d, size_t *bytes)
{
	struct aml__lookup_range **p, *r;
	void *base = NULL;

	pthread_mutex_lock(&d->lock);
	for (p = &d->idle; (r = *p) != NULL; p = &r->next) {
		if (r->size >= *bytes && r->size / 2 <= *bytes) {
			*p = r->next;
			d->idle_bytes -= r->size;
			base = r->base;
			*bytes = r->size;
			break;
		}
	}
	pthread_mutex_unlock(&d->lock);
	aml__lookup_range_delete(r);
	return base;
}

static void *aml_heap_raw_alloc(intptr_t id, size_t *bytes)
{
	struct aml_allocator_data *d = (struct aml_allocator_data *)id;
	void *base = aml_heap_reuse(d, bytes);

	if (base != NULL)
		return base;
	base = aml_area_mmap(d->area, *bytes, d->opts);
	if (base == NULL)
		return NULL;
	if (aml__lookup_insert(base, *bytes, &d->range)) {
		aml_area_munmap(d->area, base, *bytes);
		return NULL;
	}
	return base;
}

static int aml_heap_unmap(struct aml_allocator_data *d, void *base,
			  size_t bytes)
{
	aml__lookup_remove(base, bytes);
	return aml_area_munmap(d->area, base, bytes);
}

/* Keep the chunk while the idle cache has room, else unmap it. */
static int aml_heap_raw_free(intptr_t id, void *base, size_t bytes)
{
	struct aml_allocator_data *d = (struct aml_allocator_data *)id;
	struct aml__lookup_range *r = aml__lookup_range_new();

	if (r != NULL) {
		r->base = base;
		r->size = bytes;
		pthread_mutex_lock(&d->lock);
		if (d->idle_bytes + bytes <= AML_HEAP_CACHE_BYTES) {
			r->next = d->idle;
			d->idle = r;
			d->idle_bytes += bytes;
			r = NULL;
			base = NULL;
		}
		pthread_mutex_unlock(&d->lock);
		aml__lookup_range_delete(r);
	}
	if (base == NULL)
		return 0;
	return aml_heap_unmap(d, base, bytes) ? -1 : 0;
}

static int aml_heap_release_idle(struct aml_allocator_data *d)
{
	struct aml__lookup_range *r;
	int ret = AML_SUCCESS;

	pthread_mutex_lock(&d->lock);
	r = d->idle;
	d->idle = NULL;
	d->idle_bytes = 0;
	pthread_mutex_unlock(&d->lock);
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

static void *aml_heap_alloc(struct aml_allocator_data *d, size_t size)
{
	void *ptr = size < AML_HEAP_MAX_SIZE
			? aml_tbb_pool_malloc(d->pool, size)
			: NULL;

	return ptr != NULL ? ptr : aml_fail_null(AML_ENOMEM);
}

static void *aml_heap_aligned_alloc(struct aml_allocator_data *d, size_t size,
				    size_t alignment)
{
	void *ptr = size < AML_HEAP_MAX_SIZE && alignment < AML_HEAP_MAX_SIZE
			? aml_tbb_pool_aligned_malloc(d->pool, size, alignment)
			: NULL;

	return ptr != NULL ? ptr : aml_fail_null(AML_ENOMEM);
}

static int aml_heap_owns(struct aml_allocator_data *d, const void *ptr)
{
	return aml__lookup_find(ptr) == &d->range;
}

static int aml_heap_free(struct aml_allocator_data *d, void *ptr)
{
	if (!aml_heap_owns(d, ptr))
		return -AML_EINVAL;
	return aml_tbb_pool_free(d->pool, ptr) ? AML_SUCCESS : -AML_EINVAL;
}

static void *aml_heap_realloc(struct aml_allocator_data *d, void *ptr,
			      size_t size)
{
	void *moved;

	if (!aml_heap_owns(d, ptr))
		return aml_fail_null(AML_EINVAL);
	if (size >= AML_HEAP_MAX_SIZE)
		return aml_fail_null(AML_ENOMEM);
	moved = aml_tbb_pool_realloc(d->pool, ptr, size);
	return moved != NULL ? moved : aml_fail_null(AML_ENOMEM);
}

static size_t aml_heap_usable_size(struct aml_allocator_data *d,
				   const void *ptr)
{
	if (!aml_heap_owns(d, ptr)) {
		aml_errno = AML_EINVAL;
		return 0;
	}
	return aml_tbb_pool_msize(d->pool, (void *)ptr);
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

	if (out == NULL)
		return -AML_EINVAL;
	*out = NULL;
	if (area == NULL || area->ops == NULL || area->ops->mmap == NULL)
		return -AML_EINVAL;
	if (aml_heap_area_is_device(area))
		return -AML_ENOTSUP;
	d = calloc(1, sizeof(*d));
	if (d == NULL)
		return -AML_ENOMEM;
	d->allocator.data = d;
	d->allocator.ops = &aml_allocator_heap_ops;
	d->area = area;
	d->opts = opts;
	d->range.owner = &d->allocator;
	pthread_mutex_init(&d->lock, NULL);
	if (aml_tbb_pool_create((intptr_t)d, &policy, &d->pool) != 0) {
		pthread_mutex_destroy(&d->lock);
		free(d);
		return -AML_ENOMEM;
	}
	*out = &d->allocator;
	return AML_SUCCESS;
}

int aml_allocator_heap_trim(struct aml_allocator *allocator)
{
	if (allocator == NULL || allocator->ops != &aml_allocator_heap_ops)
		return -AML_EINVAL;
	return aml_heap_release_idle(allocator->data);
}

int aml_allocator_heap_destroy(struct aml_allocator **allocator)
{
	struct aml_allocator_data *d;
	int ret;

	if (allocator == NULL || *allocator == NULL)
		return AML_SUCCESS;
	if ((*allocator)->ops != &aml_allocator_heap_ops)
		return -AML_EINVAL;
	d = (*allocator)->data;
	/* pool_destroy hands every chunk to raw_free, live objects or not. */
	aml_tbb_pool_destroy(d->pool);
	ret = aml_heap_release_idle(d);
	pthread_mutex_destroy(&d->lock);
	free(d);
	*allocator = NULL;
	return ret;
}
