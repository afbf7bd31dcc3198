#include "bench.h"

#include <aml/area/linux.h>

#include <errno.h>
#include <numa.h>
#include <numaif.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

const size_t bench_sizes[] = {
	4UL << 10, 64UL << 10, 1UL << 20, 16UL << 20, 256UL << 20, 1UL << 30,
};
const size_t bench_nsizes = sizeof(bench_sizes) / sizeof(*bench_sizes);

static size_t bench_parse_size(const char *s)
{
	char *end;
	unsigned long long v = strtoull(s, &end, 10);

	switch (*end) {
	case 'K':
	case 'k':
		return (size_t)v << 10;
	case 'M':
	case 'm':
		return (size_t)v << 20;
	case 'G':
	case 'g':
		return (size_t)v << 30;
	case '\0':
		return (size_t)v;
	default:
		return 0;
	}
}

void bench_parse(int argc, char **argv, const char *what, int reps,
		 int quick_reps, struct bench_opts *o)
{
	o->quick = 0;
	o->reps = reps;
	o->max = 1UL << 30;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--quick")) {
			o->quick = 1;
			o->reps = quick_reps;
		} else if (!strcmp(argv[i], "--reps") && i + 1 < argc) {
			o->reps = atoi(argv[++i]);
		} else if (!strcmp(argv[i], "--max") && i + 1 < argc) {
			o->max = bench_parse_size(argv[++i]);
		} else {
			printf("usage: %s [--quick] [--reps N] [--max SIZE]\n"
			       "%s\n"
			       "  --quick     few repetitions (smoke run)\n"
			       "  --reps N    repetitions, medians over them "
			       "(default %d)\n"
			       "  --max SIZE  largest size, e.g. 64M "
			       "(default 1G)\n",
			       argv[0], what, reps);
			exit(strcmp(argv[i], "--help") ? 2 : 0);
		}
	}
	if (o->reps < 1 || o->max < 4096) {
		fprintf(stderr, "%s: bad --reps or --max\n", argv[0]);
		exit(2);
	}
}

double bench_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int bench_cmp(const void *a, const void *b)
{
	const double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

double bench_median(double *v, size_t n)
{
	if (n == 0)
		return 0;
	qsort(v, n, sizeof(*v), bench_cmp);
	if (n % 2)
		return v[n / 2];
	return (v[n / 2 - 1] + v[n / 2]) / 2;
}

const char *bench_size_str(size_t size, char *buf)
{
	static const char units[] = "KMG";
	int u = -1;

	while (size >= 1024 && size % 1024 == 0 && u < 2) {
		size /= 1024;
		u++;
	}
	if (u < 0)
		snprintf(buf, 24, "%zu", size);
	else
		snprintf(buf, 24, "%zu%c", size, units[u]);
	return buf;
}

/* First line of a small text file, without its newline, or "?". */
static void bench_read_line(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");

	snprintf(buf, len, "?");
	if (f == NULL)
		return;
	if (fgets(buf, (int)len, f) != NULL)
		buf[strcspn(buf, "\n")] = '\0';
	fclose(f);
}

void bench_print_machine(FILE *out, const char *title)
{
	int nodes[BENCH_MAX_NODES];
	const int n = bench_nodes(nodes);
	struct utsname u;
	char thp[128], load[128];

	uname(&u);
	bench_read_line("/sys/kernel/mm/transparent_hugepage/enabled", thp,
			sizeof(thp));
	bench_read_line("/proc/loadavg", load, sizeof(load));
	fprintf(out, "# %s\n", title);
	fprintf(out, "# machine: %s %s %s, %ld CPUs, page %ld B\n", u.sysname,
		u.release, u.machine, sysconf(_SC_NPROCESSORS_ONLN),
		sysconf(_SC_PAGESIZE));
	fprintf(out, "# NUMA: %d configured node(s), %d allowed:",
		numa_available() < 0 ? 1 : numa_num_configured_nodes(), n);
	for (int i = 0; i < n; i++)
		fprintf(out, " %d", nodes[i]);
	fprintf(out, "\n# THP: %s; loadavg: %s\n", thp, load);
	fprintf(out, "# optional competitors: hwloc %s, memkind %s\n",
#ifdef BENCH_HAVE_HWLOC
		"yes",
#else
		"n/a",
#endif
#ifdef BENCH_HAVE_MEMKIND
		"yes"
#else
		"n/a"
#endif
	);
}

int bench_nodes(int *nodes)
{
	unsigned long mask[BENCH_MAX_NODES / (8 * sizeof(unsigned long))];
	const size_t bits = 8 * sizeof(unsigned long);
	int n = 0;

	memset(mask, 0, sizeof(mask));
	if (get_mempolicy(NULL, mask, BENCH_MAX_NODES, NULL,
			  MPOL_F_MEMS_ALLOWED) != 0) {
		nodes[0] = 0;
		return 1;
	}
	for (int i = 0; i < BENCH_MAX_NODES; i++)
		if (mask[i / bits] & (1UL << (i % bits)))
			nodes[n++] = i;
	if (n == 0)
		nodes[n++] = 0;
	return n;
}

unsigned long bench_nodemask(const int *nodes, int nnodes, unsigned long *mask)
{
	const size_t bits = 8 * sizeof(unsigned long);

	memset(mask, 0, BENCH_MAX_NODES / 8);
	for (int i = 0; i < nnodes; i++)
		mask[nodes[i] / bits] |= 1UL << (nodes[i] % bits);
	/* The kernel reads maxnode - 1 bits. */
	return (unsigned long)nodes[nnodes - 1] + 2;
}

void bench_rr_init(struct bench_rr *rr, const void *start, const int *nodes,
		   int nnodes)
{
	for (int i = 0; i < BENCH_MAX_NODES; i++)
		rr->rank[i] = -1;
	for (int i = 0; i < nnodes; i++)
		rr->rank[nodes[i]] = i;
	rr->nnodes = nnodes;
	rr->r0 = rr->h0 = -1;
	rr->start = (unsigned long)start;
	rr->bad_small = rr->bad_huge = 0;
}

/* Whether the mapping holding `addr` has transparent huge pages, from
 * its AnonHugePages line in /proc/self/smaps. */
static int bench_has_thp(unsigned long addr)
{
	FILE *f = fopen("/proc/self/smaps", "r");
	char line[512];
	int in = 0, ret = 0;

	if (f == NULL)
		return 0;
	while (fgets(line, sizeof(line), f) != NULL) {
		unsigned long lo, hi, kb;

		if (sscanf(line, "%lx-%lx ", &lo, &hi) == 2)
			in = addr >= lo && addr < hi;
		else if (in && sscanf(line, "AnonHugePages: %lu", &kb) == 1) {
			ret = kb > 0;
			break;
		}
	}
	fclose(f);
	return ret;
}

int bench_rr_ok(const struct bench_rr *rr, size_t *bad)
{
	/* Round robin per 2 MiB unit only counts for huge pages: pages all
	 * on one node inside one unit are no interleave otherwise. */
	const int huge =
	    rr->bad_small != 0 && rr->bad_huge == 0 && bench_has_thp(rr->start);

	if (bad != NULL)
		*bad = huge ? 0 : rr->bad_small;
	return rr->bad_small == 0 || huge;
}

int bench_verify_interleave(void *ptr, size_t size, const int *nodes,
			    int nnodes, size_t *bad)
{
	const size_t psize = (size_t)sysconf(_SC_PAGESIZE);
	const uintptr_t start = (uintptr_t)ptr & ~(uintptr_t)(psize - 1);
	const size_t npages =
	    ((uintptr_t)ptr + size - start + psize - 1) / psize;
	void **pages = malloc(npages * sizeof(*pages));
	int *status = malloc(npages * sizeof(*status));
	struct bench_rr *rr = malloc(sizeof(*rr));
	int ret = -1;

	if (pages == NULL || status == NULL || rr == NULL)
		goto out;
	for (size_t i = 0; i < npages; i++)
		pages[i] = (void *)(start + i * psize);
	if (move_pages(0, npages, pages, NULL, status, 0) != 0)
		goto out;
	bench_rr_init(rr, (void *)start, nodes, nnodes);
	for (size_t i = 0; i < npages; i++)
		bench_rr_page(rr, i, start + i * psize, status[i]);
	ret = bench_rr_ok(rr, bad);
out:
	free(pages);
	free(status);
	free(rr);
	return ret;
}

const char *bench_verdict(int verified)
{
	if (verified < 0)
		return "error";
	return verified ? "ok" : "WRONG";
}

struct aml_area *bench_interleave_area(void)
{
	struct aml_area *area;
	int err = aml_area_linux_create(&area, NULL,
					AML_AREA_LINUX_POLICY_INTERLEAVE);

	if (err != AML_SUCCESS) {
		fprintf(stderr, "aml_area_linux_create: %s\n",
			aml_strerror(err));
		exit(1);
	}
	return area;
}

#ifdef BENCH_HAVE_HWLOC
void bench_hwloc_open(hwloc_topology_t *topo, hwloc_nodeset_t *set,
		      const int *nodes, int nnodes)
{
	hwloc_topology_init(topo);
	hwloc_topology_load(*topo);
	*set = hwloc_bitmap_alloc();
	for (int i = 0; i < nnodes; i++)
		hwloc_bitmap_set(*set, (unsigned int)nodes[i]);
}

void bench_hwloc_close(hwloc_topology_t topo, hwloc_nodeset_t set)
{
	hwloc_bitmap_free(set);
	hwloc_topology_destroy(topo);
}
#endif
