/* Tiering with threads: two program threads write their halves of a
 * buffer while the tiering's thread migrates it (on one node, measures
 * it), and the main thread adds and removes another range, reads the
 * counters and is refused a step meanwhile. Every write lands (contents
 * checked at the end); with two tiers, pages did move. For
 * ThreadSanitizer (label threads) and the guests. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>

#include "tiering_test.h"

#define SIZE ((size_t)8 << 20)
#define MEDDLES 150

static struct aml_bitmap all, fast, slow;
static char *buf;
static atomic_int stop;

struct writer {
	pthread_t thread;
	size_t first, npages;
	unsigned long *counts;
	unsigned long rounds;
};

/* Writes a hot eighth of its half often, the rest now and then. */
static void *write_loop(void *arg)
{
	struct writer *w = arg;
	unsigned int rng = (unsigned int)w->first + 1;

	while (!atomic_load(&stop)) {
		for (size_t k = 0; k < w->npages / 4; k++) {
			size_t i;

			rng = rng * 1103515245u + 12345u;
			i = (rng >> 8) % w->npages;
			if (k % 4 != 0)
				i %= w->npages / 8;
			((unsigned long *)(buf +
					   (w->first + i) * tt_page()))[1]++;
			w->counts[i]++;
		}
		w->rounds++;
	}
	return NULL;
}

static struct aml_tiering *make(int nnodes)
{
	struct aml_tiering_attr a = {.fast = &fast,
				     .slow = &slow,
				     .fast_capacity = SIZE / 4,
				     .interval_ms = 5};
	struct aml_tiering *t;

	if (nnodes < 2) {
		a.fast = &all;
		a.slow = NULL;
		a.flags = AML_TIERING_MEASURE_ONLY;
	}
	CHECK_EQ(aml_tiering_create(&t, &a), AML_SUCCESS);
	return t;
}

/* While the writers write: ranges come and go, counters are read. */
static void meddle(struct aml_tiering *t, struct writer *w)
{
	size_t other_size = 64 * tt_page();
	char *other = tt_map(other_size, 0);
	struct aml_tiering_stats s;

	memset(other, 5, other_size);
	(void)w;
	for (int i = 0; i < MEDDLES; i++) {
		CHECK_EQ(aml_tiering_add(t, other, other_size), AML_SUCCESS);
		CHECK_EQ(aml_tiering_get_stats(t, &s), AML_SUCCESS);
		CHECK_EQ(aml_tiering_step(t), -AML_EBUSY);
		usleep(2000);
		CHECK_EQ(aml_tiering_remove(t, other, other_size), AML_SUCCESS);
	}
	munmap(other, other_size);
}

int main(void)
{
	int nnodes = tt_tiers(&all, &fast, &slow);
	size_t npages = SIZE / tt_page();
	struct writer w[2];
	struct aml_tiering_stats s;
	struct aml_tiering *t;

	if (!tt_method_works(AML_TIERING_METHOD_AUTO))
		SKIP("no access-measuring method works here");
	buf = tt_map(SIZE, 0);
	if (nnodes >= 2)
		CHECK(mbind(buf, SIZE, MPOL_BIND, slow.mask, AML_BITMAP_MAX + 1,
			    0) == 0);
	memset(buf, 0, SIZE);
	t = make(nnodes);
	CHECK_EQ(aml_tiering_add(t, buf, SIZE), AML_SUCCESS);
	CHECK_EQ(aml_tiering_start(t), AML_SUCCESS);
	for (int i = 0; i < 2; i++) {
		w[i] = (struct writer){.first = i * npages / 2,
				       .npages = npages / 2};
		w[i].counts = calloc(npages / 2, sizeof(unsigned long));
		CHECK(w[i].counts != NULL);
		CHECK(pthread_create(&w[i].thread, NULL, write_loop, &w[i]) ==
		      0);
	}
	meddle(t, w);
	atomic_store(&stop, 1);
	for (int i = 0; i < 2; i++)
		CHECK(pthread_join(w[i].thread, NULL) == 0);
	CHECK_EQ(aml_tiering_get_stats(t, &s), AML_SUCCESS);
	aml_tiering_destroy(&t);
	for (int i = 0; i < 2; i++) {
		for (size_t p = 0; p < npages / 2; p++)
			CHECK(((unsigned long *)(buf + (w[i].first + p) *
							   tt_page()))[1] ==
			      w[i].counts[p]);
		free(w[i].counts);
	}
	printf("%d nodes, %s: %lu+%lu rounds of writes, %zu epochs, %zu "
	       "promoted, %zu demoted, %zu "
	       "busy; every write intact\n",
	       nnodes, aml_tiering_method_name(s.method), w[0].rounds,
	       w[1].rounds, s.epochs, s.promoted, s.demoted, s.busy);
	CHECK(s.epochs > 0);
	if (nnodes >= 2)
		CHECK(s.promoted > 0);
	munmap(buf, SIZE);
	return 0;
}
