#include "aml/area/linux.h"

#include <limits.h>

#include "area/linux/area.h"
#include "area/linux/populate.h"
#include "area/linux/shared.h"
#include "area/linux/sys.h"
#include "internal.h"

#define LINUX_FLAGS                                                            \
	(AML_AREA_LINUX_FLAG_POPULATE | AML_AREA_LINUX_FLAG_THP |              \
	 AML_AREA_LINUX_FLAG_HUGETLB | AML_AREA_LINUX_FLAG_SHARED)

static struct aml_area_linux_data linux_default_data = {
    .policy = AML_AREA_LINUX_POLICY_DEFAULT,
    .mode = MPOL_DEFAULT,
};

struct aml_area_ops aml_area_linux_ops = {
    .mmap = aml_area_linux_mmap,
    .munmap = aml_area_linux_munmap,
    .fprintf = aml_area_linux_fprintf,
};

struct aml_area aml_area_linux = {
    .ops = &aml_area_linux_ops,
    .data = (struct aml_area_data *)&linux_default_data,
};

int aml__linux_nodes_subset(const struct aml_bitmap *a,
			    const struct aml_bitmap *b)
{
	for (size_t i = 0; i < AML_BITMAP_SIZE; i++)
		if (a->mask[i] & ~b->mask[i])
			return 0;
	return 1;
}

/* Policies the running kernel has, probed once (bit per policy). */
static pthread_once_t linux_probe_once = PTHREAD_ONCE_INIT;
static unsigned int linux_supported;

/* mbind(2) of a scratch page with each newer mode: EINVAL means absent. */
static void linux_probe(void)
{
	const size_t psize = aml__linux_page_size();
	struct aml_bitmap allowed, first;
	void *p;

	for (unsigned int i = 0; i <= AML_AREA_LINUX_POLICY_INTERLEAVE; i++)
		linux_supported |= 1U << i;
	if (aml__linux_mems_allowed(&allowed) != AML_SUCCESS)
		return;
	aml_bitmap_zero(&first);
	aml_bitmap_set(&first, (unsigned int)aml_bitmap_first(&allowed));
	p = mmap(NULL, psize, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return;
	for (unsigned int i = AML_AREA_LINUX_POLICY_INTERLEAVE + 1;
	     aml__linux_policy(i) != NULL; i++) {
		const int mode = aml__linux_policy(i)->mode;
		const int ok = !aml__linux_mode_takes_nodes(mode)
				   ? mbind(p, psize, mode, NULL, 0, 0) == 0
				   : mbind(p, psize, mode, first.mask,
					   LINUX_MAXNODE, 0) == 0;

		if (ok)
			linux_supported |= 1U << i;
	}
	munmap(p, psize);
}

int aml_area_linux_policy_supported(const enum aml_area_linux_policy policy)
{
	if (aml__linux_policy(policy) == NULL)
		return -AML_EINVAL;
	pthread_once(&linux_probe_once, linux_probe);
	return (linux_supported >> policy) & 1U;
}

#define LINUX_WEIGHTS_DIR "/sys/kernel/mm/mempolicy/weighted_interleave"

int aml_area_linux_weights(unsigned char *weights, size_t nweights)
{
	int found = 0;

	if (weights == NULL || nweights == 0)
		return -AML_EINVAL;
	if (access(LINUX_WEIGHTS_DIR, F_OK) != 0)
		return -AML_ENOTSUP;
	for (size_t n = 0; n < nweights; n++) {
		char path[128];
		unsigned int w = 0;
		FILE *f;

		weights[n] = 0;
		snprintf(path, sizeof(path), LINUX_WEIGHTS_DIR "/node%zu", n);
		f = fopen(path, "r");
		if (f == NULL)
			continue;
		if (fscanf(f, "%u", &w) == 1 && w <= UCHAR_MAX) {
			weights[n] = (unsigned char)w;
			found++;
		}
		fclose(f);
	}
	return found;
}

/* The system's default hugetlbfs page size, from /proc/meminfo; 0 if none. */
static size_t linux_default_hugetlb_size(void)
{
	char line[128];
	size_t kb = 0;
	FILE *f = fopen("/proc/meminfo", "r");

	if (f == NULL)
		return 0;
	while (fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "Hugepagesize: %zu kB", &kb) == 1)
			break;
	fclose(f);
	return kb * 1024;
}

/* Whether the system has hugetlbfs pages of `size` bytes. */
static int linux_hugetlb_size_exists(size_t size)
{
	char path[96];

	snprintf(path, sizeof(path), "/sys/kernel/mm/hugepages/hugepages-%zukB",
		 size / 1024);
	return access(path, F_OK) == 0;
}

/* Check the hugetlb page size, setting it in `data`. */
static int linux_set_hugetlb(struct aml_area_linux_data *data, size_t size)
{
	if (size == 0)
		size = linux_default_hugetlb_size();
	if (size == 0 || (size & (size - 1)) != 0 ||
	    !linux_hugetlb_size_exists(size))
		return -AML_ENOTSUP;
	data->hugetlb_size = size;
	data->hugetlb_bits = __builtin_ctzl(size) << MAP_HUGE_SHIFT;
	return AML_SUCCESS;
}

static int linux_set_weights(struct aml_area_linux_data *data,
			     const struct aml_area_linux_attr *attr)
{
	const size_t psize = aml__linux_page_size();

	if (attr->weights == NULL)
		return attr->weight_unit == 0 ? AML_SUCCESS : -AML_EINVAL;
	if (data->policy != AML_AREA_LINUX_POLICY_WEIGHTED_INTERLEAVE)
		return -AML_EINVAL;
	data->weight_unit =
	    attr->weight_unit ? attr->weight_unit : aml__linux_pmd_size();
	if (data->weight_unit % psize != 0)
		return -AML_EINVAL;
	for (int n = 0; n < AML_BITMAP_MAX; n++) {
		if (aml_bitmap_isset(&data->nodemask, (unsigned int)n) != 1)
			continue;
		if (attr->weights[n] == 0)
			return -AML_EINVAL;
		data->weights[n] = attr->weights[n];
	}
	return AML_SUCCESS;
}

static int linux_set_attr(struct aml_area_linux_data *data,
			  const struct aml_area_linux_attr *attr)
{
	int err;

	if (attr->flags & ~LINUX_FLAGS)
		return -AML_EINVAL;
	if ((attr->flags & AML_AREA_LINUX_FLAG_THP) &&
	    (attr->flags & AML_AREA_LINUX_FLAG_HUGETLB))
		return -AML_EINVAL;
	/* A shared object's policy is the kernel's shmem policy: hugetlbfs
	 * has none, and shmem huge pages are not the THP flag's. */
	if ((attr->flags & AML_AREA_LINUX_FLAG_SHARED) &&
	    (attr->flags &
	     (AML_AREA_LINUX_FLAG_THP | AML_AREA_LINUX_FLAG_HUGETLB)))
		return -AML_EINVAL;
	err = linux_set_weights(data, attr);
	if (err != AML_SUCCESS)
		return err;
	if ((attr->flags & AML_AREA_LINUX_FLAG_THP) &&
	    access("/sys/kernel/mm/transparent_hugepage/enabled", F_OK) != 0)
		return -AML_ENOTSUP;
	if (attr->flags & AML_AREA_LINUX_FLAG_HUGETLB) {
		err = linux_set_hugetlb(data, attr->hugetlb_page_size);
		if (err != AML_SUCCESS)
			return err;
	}
	data->flags = attr->flags;
	data->populate_threads = attr->populate_threads;
	return AML_SUCCESS;
}

int aml_area_linux_create_attr(struct aml_area **area,
			       const struct aml_bitmap *nodemask,
			       const enum aml_area_linux_policy policy,
			       const struct aml_area_linux_attr *attr)
{
	struct aml_bitmap allowed;
	struct aml_area_linux_data *data;
	struct aml_area *ret;
	int err;

	if (area == NULL)
		return -AML_EINVAL;
	*area = NULL;
	if (aml__linux_policy(policy) == NULL)
		return -AML_EINVAL;
	if (nodemask != NULL && aml_bitmap_iszero(nodemask))
		return -AML_EINVAL;
	err = aml__linux_mems_allowed(&allowed);
	if (err != AML_SUCCESS)
		return err;
	if (nodemask != NULL && !aml__linux_nodes_subset(nodemask, &allowed))
		return -AML_EDOM;
	/* Weights of the area's own need no kernel support. */
	if ((attr == NULL || attr->weights == NULL) &&
	    aml_area_linux_policy_supported(policy) != 1)
		return -AML_ENOTSUP;

	ret = AML_INNER_MALLOC(struct aml_area, struct aml_area_linux_data);
	if (ret == NULL)
		return -AML_ENOMEM;
	data = AML_INNER_MALLOC_GET_FIELD(ret, 2, struct aml_area,
					  struct aml_area_linux_data);
	aml_bitmap_copy(&data->nodemask, nodemask ? nodemask : &allowed);
	data->policy = policy;
	data->mode = aml__linux_policy(policy)->mode;
	data->maxnode = aml__linux_maxnode(aml_bitmap_last(&data->nodemask));
	err = attr ? linux_set_attr(data, attr) : AML_SUCCESS;
	if (err != AML_SUCCESS) {
		free(ret);
		return err;
	}
	ret->ops = &aml_area_linux_ops;
	ret->data = (struct aml_area_data *)data;
	*area = ret;
	return AML_SUCCESS;
}

int aml_area_linux_create(struct aml_area **area,
			  const struct aml_bitmap *nodemask,
			  const enum aml_area_linux_policy policy)
{
	return aml_area_linux_create_attr(area, nodemask, policy, NULL);
}

void aml_area_linux_destroy(struct aml_area **area)
{
	if (area == NULL || *area == &aml_area_linux)
		return;
	free(*area);
	*area = NULL;
}

/* Total of the area's own weights over its nodes. */
size_t aml__linux_weight_total(const struct aml_area_linux_data *data)
{
	size_t total = 0;

	for (int n = 0; n < AML_BITMAP_MAX; n++)
		total += data->weights[n];
	return total;
}

/* Node of weight unit `u` of a mapping, for an area with weights. */
int aml__linux_weighted_node(const struct aml_area_linux_data *data, size_t u,
			     size_t total)
{
	size_t target = u % total;

	for (int n = 0; n < AML_BITMAP_MAX; n++) {
		if (target < data->weights[n])
			return n;
		target -= data->weights[n];
	}
	return -1;
}

/*
 * mbind(2) with MPOL_MF_MOVE, without its cost where nothing moves: a move
 * first drains every CPU's page lists (an expedited RCU grace period, tens
 * of microseconds), while a strict mbind(2) only walks the range's page
 * tables and fails with EIO when a page lies off the policy's nodes. Only
 * then does the move run; it moves exactly the pages that check found.
 */
static int linux_mbind(void *ptr, size_t size, int mode,
		       const unsigned long *mask, unsigned long maxnode,
		       unsigned int flags)
{
	if ((flags & MPOL_MF_MOVE) &&
	    mbind(ptr, size, mode, mask, maxnode,
		  (flags & ~MPOL_MF_MOVE) | MPOL_MF_STRICT) == 0)
		return 0;
	return mbind(ptr, size, mode, mask, maxnode, flags);
}

/* Bind runs of units to single nodes, by the area's own weights; units
 * count from `origin`. */
static int linux_bind_weights(const struct aml_area_linux_data *data,
			      uintptr_t origin, void *ptr, size_t size,
			      unsigned int flags)
{
	const size_t unit = data->weight_unit,
		     total = aml__linux_weight_total(data);
	const uintptr_t end = (uintptr_t)ptr + size;
	uintptr_t a = (uintptr_t)ptr;

	while (a < end) {
		size_t u = (a - origin) / unit;
		const int node = aml__linux_weighted_node(data, u, total);
		struct aml_bitmap one;
		uintptr_t run_end;

		for (size_t k = 0; k < total && aml__linux_weighted_node(
						    data, u, total) == node;
		     k++)
			u++;
		run_end = origin + u * unit;
		if (run_end > end)
			run_end = end;
		aml_bitmap_zero(&one);
		aml_bitmap_set(&one, (unsigned int)node);
		if (linux_mbind((void *)a, run_end - a, MPOL_BIND, one.mask,
				aml__linux_maxnode(node), flags) != 0)
			return -aml__linux_errno_to_aml(errno);
		a = run_end;
	}
	return AML_SUCCESS;
}

/* Apply the area's policy to a range; `flags` are MPOL_MF_* flags. */
int aml__linux_bind(const struct aml_area_linux_data *data, uintptr_t origin,
		    void *ptr, size_t size, unsigned int flags)
{
	int ret;

	if (data->mode == MPOL_DEFAULT)
		return AML_SUCCESS;
	if (data->weight_unit != 0)
		return linux_bind_weights(data, origin, ptr, size, flags);
	if (!aml__linux_mode_takes_nodes(data->mode))
		ret = linux_mbind(ptr, size, data->mode, NULL, 0, flags);
	else
		ret = linux_mbind(ptr, size, data->mode, data->nodemask.mask,
				  data->maxnode, flags);
	return ret == 0 ? AML_SUCCESS : -aml__linux_errno_to_aml(errno);
}

static int linux_check_flags(int flags, int fd, off_t offset)
{
	const int type = flags & MAP_TYPE;

	if (type != MAP_PRIVATE && type != MAP_SHARED &&
	    type != MAP_SHARED_VALIDATE)
		return -AML_EINVAL;
	/* mmap(2) reports a negative offset as EOVERFLOW: too late to tell
	 * it from a size that does not fit. */
	if (!(flags & MAP_ANONYMOUS) && (fd < 0 || offset < 0))
		return -AML_EINVAL;
	return AML_SUCCESS;
}

/* Why a MAP_HUGETLB mmap(2) failed: the size missing, or pages short. */
static int linux_hugetlb_error(int flags, int err)
{
	const int shift = (flags >> MAP_HUGE_SHIFT) & MAP_HUGE_MASK;
	const size_t size =
	    shift ? (size_t)1 << shift : linux_default_hugetlb_size();

	if (size == 0 || !linux_hugetlb_size_exists(size))
		return AML_ENOTSUP;
	return aml__linux_errno_to_aml(err);
}

/* Unmap the ends of a larger mapping [raw, raw + over) around
 * [start, start + len); unmap it all if that fails. */
static void *linux_trim(uintptr_t raw, size_t over, uintptr_t start, size_t len)
{
	int err = 0;

	if (start != raw)
		err = munmap((void *)raw, start - raw);
	if (err == 0 && raw + over != start + len)
		err = munmap((void *)(start + len), raw + over - start - len);
	if (err == 0)
		return (void *)start;
	err = errno;
	munmap((void *)raw, over);
	errno = err;
	return MAP_FAILED;
}

/* mmap(2) `size` bytes aligned to the PMD size, for transparent huge pages:
 * map more, then trim both ends. A fixed mapping goes where it is asked;
 * hugetlbfs pages come aligned to their size, and cannot be trimmed. */
static void *linux_mmap_thp(void *hint, size_t size, int prot, int flags,
			    int fd, off_t offset)
{
	const size_t psize = aml__linux_page_size();
	const size_t pmd = aml__linux_pmd_size();
	const size_t len = (size + psize - 1) & ~(psize - 1);
	const size_t over = len + pmd - psize;
	uintptr_t start;
	void *p;

	if (size < pmd ||
	    (flags & (MAP_FIXED | MAP_FIXED_NOREPLACE | MAP_HUGETLB)) ||
	    over < len)
		return mmap(hint, size, prot, flags, fd, offset);
	p = mmap(hint, over, prot, flags, fd, offset);
	if (p == MAP_FAILED)
		return p;
	start = ((uintptr_t)p + pmd - 1) & ~(uintptr_t)(pmd - 1);
	/* A file mapping's offset moved with its start: only anonymous. */
	return linux_trim((uintptr_t)p, over, start, len);
}

/*
 * Threads that populate the area's mappings: the attribute, else 0
 * (automatic) where the policy alone places each page, and 1 where the
 * faulting CPU does (first touch, or the nearest of several nodes), so
 * that pages land where the caller's own touch would put them.
 */
static unsigned int linux_populate_threads(const struct aml_area_linux_data *d)
{
	if (d->populate_threads != 0 || d->weight_unit != 0)
		return d->populate_threads;
	/* MPOL_DEFAULT follows the calling thread's policy: by CPU too. */
	return aml__linux_policy_by_cpu(d->mode, &d->nodemask) ? 1 : 0;
}

/*
 * Whether a new mapping may hold pages before its policy is set, which
 * binding must then move (MPOL_MF_MOVE, at a cost: see linux_mbind()).
 * Until mbind(2), a new anonymous range has the default policy and may have
 * merged with a neighbouring mapping of the process: a transparent huge
 * page that a fault or khugepaged puts there, spanning both, places pages
 * of this range on the faulting CPU's node. Such a page lies in one
 * mapping, aligned to its size (at most the PMD size), so it reaches in
 * only across an end of the range that is not PMD-aligned, and only where
 * the kernel gives huge pages to mappings that did not ask for them: a
 * neighbour that asked (MADV_HUGEPAGE) has other flags and does not merge
 * with a new mapping. A file mapping may show pages of its file at once.
 */
static int linux_may_hold_pages(const void *ptr, size_t size, int flags)
{
	const size_t pmd = aml__linux_pmd_size();

	if (!(flags & MAP_ANONYMOUS))
		return 1;
	if ((((uintptr_t)ptr | size) & (pmd - 1)) == 0)
		return 0;
	return aml__linux_thp_unasked();
}

/* Policy, huge pages, population, after mmap(2). */
static int linux_prepare(const struct aml_area_linux_data *data, void *ptr,
			 size_t size, int prot, int flags, int populate)
{
	const unsigned int move =
	    linux_may_hold_pages(ptr, size, flags) ? MPOL_MF_MOVE : 0;
	int err = aml__linux_bind(data, (uintptr_t)ptr, ptr, size, move);

	/* After the policy: a range asking for huge pages merges only with
	 * neighbours of its own policy. */
	if (err == AML_SUCCESS && (data->flags & AML_AREA_LINUX_FLAG_THP) &&
	    madvise(ptr, size, MADV_HUGEPAGE) != 0)
		err = -aml__linux_errno_to_aml(errno);
	if (err != AML_SUCCESS || !populate || !(prot & PROT_READ))
		return err;
	err = aml__linux_populate_run(ptr, size, (prot & PROT_WRITE) != 0,
				      linux_populate_threads(data));
	/* EFAULT: a fault would raise SIGBUS, e.g. no huge page left on the
	 * policy's nodes. */
	if (err == -AML_FAILURE && errno == EFAULT && (flags & MAP_HUGETLB))
		return -AML_ENOMEM;
	return err;
}

/*
 * The huge page size of a MAP_HUGETLB mapping: the area's, else the one
 * MAP_HUGE_* names, else the system's default; 0 if there is none.
 */
static size_t linux_hugetlb_unit(const struct aml_area_linux_data *data,
				 int flags)
{
	const int shift = (flags >> MAP_HUGE_SHIFT) & MAP_HUGE_MASK;

	if (data->flags & AML_AREA_LINUX_FLAG_HUGETLB)
		return data->hugetlb_size;
	return shift ? (size_t)1 << shift : linux_default_hugetlb_size();
}

/* Round `*size` up to whole huge pages, as the kernel maps them: then
 * munmap(2) of a failed mapping removes all of it. */
static int linux_hugetlb_round(const struct aml_area_linux_data *data,
			       int flags, size_t *size)
{
	const size_t unit = linux_hugetlb_unit(data, flags);

	if (unit == 0 || (unit & (unit - 1)) != 0)
		return AML_ENOTSUP;
	if (*size > SIZE_MAX - (unit - 1))
		return AML_ENOMEM;
	*size = (*size + unit - 1) & ~(unit - 1);
	return AML_SUCCESS;
}

/* Map, bind, populate; on failure unmap all of it. */
static void *linux_map(const struct aml_area_linux_data *data, size_t size,
		       const struct aml_area_linux_mmap_options *o, int flags,
		       int populate)
{
	void *ptr;
	int err;

	if ((data->flags & AML_AREA_LINUX_FLAG_THP) && (flags & MAP_ANONYMOUS))
		ptr = linux_mmap_thp(o->ptr, size, o->mode, flags, o->fd,
				     o->offset);
	else
		ptr = mmap(o->ptr, size, o->mode, flags, o->fd, o->offset);
	if (ptr == MAP_FAILED)
		return aml__fail_null(flags & MAP_HUGETLB
					  ? linux_hugetlb_error(flags, errno)
					  : aml__linux_errno_to_aml(errno));
	err = linux_prepare(data, ptr, size, o->mode, flags, populate);
	if (err == AML_SUCCESS)
		return ptr;
	/* The whole mapping goes: its length is the one mmap(2) took. */
	if (munmap(ptr, size) != 0)
		err = -AML_FAILURE;
	return aml__fail_null(-err);
}

/* Map a new shared object (see shared.c), bind, populate; on failure
 * unmap all of it. The policy set on its mapping is the object's own. */
static void *linux_map_shared(const struct aml_area_linux_data *data,
			      size_t size,
			      const struct aml_area_linux_mmap_options *o,
			      int flags, int populate)
{
	void *ptr;
	int err = aml__linux_shared_mmap(o->ptr, size, o->mode, flags, &ptr);

	if (err == AML_SUCCESS)
		err = linux_prepare(data, ptr, size, o->mode, populate, 0);
	if (err == AML_SUCCESS)
		return ptr;
	if (ptr != NULL && aml__linux_shared_munmap(ptr, size) != AML_SUCCESS)
		err = -AML_FAILURE;
	return aml__fail_null(-err);
}

void *aml_area_linux_mmap(const struct aml_area_data *area_data, size_t size,
			  struct aml_area_mmap_options *opts)
{
	const struct aml_area_linux_data *data =
	    (const struct aml_area_linux_data *)area_data;
	const struct aml_area_linux_mmap_options *o =
	    (const struct aml_area_linux_mmap_options *)opts;
	struct aml_area_linux_mmap_options def = {
	    .ptr = NULL,
	    .flags = MAP_PRIVATE | MAP_ANONYMOUS,
	    .mode = PROT_READ | PROT_WRITE,
	    .fd = -1,
	    .offset = 0,
	};
	int flags, err;

	if (data == NULL || size == 0)
		return aml__fail_null(AML_EINVAL);
	if (o == NULL && (data->flags & AML_AREA_LINUX_FLAG_SHARED))
		def.flags = MAP_SHARED | MAP_ANONYMOUS;
	if (o == NULL)
		o = &def;
	err = linux_check_flags(o->flags, o->fd, o->offset);
	/* A fixed mapping at NULL maps page 0 where the process may (root),
	 * and would be returned as NULL, the failure value. */
	if (err == AML_SUCCESS && o->ptr == NULL &&
	    (o->flags & (MAP_FIXED | MAP_FIXED_NOREPLACE)))
		err = -AML_EINVAL;
	if (err != AML_SUCCESS)
		return aml__fail_null(-err);
	flags = o->flags & ~MAP_POPULATE;
	if (data->flags & AML_AREA_LINUX_FLAG_HUGETLB)
		flags |= MAP_HUGETLB | data->hugetlb_bits;
	if (flags & MAP_HUGETLB) {
		err = linux_hugetlb_round(data, flags, &size);
		if (err != AML_SUCCESS)
			return aml__fail_null(err);
	}
	/* Populate after binding, so that the policy places the pages. */
	if (data->flags & AML_AREA_LINUX_FLAG_SHARED)
		return linux_map_shared(
		    data, size, o, flags,
		    (o->flags & MAP_POPULATE) ||
			(data->flags & AML_AREA_LINUX_FLAG_POPULATE));
	return linux_map(data, size, o, flags,
			 (o->flags & MAP_POPULATE) ||
			     (data->flags & AML_AREA_LINUX_FLAG_POPULATE));
}

int aml_area_linux_munmap(const struct aml_area_data *area_data, void *ptr,
			  const size_t size)
{
	const struct aml_area_linux_data *data =
	    (const struct aml_area_linux_data *)area_data;
	size_t len = size;

	if (!aml__linux_range_ok(ptr, size))
		return -AML_EINVAL;
	if (data != NULL && (data->flags & AML_AREA_LINUX_FLAG_HUGETLB) &&
	    linux_hugetlb_round(data, MAP_HUGETLB, &len) != AML_SUCCESS)
		return -AML_EINVAL;
	if (data != NULL && (data->flags & AML_AREA_LINUX_FLAG_SHARED))
		return aml__linux_shared_munmap(ptr, len);
	if (munmap(ptr, len) != 0)
		return -aml__linux_errno_to_aml(errno);
	return AML_SUCCESS;
}

/* Print the area's attributes, if any, after its policy. */
static int linux_fprintf_attr(const struct aml_area_linux_data *data,
			      FILE *stream)
{
	int ret = 0;

	if (data->flags & AML_AREA_LINUX_FLAG_POPULATE)
		ret = fprintf(stream, ", populate");
	if (ret >= 0 && (data->flags & AML_AREA_LINUX_FLAG_SHARED))
		ret = fprintf(stream, ", shared");
	if (ret >= 0 && (data->flags & AML_AREA_LINUX_FLAG_THP))
		ret = fprintf(stream, ", thp");
	if (ret >= 0 && (data->flags & AML_AREA_LINUX_FLAG_HUGETLB))
		ret = fprintf(stream, ", hugetlb %zu kB",
			      data->hugetlb_size / 1024);
	for (int i = 0; ret >= 0 && i < AML_BITMAP_MAX; i++)
		if (data->weights[i])
			ret = fprintf(stream, ", weight %d:%u", i,
				      data->weights[i]);
	return ret < 0 ? -AML_FAILURE : AML_SUCCESS;
}

int aml_area_linux_fprintf(const struct aml_area_data *area_data, FILE *stream,
			   const char *prefix)
{
	const struct aml_area_linux_data *data =
	    (const struct aml_area_linux_data *)area_data;
	/* Default and local take no nodes: name none. */
	const int over = data != NULL &&
			 aml__linux_mode_takes_nodes(data->mode) &&
			 !aml_bitmap_iszero(&data->nodemask);
	char *nodes;
	int n, ret;

	if (data == NULL || stream == NULL)
		return -AML_EINVAL;
	nodes = aml_bitmap_to_string(&data->nodemask);
	if (nodes == NULL)
		return -AML_ENOMEM;
	n = fprintf(stream, "%s%slinux area: policy %s%s%s",
		    prefix ? prefix : "", aml__prefix_sep(prefix),
		    aml__linux_policy(data->policy)->name,
		    !over				    ? ""
		    : aml_bitmap_nset(&data->nodemask) == 1 ? " over node "
							    : " over nodes ",
		    over ? nodes : "");
	free(nodes);
	ret = linux_fprintf_attr(data, stream);
	if (n < 0 || ret < 0 || fprintf(stream, "\n") < 0)
		return -AML_FAILURE;
	return AML_SUCCESS;
}
