/* CTest labels: threads */
/* Population after binding: MAP_POPULATE in the options and the area flag
 * return memory whose every page is already placed by the policy, before
 * any write. Run with AML_LINUX_POPULATE=touch by linux_populate_touch.c
 * for the threaded fallback. */
#include <time.h>

#include "linux_test.h"

#define NPAGES 256
/* Large enough that population splits it among threads (8 MiB each). */
#define BIG ((size_t)32 << 20)

/* Every page present, policy in force, placement as the area says. */
static void check_populated(struct aml_area *area, char *buf, size_t size)
{
	struct aml_linux_placement p;

	CHECK(buf != NULL);
	CHECK_EQ(aml_linux_inspect(buf, size, 0, &p), 0);
	CHECK_EQ(p.unplaced, 0);
	CHECK_EQ(p.errors, 0);
	CHECK_EQ(aml_area_linux_check_binding(test_data(area), buf, size), 1);
}

static void test_policy(enum aml_area_linux_policy policy,
			const struct aml_bitmap *mask)
{
	const size_t size = NPAGES * test_page_size();
	struct aml_area_linux_mmap_options opts = {
		.ptr = NULL,
		.flags = MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE,
		.mode = PROT_READ | PROT_WRITE,
		.fd = -1,
		.offset = 0,
	};
	struct aml_area_linux_attr attr = {
		.flags = AML_AREA_LINUX_FLAG_POPULATE};
	struct aml_area *area;
	char *buf;

	if (aml_area_linux_policy_supported(policy) != 1)
		return; /* linux_policies.c checks the error */
	CHECK_EQ(aml_area_linux_create(&area, mask, policy), 0);
	buf = aml_area_mmap(area, size,
			    (struct aml_area_mmap_options *)&opts);
	check_populated(area, buf, size);
	CHECK_EQ(buf[0], 0);
	CHECK_EQ(aml_area_munmap(area, buf, size), 0);
	aml_area_linux_destroy(&area);

	/* The same through the area's flag, without options. */
	CHECK_EQ(aml_area_linux_create_attr(&area, mask, policy, &attr), 0);
	buf = aml_area_mmap(area, size, NULL);
	check_populated(area, buf, size);
	CHECK_EQ(aml_area_munmap(area, buf, size), 0);
	aml_area_linux_destroy(&area);
}

/* Interleave over every node: populated pages already spread evenly. */
static void test_interleave_spread(void)
{
	const size_t size = NPAGES * test_page_size();
	int nodes[AML_BITMAP_MAX], nn = test_nodes(nodes, AML_BITMAP_MAX);
	struct aml_area_linux_attr attr = {
		.flags = AML_AREA_LINUX_FLAG_POPULATE};
	struct aml_linux_placement p;
	struct aml_area *area;
	char *buf;

	CHECK_EQ(aml_area_linux_create_attr(&area, NULL,
					    AML_AREA_LINUX_POLICY_INTERLEAVE,
					    &attr),
		 0);
	buf = aml_area_mmap(area, size, NULL);
	CHECK(buf != NULL);
	CHECK_EQ(aml_linux_inspect(buf, size, 0, &p), 0);
	CHECK_EQ(p.unplaced, 0);
	CHECK_EQ(p.policy, MPOL_INTERLEAVE);
	for (int k = 0; k < nn; k++) {
		CHECK(p.node_pages[nodes[k]] >= (size_t)(NPAGES / nn));
		CHECK(p.node_pages[nodes[k]] <= (size_t)(NPAGES / nn + 1));
	}
	CHECK_EQ(aml_area_linux_check_binding(test_data(area), buf, size), 1);
	CHECK_EQ(aml_area_munmap(area, buf, size), 0);
	aml_area_linux_destroy(&area);
}

/* Populating keeps data, and read-only and shared mappings work. */
static void test_populate_function(void)
{
	/* Enough pages for several threads in the fallback. */
	const size_t psize = test_page_size(), size = 8 * NPAGES * psize;
	struct aml_linux_placement p;
	char *buf = mmap(NULL, size, PROT_READ | PROT_WRITE,
			 MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	CHECK(buf != MAP_FAILED);
	buf[5 * psize] = 42;
	CHECK_EQ(aml_linux_populate(buf, size, 1, 3), 0);
	CHECK_EQ(buf[5 * psize], 42);
	CHECK_EQ(buf[6 * psize], 0);
	CHECK_EQ(aml_linux_inspect(buf, size, 0, &p), 0);
	CHECK_EQ(p.unplaced, 0);
	CHECK_EQ(mprotect(buf, size, PROT_READ), 0);
	CHECK_EQ(aml_linux_populate(buf + 1, size - 1, 0, 0), 0);
	CHECK_EQ(aml_linux_populate(NULL, size, 1, 0), -AML_EINVAL);
	CHECK_EQ(aml_linux_populate(buf, 0, 1, 0), -AML_EINVAL);
	munmap(buf, size);
}

/* A read-only area mapping with MAP_POPULATE: populated for reading. */
static void test_read_only(void)
{
	const size_t size = NPAGES * test_page_size();
	struct aml_area_linux_mmap_options opts = {
		.ptr = NULL,
		.flags = MAP_SHARED | MAP_ANONYMOUS | MAP_POPULATE,
		.mode = PROT_READ,
		.fd = -1,
		.offset = 0,
	};
	struct aml_area *area;
	struct aml_linux_placement p;
	char *buf;

	CHECK_EQ(aml_area_linux_create(&area, NULL,
				       AML_AREA_LINUX_POLICY_BIND),
		 0);
	buf = aml_area_mmap(area, size, (struct aml_area_mmap_options *)&opts);
	CHECK(buf != NULL);
	/* Shared anonymous memory has real pages even when only read. */
	CHECK_EQ(aml_linux_inspect(buf, size, 0, &p), 0);
	CHECK_EQ(p.unplaced, 0);
	CHECK_EQ(aml_area_linux_check_binding(test_data(area), buf, size), 1);
	CHECK_EQ(aml_area_munmap(area, buf, size), 0);
	aml_area_linux_destroy(&area);
}

/* Threads population starts, explicit and automatic, place every page by
 * the policy: interleave in strict round robin, bind on its node. */
static void test_parallel(enum aml_area_linux_policy policy,
			  const struct aml_bitmap *mask)
{
	struct aml_area_linux_attr attr = {
		.flags = AML_AREA_LINUX_FLAG_POPULATE};
	const unsigned int counts[] = {4, 0};
	struct aml_area *area;
	char *buf;

	CHECK_EQ(aml_area_linux_create(&area, mask, policy), 0);
	for (size_t i = 0; i < sizeof(counts) / sizeof(counts[0]); i++) {
		buf = aml_area_mmap(area, BIG, NULL);
		CHECK(buf != NULL);
		CHECK_EQ(aml_linux_populate(buf, BIG, 1, counts[i]), 0);
		check_populated(area, buf, BIG);
		CHECK_EQ(aml_area_munmap(area, buf, BIG), 0);
	}
	aml_area_linux_destroy(&area);

	/* The area's own population, automatic then with 3 threads. */
	for (attr.populate_threads = 0; attr.populate_threads <= 3;
	     attr.populate_threads += 3) {
		CHECK_EQ(aml_area_linux_create_attr(&area, mask, policy,
						    &attr),
			 0);
		buf = aml_area_mmap(area, BIG, NULL);
		check_populated(area, buf, BIG);
		CHECK_EQ(aml_area_munmap(area, buf, BIG), 0);
		aml_area_linux_destroy(&area);
	}
}

/* The byte every page `i` of test_keeps_data holds: 0 in pages never
 * written. */
static char page_byte(size_t i)
{
	return i % 3 == 0 ? (char)(i % 251 + 1) : 0;
}

/* Populating memory already written, in parallel, changes no byte. */
static void test_keeps_data(void)
{
	const size_t psize = test_page_size(), npages = BIG / psize;
	const unsigned int counts[] = {4, 0, 1};
	struct aml_linux_placement p;
	char *buf = mmap(NULL, BIG, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	CHECK(buf != MAP_FAILED);
	for (size_t i = 0; i < npages; i += 3)
		memset(buf + i * psize, page_byte(i), psize);
	for (size_t c = 0; c < sizeof(counts) / sizeof(counts[0]); c++) {
		CHECK_EQ(aml_linux_populate(buf, BIG, 1, counts[c]), 0);
		for (size_t i = 0; i < npages; i++) {
			const char *page = buf + i * psize;

			CHECK_EQ(page[0], page_byte(i));
			CHECK(memcmp(page, page + 1, psize - 1) == 0);
		}
	}
	CHECK_EQ(aml_linux_inspect(buf, BIG, 0, &p), 0);
	CHECK_EQ(p.unplaced, 0);
	munmap(buf, BIG);
}

/* Threads of this process, from /proc/self/status. */
static long thread_count(void)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	long n = -1;

	CHECK(f != NULL);
	while (fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "Threads: %ld", &n) == 1)
			break;
	fclose(f);
	CHECK(n > 0);
	return n;
}

/* Whether the process is back to `n` threads within a second: a joined
 * thread may still be counted while the kernel finishes its exit. */
static int threads_back_to(long n)
{
	const struct timespec ms = {0, 1000000};

	for (int i = 0; i < 1000; i++) {
		if (thread_count() == n)
			return 1;
		nanosleep(&ms, NULL);
	}
	return 0;
}

/* A failure in any piece is reported, and every thread is gone after.
 * Only madvise(2) reports errors: a touch would fault. */
static void test_errors(void)
{
	const size_t hole = (size_t)2 << 20;
	const long threads = thread_count();
	char *buf;

	if (getenv("AML_LINUX_POPULATE") != NULL ||
	    !test_kernel_at_least(5, 14))
		return;
	buf = mmap(NULL, BIG, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(buf != MAP_FAILED);
	/* The last piece is read-only: the kernel will not populate it
	 * for writing (EINVAL). */
	CHECK_EQ(mprotect(buf + BIG - hole, hole, PROT_READ), 0);
	for (unsigned int n = 0; n <= 4; n += 4) {
		CHECK_EQ(aml_linux_populate(buf, BIG, 1, n), -AML_EINVAL);
		CHECK(threads_back_to(threads));
	}
	/* Reading it is fine. */
	CHECK_EQ(aml_linux_populate(buf, BIG, 0, 4), 0);
	/* A hole in the middle: not mapped. */
	CHECK_EQ(munmap(buf + BIG / 2, hole), 0);
	CHECK_EQ(aml_linux_populate(buf, BIG - hole, 0, 4), -AML_ENOMEM);
	CHECK(threads_back_to(threads));
	munmap(buf, BIG);
}

int main(void)
{
	int nodes[AML_BITMAP_MAX], nn = test_nodes(nodes, AML_BITMAP_MAX);
	struct aml_bitmap last, all;

	aml_bitmap_zero(&last);
	aml_bitmap_set(&last, (unsigned)nodes[nn - 1]);
	aml_bitmap_zero(&all);
	for (int k = 0; k < nn; k++)
		aml_bitmap_set(&all, (unsigned)nodes[k]);
	for (int pol = 0; pol <= AML_AREA_LINUX_POLICY_LOCAL; pol++) {
		test_policy((enum aml_area_linux_policy)pol, &last);
		test_policy((enum aml_area_linux_policy)pol, &all);
	}
	test_interleave_spread();
	test_parallel(AML_AREA_LINUX_POLICY_INTERLEAVE, &all);
	test_parallel(AML_AREA_LINUX_POLICY_BIND, &last);
	test_keeps_data();
	test_errors();
	test_populate_function();
	test_read_only();
	return 0;
}
