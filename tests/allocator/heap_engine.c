/*
 * The heap without its engine: aml_allocator_heap_create() returns
 * -AML_ENOTSUP when AML_ALLOCATOR_HEAP_ENGINE cannot be loaded, and
 * succeeds when it can. tests/cli/engine.sh runs this program again where
 * the engine is hidden.
 */
#include <dlfcn.h>

#include "allocator_test.h"
#include "aml/area/linux.h"
#include "aml/higher/allocator/heap.h"

int main(void)
{
	void *engine = dlopen(AML_ALLOCATOR_HEAP_ENGINE, RTLD_NOW | RTLD_LOCAL);
	struct aml_allocator *h = (void *)1;
	int err = aml_allocator_heap_create(&h, &aml_area_linux, NULL);

	if (engine == NULL) {
		CHECK_EQ(err, -AML_ENOTSUP);
		CHECK(h == NULL);
		printf("no %s here: heap refused with ENOTSUP\n",
		       AML_ALLOCATOR_HEAP_ENGINE);
		return 0;
	}
	CHECK_EQ(err, AML_SUCCESS);
	CHECK(aml_alloc(h, 10) != NULL);
	CHECK_EQ(aml_allocator_heap_destroy(&h), AML_SUCCESS);
	dlclose(engine);
	printf("%s loaded: heap created\n", AML_ALLOCATOR_HEAP_ENGINE);
	return 0;
}
