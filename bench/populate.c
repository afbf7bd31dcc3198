/* Cost of getting interleaved memory with every page already placed:
 * AML's populate option against a touch loop, the same system calls by
 * hand, and MAP_POPULATE before mbind(2) (fast, but it places pages before
 * the policy exists: wrong on more than one node). Each result's placement
 * is verified (strict round robin over the nodes) and printed. */
#include <aml.h>
#include <aml/area/linux.h>

#include "bench.h"

#define SAMPLE_S 0.05
#define QUICK_SAMPLE_S 0.005
/* Bytes held at once by one sample at most. */
#define SAMPLE_BYTES (256UL << 20)

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif

static struct aml_area *area;
static int nodes[BENCH_MAX_NODES];
static int nnodes;
static unsigned long mask[BENCH_MAX_NODES / (8 * sizeof(unsigned long))];
static unsigned long maxnode;
static size_t psize;

static void *touch_get(size_t size)
{
	char *p = numa_alloc_interleaved(size);

	if (p == NULL)
		return NULL;
	for (size_t i = 0; i < size; i += psize)
		p[i] = 0;
	return p;
}

static void *aml_get(size_t size)
{
	struct aml_area_linux_mmap_options o = {
		.ptr = NULL,
		.flags = MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE,
		.mode = PROT_READ | PROT_WRITE,
		.fd = -1,
		.offset = 0,
	};

	return aml_area_mmap(area, size, (struct aml_area_mmap_options *)&o);
}

/* What populating after binding costs when written by hand. */
static void *madvise_get(size_t size)
{
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return NULL;
	if (mbind(p, size, MPOL_INTERLEAVE, mask, maxnode, 0) != 0 ||
	    madvise(p, size, MADV_POPULATE_WRITE) != 0) {
		munmap(p, size);
		return NULL;
	}
	return p;
}

/* Pages are placed by MAP_POPULATE, before mbind(2) sets the policy. */
static void *map_populate_get(size_t size)
{
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);

	if (p == MAP_FAILED)
		return NULL;
	if (mbind(p, size, MPOL_INTERLEAVE, mask, maxnode, 0) != 0) {
		munmap(p, size);
		return NULL;
	}
	return p;
}

struct competitor {
	const char *name;
	void *(*get)(size_t size);
};

/* The first is the reference, the second is AML. */
static const struct competitor competitors[] = {
	{"touch", touch_get},
	{"aml", aml_get},
	{"madvise", madvise_get},
	{"map-pop", map_populate_get},
};

#define NCOMP (sizeof(competitors) / sizeof(*competitors))

/* Seconds per buffer over `iters` buffers, all held until the end; then
 * each buffer is verified and released. `*verified` receives 1 if all are
 * placed right, 0 if one is not, -1 if one could not be checked. */
static double sample(size_t c, size_t size, long iters, void **bufs,
		     int *verified)
{
	const double t0 = bench_now();
	double t;

	for (long i = 0; i < iters; i++) {
		bufs[i] = competitors[c].get(size);
		if (bufs[i] == NULL) {
			fprintf(stderr, "%s: getting %zu bytes failed\n",
				competitors[c].name, size);
			exit(1);
		}
	}
	t = (bench_now() - t0) / (double)iters;
	*verified = 1;
	for (long i = 0; i < iters; i++) {
		const int v = bench_verify_interleave(bufs[i], size, nodes,
						      nnodes, NULL);

		if (v < *verified)
			*verified = v;
		munmap(bufs[i], size);
	}
	return t;
}

/* Buffers per sample so that the touch loop takes about `target`: the
 * reference is steadier than the others (mbind(MPOL_MF_MOVE) may wait for
 * every CPU). */
static long calibrate(size_t size, double target, void **bufs, long max)
{
	double t;
	int v;

	for (size_t c = 0; c < NCOMP; c++)
		sample(c, size, 1, bufs, &v); /* warm up */
	t = sample(0, size, 1, bufs, &v);
	if (t * 2 > target)
		return 1;
	if ((long)(target / t) > max)
		return max;
	return (long)(target / t);
}

static void setup(void)
{
	psize = (size_t)sysconf(_SC_PAGESIZE);
	nnodes = bench_nodes(nodes);
	maxnode = bench_nodemask(nodes, nnodes, mask);
	if (numa_available() < 0) {
		fprintf(stderr, "libnuma: NUMA not available\n");
		exit(1);
	}
	area = bench_interleave_area();
}

int main(int argc, char **argv)
{
	struct bench_opts o;
	double ratio[NCOMP][16];
	int verdict[NCOMP];
	double *times[NCOMP];
	double *ratios;
	void **bufs;
	size_t nsizes = 0;
	int failed = 0;

	bench_parse(argc, argv,
		    "Get populated interleaved memory: AML's populate option "
		    "vs a touch loop, madvise by hand, MAP_POPULATE + mbind.",
		    11, 3, &o);
	setup();
	bench_print_machine(stdout, "populate: get memory interleaved over "
				    "all nodes, every page placed");
	printf("# touch: numa_alloc_interleaved() + a write per page (the "
	       "reference)\n"
	       "# aml: aml_area_mmap() of an interleave area with MAP_POPULATE "
	       "in its options (populated after binding)\n"
	       "# madvise: mmap + mbind + madvise(MADV_POPULATE_WRITE), by "
	       "hand\n"
	       "# map-pop: mmap(MAP_POPULATE) + mbind: pages are placed "
	       "before the policy, so on more than\n"
	       "#   one node they are NOT interleaved (its verdict says so "
	       "there; with one node it cannot fail)\n"
	       "# ratios: median over %d repetitions of time / touch time "
	       "(below 1: faster); verdicts: placement\n"
	       "#   of every buffer, checked with move_pages(2), in the "
	       "column order\n",
	       o.reps);
	printf("%6s %6s %10s", "size", "iters", "touch us");
	for (size_t c = 1; c < NCOMP; c++)
		printf(" %9s", competitors[c].name);
	printf("  verdicts\n");

	bufs = calloc(SAMPLE_BYTES / 4096, sizeof(*bufs));
	for (size_t c = 0; c < NCOMP; c++)
		times[c] = calloc((size_t)o.reps, sizeof(double));
	ratios = calloc((size_t)o.reps, sizeof(double));
	for (size_t s = 0; s < bench_nsizes && bench_sizes[s] <= o.max; s++) {
		const size_t size = bench_sizes[s];
		const long max = size >= SAMPLE_BYTES ? 1 : SAMPLE_BYTES / size;
		const long iters = calibrate(
			size, o.quick ? QUICK_SAMPLE_S : SAMPLE_S, bufs, max);
		char buf[24];

		for (size_t c = 0; c < NCOMP; c++)
			verdict[c] = 1;
		for (int r = 0; r < o.reps; r++) {
			for (size_t k = 0; k < NCOMP; k++) {
				const size_t c = (k + (size_t)r) % NCOMP;
				int v;

				times[c][r] = sample(c, size, iters, bufs, &v);
				if (v < verdict[c])
					verdict[c] = v;
			}
		}
		printf("%6s %6ld %10.1f", bench_size_str(size, buf), iters,
		       bench_median(times[0], (size_t)o.reps) * 1e6);
		for (size_t c = 0; c < NCOMP; c++) {
			for (int r = 0; r < o.reps; r++)
				ratios[r] = times[c][r] / times[0][r];
			ratio[c][s] = bench_median(ratios, (size_t)o.reps);
			if (c > 0)
				printf(" %8.3fx", ratio[c][s]);
		}
		printf(" ");
		for (size_t c = 0; c < NCOMP; c++) {
			printf(" %s", bench_verdict(verdict[c]));
			/* map-pop is expected to be wrong on several nodes */
			if (competitors[c].get != map_populate_get)
				failed |= verdict[c] != 1;
		}
		printf("\n");
		nsizes++;
	}

	bench_print_medians("touch", &competitors[0].name, sizeof(competitors[0]),
			    ratio, NCOMP, nsizes);
	printf("\n");
	if (nsizes > 0) {
		const size_t l = nsizes - 1;
		char buf[24];

		printf("summary at %s: aml speed-up over the touch loop %.2fx "
		       "(target >= 2x: %s); aml time / madvise by hand %.3fx\n",
		       bench_size_str(bench_sizes[l], buf), 1 / ratio[1][l],
		       1 / ratio[1][l] >= 2 ? "met" : "MISSED",
		       ratio[1][l] / ratio[2][l]);
	}

	for (size_t c = 0; c < NCOMP; c++)
		free(times[c]);
	free(ratios);
	free(bufs);
	aml_area_linux_destroy(&area);
	if (failed)
		printf("error: a correct method placed pages wrong\n");
	return failed;
}
