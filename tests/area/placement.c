/* CTest labels: unprivileged */
/* Real page placement of Linux areas, on however many nodes there are
 * (tests/vm runs it on 2, 3 and 4 nodes): after writing every page, one
 * move_pages(2) call says where each page lies, independently of the
 * library's own checker, which must agree. Cases needing more nodes than
 * present are left out. */
#include <aml.h>
#include <aml/area/linux.h>

#include "check.h"

#define NPAGES 300

static size_t psize;
/* The nodes this process may allocate on, ascending. */
static int nodes[AML_BITMAP_MAX];
static int nnodes;

struct placed {
	struct aml_area *area;
	char *buf;
	int status[NPAGES];
};

static void find_nodes(void)
{
	struct bitmask *allowed = numa_get_mems_allowed();

	CHECK(allowed != NULL);
	for (int n = 0; n <= numa_max_node() && n < AML_BITMAP_MAX; n++)
		if (numa_bitmask_isbitset(allowed, (unsigned int)n))
			nodes[nnodes++] = n;
	numa_bitmask_free(allowed);
	CHECK(nnodes > 0);
}

/* One line per case: pages per node, then where the first pages lie. */
static void print_placement(const char *what, const struct aml_bitmap *mask,
			    const int *status)
{
	char *s = aml_bitmap_to_string(mask);

	printf("%s %s: pages per node", what, s ? s : "?");
	for (int k = 0; k < nnodes; k++) {
		int count = 0;

		for (int i = 0; i < NPAGES; i++)
			count += status[i] == nodes[k];
		printf(" %d:%d", nodes[k], count);
	}
	printf(", first pages");
	for (int i = 0; i < 12; i++)
		printf(" %d", status[i]);
	printf("\n");
	fflush(stdout);
	free(s);
}

/* The whole placement, before a check fails. */
static void dump_placement(const int *status)
{
	fprintf(stderr, "placement:");
	for (int i = 0; i < NPAGES; i++)
		fprintf(stderr, " %d", status[i]);
	fprintf(stderr, "\n");
}

/* Map NPAGES through a new area, write every page, and ask the kernel,
 * in one call, where each page lies. */
static void place(struct placed *p, const struct aml_bitmap *mask,
		  enum aml_area_linux_policy policy)
{
	void *pages[NPAGES];

	CHECK_EQ(aml_area_linux_create(&p->area, mask, policy), AML_SUCCESS);
	p->buf = aml_area_mmap(p->area, NPAGES * psize, NULL);
	CHECK(p->buf != NULL);
	/* The round-robin below is per base page: no transparent huge page. */
	CHECK_EQ(madvise(p->buf, NPAGES * psize, MADV_NOHUGEPAGE), 0);
	for (int i = 0; i < NPAGES; i++) {
		pages[i] = p->buf + i * psize;
		memset(pages[i], i, psize);
	}
	for (int i = 0; i < NPAGES; i++)
		p->status[i] = -1;
	CHECK_EQ(move_pages(0, NPAGES, pages, NULL, p->status, 0), 0);
}

/* The library's checker agrees, then release. */
static void release(struct placed *p)
{
	struct aml_area_linux_data *data =
		(struct aml_area_linux_data *)p->area->data;

	CHECK_EQ(aml_area_linux_check_binding(data, p->buf, NPAGES * psize), 1);
	CHECK_EQ(aml_area_munmap(p->area, p->buf, NPAGES * psize),
		 AML_SUCCESS);
	aml_area_linux_destroy(&p->area);
	CHECK(p->area == NULL);
}

static int all_on(const int *status, const struct aml_bitmap *mask)
{
	for (int i = 0; i < NPAGES; i++)
		if (status[i] < 0 || aml_bitmap_isset(mask, status[i]) != 1)
			return 0;
	return 1;
}

/* Page i on the mask's (i + start) % n-th node, for some start. */
static int round_robin(const int *status, int count,
		       const struct aml_bitmap *mask)
{
	int order[AML_BITMAP_MAX], n = 0, start = -1;

	for (int i = 0; i < AML_BITMAP_MAX; i++)
		if (aml_bitmap_isset(mask, i) == 1)
			order[n++] = i;
	for (int r = 0; r < n; r++)
		if (order[r] == status[0])
			start = r;
	if (start < 0)
		return 0;
	for (int i = 0; i < count; i++)
		if (status[i] != order[(start + i) % n])
			return 0;
	return 1;
}

static void check_bind(const struct aml_bitmap *mask)
{
	struct placed p;

	place(&p, mask, AML_AREA_LINUX_POLICY_BIND);
	print_placement("bind", mask, p.status);
	if (!all_on(p.status, mask))
		dump_placement(p.status);
	CHECK(all_on(p.status, mask));
	release(&p);
}

static void check_preferred(int node)
{
	struct aml_bitmap mask;
	struct placed p;

	aml_bitmap_zero(&mask);
	aml_bitmap_set(&mask, node);
	place(&p, &mask, AML_AREA_LINUX_POLICY_PREFERRED);
	print_placement("preferred", &mask, p.status);
	if (!all_on(p.status, &mask))
		dump_placement(p.status);
	CHECK(all_on(p.status, &mask));
	release(&p);
}

static void check_interleave(const struct aml_bitmap *mask)
{
	struct placed p;

	place(&p, mask, AML_AREA_LINUX_POLICY_INTERLEAVE);
	print_placement("interleave", mask, p.status);
	if (!round_robin(p.status, NPAGES, mask))
		dump_placement(p.status);
	CHECK(round_robin(p.status, NPAGES, mask));
	release(&p);
}

/* Transparent huge pages are interleaved whole, 2 MiB unit by unit: each
 * unit on the next node, which the checker must accept. Where the kernel
 * gives no huge page, the base pages go round-robin. */
#define HUGE_SIZE ((size_t)2 << 20)
#define HUGE_UNITS 4
#define HUGE_UPP 512 /* base pages per unit, for 4 KiB pages */

static void check_interleave_huge(const struct aml_bitmap *mask)
{
	const size_t size = (HUGE_UNITS + 1) * HUGE_SIZE;
	static int status[HUGE_UNITS * HUGE_UPP];
	int unit_node[HUGE_UNITS], huge = 0;
	void *pages[HUGE_UNITS * HUGE_UPP];
	struct aml_area *area;
	char *buf, *first;

	if (psize * HUGE_UPP != HUGE_SIZE)
		return;
	CHECK_EQ(aml_area_linux_create(&area, mask,
				       AML_AREA_LINUX_POLICY_INTERLEAVE),
		 AML_SUCCESS);
	buf = aml_area_mmap(area, size, NULL);
	CHECK(buf != NULL);
	first = (char *)(((uintptr_t)buf + HUGE_SIZE - 1) & ~(HUGE_SIZE - 1));
	madvise(first, HUGE_UNITS * HUGE_SIZE, MADV_HUGEPAGE);
	memset(buf, 1, size);
	for (int i = 0; i < HUGE_UNITS * HUGE_UPP; i++) {
		pages[i] = first + i * psize;
		status[i] = -1;
	}
	CHECK_EQ(move_pages(0, HUGE_UNITS * HUGE_UPP, pages, NULL, status, 0),
		 0);
	for (int u = 0; u < HUGE_UNITS; u++) {
		unit_node[u] = status[u * HUGE_UPP];
		for (int i = 0; i < HUGE_UPP; i++)
			if (status[u * HUGE_UPP + i] != unit_node[u])
				unit_node[u] = -1;
		huge += unit_node[u] >= 0;
	}
	printf("interleave %d MiB: %d of %d aligned 2 MiB units on one node:",
	       (int)(size >> 20), huge, HUGE_UNITS);
	for (int u = 0; u < HUGE_UNITS; u++)
		printf(" %d", unit_node[u]);
	printf("\n");
	/* Some units huge, some not (memory was short): the checker alone. */
	if (huge == HUGE_UNITS)
		CHECK(round_robin(unit_node, HUGE_UNITS, mask));
	else if (huge == 0)
		CHECK(round_robin(status, HUGE_UNITS * HUGE_UPP, mask));
	CHECK_EQ(aml_area_linux_check_binding(
			 (struct aml_area_linux_data *)area->data, buf, size),
		 1);
	CHECK_EQ(aml_area_munmap(area, buf, size), AML_SUCCESS);
	aml_area_linux_destroy(&area);
}

static void mask_of(struct aml_bitmap *mask, int a, int b)
{
	aml_bitmap_zero(mask);
	aml_bitmap_set(mask, a);
	if (b >= 0)
		aml_bitmap_set(mask, b);
}

/* A node the machine lacks cannot be named, alone or with others. */
static void check_missing_node(void)
{
	const int missing = numa_max_node() + 1;
	/* Not NULL: creation must set it to NULL on failure. */
	struct aml_area *area = (struct aml_area *)&area;
	struct aml_bitmap mask;

	if (missing >= AML_BITMAP_MAX)
		return;
	mask_of(&mask, missing, -1);
	CHECK_EQ(aml_area_linux_create(&area, &mask,
				       AML_AREA_LINUX_POLICY_BIND),
		 -AML_EDOM);
	CHECK(area == NULL);
	mask_of(&mask, nodes[0], missing);
	CHECK_EQ(aml_area_linux_create(&area, &mask,
				       AML_AREA_LINUX_POLICY_INTERLEAVE),
		 -AML_EDOM);
	CHECK(area == NULL);
}

/* The checker can fail: a buffer bound to one node is not bound to another. */
static void check_checker_rejects(void)
{
	struct aml_bitmap mask;
	struct aml_area *other;
	struct placed p;

	if (nnodes < 2)
		return;
	mask_of(&mask, nodes[0], -1);
	place(&p, &mask, AML_AREA_LINUX_POLICY_BIND);
	mask_of(&mask, nodes[1], -1);
	CHECK_EQ(aml_area_linux_create(&other, &mask,
				       AML_AREA_LINUX_POLICY_BIND),
		 AML_SUCCESS);
	CHECK_EQ(aml_area_linux_check_binding(
			 (struct aml_area_linux_data *)other->data, p.buf,
			 NPAGES * psize),
		 0);
	aml_area_linux_destroy(&other);
	release(&p);
}

int main(void)
{
	struct aml_bitmap mask, all;

	if (numa_available() < 0)
		SKIP("no NUMA support in this kernel");
	psize = (size_t)sysconf(_SC_PAGESIZE);
	find_nodes();
	printf("%d node(s), topology %s\n", nnodes,
	       getenv("AML_VM_TOPOLOGY") ? getenv("AML_VM_TOPOLOGY") : "host");

	aml_bitmap_zero(&all);
	for (int i = 0; i < nnodes; i++) {
		aml_bitmap_set(&all, nodes[i]);
		mask_of(&mask, nodes[i], -1);
		check_bind(&mask);
		check_preferred(nodes[i]);
		for (int j = i + 1; j < nnodes; j++) {
			mask_of(&mask, nodes[i], nodes[j]);
			check_bind(&mask);
			check_interleave(&mask);
		}
	}
	check_bind(&all);
	check_interleave(&all);
	check_interleave_huge(&all);
	check_missing_node();
	check_checker_rejects();
	return 0;
}
