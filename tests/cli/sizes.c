/*
 * An ordinary program (it knows nothing of AML, and links only libc) that
 * allocates buffers from 16 B to 64 MiB with malloc, touches them, and
 * says where their pages are, with its own move_pages(2) and
 * get_mempolicy(2) calls. test_cli_placement runs it under `aml run` and
 * tells it what to expect in AML_TEST_EXPECT:
 *   interleave      buffers >= AML_TEST_MIN interleaved over every node
 *   bind:N          ... bound to node N
 *   node:N          ... all on node N (preferred, --best)
 *   weights:A:B     ... on nodes 0 and 1 only, in the ratio A:B (runs
 *                   of 2 MiB blocks, --weights=0:A,1:B)
 * and smaller buffers never given a policy. AML_TEST_CPU=N pins it to CPU
 * N first; AML_TEST_WAIT=1 makes it print "ready ADDR_BIG ADDR_SMALL" and
 * wait for a line on stdin, while `aml show` looks at it from outside.
 * AML_TEST_POPULATED=1 (for --populate): every page of a buffer >=
 * AML_TEST_MIN must be in memory before the program first touches it.
 * Exit status: 0 when everything is as expected, 1 otherwise.
 */
#define _GNU_SOURCE
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#define MPOL_DEFAULT 0
#define MPOL_PREFERRED 1
#define MPOL_BIND 2
#define MPOL_INTERLEAVE 3
#define MPOL_F_ADDR (1 << 1)
#define MAX_PAGES (64 << 20) / 4096

static const size_t sizes[] = {16,	256,	 4096,	   65536,   512 << 10,
			       1 << 20, 4 << 20, 16 << 20, 64 << 20};
#define NSIZES (sizeof(sizes) / sizeof(*sizes))

static int failed;
static int status[MAX_PAGES];
static void *pages[MAX_PAGES];

static int nodes_online(void)
{
	FILE *f = fopen("/sys/devices/system/node/online", "r");
	int lo = 0, hi = 0;

	if (f == NULL)
		return 1;
	if (fscanf(f, "%d-%d", &lo, &hi) < 2)
		hi = lo;
	fclose(f);
	return hi + 1;
}

static int policy_of(void *p, unsigned long *mask)
{
	int mode = -1;

	*mask = 0;
	if (syscall(SYS_get_mempolicy, &mode, mask, 64, p, MPOL_F_ADDR) != 0)
		return -1;
	return mode;
}

/* Pages wholly inside [p, p + size): their nodes into status[]. */
static size_t query(char *p, size_t size, size_t page)
{
	uintptr_t first = ((uintptr_t)p + page - 1) & ~(page - 1);
	size_t n = 0;

	for (uintptr_t a = first; a + page <= (uintptr_t)p + size; a += page)
		pages[n++] = (void *)a;
	if (n && syscall(SYS_move_pages, 0, n, pages, NULL, status, 0) != 0)
		return 0;
	return n;
}

static void fail(size_t size, const char *why)
{
	printf("  FAIL %zu bytes: %s\n", size, why);
	failed = 1;
}

/*
 * Runs of 2 MiB blocks in the ratio wa:wb on nodes 0 and 1. The buffer
 * need not start a run, so node 0's share may be off by up to the larger
 * weight's blocks; at 64 MiB that still tells 1:3 from 1:1 or 3:1.
 */
static void check_weights(size_t size, const size_t *count, size_t n, int wa,
			  int wb)
{
	const long block = (2 << 20) / 4096, cycle = block * (wa + wb);
	const long slack = cycle * (wa > wb ? wa : wb);
	long diff = (long)count[0] * wb - (long)count[1] * wa;

	if (count[0] + count[1] != n)
		fail(size, "pages off nodes 0 and 1");
	else if (size >= (64 << 20) && (diff > slack || -diff > slack))
		fail(size, "pages not in the weights' ratio");
}

static void check_large(size_t size, const char *expect, int mode,
			unsigned long mask, size_t n, int nnodes)
{
	size_t count[64] = {0};
	int node, wa, wb;

	for (size_t i = 0; i < n; i++)
		if (status[i] >= 0 && status[i] < 64)
			count[status[i]]++;
	if (!strcmp(expect, "interleave")) {
		if (mode != MPOL_INTERLEAVE ||
		    mask != (nnodes >= 64 ? ~0UL : (1UL << nnodes) - 1))
			fail(size, "not interleaved over every node");
		/* Huge pages interleave by 2 MiB: count from 16 MiB on. */
		for (int i = 0; size >= (16 << 20) && i < nnodes; i++)
			if (count[i] < n / (2 * (size_t)nnodes))
				fail(size, "a node has too few pages");
	} else if (sscanf(expect, "bind:%d", &node) == 1) {
		if (mode != MPOL_BIND || mask != 1UL << node ||
		    count[node] != n)
			fail(size, "not bound to the node");
	} else if (sscanf(expect, "node:%d", &node) == 1) {
		if (count[node] != n)
			fail(size, "pages off the node");
	} else if (sscanf(expect, "weights:%d:%d", &wa, &wb) == 2) {
		check_weights(size, count, n, wa, wb);
	}
}

static void report(size_t size, char *p, size_t page, const char *expect,
		   size_t min, int nnodes)
{
	unsigned long mask;
	int mode = policy_of(p, &mask);
	size_t n = query(p, size, page);
	char map[65];
	size_t i;

	for (i = 0; i < n && i < 64; i++)
		map[i] = status[i] >= 0 ? (char)('0' + status[i] % 10) : '.';
	map[i] = '\0';
	printf("%9zu bytes: policy %d mask %#lx pages %zu map %s\n", size, mode,
	       mask, n, map);
	if (expect == NULL)
		return;
	if (size < min) {
		if (mode != MPOL_DEFAULT)
			fail(size, "a small buffer has a policy");
		return;
	}
	check_large(size, expect, mode, mask, n, nnodes);
}

/* Every page of a buffer not yet touched is in memory. */
static void check_populated(size_t size, char *p, size_t page)
{
	size_t n = query(p, size, page), absent = 0;

	for (size_t i = 0; i < n; i++)
		absent += status[i] < 0;
	printf("%9zu bytes before the first touch: %zu of %zu pages in "
	       "memory\n",
	       size, n - absent, n);
	if (n == 0 || absent > 0)
		fail(size, "not populated");
}

static void pin(const char *cpu)
{
	cpu_set_t set;

	if (cpu == NULL)
		return;
	CPU_ZERO(&set);
	CPU_SET(atoi(cpu), &set);
	if (sched_setaffinity(0, sizeof(set), &set) != 0)
		perror("sched_setaffinity");
}

int main(void)
{
	const char *expect = getenv("AML_TEST_EXPECT");
	const char *min_env = getenv("AML_TEST_MIN");
	const int populated = getenv("AML_TEST_POPULATED") != NULL;
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	size_t min = min_env ? strtoul(min_env, NULL, 0) : (1 << 20);
	int nnodes = nodes_online();
	char *buf[NSIZES], line[16];

	pin(getenv("AML_TEST_CPU"));
	for (size_t i = 0; i < NSIZES; i++) {
		buf[i] = malloc(sizes[i]);
		if (buf[i] == NULL)
			return perror("malloc"), 1;
		if (populated && sizes[i] >= min)
			check_populated(sizes[i], buf[i], page);
		memset(buf[i], (int)i + 1, sizes[i]);
	}
	for (size_t i = 0; i < NSIZES; i++)
		report(sizes[i], buf[i], page, expect, min, nnodes);
	if (getenv("AML_TEST_WAIT") != NULL) {
		printf("ready %p %p\n", (void *)buf[NSIZES - 1],
		       (void *)buf[0]);
		fflush(stdout);
		if (fgets(line, sizeof(line), stdin) == NULL)
			line[0] = '\0';
	}
	for (size_t i = 0; i < NSIZES; i++) {
		for (size_t j = 0; j < sizes[i]; j += page / 2)
			if (buf[i][j] != (char)(i + 1))
				fail(sizes[i], "contents changed");
		free(buf[i]);
	}
	printf("%s\n", failed ? "FAILED" : "ok");
	return failed;
}
