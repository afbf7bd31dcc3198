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
