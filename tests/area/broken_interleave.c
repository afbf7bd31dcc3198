/* The interleave checks can fail: a user-written area that claims to
 * interleave but puts every page on the first node is caught both by a
 * strict round-robin check of move_pages(2) and by
 * aml_area_linux_check_binding() with a real interleave area's data, while
 * that real area's buffer passes both. Needs 2 nodes or more: on one node
 * every placement is an interleave. */
#include <aml.h>
#include <aml/area/linux.h>

#include "check.h"

#define NPAGES 300
#define HUGE_SIZE ((size_t)2 << 20)
/* mbind(2) reads maxnode - 1 bits. */
#define MAXNODE (AML_BITMAP_MAX + 1)

static size_t psize;
static int nodes[AML_BITMAP_MAX];
static int nnodes;
static struct aml_bitmap all;

/* The broken area. With `relabel`, once its pages lie on the first node,
 * the range gets the interleave policy a real area would give it (pages
 * stay put), so that only the pages, not the policy, betray it. */
struct broken_data {
	int relabel;
};

/* Options of a broken mapping: where it starts past a 2 MiB boundary. */
struct broken_options {
	size_t offset;
};

/* Map `size` bytes starting `offset` bytes past a 2 MiB boundary. */
static void *map_at_offset(size_t size, size_t offset)
{
	const size_t span = size + offset + HUGE_SIZE;
	char *raw, *start;
	uintptr_t aligned;

	raw = mmap(NULL, span, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (raw == MAP_FAILED)
		return NULL;
	aligned = ((uintptr_t)raw + HUGE_SIZE - 1) & ~(HUGE_SIZE - 1);
	start = (char *)aligned + offset;
	if (start > raw)
		munmap(raw, (size_t)(start - raw));
	munmap(start + size, (size_t)(raw + span - (start + size)));
	return start;
}

static void *broken_mmap(const struct aml_area_data *area_data, size_t size,
			 struct aml_area_mmap_options *opts)
{
	const struct broken_data *data = (const struct broken_data *)area_data;
	const struct broken_options *o = (const struct broken_options *)opts;
	struct aml_bitmap first;
	char *buf;

	buf = map_at_offset(size, o ? o->offset : 0);
	if (buf == NULL) {
		aml_errno = AML_ENOMEM;
		return NULL;
	}
	aml_bitmap_zero(&first);
	aml_bitmap_set(&first, nodes[0]);
	if (mbind(buf, size, MPOL_BIND, first.mask, MAXNODE, 0) != 0)
		goto fail;
	if (!data->relabel)
		return buf;
	memset(buf, 1, size);
	if (mbind(buf, size, MPOL_INTERLEAVE, all.mask, MAXNODE, 0) != 0)
		goto fail;
	return buf;
fail:
	munmap(buf, size);
	aml_errno = AML_FAILURE;
	return NULL;
}

static int broken_munmap(const struct aml_area_data *data, void *ptr,
			 size_t size)
{
	(void)data;
	return munmap(ptr, size) == 0 ? AML_SUCCESS : -AML_EINVAL;
}

static struct aml_area_ops broken_ops = {
	.mmap = broken_mmap,
	.munmap = broken_munmap,
	.fprintf = NULL,
};

static void find_nodes(void)
{
	struct bitmask *allowed = numa_get_mems_allowed();

	CHECK(allowed != NULL);
	aml_bitmap_zero(&all);
	for (int n = 0; n <= numa_max_node() && n < AML_BITMAP_MAX; n++)
		if (numa_bitmask_isbitset(allowed, (unsigned int)n)) {
			nodes[nnodes++] = n;
			aml_bitmap_set(&all, n);
		}
	numa_bitmask_free(allowed);
}

/* Write every page of `buf`; then one move_pages(2) call says whether
 * page i lies on nodes[(i + start) % nnodes] for some start. */
static int strict_round_robin(char *buf)
{
	void *pages[NPAGES];
	int status[NPAGES], start = -1;

	for (int i = 0; i < NPAGES; i++) {
		pages[i] = buf + i * psize;
		memset(pages[i], i, psize);
		status[i] = -1;
	}
	CHECK_EQ(move_pages(0, NPAGES, pages, NULL, status, 0), 0);
	for (int r = 0; r < nnodes; r++)
		if (nodes[r] == status[0])
			start = r;
	if (start < 0)
		return 0;
	for (int i = 0; i < NPAGES; i++)
		if (status[i] != nodes[(start + i) % nnodes])
			return 0;
	return 1;
}

/* A broken buffer, `offset` bytes past a 2 MiB boundary, is caught. */
static void check_broken(struct aml_area_linux_data *real, int relabel,
			 size_t offset)
{
	struct broken_data data = {.relabel = relabel};
	struct aml_area area = {
		.ops = &broken_ops,
		.data = (struct aml_area_data *)&data,
	};
	struct broken_options opts = {.offset = offset};
	const size_t size = NPAGES * psize;
	char *buf;

	buf = aml_area_mmap(&area, size, (struct aml_area_mmap_options *)&opts);
	CHECK(buf != NULL);
	CHECK(!strict_round_robin(buf));
	printf("broken area (relabel %d, offset %zu): check_binding %d\n",
	       relabel, offset, aml_area_linux_check_binding(real, buf, size));
	CHECK_EQ(aml_area_linux_check_binding(real, buf, size), 0);
	CHECK_EQ(aml_area_munmap(&area, buf, size), AML_SUCCESS);
}

int main(void)
{
	struct aml_area_linux_data *data;
	struct aml_area *real;
	char *buf;

	if (numa_available() < 0)
		SKIP("no NUMA support in this kernel");
	psize = (size_t)sysconf(_SC_PAGESIZE);
	find_nodes();
	if (nnodes < 2)
		SKIP("%d node(s): every placement is an interleave", nnodes);
	/* Within one 2 MiB unit, and across a 2 MiB boundary. */
	const size_t offsets[] = {0, 100 * psize, HUGE_SIZE - 150 * psize};

	/* The real interleave area's buffer passes both checks. */
	CHECK_EQ(aml_area_linux_create(&real, NULL,
				       AML_AREA_LINUX_POLICY_INTERLEAVE),
		 AML_SUCCESS);
	data = (struct aml_area_linux_data *)real->data;
	buf = aml_area_mmap(real, NPAGES * psize, NULL);
	CHECK(buf != NULL);
	CHECK(strict_round_robin(buf));
	CHECK_EQ(aml_area_linux_check_binding(data, buf, NPAGES * psize), 1);
	CHECK_EQ(aml_area_munmap(real, buf, NPAGES * psize), AML_SUCCESS);

	for (size_t i = 0; i < sizeof(offsets) / sizeof(*offsets); i++) {
		check_broken(data, 0, offsets[i]);
		check_broken(data, 1, offsets[i]);
	}
	aml_area_linux_destroy(&real);
	return 0;
}
