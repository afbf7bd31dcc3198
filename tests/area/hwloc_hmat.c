/* CTest labels: threads */
/* Criterion areas place pages where the kernel's own description of the
 * machine (sysfs: node CPUs, HMAT access0 values, MemTotal) says the best
 * memory is, from a thread bound on each node that has CPUs. Placement is
 * checked page by page with move_pages(2). */
#include <aml.h>
#include <aml/area/hwloc.h>

#include "check.h"
#include "hwloc_sysfs.h"

#define NPAGES 64

static size_t buf_size(void)
{
	return NPAGES * (size_t)sysconf(_SC_PAGESIZE);
}

/* Map from `area`, write every page, and return the node of all pages. */
static int place(const struct aml_area *area)
{
	const size_t size = buf_size();
	void *buf = aml_area_mmap(area, size, NULL);
	int node;

	CHECK(buf != NULL);
	node = pages_node(buf, size);
	CHECK_EQ(aml_area_munmap(area, buf, size), AML_SUCCESS);
	CHECK(node >= 0);
	return node;
}

/* The mapping's policy as the kernel reports it, and its nodes. */
static int policy_of(const struct aml_area *area, struct aml_bitmap *nodes)
{
	const size_t size = buf_size();
	void *buf = aml_area_mmap(area, size, NULL);
	int mode = -1;

	CHECK(buf != NULL);
	aml_bitmap_zero(nodes);
	CHECK_EQ(get_mempolicy(&mode, nodes->mask, AML_BITMAP_MAX + 1, buf,
			       MPOL_F_ADDR),
		 0);
	CHECK_EQ(aml_area_munmap(area, buf, size), AML_SUCCESS);
	return mode;
}

/* Criterion `c` from `cpus`: the pages land on one of `expect`, through a
 * created area (strict, preferred, ordered) and the default area `def`. */
static void check_best(enum aml_area_hwloc_criterion c,
		       const struct aml_bitmap *cpus,
		       const struct aml_bitmap *expect,
		       const struct aml_area *def)
{
	struct aml_bitmap pol;
	struct aml_area *area;
	int node, first;
	size_t n = 0;

	CHECK_EQ(aml_area_hwloc_create_best(&area, c, cpus,
					    AML_AREA_HWLOC_FALLBACK_NONE),
		 AML_SUCCESS);
	first = place(area);
	CHECK_EQ(aml_bitmap_isset(expect, (unsigned)first), 1);
	CHECK_EQ(policy_of(area, &pol), MPOL_BIND);
	CHECK_EQ(aml_bitmap_nset(&pol), 1);
	CHECK_EQ(aml_bitmap_first(&pol), first);
	aml_area_hwloc_destroy(&area);

	/* hwloc's ranking agrees with the placement. */
	CHECK_EQ(aml_area_hwloc_targets(c, cpus, NULL, NULL, &n), AML_SUCCESS);
	CHECK(n >= 1);
	{
		int nodes[1];
		size_t one = 1;

		CHECK_EQ(aml_area_hwloc_targets(c, cpus, nodes, NULL, &one),
			 AML_SUCCESS);
		CHECK_EQ(nodes[0], first);
	}

	CHECK_EQ(aml_area_hwloc_create_best(&area, c, cpus,
					    AML_AREA_HWLOC_FALLBACK_PREFERRED),
		 AML_SUCCESS);
	CHECK_EQ(place(area), first);
	node = policy_of(area, &pol);
	CHECK(node == MPOL_PREFERRED || node == 5 /* MPOL_PREFERRED_MANY */);
	CHECK_EQ(aml_bitmap_first(&pol), first);
	aml_area_hwloc_destroy(&area);

	CHECK_EQ(aml_area_hwloc_create_best(&area, c, cpus,
					    AML_AREA_HWLOC_FALLBACK_ORDERED),
		 AML_SUCCESS);
	CHECK_EQ(place(area), first);
	aml_area_hwloc_destroy(&area);

	/* The calling thread (bound on `cpus`) as initiator. */
	CHECK_EQ(aml_area_hwloc_create_best(&area, c, NULL,
					    AML_AREA_HWLOC_FALLBACK_NONE),
		 AML_SUCCESS);
	CHECK_EQ(place(area), first);
	aml_area_hwloc_destroy(&area);
	if (def != NULL)
		CHECK_EQ(place(def), first);
}

/* No value for `c` from `cpus`: refused at create, and at mmap. */
static void check_missing(enum aml_area_hwloc_criterion c,
			  const struct aml_bitmap *cpus,
			  const struct aml_area *def)
{
	struct aml_area *area = (struct aml_area *)1;
	size_t n = 0;

	CHECK_EQ(aml_area_hwloc_create_best(&area, c, cpus,
					    AML_AREA_HWLOC_FALLBACK_NONE),
		 -AML_ENOTSUP);
	CHECK(area == NULL);
	CHECK_EQ(aml_area_hwloc_targets(c, cpus, NULL, NULL, &n),
		 -AML_ENOTSUP);
	aml_errno = 0;
	CHECK(aml_area_mmap(def, buf_size(), NULL) == NULL);
	CHECK_EQ(aml_errno, AML_ENOTSUP);
}

static void check_hmat(enum aml_area_hwloc_criterion c, const char *attr,
		       int higher, int node, const struct aml_bitmap *cpus,
		       const struct aml_area *def)
{
	struct aml_bitmap expect;
	char *s;

	sysfs_hmat_best(node, attr, higher, &expect);
	s = aml_bitmap_to_string(&expect);
	printf("node %d: best %s per sysfs: %s\n", node, attr,
	       *s ? s : "none (no HMAT value)");
	free(s);
	if (aml_bitmap_iszero(&expect))
		check_missing(c, cpus, def);
	else
		check_best(c, cpus, &expect, def);
}

/* Largest MemTotal, with 1% slack for what hwloc adds (huge pages). */
static void check_capacity(const struct aml_bitmap *cpus)
{
	struct aml_bitmap nodes, expect;
	long long max = 0;

	sysfs_mem_nodes(&nodes);
	for (int t = 0; t < AML_BITMAP_MAX; t++)
		if (aml_bitmap_isset(&nodes, (unsigned)t) == 1 &&
		    sysfs_node_memtotal(t) > max)
			max = sysfs_node_memtotal(t);
	aml_bitmap_zero(&expect);
	for (int t = 0; t < AML_BITMAP_MAX; t++)
		if (aml_bitmap_isset(&nodes, (unsigned)t) == 1 &&
		    sysfs_node_memtotal(t) * 100 >= max * 99)
			aml_bitmap_set(&expect, (unsigned)t);
	check_best(AML_AREA_HWLOC_CAPACITY, cpus, &expect,
		   &aml_area_hwloc_capacity);
}

/* The thread's own node is local to it and receives "local" pages. */
static void check_local(int node, const struct aml_bitmap *cpus)
{
	struct aml_bitmap expect;
	int nodes[AML_BITMAP_MAX];
	size_t n = AML_BITMAP_MAX;
	struct aml_area *area;
	int found = 0;

	CHECK_EQ(aml_area_hwloc_targets(AML_AREA_HWLOC_LOCAL, cpus, nodes, NULL,
					&n),
		 AML_SUCCESS);
	for (size_t i = 0; i < n; i++)
		found |= nodes[i] == node;
	CHECK(found);
	aml_bitmap_zero(&expect);
	aml_bitmap_set(&expect, (unsigned)node);
	CHECK_EQ(aml_area_hwloc_create_best(&area, AML_AREA_HWLOC_LOCAL, cpus,
					    AML_AREA_HWLOC_FALLBACK_NONE),
		 AML_SUCCESS);
	CHECK_EQ(place(area), node);
	aml_area_hwloc_destroy(&area);
	CHECK_EQ(place(&aml_area_hwloc_local), node);
}

struct job {
	int node, cpu;
};

static void *run_node(void *arg)
{
	const struct job *j = arg;
	struct aml_bitmap cpus;

	bind_to_cpu(j->cpu);
	aml_bitmap_zero(&cpus);
	aml_bitmap_set(&cpus, (unsigned)j->cpu);
	printf("thread on cpu %d (node %d)\n", j->cpu, j->node);
	check_local(j->node, &cpus);
	check_hmat(AML_AREA_HWLOC_BANDWIDTH, "bandwidth", 1, j->node, &cpus,
		   &aml_area_hwloc_bandwidth);
	check_hmat(AML_AREA_HWLOC_LATENCY, "latency", 0, j->node, &cpus,
		   &aml_area_hwloc_latency);
	check_capacity(&cpus);
	return NULL;
}

/*
 * Initiator spanning one CPU of every CPU node. hwloc matches an initiator
 * against the CPU sets the firmware gave values for; where no target lists
 * every one of these nodes as a best initiator, there is no value. An
 * unbound thread then falls back to the CPU it runs on.
 */
static void check_spanning(const struct aml_bitmap *cpus,
			   const struct aml_bitmap *cpu_nodes)
{
	struct aml_bitmap mem, any_best, best;
	struct aml_area *area;
	int common = 0;

	sysfs_mem_nodes(&mem);
	aml_bitmap_zero(&any_best);
	for (int t = 0; t <= aml_bitmap_last(&mem); t++) {
		int all = aml_bitmap_isset(&mem, (unsigned)t) == 1;

		for (int n = 0; n <= aml_bitmap_last(cpu_nodes) && all; n++)
			if (aml_bitmap_isset(cpu_nodes, (unsigned)n) == 1 &&
			    sysfs_hmat(t, n, "bandwidth") < 0)
				all = 0;
		common |= all;
	}
	for (int n = 0; n <= aml_bitmap_last(cpu_nodes); n++) {
		if (aml_bitmap_isset(cpu_nodes, (unsigned)n) != 1)
			continue;
		sysfs_hmat_best(n, "bandwidth", 1, &best);
		for (int t = 0; t <= aml_bitmap_last(&best); t++)
			if (aml_bitmap_isset(&best, (unsigned)t) == 1)
				aml_bitmap_set(&any_best, (unsigned)t);
	}
	if (!common && aml_bitmap_nset(cpu_nodes) > 1)
		CHECK_EQ(aml_area_hwloc_create_best(
				 &area, AML_AREA_HWLOC_BANDWIDTH, cpus,
				 AML_AREA_HWLOC_FALLBACK_NONE),
			 -AML_ENOTSUP);
	if (aml_bitmap_iszero(&any_best))
		return;
	/* Unbound: the current CPU decides; any node's best is right. */
	CHECK_EQ(aml_bitmap_isset(&any_best,
				  (unsigned)place(&aml_area_hwloc_bandwidth)),
		 1);
}

int main(void)
{
	struct aml_bitmap spanning, cpu_nodes;
	struct aml_bitmap nodes;
	int tested = 0;

	if (!AML_HAVE_BACKEND_HWLOC || !aml_support_backends(AML_BACKEND_HWLOC))
		SKIP("hwloc not available");
	aml_bitmap_zero(&spanning);
	aml_bitmap_zero(&cpu_nodes);
	sysfs_list(SYSFS_NODE "/online", &nodes);
	if (aml_bitmap_iszero(&nodes))
		aml_bitmap_set(&nodes, 0);
	for (int n = 0; n < AML_BITMAP_MAX; n++) {
		struct aml_bitmap cpus;
		struct job j = {.node = n};
		pthread_t th;

		if (aml_bitmap_isset(&nodes, (unsigned)n) != 1)
			continue;
		sysfs_node_cpus(n, &cpus);
		j.cpu = aml_bitmap_first(&cpus);
		if (j.cpu < 0)
			continue; /* memory-only node */
		CHECK_EQ(pthread_create(&th, NULL, run_node, &j), 0);
		CHECK_EQ(pthread_join(th, NULL), 0);
		aml_bitmap_set(&spanning, (unsigned)j.cpu);
		aml_bitmap_set(&cpu_nodes, (unsigned)n);
		tested++;
	}
	CHECK(tested > 0);
	check_spanning(&spanning, &cpu_nodes);
	return 0;
}
