/*
 * The heap's thread caches: each thread keeps the small objects it freed,
 * per heap and size class, for its next allocations of that class, so that
 * most allocations and frees touch neither the engine's pool nor anything
 * another thread writes. Internal, not installed.
 *
 * Classes: 16 B steps up to 128 B, then four per power of two up to
 * 64 KiB (160, 192, 224, 256, 320, ...). An object of a class is a block
 * of the engine holding a header (struct aml__heap_header: its class,
 * whether it is live) and then the class's size: a free knows the class
 * without asking the engine (which costs more than the rest of a free).
 */
#ifndef AML_ALLOCATOR_HEAP_CACHE_H
#define AML_ALLOCATOR_HEAP_CACHE_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "allocator/heap/engine.h"

#define AML__HEAP_CLASSES 44
/* The largest class. */
#define AML__HEAP_CLASSED_MAX ((size_t)65536)
/* Heaps a thread caches for at once (more live heaps share slots: the
 * first one to use a slot in a thread keeps it while it lives). */
#define AML__HEAP_SLOTS 8
/* What a thread keeps per heap: objects per class, bytes in all. A batch
 * of 4096 objects of up to 4 KiB fits, so a thread that frees a batch and
 * allocates it again never reaches the shared pool; a thread that only
 * frees hands what passes these bounds back to the pool. */
#define AML__HEAP_BIN_OBJECTS 4096u
#define AML__HEAP_SLOT_BYTES ((size_t)32 << 20)

/* A heap as the caches see it, registered while the heap lives. */
struct aml__heap_owner {
	unsigned long long id; /* never reused */
	unsigned slot;	       /* its slot in every thread's cache */
	struct aml__tbb_pool *pool;
	void *sync; /* the heap's object for ThreadSanitizer (engine.h) */
	struct aml__heap_owner *next;
};

/* Before every object of a class. The engine may write its first word
 * once the block is back in its pool. */
struct aml__heap_header {
	void *engine;
	uint32_t size_class;
	uint32_t state; /* AML__HEAP_LIVE while the caller holds the object */
};
#define AML__HEAP_LIVE 0x4c495645u

static inline struct aml__heap_header *aml__heap_header_of(const void *p)
{
	return (struct aml__heap_header *)p - 1;
}

struct aml__heap_slot {
	unsigned long long id;	 /* of the owner, 0 when free */
	unsigned long long seen; /* destroys counted when the owner lived */
	size_t bytes;
	/* The lookup's entry of the span that the thread's last free of the
	 * heap lay in (aml__lookup_span()), and that span's number. */
	const _Atomic uintptr_t *span;
	uintptr_t span_number;
	/* Per class, a stack of up to AML__HEAP_BIN_OBJECTS objects: an
	 * array, not a list through the objects, so that taking one does not
	 * wait for its memory. */
	void **stack; /* AML__HEAP_CLASSES stacks, one after another */
	uint32_t count[AML__HEAP_CLASSES];
};

/* A thread's caches: the slots, then their stacks, in one mapping whose
 * pages are touched only as stacks fill. */
struct aml__heap_tcache {
	struct aml__heap_slot slot[AML__HEAP_SLOTS];
};
#define AML__HEAP_TCACHE_HEAD ((size_t)8192)
#define AML__HEAP_TCACHE_BYTES                                                 \
	(AML__HEAP_TCACHE_HEAD + (size_t)AML__HEAP_SLOTS * AML__HEAP_CLASSES * \
				     AML__HEAP_BIN_OBJECTS * sizeof(void *))

/* initial-exec: one load from the thread pointer on every call, where the
 * default model of a shared library calls __tls_get_addr. */
extern __thread struct aml__heap_tcache *aml__heap_self
    __attribute__((tls_model("initial-exec")));

/* The class of a request of 1 to AML__HEAP_CLASSED_MAX bytes: the
 * smallest whose size is at least `size`. */
static inline unsigned aml__heap_class_up(size_t size)
{
	unsigned p;

	if (size <= 128)
		return (unsigned)((size + 15) >> 4) - 1;
	p = 63u - (unsigned)__builtin_clzll(size - 1);
	return 8 + (p - 7) * 4 + (unsigned)(((size - 1) >> (p - 2)) & 3);
}

static inline size_t aml__heap_class_size(unsigned c)
{
	unsigned p = 7 + (c - 8) / 4;

	if (c < 8)
		return 16 * ((size_t)c + 1);
	return ((size_t)1 << p) + ((c - 8) % 4 + 1) * ((size_t)1 << (p - 2));
}

/* The calling thread's slot of `o`, taken now if it can be; NULL when the
 * thread cannot cache for `o` (no memory, or the slot is another live
 * heap's). */
struct aml__heap_slot *aml__heap_cache_claim(const struct aml__heap_owner *o);

static inline struct aml__heap_slot *
aml__heap_cache_slot(const struct aml__heap_owner *o)
{
	struct aml__heap_tcache *t = aml__heap_self;

	if (t != NULL && t->slot[o->slot].id == o->id)
		return &t->slot[o->slot];
	return NULL;
}

/* An object of class `c` from the calling thread's cache of `o`, or
 * NULL. */
static inline void *aml__heap_cache_pop(const struct aml__heap_owner *o,
					unsigned c)
{
	struct aml__heap_slot *s = aml__heap_cache_slot(o);
	void *p;

	if (s == NULL || s->count[c] == 0)
		return NULL;
	p = s->stack[c * AML__HEAP_BIN_OBJECTS + --s->count[c]];
	aml__heap_unpoison(p, aml__heap_class_size(c));
	s->bytes -= aml__heap_class_size(c);
	aml__heap_header_of(p)->state = AML__HEAP_LIVE;
	return p;
}

/* Keep freed object `p` of class `c` in the calling thread's cache of `o`
 * (`s`: its slot, or NULL when the thread has none yet): 1 when kept, 0
 * when it must go back to the pool. */
static inline int aml__heap_cache_push(const struct aml__heap_owner *o,
				       struct aml__heap_slot *s, void *p,
				       unsigned c)
{
	size_t bytes = aml__heap_class_size(c);

	if (s == NULL && (s = aml__heap_cache_claim(o)) == NULL)
		return 0;
	if (s->count[c] >= AML__HEAP_BIN_OBJECTS ||
	    s->bytes + bytes > AML__HEAP_SLOT_BYTES)
		return 0;
	aml__heap_poison(p, bytes);
	s->stack[c * AML__HEAP_BIN_OBJECTS + s->count[c]++] = p;
	s->bytes += bytes;
	return 1;
}

/*
 * Prepare the caches, before the first engine pool exists. At a thread's
 * end its cached objects go back to the engine from the destructor of a
 * thread-specific key, which must run before the engine's own (glibc runs
 * them in the order the keys were made): the engine then still holds the
 * thread's blocks and gives the empty ones back, where after its own
 * destructor it would keep them as orphans.
 */
void aml__heap_cache_init(void);

/* Register a new heap whose objects of a class come from `pool`: its id
 * and slot; `sync`: what the heap's annotations for ThreadSanitizer name. */
void aml__heap_cache_register(struct aml__heap_owner *o,
			      struct aml__tbb_pool *pool, void *sync);

/* Give the calling thread's cached objects of `o` back to its pool. */
void aml__heap_cache_flush(const struct aml__heap_owner *o);

/* Forget `o`, before its pool is destroyed: no thread gives it objects
 * any more, and the calling thread's slot is freed. */
void aml__heap_cache_unregister(struct aml__heap_owner *o);

#endif /* AML_ALLOCATOR_HEAP_CACHE_H */
