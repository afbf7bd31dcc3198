/*
 * Tutorial 2: write your own area. This one interleaves by hand: it binds
 * page i of each mapping to the i-th node (cyclically) of the nodes this
 * process may use, with one mbind(2) per page. The kernel's interleave
 * policy does this in one call; the point here is the area interface.
 */
#include <stdlib.h>
#include <stdio.h>
#include <aml.h>
#include "tutorials.h"

/**
 * Fill the structure that will populate the field
 * data from struct aml_area. This field contain
 * the information you will need during mmap call
 * to do the interleaving.
 **/
struct area_data {
	int nodes[AML_BITMAP_MAX]; /* nodes to interleave on, ascending */
	int nnodes;
	size_t page_size;
};

/**
 * Implement your own mmap operator for aml_area_ops.
 **/
void *custom_mmap(const struct aml_area_data *data,
		  size_t size, struct aml_area_mmap_options *opts)
{
	(void)opts; // no need to use opts.
	// Cast generic data to your data structure.
	struct area_data *area = (struct area_data *)data;
	void *ret; // The pointer with memory to return.

	ret = mmap(NULL, size, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (ret == MAP_FAILED) {
		aml_errno = AML_ENOMEM;
		return NULL;
	}
	for (size_t off = 0, i = 0; off < size; off += area->page_size, i++) {
		struct aml_bitmap mask;

		aml_bitmap_zero(&mask);
		aml_bitmap_set(&mask,
			       (unsigned int)area->nodes[i % area->nnodes]);
		/* maxnode counts one bit more than the kernel reads. */
		if (mbind((char *)ret + off, area->page_size, MPOL_BIND,
			  mask.mask, AML_BITMAP_MAX + 1, 0) != 0) {
			munmap(ret, size);
			aml_errno = AML_FAILURE;
			return NULL;
		}
	}

	return ret;
}

/**
 * Implement your own munmap operator for aml_area_ops.
 **/
int custom_munmap(const struct aml_area_data *data, void *ptr, size_t size)
{
	(void)data;
	return munmap(ptr, size) == 0 ? AML_SUCCESS : -AML_EINVAL;
}

/**
 * Implement a constructor for your own area.
 **/
struct aml_area *custom_area_create()
{
	struct area_data *data;
	struct aml_area_ops *ops;
	struct aml_area *ret;

	/* One block, so that the caller releases it all with free(). */
	ret = AML_INNER_MALLOC(struct aml_area, struct aml_area_ops,
			       struct area_data);
	if (ret == NULL)
		return NULL;
	ops = AML_INNER_MALLOC_GET_FIELD(ret, 2, struct aml_area,
					 struct aml_area_ops, struct area_data);
	data = AML_INNER_MALLOC_GET_FIELD(ret, 3, struct aml_area,
					  struct aml_area_ops, struct area_data);
	ops->mmap = custom_mmap;
	ops->munmap = custom_munmap;
	ops->fprintf = NULL; /* aml_area_fprintf() prints a generic line */
	data->nnodes = tutorial_allowed_nodes(data->nodes, AML_BITMAP_MAX);
	data->page_size = (size_t)sysconf(_SC_PAGESIZE);
	if (data->nnodes <= 0) {
		free(ret);
		return NULL;
	}
	ret->ops = ops;
	ret->data = (struct aml_area_data *)data;
	return ret;
}

void test_custom_area(const size_t size)
{
	void *buf;
	struct aml_area *interleave_area = custom_area_create();

	// Map buffer in area.
	buf = aml_area_mmap(interleave_area, size, NULL);
	if (buf == NULL) {
		aml_perror("aml_area_linux");
		exit(1);
	}
	// Check it is indeed interleaved
	if (!is_interleaved(buf, size))
		exit(1);
	printf("Custom area worked and is interleaved.\n");

	// Cleanup
	aml_area_munmap(interleave_area, buf, size);
	free(interleave_area);
}

int main(void)
{
	const size_t size = (2 << 16);	// 32 pages of 4 KiB

	test_custom_area(size);
	return 0;
}
