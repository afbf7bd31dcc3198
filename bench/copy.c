/* Copying memory: the Linux copy engine (1 and 2 workers) against memcpy
 * on one thread and a hand-written 2-thread memcpy (the machine's parallel
 * limit), side by side in one run; the engine's split threshold; and
 * moving a buffer to another node by copying it into an area bound there
 * against aml_area_linux_migrate(). Ratios are medians of per-repetition
 * ratios (time / reference time; below 1 is faster). */
#include <aml.h>
#include <aml/area/linux.h>
#include <aml/dma/linux.h>

#include "bench.h"

#define SAMPLE_S 0.03
#define QUICK_SAMPLE_S 0.003

static struct aml_dma *engine1, *engine2;

/* The hand-written 2-thread copy: the caller copies the first half, a
 * helper thread the second. */
static struct {
	pthread_mutex_t lock;
	pthread_cond_t go, done;
	char *dst;
	const char *src;
	size_t size;
	unsigned long gen, finished;
	pthread_t thread;
} helper = {
    .lock = PTHREAD_MUTEX_INITIALIZER,
    .go = PTHREAD_COND_INITIALIZER,
    .done = PTHREAD_COND_INITIALIZER,
};

static void *helper_main(void *arg)
{
	unsigned long seen = 0;

	(void)arg;
	pthread_mutex_lock(&helper.lock);
	for (;;) {
		while (helper.gen == seen)
			pthread_cond_wait(&helper.go, &helper.lock);
		seen = helper.gen;
		pthread_mutex_unlock(&helper.lock);
		memcpy(helper.dst, helper.src, helper.size);
		pthread_mutex_lock(&helper.lock);
		helper.finished = seen;
		pthread_cond_signal(&helper.done);
	}
	return NULL;
}

static void copy_memcpy(void *dst, const void *src, size_t size)
{
	memcpy(dst, src, size);
}

static void copy_hand2(void *dst, const void *src, size_t size)
{
	const size_t half = size / 2 / 64 * 64;
	unsigned long gen;

	pthread_mutex_lock(&helper.lock);
	helper.dst = (char *)dst + half;
	helper.src = (const char *)src + half;
	helper.size = size - half;
	gen = ++helper.gen;
	pthread_cond_signal(&helper.go);
	pthread_mutex_unlock(&helper.lock);
	memcpy(dst, src, half);
	pthread_mutex_lock(&helper.lock);
	while (helper.finished != gen)
		pthread_cond_wait(&helper.done, &helper.lock);
	pthread_mutex_unlock(&helper.lock);
}

static void check_ok(int err)
{
	if (err != AML_SUCCESS) {
		fprintf(stderr, "aml_dma_copy: %s\n", aml_strerror(err));
		exit(1);
	}
}

static void copy_aml1(void *dst, const void *src, size_t size)
{
	check_ok(aml_dma_copy(engine1, dst, src, size));
}

static void copy_aml2(void *dst, const void *src, size_t size)
{
	check_ok(aml_dma_copy(engine2, dst, src, size));
}

struct competitor {
	const char *name;
	void (*copy)(void *dst, const void *src, size_t size);
};

/* The first is the reference. */
static const struct competitor competitors[] = {
    {"memcpy", copy_memcpy},
    {"hand2", copy_hand2},
    {"aml1", copy_aml1},
    {"aml2", copy_aml2},
};
#define NCOMP (sizeof(competitors) / sizeof(*competitors))

/* Seconds per copy over `iters` copies. */
static double sample(void (*copy)(void *, const void *, size_t), char *dst,
		     const char *src, size_t size, long iters)
{
	const double t0 = bench_now();

	for (long i = 0; i < iters; i++)
		copy(dst, src, size);
	return (bench_now() - t0) / (double)iters;
}

static long calibrate(char *dst, const char *src, size_t size, double target)
{
	double t;

	sample(copy_memcpy, dst, src, size, 1);
	t = sample(copy_memcpy, dst, src, size, 1);
	if (t * 2 > target)
		return 1;
	return (long)(target / t);
}

static int verify(const char *dst, const char *src, size_t size)
{
	return memcmp(dst, src, size) == 0;
}

/* Table 1: every competitor at every size; returns 0 if a target is
 * missed. */
static int speed_table(const struct bench_opts *o, char *dst, char *src)
{
	double t[NCOMP][64], ratio[NCOMP][16], vs_hand[64], r[64];
	size_t nsizes = 0;
	int ok = 1;

	printf("%6s %6s %10s", "size", "iters", "memcpy us");
	for (size_t c = 1; c < NCOMP; c++)
		printf(" %9s", competitors[c].name);
	printf(" %11s  bytes\n", "aml2/hand2");
	for (size_t s = 0; s < bench_nsizes && bench_sizes[s] <= o->max; s++) {
		const size_t size = bench_sizes[s];
		const long iters = calibrate(
		    dst, src, size, o->quick ? QUICK_SAMPLE_S : SAMPLE_S);
		int right = 1;
		char buf[24];

		for (int k = 0; k < o->reps; k++)
			for (size_t i = 0; i < NCOMP; i++) {
				const size_t c = (i + (size_t)k) % NCOMP;

				memset(dst, 0, size);
				t[c][k] = sample(competitors[c].copy, dst, src,
						 size, iters);
				right &= verify(dst, src, size);
			}
		printf("%6s %6ld %10.1f", bench_size_str(size, buf), iters,
		       bench_median(t[0], (size_t)o->reps) * 1e6);
		for (size_t c = 0; c < NCOMP; c++) {
			for (int k = 0; k < o->reps; k++)
				r[k] = t[c][k] / t[0][k];
			ratio[c][s] = bench_median(r, (size_t)o->reps);
			if (c > 0)
				printf(" %8.3fx", ratio[c][s]);
		}
		for (int k = 0; k < o->reps; k++)
			vs_hand[k] = t[3][k] / t[1][k];
		const double vh = bench_median(vs_hand, (size_t)o->reps);
		printf(" %10.3fx  %s\n", vh, right ? "ok" : "WRONG");
		ok &= right;
		if (size >= (16UL << 20) && vh > 1.1)
			printf("  target missed: aml2 > 1.1x hand2 at %s\n",
			       buf);
		if (size < AML_DMA_LINUX_THRESHOLD &&
		    (ratio[2][s] > 1.05 || ratio[3][s] > 1.05))
			printf("  target missed: aml > 1.05x memcpy at %s\n",
			       buf);
		nsizes++;
	}
	bench_print_medians("memcpy", &competitors[0].name,
			    sizeof(competitors[0]), ratio, NCOMP, nsizes);
	printf("\n\n");
	return ok;
}

/* Table 2: the engine with 2 workers and no threshold against memcpy, to
 * find where splitting starts to pay. */
static void threshold_table(const struct bench_opts *o, char *dst, char *src)
{
	double tm[64], ta[64], r[64];
	char buf[24];

	check_ok(aml_dma_linux_set_threshold(engine2, 0));
	printf("%6s %10s %13s\n", "size", "memcpy us", "aml2-split");
	for (size_t size = 16UL << 10; size <= (8UL << 20) && size <= o->max;
	     size *= 2) {
		const long iters = calibrate(
		    dst, src, size, o->quick ? QUICK_SAMPLE_S : SAMPLE_S);

		for (int k = 0; k < o->reps; k++) {
			tm[k] = sample(copy_memcpy, dst, src, size, iters);
			ta[k] = sample(copy_aml2, dst, src, size, iters);
			r[k] = ta[k] / tm[k];
		}
		printf("%6s %10.1f %12.3fx\n", bench_size_str(size, buf),
		       bench_median(tm, (size_t)o->reps) * 1e6,
		       bench_median(r, (size_t)o->reps));
	}
	check_ok(aml_dma_linux_set_threshold(engine2, AML_DMA_LINUX_THRESHOLD));
	printf("\n");
}

static struct aml_area *bound_area(int node)
{
	struct aml_bitmap one;
	struct aml_area *area;

	aml_bitmap_zero(&one);
	aml_bitmap_set(&one, (unsigned int)node);
	check_ok(
	    aml_area_linux_create(&area, &one, AML_AREA_LINUX_POLICY_BIND));
	return area;
}

/* A buffer of `size` bytes with every page on the node of `area`. */
static char *placed(struct aml_area *area, size_t size)
{
	char *p = aml_area_mmap(area, size, NULL);

	if (p == NULL) {
		aml_perror("aml_area_mmap");
		exit(1);
	}
	memset(p, 0x42, size);
	return p;
}

/* One move of `size` bytes from `from` to `to`: by copy (`by_copy`) or by
 * migrating. Returns seconds; `*right` &= pages on `to` and bytes kept. */
static double move_once(struct aml_area *from, struct aml_area *to, int node,
			size_t size, int by_copy, int *right)
{
	char *old = placed(from, size), *now = old;
	double t0 = bench_now(), t;

	if (by_copy) {
		now = aml_area_mmap(to, size, NULL);
		check_ok(now ? aml_dma_copy(engine2, now, old, size)
			     : -AML_ENOMEM);
	} else {
		check_ok(
		    aml_area_linux_migrate(to, old, size, NULL, NULL, NULL));
	}
	t = bench_now() - t0;
	*right &= bench_verify_interleave(now, size, &node, 1, NULL) == 1 &&
		  now[0] == 0x42 && now[size - 1] == 0x42;
	if (now != old)
		aml_area_munmap(to, now, size);
	aml_area_munmap(from, old, size);
	return t;
}

/* Table 3: data on node A wanted on node B. */
static int move_table(const struct bench_opts *o)
{
	int nodes[BENCH_MAX_NODES], n = bench_nodes(nodes), right = 1;
	struct aml_area *from = bound_area(nodes[0]),
			*to = bound_area(nodes[n - 1]);
	double tc[64], tm[64], r[64];
	char buf[24];

	printf("# move: a buffer on node %d wanted on node %d%s\n", nodes[0],
	       nodes[n - 1],
	       n == 1 ? " (one node here: migrate has nothing to move)" : "");
	printf("%6s %12s %12s %10s  placement\n", "size", "copy us",
	       "migrate us", "copy/migr");
	for (size_t s = 0; s < bench_nsizes && bench_sizes[s] <= o->max &&
			   bench_sizes[s] <= (256UL << 20);
	     s++) {
		const size_t size = bench_sizes[s];

		for (int k = 0; k < o->reps; k++) {
			tc[k] =
			    move_once(from, to, nodes[n - 1], size, 1, &right);
			tm[k] =
			    move_once(from, to, nodes[n - 1], size, 0, &right);
			r[k] = tc[k] / tm[k];
		}
		printf(
		    "%6s %12.1f %12.1f %9.3fx  %s\n", bench_size_str(size, buf),
		    bench_median(tc, (size_t)o->reps) * 1e6,
		    bench_median(tm, (size_t)o->reps) * 1e6,
		    bench_median(r, (size_t)o->reps), right ? "ok" : "WRONG");
	}
	aml_area_linux_destroy(&from);
	aml_area_linux_destroy(&to);
	return right;
}

int main(int argc, char **argv)
{
	struct bench_opts o;
	char *src, *dst;
	int ok;

	bench_parse(argc, argv,
		    "Copy memory: the Linux copy engine vs memcpy and a "
		    "hand-written 2-thread memcpy; copy vs migrate.",
		    7, 3, &o);
	bench_print_machine(stdout, "copy: the Linux copy engine");
	printf("# memcpy: one thread (the reference); hand2: hand-written "
	       "2-thread memcpy (caller + a helper)\n"
	       "# aml1, aml2: aml_dma_copy() on a Linux engine with 1 and 2 "
	       "workers (threshold %zu KiB: below it\n"
	       "#   the caller copies); ratios: median over %d repetitions of "
	       "time / memcpy time; aml2/hand2\n"
	       "#   likewise. Targets: aml2/hand2 <= 1.1 from 16M; aml <= 1.05 "
	       "memcpy below the threshold.\n",
	       AML_DMA_LINUX_THRESHOLD >> 10, o.reps);
	src = malloc(o.max);
	dst = malloc(o.max);
	if (src == NULL || dst == NULL) {
		fprintf(stderr, "out of memory\n");
		return 1;
	}
	memset(src, 0x5a, o.max);
	memset(dst, 0, o.max);
	pthread_create(&helper.thread, NULL, helper_main, NULL);
	check_ok(aml_dma_linux_create(&engine1, 1));
	check_ok(aml_dma_linux_create(&engine2, 2));
	ok = speed_table(&o, dst, src);
	threshold_table(&o, dst, src);
	free(src);
	free(dst);
	ok &= move_table(&o);
	aml_dma_linux_destroy(&engine1);
	aml_dma_linux_destroy(&engine2);
	return ok ? 0 : 1;
}
