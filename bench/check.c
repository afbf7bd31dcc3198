/* Cost of checking where the pages of a populated interleaved buffer are:
 * AML's checks against one get_mempolicy(2) call per page, hwloc, and one
 * batched move_pages(2) query written by hand (the floor). Every method
 * must also find the placement right: each prints its verdict. */
#include <aml.h>
#include <aml/area/linux-inspect.h>
#include <aml/area/linux.h>

#include "bench.h"

#ifdef BENCH_HAVE_HWLOC
#include <hwloc.h>
#endif

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

/* A method: its check of a whole buffer. */
struct checker {
	int (*check)(void *p, size_t size);
};

static int check_run(const void *arg, void *data, size_t size, long i)
{
	(void)i;
	return ((const struct checker *)arg)->check(data, size);
}

/* The share of the pages a call per page queries. */
static double per_page_share(size_t size)
{
	const size_t n = size / psize;

	return n > PER_PAGE_MAX ? (double)PER_PAGE_MAX / (double)n : 1;
}

static const struct checker floor_c = {floor_check};
static const struct checker aml_check_c = {aml_check};
static const struct checker aml_query_c = {aml_query};
static const struct checker per_page_c = {per_page_check};
#ifdef BENCH_HAVE_HWLOC
static const struct checker hwloc_c = {hwloc_check};
#define HWLOC_RUN check_run
#else
static const struct checker hwloc_c = {NULL};
#define HWLOC_RUN NULL
#endif

/* The first is the reference (the floor). */
static const struct bench_method methods[] = {
    {"floor", check_run, NULL, NULL, &floor_c, 0},
    {"aml-check", check_run, NULL, NULL, &aml_check_c, 0},
    {"aml-query", check_run, NULL, NULL, &aml_query_c, 0},
    {"per-page", check_run, NULL, per_page_share, &per_page_c, 0},
    {"hwloc", HWLOC_RUN, NULL, NULL, &hwloc_c, 0},
};

#define PER_PAGE 3

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

static void free_buffer(void *p, size_t size)
{
	aml_area_munmap(area, p, size);
}

static const struct bench_spec spec = {
    .name = "check",
    .help = "Check the placement of a populated interleaved buffer: AML "
	    "vs a call per page, hwloc, one batched query.",
    .title = "check: verify the placement of a populated buffer "
	     "interleaved over all nodes",
    .legend = "# floor: one move_pages(2) query for all pages + a "
	      "round-robin check, by hand (the reference)\n"
	      "# aml-check: aml_area_linux_check_binding(); aml-query: "
	      "aml_linux_query_pages() + the same check\n"
	      "# per-page: one get_mempolicy(MPOL_F_NODE|MPOL_F_ADDR) per "
	      "page; above 65536 pages, timed over the\n"
	      "#   first 65536 and scaled\n"
	      "# hwloc: hwloc_get_area_memlocation(), which only gives the "
	      "set of nodes (cannot see the order)\n"
	      "# verdicts: what each method found; every one must say "
	      "ok\n",
    .unit = "check of the whole buffer",
    .methods = methods,
    .nmethods = sizeof(methods) / sizeof(*methods),
    .reps = 9,
    .quick_reps = 3,
    .sample_s = 0.02,
    .quick_sample_s = 0.002,
    .setup = setup,
    .teardown = teardown,
    .prepare = make_buffer,
    .release = free_buffer,
};

/* The targets, at the largest size measured (`l`). */
static void print_targets(const struct bench_results *res, long l)
{
	const double per_page = res->ratio[PER_PAGE][l];
	char buf[24];

	bench_size_str(res->sizes[l], buf);
	printf("summary at %s: a call per page takes %.1fx the floor's time: "
	       "the most a method built on move_pages(2) can gain over it\n",
	       buf, per_page);
	for (size_t m = 1; m < PER_PAGE; m++) {
		const double up = per_page / res->ratio[m][l];

		printf("summary at %s: %s speed-up over a call per page %.1fx "
		       "(target >= 15x: %s); time / floor %.3fx (target <= "
		       "1.2x: %s)\n",
		       buf, methods[m].name, up, bench_met(up >= 15),
		       res->ratio[m][l], bench_met(res->ratio[m][l] <= 1.2));
	}
}

int main(int argc, char **argv)
{
	struct bench_results res;

	bench_run(&spec, argc, argv, &res);
	if (bench_last(&res) >= 0)
		print_targets(&res, bench_last(&res));
	return bench_status(&res);
}
