/*
 * The heap's engine pools and their chunks: each pool maps chunks from the
 * heap's area through the engine's raw alloc/free callbacks, registers
 * them in the lookup under the pool's record, and keeps chunks the engine
 * hands back for reuse. Internal, not installed.
 */
#ifndef AML_ALLOCATOR_HEAP_CHUNKS_H
#define AML_ALLOCATOR_HEAP_CHUNKS_H

#include "allocator/heap/engine.h"
#include "allocator/lookup.h"

#include "aml.h"

/* What a heap's pools share: where chunks come from, and the idle ones'
 * budget. */
struct aml__heap_chunks {
	struct aml_area *area;
	struct aml_area_mmap_options *opts;
	pthread_mutex_t *lock; /* the idle chunks of every pool */
	size_t idle_bytes;
};

struct aml__heap_pool {
	struct aml__heap_chunks *chunks;
	struct aml__tbb_pool *engine;
	struct aml__lookup_range range; /* the record of its chunks */
	struct aml__lookup_range *idle; /* newest first */
	unsigned long long last_decay;
};

/* Create `pool`'s engine pool, on `chunks`, its chunks owned by `owner`
 * in the lookup. 0, or -AML_ENOMEM. */
int aml__heap_pool_create(struct aml__heap_pool *pool,
			  struct aml__heap_chunks *chunks,
			  struct aml_allocator *owner);

/* Destroy `pool`'s engine pool: every chunk goes back, live objects or
 * not, to its idle chunks. */
void aml__heap_pool_destroy(struct aml__heap_pool *pool);

/* Unmap `pool`'s idle chunks: 0 or the first error of the area. */
int aml__heap_pool_release_idle(struct aml__heap_pool *pool);

#endif /* AML_ALLOCATOR_HEAP_CHUNKS_H */
