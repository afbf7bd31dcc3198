/*
 * The slow paths of the thread caches: a thread's first use of a heap,
 * flushes, the registry of live heaps and the end of a thread. Objects are
 * only ever handed to the pool of a heap found in the registry, under the
 * registry's lock, and a destroy leaves the registry under that lock before
 * its pool goes: another thread's stale slot of a destroyed heap is
 * dropped without touching its objects, whose chunks are gone.
 */
#include "allocator/heap/cache.h"
#include <pthread.h>
#include <sys/mman.h>

#include <string.h>

_Static_assert(sizeof(struct aml__heap_tcache) <= AML__HEAP_TCACHE_HEAD,
	       "the slots fit before the stacks");

__thread struct aml__heap_tcache *aml__heap_self
    __attribute__((tls_model("initial-exec")));

static pthread_mutex_t aml_heap_registry_lock = PTHREAD_MUTEX_INITIALIZER;
static struct aml__heap_owner *aml_heap_registry;
static unsigned long long aml_heap_last_id;
/* Heaps destroyed so far: a slot whose owner was alive at this count is
 * still its owner's. */
static _Atomic unsigned long long aml_heap_destroys;
static pthread_key_t aml_heap_key;
static pthread_once_t aml_heap_key_once = PTHREAD_ONCE_INIT;
static int aml_heap_key_ok;

/* Caller holds the registry's lock. */
static struct aml__heap_owner *aml_heap_find(unsigned long long id)
{
	struct aml__heap_owner *o = aml_heap_registry;

	while (o != NULL && o->id != id)
		o = o->next;
	return o;
}

static int aml_heap_lives(unsigned long long id)
{
	int lives;

	pthread_mutex_lock(&aml_heap_registry_lock);
	lives = aml_heap_find(id) != NULL;
	pthread_mutex_unlock(&aml_heap_registry_lock);
	return lives;
}

/* Empty slot `s` into `o`'s pool (NULL: drop its objects). */
static void aml_heap_slot_empty(struct aml__heap_slot *s,
				const struct aml__heap_owner *o)
{
	if (o != NULL)
		aml__heap_gives(o->sync);
	for (unsigned c = 0; o != NULL && c < AML__HEAP_CLASSES; c++) {
		void **stack = s->stack + c * AML__HEAP_BIN_OBJECTS;

		for (uint32_t i = 0; i < s->count[c]; i++) {
			aml__heap_unpoison(stack[i], aml__heap_class_size(c));
			aml__tbb.pool_free(o->pool,
					   aml__heap_header_of(stack[i]));
		}
	}
	s->id = 0;
	s->bytes = 0;
	s->span = NULL;
	memset(s->count, 0, sizeof(s->count));
}

/* Give a slot's objects back to their heap, if it still lives. */
static void aml_heap_slot_release(struct aml__heap_slot *s)
{
	if (s->id == 0)
		return;
	pthread_mutex_lock(&aml_heap_registry_lock);
	aml_heap_slot_empty(s, aml_heap_find(s->id));
	pthread_mutex_unlock(&aml_heap_registry_lock);
}

/* The end of a thread: its cached objects go back to their pools. */
static void aml_heap_thread_exit(void *arg)
{
	struct aml__heap_tcache *t = arg;

	for (unsigned i = 0; i < AML__HEAP_SLOTS; i++)
		aml_heap_slot_release(&t->slot[i]);
	if (aml__heap_self == t)
		aml__heap_self = NULL;
	munmap(t, AML__HEAP_TCACHE_BYTES);
}

static void aml_heap_key_create(void)
{
	aml_heap_key_ok =
	    pthread_key_create(&aml_heap_key, aml_heap_thread_exit) == 0;
}

void aml__heap_cache_init(void)
{
	pthread_once(&aml_heap_key_once, aml_heap_key_create);
}

/* Not malloc: the preload library's malloc is a heap. */
static struct aml__heap_tcache *aml_heap_tcache_new(void)
{
	struct aml__heap_tcache *t;

	aml__heap_cache_init();
	if (!aml_heap_key_ok)
		return NULL;
	t = mmap(NULL, AML__HEAP_TCACHE_BYTES, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (t == MAP_FAILED)
		return NULL;
	if (pthread_setspecific(aml_heap_key, t) != 0) {
		munmap(t, AML__HEAP_TCACHE_BYTES);
		return NULL;
	}
	for (unsigned i = 0; i < AML__HEAP_SLOTS; i++)
		t->slot[i].stack =
		    (void **)((char *)t + AML__HEAP_TCACHE_HEAD) +
		    (size_t)i * AML__HEAP_CLASSES * AML__HEAP_BIN_OBJECTS;
	aml__heap_self = t;
	return t;
}

struct aml__heap_slot *aml__heap_cache_claim(const struct aml__heap_owner *o)
{
	struct aml__heap_tcache *t = aml__heap_self;
	struct aml__heap_slot *s;
	unsigned long long destroys;

	if (t == NULL && (t = aml_heap_tcache_new()) == NULL)
		return NULL;
	s = &t->slot[o->slot];
	if (s->id == o->id)
		return s;
	destroys = atomic_load(&aml_heap_destroys);
	if (s->id != 0 && (s->seen == destroys || aml_heap_lives(s->id))) {
		s->seen = destroys;
		return NULL;
	}
	aml_heap_slot_empty(s, NULL);
	s->id = o->id;
	s->seen = destroys;
	return s;
}

/* The slot no live heap uses, else the new id's. Caller holds the lock. */
static unsigned aml_heap_pick_slot(unsigned long long id)
{
	unsigned used = 0;

	for (struct aml__heap_owner *o = aml_heap_registry; o != NULL;
	     o = o->next)
		used |= 1u << o->slot;
	for (unsigned i = 0; i < AML__HEAP_SLOTS; i++)
		if (!(used & (1u << i)))
			return i;
	return (unsigned)(id % AML__HEAP_SLOTS);
}

void aml__heap_cache_register(struct aml__heap_owner *o,
			      struct aml__tbb_pool *pool, void *sync)
{
	o->pool = pool;
	o->sync = sync;
	pthread_mutex_lock(&aml_heap_registry_lock);
	o->id = ++aml_heap_last_id;
	o->slot = aml_heap_pick_slot(o->id);
	o->next = aml_heap_registry;
	aml_heap_registry = o;
	pthread_mutex_unlock(&aml_heap_registry_lock);
}

void aml__heap_cache_flush(const struct aml__heap_owner *o)
{
	struct aml__heap_slot *s = aml__heap_cache_slot(o);

	if (s == NULL)
		return;
	aml_heap_slot_empty(s, o);
	s->id = o->id;
}

void aml__heap_cache_unregister(struct aml__heap_owner *o)
{
	struct aml__heap_owner **p;
	struct aml__heap_slot *s = aml__heap_cache_slot(o);

	pthread_mutex_lock(&aml_heap_registry_lock);
	for (p = &aml_heap_registry; *p != NULL && *p != o; p = &(*p)->next)
		;
	if (*p != NULL)
		*p = o->next;
	atomic_fetch_add(&aml_heap_destroys, 1);
	pthread_mutex_unlock(&aml_heap_registry_lock);
	if (s != NULL)
		aml_heap_slot_empty(s, NULL);
}
