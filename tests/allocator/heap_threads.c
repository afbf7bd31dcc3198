/*
 * The heap's classes and thread caches: class sizes, frees that the cache
 * catches (twice, inside an object), resizes, what a thread keeps and when
 * it goes back (trim, thread end), more live heaps than a thread has
 * slots, and a thread whose cache still holds objects of a heap that
 * another thread destroyed. Runs under the sanitizers (label `threads`).
 */
#include "allocator_test.h"
#include "aml/area/linux.h"
#include "aml/higher/allocator/heap.h"

/* Sizes of every class boundary and its neighbours, up to 64 KiB. */
static void test_classes(struct aml_allocator *h)
{
	size_t last = 0;

	for (size_t size = 1; size <= 70000; size += size < 300 ? 1 : 97) {
		unsigned char *p = aml_alloc(h, size);
		size_t usable;

		CHECK(p != NULL);
		CHECK((uintptr_t)p % 16 == 0);
		usable = aml_usable_size(h, p);
		CHECK(usable >= size);
		/* Classes grow by at most a quarter (16 B below 128 B). */
		if (size <= 65536) {
			CHECK(usable <= size + size / 4 + 16);
			CHECK(usable >= last);
			last = usable;
		}
		memset(p, 0xa5, usable);
		CHECK(aml_allocator_of(p + usable - 1) == h);
		CHECK_EQ(aml_free(h, p), AML_SUCCESS);
	}
}

/* A pointer freed twice, or one inside an object, is refused while the
 * object is in the cache. */
static void test_bad_frees(struct aml_allocator *h)
{
	char *p = aml_alloc(h, 100), *q = aml_alloc(h, 4000);

	CHECK(p != NULL && q != NULL);
	CHECK_EQ(aml_free(h, p + 16), -AML_EINVAL);
	CHECK_EQ(aml_free(h, p + 1), -AML_EINVAL);
	CHECK_EQ(aml_free(h, q + 2048), -AML_EINVAL);
	aml_errno = 0;
	CHECK(aml_usable_size(h, p + 32) == 0 && aml_errno == AML_EINVAL);
	CHECK_EQ(aml_free(h, p), AML_SUCCESS);
	CHECK_EQ(aml_free(h, p), -AML_EINVAL);
	aml_errno = 0;
	CHECK(aml_realloc(h, p, 10) == NULL && aml_errno == AML_EINVAL);
	CHECK_EQ(aml_free(h, q), AML_SUCCESS);
	/* The object comes back, whole, to the next request of its class. */
	p = aml_alloc(h, 4000);
	CHECK(p == q);
	memset(p, 1, 4000);
	CHECK_EQ(aml_free(h, p), AML_SUCCESS);
}

static void test_resizes(struct aml_allocator *h)
{
	unsigned char *p = aml_alloc(h, 100), *q;

	CHECK(p != NULL);
	memset(p, 3, 100);
	/* 100 and 110 B are one class (112 B): the object stays. */
	CHECK(aml_realloc(h, p, 110) == p);
	q = aml_realloc(h, p, 50000);
	CHECK(q != NULL && q != p && q[0] == 3 && q[99] == 3);
	memset(q, 4, 50000);
	p = aml_realloc(h, q, 1 << 20); /* to the plain pool */
	CHECK(p != NULL && p[0] == 4 && p[49999] == 4);
	q = aml_realloc(h, p, 20); /* and back to a class */
	CHECK(q != NULL && q[0] == 4 && q[19] == 4);
	CHECK_EQ(aml_free(h, q), AML_SUCCESS);
}

enum { OBJECTS = 4000, OBJECT_SIZE = 4000 };

struct keeper {
	struct aml_allocator *heap;
	pthread_barrier_t *barrier;
};

/* Allocate and free objects (which the thread's cache keeps), then wait
 * for the main thread's look before ending. */
static void *keep(void *arg)
{
	struct keeper *k = arg;
	static void *p[OBJECTS];

	for (int i = 0; i < OBJECTS; i++) {
		p[i] = aml_alloc(k->heap, OBJECT_SIZE);
		CHECK(p[i] != NULL);
		memset(p[i], i, OBJECT_SIZE);
	}
	for (int i = 0; i < OBJECTS; i++)
		CHECK_EQ(aml_free(k->heap, p[i]), AML_SUCCESS);
	pthread_barrier_wait(k->barrier);
	pthread_barrier_wait(k->barrier);
	return NULL;
}

/* The objects a thread keeps hold chunks until the thread ends; then
 * they go back, and trim returns the chunks. */
static void test_thread_end(void)
{
	struct test_counting_area c;
	pthread_barrier_t barrier;
	struct keeper k = {NULL, &barrier};
	pthread_t t;
	size_t empty, kept;

	test_counting_init(&c, &aml_area_linux);
	CHECK_EQ(aml_allocator_heap_create(&k.heap, &c.area, NULL), 0);
	CHECK_EQ(aml_allocator_heap_trim(k.heap), AML_SUCCESS);
	empty = c.bytes;
	pthread_barrier_init(&barrier, NULL, 2);
	CHECK_EQ(pthread_create(&t, NULL, keep, &k), 0);
	pthread_barrier_wait(&barrier);
	CHECK_EQ(aml_allocator_heap_trim(k.heap), AML_SUCCESS);
	kept = c.bytes;
	pthread_barrier_wait(&barrier);
	CHECK_EQ(pthread_join(t, NULL), 0);
	CHECK_EQ(aml_allocator_heap_trim(k.heap), AML_SUCCESS);
	printf("thread end: %zu bytes mapped empty, %zu with a thread's "
	       "cache, %zu after it ended\n",
	       empty, kept, c.bytes);
	CHECK(kept >= empty + (size_t)OBJECTS * OBJECT_SIZE);
	/* At least the objects' chunks went back (the engine keeps its
	 * bookkeeping). */
	CHECK(c.bytes + (size_t)OBJECTS * OBJECT_SIZE <= kept);
	CHECK_EQ(aml_allocator_heap_destroy(&k.heap), AML_SUCCESS);
	CHECK_EQ(c.mappings, 0);
	pthread_barrier_destroy(&barrier);
}

/* Trim from the thread that freed returns what its cache kept. */
static void test_trim_own_cache(void)
{
	struct test_counting_area c;
	struct aml_allocator *h;
	static void *p[OBJECTS];
	size_t kept;

	test_counting_init(&c, &aml_area_linux);
	CHECK_EQ(aml_allocator_heap_create(&h, &c.area, NULL), 0);
	for (int i = 0; i < OBJECTS; i++)
		CHECK((p[i] = aml_alloc(h, OBJECT_SIZE)) != NULL);
	for (int i = 0; i < OBJECTS; i++)
		CHECK_EQ(aml_free(h, p[i]), AML_SUCCESS);
	kept = c.bytes;
	CHECK(kept >= (size_t)OBJECTS * OBJECT_SIZE);
	CHECK_EQ(aml_allocator_heap_trim(h), AML_SUCCESS);
	printf("trim: %zu bytes mapped with the cache, %zu after\n", kept,
	       c.bytes);
	CHECK(c.bytes + (size_t)OBJECTS * OBJECT_SIZE <= kept);
	CHECK_EQ(aml_allocator_heap_destroy(&h), AML_SUCCESS);
}

/* More live heaps than a thread has slots, used in turns: every object is
 * its heap's, every free succeeds, contents hold. */
static void test_many_heaps(void)
{
	enum { HEAPS = 20, ROUNDS = 50, EACH = 30 };
	struct aml_allocator *h[HEAPS];
	unsigned char *p[HEAPS][EACH];

	for (int i = 0; i < HEAPS; i++)
		CHECK_EQ(
		    aml_allocator_heap_create(&h[i], &aml_area_linux, NULL),
		    AML_SUCCESS);
	for (int r = 0; r < ROUNDS; r++) {
		for (int i = 0; i < HEAPS; i++)
			for (int j = 0; j < EACH; j++) {
				p[i][j] = aml_alloc(h[i], 48 + (size_t)j * 8);
				CHECK(p[i][j] != NULL);
				CHECK(aml_allocator_of(p[i][j]) == h[i]);
				memset(p[i][j], i + j, 48);
			}
		for (int i = HEAPS - 1; i >= 0; i--)
			for (int j = 0; j < EACH; j++) {
				CHECK(p[i][j][47] == (unsigned char)(i + j));
				/* Not another heap's, even from a cache. */
				CHECK_EQ(aml_free(h[(i + 1) % HEAPS], p[i][j]),
					 -AML_EINVAL);
				CHECK_EQ(aml_free(h[i], p[i][j]), AML_SUCCESS);
			}
	}
	for (int i = 0; i < HEAPS; i++)
		CHECK_EQ(aml_allocator_heap_destroy(&h[i]), AML_SUCCESS);
}

struct stale {
	struct aml_allocator *heap;
	pthread_barrier_t barrier;
};

/* Fill this thread's cache of one heap, let the main thread destroy it and
 * make others (which take its slot), then use those. */
static void *outlive(void *arg)
{
	struct stale *s = arg;
	void *p[64];

	for (int i = 0; i < 64; i++)
		CHECK((p[i] = aml_alloc(s->heap, 64)) != NULL);
	for (int i = 0; i < 64; i++)
		CHECK_EQ(aml_free(s->heap, p[i]), AML_SUCCESS);
	pthread_barrier_wait(&s->barrier); /* the main thread destroys */
	pthread_barrier_wait(&s->barrier); /* and creates again */
	for (int i = 0; i < 64; i++) {
		CHECK((p[i] = aml_alloc(s->heap, 64)) != NULL);
		CHECK(aml_allocator_of(p[i]) == s->heap);
		memset(p[i], 9, 64);
	}
	for (int i = 0; i < 64; i++)
		CHECK_EQ(aml_free(s->heap, p[i]), AML_SUCCESS);
	return NULL;
}

static void test_stale_slot(void)
{
	struct stale s;
	struct aml_allocator *others[8];
	pthread_t t;

	CHECK_EQ(aml_allocator_heap_create(&s.heap, &aml_area_linux, NULL), 0);
	pthread_barrier_init(&s.barrier, NULL, 2);
	CHECK_EQ(pthread_create(&t, NULL, outlive, &s), 0);
	pthread_barrier_wait(&s.barrier);
	CHECK_EQ(aml_allocator_heap_destroy(&s.heap), AML_SUCCESS);
	for (int i = 0; i < 8; i++)
		CHECK_EQ(aml_allocator_heap_create(&others[i], &aml_area_linux,
						   NULL),
			 AML_SUCCESS);
	s.heap = others[0];
	pthread_barrier_wait(&s.barrier);
	CHECK_EQ(pthread_join(t, NULL), 0);
	for (int i = 0; i < 8; i++)
		CHECK_EQ(aml_allocator_heap_destroy(&others[i]), AML_SUCCESS);
	pthread_barrier_destroy(&s.barrier);
}

int main(void)
{
	struct aml_allocator *h;

	CHECK_EQ(aml_allocator_heap_create(&h, &aml_area_linux, NULL), 0);
	test_classes(h);
	test_bad_frees(h);
	test_resizes(h);
	CHECK_EQ(aml_allocator_heap_destroy(&h), AML_SUCCESS);
	test_thread_end();
	test_trim_own_cache();
	test_many_heaps();
	test_stale_slot();
	printf("heap classes and thread caches: ok\n");
	return 0;
}
