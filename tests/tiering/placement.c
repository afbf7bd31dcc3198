/* Tiering, placement (two tiers or more nodes; guests): a buffer 4x the
 * fast tier's capacity, on the slow tier, whose hot set (half the
 * capacity) moves twice. Per epoch, from an independent move_pages(2)
 * query: the share of the hot set on the fast tier (hot-set capture) is
 * at least 90% within 10 epochs of each move; managed memory on fast
 * nodes never exceeds the capacity; the counters say where pages are;
 * once converged, at most 5% of the pages migrate per epoch. Every byte
 * is intact at the end. Then a transparent huge page, hot, moves whole
 * and stays huge (with methods that keep huge pages); a hot page held by
 * a pipe (vmsplice(2)) cannot move: it is counted busy, and moves once
 * the pipe lets it go. Every method that works here runs it. */
#include <stdio.h>
#include <sys/uio.h>

#include "tiering_test.h"

#define CAP ((size_t)4 << 20)
#define SIZE (4 * CAP)
#define EPOCHS 15
#define WITHIN 10

static struct aml_bitmap all, fast, slow;
static size_t npages, nhot;
static unsigned int rng = 12345;

/* Word 0 of each page counts its writes; the others hold a pattern. */
static unsigned long *counts;

static uint64_t pattern(size_t page, size_t word)
{
	return (page * 1000003u + word) * 0x9e3779b97f4a7c15ULL;
}

static void fill(char *p)
{
	for (size_t i = 0; i < npages; i++) {
		uint64_t *w = (uint64_t *)(p + i * tt_page());

		for (size_t k = 1; k < tt_page() / 8; k++)
			w[k] = pattern(i, k);
		w[0] = 0;
	}
}

static void verify(const char *p)
{
	for (size_t i = 0; i < npages; i++) {
		const uint64_t *w = (const uint64_t *)(p + i * tt_page());

		CHECK_EQ(w[0], counts[i]);
		for (size_t k = 1; k < tt_page() / 8; k++)
			CHECK(w[k] == pattern(i, k));
	}
}

/* One epoch of the program: every hot page written, and 1% of all pages
 * at random. */
static void work(char *p, size_t hot)
{
	for (size_t i = hot; i < hot + nhot; i++) {
		((uint64_t *)(p + i * tt_page()))[0]++;
		counts[i]++;
	}
	for (size_t k = 0; k < npages / 100; k++) {
		size_t i;

		rng = rng * 1103515245u + 12345u;
		i = (rng >> 8) % npages;
		((uint64_t *)(p + i * tt_page()))[0]++;
		counts[i]++;
	}
}

static char *slow_buffer(size_t size, int huge)
{
	char *p = tt_map(size, huge);

	CHECK(mbind(p, size, MPOL_BIND, slow.mask, AML_BITMAP_MAX + 1, 0) == 0);
	return p;
}

/* One epoch: work, step, check; the capture. */
static double epoch(struct aml_tiering *t, char *p, size_t hot, int e,
		    size_t *migrated)
{
	struct aml_tiering_stats s;
	size_t on_fast, hot_fast, before;
	double capture;

	CHECK_EQ(aml_tiering_get_stats(t, &s), AML_SUCCESS);
	before = s.promoted + s.demoted;
	work(p, hot);
	CHECK_EQ(aml_tiering_step(t), AML_SUCCESS);
	CHECK_EQ(aml_tiering_get_stats(t, &s), AML_SUCCESS);
	on_fast = tt_count_on(p, npages, &fast);
	hot_fast = tt_count_on(p + hot * tt_page(), nhot, &fast);
	capture = (double)hot_fast / (double)nhot;
	*migrated = s.promoted + s.demoted - before;
	CHECK(on_fast * tt_page() <= CAP);
	CHECK_EQ(s.pages_fast, on_fast);
	CHECK_EQ(s.pages_fast + s.pages_slow, npages);
	printf("%5d %7.1f%% %9zu %9zu %9zu %9.2f\n", e, 100 * capture,
	       *migrated, on_fast, s.busy, s.epoch_ns / 1e6);
	return capture;
}

static void moving_hot_set(enum aml_tiering_method m)
{
	struct aml_tiering_attr a = {
	    .fast = &fast, .slow = &slow, .fast_capacity = CAP, .method = m};
	const size_t at[3] = {0, npages * 3 / 8, npages - nhot};
	struct aml_tiering *t;
	char *p = slow_buffer(SIZE, 0);
	int e = 0;

	fill(p);
	CHECK_EQ(aml_tiering_create(&t, &a), AML_SUCCESS);
	CHECK_EQ(aml_tiering_add(t, p, SIZE), AML_SUCCESS);
	printf("%s: %zu pages, hot set %zu pages, capacity %zu pages\n"
	       "epoch capture  migrated   on fast      busy  engine ms\n",
	       aml_tiering_method_name(m), npages, nhot, CAP / tt_page());
	for (int phase = 0; phase < 3; phase++) {
		int reached = -1;

		for (int k = 1; k <= EPOCHS; k++) {
			size_t moved;
			double c = epoch(t, p, at[phase], ++e, &moved);

			if (reached < 0 && c >= 0.9)
				reached = k;
			if (reached > 0 && k > WITHIN)
				CHECK(moved * 20 <= npages);
		}
		printf("hot set %d: 90%% captured after %d epochs\n", phase,
		       reached);
		CHECK(reached > 0 && reached <= WITHIN);
	}
	verify(p);
	aml_tiering_destroy(&t);
	munmap(p, SIZE);
}

/* Four huge pages on the slow tier, the second one written each epoch. */
static void huge_unit(enum aml_tiering_method m)
{
	size_t hsize = 2 << 20, size = 4 * hsize, hp = hsize / tt_page();
	struct aml_tiering_attr a = {
	    .fast = &fast, .slow = &slow, .fast_capacity = CAP, .method = m};
	char *raw = slow_buffer(size + hsize, 1);
	char *p = (char *)(((uintptr_t)raw + hsize - 1) & ~(hsize - 1));
	struct aml_tiering_stats s;
	struct aml_tiering *t;
	long kb;

	memset(p, 3, size);
	kb = tt_smaps_huge_kb(p);
	CHECK_EQ(aml_tiering_create(&t, &a), AML_SUCCESS);
	CHECK_EQ(aml_tiering_add(t, p, size), AML_SUCCESS);
	for (int e = 0; e < 5; e++) {
		for (size_t i = 0; i < hp; i++)
			p[hsize + i * tt_page()]++;
		CHECK_EQ(aml_tiering_step(t), AML_SUCCESS);
	}
	CHECK_EQ(aml_tiering_get_stats(t, &s), AML_SUCCESS);
	printf("%s: huge pages: kernel %ld kB before, %ld kB after; "
	       "tiering %zu huge pages, %zu promoted; hot one on fast: %zu "
	       "pages\n",
	       aml_tiering_method_name(m), kb, tt_smaps_huge_kb(p),
	       s.pages_huge, s.promoted, tt_count_on(p + hsize, hp, &fast));
	CHECK_EQ(tt_count_on(p + hsize, hp, &fast), hp);
	CHECK_EQ(tt_count_on(p, size / tt_page(), &fast), hp);
	if (kb == (long)(size >> 10) && m == AML_TIERING_METHOD_SOFT_DIRTY) {
		CHECK_EQ(s.pages_huge, size / tt_page());
		CHECK_EQ(s.promoted, hp);
		CHECK_EQ(tt_smaps_huge_kb(p), kb);
	}
	for (size_t i = 0; i < size; i++)
		CHECK(p[i] == (i >= hsize && i < 2 * hsize && i % tt_page() == 0
				   ? 3 + 5
				   : 3));
	aml_tiering_destroy(&t);
	munmap(raw, size + hsize);
}

/* A hot page that a pipe holds. */
static void busy_page(enum aml_tiering_method m)
{
	struct aml_tiering_attr a = {
	    .fast = &fast, .slow = &slow, .fast_capacity = CAP, .method = m};
	char *p = slow_buffer(8 * tt_page(), 0);
	struct iovec iov = {.iov_base = p, .iov_len = tt_page()};
	struct aml_tiering_stats s;
	struct aml_tiering *t;
	int fds[2];
	char *drain = malloc(tt_page());

	memset(p, 4, 8 * tt_page());
	CHECK(pipe(fds) == 0);
	CHECK(vmsplice(fds[1], &iov, 1, 0) == (ssize_t)tt_page());
	CHECK_EQ(aml_tiering_create(&t, &a), AML_SUCCESS);
	CHECK_EQ(aml_tiering_add(t, p, 8 * tt_page()), AML_SUCCESS);
	for (int e = 0; e < 4; e++) {
		for (size_t i = 0; i < 8; i++)
			p[i * tt_page() + 100]++;
		CHECK_EQ(aml_tiering_step(t), AML_SUCCESS);
	}
	CHECK_EQ(aml_tiering_get_stats(t, &s), AML_SUCCESS);
	printf("%s: a page held by a pipe: %zu busy, %zu of 8 on fast\n",
	       aml_tiering_method_name(m), s.busy, tt_count_on(p, 8, &fast));
	CHECK(s.busy >= 1);
	CHECK_EQ(tt_count_on(p, 1, &fast), 0);
	CHECK_EQ(tt_count_on(p + tt_page(), 7, &fast), 7);
	CHECK(drain != NULL);
	CHECK(read(fds[0], drain, tt_page()) == (ssize_t)tt_page());
	free(drain);
	for (int e = 0; e < 4; e++) {
		for (size_t i = 0; i < 8; i++)
			p[i * tt_page() + 100]++;
		CHECK_EQ(aml_tiering_step(t), AML_SUCCESS);
	}
	CHECK_EQ(tt_count_on(p, 8, &fast), 8);
	close(fds[0]);
	close(fds[1]);
	aml_tiering_destroy(&t);
	munmap(p, 8 * tt_page());
}

int main(void)
{
	int ran = 0;

	if (tt_tiers(&all, &fast, &slow) < 2)
		SKIP("one node: nothing to tier");
	npages = SIZE / tt_page();
	nhot = CAP / 2 / tt_page();
	counts = calloc(npages, sizeof(*counts));
	CHECK(counts != NULL);
	for (int i = 0; i < TT_NMETHODS; i++) {
		if (!tt_method_works(tt_all_methods[i]))
			continue;
		memset(counts, 0, npages * sizeof(*counts));
		moving_hot_set(tt_all_methods[i]);
		huge_unit(tt_all_methods[i]);
		busy_page(tt_all_methods[i]);
		ran++;
	}
	free(counts);
	if (ran == 0)
		SKIP("no access-measuring method works here");
	return 0;
}
