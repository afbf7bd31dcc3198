/* The Linux area's data, for the files that check and migrate its pages.
 * Not installed. */
#ifndef AML_AREA_LINUX_AREA_H
#define AML_AREA_LINUX_AREA_H

#include "area/linux/sys.h"

struct aml_area_linux_data {
	/* Nodes of the policy; empty for the default area (no nodes). */
	struct aml_bitmap nodemask;
	enum aml_area_linux_policy policy;
	/* The MPOL_* mode given to mbind(2). */
	int mode;
	/* mbind(2)'s maxnode for `nodemask`: the kernel copies and checks
	 * every word up to it, so pass no more than the mask needs. */
	unsigned long maxnode;
	/* AML_AREA_LINUX_FLAG_* */
	unsigned long flags;
	/* Hugetlbfs page size and its MAP_HUGE_* bits, with FLAG_HUGETLB. */
	size_t hugetlb_size;
	int hugetlb_bits;
	unsigned int populate_threads;
	/* Weights of the area's own (0: none) and their unit in bytes. */
	size_t weight_unit;
	unsigned char weights[AML_BITMAP_MAX];
};

/* Whether every node of `a` is in `b`. */
int aml__linux_nodes_subset(const struct aml_bitmap *a,
			    const struct aml_bitmap *b);

/* Total of the area's own weights over its nodes. */
size_t aml__linux_weight_total(const struct aml_area_linux_data *data);

/* Node of weight unit `u` of a mapping, for an area with weights. */
int aml__linux_weighted_node(const struct aml_area_linux_data *data, size_t u,
			     size_t total);

/* Apply the area's policy to [ptr, ptr + size) of a mapping that starts at
 * `origin`; `flags` are MPOL_MF_* flags. */
int aml__linux_bind(const struct aml_area_linux_data *data, uintptr_t origin,
		    void *ptr, size_t size, unsigned int flags);

#endif /* AML_AREA_LINUX_AREA_H */
