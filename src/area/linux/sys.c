#include "area/linux/sys.h"

#include <stdatomic.h>

size_t aml__linux_page_size(void)
{
	/* Same value from every thread: a relaxed race is harmless. */
	static atomic_size_t psize;
	size_t s = atomic_load_explicit(&psize, memory_order_relaxed);

	if (s == 0) {
		s = (size_t)sysconf(_SC_PAGESIZE);
		atomic_store_explicit(&psize, s, memory_order_relaxed);
	}
	return s;
}

int aml__linux_errno_to_aml(int err)
{
	switch (err) {
	case ENOMEM:
	case EOVERFLOW:
		return AML_ENOMEM;
	case EINVAL:
	case EBADF:
		return AML_EINVAL;
	case ENOSYS:
		return AML_ENOTSUP;
	default:
		return AML_FAILURE;
	}
}

int aml__linux_mems_allowed(struct aml_bitmap *allowed)
{
	aml_bitmap_zero(allowed);
	if (get_mempolicy(NULL, allowed->mask, LINUX_MAXNODE, NULL,
			  MPOL_F_MEMS_ALLOWED) == 0)
		return AML_SUCCESS;
	/* A kernel without NUMA has one node, 0. */
	if (errno == ENOSYS)
		return aml_bitmap_set(allowed, 0);
	return -aml__linux_errno_to_aml(errno);
}

size_t aml_linux_npages(const void *ptr, size_t size)
{
	const size_t psize = aml__linux_page_size();
	const uintptr_t first = (uintptr_t)ptr / psize;

	if (size == 0)
		return 0;
	return ((uintptr_t)ptr + size - 1) / psize - first + 1;
}

int aml__linux_page_status(int status)
{
	/* Before 6.3, move_pages(2) says -EFAULT for a page never touched. */
	return status == -EFAULT ? AML_LINUX_PAGE_UNPLACED : status;
}

#define LINUX_PMD_SIZE_FILE "/sys/kernel/mm/transparent_hugepage/hpage_pmd_size"
/* x86-64 and arm64 with 4 KiB pages; the fallback without THP in sysfs. */
#define LINUX_PMD_SIZE_DEFAULT ((size_t)2 << 20)

static size_t linux_read_pmd_size(void)
{
	unsigned long long bytes = 0;
	FILE *f = fopen(LINUX_PMD_SIZE_FILE, "re");
	int ok;

	if (f == NULL)
		return LINUX_PMD_SIZE_DEFAULT;
	ok = fscanf(f, "%llu", &bytes) == 1;
	fclose(f);
	/* A power of two pages, else not believed. */
	if (!ok || bytes < aml__linux_page_size() || (bytes & (bytes - 1)))
		return LINUX_PMD_SIZE_DEFAULT;
	return (size_t)bytes;
}

size_t aml__linux_pmd_size(void)
{
	/* As the page size: the same value from every thread. */
	static atomic_size_t pmd;
	size_t s = atomic_load_explicit(&pmd, memory_order_relaxed);

	if (s == 0) {
		s = linux_read_pmd_size();
		atomic_store_explicit(&pmd, s, memory_order_relaxed);
	}
	return s;
}

unsigned long aml__linux_maxnode(int last)
{
	/* The kernel reads maxnode - 1 bits. */
	return last < 0 ? 2 : (unsigned long)last + 2;
}
