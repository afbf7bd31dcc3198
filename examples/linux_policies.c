/* Newer policies, huge pages, population and explicit moves, each used
 * only where this machine supports it (the others say why they cannot). */
#include <aml.h>
#include <aml/area/linux-inspect.h>
#include <aml/area/linux.h>

#define MIB ((size_t)1 << 20)

/* Map, populate, print where the pages are, unmap. */
static int show(const char *what, struct aml_area *area, size_t size)
{
	struct aml_linux_placement p;
	void *buf = aml_area_mmap(area, size, NULL);

	if (buf == NULL) {
		printf("%-22s mmap: %s\n", what, aml_strerror(aml_errno));
		return 0;
	}
	if (aml_linux_inspect(buf, size, 0, &p) != AML_SUCCESS)
		return 1;
	printf("%-22s %zu pages, policy %s, not placed %zu\n", what,
	       p.npages, aml_linux_policy_name(p.policy), p.unplaced);
	aml_area_munmap(area, buf, size);
	return p.unplaced != 0;
}

static int newer_policies(void)
{
	static const struct {
		const char *name;
		enum aml_area_linux_policy policy;
	} policies[] = {
		{"preferred-many", AML_AREA_LINUX_POLICY_PREFERRED_MANY},
		{"weighted-interleave",
		 AML_AREA_LINUX_POLICY_WEIGHTED_INTERLEAVE},
		{"local", AML_AREA_LINUX_POLICY_LOCAL},
	};
	struct aml_area_linux_attr attr = {
		.flags = AML_AREA_LINUX_FLAG_POPULATE};
	int err = 0;

	for (size_t i = 0; i < sizeof(policies) / sizeof(*policies); i++) {
		struct aml_area *area;
		int ret = aml_area_linux_create_attr(
			&area, NULL, policies[i].policy, &attr);

		if (ret != AML_SUCCESS) {
			printf("%-22s %s (kernel support: %d)\n",
			       policies[i].name, aml_strerror(ret),
			       aml_area_linux_policy_supported(
				       policies[i].policy));
			continue;
		}
		err |= show(policies[i].name, area, 4 * MIB);
		aml_area_linux_destroy(&area);
	}
	return err;
}

/* The system's weights, and weights of an area's own: 3 units of 64 KiB
 * on the first node for each unit on the others. */
static int weights(void)
{
	unsigned char w[AML_BITMAP_MAX] = {0};
	struct aml_area_linux_attr attr = {
		.flags = AML_AREA_LINUX_FLAG_POPULATE,
		.weights = w,
		.weight_unit = 64 * 1024};
	struct aml_bitmap allowed;
	struct aml_area *area;
	int n = aml_area_linux_weights(w, AML_BITMAP_MAX), err;

	printf("system weights: %s", n < 0 ? aml_strerror(n) : "");
	for (int i = 0; n > 0 && i < AML_BITMAP_MAX; i++)
		if (w[i])
			printf("node %d: %u ", i, w[i]);
	printf("\n");

	aml_bitmap_zero(&allowed);
	get_mempolicy(NULL, allowed.mask, AML_BITMAP_MAX + 1, NULL,
		      MPOL_F_MEMS_ALLOWED);
	for (int i = 0; i < AML_BITMAP_MAX; i++)
		w[i] = aml_bitmap_isset(&allowed, (unsigned)i) == 1 ? 1 : 0;
	w[aml_bitmap_first(&allowed)] = 3;
	err = aml_area_linux_create_attr(
		&area, &allowed, AML_AREA_LINUX_POLICY_WEIGHTED_INTERLEAVE,
		&attr);
	if (err != AML_SUCCESS)
		return 1;
	aml_area_fprintf(stdout, "", area);
	err = show("own weights", area, 4 * MIB);
	aml_area_linux_destroy(&area);
	return err;
}

/* Free 2 MiB hugetlbfs pages in the system's pool; -1 if the system has
 * no such page size. */
static long free_huge_pages(void)
{
	FILE *f = fopen(
		"/sys/kernel/mm/hugepages/hugepages-2048kB/free_hugepages", "r");
	long n = -1;

	if (f == NULL)
		return -1;
	if (fscanf(f, "%ld", &n) != 1)
		n = -1;
	fclose(f);
	return n;
}

static int huge_pages(void)
{
	struct aml_area_linux_attr thp = {
		.flags = AML_AREA_LINUX_FLAG_THP |
			 AML_AREA_LINUX_FLAG_POPULATE};
	struct aml_area_linux_attr tlb = {
		.flags = AML_AREA_LINUX_FLAG_HUGETLB |
			 AML_AREA_LINUX_FLAG_POPULATE,
		.hugetlb_page_size = 2 * MIB};
	const long nfree = free_huge_pages();
	struct aml_area *area;
	int ret, err = 0;

	ret = aml_area_linux_create_attr(
		&area, NULL, AML_AREA_LINUX_POLICY_INTERLEAVE, &thp);
	if (ret == AML_SUCCESS) {
		err |= show("transparent huge", area, 8 * MIB);
		aml_area_linux_destroy(&area);
	} else {
		printf("%-22s %s\n", "transparent huge", aml_strerror(ret));
	}
	/* hugetlbfs pages come only from a pool the administrator reserves
	 * (/proc/sys/vm/nr_hugepages); without one, mmap would say "not
	 * enough memory", which is no failure of the area. */
	if (nfree == 0 || nfree == 1) {
		printf("%-22s not tried: %s 2 MiB huge pages reserved on this "
		       "system, 2 needed (their number is set in "
		       "/proc/sys/vm/nr_hugepages)\n",
		       "hugetlbfs 2 MiB",
		       nfree == 0 ? "no" : "only 1 free of the");
		return err;
	}
	ret = aml_area_linux_create_attr(&area, NULL,
					 AML_AREA_LINUX_POLICY_BIND, &tlb);
	if (ret == AML_SUCCESS) {
		err |= show("hugetlbfs 2 MiB", area, 4 * MIB);
		aml_area_linux_destroy(&area);
	} else {
		printf("%-22s %s\n", "hugetlbfs 2 MiB", aml_strerror(ret));
	}
	return err;
}

/* Memory from malloc: populate it, then move its pages explicitly. */
static int plain_memory(void)
{
	const size_t size = MIB;
	size_t npages, moved, failed;
	int *status, node, err;
	/* calloc: GCC takes a const pointer argument for a read of the memory. */
	char *buf = calloc(1, size);

	if (buf == NULL)
		return 1;
	npages = aml_linux_npages(buf, size);
	status = malloc(npages * sizeof(*status));
	err = status == NULL || aml_linux_populate(buf, size, 1, 0) != 0 ||
	      aml_linux_query_pages(buf, size, status, 0) != 0;
	if (!err) {
		node = status[0] < 0 ? 0 : status[0];
		err = aml_linux_move_pages(buf, size, &node, 1, &moved,
					   &failed, NULL) != 0;
		printf("malloc: %zu pages, moved %zu to node %d, %zu failed\n",
		       npages, moved, node, failed);
	}
	free(status);
	free(buf);
	return err;
}

int main(void)
{
	int err = newer_policies();

	err |= weights();
	err |= huge_pages();
	err |= plain_memory();
	return err;
}
