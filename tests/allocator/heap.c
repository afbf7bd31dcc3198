/* The heap: objects, bad input, lookup, trim, destroy with live objects,
 * no mapping left behind, device memory refused. */
#include "aml/higher/allocator/heap.h"
#include "allocator_test.h"
#include "aml/area/cuda.h"
#include "aml/area/linux.h"
#include "aml/higher/allocator/area.h"

static void test_create_errors(void)
{
	struct aml_allocator *h = (void *)1;
	struct aml_area no_ops = {NULL, NULL};

	CHECK_EQ(aml_allocator_heap_create(NULL, &aml_area_linux, NULL),
		 -AML_EINVAL);
	CHECK_EQ(aml_allocator_heap_create(&h, NULL, NULL), -AML_EINVAL);
	CHECK(h == NULL);
	CHECK_EQ(aml_allocator_heap_create(&h, &no_ops, NULL), -AML_EINVAL);
	/* The CPU cannot write CUDA device memory: the buddy serves there. */
	h = (void *)1;
	CHECK_EQ(aml_allocator_heap_create(&h, &aml_area_cuda, NULL),
		 -AML_ENOTSUP);
	CHECK(h == NULL);
	CHECK_EQ(aml_allocator_heap_trim(NULL), -AML_EINVAL);
	CHECK_EQ(aml_allocator_heap_destroy(NULL), AML_SUCCESS);
	CHECK_EQ(aml_allocator_heap_destroy(&h), AML_SUCCESS);
}

/* 20000 objects (86 MiB of chunks), all freed: chunks go back to the
 * heap's cache or the area; trim empties the cache. */
static void test_trim(struct aml_allocator *h, struct test_counting_area *c)
{
	enum { N = 20000 };
	static void *p[N];
	size_t before = c->bytes;

	for (int i = 0; i < N; i++) {
		p[i] = aml_alloc(h, 64 + (size_t)(i % 7) * 1000);
		CHECK(p[i] != NULL);
		*(char *)p[i] = 1;
	}
	CHECK(c->bytes >= (size_t)N * 64);
	for (int i = 0; i < N; i++)
		CHECK_EQ(aml_free(h, p[i]), AML_SUCCESS);
	CHECK_EQ(aml_allocator_heap_trim(h), AML_SUCCESS);
	/* What remains: the engine's bookkeeping and its cache of large
	 * blocks (test_objects()), about 8 MiB here. */
	printf("trim: %zu bytes mapped before, %zu after\n", before, c->bytes);
	CHECK(c->bytes <= before + ((size_t)8 << 20));
}

int main(void)
{
	struct test_counting_area c;
	struct aml_allocator *h, *other;
	void *live[64];
	int maps;

	test_create_errors();
	/* Warm up what the engine keeps for the life of the process, and
	 * the calling thread's cache (kept for the life of the thread). */
	CHECK_EQ(aml_allocator_heap_create(&h, &aml_area_linux, NULL), 0);
	live[0] = aml_alloc(h, 10);
	CHECK_EQ(aml_free(h, live[0]), AML_SUCCESS);
	CHECK_EQ(aml_allocator_heap_destroy(&h), AML_SUCCESS);
	maps = test_count_maps();

	test_counting_init(&c, &aml_area_linux);
	CHECK_EQ(aml_allocator_heap_create(&h, &c.area, NULL), AML_SUCCESS);
	CHECK_EQ(aml_allocator_heap_create(&other, &aml_area_linux, NULL),
		 AML_SUCCESS);
	test_bad_input(h);
	test_objects(h);
	test_trim(h, &c);
	live[0] = aml_alloc(other, 100);
	CHECK(aml_allocator_of(live[0]) == other);
	CHECK_EQ(aml_free(h, live[0]), -AML_EINVAL);
	CHECK_EQ(aml_free(other, live[0]), AML_SUCCESS);
	CHECK_EQ(aml_allocator_heap_destroy(&other), AML_SUCCESS);
	/* Destroying another kind of allocator as a heap is refused. */
	CHECK_EQ(aml_allocator_area_create(&other, &aml_area_linux, NULL), 0);
	CHECK_EQ(aml_allocator_heap_destroy(&other), -AML_EINVAL);
	CHECK_EQ(aml_allocator_heap_trim(other), -AML_EINVAL);
	CHECK_EQ(aml_allocator_area_destroy(&other), AML_SUCCESS);
	/* Destroy with live objects returns every chunk. */
	for (int i = 0; i < 64; i++) {
		live[i] = aml_alloc(h, (size_t)16 << (i % 17));
		CHECK(live[i] != NULL);
	}
	CHECK(c.mappings > 0);
	CHECK_EQ(aml_allocator_heap_destroy(&h), AML_SUCCESS);
	CHECK(h == NULL);
	CHECK_EQ(c.mappings, 0);
	CHECK_EQ(c.bytes, 0);
	for (int i = 0; i < 64; i++)
		CHECK(aml_allocator_of(live[i]) == NULL);
	test_maps_back_to(maps);
	printf("heap: %ld mappings from the area, all returned\n",
	       c.maps_total);
	return 0;
}
