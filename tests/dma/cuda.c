/* The CUDA engine on a device: host to device, device to host, device to
 * device and host to host, pinned and pageable host memory, many requests
 * in flight, device memset, stale requests. Skipped without a device. */
#include <aml.h>
#include <aml/area/cuda.h>
#include <aml/dma/cuda.h>

#include "check.h"

#define SIZE ((size_t)32 << 20)
#define NREQ 16

static void fill(unsigned char *p, size_t n, unsigned int seed)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (unsigned char)(i * 31 + seed + (i >> 11));
}

/* host -> device -> device -> host, then compare. */
static void round_trip(struct aml_dma *dma, unsigned char *h1,
		       unsigned char *h2, size_t size)
{
	void *d1 = aml_area_mmap(&aml_area_cuda, size, NULL);
	void *d2 = aml_area_mmap(&aml_area_cuda, size, NULL);

	CHECK(d1 && d2);
	fill(h1, size, (unsigned int)size);
	memset(h2, 0, size);
	CHECK_EQ(aml_dma_copy(dma, d1, h1, size), AML_SUCCESS);
	CHECK_EQ(aml_dma_copy(dma, d2, d1, size), AML_SUCCESS);
	CHECK_EQ(aml_dma_copy(dma, h2, d2, size), AML_SUCCESS);
	CHECK(memcmp(h1, h2, size) == 0);
	/* Device memset, read back. */
	CHECK_EQ(aml_dma_memset(dma, d1, 0x3c, size), AML_SUCCESS);
	CHECK_EQ(aml_dma_copy(dma, h2, d1, size), AML_SUCCESS);
	for (size_t i = 0; i < size; i++)
		CHECK_EQ(h2[i], 0x3c);
	/* Host to host through the engine, host memset on the CPU. */
	CHECK_EQ(aml_dma_copy(dma, h2, h1, size), AML_SUCCESS);
	CHECK(memcmp(h1, h2, size) == 0);
	CHECK_EQ(aml_dma_memset(dma, h2, 1, size), AML_SUCCESS);
	CHECK_EQ(h2[size - 1], 1);
	CHECK_EQ(aml_area_munmap(&aml_area_cuda, d1, size), AML_SUCCESS);
	CHECK_EQ(aml_area_munmap(&aml_area_cuda, d2, size), AML_SUCCESS);
}

/* NREQ uploads in flight, waited on in reverse order; one cancelled. */
static void in_flight(struct aml_dma *dma, unsigned char *h, size_t size)
{
	const size_t part = size / NREQ;
	struct aml_dma_request *r[NREQ], *stale;
	unsigned char *d = aml_area_mmap(&aml_area_cuda, size, NULL);

	CHECK(d != NULL);
	fill(h, size, 7);
	for (int i = 0; i < NREQ; i++)
		CHECK_EQ(aml_dma_async_copy(dma, &r[i], d + i * part,
					    h + i * part, part),
			 AML_SUCCESS);
	stale = r[0];
	CHECK_EQ(aml_dma_cancel(dma, &r[0]), AML_SUCCESS);
	CHECK(r[0] == NULL);
	for (int i = NREQ - 1; i > 0; i--)
		CHECK_EQ(aml_dma_wait(dma, &r[i]), AML_SUCCESS);
	CHECK_EQ(aml_dma_wait(dma, &stale), -AML_EINVAL);
	unsigned char *back = malloc(size);
	CHECK(back != NULL);
	CHECK_EQ(aml_dma_copy(dma, back, d, size), AML_SUCCESS);
	CHECK(memcmp(back, h, size) == 0);
	free(back);
	CHECK_EQ(aml_area_munmap(&aml_area_cuda, d, size), AML_SUCCESS);
}

int main(void)
{
	struct aml_area *pinned;
	struct aml_dma *dma;
	unsigned char *h1, *h2;

	if (!aml_support_backends(AML_BACKEND_CUDA))
		SKIP("no CUDA device");
	CHECK_EQ(aml_dma_cuda_create(&dma, 1 << 20), -AML_EINVAL);
	CHECK(dma == NULL);
	CHECK_EQ(aml_dma_cuda_create(&dma, -1), AML_SUCCESS);
	/* Pageable host memory. */
	h1 = malloc(SIZE);
	h2 = malloc(SIZE);
	CHECK(h1 && h2);
	round_trip(dma, h1, h2, SIZE);
	round_trip(dma, h1 + 3, h2 + 5, 4097);
	free(h1);
	free(h2);
	/* Pinned host memory. */
	CHECK_EQ(
	    aml_area_cuda_create(&pinned, -1, AML_AREA_CUDA_FLAG_ALLOC_HOST),
	    AML_SUCCESS);
	h1 = aml_area_mmap(pinned, SIZE, NULL);
	h2 = aml_area_mmap(pinned, SIZE, NULL);
	CHECK(h1 && h2);
	round_trip(dma, h1, h2, SIZE);
	in_flight(dma, h1, SIZE);
	/* Destroy with a request in flight finishes it. */
	struct aml_dma_request *r;
	void *d = aml_area_mmap(&aml_area_cuda, SIZE, NULL);
	CHECK(d != NULL);
	CHECK_EQ(aml_dma_async_copy(dma, &r, d, h1, SIZE), AML_SUCCESS);
	aml_dma_cuda_destroy(&dma);
	CHECK(dma == NULL);
	CHECK_EQ(aml_dma_cuda_create(&dma, -1), AML_SUCCESS);
	memset(h2, 0, SIZE);
	CHECK_EQ(aml_dma_copy(dma, h2, d, SIZE), AML_SUCCESS);
	CHECK(memcmp(h1, h2, SIZE) == 0);
	aml_dma_cuda_destroy(&dma);
	CHECK_EQ(aml_area_munmap(&aml_area_cuda, d, SIZE), AML_SUCCESS);
	CHECK_EQ(aml_area_munmap(pinned, h1, SIZE), AML_SUCCESS);
	CHECK_EQ(aml_area_munmap(pinned, h2, SIZE), AML_SUCCESS);
	aml_area_cuda_destroy(&pinned);
	return 0;
}
