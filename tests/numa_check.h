/* Independent NUMA checks for the copy and replica tests: which node a CPU
 * belongs to (read from sysfs) and where pages are (move_pages(2)), so that
 * the library's own answers are never used to judge it. */
#ifndef AML_TESTS_NUMA_CHECK_H
#define AML_TESTS_NUMA_CHECK_H

#include <dirent.h>
#include <numaif.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"

/* The node of `cpu` from /sys/devices/system/cpu/cpuN/nodeK; -1 if none. */
static inline int check_cpu_node(int cpu)
{
	char path[64];
	struct dirent *e;
	DIR *dir;
	int node = -1;

	snprintf(path, sizeof(path), "/sys/devices/system/cpu/cpu%d", cpu);
	dir = opendir(path);
	if (dir == NULL)
		return -1;
	while ((e = readdir(dir)) != NULL)
		if (strncmp(e->d_name, "node", 4) == 0 && e->d_name[4] >= '0' &&
		    e->d_name[4] <= '9')
			node = atoi(e->d_name + 4);
	closedir(dir);
	return node;
}

/* Nodes (ascending) that have a CPU this thread may run on; for each,
 * one such CPU in `cpu_of`. Returns how many. */
static inline int check_cpu_nodes(int *nodes, int *cpu_of, int max)
{
	cpu_set_t set;
	int n = 0;

	CHECK(sched_getaffinity(0, sizeof(set), &set) == 0);
	for (int node = 0; node < 1024 && n < max; node++)
		for (int c = 0; c < CPU_SETSIZE; c++)
			if (CPU_ISSET(c, &set) && check_cpu_node(c) == node) {
				nodes[n] = node;
				cpu_of[n++] = c;
				break;
			}
	return n;
}

/* Pages of [p, p + size) that move_pages(2) reports on `node`; `total`
 * receives the page count. */
static inline size_t check_pages_on(const void *p, size_t size, int node,
				    size_t *total)
{
	const size_t page = (size_t)sysconf(_SC_PAGESIZE);
	const size_t first = (size_t)p / page,
		     last = ((size_t)p + size - 1) / page;
	const size_t n = last - first + 1;
	void **pages = malloc(n * sizeof(void *));
	int *status = malloc(n * sizeof(int));
	size_t on = 0;

	CHECK(pages && status);
	for (size_t i = 0; i < n; i++)
		pages[i] = (void *)((first + i) * page);
	CHECK(move_pages(0, n, pages, NULL, status, 0) == 0);
	for (size_t i = 0; i < n; i++)
		on += status[i] == node;
	free(pages);
	free(status);
	*total = n;
	return on;
}

/* Pin the calling thread to `cpu`. */
static inline void check_pin(int cpu)
{
	cpu_set_t one;

	CPU_ZERO(&one);
	CPU_SET(cpu, &one);
	CHECK(sched_setaffinity(0, sizeof(one), &one) == 0);
}

#endif /* AML_TESTS_NUMA_CHECK_H */
