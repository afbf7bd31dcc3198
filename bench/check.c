/* Cost of checking where the pages of a populated interleaved buffer are:
 * AML's checks against one get_mempolicy(2) call per page, hwloc, and one
 * batched move_pages(2) query written by hand (the floor). Every method
 * must also find the placement right: each prints its verdict. */
#include <aml.h>
#include <aml/area/linux-inspect.h>
#include <aml/area/linux.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <sys/syscall.h>

#include "bench.h"

#ifdef BENCH_HAVE_HWLOC
#include <hwloc.h>
#endif

/* Pages queried one call each per sample at most: beyond, the count is
 * scaled from that many pages. */
#define PER_PAGE_MAX 65536

/*
 * Which path AML's checks take, seen from outside: this program's open(2)
 * and move_pages(2) stand in for libc's and libnuma's (libaml calls them
 * through the dynamic linker) and count the files opened and the queries.
 */
static atomic_long numa_maps_opens, pagemap_opens, move_pages_calls;

int open(const char *path, int flags, ...)
{
	mode_t mode = 0;
	va_list ap;

	va_start(ap, flags);
	if (flags & (O_CREAT | O_TMPFILE))
		mode = va_arg(ap, mode_t);
	va_end(ap);
	if (strcmp(path, "/proc/self/numa_maps") == 0)
		atomic_fetch_add(&numa_maps_opens, 1);
	else if (strcmp(path, "/proc/self/pagemap") == 0)
		atomic_fetch_add(&pagemap_opens, 1);
	return (int)syscall(SYS_openat, AT_FDCWD, path, flags, mode);
}

long move_pages(int pid, unsigned long count, void **pages, const int *nodes,
		int *status, int flags)
{
	atomic_fetch_add(&move_pages_calls, 1);
	return syscall(SYS_move_pages, pid, count, pages, nodes, status, flags);
}

#define PATH_NUMA_MAPS 1u  /* node counts of /proc/self/numa_maps */
#define PATH_PAGEMAP 2u	   /* frames of /proc/self/pagemap */
#define PATH_MOVE_PAGES 4u /* move_pages(2) queries */
#define NTRACED 2	   /* aml-check, aml-query */

/* The paths each traced method took, per size measured. */
static struct {
	size_t size;
	unsigned int paths[NTRACED];
} seen[BENCH_MAX_SIZES];

static unsigned int *seen_paths(size_t size, int traced)
{
	size_t i = 0;

	while (i + 1 < BENCH_MAX_SIZES && seen[i].size != 0 &&
	       seen[i].size != size)
		i++;
	seen[i].size = size;
	return &seen[i].paths[traced];
}

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

/* A method: its check of a whole buffer; traced: 1 + its index in seen[]
 * (0: its paths are not recorded). */
struct checker {
	int (*check)(void *p, size_t size);
	int traced;
};

static int check_run(const void *arg, void *data, size_t size, long i)
{
	const struct checker *c = arg;
	const long nm = atomic_load(&numa_maps_opens),
		   pm = atomic_load(&pagemap_opens),
		   mp = atomic_load(&move_pages_calls);
	int ret;

	(void)i;
	ret = c->check(data, size);
	if (c->traced)
		*seen_paths(size, c->traced - 1) |=
		    (atomic_load(&numa_maps_opens) != nm ? PATH_NUMA_MAPS : 0) |
		    (atomic_load(&pagemap_opens) != pm ? PATH_PAGEMAP : 0) |
		    (atomic_load(&move_pages_calls) != mp ? PATH_MOVE_PAGES
							  : 0);
	return ret;
}

/* The share of the pages a call per page queries. */
static double per_page_share(size_t size)
{
	const size_t n = size / psize;

	return n > PER_PAGE_MAX ? (double)PER_PAGE_MAX / (double)n : 1;
}

static const struct checker floor_c = {floor_check, 0};
static const struct checker aml_check_c = {aml_check, 1};
static const struct checker aml_query_c = {aml_query, 2};
static const struct checker per_page_c = {per_page_check, 0};
#ifdef BENCH_HAVE_HWLOC
static const struct checker hwloc_c = {hwloc_check, 0};
#define HWLOC_RUN check_run
#else
static const struct checker hwloc_c = {NULL, 0};
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

/* "numa_maps+move_pages", or "policy" when nothing was read. */
static const char *paths_str(unsigned int paths, char *buf, size_t len)
{
	static const char *const names[] = {"numa_maps", "pagemap",
					    "move_pages"};
	size_t n = 0;

	buf[0] = '\0';
	for (unsigned int b = 0; b < 3; b++)
		if (paths & (1u << b))
			n += (size_t)snprintf(buf + n, len - n, "%s%s",
					      n ? "+" : "", names[b]);
	return n ? buf : "policy";
}

/* The paths AML's checks took, per size, and who ran them. */
static void print_paths(const struct bench_results *res)
{
	char size[24], a[64], b[64];

	printf("# paths: what %s and %s read (numa_maps: node counts of "
	       "/proc/self/numa_maps; pagemap:\n#   frames of "
	       "/proc/self/pagemap; move_pages: move_pages(2) queries; "
	       "policy: none), as %s (uid %u)\n",
	       methods[1].name, methods[2].name,
	       geteuid() == 0 ? "root" : "an ordinary user",
	       (unsigned int)geteuid());
	for (size_t s = 0; s < res->nsizes; s++)
		printf("paths %5s: %s %s, %s %s\n",
		       bench_size_str(res->sizes[s], size), methods[1].name,
		       paths_str(*seen_paths(res->sizes[s], 0), a, sizeof(a)),
		       methods[2].name,
		       paths_str(*seen_paths(res->sizes[s], 1), b, sizeof(b)));
}

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
	print_paths(&res);
	if (bench_last(&res) >= 0)
		print_targets(&res, bench_last(&res));
	return bench_status(&res);
}
