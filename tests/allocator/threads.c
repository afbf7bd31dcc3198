/*
 * Every allocator under 4 threads: objects allocated by one thread and
 * freed (or resized) by the next, while another thread creates and
 * destroys heaps (registering and removing chunks in the lookup) and looks
 * up pointers without a lock. Contents are checked; run under the
 * sanitizers (label `threads`).
 */
#include <stdatomic.h>

#include "allocator_test.h"
#include "aml/area/linux.h"
#include "aml/higher/allocator/area.h"
#include "aml/higher/allocator/buddy.h"
#include "aml/higher/allocator/heap.h"

#define THREADS 4
#define OBJECTS 2000

static struct aml_allocator *shared;
static void *_Atomic handoff[THREADS][OBJECTS];
static atomic_int stop;

static void *churn(void *arg)
{
	(void)arg;
	while (!atomic_load(&stop)) {
		struct aml_allocator *h;
		void *p;

		CHECK_EQ(aml_allocator_heap_create(&h, &aml_area_linux, NULL),
			 0);
		p = aml_alloc(h, 5000);
		CHECK(p != NULL && aml_allocator_of(p) == h);
		CHECK_EQ(aml_allocator_heap_destroy(&h), 0);
	}
	return NULL;
}

static void *worker(void *arg)
{
	int self = (int)(intptr_t)arg, next = (self + 1) % THREADS;
	unsigned seed = (unsigned)self + 1;

	for (int i = 0; i < OBJECTS; i++) {
		size_t size = 16 + (size_t)rand_r(&seed) % 20000;
		unsigned char *p = aml_alloc(shared, size);

		CHECK(p != NULL && aml_allocator_of(p) == shared);
		memset(p, (unsigned char)i, size);
		p[0] = (unsigned char)i;
		atomic_store(&handoff[next][i], p);
	}
	/* Resize and free what the previous thread made. */
	for (int i = 0; i < OBJECTS; i++) {
		size_t resized = i % 2 ? 100 : 30000;
		unsigned char *p;

		while ((p = atomic_load(&handoff[self][i])) == NULL)
			sched_yield();
		CHECK(p[0] == (unsigned char)i);
		/* Shrink, or grow (the engine copies the object). */
		p = aml_realloc(shared, p, resized);
		CHECK(p != NULL && p[0] == (unsigned char)i);
		CHECK(aml_usable_size(shared, p) >= resized);
		p[resized - 1] = 0;
		CHECK_EQ(aml_free(shared, p), AML_SUCCESS);
	}
	return NULL;
}

static void run(struct aml_allocator *a)
{
	pthread_t t[THREADS], c;

	shared = a;
	memset(handoff, 0, sizeof(handoff));
	atomic_store(&stop, 0);
	CHECK(pthread_create(&c, NULL, churn, NULL) == 0);
	for (int i = 0; i < THREADS; i++)
		CHECK(pthread_create(&t[i], NULL, worker,
				     (void *)(intptr_t)i) == 0);
	for (int i = 0; i < THREADS; i++)
		CHECK(pthread_join(t[i], NULL) == 0);
	atomic_store(&stop, 1);
	CHECK(pthread_join(c, NULL) == 0);
}

int main(void)
{
	struct test_counting_area count;
	struct aml_allocator *a;

	test_counting_init(&count, &aml_area_linux);
	CHECK_EQ(aml_allocator_heap_create(&a, &count.area, NULL), 0);
	run(a);
	CHECK_EQ(aml_allocator_heap_destroy(&a), 0);
	CHECK_EQ(aml_allocator_buddy_create(&a, &count.area, NULL), 0);
	run(a);
	CHECK_EQ(aml_allocator_buddy_destroy(&a), 0);
	CHECK_EQ(aml_allocator_area_create(&a, &count.area, NULL), 0);
	run(a);
	CHECK_EQ(aml_allocator_area_destroy(&a), 0);
	CHECK_EQ(count.mappings, 0);
	return 0;
}
