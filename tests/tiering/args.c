/* Tiering, bad input and life cycle: NULL arguments, empty, overlapping
 * and absent tiers, unknown methods and flags, ranges not page aligned,
 * unmapped, overlapping or unknown, step while the thread runs, start
 * twice, stop when not started, destroy while the thread runs (stops it);
 * nothing leaked (descriptors, mappings, threads) over many cycles. */
/* CTest labels: threads */

#include "tiering_test.h"

static struct aml_bitmap all, fast, slow;
static int nnodes;

static void bad_create(void)
{
	struct aml_tiering_attr a = {.fast = &fast, .slow = &slow};
	struct aml_bitmap empty, absent;
	struct aml_tiering *t = (struct aml_tiering *)&a;

	aml_bitmap_zero(&empty);
	aml_bitmap_zero(&absent);
	aml_bitmap_set(&absent, AML_BITMAP_MAX - 1);
	CHECK_EQ(aml_tiering_create(NULL, &a), -AML_EINVAL);
	CHECK_EQ(aml_tiering_create(&t, NULL), -AML_EINVAL);
	CHECK(t == NULL);
	a.fast = NULL;
	CHECK_EQ(aml_tiering_create(&t, &a), -AML_EINVAL);
	a.fast = &empty;
	CHECK_EQ(aml_tiering_create(&t, &a), -AML_EINVAL);
	a.fast = &all;
	a.slow = NULL;
	CHECK_EQ(aml_tiering_create(&t, &a), -AML_EINVAL);
	a.slow = &empty;
	CHECK_EQ(aml_tiering_create(&t, &a), -AML_EINVAL);
	/* Overlapping tiers (any node count: a tier against itself). */
	a.slow = &all;
	CHECK_EQ(aml_tiering_create(&t, &a), -AML_EINVAL);
	a.slow = &absent;
	CHECK_EQ(aml_tiering_create(&t, &a), -AML_EDOM);
	a.fast = &absent;
	a.slow = NULL;
	a.flags = AML_TIERING_MEASURE_ONLY;
	CHECK_EQ(aml_tiering_create(&t, &a), -AML_EDOM);
	a.fast = &all;
	a.flags = 1u << 7;
	CHECK_EQ(aml_tiering_create(&t, &a), -AML_EINVAL);
	a.flags = AML_TIERING_MEASURE_ONLY;
	a.method = (enum aml_tiering_method)42;
	CHECK_EQ(aml_tiering_create(&t, &a), -AML_EINVAL);
	a.method = AML_TIERING_METHOD_AUTO;
	setenv("AML_TIERING_METHOD", "guesswork", 1);
	CHECK_EQ(aml_tiering_create(&t, &a), -AML_EINVAL);
	unsetenv("AML_TIERING_METHOD");
	CHECK(t == NULL);
}

/* A tiering that can run here: two tiers, or one measuring only. */
static struct aml_tiering *make(void)
{
	struct aml_tiering_attr a = {
	    .fast = &fast, .slow = &slow, .fast_capacity = 1 << 20};
	struct aml_tiering *t;

	if (nnodes < 2) {
		a.fast = &all;
		a.slow = NULL;
		a.flags = AML_TIERING_MEASURE_ONLY;
	}
	CHECK_EQ(aml_tiering_create(&t, &a), AML_SUCCESS);
	return t;
}

static void bad_ranges(struct aml_tiering *t, char *p, size_t page)
{
	char *hole = tt_map(page * 4, 0);

	CHECK(munmap(hole + page, page) == 0);
	CHECK_EQ(aml_tiering_add(NULL, p, page), -AML_EINVAL);
	CHECK_EQ(aml_tiering_add(t, NULL, page), -AML_EINVAL);
	CHECK_EQ(aml_tiering_add(t, p, 0), -AML_EINVAL);
	CHECK_EQ(aml_tiering_add(t, p + 1, page), -AML_EINVAL);
	CHECK_EQ(aml_tiering_add(t, hole, page * 4), -AML_EINVAL);
	CHECK_EQ(
	    aml_tiering_add(t, (void *)(~(uintptr_t)0 & ~(page - 1)), page * 2),
	    -AML_EINVAL);
	CHECK_EQ(aml_tiering_add(t, p, page * 4), AML_SUCCESS);
	/* Overlaps: same, inside, across either end. */
	CHECK_EQ(aml_tiering_add(t, p, page * 4), -AML_EINVAL);
	CHECK_EQ(aml_tiering_add(t, p + page, page), -AML_EINVAL);
	CHECK_EQ(aml_tiering_add(t, p + 3 * page, page * 2), -AML_EINVAL);
	CHECK_EQ(aml_tiering_add(t, p + 4 * page, page * 2), AML_SUCCESS);
	/* Unknown ranges: a part, another size, never added. */
	CHECK_EQ(aml_tiering_remove(t, p, page), -AML_EINVAL);
	CHECK_EQ(aml_tiering_remove(t, p, page * 5), -AML_EINVAL);
	CHECK_EQ(aml_tiering_remove(t, p + 6 * page, page), -AML_EINVAL);
	CHECK_EQ(aml_tiering_remove(NULL, p, page * 4), -AML_EINVAL);
	/* A size rounds up to whole pages, in add as in remove. */
	CHECK_EQ(aml_tiering_remove(t, p, page * 3 + 1), AML_SUCCESS);
	CHECK_EQ(aml_tiering_remove(t, p, page * 4), -AML_EINVAL);
	CHECK_EQ(aml_tiering_remove(t, p + 4 * page, page * 2), AML_SUCCESS);
	munmap(hole, page);
	munmap(hole + 2 * page, 2 * page);
}

static void thread_states(struct aml_tiering *t)
{
	struct aml_tiering_stats s;
	int threads;

	CHECK_EQ(aml_tiering_stop(t), -AML_EINVAL);
	CHECK_EQ(aml_tiering_step(t), AML_SUCCESS);
	/* A sanitizer's runtime may start a thread of its own at the first
	 * thread: count from the second. */
	CHECK_EQ(aml_tiering_start(t), AML_SUCCESS);
	threads = tt_threads() - 1;
	CHECK_EQ(aml_tiering_stop(t), AML_SUCCESS);
	CHECK_EQ(tt_threads_settle(threads), threads);
	CHECK_EQ(aml_tiering_start(t), AML_SUCCESS);
	CHECK_EQ(tt_threads(), threads + 1);
	CHECK_EQ(aml_tiering_start(t), -AML_EBUSY);
	CHECK_EQ(aml_tiering_step(t), -AML_EBUSY);
	CHECK_EQ(aml_tiering_stop(t), AML_SUCCESS);
	CHECK_EQ(tt_threads_settle(threads), threads);
	CHECK_EQ(aml_tiering_stop(t), -AML_EINVAL);
	CHECK_EQ(aml_tiering_step(t), AML_SUCCESS);
	CHECK_EQ(aml_tiering_get_stats(t, &s), AML_SUCCESS);
	CHECK(s.epochs >= 2);
	CHECK_EQ(aml_tiering_get_stats(NULL, &s), -AML_EINVAL);
	CHECK_EQ(aml_tiering_get_stats(t, NULL), -AML_EINVAL);
	CHECK_EQ(aml_tiering_step(NULL), -AML_EINVAL);
	CHECK_EQ(aml_tiering_start(NULL), -AML_EINVAL);
	CHECK_EQ(aml_tiering_stop(NULL), -AML_EINVAL);
}

/* Lines of /proc/self/maps. */
static int mappings(void)
{
	char line[512];
	int n = 0;
	FILE *f = fopen("/proc/self/maps", "r");

	CHECK(f != NULL);
	while (fgets(line, sizeof(line), f))
		n++;
	fclose(f);
	return n;
}

/* Create, add, start, destroy running: many times, nothing left. */
static void cycles(char *p, size_t page)
{
	int fds, maps, threads;

	aml_tiering_destroy(NULL);
	for (int i = 0; i < 3; i++) {
		struct aml_tiering *t = make();

		aml_tiering_destroy(&t);
		CHECK(t == NULL);
		aml_tiering_destroy(&t);
	}
	fds = tt_fds();
	maps = mappings();
	threads = tt_threads();
	for (int i = 0; i < 50; i++) {
		struct aml_tiering *t = make();

		CHECK_EQ(aml_tiering_add(t, p, page * 8), AML_SUCCESS);
		CHECK_EQ(aml_tiering_start(t), AML_SUCCESS);
		if (i % 2)
			usleep(1000);
		aml_tiering_destroy(&t);
	}
	CHECK_EQ(tt_fds(), fds);
	/* A sanitizer maps memory of its own for each thread. */
	if (!CHECK_UNDER_TSAN && !CHECK_UNDER_ASAN)
		CHECK_EQ(mappings(), maps);
	CHECK_EQ(tt_threads_settle(threads), threads);
}

int main(void)
{
	size_t page = tt_page();
	struct aml_tiering *t;
	char *p;

	nnodes = tt_tiers(&all, &fast, &slow);
	bad_create();
	if (!tt_method_works(AML_TIERING_METHOD_AUTO))
		SKIP("no access-measuring method works here");
	p = tt_map(page * 8, 0);
	memset(p, 1, page * 8);
	t = make();
	bad_ranges(t, p, page);
	CHECK_EQ(aml_tiering_add(t, p, page * 8), AML_SUCCESS);
	thread_states(t);
	aml_tiering_destroy(&t);
	cycles(p, page);
	CHECK_EQ(
	    strcmp(aml_tiering_method_name(AML_TIERING_METHOD_AUTO), "auto"),
	    0);
	CHECK_EQ(strcmp(aml_tiering_method_name((enum aml_tiering_method)99),
			"unknown"),
		 0);
	munmap(p, page * 8);
	printf("tiering arguments and life cycle: ok (%d nodes)\n", nnodes);
	return 0;
}
