/* A user's program: the installed headers and library, and nothing else. */
#include <aml.h>
#include <aml/area/linux.h>
#include <aml/higher/allocator/heap.h>

/* Small objects from a heap on the area (the static library brings its
 * engine along). */
static int use_heap(struct aml_area *area)
{
	struct aml_allocator *heap;
	char *obj;

	if (aml_allocator_heap_create(&heap, area, NULL) != AML_SUCCESS)
		return 1;
	obj = aml_alloc(heap, 100);
	if (obj == NULL || aml_allocator_of(obj) != heap) {
		fprintf(stderr, "heap object %p\n", (void *)obj);
		return 1;
	}
	memset(obj, 1, 100);
	aml_free(heap, obj);
	return aml_allocator_heap_destroy(&heap);
}

int main(void)
{
	const size_t size = 64 * 4096;
	struct aml_area *area;
	int err;
	char *buf;

	/* Headers and library agree. */
	if (strcmp(aml_version_string, AML_VERSION_STRING) != 0 ||
	    aml_version_major != AML_VERSION_MAJOR) {
		fprintf(stderr, "library %s, headers %s\n", aml_version_string,
			AML_VERSION_STRING);
		return 1;
	}
	if (!aml_support_backends(AML_BACKEND_LIBNUMA))
		return 0;

	err = aml_area_linux_create(&area, NULL,
				    AML_AREA_LINUX_POLICY_INTERLEAVE);
	if (err != AML_SUCCESS) {
		fprintf(stderr, "create: %s\n", aml_strerror(err));
		return 1;
	}
	buf = aml_area_mmap(area, size, NULL);
	if (buf == NULL) {
		aml_perror("mmap");
		return 1;
	}
	memset(buf, 1, size);
	if (aml_area_linux_check_binding(
		(struct aml_area_linux_data *)area->data, buf, size) != 1) {
		fprintf(stderr, "buffer not interleaved\n");
		return 1;
	}
	aml_area_fprintf(stdout, "consumer: ", area);
	aml_area_munmap(area, buf, size);
	if (use_heap(area) != 0)
		return 1;
	aml_area_linux_destroy(&area);
	return 0;
}
