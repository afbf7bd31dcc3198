/* Migration of existing memory (not AML's) into an area's placement, and
 * to explicit nodes, with counts and per-page status. */
#include "linux_test.h"

#define NPAGES 128

static char *plain_buffer(size_t size)
{
	char *buf = mmap(NULL, size, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	CHECK(buf != MAP_FAILED);
	CHECK_EQ(madvise(buf, size, MADV_NOHUGEPAGE), 0);
	return buf;
}

/* Pages first touched anywhere, then moved to the last node. */
static void test_migrate_bind(void)
{
	const size_t psize = test_page_size(), size = NPAGES * psize;
	int nodes[AML_BITMAP_MAX], nn = test_nodes(nodes, AML_BITMAP_MAX);
	const int target = nodes[nn - 1];
	struct aml_bitmap mask;
	struct aml_area *area;
	int before[NPAGES], status[NPAGES];
	size_t moved = 99, failed = 99, expect_moved = 0;
	char *buf = plain_buffer(size);

	/* Half the pages touched; the others stay unplaced. */
	for (size_t i = 0; i < NPAGES; i += 2)
		buf[i * psize] = (char)i;
	CHECK_EQ(aml_linux_query_pages(buf, size, before, 0), 0);
	for (size_t i = 0; i < NPAGES; i += 2)
		expect_moved += before[i] != target;
	aml_bitmap_zero(&mask);
	aml_bitmap_set(&mask, (unsigned)target);
	CHECK_EQ(aml_area_linux_create(&area, &mask,
				       AML_AREA_LINUX_POLICY_BIND),
		 0);
	CHECK_EQ(aml_area_linux_migrate(area, buf, size, &moved, &failed,
					status),
		 0);
	CHECK_EQ(failed, 0);
	CHECK_EQ(moved, expect_moved);
	for (size_t i = 0; i < NPAGES; i++)
		CHECK_EQ(status[i], i % 2 ? AML_LINUX_PAGE_UNPLACED : target);
	/* Data kept; the policy now places new pages too. */
	for (size_t i = 0; i < NPAGES; i += 2)
		CHECK_EQ(buf[i * psize], (char)i);
	memset(buf, 0, size);
	CHECK_EQ(aml_area_linux_check_binding(test_data(area), buf, size), 1);
	CHECK_EQ(aml_linux_query_pages(buf, size, status, 0), 0);
	for (size_t i = 0; i < NPAGES; i++)
		CHECK_EQ(status[i], target);
	aml_area_linux_destroy(&area);
	munmap(buf, size);
}

/* Pages all on one node, moved to interleave over every node. */
static void test_migrate_interleave(void)
{
	const size_t psize = test_page_size(), size = NPAGES * psize;
	int nodes[AML_BITMAP_MAX], nn = test_nodes(nodes, AML_BITMAP_MAX);
	struct aml_area *area;
	struct aml_linux_placement p;
	size_t moved, failed;
	char *buf = plain_buffer(size);
	int to = nodes[0];

	memset(buf, 1, size);
	CHECK_EQ(aml_linux_move_pages(buf, size, &to, 1, NULL, &failed, NULL),
		 0);
	CHECK_EQ(failed, 0);
	CHECK_EQ(aml_area_linux_create(&area, NULL,
				       AML_AREA_LINUX_POLICY_INTERLEAVE),
		 0);
	CHECK_EQ(aml_area_linux_migrate(area, buf, size, &moved, &failed,
					NULL),
		 0);
	CHECK_EQ(failed, 0);
	CHECK((long)moved >= NPAGES - NPAGES / nn - 1);
	CHECK((long)moved <= NPAGES - NPAGES / nn + 1);
	CHECK_EQ(aml_linux_inspect(buf, size, 0, &p), 0);
	for (int k = 0; k < nn; k++)
		CHECK(p.node_pages[nodes[k]] >= (size_t)(NPAGES / nn));
	CHECK_EQ(aml_area_linux_check_binding(test_data(area), buf, size), 1);
	aml_area_linux_destroy(&area);
	munmap(buf, size);
}

/* Explicit targets: round-robin over the nodes in reverse order. */
static void test_move_pages(void)
{
	const size_t psize = test_page_size(), size = NPAGES * psize;
	int nodes[AML_BITMAP_MAX], nn = test_nodes(nodes, AML_BITMAP_MAX);
	int targets[AML_BITMAP_MAX], status[NPAGES], bad = AML_BITMAP_MAX - 1;
	size_t moved, failed;
	char *buf = plain_buffer(size);

	for (int k = 0; k < nn; k++)
		targets[k] = nodes[nn - 1 - k];
	memset(buf, 1, size - psize); /* the last page stays unplaced */
	CHECK_EQ(aml_linux_move_pages(buf, size, targets, (size_t)nn, &moved,
				      &failed, status),
		 0);
	CHECK_EQ(failed, 0);
	for (size_t i = 0; i < NPAGES - 1; i++)
		CHECK_EQ(status[i], targets[i % (size_t)nn]);
	CHECK_EQ(status[NPAGES - 1], AML_LINUX_PAGE_UNPLACED);
	if (nn == 1)
		CHECK_EQ(moved, 0);
	/* Again: nothing left to move. */
	CHECK_EQ(aml_linux_move_pages(buf, size, targets, (size_t)nn, &moved,
				      &failed, NULL),
		 0);
	CHECK_EQ(moved, 0);
	CHECK_EQ(failed, 0);

	CHECK_EQ(aml_linux_move_pages(buf, size, &bad, 1, NULL, NULL, NULL),
		 -AML_EDOM);
	bad = -1;
	CHECK_EQ(aml_linux_move_pages(buf, size, &bad, 1, NULL, NULL, NULL),
		 -AML_EDOM);
	CHECK_EQ(aml_linux_move_pages(NULL, size, targets, 1, NULL, NULL,
				      NULL),
		 -AML_EINVAL);
	CHECK_EQ(aml_linux_move_pages(buf, size, targets, 0, NULL, NULL,
				      NULL),
		 -AML_EINVAL);
	munmap(buf, size);
}

static void test_errors(void)
{
	const size_t psize = test_page_size();
	struct aml_area custom = {.ops = NULL, .data = NULL};
	struct aml_area *area;
	char *buf = plain_buffer(psize);

	CHECK_EQ(aml_area_linux_migrate(&custom, buf, psize, NULL, NULL,
					NULL),
		 -AML_EINVAL);
	CHECK_EQ(aml_area_linux_migrate(NULL, buf, psize, NULL, NULL, NULL),
		 -AML_EINVAL);
	CHECK_EQ(aml_area_linux_create(&area, NULL, AML_AREA_LINUX_POLICY_BIND),
		 0);
	CHECK_EQ(aml_area_linux_migrate(area, buf, 0, NULL, NULL, NULL),
		 -AML_EINVAL);
	munmap(buf, psize);
	/* Not mapped any more. */
	CHECK_EQ(aml_area_linux_migrate(area, buf, psize, NULL, NULL, NULL),
		 -AML_EINVAL);
	aml_area_linux_destroy(&area);
}

int main(void)
{
	test_migrate_bind();
	test_migrate_interleave();
	test_move_pages();
	test_errors();
	return 0;
}
