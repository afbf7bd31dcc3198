/*
 * CUDA area without a usable device (no driver, no device, or AML built
 * without CUDA): every operation that needs the runtime reports
 * AML_ENOTSUP, leaves nothing behind, and the caller's memory is left as
 * it was. Skipped where a device works.
 */
#include <aml.h>
#include <aml/area/cuda.h>

#if AML_HAVE_BACKEND_CUDA
#include <cuda_runtime.h>
#endif

#include "check.h"

#define H AML_AREA_CUDA_FLAG_ALLOC_HOST
#define U AML_AREA_CUDA_FLAG_ALLOC_UNIFIED
#define M AML_AREA_CUDA_FLAG_ALLOC_MAPPED
#define G AML_AREA_CUDA_FLAG_ALLOC_GLOBAL

/* Every valid combination of flags. */
static const int flags[] = {0, H, H | G, H | M, H | M | G, M, M | G, U, U | G};
#define NFLAGS (int)(sizeof(flags) / sizeof(*flags))
static const int devices[] = {-1, 0, 1, 1 << 20};
#define NDEVICES (int)(sizeof(devices) / sizeof(*devices))

#define SIZE ((size_t)1 << 16)

static void check_last_error(void)
{
	const char *msg = aml_area_cuda_last_error();

	CHECK(msg != NULL);
#if AML_HAVE_BACKEND_CUDA
	/* The runtime's reason is kept for diagnostics. */
	CHECK(strcmp(msg, "no error") != 0);
	CHECK(strstr(msg, "cudaGetDeviceCount: cudaError") == msg);
#else
	CHECK(strcmp(msg, "AML built without CUDA") == 0);
#endif
}

static void check_create(void)
{
	struct aml_area *area;

	for (int f = 0; f < NFLAGS; f++)
		for (int d = 0; d < NDEVICES; d++) {
			area = &aml_area_cuda;
			CHECK_EQ(aml_area_cuda_create(&area, devices[d],
						      flags[f]),
				 -AML_ENOTSUP);
			CHECK(area == NULL);
		}
}

/* Map through a hand-built area of every kind; the caller's buffer
 * must not stay registered or change. */
static void check_mmap(void)
{
	struct aml_area_cuda_data data;
	struct aml_area area = {&aml_area_cuda_ops,
				(struct aml_area_data *)&data};
	struct aml_area_cuda_mmap_options opts;
	struct aml_area_mmap_options *mmap_opts =
		(struct aml_area_mmap_options *)&opts;
	unsigned char *buf = malloc(SIZE);

	CHECK(buf != NULL);
	memset(buf, 0x5a, SIZE);

	aml_errno = AML_SUCCESS;
	CHECK(aml_area_mmap(&aml_area_cuda, SIZE, NULL) == NULL);
	CHECK_EQ(aml_errno, AML_ENOTSUP);
	check_last_error();

	for (int f = 0; f < NFLAGS; f++)
		for (int d = 0; d < NDEVICES; d++) {
			data.device = devices[d];
			data.flags = flags[f];
			opts.device = devices[NDEVICES - 1 - d];
			opts.ptr = buf;
			aml_errno = AML_SUCCESS;
			CHECK(aml_area_mmap(&area, SIZE, NULL) == NULL);
			CHECK_EQ(aml_errno, (flags[f] & (M | H)) == M
						    ? AML_EINVAL
						    : AML_ENOTSUP);
			aml_errno = AML_SUCCESS;
			CHECK(aml_area_mmap(&area, SIZE, mmap_opts) == NULL);
			CHECK_EQ(aml_errno, AML_ENOTSUP);
			/* Nothing can be released either. */
			CHECK_EQ(aml_area_munmap(&area, buf, SIZE),
				 -AML_ENOTSUP);
		}
	for (size_t i = 0; i < SIZE; i++)
		CHECK_EQ(buf[i], 0x5a);
	free(buf);
}

static void *mmap_in_thread(void *arg)
{
	const char *msg = aml_area_cuda_last_error();
	int *err = arg;

	/* A new thread has met no error yet. */
	if (strcmp(msg, "no error") != 0 &&
	    strcmp(msg, "AML built without CUDA") != 0) {
		*err = -1;
		return NULL;
	}
	aml_errno = AML_SUCCESS;
	for (int i = 0; i < 100; i++)
		if (aml_area_mmap(&aml_area_cuda, SIZE, NULL) != NULL)
			break;
	*err = aml_errno;
	return NULL;
}

static void check_threads(void)
{
	pthread_t threads[4];
	int err[4];

	for (int i = 0; i < 4; i++)
		CHECK(pthread_create(&threads[i], NULL, mmap_in_thread,
				     &err[i]) == 0);
	for (int i = 0; i < 4; i++) {
		CHECK(pthread_join(threads[i], NULL) == 0);
		CHECK_EQ(err[i], AML_ENOTSUP);
	}
}

int main(void)
{
	struct aml_area *area;

#if AML_HAVE_BACKEND_CUDA
	/* Ask the runtime itself, not AML, whether a device works. */
	int count = 0;

	if (cudaGetDeviceCount(&count) == cudaSuccess && count > 0)
		SKIP("%d CUDA device(s) work here", count);
#endif
	CHECK_EQ(aml_support_backends(AML_BACKEND_CUDA), 0);
	CHECK_EQ(aml_support_backends(AML_BACKEND_CUDA | AML_BACKEND_LIBNUMA),
		 0);
	check_last_error();

	check_create();
	check_mmap();
	check_threads();

	/* Describing an area needs no device. */
	CHECK_EQ(aml_area_fprintf(stdout, "", &aml_area_cuda), AML_SUCCESS);
	area = NULL;
	aml_area_cuda_destroy(&area);
	CHECK(area == NULL);
	return 0;
}
