/* Page nodes from /proc/self/pagemap: the page frame number (PFN) of each
 * page, mapped to its node through the memory blocks of sysfs. One read
 * answers thousands of pages, where move_pages(2) costs a page walk and a
 * lookup per page. Whenever a chunk holds a page this cannot be sure of,
 * the caller asks move_pages(2) instead, so the answers are the same. */
#include <dirent.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sys/mman.h>

#include "area/linux/pagemap.h"

/* Bits of a pagemap entry (Documentation/admin-guide/mm/pagemap.rst). */
#define PM_PRESENT ((uint64_t)1 << 63)
#define PM_FILE ((uint64_t)1 << 61)	 /* file page or shared anon */
#define PM_EXCLUSIVE ((uint64_t)1 << 56) /* mapped by this process only */
#define PM_PFN_MASK (((uint64_t)1 << 55) - 1)

/* Block table entries that are no node. */
#define BLOCK_NONE (-1)
#define BLOCK_SHARED (-2) /* linked from several nodes */

/* More blocks than this (sparse physical addresses) disable the table:
 * it would cost more memory than it saves time. */
#define BLOCKS_MAX ((size_t)1 << 20)

#define NODE_DIR "/sys/devices/system/node"
#define BLOCK_SIZE_FILE "/sys/devices/system/memory/block_size_bytes"

static struct {
	int usable;
	unsigned int block_shift; /* PFN >> block_shift: memory block */
	size_t nblocks;
	int16_t *block_node;
	uint64_t zero_pfn;
	uint64_t huge_zero_pfn, huge_zero_pages; /* 0 pages: not known */
} pm;

static pthread_once_t pm_once = PTHREAD_ONCE_INIT;

static int pagemap_entries(int fd, uintptr_t addr, size_t n, uint64_t *e)
{
	const size_t len = n * sizeof(*e);
	const off_t off = (off_t)(addr / aml__linux_page_size() * sizeof(*e));

	return pread(fd, e, len, off) == (ssize_t)len ? 0 : -1;
}

/* Record block `m` on `node`, growing the table as needed. */
static int table_add(size_t m, int node)
{
	if (m >= BLOCKS_MAX)
		return -1;
	if (m >= pm.nblocks) {
		size_t n = pm.nblocks ? pm.nblocks : 64;
		int16_t *t;

		while (n <= m)
			n *= 2;
		t = realloc(pm.block_node, n * sizeof(*t));
		if (t == NULL)
			return -1;
		for (size_t i = pm.nblocks; i < n; i++)
			t[i] = BLOCK_NONE;
		pm.block_node = t;
		pm.nblocks = n;
	}
	if (pm.block_node[m] == BLOCK_NONE)
		pm.block_node[m] = (int16_t)node;
	else if (pm.block_node[m] != node)
		pm.block_node[m] = BLOCK_SHARED;
	return 0;
}

/* The memoryM links of one node directory. */
static int table_add_node(int node)
{
	char path[64];
	struct dirent *d;
	DIR *dir;
	int err = 0;

	snprintf(path, sizeof(path), NODE_DIR "/node%d", node);
	dir = opendir(path);
	if (dir == NULL)
		return -1;
	while (err == 0 && (d = readdir(dir)) != NULL) {
		unsigned long m;
		char end;

		if (sscanf(d->d_name, "memory%lu%c", &m, &end) == 1)
			err = table_add(m, node);
	}
	closedir(dir);
	return err;
}

/* Memory block size, a power of two pages: the shift from PFN to block. */
static int block_shift(unsigned int *shift)
{
	const size_t psize = aml__linux_page_size();
	unsigned long long bytes = 0;
	FILE *f = fopen(BLOCK_SIZE_FILE, "re");
	int ok;

	if (f == NULL)
		return -1;
	ok = fscanf(f, "%llx", &bytes) == 1;
	fclose(f);
	if (!ok || bytes < psize || bytes % psize != 0 ||
	    (bytes & (bytes - 1)) != 0)
		return -1;
	*shift = (unsigned int)__builtin_ctzll(bytes / psize);
	return 0;
}

static int table_build(void)
{
	struct dirent *d;
	DIR *dir;
	int err = 0, nodes = 0;

	if (block_shift(&pm.block_shift) != 0)
		return -1;
	dir = opendir(NODE_DIR);
	if (dir == NULL)
		return -1;
	while (err == 0 && (d = readdir(dir)) != NULL) {
		int node;
		char end;

		if (sscanf(d->d_name, "node%d%c", &node, &end) != 1 ||
		    node < 0 || node >= AML_BITMAP_MAX)
			continue;
		err = table_add_node(node);
		nodes++;
	}
	closedir(dir);
	return err == 0 && nodes > 0 && pm.nblocks > 0 ? 0 : -1;
}

/*
 * The shared zero page, which a private anonymous page maps when it is only
 * read: move_pages(2) says it is no page of ours. Two pages read apart must
 * show the same frame, else this is no zero page (or PFNs are hidden).
 */
static int learn_zero_page(int fd)
{
	const size_t psize = aml__linux_page_size();
	volatile char *p = mmap(NULL, 2 * psize, PROT_READ,
				MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	uint64_t e[2];
	int err;

	if (p == MAP_FAILED)
		return -1;
	(void)p[0];
	(void)p[psize];
	err = pagemap_entries(fd, (uintptr_t)p, 2, e);
	munmap((void *)p, 2 * psize);
	if (err != 0 || !(e[0] & PM_PRESENT) || (e[0] & PM_EXCLUSIVE) ||
	    (e[0] & PM_PFN_MASK) == 0 || e[0] != e[1])
		return -1;
	pm.zero_pfn = e[0] & PM_PFN_MASK;
	return 0;
}

/*
 * The huge zero page, which a read fault maps in a transparent huge page
 * region. Its frame changes only once no process uses it: the PMD-sized
 * region kept mapped here holds it for this process and its children.
 * Where the kernel gives none now (THP off), it stays unknown.
 */
static void learn_huge_zero_page(int fd)
{
	const size_t psize = aml__linux_page_size(),
		     huge = aml__linux_pmd_size();
	char *p =
	    mmap(NULL, 2 * huge, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	uintptr_t a;
	uint64_t e;

	if (p == MAP_FAILED)
		return;
	a = ((uintptr_t)p + huge - 1) & ~(uintptr_t)(huge - 1);
	if (madvise((void *)a, huge, MADV_HUGEPAGE) == 0) {
		(void)*(volatile char *)a;
		/* Not an anonymous folio: the huge zero page reads as file. */
		if (pagemap_entries(fd, a, 1, &e) == 0 && (e & PM_PRESENT) &&
		    (e & PM_FILE) && (e & PM_PFN_MASK) % (huge / psize) == 0) {
			pm.huge_zero_pfn = e & PM_PFN_MASK;
			pm.huge_zero_pages = huge / psize;
		}
	}
	if (pm.huge_zero_pages == 0) {
		munmap(p, 2 * huge);
		return;
	}
	if (a > (uintptr_t)p)
		munmap(p, a - (uintptr_t)p);
	if (a + huge < (uintptr_t)p + 2 * huge)
		munmap((void *)(a + huge), (uintptr_t)p + 2 * huge - a - huge);
}

static void pagemap_init(void)
{
	const char *env = getenv("AML_LINUX_INSPECT");
	int fd;

	if (env != NULL && strcmp(env, "move_pages") == 0)
		return;
	fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	if (learn_zero_page(fd) == 0 && table_build() == 0) {
		learn_huge_zero_page(fd);
		pm.usable = 1;
	}
	close(fd);
	if (!pm.usable) {
		free(pm.block_node);
		pm.block_node = NULL;
		pm.nblocks = 0;
	}
}

int aml__linux_pagemap_usable(void)
{
	pthread_once(&pm_once, pagemap_init);
	return pm.usable;
}

int aml__linux_pagemap_open(size_t npages)
{
	if (npages < LINUX_PAGEMAP_MIN || !aml__linux_pagemap_usable())
		return -1;
	/* Per call: a descriptor kept open would read the parent's pages
	 * in a forked child, or another file once the program closed it. */
	return open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
}

/* The node of a present page; -1 if unsure. */
static int entry_node(uint64_t e)
{
	const uint64_t pfn = e & PM_PFN_MASK;
	size_t block;

	if (pfn == pm.zero_pfn || pfn - pm.huge_zero_pfn < pm.huge_zero_pages)
		return AML_LINUX_PAGE_UNPLACED;
	/* Neither anonymous of ours nor file: shared after fork(2), KSM, or
	 * a driver's mapping that move_pages(2) may not count. */
	if (!(e & (PM_FILE | PM_EXCLUSIVE)))
		return -1;
	block = (size_t)(pfn >> pm.block_shift);
	if (pfn == 0 || block >= pm.nblocks || pm.block_node[block] < 0)
		return -1;
	return pm.block_node[block];
}

int aml__linux_pagemap_nodes(int fd, uintptr_t addr, size_t n, uint64_t *buf,
			     int *status)
{
	if (pagemap_entries(fd, addr, n, buf) != 0)
		return 0;
	for (size_t i = 0; i < n; i++) {
		if (!(buf[i] & PM_PRESENT)) {
			/* Not there, or swapped out. */
			status[i] = AML_LINUX_PAGE_UNPLACED;
			continue;
		}
		status[i] = entry_node(buf[i]);
		if (status[i] == -1)
			return 0;
	}
	return 1;
}
