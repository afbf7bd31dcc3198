/*
 * CUDA area: argument checks. They come before any call to the CUDA
 * runtime, so they hold everywhere: with or without a device, and in an
 * AML built without CUDA.
 */
#include <aml.h>
#include <aml/area/cuda.h>

#include "check.h"

#define H AML_AREA_CUDA_FLAG_ALLOC_HOST
#define U AML_AREA_CUDA_FLAG_ALLOC_UNIFIED
#define M AML_AREA_CUDA_FLAG_ALLOC_MAPPED
#define G AML_AREA_CUDA_FLAG_ALLOC_GLOBAL

/* Unknown bits and impossible combinations. */
static const int bad_flags[] = {
	1 << 4, 1 << 30, -1,	 H | (1 << 5), G, U | H,
	U | M,	U | H | M,	 U | H | G,    U | M | G, U | H | M | G,
};
#define NBAD (int)(sizeof(bad_flags) / sizeof(*bad_flags))

static void check_contract_values(void)
{
	CHECK_EQ(AML_AREA_CUDA_FLAG_DEFAULT, 0);
	CHECK_EQ(H, 1);
	CHECK_EQ(U, 2);
	CHECK_EQ(M, 4);
	CHECK_EQ(G, 8);
	CHECK(aml_area_cuda.ops == &aml_area_cuda_ops);
	CHECK(aml_area_cuda.data != NULL);
	CHECK(aml_area_cuda_ops.mmap == aml_area_cuda_mmap);
	CHECK(aml_area_cuda_ops.munmap == aml_area_cuda_munmap);
	CHECK(aml_area_cuda_ops.fprintf == aml_area_cuda_fprintf);
}

static void check_create(void)
{
	const int devices[] = {-1, 0, 1, 1 << 20};
	struct aml_area *area;

	CHECK_EQ(aml_area_cuda_create(NULL, -1, 0), -AML_EINVAL);
	CHECK_EQ(aml_area_cuda_create(NULL, 0, H), -AML_EINVAL);
	for (int i = 0; i < NBAD; i++)
		for (int d = 0; d < 4; d++) {
			area = &aml_area_cuda; /* must be reset to NULL */
			CHECK_EQ(aml_area_cuda_create(&area, devices[d],
						      bad_flags[i]),
				 -AML_EINVAL);
			CHECK(area == NULL);
		}
}

static void check_destroy(void)
{
	struct aml_area *area = NULL;

	aml_area_cuda_destroy(NULL);
	aml_area_cuda_destroy(&area);
	CHECK(area == NULL);
	area = &aml_area_cuda;
	aml_area_cuda_destroy(&area);
	CHECK(area == &aml_area_cuda);
	CHECK(aml_area_cuda.ops == &aml_area_cuda_ops);
}

static void expect_mmap_einval(const struct aml_area *area,
			       struct aml_area_cuda_mmap_options *opts)
{
	aml_errno = AML_SUCCESS;
	CHECK(aml_area_mmap(area, 4096, (struct aml_area_mmap_options *)opts) ==
	      NULL);
	CHECK_EQ(aml_errno, AML_EINVAL);
}

static void check_mmap(void)
{
	struct aml_area_cuda_data data = {.device = -1, .flags = M};
	struct aml_area area = {&aml_area_cuda_ops,
				(struct aml_area_data *)&data};
	struct aml_area_cuda_mmap_options opts = {.device = -1, .ptr = NULL};

	/* Size 0 and NULL data. */
	aml_errno = AML_SUCCESS;
	CHECK(aml_area_mmap(&aml_area_cuda, 0, NULL) == NULL);
	CHECK_EQ(aml_errno, AML_EINVAL);
	aml_errno = AML_SUCCESS;
	CHECK(aml_area_cuda_mmap(aml_area_cuda.data, 0, NULL) == NULL);
	CHECK_EQ(aml_errno, AML_EINVAL);
	aml_errno = AML_SUCCESS;
	CHECK(aml_area_cuda_mmap(NULL, 4096, NULL) == NULL);
	CHECK_EQ(aml_errno, AML_EINVAL);

	/* Mapping the caller's memory needs that memory. */
	expect_mmap_einval(&area, NULL);
	expect_mmap_einval(&area, &opts);
	opts.device = 0;
	expect_mmap_einval(&area, &opts);
	data.flags = M | G;
	data.device = 0;
	expect_mmap_einval(&area, NULL);
	expect_mmap_einval(&area, &opts);

	/* A hand-built area with invalid flags maps nothing. */
	opts.ptr = &data;
	for (int i = 0; i < NBAD; i++) {
		data.flags = bad_flags[i];
		expect_mmap_einval(&area, NULL);
		expect_mmap_einval(&area, &opts);
	}
}

static void check_munmap(void)
{
	struct aml_area_cuda_data data = {.device = -1, .flags = 0};
	struct aml_area area = {&aml_area_cuda_ops,
				(struct aml_area_data *)&data};
	char buf[64];

	CHECK_EQ(aml_area_cuda_munmap(NULL, buf, sizeof(buf)), -AML_EINVAL);
	for (int i = 0; i < NBAD; i++) {
		data.flags = bad_flags[i];
		CHECK_EQ(aml_area_munmap(&area, buf, sizeof(buf)),
			 -AML_EINVAL);
	}
	/* Releasing nothing succeeds, as free(NULL). */
	CHECK_EQ(aml_area_munmap(&aml_area_cuda, NULL, 0), AML_SUCCESS);
	CHECK_EQ(aml_area_cuda_munmap(aml_area_cuda.data, NULL, 0),
		 AML_SUCCESS);
}

/* Print `area` to a string; the caller frees it. */
static char *print(const struct aml_area *area, const char *prefix)
{
	char *s = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&s, &len);
	int n;

	CHECK(f != NULL);
	n = aml_area_fprintf(f, prefix, area);
	CHECK(fclose(f) == 0);
	CHECK_EQ(n, AML_SUCCESS);
	CHECK(len > 0);
	return s;
}

static void check_fprintf(void)
{
	struct aml_area_cuda_data data = {.device = 3, .flags = H | M | G};
	struct aml_area area = {&aml_area_cuda_ops,
				(struct aml_area_data *)&data};
	char *s;

	CHECK_EQ(aml_area_cuda_fprintf(NULL, stdout, ""), -AML_EINVAL);
	CHECK_EQ(aml_area_cuda_fprintf(aml_area_cuda.data, NULL, ""),
		 -AML_EINVAL);

	s = print(&aml_area_cuda, "> ");
	CHECK(strcmp(s, "> cuda area: device current, flags default\n") == 0);
	free(s);
	s = print(&area, NULL);
	CHECK(strcmp(s, "cuda area: device 3, flags host|mapped|global\n") ==
	      0);
	free(s);
	data.device = 0;
	data.flags = U | G;
	s = print(&area, "");
	CHECK(strcmp(s, "cuda area: device 0, flags unified|global\n") == 0);
	free(s);
	data.flags = M | (1 << 6);
	s = print(&area, "");
	CHECK(strcmp(s, "cuda area: device 0, flags mapped|0x40\n") == 0);
	free(s);
	s = print(&area, "area");
	CHECK(strcmp(s, "area: cuda area: device 0, flags mapped|0x40\n") == 0);
	free(s);
}

int main(void)
{
	check_contract_values();
	check_create();
	check_destroy();
	check_mmap();
	check_munmap();
	check_fprintf();
	/* None of the above reached the CUDA runtime. */
#if AML_HAVE_BACKEND_CUDA
	CHECK(strcmp(aml_area_cuda_last_error(), "no error") == 0);
#else
	CHECK(strcmp(aml_area_cuda_last_error(), "AML built without CUDA") == 0);
#endif
	return 0;
}
