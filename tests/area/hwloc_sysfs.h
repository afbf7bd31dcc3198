/* What the kernel says about NUMA nodes, read from sysfs and move_pages(2)
 * without hwloc, so that the hwloc area tests have independent answers. */
#ifndef AML_TESTS_HWLOC_SYSFS_H
#define AML_TESTS_HWLOC_SYSFS_H

#include <aml.h>
#include <sched.h>
#include <sys/stat.h>

#include "check.h"

#define SYSFS_NODE "/sys/devices/system/node"

/* Read a whole (short) sysfs file into buf; 0 on success, -1 if absent. */
static inline int sysfs_read(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");
	size_t n;

	if (f == NULL)
		return -1;
	n = fread(buf, 1, len - 1, f);
	fclose(f);
	buf[n] = '\0';
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		buf[--n] = '\0';
	return 0;
}

/* A sysfs list file ("0-3,8") into a bitmap; empty if the file is absent. */
static inline void sysfs_list(const char *path, struct aml_bitmap *b)
{
	char buf[4096];

	aml_bitmap_zero(b);
	if (sysfs_read(path, buf, sizeof(buf)) != 0 || buf[0] == '\0')
		return;
	CHECK_EQ(aml_bitmap_from_string(b, buf), 0);
}

/* Nodes with memory (or online nodes on old kernels). */
static inline void sysfs_mem_nodes(struct aml_bitmap *b)
{
	sysfs_list(SYSFS_NODE "/has_memory", b);
	if (aml_bitmap_iszero(b))
		sysfs_list(SYSFS_NODE "/online", b);
	if (aml_bitmap_iszero(b))
		aml_bitmap_set(b, 0);
}

static inline void sysfs_node_cpus(int node, struct aml_bitmap *cpus)
{
	char path[256];

	snprintf(path, sizeof(path), SYSFS_NODE "/node%d/cpulist", node);
	sysfs_list(path, cpus);
}

/* An unsigned number from a sysfs file; -1 if absent. */
static inline long long sysfs_number(const char *path)
{
	char buf[64];

	if (sysfs_read(path, buf, sizeof(buf)) != 0)
		return -1;
	return strtoll(buf, NULL, 10);
}

/* MemTotal of a node in kB; -1 if unknown. */
static inline long long sysfs_node_memtotal(int node)
{
	char path[256], line[256];
	long long kb = -1;
	FILE *f;

	snprintf(path, sizeof(path), SYSFS_NODE "/node%d/meminfo", node);
	f = fopen(path, "r");
	if (f == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL) {
		char *p = strstr(line, "MemTotal:");

		if (p != NULL)
			kb = strtoll(p + strlen("MemTotal:"), NULL, 10);
	}
	fclose(f);
	return kb;
}

/*
 * HMAT value of `attr` ("bandwidth" or "latency": read + write) from
 * initiator node `init` to target `target`, as Linux publishes it: only
 * when `init` is one of the target's best (access0) initiators. -1 if none.
 */
static inline long long sysfs_hmat(int target, int init, const char *attr)
{
	char path[256];
	struct stat st;
	long long r, w;

	snprintf(path, sizeof(path), SYSFS_NODE "/node%d/access0/initiators/node%d",
		 target, init);
	if (stat(path, &st) != 0)
		return -1;
	snprintf(path, sizeof(path),
		 SYSFS_NODE "/node%d/access0/initiators/read_%s", target, attr);
	r = sysfs_number(path);
	snprintf(path, sizeof(path),
		 SYSFS_NODE "/node%d/access0/initiators/write_%s", target, attr);
	w = sysfs_number(path);
	if (r < 0 && w < 0)
		return -1;
	if (r < 0)
		return 2 * w;
	if (w < 0)
		return 2 * r;
	return r + w;
}

/*
 * The best targets for `attr` from initiator node `init` (highest
 * bandwidth or lowest latency); empty if no target has a value.
 */
static inline void sysfs_hmat_best(int init, const char *attr, int higher,
			    struct aml_bitmap *best)
{
	struct aml_bitmap nodes;
	long long bestval = -1;

	aml_bitmap_zero(best);
	sysfs_mem_nodes(&nodes);
	for (int t = 0; t < AML_BITMAP_MAX; t++) {
		long long v;

		if (aml_bitmap_isset(&nodes, (unsigned)t) != 1)
			continue;
		v = sysfs_hmat(t, init, attr);
		if (v < 0)
			continue;
		if (bestval < 0 || (higher ? v > bestval : v < bestval)) {
			bestval = v;
			aml_bitmap_zero(best);
		}
		if (v == bestval)
			aml_bitmap_set(best, (unsigned)t);
	}
}

/* Bind the calling thread to one CPU, without hwloc. */
static inline void bind_to_cpu(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	CHECK_EQ(sched_setaffinity(0, sizeof(set), &set), 0);
}

/* Write every page, then ask move_pages(2) where each one is: the node of
 * every page if they all agree, -2 if they differ, -1 on error. */
static inline int pages_node(void *buf, size_t size)
{
	const size_t psize = (size_t)sysconf(_SC_PAGESIZE);
	const size_t n = size / psize;
	void **pages = calloc(n, sizeof(*pages));
	int *status = calloc(n, sizeof(*status));
	int node = -1;

	CHECK(pages != NULL && status != NULL);
	for (size_t i = 0; i < n; i++) {
		pages[i] = (char *)buf + i * psize;
		*(volatile char *)pages[i] = (char)i;
	}
	CHECK_EQ(move_pages(0, n, pages, NULL, status, 0), 0);
	for (size_t i = 0; i < n; i++) {
		if (status[i] < 0) {
			node = -1;
			break;
		}
		if (i > 0 && status[i] != node) {
			node = -2;
			break;
		}
		node = status[i];
	}
	free(pages);
	free(status);
	return node;
}

#endif /* AML_TESTS_HWLOC_SYSFS_H */
