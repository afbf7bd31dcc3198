/* CTest labels: threads unprivileged */
/* Page inspection reads /proc/self/pagemap where it can: its answers must
 * be those of move_pages(2), page by page, whatever the memory. Buffers of
 * every policy, with pages written, only read (the zero page) and never
 * touched, shared memory, transparent huge pages (written, and only read:
 * the huge zero page), a range large enough for two threads, and pages
 * shared with a parent after fork(2). The same again with
 * AML_LINUX_INSPECT=move_pages. */
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/wait.h>

#include "linux_test.h"

#define MIB ((size_t)1 << 20)
#define HUGE_SIZE (2 * MIB)

static int nodes[AML_BITMAP_MAX];
static int nnodes;

/* The status of each page straight from move_pages(2). */
static void raw_query(const char *buf, size_t npages, int *status)
{
	const size_t psize = test_page_size();

	for (size_t done = 0; done < npages;) {
		void *pages[1024];
		size_t n = 0;

		for (; done + n < npages && n < 1024; n++)
			pages[n] = (void *)(buf + (done + n) * psize);
		CHECK(move_pages(0, (unsigned long)n, pages, NULL,
				 status + done, 0) == 0);
		for (size_t i = 0; i < n; i++)
			if (status[done + i] == -EFAULT)
				status[done + i] = -ENOENT;
		done += n;
	}
}

/* AML agrees with move_pages(2) on every page; returns the pages placed. */
static size_t compare(const char *what, const char *buf, size_t size)
{
	const size_t npages = size / test_page_size();
	int *fast = malloc(npages * sizeof(int));
	int *raw = malloc(npages * sizeof(int));
	size_t placed = 0, wrong = 0;

	CHECK(fast != NULL && raw != NULL);
	CHECK_EQ(aml_linux_query_pages(buf, size, fast, 0), AML_SUCCESS);
	raw_query(buf, npages, raw);
	for (size_t i = 0; i < npages; i++) {
		if (fast[i] != raw[i] && wrong++ == 0)
			fprintf(stderr, "%s: page %zu: aml %d, move_pages %d\n",
				what, i, fast[i], raw[i]);
		placed += raw[i] >= 0;
	}
	CHECK_EQ(wrong, 0);
	free(fast);
	free(raw);
	return placed;
}

static char *map_aligned(size_t size, int flags, int fd)
{
	char *p = mmap(NULL, size + HUGE_SIZE, PROT_READ | PROT_WRITE, flags,
		       fd, 0);
	uintptr_t a;

	CHECK(p != MAP_FAILED);
	a = ((uintptr_t)p + HUGE_SIZE - 1) & ~(uintptr_t)(HUGE_SIZE - 1);
	return (char *)a;
}

static void set_policy(char *buf, size_t size, int mode, int first, int n)
{
	struct aml_bitmap mask;

	aml_bitmap_zero(&mask);
	for (int i = first; i < first + n; i++)
		aml_bitmap_set(&mask, (unsigned int)nodes[i]);
	CHECK(mbind(buf, size, mode, mode == MPOL_DEFAULT ? NULL : mask.mask,
		    mode == MPOL_DEFAULT ? 0 : AML_BITMAP_MAX + 1, 0) == 0);
}

/* Page i: written if i % 4 < 2, read if i % 4 == 2, else untouched; the
 * last quarter all written, for chunks without a hole. */
static void touch_mixed(char *buf, size_t size)
{
	const size_t psize = test_page_size(), npages = size / psize;
	volatile char sink = 0;

	for (size_t i = 0; i < npages; i++) {
		if (i >= npages - npages / 4 || i % 4 < 2)
			buf[i * psize] = 1;
		else if (i % 4 == 2)
			sink += buf[i * psize];
	}
	(void)sink;
}

static void test_policies(void)
{
	const size_t size = 4 * MIB;

	for (int mode = MPOL_DEFAULT; mode <= MPOL_INTERLEAVE; mode++) {
		/* Bind and preferred: each node in turn. */
		const int each = mode == MPOL_BIND || mode == MPOL_PREFERRED;

		for (int k = 0; k < (each ? nnodes : 1); k++) {
			const int flags = MAP_PRIVATE | MAP_ANONYMOUS;
			char *buf = map_aligned(size, flags, -1);
			char what[64];

			snprintf(what, sizeof(what), "mode %d node %d", mode,
				 each ? nodes[k] : -1);
			set_policy(buf, size, mode, each ? k : 0,
				   each ? 1 : nnodes);
			CHECK_EQ(compare(what, buf, size), 0);
			touch_mixed(buf, size);
			CHECK(compare(what, buf, size) > 0);
		}
	}
}

static void test_shared_memfd(void)
{
	const size_t size = 4 * MIB;
	int fd = memfd_create("aml-inspect", 0);
	char *buf;

	CHECK(fd >= 0);
	CHECK(ftruncate(fd, (off_t)size) == 0);
	buf = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	CHECK(buf != MAP_FAILED);
	set_policy(buf, size, MPOL_INTERLEAVE, 0, nnodes);
	CHECK_EQ(compare("memfd untouched", buf, size), 0);
	touch_mixed(buf, size);
	CHECK(compare("memfd", buf, size) > 0);
	CHECK(munmap(buf, size) == 0);
	close(fd);
}

static void test_huge_pages(void)
{
	const size_t size = 8 * MIB, npages = size / test_page_size();
	char *buf = map_aligned(size, MAP_PRIVATE | MAP_ANONYMOUS, -1);
	char *ro = map_aligned(size, MAP_PRIVATE | MAP_ANONYMOUS, -1);
	volatile char sink = 0;

	if (madvise(buf, size, MADV_HUGEPAGE) != 0 ||
	    madvise(ro, size, MADV_HUGEPAGE) != 0)
		return; /* no THP in this kernel */
	set_policy(buf, size, MPOL_INTERLEAVE, 0, nnodes);
	memset(buf, 1, size);
	CHECK_EQ(compare("THP written", buf, size), npages);
	/* Only read: the huge zero page where THP are on (unless the kernel
	 * is told not to use it: then pages of their own). */
	for (size_t i = 0; i < size; i += HUGE_SIZE / 2)
		sink += ro[i];
	(void)sink;
	compare("THP read", ro, size);
}

/* Over 16384 pages, two threads read a half each. */
static void test_large_range(void)
{
	const size_t size = 72 * MIB;
	char *buf = map_aligned(size, MAP_PRIVATE | MAP_ANONYMOUS, -1);
	char map[16];
	int raw[12];

	set_policy(buf, size, MPOL_INTERLEAVE, 0, nnodes);
	touch_mixed(buf, size);
	CHECK(compare("large", buf, size) > 0);
	/* A walk stopped early: only the first pages drawn. */
	CHECK_EQ(aml_linux_page_map(buf, size, map, sizeof(map)), 12);
	raw_query(buf, 12, raw);
	for (int i = 0; i < 12; i++)
		CHECK_EQ(map[i], raw[i] < 0     ? '.'
				 : raw[i] < 10 ? '0' + raw[i]
					       : map[i]); /* letters */
	CHECK_EQ(strcmp(map + 12, "..."), 0);
	CHECK(munmap(buf, size) == 0);
}

/* In a child, pages written before fork(2) are shared with the parent. */
static void test_fork(void)
{
	const size_t size = 4 * MIB;
	char *buf = map_aligned(size, MAP_PRIVATE | MAP_ANONYMOUS, -1);
	int wstatus;
	pid_t pid;

	set_policy(buf, size, MPOL_INTERLEAVE, 0, nnodes);
	touch_mixed(buf, size);
	CHECK(compare("before fork", buf, size) > 0);
	pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		compare("child", buf, size);
		buf[0] = 2; /* a page of its own again */
		compare("child written", buf, size);
		_exit(0);
	}
	CHECK(waitpid(pid, &wstatus, 0) == pid);
	CHECK(WIFEXITED(wstatus) && WEXITSTATUS(wstatus) == 0);
}

int main(int argc, char **argv)
{
	nnodes = test_nodes(nodes, AML_BITMAP_MAX);
	test_policies();
	test_shared_memfd();
	test_huge_pages();
	test_large_range();
	test_fork();
	if (argc > 1)
		return 0;
	/* Again with move_pages(2) alone. */
	CHECK(setenv("AML_LINUX_INSPECT", "move_pages", 1) == 0);
	execl("/proc/self/exe", argv[0], "move_pages", (char *)NULL);
	CHECK(!"exec");
	return 1;
}
