/*
 * Solution of tutorial 0, shared by the next tutorials: is a buffer
 * interleaved over this machine's NUMA nodes?
 *
 * A buffer is interleaved if the kernel's interleave policy is in force on
 * it over every node this process may use, or if its pages lie on those
 * nodes in strict round-robin: page i on node nodes[(i + k) % n] for some k.
 *
 * Works on any node count, sparse node ids and past 64 nodes: node sets are
 * libnuma bitmasks, not single `unsigned long`s. Placement is read with one
 * batched move_pages(2) query for all pages, not one system call per page.
 */
#ifndef AML_TUTORIALS_H
#define AML_TUTORIALS_H

#include <numa.h>
#include <numaif.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif

/* The nodes this process may allocate on, ascending; returns their count. */
static int tutorial_allowed_nodes(int *nodes, int max)
{
	struct bitmask *allowed = numa_get_mems_allowed();
	int n = 0;

	for (unsigned int i = 0; allowed && i < allowed->size && n < max; i++)
		if (numa_bitmask_isbitset(allowed, i))
			nodes[n++] = (int)i;
	numa_bitmask_free(allowed);
	return n;
}

/**
 * Check whether linux interleave binding policy
 * is set on this range of address, over every node we may use.
 **/
static int is_interleaved_policy(void *data)
{
	struct bitmask *nodes = numa_allocate_nodemask();
	struct bitmask *allowed = numa_get_mems_allowed();
	int mode = -1, ret = 0;

	if (nodes && allowed &&
	    get_mempolicy(&mode, nodes->maskp, nodes->size + 1, data,
			  MPOL_F_ADDR) == 0)
		ret = mode == MPOL_INTERLEAVE && numa_bitmask_equal(nodes, allowed);
	numa_bitmask_free(nodes);
	numa_bitmask_free(allowed);
	return ret;
}

/*
 * Fault every page in without changing its contents, so that the kernel
 * places it by the policy in force. madvise(MADV_POPULATE_WRITE) does it in
 * one call (Linux 5.14+); older kernels get a read and write back of a byte.
 */
static void tutorial_populate(void *data, size_t size, size_t page_size)
{
	if (madvise(data, size, MADV_POPULATE_WRITE) == 0)
		return;
	for (size_t off = 0; off < size; off += page_size) {
		volatile char *p = (volatile char *)data + off;
		*p = *p;
	}
}

/**
 * Walk all pages and check if they are bound in a round-robin
 * fashion over the nodes we may use.
 **/
static int is_interleaved_bind(void *data, const size_t size)
{
	const size_t page_size = (size_t)sysconf(_SC_PAGESIZE);
	/* Mask the address down to its page: shifting it by the page size,
	 * as the original exercise did, is undefined behaviour. */
	const uintptr_t start = (uintptr_t)data & ~(uintptr_t)(page_size - 1);
	const size_t npages =
		((uintptr_t)data + size - start + page_size - 1) / page_size;
	int nodes[4096], nnodes, phase = -1, ret = 0;
	void **pages = malloc(npages * sizeof(*pages));
	int *status = malloc(npages * sizeof(*status));

	nnodes = tutorial_allowed_nodes(nodes, 4096);
	if (pages == NULL || status == NULL || nnodes <= 0)
		goto out;
	tutorial_populate((void *)start, npages * page_size, page_size);
	for (size_t i = 0; i < npages; i++)
		pages[i] = (void *)(start + i * page_size);
	if (move_pages(0, npages, pages, NULL, status, 0) != 0)
		goto out;

	ret = 1;
	for (size_t i = 0; i < npages && ret; i++) {
		int rank = 0;

		while (rank < nnodes && nodes[rank] != status[i])
			rank++;
		if (rank == nnodes) /* not placed, or not one of ours */
			ret = 0;
		else if (phase < 0)
			phase = (int)((rank - (long)(i % nnodes) + nnodes) % nnodes);
		else if ((int)((i + phase) % nnodes) != rank)
			ret = 0;
	}
out:
	free(pages);
	free(status);
	return ret;
}

/**
 * data is interleaved if the interleave binding policy is set
 * or if pages are bound in a round-robin fashion.
 **/
static int is_interleaved(void *data, const size_t size)
{
	return is_interleaved_policy(data) || is_interleaved_bind(data, size);
}

#endif /* AML_TUTORIALS_H */
