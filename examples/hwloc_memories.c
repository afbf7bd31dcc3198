/* The machine's memories as hwloc sees them, and allocations from the
 * "highest bandwidth" and "lowest latency" areas.
 *
 * For every CPU this process may run on, print the memory targets ranked
 * by each criterion with their values; then, from a thread bound on the
 * first CPU, map a buffer from each area, write it, and print the node of
 * its pages. Where the machine reports no bandwidth or latency (no HMAT),
 * say so and use the largest memory instead. */
#define _GNU_SOURCE /* sched_setaffinity */
#include <aml.h>
#include <aml/area/hwloc.h>
#include <sched.h>

#define NPAGES 16

static const char *const units[] = {
	[AML_AREA_HWLOC_LOCAL] = "cpus",
	[AML_AREA_HWLOC_BANDWIDTH] = "MiB/s",
	[AML_AREA_HWLOC_LATENCY] = "ns",
	[AML_AREA_HWLOC_CAPACITY] = "bytes",
	[AML_AREA_HWLOC_LOCALITY] = "cpus",
};

static void print_targets(enum aml_area_hwloc_criterion c,
			  const struct aml_bitmap *cpus)
{
	int nodes[64];
	uint64_t values[64];
	size_t n = 64;
	int err;

	printf("  %-9s:", aml_area_hwloc_criterion_name(c));
	err = aml_area_hwloc_targets(c, cpus, nodes, values, &n);
	if (err != AML_SUCCESS) {
		printf(" %s\n", aml_strerror(err));
		return;
	}
	for (size_t i = 0; i < n && i < 64; i++)
		printf(" node %d (%" PRIu64 " %s)%s", nodes[i], values[i],
		       units[c], i + 1 < n ? "," : "");
	printf("\n");
}

/* Where the pages of buf are: "node 2 x16" or the list of nodes. */
static void print_pages(void *buf, size_t psize)
{
	void *pages[NPAGES];
	int status[NPAGES];

	for (int i = 0; i < NPAGES; i++)
		pages[i] = (char *)buf + (size_t)i * psize;
	if (move_pages(0, NPAGES, pages, NULL, status, 0) != 0) {
		perror("move_pages");
		return;
	}
	printf("    pages on nodes:");
	for (int i = 0; i < NPAGES; i++)
		printf(" %d", status[i]);
	printf("\n");
}

/* Map from `area`, or from the capacity area if the machine lacks the
 * attribute; write every page and print where it landed. */
static int allocate(const char *what, const struct aml_area *area)
{
	const size_t psize = (size_t)sysconf(_SC_PAGESIZE);
	const size_t size = NPAGES * psize;
	void *buf;

	buf = aml_area_mmap(area, size, NULL);
	if (buf == NULL && aml_errno == AML_ENOTSUP) {
		printf("  %s: not reported by this machine; using the largest"
		       " memory instead\n",
		       what);
		area = &aml_area_hwloc_capacity;
		buf = aml_area_mmap(area, size, NULL);
	}
	if (buf == NULL) {
		aml_perror(what);
		return 1;
	}
	printf("  %s: ", what);
	aml_area_fprintf(stdout, "", area);
	memset(buf, 1, size);
	print_pages(buf, psize);
	return aml_area_munmap(area, buf, size) != AML_SUCCESS;
}

int main(void)
{
	static const enum aml_area_hwloc_criterion criteria[] = {
		AML_AREA_HWLOC_LOCAL,	 AML_AREA_HWLOC_BANDWIDTH,
		AML_AREA_HWLOC_LATENCY,	 AML_AREA_HWLOC_CAPACITY,
		AML_AREA_HWLOC_LOCALITY,
	};
	cpu_set_t allowed, one;
	int first = -1, err = 0;

	if (!aml_support_backends(AML_BACKEND_HWLOC)) {
		printf("AML was built without hwloc, or hwloc cannot load the"
		       " topology\n");
		return 77;
	}
	if (sched_getaffinity(0, sizeof(allowed), &allowed) != 0)
		return 1;
	for (int cpu = 0; cpu < CPU_SETSIZE; cpu++) {
		struct aml_bitmap cpus;

		if (!CPU_ISSET(cpu, &allowed))
			continue;
		if (first < 0)
			first = cpu;
		aml_bitmap_zero(&cpus);
		aml_bitmap_set(&cpus, (unsigned)cpu);
		printf("memory targets seen from cpu %d:\n", cpu);
		for (size_t i = 0; i < sizeof(criteria) / sizeof(*criteria); i++)
			print_targets(criteria[i], &cpus);
	}

	CPU_ZERO(&one);
	CPU_SET(first, &one);
	if (sched_setaffinity(0, sizeof(one), &one) != 0)
		return 1;
	printf("allocating from cpu %d:\n", first);
	err |= allocate("highest bandwidth", &aml_area_hwloc_bandwidth);
	err |= allocate("lowest latency", &aml_area_hwloc_latency);
	aml_finalize();
	return err;
}
