/* The buddy allocator never touches the memory it manages: it runs here
 * on PROT_NONE mappings (any access would crash), then on normal memory
 * for the generic checks. */
#include "aml/higher/allocator/buddy.h"
#include "allocator_test.h"
#include "aml/area/linux.h"

/* Every object on untouchable memory: sizes, alignment, reuse, merges. */
static void test_untouched(struct aml_allocator *b,
			   struct test_counting_area *c)
{
	enum { N = 3000 };
	static void *p[N];
	static size_t sz[N];

	for (int i = 0; i < N; i++) {
		sz[i] = (size_t)1 + (size_t)(i * 7919) % (1u << (i % 23));
		p[i] = aml_alloc(b, sz[i]);
		CHECK(p[i] != NULL);
		CHECK(aml_allocator_of(p[i]) == b);
		CHECK(aml_usable_size(b, p[i]) >= sz[i]);
		CHECK((uintptr_t)p[i] % 256 == 0);
	}
	/* No two objects overlap. */
	for (int i = 0; i < N; i += 37)
		for (int j = 0; j < N; j++)
			CHECK(i == j || (char *)p[j] + sz[j] <= (char *)p[i] ||
			      (char *)p[i] + sz[i] <= (char *)p[j]);
	for (int i = 0; i < N; i += 2)
		CHECK_EQ(aml_free(b, p[i]), AML_SUCCESS);
	/* Double free and interior pointers are refused. */
	CHECK_EQ(aml_free(b, p[0]), -AML_EINVAL);
	CHECK_EQ(aml_free(b, (char *)p[1] + 256), -AML_EINVAL);
	for (int i = 1; i < N; i += 2)
		CHECK_EQ(aml_free(b, p[i]), AML_SUCCESS);
	/* Everything merged back: one chunk is kept. */
	CHECK_EQ(c->mappings, 1);
	for (size_t align = 1; align <= ((size_t)1 << 24); align <<= 1) {
		void *q = aml_aligned_alloc(b, 300, align);

		CHECK(q != NULL && (uintptr_t)q % align == 0);
		CHECK_EQ(aml_free(b, q), AML_SUCCESS);
	}
}

int main(void)
{
	struct aml_area_linux_mmap_options none = {
	    .ptr = NULL,
	    .flags = MAP_PRIVATE | MAP_ANONYMOUS,
	    .mode = PROT_NONE,
	    .fd = -1,
	    .offset = 0,
	};
	struct test_counting_area c;
	struct aml_allocator *b = (void *)1;

	CHECK_EQ(aml_allocator_buddy_create(NULL, &aml_area_linux, NULL),
		 -AML_EINVAL);
	CHECK_EQ(aml_allocator_buddy_create(&b, NULL, NULL), -AML_EINVAL);
	CHECK(b == NULL);
	CHECK_EQ(aml_allocator_buddy_destroy(&b), AML_SUCCESS);

	test_counting_init(&c, &aml_area_linux);
	CHECK_EQ(aml_allocator_buddy_create(
		     &b, &c.area, (struct aml_area_mmap_options *)&none),
		 AML_SUCCESS);
	test_untouched(b, &c);
	for (int i = 0; i < 10; i++)
		CHECK(aml_alloc(b, (size_t)1000 << i) != NULL);
	CHECK_EQ(aml_allocator_buddy_destroy(&b), AML_SUCCESS);
	CHECK(b == NULL);
	CHECK_EQ(c.mappings, 0);
	CHECK_EQ(c.bytes, 0);

	CHECK_EQ(aml_allocator_buddy_create(&b, &c.area, NULL), AML_SUCCESS);
	test_bad_input(b);
	test_objects(b);
	CHECK_EQ(aml_allocator_buddy_destroy(&b), AML_SUCCESS);
	CHECK_EQ(c.mappings, 0);
	return 0;
}
