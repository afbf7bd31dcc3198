#include "aml/area/linux.h"

#include <limits.h>

#include "internal.h"

/* mbind(2) and get_mempolicy(2) read maxnode - 1 bits: all of ours. */
#define LINUX_MAXNODE (AML_BITMAP_MAX + 1)

/* Linux 5.14; older C libraries do not name them. */
#ifndef MADV_POPULATE_READ
#define MADV_POPULATE_READ 22
#endif
#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif

/* Pages queried per move_pages(2) call: bounds the stack arrays. A
 * multiple of the pages of a 2 MiB unit, for any base page size. */
#define LINUX_QUERY_PAGES 4096

/* Transparent huge pages (PMD size) are interleaved as units. */
#define LINUX_HUGE_SHIFT 21
#define LINUX_HUGE_SIZE ((uintptr_t)1 << LINUX_HUGE_SHIFT)

struct aml_area_linux_data {
	/* Nodes of the policy; empty for the default area (no nodes). */
	struct aml_bitmap nodemask;
	enum aml_area_linux_policy policy;
	/* The MPOL_* mode given to mbind(2). */
	int mode;
};

struct linux_policy {
	const char *name;
	int mode;
};

static const struct linux_policy linux_policies[] = {
	[AML_AREA_LINUX_POLICY_DEFAULT] = {"default", MPOL_DEFAULT},
	[AML_AREA_LINUX_POLICY_BIND] = {"bind", MPOL_BIND},
	[AML_AREA_LINUX_POLICY_PREFERRED] = {"preferred", MPOL_PREFERRED},
	[AML_AREA_LINUX_POLICY_INTERLEAVE] = {"interleave", MPOL_INTERLEAVE},
};

#define LINUX_NPOLICIES (sizeof(linux_policies) / sizeof(*linux_policies))

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

static int linux_errno_to_aml(int err)
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

/* Nodes this process may allocate on (its cpuset's mems_allowed). */
static int linux_mems_allowed(struct aml_bitmap *allowed)
{
	aml_bitmap_zero(allowed);
	if (get_mempolicy(NULL, allowed->mask, LINUX_MAXNODE, NULL,
			  MPOL_F_MEMS_ALLOWED) == 0)
		return AML_SUCCESS;
	/* A kernel without NUMA has one node, 0. */
	if (errno == ENOSYS)
		return aml_bitmap_set(allowed, 0);
	return -linux_errno_to_aml(errno);
}

static int linux_is_subset(const struct aml_bitmap *a,
			   const struct aml_bitmap *b)
{
	for (size_t i = 0; i < AML_BITMAP_SIZE; i++)
		if (a->mask[i] & ~b->mask[i])
			return 0;
	return 1;
}

int aml_area_linux_create(struct aml_area **area,
			  const struct aml_bitmap *nodemask,
			  const enum aml_area_linux_policy policy)
{
	struct aml_bitmap allowed;
	struct aml_area_linux_data *data;
	struct aml_area *ret;
	int err;

	if (area == NULL)
		return -AML_EINVAL;
	*area = NULL;
	if ((unsigned int)policy >= LINUX_NPOLICIES)
		return -AML_EINVAL;
	if (nodemask != NULL && aml_bitmap_iszero(nodemask))
		return -AML_EINVAL;
	err = linux_mems_allowed(&allowed);
	if (err != AML_SUCCESS)
		return err;
	if (nodemask != NULL && !linux_is_subset(nodemask, &allowed))
		return -AML_EDOM;

	ret = AML_INNER_MALLOC(struct aml_area, struct aml_area_linux_data);
	if (ret == NULL)
		return -AML_ENOMEM;
	data = AML_INNER_MALLOC_GET_FIELD(ret, 2, struct aml_area,
					  struct aml_area_linux_data);
	aml_bitmap_copy(&data->nodemask, nodemask ? nodemask : &allowed);
	data->policy = policy;
	data->mode = linux_policies[policy].mode;
	ret->ops = &aml_area_linux_ops;
	ret->data = (struct aml_area_data *)data;
	*area = ret;
	return AML_SUCCESS;
}

void aml_area_linux_destroy(struct aml_area **area)
{
	if (area == NULL || *area == &aml_area_linux)
		return;
	free(*area);
	*area = NULL;
}

/* Apply the area's policy to a new mapping. */
static int linux_bind(const struct aml_area_linux_data *data, void *ptr,
		      size_t size)
{
	if (data->mode == MPOL_DEFAULT)
		return AML_SUCCESS;
	if (mbind(ptr, size, data->mode, data->nodemask.mask, LINUX_MAXNODE,
		  0) == 0)
		return AML_SUCCESS;
	return -linux_errno_to_aml(errno);
}

/*
 * MAP_POPULATE, once the policy applies: pages faulted in by mmap(2) would
 * be placed first, and mbind(2) does not move pages that lie on a node of
 * the mask to where interleave or preferred puts them. Faults as
 * MAP_POPULATE does: write faults for private writable mappings, read
 * faults otherwise; best effort, as MAP_POPULATE (kernels before 5.14 lack
 * MADV_POPULATE_*).
 */
static void linux_populate(void *ptr, size_t size, int flags, int prot)
{
	const int advice =
		(prot & PROT_WRITE) && (flags & MAP_TYPE) == MAP_PRIVATE ?
			MADV_POPULATE_WRITE :
			MADV_POPULATE_READ;

	(void)madvise(ptr, size, advice);
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
	int err, populate;
	void *ptr;

	if (data == NULL || size == 0)
		return aml_fail_null(AML_EINVAL);
	if (o == NULL)
		o = &def;
	err = linux_check_flags(o->flags, o->fd, o->offset);
	if (err != AML_SUCCESS)
		return aml_fail_null(-err);

	populate = data->mode != MPOL_DEFAULT && (o->flags & MAP_POPULATE);
	ptr = mmap(o->ptr, size, o->mode, populate ? o->flags & ~MAP_POPULATE :
						     o->flags,
		   o->fd, o->offset);
	if (ptr == MAP_FAILED)
		return aml_fail_null(linux_errno_to_aml(errno));
	err = linux_bind(data, ptr, size);
	if (err != AML_SUCCESS) {
		munmap(ptr, size);
		return aml_fail_null(-err);
	}
	if (populate)
		linux_populate(ptr, size, o->flags, o->mode);
	return ptr;
}

int aml_area_linux_munmap(const struct aml_area_data *area_data, void *ptr,
			  const size_t size)
{
	(void)area_data;
	if (munmap(ptr, size) != 0)
		return -linux_errno_to_aml(errno);
	return AML_SUCCESS;
}

int aml_area_linux_fprintf(const struct aml_area_data *area_data,
			   FILE *stream, const char *prefix)
{
	const struct aml_area_linux_data *data =
		(const struct aml_area_linux_data *)area_data;
	char *nodes;
	int n;

	if (data == NULL || stream == NULL)
		return -AML_EINVAL;
	nodes = aml_bitmap_to_string(&data->nodemask);
	if (nodes == NULL)
		return -AML_ENOMEM;
	n = fprintf(stream, "%slinux area: policy %s, nodes %s\n",
		    prefix ? prefix : "", linux_policies[data->policy].name,
		    *nodes ? nodes : "any");
	free(nodes);
	return n < 0 ? -AML_FAILURE : n;
}

/* The policy in force at `addr` matches the area's. */
static int linux_policy_matches(const struct aml_area_linux_data *data,
				void *addr)
{
	struct aml_bitmap nodes, expect;
	int mode;

	aml_bitmap_zero(&nodes);
	if (get_mempolicy(&mode, nodes.mask, LINUX_MAXNODE, addr,
			  MPOL_F_ADDR) != 0)
		return -AML_FAILURE;
	if (mode != data->mode)
		return 0;
	aml_bitmap_copy(&expect, &data->nodemask);
	/* The kernel keeps one node for preferred: the lowest. */
	if (data->mode == MPOL_PREFERRED) {
		aml_bitmap_zero(&expect);
		aml_bitmap_set(&expect, (unsigned int)aml_bitmap_first(
						&data->nodemask));
	}
	if (data->mode == MPOL_DEFAULT)
		return 1;
	return aml_bitmap_isequal(&nodes, &expect);
}

/* Walk placed pages and check each against the area's policy. */
struct linux_page_check {
	const struct aml_area_linux_data *data;
	int nodes[AML_BITMAP_MAX]; /* the mask's nodes, ascending */
	int nnodes;
	int rank[AML_BITMAP_MAX];  /* rank of a node in nodes[], or -1 */
	/* Interleave phase for base pages and for PMD-sized units. */
	long phase_small, phase_huge;
	int ok;
	size_t psize;
	/* The range checked; the query covers whole 2 MiB units around it. */
	uintptr_t start, end;
};

static void linux_check_page(struct linux_page_check *c, uintptr_t addr,
			     int node, int in_huge)
{
	long index, *phase;
	int r;

	if (node < 0 || node >= AML_BITMAP_MAX)
		return; /* not placed yet */
	r = c->rank[node];
	switch (c->data->mode) {
	case MPOL_DEFAULT:
		return;
	case MPOL_PREFERRED:
		if (node != c->nodes[0])
			c->ok = 0;
		return;
	case MPOL_BIND:
		if (r < 0)
			c->ok = 0;
		return;
	default:
		break;
	}
	/* Interleave: strict round-robin of base pages, or of huge pages
	 * where a whole 2 MiB unit may be one. */
	if (r < 0) {
		c->ok = 0;
		return;
	}
	index = in_huge ? (long)(addr >> LINUX_HUGE_SHIFT)
			: (long)(addr / c->psize);
	phase = in_huge ? &c->phase_huge : &c->phase_small;
	if (*phase < 0)
		*phase = ((r - index) % c->nnodes + c->nnodes) % c->nnodes;
	if ((index + *phase) % c->nnodes != r)
		c->ok = 0;
}

/* Check the pages of one 2 MiB unit that lie in the range. A huge page is
 * present whole, on one node: a unit that is not so holds base pages only,
 * and the pages of a small range on one node are no huge page. */
static void linux_check_unit(struct linux_page_check *c, void **pages,
			     const int *status, unsigned long n)
{
	int in_huge = status[0] >= 0;

	for (unsigned long i = 1; i < n; i++)
		if (status[i] != status[0])
			in_huge = 0;
	for (unsigned long i = 0; i < n; i++) {
		const uintptr_t addr = (uintptr_t)pages[i];

		if (addr >= c->start && addr < c->end)
			linux_check_page(c, addr, status[i], in_huge);
	}
}

int aml_area_linux_check_binding(struct aml_area_linux_data *area_data,
				 void *ptr, size_t size)
{
	const size_t psize = (size_t)sysconf(_SC_PAGESIZE);
	struct linux_page_check *c;
	uintptr_t start, end, qstart, qend;
	unsigned long unit;
	int ret;

	if (area_data == NULL || ptr == NULL || size == 0)
		return -AML_EINVAL;
	start = (uintptr_t)ptr & ~(uintptr_t)(psize - 1);
	end = (uintptr_t)ptr + size;
	ret = linux_policy_matches(area_data, (void *)start);
	if (ret != 1)
		return ret;
	ret = linux_policy_matches(area_data, (void *)(end - 1));
	if (ret != 1)
		return ret;

	c = calloc(1, sizeof(*c));
	if (c == NULL)
		return -AML_ENOMEM;
	c->data = area_data;
	c->psize = psize;
	c->phase_small = c->phase_huge = -1;
	c->ok = 1;
	c->start = start;
	c->end = end;
	for (int i = 0; i < AML_BITMAP_MAX; i++) {
		c->rank[i] = -1;
		if (aml_bitmap_isset(&area_data->nodemask, (unsigned int)i) == 1) {
			c->rank[i] = c->nnodes;
			c->nodes[c->nnodes++] = i;
		}
	}

	/* Whole 2 MiB units: pages outside the range only say whether a unit
	 * is a huge page; unmapped ones just report -EFAULT. */
	qstart = start & ~(LINUX_HUGE_SIZE - 1);
	qend = (end + LINUX_HUGE_SIZE - 1) & ~(LINUX_HUGE_SIZE - 1);
	unit = psize < LINUX_HUGE_SIZE ? LINUX_HUGE_SIZE / psize : 1;
	ret = 1;
	for (uintptr_t a = qstart; a < qend && c->ok;) {
		void *pages[LINUX_QUERY_PAGES];
		int status[LINUX_QUERY_PAGES];
		unsigned long n = 0;

		for (; a < qend && n < LINUX_QUERY_PAGES; a += psize)
			pages[n++] = (void *)a;
		if (move_pages(0, n, pages, NULL, status, 0) != 0) {
			ret = -AML_FAILURE;
			break;
		}
		for (unsigned long i = 0; i < n; i += unit)
			linux_check_unit(c, pages + i, status + i, unit);
	}
	if (ret == 1)
		ret = c->ok;
	free(c);
	return ret;
}
