/* Cost of checking where the pages of a populated interleaved buffer are:
 * AML's checks against one get_mempolicy(2) call per page, hwloc, and one
 * batched move_pages(2) query written by hand (the floor). Every method
 * must also find the placement right: each prints its verdict. */
#include <aml.h>
#include <aml/area/linux.h>
#include <aml/area/linux-inspect.h>

#include "bench.h"

#ifdef BENCH_HAVE_HWLOC
#include <hwloc.h>
#endif

#define SAMPLE_S 0.02
#define QUICK_SAMPLE_S 0.002
/* Pages queried one call each per sample at most: beyond, the count is
 * scaled from that many pages. */
#define PER_PAGE_MAX 65536

static struct aml_area *area;
static int nodes[BENCH_MAX_NODES];
static int nnodes;
static size_t psize;
#ifdef BENCH_HAVE_HWLOC
static hwloc_topology_t topo;
static hwloc_nodeset_t hwloc_nodes, hwloc_found;
#endif

/* The floor: one move_pages(2) query for all pages, then the check. */
static int floor_check(void *p, size_t size)
{
	return bench_verify_interleave(p, size, nodes, nnodes, NULL);
}

static int aml_check(void *p, size_t size)
{
	return aml_area_linux_check_binding(
		(struct aml_area_linux_data *)area->data, p, size);
}

/* AML's page query, then the same round-robin check as the floor. */
static int aml_query(void *p, size_t size)
{
	const size_t n = aml_linux_npages(p, size);
	int *status = malloc(n * sizeof(*status));
	struct bench_rr *rr = malloc(sizeof(*rr));
	int ret = -1;

	if (status == NULL || rr == NULL)
		goto out;
	if (aml_linux_query_pages(p, size, status, 0) != AML_SUCCESS)
		goto out;
	bench_rr_init(rr, p, nodes, nnodes);
	for (size_t i = 0; i < n; i++)
		bench_rr_page(rr, i, (unsigned long)p + i * psize, status[i]);
	ret = bench_rr_ok(rr, NULL);
out:
	free(status);
	free(rr);
	return ret;
}

/* One get_mempolicy(MPOL_F_NODE | MPOL_F_ADDR) call per page. Over more
 * than PER_PAGE_MAX pages, only the first PER_PAGE_MAX are queried (the
 * time is scaled by the caller). */
static int per_page_check(void *p, size_t size)
{
	size_t n = size / psize;
	struct bench_rr *rr = malloc(sizeof(*rr));
	int ret = -1;

	if (rr == NULL)
		return -1;
	if (n > PER_PAGE_MAX)
		n = PER_PAGE_MAX;
	bench_rr_init(rr, p, nodes, nnodes);
	for (size_t i = 0; i < n; i++) {
		const unsigned long a = (unsigned long)p + i * psize;
		int node;

		if (get_mempolicy(&node, NULL, 0, (void *)a,
				  MPOL_F_NODE | MPOL_F_ADDR) != 0)
			goto out;
		bench_rr_page(rr, i, a, node);
	}
	ret = bench_rr_ok(rr, NULL);
out:
	free(rr);
	return ret;
}

#ifdef BENCH_HAVE_HWLOC
/* hwloc only says which nodes hold pages: it cannot see the order. A
 * range of fewer pages than nodes covers only some of them. */
static int hwloc_check(void *p, size_t size)
{
	const size_t npages = (size + psize - 1) / psize;
	const int expect = npages < (size_t)nnodes ? (int)npages : nnodes;

	if (hwloc_get_area_memlocation(topo, p, size, hwloc_found,
				       HWLOC_MEMBIND_BYNODESET) != 0)
		return -1;
	return hwloc_bitmap_isincluded(hwloc_found, hwloc_nodes) &&
	       hwloc_bitmap_weight(hwloc_found) == expect;
}
#endif

struct competitor {
	const char *name;
	int (*check)(void *p, size_t size);
};

/* The first is the reference (the floor). */
static const struct competitor competitors[] = {
	{"floor", floor_check},
	{"aml-check", aml_check},
	{"aml-query", aml_query},
	{"per-page", per_page_check},
#ifdef BENCH_HAVE_HWLOC
	{"hwloc", hwloc_check},
#else
	{"hwloc", NULL},
#endif
};

#define NCOMP (sizeof(competitors) / sizeof(*competitors))
#define PER_PAGE 3

/* Seconds per check of the whole buffer, over `iters` checks. */
static double sample(size_t c, void *p, size_t size, long iters, int *ok)
{
	const double t0 = bench_now();
	double t;

	for (long i = 0; i < iters; i++)
		*ok = competitors[c].check(p, size);
	t = (bench_now() - t0) / (double)iters;
	if (c == PER_PAGE && size / psize > PER_PAGE_MAX)
		t *= (double)(size / psize) / PER_PAGE_MAX;
	return t;
}

static long calibrate(void *p, size_t size, double target)
{
	double slowest = 0;
	int ok;

	for (size_t c = 0; c < NCOMP; c++) {
		double t;

		if (competitors[c].check == NULL)
			continue;
		sample(c, p, size, 1, &ok); /* warm up */
		t = sample(c, p, size, 1, &ok);
		if (c == PER_PAGE && size / psize > PER_PAGE_MAX)
			t *= (double)PER_PAGE_MAX / (double)(size / psize);
		if (t > slowest)
			slowest = t;
	}
	if (slowest * 2 > target)
		return 1;
	return (long)(target / slowest);
}

static void setup(void)
{
	psize = (size_t)sysconf(_SC_PAGESIZE);
	nnodes = bench_nodes(nodes);
	area = bench_interleave_area();
#ifdef BENCH_HAVE_HWLOC
	bench_hwloc_open(&topo, &hwloc_nodes, nodes, nnodes);
	hwloc_found = hwloc_bitmap_alloc();
#endif
}

static void teardown(void)
{
	aml_area_linux_destroy(&area);
#ifdef BENCH_HAVE_HWLOC
	hwloc_bitmap_free(hwloc_found);
	bench_hwloc_close(topo, hwloc_nodes);
#endif
}

/* An interleaved buffer from the area, every page touched. */
static void *make_buffer(size_t size)
{
	char *p = aml_area_mmap(area, size, NULL);

	if (p == NULL) {
		fprintf(stderr, "aml_area_mmap(%zu) failed\n", size);
		exit(1);
	}
	for (size_t i = 0; i < size; i += psize)
		p[i] = 1;
	return p;
}

int main(int argc, char **argv)
{
	struct bench_opts o;
	double ratio[NCOMP][16];
	int verdict[NCOMP];
	double *times[NCOMP];
	double *ratios;
	size_t nsizes = 0;
	int failed = 0;

	bench_parse(argc, argv,
		    "Check the placement of a populated interleaved buffer: "
		    "AML vs a call per page, hwloc, one batched query.",
		    9, 3, &o);
	setup();
	bench_print_machine(stdout, "check: verify the placement of a "
				    "populated buffer interleaved over all "
				    "nodes");
	printf("# floor: one move_pages(2) query for all pages + a "
	       "round-robin check, by hand\n"
	       "# aml-check: aml_area_linux_check_binding(); aml-query: "
	       "aml_linux_query_pages() + the same check\n"
	       "# per-page: one get_mempolicy(MPOL_F_NODE|MPOL_F_ADDR) per "
	       "page; above %d pages, timed over the first %d and scaled\n"
	       "# hwloc: hwloc_get_area_memlocation(), which only gives the "
	       "set of nodes (cannot see the order)\n"
	       "# ratios: median over %d repetitions of time / floor time; "
	       "verdicts: every method must say ok\n",
	       PER_PAGE_MAX, PER_PAGE_MAX, o.reps);
	printf("%6s %6s %10s", "size", "iters", "floor us");
	for (size_t c = 1; c < NCOMP; c++)
		printf(" %10s", competitors[c].name);
	printf("  verdicts\n");

	for (size_t c = 0; c < NCOMP; c++)
		times[c] = calloc((size_t)o.reps, sizeof(double));
	ratios = calloc((size_t)o.reps, sizeof(double));
	for (size_t s = 0; s < bench_nsizes && bench_sizes[s] <= o.max; s++) {
		const size_t size = bench_sizes[s];
		void *p = make_buffer(size);
		const long iters =
			calibrate(p, size, o.quick ? QUICK_SAMPLE_S : SAMPLE_S);
		char buf[24];

		for (int r = 0; r < o.reps; r++) {
			for (size_t k = 0; k < NCOMP; k++) {
				const size_t c = (k + (size_t)r) % NCOMP;

				if (competitors[c].check == NULL)
					continue;
				times[c][r] = sample(c, p, size, iters,
						     &verdict[c]);
			}
		}
		printf("%6s %6ld %10.3f", bench_size_str(size, buf), iters,
		       bench_median(times[0], (size_t)o.reps) * 1e6);
		for (size_t c = 0; c < NCOMP; c++) {
			ratio[c][s] = -1;
			if (competitors[c].check == NULL) {
				printf(" %10s", "n/a");
				continue;
			}
			for (int r = 0; r < o.reps; r++)
				ratios[r] = times[c][r] / times[0][r];
			ratio[c][s] = bench_median(ratios, (size_t)o.reps);
			if (c > 0)
				printf(" %9.3fx", ratio[c][s]);
		}
		printf(" ");
		for (size_t c = 0; c < NCOMP; c++) {
			if (competitors[c].check == NULL)
				continue;
			printf(" %s", bench_verdict(verdict[c]));
			failed |= verdict[c] != 1;
		}
		printf("\n");
		aml_area_munmap(area, p, size);
		nsizes++;
	}

	bench_print_medians("floor", &competitors[0].name, sizeof(competitors[0]),
			    ratio, NCOMP, nsizes);
	printf("\n");
	if (nsizes > 0) {
		const size_t l = nsizes - 1;
		char buf[24];

		printf("summary at %s: a call per page takes %.1fx the floor's "
		       "time: the most a method built on move_pages(2) can "
		       "gain over it\n",
		       bench_size_str(bench_sizes[l], buf), ratio[PER_PAGE][l]);
		for (size_t c = 1; c < PER_PAGE; c++) {
			const double up = ratio[PER_PAGE][l] / ratio[c][l];

			if (ratio[c][l] < 0)
				continue;
			printf("summary at %s: %s speed-up over a call per page "
			       "%.1fx (target >= 15x: %s); time / floor %.3fx "
			       "(target <= 1.2x: %s)\n",
			       buf, competitors[c].name, up,
			       up >= 15 ? "met" : "MISSED", ratio[c][l],
			       ratio[c][l] <= 1.2 ? "met" : "MISSED");
		}
	}

	for (size_t c = 0; c < NCOMP; c++)
		free(times[c]);
	free(ratios);
	teardown();
	if (failed)
		printf("error: a method found the placement wrong\n");
	return failed;
}
