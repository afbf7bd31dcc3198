/*
 * The checker of tutorial 0 can fail: a buffer whose pages all lie on one
 * node is not interleaved on a machine of two nodes or more. Needs 2 nodes
 * (exits 77 on one: there, every buffer is trivially interleaved).
 */
#include <aml.h>
#include <aml/area/linux.h>
#include "tutorials.h"

int main(void)
{
	const size_t size = 64 * (size_t)sysconf(_SC_PAGESIZE);
	struct aml_bitmap first;
	struct aml_area *bind, *interleave;
	int nodes[AML_BITMAP_MAX];
	void *buf;

	if (tutorial_allowed_nodes(nodes, AML_BITMAP_MAX) < 2) {
		fprintf(stderr, "skipped: needs 2 NUMA nodes or more\n");
		return 77;
	}
	aml_bitmap_zero(&first);
	aml_bitmap_set(&first, (unsigned int)nodes[0]);
	if (aml_area_linux_create(&bind, &first, AML_AREA_LINUX_POLICY_BIND) ||
	    aml_area_linux_create(&interleave, NULL,
				  AML_AREA_LINUX_POLICY_INTERLEAVE))
		return 1;

	/* Every page on one node: not interleaved. */
	buf = aml_area_mmap(bind, size, NULL);
	if (buf == NULL || is_interleaved(buf, size)) {
		fprintf(stderr, "a buffer bound to node %d passed as interleaved\n",
			nodes[0]);
		return 1;
	}
	aml_area_munmap(bind, buf, size);

	/* The same pages with the interleave policy: interleaved, also when
	 * judged by placement alone. */
	buf = aml_area_mmap(interleave, size, NULL);
	if (buf == NULL || !is_interleaved_policy(buf) ||
	    !is_interleaved_bind(buf, size)) {
		fprintf(stderr, "an interleaved buffer failed the check\n");
		return 1;
	}
	aml_area_munmap(interleave, buf, size);
	printf("The checker tells interleaved from bound buffers.\n");
	aml_area_linux_destroy(&bind);
	aml_area_linux_destroy(&interleave);
	return 0;
}
