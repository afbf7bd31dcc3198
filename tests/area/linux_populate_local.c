/* CTest labels: threads */
/* Population keeps first-touch placement: with the default and local
 * policies a page goes to the node of the CPU that faults it (with bind
 * and preferred-many over several nodes, to the nearest of them), so an
 * automatic thread count must populate from the calling thread only.
 * Needs CPUs on two nodes (the emulated NUMA guests); runs once with
 * madvise(2) and once with the touching fallback. */
#include <sched.h>
#include <sys/wait.h>

#include <numa.h>

#include "linux_test.h"

/* More than one thread's share: population may use several threads. */
#define BIG ((size_t)32 << 20)

/* One CPU of each node that has CPUs: cpus[k] on nodes[k]. */
static int cpu_nodes(int *cpus, int *nodes, int max)
{
	int n = 0, ncpus = numa_num_configured_cpus();

	for (int c = 0; c < ncpus && n < max; c++) {
		const int node = numa_node_of_cpu(c);
		int seen = 0;

		for (int k = 0; k < n; k++)
			seen |= nodes[k] == node;
		if (node >= 0 && !seen) {
			cpus[n] = c;
			nodes[n++] = node;
		}
	}
	return n;
}

static void set_cpus(int a, int b)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(a, &set);
	CPU_SET(b, &set);
	CHECK_EQ(sched_setaffinity(0, sizeof(set), &set), 0);
}

/* The node holding every page of the buffer, or -1 if they are spread. */
static int only_node(const char *buf)
{
	const size_t npages = BIG / test_page_size();
	struct aml_linux_placement p;

	CHECK_EQ(aml_linux_inspect(buf, BIG, 0, &p), 0);
	CHECK_EQ(p.unplaced, 0);
	for (int n = 0; n < AML_BITMAP_MAX; n++)
		if (p.node_pages[n] == npages)
			return n;
	return -1;
}

/* The node an area's populated mapping, then one populated by
 * aml_linux_populate() with automatic threads, put all pages on (-1:
 * spread). */
static int populated_node(enum aml_area_linux_policy policy)
{
	struct aml_area_linux_attr attr = {
		.flags = AML_AREA_LINUX_FLAG_POPULATE};
	struct aml_area *area;
	char *buf;
	int node, again;

	CHECK_EQ(aml_area_linux_create_attr(&area, NULL, policy, &attr), 0);
	buf = aml_area_mmap(area, BIG, NULL);
	CHECK(buf != NULL);
	node = only_node(buf);
	CHECK_EQ(aml_area_munmap(area, buf, BIG), 0);
	aml_area_linux_destroy(&area);

	CHECK_EQ(aml_area_linux_create(&area, NULL, policy), 0);
	buf = aml_area_mmap(area, BIG, NULL);
	CHECK(buf != NULL);
	CHECK_EQ(aml_linux_populate(buf, BIG, 1, 0), 0);
	again = only_node(buf);
	CHECK_EQ(aml_area_munmap(area, buf, BIG), 0);
	aml_area_linux_destroy(&area);
	return node == again ? node : -1;
}

static void run(const int *cpus, const int *nodes, int n)
{
	/* Over every node, bind and preferred-many take the nearest. */
	const enum aml_area_linux_policy local[] = {
		AML_AREA_LINUX_POLICY_DEFAULT, AML_AREA_LINUX_POLICY_LOCAL,
		AML_AREA_LINUX_POLICY_BIND,
		AML_AREA_LINUX_POLICY_PREFERRED_MANY};
	cpu_set_t all;

	CHECK_EQ(sched_getaffinity(0, sizeof(all), &all), 0);
	for (size_t i = 0; i < sizeof(local) / sizeof(local[0]); i++) {
		if (aml_area_linux_policy_supported(local[i]) != 1)
			continue;
		/* Pinned on node k: every page there. */
		for (int k = 0; k < n; k++) {
			set_cpus(cpus[k], cpus[k]);
			CHECK_EQ(populated_node(local[i]), nodes[k]);
		}
		/*
		 * Free to run on two nodes: threads would fault from both,
		 * the calling thread alone fills one of them. The scheduler
		 * may still move that thread once in a while: a few tries.
		 */
		set_cpus(cpus[0], cpus[1]);
		int node = -1;
		for (int try = 0; try < 5 && node < 0; try++)
			node = populated_node(local[i]);
		CHECK(node == nodes[0] || node == nodes[1]);
		CHECK_EQ(sched_setaffinity(0, sizeof(all), &all), 0);
	}
}

int main(void)
{
	int cpus[AML_BITMAP_MAX], nodes[AML_BITMAP_MAX], status;
	int n;
	pid_t pid;

	if (numa_available() < 0)
		SKIP("no NUMA support");
	n = cpu_nodes(cpus, nodes, AML_BITMAP_MAX);
	if (n < 2)
		SKIP("CPUs on %d node(s): first touch cannot tell threads apart",
		     n);
	/* The way population works is fixed per process: fork for the
	 * touching fallback. */
	pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		CHECK_EQ(setenv("AML_LINUX_POPULATE", "touch", 1), 0);
		run(cpus, nodes, n);
		exit(0);
	}
	CHECK_EQ(waitpid(pid, &status, 0), pid);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	run(cpus, nodes, n);
	return 0;
}
