/*
 * Pages in a new mapping before its policy is set. Until mbind(2), a new
 * anonymous range has the default policy and merges with a neighbour of
 * the default policy: a transparent huge page faulted in the neighbour
 * then spans both, on the faulting CPU's node. This program's mbind(2),
 * which libaml calls, faults that page just before the real call: the race
 * made certain. Every page of the range must end on the area's node.
 *
 * Cases: the neighbour above the range, below it (one end of the range
 * not aligned to huge pages: the page reaches in, only where the kernel
 * gives huge pages unasked, THP "always"); the range's ends aligned to
 * huge pages, and a neighbour that asked for them (MADV_HUGEPAGE, other
 * flags: no merge): no page reaches in, and the range is bound without
 * MPOL_MF_MOVE, whose drain of every CPU's page lists costs tens of
 * microseconds. The move itself is seen on more than one node, with
 * THP "always"; elsewhere the other cases run, then the test skips.
 */
#include <dlfcn.h>
#include <stdint.h>
#include <string.h>

#include "linux_test.h"

#define MIB ((uintptr_t)1 << 20)
#define HUGE (2 * MIB)

typedef long (*mbind_fn)(void *, unsigned long, int, const unsigned long *,
			 unsigned long, unsigned int);

/* Written just before the next mbind(2) runs, then cleared. */
static volatile char *touch;
/* Calls of mbind(2) with MPOL_MF_MOVE. */
static int moves;

long mbind(void *addr, unsigned long len, int mode,
	   const unsigned long *nodemask, unsigned long maxnode,
	   unsigned int flags)
{
	static mbind_fn real;

	if (real == NULL)
		real = (mbind_fn)(uintptr_t)dlsym(RTLD_NEXT, "mbind");
	CHECK(real != NULL);
	if (touch != NULL) {
		*touch = 1;
		touch = NULL;
	}
	if (flags & MPOL_MF_MOVE)
		moves++;
	return real(addr, len, mode, nodemask, maxnode, flags);
}

static int thp_always(void)
{
	char line[128] = "";
	FILE *f = fopen("/sys/kernel/mm/transparent_hugepage/enabled", "r");

	if (f == NULL)
		return 0;
	if (fgets(line, sizeof(line), f) == NULL)
		line[0] = '\0';
	fclose(f);
	return strstr(line, "[always]") != NULL;
}

/* A free range of 8 MiB aligned to huge pages (4 of them). */
static char *free_range(void)
{
	char *r =
	    mmap(NULL, 5 * HUGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	uintptr_t x;

	CHECK(r != MAP_FAILED);
	x = ((uintptr_t)r + HUGE - 1) & ~(HUGE - 1);
	CHECK_EQ(munmap(r, 5 * HUGE), 0);
	return (char *)x;
}

/* Pages of [p, p + size) in memory, and how many lie off `node`. */
static size_t present(char *p, size_t size, int node, size_t *off)
{
	const size_t psize = test_page_size(), n = size / psize;
	void **pages = calloc(n, sizeof(*pages));
	int *status = calloc(n, sizeof(*status));
	size_t in = 0;

	CHECK(pages != NULL && status != NULL);
	for (size_t i = 0; i < n; i++)
		pages[i] = p + i * psize;
	CHECK_EQ(move_pages(0, n, pages, NULL, status, 0), 0);
	*off = 0;
	for (size_t i = 0; i < n; i++) {
		in += status[i] >= 0;
		*off += status[i] >= 0 && status[i] != node;
	}
	free(pages);
	free(status);
	return in;
}

/*
 * Map `size` bytes from `area` at `x + at`, next to a neighbour of the
 * default policy at `x + nat` (`nsize` bytes, `advice` for madvise(2), or
 * 0), whose byte at `x + poke` is written just before the policy is set.
 * Returns the pages that reached the range; all must lie on `node`.
 */
static size_t map_next_to(struct aml_area *area, int node, uintptr_t at,
			  size_t size, uintptr_t nat, size_t nsize,
			  uintptr_t poke, int advice)
{
	char *x = free_range(), *n;
	struct aml_area_linux_mmap_options o = {
	    .ptr = x + at,
	    .flags = MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE,
	    .mode = PROT_READ | PROT_WRITE,
	    .fd = -1,
	};
	size_t in, off;
	char *p;

	n = mmap(x + nat, nsize, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	CHECK(n == x + nat);
	if (advice != 0)
		CHECK_EQ(madvise(n, nsize, advice), 0);
	touch = x + poke;
	p = aml_area_mmap(area, size, (struct aml_area_mmap_options *)&o);
	CHECK(p == x + at);
	CHECK(touch == NULL);
	in = present(p, size, node, &off);
	if (off != 0)
		fprintf(stderr, "%zu of %zu pages of the range off node %d\n",
			off, in, node);
	CHECK_EQ(off, 0);
	CHECK_EQ(aml_area_linux_check_binding(test_data(area), p, size), 1);
	CHECK_EQ(aml_area_munmap(area, p, size), AML_SUCCESS);
	CHECK_EQ(munmap(n, nsize), 0);
	return in;
}

/* Ranges no page can reach: each is bound without MPOL_MF_MOVE. */
static void test_out_of_reach(struct aml_area *area, struct aml_area *thp,
			      int node)
{
	const int before = moves;

	/* Ends on huge pages: the neighbour's page stays out. */
	CHECK_EQ(map_next_to(area, node, 0, HUGE, HUGE, HUGE, HUGE + MIB, 0),
		 0);
	/* A neighbour that asked for huge pages does not merge. */
	CHECK_EQ(map_next_to(area, node, 0, MIB, MIB, 3 * MIB, MIB + MIB / 2,
			     MADV_HUGEPAGE),
		 0);
	/* Nor with a range of a THP area, which asks once its policy is
	 * set (asking first, it would merge before the policy). */
	if (thp != NULL)
		CHECK_EQ(map_next_to(thp, node, 0, MIB, MIB, 3 * MIB,
				     MIB + MIB / 2, MADV_HUGEPAGE),
			 0);
	CHECK_EQ(moves, before);
}

int main(int argc, char **argv)
{
	int nodes[AML_BITMAP_MAX], nn, node, always = thp_always();
	struct aml_area_linux_attr attr = {.flags = AML_AREA_LINUX_FLAG_THP};
	struct aml_area *area, *thp = NULL;
	struct aml_bitmap mask;
	size_t above, below;

	CHECK_EQ(aml_init(&argc, &argv), AML_SUCCESS);
	nn = test_nodes(nodes, AML_BITMAP_MAX);
	node = nodes[nn - 1];
	/* Faults land on the first node, the area binds to the last. */
	CHECK_EQ(numa_run_on_node(nodes[0]), 0);
	aml_bitmap_zero(&mask);
	aml_bitmap_set(&mask, (unsigned int)node);
	CHECK_EQ(
	    aml_area_linux_create(&area, &mask, AML_AREA_LINUX_POLICY_BIND),
	    AML_SUCCESS);
	/* Without THP in sysfs, no THP area. */
	if (aml_area_linux_create_attr(&thp, &mask, AML_AREA_LINUX_POLICY_BIND,
				       &attr) != AML_SUCCESS)
		thp = NULL;

	/* Range [0, 1M), neighbour [1M, 4M): huge page [0, 2M). */
	above = map_next_to(area, node, 0, MIB, MIB, 3 * MIB, MIB + MIB / 2, 0);
	/* Neighbour [0, 1M), range [1M, 2M): huge page [0, 2M). */
	below = map_next_to(area, node, MIB, MIB, 0, MIB, MIB / 2, 0);
	printf("THP %s: %zu and %zu pages reached the range before its "
	       "policy, all moved to node %d\n",
	       always ? "always" : "not always", above, below, node);
	CHECK(always || (above == 0 && below == 0));
	test_out_of_reach(area, thp, node);

	aml_area_linux_destroy(&thp);
	aml_area_linux_destroy(&area);
	aml_finalize();
	if (above == 0 || below == 0)
		SKIP("no huge page reached a new range (THP %s): the move is "
		     "not seen here",
		     always ? "always, but none given" : "not always");
	if (nn == 1)
		SKIP("one node: pages that reached the range lie on the "
		     "area's node anyway");
	return 0;
}
