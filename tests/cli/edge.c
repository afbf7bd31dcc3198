/*
 * The malloc family's contract under the preload library (threshold
 * 64 KiB, default placement: interleave): every function, both sides of
 * the threshold, realloc across it both ways, alignment, usable sizes,
 * and free() of blocks that glibc made itself.
 */
#include <errno.h>
#include <malloc.h>
#include <numaif.h>
#include <stdint.h>
#include <string.h>

#include "check.h"
#include "preloaded.h"

/* glibc's allocator, bypassing any replacement. */
extern void *__libc_malloc(size_t);

#define BIG (1 << 20)

/* Counts whose product overflows, hidden from the compiler's checks. */
static volatile size_t huge_count = SIZE_MAX / 2;

static int policy_of(void *p)
{
	int mode = -1;

	CHECK(get_mempolicy(&mode, NULL, 0, p, MPOL_F_ADDR) == 0);
	return mode;
}

static void check_pattern(const unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != (unsigned char)(i * 7))
			CHECK(!"pattern lost");
}

static void fill_pattern(unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (unsigned char)(i * 7);
}

static void check_realloc(void)
{
	unsigned char *p = malloc(1000);

	fill_pattern(p, 1000);
	p = realloc(p, 3 * BIG); /* small -> large */
	CHECK(p != NULL);
	check_pattern(p, 1000);
	if (preloaded())
		CHECK_EQ(policy_of(p), MPOL_INTERLEAVE);
	fill_pattern(p, 3 * BIG);
	p = realloc(p, 2 * BIG); /* large -> large, in place */
	check_pattern(p, 2 * BIG);
	p = realloc(p, 5 * BIG); /* large -> larger */
	check_pattern(p, 2 * BIG);
	p = realloc(p, 500); /* large -> small */
	CHECK(p != NULL);
	check_pattern(p, 500);
	CHECK_EQ(policy_of(p), MPOL_DEFAULT);
	CHECK(realloc(p, 0) == NULL);
	p = realloc(NULL, 10);
	CHECK(p != NULL);
	free(p);
	p = reallocarray(NULL, 1000, 1000);
	CHECK(p != NULL);
	CHECK(reallocarray(p, huge_count, 3) == NULL && errno == ENOMEM);
	free(p);
}

static void check_aligned(void)
{
	static const size_t aligns[] = {16, 64, 4096, 2 << 20};
	static const size_t sizes[] = {24, 100000, 3 * BIG};
	void *p;

	for (size_t a = 0; a < 4; a++) {
		for (size_t s = 0; s < 3; s++) {
			CHECK_EQ(posix_memalign(&p, aligns[a], sizes[s]), 0);
			CHECK((uintptr_t)p % aligns[a] == 0);
			memset(p, 1, sizes[s]);
			CHECK(malloc_usable_size(p) >= sizes[s]);
			free(p);
			/* glibc and the library take any size; ASan's
			 * aligned_alloc wants a multiple of the alignment. */
			if (preloaded() || sizes[s] % aligns[a] == 0) {
				p = aligned_alloc(aligns[a], sizes[s]);
				CHECK(p != NULL &&
				      (uintptr_t)p % aligns[a] == 0);
				free(p);
			}
			p = memalign(aligns[a], sizes[s]);
			CHECK(p != NULL && (uintptr_t)p % aligns[a] == 0);
			free(p);
		}
	}
	CHECK_EQ(posix_memalign(&p, 3, 10), EINVAL);
	p = valloc(10);
	CHECK(p != NULL && (uintptr_t)p % 4096 == 0);
	free(p);
	p = pvalloc(10);
	CHECK(p != NULL && malloc_usable_size(p) >= 4096);
	free(p);
}

int main(int argc, char **argv)
{
	unsigned char *p;

	(void)argc;
	preload_self(argv);
	free(NULL);
	p = malloc(0);
	free(p);
	p = calloc(1, 4 * BIG);
	CHECK(p != NULL);
	for (size_t i = 0; i < 4 * BIG; i += 512)
		CHECK(p[i] == 0);
	CHECK(malloc_usable_size(p) >= 4 * BIG);
	free(p);
	CHECK(calloc(huge_count, 3) == NULL && errno == ENOMEM);
	p = calloc(10, 10);
	CHECK(p != NULL && p[99] == 0 && malloc_usable_size(p) >= 100);
	free(p);
	/* glibc's own blocks, small and large, freed through free(). */
	if (preloaded()) {
		free(__libc_malloc(100));
		free(__libc_malloc(4 * BIG));
	}
	check_realloc();
	check_aligned();
	printf("malloc family: ok (preloaded: %d)\n", preloaded());
	return 0;
}
