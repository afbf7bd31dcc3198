/* The area allocator: objects, bad input, lookup, destroy. */
#include "aml/higher/allocator/area.h"
#include "allocator_test.h"
#include "aml/area/linux.h"

int main(void)
{
	struct aml_allocator *a = NULL, *b = NULL;
	struct test_counting_area count;
	void *live[8];
	int maps;

	CHECK_EQ(aml_allocator_area_create(NULL, &aml_area_linux, NULL),
		 -AML_EINVAL);
	a = (void *)1;
	CHECK_EQ(aml_allocator_area_create(&a, NULL, NULL), -AML_EINVAL);
	CHECK(a == NULL);
	CHECK_EQ(aml_allocator_area_destroy(NULL), AML_SUCCESS);
	CHECK_EQ(aml_allocator_area_destroy(&a), AML_SUCCESS);

	/* The lookup reserves its memory once, at the first object. */
	CHECK_EQ(aml_allocator_area_create(&a, &aml_area_linux, NULL), 0);
	CHECK_EQ(aml_free(a, aml_alloc(a, 1)), AML_SUCCESS);
	CHECK_EQ(aml_allocator_area_destroy(&a), AML_SUCCESS);
	maps = test_count_maps();

	test_counting_init(&count, &aml_area_linux);
	CHECK_EQ(aml_allocator_area_create(&a, &count.area, NULL), AML_SUCCESS);
	CHECK_EQ(aml_allocator_area_create(&b, &aml_area_linux, NULL),
		 AML_SUCCESS);
	test_bad_input(a);
	test_objects(a);
	/* An object of another allocator is foreign too. */
	live[0] = aml_alloc(b, 100);
	CHECK(live[0] != NULL && aml_allocator_of(live[0]) == b);
	CHECK_EQ(aml_free(a, live[0]), -AML_EINVAL);
	CHECK_EQ(aml_free(b, (char *)live[0] + 8), -AML_EINVAL);
	CHECK_EQ(aml_free(b, live[0]), AML_SUCCESS);
	CHECK(aml_allocator_of(live[0]) == NULL);
	/* A mapping per object: 128 MiB registers as a few radix entries. */
	live[0] = aml_alloc(a, (size_t)128 << 20);
	CHECK(live[0] != NULL);
	CHECK(aml_allocator_of((char *)live[0] + ((size_t)100 << 20)) == a);
	CHECK_EQ(aml_free(a, live[0]), AML_SUCCESS);
	/* Destroy with live objects unmaps them. */
	for (int i = 0; i < 8; i++)
		live[i] = aml_alloc(a, (size_t)4096 << i);
	CHECK_EQ(aml_allocator_area_destroy(&b), -AML_SUCCESS);
	CHECK(b == NULL);
	CHECK_EQ(aml_allocator_area_destroy(&a), AML_SUCCESS);
	CHECK(a == NULL);
	for (int i = 0; i < 8; i++)
		CHECK(aml_allocator_of(live[i]) == NULL);
	CHECK_EQ(count.mappings, 0);
	CHECK_EQ(count.bytes, 0);
	test_maps_back_to(maps);
	return 0;
}
