/*
 * Small objects with placement: AML's heap over an interleave area against
 * glibc malloc, memkind_malloc(MEMKIND_INTERLEAVE), the heap's engine's own
 * malloc (tbbmalloc's scalable_malloc) and AML's area allocator (one
 * mapping per object). A sample allocates a batch of 4096 objects, writes
 * their first byte, and frees them; the time per alloc+free pair is a
 * median over repetitions, with 1 and 2 threads running at once. The
 * competitors run side by side: each repetition runs one batch of each, in
 * a rotating order. A
 * producer/consumer case frees on another thread than the allocating one.
 * Ratios are AML heap time / competitor time (below 1: the heap is faster).
 */
#include <stdatomic.h>

#include <aml.h>
#include <aml/area/linux.h>
#include <aml/higher/allocator/area.h>
#include <aml/higher/allocator/heap.h>

#include "bench.h"

#ifdef BENCH_HAVE_MEMKIND
#include <memkind.h>
#endif

/* tbbmalloc's C API. */
void *scalable_malloc(size_t size);
void scalable_free(void *ptr);

#define BATCH 4096
#define MAX_THREADS 2

static struct aml_allocator *heap, *area_alloc;

static void *heap_get(size_t s)
{
	return aml_alloc(heap, s);
}
static void heap_put(void *p)
{
	aml_free(heap, p);
}
static void *area_get(size_t s)
{
	return aml_alloc(area_alloc, s);
}
static void area_put(void *p)
{
	aml_free(area_alloc, p);
}
static void *tbb_get(size_t s)
{
	return scalable_malloc(s);
}
static void tbb_put(void *p)
{
	scalable_free(p);
}
#ifdef BENCH_HAVE_MEMKIND
static void *mk_get(size_t s)
{
	return memkind_malloc(MEMKIND_INTERLEAVE, s);
}
static void mk_put(void *p)
{
	memkind_free(MEMKIND_INTERLEAVE, p);
}
#endif

struct competitor {
	const char *name;
	void *(*get)(size_t size);
	void (*put)(void *p);
};

/* The first is AML's heap, the others what it is compared with. */
static const struct competitor competitors[] = {
    {"aml-heap", heap_get, heap_put}, {"glibc", malloc, free},
#ifdef BENCH_HAVE_MEMKIND
    {"memkind", mk_get, mk_put},
#else
    {"memkind", NULL, NULL},
#endif
    {"tbbmalloc", tbb_get, tbb_put},  {"aml-area", area_get, area_put},
};
#define NCOMP (sizeof(competitors) / sizeof(*competitors))

static const size_t sizes[] = {16, 64, 256, 1024, 4096, 16384, 65536};
#define NSIZES (sizeof(sizes) / sizeof(*sizes))

struct run {
	size_t size;
	int reps;
	pthread_barrier_t barrier;
	/* per competitor, thread and repetition */
	double ns[NCOMP][MAX_THREADS][64];
};

/* ns per alloc+free pair of one batch. */
static double batch_ns(const struct competitor *c, size_t size, void **p)
{
	double t0 = bench_now();

	for (int i = 0; i < BATCH; i++) {
		p[i] = c->get(size);
		if (p[i] == NULL) {
			fprintf(stderr, "%s: no memory for %zu B\n", c->name,
				size);
			exit(1);
		}
		*(volatile char *)p[i] = 1;
	}
	for (int i = 0; i < BATCH; i++)
		c->put(p[i]);
	return (bench_now() - t0) * 1e9 / BATCH;
}

/* Side by side: in each repetition every competitor runs one batch, in a
 * rotating order, every thread at once. */
static void *run_thread(void *arg)
{
	struct run *r = ((void **)arg)[0];
	int self = (int)(intptr_t)((void **)arg)[1];
	void **p = malloc(BATCH * sizeof(void *));

	for (size_t c = 0; c < NCOMP; c++) /* warm the caches */
		if (competitors[c].get != NULL)
			batch_ns(&competitors[c], r->size, p);
	for (int i = 0; i < r->reps; i++) {
		for (size_t k = 0; k < NCOMP; k++) {
			size_t c = ((size_t)i + k) % NCOMP;

			if (competitors[c].get == NULL)
				continue;
			pthread_barrier_wait(&r->barrier);
			r->ns[c][self][i] =
			    batch_ns(&competitors[c], r->size, p);
		}
	}
	free(p);
	return NULL;
}

/* Median ns per pair of each competitor over every thread and
 * repetition (-1 for one that is not installed). */
static void measure(size_t size, int nthreads, int reps, double *ns)
{
	static struct run r;
	pthread_t t[MAX_THREADS];
	void *args[MAX_THREADS][2];

	r.size = size;
	r.reps = reps;
	pthread_barrier_init(&r.barrier, NULL, (unsigned)nthreads);
	for (int i = 0; i < nthreads; i++) {
		args[i][0] = &r;
		args[i][1] = (void *)(intptr_t)i;
		pthread_create(&t[i], NULL, run_thread, args[i]);
	}
	for (int i = 0; i < nthreads; i++)
		pthread_join(t[i], NULL);
	pthread_barrier_destroy(&r.barrier);
	for (size_t c = 0; c < NCOMP; c++) {
		double all[MAX_THREADS * 64];
		int n = 0;

		for (int i = 0; i < nthreads; i++)
			for (int j = 0; j < reps; j++)
				all[n++] = r.ns[c][i][j];
		ns[c] = competitors[c].get == NULL
			    ? -1
			    : bench_median(all, (size_t)n);
	}
}

static void print_table(int nthreads, int reps)
{
	double ns[NCOMP];
	char buf[24];

	printf("\n%d thread%s, ns per alloc+free (median of %d batches of "
	       "%d), ratio = aml-heap / other\n",
	       nthreads, nthreads > 1 ? "s" : "", reps, BATCH);
	printf("%6s", "size");
	for (size_t c = 0; c < NCOMP; c++)
		printf(" %10s", competitors[c].name);
	for (size_t c = 1; c < NCOMP; c++)
		printf(" %8s", competitors[c].name);
	printf("\n");
	for (size_t s = 0; s < NSIZES; s++) {
		printf("%6s", bench_size_str(sizes[s], buf));
		measure(sizes[s], nthreads, reps, ns);
		for (size_t c = 0; c < NCOMP; c++)
			if (ns[c] < 0)
				printf(" %10s", "n/a");
			else
				printf(" %10.1f", ns[c]);
		for (size_t c = 1; c < NCOMP; c++)
			if (ns[c] < 0)
				printf(" %8s", "n/a");
			else
				printf(" %7.3fx", ns[0] / ns[c]);
		printf("\n");
		fflush(stdout);
	}
}

/* Producer/consumer: one thread allocates batches, the other frees them. */
struct handoff {
	const struct competitor *c;
	size_t size;
	int batches;
	void **slot[2];
	atomic_int full[2];
};

static void *consumer(void *arg)
{
	struct handoff *h = arg;

	for (int k = 0; k < h->batches; k++) {
		int b = k & 1;

		while (!atomic_load(&h->full[b]))
			sched_yield();
		for (int i = 0; i < BATCH; i++)
			h->c->put(h->slot[b][i]);
		atomic_store(&h->full[b], 0);
	}
	return NULL;
}

/* ns per object, allocated on one thread and freed on another. */
static double cross_thread_ns(const struct competitor *c, size_t size,
			      int batches)
{
	struct handoff h = {c, size, batches, {NULL, NULL}, {0, 0}};
	pthread_t t;
	double t0;

	h.slot[0] = malloc(BATCH * sizeof(void *));
	h.slot[1] = malloc(BATCH * sizeof(void *));
	t0 = bench_now();
	pthread_create(&t, NULL, consumer, &h);
	for (int k = 0; k < batches; k++) {
		int b = k & 1;

		while (atomic_load(&h.full[b]))
			sched_yield();
		for (int i = 0; i < BATCH; i++) {
			h.slot[b][i] = c->get(size);
			*(volatile char *)h.slot[b][i] = 1;
		}
		atomic_store(&h.full[b], 1);
	}
	pthread_join(t, NULL);
	t0 = (bench_now() - t0) * 1e9 / ((double)batches * BATCH);
	free(h.slot[0]);
	free(h.slot[1]);
	return t0;
}

static void print_cross_thread(int reps)
{
	const size_t cross_sizes[] = {64, 4096};

	printf("\nproducer/consumer: allocated on one thread, freed on "
	       "another, ns per object (median of %d runs of 16 batches)\n",
	       reps);
	for (size_t s = 0; s < 2; s++) {
		double aml = 0;

		printf("%6zu B", cross_sizes[s]);
		for (size_t c = 0; c + 1 < NCOMP; c++) {
			double v[64];

			if (competitors[c].get == NULL) {
				printf("  %s n/a", competitors[c].name);
				continue;
			}
			for (int r = 0; r < reps; r++)
				v[r] = cross_thread_ns(&competitors[c],
						       cross_sizes[s], 16);
			v[0] = bench_median(v, (size_t)reps);
			if (c == 0)
				aml = v[0];
			printf("  %s %.1f", competitors[c].name, v[0]);
			if (c > 0)
				printf(" (%.3fx)", aml / v[0]);
		}
		printf("\n");
	}
}

int main(int argc, char **argv)
{
	struct bench_opts o;
	struct aml_area *area;

	bench_parse(argc, argv,
		    "Small objects: AML heap on an interleave area vs malloc, "
		    "memkind, tbbmalloc, AML area allocator",
		    15, 1, &o);
	if (o.reps > 64)
		o.reps = 64;
	bench_print_machine(stdout, "bench_heap");
	area = bench_interleave_area();
	if (aml_allocator_heap_create(&heap, area, NULL) != AML_SUCCESS ||
	    aml_allocator_area_create(&area_alloc, area, NULL) != AML_SUCCESS) {
		fprintf(stderr, "bench_heap: cannot create the allocators\n");
		return 1;
	}
	print_table(1, o.reps);
	print_table(2, o.reps);
	print_cross_thread(o.reps);
	aml_allocator_area_destroy(&area_alloc);
	aml_allocator_heap_destroy(&heap);
	aml_area_linux_destroy(&area);
	return 0;
}
