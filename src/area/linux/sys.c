#include "area/linux/sys.h"

#include <dirent.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

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

/*
 * The end of the user address space: 2^47 on x86-64 with four levels of
 * page tables, 2^56 with five; 2^48 on other 64-bit machines, 2^52 with
 * large virtual addresses. The kernel takes a hint above the smaller end
 * only where the larger one holds.
 */
static uintptr_t linux_probe_user_end(void)
{
#if UINTPTR_MAX > 0xffffffffUL
#if defined(__x86_64__)
	const uintptr_t low = (uintptr_t)1 << 47, high = (uintptr_t)1 << 56;
#else
	const uintptr_t low = (uintptr_t)1 << 48, high = (uintptr_t)1 << 52;
#endif
	const size_t psize = aml__linux_page_size();
	void *p = mmap((void *)low, psize, PROT_NONE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

	if (p == MAP_FAILED)
		return low;
	munmap(p, psize);
	return (uintptr_t)p >= low ? high : low;
#else
	/* 32 bits: only a range that wraps is refused. */
	return UINTPTR_MAX;
#endif
}

int aml__linux_range_ok(const void *ptr, size_t size)
{
	/* As the page size: the same value from every thread. */
	static atomic_uintptr_t user_end;
	uintptr_t end = atomic_load_explicit(&user_end, memory_order_relaxed);

	if (end == 0) {
		end = linux_probe_user_end();
		atomic_store_explicit(&user_end, end, memory_order_relaxed);
	}
	return (uintptr_t)ptr <= end && size <= end - (uintptr_t)ptr;
}

size_t aml_linux_npages(const void *ptr, size_t size)
{
	const size_t psize = aml__linux_page_size();
	const uintptr_t first = (uintptr_t)ptr / psize;

	if (size == 0 || !aml__linux_range_ok(ptr, size))
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

#define LINUX_THP_DIR "/sys/kernel/mm/transparent_hugepage"

/* 1 when THP setting file `path` reads "[always]", 0 for another choice,
 * -1 when it cannot be read. */
static int linux_thp_always_in(const char *path)
{
	char line[128];
	FILE *f = fopen(path, "re");
	int ret = -1;

	if (f == NULL)
		return -1;
	if (fgets(line, sizeof(line), f) != NULL)
		ret = strstr(line, "[always]") != NULL;
	fclose(f);
	return ret;
}

/* The top setting, then each size's (hugepages-<size>kB/enabled, 6.8+). */
static int linux_read_thp_unasked(void)
{
	char path[sizeof(LINUX_THP_DIR) + 300];
	struct dirent *e;
	int ret = linux_thp_always_in(LINUX_THP_DIR "/enabled");
	DIR *dir;

	/* Unreadable: no sysfs here, or no THP; assume the worse. */
	if (ret != 0)
		return 1;
	dir = opendir(LINUX_THP_DIR);
	if (dir == NULL)
		return 1;
	while (ret == 0 && (e = readdir(dir)) != NULL) {
		if (strncmp(e->d_name, "hugepages-", 10) != 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s/enabled", LINUX_THP_DIR,
			 e->d_name);
		ret = linux_thp_always_in(path) == 1;
	}
	closedir(dir);
	return ret;
}

int aml__linux_thp_unasked(void)
{
	/* 0: not read yet; 1: no; 2: yes. As the page size, a relaxed race
	 * between first readers is harmless. */
	static atomic_int unasked;
	int u = atomic_load_explicit(&unasked, memory_order_relaxed);

	if (u == 0) {
		u = 1 + linux_read_thp_unasked();
		atomic_store_explicit(&unasked, u, memory_order_relaxed);
	}
	return u == 2;
}

unsigned long aml__linux_maxnode(int last)
{
	/* The kernel reads maxnode - 1 bits. */
	return last < 0 ? 2 : (unsigned long)last + 2;
}

/* Mode flags (MPOL_F_STATIC_NODES...) sit above the mode. */
#define LINUX_MODE_MASK 0xff

static const struct aml__linux_policy linux_policies[] = {
    [AML_AREA_LINUX_POLICY_DEFAULT] = {"default", MPOL_DEFAULT, 0,
				       AML__LINUX_BY_CPU},
    [AML_AREA_LINUX_POLICY_BIND] = {"bind", MPOL_BIND, 1,
				    AML__LINUX_BY_CPU_AMONG},
    [AML_AREA_LINUX_POLICY_PREFERRED] = {"preferred", MPOL_PREFERRED, 1,
					 AML__LINUX_BY_POLICY},
    [AML_AREA_LINUX_POLICY_INTERLEAVE] = {"interleave", MPOL_INTERLEAVE, 1,
					  AML__LINUX_BY_POLICY},
    [AML_AREA_LINUX_POLICY_PREFERRED_MANY] = {"preferred-many",
					      MPOL_PREFERRED_MANY, 1,
					      AML__LINUX_BY_CPU_AMONG},
    [AML_AREA_LINUX_POLICY_WEIGHTED_INTERLEAVE] = {"weighted-interleave",
						   MPOL_WEIGHTED_INTERLEAVE, 1,
						   AML__LINUX_BY_POLICY},
    [AML_AREA_LINUX_POLICY_LOCAL] = {"local", MPOL_LOCAL, 0, AML__LINUX_BY_CPU},
};

#define LINUX_NPOLICIES (sizeof(linux_policies) / sizeof(*linux_policies))

const struct aml__linux_policy *
aml__linux_policy(enum aml_area_linux_policy policy)
{
	if ((unsigned int)policy >= LINUX_NPOLICIES)
		return NULL;
	return &linux_policies[policy];
}

const struct aml__linux_policy *aml__linux_policy_of_mode(int mode)
{
	for (size_t i = 0; i < LINUX_NPOLICIES; i++)
		if (linux_policies[i].mode == (mode & LINUX_MODE_MASK))
			return &linux_policies[i];
	return NULL;
}

int aml__linux_mode_takes_nodes(int mode)
{
	const struct aml__linux_policy *p = aml__linux_policy_of_mode(mode);

	return p == NULL || p->takes_nodes;
}

int aml__linux_policy_by_cpu(int mode, const struct aml_bitmap *nodes)
{
	const struct aml__linux_policy *p = aml__linux_policy_of_mode(mode);

	/* No nodes with a mode that has some: the local node (preferred
	 * reads so for MPOL_LOCAL on older kernels). */
	if (p == NULL || p->by_cpu == AML__LINUX_BY_CPU ||
	    aml_bitmap_iszero(nodes))
		return 1;
	if (p->by_cpu == AML__LINUX_BY_CPU_AMONG)
		return aml_bitmap_nset(nodes) != 1;
	return 0;
}

int aml__linux_policy_at(const void *addr, int *mode, struct aml_bitmap *nodes)
{
	aml_bitmap_zero(nodes);
	if (get_mempolicy(mode, nodes->mask, LINUX_MAXNODE, (void *)addr,
			  addr != NULL ? MPOL_F_ADDR : 0) != 0)
		return -1;
	*mode &= LINUX_MODE_MASK;
	return 0;
}
