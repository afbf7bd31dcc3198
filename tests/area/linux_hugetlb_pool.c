/* Hugetlbfs pages placed by the policy. Needs free 2 MiB pages: as root,
 * reserves a few and restores the setting on exit; otherwise skipped. */
#include "linux_test.h"

#define MIB ((size_t)1 << 20)
#define NR_PATH "/proc/sys/vm/nr_hugepages"
#define FREE_PATH "/sys/kernel/mm/hugepages/hugepages-2048kB/free_hugepages"
#define TOTAL_PATH "/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages"

static long saved = -1;

static long read_long(const char *path)
{
	long v = -1;
	FILE *f = fopen(path, "r");

	if (f == NULL)
		return -1;
	if (fscanf(f, "%ld", &v) != 1)
		v = -1;
	fclose(f);
	return v;
}

static int write_long(const char *path, long v)
{
	FILE *f = fopen(path, "w");
	int ok;

	if (f == NULL)
		return 0;
	ok = fprintf(f, "%ld\n", v) > 0;
	return fclose(f) == 0 && ok;
}

static void restore(void)
{
	if (saved >= 0)
		write_long(TOTAL_PATH, saved);
}

int main(void)
{
	int nodes[AML_BITMAP_MAX], nn = test_nodes(nodes, AML_BITMAP_MAX);
	struct aml_area_linux_attr attr = {.flags =
						   AML_AREA_LINUX_FLAG_HUGETLB,
					   .hugetlb_page_size = 2 * MIB};
	const long want = 2 * nn; /* the pool spreads over the nodes */
	const size_t size = 3 * MIB; /* rounded up to 4 MiB */
	struct aml_linux_placement p;
	struct aml_area *area;
	char *buf;

	if (read_long(FREE_PATH) < want) {
		if (geteuid() != 0 || access(TOTAL_PATH, W_OK) != 0)
			SKIP("no free 2 MiB huge pages, and not root");
		saved = read_long(TOTAL_PATH);
		CHECK(saved >= 0);
		CHECK_EQ(atexit(restore), 0);
		if (!write_long(TOTAL_PATH, saved + want) ||
		    read_long(FREE_PATH) < want)
			SKIP("could not reserve %ld huge pages", want);
	}
	CHECK_EQ(aml_area_linux_create_attr(&area, NULL,
					    AML_AREA_LINUX_POLICY_BIND, &attr),
		 0);
	buf = aml_area_mmap(area, size, NULL);
	CHECK(buf != NULL);
	CHECK_EQ((uintptr_t)buf % (2 * MIB), 0);
	memset(buf, 1, 4 * MIB); /* the whole rounded mapping is ours */
	CHECK_EQ(aml_linux_inspect(buf, 4 * MIB, 0, &p), 0);
	CHECK_EQ(p.unplaced, 0);
	CHECK_EQ(p.policy, MPOL_BIND);
	CHECK_EQ(aml_area_linux_check_binding(test_data(area), buf, size), 1);
	/* Each 2 MiB page lies whole on one node. */
	for (size_t off = 0; off < 4 * MIB; off += 2 * MIB) {
		struct aml_linux_placement h;

		CHECK_EQ(aml_linux_inspect(buf + off, 2 * MIB, 0, &h), 0);
		CHECK_EQ(aml_bitmap_nset(&h.nodes), 1);
	}
	CHECK_EQ(aml_area_munmap(area, buf, size), 0);
	/* More than the pool holds: AML_ENOMEM, nothing left mapped. */
	aml_errno = 0;
	CHECK(aml_area_mmap(area, (size_t)(read_long(FREE_PATH) + 1) * 2 * MIB,
			    NULL) == NULL);
	CHECK_EQ(aml_errno, AML_ENOMEM);
	{
		char *out = NULL;
		size_t len = 0;
		FILE *f = open_memstream(&out, &len);

		CHECK(f != NULL);
		CHECK_EQ(aml_area_fprintf(f, "", area), AML_SUCCESS);
		fclose(f);
		CHECK(strstr(out, "hugetlb 2048 kB") != NULL);
		free(out);
	}
	aml_area_linux_destroy(&area);
	return 0;
}
