/* Cost of getting and releasing interleaved memory (never touched): AML's
 * interleave area against the raw system calls and other libraries.
 * Each sample times many allocate + release pairs; the competitors run
 * one after the other inside each repetition (in a rotating order), and
 * each ratio is a median over repetitions of time / raw time. */
#include <aml.h>
#include <aml/area/linux.h>

#include "bench.h"

#ifdef BENCH_HAVE_HWLOC
#include <hwloc.h>
#endif
#ifdef BENCH_HAVE_MEMKIND
#include <memkind.h>
#endif

/* Aimed duration of one sample. */
#define SAMPLE_S 0.004
#define QUICK_SAMPLE_S 0.0005

static struct aml_area *area;
static int nodes[BENCH_MAX_NODES];
static int nnodes;
static unsigned long mask[BENCH_MAX_NODES / (8 * sizeof(unsigned long))];
static unsigned long maxnode;
#ifdef BENCH_HAVE_HWLOC
static hwloc_topology_t topo;
static hwloc_nodeset_t hwloc_nodes;
#endif

static void *raw_alloc(size_t size)
{
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return NULL;
	if (mbind(p, size, MPOL_INTERLEAVE, mask, maxnode, 0) != 0) {
		munmap(p, size);
		return NULL;
	}
	return p;
}

static int raw_free(void *p, size_t size)
{
	return munmap(p, size);
}

static void *area_alloc(size_t size)
{
	return aml_area_mmap(area, size, NULL);
}

static int area_free(void *p, size_t size)
{
	return aml_area_munmap(area, p, size);
}

static void *libnuma_alloc(size_t size)
{
	return numa_alloc_interleaved(size);
}

static int libnuma_release(void *p, size_t size)
{
	numa_free(p, size);
	return 0;
}

#ifdef BENCH_HAVE_HWLOC
static void *hwloc_bench_alloc(size_t size)
{
	return hwloc_alloc_membind(topo, size, hwloc_nodes,
				   HWLOC_MEMBIND_INTERLEAVE,
				   HWLOC_MEMBIND_BYNODESET);
}

static int hwloc_bench_release(void *p, size_t size)
{
	return hwloc_free(topo, p, size);
}
#endif

#ifdef BENCH_HAVE_MEMKIND
static void *memkind_bench_alloc(size_t size)
{
	return memkind_malloc(MEMKIND_INTERLEAVE, size);
}

static int memkind_bench_release(void *p, size_t size)
{
	(void)size;
	memkind_free(MEMKIND_INTERLEAVE, p);
	return 0;
}
#endif

struct competitor {
	const char *name;
	void *(*alloc)(size_t size);
	int (*release)(void *p, size_t size);
};

/* The first is the reference, the second is AML. */
static const struct competitor competitors[] = {
	{"raw", raw_alloc, raw_free},
	{"aml", area_alloc, area_free},
	{"libnuma", libnuma_alloc, libnuma_release},
#ifdef BENCH_HAVE_HWLOC
	{"hwloc", hwloc_bench_alloc, hwloc_bench_release},
#else
	{"hwloc", NULL, NULL},
#endif
#ifdef BENCH_HAVE_MEMKIND
	{"memkind", memkind_bench_alloc, memkind_bench_release},
#else
	{"memkind", NULL, NULL},
#endif
};

#define NCOMP (sizeof(competitors) / sizeof(*competitors))

/* Whether the kernel applies an interleave policy to `p`: the allocation
 * is not touched, so its policy is what can be checked. */
static int policy_ok(const struct competitor *c, size_t size)
{
	void *p = c->alloc(size);
	int mode = -1;

	if (p == NULL)
		return 0;
	if (get_mempolicy(&mode, NULL, 0, p, MPOL_F_ADDR) != 0)
		mode = -1;
	c->release(p, size);
	return mode == MPOL_INTERLEAVE;
}

/* Seconds per allocate + release pair, over `iters` pairs. */
static double sample(const struct competitor *c, size_t size, long iters)
{
	const double t0 = bench_now();

	for (long i = 0; i < iters; i++) {
		void *p = c->alloc(size);

		if (p == NULL || c->release(p, size) != 0) {
			fprintf(stderr, "%s: allocating %zu bytes failed\n",
				c->name, size);
			exit(1);
		}
	}
	return (bench_now() - t0) / (double)iters;
}

/* Pairs per sample so that the slowest competitor takes about `target`. */
static long calibrate(size_t size, double target)
{
	double slowest = 0;

	for (size_t c = 0; c < NCOMP; c++) {
		double t;

		if (competitors[c].alloc == NULL)
			continue;
		sample(&competitors[c], size, 10); /* warm up */
		t = sample(&competitors[c], size, 10);
		if (t > slowest)
			slowest = t;
	}
	if (slowest * 2 > target)
		return 2;
	return (long)(target / slowest);
}

static void setup(void)
{
	nnodes = bench_nodes(nodes);
	maxnode = bench_nodemask(nodes, nnodes, mask);
	area = bench_interleave_area();
	if (numa_available() < 0) {
		fprintf(stderr, "libnuma: NUMA not available\n");
		exit(1);
	}
#ifdef BENCH_HAVE_HWLOC
	bench_hwloc_open(&topo, &hwloc_nodes, nodes, nnodes);
#endif
}

static void teardown(void)
{
	aml_area_linux_destroy(&area);
#ifdef BENCH_HAVE_HWLOC
	bench_hwloc_close(topo, hwloc_nodes);
#endif
}

/* "ok", or the competitors whose mapping is not interleaved. */
static void print_policy(size_t size, int *failed)
{
	int all = 1;

	for (size_t c = 0; c < NCOMP; c++) {
		if (competitors[c].alloc == NULL || policy_ok(&competitors[c], size))
			continue;
		printf("%s%s", all ? "WRONG:" : ",", competitors[c].name);
		all = 0;
		*failed = 1;
	}
	if (all)
		printf("ok");
}

static void print_ratio(double r)
{
	if (r < 0)
		printf(" %9s", "n/a");
	else
		printf(" %8.3fx", r);
}

int main(int argc, char **argv)
{
	struct bench_opts o;
	/* ratio[c][s]: median ratio of competitor c at size s */
	double ratio[NCOMP][16];
	double *times[NCOMP];
	double *ratios = NULL;
	size_t nsizes = 0;
	double worst = 0;
	int failed = 0;

	bench_parse(argc, argv,
		    "Allocate + release (untouched) interleaved memory: AML vs "
		    "mmap+mbind, libnuma, hwloc, memkind.",
		    31, 3, &o);
	setup();
	bench_print_machine(stdout, "alloc: allocate + release, no touch, "
				    "interleave over all nodes");
	printf("# time: median per allocate + release pair of the raw "
	       "system calls (mmap + mbind + munmap);\n"
	       "# ratios: median over %d repetitions of competitor time / "
	       "raw time, measured side by side.\n",
	       o.reps);
	printf("%6s %8s %11s", "size", "iters", "raw us");
	for (size_t c = 1; c < NCOMP; c++)
		printf(" %9s", competitors[c].name);
	printf("  policy\n");

	for (size_t c = 0; c < NCOMP; c++)
		times[c] = calloc((size_t)o.reps, sizeof(double));
	ratios = calloc((size_t)o.reps, sizeof(double));
	for (size_t s = 0; s < bench_nsizes && bench_sizes[s] <= o.max; s++) {
		const size_t size = bench_sizes[s];
		const long iters =
			calibrate(size, o.quick ? QUICK_SAMPLE_S : SAMPLE_S);
		char buf[24];

		for (int r = 0; r < o.reps; r++) {
			/* Rotate the order so no one always runs first. */
			for (size_t k = 0; k < NCOMP; k++) {
				const size_t c = (k + (size_t)r) % NCOMP;

				if (competitors[c].alloc == NULL)
					continue;
				times[c][r] = sample(&competitors[c], size,
						     iters);
			}
		}
		for (size_t c = 0; c < NCOMP; c++) {
			ratio[c][s] = -1;
			if (competitors[c].alloc == NULL)
				continue;
			for (int r = 0; r < o.reps; r++)
				ratios[r] = times[c][r] / times[0][r];
			ratio[c][s] = bench_median(ratios, (size_t)o.reps);
		}
		printf("%6s %8ld %11.3f", bench_size_str(size, buf), iters,
		       bench_median(times[0], (size_t)o.reps) * 1e6);
		for (size_t c = 1; c < NCOMP; c++)
			print_ratio(ratio[c][s]);
		printf("  ");
		print_policy(size, &failed);
		printf("\n");
		if (ratio[1][s] > worst)
			worst = ratio[1][s];
		nsizes++;
	}

	bench_print_medians("raw", &competitors[0].name, sizeof(competitors[0]),
			    ratio, NCOMP, nsizes);
	printf("; aml worst %.3fx (target <= 1.05x: %s)\n", worst,
	       worst <= 1.05 ? "met" : "MISSED");

	for (size_t c = 0; c < NCOMP; c++)
		free(times[c]);
	free(ratios);
	teardown();
	if (failed)
		printf("error: some mappings are not interleaved\n");
	return failed;
}
