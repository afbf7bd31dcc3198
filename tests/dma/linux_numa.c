/* With a destination bound to node k, the Linux engine's parts are copied
 * by workers on node k's CPUs (the CPU of each part is recorded by the
 * engine and its node read from sysfs) and the pages land on k (checked
 * with move_pages(2)). A destination split over two nodes gets each half
 * copied from its own node, whether bound or already placed. */
#include <aml.h>
#include <aml/area/linux-inspect.h>
#include <aml/area/linux.h>
#include <aml/dma/linux.h>

#include "area/linux_test.h"
#include "check.h"
#include "numa_check.h"

#define SIZE ((size_t)8 << 20)
#define MAX_LOG 4096

static struct aml_dma_linux_record records[MAX_LOG];

/* Copy into dst with logging on; check every part of [dst + lo, dst + hi)
 * was copied on a CPU of `node`. Returns the number of parts checked. */
static size_t copy_and_check(struct aml_dma *dma, char *dst, const char *src,
			     size_t lo, size_t hi, int node)
{
	size_t n, checked = 0;

	CHECK_EQ(aml_dma_linux_record(dma, records, MAX_LOG), AML_SUCCESS);
	CHECK_EQ(aml_dma_copy(dma, dst, src, SIZE), AML_SUCCESS);
	n = aml_dma_linux_recorded(dma);
	CHECK_EQ(aml_dma_linux_record(dma, NULL, 0), AML_SUCCESS);
	CHECK(n > 1 && n <= MAX_LOG);
	CHECK(memcmp(dst, src, SIZE) == 0);
	for (size_t i = 0; i < n; i++) {
		const char *p = records[i].dst;

		if (p < dst + lo || p >= dst + hi)
			continue;
		CHECK_EQ(check_cpu_node(records[i].cpu), node);
		checked++;
	}
	CHECK(checked > 0);
	return checked;
}

static void check_landed(const char *p, size_t size, int node)
{
	size_t total, on = check_pages_on(p, size, node, &total);

	printf("  %zu of %zu pages on node %d\n", on, total, node);
	CHECK_EQ(on, total);
}

/* Destination from an area bound to `node`, not touched before the copy. */
static void bound_destination(struct aml_dma *dma, const char *src, int node,
			      int has_cpus)
{
	struct aml_bitmap mask;
	struct aml_area *area;
	char *dst;

	aml_bitmap_zero(&mask);
	aml_bitmap_set(&mask, (unsigned int)node);
	CHECK_EQ(
	    aml_area_linux_create(&area, &mask, AML_AREA_LINUX_POLICY_BIND),
	    AML_SUCCESS);
	dst = aml_area_mmap(area, SIZE, NULL);
	CHECK(dst != NULL);
	if (has_cpus)
		printf("node %d: %zu parts, all copied on its CPUs\n", node,
		       copy_and_check(dma, dst, src, 0, SIZE, node));
	else
		CHECK_EQ(aml_dma_copy(dma, dst, src, SIZE), AML_SUCCESS);
	CHECK(memcmp(dst, src, SIZE) == 0);
	check_landed(dst, SIZE, node);
	CHECK_EQ(aml_area_munmap(area, dst, SIZE), AML_SUCCESS);
	aml_area_linux_destroy(&area);
}

/* Place the pages of [p, p + len) on `node` and leave the range under
 * the default policy: bind, touch, unbind (pages stay where they are). */
static void place_on(char *p, size_t len, int node)
{
	unsigned long mask[1024 / (8 * sizeof(unsigned long))] = {0};

	mask[node / (8 * sizeof(unsigned long))] |=
	    1UL << (node % (8 * sizeof(unsigned long)));
	CHECK(mbind(p, len, MPOL_BIND, mask, 1024 + 1, 0) == 0);
	memset(p, 1, len);
	CHECK(mbind(p, len, MPOL_DEFAULT, NULL, 0, 0) == 0);
}

/* Placed pages are followed: first half on node a, second half on b,
 * under the default policy (so only where the pages are tells). */
static void placed_destination(struct aml_dma *dma, const char *src, int a,
			       int b)
{
	char *dst = aml_area_mmap(&aml_area_linux, SIZE, NULL);

	CHECK(dst != NULL);
	place_on(dst, SIZE / 2, a);
	place_on(dst + SIZE / 2, SIZE / 2, b);
	check_landed(dst, SIZE / 2, a);
	check_landed(dst + SIZE / 2, SIZE / 2, b);
	copy_and_check(dma, dst, src, 0, SIZE / 2, a);
	copy_and_check(dma, dst, src, SIZE / 2, SIZE, b);
	printf("halves on nodes %d and %d: each copied from its node\n", a, b);
	CHECK_EQ(aml_area_munmap(&aml_area_linux, dst, SIZE), AML_SUCCESS);
}

int main(void)
{
	int cpu_nodes[64], cpus[64], mem_nodes[64], ncpu, nmem;
	struct aml_dma *dma;
	char *src;

	ncpu = check_cpu_nodes(cpu_nodes, cpus, 64);
	if (ncpu < 2)
		SKIP("needs two NUMA nodes with CPUs (has %d)", ncpu);
	nmem = test_nodes(mem_nodes, 64);
	src = malloc(SIZE);
	CHECK(src != NULL);
	for (size_t i = 0; i < SIZE; i++)
		src[i] = (char)(i * 7 + (i >> 12));
	/* Two workers per node with CPUs (those this thread may use now). */
	CHECK_EQ(aml_dma_linux_create(&dma, 2 * (unsigned int)ncpu),
		 AML_SUCCESS);
	/* This thread helps with the parts meant for its node: keep it on
	 * one, so that the CPU it records stays the one it copies on. */
	check_pin(cpus[0]);
	for (int i = 0; i < nmem; i++) {
		int has_cpus = 0;

		for (int j = 0; j < ncpu; j++)
			has_cpus |= cpu_nodes[j] == mem_nodes[i];
		bound_destination(dma, src, mem_nodes[i], has_cpus);
	}
	placed_destination(dma, src, cpu_nodes[1], cpu_nodes[0]);
	aml_dma_linux_destroy(&dma);
	free(src);
	return 0;
}
