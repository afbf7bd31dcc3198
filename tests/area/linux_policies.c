/* Newer kernel policies: preferred-many (5.15+), weighted interleave
 * (6.9+), local. Supported exactly when the running kernel has them;
 * otherwise create says -AML_ENOTSUP. Weighted interleave follows its
 * weights: the system's, or the area's own. */
#include <numaif.h>
#include <unistd.h>

#include "linux_test.h"

#define NPAGES 512
#define WEIGHTS_DIR "/sys/kernel/mm/mempolicy/weighted_interleave"

static struct aml_area *create_or_enotsup(enum aml_area_linux_policy policy,
					  int expected,
					  const struct aml_bitmap *mask)
{
	struct aml_area *area = (struct aml_area *)1;

	CHECK_EQ(aml_area_linux_policy_supported(policy), expected);
	if (!expected) {
		CHECK_EQ(aml_area_linux_create(&area, mask, policy),
			 -AML_ENOTSUP);
		CHECK(area == NULL);
		return NULL;
	}
	CHECK_EQ(aml_area_linux_create(&area, mask, policy), 0);
	return area;
}

/* Populated at mmap: policy in force and placement as the area says. */
static void check_area(struct aml_area *area, int mode)
{
	const size_t size = NPAGES * test_page_size();
	struct aml_area_linux_mmap_options opts = {
		NULL, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE,
		PROT_READ | PROT_WRITE, -1, 0};
	struct aml_linux_placement p;
	char *buf;

	buf = aml_area_mmap(area, size, (struct aml_area_mmap_options *)&opts);
	CHECK(buf != NULL);
	CHECK_EQ(aml_linux_inspect(buf, size, 0, &p), 0);
	CHECK_EQ(p.policy, mode);
	CHECK_EQ(p.unplaced, 0);
	CHECK_EQ(aml_area_linux_check_binding(test_data(area), buf, size), 1);
	CHECK_EQ(aml_area_munmap(area, buf, size), 0);
}

/* Counts per node follow the weights, within one period's slack. */
static void check_weighted_counts(const struct aml_linux_placement *p,
				  const int *nodes, int nn,
				  const unsigned char *w)
{
	size_t total = 0;

	for (int k = 0; k < nn; k++)
		total += w[nodes[k]];
	for (int k = 0; k < nn; k++) {
		const size_t want = p->npages * w[nodes[k]] / total;
		const size_t got = p->node_pages[nodes[k]];

		CHECK(got + w[nodes[k]] >= want);
		CHECK(got <= want + w[nodes[k]]);
	}
}

static void test_weighted_kernel(const struct aml_bitmap *all, int expected)
{
	const size_t size = NPAGES * test_page_size();
	int nodes[AML_BITMAP_MAX], nn = test_nodes(nodes, AML_BITMAP_MAX);
	unsigned char w[AML_BITMAP_MAX];
	struct aml_linux_placement p;
	struct aml_area *area;
	char *buf;
	int found = aml_area_linux_weights(w, AML_BITMAP_MAX);

	CHECK_EQ(aml_area_linux_weights(NULL, 1), -AML_EINVAL);
	area = create_or_enotsup(AML_AREA_LINUX_POLICY_WEIGHTED_INTERLEAVE,
				 expected, all);
	if (area == NULL)
		return;
	CHECK(found >= nn);
	check_area(area, 6);
	buf = aml_area_mmap(area, size, NULL);
	CHECK(buf != NULL);
	/* A transparent huge page lies on one node as a whole: count base
	 * pages. */
	CHECK_EQ(madvise(buf, size, MADV_NOHUGEPAGE), 0);
	memset(buf, 1, size);
	CHECK_EQ(aml_linux_inspect(buf, size, 0, &p), 0);
	check_weighted_counts(&p, nodes, nn, w);
	CHECK_EQ(aml_area_linux_check_binding(test_data(area), buf, size), 1);
	CHECK_EQ(aml_area_munmap(area, buf, size), 0);
	aml_area_linux_destroy(&area);
}

/* Weights of the area's own, one page per unit: exact placement, on any
 * kernel. Node k of the mask gets weight k + 1. */
static void test_weighted_own(const struct aml_bitmap *all)
{
	const size_t psize = test_page_size(), size = NPAGES * psize;
	int nodes[AML_BITMAP_MAX], nn = test_nodes(nodes, AML_BITMAP_MAX);
	unsigned char w[AML_BITMAP_MAX] = {0};
	struct aml_area_linux_attr attr = {.weights = w, .weight_unit = psize};
	struct aml_linux_placement p;
	struct aml_area *area;
	int status[NPAGES], total = 0;
	char *buf;

	for (int k = 0; k < nn; k++) {
		w[nodes[k]] = (unsigned char)(k + 1);
		total += k + 1;
	}
	CHECK_EQ(aml_area_linux_create_attr(
			 &area, all, AML_AREA_LINUX_POLICY_BIND, &attr),
		 -AML_EINVAL);
	attr.weight_unit = psize + 1;
	CHECK_EQ(aml_area_linux_create_attr(
			 &area, all, AML_AREA_LINUX_POLICY_WEIGHTED_INTERLEAVE,
			 &attr),
		 -AML_EINVAL);
	attr.weight_unit = psize;
	w[nodes[0]] = 0;
	CHECK_EQ(aml_area_linux_create_attr(
			 &area, all, AML_AREA_LINUX_POLICY_WEIGHTED_INTERLEAVE,
			 &attr),
		 -AML_EINVAL);
	w[nodes[0]] = 1;
	attr.flags = AML_AREA_LINUX_FLAG_POPULATE;
	CHECK_EQ(aml_area_linux_create_attr(
			 &area, all, AML_AREA_LINUX_POLICY_WEIGHTED_INTERLEAVE,
			 &attr),
		 0);
	buf = aml_area_mmap(area, size, NULL);
	CHECK(buf != NULL);
	CHECK_EQ(aml_linux_query_pages(buf, size, status, 0), 0);
	for (int i = 0; i < NPAGES; i++) {
		int k = 0, t = i % total;

		while (t >= k + 1) {
			t -= k + 1;
			k++;
		}
		CHECK_EQ(status[i], nodes[k]);
	}
	CHECK_EQ(aml_linux_inspect(buf, size, 0, &p), 0);
	check_weighted_counts(&p, nodes, nn, w);
	CHECK_EQ(aml_area_linux_check_binding(test_data(area), buf, size), 1);
	CHECK_EQ(aml_area_munmap(area, buf, size), 0);
	aml_area_linux_destroy(&area);
}

/* Read or write one small sysfs file; 0 on success. */
static int sysfs_io(const char *path, char *buf, size_t len, int write)
{
	FILE *f = fopen(path, write ? "w" : "r");
	int ok;

	if (f == NULL)
		return -1;
	if (write)
		ok = fputs(buf, f) >= 0;
	else
		ok = fgets(buf, (int)len, f) != NULL;
	return (fclose(f) == 0 && ok) ? 0 : -1;
}

/* Node of page i of a pattern of runs of w[nodes[k]] pages, in node
 * order, of period `total`. */
static int weighted_node(const int *nodes, const unsigned char *w,
			 size_t total, size_t i)
{
	size_t t = i % total;
	int k = 0;

	while (t >= w[nodes[k]])
		t -= w[nodes[k++]];
	return nodes[k];
}

/* A populated mapping of the area in base pages, near `hint`. */
static char *map_base_pages(struct aml_area *area, void *hint, size_t size)
{
	struct aml_area_linux_mmap_options opts = {
		hint, MAP_PRIVATE | MAP_ANONYMOUS, PROT_READ | PROT_WRITE, -1,
		0};
	char *buf;

	buf = aml_area_mmap(area, size, (struct aml_area_mmap_options *)&opts);

	CHECK(buf != NULL);
	CHECK_EQ(madvise(buf, size, MADV_NOHUGEPAGE), 0);
	memset(buf, 1, size);
	return buf;
}

/* The phase from which `status` follows the weighted pattern, or
 * SIZE_MAX. */
static size_t weighted_phase(const int *status, const int *nodes,
			     const unsigned char *w, size_t total)
{
	for (size_t ph = 0; ph < total; ph++) {
		int ok = 1;

		for (int i = 0; i < NPAGES && ok; i++)
			ok = status[i] ==
			     weighted_node(nodes, w, total, ph + (size_t)i);
		if (ok)
			return ph;
	}
	return SIZE_MAX;
}

/* The system's weights for real, in a test guest only (the sysfs weights
 * are global): write 3, 1, 2, ... and check page by page, with
 * move_pages, that a weighted-interleave area follows them. */
static void test_weighted_sysfs(const struct aml_bitmap *all)
{
	const size_t psize = test_page_size(), size = NPAGES * psize;
	const unsigned char pick[3] = {3, 1, 2};
	int nodes[AML_BITMAP_MAX], nn = test_nodes(nodes, AML_BITMAP_MAX);
	unsigned char w[AML_BITMAP_MAX] = {0}, got[AML_BITMAP_MAX];
	char saved[AML_BITMAP_MAX][16], autosave[16] = "", path[128];
	void *pages[NPAGES];
	int status[NPAGES], target[NPAGES], count[AML_BITMAP_MAX] = {0};
	size_t total = 0, phase = SIZE_MAX;
	struct aml_area *area;
	char *buf, *other;

	if (!test_kernel_at_least(6, 9) || nn < 2 || geteuid() != 0 ||
	    getenv("AML_VM_TOPOLOGY") == NULL) {
		printf("system weights: not written (needs Linux 6.9+, 2+ "
		       "nodes, root, a test guest)\n");
		return;
	}
	/* Linux 6.16+: weights may follow the firmware's bandwidths ("auto");
	 * writing a node's weight turns that off, restoring turns it on. */
	if (sysfs_io(WEIGHTS_DIR "/auto", autosave, sizeof(autosave), 0))
		autosave[0] = '\0';
	for (int k = 0; k < nn; k++) {
		char v[8];

		w[nodes[k]] = pick[k % 3];
		total += w[nodes[k]];
		snprintf(path, sizeof(path), WEIGHTS_DIR "/node%d", nodes[k]);
		CHECK_EQ(sysfs_io(path, saved[k], sizeof(saved[k]), 0), 0);
		snprintf(v, sizeof(v), "%u\n", w[nodes[k]]);
		CHECK_EQ(sysfs_io(path, v, 0, 1), 0);
	}
	CHECK(aml_area_linux_weights(got, AML_BITMAP_MAX) >= nn);
	for (int k = 0; k < nn; k++)
		CHECK_EQ(got[nodes[k]], w[nodes[k]]);

	CHECK_EQ(aml_area_linux_create(
		     &area, all, AML_AREA_LINUX_POLICY_WEIGHTED_INTERLEAVE),
		 0);
	/* One period holds w[n] pages of node n; the pattern repeats from
	 * one phase, which the kernel takes from the page's index in the
	 * mapping (for anonymous memory, its virtual page number): checked on
	 * a second mapping 64 MiB and one page further too. */
	buf = map_base_pages(area, NULL, size);
	other = map_base_pages(area, buf + (64 << 20) + psize, size);
	for (int i = 0; i < NPAGES; i++)
		pages[i] = other + (size_t)i * psize;
	CHECK_EQ(move_pages(0, NPAGES, pages, NULL, status, 0), 0);
	phase = weighted_phase(status, nodes, w, total);
	printf("system weights: mapping at page %#zx, phase %zu\n",
	       (uintptr_t)other / psize, phase);
	CHECK_EQ(phase, ((uintptr_t)other / psize) % total);
	CHECK_EQ(aml_area_munmap(area, other, size), 0);
	for (int i = 0; i < NPAGES; i++)
		pages[i] = buf + (size_t)i * psize;
	CHECK_EQ(move_pages(0, NPAGES, pages, NULL, status, 0), 0);
	phase = weighted_phase(status, nodes, w, total);
	for (int i = 0; i < (int)total; i++)
		count[status[i]]++;
	printf("system weights:");
	for (int k = 0; k < nn; k++)
		printf(" node%d %u: %d pages of the first %zu", nodes[k],
		       w[nodes[k]], count[nodes[k]], total);
	printf("; mapping at page %#zx, phase %zu\n", (uintptr_t)buf / psize,
	       phase);
	printf("first pages:");
	for (int i = 0; i < 2 * (int)total; i++)
		printf(" %d", status[i]);
	printf("\n");
	CHECK(phase != SIZE_MAX);
	CHECK_EQ(phase, ((uintptr_t)buf / psize) % total);
	for (int k = 0; k < nn; k++)
		CHECK_EQ(count[nodes[k]], w[nodes[k]]);
	CHECK_EQ(aml_area_linux_check_binding(test_data(area), buf, size), 1);

	/* Placed otherwise: one page moved off its run. */
	target[0] = status[0] == nodes[0] ? nodes[1] : nodes[0];
	CHECK_EQ(move_pages(0, 1, pages, target, status, MPOL_MF_MOVE), 0);
	CHECK_EQ(status[0], target[0]);
	CHECK_EQ(aml_area_linux_check_binding(test_data(area), buf, size), 0);
	CHECK_EQ(aml_area_munmap(area, buf, size), 0);

	/* Placed by other weights: all 1, then checked against 3, 1, 2. */
	for (int k = 0; k < nn; k++) {
		snprintf(path, sizeof(path), WEIGHTS_DIR "/node%d", nodes[k]);
		CHECK_EQ(sysfs_io(path, "1\n", 0, 1), 0);
	}
	buf = map_base_pages(area, NULL, size);
	CHECK_EQ(aml_area_linux_check_binding(test_data(area), buf, size), 1);
	for (int k = 0; k < nn; k++) {
		char v[8];

		snprintf(path, sizeof(path), WEIGHTS_DIR "/node%d", nodes[k]);
		snprintf(v, sizeof(v), "%u\n", w[nodes[k]]);
		CHECK_EQ(sysfs_io(path, v, 0, 1), 0);
	}
	CHECK_EQ(aml_area_linux_check_binding(test_data(area), buf, size), 0);
	CHECK_EQ(aml_area_munmap(area, buf, size), 0);
	aml_area_linux_destroy(&area);

	for (int k = 0; k < nn; k++) {
		snprintf(path, sizeof(path), WEIGHTS_DIR "/node%d", nodes[k]);
		CHECK_EQ(sysfs_io(path, saved[k], 0, 1), 0);
	}
	if (autosave[0] != '\0')
		CHECK_EQ(sysfs_io(WEIGHTS_DIR "/auto", autosave, 0, 1), 0);
}

int main(void)
{
	int nodes[AML_BITMAP_MAX], nn = test_nodes(nodes, AML_BITMAP_MAX);
	const int many = test_kernel_at_least(5, 15);
	const int weighted = test_kernel_at_least(6, 9);
	struct aml_bitmap all;
	struct aml_area *area;

	aml_bitmap_zero(&all);
	for (int k = 0; k < nn; k++)
		aml_bitmap_set(&all, (unsigned)nodes[k]);
	CHECK_EQ(aml_area_linux_policy_supported(
			 (enum aml_area_linux_policy)99),
		 -AML_EINVAL);
	for (int pol = 0; pol <= AML_AREA_LINUX_POLICY_INTERLEAVE; pol++)
		CHECK_EQ(aml_area_linux_policy_supported(
				 (enum aml_area_linux_policy)pol),
			 1);

	area = create_or_enotsup(AML_AREA_LINUX_POLICY_PREFERRED_MANY, many,
				 &all);
	if (area != NULL) {
		check_area(area, MPOL_PREFERRED_MANY);
		aml_area_linux_destroy(&area);
	}
	area = create_or_enotsup(AML_AREA_LINUX_POLICY_LOCAL, 1, NULL);
	check_area(area, MPOL_LOCAL);
	aml_area_linux_destroy(&area);

	test_weighted_kernel(&all, weighted);
	test_weighted_own(&all);
	test_weighted_sysfs(&all);
	return 0;
}
