/*
 * Tutorial 0: tell whether a buffer is interleaved, then build interleaved
 * buffers with raw system calls and check that the test sees them.
 *
 * The solved is_interleaved_policy(), is_interleaved_bind() and
 * is_interleaved() live in tutorials.h, which the next tutorials share.
 *
 * Fixes to the original exercise, each marked "Fixed:" below:
 * - mmap(2) reports failure with MAP_FAILED, not NULL;
 * - a page address is found by masking, not by shifting by the page size;
 * - numa_max_node() is the highest node id, not the node count, and node
 *   ids may be sparse: the nodes used are the ones this process may use;
 * - single `unsigned long` masks and `1 << node` on an int break past 64
 *   (resp. 31) nodes: libnuma bitmasks are used instead;
 * - mbind(2)'s maxnode counts bits, not words: the original {1, 1, ...}
 *   array with maxnode 8 named node 0 alone.
 * - (2 << 16) bytes is 32 pages of 4 KiB, not 16.
 */
#include <stdlib.h>
#include <stdio.h>
#include <unistd.h>		// sysconf()
#include <sys/mman.h>	// mmap()
#include <numa.h>     // numa_get_max_node()
#include <numaif.h>		// get_mempolicy()
#include "tutorials.h"

void *mmap_interleave_policy(const size_t size)
{
	/* Fixed: interleave over every node we may use, with a mask that
	 * holds any node id. */
	struct bitmask *nodes = numa_get_mems_allowed();
	void *out = mmap(NULL, size,
			 PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS,
			 -1, 0);

	/* Fixed: MAP_FAILED, not NULL. */
	if (out == MAP_FAILED) {
		perror("mmap");
		exit(1);
	}

	if (mbind(out, size, MPOL_INTERLEAVE, nodes->maskp,
		  nodes->size + 1, MPOL_MF_MOVE) == -1) {
		perror("mbind");
		munmap(out, size);
		exit(1);
	}
	numa_bitmask_free(nodes);

	return out;
}

void *mmap_interleave_bind(const size_t size)
{
	/* Fixed: the node count is not numa_max_node(), and the nodes are
	 * those we may use, in a bitmask that holds any node id. */
	int nodes[4096];
	const int numnode = tutorial_allowed_nodes(nodes, 4096);
	struct bitmask *mask = numa_allocate_nodemask();
	size_t page_size = (size_t)sysconf(_SC_PAGESIZE);
	uintptr_t start;
	int node = 0;
	void *out;

	out = mmap(NULL, size, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	/* Fixed: MAP_FAILED, not NULL. */
	if (out == MAP_FAILED || numnode <= 0) {
		perror("mmap");
		exit(1);
	}

	/* Fixed: mask the address to its page instead of shifting it. */
	start = (uintptr_t)out & ~(uintptr_t)(page_size - 1);
	for (uintptr_t page = start; (size_t) (page - start) < size;
	     page += page_size) {

		/* Fixed: no `1 << node` on an int. */
		numa_bitmask_clearall(mask);
		numa_bitmask_setbit(mask, (unsigned int)nodes[node]);
		if (mbind((void *)page, page_size, MPOL_BIND, mask->maskp,
			  mask->size + 1, MPOL_MF_MOVE) == -1) {
			perror("mbind");
			munmap(out, size);
			exit(1);
		}
		node = (node + 1) % numnode;
	}
	numa_bitmask_free(mask);

	return out;
}

int main(void)
{
	void *buf;
	const size_t size = (2 << 16);	// 32 pages of 4 KiB

	// Check that linux bind interleave policy passes test.
	buf = mmap_interleave_policy(size);
	if (!is_interleaved(buf, size))
		return 1;
	printf("mmap_interleave_policy check works!\n");
	munmap(buf, size);

	// Check that binding pages in a round-robin fashion passes test.
	buf = mmap_interleave_bind(size);
	if (!is_interleaved(buf, size))
		return 1;
	printf("mmap_interleave_bind check works!\n");
	munmap(buf, size);

	return 0;
}
