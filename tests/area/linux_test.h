/* Helpers of the Linux area tests: the nodes this process may use, and
 * the running kernel's version. Written for any node count. */
#ifndef AML_TESTS_LINUX_TEST_H
#define AML_TESTS_LINUX_TEST_H

#include <stdio.h>
#include <sys/utsname.h>

#include "aml.h"
#include "aml/area/linux-inspect.h"
#include "aml/area/linux.h"
#include "check.h"

/* Nodes we may allocate on, ascending; returns how many. */
static inline int test_nodes(int *nodes, int max)
{
	struct aml_bitmap allowed;
	int n = 0;

	aml_bitmap_zero(&allowed);
	CHECK(get_mempolicy(NULL, allowed.mask, AML_BITMAP_MAX + 1, NULL,
			    MPOL_F_MEMS_ALLOWED) == 0);
	for (int i = 0; i < AML_BITMAP_MAX && n < max; i++)
		if (aml_bitmap_isset(&allowed, (unsigned int)i) == 1)
			nodes[n++] = i;
	CHECK(n > 0);
	return n;
}

/* Whether the running kernel is at least major.minor. */
static inline int test_kernel_at_least(int major, int minor)
{
	struct utsname u;
	int ma = 0, mi = 0;

	CHECK(uname(&u) == 0);
	CHECK(sscanf(u.release, "%d.%d", &ma, &mi) == 2);
	return ma > major || (ma == major && mi >= minor);
}

static inline size_t test_page_size(void)
{
	return (size_t)sysconf(_SC_PAGESIZE);
}

/* Free hugetlbfs pages of `kb` KiB; 0 where the size does not exist. */
static inline size_t test_free_huge_pages(size_t kb)
{
	char path[128];
	size_t n = 0;
	FILE *f;

	snprintf(path, sizeof(path),
		 "/sys/kernel/mm/hugepages/hugepages-%zukB/free_hugepages", kb);
	f = fopen(path, "r");
	if (f == NULL)
		return 0;
	if (fscanf(f, "%zu", &n) != 1)
		n = 0;
	fclose(f);
	return n;
}

static inline struct aml_area_linux_data *test_data(struct aml_area *a)
{
	return (struct aml_area_linux_data *)a->data;
}

#endif /* AML_TESTS_LINUX_TEST_H */
