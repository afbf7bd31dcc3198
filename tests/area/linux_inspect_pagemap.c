/* CTest labels: threads */
/* The pagemap fast path stays on whatever a read fault maps: the shared
 * zero page (most kernels) or a fresh page of the process (seen on Linux
 * 6.18, where there is then no zero page to exclude). Nothing is faked:
 * the test finds out what this kernel does, says it, and checks that a
 * process that can read page frame numbers (root) has AML read
 * /proc/self/pagemap (pread(2) is counted: this program's pread is the one
 * libaml calls), with answers equal to move_pages(2). */
#include <fcntl.h>
#include <sys/syscall.h>

#include "linux_test.h"

#define NPAGES 256

static volatile long preads;

ssize_t pread(int fd, void *buf, size_t count, off_t offset)
{
	preads++;
	return syscall(SYS_pread64, fd, buf, count, offset);
}

/* What a read fault maps here: 1 the zero page, 0 fresh pages; -1 when
 * page frame numbers are hidden (no CAP_SYS_ADMIN). */
static int read_fault_maps_zero_page(void)
{
	const size_t psize = test_page_size();
	volatile char *p = mmap(NULL, 2 * psize, PROT_READ,
				MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	const uint64_t pfn = ((uint64_t)1 << 55) - 1;
	uint64_t e[2];
	int fd = open("/proc/self/pagemap", O_RDONLY);

	CHECK(p != MAP_FAILED && fd >= 0);
	(void)p[0];
	(void)p[psize];
	CHECK_EQ(pread(fd, e, sizeof(e), (off_t)((uintptr_t)p / psize * 8)),
		 sizeof(e));
	close(fd);
	munmap((void *)p, 2 * psize);
	if ((e[0] & pfn) == 0)
		return -1;
	return (e[0] & pfn) == (e[1] & pfn);
}

/* AML's answer for each page, and the count of pagemap reads it made. */
static long query(const char *buf, int *status)
{
	long before = preads;

	CHECK_EQ(
	    aml_linux_query_pages(buf, NPAGES * test_page_size(), status, 0),
	    AML_SUCCESS);
	return preads - before;
}

static void compare(const char *what, const char *buf, const int *status)
{
	void *pages[NPAGES];
	int raw[NPAGES];

	for (int i = 0; i < NPAGES; i++)
		pages[i] = (void *)(buf + i * test_page_size());
	CHECK_EQ(move_pages(0, NPAGES, pages, NULL, raw, 0), 0);
	for (int i = 0; i < NPAGES; i++) {
		if (raw[i] == -EFAULT)
			raw[i] = -ENOENT;
		if (raw[i] != status[i])
			fprintf(stderr, "%s: page %d: aml %d, move_pages %d\n",
				what, i, status[i], raw[i]);
		CHECK_EQ(raw[i], status[i]);
	}
}

int main(void)
{
	const size_t size = NPAGES * test_page_size();
	const int zero = read_fault_maps_zero_page();
	int status[NPAGES];
	long reads_written, reads_read;
	char *buf = mmap(NULL, 2 * size, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	CHECK(buf != MAP_FAILED);
	CHECK_EQ(madvise(buf, 2 * size, MADV_NOHUGEPAGE), 0);
	memset(buf, 1, size);
	for (size_t i = 0; i < size; i += test_page_size())
		(void)*(volatile char *)(buf + size + i);
	fprintf(stderr, "a read fault maps %s\n",
		zero < 0    ? "(page frame numbers hidden)"
		: zero == 1 ? "the shared zero page"
			    : "a fresh page of this process");
	/* The first query also learns the zero page: not counted. */
	query(buf, status);
	reads_written = query(buf, status);
	compare("written", buf, status);
	reads_read = query(buf + size, status);
	compare("read", buf + size, status);
	fprintf(stderr, "pagemap reads: %ld for written pages, %ld for read\n",
		reads_written, reads_read);
	if (zero < 0)
		SKIP("page frame numbers hidden: move_pages(2) answers");
	if (access("/sys/devices/system/memory/block_size_bytes", R_OK) != 0)
		SKIP("no memory blocks in sysfs: move_pages(2) answers");
	CHECK(reads_written > 0);
	CHECK(reads_read > 0);
	munmap(buf, 2 * size);
	return 0;
}
