/* Huge pages: THP areas align and advise their mappings; hugetlbfs areas
 * say AML_ENOTSUP for a page size the system lacks and AML_ENOMEM when its
 * pool is empty. The positive hugetlbfs case is linux_hugetlb_pool.c. */
#include "linux_test.h"

#define MIB ((size_t)1 << 20)
#define HUGE_2MB (21 << MAP_HUGE_SHIFT)

static void test_thp(void)
{
	const size_t size = 6 * MIB + 12345;
	struct aml_area_linux_attr attr = {0};
	struct aml_linux_placement p;
	struct aml_area *area;
	char *buf;

	attr.flags = AML_AREA_LINUX_FLAG_THP | AML_AREA_LINUX_FLAG_POPULATE;
	if (access("/sys/kernel/mm/transparent_hugepage/enabled", F_OK) != 0) {
		CHECK_EQ(aml_area_linux_create_attr(
			     &area, NULL, AML_AREA_LINUX_POLICY_BIND, &attr),
			 -AML_ENOTSUP);
		return;
	}
	CHECK_EQ(aml_area_linux_create_attr(
		     &area, NULL, AML_AREA_LINUX_POLICY_INTERLEAVE, &attr),
		 0);
	for (int i = 0; i < 4; i++) {
		buf = aml_area_mmap(area, size, NULL);
		CHECK(buf != NULL);
		CHECK_EQ((uintptr_t)buf % (2 * MIB), 0);
		CHECK_EQ(aml_linux_inspect(buf, size, 0, &p), 0);
		CHECK_EQ(p.unplaced, 0);
		CHECK_EQ(p.policy, MPOL_INTERLEAVE);
		CHECK_EQ(
		    aml_area_linux_check_binding(test_data(area), buf, size),
		    1);
		buf[size - 1] = 1;
		CHECK_EQ(aml_area_munmap(area, buf, size), 0);
	}
	aml_area_linux_destroy(&area);
	attr.flags |= AML_AREA_LINUX_FLAG_HUGETLB;
	CHECK_EQ(aml_area_linux_create_attr(&area, NULL,
					    AML_AREA_LINUX_POLICY_BIND, &attr),
		 -AML_EINVAL);
	attr.flags = 1UL << 20;
	CHECK_EQ(aml_area_linux_create_attr(&area, NULL,
					    AML_AREA_LINUX_POLICY_BIND, &attr),
		 -AML_EINVAL);
}

static void test_hugetlb_sizes(void)
{
	struct aml_area_linux_attr attr = {.flags =
					       AML_AREA_LINUX_FLAG_HUGETLB};
	struct aml_area *area;

	attr.hugetlb_page_size = 3 * MIB;
	CHECK_EQ(aml_area_linux_create_attr(&area, NULL,
					    AML_AREA_LINUX_POLICY_BIND, &attr),
		 -AML_ENOTSUP);
	CHECK(area == NULL);
	attr.hugetlb_page_size = 256 * MIB; /* no such size on x86-64 */
	if (access("/sys/kernel/mm/hugepages/hugepages-262144kB", F_OK) != 0)
		CHECK_EQ(aml_area_linux_create_attr(
			     &area, NULL, AML_AREA_LINUX_POLICY_BIND, &attr),
			 -AML_ENOTSUP);
}

/* An empty pool: ENOMEM from the area and from the options alike. */
static void test_hugetlb_empty(void)
{
	struct aml_area_linux_attr attr = {.flags = AML_AREA_LINUX_FLAG_HUGETLB,
					   .hugetlb_page_size = 2 * MIB};
	/* 2 MiB pages: MAP_HUGE_2MB of <linux/mman.h>. */
	struct aml_area_linux_mmap_options opts = {
	    NULL, MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB | HUGE_2MB,
	    PROT_READ | PROT_WRITE, -1, 0};
	struct aml_area *area;

	if (access("/sys/kernel/mm/hugepages/hugepages-2048kB", F_OK) != 0) {
		CHECK_EQ(aml_area_linux_create_attr(
			     &area, NULL, AML_AREA_LINUX_POLICY_BIND, &attr),
			 -AML_ENOTSUP);
		return;
	}
	CHECK_EQ(aml_area_linux_create_attr(&area, NULL,
					    AML_AREA_LINUX_POLICY_BIND, &attr),
		 0);
	if (test_free_huge_pages(2048) == 0) {
		aml_errno = 0;
		CHECK(aml_area_mmap(area, 2 * MIB, NULL) == NULL);
		CHECK_EQ(aml_errno, AML_ENOMEM);
		aml_errno = 0;
		CHECK(aml_area_mmap(&aml_area_linux, 2 * MIB,
				    (struct aml_area_mmap_options *)&opts) ==
		      NULL);
		CHECK_EQ(aml_errno, AML_ENOMEM);
	}
	aml_area_linux_destroy(&area);
	/* A MAP_HUGE_* size the system lacks (32 MiB). */
	opts.flags =
	    MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB | (25 << MAP_HUGE_SHIFT);
	aml_errno = 0;
	CHECK(aml_area_mmap(&aml_area_linux, 32 * MIB,
			    (struct aml_area_mmap_options *)&opts) == NULL);
	CHECK_EQ(aml_errno, AML_ENOTSUP);
}

/* A THP area asked for hugetlbfs pages in the options: the kernel aligns
 * them, nothing is trimmed (MAP_NORESERVE: no pool page is taken). */
static void test_thp_hugetlb(void)
{
	struct aml_area_linux_attr attr = {.flags = AML_AREA_LINUX_FLAG_THP};
	struct aml_area_linux_mmap_options opts = {
	    NULL,
	    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_HUGETLB |
		HUGE_2MB,
	    PROT_READ | PROT_WRITE, -1, 0};
	struct aml_area *area;
	char *buf;

	if (access("/sys/kernel/mm/hugepages/hugepages-2048kB", F_OK) != 0 ||
	    aml_area_linux_create_attr(&area, NULL,
				       AML_AREA_LINUX_POLICY_INTERLEAVE,
				       &attr) != AML_SUCCESS)
		return;
	buf =
	    aml_area_mmap(area, 2 * MIB, (struct aml_area_mmap_options *)&opts);
	CHECK(buf != NULL);
	CHECK_EQ((uintptr_t)buf % (2 * MIB), 0);
	CHECK_EQ(aml_area_munmap(area, buf, 2 * MIB), 0);
	aml_area_linux_destroy(&area);
}

int main(void)
{
	test_thp();
	test_thp_hugetlb();
	test_hugetlb_sizes();
	test_hugetlb_empty();
	return 0;
}
