/* Linking libaml, and using its heap, leaves the process's malloc alone:
 * `malloc` still resolves to the C library, and heap objects never come
 * from it. */
#include <dlfcn.h>
#include <malloc.h>

#include "allocator_test.h"
#include "aml/area/linux.h"
#include "aml/higher/allocator/heap.h"

static void check_libc(const char *name)
{
	void *sym = dlsym(RTLD_DEFAULT, name);
	Dl_info info;

	CHECK(sym != NULL);
	CHECK(dladdr(sym, &info) != 0 && info.dli_fname != NULL);
	/* Sanitizer runtimes intercept malloc in their builds. */
	if (strstr(info.dli_fname, "libc.so") == NULL &&
	    strstr(info.dli_fname, "san.so") == NULL) {
		fprintf(stderr, "%s comes from %s\n", name, info.dli_fname);
		exit(1);
	}
}

int main(void)
{
	const char *names[] = {"malloc",
			       "free",
			       "calloc",
			       "realloc",
			       "posix_memalign",
			       "aligned_alloc",
			       "malloc_usable_size"};
	struct aml_allocator *h;
	void *p, *q;

	CHECK_EQ(aml_allocator_heap_create(&h, &aml_area_linux, NULL), 0);
	p = aml_alloc(h, 64);
	CHECK(p != NULL);
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		check_libc(names[i]);
	/* glibc owns what malloc returns: its usable size, not the heap. */
	q = malloc(64);
	CHECK(q != NULL && malloc_usable_size(q) >= 64);
	CHECK(aml_allocator_of(q) == NULL);
	free(q);
	CHECK_EQ(aml_free(h, p), AML_SUCCESS);
	CHECK_EQ(aml_allocator_heap_destroy(&h), AML_SUCCESS);
	return 0;
}
