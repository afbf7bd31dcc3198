/* The Linux engine copies and sets every byte right: sizes from 1 byte to
 * 256 MiB (as memory allows), odd sizes and alignments, 0 to 4 workers,
 * synchronous and asynchronous, with bytes around the destination left
 * untouched. Contents are compared by checksum and byte by byte. */
#include <aml.h>
#include <aml/dma/linux.h>
#include <sys/sysinfo.h>

#include "check.h"

#define GUARD 64

static uint64_t checksum(const unsigned char *p, size_t n)
{
	uint64_t h = 1469598103934665603ull;

	for (size_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 1099511628211ull;
	return h;
}

static void fill(unsigned char *p, size_t n, uint64_t seed)
{
	uint64_t x = seed * 2654435761u + 1;

	for (size_t i = 0; i < n; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		p[i] = (unsigned char)x;
	}
}

/* Bytes of memory this test may use. */
static size_t memory_budget(void)
{
	struct sysinfo si;

	if (sysinfo(&si) != 0)
		return (size_t)64 << 20;
	return (size_t)((si.freeram + si.bufferram) * si.mem_unit / 10 * 8);
}

static void check_guards(const unsigned char *dst, size_t size)
{
	for (size_t i = 0; i < GUARD; i++) {
		CHECK_EQ(dst[-1 - (long)i], 0xee);
		CHECK_EQ(dst[size + i], 0xee);
	}
}

/* Copy `size` bytes between offsets `so` and `doff`, both ways. */
static void one_copy(struct aml_dma *dma, unsigned char *sbuf,
		     unsigned char *dbuf, size_t size, size_t so, size_t doff,
		     int async)
{
	unsigned char *src = sbuf + so, *dst = dbuf + GUARD + doff;
	struct aml_dma_request *r;

	fill(src, size, size + so + doff);
	memset(dst - GUARD, 0xee, size + 2 * GUARD);
	if (async) {
		CHECK_EQ(aml_dma_async_copy(dma, &r, dst, src, size),
			 AML_SUCCESS);
		CHECK_EQ(aml_dma_wait(dma, &r), AML_SUCCESS);
	} else {
		CHECK_EQ(aml_dma_copy(dma, dst, src, size), AML_SUCCESS);
	}
	CHECK(checksum(dst, size) == checksum(src, size));
	CHECK(memcmp(dst, src, size) == 0);
	check_guards(dst, size);
	CHECK_EQ(aml_dma_memset(dma, dst, 0x5a, size), AML_SUCCESS);
	for (size_t i = 0; i < size; i += 1 + size / 4096)
		CHECK_EQ(dst[i], 0x5a);
	CHECK_EQ(dst[size - 1], 0x5a);
	check_guards(dst, size);
}

static void sweep(unsigned int nworkers, size_t threshold, size_t most,
		  unsigned char *sbuf, unsigned char *dbuf)
{
	static const size_t sizes[] = {
	    1,
	    2,
	    3,
	    7,
	    63,
	    64,
	    65,
	    4095,
	    4096,
	    4097,
	    65537,
	    262143,
	    (1 << 20) + 3,
	    (4 << 20) - 1,
	    (16 << 20) + 5,
	    64 << 20,
	    (100 << 20) + 1,
	    256 << 20,
	};
	struct aml_dma *dma;
	size_t done = 0;

	CHECK_EQ(aml_dma_linux_create(&dma, nworkers), AML_SUCCESS);
	if (threshold != (size_t)-1)
		CHECK_EQ(aml_dma_linux_set_threshold(dma, threshold),
			 AML_SUCCESS);
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		if (sizes[i] > most)
			break;
		one_copy(dma, sbuf, dbuf, sizes[i], i % 8, (i * 5) % 16,
			 (int)(i & 1));
		done = sizes[i];
	}
	printf("%u workers, threshold %zd: sizes 1 to %zu bytes right\n",
	       nworkers, (ssize_t)threshold, done);
	aml_dma_linux_destroy(&dma);
}

int main(void)
{
	size_t most = (size_t)256 << 20;
	const size_t budget = memory_budget();
	unsigned char *sbuf, *dbuf;

	while (most > ((size_t)1 << 20) && 2 * most + (32 << 20) > budget)
		most /= 2;
	if (most < ((size_t)256 << 20))
		printf("memory: largest size %zu bytes\n", most);
	sbuf = malloc(most + 16);
	dbuf = malloc(most + 2 * GUARD + 16);
	CHECK(sbuf && dbuf);
	/* Every size with 2 workers; up to 17 MiB for the other set-ups. */
	const size_t small = most < (17u << 20) ? most : 17u << 20;
	sweep(2, (size_t)-1, most, sbuf, dbuf);
	sweep(0, (size_t)-1, small, sbuf, dbuf);
	sweep(1, 0, small, sbuf, dbuf);
	sweep(4, 0, small, sbuf, dbuf);
	sweep(3, 4096, small, sbuf, dbuf);
	free(sbuf);
	free(dbuf);
	return 0;
}
