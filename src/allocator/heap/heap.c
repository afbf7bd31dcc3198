/*
 * Heap allocator on oneTBB's tbbmalloc memory pools, two per heap (their
 * chunks: chunks.c). Requests up to 64 KiB are objects of a class
 * (cache.h), blocks of the "classed" pool with a header; each thread
 * caches the ones it frees, so the pool's back end, shared by the pool's
 * threads, sees a thread's batches only once. Larger and aligned requests
 * go to the "plain" pool as they are. The lookup tells a free which pool
 * an object is from, and whether the heap owns it at all.
 */
#include "aml/higher/allocator/heap.h"
#include "allocator/allocator.h"
#include "allocator/heap/cache.h"
#include "allocator/heap/chunks.h"
#include "allocator/heap/engine.h"
#include "allocator/lookup.h"

#include "aml.h"
#include "aml/area/cuda.h"
#include "internal.h"

/* Larger requests fail at once: no area maps them. */
#define AML_HEAP_MAX_SIZE ((size_t)1 << 47)

struct aml_allocator_data {
	struct aml__allocator_base base; /* lock: the idle chunks */
	struct aml__heap_chunks chunks;
	struct aml__heap_pool classed; /* objects of a class, with headers */
	struct aml__heap_pool plain;   /* larger and aligned objects */
	struct aml__heap_owner owner;  /* the heap, as the caches see it */
};

/* A new object of class `c` from the classed pool. */
static void *aml_heap_alloc_classed(struct aml_allocator_data *d, unsigned c)
{
	struct aml__heap_header *h = aml__tbb.pool_malloc(
	    d->classed.engine, sizeof(*h) + aml__heap_class_size(c));

	aml__heap_got(&d->chunks);
	if (h == NULL)
		return aml__fail_null(AML_ENOMEM);
	h->size_class = c;
	h->state = AML__HEAP_LIVE;
	return h + 1;
}

static void *aml_heap_alloc(struct aml_allocator_data *d, size_t size)
{
	void *ptr;

	if (size <= AML__HEAP_CLASSED_MAX) {
		unsigned c = aml__heap_class_up(size);

		ptr = aml__heap_cache_pop(&d->owner, c);
		return ptr != NULL ? ptr : aml_heap_alloc_classed(d, c);
	}
	ptr = size < AML_HEAP_MAX_SIZE
		  ? aml__tbb.pool_malloc(d->plain.engine, size)
		  : NULL;
	aml__heap_got(&d->chunks);
	return ptr != NULL ? ptr : aml__fail_null(AML_ENOMEM);
}

static void *aml_heap_aligned_alloc(struct aml_allocator_data *d, size_t size,
				    size_t alignment)
{
	void *ptr =
	    size < AML_HEAP_MAX_SIZE && alignment < AML_HEAP_MAX_SIZE
		? aml__tbb.pool_aligned_malloc(d->plain.engine, size, alignment)
		: NULL;

	aml__heap_got(&d->chunks);
	return ptr != NULL ? ptr : aml__fail_null(AML_ENOMEM);
}

/* The lookup's record of `ptr`, from the span that slot `s` remembers
 * when `ptr` lies in the span of the thread's last free (two loads
 * instead of four). */
static const struct aml__lookup_range *aml_heap_find(struct aml__heap_slot *s,
						     const void *ptr)
{
	uintptr_t number = (uintptr_t)ptr >> AML__LOOKUP_SPAN_SHIFT;

	if (s == NULL)
		return aml__lookup_find(ptr);
	if (s->span == NULL || s->span_number != number) {
		s->span = aml__lookup_span(ptr);
		if (s->span == NULL)
			return aml__lookup_find(ptr);
		s->span_number = number;
	}
	return aml__lookup_find_in(s->span, ptr);
}

/* The header of `ptr`, an address in the classed pool's chunks, when it
 * is a live object; else NULL (a pointer inside an object, one freed
 * already). */
static struct aml__heap_header *aml_heap_live(struct aml_allocator_data *d,
					      const void *ptr)
{
	struct aml__heap_header *h = aml__heap_header_of(ptr);

	if ((uintptr_t)ptr % sizeof(*h) != 0)
		return NULL;
	/* At a page's start the header lies on the page before, which might
	 * not be the pool's. */
	if ((uintptr_t)ptr % ((uintptr_t)1 << AML__LOOKUP_PAGE_SHIFT) == 0 &&
	    aml__lookup_find(h) != &d->classed.range)
		return NULL;
	if (h->state != AML__HEAP_LIVE || h->size_class >= AML__HEAP_CLASSES)
		return NULL;
	return h;
}

static int aml_heap_free_classed(struct aml_allocator_data *d,
				 struct aml__heap_slot *s, void *ptr)
{
	struct aml__heap_header *h = aml_heap_live(d, ptr);

	if (h == NULL)
		return -AML_EINVAL;
	h->state = 0;
	if (aml__heap_cache_push(&d->owner, s, ptr, h->size_class))
		return AML_SUCCESS;
	aml__heap_gives(&d->chunks);
	return aml__tbb.pool_free(d->classed.engine, h) ? AML_SUCCESS
							: -AML_EINVAL;
}

static int aml_heap_free(struct aml_allocator_data *d, void *ptr)
{
	struct aml__heap_slot *s = aml__heap_cache_slot(&d->owner);
	const struct aml__lookup_range *r = aml_heap_find(s, ptr);

	if (r == &d->classed.range)
		return aml_heap_free_classed(d, s, ptr);
	if (r != &d->plain.range)
		return -AML_EINVAL;
	aml__heap_gives(&d->chunks);
	return aml__tbb.pool_free(d->plain.engine, ptr) ? AML_SUCCESS
							: -AML_EINVAL;
}

/* What the caller may use of `ptr`, whose record in the lookup is `r`; 0
 * when the heap does not own it as a live object. */
static size_t aml_heap_size_of(struct aml_allocator_data *d,
			       const struct aml__lookup_range *r,
			       const void *ptr)
{
	struct aml__heap_header *h;

	if (r == &d->plain.range)
		return aml__tbb.pool_msize(d->plain.engine, (void *)ptr);
	if (r != &d->classed.range || (h = aml_heap_live(d, ptr)) == NULL)
		return 0;
	return aml__heap_class_size(h->size_class);
}

/* Resize by moving: the copy is the heap's, between the new object's
 * allocation and the old one's free (which ThreadSanitizer sees). */
static void *aml_heap_move(struct aml_allocator_data *d, void *ptr, size_t old,
			   size_t size)
{
	void *moved = aml_heap_alloc(d, size);

	if (moved == NULL)
		return NULL;
	memcpy(moved, ptr, old < size ? old : size);
	aml_heap_free(d, ptr);
	return moved;
}

static void *aml_heap_realloc(struct aml_allocator_data *d, void *ptr,
			      size_t size)
{
	const struct aml__lookup_range *r = aml__lookup_find(ptr);
	size_t old = aml_heap_size_of(d, r, ptr);

	if (old == 0)
		return aml__fail_null(AML_EINVAL);
	if (size >= AML_HEAP_MAX_SIZE)
		return aml__fail_null(AML_ENOMEM);
	if (r == &d->classed.range) {
		/* Kept while the request stays in its class. */
		if (size <= AML__HEAP_CLASSED_MAX &&
		    aml__heap_class_size(aml__heap_class_up(size)) == old)
			return ptr;
		return aml_heap_move(d, ptr, old, size);
	}
#ifdef AML__HEAP_TSAN
	/* tbbmalloc's own move copies with memcpy, which TSan checks, into
	 * memory the pool handed out before the heap could acquire it. */
	return aml_heap_move(d, ptr, old, size);
#else
	void *moved = aml__tbb.pool_realloc(d->plain.engine, ptr, size);

	return moved != NULL ? moved : aml__fail_null(AML_ENOMEM);
#endif
}

static size_t aml_heap_usable_size(struct aml_allocator_data *d,
				   const void *ptr)
{
	size_t size = aml_heap_size_of(d, aml__lookup_find(ptr), ptr);

	if (size == 0)
		aml_errno = AML_EINVAL;
	return size;
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
	struct aml_allocator_data *d;
	int err;

	if (out != NULL)
		*out = NULL;
	if (out == NULL || area == NULL || area->ops == NULL ||
	    area->ops->mmap == NULL)
		return -AML_EINVAL;
	if (aml_heap_area_is_device(area) || !aml__tbb_load())
		return -AML_ENOTSUP;
	aml__heap_cache_init();
	err = aml__allocator_new(out, area, opts, &aml_allocator_heap_ops,
				 sizeof(*d));
	if (err != AML_SUCCESS)
		return err;
	d = (*out)->data;
	d->chunks.area = area;
	d->chunks.opts = opts;
	d->chunks.lock = &d->base.lock;
	if (aml__heap_pool_create(&d->classed, &d->chunks, *out) != 0) {
		aml__allocator_delete(out);
		return -AML_ENOMEM;
	}
	if (aml__heap_pool_create(&d->plain, &d->chunks, *out) != 0) {
		aml__heap_pool_destroy(&d->classed);
		aml__heap_pool_release_idle(&d->classed);
		aml__allocator_delete(out);
		return -AML_ENOMEM;
	}
	aml__heap_cache_register(&d->owner, d->classed.engine, &d->chunks);
	return AML_SUCCESS;
}

/* Unmap every idle chunk of both pools: the first error, if any. */
static int aml_heap_release_idle(struct aml_allocator_data *d)
{
	int err = aml__heap_pool_release_idle(&d->classed);
	int err2 = aml__heap_pool_release_idle(&d->plain);

	return err != AML_SUCCESS ? err : err2;
}

int aml_allocator_heap_trim(struct aml_allocator *allocator)
{
	struct aml_allocator_data *d;

	if (allocator == NULL || allocator->ops != &aml_allocator_heap_ops)
		return -AML_EINVAL;
	d = allocator->data;
	aml__heap_cache_flush(&d->owner);
	/* The calling thread's blocks cached by the engine, in every pool. */
	aml__tbb.command(AML__TBB_CLEAN_THREAD_BUFFERS, NULL);
	return aml_heap_release_idle(d);
}

int aml_allocator_heap_destroy(struct aml_allocator **allocator)
{
	struct aml_allocator_data *d;
	int ret = aml__allocator_destroying(allocator, &aml_allocator_heap_ops);

	if (ret <= 0)
		return ret;
	d = (*allocator)->data;
	aml__heap_cache_unregister(&d->owner);
	/* pool_destroy hands every chunk to raw_free, live objects or not. */
	aml__heap_pool_destroy(&d->classed);
	aml__heap_pool_destroy(&d->plain);
	ret = aml_heap_release_idle(d);
	aml__allocator_delete(allocator);
	return ret;
}
