/* Helpers of the tiering tests: the tiers of this machine (the allowed
 * nodes, first half fast, second half slow), the access-measuring methods
 * that work here, and an independent page query (move_pages(2)). */
#ifndef AML_TESTS_TIERING_TEST_H
#define AML_TESTS_TIERING_TEST_H

#include <aml.h>
#include <aml/higher/tiering.h>
#include <fcntl.h>
#include <numaif.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "area/linux_test.h"
#include "check.h"

#define TT_MAXN 64

static inline size_t tt_page(void)
{
	return (size_t)sysconf(_SC_PAGESIZE);
}

/* Every allowed node into `all`; the first half into `fast`, the rest
 * into `slow`. Returns the node count. */
static inline int tt_tiers(struct aml_bitmap *all, struct aml_bitmap *fast,
			   struct aml_bitmap *slow)
{
	int nodes[TT_MAXN], n = test_nodes(nodes, TT_MAXN);

	aml_bitmap_zero(all);
	aml_bitmap_zero(fast);
	aml_bitmap_zero(slow);
	for (int i = 0; i < n; i++) {
		aml_bitmap_set(all, (unsigned int)nodes[i]);
		aml_bitmap_set(i < (n + 1) / 2 ? fast : slow,
			       (unsigned int)nodes[i]);
	}
	return n;
}

/* Whether `m` works here: a tiering of one tier measuring with it. */
static inline int tt_method_works(enum aml_tiering_method m)
{
	struct aml_bitmap all, fast, slow;
	struct aml_tiering_attr attr = {.method = m,
					.flags = AML_TIERING_MEASURE_ONLY};
	struct aml_tiering *t;
	int rc;

	tt_tiers(&all, &fast, &slow);
	attr.fast = &all;
	rc = aml_tiering_create(&t, &attr);
	CHECK(rc == AML_SUCCESS || rc == -AML_ENOTSUP);
	aml_tiering_destroy(&t);
	return rc == AML_SUCCESS;
}

static const enum aml_tiering_method tt_all_methods[] = {
    AML_TIERING_METHOD_UFFD_WP,
    AML_TIERING_METHOD_SOFT_DIRTY,
    AML_TIERING_METHOD_DAMON,
};
#define TT_NMETHODS 3

/* An anonymous mapping of `size` bytes, huge pages allowed or not. */
static inline char *tt_map(size_t size, int huge)
{
	char *p = mmap(NULL, size, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	CHECK(p != MAP_FAILED);
	CHECK(madvise(p, size, huge ? MADV_HUGEPAGE : MADV_NOHUGEPAGE) == 0);
	return p;
}

/* The node of each of the `n` pages from `p` (negative: not placed). */
static inline void tt_query(const char *p, size_t n, int *status)
{
	void **pages = malloc(n * sizeof(*pages));

	CHECK(pages != NULL);
	for (size_t i = 0; i < n; i++)
		pages[i] = (void *)(p + i * tt_page());
	CHECK(move_pages(0, n, pages, NULL, status, 0) == 0);
	free(pages);
}

/* Pages of [p, p + n pages) on nodes of `tier`, by move_pages(2). */
static inline size_t tt_count_on(const char *p, size_t n,
				 const struct aml_bitmap *tier)
{
	int *status = malloc(n * sizeof(*status));
	size_t on = 0;

	CHECK(status != NULL);
	tt_query(p, n, status);
	for (size_t i = 0; i < n; i++)
		on += status[i] >= 0 &&
		      aml_bitmap_isset(tier, (unsigned int)status[i]) == 1;
	free(status);
	return on;
}

/* Open descriptors of this process. */
static inline int tt_fds(void)
{
	int n = 0;

	for (int fd = 0; fd < 4096; fd++)
		n += fcntl(fd, F_GETFD) != -1;
	return n;
}

/* Threads of this process. */
static inline int tt_threads(void)
{
	char line[256];
	int n = -1;
	FILE *f = fopen("/proc/self/status", "r");

	CHECK(f != NULL);
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "Threads: %d", &n) == 1)
			break;
	fclose(f);
	return n;
}

/* Threads of this process once the count settles on `want` (a joined
 * thread leaves the count a little after pthread_join returns), at most
 * two seconds. */
static inline int tt_threads_settle(int want)
{
	int n = tt_threads();

	for (int i = 0; i < 200 && n != want; i++) {
		usleep(10000);
		n = tt_threads();
	}
	return n;
}

/* AnonHugePages of the mapping holding `p`, in kB (-1: not found), as
 * the kernel reports them in /proc/self/smaps. */
static inline long tt_smaps_huge_kb(const void *p)
{
	char line[256];
	unsigned long start, end;
	long kb = -1, in = 0;
	FILE *f = fopen("/proc/self/smaps", "r");

	CHECK(f != NULL);
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%lx-%lx ", &start, &end) == 2)
			in = start <= (uintptr_t)p && (uintptr_t)p < end;
		else if (in && sscanf(line, "AnonHugePages: %ld kB", &kb) == 1)
			break;
	}
	fclose(f);
	return kb;
}

#endif /* AML_TESTS_TIERING_TEST_H */
