/* The tiering engine on a GUPS-like workload: random read-modify-write
 * updates of 8-byte words, 90% of them in a hot set, 10% anywhere in the
 * buffer, about one update per page per epoch (so that a cold page is
 * touched in one epoch of ten).
 *
 * 1. Sampling cost (any machine): the same epochs of updates without a
 *    tiering and under a tiering of one tier (measuring only, stepped
 *    after each epoch, untimed) of each method that works here; the
 *    ratio is the program's slowdown from being measured, and the engine's
 *    own time per epoch per GiB managed is printed under the table.
 * 2. Hot-set capture (two tiers: the allowed nodes, first half fast):
 *    a buffer 4x the fast capacity on the slow tier, its hot set half the
 *    capacity, moved twice; per epoch the share of the hot set on the fast
 *    tier (independent move_pages(2) query), the bytes migrated and the
 *    engine's time. With AML_BENCH_TIERING=kernel in the environment the
 *    same epochs run without AML's tiering, for the kernel's own
 *    (numa_balancing=2) to be measured side by side.
 * AML_BENCH_CAPACITY (default 16M, 4M with --quick) sets the capacity. */
#include <aml.h>
#include <aml/higher/tiering.h>
#include <numaif.h>
#include <stdint.h>
#include <sys/mman.h>
#include <unistd.h>

#include "bench.h"

#define HOT_SHARE 0.9
#define EPOCHS 15
/* Updates per page per epoch: in the cost table (an epoch of 100 ms of a
 * program doing tens of millions of updates a second touches a page many
 * times), and in the capture run (a cold page in one epoch of ten). */
#define COST_UPDATES 16
#define CAPTURE_UPDATES 1

static size_t psize;

struct buffer {
	uint64_t *words;
	size_t size;
	struct aml_tiering *t;
	unsigned long long rng;
};

/* One buffer per method: a tiering of one tier for each but the first. */
struct data {
	struct buffer b[BENCH_MAX_METHODS];
};

static struct bench_method table[];
static const enum aml_tiering_method methods_id[] = {
    AML_TIERING_METHOD_AUTO, AML_TIERING_METHOD_UFFD_WP,
    AML_TIERING_METHOD_SOFT_DIRTY, AML_TIERING_METHOD_DAMON};
#define NMETHODS 4

static uint64_t next(unsigned long long *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* One epoch: `per_page` updates per page, HOT_SHARE of them in [hot,
 * hot + hot_n) words. Returns a checksum so that nothing is optimised
 * away. */
static uint64_t updates(struct buffer *b, size_t hot, size_t hot_n,
			size_t per_page)
{
	size_t nwords = b->size / 8, n = b->size / psize * per_page, i;
	uint64_t sum = 0;

	for (size_t k = 0; k < n; k++) {
		uint64_t r = next(&b->rng);

		if ((r & 1023) < (uint64_t)(HOT_SHARE * 1024))
			i = hot + (r >> 10) % hot_n;
		else
			i = (r >> 10) % nwords;
		b->words[i] += r;
		sum += b->words[i];
	}
	return sum;
}

static int map_buffer(struct buffer *b, size_t size)
{
	b->size = size;
	b->rng = 88172645463325252ULL + size;
	b->words = mmap(NULL, size, PROT_READ | PROT_WRITE,
			MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (b->words == MAP_FAILED)
		return -1;
	memset(b->words, 1, size);
	return 0;
}

static void *prepare(size_t size)
{
	struct data *d = calloc(1, sizeof(*d));
	struct aml_bitmap all;
	int nodes[BENCH_MAX_NODES], n = bench_nodes(nodes);

	aml_bitmap_zero(&all);
	for (int i = 0; i < n; i++)
		aml_bitmap_set(&all, (unsigned int)nodes[i]);
	for (int m = 0; d && m < NMETHODS; m++) {
		struct aml_tiering_attr a = {.fast = &all, .method = methods_id[m],
					     .flags = AML_TIERING_MEASURE_ONLY};

		if (table[m].run == NULL)
			continue;
		if (map_buffer(&d->b[m], size) != 0)
			exit(1);
		if (m > 0 && (aml_tiering_create(&d->b[m].t, &a) != 0 ||
			      aml_tiering_add(d->b[m].t, d->b[m].words, size)))
			aml_tiering_destroy(&d->b[m].t);
	}
	return d;
}

/* The engine's time per epoch per GiB, per size and method (ms). */
static double engine_ms[BENCH_MAX_SIZES][NMETHODS];
static size_t engine_epochs[BENCH_MAX_SIZES][NMETHODS], nmeasured;

static void release(void *data, size_t size)
{
	struct data *d = data;

	for (int m = 1; m < NMETHODS; m++) {
		struct aml_tiering_stats s;

		if (d->b[m].t == NULL)
			continue;
		aml_tiering_get_stats(d->b[m].t, &s);
		engine_epochs[nmeasured][m] = s.epochs;
		if (s.epochs)
			engine_ms[nmeasured][m] = s.total_ns / 1e6 / s.epochs /
						  ((double)size / (1 << 30));
		aml_tiering_destroy(&d->b[m].t);
	}
	nmeasured++;
	for (int m = 0; m < NMETHODS; m++)
		if (d->b[m].words != NULL)
			munmap(d->b[m].words, size);
	free(d);
}

static void print_engine(const struct bench_results *res)
{
	char buf[24];

	printf("engine time per epoch per GiB managed (ms, mean over the "
	       "epochs of the run):\n");
	for (size_t k = 0; k < nmeasured && k < res->nsizes; k++) {
		printf("  %6s", bench_size_str(res->sizes[k], buf));
		for (int m = 1; m < NMETHODS; m++)
			if (engine_epochs[k][m])
				printf("  %s %.2f (%zu epochs)",
				       table[m].name, engine_ms[k][m],
				       engine_epochs[k][m]);
			else
				printf("  %s n/a", table[m].name);
		printf("\n");
	}
}

static int run(const void *arg, void *data, size_t size, long i)
{
	struct buffer *b = &((struct data *)data)->b[*(const int *)arg];
	size_t nwords = size / 8, hot_n = nwords / 8;

	(void)i;
	if (b->t == NULL && *(const int *)arg > 0)
		return -1;
	return updates(b, nwords / 2 - hot_n / 2, hot_n, COST_UPDATES) != 1 ? 1
										  : 1;
}

/* Untimed: the epoch's measurement. */
static int after(const void *arg, void *data, size_t size, long count)
{
	struct buffer *b = &((struct data *)data)->b[*(const int *)arg];

	(void)size;
	(void)count;
	return b->t == NULL || aml_tiering_step(b->t) == AML_SUCCESS ? 1 : -1;
}

static int run(const void *arg, void *data, size_t size, long i);
static int after(const void *arg, void *data, size_t size, long count);
static const int idx[NMETHODS] = {0, 1, 2, 3};
static struct bench_method table[NMETHODS] = {
    {.name = "no tiering", .run = run, .arg = &idx[0]},
    {.name = "uffd-wp", .run = run, .after = after, .arg = &idx[1]},
    {.name = "soft-dirty", .run = run, .after = after, .arg = &idx[2]},
    {.name = "damon", .run = run, .after = after, .arg = &idx[3]},
};

static const size_t sizes[] = {16 << 20, 256 << 20, (size_t)1 << 30};

/* A column for each method that works here; n/a for the others. */
static void setup(void)
{
	struct aml_bitmap all;
	int nodes[BENCH_MAX_NODES], n = bench_nodes(nodes);

	psize = (size_t)sysconf(_SC_PAGESIZE);
	aml_bitmap_zero(&all);
	for (int i = 0; i < n; i++)
		aml_bitmap_set(&all, (unsigned int)nodes[i]);
	for (int m = 1; m < NMETHODS; m++) {
		struct aml_tiering_attr a = {.fast = &all, .method = methods_id[m],
					     .flags = AML_TIERING_MEASURE_ONLY};
		struct aml_tiering *t;

		if (aml_tiering_create(&t, &a) != AML_SUCCESS)
			table[m].run = NULL;
		aml_tiering_destroy(&t);
	}
}

static struct bench_spec spec = {
    .name = "tiering",
    .help = "tiering: sampling cost and hot-set capture on a GUPS-like "
	    "workload",
    .title = "tiering: one epoch of GUPS-like updates (16 per page, 90% "
	     "in a hot eighth), without a tiering and measured by each method",
    .legend = "# ratio: time of the epoch's updates under a tiering of one "
	      "tier (stepped after\n# each epoch, untimed) / without: the "
	      "program's slowdown from being measured.\n# soft-dirty clears "
	      "the bits of the whole process: its faults also slow the\n# "
	      "other columns, so its ratio understates its cost.\n",
    .unit = "epoch of updates",
    .methods = table,
    .nmethods = NMETHODS,
    .sizes = sizes,
    .nsizes = 3,
    .reps = 11,
    .quick_reps = 3,
    .sample_s = 0.02,
    .quick_sample_s = 0.01,
    .max_bytes = 1,
    .setup = setup,
    .prepare = prepare,
    .release = release,
};

/* Share of pages [first, first + n) of `p` on a node of `fast`. */
static double on_fast(const char *p, size_t first, size_t n,
		      const struct aml_bitmap *fast)
{
	void **pages = malloc(n * sizeof(*pages));
	int *status = malloc(n * sizeof(*status));
	size_t on = 0;

	for (size_t i = 0; pages && status && i < n; i++)
		pages[i] = (void *)(p + (first + i) * psize);
	if (pages == NULL || status == NULL ||
	    move_pages(0, n, pages, NULL, status, 0) != 0)
		exit(1);
	for (size_t i = 0; i < n; i++)
		on += status[i] >= 0 &&
		      aml_bitmap_isset(fast, (unsigned int)status[i]) == 1;
	free(pages);
	free(status);
	return (double)on / (double)n;
}

static size_t env_size(const char *name, size_t dflt)
{
	const char *v = getenv(name);
	char *end;
	double x;

	if (v == NULL || *v == '\0')
		return dflt;
	x = strtod(v, &end);
	if (*end == 'K' || *end == 'k')
		x *= 1024;
	else if (*end == 'M' || *end == 'm')
		x *= 1 << 20;
	else if (*end == 'G' || *end == 'g')
		x *= 1 << 30;
	return (size_t)x;
}

struct capture {
	struct aml_bitmap fast, slow;
	struct buffer b;
	struct aml_tiering *t; /* NULL: the kernel's own tiering */
	size_t cap, nhot;
	int reached[3];
	size_t worst_churn, max_fast;
};

/* One epoch of phase `ph`: updates, then the tiering's step (or the
 * kernel's time), then the row. */
static void capture_epoch(struct capture *c, int ph, int e, int k)
{
	size_t npages = c->b.size / psize, hot = (size_t[]){0, npages * 3 / 8,
							   npages - c->nhot}[ph];
	struct aml_tiering_stats s = {0};
	size_t before, moved = 0, fast_pages;
	double t0 = bench_now(), cap;

	if (c->t)
		aml_tiering_get_stats(c->t, &s);
	before = s.promoted + s.demoted;
	updates(&c->b, hot * psize / 8, c->nhot * psize / 8, CAPTURE_UPDATES);
	if (c->t) {
		aml_tiering_step(c->t);
		aml_tiering_get_stats(c->t, &s);
		moved = s.promoted + s.demoted - before;
	} else {
		/* The kernel scans on its own clock: give it an epoch. */
		while (bench_now() - t0 < 0.2)
			usleep(10000);
	}
	cap = on_fast((char *)c->b.words, hot, c->nhot, &c->fast);
	fast_pages = (size_t)(on_fast((char *)c->b.words, 0, npages, &c->fast) *
			      (double)npages + 0.5);
	c->max_fast = fast_pages > c->max_fast ? fast_pages : c->max_fast;
	if (c->reached[ph] < 0 && cap >= 0.9)
		c->reached[ph] = k;
	if (c->reached[ph] > 0 && k > 10 && moved > c->worst_churn)
		c->worst_churn = moved;
	printf("%5d %5d %8.1f%% %10.2f %10zu %9.2f\n", e, ph, 100 * cap,
	       (double)moved * psize / (1 << 20), fast_pages,
	       c->t ? s.epoch_ns / 1e6 : 0.0);
}

static int capture_setup(struct capture *c, int quick)
{
	int nodes[BENCH_MAX_NODES], n = bench_nodes(nodes);
	const char *kernel = getenv("AML_BENCH_TIERING");

	if (n < 2)
		return -1;
	memset(c, 0, sizeof(*c));
	for (int i = 0; i < n; i++)
		aml_bitmap_set(i < (n + 1) / 2 ? &c->fast : &c->slow,
			       (unsigned int)nodes[i]);
	c->cap = env_size("AML_BENCH_CAPACITY", quick ? 4 << 20 : 16 << 20);
	c->nhot = c->cap / 2 / psize;
	c->b.size = 4 * c->cap;
	c->b.words = mmap(NULL, c->b.size, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (c->b.words == MAP_FAILED ||
	    madvise(c->b.words, c->b.size, MADV_NOHUGEPAGE) != 0 ||
	    mbind(c->b.words, c->b.size, MPOL_BIND, c->slow.mask,
		  AML_BITMAP_MAX + 1, 0) != 0)
		return -1;
	memset(c->b.words, 1, c->b.size);
	c->b.rng = 2463534242ULL;
	if (kernel == NULL || strcmp(kernel, "kernel") != 0) {
		struct aml_tiering_attr a = {.fast = &c->fast, .slow = &c->slow,
					     .fast_capacity = c->cap};

		if (aml_tiering_create(&c->t, &a) != 0 ||
		    aml_tiering_add(c->t, c->b.words, c->b.size) != 0)
			return -1;
	}
	return 0;
}

/* Part 2: returns 0 if the targets were met (or could not be tried). */
static int capture_run(int quick)
{
	struct capture c;
	struct aml_tiering_stats s = {0};
	char f[64], sl[64];
	int e = 0, ok = 1;

	if (capture_setup(&c, quick) != 0) {
		printf("\nhot-set capture: needs two tiers (two nodes) and a "
		       "method: not run\n");
		return 0;
	}
	if (c.t)
		aml_tiering_get_stats(c.t, &s);
	printf("\nhot-set capture: %s, fast %s, slow %s, capacity %s, "
	       "buffer 4x, hot set 1/2 capacity, moved twice\n"
	       "epoch phase  capture   MiB moved   on fast  engine ms\n",
	       c.t ? aml_tiering_method_name(s.method) : "kernel's tiering",
	       aml_bitmap_to_string(&c.fast), aml_bitmap_to_string(&c.slow),
	       bench_size_str(c.cap, f));
	(void)sl;
	for (int ph = 0; ph < 3; ph++) {
		c.reached[ph] = -1;
		for (int k = 1; k <= EPOCHS; k++)
			capture_epoch(&c, ph, ++e, k);
		ok &= c.reached[ph] > 0 && c.reached[ph] <= 10;
	}
	printf("epochs to 90%% capture after each move: %d, %d, %d (target "
	       "10: %s); most pages on fast %zu of %zu allowed (%s); most "
	       "migrated per epoch once converged %.1f%% of the pages "
	       "(target 5%%: %s)\n",
	       c.reached[0], c.reached[1], c.reached[2], bench_met(ok),
	       c.max_fast, c.cap / psize,
	       bench_met(c.max_fast <= c.cap / psize || !c.t),
	       100.0 * c.worst_churn * psize / c.b.size,
	       bench_met(c.worst_churn * 20 * psize <= c.b.size));
	aml_tiering_destroy(&c.t);
	munmap(c.b.words, c.b.size);
	return c.t == NULL ? 0 : !ok;
}

int main(int argc, char **argv)
{
	struct bench_results res;
	int capture_failed;

	bench_run(&spec, argc, argv, &res);
	print_engine(&res);
	capture_failed = capture_run(res.opts.quick);
	return bench_status(&res) || capture_failed;
}
