#include <stdlib.h>
#include <stdio.h>
#include <cuda.h>
#include <cuda_runtime.h>
#include <aml.h>
#include <aml/area/cuda.h>

/**
 * Find out how to fill the holes by looking into
 * header <aml/area/cuda.h>
 **/
void test_default_area(const size_t size, void *host_buf)
{
	void *device_buf;

	// Map data on current device.
	device_buf = aml_area_mmap(&aml_area_cuda, size, NULL);
	if (device_buf == NULL) {
		aml_perror("aml_area_cuda");
		exit(1);
	}
	// Check we can perform a data transfert to mapped device memory.
	assert(cudaMemcpy(device_buf,
			  host_buf,
			  size, cudaMemcpyHostToDevice) == cudaSuccess);

	printf("Default cuda area worked!\n");

	// Cleanup
	aml_area_munmap(&aml_area_cuda, device_buf, size);
}

/**
 * Create a cuda area that can map host memory to device memory.
 * Then map host_buf with device memory.
 * Finally set host_buf and check that device side memory,
 * has transparently been updated with the same values.
 **/
void test_custom_area(const size_t size, void *host_buf)
{
	int err;
	void *device_buf;
	struct aml_area *area;

	// Create an area that will map data on device 0, with host memory.
	err = aml_area_cuda_create(&area, 0, AML_AREA_CUDA_FLAG_ALLOC_MAPPED);
	if (err != AML_SUCCESS) {
		fprintf(stderr, "aml_area_cuda_create: %s\n",
			aml_strerror(err));
		exit(1);
	}

	// Map host memory with device memory.
	struct aml_area_cuda_mmap_options options = {
		.device = 0,
		.ptr = host_buf,
	};
	if (aml_area_mmap(area, size,
			  (struct aml_area_mmap_options *)&options) == NULL) {
		aml_perror("aml_area_cuda");
		exit(1);
	}
	
	// Get device memory that is mapped with host memory.
	assert(cudaHostGetDevicePointer(&device_buf, host_buf, 0) ==
	       cudaSuccess);

	// Set data from host.
	memset(host_buf, 0x2a, size);
	
	// Check that data on device has been set to the same value,
	// i.e mapping works.
	unsigned char *check = malloc(size);
	if (check == NULL) {
		perror("malloc");
		exit(1);
	}
	assert(cudaMemcpy(check, device_buf,
			  size, cudaMemcpyDeviceToHost) == cudaSuccess);
	for (size_t i = 0; i < size; i++)
		if (check[i] != 0x2a) {
			fprintf(stderr, "Mapped data differs at %zu\n", i);
			exit(1);
		}
	free(check);
	printf("Mapped cuda area worked!\n");

	// Cleanup
	aml_area_munmap(area, device_buf, size);
	aml_area_cuda_destroy(&area);
}

int main(void)
{
	// Skip tutorial if this is not supported.
	if (!aml_support_backends(AML_BACKEND_CUDA)) {
		printf("Skipped: no CUDA device or driver here (or AML was "
		       "built without the CUDA toolkit).\n");
		return 77;
	}

	const size_t size = (2 << 16);	// 16 pages
	void *host_buf = mmap(NULL, size,
			      PROT_READ | PROT_WRITE,
			      MAP_PRIVATE | MAP_ANONYMOUS,
			      0, 0);
	// mmap() reports failure with MAP_FAILED, not NULL: the check
	// compared against NULL and let a failed mapping through.
	if (host_buf == MAP_FAILED)
		return 1;

	test_default_area(size, host_buf);
	test_custom_area(size, host_buf);

	munmap(host_buf, size);
	return 0;
}
