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

/* The buffers of one size: a source and a destination, both touched. */
struct buffers {
	char *src, *dst;
};

static void *prepare(size_t size)
{
	struct buffers *b = malloc(sizeof(*b));

	if (b == NULL || (b->src = malloc(size)) == NULL ||
	    (b->dst = malloc(size)) == NULL) {
		fprintf(stderr, "out of memory for %zu bytes\n", size);
		exit(1);
	}
	memset(b->src, 0x5a, size);
	memset(b->dst, 0, size);
	return b;
}

static void release(void *data, size_t size)
{
	struct buffers *b = data;

	(void)size;
	free(b->src);
	free(b->dst);
	free(b);
}

typedef void (*copy_fn)(void *dst, const void *src, size_t size);

static int run_copy(const void *arg, void *data, size_t size, long i)
{
	struct buffers *b = data;

	(void)i;
	(*(const copy_fn *)arg)(b->dst, b->src, size);
	return 1;
}

/* Every byte arrived; clear the destination for the next sample. */
static int after_copy(const void *arg, void *data, size_t size, long count)
{
	struct buffers *b = data;
	const int right = memcmp(b->dst, b->src, size) == 0;

	(void)arg;
	(void)count;
	memset(b->dst, 0, size);
	return right;
}

static void setup(void)
{
	pthread_create(&helper.thread, NULL, helper_main, NULL);
	check_ok(aml_dma_linux_create(&engine1, 1));
	check_ok(aml_dma_linux_create(&engine2, 2));
}

static const copy_fn fn_memcpy = copy_memcpy, fn_hand2 = copy_hand2,
		     fn_aml1 = copy_aml1, fn_aml2 = copy_aml2;

/* The first is the reference. */
static const struct bench_method methods[] = {
    {.name = "memcpy", .run = run_copy, .after = after_copy, .arg = &fn_memcpy},
    {.name = "hand2", .run = run_copy, .after = after_copy, .arg = &fn_hand2},
    {.name = "aml1", .run = run_copy, .after = after_copy, .arg = &fn_aml1},
    {.name = "aml2", .run = run_copy, .after = after_copy, .arg = &fn_aml2},
};
enum { M_MEMCPY, M_HAND2, M_AML1, M_AML2, NMETHODS };

static const struct bench_spec spec = {
    .name = "copy",
    .help = "Copy memory: the Linux copy engine vs memcpy and a "
	    "hand-written 2-thread memcpy; copy vs migrate.",
    .title = "copy: the Linux copy engine",
    .legend = "# memcpy: one thread (the reference); hand2: hand-written "
	      "2-thread memcpy (caller + a helper)\n"
	      "# aml1, aml2: aml_dma_copy() on a Linux engine with 1 and 2 "
	      "workers (below the 4 MiB\n"
	      "#   threshold the caller copies; above it the caller helps)\n",
    .unit = "copy",
    .methods = methods,
    .nmethods = NMETHODS,
    .reps = 7,
    .quick_reps = 3,
    .sample_s = 0.03,
    .quick_sample_s = 0.003,
    .calibrate_reference = 1,
    .setup = setup,
    .prepare = prepare,
    .release = release,
};

/* The targets, from the table's medians. */
static void print_targets(const struct bench_results *res)
{
	char buf[24];

	printf("aml2 / hand2 (ratio of medians):");
	for (size_t s = 0; s < res->nsizes; s++)
		printf(" %s %.3fx", bench_size_str(res->sizes[s], buf),
		       res->ratio[M_AML2][s] / res->ratio[M_HAND2][s]);
	printf("\n");
	for (size_t s = 0; s < res->nsizes; s++) {
		const double vh =
		    res->ratio[M_AML2][s] / res->ratio[M_HAND2][s];

		bench_size_str(res->sizes[s], buf);
		if (res->sizes[s] >= (16UL << 20))
			printf("target at %s: aml2 within 1.1x of hand2: %s\n",
			       buf, bench_met(vh <= 1.1));
		else if (res->sizes[s] < AML_DMA_LINUX_THRESHOLD)
			printf("target at %s: aml1, aml2 within 1.05x of "
			       "memcpy: %s\n",
			       buf,
			       bench_met(res->ratio[M_AML1][s] <= 1.05 &&
					 res->ratio[M_AML2][s] <= 1.05));
	}
	printf("\n");
}

/* Seconds per copy over `iters` copies. */
static double sample(copy_fn copy, char *dst, const char *src, size_t size,
		     long iters)
{
	const double t0 = bench_now();

	for (long i = 0; i < iters; i++)
		copy(dst, src, size);
	return (bench_now() - t0) / (double)iters;
}

/* Copies per sample so that memcpy takes about `target` seconds. */
static long calibrate(char *dst, const char *src, size_t size, double target)
{
	double t;

	sample(copy_memcpy, dst, src, size, 1);
	t = sample(copy_memcpy, dst, src, size, 1);
	return t * 2 > target ? 1 : (long)(target / t);
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
	const size_t most = 8UL << 20;
	struct bench_results res;
	struct buffers *b;
	int ok;

	bench_run(&spec, argc, argv, &res);
	print_targets(&res);
	b = prepare(res.opts.max < most ? res.opts.max : most);
	threshold_table(&res.opts, b->dst, b->src);
	release(b, 0);
	ok = move_table(&res.opts);
	aml_dma_linux_destroy(&engine1);
	aml_dma_linux_destroy(&engine2);
	return ok ? bench_status(&res) : 1;
}
