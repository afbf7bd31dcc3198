/* Inspection of any memory: per-page nodes, per-node counts, policy in
 * force, page map, without faulting pages in. */
#include "linux_test.h"

static void test_args(void)
{
	struct aml_linux_placement p;
	int st[1];
	char buf[16];

	CHECK_EQ(aml_linux_npages(NULL, 0), 0);
	CHECK_EQ(aml_linux_npages((void *)1, 1), 1);
	CHECK_EQ(aml_linux_npages((void *)(test_page_size() - 1), 2), 2);
	CHECK_EQ(aml_linux_query_pages(NULL, 1, st, 0), -AML_EINVAL);
	CHECK_EQ(aml_linux_query_pages(buf, 0, st, 0), -AML_EINVAL);
	CHECK_EQ(aml_linux_query_pages(buf, 1, NULL, 0), -AML_EINVAL);
	CHECK_EQ(aml_linux_inspect(buf, 1, 0, NULL), -AML_EINVAL);
	CHECK_EQ(aml_linux_inspect(NULL, 1, 0, &p), -AML_EINVAL);
	CHECK_EQ(aml_linux_page_map(buf, 1, buf, 4), -AML_EINVAL);
	CHECK_EQ(aml_linux_page_map(buf, 1, NULL, 16), -AML_EINVAL);
	CHECK_EQ(aml_linux_placement_fprintf(NULL, "", buf, 1), -AML_EINVAL);
	CHECK(strcmp(aml_linux_policy_name(MPOL_INTERLEAVE), "interleave") ==
	      0);
	CHECK(strcmp(aml_linux_policy_name(6), "weighted-interleave") == 0);
	CHECK(strcmp(aml_linux_policy_name(99), "unknown") == 0);
}

/* Plain mmap memory, half touched: placed and unplaced pages. */
static void test_plain_memory(void)
{
	const size_t psize = test_page_size(), npages = 64;
	struct aml_linux_placement p;
	int status[64], placed = 0;
	char map[80];
	char *buf = mmap(NULL, npages * psize, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	CHECK(buf != MAP_FAILED);
	CHECK_EQ(aml_linux_query_pages(buf, npages * psize, status, 0), 0);
	for (size_t i = 0; i < npages; i++)
		CHECK_EQ(status[i], AML_LINUX_PAGE_UNPLACED);
	for (size_t i = 0; i < npages; i += 2)
		buf[i * psize] = 1;

	CHECK_EQ(aml_linux_query_pages(buf, npages * psize, status, 0), 0);
	for (size_t i = 0; i < npages; i++) {
		if (i % 2 == 0) {
			CHECK(status[i] >= 0);
			placed++;
		} else {
			CHECK_EQ(status[i], AML_LINUX_PAGE_UNPLACED);
		}
	}
	CHECK_EQ(aml_linux_inspect(buf, npages * psize, 0, &p), 0);
	CHECK_EQ(p.page_size, psize);
	CHECK_EQ(p.npages, npages);
	CHECK_EQ(p.unplaced, npages / 2);
	CHECK_EQ(p.errors, 0);
	{
		size_t sum = 0;

		for (int n = 0; n < AML_BITMAP_MAX; n++) {
			sum += p.node_pages[n];
			CHECK_EQ(p.node_pages[n] > 0,
				 aml_bitmap_isset(&p.nodes, (unsigned)n));
		}
		CHECK_EQ(sum, (size_t)placed);
	}
	CHECK_EQ(p.policy, MPOL_DEFAULT);
	CHECK(p.policy_uniform);

	/* The map draws each page: a digit-like node, or '.'. */
	CHECK_EQ(aml_linux_page_map(buf, npages * psize, map, sizeof(map)),
		 (int)npages);
	CHECK_EQ(strlen(map), npages);
	for (size_t i = 0; i < npages; i++) {
		if (i % 2)
			CHECK(map[i] == '.');
		else
			CHECK(map[i] != '.' && map[i] != '!');
	}
	/* Too long for the buffer: truncated, ending with "...". */
	CHECK_EQ(aml_linux_page_map(buf, npages * psize, map, 11), 7);
	CHECK_EQ(strlen(map), 10);
	CHECK(strcmp(map + 7, "...") == 0);

	/* Asking for it populates: nothing left unplaced, data kept. */
	CHECK_EQ(aml_linux_inspect(buf, npages * psize,
				   AML_LINUX_INSPECT_POPULATE, &p),
		 0);
	CHECK_EQ(p.unplaced, 0);
	CHECK_EQ(buf[0], 1);
	CHECK_EQ(buf[psize], 0);
	munmap(buf, npages * psize);

	/* Unmapped memory: no page there, and no policy. */
	CHECK_EQ(aml_linux_query_pages(buf, psize, status, 0), 0);
	CHECK_EQ(status[0], AML_LINUX_PAGE_UNPLACED);
	CHECK_EQ(aml_linux_inspect(buf, psize, 0, &p), 0);
	CHECK_EQ(p.unplaced, 1);
	CHECK_EQ(p.policy, -1);
}

/* Policy in force, and per-node counts, through an area. */
static void test_area_policy(void)
{
	const size_t psize = test_page_size(), npages = 40;
	int nodes[AML_BITMAP_MAX], nn = test_nodes(nodes, AML_BITMAP_MAX);
	struct aml_bitmap mask;
	struct aml_area *area;
	struct aml_linux_placement p;
	char map[64], *buf, *out = NULL;
	size_t outlen = 0;
	FILE *f;

	aml_bitmap_zero(&mask);
	aml_bitmap_set(&mask, (unsigned)nodes[nn - 1]);
	CHECK_EQ(aml_area_linux_create(&area, &mask,
				       AML_AREA_LINUX_POLICY_BIND),
		 0);
	buf = aml_area_mmap(area, npages * psize, NULL);
	CHECK(buf != NULL);
	CHECK_EQ(aml_linux_inspect(buf, npages * psize, 0, &p), 0);
	CHECK_EQ(p.unplaced, npages); /* inspection faults nothing in */
	CHECK_EQ(p.policy, MPOL_BIND);
	CHECK(aml_bitmap_isequal(&p.policy_nodes, &mask));
	memset(buf, 1, npages * psize);
	CHECK_EQ(aml_linux_inspect(buf, npages * psize, 0, &p), 0);
	CHECK_EQ(p.unplaced, 0);
	CHECK_EQ(p.node_pages[nodes[nn - 1]], npages);
	CHECK_EQ(aml_bitmap_nset(&p.nodes), 1);
	CHECK_EQ(aml_area_linux_check_binding(test_data(area), buf,
					      npages * psize),
		 1);
	CHECK_EQ(aml_linux_page_map(buf, npages * psize, map, sizeof(map)),
		 (int)npages);
	for (size_t i = 0; i < npages; i++)
		CHECK(map[i] == "0123456789abcdefghijklmnopqrstuvwxyz"
				"ABCDEFGHIJKLMNOPQRSTUVWXYZ"[nodes[nn - 1] % 62]
		      || nodes[nn - 1] >= 62);

	f = open_memstream(&out, &outlen);
	CHECK(f != NULL);
	CHECK(aml_linux_placement_fprintf(f, "# ", buf, npages * psize) > 0);
	fclose(f);
	CHECK(strstr(out, "# ") == out);
	CHECK(strstr(out, "40 pages") != NULL);
	CHECK(strstr(out, "policy bind over node") != NULL);
	CHECK(strstr(out, "unplaced 0") != NULL);
	free(out);

	/* A page moved off the area's node breaks the binding. */
	if (nn > 1) {
		void *page = buf + 3 * psize;
		int to = nodes[0], st = -1;

		CHECK_EQ(move_pages(0, 1, &page, &to, &st, MPOL_MF_MOVE), 0);
		CHECK_EQ(st, nodes[0]);
		CHECK_EQ(aml_area_linux_check_binding(test_data(area), buf,
						      npages * psize),
			 0);
	}
	CHECK_EQ(aml_area_munmap(area, buf, npages * psize), 0);
	aml_area_linux_destroy(&area);
}

/* check_binding: interleave over every node, in round-robin. */
static void test_interleave_check(void)
{
	const size_t psize = test_page_size(), npages = 96;
	int nodes[AML_BITMAP_MAX], nn = test_nodes(nodes, AML_BITMAP_MAX);
	struct aml_area *area, *bind;
	struct aml_linux_placement p;
	int status[96];
	char *buf;

	CHECK_EQ(aml_area_linux_create(&area, NULL,
				       AML_AREA_LINUX_POLICY_INTERLEAVE),
		 0);
	buf = aml_area_mmap(area, npages * psize, NULL);
	CHECK(buf != NULL);
	memset(buf, 0, npages * psize);
	CHECK_EQ(aml_linux_query_pages(buf, npages * psize, status, 0), 0);
	for (size_t i = 1; i < npages; i++) {
		int prev = 0, cur = 0;

		for (int k = 0; k < nn; k++) {
			prev = status[i - 1] == nodes[k] ? k : prev;
			cur = status[i] == nodes[k] ? k : cur;
		}
		CHECK_EQ(cur, (prev + 1) % nn);
	}
	CHECK_EQ(aml_linux_inspect(buf, npages * psize, 0, &p), 0);
	for (int k = 0; k < nn; k++)
		CHECK(p.node_pages[nodes[k]] >= npages / nn);
	CHECK_EQ(aml_area_linux_check_binding(test_data(area), buf,
					      npages * psize),
		 1);
	/* Seen through a bind area, the policy does not match. */
	CHECK_EQ(aml_area_linux_create(&bind, NULL,
				       AML_AREA_LINUX_POLICY_BIND),
		 0);
	CHECK_EQ(aml_area_linux_check_binding(test_data(bind), buf,
					      npages * psize),
		 0);
	aml_area_linux_destroy(&bind);
	CHECK_EQ(aml_area_linux_check_binding(NULL, buf, 1), -AML_EINVAL);
	CHECK_EQ(aml_area_munmap(area, buf, npages * psize), 0);
	aml_area_linux_destroy(&area);
}

/* A huge range: batched queries, nothing faulted in. */
static void test_large_range(void)
{
	const size_t size = (size_t)1 << 30, psize = test_page_size();
	struct aml_linux_placement *p = malloc(sizeof(*p));
	char *buf = mmap(NULL, size, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

	CHECK(p != NULL && buf != MAP_FAILED);
	/* Base pages only, where THP is "always": exact counts. */
	CHECK_EQ(madvise(buf, size, MADV_NOHUGEPAGE), 0);
	buf[0] = buf[size / 2] = buf[size - 1] = 1;
	CHECK_EQ(aml_linux_inspect(buf, size, 0, p), 0);
	CHECK_EQ(p->npages, size / psize);
	CHECK_EQ(p->unplaced, size / psize - 3);
	CHECK_EQ(p->errors, 0);
	munmap(buf, size);
	free(p);
}

int main(void)
{
	test_args();
	test_plain_memory();
	test_area_policy();
	test_interleave_check();
	test_large_range();
	return 0;
}
