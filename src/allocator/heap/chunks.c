/*
 * Idle chunks are kept for reuse (refilling a chunk costs a page fault per
 * page), up to AML_HEAP_IDLE_BYTES per heap, and go back to the area once
 * idle for AML_HEAP_DECAY_NS (checked when the engine returns a chunk) or
 * at trim.
 */
#include "allocator/heap/chunks.h"

#define AML_HEAP_IDLE_BYTES ((size_t)1 << 30)
#define AML_HEAP_DECAY_NS 1000000000ull

static unsigned long long aml_heap_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	return (unsigned long long)ts.tv_sec * 1000000000ull +
	       (unsigned long long)ts.tv_nsec;
}

/* An idle chunk of `*bytes` to 2 * `*bytes`, or NULL. */
static void *aml_heap_reuse(struct aml__heap_pool *pool, size_t *bytes)
{
	struct aml__lookup_range **p, *r;
	void *base = NULL;

	pthread_mutex_lock(pool->chunks->lock);
	for (p = &pool->idle; (r = *p) != NULL; p = &r->next) {
		if (r->size >= *bytes && r->size / 2 <= *bytes) {
			*p = r->next;
			pool->chunks->idle_bytes -= r->size;
			base = r->base;
			*bytes = r->size;
			break;
		}
	}
	pthread_mutex_unlock(pool->chunks->lock);
	aml__lookup_range_delete(r);
	return base;
}

static void *aml_heap_raw_alloc(intptr_t id, size_t *bytes)
{
	struct aml__heap_pool *pool = (struct aml__heap_pool *)id;
	struct aml__heap_chunks *chunks = pool->chunks;
	void *base = aml_heap_reuse(pool, bytes);

	if (base == NULL) {
		base = aml_area_mmap(chunks->area, *bytes, chunks->opts);
		if (base == NULL)
			return NULL;
		if (aml__lookup_insert(base, *bytes, &pool->range)) {
			aml_area_munmap(chunks->area, base, *bytes);
			return NULL;
		}
	}
	aml__heap_unpoison(base, *bytes);
	/* What mapped the chunk comes before any use of its blocks. */
	aml__heap_gives(chunks);
	return base;
}

static int aml_heap_unmap(struct aml__heap_chunks *chunks, void *base,
			  size_t bytes)
{
	aml__lookup_remove(base, bytes);
	aml__heap_unpoison(base, bytes);
	return aml_area_munmap(chunks->area, base, bytes);
}

/* Unmap a list of idle chunks; the first error, if any. */
static int aml_heap_unmap_list(struct aml__heap_chunks *chunks,
			       struct aml__lookup_range *r)
{
	int ret = AML_SUCCESS;

	while (r != NULL) {
		struct aml__lookup_range *next = r->next;
		int err = aml_heap_unmap(chunks, r->base, r->size);

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
aml_heap_detach_idle(struct aml__heap_pool *pool, unsigned long long limit)
{
	struct aml__lookup_range **p = &pool->idle, *old;

	while (*p != NULL && (*p)->stamp >= limit)
		p = &(*p)->next;
	old = *p;
	*p = NULL;
	for (struct aml__lookup_range *r = old; r != NULL; r = r->next)
		pool->chunks->idle_bytes -= r->size;
	return old;
}

/* Keep the chunk while the idle budget has room, else unmap it; unmap the
 * chunks idle for too long. */
static int aml_heap_raw_free(intptr_t id, void *base, size_t bytes)
{
	struct aml__heap_pool *pool = (struct aml__heap_pool *)id;
	struct aml__heap_chunks *chunks = pool->chunks;
	struct aml__lookup_range *r = aml__lookup_range_new(), *old = NULL;
	unsigned long long now = aml_heap_now();

	/* Every use of the chunk's blocks comes before it is unmapped. */
	aml__heap_got(chunks);
	pthread_mutex_lock(chunks->lock);
	if (r != NULL && chunks->idle_bytes + bytes <= AML_HEAP_IDLE_BYTES) {
		r->base = base;
		r->size = bytes;
		r->stamp = now;
		r->next = pool->idle;
		pool->idle = r;
		chunks->idle_bytes += bytes;
		r = NULL;
		base = NULL;
	}
	if (now - pool->last_decay >= AML_HEAP_DECAY_NS) {
		old = aml_heap_detach_idle(pool, now - AML_HEAP_DECAY_NS);
		pool->last_decay = now;
	}
	pthread_mutex_unlock(chunks->lock);
	aml__lookup_range_delete(r);
	if (aml_heap_unmap_list(chunks, old) != AML_SUCCESS)
		return -1;
	return base == NULL || aml_heap_unmap(chunks, base, bytes) == 0 ? 0
									: -1;
}

int aml__heap_pool_release_idle(struct aml__heap_pool *pool)
{
	struct aml__lookup_range *r;

	aml__heap_got(pool->chunks);
	pthread_mutex_lock(pool->chunks->lock);
	r = aml_heap_detach_idle(pool, ~0ull);
	pthread_mutex_unlock(pool->chunks->lock);
	return aml_heap_unmap_list(pool->chunks, r);
}

int aml__heap_pool_create(struct aml__heap_pool *pool,
			  struct aml__heap_chunks *chunks,
			  struct aml_allocator *owner)
{
	struct aml__tbb_policy policy = {
	    .raw_alloc = aml_heap_raw_alloc,
	    .raw_free = aml_heap_raw_free,
	    .version = 1,
	};

	pool->chunks = chunks;
	pool->range.owner = owner;
	if (aml__tbb.pool_create((intptr_t)pool, &policy, &pool->engine) != 0)
		return -AML_ENOMEM;
	return AML_SUCCESS;
}

void aml__heap_pool_destroy(struct aml__heap_pool *pool)
{
	aml__tbb.pool_destroy(pool->engine);
	pool->engine = NULL;
}
